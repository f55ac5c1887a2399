/**
 * The e2e app (examples/e2e) built once per test file, under the compliance
 * harness (the four cdk-nag packs and MlopsChecks), its template written to
 * test-out/templates for the contract checks, cfn-lint and checkov.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { E2eStack, E2eStackProps } from '../../examples/e2e/e2e-stack';
import { MlopsChecks } from '../../src/governance';
import { ComplianceResult, synthCompliance, TEST_CONTEXT, testApp } from '../harness/compliance';

export const ENV = { account: '111111111111', region: 'us-east-1' };

/** A built and synthesized e2e app. */
export interface BuiltE2e {
  readonly app: App;
  readonly stack: E2eStack;
  /** The compliance result (absent for a plain build). */
  readonly result?: ComplianceResult;
  readonly template: any;
}

/**
 * Build and synthesize the e2e app as `bash examples/e2e/run.sh` deploys it:
 * under the four packs and MlopsChecks, its template written for the
 * contract checks, or (`plain`) without them, for tests that only run its
 * workflows (the compliance test checks the same template).
 */
export function buildE2e(label: string, props: E2eStackProps = {}, plain = false): BuiltE2e {
  const app = plain ? new App({ context: TEST_CONTEXT }) : testApp();
  if (!plain) {
    Validations.of(app).addPlugins(new MlopsChecks());
  }
  const stack = new E2eStack(app, 'CdkMlopsE2e', { env: ENV, ...props });
  const result = plain ? undefined : synthCompliance(app, { label });
  return { app, stack, result, template: Template.fromStack(stack as Stack).toJSON() };
}

/** The definitions of the e2e workflows, as deployed (references rendered by the harness). */
export function resourcesOfType(template: any, type: string): Array<[string, any]> {
  return Object.entries<any>(template.Resources).filter(([, r]) => r.Type === type);
}

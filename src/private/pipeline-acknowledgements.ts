import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { acknowledge, acknowledgeArns, renderForNag } from './acknowledgements';

/**
 * Acknowledge the wildcard resources of the statements an MlPipeline put in
 * its managed policy (grants of other layers acknowledge their own): `*`
 * with the registry entry `pipelineServiceWildcards`, scoped ARNs with
 * `pipelineJobWildcards` (one id per ARN, as cdk-nag renders it).
 */
export function acknowledgePipelineWildcards(policy: iam.ManagedPolicy, statements: iam.PolicyStatement[]): void {
  const stack = Stack.of(policy);
  const scoped: string[] = [];
  let any = false;
  for (const statement of statements) {
    for (const resource of statement.resources) {
      const rendered = renderForNag(stack.resolve(resource));
      if (rendered === '*') {
        any = true;
      } else if (rendered.includes('*')) {
        scoped.push(resource);
      }
    }
  }
  if (any) {
    acknowledge(policy, 'pipelineServiceWildcards');
  }
  if (scoped.length > 0) {
    acknowledgeArns(policy, 'pipelineJobWildcards', scoped);
  }
}

import { App, Stack } from 'aws-cdk-lib';
import { ApprovalDeployment, ApprovalDeploymentProps } from '../../src/deployment';
import { ModelRegistry } from '../../src/registry';
import { testApp } from '../harness/compliance';

/** Env for every test stack. */
export const ENV = { account: '111111111111', region: 'us-east-1' };

/** A stack with an imported registry named `churn`, and the deployment built by `props`. */
export function deploymentStack(props: Partial<ApprovalDeploymentProps> = {}, app: App = testApp(),
  more: (scope: Stack) => Partial<ApprovalDeploymentProps> = () => ({})): {
    app: App; stack: Stack; deployment: ApprovalDeployment;
  } {
  const stack = new Stack(app, 'Deploy', { env: ENV });
  const registry = ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'churn');
  const deployment = new ApprovalDeployment(stack, 'Deployment', { registry, ...props, ...more(stack) });
  return { app, stack, deployment };
}

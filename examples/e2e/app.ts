/**
 * The e2e app: deploy it in a sandbox account and run its assertion
 * workflow (docs/e2e.md):
 *
 *   bash examples/e2e/run.sh            # deploy, run the assertions (they clean up), destroy
 *   bash examples/e2e/run.sh cleanup    # after an interrupted run: clean up, destroy
 *
 * Context `destroyRetainedResources=false` keeps the platform's buckets,
 * keys, log groups and tables after destroy (the library's default).
 */
import { App } from 'aws-cdk-lib';
import { E2eStack } from './e2e-stack';

const app = new App();
new E2eStack(app, app.node.tryGetContext('stackName') ?? 'CdkMlopsE2e', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION ?? 'us-east-1' },
  description: 'cdk-mlops e2e: trains, approves, deploys, invokes, checks drift, asserts and cleans up (docs/e2e.md)',
  destroyRetainedResources: app.node.tryGetContext('destroyRetainedResources') !== 'false',
});
app.synth();

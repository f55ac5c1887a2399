import { App, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ApprovalDeployment, DeploymentStage, DeploymentTarget } from '../../src/deployment';
import { DriftBaseline, DriftMonitor, DriftMonitorProps } from '../../src/monitoring';
import { MlPipeline } from '../../src/pipeline';
import { ModelRegistry } from '../../src/registry';
import { testApp } from '../harness/compliance';

/** Env for every test stack. */
export const ENV = { account: '111111111111', region: 'us-east-1' };

/** The features of the test baseline. */
export const FEATURES = ['age', 'income', 'plan', 'tenure_months'];

/** A stack with an imported capture bucket/key, baseline bucket and retraining pipeline. */
export function monitoringStack(app: App = testApp(), id = 'Monitor'): {
  app: App; stack: Stack; stage: DeploymentStage; baseline: DriftBaseline; pipeline: ReturnType<typeof MlPipeline.fromPipelineName>;
} {
  const stack = new Stack(app, id, { env: ENV });
  const captureBucket = s3.Bucket.fromBucketName(stack, 'CaptureBucket', 'churn-capture');
  const captureKey = kms.Key.fromKeyArn(stack, 'CaptureKey', 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555');
  const stage = DeploymentStage.fromStageAttributes({
    stageName: 'prod',
    endpointName: 'churn-prod',
    dataCaptureBucket: captureBucket,
    dataCapturePrefix: 'data-capture/prod/',
    encryptionKey: captureKey,
  });
  const baselineBucket = s3.Bucket.fromBucketName(stack, 'BaselineBucket', 'churn-artifacts');
  const baseline = DriftBaseline.fromS3Prefix(baselineBucket, 'baselines/churn/');
  const pipeline = MlPipeline.fromPipelineName(stack, 'Retrain', 'churn-training');
  return { app, stack, stage, baseline, pipeline };
}

/** A monitor with the fixture's endpoint and baseline plus `props`. */
export function monitor(
  props: Partial<DriftMonitorProps> | ((f: ReturnType<typeof monitoringStack>) => Partial<DriftMonitorProps>) = {},
  app: App = testApp(),
): { app: App; stack: Stack; monitor: DriftMonitor } {
  const f = monitoringStack(app);
  const extra = typeof props === 'function' ? props(f) : props;
  const m = new DriftMonitor(f.stack, 'Drift', { stage: f.stage, baseline: f.baseline, ...extra });
  return { app, stack: f.stack, monitor: m };
}

/** A deployment with a nightly batch stage (CSV input under churn-scoring/incoming/) and its stack. */
export function batchDeployment(app: App = testApp(), stage: object = {}) {
  const stack = new Stack(app, 'BatchMonitor', { env: ENV });
  const registry = ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'churn');
  const deployment = new ApprovalDeployment(stack, 'Deployment', {
    registry,
    stages: [{
      stageName: 'nightly',
      target: DeploymentTarget.batch({
        inputBucket: s3.Bucket.fromBucketName(stack, 'Scoring', 'churn-scoring'),
        inputPrefix: 'incoming/',
        schedule: events.Schedule.cron({ hour: '2', minute: '0' }),
      }),
      ...stage,
    }],
  });
  const baseline = DriftBaseline.fromS3Prefix(s3.Bucket.fromBucketName(stack, 'Artifacts', 'churn-artifacts'), 'baselines/churn/');
  return { stack, deployment, baseline };
}

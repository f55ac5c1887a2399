/**
 * Asynchronous and batch stages of ApprovalDeployment: the synthesized
 * resources, and runs of the synthesized workflows (deployment and transform
 * runs) in aws-local-stepfunctions against the fake account, whose answers
 * are checked against botocore after the file.
 */
import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { deploymentStack } from './fixtures';
import { allStates, definitions, execute, FakeAccount } from './workflow-harness';
import { MlInstanceType } from '../../src/common';
import { ApprovalDeploymentProps, AsyncResponseNotification, DeploymentTarget, DeploymentTargetKind, TrafficShift, TransformJoinSource } from '../../src/deployment';
import { expectCompliant } from '../harness/compliance';

const PACKAGE = (v: number) => `arn:aws:sagemaker:us-east-1:111111111111:model-package/churn/${v}`;
const DEPLOY = (v: number) => ({ Action: 'DEPLOY', ModelPackageArn: PACKAGE(v), ModelPackageVersion: v, ModelPackageGroupName: 'churn' });

function build(props: Partial<ApprovalDeploymentProps>) {
  const { stack, deployment } = deploymentStack(props);
  const defs = definitions(stack);
  const ids = Object.keys(defs);
  const main = defs[ids.find((id) => !id.includes('Starter') && !id.includes('Batch'))!];
  const runner = ids.find((id) => id.includes('Batch'));
  return { stack, deployment, main, runner: runner ? defs[runner] : undefined };
}

const asyncStage = (more: object = {}) => ({
  stageName: 'scoring',
  target: DeploymentTarget.asynchronous({
    instanceType: MlInstanceType.ML_C5_XLARGE,
    minCapacity: 0,
    maxCapacity: 4,
    maxConcurrentInvocationsPerInstance: 2,
    includeInferenceResponseIn: [AsyncResponseNotification.SUCCESS],
  }),
  ...more,
});

const batchStage = (scope: any, more: object = {}) => ({
  stageName: 'nightly',
  target: DeploymentTarget.batch({
    inputBucket: s3.Bucket.fromBucketName(scope, 'Scores', 'churn-scoring'),
    inputPrefix: 'incoming/',
    schedule: events.Schedule.cron({ hour: '2', minute: '0' }),
    runOnNewData: true,
    inputFilter: '$[1:]',
    joinSource: TransformJoinSource.INPUT,
    maxConcurrentTransforms: 4,
    invocationTimeout: Duration.minutes(5),
  }),
  ...more,
});

describe('real-time and serverless targets', () => {
  test('DeploymentTarget.realtime and .serverless render what the flat props render', () => {
    const { main, deployment } = build({
      stages: [
        { stageName: 'dev', dataCapture: false, target: DeploymentTarget.serverless({ memorySizeMiB: 2048, maxConcurrency: 5 }) },
        { stageName: 'prod', target: DeploymentTarget.realtime({ instanceType: MlInstanceType.ML_C5_XLARGE, initialInstanceCount: 2 }) },
      ],
    });
    const configs = Object.entries<any>(allStates(main)).filter(([, s]) => s.Resource?.endsWith(':createEndpointConfig'));
    const variant = (stage: string) => configs.find(([n]) => n.startsWith(`${stage}:`))![1].Parameters.ProductionVariants[0];
    expect(variant('dev').ServerlessConfig).toEqual({ MemorySizeInMB: 2048, MaxConcurrency: 5 });
    expect(variant('prod')).toMatchObject({ InstanceType: 'ml.c5.xlarge', InitialInstanceCount: 2 });
    expect(deployment.stages.map((s) => s.kind)).toEqual([DeploymentTargetKind.SERVERLESS, DeploymentTargetKind.REALTIME]);
    expect(deployment.stage('dev').serverless).toBe(true);
  });
});

describe('asynchronous stages', () => {
  test('the endpoint config carries AsyncInferenceConfig: KMS output in the capture bucket, encrypted topics, concurrency', () => {
    const { stack, main, deployment } = build({ stages: [asyncStage()] });
    const create = Object.values<any>(allStates(main)).find((s) => s.Resource?.endsWith(':createEndpointConfig'));
    const bucket = deployment.dataCaptureBucket!.bucketName;
    expect(stack.resolve(bucket)).toBeDefined();
    const config = create.Parameters.AsyncInferenceConfig;
    expect(config.ClientConfig).toEqual({ MaxConcurrentInvocationsPerInstance: 2 });
    expect(config.OutputConfig.S3OutputPath).toMatch(/^s3:\/\/.+\/data-capture\/scoring\/async-output$/);
    expect(config.OutputConfig.S3FailurePath).toMatch(/^s3:\/\/.+\/data-capture\/scoring\/async-failure$/);
    expect(config.OutputConfig.KmsKeyId).toMatch(/^arn:aws:kms:/);
    expect(config.OutputConfig.NotificationConfig.SuccessTopic).toMatch(/^arn:aws:sns:|ref-/);
    expect(config.OutputConfig.NotificationConfig.IncludeInferenceResponseIn).toEqual(['SUCCESS_NOTIFICATION_TOPIC']);
    expect(deployment.stage('scoring').kind).toBe(DeploymentTargetKind.ASYNC);
    // The topics are encrypted with the deployment's key and admit the model execution role.
    const template = Template.fromStack(stack);
    template.resourcePropertiesCountIs('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue(), DisplayName: Match.stringLikeRegexp('async inference') }, 2);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'AllowModelExecutionRoleToPublish',
          Action: 'sns:Publish',
          Principal: { AWS: { 'Fn::GetAtt': [Match.stringLikeRegexp('ModelExecutionRole'), 'Arn'] } },
        })]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'AllowModelExecutionRoleToPublishEncrypted',
          Condition: { StringEquals: { 'kms:ViaService': 'sns.us-east-1.amazonaws.com' } },
        })]),
      },
    });
  });

  test('create, update and rollback run like a real-time stage, with backlog autoscaling down to zero', async () => {
    const { main, deployment } = build({ stages: [asyncStage()] });
    const account = new FakeAccount();
    const endpoint = deployment.endpointName('scoring');

    // create
    await execute(main, DEPLOY(3), account, 'v3');
    expect(account.endpoints.get(endpoint)!.config).toMatch(/^mlops-scoring-v3-/);
    expect(account.configs.find((c) => c.EndpointConfigName.startsWith('mlops-scoring-v3-')).AsyncInferenceConfig).toBeDefined();
    expect(account.targets.get(`endpoint/${endpoint}/variant/AllTraffic`)).toEqual({ min: 0, max: 4 });
    // Scale-out from zero: a step policy of one instance, and the HasBacklogWithoutCapacity alarm that triggers it.
    expect(account.policies.get(`${endpoint}-from-zero`).StepScalingPolicyConfiguration.StepAdjustments).toEqual([{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }]);
    const alarm = account.alarms.get(`${endpoint}-has-backlog-without-capacity`);
    expect(alarm).toMatchObject({ MetricName: 'HasBacklogWithoutCapacity', Namespace: 'AWS/SageMaker', Threshold: 1 });
    expect(alarm.AlarmActions).toEqual([expect.stringMatching(/^arn:aws:autoscaling:us-east-1:111111111111:scalingPolicy:.*policyName\/.*-from-zero$/)]);

    // update: blue/green on the async endpoint (guardrails apply to asynchronous endpoints)
    await execute(main, DEPLOY(4), account, 'v4');
    expect(account.updates).toHaveLength(1);
    expect(account.updates[0].DeploymentConfig.BlueGreenUpdatePolicy).toBeDefined();
    // A stage that may have scaled in to zero updates to a fleet of InitialInstanceCount, not the current (maybe empty) one.
    expect(account.updates[0].RetainAllVariantProperties).toBeUndefined();
    expect(account.endpoints.get(endpoint)!.instanceCount).toBe(1);
    const v4 = account.endpoints.get(endpoint)!.config;
    expect(v4).toMatch(/^mlops-scoring-v4-/);

    // rollback to v3
    await execute(main, { Action: 'ROLLBACK', StageName: 'scoring' }, account, 'rollback');
    expect(account.endpoints.get(endpoint)!.config).toMatch(/^mlops-scoring-v3-/);
    expect(account.notifications.map((x) => x.event).slice(-1)).toEqual(['ROLLED_BACK']);
  });

  test('the scaling policy tracks ApproximateBacklogSizePerInstance of the endpoint', () => {
    const { main, deployment } = build({ stages: [asyncStage()] });
    const put = Object.values<any>(allStates(main)).find((s) => s.Resource?.endsWith(':putScalingPolicy'));
    expect(put.Parameters.TargetTrackingScalingPolicyConfiguration).toEqual({
      TargetValue: 5,
      CustomizedMetricSpecification: {
        MetricName: 'ApproximateBacklogSizePerInstance',
        Namespace: 'AWS/SageMaker',
        Statistic: 'Average',
        Dimensions: [{ Name: 'EndpointName', Value: deployment.endpointName('scoring') }],
      },
      ScaleInCooldown: 300,
      ScaleOutCooldown: 60,
    });
  });
});

describe('batch deployments', () => {
  function batch() {
    const { stack, deployment } = deploymentStack({}, undefined, (scope) => ({ stages: [batchStage(scope)] }));
    const defs = definitions(stack);
    const ids = Object.keys(defs);
    return {
      stack,
      deployment,
      main: defs[ids.find((id) => !id.includes('Starter') && !id.includes('Batch'))!],
      runner: defs[ids.find((id) => id.includes('Batch'))!],
    };
  }

  test('approval switches the model; scheduled and new-data runs use it with fresh job names; a rollback switches back', async () => {
    const { main, runner, deployment } = batch();
    const account = new FakeAccount();
    expect(deployment.stage('nightly').kind).toBe(DeploymentTargetKind.BATCH);
    expect(deployment.stage('nightly').transformStateMachine).toBeDefined();

    // A run before any approval fails and says why.
    await expect(execute(runner, {}, account, 'run-0')).rejects.toThrow(/approve a version/);

    await execute(main, DEPLOY(3), account, 'v3');
    const v3 = account.models.find((m) => m.startsWith('mlops-nightly-v3-'))!;
    expect(account.items.get('model#nightly')!.model.S).toBe(v3);
    expect(account.endpoints.size).toBe(0);

    await execute(runner, {}, account, 'run-1');
    await execute(runner, { detail: { bucket: { name: 'churn-scoring' }, object: { key: 'incoming/2026-12-07.csv' } } }, account, 'run-2');
    expect(account.transformJobs.map((j) => j.ModelName)).toEqual([v3, v3]);
    expect(account.transformJobs[0].TransformInput.DataSource.S3DataSource.S3Uri).toBe('s3://churn-scoring/incoming/');
    expect(account.transformJobs[1].TransformInput.DataSource.S3DataSource.S3Uri).toBe('s3://churn-scoring/incoming/2026-12-07.csv');
    expect(account.transformJobs[0].TransformJobName).not.toBe(account.transformJobs[1].TransformJobName);
    expect(account.transformJobs[0].TransformOutput.S3OutputPath).toBe(`s3://churn-scoring/batch-output/nightly/${account.transformJobs[0].TransformJobName}`);
    expect(account.transformJobs[0].DataProcessing).toEqual({ InputFilter: '$[1:]', JoinSource: 'Input' });
    expect(account.transformJobs[0].TransformResources.VolumeKmsKeyId).toMatch(/^arn:aws:kms:/);

    await execute(main, DEPLOY(4), account, 'v4');
    const v4 = account.models.find((m) => m.startsWith('mlops-nightly-v4-'))!;
    expect(account.items.get('model#nightly')!.model.S).toBe(v4);
    expect(account.items.get('model#nightly')!.previous.S).toBe(v3);
    await execute(runner, {}, account, 'run-3');
    expect(account.transformJobs[2].ModelName).toBe(v4);

    await execute(main, { Action: 'ROLLBACK', StageName: 'nightly' }, account, 'rollback');
    expect(account.items.get('model#nightly')!.model.S).toBe(v3);
    await execute(runner, {}, account, 'run-4');
    expect(account.transformJobs[3].ModelName).toBe(v3);
  });

  test('a failed run notifies and fails; the failed-runs alarm notifies the topic', async () => {
    const { stack, main, runner } = batch();
    const account = new FakeAccount();
    await execute(main, DEPLOY(3), account, 'v3');
    account.failNextTransform = true;
    await expect(execute(runner, {}, account, 'run-1')).rejects.toThrow();
    expect(account.notifications.slice(-1)[0]).toMatchObject({ event: 'RUN_FAILED', stage: 'nightly' });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed', Namespace: 'AWS/States', Threshold: 1, AlarmActions: [{ Ref: Match.stringLikeRegexp('Notifications') }],
    });
  });

  test('a schedule starts the runs; new objects under the prefix start them too (with a warning about EventBridge)', () => {
    const { stack } = batch();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 2 * * ? *)', Target: { Arn: { Ref: Match.stringLikeRegexp('Batchnightly') } },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.s3'], 'detail-type': ['Object Created'], 'detail': { bucket: { name: ['churn-scoring'] }, object: { key: [{ prefix: 'incoming/' }] } } },
    });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('starts a batch transform run only when the bucket sends its events to EventBridge'));
  });
});

describe('compliance', () => {
  test('an async stage and a batch stage together: compliant under the four cdk-nag packs', () => {
    const { app, stack } = deploymentStack({}, undefined, (scope) => ({
      stages: [asyncStage(), batchStage(scope, { approvalRequired: true })],
    }));
    expectCompliant(app);
    Template.fromStack(stack).resourceCountIs('AWS::StepFunctions::StateMachine', 3);
  });
});

describe('bad hosting options', () => {
  const fails = (stages: (scope: any) => any[], message: RegExp) =>
    expect(() => deploymentStack({}, undefined, (scope) => ({ stages: stages(scope) }))).toThrow(message);

  test('fails when a target is combined with the flat instance props', () => {
    fails(() => [{ stageName: 'a', target: DeploymentTarget.realtime(), instanceType: MlInstanceType.ML_M5_XLARGE }],
      /stages\[0\]\.instanceType.*nothing when the stage has a target \(REALTIME\).*move instanceType into the options of DeploymentTarget\.realtime/s);
  });
  test('fails when a serverless target also sets maxCapacity', () => {
    fails(() => [{ stageName: 'a', target: DeploymentTarget.serverless({ memorySizeMiB: 2048 }), maxCapacity: 3 }], /stages\[0\]\.maxCapacity/);
  });
  test('fails when a serverless target has a memory size SageMaker does not offer', () => {
    fails(() => [{ stageName: 'a', target: DeploymentTarget.serverless({ memorySizeMiB: 1000 }), dataCapture: false }],
      /serverlessMemorySizeMiB.*1000.*1024, 2048/s);
  });
  test('fails when async concurrency is out of SageMaker\'s range', () => {
    fails(() => [{ stageName: 'a', target: DeploymentTarget.asynchronous({ maxConcurrentInvocationsPerInstance: 1001 }) }],
      /maxConcurrentInvocationsPerInstance.*1001.*an integer from 1 to 1000/s);
  });
  test('fails when async minCapacity exceeds maxCapacity, or is set without it', () => {
    fails(() => [{ stageName: 'a', target: DeploymentTarget.asynchronous({ minCapacity: 5, maxCapacity: 2 }) }], /minCapacity.*at most maxCapacity \(2\)/s);
    fails(() => [{ stageName: 'a', target: DeploymentTarget.asynchronous({ minCapacity: 0 }) }], /minCapacity.*only together with maxCapacity/s);
  });
  test('fails when an async stage writes failures where its results go', () => {
    fails(() => [{ stageName: 'a', target: DeploymentTarget.asynchronous({ outputPrefix: 'async/out', failurePrefix: 'async/out/' }) }],
      /failurePrefix.*a prefix other than outputPrefix/s);
  });
  test('fails when an async output prefix is empty', () => {
    fails(() => [{ stageName: 'a', target: DeploymentTarget.asynchronous({ outputPrefix: '/' }) }], /outputPrefix.*a non-empty key prefix/s);
  });
  test('fails when an async stage has a smoke test (InvokeEndpoint is refused by async endpoints)', () => {
    fails(() => [{ stageName: 'a', target: DeploymentTarget.asynchronous(), smokeTestPayload: '{}' }], /smokeTestPayload.*InvokeEndpointAsync only/s);
  });
  test('fails when an async stage in another account names an output bucket', () => {
    fails((scope) => [{ stageName: 'a', account: '222222222222', target: DeploymentTarget.asynchronous({ outputBucket: s3.Bucket.fromBucketName(scope, 'B', 'out-bucket') }) }],
      /outputBucket.*nothing on a stage in another account/s);
  });
  test('fails when a batch stage shifts traffic', () => {
    fails((scope) => [batchStage(scope, { trafficShift: TrafficShift.canary({ canaryPercent: 10 }) })],
      /stages\[0\]\.trafficShift.*nothing on a batch stage: it has no endpoint/s);
  });
  test('fails when a batch stage has a smoke test or an endpoint name', () => {
    fails((scope) => [batchStage(scope, { smokeTestPayload: '{}', endpointName: 'x' })], /endpointName.*smokeTestPayload|smokeTestPayload.*endpointName/s);
  });
  test('fails when a batch stage has no trigger', () => {
    fails((scope) => [{ stageName: 'b', target: DeploymentTarget.batch({ inputBucket: s3.Bucket.fromBucketName(scope, 'In', 'in-bucket') }) }],
      /batchOptions.*a schedule, runOnNewData: true, or both/s);
  });
  test('fails when a batch stage is in another account', () => {
    fails((scope) => [batchStage(scope, { account: '222222222222' })], /stages\[0\]\.account.*the deployment's own account for batch stages/s);
  });
  test('fails when a batch payload, filter or timeout is out of range', () => {
    fails((scope) => [{
      stageName: 'b',
      target: DeploymentTarget.batch({
        inputBucket: s3.Bucket.fromBucketName(scope, 'In', 'in-bucket'), runOnNewData: true, maxPayloadMiB: 101, inputFilter: '[1:]', invocationTimeout: Duration.hours(2),
      }),
    }], /maxPayloadMiB.*101.*invocationTimeout.*2 hours.*inputFilter.*\[1:\]/s);
  });
});

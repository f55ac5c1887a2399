import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { deploymentStack, ENV } from './fixtures';
import { definitions, allStates, render } from './workflow-harness';
import { MlInstanceType } from '../../src/common';
import { ApprovalDeployment, DeploymentStage, DeploymentStageOptions, TrafficShift } from '../../src/deployment';
import { SecureMlNetwork } from '../../src/network';
import { ModelRegistry } from '../../src/registry';
import { expectCompliant, testApp } from '../harness/compliance';
import { expectStatefulRetained } from '../harness/stateful';

/** Matches an EventBridge pattern (the subset rules use: literal lists) against an event. */
function matches(pattern: any, event: any): boolean {
  return Object.entries<any>(pattern).every(([key, expected]) => {
    const actual = event?.[key];
    if (Array.isArray(expected)) {
      return expected.some((e) => (typeof e === 'object' ? false : e === actual));
    }
    return matches(expected, actual);
  });
}

function approvalEvent(detail: Record<string, unknown> = {}): any {
  return {
    'version': '0',
    'id': '7a1b',
    'detail-type': 'SageMaker Model Package State Change',
    'source': 'aws.sagemaker',
    'account': '111111111111',
    'time': '2026-11-27T01:00:00Z',
    'region': 'us-east-1',
    'resources': ['arn:aws:sagemaker:us-east-1:111111111111:model-package/churn/3'],
    'detail': {
      ModelPackageGroupName: 'churn',
      ModelPackageVersion: 3,
      ModelPackageArn: 'arn:aws:sagemaker:us-east-1:111111111111:model-package/churn/3',
      ModelPackageName: 'churn',
      ModelApprovalStatus: 'Approved',
      ModelPackageStatus: 'Completed',
      CreationTime: 1732669200000,
      ...detail,
    },
  };
}

function failsWith(stages: DeploymentStageOptions[], message: RegExp): void {
  expect(() => deploymentStack({ stages })).toThrow(message);
}

describe('ApprovalDeployment', () => {
  test('default: staging then gated production, compliant, stateful resources retained', () => {
    // GIVEN / WHEN
    const { app, stack, deployment } = deploymentStack();

    // THEN
    expectCompliant(app);
    const template = Template.fromStack(stack);
    expect(expectStatefulRetained(template).length).toBeGreaterThanOrEqual(4);
    expect(deployment.stages.map((s) => s.stageName)).toEqual(['staging', 'production']);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineType: 'EXPRESS', TracingConfiguration: { Enabled: true } });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Invocation5XXErrors',
      Namespace: 'AWS/SageMaker',
      Threshold: 1,
      Dimensions: Match.arrayWith([{ Name: 'EndpointName', Value: deployment.endpointName('production') }]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ModelLatency', Threshold: 1000000 });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.resourcePropertiesCountIs('AWS::Lambda::Function', {}, 0);
  });

  test('the stateful logical ids are the contract', () => {
    // GIVEN / WHEN
    const { stack } = deploymentStack();

    // THEN
    const template = Template.fromStack(stack);
    expect(Object.keys(template.findResources('AWS::KMS::Key'))).toEqual(['DeploymentKeyF6356C26']);
    expect(Object.keys(template.findResources('AWS::S3::Bucket')).sort()).toEqual(['DeploymentDataCapture09BD181E', 'DeploymentDataCaptureAccessLogsBAA624E4']);
    expect(Object.keys(template.findResources('AWS::Logs::LogGroup')).sort()).toEqual(['DeploymentLogs3DAF60BB', 'DeploymentStarterLogs2B4A0793']);
  });

  test('exposes per stage what drift monitoring needs', () => {
    // GIVEN / WHEN
    const { stack, deployment } = deploymentStack({
      stages: [
        { stageName: 'staging', serverlessMemorySizeMiB: 2048 },
        { stageName: 'prod', endpointName: 'churn-prod', dataCaptureSamplingPercent: 25 },
      ],
    });

    // THEN
    const staging = deployment.stage('staging');
    expect(staging.serverless).toBe(true);
    expect(staging.dataCaptureEnabled).toBe(false);
    expect(staging.dataCaptureS3Uri).toBeUndefined();
    const prod = deployment.stage('prod');
    expect(prod.endpointName).toBe('churn-prod');
    expect(prod.serverless).toBe(false);
    expect(prod.dataCapturePrefix).toBe('data-capture/prod/');
    expect(prod.dataCaptureBucket).toBe(deployment.dataCaptureBucket);
    expect(prod.encryptionKey).toBe(deployment.encryptionKey);
    expect(stack.resolve(prod.dataCaptureS3Uri)).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: 'DeploymentDataCapture09BD181E' }, '/data-capture/prod']] });
    expect(deployment.rollbackAlarms('prod')).toHaveLength(3);

    // AND a drift check can be granted read access to exactly the stage's captures
    const reader = new iam.Role(stack, 'DriftCheck', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    expect(staging.grantReadDataCapture(reader).success).toBe(false);
    prod.grantReadDataCapture(reader);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:GetObject',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['DeploymentDataCapture09BD181E', 'Arn'] }, '/data-capture/prod/*']] },
          }),
          Match.objectLike({ Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': ['data-capture/prod/*'] } } }),
          Match.objectLike({ Action: 'kms:Decrypt' }),
        ]),
      },
    });
    expect(() => deployment.stage('qa')).toThrow(/stageName: got 'qa'; allowed: 'staging', 'prod'/);
  });

  test('renders data capture, the volume key and serverless config into the workflow', () => {
    // GIVEN / WHEN
    const { app, stack } = deploymentStack({
      stages: [
        { stageName: 'a', serverlessMemorySizeMiB: 3072, serverlessMaxConcurrency: 5 },
        { stageName: 'b', instanceType: MlInstanceType.ML_G5_XLARGE, dataCaptureSamplingPercent: 30 },
        { stageName: 'c', instanceType: MlInstanceType.ML_C5_XLARGE },
      ],
    });

    // THEN
    expectCompliant(app);
    const main = Object.entries(definitions(stack)).find(([id]) => !id.includes('Starter'))![1];
    const states = allStates(main);
    const a = states['a: Create endpoint config'].Parameters;
    expect(a.ProductionVariants[0].ServerlessConfig).toEqual({ MemorySizeInMB: 3072, MaxConcurrency: 5 });
    expect(a.KmsKeyId).toBeUndefined();
    expect(a.DataCaptureConfig).toBeUndefined();
    const b = states['b: Create endpoint config'].Parameters;
    expect(b.KmsKeyId).toBeUndefined(); // g5 has local NVMe
    expect(b.DataCaptureConfig).toMatchObject({ EnableCapture: true, InitialSamplingPercentage: 30, KmsKeyId: expect.stringContaining('DeploymentKey') });
    const c = states['c: Create endpoint config'].Parameters;
    expect(c.KmsKeyId).toEqual(expect.stringContaining('DeploymentKey'));
    expect(states['c: Generate names'].Parameters['ModelName.$']).toBe("States.Format('mlops-c-v{}-{}', $.ModelPackageVersion, States.Hash($.Context.ExecutionId, 'MD5'))");
    expect(states['c: Create model'].Parameters.EnableNetworkIsolation).toBe(true);
  });

  test('canary guardrails and user alarms reach UpdateEndpoint', () => {
    // GIVEN
    const app = testApp();
    const stack = new Stack(app, 'Deploy', { env: ENV });
    const registry = ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'churn');
    const extra = cloudwatch.Alarm.fromAlarmArn(stack, 'Extra', 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:business-kpi');

    // WHEN
    new ApprovalDeployment(stack, 'Deployment', {
      registry,
      stages: [{
        stageName: 'prod',
        initialInstanceCount: 4,
        additionalRollbackAlarms: [extra],
        terminationWait: Duration.minutes(10),
        trafficShift: TrafficShift.canary({ canaryPercent: 5, waitInterval: Duration.minutes(15) }),
      }],
    });

    // THEN
    expectCompliant(app);
    const main = Object.entries(definitions(stack)).find(([id]) => !id.includes('Starter'))![1];
    const config = allStates(main)['prod: update endpoint'].Parameters.DeploymentConfig;
    expect(config.BlueGreenUpdatePolicy).toEqual({
      TrafficRoutingConfiguration: { Type: 'CANARY', WaitIntervalInSeconds: 900, CanarySize: { Type: 'CAPACITY_PERCENT', Value: 5 } },
      TerminationWaitInSeconds: 600,
      MaximumExecutionTimeoutInSeconds: 7200,
    });
    expect(config.AutoRollbackConfiguration.Alarms).toHaveLength(4);
    expect(config.AutoRollbackConfiguration.Alarms[3]).toEqual({ AlarmName: 'business-kpi' });
  });

  test('the approval rule matches the group\'s approval events only', () => {
    // GIVEN / WHEN
    const { stack } = deploymentStack();

    // THEN
    const rules = Template.fromStack(stack).findResources('AWS::Events::Rule');
    const [rule] = Object.values<any>(rules);
    const pattern = rule.Properties.EventPattern;
    expect(matches(pattern, approvalEvent())).toBe(true);
    expect(matches(pattern, approvalEvent({ ModelPackageGroupName: 'fraud' }))).toBe(false);
    expect(matches(pattern, approvalEvent({ ModelApprovalStatus: 'Rejected' }))).toBe(false);
    expect(matches(pattern, approvalEvent({ ModelApprovalStatus: 'PendingManualApproval' }))).toBe(false);
    expect(matches(pattern, { ...approvalEvent(), 'detail-type': 'SageMaker Endpoint State Change' })).toBe(false);
    expect(rule.Properties.Targets[0].Arn).toEqual({ Ref: 'DeploymentStarterAB576B66' });
  });

  test('in a SecureMlNetwork: VPC config on models, endpoints required, compliant', () => {
    // GIVEN
    const app = testApp();
    const stack = new Stack(app, 'Deploy', { env: ENV });
    const network = new SecureMlNetwork(stack, 'Network', { interfaceEndpoints: [] });
    const registry = ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'churn');

    // WHEN
    const deployment = new ApprovalDeployment(stack, 'Deployment', {
      registry,
      network,
      stages: [{ stageName: 'prod', maxCapacity: 4, smokeTestPayload: '1,2,3', smokeTestContentType: 'text/csv' }],
    });

    // THEN
    expectCompliant(app);
    expect(network.endpointServiceNames).toEqual(expect.arrayContaining(['sagemaker.api', 'sagemaker.runtime']));
    const main = Object.entries(definitions(stack)).find(([id]) => !id.includes('Starter'))![1];
    const states = allStates(main);
    expect(states['prod: Create model'].Parameters.VpcConfig.Subnets).toHaveLength(2);
    expect(states['prod: Smoke test'].Parameters).toEqual({ EndpointName: deployment.endpointName('prod'), Body: '1,2,3', ContentType: 'text/csv' });
    expect(states['prod: Register autoscaling'].Parameters).toMatchObject({ MinCapacity: 1, MaxCapacity: 4 });
  });

  test('bring your own key and topic; imported deployments expose stages', () => {
    // GIVEN
    const app = testApp();
    const stack = new Stack(app, 'Deploy', { env: ENV });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true, removalPolicy: RemovalPolicy.DESTROY });
    const registry = ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'churn');

    // WHEN
    const deployment = new ApprovalDeployment(stack, 'Deployment', {
      registry, encryptionKey: key, stages: [{ stageName: 'prod', dataCapture: false }],
    });
    const imported = ApprovalDeployment.fromApprovalDeploymentAttributes(stack, 'Imported', {
      stateMachineArn: 'arn:aws:states:us-east-1:111111111111:stateMachine:deploy',
      encryptionKey: key,
      notificationTopic: deployment.notificationTopic,
      stages: [DeploymentStage.fromStageAttributes({ stageName: 'prod', endpointName: 'churn-prod' })],
    });
    imported.onDeploymentFailed('Failed');

    // THEN
    expect(deployment.encryptionKey).toBe(key);
    expect(deployment.dataCaptureBucket).toBeUndefined();
    expect(imported.endpointName('prod')).toBe('churn-prod');
    expect(stack.resolve(imported.stage('prod').metricModelLatency().dimensions)).toEqual({ EndpointName: 'churn-prod', VariantName: 'AllTraffic' });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        'detail': { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: ['arn:aws:states:us-east-1:111111111111:stateMachine:deploy'] },
      },
    });
    Template.fromStack(stack).resourceCountIs('AWS::S3::Bucket', 0);
  });

  test('grants, metrics and events', () => {
    // GIVEN
    const { stack, deployment } = deploymentStack();
    const role = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });

    // WHEN
    deployment.grantGateDecision(role);
    deployment.grantStartExecution(role);
    deployment.onDeploymentSucceeded('Ok');

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'] }),
          Match.objectLike({ Action: 'states:StartExecution' }),
        ]),
      },
    });
    const staging = deployment.stage('staging');
    expect(staging.metricInvocations().metricName).toBe('Invocations');
    expect(staging.metricInvocation5XXErrors().statistic).toBe('Sum');
    expect(staging.metricInvocationModelErrors().metricName).toBe('InvocationModelErrors');
    expect(staging.metricInvocation4XXErrors().metricName).toBe('Invocation4XXErrors');
  });

  test('pruning can be turned off; Inf1 stages get a warning about guardrails', () => {
    // GIVEN / WHEN
    const { stack } = deploymentStack({
      pruneOldVersions: false,
      stages: [{ stageName: 'p', instanceType: MlInstanceType.of('ml.inf1.xlarge') }],
    });

    // THEN
    const main = Object.entries(definitions(stack)).find(([id]) => !id.includes('Starter'))![1];
    expect(Object.keys(allStates(main)).filter((name) => name.includes('Prune'))).toEqual([]);
    Annotations.fromStack(stack).hasWarning('/Deploy/Deployment', Match.stringLikeRegexp('falls back to all-at-once blue/green'));
  });

  test('the workflow policy stays below the managed policy size limit with many stages', () => {
    // GIVEN / WHEN
    const stages: DeploymentStageOptions[] = ['dev', 'qa', 'staging', 'preprod', 'prod'].map((stageName) => ({
      stageName, maxCapacity: 3, smokeTestPayload: '{}', approvalRequired: stageName === 'prod',
    }));
    const { stack } = deploymentStack({ stages });

    // THEN
    const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy');
    const workflow = Object.entries<any>(policies).filter(([id]) => id.startsWith('DeploymentWorkflowRolePolicy'));
    expect(workflow.length).toBeGreaterThan(1);
    expect(workflow.length).toBeLessThanOrEqual(10);
    for (const policy of Object.values<any>(policies)) {
      // IAM counts the policy without whitespace, references resolved.
      expect(JSON.stringify(render(policy.Properties.PolicyDocument)).length).toBeLessThan(6144);
    }
  });

  describe('fails when', () => {
    test('fails when the canary is outside 1-50%', () => {
      failsWith([{ stageName: 'p', trafficShift: TrafficShift.canary({ canaryPercent: 60 }) }],
        /stages\[0\]\.trafficShift\.canaryPercent: got 60; allowed: an integer from 1 to 50/);
    });
    test('fails when the linear step is outside 10-50%', () => {
      failsWith([{ stageName: 'p', trafficShift: TrafficShift.linear({ stepPercent: 5 }) }],
        /trafficShift\.stepPercent: got 5; allowed: an integer from 10 to 50/);
    });
    test('fails when wait times are out of range', () => {
      failsWith([{
        stageName: 'p',
        trafficShift: TrafficShift.allAtOnce({ waitInterval: Duration.hours(2) }),
        terminationWait: Duration.hours(2),
        maximumExecutionTimeout: Duration.minutes(1),
      }], /3 invalid problems[\s\S]*waitInterval: got '2 hours'; allowed: whole seconds from 0 to 3600[\s\S]*terminationWait[\s\S]*maximumExecutionTimeout: got '1 minute'; allowed: whole seconds from 600 to 28800/);
    });
    test('fails when autoscaling min > max', () => {
      failsWith([{ stageName: 'p', minCapacity: 5, maxCapacity: 2 }], /minCapacity: got 5; allowed: at most maxCapacity \(2\)/);
    });
    test('fails when sampling is outside 0-100', () => {
      failsWith([{ stageName: 'p', dataCaptureSamplingPercent: 101 }], /dataCaptureSamplingPercent: got 101; allowed: an integer from 0 to 100/);
    });
    test('fails when the serverless memory is not a valid size', () => {
      failsWith([{ stageName: 'p', serverlessMemorySizeMiB: 1500 }], /serverlessMemorySizeMiB: got 1500; allowed: 1024, 2048, 3072, 4096, 5120, 6144/);
    });
    test('fails when a serverless stage asks for data capture', () => {
      failsWith([{ stageName: 'p', serverlessMemorySizeMiB: 2048, dataCapture: true }],
        /dataCapture: got true; allowed: false on serverless stages: serverless endpoints capture no data, so they cannot be monitored for drift/);
    });
    test('fails when stage names repeat', () => {
      failsWith([{ stageName: 'prod' }, { stageName: 'prod' }], /stages\[1\]\.stageName: got 'prod'; allowed: unique stage names/);
    });
    test('fails when more than 10 rollback alarms', () => {
      const stack = new Stack();
      const alarms = Array.from({ length: 8 }, (_, i) => cloudwatch.Alarm.fromAlarmArn(stack, `A${i}`, `arn:aws:cloudwatch:us-east-1:111111111111:alarm:a${i}`));
      failsWith([{ stageName: 'p', additionalRollbackAlarms: alarms }], /additionalRollbackAlarms: got '8 alarms \(\+3 created\)'; allowed: at most 7 additional alarms/);
    });
    test('fails when a stage name is not usable in SageMaker names', () => {
      failsWith([{ stageName: 'Production_Stage' }], /stageName: got 'Production_Stage'; allowed: 1 to 12 lowercase letters/);
    });
    test('fails when serverless concurrency is set on a real-time stage or out of range', () => {
      failsWith([{ stageName: 'p', serverlessMaxConcurrency: 500 }], /2 invalid problems[\s\S]*only on serverless stages[\s\S]*an integer from 1 to 200/);
    });
    test('fails when a serverless stage asks for network isolation', () => {
      failsWith([{ stageName: 'p', serverlessMemorySizeMiB: 1024, dataCapture: false, networkIsolation: true }],
        /stages\[0\]\.networkIsolation: got true; allowed: only on real-time stages: serverless endpoints support neither network isolation nor VPC config/);
    });

    test('fails when real-time settings are given to a serverless stage', () => {
      failsWith([{ stageName: 'p', serverlessMemorySizeMiB: 1024, maxCapacity: 3 }], /maxCapacity: got 3; allowed: only on real-time stages/);
    });
    test('fails when there are no stages', () => {
      failsWith([], /stages: got \[\]; allowed: at least one stage/);
    });
    test('fails when the endpoint name has capitals', () => {
      failsWith([{ stageName: 'p', endpointName: 'Churn_Prod' }], /endpointName: got 'Churn_Prod'; allowed: 1 to 63 lowercase letters/);
    });
    test('fails when keepVersions would delete the rollback target', () => {
      expect(() => deploymentStack({ keepVersions: 1 })).toThrow(/keepVersions: got 1; allowed: an integer from 2 to 50/);
    });
    test('fails when approvalTimeout is given without a gate', () => {
      failsWith([{ stageName: 'p', approvalTimeout: Duration.days(1) }], /approvalTimeout: got '1 day'; allowed: only with approvalRequired/);
    });
    test('fails when a canary runs on a single instance (a canary is at least one whole instance)', () => {
      failsWith([{ stageName: 'p', trafficShift: TrafficShift.canary({ canaryPercent: 10 }) }],
        /stages\[0\]\.trafficShift: got 'canary of 10% of 1 instance = 1 instance'; allowed: a canary of at most 50% of the smallest fleet.*Fix: run at least 2 instances/);
    });
    test('fails when the canary rounds up to more than half of the instances', () => {
      failsWith([{ stageName: 'p', initialInstanceCount: 3, trafficShift: TrafficShift.canary({ canaryPercent: 40 }) }],
        /trafficShift: got 'canary of 40% of 3 instances = 2 instances'.*Fix: lower the percentage to at most 33%/);
    });
    test('fails when a linear rollout runs on a single instance', () => {
      failsWith([{ stageName: 'p', trafficShift: TrafficShift.linear({ stepPercent: 20 }) }],
        /trafficShift: got 'linear step of 20% of 1 instance = 1 instance'; allowed: a linear step of at most 50% of the smallest fleet/);
    });
    test('fails when a linear step of 50% rounds up past half of 3 instances', () => {
      failsWith([{ stageName: 'p', initialInstanceCount: 3, trafficShift: TrafficShift.linear({ stepPercent: 50 }) }],
        /trafficShift: got 'linear step of 50% of 3 instances = 2 instances'/);
    });
    test('fails when autoscaling can shrink the fleet below what the canary needs', () => {
      failsWith([{ stageName: 'p', initialInstanceCount: 4, minCapacity: 1, maxCapacity: 6, trafficShift: TrafficShift.canary({ canaryPercent: 25 }) }],
        /trafficShift: got 'canary of 25% of 1 instance = 1 instance'/);
    });
    test('fails when the rollout waits do not fit in the given maximumExecutionTimeout', () => {
      failsWith([{
        stageName: 'p',
        initialInstanceCount: 2,
        trafficShift: TrafficShift.canary({ canaryPercent: 50, waitInterval: Duration.minutes(30) }),
        terminationWait: Duration.minutes(30),
        maximumExecutionTimeout: Duration.minutes(80),
      }], /maximumExecutionTimeout: got '1 hour 20 minutes'; allowed: longer than the rollout's waits \(1 hour 30 minutes/);
    });
    test('fails when a linear rollout waits longer than SageMaker\'s 8-hour maximum', () => {
      failsWith([{ stageName: 'p', initialInstanceCount: 10, trafficShift: TrafficShift.linear({ stepPercent: 10, waitInterval: Duration.minutes(50) }) }],
        /trafficShift: got '8 hours 25 minutes of waits'; allowed: rollout waits \(every bake plus terminationWait\) below 28800 seconds/);
    });
    test('fails when a rollback alarm is listed twice', () => {
      const stack = new Stack();
      const kpi = cloudwatch.Alarm.fromAlarmArn(stack, 'Kpi', 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:kpi');
      failsWith([{ stageName: 'p', additionalRollbackAlarms: [kpi, kpi] }], /additionalRollbackAlarms: got \["kpi"\]; allowed: each alarm once/);
    });
    test('fails when a cross-account stage would get more than 10 rollback alarms', () => {
      const stack = new Stack();
      const alarms = Array.from({ length: 8 }, (_, i) => cloudwatch.Alarm.fromAlarmArn(stack, `A${i}`, `arn:aws:cloudwatch:us-east-1:222222222222:alarm:a${i}`));
      failsWith([{ stageName: 'p', account: '222222222222', additionalRollbackAlarms: alarms }], /additionalRollbackAlarms: got '8 alarms \(\+3 created\)'/);
    });
    test('fails when a serverless stage sets a capture sampling percentage', () => {
      failsWith([{ stageName: 'p', serverlessMemorySizeMiB: 2048, dataCaptureSamplingPercent: 10 }],
        /dataCaptureSamplingPercent: got 10; allowed: only on real-time stages: serverless endpoints capture no data/);
    });
    test('fails when pollInterval is outside 1 second to 1 hour, or longer than endpointWaitTimeout', () => {
      expect(() => deploymentStack({ pollInterval: Duration.hours(2) })).toThrow(/pollInterval: got '2 hours'; allowed: whole seconds from 1 to 3600/);
      expect(() => deploymentStack({ pollInterval: Duration.minutes(10), endpointWaitTimeout: Duration.minutes(5) }))
        .toThrow(/pollInterval: got '10 minutes'; allowed: at most endpointWaitTimeout \(5 minutes\)/);
    });
    test('fails when endpointWaitTimeout is outside 1 minute to 1 day', () => {
      expect(() => deploymentStack({ endpointWaitTimeout: Duration.days(2) })).toThrow(/endpointWaitTimeout: got '2 days'; allowed: whole seconds from 60 to 86400/);
    });
    test('fails when deploymentTimeout exceeds a Standard execution\'s year', () => {
      expect(() => deploymentStack({ deploymentTimeout: Duration.days(400) })).toThrow(/deploymentTimeout: got '400 days'; allowed: whole seconds from 3600 to 31536000/);
    });
    test('fails when a gate would wait longer than the whole deployment may run', () => {
      expect(() => deploymentStack({
        deploymentTimeout: Duration.days(3),
        stages: [{ stageName: 'p', approvalRequired: true, approvalTimeout: Duration.days(5) }],
      })).toThrow(/stages\[0\]\.approvalTimeout: got '5 days'; allowed: shorter than deploymentTimeout \(3 days\)/);
    });
    test('fails when so many stages leave no history room for polling', () => {
      const stages: DeploymentStageOptions[] = Array.from({ length: 20 }, (_, i) => ({ stageName: `s${i}`, maxCapacity: 2, smokeTestPayload: '{}' }));
      expect(() => deploymentStack({ stages, keepVersions: 50 })).toThrow(/stages: got '20 stages'; allowed: a workflow whose states leave room for 50 polls/);
    });
  });
});

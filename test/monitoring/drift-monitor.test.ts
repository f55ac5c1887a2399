import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { ENV, FEATURES, monitor, monitoringStack } from './fixtures';
import { MlInstanceType } from '../../src/common';
import { ApprovalDeployment, DeploymentStage } from '../../src/deployment';
import {
  DriftBaseline, DriftEngine, DriftMonitor, DriftSchedule, FeatureMetrics, ModelQualityProblemType,
} from '../../src/monitoring';
import { MlEndpointService, SecureMlNetwork } from '../../src/network';
import { ModelRegistry } from '../../src/registry';
import { expectCompliant, testApp } from '../harness/compliance';
import { expectStatefulRetained } from '../harness/stateful';
import { stateMachineDefinitions } from '../harness/stepfunctions';

/** The CreateMonitoringSchedule requests of the Model Monitor schedule workflow (schedules are created once the endpoint is in service). */
function scheduleRequests(stack: Stack): any[] {
  const [definition] = Object.entries(stateMachineDefinitions(stack, { typed: true })).filter(([id]) => id.includes('MonitoringSchedules')).map(([, d]) => d);
  return Object.values<any>(definition.States).filter((st) => st.Resource?.endsWith(':createMonitoringSchedule')).map((st) => st.Parameters);
}

const modelMonitorEngine = () => DriftEngine.modelMonitor();

describe('DriftMonitor with the processing engine (default)', () => {
  test('runs the drift check hourly through EventBridge Scheduler and a Step Functions workflow', () => {
    // GIVEN / WHEN
    const { stack, monitor: m } = monitor();
    const t = Template.fromStack(stack);
    // THEN
    expect(m.engineName).toBe('processing');
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(10 * * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      KmsKeyArn: Match.anyValue(),
      Target: Match.objectLike({ Input: '{"scheduledTime":"<aws.scheduler.scheduled-time>"}', Arn: { Ref: Match.stringLikeRegexp('DriftCheckWorkflow') } }),
    });
    t.resourceCountIs('AWS::Lambda::Function', 0);
    t.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    t.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      EncryptionConfiguration: Match.objectLike({ Type: 'CUSTOMER_MANAGED_KMS_KEY' }),
    });
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'sagemaker.amazonaws.com' } })] }),
    });
  });

  test('an instance type with local NVMe storage runs the check without a volume key (SageMaker rejects VolumeKmsKeyId for it)', () => {
    // GIVEN / WHEN: ProcessingClusterConfig.VolumeKmsKeyId, SageMaker API Reference: "You can't request a
    // VolumeKmsKeyId when using an instance type with local storage."
    const clusterOf = (instanceType?: MlInstanceType) => {
      const { stack } = monitor({ engine: DriftEngine.processing({ instanceType }) });
      const [definition] = Object.entries(stateMachineDefinitions(stack)).filter(([id]) => id.includes('CheckWorkflow')).map(([, d]) => d);
      return definition.States.Check.Arguments.ProcessingResources.ClusterConfig;
    };
    // THEN
    expect(clusterOf(MlInstanceType.ML_M5D_XLARGE)).toEqual({ InstanceCount: 1, InstanceType: 'ml.m5d.xlarge', VolumeSizeInGB: 30 });
    expect(clusterOf(MlInstanceType.of('ml.g5.2xlarge'))).not.toHaveProperty('VolumeKmsKeyId');
    expect(clusterOf()).toEqual({ InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30, VolumeKmsKeyId: expect.anything() });
  });

  test('fails when a volume key is given with an instance type with local NVMe storage', () => {
    const f = monitoringStack();
    const key = new kms.Key(f.stack, 'VolumeKey');
    expect(() => new DriftMonitor(f.stack, 'Drift', {
      stage: f.stage,
      baseline: f.baseline,
      engine: DriftEngine.processing({ instanceType: MlInstanceType.ML_M5D_XLARGE, volumeEncryptionKey: key }),
    })).toThrow(/engine\.volumeEncryptionKey: got 'given with ml\.m5d\.xlarge'; allowed: no volume key with an instance type with local NVMe storage.*Fix: drop volumeEncryptionKey/);
  });

  test('every-N-hours, daily and rate schedules map to EventBridge Scheduler expressions ten minutes after the window', () => {
    // GIVEN / WHEN
    const expressions = [DriftSchedule.everyHours(6, 2), DriftSchedule.daily(5), DriftSchedule.rate(Duration.minutes(30))].map((schedule) => {
      const { stack } = monitor({ schedule, retrainCooldown: Duration.days(1) });
      return Template.fromStack(stack).findResources('AWS::Scheduler::Schedule');
    }).map((r) => Object.values<any>(r)[0].Properties.ScheduleExpression);
    // THEN
    expect(expressions).toEqual(['cron(10 2/6 * * ? *)', 'cron(10 5 * * ? *)', 'rate(30 minutes)']);
  });

  test('the job role may publish only to the drift namespace and its job\'s SageMaker metrics, and read only the endpoint\'s capture prefix', () => {
    // GIVEN / WHEN
    const { stack } = monitor();
    const t = Template.fromStack(stack);
    // THEN
    const policies = t.findResources('AWS::IAM::ManagedPolicy');
    const jobPolicy = Object.entries<any>(policies).find(([id]) => id.startsWith('DriftCheckJobRolePolicy'))![1];
    const statements: any[] = jobPolicy.Properties.PolicyDocument.Statement;
    // SageMaker publishes the instance metrics of a processing job in
    // /aws/sagemaker/ProcessingJobs with the job's role (SageMaker developer
    // guide, CreateProcessingJob execution role permissions).
    expect(statements).toContainEqual({
      Action: 'cloudwatch:PutMetricData',
      Condition: { StringEquals: { 'cloudwatch:namespace': ['CdkMlops/Drift', '/aws/sagemaker/ProcessingJobs'] } },
      Effect: 'Allow',
      Resource: '*',
    });
    const reads = JSON.stringify(statements.filter((st) => st.Action === 's3:GetObject' || (Array.isArray(st.Action) && st.Action.includes('s3:GetObject'))));
    expect(reads).toContain(':s3:::churn-capture/data-capture/prod/churn-prod/AllTraffic/*');
    expect(reads).not.toContain(':s3:::churn-capture/*');
    const list = statements.find((st) => st.Action === 's3:ListBucket' && JSON.stringify(st.Resource).includes('churn-capture'));
    expect(list.Condition).toEqual({ StringLike: { 's3:prefix': ['data-capture/prod/churn-prod/AllTraffic/*'] } });
  });

  test('alarms on DriftScore and per-feature FeatureDrift with the drift check\'s namespace and dimensions, to the encrypted topic', () => {
    // GIVEN / WHEN
    const { stack, monitor: m } = monitor({ features: FEATURES, featureAlarms: ['income', 'tenure_months'], featureDriftThreshold: 2, notificationEmails: ['ml-team@example.com'] });
    const t = Template.fromStack(stack);
    // THEN
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CdkMlops/Drift',
      MetricName: 'DriftScore',
      Dimensions: [{ Name: 'EndpointName', Value: 'churn-prod' }],
      Statistic: 'Maximum',
      Period: 3600,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('DriftNotifications') }],
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CdkMlops/Drift',
      MetricName: 'FeatureDrift',
      Threshold: 2,
      Dimensions: [{ Name: 'EndpointName', Value: 'churn-prod' }, { Name: 'Feature', Value: 'tenure_months' }],
    });
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ml-team@example.com' });
    expect(Object.keys(m.featureAlarms).sort()).toEqual(['income', 'tenure_months']);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ExecutionsFailed', Namespace: 'AWS/States' });
  });

  test('metricDrift, metricViolations and onDriftDetected name the real metrics and alarms', () => {
    // GIVEN
    const { stack, monitor: m } = monitor();
    // WHEN
    const drift = stack.resolve(m.metricDrift().toMetricConfig().metricStat);
    const feature = stack.resolve(m.metricDrift('income').toMetricConfig().metricStat);
    const violations = stack.resolve(m.metricViolations().toMetricConfig().metricStat);
    m.onDriftDetected('OnDrift', { description: 'page someone' });
    // THEN
    expect(drift).toMatchObject({ namespace: 'CdkMlops/Drift', metricName: 'DriftScore', dimensions: [{ name: 'EndpointName', value: 'churn-prod' }] });
    expect(feature.metricName).toBe('FeatureDrift');
    expect(feature.dimensions).toContainEqual({ name: 'Feature', value: 'income' });
    expect(violations.metricName).toBe('Violations');
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      Description: 'page someone',
      EventPattern: {
        'source': ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        'resources': [{ 'Fn::GetAtt': [Match.stringLikeRegexp('DriftDriftAlarm'), 'Arn'] }],
        'detail': { state: { value: ['ALARM'] } },
      },
    });
  });

  test('the metrics are cloudwatch.Metric: createAlarm works on each, as on an aws-cdk-lib metric', () => {
    // GIVEN
    const { stack, monitor: m } = monitor({ features: FEATURES });
    // WHEN
    m.metricDrift(undefined, { period: Duration.hours(6) }).createAlarm(stack, 'SixHourDrift', { threshold: 1, evaluationPeriods: 2 });
    m.metricViolations().createAlarm(stack, 'AnyViolation', { threshold: 1, evaluationPeriods: 1 });
    m.metricDrift('age', { statistic: 'Average' }).createAlarm(stack, 'AgeDrift', { threshold: 1, evaluationPeriods: 1 });
    // THEN
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CdkMlops/Drift',
      MetricName: 'DriftScore',
      Period: 21600,
      Statistic: 'Maximum',
      EvaluationPeriods: 2,
      Dimensions: [{ Name: 'EndpointName', Value: 'churn-prod' }],
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'CdkMlops/Drift', MetricName: 'Violations', Period: 3600, Statistic: 'Maximum' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'FeatureDrift', Statistic: 'Average', Dimensions: [{ Name: 'EndpointName', Value: 'churn-prod' }, { Name: 'Feature', Value: 'age' }],
    });
  });

  test('Model Monitor: metricDrift(feature) is the feature\'s feature_baseline_drift metric, and createAlarm works on it', () => {
    // GIVEN
    const { stack, monitor: m } = monitor({ engine: DriftEngine.modelMonitor(), features: FEATURES });
    // WHEN
    m.metricDrift('plan').createAlarm(stack, 'PlanDrift', { threshold: 0.2, evaluationPeriods: 1 });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'aws/sagemaker/Endpoints/data-metrics',
      MetricName: 'feature_baseline_drift_plan',
      Threshold: 0.2,
      Dimensions: Match.arrayWith([{ Name: 'Endpoint', Value: 'churn-prod' }, { Name: 'MonitoringSchedule', Value: 'churn-prod-dq' }]),
    });
  });

  test('fails when metricDrift() has no feature or metricViolations() is called with the Model Monitor engine (it publishes no overall metric)', () => {
    // GIVEN
    const { monitor: m } = monitor({ engine: DriftEngine.modelMonitor(), features: FEATURES });
    // WHEN / THEN
    expect(() => m.metricDrift()).toThrow(
      /metricDrift\(feature\): got undefined; allowed: a feature with the modelMonitor engine: it publishes feature_baseline_drift_<feature> per feature and no overall drift metric\. Fix: call metricDrift\('<feature>'\), or use driftAlarm\.metric/);
    expect(() => m.metricViolations()).toThrow(/metricViolations\(\): got 'modelMonitor'; allowed: the processing engine.*Fix: alarm on metricDrift\('<feature>'\)/);
  });

  test('an imported monitor matches alarms on the drift metrics of its endpoint', () => {
    // GIVEN
    const stack = new Stack(testApp(), 'Consumer', { env: ENV });
    // WHEN
    const m = DriftMonitor.fromEndpointName(stack, 'Imported', 'churn-prod');
    m.onDriftDetected('OnDrift');
    // THEN
    expect(m.endpointName).toBe('churn-prod');
    expect(stack.resolve(m.metricDrift('plan').toMetricConfig().metricStat!.metricName)).toBe('FeatureDrift');
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        detail: { state: { value: ['ALARM'] }, configuration: { metrics: { metricStat: { metric: { namespace: ['CdkMlops/Drift'], dimensions: { EndpointName: ['churn-prod'] } } } } } },
      }),
    });
  });

  test('retraining: alarms in ALARM start the cooldown workflow, which starts the pipeline', () => {
    // GIVEN / WHEN
    const { stack, monitor: m } = monitor((f) => ({ retrainPipeline: f.pipeline, features: FEATURES, featureAlarms: ['plan'] }));
    const t = Template.fromStack(stack);
    // THEN
    expect(m.retrainingStateMachine).toBeDefined();
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        'resources': [{ 'Fn::GetAtt': [Match.stringLikeRegexp('DriftDriftAlarm'), 'Arn'] }, { 'Fn::GetAtt': [Match.stringLikeRegexp('DriftFeatureAlarmPlan'), 'Arn'] }],
        'detail': { state: { value: ['ALARM'] } },
      },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('DriftRetrainingWorkflow') } })],
    });
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 'sagemaker:StartPipelineExecution',
          Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':pipeline/churn-training')])] },
        })]),
      },
    });
    t.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
    });
  });

  test('in the secure network: the job runs in its subnets and the network gets the endpoints it needs', () => {
    // GIVEN
    const app = testApp();
    const f = monitoringStack(app);
    const network = new SecureMlNetwork(f.stack, 'Network');
    // WHEN
    new DriftMonitor(f.stack, 'Drift', { stage: f.stage, baseline: f.baseline, network });
    // THEN
    const needed = [
      MlEndpointService.CLOUDWATCH_MONITORING, MlEndpointService.ECR_API, MlEndpointService.ECR_DOCKER,
      MlEndpointService.SAGEMAKER_API, MlEndpointService.STS,
    ];
    for (const s of needed) {
      expect(network.hasEndpoint(s)).toBe(true);
    }
    const sm = Template.fromStack(f.stack).findResources('AWS::StepFunctions::StateMachine');
    const def = JSON.stringify(Object.values<any>(sm)[0].Properties.DefinitionString);
    expect(def).toContain('VpcConfig');
    expect(def).toContain('\\"EnableNetworkIsolation\\":false');
  });

  test('works with a stage of an ApprovalDeployment', () => {
    // GIVEN
    const app = testApp();
    const stack = new Stack(app, 'Deploy', { env: ENV });
    const registry = ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'churn');
    const deployment = new ApprovalDeployment(stack, 'Deployment', { registry });
    const bucket = s3.Bucket.fromBucketName(stack, 'Artifacts', 'churn-artifacts');
    const stage = deployment.stages[deployment.stages.length - 1];
    // WHEN
    const m = new DriftMonitor(stack, 'Drift', { stage: stage, baseline: DriftBaseline.fromS3Object(bucket, 'baselines/statistics.json') });
    // THEN
    expect(m.endpointName).toBe(stage.endpointName);
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DriftScore', Dimensions: [{ Name: 'EndpointName', Value: stage.endpointName }],
    });
  });

  test('compliant under the four packs, cfn-lint and checkov: default, network, sharded, retraining', () => {
    // GIVEN
    const app = testApp();
    const f = monitoringStack(app);
    const network = new SecureMlNetwork(f.stack, 'Network');
    // WHEN
    new DriftMonitor(f.stack, 'Drift', {
      stage: f.stage,
      baseline: f.baseline,
      network,
      engine: DriftEngine.processing({ instanceCount: 3, featureMetrics: FeatureMetrics.ALL, psiThreshold: 0.25 }),
      features: FEATURES,
      featureAlarms: ['age'],
      retrainPipeline: f.pipeline,
      retrainPipelineParameters: { Reason: 'drift' },
      notificationEmails: ['ml-team@example.com'],
    });
    // THEN
    const result = expectCompliant(app);
    expect(result.packsRun.sort()).toEqual(['AwsSolutions', 'HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321']);
    const retained = expectStatefulRetained(Template.fromStack(f.stack));
    expect(retained.length).toBeGreaterThanOrEqual(6);
  });

  test('compliant with the baseline of the latest approved registry version', () => {
    // GIVEN
    const app = testApp();
    const f = monitoringStack(app);
    const registry = ModelRegistry.fromModelPackageGroupName(f.stack, 'Registry', 'churn');
    // WHEN
    new DriftMonitor(f.stack, 'Drift', {
      stage: f.stage,
      baseline: DriftBaseline.fromModelRegistry(registry, s3.Bucket.fromBucketName(f.stack, 'Art', 'churn-artifacts')),
    });
    // THEN
    expectCompliant(app);
    const policies = JSON.stringify(Template.fromStack(f.stack).findResources('AWS::IAM::ManagedPolicy'));
    expect(policies).toContain('sagemaker:DescribeModelPackage');
    expect(policies).toContain(':model-package/churn/*');
  });

  test('stateful resources keep their logical ids (public contract)', () => {
    // GIVEN / WHEN
    const { stack } = monitor((f) => ({ retrainPipeline: f.pipeline }));
    const ids = Object.keys(Template.fromStack(stack).toJSON().Resources);
    // THEN
    expect(ids).toEqual(expect.arrayContaining([
      'DriftKey6FCB7E7B', 'DriftReportsD618165F', 'DriftReportsAccessLogs94B3BCA9',
      'DriftCheckWorkflowLogsB63112DF', 'DriftRetrainingWorkflowLogsA1985F7B', 'DriftRetrainingLockDD61E6D3',
    ]));
  });

  test('bring your own topic, bucket and removal policy', () => {
    // GIVEN
    const { stack, monitor: m } = monitor((f) => ({
      notificationTopic: sns.Topic.fromTopicArn(f.stack, 'Ops', 'arn:aws:sns:us-east-1:111111111111:ops'),
      notificationSubscriptions: [new subscriptions.UrlSubscription('https://hooks.example.com/drift')],
      reportBucket: s3.Bucket.fromBucketName(f.stack, 'Reports', 'ops-reports'),
      removalPolicy: RemovalPolicy.DESTROY,
    }));
    // WHEN
    const t = Template.fromStack(stack);
    // THEN
    t.resourceCountIs('AWS::SNS::Topic', 0);
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: 'https://hooks.example.com/drift', TopicArn: 'arn:aws:sns:us-east-1:111111111111:ops' });
    t.resourceCountIs('AWS::S3::Bucket', 0);
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    expect(m.notificationTopic.topicArn).toBe('arn:aws:sns:us-east-1:111111111111:ops');
  });
});

describe('DriftMonitor with the Model Monitor engine (opt-in)', () => {
  const groundTruth = (stack: Stack) => s3.Bucket.fromBucketName(stack, 'Labels', 'churn-labels');

  test('data quality job definition and an hourly schedule in a form Model Monitor accepts', () => {
    // GIVEN / WHEN
    const { stack, monitor: m } = monitor({ engine: modelMonitorEngine(), features: FEATURES, featureAlarms: ['income'] });
    const t = Template.fromStack(stack);
    // THEN
    expect(m.engineName).toBe('modelMonitor');
    t.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
      DataQualityAppSpecification: { ImageUri: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('^156813124566.dkr.ecr.us-east-1.')])] }, Environment: { publish_cloudwatch_metrics: 'Enabled' } },
      DataQualityBaselineConfig: {
        ConstraintsResource: { S3Uri: 's3://churn-artifacts/baselines/churn/constraints.json' },
        StatisticsResource: { S3Uri: 's3://churn-artifacts/baselines/churn/statistics.json' },
      },
      DataQualityJobInput: { EndpointInput: Match.objectLike({ EndpointName: 'churn-prod' }) },
      NetworkConfig: Match.objectLike({ EnableInterContainerTrafficEncryption: true }),
    });
    t.resourceCountIs('AWS::SageMaker::MonitoringSchedule', 0);
    expect(scheduleRequests(stack)).toEqual([{
      MonitoringScheduleName: 'churn-prod-dq',
      MonitoringScheduleConfig: expect.objectContaining({ MonitoringType: 'DataQuality', ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' } }),
    }]);
    t.resourceCountIs('AWS::Scheduler::Schedule', 0);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'aws/sagemaker/Endpoints/data-metrics',
      MetricName: 'feature_baseline_drift_income',
      Threshold: 0.1,
      Dimensions: Match.arrayWith([{ Name: 'Endpoint', Value: 'churn-prod' }, { Name: 'MonitoringSchedule', Value: 'churn-prod-dq' }]),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'MAX([m0, m1, m2, m3])' })]),
      Threshold: 0.1,
    });
  });

  test('every-N-hours and daily schedules render the Model Monitor cron forms', () => {
    // GIVEN / WHEN
    const six = monitor({
      engine: modelMonitorEngine(), features: FEATURES, schedule: DriftSchedule.everyHours(6, 2), retrainCooldown: Duration.hours(6),
    });
    const daily = monitor({ engine: modelMonitorEngine(), features: FEATURES, schedule: DriftSchedule.daily(12) });
    // THEN
    expect(scheduleRequests(six.stack)[0].MonitoringScheduleConfig.ScheduleConfig).toEqual({ ScheduleExpression: 'cron(0 2/6 ? * * *)' });
    expect(scheduleRequests(daily.stack)[0].MonitoringScheduleConfig.ScheduleConfig).toEqual({ ScheduleExpression: 'cron(0 12 ? * * *)' });
  });

  test('model quality, bias and explainability job definitions with their own schedules', () => {
    // GIVEN
    const { stack } = monitor((f) => {
      const labels = groundTruth(f.stack);
      const config = s3.Bucket.fromBucketName(f.stack, 'Cfg', 'churn-config');
      return {
        features: FEATURES,
        engine: DriftEngine.modelMonitor({
          modelQuality: { problemType: ModelQualityProblemType.BINARY_CLASSIFICATION, groundTruthBucket: labels, groundTruthPrefix: 'labels/', probabilityThreshold: 0.4 },
          bias: { analysisConfig: DriftBaseline.fromS3Object(config, 'clarify/bias.json'), groundTruthBucket: labels, groundTruthPrefix: 'labels/' },
          explainability: { analysisConfig: DriftBaseline.fromS3Object(config, 'clarify/shap.json') },
        }),
      };
    });
    // WHEN
    const t = Template.fromStack(stack);
    // THEN
    t.hasResourceProperties('AWS::SageMaker::ModelQualityJobDefinition', {
      ModelQualityAppSpecification: Match.objectLike({ ProblemType: 'BinaryClassification' }),
      ModelQualityJobInput: { EndpointInput: Match.objectLike({ ProbabilityThresholdAttribute: 0.4 }), GroundTruthS3Input: { S3Uri: 's3://churn-labels/labels/' } },
    });
    t.hasResourceProperties('AWS::SageMaker::ModelBiasJobDefinition', {
      ModelBiasAppSpecification: { ImageUri: Match.anyValue(), ConfigUri: 's3://churn-config/clarify/bias.json' },
    });
    t.hasResourceProperties('AWS::SageMaker::ModelExplainabilityJobDefinition', {
      ModelExplainabilityAppSpecification: { ImageUri: Match.anyValue(), ConfigUri: 's3://churn-config/clarify/shap.json' },
    });
    t.resourceCountIs('AWS::SageMaker::MonitoringSchedule', 0);
    const requests = scheduleRequests(stack);
    expect(requests.map((r) => r.MonitoringScheduleConfig.MonitoringType)).toEqual(['DataQuality', 'ModelQuality', 'ModelBias', 'ModelExplainability']);
    // Each names the job definition CloudFormation created (the last part of its ARN).
    requests.forEach((r) => expect(r.MonitoringScheduleConfig.MonitoringJobDefinitionName).toMatch(/^Drift(DataQuality|ModelQuality|ModelBias|ModelExplainability)[0-9A-F]{8}$/));
  });

  test('compliant under the four packs, cfn-lint and checkov, with retraining and the network', () => {
    // GIVEN
    const app = testApp();
    const f = monitoringStack(app);
    const network = new SecureMlNetwork(f.stack, 'Network');
    // WHEN
    new DriftMonitor(f.stack, 'Drift', {
      stage: f.stage,
      baseline: f.baseline,
      network,
      engine: DriftEngine.modelMonitor({
        modelQuality: { problemType: ModelQualityProblemType.REGRESSION, groundTruthBucket: groundTruth(f.stack), groundTruthPrefix: 'labels/' },
      }),
      features: FEATURES,
      featureAlarms: ['plan'],
      retrainPipeline: f.pipeline,
    });
    // THEN
    expectCompliant(app);
    expectStatefulRetained(Template.fromStack(f.stack));
    expect(network.hasEndpoint(MlEndpointService.CLOUDWATCH_MONITORING)).toBe(true);
  });
});

describe('DriftMonitor validation', () => {
  const fails = (props: Parameters<typeof monitor>[0], ...messages: RegExp[]) => {
    let error: Error | undefined;
    try {
      monitor(props);
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeDefined();
    for (const m of messages) {
      expect(error!.message).toMatch(m);
    }
  };

  test('fails when the endpoint is serverless', () => {
    fails((f) => ({ stage: DeploymentStage.fromStageAttributes({ stageName: 'prod', endpointName: 'churn-sls', serverless: true, dataCaptureBucket: f.stage.dataCaptureBucket }) }),
      /stage: got 'churn-sls'; allowed: a real-time endpoint with data capture \(serverless endpoints capture no data\)/);
  });

  test('fails when the endpoint has no data capture', () => {
    fails({ stage: DeploymentStage.fromStageAttributes({ stageName: 'prod', endpointName: 'churn-prod' }) },
      /stage.dataCaptureBucket: .*Fix: turn dataCapture on for the stage/);
  });

  test('fails when there is no baseline (and no quality-check location)', () => {
    fails({ baseline: undefined }, /baseline: got undefined; .*Fix: pass baseline: DriftBaseline.fromPipeline\(pipeline\) or DriftBaseline.fromModelRegistry\(registry\) when the pipeline registers versions with a DriftBaselineStep/);
  });

  test('fails when thresholds are out of range, listing every one', () => {
    const engine = DriftEngine.processing({ psiThreshold: -1, ksThreshold: 1.5, maxMalformedShare: 2, minRows: 0 });
    fails({ driftScoreThreshold: 0, featureDriftThreshold: 101, engine },
      /has 6 invalid problems/, /driftScoreThreshold: got 0/, /featureDriftThreshold: got 101/, /engine.psiThreshold: got -1/,
      /engine.ksThreshold: got 1.5; allowed: a number > 0 and <= 1/, /engine.maxMalformedShare: got 2/, /engine.minRows: got 0/);
  });

  test('fails when Model Monitor is asked to run more often than hourly or with a cron form it rejects', () => {
    fails({ engine: modelMonitorEngine(), features: FEATURES, schedule: DriftSchedule.rate(Duration.minutes(30)) },
      /schedule: got 'rate\(30 minutes\)'; allowed: Model Monitor runs only cron/);
    fails({ engine: modelMonitorEngine(), features: FEATURES, schedule: DriftSchedule.cron('cron(15 * ? * * *)', Duration.hours(1)) },
      /schedule: got 'cron\(15 \* \? \* \* \*\)'; allowed: Model Monitor accepts only cron\(0 \* \? \* \* \*\)/);
  });

  test('fails when the processing schedule is shorter than 15 minutes or not a valid cron', () => {
    fails({ schedule: DriftSchedule.rate(Duration.minutes(5)) }, /schedule: got 'rate\(5 minutes\)'; allowed: whole minutes from 15 minutes to 24 hours/);
    fails({ schedule: DriftSchedule.cron('cron(0 * * *)', Duration.hours(1)) }, /allowed: an EventBridge Scheduler cron expression with six fields/);
    fails({ schedule: DriftSchedule.everyHours(30) }, /schedule: got 30; allowed: DriftSchedule.everyHours\(hours\) with hours an integer from 1 to 24/);
  });

  test('fails when the cooldown is shorter than the schedule', () => {
    fails((f) => ({ retrainPipeline: f.pipeline, schedule: DriftSchedule.daily(), retrainCooldown: Duration.hours(6) }),
      /retrainCooldown: got '6 hours'; allowed: at least the schedule's window \(1 day\)/);
  });

  test('fails when per-feature alarms name unknown features', () => {
    fails({ features: FEATURES, featureAlarms: ['income', 'incmoe', 'zip'] },
      /featureAlarms: got \["incmoe","zip"\]; allowed: features of the baseline \(age, income, plan, tenure_months\)/);
    fails({ featureAlarms: ['income'] }, /featureAlarms: got \["income"\]; allowed: names listed in features/);
  });

  test('fails when per-feature alarms have no per-feature metrics', () => {
    fails({ features: FEATURES, featureAlarms: ['income'], engine: DriftEngine.processing({ featureMetrics: FeatureMetrics.NONE }) },
      /featureAlarms: .*Fix: set featureMetrics to FeatureMetrics.SCORE or ALL/);
  });

  test('fails when Model Monitor is given a baseline that exists only at run time', () => {
    fails((f) => ({
      engine: modelMonitorEngine(),
      features: FEATURES,
      baseline: DriftBaseline.fromModelRegistry(ModelRegistry.fromModelPackageGroupName(f.stack, 'Registry', 'churn'), f.baseline.bucket),
    }), /baseline: got 'DriftBaseline.fromModelRegistry\(...\)'; allowed: a fixed S3 location/);
  });

  test('fails when Model Monitor has no feature list or more than ten features', () => {
    fails({ engine: modelMonitorEngine() }, /features: got \[\]; allowed: the feature names of the baseline/);
    fails({ engine: modelMonitorEngine(), features: Array.from({ length: 11 }, (_, i) => `f${i}`) }, /features: got 11; allowed: at most 10 features/);
  });

  test('fails when the stack\'s region has no SKLearn image in the table and none is given', () => {
    // GIVEN
    const app = testApp();
    const stack = new Stack(app, 'Far', { env: { account: '111111111111', region: 'xx-nowhere-1' } });
    const bucket = s3.Bucket.fromBucketName(stack, 'Capture', 'capture');
    // WHEN / THEN
    expect(() => new DriftMonitor(stack, 'Drift', {
      stage: DeploymentStage.fromStageAttributes({ stageName: 'prod', endpointName: 'ep', dataCaptureBucket: bucket, dataCapturePrefix: 'c/' }),
      baseline: DriftBaseline.fromS3Object(bucket, 'baseline.json'),
    })).toThrow(/engine.imageUri: got 'xx-nowhere-1'; allowed: a region of the SKLearn image table/);
  });

  test('fails when retraining parameters come without a pipeline, and on bad sizes and names', () => {
    fails({
      retrainPipelineParameters: { A: 'b' },
      alarmEvaluationPeriods: 0,
      reportPrefix: '/reports',
      variantName: 'All Traffic',
      engine: DriftEngine.processing({ instanceCount: 0, instanceType: MlInstanceType.of('m5.xlarge') }),
    },
    /retrainPipelineParameters: got \["A"\]; allowed: only with retrainPipeline/, /alarmEvaluationPeriods: got 0/, /reportPrefix: got '\/reports'/,
    /variantName: got 'All Traffic'/, /engine.instanceCount: got 0/, /engine.instanceType: got 'm5.xlarge'/);
  });
});

describe('DriftMonitor in an environment-agnostic stack', () => {
  test('the SKLearn image comes from a region mapping, not a look-up', () => {
    // GIVEN
    const app = testApp();
    const stack = new Stack(app, 'Agnostic');
    const bucket = s3.Bucket.fromBucketName(stack, 'Capture', 'capture');
    // WHEN
    new DriftMonitor(stack, 'Drift', {
      stage: DeploymentStage.fromStageAttributes({ stageName: 'prod', endpointName: 'ep', dataCaptureBucket: bucket, dataCapturePrefix: 'capture/' }),
      baseline: DriftBaseline.fromS3Object(bucket, 'baseline/statistics.json'),
    });
    // THEN
    const t = Template.fromStack(stack).toJSON();
    expect(t.Mappings.CdkMlopsMonitoringSklearnImageAccounts['eu-west-1']).toEqual({ account: '141502667606' });
    expect(JSON.stringify(t.Resources)).toContain('CdkMlopsMonitoringSklearnImageAccounts');
  });
});

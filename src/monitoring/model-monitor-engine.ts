import { ArnFormat, Duration, Fn, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { validateBatchEngineOptions } from './batch-source';
import type { ClarifyMonitorOptions, ModelMonitorDriftEngineOptions } from './drift-engine';
import { EngineBinding, EngineContext } from './engine-context';
import { grantKeyUse, grantReadPrefix, grantReadWritePrefix } from './grants';
import { buildScheduleKeeper, ScheduleSpec } from './model-monitor-schedules';
import { MlInstanceType } from '../common';
import { MlEndpointService } from '../network/endpoint-service';
import { CLARIFY_ACCOUNTS, MODEL_MONITOR_ACCOUNTS, tableImageUri } from './private/images';
import { acknowledgeMonitoringWildcards } from './private/managed-role';
import { ManagedPolicyRole } from '../private/managed-policy-role';

/** Namespace of Model Monitor data quality metrics. */
export const DATA_METRICS_NAMESPACE = 'aws/sagemaker/Endpoints/data-metrics';
/** Namespace of Model Monitor model quality metrics. */
export const MODEL_METRICS_NAMESPACE = 'aws/sagemaker/Endpoints/model-metrics';
/** Largest number of metrics in one alarm's metric math. */
const MAX_ALARM_METRICS = 10;

/** Default Model Monitor drift threshold (its baseline drift check threshold, a distance). */
export const MODEL_MONITOR_DEFAULT_THRESHOLD = 0.1;

/** Validate the Model Monitor engine's options. */
export function validateModelMonitorOptions(o: ModelMonitorDriftEngineOptions, ctx: EngineContext): void {
  const v = ctx.validator;
  validateBatchEngineOptions(v, ctx.stage, 'modelMonitor', []);
  for (const p of ctx.schedule._problems('modelMonitor')) {
    v.add(p);
  }
  const dataQuality = o.dataQuality ?? true;
  if (ctx.baseline?.registry) {
    v.add({
      prop: 'baseline',
      value: 'DriftBaseline.fromModelRegistry(...)',
      allowed: 'a fixed S3 location: Model Monitor job definitions take their baseline at deploy time',
      fix: 'pass DriftBaseline.fromS3Prefix(bucket, prefix) with the quality-check output, or use DriftEngine.processing(), which reads the registry at every check.',
    });
  }
  if (dataQuality && !ctx.baseline) {
    v.add({
      prop: 'baseline',
      value: undefined,
      allowed: 'the folder (or statistics.json) of a Model Monitor / quality-check baseline with statistics.json and constraints.json',
      fix: 'pass baseline: DriftBaseline.fromS3Prefix(bucket, prefix) with the output of your pipeline\'s QualityCheckStep, or set dataQuality: false.',
    });
  }
  if (dataQuality) {
    v.check(ctx.features.length === 0, {
      prop: 'features',
      value: [],
      allowed: 'the feature names of the baseline (Model Monitor publishes one metric per feature and no overall score)',
      fix: 'list the features; the overall drift alarm is the maximum of their feature_baseline_drift_<name> metrics.',
    });
    v.check(ctx.features.length > MAX_ALARM_METRICS, {
      prop: 'features',
      value: ctx.features.length,
      allowed: `at most ${MAX_ALARM_METRICS} features with the Model Monitor engine (an alarm's metric math takes at most 10 metrics)`,
      fix: 'list the most important features, or use DriftEngine.processing(), which publishes an overall DriftScore.',
    });
  }
  if (!dataQuality && !o.modelQuality && !o.bias && !o.explainability) {
    v.add({
      prop: 'engine',
      value: 'modelMonitor with nothing to monitor',
      allowed: 'at least one of dataQuality, modelQuality, bias, explainability',
      fix: 'leave dataQuality on or configure another monitoring type.',
    });
  }
  if (o.bias && (!o.bias.groundTruthBucket || o.bias.groundTruthPrefix === undefined)) {
    v.add({ prop: 'engine.bias.groundTruthBucket', value: undefined, allowed: 'the bucket and prefix of ground-truth labels', fix: 'bias monitoring compares predictions with labels: give groundTruthBucket and groundTruthPrefix.' });
  }
  if (o.modelQuality?.probabilityThreshold !== undefined) {
    const t = o.modelQuality.probabilityThreshold;
    v.check(!(t > 0 && t < 1), { prop: 'engine.modelQuality.probabilityThreshold', value: t, allowed: 'a number between 0 and 1 (exclusive)', fix: 'use e.g. 0.5.' });
  }
  const windowMinutes = ctx.schedule.window.toMinutes({ integral: false });
  const maxRuntime = (o.maxRuntime ?? Duration.minutes(50)).toMinutes({ integral: false });
  v.check(maxRuntime < 1 || maxRuntime > 60 * 24 || (windowMinutes <= 60 && maxRuntime > 60), {
    prop: 'engine.maxRuntime',
    value: `${maxRuntime} minutes`,
    allowed: 'from 1 minute to 1 day, and at most one hour for hourly schedules (Model Monitor requirement)',
    fix: 'keep monitoring jobs under the schedule interval, e.g. Duration.minutes(50).',
  });
  if (o.volumeSizeGiB !== undefined) {
    v.check(!Number.isInteger(o.volumeSizeGiB) || o.volumeSizeGiB < 1 || o.volumeSizeGiB > 16384, {
      prop: 'engine.volumeSizeGiB', value: o.volumeSizeGiB, allowed: 'an integer from 1 to 16384', fix: 'size the volume for one window of captured data.',
    });
  }
  if (o.instanceType !== undefined && !Token.isUnresolved(o.instanceType.name)) {
    v.check(!o.instanceType.isWellFormed, {
      prop: 'engine.instanceType', value: o.instanceType.name, allowed: "a SageMaker instance type such as 'ml.m5.xlarge'", fix: 'prefix the EC2 type with ml.',
    });
  }
  const stack = Stack.of(ctx.scope);
  const account = ctx.stage.account;
  v.check(account !== undefined && !Token.isUnresolved(account) && !Token.isUnresolved(stack.account) && account !== stack.account, {
    prop: 'stage.account',
    value: account,
    allowed: `the monitor's own account (${stack.account}): Model Monitor schedules, their job definitions and the endpoint's events live in the endpoint's account`,
    fix: `deploy this DriftMonitor in a stack of account ${account} (next to the DeploymentTargetAccount), or use DriftEngine.processing().`,
  });
  if (!Token.isUnresolved(stack.region) && !MODEL_MONITOR_ACCOUNTS[stack.region]) {
    v.add({ prop: 'engine', value: stack.region, allowed: `a region with Model Monitor images (${Object.keys(MODEL_MONITOR_ACCOUNTS).join(', ')})`, fix: 'use DriftEngine.processing() in this region.' });
  }
}

/** Build Model Monitor job definitions and schedules. */
export function bindModelMonitorEngine(o: ModelMonitorDriftEngineOptions, ctx: EngineContext): EngineBinding {
  const scope = ctx.scope;
  const stack = Stack.of(scope);
  const endpointName = ctx.stage.endpointName;
  const instanceType = (o.instanceType ?? MlInstanceType.ML_M5_XLARGE).name;
  const volumeSizeInGb = o.volumeSizeGiB ?? 30;
  const role = new ManagedPolicyRole(scope, 'MonitorJobRole', {
    assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    description: `Model Monitor jobs of ${endpointName}`,
  });
  const captureBucket = ctx.stage.dataCaptureBucket!;
  const capturePrefix = `${ctx.stage.dataCapturePrefix ?? ''}${endpointName}/`;
  grantReadPrefix(role, captureBucket, capturePrefix);
  ctx.captureKey?.grantDecrypt(role);
  grantReadWritePrefix(role, ctx.reportBucket, ctx.reportPrefix);
  grantKeyUse(role, ctx.encryptionKey);
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:CreateGrant'], resources: [ctx.encryptionKey.keyArn], conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['cloudwatch:PutMetricData'],
    resources: ['*'],
    conditions: { StringLike: { 'cloudwatch:namespace': 'aws/sagemaker/Endpoints/*' } },
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
    resources: [stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/ProcessingJobs:*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
    resources: ['sagemaker-model-monitor-analyzer', 'sagemaker-clarify-processing'].map((r) => `arn:${stack.partition}:ecr:${stack.region}:*:repository/${r}`),
  }));
  let vpcConfig: sagemaker.CfnDataQualityJobDefinition.VpcConfigProperty | undefined;
  if (ctx.network) {
    const net = ctx.network;
    net.requireEndpoints(MlEndpointService.SAGEMAKER_API, MlEndpointService.SAGEMAKER_RUNTIME, MlEndpointService.STS,
      MlEndpointService.CLOUDWATCH_LOGS, MlEndpointService.CLOUDWATCH_MONITORING, MlEndpointService.ECR_API, MlEndpointService.ECR_DOCKER);
    vpcConfig = { securityGroupIds: [net.workloadSecurityGroup.securityGroupId], subnets: net.subnetIds };
    const ec2Arn = (resource: string, name: string) => stack.formatArn({ service: 'ec2', resource, resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'], resources: ['*'],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ec2:CreateNetworkInterface'],
      resources: [ec2Arn('network-interface', '*'), ...net.subnetIds.map((id) => ec2Arn('subnet', id)), ec2Arn('security-group', net.workloadSecurityGroup.securityGroupId)],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
      resources: [ec2Arn('network-interface', '*')],
      conditions: { ArnEquals: { 'ec2:Vpc': ec2Arn('vpc', net.vpc.vpcId) } },
    }));
  }
  const common = {
    jobResources: { clusterConfig: { instanceCount: 1, instanceType, volumeSizeInGb, volumeKmsKeyId: ctx.encryptionKey.keyArn } },
    networkConfig: { enableInterContainerTrafficEncryption: true, enableNetworkIsolation: false, vpcConfig },
    roleArn: role.roleArn,
    stoppingCondition: { maxRuntimeInSeconds: (o.maxRuntime ?? Duration.minutes(50)).toSeconds() },
  };
  const endpointInput = { endpointName, localPath: '/opt/ml/processing/input/endpoint', s3DataDistributionType: 'FullyReplicated', s3InputMode: 'File' };
  const output = (kind: string) => ({
    kmsKeyId: ctx.encryptionKey.keyArn,
    monitoringOutputs: [{ s3Output: { localPath: '/opt/ml/processing/output', s3Uri: `s3://${ctx.reportBucket.bucketName}/${ctx.reportPrefix}${endpointName}/${kind}`, s3UploadMode: 'EndOfJob' } }],
  });
  const analyzer = tableImageUri(stack, MODEL_MONITOR_ACCOUNTS, 'CdkMlopsModelMonitorImageAccounts', 'sagemaker-model-monitor-analyzer', 'latest') ?? '';
  const clarify = () => tableImageUri(stack, CLARIFY_ACCOUNTS, 'CdkMlopsClarifyImageAccounts', 'sagemaker-clarify-processing', '1.0') ?? '';
  const expression = ctx.schedule._modelMonitorExpression();
  const schedules: { [kind: string]: string } = {};
  const specs: ScheduleSpec[] = [];
  const schedule = (_id: string, kind: string, type: string, definition: { attrJobDefinitionArn: string } & Construct) => {
    const name = scheduleName(endpointName, kind);
    // The name is the last part of the ARN (`...:<type>-job-definition/<name>`).
    specs.push({ name, monitoringType: type, jobDefinitionName: Fn.select(1, Fn.split('/', definition.attrJobDefinitionArn)) });
    schedules[kind] = name;
  };
  const readBaseline = (b: { grantRead(g: iam.IGrantable): iam.Grant } | undefined) => b?.grantRead(role);

  if (o.dataQuality ?? true) {
    readBaseline(ctx.baseline);
    const def = new sagemaker.CfnDataQualityJobDefinition(scope, 'DataQuality', {
      endpointName,
      dataQualityAppSpecification: { imageUri: analyzer, environment: { publish_cloudwatch_metrics: 'Enabled' } },
      dataQualityBaselineConfig: ctx.baseline ? {
        constraintsResource: { s3Uri: ctx.baseline.constraintsS3Uri },
        statisticsResource: { s3Uri: ctx.baseline.statisticsS3Uri },
      } : undefined,
      dataQualityJobInput: { endpointInput },
      dataQualityJobOutputConfig: output('data-quality'),
      ...common,
    });
    schedule('DataQuality', 'dq', 'DataQuality', def);
  }
  if (o.modelQuality) {
    const m = o.modelQuality;
    readBaseline(m.baseline);
    grantPrefix(role, m.groundTruthBucket, m.groundTruthPrefix);
    const def = new sagemaker.CfnModelQualityJobDefinition(scope, 'ModelQuality', {
      endpointName,
      modelQualityAppSpecification: { imageUri: analyzer, problemType: m.problemType },
      modelQualityBaselineConfig: m.baseline ? { constraintsResource: { s3Uri: m.baseline.constraintsS3Uri } } : undefined,
      modelQualityJobInput: {
        endpointInput: {
          ...endpointInput,
          inferenceAttribute: m.inferenceAttribute,
          probabilityAttribute: m.probabilityAttribute,
          probabilityThresholdAttribute: m.probabilityThreshold,
        },
        groundTruthS3Input: { s3Uri: `s3://${m.groundTruthBucket.bucketName}/${m.groundTruthPrefix}` },
      },
      modelQualityJobOutputConfig: output('model-quality'),
      ...common,
    });
    schedule('ModelQuality', 'mq', 'ModelQuality', def);
  }
  const clarifyInputs = (c: ClarifyMonitorOptions) => {
    c.analysisConfig.grantRead(role);
    readBaseline(c.baseline);
    if (c.groundTruthBucket) {
      grantPrefix(role, c.groundTruthBucket, c.groundTruthPrefix ?? '');
    }
  };
  if (o.bias) {
    const c = o.bias;
    clarifyInputs(c);
    const def = new sagemaker.CfnModelBiasJobDefinition(scope, 'ModelBias', {
      endpointName,
      modelBiasAppSpecification: { imageUri: clarify(), configUri: c.analysisConfig.s3Uri },
      modelBiasBaselineConfig: c.baseline ? { constraintsResource: { s3Uri: c.baseline.constraintsS3Uri } } : undefined,
      modelBiasJobInput: {
        endpointInput,
        groundTruthS3Input: { s3Uri: `s3://${c.groundTruthBucket!.bucketName}/${c.groundTruthPrefix ?? ''}` },
      },
      modelBiasJobOutputConfig: output('model-bias'),
      ...common,
    });
    schedule('ModelBias', 'mb', 'ModelBias', def);
  }
  if (o.explainability) {
    const c = o.explainability;
    clarifyInputs(c);
    const def = new sagemaker.CfnModelExplainabilityJobDefinition(scope, 'ModelExplainability', {
      endpointName,
      modelExplainabilityAppSpecification: { imageUri: clarify(), configUri: c.analysisConfig.s3Uri },
      modelExplainabilityBaselineConfig: c.baseline ? { constraintsResource: { s3Uri: c.baseline.constraintsS3Uri } } : undefined,
      modelExplainabilityJobInput: { endpointInput },
      modelExplainabilityJobOutputConfig: output('model-explainability'),
      ...common,
    });
    schedule('ModelExplainability', 'me', 'ModelExplainability', def);
  }
  acknowledgeMonitoringWildcards(role);
  // Schedules need the endpoint to exist: created by a workflow once it is in service, not by CloudFormation.
  buildScheduleKeeper(scope, {
    endpointName,
    schedules: specs,
    scheduleExpression: expression,
    encryptionKey: ctx.encryptionKey,
    removalPolicy: ctx.removalPolicy,
    logRetention: ctx.logRetention,
  });

  const period = ctx.schedule.window.toSeconds() > 86400 ? Duration.days(1) : ctx.schedule.window;
  const dq = schedules.dq ?? scheduleName(endpointName, 'dq');
  const featureMetric = (feature: string, props?: cloudwatch.MetricOptions) => new cloudwatch.Metric({
    namespace: DATA_METRICS_NAMESPACE,
    metricName: `feature_baseline_drift_${feature}`,
    dimensionsMap: { Endpoint: endpointName, MonitoringSchedule: dq },
    statistic: 'Maximum',
    period,
    ...props,
  });
  // Model Monitor publishes one metric per feature and no overall one: the drift alarm watches the
  // largest of them (metric math); metricDrift() and metricViolations() have no Metric to return.
  return {
    engineName: 'modelMonitor',
    driftAlarmMetric: () => new cloudwatch.MathExpression({
      expression: ctx.features.length > 0 ? `MAX([${ctx.features.map((_, i) => `m${i}`).join(', ')}])` : '0',
      usingMetrics: Object.fromEntries(ctx.features.map((f, i) => [`m${i}`, featureMetric(f)])),
      label: 'Largest feature_baseline_drift',
      period,
    }),
    metricFeatureDrift: featureMetric,
    driftScoreDefaultThreshold: MODEL_MONITOR_DEFAULT_THRESHOLD,
    period,
  };
}

function grantPrefix(role: iam.IGrantable, bucket: s3.IBucket, prefix: string): void {
  grantReadPrefix(role, bucket, prefix);
}

/** `<endpoint>-<kind>`, at most 63 characters. */
export function scheduleName(endpointName: string, kind: string): string {
  if (Token.isUnresolved(endpointName)) {
    return `${endpointName}-${kind}`;
  }
  return `${endpointName.slice(0, 59)}-${kind}`;
}

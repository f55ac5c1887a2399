import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ExperimentTrackingConfig } from './experiment-tracking';
import { ExplorationManagedPolicies, WildcardEntries } from './private/managed-policies';

/** The groups (customer-managed policies) of the execution role policy set. */
export const STUDIO = 'StudioPolicy';
export const JOBS = 'JobsPolicy';
export const ENDPOINTS = 'EndpointsPolicy';
export const TRACKING = 'TrackingPolicy';

/** The registry entries for the wildcards of the execution policies. */
export const ACKS: WildcardEntries = { any: 'explorationServiceWildcards', scoped: 'explorationRunTimeNames' };

/** Policy groups. */
export const GROUPS = [
  { id: STUDIO, description: 'Studio apps and spaces of one domain, model registry read' },
  { id: JOBS, description: 'Training and processing jobs in the ML network with the domain key' },
  { id: ENDPOINTS, description: 'Non-production endpoints: tagged with the dev stage tag and an allowed instance type' },
  { id: TRACKING, description: 'MLflow experiment tracking of the domain' },
];

/**
 * The MLflow API actions of a tracking server (service prefix
 * sagemaker-mlflow), listed: no service-wide wildcard. The Service
 * Authorization Reference authorizes them on the mlflow-tracking-server
 * resource type; AccessUI has no resource type (it is granted on `*`).
 */
export const MLFLOW_ACTIONS = [
  'CreateExperiment', 'CreateModelVersion', 'CreateRegisteredModel', 'CreateRun', 'DeleteExperiment',
  'DeleteModelVersion', 'DeleteModelVersionTag', 'DeleteRegisteredModel', 'DeleteRegisteredModelAlias',
  'DeleteRegisteredModelTag', 'DeleteRun', 'DeleteTag', 'DeleteTraceTag', 'DeleteTraces', 'EndTrace',
  'GetDownloadURIForModelVersionArtifacts', 'GetExperiment', 'GetExperimentByName', 'GetLatestModelVersions',
  'GetMetricHistory', 'GetModelVersion', 'GetModelVersionByAlias', 'GetRegisteredModel', 'GetRun', 'GetTraceInfo',
  'ListArtifacts', 'LogBatch', 'LogInputs', 'LogMetric', 'LogModel', 'LogParam', 'RenameRegisteredModel',
  'RestoreExperiment', 'RestoreRun', 'SearchExperiments', 'SearchModelVersions', 'SearchRegisteredModels',
  'SearchRuns', 'SearchTraces', 'SetExperimentTag', 'SetModelVersionTag', 'SetRegisteredModelAlias',
  'SetRegisteredModelTag', 'SetTag', 'SetTraceTag', 'StartTrace', 'TransitionModelVersionStage',
  'UpdateExperiment', 'UpdateModelVersion', 'UpdateRegisteredModel', 'UpdateRun',
].map((a) => `sagemaker-mlflow:${a}`);

/** What the execution policies are written for. */
export interface ExecutionPolicyContext {
  readonly domainId: string;
  readonly domainArn: string;
  readonly appInstanceTypes: string[];
  readonly devEndpointInstanceTypes: string[];
  readonly tagKey: string;
  readonly tagValue: string;
  readonly subnetIds: string[];
  readonly securityGroupId: string;
  readonly keyArn: string;
  readonly tracking?: { readonly arn: string; readonly presignedUrlAction: string; readonly describeAction: string };
}

/** An ARN of this account and region with pseudo parameters only (the same text in every app). */
export function localArn(service: string, resource: string): string {
  return `arn:${Aws.PARTITION}:${service}:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
}

/**
 * Write the statements of the default execution role.
 */
export function addExecutionStatements(policies: ExplorationManagedPolicies, ctx: ExecutionPolicyContext): void {
  policies.addStatements(STUDIO, ...studioStatements(ctx));
  policies.addStatements(JOBS, ...jobStatements(ctx));
  policies.addStatements(ENDPOINTS, ...endpointStatements(ctx));
  if (ctx.tracking) {
    policies.addStatements(TRACKING, ...trackingStatements(ctx.tracking));
  }
}

/**
 * MLflow: an MLflow App is called with `sagemaker:CallMlflowAppApi` on the
 * app, a tracking server with the sagemaker-mlflow actions on the server
 * (Service Authorization Reference, resource types mlflow-app and
 * mlflow-tracking-server); the UI needs `sagemaker-mlflow:AccessUI`, which has
 * no resource type, and a presigned URL of this tracking resource.
 */
function trackingStatements(tracking: NonNullable<ExecutionPolicyContext['tracking']>): iam.PolicyStatement[] {
  const app = tracking.presignedUrlAction === 'sagemaker:CreatePresignedMlflowAppUrl';
  return [
    new iam.PolicyStatement({
      sid: 'TrackExperiments',
      actions: app ? ['sagemaker:CallMlflowAppApi'] : MLFLOW_ACTIONS,
      resources: [tracking.arn],
    }),
    new iam.PolicyStatement({
      sid: 'OpenTrackingUi',
      actions: [tracking.presignedUrlAction, tracking.describeAction],
      resources: [tracking.arn],
    }),
    new iam.PolicyStatement({ sid: 'TrackingUi', actions: ['sagemaker-mlflow:AccessUI'], resources: ['*'] }),
  ];
}

function studioStatements(ctx: ExecutionPolicyContext): iam.PolicyStatement[] {
  const apps = localArn('sagemaker', `app/${ctx.domainId}/*`);
  const spaces = localArn('sagemaker', `space/${ctx.domainId}/*`);
  const profiles = localArn('sagemaker', `user-profile/${ctx.domainId}/*`);
  return [
    new iam.PolicyStatement({
      sid: 'StudioCreateAppsOfAllowedTypes',
      actions: ['sagemaker:CreateApp', 'sagemaker:CreateSpace', 'sagemaker:UpdateSpace'],
      resources: [apps, spaces],
      conditions: { 'ForAllValues:StringEquals': { 'sagemaker:InstanceTypes': [...ctx.appInstanceTypes, 'system'] } },
    }),
    new iam.PolicyStatement({
      sid: 'StudioManageApps',
      actions: ['sagemaker:DeleteApp', 'sagemaker:DescribeApp', 'sagemaker:DeleteSpace', 'sagemaker:DescribeSpace', 'sagemaker:AddTags', 'sagemaker:ListTags'],
      resources: [apps, spaces],
    }),
    new iam.PolicyStatement({
      sid: 'StudioProfiles',
      actions: ['sagemaker:DescribeUserProfile', 'sagemaker:ListTags'],
      resources: [profiles],
    }),
    new iam.PolicyStatement({ sid: 'StudioDomain', actions: ['sagemaker:DescribeDomain'], resources: [ctx.domainArn] }),
    new iam.PolicyStatement({
      sid: 'StudioList',
      actions: ['sagemaker:ListApps', 'sagemaker:ListSpaces', 'sagemaker:ListUserProfiles'],
      resources: ['*'],
    }),
  ];
}

function jobStatements(ctx: ExecutionPolicyContext): iam.PolicyStatement[] {
  const jobs = ['training-job/*', 'processing-job/*', 'hyper-parameter-tuning-job/*'].map((r) => localArn('sagemaker', r));
  return [
    new iam.PolicyStatement({
      sid: 'JobsInTheNetworkWithTheDomainKey',
      actions: ['sagemaker:CreateTrainingJob', 'sagemaker:CreateProcessingJob', 'sagemaker:CreateHyperParameterTuningJob'],
      resources: jobs,
      conditions: {
        'Null': { 'sagemaker:VpcSubnets': 'false', 'sagemaker:VpcSecurityGroupIds': 'false', 'sagemaker:OutputKmsKeyArn': 'false' },
        'ForAllValues:StringEquals': { 'sagemaker:VpcSubnets': ctx.subnetIds, 'sagemaker:VpcSecurityGroupIds': [ctx.securityGroupId] },
        'ArnEquals': { 'sagemaker:OutputKmsKeyArn': ctx.keyArn },
        'ArnEqualsIfExists': { 'sagemaker:VolumeKmsKeyArn': ctx.keyArn },
        'Bool': { 'sagemaker:InterContainerTrafficEncryption': 'true' },
      },
    }),
    new iam.PolicyStatement({
      sid: 'JobsManage',
      actions: [
        'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob', 'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob',
        'sagemaker:DescribeHyperParameterTuningJob', 'sagemaker:StopHyperParameterTuningJob', 'sagemaker:AddTags',
      ],
      resources: jobs,
    }),
    new iam.PolicyStatement({
      sid: 'JobsList',
      actions: ['sagemaker:ListTrainingJobs', 'sagemaker:ListProcessingJobs', 'sagemaker:ListHyperParameterTuningJobs'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'JobLogs',
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams', 'logs:GetLogEvents'],
      resources: [localArn('logs', 'log-group:/aws/sagemaker/*')],
    }),
    new iam.PolicyStatement({
      sid: 'JobMetrics',
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/*', 'aws/sagemaker/*'] } },
    }),
    new iam.PolicyStatement({
      sid: 'DomainKey',
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: [ctx.keyArn],
    }),
    new iam.PolicyStatement({
      sid: 'DomainKeyGrantsForSageMaker',
      actions: ['kms:CreateGrant'],
      resources: [ctx.keyArn],
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }),
    new iam.PolicyStatement({ sid: 'ImagesLogin', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
    new iam.PolicyStatement({
      sid: 'ImagesOfThisAccount',
      actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
      resources: [localArn('ecr', 'repository/*')],
    }),
    new iam.PolicyStatement({
      sid: 'JobNetworkInterfacesInTheNetwork',
      actions: ['ec2:CreateNetworkInterface'],
      resources: [
        localArn('ec2', 'network-interface/*'),
        ...ctx.subnetIds.map((id) => localArn('ec2', `subnet/${id}`)),
        localArn('ec2', `security-group/${ctx.securityGroupId}`),
      ],
    }),
    new iam.PolicyStatement({
      sid: 'JobNetworkInterfaces',
      actions: ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
      resources: [localArn('ec2', 'network-interface/*')],
    }),
    new iam.PolicyStatement({
      sid: 'JobNetworkDescribe',
      actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeDhcpOptions'],
      resources: ['*'],
    }),
  ];
}

function endpointStatements(ctx: ExecutionPolicyContext): iam.PolicyStatement[] {
  const requestTag = { [`aws:RequestTag/${ctx.tagKey}`]: ctx.tagValue };
  const resourceTag = { [`aws:ResourceTag/${ctx.tagKey}`]: ctx.tagValue };
  const endpoints = localArn('sagemaker', 'endpoint/*');
  const configs = localArn('sagemaker', 'endpoint-config/*');
  const models = localArn('sagemaker', 'model/*');
  return [
    new iam.PolicyStatement({
      sid: 'DevModelsInTheNetwork',
      actions: ['sagemaker:CreateModel'],
      resources: [models],
      conditions: {
        'StringEquals': requestTag,
        'Null': { 'sagemaker:VpcSubnets': 'false', 'sagemaker:VpcSecurityGroupIds': 'false' },
        'ForAllValues:StringEquals': { 'sagemaker:VpcSubnets': ctx.subnetIds, 'sagemaker:VpcSecurityGroupIds': [ctx.securityGroupId] },
      },
    }),
    new iam.PolicyStatement({
      sid: 'DevEndpointConfigsOfAllowedTypes',
      actions: ['sagemaker:CreateEndpointConfig'],
      resources: [configs],
      conditions: {
        'StringEquals': requestTag,
        'Null': { 'sagemaker:InstanceTypes': 'false' },
        'ForAllValues:StringEquals': { 'sagemaker:InstanceTypes': ctx.devEndpointInstanceTypes },
        'ArnEqualsIfExists': { 'sagemaker:VolumeKmsKeyArn': ctx.keyArn },
      },
    }),
    new iam.PolicyStatement({
      sid: 'DevEndpointsCreate',
      actions: ['sagemaker:CreateEndpoint'],
      resources: [endpoints],
      conditions: { StringEquals: requestTag },
    }),
    new iam.PolicyStatement({
      sid: 'DevEndpointsFromDevConfigs',
      actions: ['sagemaker:CreateEndpoint', 'sagemaker:UpdateEndpoint'],
      resources: [configs],
      conditions: { StringEquals: resourceTag },
    }),
    new iam.PolicyStatement({
      sid: 'DevEndpointsUse',
      actions: [
        'sagemaker:UpdateEndpoint', 'sagemaker:DeleteEndpoint', 'sagemaker:DescribeEndpoint', 'sagemaker:InvokeEndpoint',
        'sagemaker:DescribeEndpointConfig', 'sagemaker:DeleteEndpointConfig', 'sagemaker:DescribeModel', 'sagemaker:DeleteModel',
      ],
      resources: [endpoints, configs, models],
      conditions: { StringEquals: resourceTag },
    }),
    new iam.PolicyStatement({
      sid: 'DevTagOnCreate',
      actions: ['sagemaker:AddTags'],
      resources: [endpoints, configs, models],
      conditions: { StringEquals: requestTag },
    }),
    new iam.PolicyStatement({
      sid: 'NoRetaggingOfOtherStages',
      effect: iam.Effect.DENY,
      actions: ['sagemaker:AddTags'],
      resources: [endpoints, configs, models],
      conditions: { StringNotEquals: resourceTag, Null: { [`aws:ResourceTag/${ctx.tagKey}`]: 'false' } },
    }),
    new iam.PolicyStatement({
      sid: 'NoRemovingTheStageTag',
      effect: iam.Effect.DENY,
      actions: ['sagemaker:DeleteTags'],
      resources: [endpoints, configs, models],
      conditions: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': [ctx.tagKey] } },
    }),
    new iam.PolicyStatement({
      sid: 'DevEndpointsList',
      actions: ['sagemaker:ListEndpoints', 'sagemaker:ListEndpointConfigs', 'sagemaker:ListModels'],
      resources: ['*'],
    }),
  ];
}

/** The actions `grantTrackExperiments` grants on the tracking resource. */
export function trackingActionsFor(arn: string | undefined, config?: ExperimentTrackingConfig): string[] {
  if (!arn) {
    return [];
  }
  const server = config ? config.presignedUrlAction === 'sagemaker:CreatePresignedMlflowTrackingServerUrl' : arn.includes('mlflow-tracking-server');
  // an MLflow App is called with sagemaker:CallMlflowAppApi on the app, a tracking server with the
  // sagemaker-mlflow actions on the server (Service Authorization Reference)
  return server
    ? [...MLFLOW_ACTIONS_FOR_GRANT, 'sagemaker:CreatePresignedMlflowTrackingServerUrl']
    : ['sagemaker:CallMlflowAppApi', 'sagemaker:CreatePresignedMlflowAppUrl'];
}

const MLFLOW_ACTIONS_FOR_GRANT = [
  'sagemaker-mlflow:CreateExperiment', 'sagemaker-mlflow:CreateRun', 'sagemaker-mlflow:LogBatch',
  'sagemaker-mlflow:LogMetric', 'sagemaker-mlflow:LogParam', 'sagemaker-mlflow:LogModel', 'sagemaker-mlflow:LogInputs',
  'sagemaker-mlflow:SetTag', 'sagemaker-mlflow:UpdateRun', 'sagemaker-mlflow:GetExperiment', 'sagemaker-mlflow:GetExperimentByName',
  'sagemaker-mlflow:GetRun', 'sagemaker-mlflow:GetMetricHistory', 'sagemaker-mlflow:SearchExperiments', 'sagemaker-mlflow:SearchRuns',
  'sagemaker-mlflow:ListArtifacts',
];

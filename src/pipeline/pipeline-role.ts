import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PipelineDefinitionConfig } from './pipeline-definition';
import { JobKind } from './render-context';

const JOB_ACTIONS: { [kind: string]: string[] } = {
  [JobKind.PROCESSING]: ['sagemaker:CreateProcessingJob', 'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob', 'sagemaker:AddTags'],
  [JobKind.TRAINING]: ['sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob', 'sagemaker:AddTags'],
  [JobKind.TRANSFORM]: ['sagemaker:CreateTransformJob', 'sagemaker:DescribeTransformJob', 'sagemaker:StopTransformJob', 'sagemaker:AddTags'],
  [JobKind.TUNING]: ['sagemaker:CreateHyperParameterTuningJob', 'sagemaker:DescribeHyperParameterTuningJob', 'sagemaker:StopHyperParameterTuningJob', 'sagemaker:ListTrainingJobsForHyperParameterTuningJob', 'sagemaker:AddTags'],
  [JobKind.MODEL]: ['sagemaker:CreateModel', 'sagemaker:DescribeModel', 'sagemaker:AddTags'],
};

/** The EventBridge rule SageMaker Pipelines creates to follow EMR steps on a running cluster. */
const EMR_STEP_STATUS_RULE = 'SageMakerPipelineExecutionEMRStepStatusUpdateRule';

const LOG_GROUPS: { [kind: string]: string } = {
  [JobKind.PROCESSING]: '/aws/sagemaker/ProcessingJobs',
  [JobKind.TRAINING]: '/aws/sagemaker/TrainingJobs',
  [JobKind.TRANSFORM]: '/aws/sagemaker/TransformJobs',
  [JobKind.TUNING]: '/aws/sagemaker/TrainingJobs',
};

/**
 * The least-privilege statements of a pipeline role: only the job types the
 * definition starts, only with its job name prefixes; pass-role to itself;
 * the artifact bucket and key; logs and metrics of its jobs; network
 * interfaces when jobs run in a VPC.
 */
export function pipelineRoleStatements(
  scope: Construct & { artifactBucket: s3.IBucket; encryptionKey: kms.IKey },
  config: PipelineDefinitionConfig,
  role: iam.IRole,
): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const statements: iam.PolicyStatement[] = [];
  const kinds = [...config.jobResourceTypes].sort();
  for (const kind of kinds) {
    const nameScope = (config.jobNameScopes ?? []).find((s) => s.resourceType === kind);
    // Without a scope, models are named by the service (any name), jobs with the definition's prefixes.
    const prefixes = nameScope?.namePrefixes ?? (kind === JobKind.MODEL ? ['*'] : config.jobNamePrefixes);
    const resources = [...new Set(prefixes.map((prefix) => (prefix === '*' ? '*' : `${prefix}*`)))].map((name) => stack.formatArn({
      service: 'sagemaker', resource: kind, resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    }));
    statements.push(new iam.PolicyStatement({ actions: JOB_ACTIONS[kind], resources }));
  }
  if (kinds.includes(JobKind.TUNING)) {
    statements.push(new iam.PolicyStatement({
      actions: ['sagemaker:DescribeTrainingJob'],
      resources: [stack.formatArn({ service: 'sagemaker', resource: JobKind.TRAINING, resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
    }));
  }
  statements.push(new iam.PolicyStatement({
    actions: ['iam:PassRole'],
    resources: [role.roleArn, ...(config.passRoleArns ?? [])],
    conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
  }));
  const bucket = scope.artifactBucket;
  statements.push(new iam.PolicyStatement({
    actions: ['s3:ListBucket', 's3:GetBucketLocation'],
    resources: [bucket.bucketArn],
  }));
  statements.push(new iam.PolicyStatement({
    actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
    resources: [bucket.arnForObjects('*')],
  }));
  // The pipeline's key, and the other keys the definition's jobs use for volumes and outputs.
  const keys = [scope.encryptionKey.keyArn, ...(config.kmsKeyArns ?? [])];
  statements.push(new iam.PolicyStatement({
    actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
    resources: keys,
  }));
  statements.push(new iam.PolicyStatement({
    actions: ['kms:CreateGrant'],
    resources: keys,
    conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
  }));
  const logGroups = [...new Set(kinds.map((k) => LOG_GROUPS[k]).filter((g) => g !== undefined))].sort();
  if (logGroups.length > 0) {
    statements.push(new iam.PolicyStatement({
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      resources: logGroups.map((g) => stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `${g}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })),
    }));
    statements.push(new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/*' } },
    }));
  }
  const subnets = config.subnetIds ?? [];
  if (config.networks.length > 0 || subnets.length > 0) {
    const ec2Arn = (resource: string, name: string) => stack.formatArn({ service: 'ec2', resource, resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    const interfaces = ec2Arn('network-interface', '*');
    statements.push(new iam.PolicyStatement({
      // Describe calls support no resource-level permissions.
      actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
      resources: ['*'],
    }));
    statements.push(new iam.PolicyStatement({
      actions: ['ec2:CreateNetworkInterface'],
      resources: [
        interfaces,
        ...config.networks.flatMap((n) => n.subnetIds.map((id) => ec2Arn('subnet', id))),
        ...config.networks.map((n) => ec2Arn('security-group', n.workloadSecurityGroup.securityGroupId)),
        ...subnets.map((id) => ec2Arn('subnet', id)),
        ...(config.securityGroupIds ?? []).map((id) => ec2Arn('security-group', id)),
      ],
    }));
    const eniActions = ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'];
    if (config.networks.length > 0) {
      statements.push(new iam.PolicyStatement({
        actions: eniActions,
        resources: [interfaces],
        conditions: { ArnEquals: { 'ec2:Vpc': config.networks.map((n) => ec2Arn('vpc', n.vpc.vpcId)) } },
      }));
    }
    if (subnets.length > 0) {
      // Subnets named literally by an SDK definition: their VPC is unknown, the subnet scopes the interfaces.
      statements.push(new iam.PolicyStatement({
        actions: eniActions,
        resources: [interfaces],
        conditions: { ArnEquals: { 'ec2:Subnet': subnets.map((id) => ec2Arn('subnet', id)) } },
      }));
    }
  }
  if (config.lambdaFunctionArns.length > 0) {
    statements.push(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: config.lambdaFunctionArns }));
  }
  if (config.queueArns.length > 0) {
    statements.push(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: config.queueArns }));
  }
  if (config.queueKeyArns.length > 0) {
    statements.push(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: config.queueKeyArns }));
  }
  if (config.emrClusterIds.length > 0) {
    // What the AWS managed policy AmazonSageMakerPipelinesIntegrations grants for EMR steps on a
    // running cluster, scoped to the clusters and the one EventBridge rule SageMaker uses to
    // follow the EMR step's state (SageMaker Developer Guide, "Add an EMR step").
    statements.push(new iam.PolicyStatement({
      actions: ['elasticmapreduce:AddJobFlowSteps', 'elasticmapreduce:CancelSteps', 'elasticmapreduce:DescribeCluster', 'elasticmapreduce:DescribeStep', 'elasticmapreduce:ListSteps'],
      resources: config.emrClusterIds.map((id) => stack.formatArn({ service: 'elasticmapreduce', resource: 'cluster', resourceName: id, arnFormat: ArnFormat.SLASH_RESOURCE_NAME })),
    }));
    statements.push(new iam.PolicyStatement({
      actions: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
      resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: EMR_STEP_STATUS_RULE, arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
    }));
  }
  return statements;
}

/**
 * IAM shared by the tooling side (ApprovalDeployment) and the target side
 * (DeploymentTargetAccount). Not exported from the library.
 */
import { Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { NAME_PREFIX } from './deployment-workflow';
import { ISecureMlNetwork } from '../network';
import { acknowledge, acknowledgeArns } from '../private/acknowledgements';
import { ManagedPolicyRole } from '../private/managed-policy-role';
import { IModelRegistry, IModelSource } from '../registry';

function sagemakerArn(resource: string): string {
  return `arn:${Aws.PARTITION}:sagemaker:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
}

/** ARN patterns that have to be wildcards, for the acknowledgement registry. */
export const TARGET_TRACKING_ALARMS = `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:TargetTracking-endpoint/*`;
/** Application Auto Scaling targets of this account and region. */
export const SCALABLE_TARGETS = `arn:${Aws.PARTITION}:application-autoscaling:${Aws.REGION}:${Aws.ACCOUNT_ID}:scalable-target/*`;

/** Options of a model execution role. */
export interface ModelExecutionRoleOptions {
  readonly roleName?: string;
  readonly registry: IModelRegistry;
  readonly dataCaptureBucket?: s3.IBucket;
  readonly encryptionKey: kms.IKey;
  readonly network?: ISecureMlNetwork;
  /** Model sources besides the registry's own (e.g. the tooling account of a target). */
  readonly modelSources?: IModelSource[];
}

/**
 * The role SageMaker runs the models with: endpoint logs, registry read,
 * read of the model artifacts of the registry's model sources (added before
 * or after), data capture writes, and the VPC network interfaces when in a network.
 */
export function createModelExecutionRole(scope: Construct, id: string, options: ModelExecutionRoleOptions): iam.Role {
  const logGroups = `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/aws/sagemaker/Endpoints/*`;
  const role = new ManagedPolicyRole(scope, id, {
    roleName: options.roleName,
    assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
    description: 'Runs the models of a cdk-mlops deployment',
  });
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'EndpointLogs',
    actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
    resources: [logGroups],
  }));
  options.registry.grantRead(role);
  options.registry.grantReadModelArtifacts(role);
  for (const source of options.modelSources ?? []) {
    source.grantReadModelArtifacts(role);
  }
  const wildcards = [logGroups];
  if (options.dataCaptureBucket) {
    const objects = options.dataCaptureBucket.arnForObjects('data-capture/*');
    wildcards.push(objects);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'WriteDataCapture', actions: ['s3:PutObject'], resources: [objects] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'EncryptDataCapture', actions: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'], resources: [options.encryptionKey.keyArn],
    }));
  }
  const network = options.network;
  if (network) {
    const ec2Arn = (resource: string) => `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
    const interfaces = ec2Arn('network-interface/*');
    wildcards.push(interfaces);
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'VpcDescribe',
      actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
      resources: ['*'],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'VpcCreateInterfaces',
      actions: ['ec2:CreateNetworkInterface'],
      resources: [
        interfaces,
        ec2Arn(`security-group/${network.workloadSecurityGroup.securityGroupId}`),
        ...network.subnetIds.map((subnet) => ec2Arn(`subnet/${subnet}`)),
      ],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'VpcManageOwnInterfaces',
      actions: ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
      resources: [interfaces],
      conditions: { ArnEquals: { 'ec2:Vpc': ec2Arn(`vpc/${network.vpc.vpcId}`) } },
    }));
    acknowledge(role, 'deploymentServiceWildcards');
  }
  acknowledgeArns(role, 'deploymentGeneratedNames', wildcards);
  return role;
}

/** What a deployer role may touch. */
export interface DeployerGrants {
  readonly registry: IModelRegistry;
  readonly modelExecutionRole: iam.IRole;
  readonly encryptionKey: kms.IKey;
  readonly endpointNames: string[];
  readonly alarmArns: string[];
  readonly autoscaling: boolean;
  readonly invoke: boolean;
}

/**
 * The SageMaker permissions of a role that deploys endpoints in its own
 * account: the target-account deployer (the tooling workflow's tasks get
 * theirs from the task integrations plus `grantWorkflowExtras`).
 */
export function grantDeployer(role: iam.IRole, g: DeployerGrants): void {
  const models = sagemakerArn(`model/${NAME_PREFIX}*`);
  const configs = sagemakerArn(`endpoint-config/${NAME_PREFIX}*`);
  const endpoints = g.endpointNames.map((n) => sagemakerArn(`endpoint/${n.toLowerCase()}`));
  const add = (sid: string, actions: string[], resources: string[]) =>
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions, resources }));
  add('CreateModels', ['sagemaker:CreateModel', 'sagemaker:AddTags'], [models]);
  add('CreateEndpointConfigs', ['sagemaker:CreateEndpointConfig', 'sagemaker:AddTags'], [configs]);
  add('ManageEndpoints', ['sagemaker:DescribeEndpoint', 'sagemaker:CreateEndpoint', 'sagemaker:UpdateEndpoint', 'sagemaker:AddTags', 'sagemaker:ListTags',
    ...(g.invoke ? ['sagemaker:InvokeEndpoint'] : []), ...(g.autoscaling ? ['sagemaker:UpdateEndpointWeightsAndCapacities'] : [])], endpoints);
  add('UseEndpointConfigs', ['sagemaker:CreateEndpoint', 'sagemaker:UpdateEndpoint', 'sagemaker:ListTags', 'sagemaker:DeleteEndpointConfig'], [configs]);
  add('PruneModels', ['sagemaker:DeleteModel'], [models]);
  // The endpoint state machine: delete a Failed endpoint, read the live config's instance type.
  add('EndpointLifecycle', ['sagemaker:DeleteEndpoint'], endpoints);
  add('ReadEndpointConfigs', ['sagemaker:DescribeEndpointConfig'], [configs]);
  add('ListEndpointConfigs', ['sagemaker:ListEndpointConfigs'], ['*']);
  g.registry.grantDeploy(role);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'PassModelRole',
    actions: ['iam:PassRole'],
    resources: [g.modelExecutionRole.roleArn],
    conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
  }));
  add('VolumeAndCaptureKey', ['kms:CreateGrant', 'kms:DescribeKey', 'kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'], [g.encryptionKey.keyArn]);
  if (g.alarmArns.length > 0) {
    add('ReadRollbackAlarms', ['cloudwatch:DescribeAlarms'], g.alarmArns);
  }
  if (g.autoscaling) {
    add('AutoscalingTargets', ['application-autoscaling:RegisterScalableTarget', 'application-autoscaling:PutScalingPolicy'], [SCALABLE_TARGETS]);
    add('AutoscalingAroundUpdates', ['application-autoscaling:DeregisterScalableTarget'], [SCALABLE_TARGETS]);
    add('AutoscalingAlarms', ['cloudwatch:PutMetricAlarm', 'cloudwatch:DescribeAlarms', 'cloudwatch:DeleteAlarms'], [TARGET_TRACKING_ALARMS]);
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'AutoscalingServiceLinkedRole',
      actions: ['iam:CreateServiceLinkedRole'],
      resources: [`arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint`],
      conditions: { StringLike: { 'iam:AWSServiceName': 'sagemaker.application-autoscaling.amazonaws.com' } },
    }));
  }
  acknowledgeArns(role, 'deploymentGeneratedNames', [models, configs, SCALABLE_TARGETS, TARGET_TRACKING_ALARMS]);
}

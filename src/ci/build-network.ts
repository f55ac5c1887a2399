import { Annotations, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ISecureMlNetwork, MlEndpointService } from '../network';
import { acknowledgeArns } from '../private/acknowledgements';
import { ManagedPolicyGrantee } from '../private/managed-policy-grantee';

/**
 * Run CI builds inside the ML network: the endpoints they need, their VPC
 * config, and the permissions CodeBuild needs for the builds' network
 * interfaces (in `scope`, the CiPipeline).
 */
export function placeBuildsInNetwork(scope: Construct, network: ISecureMlNetwork,
  projects: codebuild.PipelineProject[], grantees: ManagedPolicyGrantee[]): void {
  requireNetworkEndpoints(scope, network);
  for (const project of projects) {
    placeInNetwork(project, network);
  }
  grantVpcAccess(scope, grantees, network);
}

/**
   * Place a build in the network. Set on the L1 rather than through the
   * L2's `vpc` prop: the L2 would add its own inline policy for network
   * interfaces next to the role; the same permissions are granted in the
   * acknowledged `BuildVpcPolicy` instead.
   */
function placeInNetwork(project: codebuild.PipelineProject, network: ISecureMlNetwork): void {
  (project.node.defaultChild as codebuild.CfnProject).vpcConfig = {
    vpcId: network.vpc.vpcId,
    subnets: network.subnetIds,
    securityGroupIds: [network.workloadSecurityGroup.securityGroupId],
  };
}

function requireNetworkEndpoints(scope: Construct, network: ISecureMlNetwork): void {
  network.requireEndpoints(
    MlEndpointService.CLOUDWATCH_LOGS,
    MlEndpointService.STS,
    MlEndpointService.SAGEMAKER_API,
    MlEndpointService.CODEBUILD,
  );
  if (!network.internetEgress && !network.hasEndpoint(MlEndpointService.CODEARTIFACT_REPOSITORIES)) {
    Annotations.of(scope).addWarningV2('cdk-mlops:ci-no-package-index',
      'The CI builds run in a network without internet egress or CodeArtifact endpoints: `pip install` from PyPI will fail. '
        + 'Point installCommands at a CodeArtifact repository (and require its endpoints) or give the network internet egress.');
  }
}

/**
   * What CodeBuild needs to place a build in the VPC (network interfaces).
   * Interfaces are created in the network's subnets and workload security
   * group only; their own ids are unknown until a build runs, and the
   * Describe calls have no resource-level permissions, hence a separate,
   * acknowledged policy.
   */
function grantVpcAccess(scope: Construct, grantees: ManagedPolicyGrantee[], network: ISecureMlNetwork): void {
  const stack = Stack.of(scope);
  const interfaces = `arn:${stack.partition}:ec2:${stack.region}:${stack.account}:network-interface/*`;
  const ec2Arn = (resource: string) => `arn:${stack.partition}:ec2:${stack.region}:${stack.account}:${resource}`;
  const subnets = network.subnetIds.map((id) => ec2Arn(`subnet/${id}`));
  const policy = new iam.ManagedPolicy(scope, 'BuildVpcPolicy', {
    description: 'CI builds: create and delete the network interfaces of builds in the ML network',
    roles: grantees.map((g) => g.role),
    statements: [
      new iam.PolicyStatement({
        actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups', 'ec2:DescribeDhcpOptions', 'ec2:DescribeVpcs'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        actions: ['ec2:CreateNetworkInterface'],
        resources: [interfaces, ...subnets, ec2Arn(`security-group/${network.workloadSecurityGroup.securityGroupId}`)],
      }),
      new iam.PolicyStatement({
        actions: ['ec2:DeleteNetworkInterface'],
        resources: [interfaces],
      }),
      new iam.PolicyStatement({
        actions: ['ec2:CreateNetworkInterfacePermission'],
        resources: [interfaces],
        conditions: {
          // ec2:Subnet holds subnet ARNs (an ARN-typed key: Arn* operators)
          ArnEquals: { 'ec2:Subnet': subnets },
          StringEquals: { 'ec2:AuthorizedService': 'codebuild.amazonaws.com' },
        },
      }),
    ],
  });
  acknowledgeArns(policy, 'ciBuildVpcNetworkInterfaces', [interfaces]);
}

/**
 * The network plugs into aws-cdk-lib as an `ec2.IConnectable` (its
 * connections are those of the workload security group) and as an
 * `IResource`; `allowS3BucketRead` answers like aws-cdk-lib's
 * `addToResourcePolicy`.
 */
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ISecureMlNetwork, SecureMlNetwork } from '../../src';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function envStack(): Stack {
  return new Stack(new App(), 'Net', { env: ENV });
}

function logicalId(stack: Stack, c: Construct): string {
  return stack.getLogicalId(c.node.defaultChild as CfnElement);
}

describe('network.connections (ec2.IConnectable)', () => {
  test('allowFrom a CIDR adds that ingress rule to the workload security group', () => {
    // GIVEN
    const stack = envStack();
    const network = new SecureMlNetwork(stack, 'Network');
    // WHEN
    network.connections.allowFrom(ec2.Peer.ipv4('10.8.0.0/16'), ec2.Port.tcp(8080), 'Model server from the VPN');
    // THEN
    const sg = Template.fromStack(stack).toJSON().Resources[logicalId(stack, network.workloadSecurityGroup)];
    expect(sg.Type).toBe('AWS::EC2::SecurityGroup');
    expect(sg.Properties.SecurityGroupIngress).toEqual([
      { CidrIp: '10.8.0.0/16', Description: 'Model server from the VPN', FromPort: 8080, IpProtocol: 'tcp', ToPort: 8080 },
    ]);
  });

  test('allowFrom a security group adds an ingress rule to the workload group and an egress rule to the peer', () => {
    // GIVEN
    const stack = envStack();
    const network = new SecureMlNetwork(stack, 'Network');
    const client = new ec2.SecurityGroup(stack, 'Client', { vpc: network.vpc, allowAllOutbound: false });
    // WHEN
    network.connections.allowFrom(client, ec2.Port.tcp(8443));
    // THEN
    const template = Template.fromStack(stack);
    const workload = logicalId(stack, network.workloadSecurityGroup);
    const peer = logicalId(stack, client);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [workload, 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [peer, 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: 8443,
      ToPort: 8443,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [peer, 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [workload, 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: 8443,
      ToPort: 8443,
    });
  });

  test('the network is a peer for aws-cdk-lib constructs: an EFS file system admits NFS from ML workloads', () => {
    // GIVEN
    const stack = envStack();
    const network: ISecureMlNetwork = new SecureMlNetwork(stack, 'Network');
    const fileSystem = new efs.FileSystem(stack, 'Shared', { vpc: network.vpc, vpcSubnets: network.vpcSubnets });
    // WHEN
    fileSystem.connections.allowDefaultPortFrom(network);
    // THEN the EFS group admits 2049 from the workload group, and the workload group (no open egress) may reach it
    const template = Template.fromStack(stack);
    const workload = logicalId(stack, network.workloadSecurityGroup);
    const efsGroup = logicalId(stack, fileSystem.connections.securityGroups[0]);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [efsGroup, 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [workload, 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: 2049,
      ToPort: 2049,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [workload, 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [efsGroup, 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: 2049,
      ToPort: 2049,
    });
  });

  test('an imported network opens its workload security group too', () => {
    // GIVEN
    const stack = envStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'], isolatedSubnetIds: ['subnet-1'] });
    const network = SecureMlNetwork.fromNetworkAttributes(stack, 'Imported', {
      vpc, workloadSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-1'),
    });
    // WHEN
    network.connections.allowFrom(ec2.Peer.ipv4('10.8.0.0/16'), ec2.Port.tcp(8080));
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-1', CidrIp: '10.8.0.0/16', IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080,
    });
    expect(network.connections.securityGroups).toEqual([network.workloadSecurityGroup]);
    expect(network.env).toEqual({ account: ENV.account, region: ENV.region });
    expect(network.stack).toBe(stack);
  });
});

describe('allowS3BucketRead returns what aws-cdk-lib returns for a resource policy', () => {
  test('the gateway endpoint policy holds the statement: statementAdded, the endpoint as policyDependable, once per bucket', () => {
    // GIVEN
    const stack = envStack();
    const network = new SecureMlNetwork(stack, 'Network');
    const shared = s3.Bucket.fromBucketName(stack, 'Shared', 'tooling-model-artifacts');
    // WHEN
    const first = network.allowS3BucketRead(shared);
    const again = network.allowS3BucketRead(shared);
    // THEN
    expect(first.statementAdded).toBe(true);
    expect(first.policyDependable).toBe(network.s3GatewayEndpoint);
    expect(again).toEqual(first);
    const gateway = Object.values<any>(Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint', {
      Properties: { VpcEndpointType: 'Gateway' },
    }))[0];
    const shares = gateway.Properties.PolicyDocument.Statement.filter((s: any) => String(s.Sid).startsWith('ReadSharedBucket'));
    expect(shares).toEqual([expect.objectContaining({
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket', 's3:GetBucketLocation'],
      Resource: expect.arrayContaining([
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::tooling-model-artifacts']] },
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::tooling-model-artifacts/*']] },
      ]),
    })]);
  });

  test('statementAdded is false, with a warning, when the network has no S3 gateway endpoint of its own', () => {
    // GIVEN
    const stack = envStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'], isolatedSubnetIds: ['subnet-1'], isolatedSubnetRouteTableIds: ['rtb-1'],
    });
    const owned = new SecureMlNetwork(stack, 'Network', { vpc, createS3GatewayEndpoint: false });
    const imported = SecureMlNetwork.fromNetworkAttributes(stack, 'Imported', {
      vpc, workloadSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-1'),
    });
    const bucket = s3.Bucket.fromBucketName(stack, 'Shared', 'shared');
    // WHEN
    const results = [owned.allowS3BucketRead(bucket), imported.allowS3BucketRead(bucket)];
    // THEN
    expect(results).toEqual([{ statementAdded: false }, { statementAdded: false }]);
    Annotations.fromStack(stack).hasWarning('/Net/Network', Match.stringLikeRegexp('no S3 gateway endpoint'));
    Annotations.fromStack(stack).hasWarning('/Net/Imported', Match.stringLikeRegexp('managed elsewhere'));
  });
});

import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { MlEndpointService, SecureMlNetwork } from '../../src';
import { expectCompliant, testApp } from '../harness/compliance';
import { isAllowed, PolicyDocument } from '../harness/iam-simulator';
import { expectStatefulRetained } from '../harness/stateful';
import { TemplateResolver } from '../harness/template-resolve';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';

/** What `cdk.context.json` holds after the one-time AZ look-up of a real app. */
const AZ_CONTEXT = { [`availability-zones:account=${ACCOUNT}:region=${REGION}`]: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] };

function envStack(app: App = testApp(AZ_CONTEXT), id = 'Net'): Stack {
  return new Stack(app, id, { env: { account: ACCOUNT, region: REGION } });
}

/** A workload role of this account whose own policies allow all of S3. */
const WORKLOAD = `arn:aws:iam::${ACCOUNT}:role/training-job`;

/** The resolved policy of the network's S3 gateway endpoint. */
function gatewayPolicy(template: Template): PolicyDocument {
  const gateway = Object.values<any>(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } }))[0];
  return new TemplateResolver(template.toJSON(), { account: ACCOUNT, region: REGION }).resolve(gateway.Properties.PolicyDocument) as PolicyDocument;
}

/**
 * An S3 request of the workload role through the gateway endpoint, to a
 * bucket whose owner allows the role (bucket policy when cross-account): the
 * IAM simulator's answer then depends on the endpoint policy alone.
 */
async function throughGateway(policy: PolicyDocument, action: string, resource: string, owner: string,
  context: Record<string, string> = {}): Promise<boolean> {
  const bucket = resource.split('/')[0];
  return isAllowed({
    action,
    resource,
    resourceAccount: owner,
    principal: WORKLOAD,
    identityPolicies: { workload: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } },
    resourcePolicy: owner === ACCOUNT ? undefined : {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: WORKLOAD }, Action: 's3:*', Resource: [bucket, `${bucket}/*`] }],
    },
    vpcEndpointPolicies: { gateway: policy },
    context: { 's3:ResourceAccount': owner, ...context },
  });
}

function endpointServiceNames(template: Template): string[] {
  const eps = template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } });
  return Object.values<any>(eps).map((r) => {
    const name = r.Properties.ServiceName;
    return typeof name === 'string' ? name : JSON.stringify(name);
  }).sort();
}

describe('SecureMlNetwork with defaults', () => {
  const app = testApp(AZ_CONTEXT);
  const stack = envStack(app);
  const network = new SecureMlNetwork(stack, 'Network');
  const template = Template.fromStack(stack);

  test('creates a VPC with isolated subnets in 2 AZs and no internet path', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/16', EnableDnsHostnames: true, EnableDnsSupport: true });
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    const routes = template.findResources('AWS::EC2::Route');
    expect(Object.keys(routes)).toHaveLength(0);
    expect(network.internetEgress).toBe(false);
    expect(network.vpcSubnets.subnetType).toBe(ec2.SubnetType.PRIVATE_ISOLATED);
  });

  test('creates the default interface endpoints once each, with private DNS, in the workload subnets', () => {
    expect(endpointServiceNames(template)).toEqual([
      `com.amazonaws.${REGION}.logs`,
      `com.amazonaws.${REGION}.sagemaker.api`,
      `com.amazonaws.${REGION}.sagemaker.runtime`,
      `com.amazonaws.${REGION}.sts`,
    ]);
    template.allResourcesProperties('AWS::EC2::VPCEndpoint', Match.objectLike({}));
    const eps = template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } });
    for (const ep of Object.values<any>(eps)) {
      expect(ep.Properties.PrivateDnsEnabled).toBe(true);
      expect(ep.Properties.SubnetIds).toHaveLength(2);
    }
    expect(network.endpointServiceNames).toEqual(['logs', 'sagemaker.api', 'sagemaker.runtime', 'sts']);
  });

  test('endpoint security group admits HTTPS only from the workload security group', () => {
    const endpointSgId = stack.resolve(network.endpointSecurityGroup.securityGroupId);
    const workloadSgId = stack.resolve(network.workloadSecurityGroup.securityGroupId);
    const ingress = template.findResources('AWS::EC2::SecurityGroupIngress', {
      Properties: { GroupId: endpointSgId },
    });
    expect(Object.values<any>(ingress).map((r) => r.Properties)).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, SourceSecurityGroupId: workloadSgId }),
    ]);
    // no CIDR-based ingress on the endpoint group
    const sg = template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('Interface VPC endpoints') } });
    for (const r of Object.values<any>(sg)) {
      expect(r.Properties.SecurityGroupIngress).toBeUndefined();
    }
  });

  test('endpoint policies admit only principals of this account, for the service namespace', () => {
    const eps = template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } });
    for (const ep of Object.values<any>(eps)) {
      const statements = ep.Properties.PolicyDocument.Statement;
      expect(statements).toHaveLength(1);
      expect(statements[0]).toEqual(expect.objectContaining({
        Effect: 'Allow',
        Principal: '*',
        Resource: '*',
        Condition: { StringEquals: { 'aws:PrincipalAccount': [ACCOUNT] } },
      }));
      expect(statements[0].Action).toMatch(/^(sagemaker|sts|logs):\*$/);
    }
  });

  test('workload security group: traffic inside the group for NFS, Studio, IKE and ESP; HTTPS out', () => {
    const workloadSgId = stack.resolve(network.workloadSecurityGroup.securityGroupId);
    const ingress = Object.values<any>(template.findResources('AWS::EC2::SecurityGroupIngress', {
      Properties: { GroupId: workloadSgId, SourceSecurityGroupId: workloadSgId },
    })).map((r) => `${r.Properties.IpProtocol}:${r.Properties.FromPort ?? ''}-${r.Properties.ToPort ?? ''}`).sort();
    expect(ingress).toEqual(['50:-', 'tcp:2049-2049', 'tcp:8192-65535', 'udp:500-500']);
    const sg = Object.values<any>(template.findResources('AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: Match.stringLikeRegexp('SageMaker jobs') },
    }))[0];
    expect(sg.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
    const egressToSelf = template.findResources('AWS::EC2::SecurityGroupEgress', { Properties: { GroupId: workloadSgId } });
    expect(Object.keys(egressToSelf)).toHaveLength(4);
  });

  test('flow logs of all traffic go to a KMS-encrypted log group with retention; the key rotates', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs', ResourceType: 'VPC' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365, KmsKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: Match.objectLike({
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'AllowCloudWatchLogsOfThisAccount',
          Principal: { Service: `logs.${REGION}.amazonaws.com` },
        })]),
      }),
    });
  });

  test('the flow log role has no inline policy and may write only to its log group', () => {
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [Match.objectLike({
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('NetworkFlowLogGroup'), 'Arn'] },
        })],
      },
    });
  });

  test('the default security group is closed', () => {
    template.hasResourceProperties('Custom::VpcRestrictDefaultSG', { DefaultSecurityGroupId: Match.anyValue() });
  });

  test('stateful resources (key, flow log group) are retained', () => {
    const ids = expectStatefulRetained(template);
    expect(ids.length).toBe(2);
  });

  test('logical ids of stateful resources are stable (public contract)', () => {
    expect(Object.keys(template.findResources('AWS::KMS::Key'))).toEqual(['NetworkKey1D162FA0']);
    expect(Object.keys(template.findResources('AWS::Logs::LogGroup'))).toEqual(['NetworkFlowLogGroup4F8CEEEF']);
  });

  test('passes the four nag packs with zero unacknowledged findings', () => {
    const app2 = testApp(AZ_CONTEXT);
    new SecureMlNetwork(envStack(app2), 'Network');
    expectCompliant(app2);
  });
});

describe('S3 gateway endpoint policy', () => {
  const app = testApp(AZ_CONTEXT);
  const stack = envStack(app);
  const network = new SecureMlNetwork(stack, 'Network', { trustedAccountIds: ['222222222222'] });
  const shared = s3.Bucket.fromBucketName(stack, 'Shared', 'tooling-model-artifacts');
  network.allowS3BucketRead(shared);
  network.allowS3BucketRead(shared); // idempotent
  const template = Template.fromStack(stack);
  const gateway = Object.values<any>(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } }))[0];
  const policy = gatewayPolicy(template);
  const get = (bucket: string, key: string, owner: string, action = 's3:GetObject') => throughGateway(policy, action, `arn:aws:s3:::${bucket}/${key}`, owner);

  test('is attached to the workload route tables', () => {
    expect(gateway.Properties.ServiceName).toEqual({ 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] });
    expect(gateway.Properties.RouteTableIds).toHaveLength(2);
  });

  test('ECR image pulls work: the AWS-owned layer bucket of the region is readable', async () => {
    expect(await get(`prod-${REGION}-starport-layer-bucket`, 'sha256/abc', '999999999999')).toBe(true);
    // ... but only GetObject, and only the layer bucket of this region
    expect(await get(`prod-${REGION}-starport-layer-bucket`, 'x', '999999999999', 's3:PutObject')).toBe(false);
    expect(await get('prod-us-east-1-starport-layer-bucket', 'x', '999999999999')).toBe(false);
  });

  test('buckets of this and trusted accounts are reachable; others are not', async () => {
    expect(await get('my-data', 'train.csv', ACCOUNT)).toBe(true);
    expect(await get('my-data', 'out.csv', ACCOUNT, 's3:PutObject')).toBe(true);
    expect(await get('prod-data', 'x', '222222222222')).toBe(true);
    expect(await get('someone-elses', 'x', '333333333333')).toBe(false);
  });

  test('allowS3BucketRead admits read-only access to a named shared bucket once', async () => {
    expect(await get('tooling-model-artifacts', 'model.tar.gz', '444444444444')).toBe(true);
    expect(await throughGateway(policy, 's3:ListBucket', 'arn:aws:s3:::tooling-model-artifacts', '444444444444')).toBe(true);
    expect(await get('tooling-model-artifacts', 'x', '444444444444', 's3:PutObject')).toBe(false);
    expect((policy.Statement as any[]).filter((s: any) => String(s.Sid).startsWith('ReadSharedBucket'))).toHaveLength(1);
  });

  test('trusted accounts are admitted by interface endpoint policies too', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      PolicyDocument: { Statement: [Match.objectLike({ Condition: { StringEquals: { 'aws:PrincipalAccount': [ACCOUNT, '222222222222'] } } })] },
    });
  });
});

describe('endpoint registration', () => {
  test('each service gets one endpoint however many layers ask for it', () => {
    // GIVEN
    const stack = envStack();
    const network = new SecureMlNetwork(stack, 'Network', { interfaceEndpoints: [] });
    // WHEN two layers declare overlapping needs
    network.requireEndpoints(MlEndpointService.SAGEMAKER_API, MlEndpointService.ECR_API, MlEndpointService.ECR_DOCKER);
    network.requireEndpoints(MlEndpointService.SAGEMAKER_API, MlEndpointService.of('ecr.dkr'), MlEndpointService.SAGEMAKER_STUDIO);
    // THEN
    const template = Template.fromStack(stack);
    expect(endpointServiceNames(template)).toEqual([
      `aws.sagemaker.${REGION}.studio`,
      `com.amazonaws.${REGION}.ecr.api`,
      `com.amazonaws.${REGION}.ecr.dkr`,
      `com.amazonaws.${REGION}.sagemaker.api`,
    ]);
    expect(network.hasEndpoint(MlEndpointService.ECR_DOCKER)).toBe(true);
    expect(network.hasEndpoint(MlEndpointService.STS)).toBe(false);
  });

  test('services without endpoint policy support get no policy', () => {
    const stack = envStack();
    new SecureMlNetwork(stack, 'Network', { interfaceEndpoints: [MlEndpointService.SAGEMAKER_STUDIO] });
    const eps = Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } });
    expect(Object.values<any>(eps)[0].Properties.PolicyDocument).toBeUndefined();
    expect(MlEndpointService.SAGEMAKER_STUDIO.supportsPolicy).toBe(false);
    expect(MlEndpointService.SAGEMAKER_API.supportsPolicy).toBe(true);
  });

  test('an organization id widens interface and gateway policies to the organization', () => {
    const stack = envStack();
    new SecureMlNetwork(stack, 'Network', { organizationId: 'o-abc123def4' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123def4' } } })]) },
    });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Condition: { StringEquals: { 'aws:ResourceOrgID': 'o-abc123def4' } } })]) },
    });
  });

  test('the gateway admits buckets of any account of the organization, and no other', async () => {
    const stack = envStack();
    new SecureMlNetwork(stack, 'Network', { organizationId: 'o-abc123def4' });
    const policy = gatewayPolicy(Template.fromStack(stack));
    const bucket = 'arn:aws:s3:::org-data/train.csv';
    expect(await throughGateway(policy, 's3:GetObject', bucket, '333333333333', { 'aws:ResourceOrgID': 'o-abc123def4' })).toBe(true);
    expect(await throughGateway(policy, 's3:GetObject', bucket, '333333333333', { 'aws:ResourceOrgID': 'o-zzzzzzzzzz' })).toBe(false);
  });
});

describe('options', () => {
  test('internet egress adds public subnets, one NAT gateway, and a warning', () => {
    const stack = envStack();
    const network = new SecureMlNetwork(stack, 'Network', { allowInternetEgress: true });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourceCountIs('AWS::EC2::InternetGateway', 1);
    template.resourceCountIs('AWS::EC2::Subnet', 4);
    template.allResourcesProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false });
    expect(network.vpcSubnets.subnetType).toBe(ec2.SubnetType.PRIVATE_WITH_EGRESS);
    Annotations.fromStack(stack).hasWarning('/Net/Network', Match.stringLikeRegexp('allowInternetEgress is on'));
  });

  test('three AZs, a custom CIDR and a longer flow log retention', () => {
    const stack = envStack();
    new SecureMlNetwork(stack, 'Network', {
      cidr: '10.42.0.0/20', availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'], logRetention: 731,
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.42.0.0/20' });
    template.resourceCountIs('AWS::EC2::Subnet', 3);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 731 });
  });

  test('an S3 prefix list narrows HTTPS egress to the VPC and S3', () => {
    const stack = envStack();
    new SecureMlNetwork(stack, 'Network', { s3PrefixListId: 'pl-6da54004' });
    const template = Template.fromStack(stack);
    const sg = Object.values<any>(template.findResources('AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: Match.stringLikeRegexp('SageMaker jobs') },
    }))[0];
    expect(sg.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: { 'Fn::GetAtt': [expect.stringMatching(/Vpc/), 'CidrBlock'] }, FromPort: 443 }),
    ]);
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { DestinationPrefixListId: 'pl-6da54004', FromPort: 443, ToPort: 443 });
    expect(JSON.stringify(sg.Properties.SecurityGroupEgress)).not.toContain('0.0.0.0/0');
  });

  test('removal policy DESTROY is passed to the key and log group', () => {
    const stack = envStack();
    new SecureMlNetwork(stack, 'Network', { removalPolicy: 'destroy' as any });
    const template = Template.fromStack(stack);
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
  });

  test('works in an environment-agnostic stack, with 3 zones picked by CloudFormation', () => {
    const app = testApp();
    const stack = new Stack(app, 'Agnostic');
    new SecureMlNetwork(stack, 'Network', { maxAzs: 3 });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::Subnet', 3);
    template.hasResourceProperties('AWS::EC2::Subnet', { AvailabilityZone: { 'Fn::Select': [2, { 'Fn::GetAZs': '' }] } });
    expectCompliant(app);
  });
});

describe('existing VPC', () => {
  function importedVpc(stack: Stack): ec2.IVpc {
    return ec2.Vpc.fromVpcAttributes(stack, 'Existing', {
      vpcId: 'vpc-0123456789abcdef0',
      vpcCidrBlock: '10.1.0.0/16',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      isolatedSubnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'],
      isolatedSubnetRouteTableIds: ['rtb-0aaaaaaaaaaaaaaaa', 'rtb-0bbbbbbbbbbbbbbbb'],
    });
  }

  test('secures an imported VPC: endpoints, security groups and flow logs in its subnets', () => {
    const app = testApp(AZ_CONTEXT);
    const stack = envStack(app);
    const network = new SecureMlNetwork(stack, 'Network', { vpc: importedVpc(stack) });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceId: 'vpc-0123456789abcdef0' });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface', SubnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'],
    });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway', RouteTableIds: ['rtb-0aaaaaaaaaaaaaaaa', 'rtb-0bbbbbbbbbbbbbbbb'],
    });
    expect(network.subnetIds).toEqual(['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb']);
    expectCompliant(app);
  });

  test('can skip the S3 gateway endpoint when the VPC already has one', () => {
    const stack = envStack();
    const network = new SecureMlNetwork(stack, 'Network', { vpc: importedVpc(stack), createS3GatewayEndpoint: false });
    Template.fromStack(stack).resourceCountIs('AWS::EC2::VPCEndpoint', 4);
    network.allowS3BucketRead(s3.Bucket.fromBucketName(stack, 'B', 'shared'));
    Annotations.fromStack(stack).hasWarning('/Net/Network', Match.stringLikeRegexp('no S3 gateway endpoint'));
  });
});

describe('imported network', () => {
  test('exposes its attributes and warns about endpoints it does not declare', () => {
    const stack = envStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'], isolatedSubnetIds: ['subnet-1'],
    });
    const sg = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-1');
    const network = SecureMlNetwork.fromNetworkAttributes(stack, 'Imported', {
      vpc, workloadSecurityGroup: sg, availableEndpoints: [MlEndpointService.SAGEMAKER_API],
    });
    network.requireEndpoints(MlEndpointService.SAGEMAKER_API, MlEndpointService.ECR_API);
    network.requireEndpoints(MlEndpointService.ECR_API);
    expect(network.subnetIds).toEqual(['subnet-1']);
    expect(network.hasEndpoint(MlEndpointService.SAGEMAKER_API)).toBe(true);
    expect(network.hasEndpoint(MlEndpointService.ECR_API)).toBe(false);
    const warnings = Annotations.fromStack(stack).findWarning('/Net/Imported', Match.stringLikeRegexp("'ecr.api'"));
    expect(warnings).toHaveLength(1);
    Template.fromStack(stack).resourceCountIs('AWS::EC2::VPCEndpoint', 0);
  });
});

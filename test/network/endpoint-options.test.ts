import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { EndpointPlacement, EndpointPlacementKind, MlEndpointService, SecureMlNetwork } from '../../src';
import { expectCompliant, testApp } from '../harness/compliance';
import { existingVpcWithEndpoints } from '../harness/existing-vpc';
import { isAllowed, PolicyDocument } from '../harness/iam-simulator';
import { TemplateResolver } from '../harness/template-resolve';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const AZ_CONTEXT = { [`availability-zones:account=${ACCOUNT}:region=${REGION}`]: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] };
const ROLE = `arn:aws:iam::${ACCOUNT}:role/studio-execution`;
const ALLOW_ALL: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

function envStack(app: App = testApp(AZ_CONTEXT), region = REGION): Stack {
  return new Stack(app, 'Net', { env: { account: ACCOUNT, region } });
}

function interfaceEndpoints(template: Template): Record<string, any> {
  const out: Record<string, any> = {};
  for (const r of Object.values<any>(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }))) {
    const name = r.Properties.ServiceName;
    out[typeof name === 'string' ? name : JSON.stringify(name)] = r;
  }
  return out;
}

function resolved(template: Template, value: unknown, region = REGION): any {
  return new TemplateResolver(template.toJSON(), { account: ACCOUNT, region }).resolve(value);
}

function gatewayPolicy(template: Template, region = REGION): PolicyDocument {
  const gateway = Object.values<any>(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } }))[0];
  return resolved(template, gateway.Properties.PolicyDocument, region);
}

/** A request whose identity and resource side allow it: the answer depends on the endpoint policy alone. */
async function through(policy: PolicyDocument, action: string, resource: string, options: {
  principal?: string; resourceAccount?: string; context?: Record<string, string>;
} = {}): Promise<boolean> {
  const principal = options.principal ?? ROLE;
  const owner = options.resourceAccount ?? ACCOUNT;
  return isAllowed({
    action,
    resource,
    principal,
    resourceAccount: owner,
    identityPolicies: { workload: ALLOW_ALL },
    resourcePolicy: owner === principal.split(':')[4] ? undefined : {
      Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: action, Resource: resource }],
    },
    vpcEndpointPolicies: { endpoint: policy },
    context: options.context,
  });
}

describe('MLflow over PrivateLink', () => {
  const stack = envStack();
  new SecureMlNetwork(stack, 'Network', { interfaceEndpoints: [MlEndpointService.SAGEMAKER_MLFLOW] });
  const template = Template.fromStack(stack);
  const endpoint = interfaceEndpoints(template)[`aws.sagemaker.${REGION}.experiments`];
  const policy = () => resolved(template, endpoint.Properties.PolicyDocument) as PolicyDocument;

  test('the endpoint is aws.sagemaker.<region>.experiments, with private DNS, in the workload subnets', () => {
    expect(endpoint).toBeDefined();
    expect(endpoint.Properties.PrivateDnsEnabled).toBe(true);
    expect(endpoint.Properties.SubnetIds).toHaveLength(2);
  });

  test('its policy admits MLflow App calls and tracking server calls of this account only', async () => {
    const app = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:mlflow-app/app-0123456789ab`;
    const server = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:mlflow-tracking-server/team`;
    expect(await through(policy(), 'sagemaker:CallMlflowAppApi', app)).toBe(true);
    expect(await through(policy(), 'sagemaker-mlflow:LogMetric', server)).toBe(true);
    expect(await through(policy(), 'sagemaker-mlflow:AccessUI', '*')).toBe(true);
    expect(await through(policy(), 'sagemaker:CallMlflowAppApi', app, { principal: 'arn:aws:iam::999999999999:role/outsider' })).toBe(false);
    // only MLflow goes through it
    expect(await through(policy(), 'sagemaker:CreateTrainingJob', `arn:aws:sagemaker:${REGION}:${ACCOUNT}:training-job/x`)).toBe(false);
  });
});

describe('CodeArtifact end to end', () => {
  const stack = envStack();
  new SecureMlNetwork(stack, 'Network', {
    interfaceEndpoints: [MlEndpointService.STS, MlEndpointService.CODEARTIFACT_API, MlEndpointService.CODEARTIFACT_REPOSITORIES],
  });
  const template = Template.fromStack(stack);
  const endpoints = interfaceEndpoints(template);
  const policyOf = (name: string) => resolved(template, endpoints[`com.amazonaws.${REGION}.${name}`].Properties.PolicyDocument) as PolicyDocument;
  const bearer = { 'sts:AWSServiceName': 'codeartifact.amazonaws.com', 'sts:DurationSeconds': '3600' };

  test.each(['codeartifact.api', 'codeartifact.repositories'])('the %s endpoint admits codeartifact:* and the bearer token for CodeArtifact', async (name) => {
    const policy = policyOf(name);
    expect(await through(policy, 'codeartifact:GetAuthorizationToken', `arn:aws:codeartifact:${REGION}:${ACCOUNT}:domain/ml`)).toBe(true);
    expect(await through(policy, 'codeartifact:ReadFromRepository', `arn:aws:codeartifact:${REGION}:${ACCOUNT}:repository/ml/pypi`)).toBe(true);
    expect(await through(policy, 'sts:GetServiceBearerToken', '*', { context: bearer })).toBe(true);
    // the token is admitted for CodeArtifact only, and for principals of the account only
    expect(await through(policy, 'sts:GetServiceBearerToken', '*', { context: { ...bearer, 'sts:AWSServiceName': 'other.amazonaws.com' } })).toBe(false);
    expect(await through(policy, 'sts:GetServiceBearerToken', '*', { principal: 'arn:aws:iam::999999999999:role/x', context: bearer })).toBe(false);
  });

  test('the STS endpoint admits the bearer token too', async () => {
    expect(await through(policyOf('sts'), 'sts:GetServiceBearerToken', '*', { context: bearer })).toBe(true);
  });

  test('the S3 gateway admits the CodeArtifact asset bucket of the region (npm, Maven), read-only', async () => {
    const gateway = gatewayPolicy(template);
    const assets = 'assets-438097961670-eu-west-1';
    const owner = '438097961670';
    const signer = `arn:aws:iam::${owner}:role/codeartifact-service`;
    expect(await through(gateway, 's3:GetObject', `arn:aws:s3:::${assets}/pkg.tgz`, { principal: signer, resourceAccount: owner, context: { 's3:ResourceAccount': owner } })).toBe(true);
    expect(await through(gateway, 's3:PutObject', `arn:aws:s3:::${assets}/x`, { principal: signer, resourceAccount: owner, context: { 's3:ResourceAccount': owner } })).toBe(false);
    expect(await through(gateway, 's3:GetObject', 'arn:aws:s3:::assets-193858265520-us-east-1/x', {
      principal: 'arn:aws:iam::193858265520:role/x', resourceAccount: '193858265520', context: { 's3:ResourceAccount': '193858265520' },
    })).toBe(false);
  });

  test('an environment-agnostic stack looks the asset bucket up in a template mapping', () => {
    const agnostic = new Stack(testApp(), 'Agnostic');
    new SecureMlNetwork(agnostic, 'Network', { interfaceEndpoints: [MlEndpointService.CODEARTIFACT_API] });
    const json = Template.fromStack(agnostic).toJSON();
    expect(json.Mappings.CdkMlopsCodeArtifactAssets['us-east-1']).toEqual({ bucket: 'assets-193858265520-us-east-1' });
    const usEast = new TemplateResolver(json, { region: 'us-east-1' });
    const gateway = Object.values<any>(json.Resources).find((r) => r.Type === 'AWS::EC2::VPCEndpoint' && r.Properties.VpcEndpointType === 'Gateway');
    expect(JSON.stringify(usEast.resolve(gateway.Properties.PolicyDocument))).toContain('arn:aws:s3:::assets-193858265520-us-east-1/*');
  });

  test('a region outside the documented table gets a warning and no statement; endpoints declared existing count too', () => {
    const other = envStack(testApp(), 'ap-southeast-3');
    const vpc = ec2.Vpc.fromVpcAttributes(other, 'Vpc', {
      vpcId: 'vpc-1', availabilityZones: ['ap-southeast-3a'], isolatedSubnetIds: ['subnet-1'], isolatedSubnetRouteTableIds: ['rtb-1'],
    });
    new SecureMlNetwork(other, 'Network', { vpc, existingEndpoints: [MlEndpointService.CODEARTIFACT_API] });
    Annotations.fromStack(other).hasWarning('/Net/Network', Match.stringLikeRegexp('CodeArtifact asset bucket of ap-southeast-3'));
    expect(JSON.stringify(Template.fromStack(other).toJSON())).not.toContain('CodeArtifactPackageAssets');
  });
});

describe('JumpStart buckets', () => {
  const jumpStart = (bucket: string, key: string) => [`arn:aws:s3:::${bucket}/${key}`, { principal: ROLE, resourceAccount: '999999999999', context: { 's3:ResourceAccount': '999999999999' } }] as const;

  test('are blocked by default and admitted, read-only, with allowJumpStartBuckets', async () => {
    const closed = envStack();
    new SecureMlNetwork(closed, 'Network');
    const open = envStack();
    new SecureMlNetwork(open, 'Network', { allowJumpStartBuckets: true });
    const [model, opts] = jumpStart(`jumpstart-cache-prod-${REGION}`, 'huggingface-llm/model.tar.gz');
    const [gated] = jumpStart(`jumpstart-private-cache-prod-${REGION}`, 'meta/model.tar.gz');
    expect(await through(gatewayPolicy(Template.fromStack(closed)), 's3:GetObject', model, opts)).toBe(false);
    const policy = gatewayPolicy(Template.fromStack(open));
    expect(await through(policy, 's3:GetObject', model, opts)).toBe(true);
    expect(await through(policy, 's3:GetObject', gated, opts)).toBe(true);
    expect(await through(policy, 's3:ListBucket', `arn:aws:s3:::jumpstart-cache-prod-${REGION}`, opts)).toBe(true);
    expect(await through(policy, 's3:PutObject', model, opts)).toBe(false);
    expect(await through(policy, 's3:GetObject', 'arn:aws:s3:::jumpstart-cache-prod-us-east-1/x', opts)).toBe(false);
  });
});

describe('existing endpoints in an existing VPC', () => {
  test('are not created again; only the missing ones are, and layers find them', () => {
    // GIVEN a VPC that already has sts and logs endpoints with private DNS
    const app = testApp();
    const stack = new Stack(app, 'Net');
    const { vpc } = existingVpcWithEndpoints(stack);

    // WHEN the network is built in it, declaring them
    const network = new SecureMlNetwork(stack, 'Network', { vpc, existingEndpoints: [MlEndpointService.STS, MlEndpointService.CLOUDWATCH_LOGS] });
    network.requireEndpoints(MlEndpointService.STS, MlEndpointService.SAGEMAKER_STUDIO);

    // THEN each service has exactly one endpoint in the VPC
    const names = Object.values<any>(Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }))
      .map((r) => resolved(Template.fromStack(stack), r.Properties.ServiceName)).sort();
    expect(names).toEqual([`aws.sagemaker.${REGION}.studio`, `com.amazonaws.${REGION}.logs`, `com.amazonaws.${REGION}.sagemaker.api`,
      `com.amazonaws.${REGION}.sagemaker.runtime`, `com.amazonaws.${REGION}.sts`]);
    expect(network.endpointServiceNames).toEqual(['sagemaker.api', 'sagemaker.runtime', 'studio']);
    expect(network.externalEndpointServiceNames).toEqual(['logs', 'sts']);
    expect(network.hasEndpoint(MlEndpointService.STS)).toBe(true);
    expectCompliant(app);
  });
});

describe('endpoint placement', () => {
  test('every AZ by default: one endpoint interface per zone of the workload subnets', () => {
    const stack = envStack();
    const network = new SecureMlNetwork(stack, 'Network', { maxAzs: 3 });
    expect(network.endpointPlacement.kind).toBe(EndpointPlacementKind.EVERY_AZ);
    for (const ep of Object.values<any>(interfaceEndpoints(Template.fromStack(stack)))) {
      expect(ep.Properties.SubnetIds).toHaveLength(3);
    }
  });

  test('single AZ: one endpoint interface each, workloads keep subnets in every zone', () => {
    const stack = envStack();
    const network = new SecureMlNetwork(stack, 'Network', {
      availabilityZones: ['eu-west-1a', 'eu-west-1b'], endpointPlacement: EndpointPlacement.singleAz({ availabilityZone: 'eu-west-1b' }),
    });
    const template = Template.fromStack(stack);
    const chosen = stack.resolve(network.vpc.isolatedSubnets[1].subnetId);
    for (const ep of Object.values<any>(interfaceEndpoints(template))) {
      expect(ep.Properties.SubnetIds).toEqual([chosen]);
    }
    expect(network.subnetIds).toHaveLength(2);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
  });

  test('single AZ in the first workload subnet by default, compliant', () => {
    const app = testApp();
    const stack = new Stack(app, 'Agnostic');
    const network = new SecureMlNetwork(stack, 'Network', { endpointPlacement: EndpointPlacement.singleAz() });
    const first = stack.resolve(network.vpc.isolatedSubnets[0].subnetId);
    for (const ep of Object.values<any>(interfaceEndpoints(Template.fromStack(stack)))) {
      expect(ep.Properties.SubnetIds).toEqual([first]);
    }
    expectCompliant(app);
  });

  test('central: the network creates none of the central services, warns about any other it must create', () => {
    const stack = envStack();
    const network = new SecureMlNetwork(stack, 'Network', {
      s3PrefixListId: 'pl-6da54004',
      endpointPlacement: EndpointPlacement.central({ services: MlEndpointService.defaults(), endpointVpcCidr: '10.100.0.0/16' }),
    });
    network.requireEndpoints(MlEndpointService.STS, MlEndpointService.ECR_API);
    const template = Template.fromStack(stack);
    expect(Object.keys(interfaceEndpoints(template))).toEqual([`com.amazonaws.${REGION}.ecr.api`]);
    expect(network.hasEndpoint(MlEndpointService.SAGEMAKER_RUNTIME)).toBe(true);
    Annotations.fromStack(stack).hasWarning('/Net/Network', Match.stringLikeRegexp("'ecr.api', which the central endpoint VPC does not serve"));
    const sg = Object.values<any>(template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('SageMaker jobs') } }))[0];
    expect(sg.Properties.SecurityGroupEgress).toContainEqual(expect.objectContaining({ CidrIp: '10.100.0.0/16', FromPort: 443, ToPort: 443 }));
    // the S3 gateway stays local: gateway endpoints are not reachable through a transit gateway
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
  });

  test('a network hosting central endpoints: private DNS off, HTTPS admitted from the client VPCs', () => {
    const stack = envStack();
    new SecureMlNetwork(stack, 'Network', { endpointPrivateDns: false, endpointClientCidrs: ['10.1.0.0/16', '10.2.0.0/16'] });
    const template = Template.fromStack(stack);
    for (const ep of Object.values<any>(interfaceEndpoints(template))) {
      expect(ep.Properties.PrivateDnsEnabled).toBe(false);
    }
    const sg = Object.values<any>(template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('Interface VPC endpoints') } }))[0];
    expect(sg.Properties.SecurityGroupIngress.map((r: any) => [r.CidrIp, r.FromPort])).toEqual([['10.1.0.0/16', 443], ['10.2.0.0/16', 443]]);
  });
});

describe('distributed training', () => {
  test('allowAllTrafficWithinWorkloadGroup opens every protocol inside the group, and nothing else', () => {
    const app = testApp(AZ_CONTEXT);
    const stack = envStack(app);
    const network = new SecureMlNetwork(stack, 'Network', { allowAllTrafficWithinWorkloadGroup: true });
    const template = Template.fromStack(stack);
    const sg = stack.resolve(network.workloadSecurityGroup.securityGroupId);
    const ingress = Object.values<any>(template.findResources('AWS::EC2::SecurityGroupIngress', { Properties: { GroupId: sg } }));
    expect(ingress.map((r) => [r.Properties.IpProtocol, r.Properties.SourceSecurityGroupId])).toEqual([['-1', sg]]);
    const egress = Object.values<any>(template.findResources('AWS::EC2::SecurityGroupEgress', { Properties: { GroupId: sg } }));
    expect(egress.map((r) => [r.Properties.IpProtocol, r.Properties.DestinationSecurityGroupId])).toEqual([['-1', sg]]);
    expectCompliant(app);
  });
});

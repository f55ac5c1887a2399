import { App, Errors, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { EndpointPlacement, MlEndpointService, SecureMlNetwork, SecureMlNetworkProps } from '../../src';

function build(props: SecureMlNetworkProps | ((stack: Stack) => SecureMlNetworkProps)): () => void {
  return () => {
    const stack = new Stack();
    new SecureMlNetwork(stack, 'Network', typeof props === 'function' ? props(stack) : props);
  };
}

function isolatedVpc(stack: Stack): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(stack, 'Existing', {
    vpcId: 'vpc-1', availabilityZones: ['us-east-1a'], isolatedSubnetIds: ['subnet-1'], isolatedSubnetRouteTableIds: ['rtb-1'],
  });
}

/** Every case: the props, and what the message must say (prop, value and fix). */
const CASES: Array<[string, SecureMlNetworkProps | ((stack: Stack) => SecureMlNetworkProps), RegExp[]]> = [
  ['the CIDR is malformed', { cidr: '10.0.0/16' }, [/cidr: got '10\.0\.0\/16'/, /a\.b\.c\.d\/n/, /'10\.20\.0\.0\/16'/]],
  ['a CIDR octet is over 255', { cidr: '10.0.300.0/16' }, [/cidr: got '10\.0\.300\.0\/16'/]],
  ['the CIDR is too small', { cidr: '10.0.0.0/26' }, [/cidr: got '10\.0\.0\.0\/26'/, /\/16 to \/24/, /use \/24 or larger/]],
  ['the CIDR is larger than a VPC can be', { cidr: '10.0.0.0/8' }, [/cidr: got '10\.0\.0\.0\/8'/, /at most \/16/]],
  ['the CIDR is not a network address', { cidr: '10.0.1.0/16' }, [/the network address/, /use '10\.0\.0\.0\/16'/]],
  ['the CIDR cannot fit the subnets', { cidr: '10.0.0.0/24', maxAzs: 6, allowInternetEgress: true }, [/large enough for 12 subnets/]],
  ['the AZ count is zero', { maxAzs: 0 }, [/maxAzs: got 0/, /from 1 to 6/]],
  ['the AZ count is over 6', { maxAzs: 7 }, [/maxAzs: got 7/, /from 1 to 6/]],
  ['the AZ count is not whole', { maxAzs: 2.5 }, [/maxAzs: got 2\.5/]],
  ['both maxAzs and availabilityZones are given', { maxAzs: 2, availabilityZones: ['us-east-1a', 'us-east-1b'] }, [/maxAzs: .*either maxAzs or availabilityZones/]],
  ['availability zones repeat', { availabilityZones: ['us-east-1a', 'us-east-1a'] }, [/availabilityZones: .*distinct zone names/]],
  ['an existing VPC and a CIDR are both given', (s) => ({ vpc: isolatedVpc(s), cidr: '10.0.0.0/16' }), [/cidr: got '10\.0\.0\.0\/16'; allowed: only when the network creates its VPC/, /remove cidr/]],
  ['an existing VPC and internet egress are both given', (s) => ({ vpc: isolatedVpc(s), allowInternetEgress: true }), [/allowInternetEgress: got true/]],
  ['vpcSubnets are given without a VPC', { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }, [/vpcSubnets: .*only together with `vpc`/]],
  ['the imported VPC has no matching subnets', (s) => ({ vpc: isolatedVpc(s), vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } }),
    [/vpcSubnets: got 'subnetType Private'/, /matches at least one subnet/, /PRIVATE_WITH_EGRESS|privateSubnetIds/]],
  ['the endpoint service is unknown', { interfaceEndpoints: [MlEndpointService.of('sagemaker.apii')] }, [/interfaceEndpoints: got 'sagemaker\.apii'/, /did you mean 'sagemaker\.api'/]],
  ['a trusted account id is malformed', { trustedAccountIds: ['12345'] }, [/trustedAccountIds: got '12345'/, /12 digits/]],
  ['a trusted account repeats', { trustedAccountIds: ['123456789012', '123456789012'] }, [/trustedAccountIds: .*each account once/]],
  ['the organization id is malformed', { organizationId: 'org-123' }, [/organizationId: got 'org-123'/, /starts with o-/]],
  ['NAT gateways are asked for without egress', { natGateways: 2 }, [/natGateways: got 2; allowed: only with allowInternetEgress: true/]],
  ['more NAT gateways than AZs', { allowInternetEgress: true, natGateways: 3 }, [/natGateways: got 3/, /number of AZs \(2\)/]],
  ['the S3 prefix list id is malformed', { s3PrefixListId: 'prefix-1' }, [/s3PrefixListId: got 'prefix-1'/]],
  ['an endpoint is both existing and requested', (s) => ({
    vpc: isolatedVpc(s), existingEndpoints: [MlEndpointService.STS], interfaceEndpoints: [MlEndpointService.STS, MlEndpointService.SAGEMAKER_API],
  }), [/existingEndpoints: got \["sts"\]; allowed: services not also listed in interfaceEndpoints/, /remove 'sts' from interfaceEndpoints/, /conflicting DNS domain/]],
  ['existing endpoints are declared for a VPC the network creates', { existingEndpoints: [MlEndpointService.STS] },
    [/existingEndpoints: got \["sts"\]; allowed: only with `vpc`/, /EndpointPlacement\.central/]],
  ['an existing endpoint is not in the catalog', (s) => ({ vpc: isolatedVpc(s), existingEndpoints: [MlEndpointService.of('stss')] }),
    [/existingEndpoints: got 'stss'/, /did you mean 'sts'/]],
  ['an existing endpoint is listed twice', (s) => ({ vpc: isolatedVpc(s), existingEndpoints: [MlEndpointService.of('logs'), MlEndpointService.CLOUDWATCH_LOGS] }),
    [/existingEndpoints: got 'logs'; allowed: each service once/]],
  ['central placement names no service', { endpointPlacement: EndpointPlacement.central({ services: [] }) },
    [/endpointPlacement\.services: got \[\]; allowed: at least one service/]],
  ['a centrally served endpoint is also requested', {
    endpointPlacement: EndpointPlacement.central({ services: [MlEndpointService.SAGEMAKER_API] }),
    interfaceEndpoints: [MlEndpointService.SAGEMAKER_API],
  }, [/endpointPlacement\.services: got \["sagemaker\.api"\]; allowed: services not also listed in interfaceEndpoints/]],
  ['an endpoint is both existing and central', (s) => ({
    vpc: isolatedVpc(s),
    existingEndpoints: [MlEndpointService.STS],
    endpointPlacement: EndpointPlacement.central({ services: [MlEndpointService.STS] }),
    interfaceEndpoints: [],
  }), [/existingEndpoints: got \["sts"\]; allowed: services not also served by the central endpoint VPC/]],
  ['private DNS is turned off on a network that uses central endpoints', {
    endpointPlacement: EndpointPlacement.central({ services: MlEndpointService.defaults() }), interfaceEndpoints: [], endpointPrivateDns: false,
  }, [/endpointPrivateDns: got false; allowed: private DNS off only on the network that hosts central endpoints/]],
  ['an endpoint client CIDR is malformed', { endpointClientCidrs: ['10.1.0.0'] }, [/endpointClientCidrs: got '10\.1\.0\.0'; allowed: an IPv4 CIDR block/]],
  ['the central endpoint VPC CIDR is malformed', { endpointPlacement: EndpointPlacement.central({ services: [MlEndpointService.STS], endpointVpcCidr: '10.9.0.0/33' }) },
    [/endpointPlacement\.endpointVpcCidr: got '10\.9\.0\.0\/33'/]],
  ['JumpStart buckets are admitted without the S3 gateway', (s) => ({ vpc: isolatedVpc(s), createS3GatewayEndpoint: false, allowJumpStartBuckets: true }),
    [/allowJumpStartBuckets: got true; allowed: only with the network's S3 gateway endpoint/]],
];

describe('SecureMlNetwork validation', () => {
  test.each(CASES)('fails when %s', (_name, props, messages) => {
    let error: unknown;
    try {
      build(props)();
    } catch (e) {
      error = e;
    }
    expect(Errors.isValidationError(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toMatch(/^SecureMlNetwork has \d+ invalid problems?:/);
    for (const expected of messages) {
      expect(message).toMatch(expected);
    }
  });

  test('fails with every problem listed at once', () => {
    expect(build({ cidr: 'nope', maxAzs: 9, organizationId: 'x' })).toThrow(/has 3 invalid problems:\n- maxAzs.*\n- cidr.*\n- organizationId/);
  });

  test('fails when a layer requires an unknown endpoint later', () => {
    const stack = new Stack();
    const network = new SecureMlNetwork(stack, 'Network');
    expect(() => network.requireEndpoints(MlEndpointService.of('sagemaker.runtimes'))).toThrow(/interfaceEndpoints: got 'sagemaker\.runtimes'.*did you mean 'sagemaker\.runtime'/s);
  });

  test('fails when the single-AZ zone is not a zone of the workload subnets', () => {
    const stack = new Stack();
    expect(() => new SecureMlNetwork(stack, 'Network', {
      availabilityZones: ['us-east-1a', 'us-east-1b'], endpointPlacement: EndpointPlacement.singleAz({ availabilityZone: 'us-east-1c' }),
    })).toThrow(/endpointPlacement\.availabilityZone: got 'us-east-1c'; allowed: a zone of the workload subnets \(us-east-1a, us-east-1b\)/);
    expect(() => new SecureMlNetwork(new Stack(), 'Network', { endpointPlacement: EndpointPlacement.singleAz({ availabilityZone: 'us-east-1a' }) }))
      .toThrow(/give the network explicit availabilityZones/);
  });

  test('fails when single-AZ endpoints are used on a production-tagged network without confirmation', () => {
    // GIVEN a network tagged for production (tags reach resources at synth)
    const app = new App();
    const stack = new Stack(app, 'Prod');
    Tags.of(stack).add('mlops:stage', 'production');
    new SecureMlNetwork(stack, 'Network', { endpointPlacement: EndpointPlacement.singleAz() });
    // THEN synth fails with the prop, the value and both fixes
    expect(() => app.synth()).toThrow(/endpointPlacement: got 'EndpointPlacement\.singleAz\(\) on a network tagged mlops:stage=production'.*everyAz\(\).*allowInProduction: true/s);
    // AND a confirmed placement, or a non-production tag, synthesizes
    const ok = new App();
    const confirmed = new Stack(ok, 'Prod');
    Tags.of(confirmed).add('mlops:stage', 'prod');
    new SecureMlNetwork(confirmed, 'Network', { endpointPlacement: EndpointPlacement.singleAz({ allowInProduction: true }) });
    const dev = new Stack(ok, 'Dev');
    Tags.of(dev).add('mlops:stage', 'dev');
    new SecureMlNetwork(dev, 'Network', { endpointPlacement: EndpointPlacement.singleAz() });
    expect(() => ok.synth()).not.toThrow();
  });

  test('tokens are not validated at synth time', () => {
    const stack = new Stack();
    expect(() => new SecureMlNetwork(stack, 'Network', { trustedAccountIds: [stack.account] })).not.toThrow();
  });

  test('a public CIDR is allowed with a warning', () => {
    const stack = new Stack();
    new SecureMlNetwork(stack, 'Network', { cidr: '11.0.0.0/16' });
    Annotations.fromStack(stack).hasWarning('/Default/Network', Match.stringLikeRegexp('not in a private range'));
  });
});

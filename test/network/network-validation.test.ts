import { Errors, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { MlEndpointService, SecureMlNetwork, SecureMlNetworkProps } from '../../src';

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

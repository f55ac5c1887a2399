import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MlInstanceType } from '../../src/common';
import { ExplorationDomain } from '../../src/exploration';
import { SecureMlNetwork } from '../../src/network';
import { PolicyDocument, simulate } from '../harness/iam-simulator';
import { sarContext, sarResourceArn } from '../harness/sar-requests';
import { TemplateResolver } from '../harness/template-resolve';

/**
 * What the execution role of a domain may do, decided by iam-simulate over
 * the synthesized managed policies, for requests whose context holds only the
 * keys the Service Authorization Reference lists for the action.
 */
describe('ExplorationDomain execution policies (iam-simulate)', () => {
  const stack = new Stack(undefined, 'Explore');
  const network = new SecureMlNetwork(stack, 'Network');
  const domain = new ExplorationDomain(stack, 'Domain', { network, devEndpointInstanceTypes: [MlInstanceType.ML_M5_LARGE] });
  const template = Template.fromStack(stack).toJSON();
  const resolver = new TemplateResolver(template);
  const account = resolver.pseudo('AWS::AccountId')!;
  const policies: Record<string, PolicyDocument> = Object.fromEntries(Object.entries<any>(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy')
    .map(([id, r]) => [id, resolver.resolve(r.Properties.PolicyDocument) as PolicyDocument]));
  const role = resolver.resolve(stack.resolve(domain.executionRole.roleArn)) as string;
  const subnets = resolver.resolve(stack.resolve(network.subnetIds)) as string[];
  const securityGroup = resolver.resolve(stack.resolve(network.workloadSecurityGroup.securityGroupId)) as string;
  const domainKey = resolver.resolve(stack.resolve(domain.encryptionKey.keyArn)) as string;
  const otherKey = `arn:aws:kms:us-east-1:${account}:key/99999999-2222-3333-4444-555555555555`;

  /** A request of the execution role, its context cut to the keys the reference lists for the action. */
  async function request(action: string, values: Record<string, string | string[]>) {
    return simulate({
      action,
      resource: await sarResourceArn(action, account),
      principal: role,
      identityPolicies: policies,
      context: await sarContext(action, values),
    });
  }

  const job = {
    'sagemaker:VpcSubnets': subnets,
    'sagemaker:VpcSecurityGroupIds': [securityGroup],
    'sagemaker:OutputKmsKeyArn': domainKey,
    'sagemaker:VolumeKmsKeyArn': domainKey,
    'sagemaker:InterContainerTrafficEncryption': 'true',
    'sagemaker:InstanceTypes': ['ml.m5.xlarge'],
  };

  test.each(['sagemaker:CreateTrainingJob', 'sagemaker:CreateProcessingJob', 'sagemaker:CreateHyperParameterTuningJob'])(
    '%s is allowed in the network with the domain key and encrypted inter-container traffic, and only so', async (action) => {
      const allowed = await request(action, job);
      expect(allowed.ignoredContextKeys).toEqual([]);
      expect(allowed.allowedBy).toContainEqual(expect.objectContaining({ policyType: 'identity', statement: 'JobsInTheNetworkWithTheDomainKey' }));
      const { 'sagemaker:VolumeKmsKeyArn': _volume, ...noVolumeKey } = job;
      expect((await request(action, noVolumeKey)).allowed).toBe(true);
      const denied = [
        { ...job, 'sagemaker:OutputKmsKeyArn': otherKey },
        { ...job, 'sagemaker:VolumeKmsKeyArn': otherKey },
        { ...job, 'sagemaker:VpcSubnets': ['subnet-0fffffffffffffff0'] },
        { ...job, 'sagemaker:VpcSecurityGroupIds': ['sg-0fffffffffffffff0'] },
        { ...job, 'sagemaker:InterContainerTrafficEncryption': 'false' },
      ];
      for (const values of denied) {
        expect((await request(action, values)).result).toBe('ImplicitlyDenied');
      }
      const { 'sagemaker:OutputKmsKeyArn': _output, ...noOutputKey } = job;
      expect((await request(action, noOutputKey)).result).toBe('ImplicitlyDenied');
    });

  test('dev endpoint configs: tagged for the dev stage, an allowed instance type, the domain key if any', async () => {
    const config = { 'aws:RequestTag/mlops:stage': 'dev', 'aws:TagKeys': ['mlops:stage'], 'sagemaker:InstanceTypes': ['ml.m5.large'], 'sagemaker:VolumeKmsKeyArn': domainKey };
    expect((await request('sagemaker:CreateEndpointConfig', config)).allowed).toBe(true);
    const { 'sagemaker:VolumeKmsKeyArn': _, ...noKey } = config;
    expect((await request('sagemaker:CreateEndpointConfig', noKey)).allowed).toBe(true);
    expect((await request('sagemaker:CreateEndpointConfig', { ...config, 'sagemaker:VolumeKmsKeyArn': otherKey })).allowed).toBe(false);
    expect((await request('sagemaker:CreateEndpointConfig', { ...config, 'sagemaker:InstanceTypes': ['ml.p4d.24xlarge'] })).allowed).toBe(false);
    expect((await request('sagemaker:CreateEndpointConfig', { ...config, 'aws:RequestTag/mlops:stage': 'prod' })).allowed).toBe(false);
  });
});

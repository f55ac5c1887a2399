import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { deploymentStack } from './fixtures';
import { allStates, definitions, execute, FakeAccount } from './workflow-harness';
import { DeploymentTargetAccount } from '../../src/deployment';
import { SecureMlNetwork } from '../../src/network';
import { ModelRegistry } from '../../src/registry';
import { expectCompliant, testApp } from '../harness/compliance';
import { expectStatefulRetained } from '../harness/stateful';
import { TemplateResolver } from '../harness/template-resolve';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator');

const TOOLING = '111111111111';
const PROD = '222222222222';
const GROUP_ARN = `arn:aws:sagemaker:us-east-1:${TOOLING}:model-package-group/churn`;

function targetStack(props: { toolingAccountId?: string; env?: boolean } = {}) {
  const app = testApp();
  const stack = new Stack(app, 'Target', props.env === false ? {} : { env: { account: PROD, region: 'us-east-1' } });
  const registry = ModelRegistry.fromModelPackageGroupArn(stack, 'Registry', GROUP_ARN);
  const target = new DeploymentTargetAccount(stack, 'Target', {
    toolingAccountId: props.toolingAccountId ?? TOOLING, registry, endpointNames: ['churn-prod'],
  });
  return { app, stack, target };
}

describe('DeploymentTargetAccount', () => {
  test('creates the roles, key, bucket and alarms the tooling side expects, compliant and retained', () => {
    // GIVEN / WHEN
    const { app, stack } = targetStack();

    // THEN
    expectCompliant(app);
    const template = Template.fromStack(stack);
    expect(expectStatefulRetained(template).length).toBeGreaterThanOrEqual(3);
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'cdk-mlops-deployer',
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({
          Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${TOOLING}:root`]] } },
          Condition: { ArnLike: { 'aws:PrincipalArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${TOOLING}:role/*`]] } } },
        })],
      },
    });
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'cdk-mlops-model-execution' });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/cdk-mlops-deployment' });
    template.hasResourceProperties('AWS::S3::Bucket', { BucketName: `cdk-mlops-capture-${PROD}-us-east-1` });
    // the endpoints run in the target's own network, published to the tooling workflow
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/cdk-mlops/deployment-network',
      Value: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'ReadTargetNetwork',
          Action: 'ssm:GetParameter',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ssm:us-east-1:${PROD}:parameter/cdk-mlops/deployment-network`]] },
        })]),
      },
    });
    for (const name of DeploymentTargetAccount.alarmNames('churn-prod')) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: name });
    }
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: Match.arrayWith(['sagemaker:CreateEndpoint', 'sagemaker:InvokeEndpoint', 'sagemaker:UpdateEndpoint']),
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':endpoint/churn-prod']] },
        })]),
      },
    });
  });

  test('the tooling side assumes the target roles for a cross-account stage', async () => {
    // GIVEN / WHEN
    const { app, stack, deployment } = deploymentStack({
      stages: [{ stageName: 'staging' }, { stageName: 'prod', account: PROD, endpointName: 'churn-prod', approvalRequired: true }],
    });

    // THEN
    expectCompliant(app);
    const main = Object.entries(definitions(stack)).find(([id]) => !id.includes('Starter'))![1];
    expect(aslValidator(main).isValid).toBe(true);
    const states = allStates(main);
    expect(states['prod: Create model'].Credentials).toEqual({ RoleArn: `arn:aws:iam::${PROD}:role/cdk-mlops-deployer` });
    expect(states['prod: Create model'].Parameters.ExecutionRoleArn).toBe(`arn:aws:iam::${PROD}:role/cdk-mlops-model-execution`);
    expect(states['prod: Create endpoint config'].Parameters.KmsKeyId).toBe(`arn:aws:kms:us-east-1:${PROD}:alias/cdk-mlops-deployment`);
    expect(states['prod: Create endpoint config'].Parameters.DataCaptureConfig.DestinationS3Uri).toBe(`s3://cdk-mlops-capture-${PROD}-us-east-1/data-capture/prod`);
    expect(states['prod: update endpoint'].Parameters.DeploymentConfig.AutoRollbackConfiguration.Alarms)
      .toEqual(DeploymentTargetAccount.alarmNames('churn-prod').map((AlarmName) => ({ AlarmName })));
    expect(states['staging: Create model'].Credentials).toBeUndefined();
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 'sts:AssumeRole',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${PROD}:role/cdk-mlops-deployer`]] },
        })]),
      },
    });
    const prod = deployment.stage('prod');
    expect(prod.account).toBe(PROD);
    expect(prod.dataCaptureBucket!.bucketName).toBe(`cdk-mlops-capture-${PROD}-us-east-1`);

    // AND the cross-account stage reads the target's network with the deployer role, before it creates the model
    expect(states['prod: Find network']).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:ssm:getParameter',
      Credentials: { RoleArn: `arn:aws:iam::${PROD}:role/cdk-mlops-deployer` },
      Parameters: { Name: DeploymentTargetAccount.networkParameterName() },
    });
    expect(states['prod: Create model'].Parameters['VpcConfig.$']).toBe('$.Stage.Network.VpcConfig');
    expect(states['prod: Create model'].Parameters.EnableNetworkIsolation).toBe(true);
    expect(states['staging: Find network']).toBeUndefined();

    // AND the workflow runs through the cross-account stage, the model in the target's network
    const account = new FakeAccount();
    await execute(main, { Action: 'DEPLOY', ModelPackageArn: `${GROUP_ARN.replace('-group', '')}/3`, ModelPackageVersion: 3 }, account);
    expect(account.endpoints.get('churn-prod')!.config).toMatch(/^mlops-prod-v3-/);
    const prodModel = account.modelRequests.find((m) => m.ModelName.startsWith('mlops-prod-'));
    expect(prodModel.VpcConfig).toEqual(account.targetNetwork);
    expect(account.calls.filter((c) => c === 'aws-sdk:ssm:getParameter')).toHaveLength(1);
  });

  test('publishes the VPC config of a given network, and the model role may place interfaces in it', () => {
    // GIVEN a network built elsewhere in the target account
    const app = testApp();
    const stack = new Stack(app, 'Target', { env: { account: PROD, region: 'us-east-1' } });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0a1b2c3d4e5f60718',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      isolatedSubnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'],
    });
    const network = SecureMlNetwork.fromNetworkAttributes(stack, 'Network', {
      vpc, workloadSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0cccccccccccccccc'),
    });
    // WHEN
    const target = new DeploymentTargetAccount(stack, 'Target', {
      toolingAccountId: TOOLING, registry: ModelRegistry.fromModelPackageGroupArn(stack, 'Registry', GROUP_ARN), endpointNames: ['churn-prod'], network,
    });
    // THEN the parameter holds exactly the VpcConfig CreateModel takes
    expect(target.network).toBe(network);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::VPC', 0);
    const parameter = Object.values<any>(template.findResources('AWS::SSM::Parameter'))[0];
    const value = JSON.parse(new TemplateResolver(template.toJSON(), { account: PROD }).resolve(parameter.Properties.Value) as string);
    expect(value).toEqual({ Subnets: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'], SecurityGroupIds: ['sg-0cccccccccccccccc'] });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'ec2:CreateNetworkInterface' })]) },
    });
  });

  test('a stage may run its model with network access while the others stay isolated', () => {
    const { stack } = deploymentStack({ stages: [{ stageName: 'staging', networkIsolation: false }, { stageName: 'prod', account: PROD }] });
    const states = allStates(Object.entries(definitions(stack)).find(([id]) => !id.includes('Starter'))![1]);
    expect(states['staging: Create model'].Parameters.EnableNetworkIsolation).toBe(false);
    expect(states['prod: Create model'].Parameters.EnableNetworkIsolation).toBe(true);
  });

  test('a serverless cross-account stage reads no network: serverless endpoints take neither VPC config nor isolation', () => {
    const { stack } = deploymentStack({ stages: [{ stageName: 'prod', account: PROD, serverlessMemorySizeMiB: 2048, dataCapture: false }] });
    const states = allStates(Object.entries(definitions(stack)).find(([id]) => !id.includes('Starter'))![1]);
    expect(states['prod: Find network']).toBeUndefined();
    expect(Object.keys(states['prod: Create model'].Parameters).sort()).toEqual(['ExecutionRoleArn', 'ModelName.$', 'PrimaryContainer', 'Tags']);
  });

  describe('fails when', () => {
    test('fails when the tooling account id is malformed', () => {
      expect(() => targetStack({ toolingAccountId: '1234' })).toThrow(/toolingAccountId: got '1234'; allowed: a 12-digit account id/);
    });
    test('fails when the stack is environment-agnostic', () => {
      expect(() => targetStack({ env: false })).toThrow(/env: got 'environment-agnostic stack'; allowed: a stack with explicit account and region/);
    });
    test('fails when the target is the tooling account', () => {
      expect(() => targetStack({ toolingAccountId: PROD })).toThrow(/toolingAccountId: got '222222222222'; allowed: another account than this stack's/);
    });
    test('fails when a stage account is malformed', () => {
      expect(() => deploymentStack({ stages: [{ stageName: 'prod', account: 'prod' }] })).toThrow(/stages\[0\]\.account: got 'prod'; allowed: a 12-digit account id/);
    });
  });
});

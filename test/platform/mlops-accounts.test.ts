import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DeploymentTarget, DeploymentTargetKind } from '../../src/deployment';
import { EndpointPlacement, MlEndpointService } from '../../src/network';
import { CostReport, MlopsAccounts, MlopsAccountsProps, PlatformLayer } from '../../src/platform';
import { ModelRegistry } from '../../src/registry';
import { expectCompliant, testApp } from '../harness/compliance';
import { expectStatefulRetained } from '../harness/stateful';

const TOOLING = '111111111111';
const STAGING = '222222222222';
const PRODUCTION = '333333333333';
const TARGETS = [
  { stageName: 'staging', accountId: STAGING },
  { stageName: 'production', accountId: PRODUCTION, approvalRequired: true, initialInstanceCount: 2 },
];

/** Every 12-digit account id in a template, except AWS's image registries (`<id>.dkr.ecr.`). */
function accountsIn(template: Template): string[] {
  const text = JSON.stringify(template.toJSON()).replace(/\b\d{12}\.dkr\.ecr\./g, '<aws-images>.dkr.ecr.');
  return [...new Set(text.match(/\b\d{12}\b/g) ?? [])].sort();
}

describe('MlopsAccounts: tooling, staging and production', () => {
  const app = testApp();
  const accounts = new MlopsAccounts(app, 'Mlops', { toolingAccountId: TOOLING, region: 'us-east-1', targets: TARGETS });
  const tooling = Template.fromStack(accounts.toolingStack);
  const [staging, production] = accounts.targetStacks.map((s) => Template.fromStack(s));

  test('creates a tooling stack and a stack per target account, each with an explicit environment', () => {
    expect(accounts.toolingStack.account).toBe(TOOLING);
    expect(accounts.targetStacks.map((s) => [s.stackName, s.account, s.region])).toEqual([
      ['Mlops-target-staging', STAGING, 'us-east-1'],
      ['Mlops-target-production', PRODUCTION, 'us-east-1'],
    ]);
    expect(accounts.targetAccountIds).toEqual([STAGING, PRODUCTION]);
  });

  test('the registry group policy admits exactly the target accounts', () => {
    const group = Object.values<any>(tooling.findResources('AWS::SageMaker::ModelPackageGroup'))[0];
    expect(group.Properties.ModelPackageGroupName).toBe('cdk-mlops-models');
    const policy = JSON.stringify(group.Properties.ModelPackageGroupPolicy);
    expect([STAGING, PRODUCTION].every((a) => policy.includes(a))).toBe(true);
  });

  test('the network endpoint and S3 gateway policies trust the same accounts', () => {
    const endpoints = Object.values<any>(tooling.findResources('AWS::EC2::VPCEndpoint'));
    const gateway = endpoints.find((e) => e.Properties.VpcEndpointType === 'Gateway');
    expect(gateway.Properties.PolicyDocument.Statement[0].Condition.StringEquals['s3:ResourceAccount']).toEqual([TOOLING, STAGING, PRODUCTION]);
    for (const e of endpoints.filter((x) => x.Properties.VpcEndpointType === 'Interface' && x.Properties.PolicyDocument)) {
      expect(e.Properties.PolicyDocument.Statement[0].Condition.StringEquals['aws:PrincipalAccount']).toEqual([TOOLING, STAGING, PRODUCTION]);
    }
  });

  test('every account id in every template is one of the listed accounts', () => {
    const listed = [TOOLING, STAGING, PRODUCTION];
    for (const t of [tooling, staging, production]) {
      expect(accountsIn(t).every((a) => listed.includes(a))).toBe(true);
    }
    expect(accountsIn(tooling)).toEqual(listed);
  });

  test('each target trusts the tooling account and reads the tooling registry', () => {
    for (const [t, account] of [[staging, STAGING], [production, PRODUCTION]] as const) {
      const json = JSON.stringify(t.toJSON());
      expect(json.includes(':model-package-group/cdk-mlops-models')).toBe(true);
      expect(json.includes(`:sagemaker:us-east-1:${TOOLING}:`)).toBe(true);
      t.hasResourceProperties('AWS::IAM::Role', { RoleName: 'cdk-mlops-deployer' });
      expect(accountsIn(t)).toEqual([TOOLING, account].sort());
    }
  });

  test('the deployment workflow deploys each stage into its account with the target roles', () => {
    const machines = Object.values<any>(tooling.findResources('AWS::StepFunctions::StateMachine'));
    const definitions = machines.map((m) => JSON.stringify(m.Properties.DefinitionString)).join();
    expect(definitions.includes(`arn:aws:iam::${STAGING}:role/cdk-mlops-deployer`) || definitions.includes(`iam::${STAGING}:role/cdk-mlops-deployer`)).toBe(true);
    expect(definitions.includes(`iam::${PRODUCTION}:role/cdk-mlops-deployer`)).toBe(true);
  });

  test('the target alarms watch the endpoints the workflow creates', () => {
    const endpoint = accounts.platform.deployment!.endpointName('production');
    production.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `${endpoint}-Invocation5XXErrors` });
  });

  test('the drift monitor in the tooling account may read what production captures, and only that', () => {
    production.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'DriftChecksOfToolingAccountRead',
          Action: 's3:GetObject',
          Principal: { AWS: Match.anyValue() },
          Condition: { ArnLike: { 'aws:PrincipalArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${TOOLING}:role/*`]] } } },
        })]),
      }),
    });
    production.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: Match.objectLike({
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'DriftChecksOfToolingAccountDecryptThroughS3',
          Action: 'kms:Decrypt',
          Condition: Match.objectLike({ StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } }),
        })]),
      }),
    });
    expect(JSON.stringify(staging.toJSON()).includes('DriftChecksOfToolingAccount')).toBe(false);
    const monitorPolicies = Object.values<any>(tooling.toJSON().Resources)
      .filter((r) => r.Metadata?.['cdk-mlops:layer'] === 'monitoring' && r.Type === 'AWS::IAM::ManagedPolicy');
    expect(JSON.stringify(monitorPolicies).includes(`:kms:us-east-1:${PRODUCTION}:key/*`)).toBe(true);
  });

  test('each target account runs its endpoints in its own network, without interface endpoints, published to the workflow', () => {
    expect(accounts.targetNetworks).toHaveLength(2);
    for (const [t, cidr, stage] of [[staging, '10.1.0.0/16', 'staging'], [production, '10.2.0.0/16', 'production']] as const) {
      t.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: cidr, Tags: Match.arrayWith([{ Key: 'mlops:stage', Value: stage }]) });
      t.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
      t.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Condition: { StringEquals: { 's3:ResourceAccount': [Match.anyValue(), TOOLING] } } })]) },
      });
      t.hasResourceProperties('AWS::SSM::Parameter', { Name: '/cdk-mlops/deployment-network' });
      t.resourceCountIs('AWS::EC2::NatGateway', 0);
      t.resourceCountIs('AWS::EC2::InternetGateway', 0);
    }
  });

  test('the three accounts pay for one set of interface endpoints: the tooling account\'s', () => {
    const reports = [accounts.toolingStack, ...accounts.targetStacks].map((s) => CostReport.fromStack(s));
    const endpointLines = (r: CostReport) => r.lines.filter((l) => l.item.startsWith('interface endpoint'));
    expect(endpointLines(reports[0]).length).toBe(accounts.platform.endpointServiceNames.length);
    expect(endpointLines(reports[1])).toEqual([]);
    expect(endpointLines(reports[2])).toEqual([]);
    // a target network costs its flow-log key only
    for (const target of reports.slice(1)) {
      expect(target.monthlyUsdOf('network')).toBe(1);
    }
  });

  test('retains stateful resources in every stack', () => {
    for (const t of [tooling, staging, production]) {
      expectStatefulRetained(t);
    }
  });

  test('passes the four compliance packs', () => {
    expectCompliant(app);
  });
});

describe('MlopsAccounts namePrefix', () => {
  test.each([
    ['namePrefix', { namePrefix: 'churn' }],
    ['platform.deploymentOptions.namePrefix', { platform: { deploymentOptions: { namePrefix: 'churn' } } }],
  ] as Array<[string, Partial<MlopsAccountsProps>]>)('both sides name roles and the key alias with %s', (_name, props) => {
    // GIVEN / WHEN
    const accounts = new MlopsAccounts(testApp(), 'Mlops', { toolingAccountId: TOOLING, region: 'us-east-1', targets: TARGETS, ...props });
    // THEN the target account creates the names the tooling workflow assumes
    const target = Template.fromStack(accounts.targetStacks[1]);
    target.hasResourceProperties('AWS::IAM::Role', { RoleName: 'churn-deployer' });
    target.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/churn-deployment' });
    const definitions = JSON.stringify(Template.fromStack(accounts.toolingStack).findResources('AWS::StepFunctions::StateMachine'));
    expect(definitions).toContain(`iam::${PRODUCTION}:role/churn-deployer`);
    expect(definitions).not.toContain('role/cdk-mlops-deployer');
  });
});

describe('MlopsAccounts with a registry of another stack', () => {
  test('the targets trust the given registry ARN and no registry is created', () => {
    const app = testApp();
    const shared = new Stack(app, 'Shared', { env: { account: TOOLING, region: 'us-east-1' } });
    const arn = `arn:aws:sagemaker:us-east-1:${TOOLING}:model-package-group/churn`;
    const registry = ModelRegistry.fromModelPackageGroupArn(shared, 'Registry', arn);
    const accounts = new MlopsAccounts(app, 'Mlops', {
      toolingAccountId: TOOLING,
      region: 'us-east-1',
      targets: TARGETS,
      platform: { registry, layers: [PlatformLayer.PIPELINE, PlatformLayer.CI, PlatformLayer.DEPLOYMENT, PlatformLayer.MONITORING] },
    });
    expect(accounts.modelPackageGroupArn).toBe(arn);
    Template.fromStack(accounts.toolingStack).resourceCountIs('AWS::SageMaker::ModelPackageGroup', 0);
    expect(JSON.stringify(Template.fromStack(accounts.targetStacks[1]).toJSON()).includes('model-package-group/churn')).toBe(true);
  });
});

describe('MlopsAccounts validation', () => {
  const make = (props: Partial<MlopsAccountsProps>) => () =>
    new MlopsAccounts(testApp(), 'Mlops', { toolingAccountId: TOOLING, region: 'us-east-1', targets: TARGETS, ...props });

  test('fails when a target is the tooling account', () => {
    expect(make({ targets: [{ stageName: 'prod', accountId: TOOLING }] }))
      .toThrow(/targets\[0\]\.accountId: got '111111111111'; allowed: an account other than the tooling account/);
  });

  test('fails when account ids or the region are malformed, listing every problem', () => {
    expect(make({ toolingAccountId: '42', region: 'useast', targets: [{ stageName: 'prod', accountId: 'abc' }] }))
      .toThrow(/3 invalid problems:[\s\S]*toolingAccountId[\s\S]*region[\s\S]*targets\[0\]\.accountId/);
  });

  test('fails when there is no target or a stage is named twice', () => {
    expect(make({ targets: [] })).toThrow(/targets: got \[\]; allowed: at least one target account/);
    expect(make({ targets: [{ stageName: 'a', accountId: STAGING }, { stageName: 'a', accountId: PRODUCTION }] }))
      .toThrow(/allowed: unique stage names/);
  });

  test('fails when an existing target network has one subnet, or zones that do not match its subnets', () => {
    const one = { vpcId: 'vpc-0a1b2c3d4e5f60718', availabilityZones: ['us-east-1a'], subnetIds: ['subnet-0a1b2c3d4e5f60718'], securityGroupId: 'sg-0a1b2c3d4e5f60718' };
    expect(make({ targets: [{ stageName: 'prod', accountId: PRODUCTION, networkAttributes: one }] }))
      .toThrow(/targets\[0\]\.networkAttributes\.subnetIds: got \["subnet-0a1b2c3d4e5f60718"\]; allowed: at least two subnets.*two zones even for one instance/s);
    const mismatched = { ...one, subnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0a1b2c3d4e5f60719'] };
    expect(make({ targets: [{ stageName: 'prod', accountId: PRODUCTION, networkAttributes: mismatched }] }))
      .toThrow(/targets\[0\]\.networkAttributes\.availabilityZones: got \["us-east-1a"\]; allowed: one zone per subnet \(2\)/);
  });

  test('fails when one CIDR is given for several target accounts', () => {
    expect(make({ targetNetworkOptions: { cidr: '10.9.0.0/16' } }))
      .toThrow(/targetNetworkOptions\.cidr: got '10\.9\.0\.0\/16'; allowed: no CIDR when there are several target accounts.*cannot be connected/s);
  });

  test('fails when single-AZ endpoints are asked for the production account without confirmation', () => {
    const app = testApp();
    new MlopsAccounts(app, 'Mlops', {
      toolingAccountId: TOOLING,
      region: 'us-east-1',
      targets: TARGETS,
      targetNetworkOptions: { additionalEndpoints: [MlEndpointService.SAGEMAKER_RUNTIME], endpointPlacement: EndpointPlacement.singleAz() },
    });
    expect(() => app.synth()).toThrow(/Mlops\/Target333333333333\/Network\] SecureMlNetwork has 1 invalid problem:\n- endpointPlacement: got 'EndpointPlacement\.singleAz\(\) on a network tagged mlops:stage=production'/);
  });

  test('takes an existing network in a target account', () => {
    const existing = {
      vpcId: 'vpc-0a1b2c3d4e5f60718',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      subnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0a1b2c3d4e5f60719'],
      securityGroupId: 'sg-0a1b2c3d4e5f60718',
    };
    const accounts = make({ targets: [TARGETS[0], { ...TARGETS[1], networkAttributes: existing }] })();
    const prod = Template.fromStack(accounts.targetStacks[1]);
    prod.resourceCountIs('AWS::EC2::VPC', 0);
    expect(accounts.targetNetworks[1].subnetIds).toEqual(existing.subnetIds);
    Template.fromStack(accounts.targetStacks[0]).resourceCountIs('AWS::EC2::VPC', 1);
  });

  test('fails when the platform props leave the deployment layer out', () => {
    expect(make({ platform: { layers: [PlatformLayer.PIPELINE] } }))
      .toThrow(/platform\.layers: got \["PlatformLayer\.PIPELINE"\]; allowed: a list with PlatformLayer\.DEPLOYMENT \(targets are its stages\)\. Fix: add PlatformLayer\.DEPLOYMENT to platform\.layers/);
  });

  test('fails when stages are given in the platform props', () => {
    expect(make({ platform: { deploymentOptions: { stages: [{ stageName: 'x' }] } } }))
      .toThrow(/platform\.deploymentOptions\.stages.*describe the stages in `targets`/s);
  });
});

describe('MlopsAccounts: the hosting kind per target account', () => {
  test('an asynchronous production stage writes its results to the target account\'s capture bucket, under its key', () => {
    // GIVEN staging real-time, production asynchronous (scaling in to zero)
    const app = testApp();
    const accounts = new MlopsAccounts(app, 'Mlops', {
      toolingAccountId: TOOLING,
      region: 'us-east-1',
      targets: [
        { stageName: 'staging', accountId: STAGING, target: DeploymentTarget.realtime() },
        { stageName: 'production', accountId: PRODUCTION, target: DeploymentTarget.asynchronous({ minCapacity: 0, maxCapacity: 2 }) },
      ],
    });

    // THEN the stage kinds are as chosen, and the async config names the target account's bucket and key alias
    const deployment = accounts.platform.deployment!;
    expect(deployment.stages.map((s) => s.kind)).toEqual([DeploymentTargetKind.REALTIME, DeploymentTargetKind.ASYNC]);
    const text = JSON.stringify(Template.fromStack(accounts.toolingStack).toJSON());
    expect(text).toContain(`s3://cdk-mlops-capture-${PRODUCTION}-us-east-1/data-capture/production/async-output`);
    expect(text).toContain(`:${PRODUCTION}:alias/cdk-mlops-deployment`);
  });

  test('fails when a target account runs a batch stage', () => {
    expect(() => new MlopsAccounts(testApp(), 'Mlops', {
      toolingAccountId: TOOLING,
      region: 'us-east-1',
      targets: [{
        stageName: 'nightly',
        accountId: STAGING,
        target: DeploymentTarget.batch({ inputBucket: s3.Bucket.fromBucketName(new Stack(), 'In', 'churn-scoring'), runOnNewData: true }),
      }],
    })).toThrow(/stages\[0\]\.account.*the deployment's own account for batch stages/s);
  });
});

import * as fs from 'fs';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { buildAccounts, buildComposed, buildPlatform, Configuration, stacksOf } from './configurations';
import { evaluateFlow, EvaluatedHop } from './flow';
import { ConfigurationMatrix, describeFailure, failures, flowOf, MATRIX_FILE, renderMatrix } from './matrix';
import { StackTemplate, TemplateResolver } from './resolve';
import { expectCompliant, testApp } from '../harness/compliance';

/** Build a configuration under the compliance harness (zero findings, templates kept for cfn-lint and checkov). */
function compliant(build: (newApp: typeof testApp) => Configuration): Configuration {
  const config = build(testApp);
  expectCompliant(config.app, { label: `flow--${config.name}` });
  return config;
}

/** The subnets of the network of a target account, from its template (what the deployer's models must name). */
function targetSubnets(config: Configuration, account: string): string[] {
  const stack = stacksOf(config).find((st) => st.account === account)!;
  const resolver = new TemplateResolver(stack);
  return Object.entries<any>(stack.template.Resources)
    .filter(([, r]) => r.Type === 'AWS::EC2::Subnet')
    .map(([id]) => String(resolver.ref(id)))
    .sort();
}

/** The stacks of a configuration, deep-copied so a variant can be broken on purpose. */
function copyOf(stacks: StackTemplate[]): StackTemplate[] {
  return stacks.map((s) => ({ ...s, template: JSON.parse(JSON.stringify(s.template)) }));
}

describe('the platform\'s data flow, hop by hop, through the IAM simulator', () => {
  let matrix: ConfigurationMatrix[];
  let platformStacks: StackTemplate[];
  let platform: Configuration;

  beforeAll(async () => {
    platform = compliant(buildPlatform);
    platformStacks = stacksOf(platform);
    matrix = [];
    for (const config of [platform, compliant(buildAccounts), compliant(buildComposed)]) {
      matrix.push({ config, hops: await evaluateFlow(flowOf(config)) });
    }
  });

  const hopsOf = (name: string): EvaluatedHop[] => matrix.find((m) => m.config.name === name)!.hops;

  test('every must-allow hop is allowed and every must-deny hop is denied', () => {
    expect(failures(matrix).map(describeFailure)).toEqual([]);
  });

  test('covers at least 60 must-allow and 15 must-deny hops across the three configurations', () => {
    const all = matrix.flatMap((m) => m.hops);
    expect(all.filter((h) => h.expect === 'allow').length).toBeGreaterThanOrEqual(60);
    expect(all.filter((h) => h.expect === 'deny').length).toBeGreaterThanOrEqual(15);
    for (const m of matrix) {
      expect(m.hops.filter((h) => h.expect === 'allow').length).toBeGreaterThan(20);
      expect(m.hops.some((h) => h.expect === 'deny')).toBe(true);
    }
  });

  test.each(['platform', 'accounts', 'composed'])('%s: the hops the issue lists are all there', (name) => {
    const steps = hopsOf(name).filter((h) => h.expect === 'allow').map((h) => `${h.step} ${h.action}`);
    const has = (pattern: RegExp) => expect(steps.filter((s) => pattern.test(s))).not.toEqual([]);
    has(/^Pipeline starts training job .* sagemaker:CreateTrainingJob$/);
    has(/^Pipeline passes the job role .* iam:PassRole$/);
    has(/^Training job .* reads channel .* s3:GetObject$/);
    has(/^Training job .* writes the model artifact \(KMS through S3\) kms:GenerateDataKey$/);
    has(/^Pipeline registers a version .* sagemaker:CreateModelPackage$/);
    has(/^EventBridge rule starts its state machine states:StartExecution$/);
    has(/^Deployment workflow: .*Create model iam:PassRole$/);
    has(/^Deployment workflow: .*Create endpoint config kms:CreateGrant$/);
    has(/^Model of stage .* reads the model artifact s3:GetObject$/);
    has(/^Model of stage .* reads the model artifact \(KMS through S3\) kms:Decrypt$/);
    has(/^Endpoint of stage .* writes captured data s3:PutObject$/);
    has(/^Scheduler starts the drift check states:StartExecution$/);
    has(/^Scheduler starts the drift check \(input encrypted .*\) kms:GenerateDataKey$/);
    has(/^Drift check workflow: Check sagemaker:CreateProcessingJob$/);
    has(/^Drift check workflow runs with its encrypted state kms:Decrypt$/);
    has(/^Drift check job reads captured data s3:GetObject$/);
    has(/^Drift check job reads its baseline s3:GetObject$/);
    has(/^Drift check job writes its report s3:PutObject$/);
    has(/^Drift check job publishes drift metrics cloudwatch:PutMetricData$/);
    has(/^CloudWatch alarm notifies its topic sns:Publish$/);
    has(/^CloudWatch alarm notifies its topic \(topic key\) kms:GenerateDataKey$/);
    has(/^Retraining workflow: StartRetraining sagemaker:StartPipelineExecution$/);
    has(/^CloudWatch Logs encrypts log events kms:GenerateDataKey$/);
    has(/^states assumes its role sts:AssumeRole$/);
    // issue 19: the deployment workflow's EventBridge events on the default bus
    has(/^Deployment workflow: .*: event: model deployed events:PutEvents$/);
    has(/^Deployment workflow: .*: event: awaiting approval events:PutEvents$/);
    has(/^Deployment workflow: .*: event: rolled back by SageMaker events:PutEvents$/);
    has(/^Deployment workflow: .*: event: superseded events:PutEvents$/);
    if (name !== 'composed') {
      has(/^CI run build starts the SageMaker pipeline sagemaker:StartPipelineExecution$/);
      has(/^Studio user logs runs to MLflow sagemaker:CallMlflowAppApi$/);
    } else {
      // The other hosting kinds (issue 18): SageMaker writes async results and publishes to the topics; the transform job reads, writes, uses the key.
      has(/^Async endpoint of stage queue writes a result s3:PutObject$/);
      has(/^Async endpoint of stage queue writes a failure s3:PutObject$/);
      has(/^Async endpoint of stage queue notifies success sns:Publish$/);
      has(/^Async endpoint of stage queue notifies error \(topic key\) kms:GenerateDataKey$/);
      has(/^Transform job of stage nightly reads its input s3:GetObject$/);
      has(/^Transform job of stage nightly writes its output s3:PutObject$/);
      has(/^Transform job of stage nightly encrypts its output with the key kms:GenerateDataKey$/);
      has(/^Transform job of stage nightly writes captured data s3:PutObject$/);
      has(/^Transform job of stage nightly writes its logs logs:PutLogEvents$/);
      has(/^Scheduler starts a batch transform run states:StartExecution$/);
      has(/^.*nightly: transform sagemaker:CreateTransformJob$/);
      has(/^.*nightly: transform kms:CreateGrant$/);
      // The batch stage as the drift check's window: its input manifests and the transform input they name.
      has(/^Drift check job of batch stage nightly reads captured data s3:GetObject$/);
      has(/^Drift check job of batch stage nightly reads the transform input a manifest names s3:GetObject$/);
    }
  });

  test('accounts: the cross-account hops are allowed on both sides', () => {
    const cross = hopsOf('accounts').filter((h) => h.expect === 'allow' && !h.principal.endsWith('.amazonaws.com')
      && h.resourceAccount !== h.principal.split(':')[4]);
    const described = cross.map((h) => `${h.principalLabel} ${h.action} ${h.resourceLabel}`);
    const has = (pattern: RegExp) => expect(described.filter((s) => pattern.test(s))).not.toEqual([]);
    has(/^Mlops-tooling\/PlatformDeploymentWorkflowRole sts:AssumeRole Mlops-target-production\/TargetDeployerRole$/);
    has(/^Mlops-target-production\/TargetDeployerRole sagemaker:DescribeModelPackage .*:111111111111:model-package\/cdk-mlops-models\/7$/);
    has(/^Mlops-target-production\/TargetModelExecutionRole s3:GetObject Mlops-tooling\/PlatformPipelineArtifactBucket\/.*model\.tar\.gz$/);
    has(/^Mlops-target-production\/TargetModelExecutionRole kms:Decrypt Mlops-tooling\/PlatformKey$/);
    has(/^Mlops-tooling\/PlatformMonitoringCheckJobRole s3:GetObject Mlops-target-production\/TargetDataCapture\//);
    has(/^Mlops-tooling\/PlatformMonitoringCheckJobRole kms:Decrypt Mlops-target-production\/TargetKey$/);
    has(/^Mlops-tooling\/PlatformMonitoringCheckWorkflowRole s3:ListBucket Mlops-target-production\/TargetDataCapture$/);
    // the resource side decided too: bucket, key and group policies of the other account
    for (const h of cross.filter((x) => /s3:GetObject|kms:Decrypt|DescribeModelPackage|AssumeRole/.test(x.action))) {
      expect(h.outcome.deciding.some((d) => d.startsWith('resource:'))).toBe(true);
    }
  });

  test('accounts: the drift job reaches captured data of the target account through the S3 gateway endpoint', () => {
    const read = hopsOf('accounts').find((h) => h.step === 'Drift check job reads captured data')!;
    expect(read.resourceAccount).toBe('333333333333');
    expect(read.outcome.deciding).toEqual(expect.arrayContaining([expect.stringMatching(/^vpce:endpoint s3 BucketsOfTrustedAccounts$/)]));
  });

  test('accounts: cross-account models run in the target account\'s network, under the guardrail without exemption', () => {
    const hops = hopsOf('accounts');
    for (const [stage, account] of [['staging', '222222222222'], ['production', '333333333333']]) {
      const find = hops.find((h) => h.step === `Deployment workflow: ${stage}: Find network`)!;
      expect([find.principalLabel, find.action, find.resource, find.outcome.result]).toEqual([
        `Mlops-target-${stage}/TargetDeployerRole`, 'ssm:GetParameter', `arn:aws:ssm:us-east-1:${account}:parameter/cdk-mlops/deployment-network`, 'Allowed',
      ]);
      const create = hops.find((h) => h.step === `Deployment workflow: ${stage}: Create model` && h.action === 'sagemaker:CreateModel')!;
      const subnets = targetSubnets(matrix.find((m) => m.config.name === 'accounts')!.config, account);
      expect(subnets.length).toBe(2);
      expect([...create.context['sagemaker:VpcSubnets']].sort()).toEqual(subnets);
      expect(create.outcome.result).toBe('Allowed');
    }
    const read = hops.find((h) => h.step === 'Model of stage production reads the model artifact')!;
    expect(read.resourceAccount).toBe('111111111111');
    expect(read.outcome.deciding).toEqual(expect.arrayContaining([expect.stringMatching(/^vpce:endpoint s3 BucketsOfTrustedAccounts$/)]));
    const outside = hops.find((h) => h.step === 'Production deployer creates a model outside the VPC (SageMakerGuardrail SCP)')!;
    expect([outside.outcome.result, outside.outcome.deciding]).toEqual(['ExplicitlyDenied', ['scp:SageMakerGuardrail DenyWithoutVpc']]);
  });

  test('fails when a target account publishes no network for its models (positive control)', () => {
    const accounts = matrix.find((m) => m.config.name === 'accounts')!.config;
    const variant = copyOf(stacksOf(accounts));
    const production = variant.find((st) => st.account === '333333333333')!.template.Resources;
    const id = Object.keys(production).find((k) => production[k].Type === 'AWS::SSM::Parameter')!;
    delete production[id];
    expect(() => flowOf(accounts, variant)).toThrow(
      'flow: no template of account 333333333333 defines the SSM parameter /cdk-mlops/deployment-network that production: Create model reads');
  });

  test('docs/access-matrix.md is the generated matrix', () => {
    const current = fs.existsSync(MATRIX_FILE) ? fs.readFileSync(MATRIX_FILE, 'utf8') : '';
    if (current !== renderMatrix(matrix)) {
      throw new Error('docs/access-matrix.md is out of date: regenerate it with `npx ts-node --prefer-ts-exts --project tsconfig.dev.json test/flow/print-matrix.ts`');
    }
  });

  test('fails when the model execution role loses its read of the model artifacts (positive control)', async () => {
    const variant = copyOf(platformStacks);
    const resources = variant[0].template.Resources;
    let removed = 0;
    for (const r of Object.values<any>(resources)) {
      if (r.Type !== 'AWS::IAM::ManagedPolicy' || !JSON.stringify(r.Properties.Roles ?? []).includes('ModelExecutionRole')) {
        continue;
      }
      const statements: any[] = r.Properties.PolicyDocument.Statement;
      r.Properties.PolicyDocument.Statement = statements.filter((s) => !JSON.stringify(s.Action).includes('s3:GetObject'));
      removed += statements.length - r.Properties.PolicyDocument.Statement.length;
    }
    expect(removed).toBe(1);
    const hops = await evaluateFlow(flowOf(platform, variant));
    expect(failures([{ config: platform, hops }]).map(describeFailure)).toEqual([
      expect.stringMatching(/^\[platform\] must-allow DENIED: Model of stage staging reads the model artifact: PlatformDeploymentModelExecutionRole s3:GetObject .*model\.tar\.gz \(ImplicitlyDenied; identity \(no statement applies\)/),
    ]);
  });

  test('fails when the topic policy of an async stage stops admitting the model role, and the transform input read is lost (positive control)', async () => {
    const composed = matrix.find((m) => m.config.name === 'composed')!.config;
    const variant = copyOf(stacksOf(composed));
    const resources = variant[0].template.Resources;
    let removed = 0;
    for (const r of Object.values<any>(resources)) {
      if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') {
        const statements: any[] = r.Properties.PolicyDocument.Statement;
        r.Properties.PolicyDocument.Statement = statements.filter((st) => st.Sid !== 'TransformReadInput');
        removed += statements.length - r.Properties.PolicyDocument.Statement.length;
      }
      if (r.Type === 'AWS::SNS::TopicPolicy' && JSON.stringify(r.Properties.Topics).includes('AsyncSuccess')) {
        const statements: any[] = r.Properties.PolicyDocument.Statement;
        r.Properties.PolicyDocument.Statement = statements.map((st) => (st.Sid === 'AllowModelExecutionRoleToPublish'
          ? { ...st, Effect: 'Deny' } : st));
        removed += 1;
      }
    }
    expect(removed).toBe(2);
    const hops = await evaluateFlow(flowOf(composed, variant));
    expect(failures([{ config: composed, hops }]).map(describeFailure)).toEqual([
      expect.stringMatching(/^\[composed\] must-allow DENIED: Async endpoint of stage queue notifies success: .*sns:Publish .*ExplicitlyDenied/),
      expect.stringMatching(/^\[composed\] must-allow DENIED: Transform job of stage nightly reads its input: .*s3:GetObject .*churn-scoring\/incoming\/.*ImplicitlyDenied/),
    ]);
  });

  test('fails when the drift job of a batch stage loses its read of the transform input (positive control)', async () => {
    const composed = matrix.find((m) => m.config.name === 'composed')!.config;
    const variant = copyOf(stacksOf(composed));
    let removed = 0;
    for (const [id, r] of Object.entries<any>(variant[0].template.Resources)) {
      if (r.Type === 'AWS::IAM::ManagedPolicy' && id.startsWith('BatchDriftCheckJobRole')) {
        // the policy is minimized: the input prefix is one resource of the job's s3:GetObject statement
        for (const st of r.Properties.PolicyDocument.Statement.filter((x: any) => x.Action === 's3:GetObject' && Array.isArray(x.Resource))) {
          const kept = st.Resource.filter((res: any) => !JSON.stringify(res).includes('churn-scoring'));
          removed += st.Resource.length - kept.length;
          st.Resource = kept;
        }
      }
    }
    expect(removed).toBe(1);
    const hops = await evaluateFlow(flowOf(composed, variant));
    expect(failures([{ config: composed, hops }]).map(describeFailure)).toEqual([
      expect.stringMatching(/^\[composed\] must-allow DENIED: Drift check job of batch stage nightly reads the transform input a manifest names: .*s3:GetObject .*churn-scoring\/incoming\/.*ImplicitlyDenied/),
    ]);
  });

  test('fails when the artifact bucket admits another account (positive control)', async () => {
    const variant = copyOf(platformStacks);
    const policy = Object.values<any>(variant[0].template.Resources)
      .find((r) => r.Type === 'AWS::S3::BucketPolicy' && JSON.stringify(r.Properties.Bucket).includes('PipelineArtifactBucket') && !JSON.stringify(r.Properties.Bucket).includes('AccessLogs'));
    policy.Properties.PolicyDocument.Statement.push({
      Sid: 'Leak', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444444444444:root' }, Action: 's3:GetObject', Resource: '*',
    });
    const hops = await evaluateFlow(flowOf(platform, variant));
    expect(failures([{ config: platform, hops }]).map(describeFailure)).toEqual([
      expect.stringMatching(/^\[platform\] must-deny ALLOWED: Another account reads a model artifact: .* \(Allowed; .*resource:PlatformPipelineArtifactBucket Leak/),
    ]);
  });
});

describe('the simulator and the resolver', () => {
  test('iam-simulate still drops kms:EncryptionContext:<key> context keys (simulate.ts bridges this)', async () => {
    const response = await runSimulation({
      request: {
        principal: 'arn:aws:iam::111111111111:role/r',
        action: 'kms:Decrypt',
        resource: { resource: 'arn:aws:kms:us-east-1:111111111111:key/k', accountId: '111111111111' },
        contextVariables: { 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::b' },
      },
      identityPolicies: [{ name: 'p', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] } }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    }, {});
    expect(response.resultType).toBe('single');
    expect(response.resultType === 'single' && response.result.ignoredContextKeys).toEqual(['kms:EncryptionContext:aws:s3:arn']);
  });

  test('resolves references to the names and ARNs the resources get', () => {
    const resolver = new TemplateResolver({
      stackName: 'S',
      account: '111111111111',
      region: 'eu-west-1',
      template: {
        Resources: {
          Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'r' } },
          Key: { Type: 'AWS::KMS::Key', Properties: {} },
          Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 't' } },
        },
      },
    });
    expect(resolver.resolve({ 'Fn::GetAtt': ['Role', 'Arn'] })).toBe('arn:aws:iam::111111111111:role/r');
    expect(resolver.resolve({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', 'b']] })).toBe('arn:aws:s3:::b');
    expect(resolver.resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${Topic.TopicName}' })).toBe('arn:aws:sns:eu-west-1:111111111111:t');
    expect(resolver.resolve({ 'Fn::GetAtt': ['Key', 'Arn'] })).toMatch(/^arn:aws:kms:eu-west-1:111111111111:key\/[0-9a-f-]{36}$/);
    expect(resolver.resolve([{ Ref: 'AWS::NoValue' }, 'x'])).toEqual(['x']);
  });

  test('fails on an intrinsic it cannot resolve', () => {
    const resolver = new TemplateResolver({ stackName: 'S', account: '1', region: 'r', template: { Resources: {} } });
    expect(() => resolver.resolve({ 'Fn::Transform': {} })).toThrow('resolve: unsupported intrinsic Fn::Transform');
    expect(() => resolver.resolve({ Ref: 'Missing' })).toThrow('resolve: no resource Missing in S');
  });
});

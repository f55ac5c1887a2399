/**
 * A drift monitor of a stage deployed into another account, composed by
 * hand: the monitor's side (DriftMonitor reads the other account's capture
 * itself) and the target's side (DeploymentTargetAccount.allowDriftChecksFrom).
 * The access matrix proves the composition end to end (test/flow/hand-composed-accounts.test.ts).
 */
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ApprovalDeployment, DeploymentStage, DeploymentTargetAccount } from '../../src/deployment';
import { DriftBaseline, DriftMonitor } from '../../src/monitoring';
import { SecureMlNetwork } from '../../src/network';
import { ModelRegistry } from '../../src/registry';
import { testApp } from '../harness/compliance';

const TOOLING = '111111111111';
const PRODUCTION = '333333333333';
const MONITORING = '555555555555';
const REGION = 'us-east-1';

/** A tooling stack whose deployment's production stage lives in another account, and that account's target stack. */
function composed(app: App = testApp()) {
  const tooling = new Stack(app, 'Tooling', { env: { account: TOOLING, region: REGION } });
  const network = new SecureMlNetwork(tooling, 'Network');
  const registry = new ModelRegistry(tooling, 'Registry', { modelPackageGroupName: 'churn', consumerAccountIds: [PRODUCTION] });
  const deployment = new ApprovalDeployment(tooling, 'Deployment', {
    registry,
    network,
    stages: [{ stageName: 'staging' }, { stageName: 'production', endpointName: 'churn-prod', account: PRODUCTION }],
  });
  const target = new Stack(app, 'Production', { env: { account: PRODUCTION, region: REGION } });
  const targetAccount = new DeploymentTargetAccount(target, 'Target', {
    toolingAccountId: TOOLING,
    registry: ModelRegistry.fromModelPackageGroupArn(target, 'Registry', `arn:aws:sagemaker:${REGION}:${TOOLING}:model-package-group/churn`),
    endpointNames: ['churn-prod'],
  });
  const baseline = DriftBaseline.fromS3Prefix(s3.Bucket.fromBucketName(tooling, 'Artifacts', 'churn-artifacts'), 'baselines/');
  return { app, tooling, network, registry, deployment, target, targetAccount, baseline };
}

describe('a drift monitor of a stage in another account, composed by hand', () => {
  test('the monitor reads the other account\'s capture itself: its job may decrypt with that account\'s keys, the network\'s S3 gateway admits the bucket', () => {
    // GIVEN
    const c = composed();
    // WHEN
    const monitor = new DriftMonitor(c.tooling, 'Drift', { stage: c.deployment.stage('production'), baseline: c.baseline, network: c.network });
    // THEN
    expect(monitor.stage).toBe(c.deployment.stage('production'));
    const t = Template.fromStack(c.tooling);
    const jobPolicies = JSON.stringify(Object.entries<any>(t.toJSON().Resources)
      .filter(([id, r]) => id.startsWith('DriftCheckJobRole') && r.Type === 'AWS::IAM::ManagedPolicy').map(([, r]) => r.Properties.PolicyDocument));
    expect(jobPolicies).toContain(`:kms:us-east-1:${PRODUCTION}:key/*`);
    expect(jobPolicies).toContain(`cdk-mlops-capture-${PRODUCTION}-us-east-1/data-capture/production/churn-prod/AllTraffic/*`);
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket', 's3:GetBucketLocation'],
          Resource: Match.arrayWith([Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([`:s3:::cdk-mlops-capture-${PRODUCTION}-us-east-1`])] })]),
        })]),
      },
    });
    Annotations.fromStack(c.tooling).hasInfo('/Tooling/Drift',
      Match.stringLikeRegexp(`stage production captures into account ${PRODUCTION}.*allowDriftChecksFrom\\(stage, '${TOOLING}'\\) in account ${PRODUCTION}`));
  });

  test('a stage of the monitor\'s own account keeps its key: no other account\'s keys, no gateway statement', () => {
    const c = composed();
    new DriftMonitor(c.tooling, 'Drift', { stage: c.deployment.stage('staging'), baseline: c.baseline, network: c.network });
    const t = Template.fromStack(c.tooling);
    expect(JSON.stringify(t.toJSON())).not.toContain(`:kms:us-east-1:${PRODUCTION}:key/*`);
    const gateway = Object.values<any>(t.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } }))[0];
    expect(gateway.Properties.PolicyDocument.Statement.map((s: any) => s.Sid)).toEqual(['BucketsOfTrustedAccounts', 'EcrImageLayers']);
  });

  test('allowDriftChecksFrom opens the stage\'s capture prefix and the key (through S3) to the roles of the tooling account, and returns the grant', () => {
    // GIVEN
    const c = composed();
    // WHEN
    const grant = c.targetAccount.allowDriftChecksFrom(c.deployment.stage('production'));
    // THEN
    const t = Template.fromStack(c.target);
    const roles = { ArnLike: { 'aws:PrincipalArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${TOOLING}:role/*`]] } } };
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'DriftChecksOfToolingAccountRead',
            Action: 's3:GetObject',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^TargetDataCapture'), 'Arn'] }, '/data-capture/production/*']] },
            Condition: roles,
          }),
          Match.objectLike({
            Sid: 'DriftChecksOfToolingAccountList',
            Action: 's3:ListBucket',
            Condition: { ...roles, StringLike: { 's3:prefix': ['data-capture/production/*'] } },
          }),
        ]),
      }),
    });
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: Match.objectLike({
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'DriftChecksOfToolingAccountDecryptThroughS3',
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: { ...roles, StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
        })]),
      }),
    });
    expect(grant.success).toBe(true);
    expect(grant.principalStatements).toEqual([]);
    expect(grant.resourceStatements.map((s) => s.sid)).toEqual([
      'DriftChecksOfToolingAccountRead', 'DriftChecksOfToolingAccountList', 'DriftChecksOfToolingAccountDecryptThroughS3',
    ]);
    expect(c.target.resolve(grant.resourceStatements[0].principals[0].policyFragment.principalJson)).toEqual({
      AWS: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${TOOLING}:root`]] }],
    });
  });

  test('allowDriftChecksFrom is idempotent per account and stage; another monitoring account gets its own statements', () => {
    const c = composed();
    const stage = c.deployment.stage('production');
    const first = c.targetAccount.allowDriftChecksFrom(stage);
    expect(c.targetAccount.allowDriftChecksFrom(stage, TOOLING)).toBe(first);
    c.targetAccount.allowDriftChecksFrom(stage, MONITORING);
    const sids = (type: string, prop: string) => Object.values<any>(Template.fromStack(c.target).findResources(type))
      .flatMap((r) => r.Properties[prop].Statement.map((s: iam.PolicyStatementProps) => s.sid ?? (s as any).Sid))
      .filter((sid: string) => sid?.startsWith('DriftChecks'));
    expect(sids('AWS::S3::BucketPolicy', 'PolicyDocument')).toEqual([
      'DriftChecksOfToolingAccountRead', 'DriftChecksOfToolingAccountList', `DriftChecksOfAccount${MONITORING}2Read`, `DriftChecksOfAccount${MONITORING}2List`,
    ]);
    expect(sids('AWS::KMS::Key', 'KeyPolicy')).toEqual(['DriftChecksOfToolingAccountDecryptThroughS3', `DriftChecksOfAccount${MONITORING}2DecryptThroughS3`]);
  });

  test('fails when the stage does not deploy into the target\'s account, captures nothing, or the monitor account is malformed', () => {
    const c = composed();
    const staging = c.deployment.stage('staging');
    expect(() => c.targetAccount.allowDriftChecksFrom(staging, 'tooling')).toThrow(new RegExp([
      'DeploymentTargetAccount.allowDriftChecksFrom has 2 invalid problems:',
      "- accountId: got 'tooling'; allowed: a 12-digit account id\\. Fix: give the account the DriftMonitor is deployed in\\.",
      "- stage: got '[a-z0-9-]+-staging'; allowed: a stage whose endpoint deploys here \\(churn-prod\\)\\. Fix: pass the stage of the ApprovalDeployment that deploys into this account",
    ].join('\n')));
    const silent = DeploymentStage.fromStageAttributes({ stageName: 'production', endpointName: 'churn-prod', account: PRODUCTION });
    expect(() => c.targetAccount.allowDriftChecksFrom(silent)).toThrow(
      /stage\.dataCapturePrefix: got undefined; allowed: a stage with data capture\. Fix: turn dataCapture on for the stage/);
    expect(() => c.targetAccount.allowDriftChecksFrom(c.deployment.stage('production'), PRODUCTION)).toThrow(
      /accountId: got '333333333333'; allowed: another account than this one/);
  });

  test('fails when the deployment and the target disagree on the name prefix (the stage captures into another bucket)', () => {
    const c = composed();
    const other = DeploymentStage.fromStageAttributes({
      stageName: 'production',
      endpointName: 'churn-prod',
      account: PRODUCTION,
      dataCaptureBucket: s3.Bucket.fromBucketName(c.target, 'Other', `acme-capture-${PRODUCTION}-us-east-1`),
      dataCapturePrefix: 'data-capture/production/',
    });
    expect(() => c.targetAccount.allowDriftChecksFrom(other)).toThrow(
      /stage\.dataCaptureBucket: got 'acme-capture-333333333333-us-east-1'; allowed: this account's capture bucket \(cdk-mlops-capture-333333333333-us-east-1\)\. Fix: give the ApprovalDeployment the same namePrefix/);
  });
});

describe('grants of the monitoring layer', () => {
  test('DriftBaseline.grantRead takes the principal first and returns the iam.Grant of exact actions, as aws-cdk-lib grants do', () => {
    const c = composed();
    const role = new iam.Role(c.tooling, 'Reader', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const grant = c.baseline.grantRead(role);
    expect(grant.success).toBe(true);
    expect(grant.principalStatements.map((s) => s.toStatementJson().Action)).toEqual(['s3:GetObject', 's3:ListBucket']);
    expect(c.tooling.resolve(grant.principalStatements[1].toStatementJson().Condition)).toEqual({ StringLike: { 's3:prefix': ['baselines/*'] } });
  });
});

import { App, Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { hop, JourneyWorld } from './journey-harness';
import { ExperimentTracking, ExplorationDomain, PackageRepository } from '../../src/exploration';
import { MlEndpointService, SecureMlNetwork } from '../../src/network';
import { ModelRegistry } from '../../src/registry';
import { synthCompliance, testApp } from '../harness/compliance';
import { existingVpcWithEndpoints } from '../harness/existing-vpc';
import { simulate } from '../harness/iam-simulator';
import { TemplateResolver } from '../harness/template-resolve';

/**
 * A data scientist in a Studio JupyterLab space of a VPC-only domain:
 * (a) opens Studio through the presigned URL path, (b) reads team data,
 * (c) installs a package from CodeArtifact with pip, (d) starts a training
 * job in the VPC with the domain key, (e) logs runs to MLflow, (f) deploys a
 * dev endpoint tagged mlops:stage=dev and invokes it, (g) cannot deploy a
 * production-tagged endpoint, approve a model, or reach the internet.
 *
 * Each hop is proven on the network path (an endpoint for the service in the
 * workload VPC whose policy admits the call, or the S3 gateway) and in IAM
 * (identity, resource and endpoint policies evaluated by iam-simulate), on
 * the default domain in a SecureMlNetwork and on one built in an existing VPC
 * that already has sts and logs endpoints.
 */

interface Journey {
  readonly world: JourneyWorld;
  readonly role: string;
  readonly person: string;
  readonly domainId: string;
  readonly bucket: string;
  readonly keyArn: string;
  readonly trackingArn: string;
  readonly groupName: string;
  readonly app: App;
}

function build(existing: boolean): Journey {
  const app = testApp();
  const stack = new Stack(app, existing ? 'JourneysExistingVpc' : 'Journeys');
  const network = existing
    ? new SecureMlNetwork(stack, 'Network', {
      vpc: existingVpcWithEndpoints(stack).vpc,
      existingEndpoints: [MlEndpointService.STS, MlEndpointService.CLOUDWATCH_LOGS],
    })
    : new SecureMlNetwork(stack, 'Network');
  const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn' });
  const domain = new ExplorationDomain(stack, 'Domain', {
    network,
    registry: registry,
    userProfiles: [{ userProfileName: 'alice' }],
    packageRepositories: [PackageRepository.fromCodeArtifactRepositoryArn(`arn:${Aws.PARTITION}:codeartifact:${Aws.REGION}:${Aws.ACCOUNT_ID}:repository/ml/pypi`)],
  });
  const person = new iam.Role(stack, 'DataScientist', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'alice' });
  domain.grantCreatePresignedDomainUrl(person, 'alice');
  const world = new JourneyWorld(stack, network);
  return {
    world,
    app,
    role: world.value(domain.executionRole.roleArn),
    person: world.value(person.roleArn),
    domainId: world.value(domain.domainId),
    bucket: world.value(domain.dataBucket.bucketName),
    keyArn: world.value(domain.encryptionKey.keyArn),
    trackingArn: world.value(domain.experimentTrackingArn),
    groupName: 'churn',
  };
}

const arn = (w: JourneyWorld, resource: string) => `arn:aws:sagemaker:${w.region}:${w.account}:${resource}`;

describe.each([
  ['the default ExplorationDomain in a SecureMlNetwork', false],
  ['an ExplorationDomain in an existing VPC that already has sts and logs endpoints', true],
])('Data scientist journey on %s', (_name, existing) => {
  const j = build(existing);
  const w = j.world;
  const secure = { 'aws:SecureTransport': 'true' };
  const objectArn = (key: string) => `arn:aws:s3:::${j.bucket}/${key}`;
  const s3 = (action: string, resource: string) => hop(w, {
    action,
    resource,
    principal: j.role,
    values: { 's3:ResourceAccount': w.account },
    globals: secure,
    resourcePolicy: w.bucketPolicy(j.bucket),
    through: w.s3Gateway(),
  });
  const viaS3 = (action: string) => hop(w, {
    action,
    resource: j.keyArn,
    principal: j.role,
    resourcePolicy: w.keyPolicy(j.keyArn),
    values: { 'kms:CallerAccount': w.account },
    globals: { 'kms:ViaService': `s3.${w.region}.amazonaws.com` },
  });
  const tags = (stage: string) => ({ 'aws:RequestTag/mlops:stage': stage, 'aws:TagKeys': ['mlops:stage'] });

  test('synthesizes with no unacknowledged finding outside the test\'s own persona role', () => {
    const findings = synthCompliance(j.app).findings.filter((f) => !f.path.includes('/DataScientist/'));
    expect(findings).toEqual([]);
    // one endpoint per service: nothing the VPC already had is created again
    for (const service of ['sts', 'logs', 'sagemaker.api', 'sagemaker.runtime', 'studio', 'experiments', 'codeartifact.api', 'codeartifact.repositories']) {
      expect(w.interfaceEndpoint(service).id).toBeDefined();
    }
  });

  test('(a) opens Studio through the presigned URL path', async () => {
    // the person asks the SageMaker API for a presigned URL of their profile
    const url = await hop(w, { action: 'sagemaker:CreatePresignedDomainUrl', resource: arn(w, `user-profile/${j.domainId}/alice`), principal: j.person, through: w.interfaceEndpoint('sagemaker.api') });
    expect(url.allowed).toBe(true);
    expect((await hop(w, { action: 'sagemaker:CreatePresignedDomainUrl', resource: arn(w, `user-profile/${j.domainId}/bob`), principal: j.person })).allowed).toBe(false);
    // Studio is VPC-only in the workload subnets and group; the UI is reachable privately through the studio endpoint
    const [domain] = w.propertiesOf('AWS::SageMaker::Domain');
    expect(domain.AppNetworkAccessType).toBe('VpcOnly');
    expect(domain.SubnetIds).toEqual(w.workloadSubnets);
    expect(domain.DefaultUserSettings.SecurityGroups).toEqual([w.workloadSecurityGroup]);
    w.interfaceEndpoint('studio');
    // the JupyterLab space starts on the default instance type; apps reach the home EFS and each other inside the group
    const space = await hop(w, {
      action: 'sagemaker:CreateApp',
      resource: arn(w, `app/${j.domainId}/alice/JupyterLab/default`),
      principal: j.role,
      values: { 'sagemaker:InstanceTypes': ['ml.t3.medium'] },
      through: w.interfaceEndpoint('sagemaker.api'),
    });
    expect(space.allowed).toBe(true);
    expect(w.workloadEgress()).toEqual(expect.arrayContaining([`tcp:2049-2049@${w.workloadSecurityGroup}`, `tcp:8192-65535@${w.workloadSecurityGroup}`]));
  });

  test('(b) reads team data through the S3 gateway, decrypted with the domain key', async () => {
    expect((await s3('s3:GetObject', objectArn('team/train.csv'))).allowed).toBe(true);
    expect((await s3('s3:ListBucket', `arn:aws:s3:::${j.bucket}`)).allowed).toBe(true);
    expect((await viaS3('kms:Decrypt')).allowed).toBe(true);
  });

  test('(c) installs a package from CodeArtifact with pip', async () => {
    const repo = `arn:aws:codeartifact:${w.region}:${w.account}:repository/ml/pypi`;
    const login = await hop(w, { action: 'codeartifact:GetAuthorizationToken', resource: `arn:aws:codeartifact:${w.region}:${w.account}:domain/ml`, principal: j.role, through: w.interfaceEndpoint('codeartifact.api') });
    expect(login.allowed).toBe(true);
    const bearer = { 'sts:AWSServiceName': 'codeartifact.amazonaws.com' };
    for (const path of ['codeartifact.api', 'sts']) {
      expect((await hop(w, { action: 'sts:GetServiceBearerToken', resource: '*', principal: j.role, values: bearer, through: w.interfaceEndpoint(path) })).allowed).toBe(true);
    }
    expect((await hop(w, { action: 'codeartifact:GetRepositoryEndpoint', resource: repo, principal: j.role, through: w.interfaceEndpoint('codeartifact.api') })).allowed).toBe(true);
    expect((await hop(w, { action: 'codeartifact:ReadFromRepository', resource: repo, principal: j.role, through: w.interfaceEndpoint('codeartifact.repositories') })).allowed).toBe(true);
    // npm and Maven assets come from CodeArtifact's bucket of the region, through the gateway (pip needs none)
    const owner = '193858265520';
    const assets = await simulate({
      action: 's3:GetObject',
      resource: `arn:aws:s3:::assets-${owner}-${w.region}/asset`,
      principal: `arn:aws:iam::${owner}:role/codeartifact-signer`,
      resourceAccount: owner,
      identityPolicies: { signer: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] } },
      vpcEndpointPolicies: { gateway: w.s3Gateway().policy },
      context: { 's3:ResourceAccount': owner },
    });
    expect(assets.allowed).toBe(true);
  });

  test('(d) starts a training job in the VPC with the domain key, which reads and writes team data', async () => {
    const job = await hop(w, {
      action: 'sagemaker:CreateTrainingJob',
      resource: arn(w, 'training-job/churn-1'),
      principal: j.role,
      through: w.interfaceEndpoint('sagemaker.api'),
      values: {
        'sagemaker:VpcSubnets': w.workloadSubnets,
        'sagemaker:VpcSecurityGroupIds': [w.workloadSecurityGroup],
        'sagemaker:OutputKmsKeyArn': j.keyArn,
        'sagemaker:VolumeKmsKeyArn': j.keyArn,
        'sagemaker:InterContainerTrafficEncryption': 'true',
        'sagemaker:InstanceTypes': ['ml.m5.xlarge'],
      },
    });
    expect(job.ignoredContextKeys).toEqual([]);
    expect(job.allowed).toBe(true);
    expect((await hop(w, { action: 'iam:PassRole', resource: j.role, principal: j.role, values: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } })).allowed).toBe(true);
    expect((await hop(w, { action: 'sagemaker:DescribeTrainingJob', resource: arn(w, 'training-job/churn-1'), principal: j.role, through: w.interfaceEndpoint('sagemaker.api') })).allowed).toBe(true);
    expect((await s3('s3:GetObject', objectArn('team/train.csv'))).allowed).toBe(true);
    expect((await s3('s3:PutObject', objectArn('output/churn-1/model.tar.gz'))).allowed).toBe(true);
    expect((await viaS3('kms:GenerateDataKey')).allowed).toBe(true);
    const logs = await hop(w, {
      action: 'logs:GetLogEvents',
      principal: j.role,
      through: w.interfaceEndpoint('logs'),
      resource: `arn:aws:logs:${w.region}:${w.account}:log-group:/aws/sagemaker/TrainingJobs:log-stream:churn-1/algo-1`,
    });
    expect(logs.allowed).toBe(true);
  });

  test('(e) logs runs to MLflow through the MLflow endpoint', async () => {
    expect(j.trackingArn).toMatch(/:mlflow-app\//);
    const run = await hop(w, { action: 'sagemaker:CallMlflowAppApi', resource: j.trackingArn, principal: j.role, through: w.interfaceEndpoint('experiments') });
    expect(run.allowed).toBe(true);
    expect((await hop(w, { action: 'sagemaker:CreatePresignedMlflowAppUrl', resource: j.trackingArn, principal: j.role, through: w.interfaceEndpoint('sagemaker.api') })).allowed).toBe(true);
  });

  test('(f) deploys a dev endpoint tagged mlops:stage=dev and invokes it', async () => {
    const api = w.interfaceEndpoint('sagemaker.api');
    const model = await hop(w, {
      action: 'sagemaker:CreateModel',
      resource: arn(w, 'model/dev-churn'),
      principal: j.role,
      through: api,
      values: { ...tags('dev'), 'sagemaker:VpcSubnets': w.workloadSubnets, 'sagemaker:VpcSecurityGroupIds': [w.workloadSecurityGroup], 'sagemaker:NetworkIsolation': 'true' },
    });
    expect(model.allowed).toBe(true);
    const config = await hop(w, {
      action: 'sagemaker:CreateEndpointConfig',
      resource: arn(w, 'endpoint-config/dev-churn'),
      principal: j.role,
      through: api,
      values: { ...tags('dev'), 'sagemaker:InstanceTypes': ['ml.m5.large'], 'sagemaker:VolumeKmsKeyArn': j.keyArn },
    });
    expect(config.allowed).toBe(true);
    expect((await hop(w, { action: 'sagemaker:CreateEndpoint', resource: arn(w, 'endpoint/dev-churn'), principal: j.role, through: api, values: tags('dev') })).allowed).toBe(true);
    expect((await hop(w, {
      action: 'sagemaker:CreateEndpoint', resource: arn(w, 'endpoint-config/dev-churn'), principal: j.role, through: api, values: { ...tags('dev'), 'aws:ResourceTag/mlops:stage': 'dev' },
    })).allowed).toBe(true);
    const invoke = await hop(w, {
      action: 'sagemaker:InvokeEndpoint',
      resource: arn(w, 'endpoint/dev-churn'),
      principal: j.role,
      globals: { 'aws:ResourceTag/mlops:stage': 'dev' },
      through: w.interfaceEndpoint('sagemaker.runtime'),
    });
    expect(invoke.allowed).toBe(true);
  });

  test('(g) cannot deploy a production-tagged endpoint, approve a model, or reach the internet', async () => {
    const api = w.interfaceEndpoint('sagemaker.api');
    const denied = async (action: string, resource: string, values: Record<string, string | string[]>, globals: Record<string, string> = {}) => {
      const outcome = await hop(w, { action, resource, principal: j.role, through: api, values, globals });
      expect(`${action} ${outcome.result}`).toMatch(/Denied$/);
    };
    await denied('sagemaker:CreateEndpoint', arn(w, 'endpoint/churn-prod'), tags('production'));
    await denied('sagemaker:CreateEndpointConfig', arn(w, 'endpoint-config/churn-prod'), { ...tags('production'), 'sagemaker:InstanceTypes': ['ml.m5.large'] });
    await denied('sagemaker:UpdateEndpoint', arn(w, 'endpoint/churn-prod'), {}, { 'aws:ResourceTag/mlops:stage': 'production' });
    await denied('sagemaker:InvokeEndpoint', arn(w, 'endpoint/churn-prod'), {}, { 'aws:ResourceTag/mlops:stage': 'production' });
    const retag = await hop(w, {
      action: 'sagemaker:AddTags',
      resource: arn(w, 'endpoint/churn-prod'),
      principal: j.role,
      through: api,
      values: tags('dev'),
      globals: { 'aws:ResourceTag/mlops:stage': 'production' },
    });
    expect(retag.result).toBe('ExplicitlyDenied');
    await denied('sagemaker:UpdateModelPackage', arn(w, `model-package/${j.groupName}/1`), { 'sagemaker:ModelApprovalStatus': 'Approved' });
    // no route out of the VPC, and HTTPS is the only traffic leaving the group
    expect(w.internetPaths()).toEqual([]);
    expect(w.workloadEgress().filter((e) => !e.endsWith(`@${w.workloadSecurityGroup}`))).toEqual(['tcp:443-443@0.0.0.0/0']);
    // even a role allowed all of S3 cannot put data into another account's bucket through the gateway
    const exfiltrate = await simulate({
      action: 's3:PutObject',
      resource: 'arn:aws:s3:::attacker-bucket/dump.csv',
      principal: j.role,
      resourceAccount: '999999999999',
      identityPolicies: { everything: { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] } },
      resourcePolicy: { Statement: [{ Effect: 'Allow', Principal: { AWS: j.role }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::attacker-bucket/*' }] },
      vpcEndpointPolicies: { gateway: w.s3Gateway().policy },
      context: { 's3:ResourceAccount': '999999999999' },
    });
    expect(exfiltrate.allowed).toBe(false);
  });
});

describe('Data scientist journey with the opt-in MLflow tracking server', () => {
  test('(e) logs runs with the sagemaker-mlflow actions on the tracking server, through the MLflow endpoint', async () => {
    const app = testApp();
    const stack = new Stack(app, 'JourneysTrackingServer');
    const network = new SecureMlNetwork(stack, 'Network');
    const domain = new ExplorationDomain(stack, 'Domain', { network, experimentTracking: ExperimentTracking.mlflowTrackingServer({ name: 'team' }) });
    const w = new JourneyWorld(stack, network);
    const role = w.value(domain.executionRole.roleArn);
    const server = w.value(domain.experimentTrackingArn);
    expect(server).toBe(`arn:aws:sagemaker:${w.region}:${w.account}:mlflow-tracking-server/team`);
    for (const action of ['sagemaker-mlflow:CreateRun', 'sagemaker-mlflow:LogMetric', 'sagemaker-mlflow:LogBatch', 'sagemaker-mlflow:SearchRuns']) {
      expect((await hop(w, { action, resource: server, principal: role, through: w.interfaceEndpoint('experiments') })).allowed).toBe(true);
    }
    expect((await hop(w, { action: 'sagemaker:CreatePresignedMlflowTrackingServerUrl', resource: server, principal: role, through: w.interfaceEndpoint('sagemaker.api') })).allowed).toBe(true);
    // an MLflow App action does not open a tracking server
    expect((await hop(w, { action: 'sagemaker:CallMlflowAppApi', resource: `arn:aws:sagemaker:${w.region}:${w.account}:mlflow-app/app-x`, principal: role })).allowed).toBe(false);
    expect(synthCompliance(app).findings).toEqual([]);
  });
});

describe('journey harness positive controls', () => {
  test('a network without the MLflow endpoint fails the network hop; a missing grant fails the IAM hop', async () => {
    const stack = new Stack(testApp(), 'JourneysControl');
    const network = new SecureMlNetwork(stack, 'Network');
    const domain = new ExplorationDomain(stack, 'Domain', { network, experimentTracking: ExperimentTracking.none() });
    const w = new JourneyWorld(stack, network);
    expect(() => w.interfaceEndpoint('experiments')).toThrow(/0 interface endpoints for experiments/);
    expect(() => w.interfaceEndpoint('codeartifact.api')).toThrow(/0 interface endpoints for codeartifact\.api/);
    const role = w.value(domain.executionRole.roleArn);
    const login = await hop(w, { action: 'codeartifact:GetAuthorizationToken', resource: `arn:aws:codeartifact:${w.region}:${w.account}:domain/ml`, principal: role });
    expect(login.allowed).toBe(false);
    expect(new TemplateResolver({}).pseudo('AWS::Region')).toBe(w.region);
    // the endpoint policy decides too: the CodeArtifact policy the catalog had before (codeartifact:* only) blocks the login's bearer token
    const before = { id: 'CodeArtifactApiBefore', policy: { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'codeartifact:*', Resource: '*' }] } };
    const bearer = await simulate({
      action: 'sts:GetServiceBearerToken',
      resource: '*',
      principal: role,
      identityPolicies: { all: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } },
      vpcEndpointPolicies: { [before.id]: before.policy },
      context: { 'sts:AWSServiceName': 'codeartifact.amazonaws.com' },
    });
    expect(bearer.result).toBe('ImplicitlyDenied');
  });
});

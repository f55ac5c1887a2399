import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { checkedApp, messages, synthReport } from './checks-harness';
import { MlflowArtifactStoreRule, ModelPackageGroupSharingRule, SageMakerDataBucketRule } from '../../src/governance';

const STAGING = '222222222222';
const PROD = '333333333333';

function group(statements: any[]): Record<string, any> {
  return {
    Group: {
      Type: 'AWS::SageMaker::ModelPackageGroup',
      Properties: { ModelPackageGroupName: 'g', ModelPackageGroupPolicy: { Version: '2012-10-17', Statement: statements } },
    },
  };
}

const allow = (principal: unknown, condition?: unknown) => ({
  Effect: 'Allow', Principal: principal, Action: ['sagemaker:DescribeModelPackage'], Resource: '*', ...(condition ? { Condition: condition } : {}),
});
const rootOf = (account: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]] });

describe('MLOPS-SM-009 ModelPackageGroupSharingRule', () => {
  const rule = new ModelPackageGroupSharingRule({ allowedAccountIds: [STAGING, PROD], allowedOrganizationIds: ['o-abcdefghij'] });

  test('passes listed accounts (ids, root ARNs, roles), the own account, and an allowed organization with a condition', () => {
    expect(messages(rule, group([
      allow({ AWS: [STAGING, rootOf(PROD), `arn:aws:iam::${PROD}:role/deployer`] }),
      allow({ AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] } }),
      allow('*', { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } }),
      { Effect: 'Deny', Principal: '*', Action: 'sagemaker:*', Resource: '*' },
    ]), 'Group')).toEqual([]);
  });

  test('passes a group without a policy', () => {
    expect(messages(rule, { Group: { Type: 'AWS::SageMaker::ModelPackageGroup', Properties: { ModelPackageGroupName: 'g' } } }, 'Group')).toEqual([]);
  });

  test('fails when the group is shared with everyone or an unlisted account', () => {
    expect(messages(rule, group([allow('*'), allow({ AWS: rootOf('444444444444') })]), 'Group')).toEqual([
      'statement 0: principal * shares the group with every AWS account',
      'statement 1: account 444444444444 is not in allowedAccountIds',
    ]);
  });

  test('fails when an organization-wide grant names an unlisted organization, a service, or an unknown principal', () => {
    expect(messages(rule, group([
      allow({ AWS: '*' }, { StringEquals: { 'aws:PrincipalOrgID': 'o-zzzzzzzzzz' } }),
      allow({ Service: 'sagemaker.amazonaws.com' }),
      allow({ AWS: { Ref: 'ConsumerRoleArn' } }),
    ]), 'Group')).toEqual([
      'statement 0: principal * limited to organization o-zzzzzzzzzz, which is not in allowedOrganizationIds',
      'statement 1: Service principal "sagemaker.amazonaws.com" is not an account',
      'statement 2: principal {"Ref":"ConsumerRoleArn"} cannot be verified at synth; use literal account ids',
    ]);
  });

  test('reads a policy given as a JSON string and reports NotPrincipal grants', () => {
    const resources = group([]);
    resources.Group.Properties.ModelPackageGroupPolicy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'Everyone', Effect: 'Allow', NotPrincipal: { AWS: STAGING }, Action: 'sagemaker:*', Resource: '*' }],
    });
    expect(messages(rule, resources, 'Group')).toEqual(["statement 'Everyone' uses NotPrincipal, which grants everyone else"]);
    resources.Group.Properties.ModelPackageGroupPolicy = '{broken';
    expect(messages(rule, resources, 'Group')).toEqual(['ModelPackageGroupPolicy cannot be read at synth']);
  });

  test('fails every cross-account principal when no account is allowed', () => {
    expect(messages(new ModelPackageGroupSharingRule(), group([allow({ AWS: STAGING })]), 'Group'))
      .toEqual(['statement 0: account 222222222222 is not in allowedAccountIds']);
  });
});

function secureBucketStack(stack: Stack, id: string): s3.Bucket {
  const key = new kms.Key(stack, `${id}Key`, { enableKeyRotation: true });
  return new s3.Bucket(stack, id, { encryption: s3.BucketEncryption.KMS, encryptionKey: key, enforceSSL: true });
}

describe('MLOPS-SM-010 MlflowArtifactStoreRule and MLOPS-S3-001 SageMakerDataBucketRule', () => {
  test('pass an MLflow server on an encrypted, TLS-only bucket of the stack', () => {
    // GIVEN
    const app = checkedApp();
    const stack = new Stack(app, 'Mlflow');
    const bucket = secureBucketStack(stack, 'Artifacts');
    new sagemaker.CfnMlflowTrackingServer(stack, 'Server', {
      trackingServerName: 'team', roleArn: 'arn:aws:iam::111111111111:role/mlflow', artifactStoreUri: bucket.s3UrlForObject('mlflow'),
    });

    // WHEN / THEN
    expect(synthReport(app).findings).toEqual([]);
  });

  test('fail an MLflow server on an unencrypted bucket, reporting the server and the bucket', () => {
    // GIVEN
    const app = checkedApp();
    const stack = new Stack(app, 'Mlflow');
    const bucket = new s3.Bucket(stack, 'Plain', { encryption: s3.BucketEncryption.S3_MANAGED });
    new sagemaker.CfnMlflowTrackingServer(stack, 'Server', {
      trackingServerName: 'team', roleArn: 'arn:aws:iam::111111111111:role/mlflow', artifactStoreUri: `s3://${bucket.bucketName}/mlflow`,
    });

    // WHEN
    const findings = synthReport(app).findings.map((f) => `${f.rule} ${f.constructPath}`).sort();

    // THEN
    expect(findings).toEqual([
      'MLOPS-S3-001 Mlflow/Plain/Resource', 'MLOPS-S3-001 Mlflow/Plain/Resource',
      'MLOPS-SM-010 Mlflow/Server', 'MLOPS-SM-010 Mlflow/Server',
    ]);
  });

  test('MLflow fails when the artifact store is outside the template', () => {
    const resources = { Server: { Type: 'AWS::SageMaker::MlflowTrackingServer', Properties: { ArtifactStoreUri: 's3://elsewhere/mlflow' } } };
    expect(messages(new MlflowArtifactStoreRule(), resources, 'Server')).toEqual([expect.stringContaining('is not a bucket of this template')]);
  });

  test('MLflow apps are held to the same rule, buckets found by literal name', () => {
    const rule = new MlflowArtifactStoreRule();
    const resources: Record<string, any> = {
      App: { Type: 'AWS::SageMaker::MlflowApp', Properties: { Name: 'team', ArtifactStoreUri: 's3://team-mlflow/artifacts/' } },
      Bucket: {
        Type: 'AWS::S3::Bucket',
        Properties: {
          BucketName: 'team-mlflow',
          BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'k' } }] },
        },
      },
      Policy: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: { Ref: 'Bucket' },
          PolicyDocument: { Statement: [{ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] },
        },
      },
    };
    expect(rule.resourceTypes).toContain('AWS::SageMaker::MlflowApp');
    expect(messages(rule, resources, 'App')).toEqual([]);
    delete resources.Policy;
    expect(messages(rule, resources, 'App')).toEqual(['artifact bucket Bucket: no bucket policy denies requests without TLS (aws:SecureTransport false)']);
  });

  test('data bucket rule finds buckets by literal name and ignores buckets no SageMaker resource uses', () => {
    const rule = new SageMakerDataBucketRule();
    const resources = {
      Named: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'team-data' } },
      Unused: { Type: 'AWS::S3::Bucket', Properties: {} },
      Job: { Type: 'AWS::SageMaker::DataQualityJobDefinition', Properties: { DataQualityJobOutputConfig: { MonitoringOutputs: [{ S3Output: { S3Uri: 's3://team-data/out' } }] } } },
    };
    expect(messages(rule, resources, 'Named')).toEqual([
      'default encryption is not SSE-KMS; used by SageMaker resource(s) Job',
      'no bucket policy denies requests without TLS (aws:SecureTransport false); used by SageMaker resource(s) Job',
    ]);
    expect(messages(rule, resources, 'Unused')).toEqual([]);
  });

  test('data bucket rule checks buckets referenced inside a pipeline definition', () => {
    // GIVEN
    const app = checkedApp();
    const stack = new Stack(app, 'Data');
    const bucket = secureBucketStack(stack, 'Data');
    const plain = new s3.Bucket(stack, 'Plain', { encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true });
    new sagemaker.CfnPipeline(stack, 'Pipeline', {
      pipelineName: 'p',
      roleArn: 'arn:aws:iam::111111111111:role/p',
      pipelineDefinition: {
        PipelineDefinitionBody: stack.toJsonString({ Steps: [], Metadata: { Input: bucket.s3UrlForObject('in'), Other: plain.s3UrlForObject('x') } }),
      },
    });

    // WHEN
    const findings = synthReport(app).findings;

    // THEN: only the SSE-S3 bucket, which is TLS-only but not KMS-encrypted
    expect(findings.map((f) => `${f.rule} ${f.constructPath}`)).toEqual(['MLOPS-S3-001 Data/Plain/Resource']);
    expect(findings[0].description).toContain('default encryption is not SSE-KMS; used by SageMaker resource(s) Pipeline');
  });
});

import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ApprovalDeployment } from '../../src/deployment';
import { MlPipeline, PipelineDefinition, PipelineValue, RegisterModelStep, SageMakerImage, TrainingStep } from '../../src/pipeline';
import { ModelRegistry, ModelSource } from '../../src/registry';
import { expectCompliant, testApp } from '../harness/compliance';

const ENV = { account: '111111111111', region: 'us-east-1' };

function newStack(app: App = new App()): Stack {
  return new Stack(app, 'Sources', { env: ENV });
}

/** Every statement of every policy (inline or managed) attached to a role, resolved. */
function statementsOf(stack: Stack, role: iam.IRole): any[] {
  const t = Template.fromStack(stack);
  const roleId = stack.resolve((role.node.defaultChild as iam.CfnRole).logicalId);
  const attached = (r: any) => JSON.stringify(r.Properties.Roles ?? []).includes(roleId);
  return [...Object.values<any>(t.findResources('AWS::IAM::ManagedPolicy')), ...Object.values<any>(t.findResources('AWS::IAM::Policy'))]
    .filter(attached)
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

function starter(registry: ModelRegistry): PipelineDefinition {
  const train = new TrainingStep('Train', { image: SageMakerImage.xgboost(), channels: [{ channelName: 'train', s3Uri: PipelineValue.of('s3://data/train/') }] });
  return PipelineDefinition.fromSteps({
    steps: [train, new RegisterModelStep('Register', { image: SageMakerImage.xgboost(), modelDataUrl: train.modelArtifactsUri, registry })],
  });
}

describe('model sources: where the artifacts of registered versions live', () => {
  test('a deployment composed by hand reads the artifacts of the pipeline that registers into its registry, whatever the order', () => {
    // GIVEN
    const app = testApp();
    const stack = newStack(app);
    const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn' });
    // WHEN: the deployment first, the pipeline after it
    const deployment = new ApprovalDeployment(stack, 'Deployment', { registry });
    const pipeline = new MlPipeline(stack, 'Pipeline', { definition: starter(registry), registry });
    // THEN
    const statements = statementsOf(stack, deployment.modelExecutionRole);
    const bucketArn = stack.resolve(pipeline.artifactBucket.bucketArn);
    expect(statements).toContainEqual(expect.objectContaining({
      Action: 's3:GetObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [bucketArn, '/*']] },
    }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'kms:Decrypt', Resource: stack.resolve(pipeline.encryptionKey.keyArn) }));
    expectCompliant(app);
  });

  test('a registry grants readers the sources added before them too, and each source once', () => {
    // GIVEN
    const stack = newStack();
    const registry = ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'churn');
    const bucket = new s3.Bucket(stack, 'Models', { encryption: s3.BucketEncryption.KMS });
    const source = ModelSource.fromBucket(bucket, { artifactPrefix: 'models/' });
    registry.addModelSource(source);
    registry.addModelSource(source);
    const role = new iam.Role(stack, 'Runner', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    // WHEN
    const grant = registry.grantReadModelArtifacts(role);
    // THEN
    expect(grant.success).toBe(true);
    const statements = statementsOf(stack, role);
    expect(statements.filter((s) => s.Action === 's3:GetObject')).toEqual([expect.objectContaining({
      Resource: { 'Fn::Join': ['', [stack.resolve(bucket.bucketArn), '/models/*']] },
    })]);
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'kms:Decrypt', Resource: stack.resolve(bucket.encryptionKey!.keyArn) }));
  });

  test('a registry with no source yet grants nothing, and says so', () => {
    const stack = newStack();
    const registry = ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'churn');
    const role = new iam.Role(stack, 'Runner', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    expect(registry.grantReadModelArtifacts(role).success).toBe(false);
  });

  test('fromAccount: objects owned by that account, decrypted with its keys through S3 only', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Target', { env: { account: '333333333333', region: 'eu-west-1' } });
    const role = new iam.Role(stack, 'Runner', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    // WHEN
    ModelSource.fromAccount('111111111111').grantReadModelArtifacts(role);
    // THEN
    const statements = statementsOf(stack, role);
    expect(statements).toContainEqual(expect.objectContaining({
      Action: 's3:GetObject',
      Condition: { StringEquals: { 's3:ResourceAccount': '111111111111' } },
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::*/*']] },
    }));
    expect(statements).toContainEqual(expect.objectContaining({
      Action: 'kms:Decrypt',
      Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:eu-west-1:111111111111:key/*']] },
    }));
  });

  test('fails when fromAccount names the grantee\'s own account', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'Runner', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    expect(() => ModelSource.fromAccount('111111111111').grantReadModelArtifacts(role))
      .toThrow(/fromAccount\(accountId\).*111111111111.*another account than the grantee's.*ModelSource\.fromBucket\(\)/s);
  });

  test('fails when fromAccount is not an account id', () => {
    const stack = newStack();
    const role = new iam.Role(stack, 'Runner', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    expect(() => ModelSource.fromAccount('tooling').grantReadModelArtifacts(role)).toThrow(/fromAccount\(accountId\).*tooling.*a 12-digit account id/s);
  });

  test('fromBucket with another key than the bucket\'s: the given key', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'ArtifactKey');
    const bucket = s3.Bucket.fromBucketName(stack, 'Models', 'models');
    const role = new iam.Role(stack, 'Runner', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    ModelSource.fromBucket(bucket, { encryptionKey: key }).grantReadModelArtifacts(role);
    expect(statementsOf(stack, role)).toContainEqual(expect.objectContaining({ Action: 'kms:Decrypt', Resource: stack.resolve(key.keyArn) }));
  });

  test('an imported registry whose ARN has a partition token keeps the account and region of the ARN', () => {
    // GIVEN: a target account importing the tooling registry the way MlopsAccounts does
    const stack = new Stack(new App(), 'Target', { env: { account: '333333333333', region: 'us-east-1' } });
    const stackPartition = Stack.of(stack).partition;
    // WHEN
    const registry = ModelRegistry.fromModelPackageGroupArn(stack, 'Registry',
      `arn:${stackPartition}:sagemaker:us-east-1:111111111111:model-package-group/churn`);
    // THEN
    expect(registry.env.account).toBe('111111111111');
    expect(stack.resolve(registry.arnForModelPackage('*'))).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:111111111111:model-package/churn/*']],
    });
  });
});

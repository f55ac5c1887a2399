import { App, CfnParameter, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Dependable } from 'constructs';
import { matchesPattern, modelPackageStateChangeEvent } from './event-matcher';
import { createSecureBucket, createSecureKey } from '../../src/private/secure-defaults';
import { IModelRegistry, ModelRegistry } from '../../src/registry';
import { expectCompliant, testApp } from '../harness/compliance';
import { expectStatefulRetained } from '../harness/stateful';

const OWNER = '111111111111';
const STAGING = '222222222222';
const PROD = '333333333333';
const ENV = { account: OWNER, region: 'us-east-1' };

function newStack(app: App = testApp(), id = 'Registry'): Stack {
  return new Stack(app, id, { env: ENV });
}

/** The 12-digit account ids in every `arn:...:iam::<id>:root` principal of a policy fragment. */
function accountsIn(fragment: unknown): string[] {
  const text = JSON.stringify(fragment);
  return [...new Set([...text.matchAll(/iam::(\d{12}):root/g)].map((m) => m[1]))].sort();
}

function consumerStatementOf(doc: any, sid: string): any {
  const statement = doc.Statement.find((s: any) => String(s.Sid).startsWith(sid));
  expect(statement).toBeDefined();
  return statement;
}

function onlyResource(template: Template, type: string): any {
  const all = Object.values(template.findResources(type));
  expect(all).toHaveLength(1);
  return all[0];
}

/** The key policy, the repository policy and the bucket policy each admit exactly `accounts` as consumers. */
function expectSharedWith(template: Template, stack: Stack, key: kms.Key, accounts: string[]): void {
  const keyPolicy = template.toJSON().Resources[stack.getLogicalId(key.node.defaultChild as kms.CfnKey)].Properties.KeyPolicy;
  expect(accountsIn(consumerStatementOf(keyPolicy, 'ModelRegistryConsumersDecrypt'))).toEqual(accounts);
  expect(accountsIn(onlyResource(template, 'AWS::ECR::Repository').Properties.RepositoryPolicyText)).toEqual(accounts);
  const bucketPolicy = Object.values<any>(template.findResources('AWS::S3::BucketPolicy'))
    .find((p) => JSON.stringify(p.Properties.PolicyDocument).includes('ModelRegistryConsumersRead'));
  expect(accountsIn(bucketPolicy.Properties.PolicyDocument)).toEqual(accounts);
}

function rulePatterns(template: Template): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [id, r] of Object.entries<any>(template.findResources('AWS::Events::Rule'))) {
    out[id] = r.Properties.EventPattern;
  }
  return out;
}

/** A grantee whose grants land in one customer-managed policy (the packs reject inline policies). */
class ManagedPolicyGrantee implements iam.IGrantable {
  public readonly grantPrincipal: iam.IPrincipal;
  constructor(role: iam.Role, policy: iam.ManagedPolicy) {
    role.addManagedPolicy(policy);
    this.grantPrincipal = new Proxy(role, {
      get(target, prop) {
        if (prop === 'addToPrincipalPolicy') {
          return (statement: iam.PolicyStatement) => {
            policy.addStatements(statement);
            return { statementAdded: true, policyDependable: policy };
          };
        }
        return Reflect.get(target, prop, target);
      },
    });
  }
}

function policyStatements(template: Template): any[] {
  return Object.values<any>(template.findResources('AWS::IAM::Policy'))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('ModelRegistry', () => {
  describe('the model package group', () => {
    test('is an AWS::SageMaker::ModelPackageGroup with the given name, description and tags, and no policy when not shared', () => {
      // GIVEN
      const stack = newStack();

      // WHEN
      const registry = new ModelRegistry(stack, 'Registry', {
        modelPackageGroupName: 'churn-models',
        description: 'Churn models trained by the weekly pipeline',
        tags: { team: 'risk' },
      });
      Tags.of(registry).add('cost-center', 'ml-42');

      // THEN
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::SageMaker::ModelPackageGroup', 1);
      template.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
        ModelPackageGroupName: 'churn-models',
        ModelPackageGroupDescription: 'Churn models trained by the weekly pipeline',
        ModelPackageGroupPolicy: Match.absent(),
        Tags: [{ Key: 'cost-center', Value: 'ml-42' }, { Key: 'team', Value: 'risk' }],
      });
      expect(registry.node.defaultChild).toBe(registry.resource);
      expect(registry.modelPackageGroupName).toBe('churn-models');
      expect(registry.consumerAccountIds).toEqual([]);
      expect(stack.resolve(registry.modelPackageGroupArn)).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(registry.resource), 'ModelPackageGroupArn'] });
    });

    test('is retained by default, and its logical id is part of the contract', () => {
      // GIVEN
      const stack = newStack();

      // WHEN
      new ModelRegistry(stack, 'Registry');

      // THEN the one stateful resource is retained on delete and replacement
      const template = Template.fromStack(stack);
      expect(expectStatefulRetained(template)).toEqual(['Registry4DB9CCA5']);
      // ... and its logical id is this exact string: changing it would replace a user's registry
      template.hasResource('AWS::SageMaker::ModelPackageGroup', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });

    test('honours removalPolicy', () => {
      const stack = newStack();
      new ModelRegistry(stack, 'Registry', { removalPolicy: RemovalPolicy.DESTROY });
      Template.fromStack(stack).hasResource('AWS::SageMaker::ModelPackageGroup', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    });

    test('generates a lowercase valid name from the construct path when none is given', () => {
      // GIVEN
      const stack = newStack();

      // WHEN
      const registry = new ModelRegistry(stack, 'ChurnRegistry');

      // THEN
      const name = Template.fromStack(stack).findResources('AWS::SageMaker::ModelPackageGroup');
      const rendered = (Object.values<any>(name)[0]).Properties.ModelPackageGroupName as string;
      expect(rendered).toBe(registry.modelPackageGroupName);
      expect(rendered).toMatch(/^[a-z0-9](-*[a-z0-9]){0,62}$/);
      expect(rendered).toContain('churnregistry');
      expect(rendered.length).toBeLessThanOrEqual(63);
    });
  });

  describe('cross-account sharing', () => {
    test('the group policy lets the consumer accounts describe the group and read and deploy its versions, not approve them', () => {
      // GIVEN
      const stack = newStack();

      // WHEN
      new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn-models', consumerAccountIds: [STAGING, PROD] });

      // THEN
      const group = onlyResource(Template.fromStack(stack), 'AWS::SageMaker::ModelPackageGroup');
      const policy = stack.resolve(group.Properties.ModelPackageGroupPolicy);
      const arn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:us-east-1:${OWNER}:${resource}`]] });
      const principal = { AWS: [STAGING, PROD].map((a) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${a}:root`]] })) };
      expect(policy).toEqual({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'ConsumersDescribeGroup', Effect: 'Allow', Principal: principal, Action: ['sagemaker:DescribeModelPackageGroup'], Resource: arn('model-package-group/churn-models') },
          {
            Sid: 'ConsumersReadAndDeployVersions',
            Effect: 'Allow',
            Principal: principal,
            Action: ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages', 'sagemaker:CreateModel'],
            Resource: arn('model-package/churn-models/*'),
          },
        ],
      });
      expect(JSON.stringify(policy)).not.toContain('UpdateModelPackage');
    });

    test('the group, bucket, key and repository policies list the same two accounts', () => {
      // GIVEN a registry shared with staging and production, and the writer's artifact bucket, key and image repository
      const stack = newStack();
      const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn-models', consumerAccountIds: [STAGING, PROD] });
      const key = createSecureKey(stack, 'ArtifactKey', { description: 'model artifacts' });
      const bucket = createSecureBucket(stack, 'Artifacts', { encryptionKey: key });
      const repository = new ecr.Repository(stack, 'InferenceImage', { imageScanOnPush: true });

      // WHEN the writer shares them once
      const read = registry.shareArtifactBucket(bucket);
      const pull = registry.shareImageRepository(repository);

      // THEN
      const template = Template.fromStack(stack);
      const group = onlyResource(template, 'AWS::SageMaker::ModelPackageGroup');
      const bucketPolicies = Object.values<any>(template.findResources('AWS::S3::BucketPolicy'))
        .filter((p) => JSON.stringify(p.Properties.Bucket).includes(stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)));
      expect(bucketPolicies).toHaveLength(1);
      const keyResource = template.toJSON().Resources[stack.getLogicalId(key.node.defaultChild as kms.CfnKey)];
      const repo = onlyResource(template, 'AWS::ECR::Repository');

      const expected = [STAGING, PROD].sort();
      expect(accountsIn(group.Properties.ModelPackageGroupPolicy)).toEqual(expected);
      expect(accountsIn(bucketPolicies[0].Properties.PolicyDocument)).toEqual(expected);
      expect(accountsIn(consumerStatementOf(keyResource.Properties.KeyPolicy, 'ModelRegistryConsumersDecrypt'))).toEqual(expected);
      expect(accountsIn(repo.Properties.RepositoryPolicyText)).toEqual(expected);

      // ... with read-only actions on each
      const consumerStatement = consumerStatementOf;
      expect(consumerStatement(bucketPolicies[0].Properties.PolicyDocument, 'ModelRegistryConsumersRead')).toMatchObject({
        Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'],
      });
      expect(consumerStatement(keyResource.Properties.KeyPolicy, 'ModelRegistryConsumersDecrypt')).toMatchObject({
        Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: '*',
      });
      expect(consumerStatement(repo.Properties.RepositoryPolicyText, 'ModelRegistryConsumersPull')).toMatchObject({
        Effect: 'Allow', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
      });

      // ... and the answers say so, as aws-cdk-lib's addToResourcePolicy does: depend on the bucket policy and the key
      expect(read.statementAdded).toBe(true);
      expect(pull.statementAdded).toBe(true);
      const roots = Dependable.of(read.policyDependable!).dependencyRoots;
      expect(roots).toContain(bucket.policy);
      expect(roots).toContain(key);
      expect(pull.policyDependable).toBe(repository);
    });

    test('addConsumerAccount adds the account to the group policy and to every bucket, key and repository already granted', () => {
      // GIVEN a registry not yet shared, whose writer already granted its resources
      const stack = newStack();
      const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn-models' });
      const key = createSecureKey(stack, 'ArtifactKey', { description: 'model artifacts' });
      const bucket = createSecureBucket(stack, 'Artifacts', { encryptionKey: key });
      const repository = new ecr.Repository(stack, 'InferenceImage');
      const before = [registry.shareArtifactBucket(bucket, key), registry.shareImageRepository(repository)];

      // WHEN accounts are added one by one afterwards
      registry.addConsumerAccount(STAGING);
      registry.addConsumerAccount(PROD);

      // THEN all four policies know both
      const template = Template.fromStack(stack);
      const expected = [STAGING, PROD].sort();
      expect(registry.consumerAccountIds).toEqual([STAGING, PROD]);
      expect(accountsIn(onlyResource(template, 'AWS::SageMaker::ModelPackageGroup').Properties.ModelPackageGroupPolicy)).toEqual(expected);
      expectSharedWith(template, stack, key, expected);
      // one statement per resource, not one per account
      const sids = JSON.stringify(template.toJSON()).match(/ModelRegistryConsumers[A-Za-z]+/g);
      expect(sids?.sort()).toEqual(['ModelRegistryConsumersDecrypt', 'ModelRegistryConsumersPull', 'ModelRegistryConsumersRead']);
      // nothing was in the policies when shared without a consumer; sharing again now answers what they hold
      expect(before).toEqual([{ statementAdded: false }, { statementAdded: false }]);
      expect(registry.shareArtifactBucket(bucket, key).statementAdded).toBe(true);
      expect(registry.shareImageRepository(repository).statementAdded).toBe(true);
    });

    test('two buckets under one key, or two registries on one bucket, give valid policies with unique statement ids', () => {
      // GIVEN two registries, two buckets sharing one key
      const stack = newStack();
      const churn = new ModelRegistry(stack, 'Churn', { consumerAccountIds: [STAGING] });
      const fraud = new ModelRegistry(stack, 'Fraud', { consumerAccountIds: [PROD] });
      const key = createSecureKey(stack, 'ArtifactKey', { description: 'model artifacts' });
      const artifacts = createSecureBucket(stack, 'Artifacts', { encryptionKey: key });
      const capture = createSecureBucket(stack, 'Capture', { encryptionKey: key });

      // WHEN
      churn.shareArtifactBucket(artifacts);
      churn.shareArtifactBucket(capture, key);
      churn.shareArtifactBucket(artifacts);
      fraud.shareArtifactBucket(artifacts);

      // THEN every policy has unique Sids, and the key has one statement per registry
      const template = Template.fromStack(stack);
      const docs = [
        ...Object.values<any>(template.findResources('AWS::S3::BucketPolicy')).map((p) => p.Properties.PolicyDocument),
        ...Object.values<any>(template.findResources('AWS::KMS::Key')).map((k) => k.Properties.KeyPolicy),
      ];
      for (const doc of docs) {
        const sids = doc.Statement.map((s: any) => s.Sid).filter((s: unknown) => s !== undefined);
        expect(new Set(sids).size).toBe(sids.length);
      }
      const keyPolicy = template.toJSON().Resources[stack.getLogicalId(key.node.defaultChild as kms.CfnKey)].Properties.KeyPolicy;
      const decrypts = keyPolicy.Statement.filter((s: any) => String(s.Sid).startsWith('ModelRegistryConsumersDecrypt'));
      expect(decrypts.map((s: any) => accountsIn(s))).toEqual([[STAGING], [PROD]]);
    });

    test('an imported registry shares a writer\'s bucket, key and repository with the consumer accounts it was imported with', () => {
      // GIVEN a writer in the tooling account with a registry defined elsewhere (IModelRegistry only)
      const stack = newStack();
      const registry: IModelRegistry = ModelRegistry.fromModelRegistryAttributes(stack, 'Registry', {
        modelPackageGroupName: 'churn-models', consumerAccountIds: [STAGING, PROD],
      });
      const key = createSecureKey(stack, 'ArtifactKey', { description: 'model artifacts' });
      const bucket = createSecureBucket(stack, 'Artifacts', { encryptionKey: key });
      const repository = new ecr.Repository(stack, 'InferenceImage');

      // WHEN
      const read = registry.shareArtifactBucket(bucket);
      const pull = registry.shareImageRepository(repository);

      // THEN the three policies name both accounts
      expect([read.statementAdded, pull.statementAdded]).toEqual([true, true]);
      const template = Template.fromStack(stack);
      const expected = [STAGING, PROD].sort();
      expectSharedWith(template, stack, key, expected);
    });

    test('sharing an imported bucket, key or repository warns and answers statementAdded false', () => {
      // GIVEN
      const stack = newStack();
      const registry = new ModelRegistry(stack, 'Registry', { consumerAccountIds: [STAGING] });
      const bucket = s3.Bucket.fromBucketName(stack, 'Imported', 'artifacts-elsewhere');
      const key = kms.Key.fromKeyArn(stack, 'ImportedKey', `arn:aws:kms:us-east-1:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
      const repository = ecr.Repository.fromRepositoryName(stack, 'ImportedRepo', 'churn-inference');

      // WHEN
      const read = registry.shareArtifactBucket(bucket, key);
      const pull = registry.shareImageRepository(repository);

      // THEN
      expect(read.statementAdded).toBe(false);
      expect(pull.statementAdded).toBe(false);
      const warnings = Annotations.fromStack(stack).findWarning('/Registry/Registry', Match.stringLikeRegexp('managed elsewhere'));
      expect(warnings).toHaveLength(3);
      expect(JSON.stringify(warnings)).toContain(STAGING);
    });

    test('an owned bucket with an imported key is not shared: statementAdded is false though the bucket policy changed', () => {
      const stack = newStack();
      const registry = new ModelRegistry(stack, 'Registry', { consumerAccountIds: [STAGING] });
      const bucket = createSecureBucket(stack, 'Artifacts', {
        encryptionKey: kms.Key.fromKeyArn(stack, 'ImportedKey', `arn:aws:kms:us-east-1:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`),
      });
      const result = registry.shareArtifactBucket(bucket);
      expect(result.statementAdded).toBe(false);
      expect(Dependable.of(result.policyDependable!).dependencyRoots).toEqual([bucket.policy]);
    });
  });

  describe('grants', () => {
    function grantTo(registry: IModelRegistry, stack: Stack, method: 'grantRegister' | 'grantApprove' | 'grantRead' | 'grantDeploy'): any[] {
      const role = new iam.Role(stack, `${method}Role`, { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      registry[method](role);
      return policyStatements(Template.fromStack(stack));
    }
    const pkg = (group: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:us-east-1:${OWNER}:model-package/${group}/*`]] });
    const groupArn = (stack: Stack, registry: ModelRegistry) => ({ 'Fn::GetAtt': [stack.getLogicalId(registry.resource), 'ModelPackageGroupArn'] });

    test('grantRegister: create versions in this group only', () => {
      const stack = newStack();
      const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn-models' });
      // CreateModelPackage is authorized on the version it creates (Service Authorization Reference: model-package)
      expect(grantTo(registry, stack, 'grantRegister')).toEqual([
        { Effect: 'Allow', Action: 'sagemaker:DescribeModelPackageGroup', Resource: groupArn(stack, registry) },
        { Effect: 'Allow', Action: ['sagemaker:CreateModelPackage', 'sagemaker:AddTags'], Resource: pkg('churn-models') },
      ]);
    });

    test('grantRead: describe and list, nothing that writes', () => {
      const stack = newStack();
      const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn-models' });
      expect(grantTo(registry, stack, 'grantRead')).toEqual([
        { Effect: 'Allow', Action: 'sagemaker:DescribeModelPackageGroup', Resource: groupArn(stack, registry) },
        { Effect: 'Allow', Action: ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages'], Resource: pkg('churn-models') },
      ]);
    });

    test('grantApprove: read plus UpdateModelPackage on the versions of this group', () => {
      const stack = newStack();
      const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn-models' });
      expect(grantTo(registry, stack, 'grantApprove')).toEqual([
        { Effect: 'Allow', Action: 'sagemaker:DescribeModelPackageGroup', Resource: groupArn(stack, registry) },
        { Effect: 'Allow', Action: ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages', 'sagemaker:UpdateModelPackage'], Resource: pkg('churn-models') },
      ]);
    });

    test('grantDeploy: read plus CreateModel from the versions of this group', () => {
      const stack = newStack();
      const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn-models' });
      expect(grantTo(registry, stack, 'grantDeploy')).toEqual([
        { Effect: 'Allow', Action: 'sagemaker:DescribeModelPackageGroup', Resource: groupArn(stack, registry) },
        { Effect: 'Allow', Action: ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages', 'sagemaker:CreateModel'], Resource: pkg('churn-models') },
      ]);
    });

    test('a name with capitals covers both spellings of the version ARNs (SageMaker lowercases them)', () => {
      const stack = newStack();
      const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'ChurnModels' });
      const statements = grantTo(registry, stack, 'grantRead');
      expect(statements[1].Resource).toEqual([pkg('ChurnModels'), pkg('churnmodels')]);
    });

    test('an imported registry grants on the ARN it was imported with, in its own account', () => {
      const stack = newStack();
      const registry = ModelRegistry.fromModelPackageGroupArn(stack, 'Shared',
        `arn:aws:sagemaker:eu-west-1:${PROD}:model-package-group/fraud-models`);
      expect(grantTo(registry, stack, 'grantDeploy')).toEqual([
        { Effect: 'Allow', Action: 'sagemaker:DescribeModelPackageGroup', Resource: `arn:aws:sagemaker:eu-west-1:${PROD}:model-package-group/fraud-models` },
        {
          Effect: 'Allow',
          Action: ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages', 'sagemaker:CreateModel'],
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:eu-west-1:${PROD}:model-package/fraud-models/*`]] },
        },
      ]);
    });

    test('the version wildcard is acknowledged for AwsSolutions-IAM5 on the role that received it, and only that finding', () => {
      // GIVEN
      const stack = newStack();
      const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'ChurnModels' });
      const role = new iam.Role(stack, 'Deployer', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });

      // WHEN
      registry.grantDeploy(role);

      // THEN the role (ancestor of its default policy) carries the two exact finding ids (both spellings), nothing broader
      const acknowledged = role.node.metadata
        .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
        .flatMap((m) => Object.keys(m.data as object))
        .map((id) => id.replace(/^annotation::/i, ''));
      expect(acknowledged.sort()).toEqual([
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:us-east-1:${OWNER}:model-package/ChurnModels/*]`,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:us-east-1:${OWNER}:model-package/churnmodels/*]`,
      ]);
    });
  });

  describe('imports', () => {
    test('by name: this stack\'s account and region', () => {
      const stack = newStack();
      const registry = ModelRegistry.fromModelPackageGroupName(stack, 'ByName', 'churn-models');
      expect(registry.modelPackageGroupName).toBe('churn-models');
      expect(stack.resolve(registry.modelPackageGroupArn)).toEqual({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:us-east-1:${OWNER}:model-package-group/churn-models`]],
      });
      expect(registry.env.account).toBe(OWNER);
      expect(registry.consumerAccountIds).toEqual([]);
    });

    test('by ARN: name, account and region come from the ARN', () => {
      const stack = newStack();
      const registry = ModelRegistry.fromModelPackageGroupArn(stack, 'ByArn', `arn:aws:sagemaker:eu-west-1:${PROD}:model-package-group/fraud-models`);
      expect(registry.modelPackageGroupName).toBe('fraud-models');
      expect(registry.env).toMatchObject({ account: PROD, region: 'eu-west-1' });
    });

    test('with attributes: consumer accounts are carried to writers', () => {
      const stack = newStack();
      const registry = ModelRegistry.fromModelRegistryAttributes(stack, 'WithAttrs', {
        modelPackageGroupName: 'churn-models', consumerAccountIds: [STAGING, PROD],
      });
      expect(registry.consumerAccountIds).toEqual([STAGING, PROD]);
    });
  });

  describe('events', () => {
    function patternsOf(build: (registry: IModelRegistry) => void): Record<string, any> {
      const stack = newStack();
      const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn-models' });
      build(registry);
      return rulePatterns(Template.fromStack(stack));
    }

    test('onModelApproved matches an approved version of this group and nothing near it', () => {
      // GIVEN
      const [pattern] = Object.values(patternsOf((r) => r.onModelApproved('Approved')));

      // THEN
      expect(pattern).toEqual({
        'source': ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Package State Change'],
        'account': [OWNER],
        'detail': { ModelPackageGroupName: ['churn-models'], ModelApprovalStatus: ['Approved'] },
      });
      expect(matchesPattern(pattern, modelPackageStateChangeEvent())).toBe(true);
      expect(matchesPattern(pattern, modelPackageStateChangeEvent({ groupName: 'fraud-models' }))).toBe(false);
      expect(matchesPattern(pattern, modelPackageStateChangeEvent({ groupName: 'churn-models-v2' }))).toBe(false);
      expect(matchesPattern(pattern, modelPackageStateChangeEvent({ approvalStatus: 'Rejected' }))).toBe(false);
      expect(matchesPattern(pattern, modelPackageStateChangeEvent({ approvalStatus: 'PendingManualApproval' }))).toBe(false);
      expect(matchesPattern(pattern, modelPackageStateChangeEvent({ source: 'aws.s3' }))).toBe(false);
      expect(matchesPattern(pattern, modelPackageStateChangeEvent({ detailType: 'SageMaker Model State Change' }))).toBe(false);
      expect(matchesPattern(pattern, modelPackageStateChangeEvent({ account: PROD }))).toBe(false);
    });

    test('onModelRejected matches rejected versions of this group only', () => {
      const [pattern] = Object.values(patternsOf((r) => r.onModelRejected('Rejected')));
      expect(matchesPattern(pattern, modelPackageStateChangeEvent({ approvalStatus: 'Rejected' }))).toBe(true);
      expect(matchesPattern(pattern, modelPackageStateChangeEvent({ approvalStatus: 'Approved' }))).toBe(false);
      expect(matchesPattern(pattern, modelPackageStateChangeEvent({ approvalStatus: 'Rejected', groupName: 'other' }))).toBe(false);
    });

    test('onModelPackageStateChange matches every status of this group', () => {
      const [pattern] = Object.values(patternsOf((r) => r.onModelPackageStateChange('Any')));
      for (const status of ['Approved', 'Rejected', 'PendingManualApproval']) {
        expect(matchesPattern(pattern, modelPackageStateChangeEvent({ approvalStatus: status }))).toBe(true);
      }
      expect(matchesPattern(pattern, modelPackageStateChangeEvent({ groupName: 'other' }))).toBe(false);
    });

    test('extra filters of the caller narrow the rule but cannot widen it to other groups or statuses', () => {
      // GIVEN a caller filter on the model package status, and an attempt to match another group and status
      const [pattern] = Object.values(patternsOf((r) => r.onModelApproved('Completed', {
        eventPattern: { detail: { ModelPackageStatus: ['Completed'], ModelPackageGroupName: ['other'], ModelApprovalStatus: ['Rejected'] } },
      })));

      // THEN
      expect(pattern.detail).toEqual({ ModelPackageStatus: ['Completed'], ModelPackageGroupName: ['churn-models'], ModelApprovalStatus: ['Approved'] });
      expect(matchesPattern(pattern, modelPackageStateChangeEvent())).toBe(true);
      expect(matchesPattern(pattern, modelPackageStateChangeEvent({ groupName: 'other', approvalStatus: 'Rejected' }))).toBe(false);
    });

    test('the rule delivers to the given target', () => {
      const stack = newStack();
      const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn-models' });
      const queue = new sqs.Queue(stack, 'Approvals', { enforceSSL: true });
      const rule = registry.onModelApproved('Deploy', { target: new targets.SqsQueue(queue), description: 'deploy approved churn models' });
      expect(rule).toBeInstanceOf(events.Rule);
      Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
        Description: 'deploy approved churn models',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Approvals'), 'Arn'] } })],
      });
    });

    test('an imported registry of another account filters on that account', () => {
      const stack = newStack();
      const registry = ModelRegistry.fromModelPackageGroupArn(stack, 'Shared', `arn:aws:sagemaker:us-east-1:${PROD}:model-package-group/fraud-models`);
      registry.onModelApproved('Approved');
      const [pattern] = Object.values(rulePatterns(Template.fromStack(stack)));
      expect(matchesPattern(pattern, modelPackageStateChangeEvent({ account: PROD, groupName: 'fraud-models' }))).toBe(true);
      expect(matchesPattern(pattern, modelPackageStateChangeEvent({ account: OWNER, groupName: 'fraud-models' }))).toBe(false);
    });
  });

  describe('validation', () => {
    test('fails when the name is longer than 63 characters', () => {
      const stack = newStack();
      expect(() => new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'a'.repeat(64) }))
        .toThrow(/modelPackageGroupName: got 'a{64}'; allowed: 1 to 63 characters \(got 64\)/);
    });

    test('fails when the name has characters SageMaker rejects, suggesting a fixed name', () => {
      const stack = newStack();
      expect(() => new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn_models.v2' }))
        .toThrow(/modelPackageGroupName: got 'churn_models.v2'; allowed: letters, digits and hyphens.*Fix: .*'churn-models-v2'/);
      expect(() => new ModelRegistry(stack, 'Registry2', { modelPackageGroupName: '-churn' })).toThrow(/starting and ending with a letter or digit/);
    });

    test('fails when a consumer account id is not 12 digits', () => {
      const stack = newStack();
      expect(() => new ModelRegistry(stack, 'Registry', { consumerAccountIds: ['12345'] }))
        .toThrow(/consumerAccountIds\[0\]: got '12345'; allowed: 12-digit AWS account ids/);
    });

    test('fails when a consumer account is listed twice', () => {
      const stack = newStack();
      expect(() => new ModelRegistry(stack, 'Registry', { consumerAccountIds: [STAGING, PROD, STAGING] }))
        .toThrow(/consumerAccountIds\[2\]: got '222222222222'; allowed: each account once\. Fix: remove the duplicate/);
    });

    test('fails when the registry\'s own account is listed as a consumer', () => {
      const stack = newStack();
      expect(() => new ModelRegistry(stack, 'Registry', { consumerAccountIds: [OWNER] }))
        .toThrow(/consumerAccountIds\[0\]: got '111111111111'; allowed: accounts other than the registry's own/);
    });

    test('fails when addConsumerAccount repeats an account or gets a malformed one', () => {
      const stack = newStack();
      const registry = new ModelRegistry(stack, 'Registry', { consumerAccountIds: [STAGING] });
      expect(() => registry.addConsumerAccount(STAGING)).toThrow(/addConsumerAccount\(accountId\): got '222222222222'; allowed: each account once/);
      expect(() => registry.addConsumerAccount('prod')).toThrow(/allowed: 12-digit AWS account ids/);
      expect(registry.consumerAccountIds).toEqual([STAGING]);
    });

    test('fails when the group policy would exceed 20,480 characters', () => {
      const stack = newStack();
      const many = Array.from({ length: 300 }, (_, i) => String(200000000000 + i));
      expect(() => new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn-models', consumerAccountIds: many }))
        .toThrow(/consumerAccountIds: got '300 accounts'; allowed: a group policy of at most 20480 characters \(these accounts need up to \d+\)/);
    });

    test('fails when addConsumerAccount would push the group policy over the limit', () => {
      const stack = newStack();
      const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn-models' });
      let added = 0;
      expect(() => {
        for (let i = 0; i < 400; i++, added++) {
          registry.addConsumerAccount(String(200000000000 + i));
        }
      }).toThrow(/a group policy of at most 20480 characters/);
      // every account that was accepted still fits, with the longest partition and region
      expect(added).toBeGreaterThan(200);
      const policy = JSON.stringify(stack.resolve(onlyResource(Template.fromStack(stack), 'AWS::SageMaker::ModelPackageGroup').Properties.ModelPackageGroupPolicy))
        .replace(/\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},"([^"]*)"\]\]\}/g, '"arn:aws-iso-b$1"');
      expect(policy.length).toBeLessThanOrEqual(20480);
    });

    test('fails when the description is longer than 1,024 characters', () => {
      const stack = newStack();
      expect(() => new ModelRegistry(stack, 'Registry', { description: 'x'.repeat(1025) }))
        .toThrow(/description: got '1025 characters'; allowed: at most 1024 characters/);
    });

    test('collects every problem in one error', () => {
      const stack = newStack();
      expect(() => new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'bad name', consumerAccountIds: ['1', OWNER] }))
        .toThrow(/ModelRegistry has 3 invalid problems/);
    });

    test('fails when an imported ARN is not a model package group ARN', () => {
      const stack = newStack();
      expect(() => ModelRegistry.fromModelPackageGroupArn(stack, 'Bad', 'arn:aws:s3:::churn-models'))
        .toThrow(/modelPackageGroupArn: got 'arn:aws:s3:::churn-models'; allowed: arn:<partition>:sagemaker:<region>:<account>:model-package-group\/<name>/);
      expect(() => ModelRegistry.fromModelPackageGroupArn(stack, 'Version', `arn:aws:sagemaker:us-east-1:${OWNER}:model-package/churn-models/3`))
        .toThrow(/that is the ARN of a version \(model package\); use the ARN of its group/);
      expect(() => ModelRegistry.fromModelPackageGroupArn(stack, 'BadName', `arn:aws:sagemaker:us-east-1:${OWNER}:model-package-group/churn_models`))
        .toThrow(/modelPackageGroupArn \(name part\): got 'churn_models'/);
    });

    test('fails when an import gets a bad name, or both or neither of name and ARN', () => {
      const stack = newStack();
      expect(() => ModelRegistry.fromModelPackageGroupName(stack, 'BadName', 'churn models')).toThrow(/modelPackageGroupName: got 'churn models'/);
      expect(() => ModelRegistry.fromModelRegistryAttributes(stack, 'Neither', {})).toThrow(/got 'neither'; allowed: exactly one of them/);
      expect(() => ModelRegistry.fromModelRegistryAttributes(stack, 'Both', {
        modelPackageGroupName: 'a', modelPackageGroupArn: `arn:aws:sagemaker:us-east-1:${OWNER}:model-package-group/a`,
      })).toThrow(/got 'both'/);
      expect(() => ModelRegistry.fromModelRegistryAttributes(stack, 'BadAccount', { modelPackageGroupName: 'a', consumerAccountIds: ['x'] }))
        .toThrow(/consumerAccountIds\[0\]: got 'x'/);
    });

    test('skips unresolved tokens', () => {
      const stack = newStack();
      const name = new CfnParameter(stack, 'GroupName').valueAsString;
      const account = new CfnParameter(stack, 'Account').valueAsString;
      expect(() => new ModelRegistry(stack, 'Registry', { modelPackageGroupName: name, consumerAccountIds: [account] })).not.toThrow();
    });
  });

  describe('compliance', () => {
    test('a registry with defaults passes the four packs', () => {
      const app = testApp();
      new ModelRegistry(newStack(app), 'Registry');
      expectCompliant(app);
    });

    test('a registry shared with two accounts passes the four packs', () => {
      const app = testApp();
      const stack = newStack(app);
      const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn-models', consumerAccountIds: [STAGING, PROD] });
      registry.onModelApproved('Approved');
      expectCompliant(app);
    });

    test('a shared registry with the writer\'s bucket and key granted to its consumers passes the four packs', () => {
      const app = testApp();
      const stack = newStack(app);
      const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn-models', consumerAccountIds: [STAGING, PROD] });
      const key = createSecureKey(stack, 'ArtifactKey', { description: 'model artifacts' });
      const bucket = createSecureBucket(stack, 'Artifacts', { encryptionKey: key });
      registry.shareArtifactBucket(bucket);
      const role = new iam.Role(stack, 'PipelineRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      const grantee = new ManagedPolicyGrantee(role, new iam.ManagedPolicy(stack, 'PipelinePolicy'));
      registry.grantRegister(grantee);
      registry.grantApprove(grantee);
      const result = expectCompliant(app);
      expectStatefulRetained(Template.fromStack(result.stacks[0]));
    });
  });
});

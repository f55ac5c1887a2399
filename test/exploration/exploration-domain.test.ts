import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { MlInstanceType } from '../../src/common';
import { AuthMode, ExperimentTracking, ExplorationDomain, ExplorationDomainProps } from '../../src/exploration';
import { MlEndpointService, SecureMlNetwork } from '../../src/network';
import { ModelRegistry } from '../../src/registry';
import { expectCompliant, testApp } from '../harness/compliance';
import { expectStatefulRetained } from '../harness/stateful';

/** A stack with a network and a domain built from `props` (network filled in). */
function build(props: Partial<ExplorationDomainProps> = {}, app?: App): { stack: Stack; domain: ExplorationDomain; network: SecureMlNetwork } {
  const stack = new Stack(app, 'Explore');
  const network = new SecureMlNetwork(stack, 'Network');
  const domain = new ExplorationDomain(stack, 'Domain', { network, ...props });
  return { stack, domain, network };
}

/** Every statement of every managed policy in the template. */
function statements(template: Template): any[] {
  const policies = template.findResources('AWS::IAM::ManagedPolicy');
  return Object.values<any>(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

function statement(template: Template, sid: string): any {
  const found = statements(template).filter((s) => s.Sid === sid);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('ExplorationDomain', () => {
  describe('the domain', () => {
    test('runs VPC-only in the network\'s private subnets with the workload security group and the domain key', () => {
      // GIVEN / WHEN
      const { stack, network } = build();
      const template = Template.fromStack(stack);

      // THEN
      template.resourceCountIs('AWS::SageMaker::Domain', 1);
      template.hasResourceProperties('AWS::SageMaker::Domain', {
        AppNetworkAccessType: 'VpcOnly',
        AuthMode: 'IAM',
        VpcId: stack.resolve(network.vpc.vpcId),
        SubnetIds: stack.resolve(network.subnetIds),
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DomainKey'), 'Arn'] },
        TagPropagation: 'ENABLED',
        DomainSettings: { DockerSettings: { EnableDockerAccess: 'DISABLED' }, ExecutionRoleIdentityConfig: 'USER_PROFILE_NAME' },
        DefaultUserSettings: Match.objectLike({
          SecurityGroups: [stack.resolve(network.workloadSecurityGroup.securityGroupId)],
          ExecutionRole: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DomainExecutionRole'), 'Arn'] },
          SharingSettings: { NotebookOutputOption: 'Disabled' },
          StudioWebPortal: 'ENABLED',
        }),
        DefaultSpaceSettings: Match.objectLike({
          SecurityGroups: [stack.resolve(network.workloadSecurityGroup.securityGroupId)],
        }),
      });
    });

    test('asks the network for the endpoints Studio needs, without creating any twice', () => {
      // GIVEN a network and two domains in it
      const { stack, network } = build();
      new ExplorationDomain(stack, 'Second', { network });

      // THEN
      for (const service of [
        MlEndpointService.SAGEMAKER_API, MlEndpointService.SAGEMAKER_RUNTIME, MlEndpointService.SAGEMAKER_STUDIO,
        MlEndpointService.STS, MlEndpointService.CLOUDWATCH_LOGS,
      ]) {
        expect(network.hasEndpoint(service)).toBe(true);
      }
      const endpoints = Template.fromStack(stack).findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } });
      const names = Object.values<any>(endpoints).map((e) => JSON.stringify(e.Properties.ServiceName));
      expect(new Set(names).size).toBe(names.length);
      expect(names.filter((n) => n.includes('studio'))).toHaveLength(1);
    });

    test('shuts idle JupyterLab and Code Editor apps down after an hour by default', () => {
      const template = Template.fromStack(build().stack);
      const idle = {
        AppLifecycleManagement: {
          IdleSettings: { LifecycleManagement: 'ENABLED', IdleTimeoutInMinutes: 60, MinIdleTimeoutInMinutes: 60, MaxIdleTimeoutInMinutes: 60 },
        },
        DefaultResourceSpec: { InstanceType: 'ml.t3.medium' },
      };
      template.hasResourceProperties('AWS::SageMaker::Domain', {
        DefaultUserSettings: Match.objectLike({ JupyterLabAppSettings: idle, CodeEditorAppSettings: idle }),
        DefaultSpaceSettings: Match.objectLike({ JupyterLabAppSettings: idle }),
      });
    });

    test('takes the idle timeout, the users\' maximum and the app instance types from props', () => {
      const template = Template.fromStack(build({
        idleTimeout: Duration.hours(2),
        maxIdleTimeout: Duration.hours(8),
        appInstanceTypes: [MlInstanceType.ML_M5_LARGE, MlInstanceType.ML_G4DN_XLARGE],
      }).stack);
      template.hasResourceProperties('AWS::SageMaker::Domain', {
        DefaultUserSettings: Match.objectLike({
          JupyterLabAppSettings: {
            AppLifecycleManagement: { IdleSettings: Match.objectLike({ IdleTimeoutInMinutes: 120, MaxIdleTimeoutInMinutes: 480 }) },
            DefaultResourceSpec: { InstanceType: 'ml.m5.large' },
          },
        }),
      });
      expect(statement(template, 'StudioCreateAppsOfAllowedTypes').Condition).toEqual({
        'ForAllValues:StringEquals': { 'sagemaker:InstanceTypes': ['ml.m5.large', 'ml.g4dn.xlarge', 'system'] },
      });
    });

    test('turns Docker (root-equivalent) access on only when asked', () => {
      Template.fromStack(build({ rootAccess: true }).stack).hasResourceProperties('AWS::SageMaker::Domain', {
        DomainSettings: Match.objectLike({ DockerSettings: { EnableDockerAccess: 'ENABLED' } }),
      });
    });

    test('signs people in with IAM Identity Center when AuthMode.SSO is chosen', () => {
      const { stack } = build({ authMode: AuthMode.SSO, userProfiles: [{ userProfileName: 'alice', ssoUserName: 'alice@example.com' }] });
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::SageMaker::Domain', { AuthMode: 'SSO' });
      template.hasResourceProperties('AWS::SageMaker::UserProfile', {
        UserProfileName: 'alice', SingleSignOnUserIdentifier: 'UserName', SingleSignOnUserValue: 'alice@example.com',
      });
    });
  });

  describe('storage and data', () => {
    test('creates a customer-managed key with rotation and a KMS, TLS-only, versioned, private team bucket, all retained', () => {
      const template = Template.fromStack(build().stack);
      template.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain' });
      template.hasResource('AWS::S3::Bucket', {
        Properties: Match.objectLike({
          BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() } })] },
          VersioningConfiguration: { Status: 'Enabled' },
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        }),
        DeletionPolicy: 'Retain',
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    });

    test('uses a given key, bucket and execution role instead of creating them', () => {
      // GIVEN
      const stack = new Stack();
      const network = new SecureMlNetwork(stack, 'Network');
      const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');
      const bucket = s3.Bucket.fromBucketName(stack, 'Bucket', 'team-data');
      const role = iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::111122223333:role/data-science');

      // WHEN
      new ExplorationDomain(stack, 'Domain', { network, encryptionKey: key, dataBucket: bucket, executionRole: role });

      // THEN
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::KMS::Key', 1); // the network's flow-log key only
      template.resourceCountIs('AWS::S3::Bucket', 0);
      template.hasResourceProperties('AWS::SageMaker::Domain', {
        KmsKeyId: key.keyArn,
        DefaultUserSettings: Match.objectLike({ ExecutionRole: role.roleArn }),
      });
      // an imported bucket's policy cannot be changed: the role gets identity statements instead
      expect(statement(template, 'TeamDataObjects').Resource).toEqual(stack.resolve(bucket.arnForObjects('*')));
      template.hasResourceProperties('AWS::IAM::ManagedPolicy', { Roles: ['data-science'] });
    });

    test('lets the execution role use the team bucket through the bucket policy', () => {
      const template = Template.fromStack(build().stack);
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({
            Sid: 'ExplorationTeamData',
            Effect: 'Allow',
            Principal: { AWS: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DomainExecutionRole'), 'Arn'] } },
            Action: Match.arrayWith(['s3:GetObject', 's3:PutObject', 's3:ListBucket']),
          })]),
        },
      });
    });
  });

  describe('execution role', () => {
    test('is least privilege: no AWS managed policy, only customer-managed policies, trusted by SageMaker with source identity', () => {
      const template = Template.fromStack(build().stack);
      const roles = template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('^Studio apps') } });
      const [role] = Object.values<any>(roles);
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual(expect.arrayContaining([
        expect.objectContaining({ Action: 'sts:AssumeRole', Principal: { Service: 'sagemaker.amazonaws.com' } }),
        expect.objectContaining({ Action: 'sts:SetSourceIdentity', Principal: { Service: 'sagemaker.amazonaws.com' } }),
      ]));
      template.resourceCountIs('AWS::IAM::Policy', 0);
      for (const name of ['StudioPolicy', 'JobsPolicy', 'EndpointsPolicy', 'TrackingPolicy']) {
        const policies = template.findResources('AWS::IAM::ManagedPolicy');
        const attached = Object.entries<any>(policies).filter(([id, p]) => id.includes(name) && JSON.stringify(p.Properties.Roles).includes('DomainExecutionRole'));
        expect(attached).toHaveLength(1);
      }
    });

    test('scopes Studio actions to this domain\'s apps, spaces and profiles', () => {
      const template = Template.fromStack(build().stack);
      const create = statement(template, 'StudioCreateAppsOfAllowedTypes');
      expect(create.Action).toEqual(['sagemaker:CreateApp', 'sagemaker:CreateSpace', 'sagemaker:UpdateSpace']);
      const resources = JSON.stringify(create.Resource);
      expect(resources).toMatch(/:app\/".*DomainId.*"\/\*"/);
      expect(resources).toMatch(/:space\/".*DomainId.*"\/\*"/);
      expect(statement(template, 'StudioDomain').Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Domain/), 'DomainArn'] });
    });

    test('allows jobs only with this network\'s VPC config, the domain key and inter-container encryption', () => {
      const { stack, network } = build();
      const template = Template.fromStack(stack);
      const jobs = statement(template, 'JobsInTheNetworkWithTheDomainKey');
      expect(jobs.Action).toEqual(['sagemaker:CreateTrainingJob', 'sagemaker:CreateProcessingJob', 'sagemaker:CreateHyperParameterTuningJob']);
      const keyArn = { 'Fn::GetAtt': [expect.stringMatching(/^DomainKey/), 'Arn'] };
      expect(jobs.Condition).toEqual({
        'Null': { 'sagemaker:VpcSubnets': 'false', 'sagemaker:VpcSecurityGroupIds': 'false', 'sagemaker:OutputKmsKeyArn': 'false' },
        'ForAllValues:StringEquals': {
          'sagemaker:VpcSubnets': stack.resolve(network.subnetIds),
          'sagemaker:VpcSecurityGroupIds': [stack.resolve(network.workloadSecurityGroup.securityGroupId)],
        },
        'ArnEquals': { 'sagemaker:OutputKmsKeyArn': keyArn },
        'ArnEqualsIfExists': { 'sagemaker:VolumeKmsKeyArn': keyArn },
        'Bool': { 'sagemaker:InterContainerTrafficEncryption': 'true' },
      });
      expect(statement(template, 'PassExecutionRole1').Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
    });

    test('allows non-production endpoints only with the dev-stage tag and an allowed instance type', () => {
      const template = Template.fromStack(build({
        devEndpointInstanceTypes: [MlInstanceType.ML_M5_LARGE],
        devEndpointTagKey: 'team:stage',
        devEndpointTagValue: 'sandbox',
      }).stack);
      expect(statement(template, 'DevEndpointConfigsOfAllowedTypes').Condition).toEqual({
        'StringEquals': { 'aws:RequestTag/team:stage': 'sandbox' },
        'Null': { 'sagemaker:InstanceTypes': 'false' },
        'ForAllValues:StringEquals': { 'sagemaker:InstanceTypes': ['ml.m5.large'] },
        'ArnEqualsIfExists': { 'sagemaker:VolumeKmsKeyArn': { 'Fn::GetAtt': [expect.stringMatching(/^DomainKey/), 'Arn'] } },
      });
      expect(statement(template, 'DevEndpointsCreate').Condition).toEqual({ StringEquals: { 'aws:RequestTag/team:stage': 'sandbox' } });
      const use = statement(template, 'DevEndpointsUse');
      expect(use.Action).toContain('sagemaker:InvokeEndpoint');
      expect(use.Action).toContain('sagemaker:DeleteEndpoint');
      expect(use.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/team:stage': 'sandbox' } });
      expect(statement(template, 'NoRetaggingOfOtherStages')).toMatchObject({
        Effect: 'Deny', Condition: { StringNotEquals: { 'aws:ResourceTag/team:stage': 'sandbox' }, Null: { 'aws:ResourceTag/team:stage': 'false' } },
      });
      expect(statement(template, 'NoRemovingTheStageTag')).toMatchObject({
        Effect: 'Deny', Action: 'sagemaker:DeleteTags', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team:stage'] } },
      });
    });

    test('reads the given model registry', () => {
      const stack = new Stack();
      const network = new SecureMlNetwork(stack, 'Network');
      const registry = ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'churn');
      new ExplorationDomain(stack, 'Domain', { network, registry: registry });
      const all = JSON.stringify(statements(Template.fromStack(stack)));
      expect(all).toContain('sagemaker:DescribeModelPackage');
      expect(all).toContain(':model-package/churn/*');
      expect(all).not.toContain('sagemaker:UpdateModelPackage');
    });

    test('keeps every managed policy under the 6,144-character IAM limit', () => {
      const stack = new Stack();
      const network = new SecureMlNetwork(stack, 'Network');
      const registry = new ModelRegistry(stack, 'Registry');
      new ExplorationDomain(stack, 'Domain', { network, registry: registry });
      const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy');
      for (const policy of Object.values<any>(policies)) {
        // resolved ARNs are shorter than their CloudFormation form; the JSON form is an upper bound
        expect(JSON.stringify(policy.Properties.PolicyDocument).length).toBeLessThan(6144);
      }
    });
  });

  describe('user profiles', () => {
    test('come from props and addUserProfile(), each a separate resource that references the domain', () => {
      // GIVEN
      const { stack, domain } = build({ userProfiles: [{ userProfileName: 'alice' }] });

      // WHEN
      domain.addUserProfile({ userProfileName: 'bob-smith' });

      // THEN
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::SageMaker::UserProfile', 2);
      template.hasResourceProperties('AWS::SageMaker::UserProfile', {
        UserProfileName: 'bob-smith',
        DomainId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Domain'), 'DomainId'] },
      });
      expect(Object.keys(template.findResources('AWS::SageMaker::UserProfile')).some((id) => id.startsWith('DomainUserProfileBobSmith'))).toBe(true);
      expect(domain.userProfileNames).toEqual(['alice', 'bob-smith']);
    });

    test('may have their own execution role, which gets the domain policies and team data access', () => {
      // GIVEN
      const { stack, domain } = build();
      const role = new iam.Role(stack, 'AliceRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });

      // WHEN
      domain.addUserProfile({ userProfileName: 'alice', executionRole: role });

      // THEN
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::SageMaker::UserProfile', {
        UserProfileName: 'alice', UserSettings: { ExecutionRole: stack.resolve(role.roleArn) },
      });
      const policies = Object.values<any>(template.findResources('AWS::IAM::ManagedPolicy'))
        .filter((p) => JSON.stringify(p.Properties.Roles ?? []).includes(stack.resolve(role.roleName).Ref));
      expect(policies).toHaveLength(4);
      const dataStatement = template.toJSON().Resources[
        Object.keys(template.findResources('AWS::S3::BucketPolicy')).find((id) => id.startsWith('DomainDataBucketPolicy'))!
      ].Properties.PolicyDocument.Statement.find((s: any) => s.Sid === 'ExplorationTeamData');
      expect(JSON.stringify(dataStatement.Principal)).toContain('AliceRole');
      expect(statement(template, 'PassExecutionRole2').Resource).toEqual(stack.resolve(role.roleArn));
    });
  });

  describe('experiment tracking', () => {
    test('defaults to serverless MLflow (no idle charge) with artifacts in the team bucket, retained', () => {
      const { domain, stack } = build();
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::SageMaker::MlflowTrackingServer', 0);
      template.hasResource('AWS::SageMaker::MlflowApp', {
        Properties: {
          Name: Match.anyValue(),
          ArtifactStoreUri: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^DomainDataBucket') }, '/mlflow/']] },
          RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DomainMlflowRole'), 'Arn'] },
          ModelRegistrationMode: 'AutoModelRegistrationDisabled',
        },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      expect(stack.resolve(domain.experimentTrackingArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DomainMlflowApp/), 'Arn'] });
      // an MLflow App's API is authorized with sagemaker:CallMlflowAppApi on the app (Service Authorization Reference)
      expect(statement(template, 'TrackExperiments')).toEqual(expect.objectContaining({
        Action: 'sagemaker:CallMlflowAppApi', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DomainMlflowApp/), 'Arn'] },
      }));
      expect(statement(template, 'OpenTrackingUi').Action).toEqual(['sagemaker:CreatePresignedMlflowAppUrl', 'sagemaker:DescribeMlflowApp']);
      expect(statement(template, 'TrackingUi')).toEqual(expect.objectContaining({ Action: 'sagemaker-mlflow:AccessUI', Resource: '*' }));
    });

    test('offers the MLflow tracking server as an opt-in, with automatic registration into the given registry', () => {
      // GIVEN
      const stack = new Stack();
      const network = new SecureMlNetwork(stack, 'Network');
      const registry = ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'churn');

      // WHEN
      new ExplorationDomain(stack, 'Domain', {
        network,
        registry: registry,
        experimentTracking: ExperimentTracking.mlflowTrackingServer({ automaticModelRegistration: true, weeklyMaintenanceWindowStart: 'Sun:02:00' }),
      });

      // THEN
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::SageMaker::MlflowApp', 0);
      template.hasResourceProperties('AWS::SageMaker::MlflowTrackingServer', {
        TrackingServerSize: 'Small', AutomaticModelRegistration: true, WeeklyMaintenanceWindowStart: 'Sun:02:00',
      });
      const artifactPolicy = Object.entries<any>(template.findResources('AWS::IAM::ManagedPolicy')).find(([id]) => id.includes('ArtifactPolicy'))![1];
      expect(JSON.stringify(artifactPolicy.Properties.PolicyDocument)).toContain('sagemaker:CreateModelPackage');
      expect(JSON.stringify(artifactPolicy.Properties.PolicyDocument)).toContain(':model-package/churn/*');
      expect(statement(template, 'OpenTrackingUi').Action).toEqual(['sagemaker:CreatePresignedMlflowTrackingServerUrl', 'sagemaker:DescribeMlflowTrackingServer']);
      const track = statement(template, 'TrackExperiments');
      expect(track.Action).toContain('sagemaker-mlflow:LogMetric');
      expect(track.Action).not.toContain('sagemaker-mlflow:AccessUI');
      expect(track.Action.some((a: string) => a.endsWith(':*'))).toBe(false);
    });

    test('can be left out', () => {
      const { stack, domain } = build({ experimentTracking: ExperimentTracking.none() });
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::SageMaker::MlflowApp', 0);
      template.resourceCountIs('AWS::SageMaker::MlflowTrackingServer', 0);
      expect(statements(template).some((s) => s.Sid === 'TrackExperiments')).toBe(false);
      expect(domain.experimentTrackingArn).toBeUndefined();
    });
  });

  describe('teardown', () => {
    test('retains every stateful resource by default', () => {
      const checked = expectStatefulRetained(Template.fromStack(build({ userProfiles: [{ userProfileName: 'alice' }] }).stack));
      expect(checked.some((id) => id.startsWith('Domain') && !id.startsWith('DomainKey') && !id.startsWith('DomainData'))).toBe(true);
    });

    test('with DESTROY deletes the domain after its profiles, and names the home EFS it cannot delete', () => {
      // GIVEN / WHEN
      const { stack } = build({ removalPolicy: RemovalPolicy.DESTROY, userProfiles: [{ userProfileName: 'alice' }] });
      const template = Template.fromStack(stack);

      // THEN the domain, its key, bucket and MLflow go with the stack
      template.hasResource('AWS::SageMaker::Domain', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
      template.hasResource('AWS::SageMaker::MlflowApp', { DeletionPolicy: 'Delete' });
      template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ PendingWindowInDays: 7 }) });
      // the profile references the domain, so CloudFormation deletes it first
      template.hasResourceProperties('AWS::SageMaker::UserProfile', { DomainId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Domain'), 'DomainId'] } });
      // the home EFS that CloudFormation leaves behind is named
      template.hasOutput('*', {
        Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Domain'), 'HomeEfsFileSystemId'] },
        Description: Match.stringLikeRegexp('does not delete it'),
      });
      Annotations.fromStack(stack).hasWarning('/Explore/Domain', Match.stringLikeRegexp('never deletes a Studio domain\'s home EFS'));
    });

    test('without a home EFS leaves nothing behind to name', () => {
      const { stack } = build({ removalPolicy: RemovalPolicy.DESTROY, homeEfsFileSystem: false });
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::SageMaker::Domain', { HomeEfsFileSystemCreation: 'Disabled' });
      expect(Object.keys(template.findOutputs('*'))).toHaveLength(0);
      Annotations.fromStack(stack).hasNoWarning('/Explore/Domain', Match.anyValue());
    });
  });

  describe('updates', () => {
    const CREATE_ONLY = ['DomainName', 'AuthMode', 'KmsKeyId', 'VpcId'];

    function domainOf(props: Partial<ExplorationDomainProps>): [string, any] {
      const template = Template.fromStack(build(props).stack);
      const domains = Object.entries<any>(template.findResources('AWS::SageMaker::Domain'));
      expect(domains).toHaveLength(1);
      return domains[0];
    }

    test.each<[string, Partial<ExplorationDomainProps>]>([
      ['the idle timeout changes', { idleTimeout: Duration.hours(3), maxIdleTimeout: Duration.hours(12) }],
      ['profiles are added', { userProfiles: [{ userProfileName: 'alice' }, { userProfileName: 'bob' }] }],
      ['the app instance types change', { appInstanceTypes: [MlInstanceType.ML_M5_XLARGE] }],
      ['the endpoint instance types change', { devEndpointInstanceTypes: [MlInstanceType.ML_G5_XLARGE] }],
      ['tracking moves to a tracking server', { experimentTracking: ExperimentTracking.mlflowTrackingServer() }],
    ])('the domain is updated in place when %s', (_, changed) => {
      // GIVEN the domain as first deployed, and as changed
      const [beforeId, before] = domainOf({});
      const [afterId, after] = domainOf(changed);

      // THEN same logical id, same values of the create-only properties
      expect(afterId).toBe(beforeId);
      for (const prop of CREATE_ONLY) {
        expect(after.Properties[prop]).toEqual(before.Properties[prop]);
      }
    });
  });

  test('keeps the logical ids of its stateful resources (part of the public contract)', () => {
    const template = Template.fromStack(build().stack);
    expect(Object.keys(template.findResources('AWS::SageMaker::Domain'))).toEqual(['Domain66AC69E0']);
    expect(Object.keys(template.findResources('AWS::KMS::Key'))).toContain('DomainKeyEFD04CB2');
    expect(Object.keys(template.findResources('AWS::S3::Bucket'))).toEqual(expect.arrayContaining(['DomainDataBucketC52990F3']));
    expect(Object.keys(template.findResources('AWS::SageMaker::MlflowApp'))).toEqual(['DomainMlflowApp1DD25B47']);
  });

  describe('import and grants', () => {
    test('imports a domain from attributes and grants on it', () => {
      // GIVEN
      const stack = new Stack();
      const vpc = new ec2.Vpc(stack, 'Vpc');
      const domain = ExplorationDomain.fromExplorationDomainAttributes(stack, 'Imported', {
        domainId: 'd-abcdefghijkl',
        securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-12345678'),
        executionRole: iam.Role.fromRoleName(stack, 'Role', 'ds'),
        experimentTrackingArn: 'arn:aws:sagemaker:us-east-1:111122223333:mlflow-app/app-abc',
      });
      const user = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });

      // WHEN
      domain.grantCreatePresignedDomainUrl(user, 'alice');
      domain.grantRead(user);
      domain.grantTrackExperiments(user);

      // THEN
      expect(domain.domainId).toBe('d-abcdefghijkl');
      expect(stack.resolve(domain.domainArn)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':domain/d-abcdefghijkl']] });
      expect(vpc).toBeDefined();
      const doc = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
      expect(doc).toContain('sagemaker:CreatePresignedDomainUrl');
      expect(doc).toContain(':user-profile/d-abcdefghijkl/alice');
      expect(doc).toContain('sagemaker:ListUserProfiles');
      expect(doc).toContain('sagemaker:CreatePresignedMlflowAppUrl');
      expect(doc).toContain('sagemaker:CallMlflowAppApi');
      expect(doc).toContain('mlflow-app/app-abc');
    });

    test('grants nothing for experiments when the domain has no tracking', () => {
      const { stack, domain } = build({ experimentTracking: ExperimentTracking.none() });
      const user = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
      expect(domain.grantTrackExperiments(user).success).toBe(false);
      domain.grantCreatePresignedDomainUrl(user);
      const doc = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
      expect(doc).toContain(':user-profile/');
      expect(doc).not.toContain('sagemaker-mlflow');
    });
  });

  describe('compliance', () => {
    test('the domain with defaults passes the four packs with zero unacknowledged findings', () => {
      const app = testApp();
      build({ userProfiles: [{ userProfileName: 'alice' }] }, app);
      const result = expectCompliant(app);
      expect(result.templateFiles).toHaveLength(1);
    });

    test('an SSO domain with a registry, a tracking server, per-user roles and DESTROY passes the four packs', () => {
      const app = testApp();
      const stack = new Stack(app, 'ExploreSso');
      const network = new SecureMlNetwork(stack, 'Network');
      const registry = new ModelRegistry(stack, 'Registry');
      const role = new iam.Role(stack, 'AliceRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
      new ExplorationDomain(stack, 'Domain', {
        network,
        authMode: AuthMode.SSO,
        registry: registry,
        experimentTracking: ExperimentTracking.mlflowTrackingServer({ automaticModelRegistration: true }),
        userProfiles: [
          { userProfileName: 'alice', ssoUserName: 'alice@example.com', executionRole: role },
          { userProfileName: 'bob', ssoUserName: 'bob@example.com' },
        ],
        removalPolicy: RemovalPolicy.DESTROY,
      });
      expectCompliant(app);
    });

    test('a domain with a given bucket, imported registry and no home EFS passes the four packs', () => {
      const app = testApp();
      const stack = new Stack(app, 'ExploreImported');
      const network = new SecureMlNetwork(stack, 'Network');
      new ExplorationDomain(stack, 'Domain', {
        network,
        dataBucket: s3.Bucket.fromBucketName(stack, 'TeamData', 'team-data'),
        registry: ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'churn'),
        experimentTracking: ExperimentTracking.mlflowApp({ automaticModelRegistration: true }),
        homeEfsFileSystem: false,
      });
      expectCompliant(app);
    });
  });
});

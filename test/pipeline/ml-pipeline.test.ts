import * as fs from 'fs';
import * as path from 'path';
import { Duration, RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { classicPipeline } from './classic';
import { definitionOf, expectSchemaValid } from './definition-schema';
import { SecureMlNetwork } from '../../src/network';
import { MlPipeline, PipelineDefinition } from '../../src/pipeline';
import { createSecureBucket, createSecureKey } from '../../src/private/secure-defaults';
import { ModelRegistry } from '../../src/registry';
import { expectCompliant, testApp } from '../harness/compliance';
import { expectStatefulRetained } from '../harness/stateful';

const ENV = { account: '111111111111', region: 'us-east-1' };

function newStack(id = 'Pipeline'): Stack {
  return new Stack(testApp(), id, { env: ENV });
}

describe('MlPipeline', () => {
  test('creates the pipeline with an inline definition whose tokens CloudFormation resolves', () => {
    // GIVEN
    const stack = newStack();
    const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'abalone' });
    // WHEN
    new MlPipeline(stack, 'Training', { pipelineName: 'abalone-training', definition: classicPipeline(registry).definition });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Pipeline', {
      PipelineName: 'abalone-training',
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TrainingRole'), 'Arn'] },
      PipelineDefinition: { PipelineDefinitionBody: { 'Fn::Join': Match.anyValue() } },
    });
    const definition = definitionOf(template.toJSON());
    const preprocess = definition.Steps[0];
    expect(preprocess.Arguments.RoleArn).toMatch(/^<TrainingRole[0-9A-F]+\.Arn>$/);
    expect(preprocess.Arguments.ProcessingJobName).toBe('abalone-training-preprocess');
    expect(preprocess.Arguments.ProcessingResources.ClusterConfig.VolumeKmsKeyId).toMatch(/^<TrainingKey[0-9A-F]+\.Arn>$/);
    expect(preprocess.Arguments.AppSpecification.ImageUri).toBe('683313688378.dkr.ecr.us-east-1.<Ref AWS::URLSuffix>/sagemaker-scikit-learn:1.2-1-cpu-py3');
    expect(expectSchemaValid(definition)).toEqual([
      'schema: AppManaged on processing inputs and outputs',
      'schema: CreateModelPackage fields of register steps',
      'schema: ProfilerConfig on training jobs',
      'schema: PropertyFiles on processing steps',
      'schema: RetryPolicies ExceptionType is a list',
      'schema: Std:Join run-time values',
      'schema: Std:JsonGet run-time values',
    ]);
  });

  test('applies secure job defaults: network isolation on training, inter-container encryption, KMS volumes and outputs', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new MlPipeline(stack, 'Training', { definition: classicPipeline(new ModelRegistry(stack, 'Registry')).definition });
    // THEN
    const definition = definitionOf(Template.fromStack(stack).toJSON());
    const train = definition.Steps[1].Arguments;
    expect(train.EnableNetworkIsolation).toBe(true);
    expect(train.EnableInterContainerTrafficEncryption).toBe(true);
    expect(train.OutputDataConfig.KmsKeyId).toMatch(/Key.*\.Arn>$/);
    expect(train.ResourceConfig.VolumeKmsKeyId).toMatch(/Key.*\.Arn>$/);
    expect(train.VpcConfig).toBeUndefined();
    const processing = definition.Steps[0].Arguments;
    expect(processing.NetworkConfig).toEqual({ EnableInterContainerTrafficEncryption: true, EnableNetworkIsolation: false });
    expect(processing.ProcessingOutputConfig.KmsKeyId).toMatch(/Key.*\.Arn>$/);
  });

  test('places jobs in the network and asks it for the endpoints jobs need', () => {
    // GIVEN
    const stack = newStack();
    const network = new SecureMlNetwork(stack, 'Network');
    // WHEN
    new MlPipeline(stack, 'Training', { network, definition: classicPipeline(new ModelRegistry(stack, 'Registry')).definition });
    // THEN
    const template = Template.fromStack(stack);
    const train = definitionOf(template.toJSON()).Steps[1].Arguments;
    expect(train.VpcConfig.SecurityGroupIds).toEqual([expect.stringMatching(/^<NetworkWorkloadSecurityGroup.*\.GroupId>$/)]);
    expect(train.VpcConfig.Subnets).toHaveLength(2);
    expect(network.endpointServiceNames).toEqual(expect.arrayContaining(['ecr.api', 'ecr.dkr', 'logs', 'monitoring', 'sagemaker.api', 'sts']));
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'ec2:CreateNetworkInterface', Resource: Match.arrayWith([{ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':subnet/$'), { Ref: Match.stringLikeRegexp('^NetworkVpcPrivateSubnet1') }])] }]) }),
          Match.objectLike({
            Action: ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
            Condition: { ArnEquals: { 'ec2:Vpc': [Match.anyValue()] } },
          }),
        ]),
      },
    });
  });

  test('scopes the role to the pipeline: job prefix, pass-role to itself, bucket, key, registry', () => {
    // GIVEN
    const stack = newStack();
    const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'abalone' });
    // WHEN
    new MlPipeline(stack, 'Training', { pipelineName: 'abalone-training', jobNamePrefix: 'abalone', definition: classicPipeline(registry).definition });
    // THEN
    const template = Template.fromStack(stack);
    const policies = template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('^SageMaker pipeline abalone-training') } });
    const statements: any[] = Object.values<any>(policies)[0].Properties.PolicyDocument.Statement;
    const processing = statements.find((s) => [s.Action].flat().includes('sagemaker:CreateProcessingJob'));
    expect(processing.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:111111111111:processing-job/abalone*']] });
    const training = statements.find((s) => [s.Action].flat().includes('sagemaker:CreateTrainingJob'));
    expect(training.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:111111111111:training-job/abalone*']] });
    expect(statements.some((s) => [s.Action].flat().includes('sagemaker:CreateTransformJob'))).toBe(false);
    const passRole = statements.find((s) => s.Action === 'iam:PassRole');
    expect(passRole.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^TrainingRole/), 'Arn'] });
    expect(passRole.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
    expect(statements.some((s) => [s.Action].flat().includes('sagemaker:CreateModelPackage'))).toBe(true);
    expect(JSON.stringify(statements)).not.toMatch(/"sagemaker:\*"|"s3:\*"|"kms:\*"/);
    const definition = definitionOf(template.toJSON());
    expect(definition.Steps[1].Arguments.TrainingJobName).toBe('abalone-train');
    expect(definition.Steps[3].Arguments.IfSteps[0].Arguments.ModelPackageGroupName).toMatch(/^abalone$|^<Registry/);
    expect(definition.Steps[3].Arguments.IfSteps[0].Arguments.ModelApprovalStatus).toBe('PendingManualApproval');
  });

  test('gives pipelines with long, similar names different job name prefixes', () => {
    // GIVEN
    const stack = newStack();
    const registry = new ModelRegistry(stack, 'Registry');
    // WHEN
    const a = new MlPipeline(stack, 'A', { pipelineName: 'customer-churn-training-eu-west', registry, definition: classicPipeline().definition });
    const b = new MlPipeline(stack, 'B', { pipelineName: 'customer-churn-training-eu-central', registry, definition: classicPipeline().definition });
    const short = new MlPipeline(stack, 'C', { pipelineName: 'Churn', registry, definition: classicPipeline().definition });
    // THEN
    expect(a.jobNamePrefix).toMatch(/^customer-churn-[0-9a-f]{8}$/);
    expect(b.jobNamePrefix).toMatch(/^customer-churn-[0-9a-f]{8}$/);
    expect(a.jobNamePrefix).not.toBe(b.jobNamePrefix);
    expect(short.jobNamePrefix).toBe('churn');
  });

  test('creates a KMS-encrypted, TLS-only, retained artifact bucket and key with stable logical ids', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new MlPipeline(stack, 'Training', { definition: classicPipeline(new ModelRegistry(stack, 'Registry')).definition });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() }, BucketKeyEnabled: true }] },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    const retained = expectStatefulRetained(template);
    // The logical ids of the stateful resources are part of the contract.
    expect(retained).toEqual(expect.arrayContaining(['TrainingKey093C9900', 'TrainingArtifactBucketC5E0E4F0', 'TrainingArtifactBucketAccessLogs4DEC37B9']));
  });

  test('imports by name with ARN, grants, events and metrics', () => {
    // GIVEN
    const stack = newStack();
    const ci = new iam.Role(stack, 'Ci', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') });
    // WHEN
    const imported = MlPipeline.fromPipelineName(stack, 'Imported', 'Churn-Training');
    imported.grantStartPipelineExecution(ci);
    imported.grantUpdate(ci);
    imported.onExecutionFailed('Failed');
    // THEN
    expect(stack.resolve(imported.pipelineArn)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:111111111111:pipeline/churn-training']] });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sagemaker:StartPipelineExecution' })]) },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Building Pipeline Execution Status Change'],
        'detail': { currentPipelineExecutionStatus: ['Failed'], pipelineArn: Match.anyValue() },
      },
    });
    const metric = imported.metricExecutionFailed({ period: Duration.minutes(5) });
    expect(metric.namespace).toBe('AWS/Sagemaker/ModelBuildingPipeline');
    expect(metric.metricName).toBe('ExecutionFailed');
    expect(metric.dimensions).toEqual({ PipelineName: 'Churn-Training' });
    expect(imported.metricExecutionDuration().metricName).toBe('ExecutionDuration');
    expect(imported.metricExecutionStarted().statistic).toBe('Sum');
    expect(imported.metricExecutionStopped().metricName).toBe('ExecutionStopped');
    expect(imported.metricExecutionSucceeded().metricName).toBe('ExecutionSucceeded');
  });

  test('grantUpdate adds iam:PassRole of the pipeline role only when the role is known', () => {
    // GIVEN
    const stack = newStack();
    const pipeline = new MlPipeline(stack, 'Training', { definition: classicPipeline(new ModelRegistry(stack, 'Registry')).definition });
    const ci = new iam.Role(stack, 'Ci', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') });
    // WHEN
    pipeline.grantUpdate(ci);
    pipeline.grantRead(ci);
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Ci') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['sagemaker:UpdatePipeline', 'sagemaker:DescribePipeline'] }),
          Match.objectLike({ Action: 'iam:PassRole', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TrainingRole'), 'Arn'] } }),
        ]),
      },
    });
  });

  test('is a grantee: bucket.grantRead(pipeline, prefix) lets its jobs read that data, in the managed policy', () => {
    // GIVEN
    const stack = newStack();
    const pipeline = new MlPipeline(stack, 'Training', { definition: classicPipeline(new ModelRegistry(stack, 'Registry')).definition });
    const data = s3.Bucket.fromBucketName(stack, 'Data', 'team-data');
    // WHEN
    const grant = data.grantRead(pipeline, 'abalone/*');
    // THEN
    expect(grant.success).toBe(true);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^TrainingRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['s3:GetObject*', 's3:GetBucket*', 's3:List*'],
            Resource: [
              { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::team-data']] },
              { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::team-data/abalone/*']] },
            ],
          }),
        ]),
      },
    });
    // No inline policy on the pipeline's role.
    expect(Object.values(template.findResources('AWS::IAM::Policy')).filter((p: any) => JSON.stringify(p.Properties.Roles).includes('TrainingRole'))).toEqual([]);
  });

  test('is a grantee with the role you bring: grants go to that role', () => {
    // GIVEN
    const stack = newStack();
    const role = new iam.Role(stack, 'OwnRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const pipeline = new MlPipeline(stack, 'Training', { role, definition: classicPipeline(new ModelRegistry(stack, 'Registry')).definition });
    // WHEN
    s3.Bucket.fromBucketName(stack, 'Data', 'team-data').grantRead(pipeline);
    // THEN
    expect(pipeline.grantPrincipal).toBe(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^OwnRole') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['s3:GetObject*', 's3:GetBucket*', 's3:List*'] })]) },
    });
  });

  test('bucket.grantRead(pipeline) of a KMS-encrypted bucket lets the jobs decrypt with its key, acknowledged like its own data statements', () => {
    // GIVEN
    const stack = newStack();
    const pipeline = new MlPipeline(stack, 'Training', { definition: classicPipeline(new ModelRegistry(stack, 'Registry')).definition });
    const dataKey = createSecureKey(stack, 'DataKey', { description: 'training data' });
    const data = createSecureBucket(stack, 'Data', { encryptionKey: dataKey });
    // WHEN
    data.grantRead(pipeline, 'abalone/*');
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^TrainingRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataKey'), 'Arn'] } }),
        ]),
      },
    });
    const policy = Object.entries(template.findResources('AWS::IAM::ManagedPolicy'))
      .find(([id]) => id.startsWith('TrainingPolicy'))!;
    const acknowledged = Object.keys(Object.assign({}, ...(stack.node.findChild('Training').node.findChild('Policy').node.metadata
      .filter((m) => m.type === 'aws:cdk:acknowledged-rules').map((m) => m.data))));
    expect(policy).toBeDefined();
    expect(acknowledged).toEqual(expect.arrayContaining([
      'annotation::AwsSolutions-IAM5[Action::s3:GetObject*]',
      'annotation::AwsSolutions-IAM5[Action::s3:GetBucket*]',
      'annotation::AwsSolutions-IAM5[Action::s3:List*]',
      expect.stringMatching(/^annotation::AwsSolutions-IAM5\[Resource::<Data[0-9A-F]+\.Arn>\/abalone\/\*\]$/),
    ]));
  });

  test('adds its grants to a role you bring, and imports with the role for grantUpdate', () => {
    // GIVEN
    const stack = newStack();
    const role = new iam.Role(stack, 'OwnRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const ci = new iam.Role(stack, 'Ci', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') });
    // WHEN
    const pipeline = new MlPipeline(stack, 'Training', { role, definition: classicPipeline(new ModelRegistry(stack, 'Registry')).definition });
    MlPipeline.fromPipelineAttributes(stack, 'Imported', { pipelineName: pipeline.pipelineName, role }).grantUpdate(ci);
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    template.hasResourceProperties('AWS::SageMaker::Pipeline', { RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OwnRole'), 'Arn'] } });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^OwnRole') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['sagemaker:CreateTrainingJob']) })]) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Ci') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'iam:PassRole', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OwnRole'), 'Arn'] } })]) },
    });
  });

  test('schedules executions with the EventBridge Scheduler L2: role, target, parameters, KMS, state and retries as before', () => {
    // GIVEN
    const stack = newStack();
    const pipeline = new MlPipeline(stack, 'Training', { definition: classicPipeline(new ModelRegistry(stack, 'Registry')).definition });
    // WHEN
    const schedule = pipeline.addSchedule('Nightly', {
      schedule: scheduler.ScheduleExpression.cron({ hour: '3', minute: '0' }),
      parameters: { MseThreshold: '5.5' },
      description: 'nightly retraining',
    });
    // THEN
    expect(schedule).toBeInstanceOf(scheduler.Schedule);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Description: 'nightly retraining',
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      KmsKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TrainingKey'), 'Arn'] },
      Target: {
        Arn: stack.resolve(pipeline.pipelineArn),
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TrainingNightlyRole'), 'Arn'] },
        SageMakerPipelineParameters: { PipelineParameterList: [{ Name: 'MseThreshold', Value: '5.5' }] },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
      },
    });
    // The schedule waits for the pipeline and for the role's permissions.
    const [id, resource] = Object.entries(template.findResources('AWS::Scheduler::Schedule'))[0];
    expect(id).toMatch(/^TrainingNightly[0-9A-F]{8}$/);
    expect(resource.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^TrainingNightlyPolicy/), expect.stringMatching(/^Training[0-9A-F]{8}$/)]));
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
        })],
      },
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^TrainingNightlyRole') }],
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: 'sagemaker:StartPipelineExecution', Resource: stack.resolve(pipeline.pipelineArn) },
          { Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TrainingKey'), 'Arn'] } },
        ],
      },
    });
    // No inline policy: the packs reject them.
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('schedules in the time zone given, disabled when asked', () => {
    // GIVEN
    const stack = newStack();
    const pipeline = new MlPipeline(stack, 'Training', { definition: classicPipeline(new ModelRegistry(stack, 'Registry')).definition });
    // WHEN
    pipeline.addSchedule('Nightly', {
      schedule: scheduler.ScheduleExpression.cron({ hour: '3', minute: '0' }),
      timeZone: TimeZone.EUROPE_BERLIN,
      enabled: false,
    });
    pipeline.addSchedule('Weekly', { schedule: scheduler.ScheduleExpression.expression('cron(0 4 ? * MON *)', TimeZone.ASIA_TOKYO) });
    pipeline.addSchedule('Daily', { schedule: scheduler.ScheduleExpression.rate(Duration.days(1)) });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0 3 * * ? *)', ScheduleExpressionTimezone: 'Europe/Berlin', State: 'DISABLED' });
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0 4 ? * MON *)', ScheduleExpressionTimezone: 'Asia/Tokyo', State: 'ENABLED' });
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(1 day)', ScheduleExpressionTimezone: 'UTC' });
  });

  test('fails when addSchedule gets two different time zones', () => {
    // GIVEN
    const stack = newStack();
    const pipeline = new MlPipeline(stack, 'Training', { definition: classicPipeline(new ModelRegistry(stack, 'Registry')).definition });
    // WHEN / THEN
    expect(() => pipeline.addSchedule('Nightly', {
      schedule: scheduler.ScheduleExpression.cron({ hour: '3', minute: '0', timeZone: TimeZone.ASIA_TOKYO }),
      timeZone: TimeZone.EUROPE_BERLIN,
    })).toThrow(/MlPipeline\.addSchedule has 1 invalid problem:\n- timeZone: got 'Europe\/Berlin'; allowed: the time zone of the schedule expression \(Asia\/Tokyo\) or none\. Fix: set the time zone in one place/);
  });

  test('is an aws-cdk-lib IPipeline: SageMakerStartPipelineExecution starts it', () => {
    // GIVEN
    const stack = newStack();
    const pipeline = new MlPipeline(stack, 'Training', { definition: classicPipeline(new ModelRegistry(stack, 'Registry')).definition });
    const imported = MlPipeline.fromPipelineArn(stack, 'Other', 'arn:aws:sagemaker:us-east-1:111111111111:pipeline/other-training');
    const key = createSecureKey(stack, 'ScheduleKey', { description: 'schedules' });
    // WHEN
    for (const [id, target] of [['Own', pipeline], ['Imported', imported]] as Array<[string, sagemaker.IPipeline]>) {
      new scheduler.Schedule(stack, id, {
        schedule: scheduler.ScheduleExpression.rate(Duration.hours(6)),
        key,
        target: new schedulerTargets.SageMakerStartPipelineExecution(target, { pipelineParameterList: [{ name: 'Mode', value: 'full' }] }),
      });
    }
    // THEN
    const template = Template.fromStack(stack);
    for (const arn of [stack.resolve(pipeline.pipelineArn), 'arn:aws:sagemaker:us-east-1:111111111111:pipeline/other-training']) {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        Target: { Arn: arn, SageMakerPipelineParameters: { PipelineParameterList: [{ Name: 'Mode', Value: 'full' }] } },
      });
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: Match.arrayWith([{ Effect: 'Allow', Action: 'sagemaker:StartPipelineExecution', Resource: arn }]) },
      });
    }
    expect(pipeline.pipelineRef).toEqual({ pipelineName: pipeline.pipelineName });
  });

  test('imports by ARN, with the ARN\'s account and region', () => {
    // GIVEN
    const stack = newStack();
    const ci = new iam.Role(stack, 'Ci', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') });
    // WHEN
    const imported = MlPipeline.fromPipelineArn(stack, 'Imported', 'arn:aws:sagemaker:eu-west-1:222222222222:pipeline/churn-training');
    imported.grantStartPipelineExecution(ci);
    // THEN
    expect(imported.pipelineName).toBe('churn-training');
    expect(imported.pipelineRef).toEqual({ pipelineName: 'churn-training' });
    expect(imported.env).toEqual({ account: '222222222222', region: 'eu-west-1' });
    expect(imported.metricExecutionFailed().dimensions).toEqual({ PipelineName: 'churn-training' });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: 'sagemaker:StartPipelineExecution', Resource: 'arn:aws:sagemaker:eu-west-1:222222222222:pipeline/churn-training' }],
      },
    });
  });

  test('fails when fromPipelineArn gets an ARN that is not a pipeline\'s', () => {
    // GIVEN
    const stack = newStack();
    // WHEN / THEN
    expect(() => MlPipeline.fromPipelineArn(stack, 'Imported', 'arn:aws:sagemaker:us-east-1:111111111111:model-package-group/churn'))
      .toThrow(/MlPipeline\.fromPipelineArn has 1 invalid problem:\n- pipelineArn: got 'arn:aws:sagemaker:us-east-1:111111111111:model-package-group\/churn'; allowed: a SageMaker pipeline ARN, arn:<partition>:sagemaker:<region>:<account>:pipeline\/<name>\. Fix: pass the ARN of a pipeline/);
  });

  test('accepts a definition written by the SageMaker Python SDK unchanged', () => {
    // GIVEN
    const file = path.join(__dirname, '..', 'fixtures', 'pipeline', 'sdk-classic.json');
    const stack = newStack();
    // WHEN
    new MlPipeline(stack, 'Sdk', {
      pipelineName: 'abalone',
      definition: PipelineDefinition.fromFile(file),
      role: iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::111111111111:role/example-pipeline-role'),
      registry: ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'example-model-group'),
    });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Pipeline', {
      PipelineDefinition: { PipelineDefinitionBody: fs.readFileSync(file, 'utf8') },
    });
    // The SDK names jobs itself: the role is scoped to the service's prefix.
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: Match.arrayWith(['sagemaker:CreateTrainingJob']),
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:111111111111:training-job/pipelines-*']] },
        })]),
      },
    });
  });

  test('is compliant with the four packs without a network', () => {
    // GIVEN
    const app = testApp();
    const stack = new Stack(app, 'PipelineNoNetwork', { env: ENV });
    const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'abalone' });
    // WHEN
    const pipeline = new MlPipeline(stack, 'Training', { registry, definition: classicPipeline().definition });
    pipeline.addSchedule('Nightly', { schedule: scheduler.ScheduleExpression.rate(Duration.days(1)) });
    const dataKey = createSecureKey(stack, 'DataKey', { description: 'training data' });
    createSecureBucket(stack, 'Data', { encryptionKey: dataKey }).grantRead(pipeline, 'abalone/*');
    // THEN
    expectCompliant(app);
  });

  test('is compliant with the four packs with a network', () => {
    // GIVEN
    const app = testApp();
    const stack = new Stack(app, 'PipelineWithNetwork', { env: ENV });
    const network = new SecureMlNetwork(stack, 'Network', { removalPolicy: RemovalPolicy.RETAIN });
    const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'abalone', consumerAccountIds: ['222222222222'] });
    // WHEN
    new MlPipeline(stack, 'Training', { network, registry, definition: classicPipeline().definition });
    // THEN
    expectCompliant(app);
  });

  test('is compliant with an SDK definition', () => {
    // GIVEN
    const app = testApp();
    const stack = new Stack(app, 'PipelineSdk', { env: ENV });
    // WHEN
    new MlPipeline(stack, 'Sdk', {
      // The SDK's jobs run as the role the definition names; the pipeline's own role passes it.
      definition: PipelineDefinition.fromFile(path.join(__dirname, '..', 'fixtures', 'pipeline', 'sdk-classic.json'), {
        jobRoles: [iam.Role.fromRoleArn(stack, 'JobRole', 'arn:aws:iam::111111111111:role/example-pipeline-role', { mutable: false })],
      }),
      registry: ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'example-model-group'),
    });
    // THEN
    expectCompliant(app);
  });
});

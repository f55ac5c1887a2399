import * as path from 'path';
import { CfnParameter, Duration, Errors, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { actionsOf, build, buildSpecOf, CONNECTION_ARN, connectionSource, existingRepository, policyStatements, secureBucket } from './fixtures';
import { CiPipeline, CiPipelineProps, CiSource, PipelineUpdate } from '../../src/ci';
import { MlEndpointService, SecureMlNetwork } from '../../src/network';
import { MlPipeline, PipelineDefinition } from '../../src/pipeline';
import { ModelRegistry } from '../../src/registry';
import { expectCompliant, testApp } from '../harness/compliance';
import { expectStatefulRetained } from '../harness/stateful';
import { matchesPattern } from '../registry/event-matcher';

describe('CiPipeline', () => {
  describe('pipeline and source', () => {
    test('is a V2 CodePipeline with Source, Test and UpdateAndRun stages on a KMS artifact store', () => {
      // GIVEN / WHEN
      const { stack } = build();

      // THEN
      Template.fromStack(stack).hasResourceProperties('AWS::CodePipeline::Pipeline', {
        PipelineType: 'V2',
        ArtifactStore: { Type: 'S3', EncryptionKey: { Type: 'KMS', Id: Match.anyValue() } },
        Stages: [
          Match.objectLike({ Name: 'Source' }),
          Match.objectLike({ Name: 'Test', Actions: [Match.objectLike({ ActionTypeId: Match.objectLike({ Provider: 'CodeBuild' }) })] }),
          Match.objectLike({ Name: 'UpdateAndRun', Actions: [Match.objectLike({ Namespace: 'Run' })] }),
        ],
      });
    });

    test('runs every action with the pipeline role (no per-action roles)', () => {
      // GIVEN / WHEN
      const { stack } = build();

      // THEN
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::IAM::Role', 3);
      const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0];
      for (const stage of pipeline.Properties.Stages) {
        for (const action of stage.Actions) {
          expect(action.RoleArn).toBeUndefined();
        }
      }
    });

    test('a connection source is triggered by pushes to the branch that touch the file paths', () => {
      // GIVEN / WHEN
      const { stack } = build(() => ({ source: connectionSource({ branch: 'release/ml', filePaths: ['src/**', 'pipelines/**'], excludedFilePaths: ['docs/**'] }) }));

      // THEN
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
        Stages: Match.arrayWith([Match.objectLike({
          Name: 'Source',
          Actions: [Match.objectLike({
            ActionTypeId: Match.objectLike({ Provider: 'CodeStarSourceConnection' }),
            Configuration: Match.objectLike({ ConnectionArn: CONNECTION_ARN, FullRepositoryId: 'acme-ml/churn-model', BranchName: 'release/ml' }),
          })],
        })]),
        Triggers: [{
          ProviderType: 'CodeStarSourceConnection',
          GitConfiguration: {
            SourceActionName: 'Checkout',
            Push: [{
              Branches: { Includes: ['release/ml'] },
              FilePaths: { Includes: ['src/**', 'pipelines/**'], Excludes: ['docs/**'] },
            }],
          },
        }],
      });
      // the action's service prefix must match the connection ARN's (a codeconnections ARN here)
      expect(actionsOf(policyStatements(template.toJSON(), 'CI pipeline'))).toContain('codeconnections:UseConnection');
    });

    test('an S3 source is started by an EventBridge rule on new versions of the one key', () => {
      // GIVEN
      const { stack } = build((s) => ({ source: CiSource.s3({ bucket: secureBucket(s, 'Upload'), objectKey: 'ml/source.zip' }) }));

      // THEN
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
        Stages: Match.arrayWith([Match.objectLike({
          Name: 'Source',
          Actions: [Match.objectLike({
            ActionTypeId: Match.objectLike({ Provider: 'S3' }),
            Configuration: Match.objectLike({ S3ObjectKey: 'ml/source.zip', PollForSourceChanges: false }),
          })],
        })]),
      });
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          'source': ['aws.s3'],
          'detail-type': ['Object Created'],
          'detail': { bucket: { name: [{ Ref: Match.stringLikeRegexp('^Upload') }] }, object: { key: ['ml/source.zip'] } },
        },
        Targets: [Match.objectLike({ RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CiSourceEventsRole'), 'Arn'] } })],
      });
      const statements = policyStatements(template.toJSON(), 'CI pipeline');
      expect(statements).toEqual(expect.arrayContaining([expect.objectContaining({
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^Upload/), 'Arn'] }, '/ml/source.zip']] },
      })]));
      expect(actionsOf(policyStatements(template.toJSON(), 'EventBridge'))).toEqual(['codepipeline:StartPipelineExecution']);
    });

    test('a CodeCommit source is started by commits to the branch', () => {
      // GIVEN
      const { stack } = build((s) => ({ source: CiSource.codeCommit({ repository: existingRepository(s), branch: 'develop' }) }));

      // THEN
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.objectLike({
          source: ['aws.codecommit'],
          detail: Match.objectLike({ referenceName: ['develop'] }),
        }),
      });
      expect(actionsOf(policyStatements(template.toJSON(), 'CI pipeline'))).toEqual(expect.arrayContaining(['codecommit:GetBranch', 'codecommit:UploadArchive']));
    });
  });

  describe('test stage', () => {
    test('is a non-privileged, KMS-encrypted build on a managed image that logs to an encrypted log group', () => {
      // GIVEN / WHEN
      const { stack } = build(() => ({ logRetention: logs.RetentionDays.THREE_MONTHS }));

      // THEN
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::CodeBuild::Project', {
        Description: Match.stringLikeRegexp('^Tests'),
        EncryptionKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CiKey'), 'Arn'] },
        Environment: { Image: 'aws/codebuild/standard:7.0', PrivilegedMode: false, ComputeType: 'BUILD_GENERAL1_SMALL', Type: 'LINUX_CONTAINER' },
        LogsConfig: { CloudWatchLogs: { Status: 'ENABLED', GroupName: { Ref: Match.stringLikeRegexp('^CiTestLogGroup') } } },
        TimeoutInMinutes: 60,
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CiKey'), 'Arn'] } });
    });

    test('installs the requirements, runs pytest and publishes JUnit results to the report group', () => {
      // GIVEN / WHEN
      const { stack } = build();

      // THEN
      const template = Template.fromStack(stack).toJSON();
      const spec = buildSpecOf(template, 'Tests');
      expect(spec.phases.install['runtime-versions']).toEqual({ python: '3.12' });
      expect(spec.phases.install.commands).toContain('if [ -f requirements.txt ]; then python -m pip install -r requirements.txt; fi');
      expect(spec.phases.build.commands).toContain('python -m pytest --junitxml=test-reports/junit.xml');
      const [reportGroup] = Object.keys(spec.reports);
      expect(spec.reports[reportGroup]).toEqual({ 'files': ['junit.xml'], 'base-directory': 'test-reports', 'file-format': 'JUNITXML' });
      Template.fromStack(stack).hasResourceProperties('AWS::CodeBuild::ReportGroup', {
        Type: 'TEST',
        ExportConfig: {
          ExportConfigType: 'S3',
          S3Destination: { Bucket: { Ref: Match.stringLikeRegexp('^CiArtifactBucket') }, Path: 'test-reports', Packaging: 'ZIP', EncryptionDisabled: false, EncryptionKey: Match.anyValue() },
        },
      });
    });

    test('runs a custom test command writing JUnit to a custom path', () => {
      // GIVEN / WHEN
      const { stack } = build(() => ({
        installCommands: ['pip install -e .[test]'],
        testCommand: 'make test',
        testReportPath: 'build/junit/results.xml',
        pythonVersion: '3.11',
        buildImage: codebuild.LinuxBuildImage.AMAZON_LINUX_2_5,
        computeType: codebuild.ComputeType.MEDIUM,
        testTimeout: Duration.minutes(30),
      }));

      // THEN
      const template = Template.fromStack(stack);
      const spec = buildSpecOf(template.toJSON(), 'Tests');
      expect(spec.phases.install).toEqual({ 'runtime-versions': { python: '3.11' }, 'commands': ['pip install -e .[test]'] });
      expect(spec.phases.build.commands).toEqual(['mkdir -p "build/junit"', 'make test']);
      expect(Object.values(spec.reports)[0]).toEqual({ 'files': ['results.xml'], 'base-directory': 'build/junit', 'file-format': 'JUNITXML' });
      template.hasResourceProperties('AWS::CodeBuild::Project', {
        Description: Match.stringLikeRegexp('^Tests'),
        Environment: Match.objectLike({ Image: 'aws/codebuild/amazonlinux2-x86_64-standard:5.0', ComputeType: 'BUILD_GENERAL1_MEDIUM', PrivilegedMode: false }),
        TimeoutInMinutes: 30,
      });
    });

    test('the test role can write its logs and reports, read artifacts, and nothing in SageMaker', () => {
      // GIVEN / WHEN
      const { stack } = build();

      // THEN
      const actions = actionsOf(policyStatements(Template.fromStack(stack).toJSON(), 'CI test build'));
      expect(actions.sort()).toEqual([
        'codebuild:BatchPutCodeCoverages', 'codebuild:BatchPutTestCases', 'codebuild:CreateReport', 'codebuild:UpdateReport',
        'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey',
        'logs:CreateLogStream', 'logs:PutLogEvents',
      ]);
    });
  });

  describe('update-and-run stage', () => {
    test('start-only (default) can only start this SageMaker pipeline', () => {
      // GIVEN / WHEN
      const { stack } = build();

      // THEN
      const template = Template.fromStack(stack).toJSON();
      const statements = policyStatements(template, 'CI update build');
      const sagemaker = statements.filter((s) => String(s.Action).startsWith('sagemaker:'));
      expect(sagemaker).toEqual([{
        Action: 'sagemaker:StartPipelineExecution',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:123456789012:pipeline/churn']] },
      }]);
      const spec = buildSpecOf(template, 'Update and start');
      expect(spec.phases.install).toBeUndefined();
      expect(spec.phases.build.commands[0]).toMatch(/^EXECUTION_ARN=\$\(aws sagemaker start-pipeline-execution --pipeline-name "\$PIPELINE_NAME"/);
      expect(spec.env['exported-variables']).toEqual(['EXECUTION_ARN']);
      Template.fromStack(stack).hasResourceProperties('AWS::CodeBuild::Project', {
        Description: 'Update and start SageMaker pipeline (start-only)',
        Environment: Match.objectLike({
          PrivilegedMode: false,
          EnvironmentVariables: Match.arrayWith([{ Name: 'PIPELINE_NAME', Type: 'PLAINTEXT', Value: 'churn' }]),
        }),
        TimeoutInMinutes: 60,
      });
    });

    test('definition mode updates the pipeline from the repository definition, then starts it', () => {
      // GIVEN / WHEN
      const { stack } = build(() => ({
        update: PipelineUpdate.fromRepositoryDefinition({ definitionPath: 'build/definition.json', generateCommand: 'python pipelines/build.py --output build/definition.json' }),
      }));

      // THEN
      const template = Template.fromStack(stack).toJSON();
      const actions = actionsOf(policyStatements(template, 'CI update build'));
      expect(actions).toEqual(expect.arrayContaining(['sagemaker:UpdatePipeline', 'sagemaker:DescribePipeline', 'sagemaker:StartPipelineExecution']));
      const spec = buildSpecOf(template, 'Update and start');
      expect(spec.phases.install.commands).toContain('python -m pip install pytest');
      expect(spec.phases.build.commands.slice(0, 3)).toEqual([
        'python pipelines/build.py --output build/definition.json',
        'test -s "$DEFINITION_PATH" || { echo "No pipeline definition at $DEFINITION_PATH: commit it or set generateCommand"; false; }',
        'aws sagemaker update-pipeline --pipeline-name "$PIPELINE_NAME" --pipeline-definition "file://$DEFINITION_PATH" --pipeline-description "Updated by CI build $CODEBUILD_BUILD_ID"',
      ]);
      Template.fromStack(stack).hasResourceProperties('AWS::CodeBuild::Project', {
        Environment: Match.objectLike({ EnvironmentVariables: Match.arrayWith([{ Name: 'DEFINITION_PATH', Type: 'PLAINTEXT', Value: 'build/definition.json' }]) }),
      });
    });

    test('definition mode passes the pipeline role only to SageMaker when the role is known', () => {
      // GIVEN
      const app = testApp();
      const stack = new Stack(app, 'Ci', { env: { account: '123456789012', region: 'us-east-1' } });
      const role = new iam.Role(stack, 'PipelineRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });

      // WHEN
      new CiPipeline(stack, 'Ci', {
        pipeline: MlPipeline.fromPipelineAttributes(stack, 'Ml', { pipelineName: 'churn', role }),
        source: connectionSource(),
        update: PipelineUpdate.fromRepositoryDefinition(),
      });

      // THEN
      const statements = policyStatements(Template.fromStack(stack).toJSON(), 'CI update build');
      expect(statements).toEqual(expect.arrayContaining([expect.objectContaining({
        Action: 'iam:PassRole',
        Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineRole/), 'Arn'] },
      })]));
    });

    test('start-only with a code bucket syncs the code under the prefix, allowed by the bucket policy', () => {
      // GIVEN / WHEN
      const { stack } = build((s) => ({ update: PipelineUpdate.startOnly({ codeBucket: secureBucket(s, 'Code'), codePrefix: 'churn/code', codeDirectory: 'src' }) }));

      // THEN
      const template = Template.fromStack(stack);
      const spec = buildSpecOf(template.toJSON(), 'Update and start');
      expect(spec.phases.build.commands[0]).toBe('aws s3 sync "$CODE_DIRECTORY" "s3://$CODE_BUCKET/$CODE_PREFIX" --delete --exclude ".git/*" --only-show-errors --sse aws:kms --sse-kms-key-id "$CODE_KEY_ARN"');
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: Match.stringLikeRegexp('^Code') },
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
              Effect: 'Allow',
              Principal: { AWS: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CiRunRole'), 'Arn'] } },
              Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Code'), 'Arn'] }, '/churn/code/*']] },
            },
            Match.objectLike({ Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': ['churn/code/*', 'churn/code'] } } }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::CodeBuild::Project', {
        Environment: Match.objectLike({
          EnvironmentVariables: Match.arrayWith([
            { Name: 'CODE_PREFIX', Type: 'PLAINTEXT', Value: 'churn/code' },
            { Name: 'CODE_DIRECTORY', Type: 'PLAINTEXT', Value: 'src' },
          ]),
        }),
      });
    });

    test('start-only with a code URI parameter publishes each revision and passes its URI to the execution', () => {
      // GIVEN / WHEN
      const { stack } = build((s) => ({ update: PipelineUpdate.startOnly({ codeBucket: secureBucket(s, 'Code'), codeUriParameter: 'CodeUri' }) }));

      // THEN
      const spec = buildSpecOf(Template.fromStack(stack).toJSON(), 'Update and start');
      expect(spec.phases.build.commands[0]).toBe('CODE_URI="s3://$CODE_BUCKET/$CODE_PREFIX/${CODEBUILD_RESOLVED_SOURCE_VERSION:-build-$CODEBUILD_BUILD_NUMBER}"');
      expect(spec.phases.build.commands[1]).not.toContain('--delete');
      expect(spec.phases.build.commands[2]).toContain('--pipeline-parameters "Name=CodeUri,Value=$CODE_URI"');
    });

    test('an imported code bucket is granted through the build role instead', () => {
      // GIVEN / WHEN
      const { stack } = build((s) => ({
        update: PipelineUpdate.startOnly({
          codeBucket: s3.Bucket.fromBucketAttributes(s, 'Imported', { bucketName: 'shared-ml-code', encryptionKey: kms.Key.fromKeyArn(s, 'ImportedKey', 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555') }),
        }),
      }));

      // THEN
      const statements = policyStatements(Template.fromStack(stack).toJSON(), 'CI update build');
      expect(statements).toEqual(expect.arrayContaining([
        expect.objectContaining({ Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::shared-ml-code/ci/code/*']] } }),
        expect.objectContaining({ Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], Resource: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555' }),
      ]));
    });

    test('waiting polls the execution with ListPipelineExecutions and extends the build timeout', () => {
      // GIVEN / WHEN
      const { stack } = build(() => ({ waitForExecution: true, executionTimeout: Duration.hours(3) }));

      // THEN
      const template = Template.fromStack(stack);
      const statements = policyStatements(template.toJSON(), 'CI update build');
      expect(statements).toEqual(expect.arrayContaining([expect.objectContaining({
        Action: 'sagemaker:ListPipelineExecutions',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:123456789012:pipeline/churn']] },
      })]));
      template.hasResourceProperties('AWS::CodeBuild::Project', {
        Description: Match.stringLikeRegexp('^Update and start'),
        TimeoutInMinutes: 240,
        Environment: Match.objectLike({ EnvironmentVariables: Match.arrayWith([{ Name: 'EXECUTION_TIMEOUT_SECONDS', Type: 'PLAINTEXT', Value: '10800' }]) }),
      });
      const spec = buildSpecOf(template.toJSON(), 'Update and start');
      expect(spec.phases.build.commands.at(-1)).toMatch(/list-pipeline-executions/);
    });
  });

  describe('network', () => {
    test('runs both builds in the network with its workload security group and asks for the endpoints they need', () => {
      // GIVEN
      const { stack } = build((s) => ({ network: new SecureMlNetwork(s, 'Network', { allowInternetEgress: true }) }));

      // THEN
      const template = Template.fromStack(stack);
      const projects = template.findResources('AWS::CodeBuild::Project', {
        Properties: { VpcConfig: { SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^NetworkWorkloadSecurityGroup'), 'GroupId'] }] } },
      });
      expect(Object.keys(projects)).toHaveLength(2);
      for (const service of ['logs', 'sts', 'sagemaker.api', 'codebuild']) {
        template.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: `com.amazonaws.us-east-1.${service}` });
      }
      template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        Description: Match.stringLikeRegexp('network interfaces'),
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({
            Action: 'ec2:CreateNetworkInterfacePermission',
            Condition: { StringEquals: Match.objectLike({ 'ec2:AuthorizedService': 'codebuild.amazonaws.com' }) },
          })]),
        },
        Roles: [{ Ref: Match.stringLikeRegexp('^CiTestRole') }, { Ref: Match.stringLikeRegexp('^CiRunRole') }],
      });
      Annotations.fromStack(stack).hasNoWarning('/Ci/Ci', Match.stringLikeRegexp('pip install'));
    });

    test('warns when the network has no path to a package index', () => {
      // GIVEN / WHEN
      const { stack } = build((s) => ({ network: new SecureMlNetwork(s, 'Network') }));

      // THEN
      Annotations.fromStack(stack).hasWarning('/Ci/Ci', Match.stringLikeRegexp('pip install. from PyPI will fail'));
    });

    test('does not warn when the network has CodeArtifact endpoints', () => {
      // GIVEN / WHEN
      const { stack } = build((s) => ({
        network: new SecureMlNetwork(s, 'Network', {
          interfaceEndpoints: [...MlEndpointService.defaults(), MlEndpointService.CODEARTIFACT_API, MlEndpointService.CODEARTIFACT_REPOSITORIES],
        }),
      }));

      // THEN
      Annotations.fromStack(stack).hasNoWarning('/Ci/Ci', Match.anyValue());
    });
  });

  describe('notifications', () => {
    test('failures go to a KMS-encrypted, TLS-only topic with the subscriptions from props', () => {
      // GIVEN
      const { stack } = build((s) => ({
        notificationEmails: ['ml-team@example.com'],
        notificationSubscriptions: [new subscriptions.SqsSubscription(new sqs.Queue(s, 'Queue', { enforceSSL: true }))],
      }));

      // THEN
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CiKey'), 'Arn'] } });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ml-team@example.com' });
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sqs' });
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'events.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] })]) },
      });
    });

    test('the stage rule matches a failed Test stage of this pipeline and nothing else', () => {
      // GIVEN
      const { stack } = build(() => ({ pipelineName: 'churn-ci' }));
      const rules = Template.fromStack(stack).findResources('AWS::Events::Rule', { Properties: { EventPattern: { 'detail-type': ['CodePipeline Stage Execution State Change'] } } });
      const [rule] = Object.values(rules);
      const pattern = rule.Properties.EventPattern;
      expect(pattern.detail.pipeline).toEqual([{ Ref: expect.stringMatching(/^CiPipeline/) }]);
      pattern.detail.pipeline = ['churn-ci']; // the name the Ref resolves to at deploy
      const event = (detail: Record<string, unknown>) => ({
        'version': '0',
        'id': 'e1',
        'detail-type': 'CodePipeline Stage Execution State Change',
        'source': 'aws.codepipeline',
        'account': '123456789012',
        'time': '2026-11-27T01:00:00Z',
        'region': 'us-east-1',
        'resources': ['arn:aws:codepipeline:us-east-1:123456789012:churn-ci'],
        'detail': { 'pipeline': 'churn-ci', 'version': 1, 'execution-id': '01234567-0123-0123-0123-012345678901', 'stage': 'Test', 'state': 'FAILED', ...detail },
      });

      // THEN
      expect(matchesPattern(pattern, event({}))).toBe(true);
      expect(matchesPattern(pattern, event({ stage: 'UpdateAndRun' }))).toBe(true);
      expect(matchesPattern(pattern, event({ state: 'SUCCEEDED' }))).toBe(false);
      expect(matchesPattern(pattern, event({ pipeline: 'other-ci' }))).toBe(false);
      expect(rule.Properties.Targets[0].InputTransformer.InputTemplate).toMatch(/stage <detail-stage> failed/);
    });

    test('a failed SageMaker execution is notified through the pipeline layer\'s rule', () => {
      // GIVEN
      const { stack } = build();
      const rules = Template.fromStack(stack).findResources('AWS::Events::Rule', { Properties: { EventPattern: { source: ['aws.sagemaker'] } } });
      const [rule] = Object.values(rules);
      const event = (status: string, pipelineArn = 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/churn') => ({
        'detail-type': 'SageMaker Model Building Pipeline Execution Status Change',
        'source': 'aws.sagemaker',
        'account': '123456789012',
        'region': 'us-east-1',
        'detail': { pipelineArn, pipelineExecutionArn: `${pipelineArn}/execution/abc123`, currentPipelineExecutionStatus: status, previousPipelineExecutionStatus: 'Executing' },
      });
      const pattern = rule.Properties.EventPattern;
      pattern.detail.pipelineArn = ['arn:aws:sagemaker:us-east-1:123456789012:pipeline/churn'];

      // THEN
      expect(Object.keys(rules)).toHaveLength(1);
      expect(rule.Properties.Targets[0].Arn).toEqual({ Ref: expect.stringMatching(/^CiNotificationTopic/) });
      expect(matchesPattern(pattern, event('Failed'))).toBe(true);
      expect(matchesPattern(pattern, event('Succeeded'))).toBe(false);
      expect(matchesPattern(pattern, event('Failed', 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/other'))).toBe(false);
    });

    test('an MlPipeline owned by the same stack notifies through its own rule and is updated with its role', () => {
      // GIVEN
      const app = testApp();
      const stack = new Stack(app, 'Ci', { env: { account: '123456789012', region: 'us-east-1' } });
      const ml = new MlPipeline(stack, 'Abalone', {
        pipelineName: 'abalone',
        // The SDK's jobs run as the role the definition names, which the pipeline role passes; it registers into its registry.
        definition: PipelineDefinition.fromFile(path.join(__dirname, '..', 'fixtures', 'pipeline', 'sdk-classic.json'), {
          jobRoles: [iam.Role.fromRoleArn(stack, 'JobRole', 'arn:aws:iam::111111111111:role/example-pipeline-role', { mutable: false })],
        }),
        registry: ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'example-model-group'),
      });

      // WHEN
      new CiPipeline(stack, 'Ci', { pipeline: ml, source: connectionSource(), update: PipelineUpdate.fromRepositoryDefinition() });

      // THEN
      const template = Template.fromStack(stack);
      const rules = template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { source: ['aws.sagemaker'] } } });
      expect(Object.keys(rules).filter((id) => id.startsWith('Abalone'))).toHaveLength(1);
      const statements = policyStatements(template.toJSON(), 'CI update build');
      expect(statements).toEqual(expect.arrayContaining([
        expect.objectContaining({ Action: 'iam:PassRole', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^AbaloneRole/), 'Arn'] } }),
        expect.objectContaining({ Action: expect.arrayContaining(['sagemaker:UpdatePipeline']) }),
      ]));
    });

    test('a pipeline in another stack is watched from the CI stack, so the stacks do not reference each other', () => {
      // GIVEN
      const app = testApp();
      const env = { account: '123456789012', region: 'us-east-1' };
      const mlStack = new Stack(app, 'Ml', { env });
      const ciStack = new Stack(app, 'Ci', { env });

      // WHEN
      new CiPipeline(ciStack, 'Ci', { pipeline: MlPipeline.fromPipelineName(mlStack, 'Ml', 'churn'), source: connectionSource() });

      // THEN
      Template.fromStack(mlStack).resourceCountIs('AWS::Events::Rule', 0);
      Template.fromStack(ciStack).hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { source: ['aws.sagemaker'], detail: Match.objectLike({ currentPipelineExecutionStatus: ['Failed'] }) },
      });
    });

    test('a topic you bring receives the notifications and no topic is created', () => {
      // GIVEN / WHEN
      const { stack, ci } = build((s) => ({ notificationTopic: sns.Topic.fromTopicArn(s, 'Ops', 'arn:aws:sns:us-east-1:123456789012:ops') }));

      // THEN
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::SNS::Topic', 0);
      template.hasResourceProperties('AWS::Events::Rule', { Targets: [Match.objectLike({ Arn: 'arn:aws:sns:us-east-1:123456789012:ops' })] });
      expect(ci.notificationTopic.topicArn).toBe('arn:aws:sns:us-east-1:123456789012:ops');
    });
  });

  describe('ICiPipeline', () => {
    test('onFailed matches failed runs of this pipeline; metrics are in AWS/CodePipeline', () => {
      // GIVEN
      const { stack, ci } = build(() => ({ pipelineName: 'churn-ci' }));

      // WHEN
      ci.onFailed('CiFailed');
      const failed = ci.metricFailedPipelineExecutions();
      const duration = ci.metricPipelineDuration({ period: Duration.hours(1) });

      // THEN
      Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { 'source': ['aws.codepipeline'], 'detail-type': ['CodePipeline Pipeline Execution State Change'], 'detail': { pipeline: [{ Ref: Match.anyValue() }], state: ['FAILED'] } },
      });
      expect(failed.namespace).toBe('AWS/CodePipeline');
      expect(failed.metricName).toBe('FailedPipelineExecutions');
      expect(failed.statistic).toBe('Sum');
      expect(stack.resolve(failed.dimensions)).toEqual({ PipelineName: { Ref: expect.stringMatching(/^CiPipeline/) } });
      expect(duration.metricName).toBe('PipelineDuration');
      expect(duration.period.toSeconds()).toBe(3600);
    });

    test('imports from attributes and from an ARN', () => {
      // GIVEN
      const stack = new Stack(undefined, 'S', { env: { account: '123456789012', region: 'eu-west-1' } });

      // WHEN
      const byName = CiPipeline.fromCiPipelineAttributes(stack, 'ByName', { pipelineName: 'churn-ci' });
      const byArn = CiPipeline.fromCiPipelineArn(stack, 'ByArn', 'arn:aws:codepipeline:eu-west-1:123456789012:fraud-ci');
      byArn.onSucceeded('Done');

      // THEN
      expect(stack.resolve(byName.pipelineArn)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':codepipeline:eu-west-1:123456789012:churn-ci']] });
      expect(byArn.pipelineName).toBe('fraud-ci');
      Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ detail: { pipeline: ['fraud-ci'], state: ['SUCCEEDED'] } }) });
      expect(byName.metricFailedPipelineExecutions().dimensions).toEqual({ PipelineName: 'churn-ci' });
    });
  });

  describe('state', () => {
    test('keeps the key, buckets and log groups on delete, under stable logical ids', () => {
      // GIVEN / WHEN
      const { stack } = build();

      // THEN
      const retained = expectStatefulRetained(Template.fromStack(stack));
      expect(retained.sort()).toEqual([
        'CiArtifactBucketA2527AF4',
        'CiArtifactBucketAccessLogsCEE712E8',
        'CiKeyBCE9F15C',
        'CiRunLogGroup981DC3BC',
        'CiTestLogGroup3A3D5166',
      ]);
      Template.fromStack(stack).hasResource('AWS::CodeBuild::ReportGroup', { DeletionPolicy: 'Retain' });
    });

    test('destroys them when asked to', () => {
      // GIVEN / WHEN
      const { stack } = build(() => ({ removalPolicy: RemovalPolicy.DESTROY }));

      // THEN
      Template.fromStack(stack).hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ PendingWindowInDays: 7 }) });
      Template.fromStack(stack).hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
      Template.fromStack(stack).hasResource('AWS::CodeBuild::ReportGroup', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ DeleteReports: true }) });
    });

    test('uses the key and artifact bucket you bring', () => {
      // GIVEN / WHEN
      const { stack, ci } = build((s) => {
        const key = new kms.Key(s, 'MyKey', { enableKeyRotation: true });
        return { encryptionKey: key, artifactBucket: new s3.Bucket(s, 'MyArtifacts', { encryption: s3.BucketEncryption.KMS, encryptionKey: key, enforceSSL: true }) };
      });

      // THEN
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::KMS::Key', 1);
      template.resourceCountIs('AWS::S3::Bucket', 1);
      template.hasResourceProperties('AWS::CodePipeline::Pipeline', { ArtifactStore: { Location: { Ref: Match.stringLikeRegexp('^MyArtifacts') }, Type: 'S3', EncryptionKey: Match.anyValue() } });
      expect(ci.encryptionKey.node.id).toBe('MyKey');
    });

    test('grants the key of an artifact bucket you bring when it is not the CI key', () => {
      // GIVEN / WHEN
      const { stack } = build((s) => ({ artifactBucket: secureBucket(s, 'SharedArtifacts') }));

      // THEN
      const template = Template.fromStack(stack).toJSON();
      for (const policy of ['CI pipeline', 'CI test build', 'CI update build']) {
        expect(policyStatements(template, policy)).toEqual(expect.arrayContaining([expect.objectContaining({
          Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SharedArtifactsKey/), 'Arn'] },
        })]));
      }
    });
  });

  describe('compliance', () => {
    const KEY_OPTIONS = { waitForExecution: true, executionTimeout: Duration.hours(1), notificationEmails: ['ml-team@example.com'] };
    const CONFIGS: Array<[string, (s: Stack) => Partial<CiPipelineProps>]> = [
      ['connection source, start-only', () => ({})],
      ['connection source with path filters, definition mode, waiting', () => ({
        source: connectionSource({ filePaths: ['src/**'] }),
        update: PipelineUpdate.fromRepositoryDefinition({ generateCommand: 'python build.py' }),
        ...KEY_OPTIONS,
      })],
      ['S3 source, start-only publishing code', (s) => ({
        source: CiSource.s3({ bucket: secureBucket(s, 'Upload'), objectKey: 'ml/source.zip' }),
        update: PipelineUpdate.startOnly({ codeBucket: secureBucket(s, 'Code'), codeUriParameter: 'CodeUri' }),
      })],
      ['S3 source, definition mode', (s) => ({
        source: CiSource.s3({ bucket: secureBucket(s, 'Upload'), objectKey: 'ml/source.zip' }),
        update: PipelineUpdate.fromRepositoryDefinition(),
      })],
      ['CodeCommit source, start-only publishing code, waiting', (s) => ({
        source: CiSource.codeCommit({ repository: existingRepository(s) }),
        update: PipelineUpdate.startOnly({ codeBucket: secureBucket(s, 'Code') }),
        ...KEY_OPTIONS,
      })],
      ['CodeCommit source, definition mode', (s) => ({
        source: CiSource.codeCommit({ repository: existingRepository(s) }),
        update: PipelineUpdate.fromRepositoryDefinition(),
      })],
      ['builds inside the secure network (packages from CodeArtifact)', (s) => ({
        network: new SecureMlNetwork(s, 'Network', {
          interfaceEndpoints: [...MlEndpointService.defaults(), MlEndpointService.CODEARTIFACT_API, MlEndpointService.CODEARTIFACT_REPOSITORIES],
        }),
        update: PipelineUpdate.fromRepositoryDefinition(),
        ...KEY_OPTIONS,
      })],
    ];

    test.each(CONFIGS)('%s has no unacknowledged finding in the four packs', (_name, props) => {
      // GIVEN
      const { app } = build(props);

      // WHEN
      const result = expectCompliant(app);

      // THEN
      expect(result.findings).toEqual([]);
      expect(result.templateFiles.length).toBeGreaterThan(0);
    });
  });
});

describe('CiPipeline validation', () => {
  const CASES: Array<[string, (s: Stack) => Partial<CiPipelineProps>, RegExp[]]> = [
    ['the connection ARN is malformed', () => ({ source: CiSource.connection({ connectionArn: 'arn:aws:codestar:us-east-1:123456789012:connection/abc', owner: 'o', repo: 'r' }) }),
      [/source\.connectionArn: got 'arn:aws:codestar:us-east-1:123456789012:connection\/abc'/, /codeconnections/, /list-connections/]],
    ['the connection ARN names no account', () => ({ source: CiSource.connection({ connectionArn: 'arn:aws:codeconnections:us-east-1::connection/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d', owner: 'o', repo: 'r' }) }),
      [/source\.connectionArn/]],
    ['the branch is empty', () => ({ source: connectionSource({ branch: '' }) }), [/source\.branch: got ''/, /'main'/]],
    ['the branch is a full ref', () => ({ source: connectionSource({ branch: 'refs/heads/main' }) }), [/source\.branch: got 'refs\/heads\/main'/, /short branch name/]],
    ['the CodeCommit branch has spaces', (s) => ({ source: CiSource.codeCommit({ repository: existingRepository(s), branch: 'my branch' }) }), [/source\.branch: got 'my branch'/]],
    ['the owner is empty', () => ({ source: CiSource.connection({ connectionArn: CONNECTION_ARN, owner: '', repo: 'r' }) }), [/source\.owner: got ''/]],
    ['the repo includes the owner with a URL', () => ({ source: CiSource.connection({ connectionArn: CONNECTION_ARN, owner: 'o', repo: 'https://github.com/o/r' }) }), [/source\.repo: got 'https:\/\/github.com\/o\/r'/]],
    ['there are more than 8 file path patterns', () => ({ source: connectionSource({ filePaths: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] }) }), [/source\.filePaths: got '9 patterns'/, /at most 8/]],
    ['a file path is absolute', () => ({ source: connectionSource({ excludedFilePaths: ['/docs/**'] }) }), [/source\.excludedFilePaths\[0\]: got '\/docs\/\*\*'/]],
    ['the S3 source has no key', (s) => ({ source: CiSource.s3({ bucket: secureBucket(s, 'Upload'), objectKey: '' }) }), [/source\.objectKey: got ''/, /'ml\/source\.zip'/]],
    ['the S3 source key is a prefix', (s) => ({ source: CiSource.s3({ bucket: secureBucket(s, 'Upload'), objectKey: 'ml/' }) }), [/source\.objectKey: got 'ml\/'/]],
    ['the test command is empty', () => ({ testCommand: '  ' }), [/testCommand: got '  '/, /python -m pytest/]],
    ['an install command is empty', () => ({ installCommands: ['pip install -r requirements.txt', ''] }), [/installCommands\[1\]: got ''/]],
    ['the report path is not XML', () => ({ testReportPath: 'reports/junit.json' }), [/testReportPath: got 'reports\/junit\.json'/]],
    ['the report path leaves the repository', () => ({ testReportPath: '../junit.xml' }), [/testReportPath: got '\.\.\/junit\.xml'/]],
    ['the wait timeout is too short', () => ({ waitForExecution: true, executionTimeout: Duration.minutes(1) }), [/executionTimeout: got '1 minute'/, /5 minutes to 35 hours/]],
    ['the wait timeout is too long', () => ({ waitForExecution: true, executionTimeout: Duration.hours(36) }), [/executionTimeout: got '1 day 12 hours'/, /5 minutes to 35 hours/]],
    ['a wait timeout is given without waiting', () => ({ executionTimeout: Duration.hours(1) }), [/executionTimeout: got '1 hour'; allowed: only together with waitForExecution: true/]],
    ['the test timeout is out of range', () => ({ testTimeout: Duration.hours(40) }), [/testTimeout: got '1 day 16 hours'/, /5 minutes to 36 hours/]],
    ['the Python version has a patch level', () => ({ pythonVersion: '3.12.1' }), [/pythonVersion: got '3\.12\.1'/]],
    ['the pipeline name has spaces', () => ({ pipelineName: 'churn ci' }), [/pipelineName: got 'churn ci'/]],
    ['an email is malformed', () => ({ notificationEmails: ['ml-team'] }), [/notificationEmails\[0\]: got 'ml-team'/]],
    ['the artifact bucket has no customer-managed key', (s) => ({ artifactBucket: s3.Bucket.fromBucketName(s, 'Plain', 'plain') }), [/artifactBucket: .*customer-managed KMS key/]],
    ['the definition path is absolute', () => ({ update: PipelineUpdate.fromRepositoryDefinition({ definitionPath: '/tmp/def.json' }) }), [/update\.definitionPath: got '\/tmp\/def\.json'/]],
    ['the generate command is empty', () => ({ update: PipelineUpdate.fromRepositoryDefinition({ generateCommand: '' }) }), [/update\.generateCommand: got ''/]],
    ['code options are given without a code bucket', () => ({ update: PipelineUpdate.startOnly({ codePrefix: 'ci/code' }) }), [/update\.codeBucket: got undefined/]],
    ['the code prefix ends with a slash', (s) => ({ update: PipelineUpdate.startOnly({ codeBucket: secureBucket(s, 'Code'), codePrefix: 'ci/code/' }) }), [/update\.codePrefix: got 'ci\/code\/'/]],
    ['the code URI parameter name is invalid', (s) => ({ update: PipelineUpdate.startOnly({ codeBucket: secureBucket(s, 'Code'), codeUriParameter: 'code uri' }) }), [/update\.codeUriParameter: got 'code uri'/]],
  ];

  test.each(CASES)('fails when %s', (_name, props, messages) => {
    let error: unknown;
    try {
      build(props);
    } catch (e) {
      error = e;
    }
    expect(Errors.isValidationError(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toMatch(/^CiPipeline has \d+ invalid problems?:/);
    for (const expected of messages) {
      expect(message).toMatch(expected);
    }
  });

  test('fails once with every problem listed', () => {
    expect(() => build(() => ({ source: connectionSource({ branch: '' }), testCommand: '', executionTimeout: Duration.minutes(1) })))
      .toThrow(/CiPipeline has 4 invalid problems:\n- source\.branch.*\n- testCommand.*\n- executionTimeout.*\n- executionTimeout/);
  });

  test('skips values that are tokens', () => {
    expect(() => build((s) => ({
      source: CiSource.connection({ connectionArn: new CfnParameter(s, 'Conn').valueAsString, owner: 'o', repo: 'r' }),
    }))).not.toThrow();
  });
});

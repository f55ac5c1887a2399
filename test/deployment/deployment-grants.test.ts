import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { deploymentStack, ENV } from './fixtures';
import { ApprovalDeployment, DeploymentTargetAccount } from '../../src/deployment';
import { ModelRegistry, ModelSource } from '../../src/registry';

/** Every statement of every managed or inline policy of a template. */
function allStatements(t: Template): any[] {
  return [...Object.values<any>(t.findResources('AWS::IAM::ManagedPolicy')), ...Object.values<any>(t.findResources('AWS::IAM::Policy'))]
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const ALARMS_PUBLISH = {
  Sid: 'AllowCloudWatchAlarmsToPublish',
  Effect: 'Allow',
  Principal: { Service: 'cloudwatch.amazonaws.com' },
  Action: 'sns:Publish',
  Condition: {
    StringEquals: { 'aws:SourceAccount': ENV.account },
    ArnLike: { 'aws:SourceArn': Match.anyValue() },
  },
};

describe('ApprovalDeployment grants across layers', () => {
  test('a model execution role given by the user reads the registry\'s model sources', () => {
    // GIVEN
    const app = new App();
    const stack = new Stack(app, 'Given', { env: ENV });
    const role = new iam.Role(stack, 'ModelRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    const registry = ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'churn');
    registry.addModelSource(ModelSource.fromBucket(s3.Bucket.fromBucketName(stack, 'Models', 'churn-models'), { artifactPrefix: 'models/' }));
    // WHEN
    new ApprovalDeployment(stack, 'Deployment', { registry, modelExecutionRole: role });
    // THEN
    expect(allStatements(Template.fromStack(stack))).toContainEqual(expect.objectContaining({
      Action: 's3:GetObject', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::churn-models/models/*']] },
    }));
  });

  test('the workflow may describe the additional rollback alarms of a stage (SageMaker reads them with its credentials)', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Extra', { env: ENV });
    const extra = new cloudwatch.Alarm(stack, 'P99', {
      metric: new cloudwatch.Metric({ namespace: 'AWS/SageMaker', metricName: 'ModelLatency', statistic: 'p99', period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
    });
    // WHEN
    new ApprovalDeployment(stack, 'Deployment', {
      registry: ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'churn'),
      stages: [{ stageName: 'prod', additionalRollbackAlarms: [extra] }],
    });
    // THEN: the three alarms of the construct and the additional one
    const read = allStatements(Template.fromStack(stack)).find((s) => s.Sid === 'ReadRollbackAlarms');
    expect(read.Resource).toHaveLength(4);
    expect(read.Resource).toContainEqual(stack.resolve(extra.alarmArn));
  });

  test('grantGateDecision lets answer the gates with their task token: the actions have no resource type, so on "*"', () => {
    // GIVEN
    const { stack, deployment } = deploymentStack({}, new App());
    const role = new iam.Role(stack, 'Reviewer', { assumedBy: new iam.AccountRootPrincipal() });
    // WHEN
    deployment.grantGateDecision(role);
    // THEN
    expect(allStatements(Template.fromStack(stack))).toContainEqual({
      Action: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'], Effect: 'Allow', Resource: '*',
    });
  });

  test('the notification topic and its key admit the CloudWatch alarms of this account', () => {
    // GIVEN / WHEN
    const { stack } = deploymentStack({}, new App());
    const t = Template.fromStack(stack);
    // THEN
    t.hasResourceProperties('AWS::SNS::TopicPolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike(ALARMS_PUBLISH)]) } });
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'AllowCloudWatchAlarmsToPublish',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Condition: { StringEquals: { 'aws:SourceAccount': ENV.account } },
        })]),
      },
    });
  });
});

describe('DeploymentTargetAccount grants', () => {
  const app = new App();
  const stack = new Stack(app, 'Target', { env: { account: '333333333333', region: 'us-east-1' } });
  new DeploymentTargetAccount(stack, 'Target', {
    toolingAccountId: '111111111111',
    registry: ModelRegistry.fromModelPackageGroupArn(stack, 'Registry', 'arn:aws:sagemaker:us-east-1:111111111111:model-package-group/churn'),
    endpointNames: ['churn-prod'],
  });
  const t = Template.fromStack(stack);

  test('the model execution role reads the tooling account\'s artifacts, through S3 only', () => {
    const statements = allStatements(t);
    expect(statements).toContainEqual(expect.objectContaining({
      Action: 's3:GetObject', Condition: { StringEquals: { 's3:ResourceAccount': '111111111111' } },
    }));
    expect(statements).toContainEqual(expect.objectContaining({
      Action: 'kms:Decrypt', Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
    }));
  });

  test('the alarm topic admits the CloudWatch alarms of the target account', () => {
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ ...ALARMS_PUBLISH, Condition: { ...ALARMS_PUBLISH.Condition, StringEquals: { 'aws:SourceAccount': '333333333333' } } })]) },
    });
  });
});

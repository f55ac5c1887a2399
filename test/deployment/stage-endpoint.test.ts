import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { deploymentStack, ENV } from './fixtures';
import { allStates, workflows } from './workflow-harness';
import { DeploymentStage, DeploymentTarget, StageEndpoint } from '../../src/deployment';
import { checkPolicy } from '../contracts/iam/policy-check';
import { testApp } from '../harness/compliance';

// aws-cdk-lib's canned SageMaker metrics, generated from the metrics CloudWatch publishes (not exported by the package).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SageMakerMetrics } = require(path.join(require.resolve('aws-cdk-lib'), '..', 'aws-sagemaker', 'lib', 'sagemaker-canned-metrics.generated.js'));

const PROD = '222222222222';

/** Real-time, asynchronous, cross-account and batch stages in one deployment. */
function stagesStack() {
  return deploymentStack({}, testApp(), (scope) => ({
    stages: [
      { stageName: 'rt', endpointName: 'churn-rt', dataCapture: false },
      { stageName: 'queue', target: DeploymentTarget.asynchronous({ maxConcurrentInvocationsPerInstance: 2 }) },
      { stageName: 'prod', account: PROD, endpointName: 'churn-prod' },
      { stageName: 'nightly', target: DeploymentTarget.batch({ inputBucket: s3.Bucket.fromBucketName(scope, 'In', 'scoring'), runOnNewData: true }) },
    ],
  }));
}

/** The identity statements of a grantee's default policy. */
function statementsOf(stack: Stack, logicalIdPrefix: string): any[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  return Object.entries<any>(policies).filter(([id]) => id.startsWith(logicalIdPrefix))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}

describe('stage endpoints (aws_sagemaker.IEndpoint)', () => {
  test('every endpoint stage has an IEndpoint handle with the ARN SageMaker gives it (the stage\'s account)', () => {
    // GIVEN / WHEN
    const { stack, deployment } = stagesStack();
    const rt: sagemaker.IEndpoint = deployment.stage('rt').endpoint;

    // THEN
    expect(rt.endpointName).toBe('churn-rt');
    expect(stack.resolve(rt.endpointArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:111111111111:endpoint/churn-rt']],
    });
    expect(rt.endpointRef.endpointArn).toBe(rt.endpointArn);
    expect(rt.env).toEqual({ account: ENV.account, region: ENV.region });
    const prod = deployment.stage('prod').endpoint;
    expect(stack.resolve(prod.endpointArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:us-east-1:${PROD}:endpoint/churn-prod`]],
    });
    expect(prod.env.account).toBe(PROD);
    // a handle only: the workflow creates the endpoints, CloudFormation holds none
    Template.fromStack(stack).resourceCountIs('AWS::SageMaker::Endpoint', 0);
  });

  test('grantInvoke: InvokeEndpoint, and InvokeEndpointAsync only on an asynchronous stage (it answers nothing else), each valid for the SAR', async () => {
    // GIVEN
    const { stack, deployment } = stagesStack();
    const fn = new lambda.Function(stack, 'Client', {
      runtime: lambda.Runtime.PYTHON_3_13, handler: 'index.handler', code: lambda.Code.fromInline('def handler(e, c): pass'),
    });
    const queue = new iam.Role(stack, 'QueueClient', { assumedBy: new iam.AccountRootPrincipal() });
    const remote = new iam.Role(stack, 'RemoteClient', { assumedBy: new iam.AccountRootPrincipal() });

    // WHEN
    const grant = deployment.stage('rt').endpoint.grantInvoke(fn);
    deployment.stage('queue').endpoint.grantInvoke(queue);
    deployment.stage('prod').endpoint.grantInvoke(remote);

    // THEN
    expect(grant.success).toBe(true);
    const render = (st: any) => JSON.parse(JSON.stringify(stack.resolve(st)).replace(/\{"Ref":"AWS::Partition"\}/g, '"aws"'));
    const client = statementsOf(stack, 'ClientServiceRoleDefaultPolicy').map(render);
    expect(client).toContainEqual({ Action: 'sagemaker:InvokeEndpoint', Effect: 'Allow', Resource: { 'Fn::Join': ['', ['arn:', 'aws', ':sagemaker:us-east-1:111111111111:endpoint/churn-rt']] } });
    const queueStatements = statementsOf(stack, 'QueueClientDefaultPolicy').map(render);
    expect(queueStatements.map((s) => s.Action)).toEqual(['sagemaker:InvokeEndpointAsync']);
    const remoteStatements = statementsOf(stack, 'RemoteClientDefaultPolicy').map(render);
    expect(JSON.stringify(remoteStatements)).toContain(`:sagemaker:us-east-1:${PROD}:endpoint/churn-prod`);
    // the Service Authorization Reference: actions exist, the ARN is of their resource type
    for (const statement of [...client, ...queueStatements, ...remoteStatements]) {
      const flat = { ...statement, Resource: [statement.Resource].flat().map((r: any) => (typeof r === 'string' ? r : r['Fn::Join'][1].join(''))) };
      expect(await checkPolicy({ kind: 'identity', where: 'grantInvoke', document: { Statement: [flat] } })).toEqual([]);
    }
  });

  test('positive control: the SAR check rejects an invoke grant on the wrong resource type', async () => {
    const wrong = { Effect: 'Allow', Action: 'sagemaker:InvokeEndpoint', Resource: 'arn:aws:sagemaker:us-east-1:111111111111:model/churn-rt' };
    const findings = await checkPolicy({ kind: 'identity', where: 'control', document: { Statement: [wrong] } });
    expect(findings.map((f) => f.code)).toContain('RESOURCE_MISMATCH');
  });

  test('stage metrics are what SageMaker publishes: namespace, name and dimensions as aws-cdk-lib\'s canned metrics, the variant the workflow creates', () => {
    // GIVEN
    const { stack, deployment } = stagesStack();
    const rt = deployment.stage('rt');
    const variant = Object.values<any>(allStates(workflows(stack).main))
      .find((s) => s.Resource?.endsWith(':createEndpointConfig'))
      .Parameters.ProductionVariants[0].VariantName;
    const dims = { EndpointName: 'churn-rt', VariantName: variant };

    // WHEN / THEN
    const pairs: [cloudwatch.Metric, any][] = [
      [rt.metricInvocations(), SageMakerMetrics.invocationsSum(dims)],
      [rt.metricInvocation4XXErrors(), SageMakerMetrics.invocation4XxErrorsSum(dims)],
      [rt.metricInvocation5XXErrors(), SageMakerMetrics.invocation5XxErrorsSum(dims)],
      [rt.metricModelLatency(), SageMakerMetrics.modelLatencySum(dims)],
      [rt.metricOverheadLatency(), SageMakerMetrics.overheadLatencySum(dims)],
      [rt.metric('InvocationsPerInstance', { statistic: 'Sum' }), SageMakerMetrics.invocationsPerInstanceSum(dims)],
    ];
    for (const [ours, canned] of pairs) {
      expect({ namespace: ours.namespace, metricName: ours.metricName, dimensionsMap: ours.dimensions })
        .toEqual({ namespace: canned.namespace, metricName: canned.metricName, dimensionsMap: canned.dimensionsMap });
    }
    expect(rt.metricModelLatency().statistic).toBe('Average');
    expect(rt.metricInvocationModelErrors().metricName).toBe('InvocationModelErrors');
    expect(rt.metricInvocations().period.toMinutes()).toBe(5);
    expect(deployment.stage('prod').metricInvocations().account).toBe(PROD);
  });

  test('a stage metric makes an alarm (cloudwatch.Metric)', () => {
    // GIVEN
    const { stack, deployment } = stagesStack();

    // WHEN
    deployment.stage('rt').metricModelLatency({ period: Duration.minutes(1) })
      .createAlarm(stack, 'SlowModel', { threshold: 500_000, evaluationPeriods: 3 });

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SageMaker',
      MetricName: 'ModelLatency',
      Dimensions: [{ Name: 'EndpointName', Value: 'churn-rt' }, { Name: 'VariantName', Value: 'AllTraffic' }],
      Period: 60,
      Statistic: 'Average',
      Threshold: 500000,
    });
  });

  test('fails when a batch stage is asked for its endpoint or an endpoint metric', () => {
    // GIVEN
    const { deployment } = stagesStack();
    const nightly = deployment.stage('nightly');

    // WHEN / THEN
    expect(() => nightly.endpoint).toThrow(/DeploymentStage nightly: endpoint: got a batch stage; allowed: real-time, serverless and asynchronous stages.*batch stage nightly has no endpoint/);
    expect(() => nightly.metricInvocations()).toThrow(/DeploymentStage nightly: metric\('Invocations'\): got a batch stage/);
  });

  test('fails when a stage described by attributes has no endpoint handle; StageEndpoint gives it one (ARN in lowercase, as SageMaker writes it)', () => {
    // GIVEN
    const stack = new Stack(testApp(), 'Consumer', { env: ENV });
    const bare = DeploymentStage.fromStageAttributes({ stageName: 'prod', endpointName: 'churn-prod' });
    const described = DeploymentStage.fromStageAttributes({
      stageName: 'prod', endpointName: 'Churn-Prod', endpoint: StageEndpoint.fromEndpointName(stack, 'Prod', 'Churn-Prod'),
    });

    // WHEN / THEN
    expect(() => bare.endpoint).toThrow(/DeploymentStage prod: endpoint: got undefined.*StageEndpoint.fromEndpointAttributes/);
    expect(bare.metricInvocations().dimensions).toEqual({ EndpointName: 'churn-prod', VariantName: 'AllTraffic' });
    expect(stack.resolve(described.endpoint.endpointArn)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:111111111111:endpoint/churn-prod']],
    });
  });
});

import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { ApprovalDeployment, DeploymentEvents, DriftMonitor, MlPipeline, SecureMlNetwork } from '../../src';
import { buildComposed, REGION, stacksOf, TOOLING } from '../flow/configurations';
import { evaluateHop, Flow } from '../flow/flow';
import { flowOf } from '../flow/matrix';
import { TemplateResolver } from '../flow/resolve';
import { matchesPattern } from '../registry/event-matcher';

/**
 * A platform team composes the layers by hand (configuration (c) of the
 * access matrix: network, registry, pipeline, deployment, drift monitor) and
 * plugs them into aws-cdk-lib's own types, as it would any aws-cdk-lib
 * construct. The grants are proven with the IAM simulator against the
 * synthesized policies (the access-matrix machinery), the rest on the template.
 */
describe('the layers compose with aws-cdk-lib\'s own types', () => {
  // (the user's own Lambda function and alarms are not the library's: the flow
  // tests hold configuration (c) itself to zero findings under the compliance harness)
  const config = buildComposed();
  const { stack, network, pipeline, deployment, monitor } = config.handles as {
    stack: any; network: SecureMlNetwork; pipeline: MlPipeline; deployment: ApprovalDeployment; monitor: DriftMonitor;
  };
  const production = deployment.stage('production');

  // an aws-cdk-lib IPipeline into EventBridge Scheduler's own target
  const asPipeline: sagemaker.IPipeline = pipeline;
  const nightly = new scheduler.Schedule(stack, 'NightlyTraining', {
    schedule: scheduler.ScheduleExpression.cron({ hour: '1', minute: '30' }),
    target: new schedulerTargets.SageMakerStartPipelineExecution(asPipeline, {
      pipelineParameterList: [{ name: 'TrainingData', value: 's3://churn-training-data/train/' }],
    }),
  });
  // a stage's endpoint is an aws-cdk-lib IEndpoint: grantInvoke to a Lambda function
  const scorer = new lambda.Function(stack, 'Scorer', {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({});'),
    // a role of its own without AWS managed policies, whose statements the simulator could not see
    role: new iam.Role(stack, 'ScorerRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }),
  });
  const endpoint: sagemaker.IEndpoint = production.endpoint;
  endpoint.grantInvoke(scorer);
  // stage and monitor metrics are cloudwatch.Metric: createAlarm
  production.metricModelLatency({ statistic: 'p99', period: Duration.minutes(1) })
    .createAlarm(stack, 'ProductionLatency', { threshold: 500_000, evaluationPeriods: 3 });
  monitor.metricDrift().createAlarm(stack, 'AnyDrift', { threshold: 1, evaluationPeriods: 1 });
  // the network is an ec2.IConnectable
  const vpn = ec2.Peer.ipv4('10.99.0.0/16');
  network.connections.allowFrom(vpn, ec2.Port.tcp(8080), 'Model server from the VPN');
  // deployment events, subscribed without parsing SNS text
  deployment.onModelDeployed('ProductionDeployed', { stage: production, target: new targets.LambdaFunction(scorer) });

  const template = Template.fromStack(stack);
  const flow = flowOf(config, stacksOf(config));
  const roleOf = (logicalIdPrefix: string) => flow.model.roles.find((r) => r.logicalId.startsWith(logicalIdPrefix))!.arn;
  const sagemakerArn = (resource: string) => `arn:aws:sagemaker:${REGION}:${TOOLING}:${resource}`;

  const verdict = async (step: string, principal: string, action: string, resource: string, expectation: 'allow' | 'deny' = 'allow') => {
    const probe = new Flow(flow.model, config);
    probe.add(step, principal, action, resource, { expect: expectation });
    const hop = await evaluateHop(probe, probe.hops[0]);
    return `${hop.outcome.result}${hop.ok ? '' : ' (unexpected)'}`;
  };

  test('the schedule\'s role may start the pipeline, and nothing else (IAM simulator)', async () => {
    const role = roleOf('SchedulerRoleForTarget');
    expect(await verdict('Schedule starts the pipeline', role, 'sagemaker:StartPipelineExecution', sagemakerArn('pipeline/churn-training'))).toBe('Allowed');
    expect(await verdict('Schedule may not start another pipeline', role, 'sagemaker:StartPipelineExecution', sagemakerArn('pipeline/other'), 'deny')).toMatch(/Denied/);
    const target = template.findResources('AWS::Scheduler::Schedule');
    const rendered = Object.values<any>(target).find((r) => JSON.stringify(r).includes('TrainingData'));
    expect(rendered.Properties.Target.SageMakerPipelineParameters.PipelineParameterList).toEqual([{ Name: 'TrainingData', Value: 's3://churn-training-data/train/' }]);
    expect(nightly.scheduleArn).toBeDefined();
  });

  test('the Lambda function may invoke the production endpoint, not the staging one (IAM simulator)', async () => {
    const role = roleOf('ScorerRole');
    expect(await verdict('Lambda invokes production', role, 'sagemaker:InvokeEndpoint', sagemakerArn('endpoint/churn-prod'))).toBe('Allowed');
    expect(await verdict('Lambda may not invoke staging', role, 'sagemaker:InvokeEndpoint', sagemakerArn(`endpoint/${deployment.stage('staging').endpointName}`), 'deny')).toMatch(/Denied/);
  });

  test('the latency alarm watches the production variant as SageMaker publishes it', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SageMaker',
      MetricName: 'ModelLatency',
      ExtendedStatistic: 'p99',
      Dimensions: [{ Name: 'EndpointName', Value: 'churn-prod' }, { Name: 'VariantName', Value: 'AllTraffic' }],
    });
  });

  test('connections.allowFrom opens the workload security group to the peer', () => {
    const ingress = [
      ...Object.values<any>(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties),
      ...Object.values<any>(template.findResources('AWS::EC2::SecurityGroup')).flatMap((r) => r.Properties.SecurityGroupIngress ?? []),
    ];
    expect(ingress).toEqual(expect.arrayContaining([expect.objectContaining({ CidrIp: '10.99.0.0/16', FromPort: 8080, ToPort: 8080, IpProtocol: 'tcp' })]));
    expect(network.connections.securityGroups.map((g) => g.securityGroupId)).toEqual([network.workloadSecurityGroup.securityGroupId]);
  });

  test('the deployed-model rule matches the event the workflow emits for production, not for staging', () => {
    const rules = Object.values<any>(template.findResources('AWS::Events::Rule'))
      .filter((r) => JSON.stringify(r.Properties.EventPattern ?? {}).includes(DeploymentEvents.MODEL_DEPLOYED));
    expect(rules).toHaveLength(1);
    const pattern = rules[0].Properties.EventPattern;
    const resolver = new TemplateResolver(stacksOf(config).find((st) => st.stackName === stack.stackName)!);
    const stateMachineArn = String(resolver.resolve(stack.resolve(deployment.stateMachine.stateMachineArn)));
    const stateMachineName = stateMachineArn.split(':').pop();
    const event = (stageName: string) => ({
      'source': DeploymentEvents.SOURCE,
      'detail-type': DeploymentEvents.MODEL_DEPLOYED,
      'account': TOOLING,
      'region': REGION,
      'resources': [stateMachineArn, `arn:aws:states:${REGION}:${TOOLING}:execution:${stateMachineName}:run-1`],
      'detail': { stage: stageName, account: TOOLING, endpointName: deployment.stage(stageName).endpointName },
    });
    const resolved = JSON.parse(JSON.stringify(resolver.resolve(pattern)));
    expect(matchesPattern(resolved, event('production'))).toBe(true);
    expect(matchesPattern(resolved, event('staging'))).toBe(false);
  });
});

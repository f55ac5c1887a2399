/**
 * Model Monitor schedules are created by a workflow once the endpoint is in
 * service, not by CloudFormation (SageMaker checks that a schedule's endpoint
 * exists). The synthesized workflow runs in aws-local-stepfunctions against a
 * simulated SageMaker whose answers are checked against botocore.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FEATURES, monitor, monitoringStack } from './fixtures';
import { DeploymentStage } from '../../src/deployment';
import { DriftBaseline, DriftEngine, DriftMonitor, ModelQualityProblemType } from '../../src/monitoring';
import { answerTask, AwsError, StateMachine, stateMachineDefinitions, verifyMockedAnswers } from '../harness/stepfunctions';

verifyMockedAnswers();


/** SageMaker as the schedule workflow sees it: endpoint statuses and existing schedules. */
class FakeSageMaker {
  public endpointStatus?: string;
  public readonly schedules = new Map<string, any>();
  public readonly created: any[] = [];
  /** The next CreateMonitoringSchedule finds the schedule created meanwhile. */
  public raceOnCreate = false;

  public handle(resource: string, input: any): any {
    switch (resource) {
      case 'arn:aws:states:::aws-sdk:sagemaker:describeEndpoint':
        if (!this.endpointStatus) {
          throw new AwsError('SageMaker.SageMakerException', `Could not find endpoint "${input.EndpointName}".`);
        }
        return {
          EndpointName: input.EndpointName,
          EndpointArn: `arn:aws:sagemaker:us-east-1:111111111111:endpoint/${input.EndpointName}`,
          EndpointStatus: this.endpointStatus,
          CreationTime: '2026-11-27T00:00:00Z',
          LastModifiedTime: '2026-11-27T00:00:00Z',
        };
      case 'arn:aws:states:::aws-sdk:sagemaker:describeMonitoringSchedule': {
        const s = this.schedules.get(input.MonitoringScheduleName);
        if (!s) {
          throw new AwsError('SageMaker.ResourceNotFoundException', `Monitoring schedule ${input.MonitoringScheduleName} does not exist.`);
        }
        return s;
      }
      case 'arn:aws:states:::aws-sdk:sagemaker:createMonitoringSchedule': {
        if (this.raceOnCreate || this.schedules.has(input.MonitoringScheduleName)) {
          this.raceOnCreate = false;
          throw new AwsError('SageMaker.ResourceInUseException', `Monitoring schedule ${input.MonitoringScheduleName} already exists.`);
        }
        const arn = `arn:aws:sagemaker:us-east-1:111111111111:monitoring-schedule/${input.MonitoringScheduleName}`;
        this.created.push(input);
        this.schedules.set(input.MonitoringScheduleName, {
          MonitoringScheduleArn: arn,
          MonitoringScheduleName: input.MonitoringScheduleName,
          MonitoringScheduleStatus: 'Scheduled',
          MonitoringType: input.MonitoringScheduleConfig.MonitoringType,
          CreationTime: '2026-11-27T01:00:00Z',
          LastModifiedTime: '2026-11-27T01:00:00Z',
          MonitoringScheduleConfig: input.MonitoringScheduleConfig,
        });
        return { MonitoringScheduleArn: arn };
      }
      default:
        throw new Error(`unexpected task resource ${resource}`);
    }
  }
}

function scheduleWorkflow(stack: Stack): any {
  const [definition] = Object.entries(stateMachineDefinitions(stack, { typed: true })).filter(([id]) => id.includes('MonitoringSchedules')).map(([, d]) => d);
  return definition;
}

async function run(definition: any, fake: FakeSageMaker): Promise<any> {
  const handlers: Record<string, (i: any) => any> = {};
  const retries: Record<string, number> = {};
  for (const [name, state] of Object.entries<any>(definition.States)) {
    if (state.Type === 'Task') {
      handlers[name] = (i: any) => answerTask(state.Resource, () => fake.handle(state.Resource, i), i);
      retries[name] = 0;
    }
  }
  const event = { 'detail-type': 'SageMaker Endpoint State Change', 'source': 'aws.sagemaker', 'detail': { EndpointName: 'churn-prod', EndpointStatus: 'IN_SERVICE' } };
  return new StateMachine(definition, { validationOptions: { checkArn: false } })
    .run(event, { overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides: retries } }).result;
}

/** The four monitoring types, as in drift-monitor.test.ts. */
function allTypes() {
  return monitor((f) => {
    const labels = s3.Bucket.fromBucketName(f.stack, 'Labels', 'churn-labels');
    const config = s3.Bucket.fromBucketName(f.stack, 'Cfg', 'churn-config');
    return {
      features: FEATURES,
      engine: DriftEngine.modelMonitor({
        modelQuality: { problemType: ModelQualityProblemType.BINARY_CLASSIFICATION, groundTruthBucket: labels, groundTruthPrefix: 'labels/' },
        bias: { analysisConfig: DriftBaseline.fromS3Object(config, 'clarify/bias.json'), groundTruthBucket: labels, groundTruthPrefix: 'labels/' },
        explainability: { analysisConfig: DriftBaseline.fromS3Object(config, 'clarify/shap.json') },
      }),
    };
  });
}

/** Matches an EventBridge pattern (literal lists) against an event. */
function matches(pattern: any, event: any): boolean {
  return Object.entries<any>(pattern).every(([key, expected]) => (Array.isArray(expected)
    ? expected.includes(event?.[key])
    : matches(expected, event?.[key])));
}

describe('Model Monitor schedules, created once the endpoint is in service', () => {
  test('no schedule in CloudFormation; the workflow runs on the endpoint\'s IN_SERVICE event and every hour', () => {
    // GIVEN / WHEN
    const { stack } = allTypes();
    const t = Template.fromStack(stack);

    // THEN
    t.resourceCountIs('AWS::SageMaker::MonitoringSchedule', 0);
    t.resourceCountIs('AWS::SageMaker::DataQualityJobDefinition', 1);
    const rules = Object.values<any>(t.findResources('AWS::Events::Rule')).map((r) => r.Properties);
    const onEvent = rules.find((r) => r.EventPattern?.['detail-type']?.[0] === 'SageMaker Endpoint State Change')!;
    // The documented event (Events that SageMaker sends to EventBridge: Endpoint state change), for this endpoint.
    const documented = {
      'version': '0',
      'id': 'd2921b5a-b0ad-cace-a8e3-0f159d018e06',
      'detail-type': 'SageMaker Endpoint State Change',
      'source': 'aws.sagemaker',
      'account': '111111111111',
      'time': '1583831889050',
      'region': 'us-east-1',
      'resources': ['arn:aws:sagemaker:us-east-1:111111111111:endpoint/churn-prod'],
      'detail': {
        EndpointName: 'churn-prod',
        EndpointArn: 'arn:aws:sagemaker:us-east-1:111111111111:endpoint/churn-prod',
        EndpointConfigName: 'cfg',
        ProductionVariants: [{ DesiredWeight: 1.0, DesiredInstanceCount: 1.0 }],
        EndpointStatus: 'IN_SERVICE',
        CreationTime: 1592411992203.0,
        LastModifiedTime: 1592411994287.0,
        Tags: {},
      },
    };
    expect(matches(onEvent.EventPattern, documented)).toBe(true);
    expect(matches(onEvent.EventPattern, { ...documented, detail: { ...documented.detail, EndpointStatus: 'CREATING' } })).toBe(false);
    expect(matches(onEvent.EventPattern, { ...documented, detail: { ...documented.detail, EndpointName: 'churn-staging' } })).toBe(false);
    expect(rules.some((r) => r.ScheduleExpression === 'rate(1 hour)')).toBe(true);
  });

  test('nothing is created before the endpoint exists or while it is being created', async () => {
    // GIVEN
    const definition = scheduleWorkflow(allTypes().stack);
    const fake = new FakeSageMaker();

    // WHEN / THEN
    await run(definition, fake);
    fake.endpointStatus = 'Creating';
    await run(definition, fake);
    expect(fake.created).toEqual([]);
  });

  test('once in service: every missing schedule is created with its job definition, once', async () => {
    // GIVEN an endpoint in service whose data quality schedule exists already
    const definition = scheduleWorkflow(allTypes().stack);
    const fake = new FakeSageMaker();
    fake.endpointStatus = 'InService';
    fake.schedules.set('churn-prod-dq', {
      MonitoringScheduleArn: 'arn:aws:sagemaker:us-east-1:111111111111:monitoring-schedule/churn-prod-dq',
      MonitoringScheduleName: 'churn-prod-dq',
      MonitoringScheduleStatus: 'Scheduled',
      MonitoringType: 'DataQuality',
      CreationTime: '2026-11-27T00:00:00Z',
      LastModifiedTime: '2026-11-27T00:00:00Z',
      MonitoringScheduleConfig: { ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' }, MonitoringJobDefinitionName: 'dq', MonitoringType: 'DataQuality' },
    });

    // WHEN it runs twice (an event and the hourly run), and a duplicate run wins a race
    await run(definition, fake);
    await run(definition, fake);
    fake.schedules.delete('churn-prod-mq');
    fake.raceOnCreate = true;
    await run(definition, fake);

    // THEN the three missing ones were created once each, hourly, on their own job definitions
    expect(fake.created.map((c) => [c.MonitoringScheduleName, c.MonitoringScheduleConfig.MonitoringType])).toEqual([
      ['churn-prod-mq', 'ModelQuality'], ['churn-prod-mb', 'ModelBias'], ['churn-prod-me', 'ModelExplainability'],
    ]);
    for (const c of fake.created) {
      expect(c.MonitoringScheduleConfig.ScheduleConfig).toEqual({ ScheduleExpression: 'cron(0 * ? * * *)' });
      expect(c.MonitoringScheduleConfig.MonitoringJobDefinitionName).toMatch(/^DriftModel(Quality|Bias|Explainability)[0-9A-F]{8}$/);
    }
  });

  test('fails when the endpoint is in another account', () => {
    // GIVEN a stage deployed to a target account
    const f = monitoringStack();
    const remote = DeploymentStage.fromStageAttributes({
      stageName: 'prod',
      endpointName: 'churn-prod',
      account: '222222222222',
      dataCaptureBucket: s3.Bucket.fromBucketName(f.stack, 'Remote', 'cdk-mlops-capture-222222222222-us-east-1'),
      dataCapturePrefix: 'data-capture/prod/',
    });

    // WHEN / THEN
    expect(() => new DriftMonitor(f.stack, 'Drift', { stage: remote, baseline: f.baseline, features: FEATURES, engine: DriftEngine.modelMonitor() }))
      .toThrow(/stage\.account: got '222222222222'; allowed: the monitor's own account \(111111111111\).*Fix: deploy this DriftMonitor in a stack of account 222222222222/);
  });
});

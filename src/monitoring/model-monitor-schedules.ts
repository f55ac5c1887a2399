/**
 * Model Monitor schedules created once the endpoint is in service.
 *
 * SageMaker checks that a monitoring schedule's endpoint exists when the
 * schedule is created, and an ApprovalDeployment creates its endpoints only
 * when the first version is approved: a schedule in CloudFormation fails the
 * first deploy of the stack. So the schedules are created by a small
 * workflow, started by the endpoint's "SageMaker Endpoint State Change" event
 * with status IN_SERVICE (and every hour, for an endpoint that was already in
 * service when the monitor was deployed): it reads the endpoint's status, and
 * creates each schedule that does not exist yet (DescribeMonitoringSchedule,
 * CreateMonitoringSchedule with the job definition CloudFormation made).
 * The job definitions stay in CloudFormation. Not exported from the library.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledge } from '../private/acknowledgements';
import { acknowledgeMonitoringWildcards } from './private/managed-role';
import { ManagedPolicyRole } from '../private/managed-policy-role';
import { createSecureLogGroup } from '../private/secure-defaults';

/** One schedule the workflow keeps in place. */
export interface ScheduleSpec {
  /** The schedule's name. */
  readonly name: string;
  /** `DataQuality`, `ModelQuality`, `ModelBias` or `ModelExplainability`. */
  readonly monitoringType: string;
  /** The job definition's name. */
  readonly jobDefinitionName: string;
}

/** What the schedule workflow needs. */
export interface ScheduleKeeperProps {
  readonly endpointName: string;
  readonly schedules: ScheduleSpec[];
  readonly scheduleExpression: string;
  readonly encryptionKey: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
}

/** What the schedule workflow built. */
export interface ScheduleKeeper {
  readonly stateMachine: sfn.StateMachine;
  readonly rule: events.Rule;
}

/** SageMaker: throttling and validation errors are unmodeled (the SDK's base exception). */
const RETRY: sfn.RetryProps = {
  errors: ['SageMaker.SageMakerException'],
  interval: Duration.seconds(2),
  maxAttempts: 4,
  backoffRate: 2,
  maxDelay: Duration.seconds(30),
  jitterStrategy: sfn.JitterType.FULL,
};

/** Build the workflow and the rules that start it. */
export function buildScheduleKeeper(scope: Construct, props: ScheduleKeeperProps): ScheduleKeeper {
  const stack = Stack.of(scope);
  const s = new Construct(scope, 'MonitoringSchedules');
  const arn = (resource: string, name: string) => stack.formatArn({
    service: 'sagemaker', resource, resourceName: Token.isUnresolved(name) ? name : name.toLowerCase(), arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  const call = (id: string, stateName: string, action: string, parameters: Record<string, unknown>, resources: string[], resultPath?: string) => {
    const task = new tasks.CallAwsService(s, id, {
      stateName,
      service: 'sagemaker',
      action,
      iamAction: `sagemaker:${action.charAt(0).toUpperCase()}${action.slice(1)}`,
      iamResources: resources,
      parameters,
      resultSelector: resultPath ? { 'Status.$': '$.EndpointStatus' } : undefined,
      resultPath: resultPath ?? sfn.JsonPath.DISCARD,
    });
    task.addRetry(RETRY);
    return task;
  };
  const describe = call('Endpoint', 'Read endpoint status', 'describeEndpoint', { EndpointName: props.endpointName },
    [arn('endpoint', props.endpointName)], '$.Endpoint');
  const missing = new sfn.Succeed(s, 'Missing', { stateName: 'Endpoint not deployed yet', comment: 'Its IN_SERVICE event starts this workflow again.' });
  // No endpoint: DescribeEndpoint answers ValidationException (the base exception).
  describe.addCatch(missing, { errors: ['SageMaker.SageMakerException'], resultPath: sfn.JsonPath.DISCARD });
  const inService = new sfn.Choice(s, 'InService', { stateName: 'Endpoint in service?' });
  const notYet = new sfn.Succeed(s, 'NotYet', { stateName: 'Endpoint not in service yet', comment: 'Its IN_SERVICE event starts this workflow again.' });
  const done = new sfn.Succeed(s, 'Done', { stateName: 'Schedules in place' });
  const steps = props.schedules.map((spec, i) => {
    const exists = call(`Describe${i}`, `Schedule ${spec.monitoringType}: exists?`, 'describeMonitoringSchedule',
      { MonitoringScheduleName: spec.name }, [arn('monitoring-schedule', spec.name)]);
    const create = call(`Create${i}`, `Schedule ${spec.monitoringType}: create`, 'createMonitoringSchedule', {
      MonitoringScheduleName: spec.name,
      MonitoringScheduleConfig: {
        ScheduleConfig: { ScheduleExpression: props.scheduleExpression },
        MonitoringJobDefinitionName: spec.jobDefinitionName,
        MonitoringType: spec.monitoringType,
      },
    }, [arn('monitoring-schedule', spec.name)]);
    exists.addCatch(create, { errors: ['SageMaker.ResourceNotFoundException'], resultPath: sfn.JsonPath.DISCARD });
    return { exists, create };
  });
  steps.forEach((step, i) => {
    const next = steps[i + 1]?.exists ?? done;
    step.exists.next(next);
    // Created meanwhile by another run started by a duplicate event.
    step.create.addCatch(next, { errors: ['SageMaker.ResourceInUseException'], resultPath: sfn.JsonPath.DISCARD });
    step.create.next(next);
  });
  describe.next(inService);
  inService.when(sfn.Condition.stringEquals('$.Endpoint.Status', 'InService'), steps[0]?.exists ?? done);
  inService.otherwise(notYet);

  const role = new ManagedPolicyRole(s, 'Role', {
    assumedBy: new iam.ServicePrincipal('states.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    description: `Creates the Model Monitor schedules of ${props.endpointName} once it is in service`,
  });
  const stateMachine = new sfn.StateMachine(s, 'Resource', {
    role,
    definitionBody: sfn.DefinitionBody.fromChainable(describe),
    tracingEnabled: true,
    timeout: Duration.minutes(15),
    logs: {
      destination: createSecureLogGroup(s, 'Logs', { encryptionKey: props.encryptionKey, retention: props.logRetention, removalPolicy: props.removalPolicy }),
      level: sfn.LogLevel.ALL,
      includeExecutionData: false,
    },
    encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(props.encryptionKey),
    comment: `Creates the Model Monitor schedules of ${props.endpointName} once the endpoint is in service`,
  });
  acknowledge(stateMachine, 'monitoringStateMachineRoleDependency');
  const ruleRole = new ManagedPolicyRole(s, 'RuleRole', {
    assumedBy: new iam.ServicePrincipal('events.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    description: `Starts the Model Monitor schedule workflow of ${props.endpointName}`,
  });
  const target = new targets.SfnStateMachine(stateMachine, { role: ruleRole });
  const rule = new events.Rule(s, 'InServiceRule', {
    description: `Endpoint ${props.endpointName} in service: create its Model Monitor schedules`,
    eventPattern: {
      source: ['aws.sagemaker'],
      detailType: ['SageMaker Endpoint State Change'],
      detail: { EndpointName: [props.endpointName], EndpointStatus: ['IN_SERVICE'] },
    },
    targets: [target],
  });
  new events.Rule(s, 'HourlyRule', {
    description: `Every hour: create the Model Monitor schedules of ${props.endpointName} if it is in service and they are missing`,
    schedule: events.Schedule.rate(Duration.hours(1)),
    targets: [target],
  });
  for (const r of [role, ruleRole]) {
    acknowledgeMonitoringWildcards(r);
  }
  return { stateMachine, rule };
}

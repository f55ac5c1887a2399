/**
 * Hops every configuration has, read from the templates: services assuming
 * their roles, EventBridge rules and Scheduler schedules invoking their
 * targets, CloudWatch alarms publishing to topics, CloudWatch Logs using the
 * keys of encrypted log groups, and every task of every state machine (with
 * the state machine's own key when it is encrypted).
 */
import { accountOf, Flow } from './flow';
import { ResourceInfo } from './model';
import { stateMachineTasks } from './tasks';

/** Services that assume roles after deploy (custom-resource providers run at deploy time only). */
const RUNTIME_SERVICES = [
  'sagemaker.amazonaws.com', 'states.amazonaws.com', 'events.amazonaws.com', 'scheduler.amazonaws.com',
  'codebuild.amazonaws.com', 'codepipeline.amazonaws.com', 'vpc-flow-logs.amazonaws.com',
];

/** All generic hops of a configuration. */
export function runtimeHops(flow: Flow): void {
  roleAssumptions(flow);
  logGroupKeys(flow);
  alarmNotifications(flow);
  ruleTargets(flow);
  scheduleTargets(flow);
  for (const machine of flow.model.ofType('AWS::StepFunctions::StateMachine')) {
    stateMachineHops(flow, machine);
  }
}

function list<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The resource that makes a service assume a role, for `aws:SourceArn`. */
function sourceOf(flow: Flow, roleArn: string, service: string): string | undefined {
  const m = flow.model;
  if (service === 'states.amazonaws.com') {
    return m.ofType('AWS::StepFunctions::StateMachine').find((s) => s.properties.RoleArn === roleArn)?.arn;
  }
  if (service === 'events.amazonaws.com') {
    return m.ofType('AWS::Events::Rule').find((r) => list<any>(r.properties.Targets).some((t) => t.RoleArn === roleArn))?.arn;
  }
  if (service === 'scheduler.amazonaws.com') {
    return m.ofType('AWS::Scheduler::Schedule').find((s) => s.properties.Target.RoleArn === roleArn)?.arn;
  }
  return undefined;
}

function roleAssumptions(flow: Flow): void {
  for (const role of flow.model.roles) {
    for (const statement of list<any>(role.trust?.Statement)) {
      for (const service of list<string>(statement.Principal?.Service).filter((s) => RUNTIME_SERVICES.includes(s))) {
        const source = sourceOf(flow, role.arn, service);
        flow.add(`${service.split('.')[0]} assumes its role`, service, 'sts:AssumeRole', role.arn, {
          context: { 'aws:SourceAccount': role.account, ...(source ? { 'aws:SourceArn': source } : {}) },
        });
      }
    }
  }
}

/** CloudWatch Logs encrypts the events of a KMS log group with the group ARN as encryption context. */
function logGroupKeys(flow: Flow): void {
  for (const group of flow.model.ofType('AWS::Logs::LogGroup').filter((g) => g.properties.KmsKeyId)) {
    const arn = group.arn.replace(/:\*$/, '');
    flow.add('CloudWatch Logs encrypts log events', `logs.${group.region}.amazonaws.com`, 'kms:GenerateDataKey',
      flow.model.keyArn(group.properties.KmsKeyId), { context: { 'kms:EncryptionContext:aws:logs:arn': arn, 'aws:SourceAccount': group.account } });
  }
}

/**
 * CloudWatch alarms publish to their topics as `cloudwatch.amazonaws.com`:
 * the topic policy must admit it, and the key of an encrypted topic must let
 * it generate data keys (SNS developer guide, "Key management": compatibility
 * between event sources from AWS services and encrypted topics).
 */
function alarmNotifications(flow: Flow): void {
  const byTopic = new Map<string, ResourceInfo>();
  for (const alarm of flow.model.ofType('AWS::CloudWatch::Alarm')) {
    for (const topic of [...list<string>(alarm.properties.AlarmActions), ...list<string>(alarm.properties.OKActions)]) {
      if (topic.startsWith('arn:aws:sns:') && !byTopic.has(topic)) {
        byTopic.set(topic, alarm);
      }
    }
  }
  for (const [topicArn, alarm] of byTopic) {
    publishAsService(flow, 'CloudWatch alarm notifies its topic', 'cloudwatch.amazonaws.com', topicArn, alarm.arn);
  }
}

function publishAsService(flow: Flow, step: string, service: string, topicArn: string, sourceArn: string): void {
  const source = { 'aws:SourceAccount': accountOf(sourceArn), 'aws:SourceArn': sourceArn };
  flow.add(step, service, 'sns:Publish', topicArn, { context: source });
  const key = topicKey(flow, topicArn);
  if (key) {
    flow.add(`${step} (topic key)`, service, 'kms:GenerateDataKey', key, {
      context: { ...source, 'kms:ViaService': `sns.${topicArn.split(':')[3]}.amazonaws.com`, 'kms:EncryptionContext:aws:sns:topicArn': topicArn },
    });
  }
}

/** The key of an encrypted topic. */
export function topicKey(flow: Flow, topicArn: string): string | undefined {
  const topic = flow.model.byArn(topicArn);
  const key = topic?.properties.KmsMasterKeyId;
  return key ? flow.model.keyArn(key) : undefined;
}

/** A role (or principal) publishes to a topic: `sns:Publish`, and the data key SNS generates with its credentials. */
export function publish(flow: Flow, step: string, principal: string, topicArn: string): void {
  flow.add(step, principal, 'sns:Publish', topicArn);
  const key = topicKey(flow, topicArn);
  if (key) {
    flow.kmsVia(`${step} (topic key)`, principal, 'kms:GenerateDataKey', key, 'sns', { 'aws:sns:topicArn': topicArn });
  }
}

function ruleTargets(flow: Flow): void {
  for (const rule of flow.model.ofType('AWS::Events::Rule')) {
    for (const target of list<any>(rule.properties.Targets)) {
      const arn: string = target.Arn;
      if (target.RoleArn) {
        if (arn.includes(':states:')) {
          flow.startExecution('EventBridge rule starts its state machine', target.RoleArn, arn);
        } else if (arn.includes(':codepipeline:')) {
          flow.add('EventBridge rule starts CodePipeline', target.RoleArn, 'codepipeline:StartPipelineExecution', arn);
        } else if (arn.includes(':sagemaker:')) {
          flow.add('EventBridge rule starts the SageMaker pipeline', target.RoleArn, 'sagemaker:StartPipelineExecution', arn);
        }
      } else if (arn.startsWith('arn:aws:sns:')) {
        publishAsService(flow, 'EventBridge rule publishes to its topic', 'events.amazonaws.com', arn, rule.arn);
      }
    }
  }
}

/**
 * A schedule invokes its target with its role; with a customer-managed key
 * the role also decrypts the schedule (encryption context
 * `aws:scheduler:schedule-arn`, EventBridge Scheduler user guide,
 * "Encryption at rest").
 */
function scheduleTargets(flow: Flow): void {
  for (const schedule of flow.model.ofType('AWS::Scheduler::Schedule')) {
    const target = schedule.properties.Target;
    if (target.Arn.includes(':states:')) {
      const comment = String(JSON.parse(flow.model.byArn(target.Arn)?.properties.DefinitionString ?? '{}').Comment ?? '');
      flow.startExecution(comment.includes('batch transform') ? 'Scheduler starts a batch transform run' : 'Scheduler starts the drift check',
        target.RoleArn, target.Arn);
    } else if (target.Arn.includes(':sagemaker:')) {
      flow.add('Scheduler starts the SageMaker pipeline', target.RoleArn, 'sagemaker:StartPipelineExecution', target.Arn);
    }
    if (schedule.properties.KmsKeyArn) {
      flow.add('Scheduler decrypts the schedule with its role', target.RoleArn, 'kms:Decrypt', flow.model.keyArn(schedule.properties.KmsKeyArn), {
        context: { 'kms:EncryptionContext:aws:scheduler:schedule-arn': schedule.arn, 'kms:CallerAccount': schedule.account },
      });
    }
  }
}

/**
 * Each task of a state machine, with the role it runs as (the state
 * machine's, or the one in its `Credentials`), and the state machine's own
 * key: Step Functions encrypts definition and execution data with the
 * encryption context `aws:states:stateMachineArn` (Step Functions developer
 * guide, "Data at rest encryption").
 */
function stateMachineHops(flow: Flow, machine: ResourceInfo): void {
  const role: string = machine.properties.RoleArn;
  const key = flow.stateMachineKey(machine.arn);
  const label = machineLabel(machine);
  if (key) {
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      flow.kmsVia(`${label} runs with its encrypted state`, role, action, key, 'states', { 'aws:states:stateMachineArn': machine.arn });
    }
  }
  const definition = JSON.parse(machine.properties.DefinitionString);
  for (const task of stateMachineTasks(flow, machine, definition)) {
    if (task.credentialsRole) {
      flow.add(`${label} assumes the task role of "${task.stateName}"`, role, 'sts:AssumeRole', task.credentialsRole);
    }
    const principal = task.credentialsRole ?? role;
    for (const call of task.calls) {
      const step = `${label}: ${task.stateName}`;
      if (call.action === 'sns:Publish') {
        publish(flow, step, principal, call.resource);
      } else if (call.action === 'states:StartExecution') {
        flow.startExecution(step, principal, call.resource);
      } else {
        flow.add(step, principal, call.action, call.resource, { context: call.context, resourceAccount: call.resourceAccount });
      }
    }
  }
}

function machineLabel(machine: ResourceInfo): string {
  const id = machine.logicalId;
  if (/Starter/.test(id)) {
    return 'Deployment starter';
  }
  if (/CheckWorkflow/.test(id)) {
    return 'Drift check workflow';
  }
  if (/Retraining/.test(id)) {
    return 'Retraining workflow';
  }
  if (/^Assertions/.test(id)) {
    return 'e2e assertion workflow';
  }
  if (/^Cleanup/.test(id)) {
    return 'e2e cleanup workflow';
  }
  return 'Deployment workflow';
}

import { ArnFormat, Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { grantExecutionInputKey, grantKeyUse } from './grants';
import { IMlPipeline } from '../pipeline/ml-pipeline-interface';
import { acknowledge } from '../private/acknowledgements';
import { acknowledgeMonitoringWildcards } from './private/managed-role';
import { ManagedPolicyRole } from '../private/managed-policy-role';
import { createSecureLogGroup } from '../private/secure-defaults';

/** The key of the one lock item. */
export const LOCK_KEY = 'retraining';

/** What the retraining loop needs. */
export interface RetrainingProps {
  readonly pipeline: IMlPipeline;
  readonly parameters: { [name: string]: string };
  readonly cooldown: Duration;
  readonly alarms: cloudwatch.IAlarm[];
  readonly topic: sns.ITopic;
  readonly encryptionKey: kms.IKey;
  readonly endpointName: string;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
}

/** What the retraining loop built. */
export interface Retraining {
  readonly stateMachine: sfn.StateMachine;
  readonly lockTable: dynamodb.Table;
  readonly rule: events.Rule;
}

/**
 * The retraining loop: an EventBridge rule on the monitor's alarms entering
 * ALARM starts a Standard workflow that takes a lock (DynamoDB conditional
 * write), starts the retraining pipeline, holds the lock for the cooldown
 * (a Wait state) and releases it. A later alarm finds the lock taken by a
 * running execution and is skipped; a lock left by an execution that no
 * longer runs (stopped, failed) is taken over with a compare-and-swap.
 */
export function buildRetraining(scope: Construct, props: RetrainingProps): Retraining {
  const stack = Stack.of(scope);
  const lockTable = new dynamodb.Table(scope, 'RetrainingLock', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: props.encryptionKey,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy: props.removalPolicy,
    deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
  });
  acknowledge(lockTable, 'monitoringLockTableBackup');
  const stateMachineName = Names.uniqueResourceName(scope, { maxLength: 70, separator: '-' }) + '-retrain';
  const table = lockTable.tableName;
  const key = { pk: { S: LOCK_KEY } };
  const me = { 'S.$': '$$.Execution.Id' };
  const cooldownSeconds = props.cooldown.toSeconds();
  const parameters = Object.entries(props.parameters).sort(([a], [b]) => a.localeCompare(b)).map(([Name, Value]) => ({ Name, Value }));
  const notify = (subject: string, format: string, args: string[], next: string) => ({
    Type: 'Task',
    Resource: 'arn:aws:states:::sns:publish',
    Parameters: {
      'TopicArn': props.topic.topicArn,
      'Subject': subject,
      'Message.$': `States.Format('${format}', ${args.join(', ')})`,
    },
    ResultPath: null,
    Next: next,
  });
  const ddbConditional = ['DynamoDB.ConditionalCheckFailedException'];
  const endpoint = Token.isUnresolved(props.endpointName) ? 'the monitored endpoint' : `endpoint ${esc(props.endpointName)}`;
  const definition = {
    Comment: `Retrain on drift of ${props.endpointName}, at most once per cooldown`,
    StartAt: 'AcquireLock',
    States: {
      AcquireLock: {
        Type: 'Task',
        Comment: 'Take the lock when nobody holds it.',
        Resource: 'arn:aws:states:::dynamodb:putItem',
        Parameters: {
          TableName: table,
          Item: { pk: { S: LOCK_KEY }, holder: me, since: { 'S.$': '$$.Execution.StartTime' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
        ResultPath: null,
        Catch: [{ ErrorEquals: ddbConditional, ResultPath: null, Next: 'ReadLock' }],
        Next: 'StartRetraining',
      },
      ReadLock: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:getItem',
        Parameters: { TableName: table, Key: key, ConsistentRead: true },
        ResultPath: '$.lock',
        Next: 'LockHeld',
      },
      LockHeld: {
        Type: 'Choice',
        Choices: [{ Variable: '$.lock.Item.holder.S', IsPresent: true, Next: 'DescribeHolder' }],
        Default: 'AcquireLock',
      },
      DescribeHolder: {
        Type: 'Task',
        Comment: 'Is the execution that took the lock still in its cooldown?',
        Resource: 'arn:aws:states:::aws-sdk:sfn:describeExecution',
        Parameters: { 'ExecutionArn.$': '$.lock.Item.holder.S' },
        ResultSelector: { 'status.$': '$.Status' },
        ResultPath: '$.holder',
        Catch: [{ ErrorEquals: ['Sfn.ExecutionDoesNotExistException'], ResultPath: null, Next: 'TakeOverLock' }],
        Next: 'HolderRunning',
      },
      HolderRunning: {
        Type: 'Choice',
        Choices: [{ Variable: '$.holder.status', StringEquals: 'RUNNING', Next: 'NotifySkipped' }],
        Default: 'TakeOverLock',
      },
      TakeOverLock: {
        Type: 'Task',
        Comment: 'The holder stopped without releasing: take the lock over if nobody else did.',
        Resource: 'arn:aws:states:::dynamodb:putItem',
        Parameters: {
          TableName: table,
          Item: { pk: { S: LOCK_KEY }, holder: me, since: { 'S.$': '$$.Execution.StartTime' } },
          ConditionExpression: 'holder = :old',
          ExpressionAttributeValues: { ':old': { 'S.$': '$.lock.Item.holder.S' } },
        },
        ResultPath: null,
        Catch: [{ ErrorEquals: ddbConditional, ResultPath: null, Next: 'NotifySkipped' }],
        Next: 'StartRetraining',
      },
      NotifySkipped: notify('Drift detected: retraining skipped (cooldown)',
        `Drift alarm {} on ${endpoint}: a retraining started less than ${props.cooldown.toHumanString()} ago, so none is started now.`,
        ['$.detail.alarmName'], 'Skipped'),
      Skipped: { Type: 'Succeed' },
      StartRetraining: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:sagemaker:startPipelineExecution',
        Parameters: {
          'PipelineName': props.pipeline.pipelineName,
          'PipelineExecutionDescription': `Retraining on drift of ${props.endpointName}`,
          'ClientRequestToken.$': "States.Hash($$.Execution.Id, 'SHA-256')",
          ...(parameters.length > 0 ? { PipelineParameters: parameters } : {}),
        },
        ResultSelector: { 'executionArn.$': '$.PipelineExecutionArn' },
        ResultPath: '$.retraining',
        // Throttling is unmodeled in SageMaker: the SDK integration reports the base exception.
        Retry: [{
          ErrorEquals: ['SageMaker.SageMakerException', 'SageMaker.ResourceLimitExceededException'],
          IntervalSeconds: 10,
          MaxAttempts: 3,
          BackoffRate: 2,
          MaxDelaySeconds: 120,
          JitterStrategy: 'FULL',
        }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ReleaseAfterFailure' }],
        Next: 'NotifyStarted',
      },
      NotifyStarted: notify('Drift detected: retraining started',
        `Drift alarm {} on ${endpoint} started retraining pipeline execution {}. No other retraining starts for ${props.cooldown.toHumanString()}.`,
        ['$.detail.alarmName', '$.retraining.executionArn'], 'Cooldown'),
      Cooldown: { Type: 'Wait', Comment: 'Hold the lock for the cooldown.', Seconds: cooldownSeconds, Next: 'ReleaseLock' },
      ReleaseLock: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:deleteItem',
        Parameters: { TableName: table, Key: key, ConditionExpression: 'holder = :me', ExpressionAttributeValues: { ':me': me } },
        ResultPath: null,
        Catch: [{ ErrorEquals: ddbConditional, ResultPath: null, Next: 'Done' }],
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
      ReleaseAfterFailure: {
        Type: 'Task',
        Comment: 'The pipeline did not start: release the lock so the next alarm can try.',
        Resource: 'arn:aws:states:::dynamodb:deleteItem',
        Parameters: { TableName: table, Key: key, ConditionExpression: 'holder = :me', ExpressionAttributeValues: { ':me': me } },
        ResultPath: null,
        Catch: [{ ErrorEquals: ddbConditional, ResultPath: null, Next: 'NotifyFailed' }],
        Next: 'NotifyFailed',
      },
      NotifyFailed: notify('Drift detected: retraining failed to start',
        `Drift alarm {} on ${endpoint}: the retraining pipeline did not start ({}).`,
        ['$.detail.alarmName', '$.error.Error'], 'Failed'),
      Failed: { Type: 'Fail', Error: 'RetrainingNotStarted', Cause: 'StartPipelineExecution failed' },
    },
  };

  const role = new ManagedPolicyRole(scope, 'RetrainingWorkflowRole', {
    assumedBy: new iam.ServicePrincipal('states.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    description: `Retraining workflow of the drift monitor of ${props.endpointName}`,
  });
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem'],
    resources: [lockTable.tableArn],
  }));
  grantKeyUse(role, props.encryptionKey);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['states:DescribeExecution'],
    resources: [stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
  }));
  props.pipeline.grantStartPipelineExecution(role);
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [props.topic.topicArn] }));
  const logGroup = createSecureLogGroup(scope, 'RetrainingWorkflowLogs', { encryptionKey: props.encryptionKey, retention: props.logRetention, removalPolicy: props.removalPolicy });
  const stateMachine = new sfn.StateMachine(scope, 'RetrainingWorkflow', {
    stateMachineName,
    definitionBody: sfn.DefinitionBody.fromString(stack.toJsonString(definition)),
    role,
    tracingEnabled: true,
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(props.encryptionKey),
  });
  acknowledge(stateMachine, 'monitoringStateMachineRoleDependency');

  const ruleRole = new ManagedPolicyRole(scope, 'RetrainingRuleRole', {
    assumedBy: new iam.ServicePrincipal('events.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    description: `Starts the retraining workflow of ${props.endpointName} on drift alarms`,
  });
  const rule = new events.Rule(scope, 'RetrainingRule', {
    description: `Drift alarms of ${props.endpointName} entering ALARM`,
    eventPattern: {
      source: ['aws.cloudwatch'],
      detailType: ['CloudWatch Alarm State Change'],
      resources: props.alarms.map((a) => a.alarmArn),
      detail: { state: { value: ['ALARM'] } },
    },
    targets: [new targets.SfnStateMachine(stateMachine, { role: ruleRole })],
  });
  grantExecutionInputKey(ruleRole, stateMachine, props.encryptionKey);
  for (const r of [role, ruleRole]) {
    acknowledgeMonitoringWildcards(r);
  }
  return { stateMachine, lockTable, rule };
}

/** Escape a literal for States.Format. */
function esc(text: string): string {
  return text.replace(/[\\'{}]/g, (c) => `\\${c}`);
}

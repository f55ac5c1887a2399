/**
 * The transform runs of a batch stage. Not exported from the library:
 * `ApprovalDeployment` builds one per batch stage and hands it out as the
 * stage's `transformStateMachine`.
 *
 * A run is an execution of a small STANDARD state machine, started by an
 * EventBridge Scheduler schedule and/or by an EventBridge rule on the input
 * bucket's "Object Created" events (S3 event notifications to EventBridge):
 *
 * 1. read the stage's current model (the item the deployment workflow's
 *    batch stage writes on approval, see workflow-batch.ts); none yet: fail;
 * 2. name the job `mlops-<stage>-<MD5 of the execution id>` (a fresh name
 *    per run: Step Functions gives every execution its own id) and its output
 *    prefix `<outputPrefix><job name>/`; a new-data run reads the new object,
 *    a scheduled run everything under the input prefix;
 * 3. CreateTransformJob and wait for it (`.sync`);
 * 4. a failed job notifies the deployment's topic (`RUN_FAILED`) and fails
 *    the execution; the alarm on the state machine's `ExecutionsFailed`
 *    notifies the topic too.
 */
import { Annotations, ArnFormat, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cw_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { modelItemKey } from './workflow-batch';
import { NAME_PREFIX, ResolvedStage, RETRY_DYNAMODB } from './workflow-common';
import { acknowledge, acknowledgeArns } from '../private/acknowledgements';
import { ManagedPolicyRole } from '../private/managed-policy-role';
import { createSecureLogGroup } from '../private/secure-defaults';

/** Error of a run before any version was approved. */
export const NO_APPROVED_MODEL_ERROR = 'NoApprovedModel';

/** What the runs of a batch stage need. */
export interface BatchRunnerProps {
  readonly stage: ResolvedStage;
  readonly deploymentId: string;
  readonly leaseTable: dynamodb.ITable;
  readonly topic: sns.ITopic;
  readonly encryptionKey: kms.IKey;
  readonly modelExecutionRole: iam.IRole;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** The transform runs of one batch stage. */
export class BatchRunner extends Construct {
  /** The state machine of the runs. */
  public readonly stateMachine: sfn.StateMachine;
  /** The alarm on failed runs. */
  public readonly failedRunsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: BatchRunnerProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const stage = props.stage;
    const b = stage.batch!;
    const n = (label: string) => `${stage.stageName}: ${label}`;

    const read = new tasks.DynamoGetItem(this, 'ReadModel', {
      stateName: n('read current model'),
      table: props.leaseTable,
      key: modelItemKey(stage.stageName),
      consistentRead: true,
      resultPath: '$.Current',
    });
    read.addRetry(RETRY_DYNAMODB);
    const notify = (sid: string, label: string, event: string, errorPath?: string) => new tasks.SnsPublish(this, sid, {
      stateName: n(label),
      topic: props.topic,
      subject: `ML batch transform ${event.toLowerCase().replace(/_/g, ' ')}`,
      message: sfn.TaskInput.fromObject({
        event,
        stage: stage.stageName,
        execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
        ...(errorPath ? { error: sfn.JsonPath.objectAt(errorPath) } : {}),
      }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    const noModel = notify('NotifyNoModel', 'notify no model', 'RUN_FAILED').next(new sfn.Fail(this, 'NoModel', {
      stateName: n('no approved model'),
      error: NO_APPROVED_MODEL_ERROR,
      cause: `Batch stage ${stage.stageName} has no model yet: approve a version of the registry first.`,
    }));
    const hasModel = new sfn.Choice(this, 'HasModel', { stateName: n('approved model?') });
    const job = `States.Format('${NAME_PREFIX}${stage.stageName}-{}', States.Hash($$.Execution.Id, 'MD5'))`;
    const out = `States.Format('s3://${b.outputBucket.bucketName}/${b.outputPrefix}${NAME_PREFIX}${stage.stageName}-{}', States.Hash($$.Execution.Id, 'MD5'))`;
    const onNewData = new sfn.Pass(this, 'NewData', {
      stateName: n('run on the new object'),
      parameters: { 'JobName.$': job, 'Output.$': out, 'Input.$': 'States.Format(\'s3://{}/{}\', $.detail.bucket.name, $.detail.object.key)' },
      resultPath: '$.Run',
    });
    const scheduled = new sfn.Pass(this, 'Scheduled', {
      stateName: n('run on the input prefix'),
      parameters: { 'JobName.$': job, 'Output.$': out, 'Input': `s3://${b.inputBucket.bucketName}/${b.inputPrefix}` },
      resultPath: '$.Run',
    });
    const which = new sfn.Choice(this, 'Which', { stateName: n('new data or schedule?') });
    const transform = new sfn.CustomState(this, n('transform'), {
      stateJson: {
        Type: 'Task',
        Comment: 'One transform job with the stage\'s current model.',
        Resource: `arn:${stack.partition}:states:::sagemaker:createTransformJob.sync`,
        Parameters: transformParameters(stage, props.deploymentId, props.encryptionKey.keyArn),
        ResultSelector: { 'TransformJobArn.$': '$.TransformJobArn', 'TransformJobStatus.$': '$.TransformJobStatus' },
        ResultPath: '$.Job',
      },
    });
    transform.addRetry({
      errors: ['SageMaker.AmazonSageMakerException'],
      interval: Duration.seconds(5),
      maxAttempts: 3,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    const failed = notify('NotifyFailed', 'notify run failed', 'RUN_FAILED', '$.Error').next(new sfn.Fail(this, 'Failed', {
      stateName: n('run failed'), errorPath: '$.Error.Error', causePath: '$.Error.Cause',
    }));
    transform.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.Error' });
    const done = new sfn.Succeed(this, 'Done', { stateName: n('run succeeded') });
    transform.next(done);
    which.when(sfn.Condition.isPresent('$.detail.object.key'), onNewData.next(transform));
    which.otherwise(scheduled.next(transform));
    hasModel.when(sfn.Condition.isPresent('$.Current.Item.model.S'), which);
    hasModel.otherwise(noModel);
    const definition = read.next(hasModel);

    const role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: `Runs the batch transforms of stage ${stage.stageName}`,
    });
    const jobs = stack.formatArn({ service: 'sagemaker', resource: 'transform-job', resourceName: `${NAME_PREFIX}*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TransformJobs',
      actions: ['sagemaker:CreateTransformJob', 'sagemaker:DescribeTransformJob', 'sagemaker:StopTransformJob', 'sagemaker:AddTags'],
      resources: [jobs],
    }));
    const syncRule = stack.formatArn({
      service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForSageMakerTransformJobsRule', arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'SyncRule', actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'], resources: [syncRule] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'VolumeAndOutputKey',
      actions: ['kms:CreateGrant', 'kms:DescribeKey', 'kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [props.encryptionKey.keyArn],
    }));
    acknowledgeArns(role, 'deploymentGeneratedNames', [jobs]);

    this.stateMachine = new sfn.StateMachine(this, 'Resource', {
      stateMachineName: `${Names.uniqueResourceName(this, { maxLength: 70, separator: '-' })}`,
      role,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: Duration.days(5),
      tracingEnabled: true,
      comment: `cdk-mlops batch transform runs of stage ${stage.stageName}`,
      logs: {
        destination: createSecureLogGroup(this, 'Logs', { encryptionKey: props.encryptionKey, retention: props.logRetention, removalPolicy: props.removalPolicy }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
    });
    acknowledge(this.stateMachine, 'deploymentStateMachineRoleDependency');
    acknowledge(role, 'deploymentServiceWildcards');

    this.failedRunsAlarm = new cloudwatch.Alarm(this, 'FailedRuns', {
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Batch transform runs of stage ${stage.stageName} failed`,
    });
    this.failedRunsAlarm.addAlarmAction(new cw_actions.SnsAction(props.topic));

    grantTransformData(props.modelExecutionRole, b, props.encryptionKey);
    if (b.schedule) {
      this.addSchedule(b.schedule, b.scheduleTimeZone, props.encryptionKey);
    }
    if (b.runOnNewData) {
      this.addNewDataRule(b.inputBucket, b.inputPrefix);
    }
  }

  private addSchedule(schedule: events.Schedule, timeZone: string, key: kms.IKey): void {
    const role = new ManagedPolicyRole(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: 'Starts scheduled batch transform runs',
    });
    this.stateMachine.grantStartExecution(role);
    key.grantDecrypt(role);
    new scheduler.CfnSchedule(this, 'Schedule', {
      description: `Batch transform runs of ${this.node.path}`,
      scheduleExpression: schedule.expressionString,
      scheduleExpressionTimezone: timeZone,
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      kmsKeyArn: key.keyArn,
      target: {
        arn: this.stateMachine.stateMachineArn,
        roleArn: role.roleArn,
        input: '{}',
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
      },
    });
  }

  private addNewDataRule(bucket: s3.IBucket, prefix: string): void {
    // Turning notifications on from CDK (eventBridgeEnabled) brings a custom-resource Lambda: the bucket's owner does it.
    const cfn = bucket.node.defaultChild;
    const on = cfn instanceof s3.CfnBucket && (cfn.notificationConfiguration as any)?.eventBridgeConfiguration?.eventBridgeEnabled === true;
    if (!on) {
      Annotations.of(this).addWarningV2('cdk-mlops:deployment-batch-eventbridge',
        `New data in ${bucket.node.path} starts a batch transform run only when the bucket sends its events to EventBridge: `
        + 'turn that on (NotificationConfiguration.EventBridgeConfiguration, or the S3 console\'s "Amazon EventBridge" setting).');
    }
    new events.Rule(this, 'NewDataRule', {
      description: `Batch transform run for new objects under ${prefix || '(the whole bucket)'}`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [bucket.bucketName] }, ...(prefix ? { object: { key: [{ prefix }] } } : {}) },
      },
      targets: [new targets.SfnStateMachine(this.stateMachine, {
        role: new ManagedPolicyRole(this, 'NewDataRole', {
          assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
          description: 'Starts a batch transform run for new data',
        }),
      })],
    });
  }
}

/** The CreateTransformJob request of a run (the job name, input and output come from `$.Run`). */
export function transformParameters(stage: ResolvedStage, deploymentId: string, keyArn: string): Record<string, unknown> {
  const b = stage.batch!;
  const input: Record<string, unknown> = {
    DataSource: { S3DataSource: { 'S3DataType': 'S3Prefix', 'S3Uri.$': '$.Run.Input' } },
    ContentType: b.contentType,
    SplitType: b.splitType,
  };
  const output: Record<string, unknown> = { 'S3OutputPath.$': '$.Run.Output', 'KmsKeyId': keyArn };
  if (b.accept) {
    output.Accept = b.accept;
  }
  if (b.splitType === 'Line') {
    output.AssembleWith = 'Line';
  }
  const resources: Record<string, unknown> = { InstanceType: b.instanceType, InstanceCount: b.instanceCount };
  if (b.useVolumeKey) {
    resources.VolumeKmsKeyId = keyArn;
  }
  const params: Record<string, unknown> = {
    'TransformJobName.$': '$.Run.JobName',
    'ModelName.$': '$.Current.Item.model.S',
    'BatchStrategy': b.batchStrategy,
    'MaxPayloadInMB': b.maxPayloadMiB,
    'TransformInput': input,
    'TransformOutput': output,
    'TransformResources': resources,
    'Tags': [
      { Key: 'cdk-mlops:deployment', Value: deploymentId },
      { Key: 'cdk-mlops:stage', Value: stage.stageName },
      { 'Key': 'cdk-mlops:model-package-arn', 'Value.$': '$.Current.Item.modelPackageArn.S' },
    ],
  };
  if (b.maxConcurrentTransforms !== undefined) {
    params.MaxConcurrentTransforms = b.maxConcurrentTransforms;
  }
  if (b.inputFilter !== undefined || b.outputFilter !== undefined || b.joinSource !== 'None') {
    params.DataProcessing = {
      ...(b.inputFilter !== undefined ? { InputFilter: b.inputFilter } : {}),
      ...(b.outputFilter !== undefined ? { OutputFilter: b.outputFilter } : {}),
      JoinSource: b.joinSource,
    };
  }
  if (b.invocationTimeoutSeconds !== undefined) {
    params.ModelClientConfig = { InvocationsTimeoutInSeconds: b.invocationTimeoutSeconds };
  }
  if (b.captureUri) {
    params.DataCaptureConfig = { DestinationS3Uri: b.captureUri, KmsKeyId: keyArn };
  }
  return params;
}

/**
 * What SageMaker does with the model's execution role during a transform
 * job: read the input, write the output (and captured data), with the keys.
 */
function grantTransformData(role: iam.IRole, b: NonNullable<ResolvedStage['batch']>, key: kms.IKey): void {
  const inputObjects = b.inputBucket.arnForObjects(`${b.inputPrefix}*`);
  const outputObjects = b.outputBucket.arnForObjects(`${b.outputPrefix}*`);
  role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'TransformReadInput', actions: ['s3:GetObject'], resources: [inputObjects] }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'TransformListInput',
    actions: ['s3:ListBucket'],
    resources: [b.inputBucket.bucketArn],
    conditions: { StringLike: { 's3:prefix': [`${b.inputPrefix}*`] } },
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'TransformWriteOutput', actions: ['s3:PutObject'], resources: [outputObjects] }));
  const bucketKeys = [b.inputBucket.encryptionKey, b.outputBucket.encryptionKey].filter((k): k is kms.IKey => k !== undefined);
  const keys = [key.keyArn, ...bucketKeys.map((k) => k.keyArn)];
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'TransformKeys', actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], resources: [...new Set(keys)],
  }));
  // The job's logs and instance metrics, as for SageMaker jobs (log group /aws/sagemaker/TransformJobs, streams named by the job).
  const stack = Stack.of(role);
  const logGroup = `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:/aws/sagemaker/TransformJobs:*`;
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'TransformLogs', actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], resources: [logGroup],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'TransformMetrics',
    actions: ['cloudwatch:PutMetricData'],
    resources: ['*'],
    conditions: { StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/TransformJobs' } },
  }));
  acknowledgeArns(role, 'deploymentGeneratedNames', [inputObjects, outputObjects, logGroup]);
  acknowledge(role, 'deploymentServiceWildcards');
}

/** What every runner of a deployment shares. */
export type BatchRunnersProps = Omit<BatchRunnerProps, 'stage'>;

/** One runner per batch stage, by stage name (construct id `Batch-<stage>`). */
export function createBatchRunners(scope: Construct, stages: ResolvedStage[], props: BatchRunnersProps): Record<string, BatchRunner> {
  const out: Record<string, BatchRunner> = {};
  for (const stage of stages.filter((st) => st.batch)) {
    out[stage.stageName] = new BatchRunner(scope, `Batch-${stage.stageName}`, { ...props, stage });
  }
  return out;
}

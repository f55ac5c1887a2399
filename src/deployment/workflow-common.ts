/**
 * What every part of the deployment workflow shares: the resolved stage, the
 * context the construct hands over, names and ARNs, retries, and the task
 * helpers. Not exported from the library.
 *
 * Data layout of an execution (JSONPath):
 * - input `{ Action: 'DEPLOY', ModelPackageArn, ModelPackageVersion, ModelPackageGroupName, Explicit? }`
 *   or `{ Action: 'ROLLBACK', StageName }`;
 * - `$.Context`: `ExecutionId` (hashed into generated names) and `EventBudget`
 *   (history events the poll loops may spend, see workflow-history.ts);
 * - `$.Counters`: `Loop` (iterations of the current poll loop) and `Events`
 *   (history events spent in poll loops so far);
 * - `$.Stage`: the stage being worked on (overwritten stage by stage);
 * - `$.Error`: what a failed stage raised.
 */
import { Aws, Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { TrafficShift } from './traffic-shift';
import { eventCost } from './workflow-history';

/** Prefix of every model and endpoint config the workflow creates. */
export const NAME_PREFIX = 'mlops-';
/** The production variant of every endpoint. */
export const VARIANT_NAME = 'AllTraffic';
/** Tag holding the endpoint config that was live before the last update. */
export const PREVIOUS_CONFIG_TAG = 'cdk-mlops:previous-endpoint-config';
/** Value of the previous-config tag on an endpoint that was never updated. */
export const NO_PREVIOUS_CONFIG = 'none';
/** Error a reviewer gives to reject a gate. */
export const REJECTED_ERROR = 'Rejected';
/** Error when SageMaker rolled back an update and still reports InService. */
export const SILENT_ROLLBACK_ERROR = 'SilentRollback';
/** Error when the smoke test failed. */
export const SMOKE_TEST_ERROR = 'SmokeTestFailed';
/** Error of a run whose version is no longer the newest approved one. */
export const SUPERSEDED_ERROR = 'Superseded';

/** Endpoint statuses that end by themselves (DescribeEndpoint `EndpointStatus`). */
export const BUSY_STATUSES = ['Creating', 'Updating', 'SystemUpdating', 'RollingBack'];

/** A stage with every default applied. */
export interface ResolvedStage {
  readonly stageName: string;
  readonly endpointName: string;
  readonly serverless: boolean;
  readonly memorySizeMiB?: number;
  readonly maxConcurrency: number;
  readonly instanceType: string;
  readonly useVolumeKey: boolean;
  readonly initialInstanceCount: number;
  readonly captureUri?: string;
  readonly samplingPercent: number;
  readonly trafficShift: TrafficShift;
  readonly terminationWait: Duration;
  readonly maximumExecutionTimeout: Duration;
  /** Autoscaling; `backlog` tracks `ApproximateBacklogSizePerInstance` (asynchronous stages), else invocations per instance. */
  readonly autoscaling?: { readonly min: number; readonly max: number; readonly target: number; readonly backlog?: boolean };
  readonly smokeTest?: { readonly payload: string; readonly contentType: string };
  readonly approvalRequired: boolean;
  readonly approvalTimeout: Duration;
  /** Delete a Failed endpoint and create it again. */
  readonly recreateFailedEndpoint: boolean;
  /** Run the model container without network access; overrides the deployment's `networkIsolation`. */
  readonly networkIsolation?: boolean;
  /** The target account when it is not the workflow's. */
  readonly account?: string;
  /** Prefix of the names shared with the target account (its network parameter), for a cross-account stage. */
  readonly namePrefix?: string;
  /** The role tasks of a cross-account stage assume. */
  readonly taskRole?: sfn.TaskRole;
  /** The role SageMaker runs the model with. */
  readonly modelRoleArn: string;
  /** The key (ARN or alias ARN) of volumes and captured data. */
  readonly keyArn: string;
  /** Names of the alarms that roll an update back. */
  readonly rollbackAlarmNames: string[];
  /** The `AsyncInferenceConfig` of an asynchronous stage. */
  readonly asyncInference?: ResolvedAsync;
  /** What the transform jobs of a batch stage run with. */
  readonly batch?: ResolvedBatch;
}

/** An asynchronous stage's output locations, key, topics and concurrency. */
export interface ResolvedAsync {
  readonly outputUri: string;
  readonly failureUri: string;
  readonly keyArn: string;
  readonly successTopicArn?: string;
  readonly errorTopicArn?: string;
  readonly includeInferenceResponseIn?: string[];
  readonly maxConcurrentInvocationsPerInstance?: number;
}

/** A batch stage's transform job settings and triggers. */
export interface ResolvedBatch {
  readonly inputBucket: s3.IBucket;
  readonly inputPrefix: string;
  readonly outputBucket: s3.IBucket;
  /** Ends in `/`. */
  readonly outputPrefix: string;
  readonly instanceType: string;
  readonly instanceCount: number;
  /** False for instance types with local NVMe storage (they reject a volume key). */
  readonly useVolumeKey: boolean;
  readonly contentType: string;
  readonly accept?: string;
  readonly splitType: string;
  readonly batchStrategy: string;
  readonly maxPayloadMiB: number;
  readonly maxConcurrentTransforms?: number;
  readonly inputFilter?: string;
  readonly outputFilter?: string;
  readonly joinSource: string;
  readonly invocationTimeoutSeconds?: number;
  readonly schedule?: events.Schedule;
  readonly scheduleTimeZone: string;
  readonly runOnNewData: boolean;
  /** Batch data capture (`DataCaptureConfig` of the jobs). */
  readonly captureUri?: string;
}

/** What the workflow needs from the construct. */
export interface WorkflowContext {
  readonly stages: ResolvedStage[];
  readonly topic: sns.ITopic;
  readonly deploymentId: string;
  readonly networkIsolation: boolean;
  readonly securityGroupIds?: string[];
  readonly subnetIds?: string[];
  readonly pollInterval: Duration;
  /** How long to wait for a busy endpoint, a new endpoint or a deletion. */
  readonly endpointWaitTimeout: Duration;
  /** Endpoint configs (and models) of this deployment kept per stage; undefined turns pruning off. */
  readonly keepVersions?: number;
  /** The per-stage leases. */
  readonly leaseTable: dynamodb.ITable;
  /** The model package group, by ARN (ListModelPackages takes an ARN or a name). */
  readonly modelPackageGroupArn: string;
  /** IAM resources of the group's versions. */
  readonly modelPackageArns: string[];
  /** The state machine's name (its executions hold leases). */
  readonly stateMachineName: string;
}

/**
 * SageMaker models no throttling error: Step Functions' SDK integration
 * reports it, like every error the model does not list, as the SDK's base
 * exception `SageMaker.SageMakerException` (error names are
 * `<Prefix>.<Name>Exception`, prefixes as in "Supported AWS SDK service
 * integrations" of the Step Functions Developer Guide). The base exception
 * also carries validation errors, so the retry is bounded; backoff with full
 * jitter spreads the retries of concurrent executions.
 */
export const RETRY_SAGEMAKER: sfn.RetryProps = {
  errors: ['SageMaker.SageMakerException'],
  interval: Duration.seconds(2),
  maxAttempts: 5,
  backoffRate: 2,
  maxDelay: Duration.seconds(30),
  jitterStrategy: sfn.JitterType.FULL,
};

/**
 * Application Auto Scaling: throttling is unmodeled too (base exception);
 * concurrent updates and internal errors are modeled and retryable.
 */
export const RETRY_AUTOSCALING: sfn.RetryProps = {
  errors: [
    'ApplicationAutoScaling.ApplicationAutoScalingException',
    'ApplicationAutoScaling.ConcurrentUpdateException',
    'ApplicationAutoScaling.InternalServiceException',
  ],
  interval: Duration.seconds(2),
  maxAttempts: 5,
  backoffRate: 2,
  maxDelay: Duration.seconds(30),
  jitterStrategy: sfn.JitterType.FULL,
};

/**
 * DynamoDB through the optimized integration: throttling and capacity errors
 * are modeled (`ThrottlingException`, `ProvisionedThroughputExceededException`,
 * `RequestLimitExceeded`, `InternalServerError`), anything else is the AWS SDK
 * for Java 1.x base exception `DynamoDB.AmazonDynamoDBException`.
 */
export const RETRY_DYNAMODB: sfn.RetryProps = {
  errors: [
    'DynamoDB.ThrottlingException',
    'DynamoDB.ProvisionedThroughputExceededException',
    'DynamoDB.RequestLimitExceededException',
    'DynamoDB.InternalServerErrorException',
    'DynamoDB.AmazonDynamoDBException',
  ],
  interval: Duration.seconds(1),
  maxAttempts: 5,
  backoffRate: 2,
  maxDelay: Duration.seconds(20),
  jitterStrategy: sfn.JitterType.FULL,
};

/** Step Functions through the SDK integration: throttling is unmodeled (base exception). */
export const RETRY_SFN: sfn.RetryProps = {
  errors: ['Sfn.SfnException'],
  interval: Duration.seconds(2),
  maxAttempts: 3,
  backoffRate: 2,
  maxDelay: Duration.seconds(20),
  jitterStrategy: sfn.JitterType.FULL,
};

/**
 * Systems Manager: throttling is unmodeled (base exception `Ssm.SsmException`);
 * internal errors are modeled (`InternalServerError`).
 */
export const RETRY_SSM: sfn.RetryProps = {
  errors: ['Ssm.SsmException', 'Ssm.InternalServerErrorException'],
  interval: Duration.seconds(2),
  maxAttempts: 5,
  backoffRate: 2,
  maxDelay: Duration.seconds(30),
  jitterStrategy: sfn.JitterType.FULL,
};

const RETRY_BY_SERVICE: Record<string, sfn.RetryProps> = {
  sagemaker: RETRY_SAGEMAKER,
  applicationautoscaling: RETRY_AUTOSCALING,
  sfn: RETRY_SFN,
  ssm: RETRY_SSM,
};

/**
 * The name of the SSM parameter in which a `DeploymentTargetAccount`
 * publishes the VPC config of its network; both sides derive it from the
 * cross-account prefix.
 */
export function targetNetworkParameterName(namePrefix: string): string {
  return `/${namePrefix}/deployment-network`;
}

/** A poll's describe call: one quick retry; the loop itself retries on the next iteration. */
export const RETRY_POLL: sfn.RetryProps = { ...RETRY_SAGEMAKER, maxAttempts: 1 };

function arn(resource: string, account?: string): string {
  return `arn:${Aws.PARTITION}:sagemaker:${Aws.REGION}:${account ?? Aws.ACCOUNT_ID}:${resource}`;
}

/** IAM resources of generated models. */
export function modelArns(account?: string): string[] {
  return [arn(`model/${NAME_PREFIX}*`, account)];
}

/** IAM resources of generated endpoint configs. */
export function endpointConfigArns(account?: string): string[] {
  return [arn(`endpoint-config/${NAME_PREFIX}*`, account)];
}

/** IAM resource of Application Auto Scaling targets (ids are generated by the service). */
export function scalableTargetArns(account?: string): string {
  return `arn:${Aws.PARTITION}:application-autoscaling:${Aws.REGION}:${account ?? Aws.ACCOUNT_ID}:scalable-target/*`;
}

/** IAM resource of a stage's endpoint (SageMaker ARNs are lowercase). */
export function endpointArn(stage: ResolvedStage): string {
  return arn(`endpoint/${stage.endpointName.toLowerCase()}`, stage.account);
}

/** Number of poll iterations that cover `bound` at `interval` (at least one). */
export function pollsFor(bound: Duration, interval: Duration): number {
  return Math.max(1, Math.ceil(bound.toSeconds() / interval.toSeconds()));
}

/** Options of a service call. */
export interface CallOptions {
  readonly resultSelector?: Record<string, unknown>;
  readonly resultPath?: string;
  readonly retry?: sfn.RetryProps;
  /** The SDK integration's service name. */
  readonly service?: string;
  /** The IAM action prefix. */
  readonly iamPrefix?: string;
}

/** Names a stage's states: `<stage>: <label>`. */
export type Namer = (label: string) => string;

/**
 * Builds states: SageMaker and Application Auto Scaling calls (as the stage's
 * task role for cross-account stages), notifications, and bounded poll loops.
 */
export class WorkflowTasks {
  /** History events of one iteration of the dearest poll loop built so far. */
  public maxIterationCost = 0;

  constructor(public readonly scope: Construct, public readonly ctx: WorkflowContext) {}

  /** A SageMaker SDK call. */
  public call(s: Construct, id: string, stateName: string, action: string, parameters: Record<string, unknown>,
    iamResources: string[], stage?: ResolvedStage,
    options: CallOptions = {}): tasks.CallAwsService {
    const iamPrefix = options.iamPrefix ?? 'sagemaker';
    const task = new tasks.CallAwsService(s, id, {
      stateName,
      service: options.service ?? 'sagemaker',
      action,
      iamAction: `${iamPrefix}:${action.charAt(0).toUpperCase()}${action.slice(1)}`,
      iamResources,
      credentials: stage?.taskRole ? { role: stage.taskRole } : undefined,
      parameters,
      resultSelector: options.resultSelector,
      resultPath: options.resultPath ?? sfn.JsonPath.DISCARD,
    });
    task.addRetry(options.retry ?? RETRY_BY_SERVICE[options.service ?? 'sagemaker']);
    return task;
  }

  /** An Application Auto Scaling SDK call on the stage's scalable targets. */
  public autoscaling(s: Construct, id: string, stateName: string, action: string, parameters: Record<string, unknown>,
    stage: ResolvedStage): tasks.CallAwsService {
    return this.call(s, id, stateName, action, parameters, [scalableTargetArns(stage.account)], stage, {
      service: 'applicationautoscaling', iamPrefix: 'application-autoscaling',
    });
  }

  /** A notification on the topic. */
  public notify(s: Construct, id: string, stateName: string, event: string, errorPath?: string, stageName?: string): tasks.SnsPublish {
    const message: Record<string, unknown> = {
      event,
      execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
      input: sfn.JsonPath.objectAt('$$.Execution.Input'),
    };
    if (stageName) {
      message.stage = stageName;
    }
    if (errorPath) {
      message.error = sfn.JsonPath.objectAt(errorPath);
    }
    return new tasks.SnsPublish(s, id, {
      stateName,
      topic: this.ctx.topic,
      subject: `ML deployment ${event.toLowerCase().replace(/_/g, ' ')}`,
      message: sfn.TaskInput.fromObject(message),
      resultPath: sfn.JsonPath.DISCARD,
    });
  }

  /** Start a poll loop: its iteration counter goes back to 0, the event count carries on. */
  public resetLoop(s: Construct, id: string, stateName: string): sfn.Pass {
    return new sfn.Pass(s, id, {
      stateName,
      parameters: { 'Loop': 0, 'Events.$': '$.Counters.Events' },
      resultPath: '$.Counters',
    });
  }

  /**
   * The last state of one poll iteration: counts it, and adds the history
   * events one iteration of `loopStates` (and this state) can write.
   */
  public countLoop(s: Construct, id: string, stateName: string, loopStates: sfn.State[]): sfn.Pass {
    const cost = eventCost(loopStates.map((st) => st.toStateJson())) + 2;
    this.maxIterationCost = Math.max(this.maxIterationCost, cost);
    return new sfn.Pass(s, id, {
      stateName,
      parameters: { 'Loop.$': 'States.MathAdd($.Counters.Loop, 1)', 'Events.$': `States.MathAdd($.Counters.Events, ${cost})` },
      resultPath: '$.Counters',
    });
  }

  /** True while a poll loop may go on: below its own bound and within the execution's event budget. */
  public withinBounds(maxPolls: number): sfn.Condition {
    return sfn.Condition.and(
      sfn.Condition.numberLessThan('$.Counters.Loop', maxPolls),
      sfn.Condition.numberLessThanJsonPath('$.Counters.Events', '$.Context.EventBudget'),
    );
  }

  /** True when the event budget (not the loop's own bound) stopped a loop. */
  public budgetSpent(): sfn.Condition {
    return sfn.Condition.not(sfn.Condition.numberLessThanJsonPath('$.Counters.Events', '$.Context.EventBudget'));
  }
}

/** One of the listed values at `path`. */
export function oneOf(path: string, values: string[]): sfn.Condition {
  return sfn.Condition.or(...values.map((v) => sfn.Condition.stringEquals(path, v)));
}

import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { MlInstanceType } from '../common';

/** The hosting option of a deployment stage. */
export enum DeploymentTargetKind {
  /** A real-time endpoint on instances. */
  REALTIME = 'REALTIME',
  /** A serverless endpoint. */
  SERVERLESS = 'SERVERLESS',
  /** An asynchronous inference endpoint (requests queued, results written to S3). */
  ASYNC = 'ASYNC',
  /** Batch transform jobs that run the approved model on a schedule or on new data. */
  BATCH = 'BATCH',
}

/** Options of a real-time endpoint stage. */
export interface RealtimeTargetOptions {
  /**
   * Instance type of the endpoint.
   * @default MlInstanceType.ML_M5_LARGE
   */
  readonly instanceType?: MlInstanceType;
  /**
   * Instances at creation.
   * @default 1
   */
  readonly initialInstanceCount?: number;
}

/** Options of a serverless endpoint stage. */
export interface ServerlessTargetOptions {
  /** Memory size in MiB: 1024, 2048, 3072, 4096, 5120 or 6144. */
  readonly memorySizeMiB: number;
  /**
   * Maximum concurrent invocations (1 to 200).
   * @default 20
   */
  readonly maxConcurrency?: number;
}

/** Which notification carries the inference response (`IncludeInferenceResponseIn`). */
export enum AsyncResponseNotification {
  /** The success notification carries the response. */
  SUCCESS = 'SUCCESS_NOTIFICATION_TOPIC',
  /** The error notification carries the response. */
  ERROR = 'ERROR_NOTIFICATION_TOPIC',
}

/** Options of an asynchronous inference stage. */
export interface AsyncTargetOptions {
  /**
   * Instance type of the endpoint.
   * @default MlInstanceType.ML_M5_LARGE
   */
  readonly instanceType?: MlInstanceType;
  /**
   * Instances at creation (and of every blue/green update's new fleet when
   * the stage does not autoscale).
   * @default 1
   */
  readonly initialInstanceCount?: number;
  /**
   * Bucket that receives results (`S3OutputPath`) and failures
   * (`S3FailurePath`). SageMaker writes with the model execution role and
   * encrypts with the deployment's key.
   * @default - the deployment's KMS-encrypted bucket (its data capture bucket); for a stage in another account, the target account's capture bucket
   */
  readonly outputBucket?: s3.IBucket;
  /**
   * Key prefix of results in the output bucket, without a leading `/`.
   * @default 'async-inference/<stageName>/output'
   */
  readonly outputPrefix?: string;
  /**
   * Key prefix of failures in the output bucket, different from `outputPrefix`.
   * @default 'async-inference/<stageName>/failure'
   */
  readonly failurePrefix?: string;
  /**
   * Topic SageMaker notifies when a request succeeds.
   * @default - a new topic encrypted with the deployment's key (stages in the deployment's account); none for other accounts
   */
  readonly successTopic?: sns.ITopic;
  /**
   * Topic SageMaker notifies when a request fails.
   * @default - a new topic encrypted with the deployment's key (stages in the deployment's account); none for other accounts
   */
  readonly errorTopic?: sns.ITopic;
  /**
   * Notifications that carry the inference response.
   * @default - none
   */
  readonly includeInferenceResponseIn?: AsyncResponseNotification[];
  /**
   * Requests one instance processes at once (`MaxConcurrentInvocationsPerInstance`, 1 to 1000).
   * @default - chosen by SageMaker
   */
  readonly maxConcurrentInvocationsPerInstance?: number;
  /**
   * Minimum instances under autoscaling; 0 lets the endpoint scale in to
   * zero instances while its queue is empty. Autoscaling is on when
   * `maxCapacity` is set.
   * @default 0
   */
  readonly minCapacity?: number;
  /**
   * Maximum instances under autoscaling on the queue backlog (turns autoscaling on).
   * @default - no autoscaling
   */
  readonly maxCapacity?: number;
  /**
   * Target of `ApproximateBacklogSizePerInstance` (queued requests per instance).
   * @default 5
   */
  readonly targetBacklogPerInstance?: number;
}

/** How a transform job batches records (`BatchStrategy`). */
export enum TransformBatchStrategy {
  /** As many records per request as fit `maxPayloadMiB`. */
  MULTI_RECORD = 'MultiRecord',
  /** One record per request. */
  SINGLE_RECORD = 'SingleRecord',
}

/** How input files are split into records (`SplitType`). */
export enum TransformSplitType {
  /** Whole files. */
  NONE = 'None',
  /** One record per line (outputs are assembled by line too). */
  LINE = 'Line',
  /** RecordIO. */
  RECORD_IO = 'RecordIO',
  /** TFRecord. */
  TF_RECORD = 'TFRecord',
}

/** What is joined to each output record (`DataProcessing.JoinSource`). */
export enum TransformJoinSource {
  /** The output only. */
  NONE = 'None',
  /** The input record, joined with its output. */
  INPUT = 'Input',
}

/** Options of a batch transform stage. */
export interface BatchTargetOptions {
  /** Bucket the transform jobs read input from. */
  readonly inputBucket: s3.IBucket;
  /**
   * Key prefix of the input (a scheduled run reads everything under it; a
   * new-data run reads the new object).
   * @default '' - the whole bucket
   */
  readonly inputPrefix?: string;
  /**
   * Bucket the jobs write results to (encrypted with the deployment's key).
   * @default - the input bucket
   */
  readonly outputBucket?: s3.IBucket;
  /**
   * Key prefix of results; each run writes under `<outputPrefix><job name>/`.
   * @default 'batch-output/<stageName>/'
   */
  readonly outputPrefix?: string;
  /**
   * When scheduled runs happen (EventBridge Scheduler), e.g. `events.Schedule.cron({ hour: '2', minute: '0' })`.
   * @default - no scheduled runs
   */
  readonly schedule?: events.Schedule;
  /**
   * Time zone of a cron `schedule` (IANA name).
   * @default 'UTC'
   */
  readonly scheduleTimeZone?: string;
  /**
   * Run a job for every object created under `inputPrefix` (S3 events
   * through EventBridge; the construct turns EventBridge notifications on
   * for a bucket it can modify).
   * @default false
   */
  readonly runOnNewData?: boolean;
  /**
   * Instance type of the jobs.
   * @default MlInstanceType.ML_M5_LARGE
   */
  readonly instanceType?: MlInstanceType;
  /**
   * Instances per job.
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * MIME type of the input.
   * @default 'text/csv'
   */
  readonly contentType?: string;
  /**
   * MIME type of the output (`Accept`).
   * @default - the container's default
   */
  readonly accept?: string;
  /**
   * How input files are split into records.
   * @default TransformSplitType.LINE
   */
  readonly splitType?: TransformSplitType;
  /**
   * How records are batched per request.
   * @default TransformBatchStrategy.MULTI_RECORD
   */
  readonly batchStrategy?: TransformBatchStrategy;
  /**
   * Largest request payload in MiB (0 to 100; 0 streams the payload).
   * @default 6
   */
  readonly maxPayloadMiB?: number;
  /**
   * Parallel requests per instance.
   * @default - chosen by SageMaker
   */
  readonly maxConcurrentTransforms?: number;
  /**
   * JSONPath that selects the model input from each record (`InputFilter`, e.g. `$[1:]`).
   * @default - the whole record
   */
  readonly inputFilter?: string;
  /**
   * JSONPath that selects what is written from the joined record (`OutputFilter`).
   * @default - everything
   */
  readonly outputFilter?: string;
  /**
   * Join the input record to its output.
   * @default TransformJoinSource.NONE
   */
  readonly joinSource?: TransformJoinSource;
  /**
   * Timeout of one request to the container.
   * @default - SageMaker's default (600 seconds)
   */
  readonly invocationTimeout?: Duration;
}

/**
 * The hosting option of a stage: a real-time, serverless or asynchronous
 * endpoint, or batch transform jobs. One choice per stage; options a kind
 * does not support are rejected when the deployment is built.
 */
export abstract class DeploymentTarget {
  /** A real-time endpoint (the default). */
  public static realtime(options: RealtimeTargetOptions = {}): DeploymentTarget {
    return new Target(DeploymentTargetKind.REALTIME, { realtime: options });
  }

  /** A serverless endpoint: no VPC, no network isolation, no data capture. */
  public static serverless(options: ServerlessTargetOptions): DeploymentTarget {
    return new Target(DeploymentTargetKind.SERVERLESS, { serverless: options });
  }

  /**
   * An asynchronous inference endpoint: requests are queued, results and
   * failures written to a KMS-encrypted bucket and announced on encrypted
   * topics; it can scale in to zero instances on its queue backlog.
   */
  public static asynchronous(options: AsyncTargetOptions = {}): DeploymentTarget {
    return new Target(DeploymentTargetKind.ASYNC, { async: options });
  }

  /**
   * Batch transform: approving a version makes it the model that scheduled
   * and new-data transform jobs of this stage run.
   */
  public static batch(options: BatchTargetOptions): DeploymentTarget {
    return new Target(DeploymentTargetKind.BATCH, { batch: options });
  }

  /** The kind of hosting. */
  public abstract readonly kind: DeploymentTargetKind;
  /** Options of a real-time stage. */
  public abstract readonly realtimeOptions?: RealtimeTargetOptions;
  /** Options of a serverless stage. */
  public abstract readonly serverlessOptions?: ServerlessTargetOptions;
  /** Options of an asynchronous stage. */
  public abstract readonly asyncOptions?: AsyncTargetOptions;
  /** Options of a batch stage. */
  public abstract readonly batchOptions?: BatchTargetOptions;
}

interface TargetOptions {
  readonly realtime?: RealtimeTargetOptions;
  readonly serverless?: ServerlessTargetOptions;
  readonly async?: AsyncTargetOptions;
  readonly batch?: BatchTargetOptions;
}

class Target extends DeploymentTarget {
  public readonly realtimeOptions?: RealtimeTargetOptions;
  public readonly serverlessOptions?: ServerlessTargetOptions;
  public readonly asyncOptions?: AsyncTargetOptions;
  public readonly batchOptions?: BatchTargetOptions;

  constructor(public readonly kind: DeploymentTargetKind, o: TargetOptions) {
    super();
    this.realtimeOptions = o.realtime;
    this.serverlessOptions = o.serverless;
    this.asyncOptions = o.async;
    this.batchOptions = o.batch;
  }
}

import { Duration, UnscopedValidationError } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { DeploymentTarget, DeploymentTargetKind } from './deployment-target';
import { MlInstanceType } from '../common';
import { TrafficShift } from './traffic-shift';
import { VARIANT_NAME } from './workflow-common';

/**
 * One stage of an approval deployment: an endpoint the approved model version
 * is rolled out to, optionally behind a manual approval gate.
 */
export interface DeploymentStageOptions {
  /**
   * Name of the stage: 1 to 12 lowercase letters, digits and hyphens,
   * starting with a letter. Part of generated model and endpoint config names.
   */
  readonly stageName: string;
  /**
   * Name of the stage's SageMaker endpoint (lowercase; SageMaker writes ARNs in lowercase).
   * Changing it makes the next deployment create a new endpoint and leaves
   * the old one serving.
   * @default - `<construct unique name>-<stageName>`, lowercase
   */
  readonly endpointName?: string;
  /**
   * Pause before this stage until someone approves through the task token
   * sent to the notification topic.
   * @default false
   */
  readonly approvalRequired?: boolean;
  /**
   * How long a manual approval waits before the deployment fails.
   * @default Duration.days(7)
   */
  readonly approvalTimeout?: Duration;
  /**
   * How the stage hosts the model: `DeploymentTarget.realtime()`,
   * `.serverless()`, `.asynchronous()` or `.batch()`. With a target, its
   * options replace `instanceType`, `initialInstanceCount`, the serverless
   * and the autoscaling props, which must then be left out.
   * @default - a real-time endpoint (or serverless with `serverlessMemorySizeMiB`) from the flat props
   */
  readonly target?: DeploymentTarget;
  /**
   * Instance type of a real-time endpoint. Ignored for serverless stages.
   * @default MlInstanceType.ML_M5_LARGE
   */
  readonly instanceType?: MlInstanceType;
  /**
   * Instances at creation of a real-time endpoint.
   * @default 1
   */
  readonly initialInstanceCount?: number;
  /**
   * Make the stage a serverless endpoint with this memory size, in MiB
   * (1024, 2048, 3072, 4096, 5120 or 6144). Serverless endpoints capture no
   * data, so they cannot be monitored for drift: set `dataCapture: false`.
   * @default - a real-time endpoint
   */
  readonly serverlessMemorySizeMiB?: number;
  /**
   * Maximum concurrent invocations of a serverless endpoint (1 to 200).
   * @default 20
   */
  readonly serverlessMaxConcurrency?: number;
  /**
   * Capture requests and responses to the encrypted data capture bucket.
   * Required for drift monitoring; not available on serverless endpoints.
   * @default - true for real-time endpoints, false for serverless ones
   */
  readonly dataCapture?: boolean;
  /**
   * Share of requests captured, in percent (0 to 100).
   * @default 100
   */
  readonly dataCaptureSamplingPercent?: number;
  /**
   * How traffic moves to the new fleet when the endpoint is updated.
   * @default TrafficShift.allAtOnce() - with a 5 minute bake
   */
  readonly trafficShift?: TrafficShift;
  /**
   * How long the old fleet is kept after all traffic has moved, so a late
   * alarm can still roll back (0 to 60 minutes).
   * @default Duration.minutes(5)
   */
  readonly terminationWait?: Duration;
  /**
   * Upper bound of one blue/green update (10 minutes to 8 hours); SageMaker
   * wants it longer than the rollout's waits (every bake of `trafficShift`
   * plus `terminationWait`).
   * @default - the rollout's waits plus one hour, at least 2 hours and at most 8 hours
   */
  readonly maximumExecutionTimeout?: Duration;
  /**
   * Roll back when `Invocation5XXErrors` of the endpoint reach this count in
   * one minute (the construct creates the alarm).
   * @default 1
   */
  readonly invocation5xxErrorsThreshold?: number;
  /**
   * Roll back when `InvocationModelErrors` reach this count in one minute.
   * @default 1
   */
  readonly invocationModelErrorsThreshold?: number;
  /**
   * Roll back when the average `ModelLatency` over one minute exceeds this.
   * @default Duration.seconds(1)
   */
  readonly modelLatencyThreshold?: Duration;
  /**
   * More alarms that roll the update back. With the three the construct
   * creates, at most 10 (SageMaker's limit).
   * @default - none
   */
  readonly additionalRollbackAlarms?: cloudwatch.IAlarm[];
  /**
   * Minimum instances under autoscaling. Autoscaling is on when
   * `maxCapacity` is set; it is registered again after every update, so it
   * survives blue/green updates.
   * @default - `initialInstanceCount`
   */
  readonly minCapacity?: number;
  /**
   * Maximum instances under autoscaling (turns autoscaling on).
   * @default - no autoscaling
   */
  readonly maxCapacity?: number;
  /**
   * Target of `SageMakerVariantInvocationsPerInstance` for target tracking.
   * @default 100
   */
  readonly targetInvocationsPerInstance?: number;
  /**
   * Request body of a smoke test: after the update the workflow invokes the
   * endpoint once with it and fails (and rolls back) on an error.
   * @default - no smoke test
   */
  readonly smokeTestPayload?: string;
  /**
   * Content type of the smoke test request.
   * @default 'application/json'
   */
  readonly smokeTestContentType?: string;
  /**
   * When the stage's endpoint is Failed (SageMaker allows nothing but
   * DeleteEndpoint on it), delete it and create it again with the new
   * version. Off, the deployment fails and says how to delete it by hand.
   * @default - true for stages without a manual gate, except the last stage (production keeps a failed endpoint for a human to look at)
   */
  readonly recreateFailedEndpoint?: boolean;
  /**
   * Deploy this stage into another account (same region): the workflow
   * assumes the deployer role of the `DeploymentTargetAccount` deployed
   * there, and uses its model role, key, capture bucket and rollback alarms
   * (the alarm thresholds of this stage are then those of the target
   * construct). The model runs in the target account's network: the
   * workflow reads its VPC config from the parameter the target construct
   * publishes (`DeploymentTargetAccount.networkParameterName()`).
   * @default - the deployment's own account
   */
  readonly account?: string;
  /**
   * Run this stage's model container without network access
   * (`EnableNetworkIsolation`): it can then call nothing, not even AWS APIs
   * through the VPC's endpoints. Turn off only for containers that must call
   * out at inference time.
   * @default - the deployment's `networkIsolation` (true)
   */
  readonly networkIsolation?: boolean;
}

/**
 * What another layer (drift monitoring, dashboards) needs to know about one
 * stage of a deployment.
 */
export interface DeploymentStageAttributes {
  /** The stage name. */
  readonly stageName: string;
  /** The endpoint name. */
  readonly endpointName: string;
  /**
   * Whether the endpoint is serverless.
   * @default false
   */
  readonly serverless?: boolean;
  /**
   * How the stage hosts the model.
   * @default - DeploymentTargetKind.SERVERLESS when `serverless`, else DeploymentTargetKind.REALTIME
   */
  readonly kind?: DeploymentTargetKind;
  /**
   * The state machine that runs a batch stage's transform jobs (start it to run one now).
   * @default - none (not a batch stage)
   */
  readonly transformStateMachine?: sfn.IStateMachine;
  /**
   * The bucket data capture writes to; absent when the stage captures nothing.
   * @default - no data capture
   */
  readonly dataCaptureBucket?: s3.IBucket;
  /**
   * The key prefix (ending in `/`) under which SageMaker writes captures, as
   * `<prefix><endpointName>/<variant>/yyyy/mm/dd/hh/` for an endpoint; for a
   * batch stage the prefix of the transform job's `DestinationS3Uri`, under
   * which SageMaker writes manifests as `<prefix>input/yyyy/mm/dd/hh/` and
   * `<prefix>output/yyyy/mm/dd/hh/` ("Capture data from batch transform job",
   * SageMaker Developer Guide).
   * @default - no data capture
   */
  readonly dataCapturePrefix?: string;
  /**
   * A batch stage's transform input bucket: the manifests batch data capture
   * writes name objects in it.
   * @default - none (not a batch stage)
   */
  readonly transformInputBucket?: s3.IBucket;
  /**
   * The key prefix of a batch stage's transform input.
   * @default '' (the whole bucket)
   */
  readonly transformInputPrefix?: string;
  /**
   * The MIME type of a batch stage's transform input (`ContentType`).
   * @default - none (not a batch stage)
   */
  readonly transformContentType?: string;
  /**
   * The KMS key of captured data and the endpoint volume.
   * @default - none known
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * The account of the endpoint when it is not the deployment's.
   * @default - the deployment's account
   */
  readonly account?: string;
  /**
   * The stage's endpoint as aws-cdk-lib sees it (`StageEndpoint.fromEndpointAttributes()`),
   * for `grantInvoke` and aws-cdk-lib's own SageMaker targets.
   * @default - none: `endpoint` throws (metrics work from `endpointName` alone)
   */
  readonly endpoint?: sagemaker.IEndpoint;
}

/**
 * One deployed stage as other layers see it: endpoint, serverless or not,
 * where its captured data lands and under which key.
 */
export class DeploymentStage {
  /** Describe a stage of a deployment built elsewhere. */
  public static fromStageAttributes(attrs: DeploymentStageAttributes): DeploymentStage {
    return new DeploymentStage(attrs);
  }

  /** The stage name. */
  public readonly stageName: string;
  /** The SageMaker endpoint name. */
  public readonly endpointName: string;
  /** Whether the endpoint is serverless (and so captures no data). */
  public readonly serverless: boolean;
  /** How the stage hosts the model. */
  public readonly kind: DeploymentTargetKind;
  /** The state machine that runs a batch stage's transform jobs. */
  public readonly transformStateMachine?: sfn.IStateMachine;
  /** The data capture bucket, when the stage captures data. */
  public readonly dataCaptureBucket?: s3.IBucket;
  /** The prefix under which capture files land, when the stage captures data. */
  public readonly dataCapturePrefix?: string;
  /** The key that encrypts captured data and endpoint volumes (absent for another account's stage). */
  public readonly encryptionKey?: kms.IKey;
  /** The account of the endpoint when it is not the deployment's. */
  public readonly account?: string;
  /** A batch stage's transform input bucket. */
  public readonly transformInputBucket?: s3.IBucket;
  /** The key prefix of a batch stage's transform input. */
  public readonly transformInputPrefix: string;
  /** The MIME type of a batch stage's transform input. */
  public readonly transformContentType?: string;
  private readonly endpointHandle?: sagemaker.IEndpoint;

  private constructor(attrs: DeploymentStageAttributes) {
    this.stageName = attrs.stageName;
    this.endpointName = attrs.endpointName;
    this.serverless = attrs.serverless ?? false;
    this.kind = attrs.kind ?? (this.serverless ? DeploymentTargetKind.SERVERLESS : DeploymentTargetKind.REALTIME);
    this.transformStateMachine = attrs.transformStateMachine;
    this.dataCaptureBucket = attrs.dataCaptureBucket;
    this.dataCapturePrefix = attrs.dataCapturePrefix;
    this.encryptionKey = attrs.encryptionKey;
    this.account = attrs.account;
    this.transformInputBucket = attrs.transformInputBucket;
    this.transformInputPrefix = attrs.transformInputPrefix ?? '';
    this.transformContentType = attrs.transformContentType;
    this.endpointHandle = attrs.endpoint;
  }

  /**
   * The stage's SageMaker endpoint (`grantInvoke`, `endpointArn`, with the
   * endpoint's account for a stage in another account). A batch stage has no
   * endpoint: it throws a ValidationError naming the stage.
   */
  public get endpoint(): sagemaker.IEndpoint {
    this.requireEndpoint('endpoint');
    if (!this.endpointHandle) {
      throw new UnscopedValidationError('CdkMlopsInvalidProps' as any,
        `DeploymentStage ${this.stageName}: endpoint: got undefined; allowed: the stage's endpoint handle. `
        + 'Fix: use deployment.stage(name), or give endpoint: StageEndpoint.fromEndpointAttributes(...) to DeploymentStage.fromStageAttributes().');
    }
    return this.endpointHandle;
  }

  /**
   * A CloudWatch metric of the stage's endpoint: namespace `AWS/SageMaker`,
   * dimensions `EndpointName` and `VariantName` (every stage has one variant,
   * `AllTraffic`), as SageMaker publishes endpoint invocation metrics
   * ("Amazon SageMaker AI metrics in Amazon CloudWatch", SageMaker Developer
   * Guide). A stage in another account gets that account on the metric
   * (cross-account dashboards and alarms need CloudWatch cross-account
   * observability). Throws for a batch stage (no endpoint).
   * @param metricName the metric, e.g. `InvocationsPerInstance`
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    this.requireEndpoint(`metric('${metricName}')`);
    return new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName,
      dimensionsMap: { EndpointName: this.endpointName, VariantName: VARIANT_NAME },
      period: Duration.minutes(5),
      account: this.account,
      ...props,
    });
  }

  /** `Invocations`: requests sent to the endpoint (sum per 5 minutes). */
  public metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocations', { statistic: 'Sum', ...props });
  }

  /** `Invocation4XXErrors`: requests the model answered with a 4xx code (sum per 5 minutes). */
  public metricInvocation4XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocation4XXErrors', { statistic: 'Sum', ...props });
  }

  /** `Invocation5XXErrors`: requests the model answered with a 5xx code (sum per 5 minutes). */
  public metricInvocation5XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocation5XXErrors', { statistic: 'Sum', ...props });
  }

  /** `InvocationModelErrors`: requests whose model answer was not 2xx (sum per 5 minutes). */
  public metricInvocationModelErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('InvocationModelErrors', { statistic: 'Sum', ...props });
  }

  /** `ModelLatency`: time the model took to answer, in microseconds (average per 5 minutes). */
  public metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ModelLatency', { statistic: 'Average', ...props });
  }

  /** `OverheadLatency`: time SageMaker added to the model's, in microseconds (average per 5 minutes). */
  public metricOverheadLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('OverheadLatency', { statistic: 'Average', ...props });
  }

  private requireEndpoint(what: string): void {
    if (this.kind === DeploymentTargetKind.BATCH) {
      throw new UnscopedValidationError('CdkMlopsInvalidProps' as any,
        `DeploymentStage ${this.stageName}: ${what}: got a batch stage; allowed: real-time, serverless and asynchronous stages. `
        + `Fix: batch stage ${this.stageName} has no endpoint; use its transformStateMachine (and its ExecutionsFailed metric) instead.`);
    }
  }

  /** True when the stage captures requests and responses. */
  public get dataCaptureEnabled(): boolean {
    return this.dataCaptureBucket !== undefined && this.dataCapturePrefix !== undefined;
  }

  /**
   * Allow reading this stage's captured data (objects under the prefix, the
   * listing of the prefix, and decryption with the stage's key), e.g. for a
   * drift check. Grants nothing when the stage captures no data.
   */
  public grantReadDataCapture(grantee: iam.IGrantable): iam.Grant {
    const bucket = this.dataCaptureBucket;
    const prefix = this.dataCapturePrefix;
    if (!bucket || prefix === undefined) {
      return iam.Grant.drop(grantee, `read data capture of stage ${this.stageName} (it captures no data)`);
    }
    let grant = iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [bucket.arnForObjects(`${prefix}*`)] });
    grant = grant.combine(iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
    }));
    if (this.encryptionKey) {
      grant = grant.combine(this.encryptionKey.grantDecrypt(grantee));
    }
    return grant;
  }

  /**
   * The S3 URI SageMaker writes captures under (`DestinationS3Uri`), when the
   * stage captures data.
   */
  public get dataCaptureS3Uri(): string | undefined {
    if (!this.dataCaptureBucket || this.dataCapturePrefix === undefined) {
      return undefined;
    }
    return `s3://${this.dataCaptureBucket.bucketName}/${this.dataCapturePrefix.replace(/\/$/, '')}`;
  }
}

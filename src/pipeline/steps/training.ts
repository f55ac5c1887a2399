import { Duration } from 'aws-cdk-lib';
import { MlInstanceType } from '../../common';
import { SageMakerImage } from '../images';
import { JobSecurityOptions } from '../job-security';
import { JobKind, RenderContext } from '../render-context';
import { PipelineValue } from '../values';
import { CacheableStepProps, PipelineStep } from './step';
import { renderTrainingJob } from './training-job';

/** A training data channel. */
export interface TrainingChannel {
  /** Channel name, e.g. `train`, `validation`. */
  readonly channelName: string;
  /** S3 URI of the data. */
  readonly s3Uri: PipelineValue;
  /**
   * MIME type of the data, e.g. `text/csv`.
   * @default - none
   */
  readonly contentType?: string;
}

/** A metric the training job publishes, parsed from its logs. */
export interface TrainingMetricDefinition {
  /** Metric name. */
  readonly name: string;
  /** Regular expression with one group that captures the value. */
  readonly regex: string;
}

/** Properties of the training job of a training or tuning step. */
export interface TrainingJobProps {
  /** The training image. */
  readonly image: SageMakerImage;
  /**
   * Instance type.
   * @default - MlInstanceType.ML_M5_XLARGE, unless instanceTypeValue is set
   */
  readonly instanceType?: MlInstanceType;
  /**
   * Instance type set at run time, e.g. a pipeline parameter's `value`
   * (instead of `instanceType`).
   * @default - instanceType
   */
  readonly instanceTypeValue?: PipelineValue;
  /**
   * Instance count.
   * @default - 1, unless instanceCountValue is set
   */
  readonly instanceCount?: number;
  /**
   * Instance count set at run time, e.g. an integer parameter's `value`
   * (instead of `instanceCount`).
   * @default - instanceCount
   */
  readonly instanceCountValue?: PipelineValue;
  /**
   * ML storage volume per instance, in GiB.
   * @default 30
   */
  readonly volumeSizeGiB?: number;
  /** Input channels. */
  readonly channels: TrainingChannel[];
  /**
   * Where the model artifact is written.
   * @default - s3://<artifact bucket>/<job prefix>/<execution id>/<step>/model
   */
  readonly outputPath?: PipelineValue;
  /**
   * Hyperparameters (SageMaker passes them to the container as strings).
   * @default - none
   */
  readonly hyperparameters?: { [name: string]: string };
  /**
   * Hyperparameters set at run time (a parameter, a step property), besides
   * those of `hyperparameters`.
   * @default - none
   */
  readonly hyperparameterValues?: { [name: string]: PipelineValue };
  /**
   * Metrics parsed from the logs.
   * @default - none
   */
  readonly metricDefinitions?: TrainingMetricDefinition[];
  /**
   * Maximum run time.
   * @default Duration.hours(24)
   */
  readonly maxRuntime?: Duration;
  /**
   * Environment variables of the container.
   * @default - none
   */
  readonly environment?: { [name: string]: string };
  /**
   * Environment variables set at run time (a parameter, a step property),
   * besides those of `environment`.
   * @default - none
   */
  readonly environmentValues?: { [name: string]: PipelineValue };
  /**
   * Security settings of the job.
   * @default - VPC of the pipeline's network, network isolation on, inter-container encryption, the pipeline's key
   */
  readonly security?: JobSecurityOptions;
}

/** Properties of a training step. */
export interface TrainingStepProps extends CacheableStepProps, TrainingJobProps {}

/**
 * A step that runs a SageMaker Training job.
 */
export class TrainingStep extends PipelineStep {
  private readonly props: TrainingStepProps;

  constructor(name: string, props: TrainingStepProps) {
    super(name, 'Training', props);
    this.props = props;
  }

  /** The S3 URI of the model artifact (`ModelArtifacts.S3ModelArtifacts`). */
  public get modelArtifactsUri(): PipelineValue {
    return this.property('ModelArtifacts.S3ModelArtifacts');
  }

  /** The value of a final metric of the job (`FinalMetricDataList['name'].Value`). */
  public finalMetric(metricName: string): PipelineValue {
    return this.property(`FinalMetricDataList['${metricName}'].Value`);
  }

  /** @internal */
  protected _renderBody(ctx: RenderContext): any {
    ctx.jobKinds.add(JobKind.TRAINING);
    return {
      Arguments: {
        TrainingJobName: ctx.jobName(this.stepName, JobKind.TRAINING),
        ...renderTrainingJob(ctx, this.stepName, this.props, false),
      },
    };
  }
}

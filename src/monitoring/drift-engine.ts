import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { MlInstanceType } from '../common';
import { DriftBaseline } from './drift-baseline';
import { EngineBinding, EngineContext } from './engine-context';
import { bindModelMonitorEngine, validateModelMonitorOptions } from './model-monitor-engine';
import { bindProcessingEngine, validateProcessingOptions } from './processing-engine';
import { ProcessingBiasOptions, ProcessingModelQualityOptions } from './quality-options';

/** Which per-feature metrics the drift check publishes. */
export enum FeatureMetrics {
  /** No per-feature metric. */
  NONE = 'NONE',
  /** `FeatureDrift` per feature (needed for per-feature alarms). */
  SCORE = 'SCORE',
  /** `FeatureDrift`, `FeaturePSI`, `FeatureKS`, `FeatureJSDistance` and `FeatureMissingRateDelta` per feature. */
  ALL = 'ALL',
}

/** Options of the default engine: the library's drift check on SageMaker Processing. */
export interface ProcessingDriftEngineOptions {
  /**
   * Processing instance type. With local NVMe storage (`ml.m5d.xlarge`,
   * `ml.g5.xlarge`, ...) the job's volume has no KMS key: SageMaker rejects
   * `VolumeKmsKeyId` for these and encrypts the storage in hardware.
   * @default MlInstanceType.ML_M5_XLARGE
   */
  readonly instanceType?: MlInstanceType;
  /**
   * Instances per check. Above 1 the window's capture files are sharded
   * across the instances by S3 key (`ShardedByS3Key`), each writes a partial
   * summary, and a second single-instance job merges them.
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * ML storage volume per instance, in GiB.
   * @default 30
   */
  readonly volumeSizeGiB?: number;
  /**
   * KMS key of the instances' ML storage volumes (not with an instance type
   * with local NVMe storage, whose storage SageMaker encrypts in hardware).
   * @default - the monitor's key; none for instance types with local NVMe storage
   */
  readonly volumeEncryptionKey?: kms.IKey;
  /**
   * The processing image URI.
   * @default - the AWS SKLearn processing image of the stack's region (shipped table)
   */
  readonly imageUri?: string;
  /**
   * Framework version of the AWS SKLearn image.
   * @default '1.2-1'
   */
  readonly sklearnVersion?: string;
  /**
   * Population stability index threshold (numeric and categorical), > 0 and <= 10.
   * @default 0.2
   */
  readonly psiThreshold?: number;
  /**
   * Kolmogorov-Smirnov statistic threshold (numeric), > 0 and <= 1.
   * @default 0.1
   */
  readonly ksThreshold?: number;
  /**
   * Jensen-Shannon distance threshold (categorical, base 2), > 0 and <= 1.
   * @default 0.1
   */
  readonly jsThreshold?: number;
  /**
   * Threshold of the absolute change of a feature's missing-value rate, > 0 and <= 1.
   * @default 0.05
   */
  readonly missingRateThreshold?: number;
  /**
   * Flag a categorical feature when the chi-squared p-value is below this (> 0 and <= 0.5).
   * @default - off
   */
  readonly chi2PValue?: number;
  /**
   * Present values a feature needs in a window before it is judged.
   * @default 100
   */
  readonly minRows?: number;
  /**
   * Share of malformed capture rows above which the window is a violation (0 to 1).
   * @default 0.1
   */
  readonly maxMalformedShare?: number;
  /**
   * Per-feature metrics to publish.
   * @default FeatureMetrics.SCORE
   */
  readonly featureMetrics?: FeatureMetrics;
  /**
   * Names of every captured column when requests have other columns or
   * another order than the baseline (`_` for columns to ignore).
   * @default - the baseline's features, in order
   */
  readonly captureColumns?: string[];
  /**
   * Upper bound of one check job.
   * @default Duration.hours(1)
   */
  readonly maxRuntime?: Duration;
  /**
   * Model quality from ground-truth labels (Accuracy, F1, AUC, RMSE, MAE),
   * published and alarmed like the drift metrics, checked once the labels
   * of a window have arrived.
   * @default - no model quality
   */
  readonly modelQuality?: ProcessingModelQualityOptions;
  /**
   * Bias of the predictions per facet (DPPL, DI, AD, RD), with alarms.
   * Needs `modelQuality`.
   * @default - no bias metrics
   */
  readonly bias?: ProcessingBiasOptions;
}

/** Problem type of a model quality check (both engines). */
export enum ModelQualityProblemType {
  /** Binary classification. */
  BINARY_CLASSIFICATION = 'BinaryClassification',
  /** Multiclass classification. */
  MULTICLASS_CLASSIFICATION = 'MulticlassClassification',
  /** Regression. */
  REGRESSION = 'Regression',
}

/** Model quality monitoring (Model Monitor engine). */
export interface ModelQualityMonitorOptions {
  /** The problem type. */
  readonly problemType: ModelQualityProblemType;
  /** Bucket of the ground-truth labels (Model Monitor layout). */
  readonly groundTruthBucket: s3.IBucket;
  /** Key prefix of the ground-truth labels. */
  readonly groundTruthPrefix: string;
  /**
   * Baseline constraints of model quality.
   * @default - no baseline: metrics only
   */
  readonly baseline?: DriftBaseline;
  /**
   * Field of the endpoint output holding the prediction (JSON output).
   * @default - the whole output
   */
  readonly inferenceAttribute?: string;
  /**
   * Field of the endpoint output holding the probability (classification).
   * @default - none
   */
  readonly probabilityAttribute?: string;
  /**
   * Probability at which a binary prediction is positive.
   * @default 0.5
   */
  readonly probabilityThreshold?: number;
}

/** Bias or explainability monitoring with SageMaker Clarify (Model Monitor engine). */
export interface ClarifyMonitorOptions {
  /** The Clarify analysis configuration (`analysis_config.json`). */
  readonly analysisConfig: DriftBaseline;
  /**
   * Bucket of the ground-truth labels (bias monitoring needs them).
   * @default - none (explainability)
   */
  readonly groundTruthBucket?: s3.IBucket;
  /**
   * Key prefix of the ground-truth labels.
   * @default - none
   */
  readonly groundTruthPrefix?: string;
  /**
   * Baseline constraints.
   * @default - none
   */
  readonly baseline?: DriftBaseline;
}

/** Options of the Model Monitor engine. */
export interface ModelMonitorDriftEngineOptions {
  /**
   * Monitor data quality against the monitor's baseline (statistics and constraints).
   * @default true
   */
  readonly dataQuality?: boolean;
  /**
   * Monitor model quality against ground truth.
   * @default - off
   */
  readonly modelQuality?: ModelQualityMonitorOptions;
  /**
   * Monitor bias of the model's predictions (Clarify).
   * @default - off
   */
  readonly bias?: ClarifyMonitorOptions;
  /**
   * Monitor feature attributions (Clarify).
   * @default - off
   */
  readonly explainability?: ClarifyMonitorOptions;
  /**
   * Instance type of the monitoring jobs.
   * @default MlInstanceType.ML_M5_XLARGE
   */
  readonly instanceType?: MlInstanceType;
  /**
   * ML storage volume of the monitoring jobs, in GiB.
   * @default 30
   */
  readonly volumeSizeGiB?: number;
  /**
   * Upper bound of one monitoring job (at most the schedule's window, and one hour for hourly schedules).
   * @default Duration.minutes(50)
   */
  readonly maxRuntime?: Duration;
}

/**
 * What computes drift: the library's drift check on SageMaker Processing
 * (default, works in every account) or SageMaker Model Monitor (for accounts
 * that still have it; closed to new customers from 2026-07-30).
 */
export abstract class DriftEngine {
  /**
   * The library's drift check (`assets/drift_check`) as a SageMaker
   * Processing job on the AWS SKLearn image, started on the schedule by
   * EventBridge Scheduler through a Step Functions workflow.
   */
  public static processing(options: ProcessingDriftEngineOptions = {}): DriftEngine {
    return new ProcessingDriftEngine(options);
  }

  /**
   * SageMaker Model Monitor job definitions and monitoring schedules (data
   * quality, and model quality, bias and explainability when configured).
   */
  public static modelMonitor(options: ModelMonitorDriftEngineOptions = {}): DriftEngine {
    return new ModelMonitorDriftEngine(options);
  }

  /** The engine's name: `processing` or `modelMonitor`. */
  public abstract readonly engineName: string;

  /**
   * Validate the options in the monitor's context.
   * @internal
   */
  public abstract _validate(ctx: EngineContext): void;

  /**
   * Build the engine's resources in the monitor.
   * @internal
   */
  public abstract _bind(ctx: EngineContext): EngineBinding;
}

class ProcessingDriftEngine extends DriftEngine {
  public readonly engineName = 'processing';
  constructor(private readonly options: ProcessingDriftEngineOptions) {
    super();
  }
  public _validate(ctx: EngineContext): void {
    validateProcessingOptions(this.options, ctx);
  }
  public _bind(ctx: EngineContext): EngineBinding {
    return bindProcessingEngine(this.options, ctx);
  }
}

class ModelMonitorDriftEngine extends DriftEngine {
  public readonly engineName = 'modelMonitor';
  constructor(private readonly options: ModelMonitorDriftEngineOptions) {
    super();
  }
  public _validate(ctx: EngineContext): void {
    validateModelMonitorOptions(this.options, ctx);
  }
  public _bind(ctx: EngineContext): EngineBinding {
    return bindModelMonitorEngine(this.options, ctx);
  }
}

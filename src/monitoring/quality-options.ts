import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { ModelQualityProblemType } from './drift-engine';
import type { BiasFacet } from '../pipeline/steps/drift-baseline';

/**
 * Model quality from ground-truth labels, on the default engine (the
 * library's drift check). Labels use the Model Monitor ground-truth layout
 * (`<prefix>yyyy/mm/dd/hh/*.jsonl`, one `groundTruthData` record per
 * inference, joined on `inferenceId` or `eventId`).
 *
 * Labels arrive late, so the quality of window W is checked `labelDelay`
 * after W ends, reading the labels uploaded from the start of W up to then;
 * it runs in a second job of each scheduled check and publishes only
 * model-quality and bias metrics.
 */
export interface ProcessingModelQualityOptions {
  /** The problem type. */
  readonly problemType: ModelQualityProblemType;
  /** Bucket of the ground-truth labels. */
  readonly groundTruthBucket: s3.IBucket;
  /** Key prefix of the ground-truth labels, e.g. `ground-truth/churn/`. */
  readonly groundTruthPrefix: string;
  /**
   * How long after a window its labels are complete: the quality of a window
   * is checked this long after it ends (whole minutes, at most 30 days).
   * @default Duration.hours(24)
   */
  readonly labelDelay?: Duration;
  /**
   * Field of a JSON endpoint output that holds the prediction.
   * @default - the first of score, probability, prediction, predicted_label, label
   */
  readonly predictionKey?: string;
  /**
   * Column of a CSV endpoint output (or element of a JSON list) that holds the prediction.
   * @default 0
   */
  readonly predictionIndex?: number;
  /**
   * The label of the positive class (binary and multiclass: bias and F1).
   * @default '1'
   */
  readonly positiveLabel?: string;
  /**
   * Binary: the score at or above which a prediction is positive, 0 to 1.
   * @default 0.5
   */
  readonly probabilityThreshold?: number;
  /**
   * Alarm when accuracy falls below this (classification), 0 to 1.
   * @default - no alarm
   */
  readonly minAccuracy?: number;
  /**
   * Alarm when F1 (binary) or macro F1 (multiclass) falls below this, 0 to 1.
   * @default - no alarm
   */
  readonly minF1?: number;
  /**
   * Alarm when ROC AUC falls below this (binary), 0 to 1.
   * @default - no alarm
   */
  readonly minAuc?: number;
  /**
   * Alarm when RMSE rises above this (regression).
   * @default - no alarm
   */
  readonly maxRmse?: number;
  /**
   * Alarm when MAE rises above this (regression).
   * @default - no alarm
   */
  readonly maxMae?: number;
}

/**
 * Bias of the model's predictions per facet, on the default engine, with the
 * metric definitions of SageMaker Clarify: DPPL and DI over every captured
 * prediction of the window, AD and RD over the labelled ones; the baseline's
 * pre-training CI and DPL of the same facet are in the report. Needs
 * `modelQuality` (problem type, labels) with a binary or multiclass problem.
 */
export interface ProcessingBiasOptions {
  /** The facets (at most 20). */
  readonly facets: BiasFacet[];
  /**
   * Alarm when |DPPL| (difference in positive proportions in predicted labels) exceeds this, 0 to 1.
   * @default - no alarm
   */
  readonly maxAbsDppl?: number;
  /**
   * Alarm when disparate impact falls below this (e.g. 0.8, the four-fifths rule), 0 to 1.
   * @default - no alarm
   */
  readonly minDisparateImpact?: number;
  /**
   * Alarm when disparate impact rises above this (e.g. 1.25), above 1.
   * @default - no alarm
   */
  readonly maxDisparateImpact?: number;
  /**
   * Alarm when |AD| (accuracy difference) exceeds this, 0 to 1.
   * @default - no alarm
   */
  readonly maxAbsAccuracyDifference?: number;
  /**
   * Alarm when |RD| (recall difference) exceeds this, 0 to 1.
   * @default - no alarm
   */
  readonly maxAbsRecallDifference?: number;
}

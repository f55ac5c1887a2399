import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DriftBaseline } from './drift-baseline';
import { DriftSchedule } from './drift-schedule';
import { DeploymentStage } from '../deployment/deployment-stage';
import { ISecureMlNetwork } from '../network/secure-ml-network';
import { PropsValidator } from '../private/validation';

/**
 * What a DriftMonitor hands its engine (library-internal).
 */
export interface EngineContext {
  readonly scope: Construct;
  readonly stage: DeploymentStage;
  /**
   * The key captured data is decrypted with: the stage's, or for a stage of
   * another account whose key is not known here, that account's keys.
   */
  readonly captureKey?: kms.IKey;
  readonly baseline?: DriftBaseline;
  readonly schedule: DriftSchedule;
  readonly encryptionKey: kms.IKey;
  readonly reportBucket: s3.IBucket;
  readonly reportPrefix: string;
  readonly network?: ISecureMlNetwork;
  readonly features: string[];
  readonly featureAlarms: string[];
  readonly variantName: string;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
  readonly validator: PropsValidator;
}

/** An alarm an engine asks the monitor for (model quality, bias). */
export interface EngineAlarmSpec {
  /** Construct id of the alarm. */
  readonly id: string;
  /** The key of the alarm in the monitor's `qualityAlarms`. */
  readonly name: string;
  readonly description: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly comparisonOperator: cloudwatch.ComparisonOperator;
  /** True when the alarm should start retraining too (model quality), false to notify only (bias). */
  readonly retrain: boolean;
}

/**
 * What an engine gives back: how to read its metrics, and what it built.
 */
export interface EngineBinding {
  /** Engine name for messages. */
  readonly engineName: string;
  /** Threshold at which the overall drift metric means drift. */
  readonly driftScoreDefaultThreshold: number;
  /** The workflow that runs scheduled checks (processing engine). */
  readonly checkStateMachine?: sfn.IStateMachine;
  /** The period of the metrics. */
  readonly period: Duration;
  /** Alarms on model quality and bias the monitor creates. */
  readonly alarmSpecs?: EngineAlarmSpec[];
  /** What the overall drift alarm watches: the overall metric, or metric math over the features' metrics. */
  driftAlarmMetric(): cloudwatch.IMetric;
  /** The overall drift metric, when the engine publishes one (the processing engine's `DriftScore`). */
  metricDriftScore?(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** The drift metric of one feature. */
  metricFeatureDrift(feature: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** Violations found by the last check, when the engine publishes them (the processing engine's `Violations`). */
  metricViolations?(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

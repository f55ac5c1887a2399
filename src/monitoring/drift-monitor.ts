import { Annotations, Duration, IResource, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cw_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { isBatchStage, validateBatchSource } from './batch-source';
import { DriftBaseline } from './drift-baseline';
import { DriftEngine } from './drift-engine';
import { DriftSchedule } from './drift-schedule';
import { EngineBinding, EngineContext } from './engine-context';
import { DRIFT_NAMESPACE } from './processing-engine';
import { buildRetraining } from './retraining';
import { DeploymentStage } from '../deployment/deployment-stage';
import { ISecureMlNetwork } from '../network/secure-ml-network';
import { IMlPipeline } from '../pipeline/ml-pipeline-interface';
import { allowAlarmsToPublish } from '../private/alarm-notifications';
import { createSecureBucket, createSecureKey } from '../private/secure-defaults';
import { fail, PropsValidator } from '../private/validation';

/**
 * A drift monitor of one endpoint, as other constructs see it.
 */
export interface IDriftMonitor extends IResource {
  /**
   * The monitored endpoint.
   * @attribute
   */
  readonly endpointName: string;
  /**
   * The metric of overall drift: `DriftScore` of the drift check (a drift
   * score of 1 means a threshold was reached), or with a feature, that
   * feature's `FeatureDrift` (Maximum per window). With the Model Monitor
   * engine, give a feature: its `feature_baseline_drift_<feature>`; Model
   * Monitor publishes no overall metric (the drift alarm watches the largest
   * of the features' metrics, see `driftAlarm.metric`), so without a feature
   * this throws.
   */
  metricDrift(feature?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /**
   * `Violations`: thresholds crossed by the last check (Maximum per window).
   * The Model Monitor engine publishes no such metric: this throws.
   */
  metricViolations(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /**
   * An EventBridge rule for the monitor's drift alarms entering ALARM
   * (`CloudWatch Alarm State Change`).
   */
  onDriftDetected(id: string, options?: events.OnEventOptions): events.Rule;
}

/** Attributes of a drift monitor defined elsewhere (processing engine). */
export interface DriftMonitorAttributes {
  /** The monitored endpoint. */
  readonly endpointName: string;
  /**
   * ARNs of the drift alarms `onDriftDetected` matches.
   * @default - every alarm on the drift check's metrics of this endpoint
   */
  readonly alarmArns?: string[];
}

abstract class DriftMonitorBase extends Resource implements IDriftMonitor {
  public abstract readonly endpointName: string;
  protected abstract readonly alarmArnsForEvents: string[];
  public abstract metricDrift(feature?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  public abstract metricViolations(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  public onDriftDetected(id: string, options: events.OnEventOptions = {}): events.Rule {
    const rule = new events.Rule(this, id, options);
    const detail: any = { state: { value: ['ALARM'] } };
    if (this.alarmArnsForEvents.length === 0) {
      const metric = { namespace: [DRIFT_NAMESPACE], dimensions: { EndpointName: [this.endpointName] } };
      detail.configuration = { metrics: { metricStat: { metric } } };
    }
    rule.addEventPattern({
      source: ['aws.cloudwatch'],
      detailType: ['CloudWatch Alarm State Change'],
      resources: this.alarmArnsForEvents.length > 0 ? this.alarmArnsForEvents : undefined,
      detail,
    });
    if (options.target) {
      rule.addTarget(options.target);
    }
    return rule;
  }
}

/** Properties of a DriftMonitor. */
export interface DriftMonitorProps {
  /**
   * The deployment stage to monitor (its endpoint, and where its captured
   * data lands): `deployment.stage('prod')` of an ApprovalDeployment, or
   * `DeploymentStage.fromStageAttributes({...})` for any endpoint with data capture.
   * A batch stage with data capture is monitored too: each check reads the
   * transform input named by the manifests captured in its window
   * (`DriftEngine.processing()` only, drift of the input features only).
   */
  readonly stage: DeploymentStage;
  /**
   * What computes drift.
   * @default DriftEngine.processing()
   */
  readonly engine?: DriftEngine;
  /**
   * The baseline windows are compared against. Required by the processing
   * engine and by Model Monitor data quality.
   * @default - none: construction fails with a message that names the fix
   */
  readonly baseline?: DriftBaseline;
  /**
   * When checks run (and so the window each looks at).
   * @default DriftSchedule.hourly()
   */
  readonly schedule?: DriftSchedule;
  /**
   * Run the checks in this network (no network isolation: the check publishes
   * metrics and reads S3 through the network's endpoints, which it requires).
   * @default - jobs run outside a VPC
   */
  readonly network?: ISecureMlNetwork;
  /**
   * The production variant whose captured data is checked.
   * @default 'AllTraffic'
   */
  readonly variantName?: string;
  /**
   * The feature names of the baseline. Per-feature alarms are validated
   * against them; the Model Monitor engine needs them for its metrics.
   * @default - not known
   */
  readonly features?: string[];
  /**
   * Features that get their own alarm (on `FeatureDrift`), each one of `features`.
   * @default - no per-feature alarm
   */
  readonly featureAlarms?: string[];
  /**
   * Alarm when the overall drift metric reaches this value: a `DriftScore` of
   * 1 means a threshold of the drift check was reached (0 to 100 exclusive of 0);
   * for Model Monitor it is the largest feature distance (0 to 1).
   * @default - 1 (processing), 0.1 (Model Monitor)
   */
  readonly driftScoreThreshold?: number;
  /**
   * Alarm threshold of per-feature alarms, same scale as `driftScoreThreshold`.
   * @default - the drift score threshold
   */
  readonly featureDriftThreshold?: number;
  /**
   * Consecutive windows over the threshold before the alarm fires: at least
   * 1, and the windows they span at most 7 days (1 day for windows under an
   * hour), CloudWatch's limit of an alarm's evaluation range.
   * @default 1
   */
  readonly alarmEvaluationPeriods?: number;
  /**
   * The pipeline to start when drift is detected.
   * @default - no retraining (alarms notify only)
   */
  readonly retrainPipeline?: IMlPipeline;
  /**
   * Parameters of the retraining execution.
   * @default - the pipeline's defaults
   */
  readonly retrainPipelineParameters?: { [name: string]: string };
  /**
   * Minimum time between two retrainings, whatever the alarms do (at least
   * the schedule's window, at most 365 days).
   * @default Duration.hours(24)
   */
  readonly retrainCooldown?: Duration;
  /**
   * Topic for drift alarms and retraining notices.
   * @default - a new topic encrypted with the monitor's key
   */
  readonly notificationTopic?: sns.ITopic;
  /**
   * Email addresses subscribed to the notifications.
   * @default - none
   */
  readonly notificationEmails?: string[];
  /**
   * More subscriptions of the notification topic (SQS, Lambda, HTTPS, ...).
   * @default - none
   */
  readonly notificationSubscriptions?: sns.ITopicSubscription[];
  /**
   * KMS key of reports, logs, the topic, the lock table and job volumes.
   * @default - a new customer-managed key with rotation, retained
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Bucket for drift reports (and partial summaries of sharded checks).
   * @default - a new KMS-encrypted, versioned, access-logged bucket, retained
   */
  readonly reportBucket?: s3.IBucket;
  /**
   * Key prefix of reports in the bucket, ending in `/`.
   * @default 'drift-reports/'
   */
  readonly reportPrefix?: string;
  /**
   * Retention of the workflows' log groups.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the key, bucket, log groups and lock table on stack delete.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Monitors one endpoint for data and model drift: checks its captured data
 * on a schedule against a baseline, alarms, notifies people, and starts the
 * retraining pipeline at most once per cooldown.
 */
export class DriftMonitor extends DriftMonitorBase {
  /** A monitor defined elsewhere (processing engine metrics). */
  public static fromDriftMonitorAttributes(scope: Construct, id: string, attrs: DriftMonitorAttributes): IDriftMonitor {
    class Import extends DriftMonitorBase {
      public readonly endpointName = attrs.endpointName;
      protected readonly alarmArnsForEvents = attrs.alarmArns ?? [];
      public metricDrift(feature?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
        return processingMetric(feature ? 'FeatureDrift' : 'DriftScore', attrs.endpointName, feature, props);
      }
      public metricViolations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
        return processingMetric('Violations', attrs.endpointName, undefined, props);
      }
    }
    return new Import(scope, id);
  }

  /** A monitor defined elsewhere, by endpoint name. */
  public static fromEndpointName(scope: Construct, id: string, endpointName: string): IDriftMonitor {
    return DriftMonitor.fromDriftMonitorAttributes(scope, id, { endpointName });
  }

  public readonly endpointName: string;
  /** The monitored stage. */
  public readonly stage: DeploymentStage;
  /** The engine that computes drift (`processing` or `modelMonitor`). */
  public readonly engineName: string;
  /** The overall drift alarm. */
  public readonly driftAlarm: cloudwatch.Alarm;
  /** Per-feature alarms, by feature name. */
  public readonly featureAlarms: { [feature: string]: cloudwatch.IAlarm };
  /**
   * Alarms on model quality (`Accuracy`, `F1`, `AUC`, `RMSE`, `MAE`) and
   * bias (`DPPL <facet>`, `DI <facet> min|max`, `AD <facet>`, `RD <facet>`)
   * thresholds of the processing engine; quality alarms start retraining,
   * bias alarms notify only.
   */
  public readonly qualityAlarms: { [name: string]: cloudwatch.IAlarm };
  /** The topic that receives alarms and retraining notices. */
  public readonly notificationTopic: sns.ITopic;
  /** The key of reports, logs, the topic and the lock table. */
  public readonly encryptionKey: kms.IKey;
  /** The bucket of drift reports. */
  public readonly reportBucket: s3.IBucket;
  /** The workflow that runs scheduled checks (processing engine). */
  public readonly checkStateMachine?: sfn.IStateMachine;
  /** The retraining workflow (when a retraining pipeline is given). */
  public readonly retrainingStateMachine?: sfn.IStateMachine;
  /** The lock table that enforces the retraining cooldown. */
  public readonly retrainingLockTable?: dynamodb.ITable;
  /** The alarm on failed checks (processing engine). */
  public readonly checkFailedAlarm?: cloudwatch.IAlarm;
  protected readonly alarmArnsForEvents: string[];
  private readonly binding: EngineBinding;

  constructor(scope: Construct, id: string, props: DriftMonitorProps) {
    super(scope, id);
    const stage = props.stage;
    const engine = props.engine ?? DriftEngine.processing();
    const schedule = props.schedule ?? DriftSchedule.hourly();
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const features = props.features ?? [];
    const v = new PropsValidator(this, 'DriftMonitor');
    this.endpointName = stage.endpointName;
    this.stage = stage;
    this.engineName = engine.engineName;

    validateMonitorProps(v, props, schedule, features);
    const key = props.encryptionKey ?? createSecureKey(this, 'Key', { description: `Drift monitor of ${stage.endpointName}`, removalPolicy });
    this.encryptionKey = key;
    const reportBucket = props.reportBucket ?? createSecureBucket(this, 'Reports', { encryptionKey: key, removalPolicy });
    this.reportBucket = reportBucket;
    const ctx: EngineContext = {
      scope: this,
      stage,
      captureKey: this.captureKeyOf(stage, props.network),
      baseline: props.baseline,
      schedule,
      encryptionKey: key,
      reportBucket,
      reportPrefix: props.reportPrefix ?? 'drift-reports/',
      network: props.network,
      features,
      featureAlarms: props.featureAlarms ?? [],
      variantName: props.variantName ?? 'AllTraffic',
      removalPolicy,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      validator: v,
    };
    engine._validate(ctx);
    v.throwIfAny();
    this.binding = engine._bind(ctx);
    v.throwIfAny();
    this.checkStateMachine = this.binding.checkStateMachine;

    // --- notifications ---
    if (props.notificationTopic) {
      this.notificationTopic = props.notificationTopic;
    } else {
      this.notificationTopic = new sns.Topic(this, 'Notifications', {
        displayName: `Drift of ${stage.endpointName}`,
        masterKey: key,
        enforceSSL: true,
      });
    }
    // The drift alarms publish to the topic as cloudwatch.amazonaws.com
    // (topic and key policy; nothing changes on an imported topic or key).
    const topicKey = this.notificationTopic.masterKey ?? (props.notificationTopic ? undefined : key);
    if (topicKey) {
      allowAlarmsToPublish(this.notificationTopic, topicKey);
    }
    for (const email of props.notificationEmails ?? []) {
      this.notificationTopic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    for (const s of props.notificationSubscriptions ?? []) {
      this.notificationTopic.addSubscription(s);
    }
    const action = new cw_actions.SnsAction(this.notificationTopic);

    // --- alarms ---
    const threshold = props.driftScoreThreshold ?? this.binding.driftScoreDefaultThreshold;
    const evaluationPeriods = props.alarmEvaluationPeriods ?? 1;
    this.driftAlarm = new cloudwatch.Alarm(this, 'DriftAlarm', {
      alarmDescription: `Drift of endpoint ${stage.endpointName} reached ${threshold} (${this.engineName} engine)`,
      metric: this.binding.driftAlarmMetric(),
      threshold,
      evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.driftAlarm.addAlarmAction(action);
    const alarms: cloudwatch.IAlarm[] = [this.driftAlarm];
    this.featureAlarms = {};
    const featureThreshold = props.featureDriftThreshold ?? threshold;
    for (const feature of props.featureAlarms ?? []) {
      const alarm = new cloudwatch.Alarm(this, `FeatureAlarm${alarmId(feature)}`, {
        alarmDescription: `Drift of feature ${feature} on endpoint ${stage.endpointName} reached ${featureThreshold}`,
        metric: this.binding.metricFeatureDrift(feature),
        threshold: featureThreshold,
        evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      this.featureAlarms[feature] = alarm;
      alarms.push(alarm);
    }
    this.qualityAlarms = {};
    for (const spec of this.binding.alarmSpecs ?? []) {
      const alarm = new cloudwatch.Alarm(this, spec.id, {
        alarmDescription: spec.description,
        metric: spec.metric,
        threshold: spec.threshold,
        evaluationPeriods,
        comparisonOperator: spec.comparisonOperator,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      this.qualityAlarms[spec.name] = alarm;
      if (spec.retrain) {
        alarms.push(alarm);
      }
    }
    this.alarmArnsForEvents = alarms.map((a) => a.alarmArn);
    if (this.checkStateMachine) {
      const failed = new cloudwatch.Alarm(this, 'CheckFailedAlarm', {
        alarmDescription: `A drift check of endpoint ${stage.endpointName} failed (see the check workflow and the processing job logs)`,
        metric: this.checkStateMachine.metricFailed({ period: Duration.hours(1), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      failed.addAlarmAction(action);
      this.checkFailedAlarm = failed;
    }

    // --- retraining ---
    if (props.retrainPipeline) {
      const retraining = buildRetraining(this, {
        pipeline: props.retrainPipeline,
        parameters: props.retrainPipelineParameters ?? {},
        cooldown: props.retrainCooldown ?? Duration.hours(24),
        alarms,
        topic: this.notificationTopic,
        encryptionKey: key,
        endpointName: stage.endpointName,
        removalPolicy,
        logRetention: ctx.logRetention,
      });
      this.retrainingStateMachine = retraining.stateMachine;
      this.retrainingLockTable = retraining.lockTable;
    } else {
      Annotations.of(this).addInfo('DriftMonitor: no retrainPipeline given; drift alarms notify only.');
    }
  }

  /**
   * The key the drift check decrypts captured data with. A stage of another
   * account (an `ApprovalDeployment` stage with `account`) captures into that
   * account's bucket under that account's key, whose id is not known here:
   * the check may decrypt with the keys of that account, and the network's S3
   * gateway endpoint admits the bucket. The other account's side (bucket and
   * key policies) is `DeploymentTargetAccount.allowDriftChecksFrom()`.
   */
  private captureKeyOf(stage: DeploymentStage, network?: ISecureMlNetwork): kms.IKey | undefined {
    const stack = Stack.of(this);
    const bucket = stage.dataCaptureBucket;
    if (stage.encryptionKey || !bucket || !stage.dataCaptureEnabled || stage.account === undefined || stage.account === stack.account) {
      return stage.encryptionKey;
    }
    network?.allowS3BucketRead(bucket);
    Annotations.of(this).addInfo(`DriftMonitor: stage ${stage.stageName} captures into account ${stage.account}: its capture bucket and key must admit this account `
      + `(DeploymentTargetAccount.allowDriftChecksFrom(stage, '${stack.account}') in account ${stage.account}).`);
    const region = bucket.env.region;
    return kms.Key.fromKeyArn(this, 'StageKey', `arn:${stack.partition}:kms:${Token.isUnresolved(region) ? stack.region : region}:${stage.account}:key/*`);
  }

  public metricDrift(feature?: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    if (feature !== undefined) {
      return this.binding.metricFeatureDrift(feature, props);
    }
    if (!this.binding.metricDriftScore) {
      return fail(this, 'DriftMonitor', {
        prop: 'metricDrift(feature)',
        value: undefined,
        allowed: `a feature with the ${this.engineName} engine: it publishes feature_baseline_drift_<feature> per feature and no overall drift metric`,
        fix: "call metricDrift('<feature>'), or use driftAlarm.metric (the largest drift of the monitored features) on a dashboard.",
      });
    }
    return this.binding.metricDriftScore(props);
  }

  public metricViolations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    if (!this.binding.metricViolations) {
      return fail(this, 'DriftMonitor', {
        prop: 'metricViolations()',
        value: this.engineName,
        allowed: 'the processing engine: the drift check publishes Violations, Model Monitor publishes no such metric',
        fix: "alarm on metricDrift('<feature>') of each feature, or use the drift alarm (driftAlarm), which fires when any monitored feature drifts.",
      });
    }
    return this.binding.metricViolations(props);
  }
}

function processingMetric(
  metricName: string, endpointName: string, feature: string | undefined, props?: cloudwatch.MetricOptions,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: DRIFT_NAMESPACE,
    metricName,
    dimensionsMap: feature ? { EndpointName: endpointName, Feature: feature } : { EndpointName: endpointName },
    statistic: 'Maximum',
    period: Duration.hours(1),
    ...props,
  });
}

function alarmId(feature: string): string {
  const clean = feature.replace(/[^A-Za-z0-9]/g, '');
  return clean.length > 0 ? clean.charAt(0).toUpperCase() + clean.slice(1) : 'Unnamed';
}

function validateMonitorProps(v: PropsValidator, props: DriftMonitorProps, schedule: DriftSchedule, features: string[]): void {
  const stage = props.stage;
  v.check(stage.serverless, {
    prop: 'stage',
    value: stage.endpointName,
    allowed: 'a real-time endpoint with data capture (serverless endpoints capture no data)',
    fix: 'monitor a real-time stage, or deploy this stage as a real-time endpoint with dataCapture on.',
  });
  validateBatchSource(v, stage, props.variantName);
  v.check(!stage.serverless && !isBatchStage(stage) && !stage.dataCaptureEnabled, {
    prop: 'stage.dataCaptureBucket',
    value: undefined,
    allowed: 'a stage with a data capture bucket and prefix',
    fix: 'turn dataCapture on for the stage, or give dataCaptureBucket and dataCapturePrefix to DeploymentStage.fromStageAttributes().',
  });
  const inRange = (prop: string, value: number | undefined, max: number) => {
    if (value !== undefined && (!Number.isFinite(value) || value <= 0 || value > max)) {
      v.add({ prop, value, allowed: `a number > 0 and <= ${max}`, fix: `set ${prop} within that range; 1 means a drift check threshold was reached.` });
    }
  };
  inRange('driftScoreThreshold', props.driftScoreThreshold, 100);
  inRange('featureDriftThreshold', props.featureDriftThreshold, 100);
  if (props.alarmEvaluationPeriods !== undefined) {
    const n = props.alarmEvaluationPeriods;
    // CloudWatch PutMetricAlarm (Period): "Period multiplied by EvaluationPeriods can't be more than
    // 604,800 seconds. For alarms with a period of less than one hour (3,600 seconds), the total
    // evaluation period can't be longer than one day (86,400 seconds)." The alarms' period is the
    // schedule's window, at most one day.
    const period = Math.min(schedule.window.toSeconds(), 86400);
    const limit = period < 3600 ? 86400 : 604800;
    const max = Math.max(1, Math.floor(limit / period));
    v.check(!Number.isInteger(n) || n < 1 || n > max, {
      prop: 'alarmEvaluationPeriods',
      value: n,
      allowed: `an integer from 1 to ${max}: the alarms' period is the schedule's window (${period} seconds), and CloudWatch limits period x evaluation periods to ${limit === 86400 ? 'one day for periods under an hour' : 'seven days'}`,
      fix: 'count fewer consecutive windows, or check less often (a longer window).',
    });
  }
  const known = new Set(features);
  const duplicates = features.filter((f, i) => features.indexOf(f) !== i);
  v.check(duplicates.length > 0, { prop: 'features', value: duplicates, allowed: 'unique feature names', fix: 'list each feature once.' });
  const alarmFeatures = props.featureAlarms ?? [];
  if (alarmFeatures.length > 0) {
    if (features.length === 0) {
      v.add({ prop: 'featureAlarms', value: alarmFeatures, allowed: 'names listed in features', fix: 'list the baseline\'s feature names in features so per-feature alarms can be checked.' });
    } else {
      const unknown = alarmFeatures.filter((f) => !known.has(f));
      v.check(unknown.length > 0, {
        prop: 'featureAlarms',
        value: unknown,
        allowed: `features of the baseline (${features.join(', ')})`,
        fix: 'fix the spelling or add the feature to features; an alarm on an unknown feature would never fire.',
      });
    }
  }
  if (props.retrainPipelineParameters && !props.retrainPipeline) {
    v.add({ prop: 'retrainPipelineParameters', value: Object.keys(props.retrainPipelineParameters), allowed: 'only with retrainPipeline', fix: 'give retrainPipeline, or drop the parameters.' });
  }
  if (props.retrainCooldown !== undefined) {
    const cooldown = props.retrainCooldown.toSeconds();
    const window = schedule.window.toSeconds();
    v.check(cooldown < window, {
      prop: 'retrainCooldown',
      value: props.retrainCooldown.toHumanString(),
      allowed: `at least the schedule's window (${schedule.window.toHumanString()})`,
      fix: 'a cooldown shorter than one check window cannot hold back a flapping alarm: raise it (default 24 hours).',
    });
    v.check(cooldown > 365 * 86400, {
      prop: 'retrainCooldown',
      value: props.retrainCooldown.toHumanString(),
      allowed: 'at most 365 days (a Step Functions Standard execution holds the cooldown)',
      fix: 'use a shorter cooldown.',
    });
  }
  if (props.reportPrefix !== undefined && !Token.isUnresolved(props.reportPrefix)) {
    v.check(!/^([A-Za-z0-9!_.*'()-]+\/)+$/.test(props.reportPrefix), {
      prop: 'reportPrefix', value: props.reportPrefix, allowed: "S3 key folders ending in '/', e.g. 'drift-reports/'", fix: "end the prefix with '/' and do not start it with '/'.",
    });
  }
  if (props.variantName !== undefined && !Token.isUnresolved(props.variantName)) {
    v.check(!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(props.variantName), {
      prop: 'variantName', value: props.variantName, allowed: 'a SageMaker production variant name', fix: "use the variant's name, 'AllTraffic' for ApprovalDeployment stages.",
    });
  }
}

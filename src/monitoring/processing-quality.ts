import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { ProcessingDriftEngineOptions } from './drift-engine';
import { EngineAlarmSpec, EngineContext } from './engine-context';
import { grantReadPrefix } from './grants';
import type { ProcessingModelQualityOptions } from './quality-options';
import type { BiasFacet } from '../pipeline/steps/drift-baseline';

/** Default wait for ground-truth labels after a window. */
export const DEFAULT_LABEL_DELAY = Duration.hours(24);
/** Where the quality job finds the labels (the drift check's `--labels`). */
export const LABELS_PATH = '/opt/ml/processing/input/labels';
const MAX_FACETS = 20;
const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;

const PROBLEM = { BINARY: 'BinaryClassification', MULTICLASS: 'MulticlassClassification', REGRESSION: 'Regression' };
const CHECK_PROBLEM: { [k: string]: string } = {
  [PROBLEM.BINARY]: 'binary', [PROBLEM.MULTICLASS]: 'multiclass', [PROBLEM.REGRESSION]: 'regression',
};
/** Names of feature and facet values the drift check's `--facet` text cannot carry. */
const FACET_NAME = /^[^=<>|;,\s][^=<>|;,]*$/;
const FACET_VALUE = /^[^|;,]+$/;

/** Validate `modelQuality` and `bias` of the processing engine into the monitor's validator. */
export function validateQualityOptions(o: ProcessingDriftEngineOptions, ctx: EngineContext): void {
  const v = ctx.validator;
  const q = o.modelQuality;
  const ratio = (prop: string, value: number | undefined, min: number, max: number, inclusiveMin = false) => {
    if (value !== undefined) {
      v.check(!Number.isFinite(value) || (inclusiveMin ? value < min : value <= min) || value > max, {
        prop, value, allowed: `a number ${inclusiveMin ? '>=' : '>'} ${min} and <= ${max}`, fix: `set ${prop} within that range.`,
      });
    }
  };
  if (q) {
    const kind = String(q.problemType);
    v.check(!(kind in CHECK_PROBLEM), {
      prop: 'engine.modelQuality.problemType', value: q.problemType, allowed: 'a ModelQualityProblemType', fix: 'use ModelQualityProblemType.BINARY_CLASSIFICATION, MULTICLASS_CLASSIFICATION or REGRESSION.',
    });
    v.checkPattern(q.groundTruthPrefix, /^([A-Za-z0-9!_.*'()=-]+\/)*$/, {
      prop: 'engine.modelQuality.groundTruthPrefix', allowed: "S3 key folders ending in '/' (or '' for the bucket root), e.g. 'ground-truth/churn/'", fix: "end the prefix with '/' and do not start it with '/'; the labels are read from <prefix>yyyy/mm/dd/hh/.",
    });
    if (q.labelDelay !== undefined) {
      const minutes = q.labelDelay.toMinutes({ integral: false });
      v.check(!Number.isInteger(minutes) || minutes < 0 || minutes > 30 * 24 * 60, {
        prop: 'engine.modelQuality.labelDelay', value: q.labelDelay.toHumanString(), allowed: 'whole minutes from 0 to 30 days', fix: 'give the time after a window by which its labels have arrived, e.g. Duration.hours(24).',
      });
    }
    const regression = kind === PROBLEM.REGRESSION;
    const only = (prop: string, value: number | undefined, allowedKinds: string[], what: string) => v.check(
      value !== undefined && !allowedKinds.includes(kind), {
        prop: `engine.modelQuality.${prop}`, value, allowed: `only with ${what}`, fix: `drop ${prop}, or change problemType (the metric is not computed for ${kind}).`,
      });
    only('minAccuracy', q.minAccuracy, [PROBLEM.BINARY, PROBLEM.MULTICLASS], 'classification');
    only('minF1', q.minF1, [PROBLEM.BINARY, PROBLEM.MULTICLASS], 'classification');
    only('minAuc', q.minAuc, [PROBLEM.BINARY], 'binary classification');
    only('maxRmse', q.maxRmse, [PROBLEM.REGRESSION], 'regression');
    only('maxMae', q.maxMae, [PROBLEM.REGRESSION], 'regression');
    only('probabilityThreshold', q.probabilityThreshold, [PROBLEM.BINARY], 'binary classification');
    ratio('engine.modelQuality.minAccuracy', q.minAccuracy, 0, 1);
    ratio('engine.modelQuality.minF1', q.minF1, 0, 1);
    ratio('engine.modelQuality.minAuc', q.minAuc, 0, 1);
    ratio('engine.modelQuality.probabilityThreshold', q.probabilityThreshold, 0, 1, true);
    for (const [prop, value] of [['maxRmse', q.maxRmse], ['maxMae', q.maxMae]] as Array<[string, number | undefined]>) {
      v.check(value !== undefined && (!Number.isFinite(value) || value <= 0), {
        prop: `engine.modelQuality.${prop}`, value, allowed: 'a number > 0 (in the unit of the label)', fix: `set ${prop} to the largest error you accept.`,
      });
    }
    v.check(q.positiveLabel !== undefined && (regression || q.positiveLabel.trim() === '' || /[|;]/.test(q.positiveLabel)), {
      prop: 'engine.modelQuality.positiveLabel', value: q.positiveLabel, allowed: "a non-empty class label without '|' or ';', for classification only", fix: "give the label of the positive class, e.g. '1'.",
    });
    v.check(q.predictionIndex !== undefined && (!Number.isInteger(q.predictionIndex) || q.predictionIndex < 0 || q.predictionIndex > 1000), {
      prop: 'engine.modelQuality.predictionIndex', value: q.predictionIndex, allowed: 'an integer from 0 to 1000', fix: 'give the column of the CSV output (or element of the JSON list) that holds the prediction.',
    });
    v.check(q.predictionKey !== undefined && !/^\S{1,200}$/.test(q.predictionKey), {
      prop: 'engine.modelQuality.predictionKey', value: q.predictionKey, allowed: '1 to 200 characters without spaces', fix: "give the field of the JSON output that holds the prediction, e.g. 'score'.",
    });
    const spanMs = ctx.schedule.window.toMilliseconds() + (q.labelDelay ?? DEFAULT_LABEL_DELAY).toMilliseconds();
    v.check(spanMs > 31 * DAY_MS, {
      prop: 'engine.modelQuality.labelDelay', value: (q.labelDelay ?? DEFAULT_LABEL_DELAY).toHumanString(), allowed: 'a label delay that, with the schedule\'s window, spans at most 31 days', fix: 'shorten labelDelay.',
    });
  }
  const b = o.bias;
  if (!b) {
    return;
  }
  v.check(!q, {
    prop: 'engine.bias', value: 'without modelQuality', allowed: 'bias only with modelQuality (its problem type, prediction and labels)', fix: 'give modelQuality with a binary or multiclass problemType and the ground-truth location.',
  });
  v.check(q !== undefined && String(q.problemType) === PROBLEM.REGRESSION, {
    prop: 'engine.bias', value: 'with a regression model', allowed: 'bias metrics of binary or multiclass models (a positive predicted outcome)', fix: 'drop bias, or monitor a classification model.',
  });
  v.check(b.facets.length === 0 || b.facets.length > MAX_FACETS, {
    prop: 'engine.bias.facets', value: b.facets.length, allowed: `1 to ${MAX_FACETS} facets`, fix: 'list the facets to measure, e.g. BiasFacet.valueIn(\'gender\', [\'F\']).',
  });
  const specs = b.facets.map((f) => f.spec);
  const twice = specs.filter((s, i) => specs.indexOf(s) !== i);
  v.check(twice.length > 0, { prop: 'engine.bias.facets', value: twice, allowed: 'each facet once', fix: 'remove the duplicates.' });
  const known = ctx.features.length > 0 ? new Set(ctx.features) : undefined;
  b.facets.forEach((f, i) => validateFacet(ctx, f, `engine.bias.facets[${i}]`, known));
  ratio('engine.bias.maxAbsDppl', b.maxAbsDppl, 0, 1);
  ratio('engine.bias.minDisparateImpact', b.minDisparateImpact, 0, 1);
  v.check(b.maxDisparateImpact !== undefined && (!Number.isFinite(b.maxDisparateImpact) || b.maxDisparateImpact <= 1), {
    prop: 'engine.bias.maxDisparateImpact', value: b.maxDisparateImpact, allowed: 'a number > 1 (1 is demographic parity)', fix: 'use e.g. 1.25, the inverse of the four-fifths rule.',
  });
  ratio('engine.bias.maxAbsAccuracyDifference', b.maxAbsAccuracyDifference, 0, 1);
  ratio('engine.bias.maxAbsRecallDifference', b.maxAbsRecallDifference, 0, 1);
}

function validateFacet(ctx: EngineContext, f: BiasFacet, prop: string, known: Set<string> | undefined): void {
  const v = ctx.validator;
  if (Token.isUnresolved(f.feature)) {
    return;
  }
  v.check(!FACET_NAME.test(f.feature), {
    prop: `${prop}.feature`, value: f.feature, allowed: "a captured column name without '=', '<', '>', '|', ';' or ','", fix: 'use the column name the capture uses.',
  });
  v.check(known !== undefined && !known.has(f.feature), {
    prop: `${prop}.feature`, value: f.feature, allowed: `a feature listed in features (${[...(known ?? [])].join(', ')})`, fix: 'fix the spelling, or add the column to features (and captureColumns when it is not a baseline feature).',
  });
  if (f.isThreshold) {
    v.check(f.threshold === undefined || !Number.isFinite(f.threshold), {
      prop: `${prop}.threshold`, value: f.threshold, allowed: 'a finite number', fix: 'give the threshold that separates the sensitive group.',
    });
  } else {
    v.check(f.values.length === 0 || f.values.some((x) => !FACET_VALUE.test(x) || x.trim() === ''), {
      prop: `${prop}.values`, value: f.values, allowed: "one or more non-empty values without '|', ';' or ','", fix: 'list the values of the sensitive group.',
    });
  }
  v.check(f.spec.length > 256, {
    prop, value: `${f.spec.slice(0, 40)}...`, allowed: 'a facet of at most 256 characters (one processing job argument)', fix: 'use shorter values.',
  });
}

/** The drift check's command-line options of the quality job (processing job `ContainerArguments`). */
export function qualityArguments(o: ProcessingDriftEngineOptions): string[] {
  const q = o.modelQuality!;
  const args = ['--problem-type', CHECK_PROBLEM[String(q.problemType)] ?? 'binary', '--prediction-index', String(q.predictionIndex ?? 0)];
  const add = (name: string, value: string | number | undefined) => {
    if (value !== undefined) {
      args.push(name, String(value));
    }
  };
  add('--prediction-key', q.predictionKey);
  add('--positive-label', q.positiveLabel);
  add('--probability-threshold', q.probabilityThreshold);
  add('--min-accuracy', q.minAccuracy);
  add('--min-f1', q.minF1);
  add('--min-auc', q.minAuc);
  add('--max-rmse', q.maxRmse);
  add('--max-mae', q.maxMae);
  const b = o.bias;
  if (b) {
    for (const f of b.facets) {
      args.push('--facet', f.spec);
    }
    add('--max-abs-dppl', b.maxAbsDppl);
    add('--min-di', b.minDisparateImpact);
    add('--max-di', b.maxDisparateImpact);
    add('--max-abs-ad', b.maxAbsAccuracyDifference);
    add('--max-abs-rd', b.maxAbsRecallDifference);
  }
  return args;
}

/** What the quality states need from the engine that builds the check workflow. */
export interface QualityWiring {
  readonly options: ProcessingDriftEngineOptions;
  readonly ctx: EngineContext;
  /** Build a processing job request (the engine's own job template). */
  readonly job: (mode: string, count: number, inputs: string, outputUri: string, outputPath: string, env: { [k: string]: string }) => any;
  readonly retry: any[];
  readonly environment: { [k: string]: string };
  readonly captureBucket: s3.IBucket;
  readonly captureKeyPrefix: string;
  readonly reportRoot: string;
  /** The folder grain of capture in ms, and its date picture. */
  readonly grainMs: number;
  readonly picture: string;
}

/** Capture or label folders (date pictures) overlapping [$endMs - startBackMs, $endMs - endBackMs). */
function foldersExpr(startBackMs: number, endBackMs: number, grainMs: number, picture: string): string {
  const first = `$floor(($endMs - ${startBackMs}) / ${grainMs}) * ${grainMs}`;
  const last = `$floor(($endMs - ${endBackMs} - 1000) / ${grainMs}) * ${grainMs}`;
  return `{% ($first := ${first}; $last := ${last}; $distinct($append([], [0..(($last - $first) / ${grainMs})].$fromMillis($first + $ * ${grainMs}, '${picture}')))) %}`;
}

/** The grain of label folders: hours, days or months, so that at most 4 folders cover the span. */
export function labelGrain(spanMs: number): { grainMs: number; picture: string } {
  if (spanMs <= 3 * HOUR_MS) {
    return { grainMs: HOUR_MS, picture: '[Y0001]/[M01]/[D01]/[H01]/' };
  }
  if (spanMs <= 3 * DAY_MS) {
    return { grainMs: DAY_MS, picture: '[Y0001]/[M01]/[D01]/' };
  }
  return { grainMs: DAY_MS, picture: '[Y0001]/[M01]/' }; // days, folded into distinct months
}

function findFolders(items: string, bucket: s3.IBucket, keyPrefix: string, assign: string, listState: string): any {
  return {
    Type: 'Map',
    Comment: 'Keep the folders that hold objects: a processing input with no object fails the job.',
    Items: `{% ${items} %}`,
    ItemSelector: { folder: '{% $states.context.Map.Item.Value %}', prefix: `{% '${keyPrefix}' & $states.context.Map.Item.Value %}` },
    MaxConcurrency: 4,
    ItemProcessor: {
      ProcessorConfig: { Mode: 'INLINE' },
      StartAt: listState,
      States: {
        [listState]: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:s3:listObjectsV2',
          Arguments: { Bucket: bucket.bucketName, Prefix: '{% $states.input.prefix %}', MaxKeys: 1 },
          Output: "{% $states.result.KeyCount > 0 ? $states.input.folder : '' %}",
          Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2 }],
          End: true,
        },
      },
    },
    Assign: { [assign]: "{% $append([], $states.result[$ != '']) %}" },
  };
}

/**
 * Add the model-quality states to the check workflow: after the drift check
 * of window W (or its empty-window notice), check the window that ended
 * `labelDelay` earlier, with the labels uploaded since it began.
 */
export function addQualityStates(states: { [name: string]: any }, w: QualityWiring): void {
  const q = w.options.modelQuality!;
  const windowMs = w.ctx.schedule.window.toMilliseconds();
  const delayMs = (q.labelDelay ?? DEFAULT_LABEL_DELAY).toMilliseconds();
  const gtPrefix = q.groundTruthPrefix;
  const gtRoot = `s3://${q.groundTruthBucket.bucketName}/${gtPrefix}`;
  const labels = labelGrain(windowMs + delayMs);
  for (const name of ['Check', 'Merge', 'EmptyWindow']) {
    const state = states[name];
    if (state?.End) {
      delete state.End;
      state.Next = 'QualityWindow';
    }
  }
  const input = (name: string, root: string, localPath: string) =>
    `$map(${name}, function($f, $i) { {"InputName": "${localPath.split('/').pop()}" & $i, "S3Input": {"S3Uri": ${root} & $f, "LocalPath": "${localPath}/" & $i, "S3DataType": "S3Prefix", "S3InputMode": "File", "S3DataDistributionType": "FullyReplicated", "S3CompressionType": "None"}} })`;
  const env = {
    ...w.environment,
    DRIFT_WINDOW_START: '{% $qualityStart %}',
    DRIFT_WINDOW_END: '{% $qualityEnd %}',
    DRIFT_LABELS: LABELS_PATH,
    DRIFT_METRIC_SET: 'quality',
    DRIFT_REPORT_NAME: 'quality_report.json',
  };
  const job = w.job('check', 1,
    `$append($append($append($staticInputs, $baselineInputs), ${input('$qualityFound', '$captureRoot', '/opt/ml/processing/input/capture')}), ${input('$labelsFound', `'${gtRoot}'`, LABELS_PATH)})`,
    '{% $qualityReportUri %}', '/opt/ml/processing/output', env);
  job.ProcessingJobName = "{% 'drift-q-' & $uuid() %}";
  // after any arguments the engine's job template gives every job (e.g. the capture columns)
  job.AppSpecification = {
    ...job.AppSpecification,
    ContainerArguments: [...(job.AppSpecification.ContainerArguments ?? []), ...qualityArguments(w.options)],
  };
  Object.assign(states, {
    QualityWindow: {
      Type: 'Pass',
      Comment: `Model quality of the window that ended ${(q.labelDelay ?? DEFAULT_LABEL_DELAY).toHumanString()} ago, with the labels uploaded since it began.`,
      Assign: {
        qualityStart: `{% $fromMillis($endMs - ${delayMs + windowMs}) %}`,
        qualityEnd: `{% $fromMillis($endMs - ${delayMs}) %}`,
        qualityFolders: foldersExpr(delayMs + windowMs, delayMs, w.grainMs, w.picture),
        labelFolders: foldersExpr(delayMs + windowMs, 0, labels.grainMs, labels.picture),
        qualityReportUri: `{% '${w.reportRoot}quality/' & $fromMillis($endMs - ${delayMs}, '[Y0001]/[M01]/[D01]/[H01][m01]/') %}`,
      },
      Next: 'FindQualityCapture',
    },
    FindQualityCapture: { ...findFolders('$qualityFolders', w.captureBucket, w.captureKeyPrefix, 'qualityFound', 'ListQualityCapture'), Next: 'AnyQualityCapture' },
    AnyQualityCapture: {
      Type: 'Choice',
      Choices: [{ Condition: '{% $count($qualityFound) = 0 %}', Next: 'NoQualityCapture' }],
      Default: 'FindLabels',
    },
    NoQualityCapture: { Type: 'Succeed', Comment: 'No captured data in the window whose labels are due: nothing to measure.' },
    FindLabels: { ...findFolders('$labelFolders', q.groundTruthBucket, gtPrefix, 'labelsFound', 'ListLabels'), Next: 'Quality' },
    Quality: {
      Type: 'Task',
      Comment: 'Join the window\'s predictions with their labels; publish model quality and bias only.',
      Resource: 'arn:aws:states:::sagemaker:createProcessingJob.sync',
      Arguments: job,
      Retry: w.retry,
      End: true,
    },
  });
}

/** Let the job read the labels and the workflow list their folders. */
export function grantQualityReads(q: ProcessingModelQualityOptions, jobRole: iam.IRole, workflowRole: iam.IRole): void {
  grantReadPrefix(jobRole, q.groundTruthBucket, q.groundTruthPrefix);
  workflowRole.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['s3:ListBucket'],
    resources: [q.groundTruthBucket.bucketArn],
    conditions: { StringLike: { 's3:prefix': [`${q.groundTruthPrefix}*`] } },
  }));
}

/** Alarms on the quality and bias thresholds that were given. */
export function qualityAlarmSpecs(o: ProcessingDriftEngineOptions, namespace: string, endpointName: string, period: Duration): EngineAlarmSpec[] {
  const out: EngineAlarmSpec[] = [];
  const q = o.modelQuality;
  if (!q) {
    return out;
  }
  const metric = (metricName: string, statistic: string, facet?: string) => new cloudwatch.Metric({
    namespace, metricName, statistic, period, dimensionsMap: facet ? { EndpointName: endpointName, Facet: facet } : { EndpointName: endpointName },
  });
  const below = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD;
  const above = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;
  const quality: Array<[string, number | undefined, cloudwatch.ComparisonOperator]> = [
    ['Accuracy', q.minAccuracy, below], ['F1', q.minF1, below], ['AUC', q.minAuc, below], ['RMSE', q.maxRmse, above], ['MAE', q.maxMae, above],
  ];
  for (const [name, threshold, op] of quality) {
    if (threshold !== undefined) {
      out.push({
        id: `QualityAlarm${name}`,
        name,
        threshold,
        comparisonOperator: op,
        retrain: true,
        description: `${name} of endpoint ${endpointName} ${op === below ? 'fell below' : 'rose above'} ${threshold} (ground-truth labels)`,
        metric: metric(name, op === below ? 'Minimum' : 'Maximum'),
      });
    }
  }
  const b = o.bias;
  const ids = new Set<string>();
  for (const f of b?.facets ?? []) {
    const base = facetId(f.spec, ids);
    const abs = (name: string, threshold: number | undefined, what: string) => {
      if (threshold !== undefined) {
        out.push({
          id: `BiasAlarm${base}${name}`,
          name: `${name} ${f.spec}`,
          threshold,
          comparisonOperator: above,
          retrain: false,
          description: `|${name}| (${what}) of facet ${f.spec} on endpoint ${endpointName} rose above ${threshold}`,
          metric: new cloudwatch.MathExpression({ expression: 'ABS(m)', usingMetrics: { m: metric(name, 'Maximum', f.spec) }, period, label: `|${name}| ${f.spec}` }),
        });
      }
    };
    abs('DPPL', b!.maxAbsDppl, 'difference in positive proportions in predicted labels');
    if (b!.minDisparateImpact !== undefined) {
      out.push({
        id: `BiasAlarm${base}DIMin`,
        name: `DI ${f.spec} min`,
        threshold: b!.minDisparateImpact,
        comparisonOperator: below,
        retrain: false,
        description: `Disparate impact of facet ${f.spec} on endpoint ${endpointName} fell below ${b!.minDisparateImpact}`,
        metric: metric('DI', 'Minimum', f.spec),
      });
    }
    if (b!.maxDisparateImpact !== undefined) {
      out.push({
        id: `BiasAlarm${base}DIMax`,
        name: `DI ${f.spec} max`,
        threshold: b!.maxDisparateImpact,
        comparisonOperator: above,
        retrain: false,
        description: `Disparate impact of facet ${f.spec} on endpoint ${endpointName} rose above ${b!.maxDisparateImpact}`,
        metric: metric('DI', 'Maximum', f.spec),
      });
    }
    abs('AD', b!.maxAbsAccuracyDifference, 'accuracy difference');
    abs('RD', b!.maxAbsRecallDifference, 'recall difference');
  }
  return out;
}

/** A construct id for a facet: `age>=60` -> `AgeAtLeast60`, unique among `taken`. */
function facetId(spec: string, taken: Set<string>): string {
  const words = spec.replace(/>=/g, ' AtLeast ').replace(/<=/g, ' AtMost ').replace(/>/g, ' Above ').replace(/</g, ' Below ')
    .replace(/=/g, ' Is ').replace(/\|/g, ' Or ');
  const base = words.split(/[^A-Za-z0-9]+/).filter((x) => x).map((x) => x.charAt(0).toUpperCase() + x.slice(1)).join('') || 'Facet';
  let id = base;
  for (let i = 2; taken.has(id); i++) {
    id = `${base}${i}`;
  }
  taken.add(id);
  return id;
}

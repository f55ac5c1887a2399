import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FEATURES, monitor, monitoringStack } from './fixtures';
import { definition } from './workflow-harness';
import {
  DriftBaseline, DriftEngine, DriftMonitor, DriftSchedule, ModelQualityProblemType, ProcessingDriftEngineOptions,
} from '../../src/monitoring';
import {
  BiasFacet, DriftBaselineStep, MlPipeline, PipelineDefinition, PipelineParameter, RegisterModelStep, SageMakerImage,
} from '../../src/pipeline';
import { ModelRegistry } from '../../src/registry';
import { expectCompliant, testApp } from '../harness/compliance';
import { checkMockedAnswers, stateMachineDefinitions } from '../harness/stepfunctions';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator');
// eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies
const jsonata = require('jsonata');

async function evaluate(field: string, vars: Record<string, unknown>, states: Record<string, unknown> = {}): Promise<any> {
  const m = /^\{%(.*)%\}$/s.exec(field);
  if (!m) {
    throw new Error(`not a JSONata field: ${field}`);
  }
  const expr = jsonata(m[1]);
  expr.registerFunction('uuid', () => '0f8fad5b-d9cb-469f-a165-70867728950e');
  return expr.evaluate({}, { ...vars, states });
}

/** Run a Pass state's Assign block (JSONata fields) on variables. */
async function assign(state: any, vars: Record<string, any>, states: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const out = { ...vars };
  for (const [k, v] of Object.entries<any>(state.Assign)) {
    out[k] = typeof v === 'string' && v.startsWith('{%') ? await evaluate(v, vars, states) : v;
  }
  return out;
}

/** Window, Folders and QualityWindow variables of a check that starts at `scheduledTime`. */
async function variables(def: any, scheduledTime: string): Promise<Record<string, any>> {
  const states = { input: { scheduledTime }, context: { Execution: { Name: 'exec-1', StartTime: scheduledTime } } };
  let vars = await assign(def.States.Window, {}, states);
  vars = await assign(def.States.Folders, vars, states);
  return assign(def.States.QualityWindow, vars, states);
}

const quality = (f: { stack: Stack }, extra: Partial<ProcessingDriftEngineOptions> = {}): ProcessingDriftEngineOptions => ({
  modelQuality: {
    problemType: ModelQualityProblemType.BINARY_CLASSIFICATION,
    groundTruthBucket: (f.stack.node.tryFindChild('Labels') as s3.IBucket | undefined) ?? s3.Bucket.fromBucketName(f.stack, 'Labels', 'churn-labels'),
    groundTruthPrefix: 'ground-truth/churn/',
    minAccuracy: 0.8,
    minAuc: 0.7,
    probabilityThreshold: 0.6,
    predictionKey: 'score',
  },
  bias: {
    facets: [BiasFacet.valueIn('plan', ['basic']), BiasFacet.atLeast('age', 60)],
    maxAbsDppl: 0.1,
    minDisparateImpact: 0.8,
    maxAbsRecallDifference: 0.2,
  },
  ...extra,
});

describe('processing engine with model quality and bias', () => {
  const built = () => monitor((f) => ({ features: FEATURES, engine: DriftEngine.processing(quality(f)), retrainPipeline: f.pipeline }));

  test('after the drift check (or an empty window) the workflow checks the window whose labels are due; asl-validator passes', () => {
    // GIVEN / WHEN
    const def = definition(built().stack, 'CheckWorkflow');
    // THEN
    const { isValid, errorsText } = aslValidator(def);
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
    expect(def.States.Check.Next).toBe('QualityWindow');
    expect(def.States.Check.End).toBeUndefined();
    expect(def.States.EmptyWindow.Next).toBe('QualityWindow');
    expect(def.States.QualityWindow.Next).toBe('FindQualityCapture');
    expect(def.States.AnyQualityCapture.Choices[0]).toEqual({ Condition: '{% $count($qualityFound) = 0 %}', Next: 'NoQualityCapture' });
    expect(def.States.Quality.End).toBe(true);
  });

  test('hourly with the default 24-hour label delay: the 10:10 check measures 09:00-10:00 of the day before, with labels of both days', async () => {
    // GIVEN
    const def = definition(built().stack, 'CheckWorkflow');
    // WHEN
    const w = await variables(def, '2026-03-02T10:10:00Z');
    // THEN
    expect(w.qualityStart).toBe('2026-03-01T09:00:00.000Z');
    expect(w.qualityEnd).toBe('2026-03-01T10:00:00.000Z');
    expect(w.qualityFolders).toEqual(['2026/03/01/09/']);
    expect(w.labelFolders).toEqual(['2026/03/01/', '2026/03/02/']);
    expect(w.qualityReportUri).toBe('s3://ref-DriftReportsD618165F/drift-reports/churn-prod/quality/2026/03/01/1000/');
  });

  test('label folders are hours for short spans, days up to three days, months beyond (at most four inputs)', async () => {
    // GIVEN
    const at = async (labelDelay: Duration, schedule?: DriftSchedule) => {
      const { stack } = monitor((f) => ({
        schedule,
        retrainCooldown: Duration.days(2),
        engine: DriftEngine.processing({ modelQuality: { ...quality(f).modelQuality!, labelDelay } }),
      }));
      return (await variables(definition(stack, 'CheckWorkflow'), '2026-03-31T10:10:00Z')).labelFolders;
    };
    // WHEN / THEN
    expect(await at(Duration.hours(2))).toEqual(['2026/03/31/07/', '2026/03/31/08/', '2026/03/31/09/']);
    expect(await at(Duration.hours(0))).toEqual(['2026/03/31/09/']);
    expect(await at(Duration.days(2))).toEqual(['2026/03/29/', '2026/03/30/', '2026/03/31/']);
    expect(await at(Duration.days(30), DriftSchedule.daily(10))).toEqual(['2026/02/', '2026/03/']);
  });

  test('the quality job reads code, baseline, the due window\'s capture and the labels, and publishes quality and bias only', async () => {
    // GIVEN
    const def = definition(built().stack, 'CheckWorkflow');
    const w = await variables(def, '2026-03-02T10:10:00Z');
    const args = def.States.Quality.Arguments;
    // WHEN
    const inputs = await evaluate(args.ProcessingInputs, { ...w, qualityFound: ['2026/03/01/09/'], labelsFound: ['2026/03/01/', '2026/03/02/'] });
    // THEN
    expect(inputs.map((i: any) => [i.InputName, i.S3Input.S3Uri, i.S3Input.LocalPath])).toEqual([
      ['code', expect.stringMatching(/\.zip$/), '/opt/ml/processing/input/code'],
      ['baseline', 's3://churn-artifacts/baselines/churn/', '/opt/ml/processing/input/baseline'],
      ['capture0', 's3://churn-capture/data-capture/prod/churn-prod/AllTraffic/2026/03/01/09/', '/opt/ml/processing/input/capture/0'],
      ['labels0', 's3://churn-labels/ground-truth/churn/2026/03/01/', '/opt/ml/processing/input/labels/0'],
      ['labels1', 's3://churn-labels/ground-truth/churn/2026/03/02/', '/opt/ml/processing/input/labels/1'],
    ]);
    expect(await evaluate(args.ProcessingJobName, w)).toMatch(/^drift-q-[0-9a-f-]{36}$/);
    expect(args.AppSpecification.ContainerEntrypoint[3]).toBe('check');
    expect(args.AppSpecification.ContainerArguments).toEqual([
      '--problem-type', 'binary', '--prediction-index', '0', '--prediction-key', 'score', '--probability-threshold', '0.6',
      '--min-accuracy', '0.8', '--min-auc', '0.7', '--facet', 'plan=basic', '--facet', 'age>=60',
      '--max-abs-dppl', '0.1', '--min-di', '0.8', '--max-abs-rd', '0.2',
    ]);
    expect(args.Environment).toMatchObject({
      DRIFT_METRIC_SET: 'quality',
      DRIFT_LABELS: '/opt/ml/processing/input/labels',
      DRIFT_REPORT_NAME: 'quality_report.json',
      DRIFT_WINDOW_START: '{% $qualityStart %}',
      DRIFT_WINDOW_END: '{% $qualityEnd %}',
      DRIFT_PUBLISH_METRICS: 'true',
    });
    expect(await evaluate(args.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri, w)).toBe(w.qualityReportUri);
    expect(def.States.FindLabels.ItemProcessor.States.ListLabels.Arguments).toEqual({ Bucket: 'churn-labels', Prefix: '{% $states.input.prefix %}', MaxKeys: 1 });
  });

  test('the quality states\' requests, evaluated, conform to botocore\'s input shapes (ListObjectsV2, CreateProcessingJob)', async () => {
    // GIVEN: references rendered with values of their real shape
    const all = stateMachineDefinitions(built().stack, { typed: true });
    const def = all[Object.keys(all).find((k) => k.includes('CheckWorkflow'))!];
    const w = await variables(def, '2026-03-02T10:10:00Z');
    const vars = { ...w, qualityFound: w.qualityFolders, labelsFound: w.labelFolders };
    // WHEN
    const list = async (state: any, folder: string) => ({
      resource: state.Resource,
      request: await evaluate(state.Arguments.Prefix, {}, { input: { prefix: `ground-truth/churn/${folder}` } })
        .then((prefix) => ({ ...state.Arguments, Prefix: prefix })),
    });
    const job = def.States.Quality.Arguments;
    const request: Record<string, unknown> = {};
    for (const [k, v] of Object.entries<any>(job)) {
      request[k] = typeof v === 'string' && v.startsWith('{%') ? await evaluate(v, vars) : v;
    }
    request.Environment = Object.fromEntries(await Promise.all(Object.entries<any>(job.Environment)
      .map(async ([k, v]) => [k, typeof v === 'string' && v.startsWith('{%') ? await evaluate(v, vars) : v])));
    const output = job.ProcessingOutputConfig.Outputs[0];
    const s3Output = { ...output.S3Output, S3Uri: w.qualityReportUri };
    request.ProcessingOutputConfig = { ...job.ProcessingOutputConfig, Outputs: [{ ...output, S3Output: s3Output }] };
    const calls = [
      await list(def.States.FindLabels.ItemProcessor.States.ListLabels, '2026/03/01/'),
      await list(def.States.FindQualityCapture.ItemProcessor.States.ListQualityCapture, '2026/03/01/09/'),
      { resource: def.States.Quality.Resource, request },
    ];
    // THEN
    expect(checkMockedAnswers(calls)).toEqual([]);
    // positive control: a label input SageMaker does not know is reported
    const bad = JSON.parse(JSON.stringify(request));
    bad.ProcessingInputs[3].S3Input.S3InputMode = 'Streaming';
    expect(checkMockedAnswers([{ resource: def.States.Quality.Resource, request: bad }]).map((f) => `${f.where}: ${f.what}`))
      .toEqual([expect.stringContaining("ProcessingInputs[3].S3Input.S3InputMode: 'Streaming' is not one of ProcessingS3InputMode")]);
  });

  test('the job may read the labels prefix and the workflow list it, nothing more of the bucket', () => {
    // GIVEN / WHEN
    const t = Template.fromStack(built().stack);
    const policies = JSON.stringify(t.findResources('AWS::IAM::ManagedPolicy'));
    // THEN
    expect(policies).toContain('churn-labels/ground-truth/churn/*');
    expect(policies).not.toContain('churn-labels/*');
    expect(policies).toContain('{"StringLike":{"s3:prefix":["ground-truth/churn/*"]}}');
  });

  test('alarms on every quality and bias threshold given: quality alarms retrain, bias alarms notify', () => {
    // GIVEN / WHEN
    const { stack, monitor: m } = built();
    const t = Template.fromStack(stack);
    // THEN
    expect(Object.keys(m.qualityAlarms).sort()).toEqual([
      'AUC', 'Accuracy', 'DI age>=60 min', 'DI plan=basic min', 'DPPL age>=60', 'DPPL plan=basic', 'RD age>=60', 'RD plan=basic',
    ]);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Accuracy',
      Namespace: 'CdkMlops/Drift',
      Statistic: 'Minimum',
      Threshold: 0.8,
      ComparisonOperator: 'LessThanThreshold',
      Dimensions: [{ Name: 'EndpointName', Value: 'churn-prod' }],
      Period: 3600,
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 0.1,
      ComparisonOperator: 'GreaterThanThreshold',
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'ABS(m)' }), Match.objectLike({
        Id: 'm', MetricStat: Match.objectLike({ Metric: { Namespace: 'CdkMlops/Drift', MetricName: 'DPPL', Dimensions: [{ Name: 'EndpointName', Value: 'churn-prod' }, { Name: 'Facet', Value: 'plan=basic' }] } }),
      })]),
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DI',
      Threshold: 0.8,
      ComparisonOperator: 'LessThanThreshold',
      Dimensions: [{ Name: 'EndpointName', Value: 'churn-prod' }, { Name: 'Facet', Value: 'age>=60' }],
    });
    const rules = JSON.stringify(t.findResources('AWS::Events::Rule'));
    expect(rules).toContain('QualityAlarmAccuracy');
    expect(rules).not.toContain('BiasAlarm');
  });

  test('is compliant with the four packs', () => {
    // GIVEN
    const app = testApp();
    // WHEN
    monitor((f) => ({ features: FEATURES, engine: DriftEngine.processing(quality(f)) }), app);
    // THEN
    expectCompliant(app);
  });
});

describe('DriftBaseline from the pipeline that registers it', () => {
  const pipelineStack = () => {
    const f = monitoringStack();
    const registry = new ModelRegistry(f.stack, 'Registry', { modelPackageGroupName: 'churn' });
    const data = PipelineParameter.string('TrainingData');
    const baselineStep = new DriftBaselineStep('DriftBaseline', { trainingData: data.value });
    const register = new RegisterModelStep('Register', { image: SageMakerImage.xgboost(), modelDataUrl: data.value, driftBaseline: baselineStep });
    const pipeline = new MlPipeline(f.stack, 'Training', { pipelineName: 'churn-training', registry, definition: PipelineDefinition.fromSteps({ steps: [baselineStep, register], parameters: [data] }) });
    return { ...f, registry, pipeline };
  };

  test.each(['fromModelRegistry', 'fromPipeline'])('%s: the check job may read exactly the baseline files the pipeline writes, and decrypt them', (how) => {
    // GIVEN
    const f = pipelineStack();
    const baseline = how === 'fromPipeline' ? DriftBaseline.fromPipeline(f.pipeline) : DriftBaseline.fromModelRegistry(f.registry);
    // WHEN
    new DriftMonitor(f.stack, 'Drift', { stage: f.stage, baseline });
    const t = Template.fromStack(f.stack);
    const def = definition(f.stack, 'CheckWorkflow');
    // THEN
    expect(baseline.registry).toBe(f.registry);
    expect(def.StartAt).toBe('LatestApprovedVersion');
    const job = Object.entries<any>(t.findResources('AWS::IAM::ManagedPolicy')).find(([id]) => id.startsWith('DriftCheckJobRolePolicy'))![1];
    const statements = JSON.stringify(job.Properties.PolicyDocument.Statement);
    expect(statements).toMatch(/\{"Fn::GetAtt":\["TrainingArtifactBucket[0-9A-F]+","Arn"\]\},"\/churn-training\/\*\/DriftBaseline\/baseline\/baseline.json"/);
    expect(statements).not.toMatch(/"TrainingArtifactBucket[0-9A-F]+","Arn"\]\},"\/\*"/);
    expect(statements).toMatch(/\{"Action":"s3:ListBucket","Condition":\{"StringLike":\{"s3:prefix":\["churn-training\/\*"\]\}\},"Effect":"Allow","Resource":\{"Fn::GetAtt":\["TrainingArtifactBucket/);
    expect(statements).toMatch(/\{"Action":"kms:Decrypt","Effect":"Allow","Resource":\[[^{]*(\{"Fn::GetAtt":\["[A-Za-z0-9]+","Arn"\]\},?)*\{"Fn::GetAtt":\["TrainingKey[0-9A-F]+","Arn"\]\}\]\}/);
  });

  test('fails when the registry has no pipeline registering a baseline in this app, naming both fixes', () => {
    // GIVEN
    const f = monitoringStack();
    const registry = ModelRegistry.fromModelPackageGroupName(f.stack, 'Elsewhere', 'churn');
    // WHEN / THEN
    expect(() => new DriftMonitor(f.stack, 'Drift', { stage: f.stage, baseline: DriftBaseline.fromModelRegistry(registry) }))
      .toThrow(/baseline: got 'DriftBaseline.fromModelRegistry\(churn\) without artifactBucket'; allowed: a registry that an MlPipeline of this app.*Fix: define the pipeline first and give its RegisterModelStep driftBaseline/);
  });

  test('fails when the pipeline registers no drift baseline', () => {
    // GIVEN
    const f = monitoringStack();
    const pipeline = MlPipeline.fromPipelineName(f.stack, 'Other', 'other');
    // WHEN / THEN
    expect(() => DriftBaseline.fromPipeline(pipeline)).toThrow(/pipeline: got '.*Other \(no drift baseline registered\)'; allowed: an MlPipeline of this app whose RegisterModelStep registers a DriftBaselineStep/);
  });
});

describe('model quality, bias and alarm validation', () => {
  const fails = (props: Parameters<typeof monitor>[0], ...messages: RegExp[]) => {
    let error: Error | undefined;
    try {
      monitor(props);
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeDefined();
    for (const m of messages) {
      expect(error!.message).toMatch(m);
    }
  };
  const mq = (f: { stack: Stack }, over: any) => ({ ...quality(f).modelQuality!, ...over });
  const regression = { problemType: ModelQualityProblemType.REGRESSION, minAccuracy: undefined, minAuc: undefined, probabilityThreshold: undefined };

  test('fails when bias comes without model quality', () => {
    fails((f) => ({ engine: DriftEngine.processing({ bias: quality(f).bias }) }),
      /engine.bias: got 'without modelQuality'; allowed: bias only with modelQuality/);
  });

  test('fails when bias is asked of a regression model', () => {
    fails((f) => ({ engine: DriftEngine.processing({ ...quality(f), modelQuality: mq(f, regression) }) }),
      /engine.bias: got 'with a regression model'; allowed: bias metrics of binary or multiclass models/);
  });

  test('fails when a metric threshold does not fit the problem type', () => {
    const multiclass = { problemType: ModelQualityProblemType.MULTICLASS_CLASSIFICATION, maxRmse: 3 };
    fails((f) => ({ engine: DriftEngine.processing({ modelQuality: mq(f, multiclass) }) }),
      /engine.modelQuality.minAuc: got 0.7; allowed: only with binary classification/, /engine.modelQuality.maxRmse: got 3; allowed: only with regression/,
      /engine.modelQuality.probabilityThreshold: got 0.6; allowed: only with binary classification/);
  });

  test('fails when thresholds are out of range', () => {
    fails((f) => ({ engine: DriftEngine.processing({ modelQuality: mq(f, { minAccuracy: 1.5, probabilityThreshold: -0.1 }) }) }),
      /engine.modelQuality.minAccuracy: got 1.5; allowed: a number > 0 and <= 1/, /engine.modelQuality.probabilityThreshold: got -0.1; allowed: a number >= 0 and <= 1/);
    fails((f) => ({ engine: DriftEngine.processing({ modelQuality: mq(f, { ...regression, maxMae: 0 }) }) }),
      /engine.modelQuality.maxMae: got 0; allowed: a number > 0/);
  });

  test('fails when the ground-truth prefix is not S3 folders', () => {
    fails((f) => ({ engine: DriftEngine.processing({ modelQuality: mq(f, { groundTruthPrefix: '/labels' }) }) }),
      /engine.modelQuality.groundTruthPrefix: got '\/labels'; allowed: S3 key folders ending in '\/'/);
  });

  test('fails when the label delay is not whole minutes or above 30 days', () => {
    fails((f) => ({ engine: DriftEngine.processing({ modelQuality: mq(f, { labelDelay: Duration.days(45) }) }) }),
      /engine.modelQuality.labelDelay: got '45 days'; allowed: whole minutes from 0 to 30 days/);
    fails((f) => ({ engine: DriftEngine.processing({ modelQuality: mq(f, { labelDelay: Duration.seconds(90) }) }) }),
      /engine.modelQuality.labelDelay: got '1 minute 30 seconds'/);
  });

  test('fails when the prediction is addressed wrongly', () => {
    fails((f) => ({ engine: DriftEngine.processing({ modelQuality: mq(f, { predictionIndex: -1, predictionKey: 'my score', positiveLabel: '' }) }) }),
      /predictionIndex: got -1; allowed: an integer from 0 to 1000/, /predictionKey: got 'my score'/, /positiveLabel: got ''; allowed: a non-empty class label/);
  });

  test('fails when facets are missing, repeated or unknown', () => {
    fails((f) => ({ engine: DriftEngine.processing({ ...quality(f), bias: { facets: [] } }) }), /engine.bias.facets: got 0; allowed: 1 to 20 facets/);
    fails((f) => ({ engine: DriftEngine.processing({ ...quality(f), bias: { facets: [BiasFacet.valueIn('plan', ['a']), BiasFacet.valueIn('plan', ['a'])] } }) }),
      /engine.bias.facets: got \["plan=a"\]; allowed: each facet once/);
    fails((f) => ({ features: FEATURES, engine: DriftEngine.processing({ ...quality(f), bias: { facets: [BiasFacet.valueIn('gender', ['F']), BiasFacet.valueIn('plan', ['a|b'])] } }) }),
      /engine.bias.facets\[0\].feature: got 'gender'; allowed: a feature listed in features \(age, income, plan, tenure_months\)/,
      /engine.bias.facets\[1\].values: got \["a\|b"\]/);
  });

  test('fails when disparate impact bounds are on the wrong side of 1', () => {
    const bounds = { minDisparateImpact: 1.2, maxDisparateImpact: 0.9 };
    fails((f) => ({ engine: DriftEngine.processing({ ...quality(f), bias: { ...quality(f).bias!, ...bounds } }) }),
      /engine.bias.minDisparateImpact: got 1.2; allowed: a number > 0 and <= 1/, /engine.bias.maxDisparateImpact: got 0.9; allowed: a number > 1/);
  });

  test('fails when the alarms would evaluate more than CloudWatch allows (7 days; 1 day under an hourly period)', () => {
    // CloudWatch PutMetricAlarm, Period: "Period multiplied by EvaluationPeriods can't be more than 604,800 seconds.
    // For alarms with a period of less than one hour (3,600 seconds), the total evaluation period can't be longer than one day."
    fails({ schedule: DriftSchedule.daily(), retrainCooldown: Duration.days(2), alarmEvaluationPeriods: 24 },
      /alarmEvaluationPeriods: got 24; allowed: an integer from 1 to 7: the alarms' period is the schedule's window \(86400 seconds\), and CloudWatch limits period x evaluation periods to seven days/);
    fails({ schedule: DriftSchedule.rate(Duration.minutes(15)), alarmEvaluationPeriods: 97 },
      /alarmEvaluationPeriods: got 97; allowed: an integer from 1 to 96: .*to one day for periods under an hour/);
    fails({ alarmEvaluationPeriods: 169 }, /alarmEvaluationPeriods: got 169; allowed: an integer from 1 to 168/);
  });

  test('accepts the largest evaluation ranges CloudWatch allows', () => {
    // GIVEN / WHEN
    const daily = monitor({ schedule: DriftSchedule.daily(), retrainCooldown: Duration.days(2), alarmEvaluationPeriods: 7 });
    const quarter = monitor({ schedule: DriftSchedule.rate(Duration.minutes(15)), alarmEvaluationPeriods: 96 });
    // THEN
    Template.fromStack(daily.stack).hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'DriftScore', Period: 86400, EvaluationPeriods: 7 });
    Template.fromStack(quarter.stack).hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'DriftScore', Period: 900, EvaluationPeriods: 96 });
  });
});


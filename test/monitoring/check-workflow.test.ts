import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { monitor } from './fixtures';
import { definition } from './workflow-harness';
import { DriftBaseline, DriftEngine, DriftSchedule } from '../../src/monitoring';
import { ModelRegistry } from '../../src/registry';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator');
// jsonata is the expression language of JSONata state machines; it is installed with asl-validator.
// eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies
const jsonata = require('jsonata');

/** Evaluate a `{% expr %}` field like Step Functions does, with variables and `$states`. */
async function evaluate(field: string, variables: Record<string, unknown>, states: Record<string, unknown> = {}): Promise<any> {
  const m = /^\{%(.*)%\}$/s.exec(field);
  if (!m) {
    throw new Error(`not a JSONata field: ${field}`);
  }
  const expr = jsonata(m[1]);
  expr.registerFunction('uuid', () => '0f8fad5b-d9cb-469f-a165-70867728950e');
  return expr.evaluate({}, { ...variables, states });
}

/** Run the Window and Folders Pass states for a scheduled time. */
async function windowOf(def: any, scheduledTime: string): Promise<Record<string, any>> {
  const states = { input: { scheduledTime }, context: { Execution: { Name: 'exec-1', StartTime: '2026-01-01T00:00:00Z' } } };
  const vars: Record<string, any> = {};
  for (const [k, v] of Object.entries<any>(def.States.Window.Assign)) {
    vars[k] = typeof v === 'string' && v.startsWith('{%') ? await evaluate(v, {}, states) : v;
  }
  for (const [k, v] of Object.entries<any>(def.States.Folders.Assign)) {
    vars[k] = await evaluate(v, vars, states);
  }
  return vars;
}

describe('check workflow (JSONata)', () => {
  test('the synthesized definition passes asl-validator', () => {
    // GIVEN
    const { stack } = monitor();
    // WHEN
    const def = definition(stack, 'CheckWorkflow');
    // THEN
    const { isValid, errorsText } = aslValidator(def);
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
    expect(def.QueryLanguage).toBe('JSONata');
  });

  test('hourly: the check at 10:10 reads the 09:00 hour folder and filters 09:00 to 10:00', async () => {
    // GIVEN
    const { stack } = monitor();
    const def = definition(stack, 'CheckWorkflow');
    // WHEN
    const w = await windowOf(def, '2026-03-01T10:10:00Z');
    // THEN
    expect(w.windowStart).toBe('2026-03-01T09:00:00.000Z');
    expect(w.windowEnd).toBe('2026-03-01T10:00:00.000Z');
    expect(w.folders).toEqual(['2026/03/01/09/']);
    expect(w.captureRoot).toBe('s3://churn-capture/data-capture/prod/churn-prod/AllTraffic/');
    expect(w.reportUri).toBe('s3://ref-DriftReportsD618165F/drift-reports/churn-prod/2026/03/01/1000/');
  });

  test('a late start (scheduler retry) still looks at whole minutes and at most two hour folders', async () => {
    // GIVEN
    const { stack } = monitor();
    const def = definition(stack, 'CheckWorkflow');
    // WHEN
    const w = await windowOf(def, '2026-03-01T10:41:27Z');
    // THEN
    expect(w.windowStart).toBe('2026-03-01T09:31:00.000Z');
    expect(w.windowEnd).toBe('2026-03-01T10:31:00.000Z');
    expect(w.folders).toEqual(['2026/03/01/09/', '2026/03/01/10/']);
  });

  test('daily windows read the day folders that overlap the window', async () => {
    // GIVEN
    const { stack } = monitor({ schedule: DriftSchedule.daily(6), retrainCooldown: Duration.days(2) });
    const def = definition(stack, 'CheckWorkflow');
    // WHEN
    const w = await windowOf(def, '2026-12-31T06:10:00Z');
    // THEN
    expect(w.windowStart).toBe('2026-12-30T06:00:00.000Z');
    expect(w.windowEnd).toBe('2026-12-31T06:00:00.000Z');
    expect(w.folders).toEqual(['2026/12/30/', '2026/12/31/']);
  });

  test('capture folders without objects are dropped; none left means an empty window', async () => {
    // GIVEN
    const { stack } = monitor();
    const def = definition(stack, 'CheckWorkflow');
    const find = def.States.FindCapture;
    const list = find.ItemProcessor.States.ListCapture;
    // WHEN
    const withData = await evaluate(list.Output, {}, { input: { folder: '2026/03/01/09/', prefix: 'p' }, result: { KeyCount: 1 } });
    const without = await evaluate(list.Output, {}, { input: { folder: '2026/03/01/10/', prefix: 'p' }, result: { KeyCount: 0 } });
    const found = await evaluate(find.Assign.found, {}, { result: [withData, without] });
    const none = await evaluate(find.Assign.found, {}, { result: ['', ''] });
    // THEN
    expect(found).toEqual(['2026/03/01/09/']);
    expect(none).toEqual([]);
    expect(def.States.AnyCapture.Choices[0]).toEqual({ Condition: '{% $count($found) = 0 %}', Next: 'EmptyWindow' });
    expect(def.States.EmptyWindow.Arguments.MetricData[0]).toEqual({
      MetricName: 'EmptyWindow', Unit: 'Count', Value: 1, Dimensions: [{ Name: 'EndpointName', Value: 'churn-prod' }],
    });
  });

  test('the check job gets code, baseline and one capture input per folder, and the window in its environment', async () => {
    // GIVEN
    const { stack } = monitor();
    const def = definition(stack, 'CheckWorkflow');
    const w = await windowOf(def, '2026-03-01T10:41:27Z');
    const args = def.States.Check.Arguments;
    // WHEN
    const inputs = await evaluate(args.ProcessingInputs, { ...w, found: ['2026/03/01/09/', '2026/03/01/10/'] });
    const name = await evaluate(args.ProcessingJobName, w);
    // THEN
    expect(inputs.map((i: any) => [i.InputName, i.S3Input.S3Uri, i.S3Input.LocalPath])).toEqual([
      ['code', expect.stringMatching(/^s3:\/\/cdk-hnb659fds-assets-111111111111-us-east-1\/[0-9a-f]{64}\.zip$/), '/opt/ml/processing/input/code'],
      ['baseline', 's3://churn-artifacts/baselines/churn/', '/opt/ml/processing/input/baseline'],
      ['capture0', 's3://churn-capture/data-capture/prod/churn-prod/AllTraffic/2026/03/01/09/', '/opt/ml/processing/input/capture/0'],
      ['capture1', 's3://churn-capture/data-capture/prod/churn-prod/AllTraffic/2026/03/01/10/', '/opt/ml/processing/input/capture/1'],
    ]);
    expect(name).toMatch(/^drift-c-[0-9a-f-]{36}$/);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(args.AppSpecification.ContainerEntrypoint).toEqual(['python3', '-c', expect.stringContaining("runpy.run_module('driftcheck'"), 'check']);
    // SageMaker limits each entrypoint item to 256 characters.
    expect(args.AppSpecification.ContainerEntrypoint[2].length).toBeLessThanOrEqual(256);
    expect(args.Environment).toMatchObject({
      DRIFT_ENDPOINT_NAME: 'churn-prod',
      DRIFT_PUBLISH_METRICS: 'true',
      DRIFT_NAMESPACE: 'CdkMlops/Drift',
      DRIFT_FEATURE_METRICS: 'score',
      DRIFT_NO_FAIL_ON_VIOLATION: 'true',
      DRIFT_PSI_THRESHOLD: '0.2',
      DRIFT_WINDOW_START: '{% $windowStart %}',
      DRIFT_WINDOW_END: '{% $windowEnd %}',
    });
    expect(def.States.Check.Resource).toBe('arn:aws:states:::sagemaker:createProcessingJob.sync');
  });

  test('sharded checks summarize on N instances by S3 key, then merge on one', async () => {
    // GIVEN
    const { stack } = monitor({ engine: DriftEngine.processing({ instanceCount: 4 }) });
    const def = definition(stack, 'CheckWorkflow');
    const w = await windowOf(def, '2026-03-01T10:10:00Z');
    // WHEN
    const summarize = def.States.Summarize.Arguments;
    const merge = def.States.Merge.Arguments;
    const summarizeInputs = await evaluate(summarize.ProcessingInputs, { ...w, found: ['2026/03/01/09/'] });
    const mergeInputs = await evaluate(merge.ProcessingInputs, w);
    // THEN
    expect(def.States.AnyCapture.Default).toBe('Summarize');
    expect(def.States.Summarize.Next).toBe('Merge');
    expect(summarize.ProcessingResources.ClusterConfig.InstanceCount).toBe(4);
    expect(merge.ProcessingResources.ClusterConfig.InstanceCount).toBe(1);
    expect(summarizeInputs[2].S3Input.S3DataDistributionType).toBe('ShardedByS3Key');
    expect(summarizeInputs[1].S3Input.S3DataDistributionType).toBe('FullyReplicated');
    expect(summarize.AppSpecification.ContainerEntrypoint[3]).toBe('summarize');
    expect(merge.AppSpecification.ContainerEntrypoint[3]).toBe('merge');
    expect(await evaluate(summarize.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri, w)).toBe(w.partialsUri);
    expect(mergeInputs.map((i: any) => i.InputName)).toEqual(['code', 'baseline', 'partials']);
    expect(mergeInputs[2].S3Input.S3Uri).toBe('s3://ref-DriftReportsD618165F/drift-reports/churn-prod/partials/2026/03/01/1000/exec-1/');
  });
});

describe('check workflow with the baseline of the latest approved version (DriftBaseline.fromModelRegistry)', () => {
  const build = () => monitor((f) => ({
    baseline: DriftBaseline.fromModelRegistry(ModelRegistry.fromModelPackageGroupName(f.stack, 'Registry', 'churn'), s3.Bucket.fromBucketName(f.stack, 'Art', 'churn-artifacts')),
  }));

  test('looks the version up first and passes asl-validator', () => {
    // GIVEN / WHEN
    const def = definition(build().stack, 'CheckWorkflow');
    // THEN
    const { isValid, errorsText } = aslValidator(def);
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
    expect(def.StartAt).toBe('LatestApprovedVersion');
    expect(def.States.LatestApprovedVersion.Arguments).toEqual({
      ModelPackageGroupName: 'churn', ModelApprovalStatus: 'Approved', SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 1,
    });
    expect(def.States.Window.Assign.baselineInputs).toBeUndefined();
  });

  test('the registered DriftCheckBaselines statistics become the baseline input; missing ones fail the check', async () => {
    // GIVEN
    const def = definition(build().stack, 'CheckWorkflow');
    const stats = 's3://churn-artifacts/pipelines-abc/QualityCheck/statistics.json';
    // WHEN
    const versionArn = await evaluate(def.States.LatestApprovedVersion.Assign.versionArn, {}, {
      result: { ModelPackageSummaryList: [{ ModelPackageArn: 'arn:aws:sagemaker:us-east-1:111111111111:model-package/churn/7' }] },
    });
    const noVersion = await evaluate(def.States.LatestApprovedVersion.Assign.versionArn, {}, { result: { ModelPackageSummaryList: [] } });
    const baselineUri = await evaluate(def.States.VersionBaseline.Assign.baselineUri, {}, {
      result: { DriftCheckBaselines: { ModelDataQuality: { Statistics: { ContentType: 'application/json', S3Uri: stats } } } },
    });
    const noBaseline = await evaluate(def.States.VersionBaseline.Assign.baselineUri, {}, { result: {} });
    const input = def.States.BaselineInput.Assign.baselineInputs[0];
    // THEN
    expect(versionArn).toBe('arn:aws:sagemaker:us-east-1:111111111111:model-package/churn/7');
    expect(noVersion).toBe('');
    expect(def.States.AnyApprovedVersion.Choices[0].Next).toBe('NoApprovedVersion');
    expect(def.States.NoApprovedVersion.Type).toBe('Succeed'); // before the first approval nothing is deployed
    expect(baselineUri).toBe(stats);
    expect(noBaseline).toBe('');
    expect(def.States.HasBaseline.Choices[0]).toEqual({ Condition: "{% $baselineUri = '' %}", Next: 'NoDriftCheckBaseline' });
    expect(await evaluate(input.S3Input.S3Uri, { baselineUri })).toBe(stats);
    expect(input.S3Input.LocalPath).toBe('/opt/ml/processing/input/baseline');
  });
});

import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DriftBaseline, DriftEngine } from '../../../src/monitoring';
import { SecureMlNetwork } from '../../../src/network';
import { ModelRegistry } from '../../../src/registry';
import { MockedAnswer, checkMockedAnswers, stateMachineDefinitions } from '../../harness/stepfunctions';
import { monitor } from '../../monitoring/fixtures';
// jsonata is the expression language of JSONata state machines; it is installed with asl-validator.
// eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies
const jsonata = require('jsonata');

/**
 * The drift check's requests are JSONata: the static check (check_botocore.py)
 * cannot see inside `{% ... %}`. Here every expression is evaluated as Step
 * Functions would for a scheduled run, and the complete requests go to botocore.
 */
const EXPRESSION = /^\{%(.*)%\}$/s;

async function evaluate(value: unknown, variables: Record<string, unknown>, states: Record<string, unknown>): Promise<any> {
  if (typeof value === 'string') {
    const m = EXPRESSION.exec(value);
    if (!m) {
      return value;
    }
    const expr = jsonata(m[1]);
    expr.registerFunction('uuid', () => '0f8fad5b-d9cb-469f-a165-70867728950e');
    return expr.evaluate({}, { ...variables, states });
  }
  if (Array.isArray(value)) {
    return Promise.all(value.map((v) => evaluate(v, variables, states)));
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = await evaluate(v, variables, states);
    }
    return out;
  }
  return value;
}

/** The check workflow, references rendered with values of their real shape (subnet-…, sg-…). */
function checkWorkflow(stack: Stack): any {
  const all = stateMachineDefinitions(stack, { typed: true });
  return all[Object.keys(all).find((k) => k.includes('CheckWorkflow'))!];
}

/** Every task request of the check workflow, evaluated for one scheduled run. */
async function requests(def: any): Promise<MockedAnswer[]> {
  const states = { input: { scheduledTime: '2026-03-01T10:41:27Z' }, context: { Execution: { Name: 'exec-1', StartTime: '2026-03-01T10:41:27Z' } } };
  const vars: Record<string, unknown> = {};
  const assign = async (state: any, extra: Record<string, unknown> = {}) => {
    for (const [k, v] of Object.entries<any>(state.Assign ?? {})) {
      vars[k] = await evaluate(v, vars, { ...states, ...extra });
    }
  };
  const out: MockedAnswer[] = [];
  const call = async (state: any, extra: Record<string, unknown> = {}) => {
    out.push({ resource: state.Resource, request: await evaluate(state.Arguments, vars, { ...states, ...extra }) });
  };
  if (def.States.LatestApprovedVersion) {
    await call(def.States.LatestApprovedVersion);
    vars.versionArn = 'arn:aws:sagemaker:us-east-1:111111111111:model-package/churn/7';
    await call(def.States.VersionBaseline);
    vars.baselineUri = 's3://churn-artifacts/pipelines-abc/QualityCheck/statistics.json';
    await assign(def.States.BaselineInput);
  }
  await assign(def.States.Window);
  await assign(def.States.Folders);
  const find = def.States.FindCapture;
  for (const folder of vars.folders as string[]) {
    const item = await evaluate(find.ItemSelector, vars, { ...states, context: { Map: { Item: { Value: folder } } } });
    await call(find.ItemProcessor.States.ListCapture, { input: item });
  }
  vars.found = vars.folders;
  await call(def.States.EmptyWindow);
  for (const job of ['Check', 'Summarize', 'Merge']) {
    if (def.States[job]) {
      await call(def.States[job]);
    }
  }
  return out;
}

describe('the drift check\'s job requests, evaluated, against botocore', () => {
  test.each([
    ['default', () => monitor()],
    ['sharded, in the secure network, with capture columns', () => monitor((f) => ({
      network: new SecureMlNetwork(f.stack, 'Network'),
      engine: DriftEngine.processing({ instanceCount: 3, captureColumns: Array.from({ length: 80 }, (_, i) => `feature_${i}`) }),
    }))],
    ['with the baseline of the latest approved version', () => monitor((f) => ({
      baseline: DriftBaseline.fromModelRegistry(ModelRegistry.fromModelPackageGroupName(f.stack, 'Registry', 'churn'), s3.Bucket.fromBucketName(f.stack, 'Art', 'churn-artifacts')),
    }))],
  ])('%s: every request conforms to its input shape', async (_, build) => {
    // GIVEN
    const def = checkWorkflow(build().stack);
    // WHEN
    const calls = await requests(def);
    // THEN
    expect(calls.map((c) => c.resource)).toEqual(expect.arrayContaining(['arn:aws:states:::sagemaker:createProcessingJob.sync']));
    expect(checkMockedAnswers(calls)).toEqual([]);
  });

  test('fails when an evaluated request breaks the shape', async () => {
    // GIVEN the default check job with a capture input SageMaker does not know
    const def = checkWorkflow(monitor().stack);
    const job = (await requests(def)).find((c) => c.resource.includes('createProcessingJob')) as any;
    job.request.ProcessingInputs[2].S3Input.S3InputMode = 'Streaming';
    job.request.Environment.DRIFT_CAPTURE_COLUMNS = 'c'.repeat(300);
    // WHEN
    const found = checkMockedAnswers([job]).map((f) => `${f.where}: ${f.what}`);
    // THEN
    expect(found).toEqual([
      expect.stringContaining("ProcessingInputs[2].S3Input.S3InputMode: 'Streaming' is not one of ProcessingS3InputMode"),
      expect.stringContaining('Environment.DRIFT_CAPTURE_COLUMNS: 300 characters where ProcessingEnvironmentValue allows 0..256'),
    ]);
  });
});

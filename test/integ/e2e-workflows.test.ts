/**
 * The e2e app's assertion and cleanup workflows, as synthesized, run in the
 * local Step Functions simulator against a simulated account; every answer
 * the account gives (and every request the workflows send) is checked
 * against botocore after the file (verifyMockedAnswers).
 */
import { buildE2e, BuiltE2e } from './e2e-app';
import { FakeE2eAccount, runWorkflow, Scenario } from './e2e-fake';
import { ASSERTION_ERRORS, POLL } from '../../examples/e2e/assertions';
import { CLEANUP_ERRORS } from '../../examples/e2e/cleanup';
import { render, stateMachineDefinitions, verifyMockedAnswers } from '../harness/stepfunctions';

verifyMockedAnswers();

let built: BuiltE2e;
let assertions: any;
let cleanup: any;
let names: ConstructorParameters<typeof FakeE2eAccount>[0];

beforeAll(() => {
  built = buildE2e('e2e--workflows', {}, true);
  const defs = stateMachineDefinitions(built.stack, { typed: true });
  const byPrefix = (p: string) => defs[Object.keys(defs).find((k) => k.startsWith(p))!];
  assertions = byPrefix('Assertions');
  cleanup = byPrefix('Cleanup');
  const resources = built.template.Resources;
  const t = render(built.stack.resolve(built.stack.targets), resources) as any;
  const c = render(built.stack.resolve(built.stack.cleanupTargets), resources) as any;
  names = {
    pipelineName: t.pipelineName,
    groupName: t.modelPackageGroupName,
    endpointName: t.endpointName,
    deploymentId: c.deploymentId,
    checkArn: t.checkStateMachineArn,
    cleanupArn: assertions.States['Clean up'].Parameters.StateMachineArn,
    cleanupDefinition: cleanup,
    bucketNames: c.bucketNames,
  };
});

function account(scenario: Scenario = {}): FakeE2eAccount {
  const a = new FakeE2eAccount(names, scenario);
  a.addForeignDeployment();
  for (const b of names.bucketNames) {
    a.fill(b, 3);
  }
  return a;
}

/** The error of a failed run. */
async function failureOf(run: Promise<any>): Promise<string> {
  try {
    await run;
  } catch (e: any) {
    return `${e.cause?.name ?? e.name}: ${e.cause?.message ?? e.message}`;
  }
  throw new Error('the run succeeded');
}

function expectCleanedUp(a: FakeE2eAccount): void {
  expect(a.cleanupRuns).toBe(1);
  expect(a.endpoint).toBeUndefined();
  // only the other deployment's model and config are left
  expect(a.models.map((m) => m.tags[0].Value)).toEqual(['churn-deployment-0a1b2c3d']);
  expect(a.configs.map((m) => m.tags[0].Value)).toEqual(['churn-deployment-0a1b2c3d']);
  expect(a.packages).toEqual([]);
  expect(a.logGroups.size).toBe(0);
  expect([...a.buckets.values()].every((objects) => objects.length === 0)).toBe(true);
  expect(a.pipelineExecutions.filter((e) => e.status === 'Executing')).toEqual([]);
  expect([...a.running.values()].flat()).toEqual([]);
}

describe('the assertion workflow', () => {
  test('a working platform: every assertion passes, then the cleanup leaves nothing behind', async () => {
    // GIVEN
    const a = account();
    // WHEN
    await runWorkflow(assertions, a);
    // THEN the loop ran in order
    const order = ['sagemaker:startPipelineExecution', 'sagemaker:updateModelPackage', 'sagemakerruntime:invokeEndpoint',
      'states:startExecution.sync:2', 'cloudwatch:getMetricStatistics', 'cloudwatch:describeAlarms', 'sfn:listExecutions', 's3:deleteObject'];
    const firsts = order.map((op) => a.calls.indexOf(op));
    expect(firsts).toEqual([...firsts].sort((x, y) => x - y));
    expect(a.calls.filter((c) => c === 'sagemakerruntime:invokeEndpoint')).toHaveLength(2);
    expect(a.driftedSent).toBe(true);
    expect(a.alarmState).toBe('ALARM');
    // the retraining the alarm started was running, and was stopped by the cleanup
    expect(a.pipelineExecutions.map((e) => e.status)).toEqual(['Succeeded', 'Stopped']);
    // and so were the jobs of its running steps
    expect(a.stoppedJobs).toEqual(['pipelines-retrain000001-train-a1b2c3', 'pipelines-retrain000001-driftbaseline-a1b2c3']);
    expectCleanedUp(a);
  });

  test('a drift score of 1 among lower ones is found, whatever the order of the datapoints', async () => {
    const a = account();
    a.metrics.push({ Timestamp: '2026-12-07T05:10:00Z', Maximum: 0.2 });
    await runWorkflow(assertions, a);
    expect(a.metrics.map((m) => m.Maximum)).toEqual([0.2, 1]);
    expect(a.alarmState).toBe('ALARM');
  });

  test('the drift check runs on capture that ended before its window: the batch is captured first', async () => {
    const a = account();
    await runWorkflow(assertions, a);
    const check = a.calls.indexOf('states:startExecution.sync:2');
    const lastList = a.calls.lastIndexOf('s3:listObjectsV2', check);
    expect(lastList).toBeGreaterThan(a.calls.lastIndexOf('sagemakerruntime:invokeEndpoint', check));
    expect(assertions.States.Assertions.Branches[0].States['Wait for the check window'].Seconds).toBe(POLL.checkWindowSeconds);
    expect(POLL.checkWindowSeconds).toBeGreaterThan(600);
  });

  test.each<[string, Scenario, string]>([
    ['the pipeline fails', { trainingStatus: 'Failed' }, ASSERTION_ERRORS.trainingFailed],
    ['the version has no drift baseline', { registersBaseline: false }, ASSERTION_ERRORS.noBaseline],
    ['the endpoint fails', { endpointStatus: 'Failed' }, ASSERTION_ERRORS.endpointFailed],
    ['the drift check finds no drift', { driftScore: 0.4 }, ASSERTION_ERRORS.noDrift],
    ['the alarm stays OK', { alarmFires: false }, ASSERTION_ERRORS.noAlarm],
    ['the pipeline never ends', { trainingPolls: 1000 }, ASSERTION_ERRORS.trainingTimedOut],
  ])('fails when %s, and still cleans up', async (_what, scenario, error) => {
    // GIVEN
    const a = account(scenario);
    // WHEN / THEN
    expect(await failureOf(runWorkflow(assertions, a))).toMatch(new RegExp(`^${error.replace('.', '\\.')}: `));
    expectCleanedUp(a);
  });
});

describe('the cleanup workflow (run alone: `bash examples/e2e/run.sh cleanup`)', () => {
  test('deletes what a deployment left, only this deployment\'s, and empties every bucket over several pages', async () => {
    // GIVEN an interrupted run: endpoint up, a deployment and a check running, a drift job in progress, 600 versions in the capture bucket
    const a = account();
    a.handle('arn:aws:states:::aws-sdk:sagemaker:startPipelineExecution', { PipelineName: names.pipelineName });
    a.pipelineExecutions[0].polls = 100;
    a.handle('arn:aws:states:::aws-sdk:sagemaker:describePipelineExecution', { PipelineExecutionArn: a.pipelineExecutions[0].arn });
    a.handle('arn:aws:states:::aws-sdk:sagemaker:updateModelPackage', { ModelPackageArn: a.packages[0].arn, ModelApprovalStatus: 'Approved' });
    a.running.set('deployment', ['deploy-v1']);
    a.running.set('check', ['check-9']);
    a.processingJobs.push({ name: 'drift-c-1234', status: 'InProgress' }, { name: 'other-job', status: 'InProgress' });
    a.fill(names.bucketNames[1], 200);
    // WHEN
    await runWorkflow(cleanup, a, 'cleanup-alone');
    // THEN
    expect(a.endpoint).toBeUndefined();
    expect(a.models.map((m) => m.name)).toEqual(['mlops-staging-v3-92eb5ffee6ae2fec3ad71c777531578f']);
    expect(a.packages).toEqual([]);
    expect([...a.running.values()].flat()).toEqual([]);
    expect(a.processingJobs.map((j) => `${j.name} ${j.status}`)).toEqual(['drift-c-1234 Stopped', 'other-job InProgress']);
    expect([...a.buckets.values()].map((o) => o.length)).toEqual(names.bucketNames.map(() => 0));
    expect(a.calls.filter((c) => c === 's3:listObjectVersions').length).toBeGreaterThan(names.bucketNames.length + 1);
  });

  test('on an account where nothing is left, succeeds without deleting anything', async () => {
    const a = new FakeE2eAccount(names);
    await runWorkflow(cleanup, a, 'cleanup-empty');
    expect(a.calls.filter((c) => /delete|stop/i.test(c))).toEqual(['sagemaker:deleteEndpoint', 'cloudwatchlogs:deleteLogGroup']);
  });

  test('deletes an endpoint that was still being created when the cleanup began', async () => {
    const a = new FakeE2eAccount(names, { endpointPolls: 3 });
    a.endpoint = { status: 'Creating', polls: 0 };
    await runWorkflow(cleanup, a, 'cleanup-creating');
    expect(a.endpoint).toBeUndefined();
    expect(a.calls.filter((c) => c === 'sagemaker:deleteEndpoint').length).toBeGreaterThan(1);
  });

  test('fails when the endpoint cannot be deleted (an error DeleteEndpoint does not model, e.g. access denied)', async () => {
    const a = new FakeE2eAccount(names);
    a.endpoint = { status: 'InService', polls: 0 };
    a.denyDeleteEndpoint = true;
    expect(await failureOf(runWorkflow(cleanup, a, 'cleanup-denied'))).toMatch(new RegExp(`^${CLEANUP_ERRORS.endpointNotDeleted.replace('.', '\\.')}: `));
    expect(a.endpoint?.status).toBe('InService');
  });

  test('fails when the endpoint is still there after 40 polls', async () => {
    const a = new FakeE2eAccount(names, { deletePolls: Infinity });
    a.endpoint = { status: 'InService', polls: 0 };
    expect(await failureOf(runWorkflow(cleanup, a, 'cleanup-stuck'))).toMatch(new RegExp(`^${CLEANUP_ERRORS.endpointNotDeleted.replace('.', '\\.')}: `));
  });
});

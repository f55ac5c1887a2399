/**
 * The assertion workflow of the e2e app: it drives the platform through
 * one loop and fails, with an error naming the step, as soon as AWS does not
 * answer what a working platform would:
 *
 * 1. start the training pipeline and wait until it succeeded;
 * 2. find the version it registered (PendingManualApproval, with its drift
 *    baseline) and approve it;
 * 3. wait until the deployment workflow has the staging endpoint InService;
 * 4. invoke it with a sample row (a prediction comes back);
 * 5. wait until data capture has written the request to S3;
 * 6. send a drifted batch and wait until it is captured too;
 * 7. wait for the check window (a check looks at capture that ended
 *    10 minutes before it starts), run the drift check on demand;
 * 8. read `DriftScore` (at least 1: a threshold was crossed), wait for the
 *    drift alarm to be in ALARM and for the retraining it starts;
 * then run the cleanup workflow, whatever happened (after a failure the run
 * still fails, with the first error).
 *
 * Every call is an AWS SDK (or optimized) Step Functions integration; no
 * Lambda function.
 */
import { fail, poll, pollStart, retryOn, sdk, START_EXECUTION_SYNC, States, task } from './asl';
import { driftedBatch, sampleRow } from './data';

/** What the workflows act on (names and ARNs of the deployed app). */
export interface E2eTargets {
  readonly pipelineName: string;
  readonly modelPackageGroupName: string;
  readonly endpointName: string;
  readonly captureBucketName: string;
  /** Where SageMaker writes the endpoint's captured data: `<capture prefix><endpoint>/AllTraffic/`. */
  readonly captureKeyPrefix: string;
  readonly checkStateMachineArn: string;
  readonly driftAlarmName: string;
  /** The CloudWatch namespace of the drift metrics. */
  readonly driftNamespace: string;
}

/** Error names of the assertion workflow's Fail states, one per assertion. */
export const ASSERTION_ERRORS = {
  trainingFailed: 'E2e.TrainingFailed',
  trainingTimedOut: 'E2e.TrainingTimedOut',
  noVersion: 'E2e.NoVersionRegistered',
  noBaseline: 'E2e.NoDriftBaselineRegistered',
  endpointFailed: 'E2e.EndpointFailed',
  endpointTimedOut: 'E2e.EndpointNotInService',
  noPrediction: 'E2e.NoPrediction',
  noCapture: 'E2e.RequestNotCaptured',
  noDriftedCapture: 'E2e.DriftedBatchNotCaptured',
  noDrift: 'E2e.NoDriftMeasured',
  noAlarm: 'E2e.DriftAlarmNotRaised',
  noRetraining: 'E2e.RetrainingNotStarted',
};

const SM = 'SageMaker.SageMakerException';
const S3 = 'S3.S3Exception';
const CW = 'CloudWatch.CloudWatchException';

/** Poll bounds: every loop ends, so an execution stays far below 25,000 history events. */
export const POLL = {
  trainingMinutes: 60,
  endpointMinutes: 60,
  captureMinutes: 20,
  alarmMinutes: 20,
  retrainingMinutes: 15,
  /** A check looks at capture that ended 10 minutes before it starts (processing engine), plus 2 minutes of margin. */
  checkWindowSeconds: 720,
};

/** The branch that drives the loop and asserts each step. */
function assertionStates(t: E2eTargets): States {
  const e = ASSERTION_ERRORS;
  const present = (v: string) => ({ Variable: v, IsPresent: true });
  /** Polls the capture prefix every minute until it holds at least `minKeys` objects. */
  const pollCapture = (name: string, minKeys: number, next: string, timeoutError: string, timeoutCause: string): States => poll({
    name,
    task: task(sdk('s3', 'listObjectsV2'), { Bucket: t.captureBucketName, Prefix: t.captureKeyPrefix },
      { ResultSelector: { 'KeyCount.$': '$.KeyCount' }, ResultPath: '$.Capture', Retry: retryOn(S3) }),
    until: [{ Variable: '$.Capture.KeyCount', NumericGreaterThanEquals: minKeys, Next: next }],
    waitSeconds: 60,
    maxPolls: POLL.captureMinutes,
    timeoutError,
    timeoutCause,
  });
  return {
    'Start training': task(sdk('sagemaker', 'startPipelineExecution'), {
      'PipelineName': t.pipelineName,
      'PipelineExecutionDescription': 'cdk-mlops e2e run',
      'ClientRequestToken.$': "States.Hash($$.Execution.Id, 'SHA-256')",
    }, { ResultSelector: { 'Arn.$': '$.PipelineExecutionArn' }, ResultPath: '$.Training', Retry: retryOn(SM), Next: pollStart('Read training') }),
    ...poll({
      name: 'Read training',
      task: task(sdk('sagemaker', 'describePipelineExecution'), { 'PipelineExecutionArn.$': '$.Training.Arn' },
        { ResultSelector: { 'Status.$': '$.PipelineExecutionStatus' }, ResultPath: '$.Training.Now', Retry: retryOn(SM) }),
      until: [
        { Variable: '$.Training.Now.Status', StringEquals: 'Succeeded', Next: 'Find version' },
        { Or: [{ Variable: '$.Training.Now.Status', StringEquals: 'Failed' }, { Variable: '$.Training.Now.Status', StringEquals: 'Stopped' }], Next: 'Training failed' },
      ],
      waitSeconds: 60,
      maxPolls: POLL.trainingMinutes,
      timeoutError: e.trainingTimedOut,
      timeoutCause: `The pipeline ${t.pipelineName} did not finish within ${POLL.trainingMinutes} minutes.`,
    }),
    'Training failed': fail(e.trainingFailed, `The pipeline execution failed or was stopped: see SageMaker Studio, pipeline ${t.pipelineName}.`),
    'Find version': task(sdk('sagemaker', 'listModelPackages'), {
      ModelPackageGroupName: t.modelPackageGroupName, SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 1,
    }, { ResultSelector: { 'Versions.$': '$.ModelPackageSummaryList' }, ResultPath: '$.Registry', Retry: retryOn(SM), Next: 'Version registered?' }),
    'Version registered?': {
      Type: 'Choice',
      Choices: [{
        And: [present('$.Registry.Versions[0].ModelApprovalStatus'),
          { Variable: '$.Registry.Versions[0].ModelApprovalStatus', StringEquals: 'PendingManualApproval' }],
        Next: 'Read version',
      }],
      Default: 'No version registered',
    },
    'No version registered': fail(e.noVersion, `The pipeline succeeded but ${t.modelPackageGroupName} has no version pending approval.`),
    'Read version': task(sdk('sagemaker', 'describeModelPackage'), { 'ModelPackageName.$': '$.Registry.Versions[0].ModelPackageArn' },
      { ResultPath: '$.Version', Retry: retryOn(SM), Next: 'Baseline registered?' }),
    'Baseline registered?': {
      Type: 'Choice',
      Choices: [{ ...present('$.Version.DriftCheckBaselines.ModelDataQuality.Statistics.S3Uri'), Next: 'Approve version' }],
      Default: 'No drift baseline',
    },
    'No drift baseline': fail(e.noBaseline, 'The registered version has no DriftCheckBaselines.ModelDataQuality.Statistics: the drift check would have no baseline.'),
    'Approve version': task(sdk('sagemaker', 'updateModelPackage'), {
      'ModelPackageArn.$': '$.Version.ModelPackageArn',
      'ModelApprovalStatus': 'Approved',
      'ApprovalDescription': 'Approved by the cdk-mlops e2e assertions',
    }, { ResultPath: null, Retry: retryOn(SM), Next: pollStart('Read endpoint') }),
    ...poll({
      name: 'Read endpoint',
      // Until the deployment workflow creates it, DescribeEndpoint answers ValidationException (the base exception).
      task: task(sdk('sagemaker', 'describeEndpoint'), { EndpointName: t.endpointName }, {
        ResultSelector: { 'Status.$': '$.EndpointStatus' },
        ResultPath: '$.Endpoint',
        Catch: [{ ErrorEquals: [SM], ResultPath: '$.Endpoint', Next: 'Read endpoint: done?' }],
      }),
      until: [
        { And: [present('$.Endpoint.Status'), { Variable: '$.Endpoint.Status', StringEquals: 'InService' }], Next: 'Invoke with a sample row' },
        { And: [present('$.Endpoint.Status'), { Variable: '$.Endpoint.Status', StringEquals: 'Failed' }], Next: 'Endpoint failed' },
      ],
      waitSeconds: 60,
      maxPolls: POLL.endpointMinutes,
      timeoutError: e.endpointTimedOut,
      timeoutCause: `The endpoint ${t.endpointName} was not InService within ${POLL.endpointMinutes} minutes of the approval: see the deployment workflow's executions.`,
    }),
    'Endpoint failed': fail(e.endpointFailed, `The endpoint ${t.endpointName} is Failed (DescribeEndpoint FailureReason).`),
    'Invoke with a sample row': task(sdk('sagemakerruntime', 'invokeEndpoint'), {
      EndpointName: t.endpointName, ContentType: 'text/csv', Accept: 'text/csv', Body: sampleRow(),
    }, { ResultPath: '$.Prediction', Retry: retryOn('SageMakerRuntime.SageMakerRuntimeException'), Next: 'Prediction returned?' }),
    // A model that fails answers ModelErrorException (the task fails); a served prediction comes with a body
    // and its content type (InvokeEndpoint response; the blob is kept whole, whatever form Step Functions gives it).
    'Prediction returned?': {
      Type: 'Choice',
      Choices: [{ Or: [present('$.Prediction.Body'), present('$.Prediction.ContentType')], Next: pollStart('Read capture') }],
      Default: 'No prediction',
    },
    'No prediction': fail(e.noPrediction, 'InvokeEndpoint answered without a body or a content type.'),
    ...pollCapture('Read capture', 1, 'Send a drifted batch', e.noCapture,
      `No captured data under s3://${t.captureBucketName}/${t.captureKeyPrefix} ${POLL.captureMinutes} minutes after the request.`),
    // The first capture file is written: the batch lands in a later one.
    'Send a drifted batch': task(sdk('sagemakerruntime', 'invokeEndpoint'), {
      EndpointName: t.endpointName, ContentType: 'text/csv', Accept: 'text/csv', Body: driftedBatch(),
    }, { ResultPath: null, Retry: retryOn('SageMakerRuntime.SageMakerRuntimeException'), Next: pollStart('Read drifted capture') }),
    ...pollCapture('Read drifted capture', 2, 'Wait for the check window', e.noDriftedCapture,
      `The drifted batch was not captured under s3://${t.captureBucketName}/${t.captureKeyPrefix} within ${POLL.captureMinutes} minutes.`),
    'Wait for the check window': { Type: 'Wait', Seconds: POLL.checkWindowSeconds, Next: 'Run the drift check' },
    // The check's window ends 10 minutes before `scheduledTime` (the check workflow's Window state).
    'Run the drift check': task(START_EXECUTION_SYNC, {
      StateMachineArn: t.checkStateMachineArn,
      Input: { 'scheduledTime.$': '$$.State.EnteredTime' },
    }, { ResultSelector: { 'Status.$': '$.Status' }, ResultPath: '$.DriftCheck', Next: 'Read drift score' }),
    'Read drift score': task(sdk('cloudwatch', 'getMetricStatistics'), {
      'Namespace': t.driftNamespace,
      'MetricName': 'DriftScore',
      'Dimensions': [{ Name: 'EndpointName', Value: t.endpointName }],
      'StartTime.$': '$$.Execution.StartTime',
      'EndTime.$': '$$.State.EnteredTime',
      'Period': 60,
      'Statistics': ['Maximum'],
    }, { ResultSelector: { 'Points.$': '$.Datapoints' }, ResultPath: '$.Drift', Retry: retryOn(CW), Next: 'Judge drift points' }),
    // One verdict per datapoint (none without data), then: any crossed threshold?
    'Judge drift points': {
      Type: 'Map',
      ItemsPath: '$.Drift.Points',
      ItemSelector: { 'Maximum.$': '$$.Map.Item.Value.Maximum' },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'Threshold crossed?',
        States: {
          'Threshold crossed?': { Type: 'Choice', Choices: [{ Variable: '$.Maximum', NumericGreaterThanEquals: 1, Next: 'Crossed' }], Default: 'Not crossed' },
          'Crossed': { Type: 'Pass', Result: true, End: true },
          'Not crossed': { Type: 'Pass', Result: false, End: true },
        },
      },
      ResultPath: '$.Drift.Verdicts',
      Next: 'Any drift?',
    },
    'Any drift?': { Type: 'Pass', Parameters: { 'Drifted.$': 'States.ArrayContains($.Drift.Verdicts, true)' }, ResultPath: '$.Drift', Next: 'Drift measured?' },
    'Drift measured?': {
      Type: 'Choice',
      Choices: [{ Variable: '$.Drift.Drifted', BooleanEquals: true, Next: pollStart('Read drift alarm') }],
      Default: 'No drift measured',
    },
    'No drift measured': fail(e.noDrift, `The drift check ran but published no DriftScore >= 1 for ${t.endpointName} (see its report in the monitor's report bucket).`),
    ...poll({
      name: 'Read drift alarm',
      task: task(sdk('cloudwatch', 'describeAlarms'), { AlarmNames: [t.driftAlarmName] },
        { ResultSelector: { 'Alarms.$': '$.MetricAlarms' }, ResultPath: '$.Alarm', Retry: retryOn(CW) }),
      until: [{
        And: [present('$.Alarm.Alarms[0].StateValue'), { Variable: '$.Alarm.Alarms[0].StateValue', StringEquals: 'ALARM' }],
        Next: pollStart('Read retraining'),
      }],
      waitSeconds: 60,
      maxPolls: POLL.alarmMinutes,
      timeoutError: e.noAlarm,
      timeoutCause: `The drift alarm ${t.driftAlarmName} did not go to ALARM within ${POLL.alarmMinutes} minutes of the drift score.`,
    }),
    ...poll({
      name: 'Read retraining',
      task: task(sdk('sagemaker', 'listPipelineExecutions'), { PipelineName: t.pipelineName, SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 10 }, {
        ResultSelector: { 'Count.$': 'States.ArrayLength($.PipelineExecutionSummaries)' }, ResultPath: '$.Retraining', Retry: retryOn(SM),
      }),
      until: [{ Variable: '$.Retraining.Count', NumericGreaterThanEquals: 2, Next: 'Loop closed' }],
      waitSeconds: 60,
      maxPolls: POLL.retrainingMinutes,
      timeoutError: e.noRetraining,
      timeoutCause: `The drift alarm is in ALARM but no second execution of ${t.pipelineName} started within ${POLL.retrainingMinutes} minutes (the monitor's retraining workflow).`,
    }),
    'Loop closed': { Type: 'Pass', Result: 'trained, approved, deployed, invoked, captured, drift measured, alarm raised, retraining started', End: true },
  };
}

/** The assertion workflow's definition: the assertions, then the cleanup workflow in every case. */
export function assertionDefinition(t: E2eTargets, cleanupStateMachineArn: string): any {
  const cleanup = (next: Record<string, unknown>) => task(START_EXECUTION_SYNC, { StateMachineArn: cleanupStateMachineArn, Input: {} },
    { ResultSelector: { 'Status.$': '$.Status' }, ResultPath: '$.Cleanup', ...next });
  return {
    Comment: 'cdk-mlops e2e: train, approve, deploy, invoke, capture, check drift, alarm, retrain; then clean up',
    StartAt: 'Assertions',
    States: {
      'Assertions': {
        Type: 'Parallel',
        Branches: [{ StartAt: 'Start training', States: assertionStates(t) }],
        ResultPath: '$.Result',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.Failure', Next: 'Clean up after a failure' }],
        Next: 'Clean up',
      },
      'Clean up': cleanup({ Next: 'Passed' }),
      'Passed': { Type: 'Succeed' },
      'Clean up after a failure': cleanup({
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.CleanupFailure', Next: 'Failed' }],
        Next: 'Failed',
      }),
      'Failed': { Type: 'Fail', ErrorPath: '$.Failure.Error', CausePath: '$.Failure.Cause' },
    },
  };
}

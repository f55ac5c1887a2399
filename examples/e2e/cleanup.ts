/**
 * The cleanup workflow of the e2e app: deletes what the platform's
 * workflows create at run time, which CloudFormation does not know about,
 * and empties the stack's buckets so that `cdk destroy` can delete them
 * (CloudFormation deletes only empty buckets):
 *
 * 1. stop running executions of the platform's workflows (deployment,
 *    drift check, retraining with its cooldown);
 * 2. stop executing pipeline executions (a retraining) and the jobs of their
 *    running steps, and in-progress drift check processing jobs;
 * 3. delete the staging endpoint and wait until it is gone;
 * 4. delete the endpoint configs and models the deployment workflow created
 *    (those tagged with this deployment's id);
 * 5. delete the registered model versions (CloudFormation deletes only an
 *    empty model package group);
 * 6. delete the endpoint's log group (SageMaker creates it);
 * 7. empty every bucket of the stack, all versions and delete markers,
 *    access-log buckets last.
 *
 * Every step tolerates what is already gone, so the workflow can run again
 * (e.g. after an interrupted run: `bash examples/e2e/run.sh cleanup`).
 */
import { fail, retryOn, sdk, States, task } from './asl';

/** What the cleanup acts on. */
export interface CleanupTargets {
  /** Standard state machines of the platform whose running executions are stopped. */
  readonly stateMachineArns: string[];
  readonly pipelineName: string;
  readonly modelPackageGroupName: string;
  readonly endpointName: string;
  /** Name prefix of the models and endpoint configs the deployment workflow creates for the stage. */
  readonly generatedNamePrefix: string;
  /** The deployment's id, the value of the `cdk-mlops:deployment` tag on what it creates. */
  readonly deploymentId: string;
  /** Name prefix of the drift check's processing jobs. */
  readonly driftJobPrefix: string;
  /** Buckets to empty, in order (access-log buckets last). */
  readonly bucketNames: string[];
}

export const CLEANUP_ERRORS = {
  endpointNotDeleted: 'E2e.EndpointNotDeleted',
  bucketNotEmptied: 'E2e.BucketNotEmptied',
};

const SM = 'SageMaker.SageMakerException';

/** A Map over `itemsPath` whose processor is `states`, its result discarded. */
function forEach(itemsPath: string, itemSelector: Record<string, unknown>, startAt: string, states: States, next: string, maxConcurrency = 5): any {
  return {
    Type: 'Map',
    ItemsPath: itemsPath,
    ItemSelector: itemSelector,
    MaxConcurrency: maxConcurrency,
    ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: startAt, States: states },
    ResultPath: null,
    Next: next,
  };
}

/** Delete the generated resources (configs or models) tagged with this deployment. */
function deleteTagged(kind: 'config' | 'model', t: CleanupTargets, next: string): States {
  const list = kind === 'config' ? 'List endpoint configs' : 'List models';
  const arnField = kind === 'config' ? 'EndpointConfigArn' : 'ModelArn';
  const nameField = kind === 'config' ? 'EndpointConfigName' : 'ModelName';
  const listField = kind === 'config' ? 'EndpointConfigs' : 'Models';
  const del = kind === 'config' ? 'deleteEndpointConfig' : 'deleteModel';
  const p = kind === 'config' ? 'Config' : 'Model';
  return {
    [list]: task(sdk('sagemaker', kind === 'config' ? 'listEndpointConfigs' : 'listModels'), { NameContains: t.generatedNamePrefix, MaxResults: 100 },
      { ResultSelector: { ['Items.$']: `$.${listField}` }, ResultPath: '$.Listing', Retry: retryOn(SM), Next: `Delete each ${kind}` }),
    [`Delete each ${kind}`]: forEach('$.Listing.Items', { ['Arn.$']: `$$.Map.Item.Value.${arnField}`, ['Name.$']: `$$.Map.Item.Value.${nameField}` }, `${p}: read tags`, {
      [`${p}: read tags`]: task(sdk('sagemaker', 'listTags'), { 'ResourceArn.$': '$.Arn', 'MaxResults': 100 },
        { ResultSelector: { 'Values.$': "$.Tags[?(@.Key == 'cdk-mlops:deployment')].Value" }, ResultPath: '$.Tags', Retry: retryOn(SM), Next: `${p}: ours?` }),
      [`${p}: ours?`]: { Type: 'Pass', Parameters: { 'Ours.$': `States.ArrayContains($.Tags.Values, '${t.deploymentId}')` }, ResultPath: '$.Tags', Next: `${p}: delete?` },
      [`${p}: delete?`]: { Type: 'Choice', Choices: [{ Variable: '$.Tags.Ours', BooleanEquals: true, Next: `${p}: delete` }], Default: `${p}: not ours` },
      [`${p}: delete`]: task(sdk('sagemaker', del), { [`${nameField}.$`]: '$.Name' },
        { ResultPath: null, Retry: retryOn(SM), Catch: [{ ErrorEquals: [SM], ResultPath: null, Next: `${p}: gone` }], End: true }),
      [`${p}: gone`]: { Type: 'Succeed' },
      [`${p}: not ours`]: { Type: 'Succeed' },
    }, next),
  };
}

/** The versions (or delete markers) of one page, deleted one by one. */
function deleteVersions(field: 'Versions' | 'DeleteMarkers'): any {
  const name = field === 'Versions' ? 'Object' : 'Marker';
  return forEach(`$.Page.${field}`, {
    'Bucket.$': '$.Bucket', 'Key.$': '$$.Map.Item.Value.Key', 'VersionId.$': '$$.Map.Item.Value.VersionId',
  }, `${name}: delete`, {
    [`${name}: delete`]: task(sdk('s3', 'deleteObject'), { 'Bucket.$': '$.Bucket', 'Key.$': '$.Key', 'VersionId.$': '$.VersionId' },
      { ResultPath: null, Retry: retryOn('S3.S3Exception'), End: true }),
  }, 'Bucket: count', 20);
}

/** The cleanup workflow's definition. */
export function cleanupDefinition(t: CleanupTargets): any {
  return {
    Comment: 'cdk-mlops e2e cleanup: what the platform created at run time, and the contents of its buckets',
    StartAt: 'Workflows',
    States: {
      'Workflows': { Type: 'Pass', Parameters: { Arns: t.stateMachineArns }, ResultPath: '$.Workflows', Next: 'Stop workflow executions' },
      'Stop workflow executions': forEach('$.Workflows.Arns', { 'Arn.$': '$$.Map.Item.Value' }, 'List running executions', {
        'List running executions': task(sdk('sfn', 'listExecutions'), { 'StateMachineArn.$': '$.Arn', 'StatusFilter': 'RUNNING', 'MaxResults': 100 },
          { ResultSelector: { 'Executions.$': '$.Executions' }, ResultPath: '$.Running', Retry: retryOn('Sfn.SfnException'), Next: 'Stop each execution' }),
        'Stop each execution': forEach('$.Running.Executions', { 'Arn.$': '$$.Map.Item.Value.ExecutionArn' }, 'Stop execution', {
          // No Error or Cause: the drift workflows are encrypted with the monitor's key, and StopExecution
          // needs no KMS permission only when both are null (Step Functions API Reference, StopExecution).
          'Stop execution': task(sdk('sfn', 'stopExecution'), { 'ExecutionArn.$': '$.Arn' }, {
            ResultPath: null,
            Retry: retryOn('Sfn.SfnException'),
            Catch: [{ ErrorEquals: ['Sfn.ExecutionDoesNotExistException'], ResultPath: null, Next: 'Already stopped' }],
            End: true,
          }),
          'Already stopped': { Type: 'Succeed' },
        }, 'Workflow stopped'),
        'Workflow stopped': { Type: 'Succeed' },
      }, 'List pipeline executions'),
      'List pipeline executions': task(sdk('sagemaker', 'listPipelineExecutions'), { PipelineName: t.pipelineName, MaxResults: 100 },
        { ResultSelector: { 'Items.$': '$.PipelineExecutionSummaries' }, ResultPath: '$.Listing', Retry: retryOn(SM), Next: 'Stop each pipeline execution' }),
      'Stop each pipeline execution': forEach('$.Listing.Items', { 'Arn.$': '$$.Map.Item.Value.PipelineExecutionArn', 'Status.$': '$$.Map.Item.Value.PipelineExecutionStatus' }, 'Executing?', {
        'Executing?': { Type: 'Choice', Choices: [{ Variable: '$.Status', StringEquals: 'Executing', Next: 'Stop pipeline execution' }], Default: 'Not executing' },
        'Stop pipeline execution': task(sdk('sagemaker', 'stopPipelineExecution'), { 'PipelineExecutionArn.$': '$.Arn', 'ClientRequestToken.$': 'States.UUID()' }, {
          ResultPath: null,
          Retry: retryOn(SM),
          Catch: [{ ErrorEquals: ['SageMaker.ConflictException', 'SageMaker.ResourceNotFoundException'], ResultPath: null, Next: 'List execution steps' }],
          Next: 'List execution steps',
        }),
        // The jobs of the execution's running steps are stopped too, whatever the execution does with them.
        'List execution steps': task(sdk('sagemaker', 'listPipelineExecutionSteps'), { 'PipelineExecutionArn.$': '$.Arn', 'MaxResults': 100 }, {
          ResultSelector: { 'Steps.$': '$.PipelineExecutionSteps' }, ResultPath: '$.Steps', Retry: retryOn(SM), Next: 'Stop each step job',
        }),
        'Stop each step job': forEach('$.Steps.Steps', { 'Step.$': '$$.Map.Item.Value' }, 'Step job?', {
          'Step job?': {
            Type: 'Choice',
            Choices: [
              { Not: { Or: [{ Variable: '$.Step.StepStatus', StringEquals: 'Executing' }, { Variable: '$.Step.StepStatus', StringEquals: 'Stopping' }] }, Next: 'No job to stop' },
              { Variable: '$.Step.Metadata.TrainingJob.Arn', IsPresent: true, Next: 'Stop training job' },
              { Variable: '$.Step.Metadata.ProcessingJob.Arn', IsPresent: true, Next: 'Stop processing job' },
            ],
            Default: 'No job to stop',
          },
          // training-job/<name>: the name is the second part of the ARN's resource.
          'Stop training job': task(sdk('sagemaker', 'stopTrainingJob'), {
            'TrainingJobName.$': "States.ArrayGetItem(States.StringSplit($.Step.Metadata.TrainingJob.Arn, '/'), 1)",
          }, { ResultPath: null, Catch: [{ ErrorEquals: ['SageMaker.ResourceNotFoundException', SM], ResultPath: null, Next: 'No job to stop' }], End: true }),
          'Stop processing job': task(sdk('sagemaker', 'stopProcessingJob'), {
            'ProcessingJobName.$': "States.ArrayGetItem(States.StringSplit($.Step.Metadata.ProcessingJob.Arn, '/'), 1)",
          }, { ResultPath: null, Catch: [{ ErrorEquals: ['SageMaker.ResourceNotFoundException', SM], ResultPath: null, Next: 'No job to stop' }], End: true }),
          'No job to stop': { Type: 'Succeed' },
        }, 'Execution stopped', 1),
        'Execution stopped': { Type: 'Succeed' },
        'Not executing': { Type: 'Succeed' },
      }, 'List drift check jobs'),
      'List drift check jobs': task(sdk('sagemaker', 'listProcessingJobs'), { NameContains: t.driftJobPrefix, StatusEquals: 'InProgress', MaxResults: 100 },
        { ResultSelector: { 'Items.$': '$.ProcessingJobSummaries' }, ResultPath: '$.Listing', Retry: retryOn(SM), Next: 'Stop each drift check job' }),
      'Stop each drift check job': forEach('$.Listing.Items', { 'Name.$': '$$.Map.Item.Value.ProcessingJobName' }, 'Stop drift check job', {
        'Stop drift check job': task(sdk('sagemaker', 'stopProcessingJob'), { 'ProcessingJobName.$': '$.Name' }, {
          ResultPath: null,
          // A job that ended meanwhile: ValidationException (the base exception).
          Catch: [{ ErrorEquals: ['SageMaker.ResourceNotFoundException', SM], ResultPath: null, Next: 'Job ended' }],
          End: true,
        }),
        'Job ended': { Type: 'Succeed' },
      }, 'Endpoint: start'),
      // Delete, then read until the endpoint is gone; an endpoint that is not being deleted (the delete
      // was refused, or it was still being created or updated) is deleted again, at most 40 rounds.
      'Endpoint: start': { Type: 'Pass', Result: { Count: 0 }, ResultPath: '$.Poll', Next: 'Delete endpoint' },
      'Delete endpoint': task(sdk('sagemaker', 'deleteEndpoint'), { EndpointName: t.endpointName }, {
        ResultPath: null,
        // No endpoint answers ValidationException, the base exception, as do errors the model does not list
        // (access denied, an endpoint being created): the loop reads the endpoint either way.
        Catch: [{ ErrorEquals: [SM], ResultPath: null, Next: 'Endpoint: read' }],
        Next: 'Endpoint: read',
      }),
      'Endpoint: read': task(sdk('sagemaker', 'describeEndpoint'), { EndpointName: t.endpointName }, {
        ResultSelector: { 'Status.$': '$.EndpointStatus' },
        ResultPath: '$.Endpoint',
        Catch: [{ ErrorEquals: [SM], ResultPath: null, Next: 'List endpoint configs' }],
        Next: 'Endpoint: gone?',
      }),
      'Endpoint: gone?': {
        Type: 'Choice',
        Choices: [
          { Variable: '$.Poll.Count', NumericGreaterThanEquals: 40, Next: 'Endpoint not deleted' },
          { Variable: '$.Endpoint.Status', StringEquals: 'Deleting', Next: 'Endpoint: wait' },
        ],
        Default: 'Endpoint: wait to delete again',
      },
      'Endpoint: wait': { Type: 'Wait', Seconds: 30, Next: 'Endpoint: count' },
      'Endpoint: count': { Type: 'Pass', Parameters: { 'Count.$': 'States.MathAdd($.Poll.Count, 1)' }, ResultPath: '$.Poll', Next: 'Endpoint: read' },
      'Endpoint: wait to delete again': { Type: 'Wait', Seconds: 30, Next: 'Endpoint: count to delete again' },
      'Endpoint: count to delete again': {
        Type: 'Pass', Parameters: { 'Count.$': 'States.MathAdd($.Poll.Count, 1)' }, ResultPath: '$.Poll', Next: 'Delete endpoint',
      },
      'Endpoint not deleted': fail(CLEANUP_ERRORS.endpointNotDeleted, `The endpoint ${t.endpointName} still exists after 40 rounds of DeleteEndpoint and DescribeEndpoint, 30 seconds apart.`),
      ...deleteTagged('config', t, 'List models'),
      ...deleteTagged('model', t, 'List model versions'),
      'List model versions': task(sdk('sagemaker', 'listModelPackages'), { ModelPackageGroupName: t.modelPackageGroupName, MaxResults: 100 }, {
        ResultSelector: { 'Items.$': '$.ModelPackageSummaryList' },
        ResultPath: '$.Listing',
        Retry: retryOn(SM),
        // No group (the stack is gone already): nothing to delete.
        Catch: [{ ErrorEquals: [SM], ResultPath: null, Next: 'Delete endpoint logs' }],
        Next: 'Delete each model version',
      }),
      'Delete each model version': forEach('$.Listing.Items', { 'Arn.$': '$$.Map.Item.Value.ModelPackageArn' }, 'Delete model version', {
        'Delete model version': task(sdk('sagemaker', 'deleteModelPackage'), { 'ModelPackageName.$': '$.Arn' }, { ResultPath: null, Retry: retryOn(SM), End: true }),
      }, 'Delete endpoint logs'),
      'Delete endpoint logs': task(sdk('cloudwatchlogs', 'deleteLogGroup'), { LogGroupName: `/aws/sagemaker/Endpoints/${t.endpointName}` }, {
        ResultPath: null,
        Catch: [{ ErrorEquals: ['CloudWatchLogs.ResourceNotFoundException'], ResultPath: null, Next: 'Buckets' }],
        Next: 'Buckets',
      }),
      'Buckets': { Type: 'Pass', Parameters: { Names: t.bucketNames }, ResultPath: '$.Buckets', Next: 'Empty each bucket' },
      'Empty each bucket': {
        ...forEach('$.Buckets.Names', { 'Bucket.$': '$$.Map.Item.Value', 'Round': 0 }, 'Bucket: list', {
          'Bucket: list': task(sdk('s3', 'listObjectVersions'), { 'Bucket.$': '$.Bucket', 'MaxKeys': 500 }, {
            ResultPath: '$.Page',
            Retry: retryOn('S3.S3Exception'),
            // ListObjectVersions models no error: a bucket that is gone surfaces as the base exception.
            Catch: [{ ErrorEquals: ['S3.S3Exception'], ResultPath: null, Next: 'Bucket: empty' }],
            Next: 'Bucket: anything left?',
          }),
          'Bucket: anything left?': {
            Type: 'Choice',
            Choices: [
              { Variable: '$.Round', NumericGreaterThanEquals: 200, Next: 'Bucket not emptied' },
              { Variable: '$.Page.Versions[0]', IsPresent: true, Next: 'Bucket: delete versions' },
              { Variable: '$.Page.DeleteMarkers[0]', IsPresent: true, Next: 'Bucket: delete markers' },
            ],
            Default: 'Bucket: empty',
          },
          'Bucket: delete versions': deleteVersions('Versions'),
          'Bucket: delete markers': deleteVersions('DeleteMarkers'),
          'Bucket: count': { Type: 'Pass', Parameters: { 'Bucket.$': '$.Bucket', 'Round.$': 'States.MathAdd($.Round, 1)' }, Next: 'Bucket: list' },
          'Bucket not emptied': fail(CLEANUP_ERRORS.bucketNotEmptied, 'A bucket still had objects after 200 pages of deletes.'),
          'Bucket: empty': { Type: 'Succeed' },
        }, 'Cleaned up', 1),
      },
      'Cleaned up': { Type: 'Succeed' },
    },
  };
}

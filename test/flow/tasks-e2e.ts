/**
 * The AWS calls of the e2e app's assertion and cleanup workflows
 * (examples/e2e), read from their definitions like tasks.ts reads the
 * platform's: the IAM action of each integration (Service Authorization
 * Reference), the resource it names, sample values for names generated at
 * run time.
 */
import type { TaskCall } from './tasks';

/** True for the state machines of the e2e app. */
export function isE2eWorkflow(logicalId: string): boolean {
  return /^(Assertions|Cleanup)[0-9A-F]{8}$/.test(logicalId);
}

/** What e2eCalls needs of the task and its state machine. */
export interface E2eTaskContext {
  readonly stateName: string;
  readonly params: any;
  readonly account: string;
  readonly region: string;
  readonly definition: any;
  /** A version of the registry (tasks.ts samplePackage). */
  readonly samplePackage: string;
  /** The key of a state machine encrypted with a customer-managed key. */
  readonly stateMachineKey: (arn: string) => string | undefined;
}

const SAMPLE_ID = '3f2b8a4e1c7d';

/** Every Pass/Task state of a definition, nested Map processors and Parallel branches included. */
function allStates(states: Record<string, any>): Array<[string, any]> {
  const out: Array<[string, any]> = [];
  for (const [name, state] of Object.entries(states)) {
    out.push([name, state]);
    for (const branch of state.Branches ?? []) {
      out.push(...allStates(branch.States));
    }
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) {
      out.push(...allStates(processor.States));
    }
  }
  return out;
}

function literal(c: E2eTaskContext, stateName: string, field: string): any {
  const found = allStates(c.definition.States).find(([n]) => n === stateName);
  if (!found) {
    throw new Error(`flow (e2e): no state ${stateName}`);
  }
  return found[1].Parameters?.[field];
}

/** The calls of one task of an e2e workflow. */
export function e2eCalls(resource: string, c: E2eTaskContext): TaskCall[] {
  const p = c.params;
  const arn = (service: string, res: string) => `arn:aws:${service}:${c.region}:${c.account}:${res}`;
  const pipeline = (name: string) => arn('sagemaker', `pipeline/${name.toLowerCase()}`);
  const generated = (kind: string) => arn('sagemaker', `${kind}/mlops-staging-v7-0cc175b9c0f1b6a831c399e269772661`);
  const executionOf = (machineArn: string) => machineArn.replace(':stateMachine:', ':execution:') + `:${SAMPLE_ID}`;
  const op = resource.replace(/^arn:aws:states:::(aws-sdk:)?/, '');
  switch (op) {
    case 'states:startExecution.sync:2': {
      const machine: string = p.StateMachineArn;
      const rule = arn('events', 'rule/StepFunctionsGetEventsForStepFunctionsExecutionRule');
      const calls: TaskCall[] = [
        { action: 'states:StartExecution', resource: machine },
        { action: 'states:DescribeExecution', resource: executionOf(machine) },
        { action: 'states:StopExecution', resource: executionOf(machine) },
        { action: 'events:PutTargets', resource: rule },
        { action: 'events:PutRule', resource: rule },
        { action: 'events:DescribeRule', resource: rule },
      ];
      const key = c.stateMachineKey(machine);
      if (key) {
        // DescribeExecution returns the decrypted input and output (Step Functions developer guide, "Data at rest encryption").
        calls.push({
          action: 'kms:Decrypt',
          resource: key,
          context: { 'kms:ViaService': `states.${c.region}.amazonaws.com`, 'kms:CallerAccount': c.account, 'kms:EncryptionContext:aws:states:stateMachineArn': machine },
        });
      }
      return calls;
    }
    case 'sagemaker:startPipelineExecution':
    case 'sagemaker:listPipelineExecutions':
      return [{ action: `sagemaker:${op.charAt(10).toUpperCase()}${op.slice(11)}`, resource: pipeline(p.PipelineName) }];
    case 'sagemaker:describePipelineExecution':
    case 'sagemaker:listPipelineExecutionSteps':
    case 'sagemaker:stopPipelineExecution': {
      const assertions = allStates(c.definition.States).some(([n]) => n === 'Start training');
      const name = literal(c, assertions ? 'Start training' : 'List pipeline executions', 'PipelineName');
      return [{ action: `sagemaker:${op.charAt(10).toUpperCase()}${op.slice(11)}`, resource: `${pipeline(name)}/execution/${SAMPLE_ID}` }];
    }
    case 'sagemaker:listModelPackages':
    case 'sagemaker:listProcessingJobs':
    case 'sagemaker:listEndpointConfigs':
    case 'sagemaker:listModels':
      return [{ action: `sagemaker:${op.charAt(10).toUpperCase()}${op.slice(11)}`, resource: '*' }];
    case 'sagemaker:describeModelPackage':
    case 'sagemaker:deleteModelPackage':
      return [{ action: `sagemaker:${op.charAt(10).toUpperCase()}${op.slice(11)}`, resource: c.samplePackage }];
    case 'sagemaker:updateModelPackage':
      return [{ action: 'sagemaker:UpdateModelPackage', resource: c.samplePackage, context: { 'sagemaker:ModelApprovalStatus': p.ModelApprovalStatus } }];
    case 'sagemaker:describeEndpoint':
    case 'sagemaker:deleteEndpoint':
      return [{ action: `sagemaker:${op.charAt(10).toUpperCase()}${op.slice(11)}`, resource: arn('sagemaker', `endpoint/${String(p.EndpointName).toLowerCase()}`) }];
    case 'sagemakerruntime:invokeEndpoint':
      return [{ action: 'sagemaker:InvokeEndpoint', resource: arn('sagemaker', `endpoint/${String(p.EndpointName).toLowerCase()}`) }];
    case 'sagemaker:stopProcessingJob':
      // the job of a pipeline step, or a drift check's job
      return [{
        action: 'sagemaker:StopProcessingJob',
        resource: arn('sagemaker', c.stateName === 'Stop processing job' ? `processing-job/pipelines-${SAMPLE_ID}-driftbaseline-a1b2c3` : `processing-job/drift-c-${SAMPLE_ID}`),
      }];
    case 'sagemaker:stopTrainingJob':
      return [{ action: 'sagemaker:StopTrainingJob', resource: arn('sagemaker', `training-job/pipelines-${SAMPLE_ID}-train-a1b2c3`) }];
    case 'sagemaker:listTags':
      return [{ action: 'sagemaker:ListTags', resource: generated(c.stateName.startsWith('Config') ? 'endpoint-config' : 'model') }];
    case 'sagemaker:deleteEndpointConfig':
      return [{ action: 'sagemaker:DeleteEndpointConfig', resource: generated('endpoint-config') }];
    case 'sagemaker:deleteModel':
      return [{ action: 'sagemaker:DeleteModel', resource: generated('model') }];
    case 'cloudwatchlogs:deleteLogGroup':
      return [{ action: 'logs:DeleteLogGroup', resource: arn('logs', `log-group:${p.LogGroupName}`) }];
    case 'cloudwatch:getMetricStatistics':
      return [{ action: 'cloudwatch:GetMetricStatistics', resource: '*' }];
    case 'cloudwatch:describeAlarms':
      return (p.AlarmNames as string[]).map((name) => ({ action: 'cloudwatch:DescribeAlarms', resource: arn('cloudwatch', `alarm:${name}`) }));
    case 's3:listObjectsV2':
      return [{ action: 's3:ListBucket', resource: `arn:aws:s3:::${p.Bucket}`, context: { 's3:prefix': p.Prefix } }];
    case 's3:listObjectVersions':
      return (literal(c, 'Buckets', 'Names') as string[]).map((b) => ({ action: 's3:ListBucketVersions', resource: `arn:aws:s3:::${b}` }));
    case 's3:deleteObject':
      // With a VersionId: s3:DeleteObjectVersion (Service Authorization Reference, DeleteObject).
      return (literal(c, 'Buckets', 'Names') as string[]).map((b) => ({ action: 's3:DeleteObjectVersion', resource: `arn:aws:s3:::${b}/data-capture/staging/capture-0001.jsonl` }));
    case 'sfn:listExecutions':
      return (literal(c, 'Workflows', 'Arns') as string[]).map((m) => ({ action: 'states:ListExecutions', resource: m }));
    case 'sfn:stopExecution':
      return (literal(c, 'Workflows', 'Arns') as string[]).map((m) => ({ action: 'states:StopExecution', resource: executionOf(m) }));
    default:
      throw new Error(`flow (e2e): integration ${resource} in ${c.stateName} is not modelled`);
  }
}

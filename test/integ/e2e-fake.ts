/**
 * A simulated account for the e2e workflows: answers every task of the
 * assertion and cleanup workflows the way the AWS APIs answer (botocore's
 * output shapes and error names; each answer is checked against them after
 * the test file by `verifyMockedAnswers`), and moves the platform along as
 * it would run: the pipeline trains, an approval deploys the staging
 * endpoint, requests are captured, the drift check publishes its score, the
 * alarm fires and starts a retraining.
 */
import { ACCOUNT, AwsError, REGION, StateMachine, answerTask } from '../harness/stepfunctions';

export { AwsError };

const T0 = '2026-12-07T06:00:00Z';

/** A tagged resource the deployment workflow (or someone else) created. */
interface Generated {
  readonly name: string;
  readonly arn: string;
  readonly tags: Array<{ Key: string; Value: string }>;
}

/** How the simulated platform behaves. */
export interface Scenario {
  /** Polls until the pipeline execution ends, and how. */
  readonly trainingPolls?: number;
  readonly trainingStatus?: 'Succeeded' | 'Failed';
  /** The pipeline registers a version with a drift baseline. */
  readonly registersBaseline?: boolean;
  /** Polls after the approval until the endpoint exists, then until InService (or Failed). */
  readonly endpointPolls?: number;
  readonly endpointStatus?: 'InService' | 'Failed';
  /** The DriftScore the check publishes for the captured window. */
  readonly driftScore?: number;
  /** The alarm follows the score (false: it stays OK). */
  readonly alarmFires?: boolean;
  /** Polls the endpoint deletion takes (Infinity: never). */
  readonly deletePolls?: number;
}

/** The simulated account. */
export class FakeE2eAccount {
  public readonly calls: string[] = [];
  public readonly pipelineExecutions: Array<{ arn: string; status: string; polls: number }> = [];
  public readonly packages: Array<{ arn: string; status: string }> = [];
  public endpoint?: { status: string; polls: number };
  public captureObjects = 0;
  private pendingCaptures = 0;
  public driftedSent = false;
  public readonly metrics: Array<{ Timestamp: string; Maximum: number }> = [];
  public alarmState = 'OK';
  private alarmPolls = 0;
  public readonly configs: Generated[] = [];
  public readonly models: Generated[] = [];
  /** Running executions, by state machine ARN. */
  public readonly running = new Map<string, string[]>();
  public readonly processingJobs: Array<{ name: string; status: string }> = [];
  public readonly logGroups = new Set<string>();
  /** Object versions (and delete markers), by bucket. */
  public readonly buckets = new Map<string, Array<{ key: string; versionId: string; marker: boolean }>>();
  public cleanupRuns = 0;
  /** DeleteEndpoint is refused. */
  public denyDeleteEndpoint = false;
  /** Jobs of pipeline steps the cleanup stopped. */
  public readonly stoppedJobs: string[] = [];
  private deletePolls = 0;

  constructor(
    private readonly names: {
      pipelineName: string;
      groupName: string;
      endpointName: string;
      deploymentId: string;
      checkArn: string;
      cleanupArn: string;
      cleanupDefinition: any;
      bucketNames: string[];
    },
    private readonly scenario: Scenario = {},
  ) {
    for (const b of names.bucketNames) {
      this.buckets.set(b, []);
    }
  }

  private sm(resource: string): string {
    return `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${resource}`;
  }

  /** The platform deploys an approved version: model, config, endpoint, all tagged with the deployment. */
  private deploy(version: number): void {
    const tags = [{ Key: 'cdk-mlops:deployment', Value: this.names.deploymentId }, { Key: 'cdk-mlops:stage', Value: 'staging' }];
    const name = `mlops-staging-v${version}-0cc175b9c0f1b6a831c399e269772661`;
    this.models.push({ name, arn: this.sm(`model/${name}`), tags });
    this.configs.push({ name, arn: this.sm(`endpoint-config/${name}`), tags });
    this.endpoint = { status: 'Creating', polls: 0 };
    this.logGroups.add(`/aws/sagemaker/Endpoints/${this.names.endpointName}`);
  }

  /** Resources of another deployment in the same account (same stage name, another deployment tag). */
  public addForeignDeployment(): void {
    const tags = [{ Key: 'cdk-mlops:deployment', Value: 'churn-deployment-0a1b2c3d' }];
    const name = 'mlops-staging-v3-92eb5ffee6ae2fec3ad71c777531578f';
    this.models.push({ name, arn: this.sm(`model/${name}`), tags });
    this.configs.push({ name, arn: this.sm(`endpoint-config/${name}`), tags });
  }

  /** Put `count` objects (each with two versions and a delete marker) in a bucket. */
  public fill(bucket: string, count: number): void {
    const objects = this.buckets.get(bucket)!;
    for (let i = 0; i < count; i++) {
      objects.push({ key: `data/${i}.json`, versionId: `v1-${i}`, marker: false }, { key: `data/${i}.json`, versionId: `v2-${i}`, marker: false },
        { key: `data/${i}.json`, versionId: `m-${i}`, marker: true });
    }
  }

  public handle(resource: string, p: any): any {
    const op = resource.replace(/^arn:aws:states:::(aws-sdk:)?/, '');
    this.calls.push(op);
    const s = this.scenario;
    switch (op) {
      case 'sagemaker:startPipelineExecution': {
        const arn = `${this.sm(`pipeline/${this.names.pipelineName.toLowerCase()}`)}/execution/${'e'.repeat(11)}${this.pipelineExecutions.length + 1}`;
        this.pipelineExecutions.push({ arn, status: 'Executing', polls: 0 });
        return { PipelineExecutionArn: arn };
      }
      case 'sagemaker:describePipelineExecution': {
        const e = this.pipelineExecutions.find((x) => x.arn === p.PipelineExecutionArn);
        if (!e) {
          throw new AwsError('SageMaker.ResourceNotFoundException', 'Pipeline execution not found');
        }
        e.polls++;
        if (e.status === 'Executing' && e.polls > (s.trainingPolls ?? 3)) {
          e.status = s.trainingStatus ?? 'Succeeded';
          if (e.status === 'Succeeded') {
            this.packages.push({ arn: this.sm(`model-package/${this.names.groupName}/${this.packages.length + 1}`), status: 'PendingManualApproval' });
          }
        }
        return { PipelineExecutionArn: e.arn, PipelineExecutionStatus: e.status, CreationTime: T0 };
      }
      case 'sagemaker:listModelPackages': {
        const all = [...this.packages].reverse();
        const list = p.MaxResults === 1 ? all.slice(0, 1) : all;
        return {
          ModelPackageSummaryList: list.map((x, i) => ({
            ModelPackageArn: x.arn,
            ModelPackageGroupName: this.names.groupName,
            ModelPackageVersion: this.packages.length - i,
            CreationTime: T0,
            ModelPackageStatus: 'Completed',
            ModelApprovalStatus: x.status,
          })),
        };
      }
      case 'sagemaker:describeModelPackage': {
        const x = this.packages.find((k) => k.arn === p.ModelPackageName)!;
        return {
          ModelPackageName: this.names.groupName,
          ModelPackageGroupName: this.names.groupName,
          ModelPackageArn: x.arn,
          CreationTime: T0,
          ModelPackageStatus: 'Completed',
          ModelApprovalStatus: x.status,
          ModelPackageStatusDetails: { ValidationStatuses: [] },
          ...(s.registersBaseline === false ? {} : {
            DriftCheckBaselines: { ModelDataQuality: { Statistics: { ContentType: 'application/json', S3Uri: 's3://artifacts/baselines/1/baseline.json' } } },
          }),
        };
      }
      case 'sagemaker:updateModelPackage': {
        const i = this.packages.findIndex((k) => k.arn === p.ModelPackageArn);
        this.packages[i].status = p.ModelApprovalStatus;
        this.deploy(i + 1);
        return { ModelPackageArn: p.ModelPackageArn };
      }
      case 'sagemaker:describeEndpoint': {
        const e = this.endpoint;
        if (!e) {
          throw new AwsError('SageMaker.SageMakerException', `Could not find endpoint "${p.EndpointName}".`);
        }
        e.polls++;
        if (e.status === 'Creating' && e.polls > (s.endpointPolls ?? 2)) {
          e.status = s.endpointStatus ?? 'InService';
        }
        if (e.status === 'Deleting' && ++this.deletePolls > (s.deletePolls ?? 2)) {
          this.endpoint = undefined;
          throw new AwsError('SageMaker.SageMakerException', `Could not find endpoint "${p.EndpointName}".`);
        }
        return {
          EndpointName: p.EndpointName,
          EndpointArn: this.sm(`endpoint/${p.EndpointName}`),
          EndpointStatus: e.status,
          CreationTime: T0,
          LastModifiedTime: T0,
        };
      }
      case 'sagemakerruntime:invokeEndpoint': {
        if (this.endpoint?.status !== 'InService') {
          throw new AwsError('SageMakerRuntime.ValidationErrorException', 'Endpoint not found');
        }
        const rows = String(p.Body).split('\n');
        if (rows.length > 1) {
          this.driftedSent = true;
        }
        this.pendingCaptures++;
        return { Body: rows.map(() => '0.31').join('\n'), ContentType: 'text/csv' };
      }
      case 's3:listObjectsV2': {
        // A capture file lands one poll after its request.
        const landed = this.captureObjects;
        this.captureObjects += this.pendingCaptures;
        this.pendingCaptures = 0;
        return { KeyCount: landed, Name: p.Bucket, Prefix: p.Prefix, IsTruncated: false };
      }
      case 'states:startExecution.sync:2':
        return this.startSync(p);
      case 'cloudwatch:getMetricStatistics':
        return { Label: 'DriftScore', Datapoints: this.metrics.map((m) => ({ ...m, Unit: 'None' })) };
      case 'cloudwatch:describeAlarms': {
        if (this.metrics.some((m) => m.Maximum >= 1) && (s.alarmFires ?? true) && ++this.alarmPolls > 1) {
          if (this.alarmState !== 'ALARM') {
            this.alarmState = 'ALARM';
            // The alarm starts the retraining workflow, which starts the pipeline and holds the cooldown.
            this.pipelineExecutions.push({ arn: `${this.sm(`pipeline/${this.names.pipelineName.toLowerCase()}`)}/execution/retrain000001`, status: 'Executing', polls: 0 });
            this.running.set('retraining', ['retrain-1']);
          }
        }
        return { MetricAlarms: [{ AlarmName: p.AlarmNames[0], StateValue: this.alarmState, StateReason: 'Threshold Crossed' }] };
      }
      case 'sagemaker:listPipelineExecutions':
        return {
          PipelineExecutionSummaries: [...this.pipelineExecutions].reverse().map((e) => ({
            PipelineExecutionArn: e.arn, PipelineExecutionStatus: e.status, StartTime: T0,
          })),
        };
      // --- cleanup ---
      case 'sfn:listExecutions': {
        const kind = /CheckWorkflow|-check$/.test(p.StateMachineArn) ? 'check' : /Retraining|-retrain$/.test(p.StateMachineArn) ? 'retraining' : 'deployment';
        return {
          Executions: (this.running.get(kind) ?? []).map((name) => ({
            ExecutionArn: `${p.StateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
            StateMachineArn: p.StateMachineArn,
            Name: name,
            Status: 'RUNNING',
            StartDate: T0,
          })),
        };
      }
      case 'sfn:stopExecution': {
        for (const [kind, names] of this.running) {
          const name = String(p.ExecutionArn).split(':').pop()!;
          if (names.includes(name)) {
            this.running.set(kind, names.filter((n) => n !== name));
            return { StopDate: T0 };
          }
        }
        throw new AwsError('Sfn.ExecutionDoesNotExistException', 'Execution Does Not Exist');
      }
      case 'sagemaker:stopPipelineExecution': {
        const e = this.pipelineExecutions.find((x) => x.arn === p.PipelineExecutionArn)!;
        if (e.status !== 'Executing') {
          throw new AwsError('SageMaker.ConflictException', 'Pipeline execution is not executing');
        }
        e.status = 'Stopped';
        return { PipelineExecutionArn: e.arn };
      }
      case 'sagemaker:listPipelineExecutionSteps': {
        const e = this.pipelineExecutions.find((x) => x.arn === p.PipelineExecutionArn)!;
        const status = e.status === 'Stopped' ? 'Stopping' : e.status === 'Executing' ? 'Executing' : 'Succeeded';
        const id = e.arn.split('/').pop();
        return {
          PipelineExecutionSteps: [
            { StepName: 'Train', StepStatus: status, StartTime: T0, Metadata: { TrainingJob: { Arn: this.sm(`training-job/pipelines-${id}-train-a1b2c3`) } } },
            { StepName: 'DriftBaseline', StepStatus: status, StartTime: T0, Metadata: { ProcessingJob: { Arn: this.sm(`processing-job/pipelines-${id}-driftbaseline-a1b2c3`) } } },
            { StepName: 'Register', StepStatus: 'Starting', StartTime: T0, Metadata: {} },
          ],
        };
      }
      case 'sagemaker:stopTrainingJob':
        this.stoppedJobs.push(p.TrainingJobName);
        return {};
      case 'sagemaker:listProcessingJobs':
        return {
          ProcessingJobSummaries: this.processingJobs.filter((j) => j.name.includes(p.NameContains) && j.status === p.StatusEquals).map((j) => ({
            ProcessingJobName: j.name, ProcessingJobArn: this.sm(`processing-job/${j.name}`), CreationTime: T0, ProcessingJobStatus: j.status,
          })),
        };
      case 'sagemaker:stopProcessingJob': {
        const j = this.processingJobs.find((x) => x.name === p.ProcessingJobName);
        if (j) {
          j.status = 'Stopped';
        } else {
          this.stoppedJobs.push(p.ProcessingJobName);
        }
        return {};
      }
      case 'sagemaker:deleteEndpoint':
        if (this.denyDeleteEndpoint) {
          // AccessDeniedException is not in DeleteEndpoint's model: the SDK integration reports the base exception.
          throw new AwsError('SageMaker.SageMakerException', 'User is not authorized to perform: sagemaker:DeleteEndpoint');
        }
        if (!this.endpoint) {
          throw new AwsError('SageMaker.SageMakerException', `Could not find endpoint "${p.EndpointName}".`);
        }
        if (this.endpoint.status === 'Creating') {
          throw new AwsError('SageMaker.SageMakerException', `Cannot delete endpoint "${p.EndpointName}" while it is Creating.`);
        }
        this.endpoint.status = 'Deleting';
        return {};
      case 'sagemaker:listEndpointConfigs':
        return {
          EndpointConfigs: this.configs.filter((c) => c.name.includes(p.NameContains))
            .map((c) => ({ EndpointConfigName: c.name, EndpointConfigArn: c.arn, CreationTime: T0 })),
        };
      case 'sagemaker:listModels':
        return {
          Models: this.models.filter((c) => c.name.includes(p.NameContains)).map((c) => ({ ModelName: c.name, ModelArn: c.arn, CreationTime: T0 })),
        };
      case 'sagemaker:listTags': {
        const r = [...this.configs, ...this.models].find((x) => x.arn === p.ResourceArn)!;
        return { Tags: r.tags };
      }
      case 'sagemaker:deleteEndpointConfig':
        this.remove(this.configs, p.EndpointConfigName);
        return {};
      case 'sagemaker:deleteModel':
        this.remove(this.models, p.ModelName);
        return {};
      case 'sagemaker:deleteModelPackage': {
        const i = this.packages.findIndex((k) => k.arn === p.ModelPackageName);
        this.packages.splice(i, 1);
        return {};
      }
      case 'cloudwatchlogs:deleteLogGroup':
        if (!this.logGroups.delete(p.LogGroupName)) {
          throw new AwsError('CloudWatchLogs.ResourceNotFoundException', 'The specified log group does not exist.');
        }
        return {};
      case 's3:listObjectVersions': {
        const objects = this.buckets.get(p.Bucket);
        if (!objects) {
          throw new AwsError('S3.S3Exception', 'The specified bucket does not exist');
        }
        const page = objects.slice(0, p.MaxKeys);
        const versions = page.filter((o) => !o.marker)
          .map((o) => ({ Key: o.key, VersionId: o.versionId, IsLatest: false, Size: 10, LastModified: T0 }));
        const markers = page.filter((o) => o.marker).map((o) => ({ Key: o.key, VersionId: o.versionId, IsLatest: true, LastModified: T0 }));
        return {
          Name: p.Bucket,
          IsTruncated: objects.length > page.length,
          MaxKeys: p.MaxKeys,
          ...(versions.length > 0 ? { Versions: versions } : {}),
          ...(markers.length > 0 ? { DeleteMarkers: markers } : {}),
        };
      }
      case 's3:deleteObject': {
        const objects = this.buckets.get(p.Bucket)!;
        const i = objects.findIndex((o) => o.key === p.Key && o.versionId === p.VersionId);
        if (i >= 0) {
          objects.splice(i, 1);
        }
        return { VersionId: p.VersionId };
      }
      default:
        throw new Error(`fake account: ${op} is not simulated`);
    }
  }

  private remove(list: Generated[], name: string): void {
    const i = list.findIndex((x) => x.name === name);
    if (i < 0) {
      throw new AwsError('SageMaker.SageMakerException', `Could not find ${name}.`);
    }
    list.splice(i, 1);
  }

  /** `states:startExecution.sync:2`: the drift check (publishes its score) or the cleanup (runs its definition here). */
  private async startSync(p: any): Promise<any> {
    const answer = (name: string) => ({
      ExecutionArn: `${p.StateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
      StateMachineArn: p.StateMachineArn,
      Status: 'SUCCEEDED',
      StartDate: T0,
      StopDate: T0,
    });
    if (p.StateMachineArn === this.names.checkArn) {
      if (this.captureObjects > 0) {
        this.metrics.push({ Timestamp: p.Input.scheduledTime, Maximum: this.driftedSent ? (this.scenario.driftScore ?? 1) : 0.05 });
      }
      return answer('check-1');
    }
    if (p.StateMachineArn === this.names.cleanupArn) {
      this.cleanupRuns++;
      await runWorkflow(this.names.cleanupDefinition, this, `cleanup-${this.cleanupRuns}`);
      return answer(`cleanup-${this.cleanupRuns}`);
    }
    throw new Error(`fake account: no state machine ${p.StateMachineArn}`);
  }
}

/** Every state of a definition, nested branches and processors included. */
function allStates(states: Record<string, any>): Array<[string, any]> {
  const out: Array<[string, any]> = [];
  for (const [name, state] of Object.entries(states)) {
    out.push([name, state]);
    for (const branch of state.Branches ?? []) {
      out.push(...allStates(branch.States));
    }
    if (state.ItemProcessor) {
      out.push(...allStates(state.ItemProcessor.States));
    }
  }
  return out;
}

/** Run a definition in aws-local-stepfunctions against the fake account (waits and retries take no time). */
export async function runWorkflow(definition: any, account: FakeE2eAccount, name = 'e2e-run-1'): Promise<any> {
  const handlers: Record<string, (i: any) => Promise<any>> = {};
  const waits: Record<string, number> = {};
  const retries: Record<string, number> = {};
  for (const [stateName, state] of allStates(definition.States)) {
    if (state.Type === 'Task') {
      handlers[stateName] = async (input: any) => {
        const request = JSON.parse(JSON.stringify(input));
        let result: any;
        try {
          result = await account.handle(state.Resource, input);
        } catch (e) {
          answerTask(state.Resource, () => { throw e; }, request);
        }
        return answerTask(state.Resource, () => result, request);
      };
      retries[stateName] = 0;
    }
    if (state.Type === 'Wait') {
      waits[stateName] = 0;
    }
  }
  const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
  const execution = machine.run({}, {
    overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: waits, retryIntervalOverrides: retries },
    context: {
      Execution: { Id: `arn:aws:states:${REGION}:${ACCOUNT}:execution:e2e:${name}`, Name: name, StartTime: T0 },
      State: { EnteredTime: '2026-12-07T06:40:00Z' },
    } as any,
  });
  return execution.result;
}

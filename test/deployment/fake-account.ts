/**
 * A simulated account for the deployment workflow: SageMaker endpoints with
 * their documented statuses, the model registry, Application Auto Scaling,
 * the lease table (DynamoDB), Step Functions executions and SNS. Every answer
 * goes through `answerTask` in workflow-harness.ts and is checked against
 * botocore's output shapes and error names after the test file.
 */
import { AwsError, describeExecutionAnswer } from '../harness/stepfunctions';

export const ACCOUNT = '111111111111';
export const REGION = 'us-east-1';
/** The state machine every test execution belongs to (`executionArn` in workflow-harness.ts). */
export const STATE_MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:deploy`;

export { AwsError };

/** SageMaker reports an unmodeled error (ValidationException, ThrottlingException) as the SDK's base exception. */
const sagemakerError = (message: string) => new AwsError('SageMaker.SageMakerException', message);

/** An endpoint of the fake account. */
export interface FakeEndpoint {
  config: string;
  status: string;
  tags: Record<string, string>;
  /** Statuses the next DescribeEndpoint calls report, one per call, before the endpoint settles. */
  script: string[];
  /** Describes left before a Creating/Updating endpoint is InService, or a Deleting one is gone. */
  pending: number;
  instanceCount: number;
}

/** A version of the model package group. */
export interface FakePackage {
  version: number;
  status: 'Approved' | 'Rejected' | 'PendingManualApproval';
  created: number;
  modified: number;
}

/** What one call may wait for, to interleave concurrent executions deterministically. */
export interface Hook {
  readonly execution: string;
  readonly action: string;
  readonly before: () => Promise<void> | void;
  once?: boolean;
}

export class FakeAccount {
  public readonly endpoints = new Map<string, FakeEndpoint>();
  public readonly models: string[] = [];
  /** The CreateModel requests, as sent. */
  public readonly modelRequests: any[] = [];
  /** The VPC config a target account publishes (DeploymentTargetAccount's network parameter). */
  public targetNetwork = { Subnets: ['subnet-0a1b2c3d4e5f60718', 'subnet-0a1b2c3d4e5f60719'], SecurityGroupIds: ['sg-0a1b2c3d4e5f60718'] };
  public readonly configs: any[] = [];
  public readonly notifications: any[] = [];
  /** Every call, as `<execution> <action>`; `calls` without the execution. */
  public readonly log: string[] = [];
  public readonly calls: string[] = [];
  public readonly updates: any[] = [];
  /** Deleted resources, as `config:<name>`, `model:<name>` and `endpoint:<name>`. */
  public readonly deleted: string[] = [];
  /** Lease items by pk (DynamoDB JSON). */
  public readonly items = new Map<string, Record<string, any>>();
  /** Execution statuses by ARN. */
  public readonly executions = new Map<string, string>();
  /** Versions of the model package group `churn`. */
  public readonly packages: FakePackage[] = [];
  /** Registered scalable targets by resource id. */
  public readonly targets = new Map<string, { min: number; max: number }>();
  /** How many times each action answers with a throttling error before it succeeds. */
  public readonly throttle = new Map<string, number>();
  public readonly hooks: Hook[] = [];
  /** SageMaker rolls every update back (alarm fired) and reports InService. */
  public silentRollback = false;
  /** DeleteEndpointConfig fails. */
  public failDeletes = false;
  /** InvokeEndpoint fails. */
  public smokeTestFails = false;
  /** How a manual gate answers: approve or reject. */
  public gate: 'approve' | 'reject' = 'approve';
  /** Per execution: a promise a gate waits for before answering. */
  public readonly gateWaits = new Map<string, Promise<void>>();
  /** The next CreateEndpoint ends Failed. */
  public failNextCreate = false;
  /** Describes before a new or updated endpoint is InService, or a deleted one gone. */
  public pollsUntilDone = 1;
  /** Alarms the workflow created (PutMetricAlarm requests), by name. */
  public readonly alarms = new Map<string, any>();
  /** Scaling policies put, by policy name (PutScalingPolicy requests). */
  public readonly policies = new Map<string, any>();
  /** Transform jobs created (CreateTransformJob requests). */
  public readonly transformJobs: any[] = [];
  /** The next transform job ends Failed (the `.sync` task fails with States.TaskFailed). */
  public failNextTransform = false;
  /** Events on the default bus, as EventBridge delivers them to a rule's target. */
  public readonly events: any[] = [];
  /** How many putEvents calls fail with `EventBridge.FailedEntry` before they succeed. */
  public failEvents = 0;
  private clock = 0;

  public async handle(resource: string, input: any, execution: string): Promise<any> {
    const action = resource.replace(/^arn:aws:states:::/, '');
    for (const hook of this.hooks.filter((h) => h.execution === execution && h.action === action)) {
      if (hook.once !== false) {
        this.hooks.splice(this.hooks.indexOf(hook), 1);
      }
      await hook.before();
    }
    this.calls.push(action);
    this.log.push(`${execution} ${action}`);
    const throttled = this.throttle.get(action) ?? 0;
    if (throttled > 0) {
      this.throttle.set(action, throttled - 1);
      if (action.startsWith('dynamodb:')) {
        throw new AwsError('DynamoDB.ThrottlingException', 'Rate of requests exceeds the allowed throughput.');
      }
      if (action.startsWith('aws-sdk:applicationautoscaling:')) {
        throw new AwsError('ApplicationAutoScaling.ApplicationAutoScalingException', 'Rate exceeded');
      }
      throw sagemakerError('ThrottlingException: Rate exceeded');
    }
    switch (action) {
      case 'sns:publish':
        this.notifications.push(typeof input.Message === 'string' ? JSON.parse(input.Message) : input.Message);
        return { MessageId: 'm' };
      case 'events:putEvents':
        return this.putEvents(input, execution);
      case 'sns:publish.waitForTaskToken': {
        this.notifications.push(typeof input.Message === 'string' ? JSON.parse(input.Message) : input.Message);
        await this.gateWaits.get(execution);
        if (this.gate === 'reject') {
          throw new AwsError('Rejected', 'not this one');
        }
        return { approvedBy: 'reviewer' };
      }
      case 'aws-sdk:ssm:getParameter':
        // what a DeploymentTargetAccount publishes: the VPC config of its network
        return {
          Parameter: {
            Name: input.Name,
            Type: 'String',
            Value: JSON.stringify(this.targetNetwork),
            Version: 1,
            ARN: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${input.Name}`,
            DataType: 'text',
          },
        };
      default:
        if (action.startsWith('dynamodb:')) {
          return this.dynamodb(action, input);
        }
        if (action.startsWith('aws-sdk:applicationautoscaling:')) {
          return this.autoscaling(action, input);
        }
        if (action === 'aws-sdk:cloudwatch:putMetricAlarm') {
          this.alarms.set(input.AlarmName, JSON.parse(JSON.stringify(input)));
          return {};
        }
        return this.sagemaker(action, input);
    }
  }

  /** Put an endpoint in place as if deployed earlier. */
  public existing(name: string, config: string, tags: Record<string, string> = {}, status = 'InService', instanceType = 'ml.m5.large'): FakeEndpoint {
    if (!this.configs.some((c) => c.EndpointConfigName === config)) {
      this.configs.push({ EndpointConfigName: config, ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: config, InstanceType: instanceType, InitialInstanceCount: 1 }] });
    }
    // Someone else's transition: it does not end unless a script says so.
    const e: FakeEndpoint = { config, status, tags, script: [], pending: Number.MAX_SAFE_INTEGER, instanceCount: 1 };
    this.endpoints.set(name, e);
    return e;
  }

  /** Approve a version of `churn` (later versions are created later). */
  public approve(version: number, status: FakePackage['status'] = 'Approved'): void {
    const known = this.packages.find((p) => p.version === version);
    if (known) {
      known.status = status;
      known.modified = this.tick();
    } else {
      this.packages.push({ version, status, created: version, modified: this.tick() });
    }
  }

  /** The current modification time of a version, as in its approval event. */
  public modifiedTime(version: number): string {
    return iso(this.packages.find((p) => p.version === version)!.modified);
  }

  /**
   * EventBridge PutEvents through Step Functions' optimized integration: the
   * integration appends the execution's and the state machine's ARNs to each
   * entry's Resources, and fails the task with `EventBridge.FailedEntry` when
   * an entry fails ("Add EventBridge events with Step Functions"). Delivered
   * events have the envelope EventBridge documents ("Amazon EventBridge events").
   */
  private putEvents(input: any, execution: string): any {
    if (this.failEvents > 0) {
      this.failEvents -= 1;
      throw new AwsError('EventBridge.FailedEntry', 'ThrottlingException: Rate exceeded');
    }
    const executionArn = `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${execution}`;
    const ids = (input.Entries as any[]).map((entry) => {
      const id = `event-${this.events.length + 1}`;
      this.events.push({
        'version': '0',
        id,
        'detail-type': entry.DetailType,
        'source': entry.Source,
        'account': ACCOUNT,
        'time': '2026-11-27T00:00:00Z',
        'region': REGION,
        'resources': [...(entry.Resources ?? []), executionArn, STATE_MACHINE_ARN],
        'detail': typeof entry.Detail === 'string' ? JSON.parse(entry.Detail) : entry.Detail,
      });
      return { EventId: id };
    });
    return { Entries: ids, FailedEntryCount: 0 };
  }

  private sagemaker(action: string, input: any): any {
    switch (action) {
      case 'aws-sdk:sagemaker:createModel':
        this.models.push(input.ModelName);
        this.modelRequests.push(JSON.parse(JSON.stringify(input)));
        return { ModelArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model/${input.ModelName.toLowerCase()}` };
      case 'aws-sdk:sagemaker:createEndpointConfig':
        this.configs.push({ ...JSON.parse(JSON.stringify(input)), CreationTime: iso(this.tick()) });
        return { EndpointConfigArn: this.configArn(input.EndpointConfigName) };
      case 'aws-sdk:sagemaker:describeEndpointConfig': {
        const c = this.configs.find((x) => x.EndpointConfigName === input.EndpointConfigName);
        if (!c) {
          throw sagemakerError(`Could not find endpoint configuration "${input.EndpointConfigName}".`);
        }
        return {
          EndpointConfigName: c.EndpointConfigName,
          EndpointConfigArn: this.configArn(c.EndpointConfigName),
          ProductionVariants: c.ProductionVariants,
          CreationTime: c.CreationTime ?? '2026-11-27T00:00:00.000Z',
        };
      }
      case 'sagemaker:createTransformJob.sync':
        return this.transform(input);
      case 'aws-sdk:sagemaker:describeEndpoint':
        return this.describeEndpoint(input.EndpointName);
      case 'aws-sdk:sagemaker:createEndpoint':
        if (this.endpoints.has(input.EndpointName)) {
          throw sagemakerError(`Cannot create already existing endpoint "${this.arn(input.EndpointName)}".`);
        }
        this.endpoints.set(input.EndpointName, {
          config: input.EndpointConfigName,
          status: 'Creating',
          tags: Object.fromEntries(input.Tags.map((t: any) => [t.Key, t.Value])),
          script: this.failNextCreate ? ['Creating', 'Failed'] : [],
          pending: this.pollsUntilDone,
          instanceCount: this.variant(input.EndpointConfigName).InitialInstanceCount ?? 0,
        });
        this.failNextCreate = false;
        return { EndpointArn: this.arn(input.EndpointName) };
      case 'aws-sdk:sagemaker:updateEndpoint':
        return this.updateEndpoint(input);
      case 'aws-sdk:sagemaker:deleteEndpoint': {
        const e = this.endpoints.get(input.EndpointName);
        if (!e) {
          throw sagemakerError(`Could not find endpoint "${input.EndpointName}".`);
        }
        e.status = 'Deleting';
        e.pending = this.pollsUntilDone;
        this.targets.delete(this.resourceId(input.EndpointName));
        this.deleted.push(`endpoint:${input.EndpointName}`);
        return {};
      }
      case 'aws-sdk:sagemaker:addTags': {
        const name = input.ResourceArn.split('/').pop();
        for (const t of input.Tags) {
          this.endpoints.get(name)!.tags[t.Key] = t.Value;
        }
        return { Tags: input.Tags };
      }
      case 'aws-sdk:sagemaker:listEndpointConfigs':
        return {
          EndpointConfigs: this.configs
            .filter((c) => !this.deleted.includes(`config:${c.EndpointConfigName}`) && c.EndpointConfigName.includes(input.NameContains))
            .reverse()
            .slice(0, input.MaxResults)
            .map((c) => ({
              EndpointConfigName: c.EndpointConfigName,
              EndpointConfigArn: this.configArn(c.EndpointConfigName),
              CreationTime: c.CreationTime ?? '2026-11-27T00:00:00.000Z',
            })),
        };
      case 'aws-sdk:sagemaker:deleteEndpointConfig':
        if (this.failDeletes) {
          throw sagemakerError('Cannot delete: throttled');
        }
        this.deleted.push(`config:${input.EndpointConfigName}`);
        return {};
      case 'aws-sdk:sagemaker:deleteModel':
        this.deleted.push(`model:${input.ModelName}`);
        return {};
      case 'aws-sdk:sagemaker:listTags': {
        if (input.ResourceArn.includes(':endpoint-config/')) {
          const config = this.configs.find((c) => input.ResourceArn.endsWith(`/${c.EndpointConfigName.toLowerCase()}`));
          return { Tags: config.Tags ?? [] };
        }
        const name = input.ResourceArn.split('/').pop();
        return { Tags: Object.entries(this.endpoints.get(name)!.tags).map(([Key, Value]) => ({ Key, Value })) };
      }
      case 'aws-sdk:sagemaker:listModelPackages': {
        const approved = this.packages.filter((p) => p.status === 'Approved').sort((a, b) => b.created - a.created);
        return { ModelPackageSummaryList: approved.slice(0, input.MaxResults).map((p) => this.packageSummary(p)) };
      }
      case 'aws-sdk:sagemaker:describeModelPackage': {
        const version = Number(input.ModelPackageName.split('/').pop());
        const p = this.packages.find((x) => x.version === version);
        if (!p) {
          throw sagemakerError(`Model package ${input.ModelPackageName} does not exist.`);
        }
        return {
          ...this.packageSummary(p),
          ModelPackageName: 'churn',
          ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
          LastModifiedTime: iso(p.modified),
        };
      }
      case 'aws-sdk:sagemakerruntime:invokeEndpoint':
        if (this.smokeTestFails) {
          throw new AwsError('SageMakerRuntime.ModelErrorException', 'Received server error (500) from primary');
        }
        return { ContentType: 'application/json', Body: '{"score":0.4}' };
      case 'aws-sdk:sfn:describeExecution':
        return describeExecutionAnswer(this.executions, input.ExecutionArn);
      default:
        throw new Error(`unexpected task resource ${action}`);
    }
  }

  /** A transform job run to its end, answered as DescribeTransformJob (what a `.sync` task returns). */
  private transform(input: any): any {
    if (this.transformJobs.some((j) => j.TransformJobName === input.TransformJobName)) {
      throw new AwsError('SageMaker.ResourceInUseException', `Job name ${input.TransformJobName} is already in use.`);
    }
    this.transformJobs.push(JSON.parse(JSON.stringify(input)));
    const failed = this.failNextTransform;
    this.failNextTransform = false;
    const described = {
      TransformJobName: input.TransformJobName,
      TransformJobArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:transform-job/${input.TransformJobName.toLowerCase()}`,
      TransformJobStatus: failed ? 'Failed' : 'Completed',
      ...(failed ? { FailureReason: 'ClientError: See job logs for more information' } : {}),
      ModelName: input.ModelName,
      TransformInput: input.TransformInput,
      TransformOutput: input.TransformOutput,
      TransformResources: input.TransformResources,
      CreationTime: '2026-11-27T00:00:00.000Z',
    };
    if (failed) {
      // A .sync task whose job failed ends with States.TaskFailed, the job's description as the cause.
      throw new AwsError('States.TaskFailed', JSON.stringify(described));
    }
    return described;
  }

  private describeEndpoint(name: string): any {
    const e = this.endpoints.get(name);
    if (!e) {
      throw sagemakerError(`Could not find endpoint "${name}".`);
    }
    if (e.script.length > 0) {
      e.status = e.script.shift()!;
    } else if (['Creating', 'Updating', 'Deleting'].includes(e.status)) {
      e.pending--;
      if (e.pending < 0 && e.status === 'Deleting') {
        this.endpoints.delete(name);
        throw sagemakerError(`Could not find endpoint "${name}".`);
      }
      if (e.pending < 0) {
        e.status = 'InService';
      }
    }
    const v = this.variant(e.config);
    const variant = v.ServerlessConfig
      ? { VariantName: 'AllTraffic', CurrentServerlessConfig: v.ServerlessConfig, DesiredServerlessConfig: v.ServerlessConfig, CurrentWeight: 1, DesiredWeight: 1 }
      : { VariantName: 'AllTraffic', CurrentInstanceCount: e.instanceCount, DesiredInstanceCount: e.instanceCount, CurrentWeight: 1, DesiredWeight: 1 };
    return {
      EndpointName: name,
      EndpointArn: this.arn(name),
      EndpointConfigName: e.config,
      ProductionVariants: [variant],
      EndpointStatus: e.status,
      ...(e.status === 'Failed' ? { FailureReason: 'The primary container for production variant AllTraffic did not pass the ping health check.' } : {}),
      CreationTime: '2026-11-27T00:00:00.000Z',
      LastModifiedTime: '2026-11-27T00:00:00.000Z',
    };
  }

  private updateEndpoint(input: any): any {
    const e = this.endpoints.get(input.EndpointName);
    if (!e) {
      throw sagemakerError(`Could not find endpoint "${input.EndpointName}".`);
    }
    if (e.status !== 'InService') {
      throw sagemakerError(`Cannot update in-progress endpoint "${this.arn(input.EndpointName)}".`);
    }
    const from = this.variant(e.config);
    const to = this.variant(input.EndpointConfigName);
    // "If the update would change the instance type for any model that is a target for auto scaling, the update fails."
    if (this.targets.has(this.resourceId(input.EndpointName)) && from.InstanceType !== to.InstanceType) {
      throw sagemakerError('The variant(s) "[AllTraffic]" include instance type changes; deregister them from Application Auto Scaling before updating the endpoint.');
    }
    this.updates.push(input);
    e.pending = this.pollsUntilDone;
    e.status = 'Updating';
    // A silent rollback: SageMaker goes back to the old fleet and reports InService.
    if (!this.silentRollback) {
      e.config = input.EndpointConfigName;
      if (!input.RetainAllVariantProperties) {
        e.instanceCount = to.InitialInstanceCount ?? 0;
      }
    }
    return { EndpointArn: this.arn(input.EndpointName) };
  }

  private autoscaling(action: string, input: any): any {
    const id = input.ResourceId;
    switch (action) {
      case 'aws-sdk:applicationautoscaling:registerScalableTarget':
        this.targets.set(id, { min: input.MinCapacity, max: input.MaxCapacity });
        return { ScalableTargetARN: `arn:aws:application-autoscaling:${REGION}:${ACCOUNT}:scalable-target/056f1c0b3e5e4e2a9c3b2f7d1e0a9b8c` };
      case 'aws-sdk:applicationautoscaling:putScalingPolicy':
        this.policies.set(input.PolicyName, JSON.parse(JSON.stringify(input)));
        return {
          PolicyARN: `arn:aws:autoscaling:${REGION}:${ACCOUNT}:scalingPolicy:056f1c0b-3e5e-4e2a-9c3b-2f7d1e0a9b8c:resource/SageMaker/${id}:policyName/${input.PolicyName}`,
          Alarms: [],
        };
      case 'aws-sdk:applicationautoscaling:deregisterScalableTarget':
        if (!this.targets.delete(id)) {
          throw new AwsError('ApplicationAutoScaling.ObjectNotFoundException', `No scalable target registered for service namespace: sagemaker, resource ID: ${id}`);
        }
        return {};
      default:
        throw new Error(`unexpected task resource ${action}`);
    }
  }

  private dynamodb(action: string, input: any): any {
    const pk = (input.Item ?? input.Key).pk.S;
    const existing = this.items.get(pk);
    const check = () => {
      if (input.ConditionExpression && !condition(input.ConditionExpression, existing, input.ExpressionAttributeValues ?? {})) {
        throw new AwsError('DynamoDB.ConditionalCheckFailedException', 'The conditional request failed');
      }
    };
    switch (action) {
      case 'dynamodb:putItem':
        check();
        this.items.set(pk, JSON.parse(JSON.stringify(input.Item)));
        return {};
      case 'dynamodb:getItem':
        return existing ? { Item: existing } : {};
      case 'dynamodb:deleteItem':
        check();
        this.items.delete(pk);
        return {};
      default:
        throw new Error(`unexpected task resource ${action}`);
    }
  }

  private variant(config: string): any {
    return this.configs.find((c) => c.EndpointConfigName === config)?.ProductionVariants?.[0] ?? {};
  }

  private packageSummary(p: FakePackage): any {
    return {
      ModelPackageGroupName: 'churn',
      ModelPackageVersion: p.version,
      ModelPackageArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/churn/${p.version}`,
      CreationTime: iso(p.created),
      ModelPackageStatus: 'Completed',
      ModelApprovalStatus: p.status,
    };
  }

  private tick(): number {
    return ++this.clock + 1000;
  }

  private resourceId(endpoint: string): string {
    return `endpoint/${endpoint}/variant/AllTraffic`;
  }

  private arn(name: string): string {
    return `arn:aws:sagemaker:${REGION}:${ACCOUNT}:endpoint/${name.toLowerCase()}`;
  }

  private configArn(name: string): string {
    return `arn:aws:sagemaker:${REGION}:${ACCOUNT}:endpoint-config/${name.toLowerCase()}`;
  }
}

/** A point in time `t` seconds after 2026-11-27T01:00:00Z. */
function iso(t: number): string {
  return new Date(Date.UTC(2026, 10, 27, 1, 0, 0) + t * 1000).toISOString();
}

/** The condition expressions the workflow writes, evaluated on an item (DynamoDB JSON). */
function condition(expression: string, item: Record<string, any> | undefined, values: Record<string, any>): boolean {
  return expression.split(' OR ').some((term) => {
    const exists = /^attribute_not_exists\((\w+)\)$/.exec(term.trim());
    if (exists) {
      return !item || item[exists[1]] === undefined;
    }
    const eq = /^(\w+) = (:\w+)$/.exec(term.trim());
    if (eq) {
      return item?.[eq[1]]?.S !== undefined && item[eq[1]].S === values[eq[2]]?.S;
    }
    throw new Error(`condition not understood by the fake: ${term}`);
  });
}

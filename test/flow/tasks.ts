/**
 * The AWS calls each Task state of a state machine makes, read from its
 * definition: the IAM action of the integration, the resource it names
 * (dynamic names get a sample value of the form the workflow generates) and
 * the condition keys the request sets.
 */
import { accountOf, Flow } from './flow';
import { ResourceInfo } from './model';
import { e2eCalls, isE2eWorkflow } from './tasks-e2e';

/** One IAM-authorized call of a task. */
export interface TaskCall {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
  readonly resourceAccount?: string;
}

/** A Task state and its calls. */
export interface TaskHops {
  readonly stateName: string;
  /** The role in the task's `Credentials`, when it runs as another role. */
  readonly credentialsRole?: string;
  readonly calls: TaskCall[];
}

/** Sample values of names a workflow generates at run time. */
export const SAMPLE = {
  version: '7',
  hash: '0cc175b9c0f1b6a831c399e269772661',
  olderHash: '92eb5ffee6ae2fec3ad71c777531578f',
  uuid: '3f2b8a4e-1c7d-4e8f-9a6b-2d5c0e7f1a93',
  folder: '2026/01/15/09/',
};

/** The condition keys SageMaker sets for a job or model request, from its arguments. */
export function sagemakerRequestContext(args: any): Record<string, string | string[]> {
  const ctx: Record<string, string | string[]> = {};
  const vpc = args.VpcConfig ?? args.NetworkConfig?.VpcConfig;
  if (vpc) {
    ctx['sagemaker:VpcSubnets'] = vpc.Subnets;
    ctx['sagemaker:VpcSecurityGroupIds'] = vpc.SecurityGroupIds;
  }
  const isolation = args.EnableNetworkIsolation ?? args.NetworkConfig?.EnableNetworkIsolation;
  if (isolation !== undefined) {
    ctx['sagemaker:NetworkIsolation'] = String(isolation);
  }
  const encryption = args.EnableInterContainerTrafficEncryption ?? args.NetworkConfig?.EnableInterContainerTrafficEncryption;
  if (encryption !== undefined) {
    ctx['sagemaker:InterContainerTrafficEncryption'] = String(encryption);
  }
  const resources = args.ResourceConfig ?? args.ProcessingResources?.ClusterConfig;
  if (resources) {
    ctx['sagemaker:InstanceTypes'] = [resources.InstanceType];
    if (resources.VolumeKmsKeyId) {
      ctx['sagemaker:VolumeKmsKeyArn'] = resources.VolumeKmsKeyId;
    }
  }
  const outputKey = args.OutputDataConfig?.KmsKeyId ?? args.ProcessingOutputConfig?.KmsKeyId;
  if (outputKey) {
    ctx['sagemaker:OutputKmsKeyArn'] = outputKey;
  }
  if (args.StoppingCondition?.MaxRuntimeInSeconds !== undefined) {
    ctx['sagemaker:MaxRuntimeInSeconds'] = String(args.StoppingCondition.MaxRuntimeInSeconds);
  }
  return ctx;
}

const FIND_NETWORK = 'arn:aws:states:::aws-sdk:ssm:getParameter';

/**
 * The arguments of a deployment's CreateModel task with the VPC config the
 * model really gets. A cross-account stage names it by path
 * (`VpcConfig.$`): the stage's "Find network" task reads it at run time, as
 * the target's deployer role, from the SSM parameter the target account
 * publishes (`States.StringToJson` of the parameter's value), so the flow
 * takes it from that parameter's value in the target account's template.
 */
export function modelArguments(flow: Flow, definition: any, stateName: string, params: any): any {
  const path = params['VpcConfig.$'];
  if (path === undefined) {
    return params;
  }
  const stage = stateName.split(':')[0];
  const find = [...taskStates(definition.States)]
    .find(([name, state]) => name.startsWith(`${stage}:`) && state.Resource === FIND_NETWORK)?.[1];
  if (!find || find.ResultSelector?.['VpcConfig.$'] !== 'States.StringToJson($.Parameter.Value)' || path !== `${find.ResultPath}.VpcConfig`) {
    throw new Error(`flow: ${stateName} takes its VpcConfig from ${path}, which no "Find network" task of stage ${stage} is modelled to write`);
  }
  const account = find.Credentials?.RoleArn ? accountOf(find.Credentials.RoleArn) : undefined;
  const parameter = flow.model.ofType('AWS::SSM::Parameter')
    .find((r) => r.account === account && r.properties.Name === find.Parameters.Name);
  if (!parameter) {
    throw new Error(`flow: no template of account ${account} defines the SSM parameter ${find.Parameters.Name} that ${stateName} reads`);
  }
  const { ['VpcConfig.$']: _, ...rest } = params;
  return { ...rest, VpcConfig: JSON.parse(parameter.properties.Value) };
}

/** Every Task state of a definition, with Parallel branches and Map processors. */
function* taskStates(states: Record<string, any>): Generator<[string, any]> {
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Task') {
      yield [name, state];
    }
    for (const branch of state.Branches ?? []) {
      yield* taskStates(branch.States);
    }
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) {
      yield* taskStates(processor.States);
    }
  }
}

/** The literal start of a JSONata expression `{% 'literal' & ... %}`, with a sample for the rest. */
function sampleOf(value: unknown, rest: string): string | undefined {
  if (typeof value !== 'string') {
    return undefined;
  }
  const jsonata = /^\{%\s*'([^']*)'\s*&/.exec(value);
  return jsonata ? jsonata[1] + rest : value.startsWith('{%') ? undefined : value;
}

const PASCAL = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The calls of every task of a state machine. */
export function stateMachineTasks(flow: Flow, machine: ResourceInfo, definition: any): TaskHops[] {
  const out: TaskHops[] = [];
  for (const [stateName, state] of taskStates(definition.States)) {
    const params = state.Arguments ?? state.Parameters ?? {};
    const credentialsRole: string | undefined = state.Credentials?.RoleArn;
    const account = credentialsRole ? accountOf(credentialsRole) : machine.account;
    const ctx = { flow, machine, stateName, params, account, region: machine.region, definition };
    const keyOf = (machineArn: string) => flow.stateMachineKey(machineArn);
    const calls = isE2eWorkflow(machine.logicalId)
      ? e2eCalls(state.Resource, { ...ctx, samplePackage: samplePackage(flow), stateMachineKey: keyOf })
      : callsOf(state.Resource, ctx);
    out.push({ stateName, credentialsRole, calls });
  }
  return out;
}

interface TaskContext {
  readonly flow: Flow;
  readonly machine: ResourceInfo;
  readonly stateName: string;
  readonly params: any;
  readonly account: string;
  readonly region: string;
  readonly definition: any;
}

function arn(c: TaskContext, service: string, resource: string): string {
  return `arn:aws:${service}:${c.region}:${c.account}:${resource}`;
}

/** The stage a deployment state belongs to (`<stage>: ...`). */
function stageOf(c: TaskContext): string {
  return c.stateName.split(':')[0];
}

/** A version of the (one) registry of the configuration. */
export function samplePackage(flow: Flow, version = SAMPLE.version): string {
  const groups = flow.model.ofType('AWS::SageMaker::ModelPackageGroup');
  if (groups.length !== 1) {
    throw new Error(`flow: expected one model package group, found ${groups.length}`);
  }
  return groups[0].arn.replace(':model-package-group/', ':model-package/') + `/${version}`;
}

function callsOf(resource: string, c: TaskContext): TaskCall[] {
  const p = c.params;
  const sdk = /^arn:aws:states:::aws-sdk:([a-z0-9]+):([A-Za-z0-9]+)$/.exec(resource);
  if (sdk) {
    return sdkCalls(sdk[1], sdk[2], c);
  }
  const integration = resource.replace(/^arn:aws:states:::/, '');
  switch (integration) {
    case 'sns:publish':
    case 'sns:publish.waitForTaskToken':
      return [{ action: 'sns:Publish', resource: p.TopicArn }];
    case 'states:startExecution':
      return [{ action: 'states:StartExecution', resource: p.StateMachineArn }];
    case 'events:putEvents': {
      // EventBusName absent: the account's default bus. The request sets the multivalued keys events:source and
      // events:detail-type to the values of its entries (Service Authorization Reference, PutEvents).
      const entries = p.Entries as any[];
      const buses = [...new Set(entries.map((e) => e.EventBusName ?? arn(c, 'events', 'event-bus/default')))];
      const context = { 'events:source': entries.map((e) => e.Source), 'events:detail-type': entries.map((e) => e.DetailType) };
      return buses.map((bus) => ({ action: 'events:PutEvents', resource: bus, context }));
    }
    case 'dynamodb:putItem':
    case 'dynamodb:getItem':
    case 'dynamodb:deleteItem': {
      const action = `dynamodb:${PASCAL(integration.split(':')[1])}`;
      return [{ action, resource: arn(c, 'dynamodb', `table/${p.TableName}`) }];
    }
    case 'sagemaker:createProcessingJob.sync': {
      const name = sampleOf(p.ProcessingJobName, SAMPLE.uuid)!.toLowerCase();
      const job = arn(c, 'sagemaker', `processing-job/${name}`);
      const rule = arn(c, 'events', 'rule/StepFunctionsGetEventsForSageMakerProcessingJobsRule');
      return [
        { action: 'sagemaker:CreateProcessingJob', resource: job, context: sagemakerRequestContext(p) },
        { action: 'iam:PassRole', resource: p.RoleArn, context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
        { action: 'sagemaker:DescribeProcessingJob', resource: job },
        { action: 'events:PutRule', resource: rule },
        { action: 'events:PutTargets', resource: rule },
      ];
    }
    case 'sagemaker:createTransformJob.sync': {
      // The run's job name is `mlops-<stage>-<MD5 of the execution id>` (batch-deployment.ts).
      const job = arn(c, 'sagemaker', `transform-job/mlops-${stageOf(c)}-${SAMPLE.hash}`);
      const rule = arn(c, 'events', 'rule/StepFunctionsGetEventsForSageMakerTransformJobsRule');
      const volumeKey = p.TransformResources?.VolumeKmsKeyId;
      const outputKey = p.TransformOutput?.KmsKeyId;
      const context: Record<string, string | string[]> = {
        'sagemaker:InstanceTypes': [p.TransformResources.InstanceType],
        'sagemaker:ModelArn': arn(c, 'sagemaker', `model/mlops-${stageOf(c)}-v${SAMPLE.version}-${SAMPLE.hash}`),
        ...(volumeKey ? { 'sagemaker:VolumeKmsKeyArn': c.flow.model.keyArn(volumeKey) } : {}),
        ...(outputKey ? { 'sagemaker:OutputKmsKeyArn': c.flow.model.keyArn(outputKey) } : {}),
      };
      const calls: TaskCall[] = [
        { action: 'sagemaker:CreateTransformJob', resource: job, context },
        { action: 'sagemaker:AddTags', resource: job },
        { action: 'sagemaker:DescribeTransformJob', resource: job },
        { action: 'events:PutRule', resource: rule },
        { action: 'events:PutTargets', resource: rule },
      ];
      if (volumeKey) {
        const keyArn = c.flow.model.keyArn(volumeKey);
        calls.push({ action: 'kms:DescribeKey', resource: keyArn });
        calls.push({
          action: 'kms:CreateGrant',
          resource: keyArn,
          context: { 'kms:GrantIsForAWSResource': 'true', 'kms:ViaService': `sagemaker.${c.region}.amazonaws.com`, 'kms:CallerAccount': c.account },
        });
      }
      return calls;
    }
    default:
      throw new Error(`flow: task integration ${resource} in ${c.stateName} is not modelled`);
  }
}

function sdkCalls(service: string, api: string, c: TaskContext): TaskCall[] {
  const p = c.params;
  const stage = stageOf(c);
  const model = (hash: string, version: string) => arn(c, 'sagemaker', `model/mlops-${stage}-v${version}-${hash}`);
  const config = (hash: string, version: string) => arn(c, 'sagemaker', `endpoint-config/mlops-${stage}-v${version}-${hash}`);
  const endpoint = () => arn(c, 'sagemaker', `endpoint/${String(p.EndpointName).toLowerCase()}`);
  const prune = /Prune/i.test(c.stateName);
  switch (`${service}:${api}`) {
    case 'sagemaker:createModel': {
      const calls: TaskCall[] = [
        {
          action: 'sagemaker:CreateModel',
          resource: model(SAMPLE.hash, SAMPLE.version),
          context: sagemakerRequestContext(modelArguments(c.flow, c.definition, c.stateName, p)),
        },
        // The version the model is created from (the Service Authorization
        // Reference lists no model-package resource for CreateModel; the
        // package is read with DescribeModelPackage).
        { action: 'sagemaker:DescribeModelPackage', resource: samplePackage(c.flow) },
        { action: 'iam:PassRole', resource: p.ExecutionRoleArn, context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      ];
      return calls;
    }
    case 'sagemaker:createEndpointConfig': {
      const variant = p.ProductionVariants[0];
      const ctx: Record<string, string | string[]> = {};
      if (variant.InstanceType) {
        ctx['sagemaker:InstanceTypes'] = [variant.InstanceType];
      }
      if (p.KmsKeyId) {
        ctx['sagemaker:VolumeKmsKeyArn'] = c.flow.model.keyArn(p.KmsKeyId);
      }
      const calls: TaskCall[] = [{ action: 'sagemaker:CreateEndpointConfig', resource: config(SAMPLE.hash, SAMPLE.version), context: ctx }];
      for (const key of new Set([p.KmsKeyId, p.DataCaptureConfig?.KmsKeyId].filter((k) => k !== undefined))) {
        const keyArn = c.flow.model.keyArn(key);
        calls.push({ action: 'kms:DescribeKey', resource: keyArn });
        calls.push({
          action: 'kms:CreateGrant',
          resource: keyArn,
          context: { 'kms:GrantIsForAWSResource': 'true', 'kms:ViaService': `sagemaker.${c.region}.amazonaws.com`, 'kms:CallerAccount': c.account },
        });
      }
      return calls;
    }
    case 'sagemaker:describeEndpoint':
      return [{ action: 'sagemaker:DescribeEndpoint', resource: endpoint() }];
    case 'sagemaker:deleteEndpoint':
      // A Failed endpoint is deleted before it is created again (issue 15).
      return [{ action: 'sagemaker:DeleteEndpoint', resource: endpoint() }];
    case 'sagemaker:describeEndpointConfig':
      return [{ action: 'sagemaker:DescribeEndpointConfig', resource: config(SAMPLE.olderHash, '5') }];
    case 'sagemaker:createEndpoint':
      return [
        { action: 'sagemaker:CreateEndpoint', resource: endpoint() },
        { action: 'sagemaker:CreateEndpoint', resource: config(SAMPLE.hash, SAMPLE.version) },
      ];
    case 'sagemaker:updateEndpoint': {
      const calls: TaskCall[] = [
        { action: 'sagemaker:UpdateEndpoint', resource: endpoint() },
        { action: 'sagemaker:UpdateEndpoint', resource: config(SAMPLE.hash, SAMPLE.version) },
      ];
      // SageMaker reads the rollback alarms with the caller's credentials.
      for (const alarm of p.DeploymentConfig?.AutoRollbackConfiguration?.Alarms ?? []) {
        calls.push({ action: 'cloudwatch:DescribeAlarms', resource: arn(c, 'cloudwatch', `alarm:${alarm.AlarmName}`) });
      }
      return calls;
    }
    case 'sagemaker:addTags':
      return [{ action: 'sagemaker:AddTags', resource: endpointOfStage(c) }];
    case 'sagemaker:listTags':
      return [{ action: 'sagemaker:ListTags', resource: prune ? config(SAMPLE.olderHash, '5') : endpointOfStage(c) }];
    case 'sagemaker:deleteEndpointConfig':
      return [{ action: 'sagemaker:DeleteEndpointConfig', resource: config(SAMPLE.olderHash, '5') }];
    case 'sagemaker:deleteModel':
      return [{ action: 'sagemaker:DeleteModel', resource: model(SAMPLE.olderHash, '5') }];
    case 'sagemaker:listEndpointConfigs':
      return [{ action: 'sagemaker:ListEndpointConfigs', resource: '*' }];
    case 'sagemaker:listModelPackages':
      return [{ action: 'sagemaker:ListModelPackages', resource: '*' }];
    case 'sagemaker:describeModelPackage':
      return [{ action: 'sagemaker:DescribeModelPackage', resource: samplePackage(c.flow) }];
    case 'sagemaker:startPipelineExecution':
      return [{ action: 'sagemaker:StartPipelineExecution', resource: arn(c, 'sagemaker', `pipeline/${String(p.PipelineName).toLowerCase()}`) }];
    case 'sagemakerruntime:invokeEndpoint':
      return [{ action: 'sagemaker:InvokeEndpoint', resource: endpoint() }];
    case 'applicationautoscaling:registerScalableTarget':
    case 'applicationautoscaling:deregisterScalableTarget':
    case 'applicationautoscaling:putScalingPolicy':
      return [{
        action: `application-autoscaling:${PASCAL(api)}`,
        resource: arn(c, 'application-autoscaling', 'scalable-target/sgmk0123456789abcdef0123456789abcdef'),
        context: { 'application-autoscaling:service-namespace': p.ServiceNamespace, 'application-autoscaling:scalable-dimension': p.ScalableDimension },
      }];
    case 's3:listObjectsV2': {
      const prefix = sampleOf(prefixExpression(c), SAMPLE.folder) ?? '';
      return [{
        action: 's3:ListBucket',
        resource: `arn:aws:s3:::${p.Bucket}`,
        context: { 's3:prefix': prefix, 's3:max-keys': String(p.MaxKeys ?? 1000) },
        resourceAccount: c.flow.resourceAccount(`arn:aws:s3:::${p.Bucket}`),
      }];
    }
    case 'cloudwatch:putMetricAlarm':
      // The alarm that scales an asynchronous endpoint out from zero (workflow-async.ts).
      return [{ action: 'cloudwatch:PutMetricAlarm', resource: arn(c, 'cloudwatch', `alarm:${p.AlarmName}`) }];
    case 'cloudwatch:putMetricData':
      return [{ action: 'cloudwatch:PutMetricData', resource: '*', context: { 'cloudwatch:namespace': p.Namespace } }];
    case 'ssm:getParameter':
      // A target account's network, read by its deployer role ("Find network").
      return [{ action: 'ssm:GetParameter', resource: arn(c, 'ssm', `parameter${p.Name}`) }];
    case 'sfn:describeExecution': {
      const name = String(c.machine.arn.split(':stateMachine:')[1]);
      return [{ action: 'states:DescribeExecution', resource: arn(c, 'states', `execution:${name}:${SAMPLE.uuid}`) }];
    }
    default:
      throw new Error(`flow: SDK integration ${service}:${api} in ${c.stateName} is not modelled`);
  }
}

/** The endpoint of the stage a task belongs to (tasks that name it through a path). */
function endpointOfStage(c: TaskContext): string {
  const stage = stageOf(c);
  for (const [name, state] of taskStates(c.definition.States)) {
    const name0 = (state.Arguments ?? state.Parameters ?? {}).EndpointName;
    if (name.startsWith(`${stage}:`) && typeof name0 === 'string') {
      return arn(c, 'sagemaker', `endpoint/${name0.toLowerCase()}`);
    }
  }
  throw new Error(`flow: no endpoint name for stage ${stage}`);
}

/** The key prefix a ListObjectsV2 task lists: its own `Prefix`, or the `prefix` its Map passes in. */
function prefixExpression(c: TaskContext): unknown {
  const own = c.params.Prefix;
  if (typeof own === 'string' && !own.includes('$states.input')) {
    return own;
  }
  for (const state of Object.values<any>(c.definition.States)) {
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor && c.stateName in processor.States) {
      return state.ItemSelector?.prefix;
    }
  }
  return undefined;
}

/**
 * Hops of the layers' data, read from the templates: the SageMaker
 * pipeline's jobs and registration, the models the deployment workflow
 * creates (artifact read, data capture), the drift check job, CI and Studio.
 */
import { accountOf, Flow } from './flow';
import { ResourceInfo } from './model';
import { modelArguments, sagemakerRequestContext, SAMPLE, samplePackage } from './tasks';

/** A pipeline execution id of the form SageMaker generates. */
const EXECUTION_ID = 'x7k2p9q4m1ab';

/** What the pipeline hops found, for the hops of later layers. */
export interface PipelineFacts {
  /** The S3 object of a model artifact a training step writes. */
  readonly modelArtifact?: string;
}

/** Render a pipeline definition value (`Get`, `Std:Join`) with sample run-time values. */
function render(value: any, parameters: Record<string, any>): string | undefined {
  if (typeof value === 'string') {
    return value;
  }
  if (value?.Get === 'Execution.PipelineExecutionId') {
    return EXECUTION_ID;
  }
  const param = /^Parameters\.(.+)$/.exec(value?.Get ?? '');
  if (param) {
    return parameters[param[1]]?.DefaultValue;
  }
  if (value?.['Std:Join']) {
    const parts = value['Std:Join'].Values.map((v: any) => render(v, parameters));
    return parts.some((p: any) => p === undefined) ? undefined : parts.join(value['Std:Join'].On);
  }
  return undefined;
}

function objectArn(s3Uri: string): string {
  return `arn:aws:s3:::${s3Uri.replace(/^s3:\/\//, '')}`;
}

function* stepsOf(steps: any[]): Generator<any> {
  for (const step of steps) {
    yield step;
    yield* stepsOf([...(step.Arguments?.IfSteps ?? []), ...(step.Arguments?.ElseSteps ?? [])]);
  }
}

/** The jobs a SageMaker pipeline starts with its role, what they read and write, and the versions it registers. */
export function pipelineHops(flow: Flow): PipelineFacts {
  let modelArtifact: string | undefined;
  for (const pipeline of flow.model.ofType('AWS::SageMaker::Pipeline')) {
    const role: string = pipeline.properties.RoleArn;
    const definition = JSON.parse(pipeline.properties.PipelineDefinition.PipelineDefinitionBody);
    const parameters = Object.fromEntries((definition.Parameters ?? []).map((p: any) => [p.Name, p]));
    const arn = (resource: string) => `arn:aws:sagemaker:${pipeline.region}:${pipeline.account}:${resource}`;
    const artifactBucket = bucketOfPipeline(flow, pipeline);
    for (const step of stepsOf(definition.Steps)) {
      const args = step.Arguments;
      if (step.Type === 'Training') {
        const job = arn(`training-job/${String(args.TrainingJobName).toLowerCase()}`);
        const vpcId = vpcOf(flow, args.VpcConfig?.Subnets);
        flow.add(`Pipeline starts training job "${step.Name}"`, role, 'sagemaker:CreateTrainingJob', job, { context: sagemakerRequestContext(args) });
        flow.add(`Pipeline passes the job role to "${step.Name}"`, role, 'iam:PassRole', args.RoleArn, { context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
        volumeGrant(flow, `Training job "${step.Name}" encrypts its volume`, args.RoleArn, args.ResourceConfig?.VolumeKmsKeyId, pipeline.region);
        for (const channel of args.InputDataConfig ?? []) {
          const uri = render(channel.DataSource.S3DataSource.S3Uri, parameters) ?? `s3://${artifactBucket}/data/train/`;
          flow.s3Object(`Training job "${step.Name}" reads channel ${channel.ChannelName}`, args.RoleArn, 'read', objectArn(`${uri.replace(/\/$/, '')}/train.csv`), { vpcId });
        }
        const output = render(args.OutputDataConfig.S3OutputPath, parameters)!;
        modelArtifact = objectArn(`${output}/${String(args.TrainingJobName).toLowerCase()}/output/model.tar.gz`);
        flow.s3Object(`Training job "${step.Name}" writes the model artifact`, args.RoleArn, 'write', modelArtifact, { vpcId });
        jobTelemetry(flow, `Training job "${step.Name}"`, args.RoleArn, 'TrainingJobs', job, pipeline.region);
      } else if (step.Type === 'RegisterModel') {
        flow.add(`Pipeline registers a version ("${step.Name}")`, role, 'sagemaker:CreateModelPackage', samplePackage(flow, '1'), {
          context: { 'sagemaker:ModelApprovalStatus': args.ModelApprovalStatus ?? 'PendingManualApproval' },
        });
      }
    }
  }
  return { modelArtifact };
}

/** The artifact bucket name of a pipeline (the bucket its role may write every object of). */
function bucketOfPipeline(flow: Flow, pipeline: ResourceInfo): string {
  const prefix = pipeline.logicalId.replace(/[0-9A-F]{8}$/, '');
  const bucket = flow.model.ofType('AWS::S3::Bucket').find((b) => b.stackName === pipeline.stackName && b.logicalId.startsWith(`${prefix}ArtifactBucket`) && !b.logicalId.includes('AccessLogs'));
  if (!bucket) {
    throw new Error(`flow: no artifact bucket next to pipeline ${pipeline.logicalId}`);
  }
  return bucket.ref;
}

/** The VPC of a list of subnets (jobs in a VPC reach S3 through its gateway endpoint). */
export function vpcOf(flow: Flow, subnets: string[] | undefined): string | undefined {
  if (!subnets || subnets.length === 0) {
    return undefined;
  }
  const subnet = flow.model.ofType('AWS::EC2::Subnet').find((s) => s.ref === subnets[0]);
  if (!subnet) {
    throw new Error(`flow: subnet ${subnets[0]} is in no template`);
  }
  return subnet.properties.VpcId;
}

/** The grant SageMaker creates on a volume key for a job or endpoint, with the role's credentials. */
function volumeGrant(flow: Flow, step: string, role: string, keyArn: string | undefined, region: string): void {
  if (keyArn) {
    flow.add(step, role, 'kms:CreateGrant', flow.model.keyArn(keyArn), {
      context: { 'kms:GrantIsForAWSResource': 'true', 'kms:ViaService': `sagemaker.${region}.amazonaws.com`, 'kms:CallerAccount': accountOf(role) },
    });
  }
}

/** A job's logs and SageMaker metrics. */
function jobTelemetry(flow: Flow, step: string, role: string, kind: string, jobArn: string, region: string): void {
  const name = jobArn.split('/').pop();
  const account = accountOf(role);
  flow.add(`${step} writes its logs`, role, 'logs:PutLogEvents', `arn:aws:logs:${region}:${account}:log-group:/aws/sagemaker/${kind}:log-stream:${name}/algo-1-1700000000`);
  flow.add(`${step} publishes its metrics`, role, 'cloudwatch:PutMetricData', '*', { context: { 'cloudwatch:namespace': `/aws/sagemaker/${kind}` } });
}

/**
 * What SageMaker does with the model execution role of each model the
 * deployment workflow creates: read the model artifact the pipeline wrote
 * (and decrypt it), write the endpoint's logs and captured data.
 */
export function modelHops(flow: Flow, facts: PipelineFacts): void {
  for (const machine of flow.model.ofType('AWS::StepFunctions::StateMachine')) {
    const definition = JSON.parse(machine.properties.DefinitionString);
    for (const [stateName, state] of allStates(definition.States)) {
      const params = state.Resource === 'arn:aws:states:::aws-sdk:sagemaker:createModel'
        ? modelArguments(flow, definition, stateName, state.Parameters) : state.Parameters ?? {};
      if (state.Resource === 'arn:aws:states:::aws-sdk:sagemaker:createModel') {
        const role: string = params.ExecutionRoleArn;
        const vpcId = vpcOf(flow, params.VpcConfig?.Subnets);
        const stage = stateName.split(':')[0];
        if (facts.modelArtifact) {
          flow.s3Object(`Model of stage ${stage} reads the model artifact`, role, 'read', facts.modelArtifact, { vpcId });
        }
        const region = machine.region;
        if (isBatchStage(definition, stage)) {
          continue; // no endpoint: its transform jobs' hops are in hops-hosting.ts
        }
        const endpoint = endpointOf(definition, stage);
        flow.add(`Endpoint of stage ${stage} writes its logs`, role, 'logs:PutLogEvents',
          `arn:aws:logs:${region}:${accountOf(role)}:log-group:/aws/sagemaker/Endpoints/${endpoint}:log-stream:AllTraffic/i-0abc`);
      }
      const capture = params.DataCaptureConfig;
      if (state.Resource === 'arn:aws:states:::aws-sdk:sagemaker:createEndpointConfig' && capture) {
        const stage = stateName.split(':')[0];
        const role = modelRoleOf(definition, stage);
        const object = objectArn(`${capture.DestinationS3Uri}/${endpointOf(definition, stage)}/AllTraffic/${SAMPLE.folder}capture-0001.jsonl`);
        const modelVpc = vpcOf(flow, modelArguments(flow, definition, `${stage}: Create model`, modelParamsOf(definition, stage)).VpcConfig?.Subnets);
        flow.s3Object(`Endpoint of stage ${stage} writes captured data`, role, 'write', object, { vpcId: modelVpc });
      }
    }
  }
}

function* allStates(states: Record<string, any>): Generator<[string, any]> {
  for (const [name, state] of Object.entries(states)) {
    yield [name, state];
    for (const branch of state.Branches ?? []) {
      yield* allStates(branch.States);
    }
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) {
      yield* allStates(processor.States);
    }
  }
}

function modelParamsOf(definition: any, stage: string): any {
  for (const [name, state] of allStates(definition.States)) {
    if (name.startsWith(`${stage}:`) && state.Resource === 'arn:aws:states:::aws-sdk:sagemaker:createModel') {
      return state.Parameters;
    }
  }
  throw new Error(`flow: no CreateModel task for stage ${stage}`);
}

function modelRoleOf(definition: any, stage: string): string {
  return modelParamsOf(definition, stage).ExecutionRoleArn;
}

/** A batch stage switches a model item instead of deploying to an endpoint (workflow-batch.ts). */
function isBatchStage(definition: any, stage: string): boolean {
  return [...allStates(definition.States)].some(([name, state]) => name.startsWith(`${stage}:`) && state.Resource === 'arn:aws:states:::dynamodb:putItem'
    && state.Parameters?.Item?.model !== undefined);
}

/** The endpoint name of a deployment stage, from the workflow definition. */
export function endpointOf(definition: any, stage: string): string {
  for (const [name, state] of allStates(definition.States)) {
    const endpoint = state.Parameters?.EndpointName;
    if (name.startsWith(`${stage}:`) && typeof endpoint === 'string') {
      return endpoint;
    }
  }
  throw new Error(`flow: no endpoint for stage ${stage}`);
}

/** Where the pipelines' drift baseline steps (the drift check in `baseline` mode) write baseline.json. */
function driftBaselineOutputs(flow: Flow): string[] {
  const uris: string[] = [];
  for (const pipeline of flow.model.ofType('AWS::SageMaker::Pipeline')) {
    const definition = JSON.parse(pipeline.properties.PipelineDefinition.PipelineDefinitionBody);
    const parameters = Object.fromEntries((definition.Parameters ?? []).map((p: any) => [p.Name, p]));
    for (const st of stepsOf(definition.Steps)) {
      const entrypoint: string[] = st.Arguments?.AppSpecification?.ContainerEntrypoint ?? [];
      const output = (st.Arguments?.ProcessingOutputConfig?.Outputs ?? []).find((o: any) => o.OutputName === 'baseline');
      if (st.Type === 'Processing' && output && entrypoint.some((e) => e.includes('driftcheck')) && entrypoint.includes('baseline')) {
        const uri = render(output.S3Output.S3Uri, parameters);
        if (uri) {
          uris.push(uri);
        }
      }
    }
  }
  return uris;
}

/**
 * The drift check job, as the check workflow starts it: it reads its code,
 * the baseline and the captured data, writes the report, publishes metrics
 * (through the network's CloudWatch endpoint when it runs in the VPC) and
 * encrypts its volume.
 */
export function driftJobHops(flow: Flow): void {
  for (const machine of flow.model.ofType('AWS::StepFunctions::StateMachine').filter((m) => /CheckWorkflow/.test(m.logicalId))) {
    const definition = JSON.parse(machine.properties.DefinitionString);
    const window = definition.States.Window.Assign;
    const check = definition.States.Check ?? definition.States.Merge;
    const args = check.Arguments;
    const role: string = args.RoleArn;
    const vpcId = vpcOf(flow, args.NetworkConfig?.VpcConfig?.Subnets);
    const step = 'Drift check job';
    for (const input of [...window.staticInputs, ...(window.baselineInputs ?? [])]) {
      const uri: string = input.S3Input.S3Uri;
      const object = uri.endsWith('/') ? `${uri}baseline.json` : uri;
      flow.s3Object(`${step} reads its ${input.InputName}`, role, 'read', objectArn(object), { vpcId });
    }
    if (!window.baselineInputs) {
      // The baseline comes from the approved version (DriftBaseline.fromModelRegistry/fromPipeline):
      // the job reads what a pipeline's DriftBaselineStep wrote.
      for (const uri of driftBaselineOutputs(flow)) {
        flow.s3Object(`${step} reads its baseline`, role, 'read', objectArn(`${uri}/baseline.json`), { vpcId });
      }
    }
    flow.s3Object(`${step} reads captured data`, role, 'read', objectArn(`${window.captureRoot}${SAMPLE.folder}capture-0001.jsonl`), { vpcId });
    const reportRoot = /'(s3:\/\/[^']+)'/.exec(definition.States.Folders.Assign.reportUri)![1];
    flow.s3Object(`${step} writes its report`, role, 'write', objectArn(`${reportRoot}2026/01/15/0950/report.json`), { vpcId });
    const namespace = args.Environment.DRIFT_NAMESPACE;
    flow.add(`${step} publishes drift metrics`, role, 'cloudwatch:PutMetricData', '*', {
      context: { 'cloudwatch:namespace': namespace }, endpoints: flow.interfaceEndpoint(vpcId, 'monitoring'),
    });
    volumeGrant(flow, `${step} encrypts its volume`, role, args.ProcessingResources.ClusterConfig.VolumeKmsKeyId, machine.region);
    jobTelemetry(flow, step, role, 'ProcessingJobs', `arn:aws:sagemaker:${machine.region}:${machine.account}:processing-job/drift-c-${SAMPLE.uuid}`, machine.region);
  }
}

/** CI: CodePipeline starts the builds and reads the source; the run build starts the SageMaker pipeline. */
export function ciHops(flow: Flow): void {
  const pipelines = flow.model.ofType('AWS::CodePipeline::Pipeline');
  for (const cp of pipelines) {
    const role: string = cp.properties.RoleArn;
    for (const stage of cp.properties.Stages) {
      for (const action of stage.Actions) {
        const type = action.ActionTypeId;
        if (type.Provider === 'CodeBuild') {
          const project = flow.model.ofType('AWS::CodeBuild::Project').find((p) => p.ref === action.Configuration.ProjectName)!;
          flow.add(`CodePipeline starts build "${action.Name}"`, action.RoleArn ?? role, 'codebuild:StartBuild', project.arn);
        } else if (type.Provider === 'S3' && type.Category === 'Source') {
          const object = `arn:aws:s3:::${action.Configuration.S3Bucket}/${action.Configuration.S3ObjectKey}`;
          flow.s3Object('CodePipeline reads the source', action.RoleArn ?? role, 'read', object);
        }
      }
    }
  }
  for (const project of flow.model.ofType('AWS::CodeBuild::Project').filter((p) => /Run/.test(p.logicalId))) {
    const role: string = project.properties.ServiceRole;
    const vpcId = project.properties.VpcConfig?.VpcId;
    const buildspec = String(project.properties.Source?.BuildSpec ?? '');
    const name = /--pipeline-name\s+"?([A-Za-z0-9-]+)/.exec(buildspec)?.[1];
    const sm = flow.model.ofType('AWS::SageMaker::Pipeline').find((p) => p.ref === name) ?? flow.model.ofType('AWS::SageMaker::Pipeline')[0];
    const pipelineArn = `arn:aws:sagemaker:${sm.region}:${sm.account}:pipeline/${sm.ref.toLowerCase()}`;
    flow.add('CI run build starts the SageMaker pipeline', role, 'sagemaker:StartPipelineExecution', pipelineArn, {
      endpoints: flow.interfaceEndpoint(vpcId, 'sagemaker.api'),
    });
  }
}

/**
 * Studio users read the registry (through the SageMaker API endpoint of the
 * network) and log runs to the domain's MLflow App (through the MLflow
 * endpoint, `aws.sagemaker.<region>.experiments`, with
 * `sagemaker:CallMlflowAppApi` on the app).
 */
export function studioHops(flow: Flow): void {
  for (const domain of flow.model.ofType('AWS::SageMaker::Domain')) {
    const role: string = domain.properties.DefaultUserSettings.ExecutionRole;
    const vpcId: string = domain.properties.VpcId;
    flow.add('Studio user describes a registered version', role, 'sagemaker:DescribeModelPackage', samplePackage(flow), {
      endpoints: flow.interfaceEndpoint(vpcId, 'sagemaker.api'),
    });
    for (const app of flow.model.ofType('AWS::SageMaker::MlflowApp').filter((a) => a.stackName === domain.stackName)) {
      flow.add('Studio user logs runs to MLflow', role, 'sagemaker:CallMlflowAppApi', app.arn, {
        endpoints: flow.interfaceEndpoint(vpcId, 'experiments'),
      });
    }
  }
}

/**
 * People who approve: a registry version (`UpdateModelPackage`) and the
 * deployment's manual gate (`SendTaskSuccess` with the task token of the
 * notification; the Service Authorization Reference lists no resource type
 * for it, so it is requested on "*").
 */
export function approverHops(flow: Flow): void {
  const reviewers = flow.model.roles.filter((r) => r.name.endsWith('-reviewers'));
  for (const role of reviewers) {
    flow.add('Reviewer approves a registered version', role.arn, 'sagemaker:UpdateModelPackage', samplePackage(flow), {
      context: { 'sagemaker:ModelApprovalStatus': 'Approved' },
    });
    for (const action of ['states:SendTaskSuccess', 'states:SendTaskFailure']) {
      flow.add('Reviewer answers the deployment\'s approval gate', role.arn, action, '*');
    }
  }
}

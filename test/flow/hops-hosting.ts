/**
 * What SageMaker does with a model's execution role for the hosting kinds
 * besides real-time endpoints (issue 18):
 * - an asynchronous endpoint writes each result under `S3OutputPath` and each
 *   failure under `S3FailurePath` (encrypted with the config's `KmsKeyId`),
 *   and publishes to the success and error topics ("Complete the
 *   prerequisites" of asynchronous inference: the role SageMaker runs with
 *   needs S3 and SNS access);
 * - a transform job (batch stage) reads its input, writes its output
 *   (encrypted with `TransformOutput.KmsKeyId`) and its captured data, as the
 *   role of the model it runs.
 */
import { Flow } from './flow';
import { publish } from './hops-runtime';
import { SAMPLE } from './tasks';

function objectArn(s3Uri: string): string {
  return `arn:aws:s3:::${s3Uri.replace(/^s3:\/\//, '')}`;
}

function* allStates(states: Record<string, any>): Generator<[string, any]> {
  for (const [name, state] of Object.entries(states)) {
    yield [name, state];
    for (const branch of state.Branches ?? []) {
      yield* allStates(branch.States);
    }
  }
}

/** The CreateModel arguments of a stage, from whichever state machine creates its models. */
function modelOf(flow: Flow, stage: string): any {
  for (const machine of flow.model.ofType('AWS::StepFunctions::StateMachine')) {
    const definition = JSON.parse(machine.properties.DefinitionString);
    for (const [name, state] of allStates(definition.States)) {
      if (name.startsWith(`${stage}:`) && state.Resource === 'arn:aws:states:::aws-sdk:sagemaker:createModel') {
        return state.Parameters;
      }
    }
  }
  throw new Error(`flow: no CreateModel task for stage ${stage}`);
}

/** The VPC of a model (its first subnet's). */
function vpcOf(flow: Flow, model: any): string | undefined {
  const subnet = model.VpcConfig?.Subnets?.[0];
  return subnet ? flow.model.ofType('AWS::EC2::Subnet').find((s) => s.ref === subnet)?.properties.VpcId : undefined;
}

/** Hops of asynchronous endpoints and transform jobs. */
export function hostingHops(flow: Flow): void {
  for (const machine of flow.model.ofType('AWS::StepFunctions::StateMachine')) {
    const definition = JSON.parse(machine.properties.DefinitionString);
    for (const [stateName, state] of allStates(definition.States)) {
      const p = state.Parameters ?? {};
      const stage = stateName.split(':')[0];
      const output = p.AsyncInferenceConfig?.OutputConfig;
      if (state.Resource === 'arn:aws:states:::aws-sdk:sagemaker:createEndpointConfig' && output) {
        const model = modelOf(flow, stage);
        const role: string = model.ExecutionRoleArn;
        const vpcId = vpcOf(flow, model);
        flow.s3Object(`Async endpoint of stage ${stage} writes a result`, role, 'write', objectArn(`${output.S3OutputPath}/${SAMPLE.uuid}.out`), { vpcId });
        flow.s3Object(`Async endpoint of stage ${stage} writes a failure`, role, 'write', objectArn(`${output.S3FailurePath}/${SAMPLE.uuid}-error.out`), { vpcId });
        for (const [which, topic] of [['success', output.NotificationConfig?.SuccessTopic], ['error', output.NotificationConfig?.ErrorTopic]]) {
          if (topic) {
            publish(flow, `Async endpoint of stage ${stage} notifies ${which}`, role, topic);
          }
        }
      }
      if (state.Resource === 'arn:aws:states:::sagemaker:createTransformJob.sync') {
        const model = modelOf(flow, stage);
        const role: string = model.ExecutionRoleArn;
        const vpcId = vpcOf(flow, model);
        const input: string = p.TransformInput.DataSource.S3DataSource.S3Uri ?? '';
        const scheduledInput = definition.States[`${stage}: run on the input prefix`]?.Parameters?.Input as string;
        const inputObject = objectArn(`${scheduledInput ?? input}2026-12-07.csv`);
        flow.s3Object(`Transform job of stage ${stage} reads its input`, role, 'read', inputObject, { vpcId });
        const outPrefix = /s3:\/\/[^']+/.exec(definition.States[`${stage}: run on the input prefix`].Parameters['Output.$'])![0];
        const outputObject = objectArn(`${outPrefix.replace('{}', SAMPLE.hash)}/2026-12-07.csv.out`);
        flow.s3Object(`Transform job of stage ${stage} writes its output`, role, 'write', outputObject, { vpcId });
        const key = p.TransformOutput.KmsKeyId;
        if (key) {
          flow.kmsVia(`Transform job of stage ${stage} encrypts its output with the key`, role, 'kms:GenerateDataKey', key, 's3',
            { 'aws:s3:arn': outputObject });
        }
        const job = `mlops-${stage}-${SAMPLE.hash}`;
        flow.add(`Transform job of stage ${stage} writes its logs`, role, 'logs:PutLogEvents',
          `arn:aws:logs:${machine.region}:${machine.account}:log-group:/aws/sagemaker/TransformJobs:log-stream:${job}/i-0abc-1700000000`);
        flow.add(`Transform job of stage ${stage} publishes its metrics`, role, 'cloudwatch:PutMetricData', '*',
          { context: { 'cloudwatch:namespace': '/aws/sagemaker/TransformJobs' } });
        const capture = p.DataCaptureConfig;
        if (capture) {
          flow.s3Object(`Transform job of stage ${stage} writes captured data`, role, 'write',
            objectArn(`${capture.DestinationS3Uri}/input/${SAMPLE.folder}${SAMPLE.uuid}.json`), { vpcId });
        }
      }
    }
  }
}

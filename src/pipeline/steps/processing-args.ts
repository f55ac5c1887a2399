import { Duration } from 'aws-cdk-lib';
import { checkPositiveInteger, instanceCountOf, instanceTypeOf, resolveJobSecurity } from '../job-defaults';
import { JobKind, RenderContext } from '../render-context';
import { ExecutionVariable, PipelineValue } from '../values';
import type { ProcessingJobProps } from './processing';
import { compact, mergeMaps, pickList, renderMap } from './render-util';

/**
 * Render the Arguments of a processing job (shared by processing, quality
 * check and clarify check steps).
 * @internal
 */
export function renderProcessingArgs(ctx: RenderContext, stepName: string, props: ProcessingJobProps): any {
  ctx.jobKinds.add(JobKind.PROCESSING);
  const instanceType = instanceTypeOf(ctx, props.instanceType, props.instanceTypeValue);
  const instanceCount = instanceCountOf(ctx, props.instanceCount, props.instanceCountValue);
  const volumeSize = PipelineValue.ofNumber(props.volumeSizeGiB ?? 30);
  checkPositiveInteger(ctx, 'volumeSizeGiB', volumeSize, 16384);
  const security = resolveJobSecurity(ctx, props.security, false);
  checkUnique(ctx, 'inputs', (props.inputs ?? []).map((i) => i.inputName));
  checkUnique(ctx, 'outputs', (props.outputs ?? []).map((o) => o.outputName));
  return compact({
    ProcessingJobName: ctx.jobName(stepName, JobKind.PROCESSING),
    ProcessingResources: {
      ClusterConfig: {
        InstanceType: instanceType._render(ctx),
        InstanceCount: instanceCount._render(ctx),
        VolumeSizeInGB: volumeSize._render(ctx),
        VolumeKmsKeyId: security.volumeKeyArn,
      },
    },
    AppSpecification: compact({
      ImageUri: props.image._render(ctx),
      ContainerEntrypoint: props.entrypoint,
      ContainerArguments: pickList(ctx, 'arguments', 'argumentValues', props.arguments, props.argumentValues)?.map((a) => a._render(ctx)),
    }),
    RoleArn: ctx.roleArn,
    ProcessingInputs: props.inputs && props.inputs.length > 0 ? props.inputs.map((i) => ({
      InputName: i.inputName,
      AppManaged: false,
      S3Input: {
        S3Uri: i.source._render(ctx),
        LocalPath: i.destination,
        S3DataType: 'S3Prefix',
        S3InputMode: 'File',
        S3DataDistributionType: 'FullyReplicated',
        S3CompressionType: 'None',
      },
    })) : undefined,
    ProcessingOutputConfig: props.outputs && props.outputs.length > 0 ? {
      Outputs: props.outputs.map((o) => ({
        OutputName: o.outputName,
        AppManaged: false,
        S3Output: {
          S3Uri: (o.destination ?? defaultOutputUri(ctx, stepName, o.outputName))._render(ctx),
          LocalPath: o.source,
          S3UploadMode: 'EndOfJob',
        },
      })),
      KmsKeyId: security.outputKeyArn,
    } : undefined,
    NetworkConfig: compact({
      EnableInterContainerTrafficEncryption: security.interContainerEncryption,
      EnableNetworkIsolation: security.networkIsolation,
      VpcConfig: security.vpcConfig,
    }),
    StoppingCondition: { MaxRuntimeInSeconds: (props.maxRuntime ?? Duration.hours(24)).toSeconds() },
    Environment: renderMap(ctx, mergeMaps(ctx, 'environment', 'environmentValues', props.environment, props.environmentValues)),
  });
}

/**
 * The default S3 location of a step's output: unique per execution.
 * @internal
 */
export function defaultOutputUri(ctx: RenderContext, stepName: string, leaf: string): PipelineValue {
  return PipelineValue.join([
    PipelineValue.of(`s3://${ctx.bucket.bucketName}/${ctx.jobNamePrefix}`),
    ExecutionVariable.PIPELINE_EXECUTION_ID,
    PipelineValue.of(`${stepName}/${leaf}`),
  ], '/');
}

function checkUnique(ctx: RenderContext, prop: string, names: string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) {
      ctx.problem({
        prop: `steps[${ctx.currentStep}].${prop}`,
        value: n,
        allowed: 'unique names',
        fix: `rename one of the ${prop} named '${n}'.`,
      });
    }
    seen.add(n);
  }
}


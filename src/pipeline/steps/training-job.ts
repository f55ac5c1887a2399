import { Duration } from 'aws-cdk-lib';
import { checkPositiveInteger, instanceCountOf, instanceTypeOf, resolveJobSecurity } from '../job-defaults';
import { RenderContext } from '../render-context';
import { PipelineValue } from '../values';
import { defaultOutputUri } from './processing-args';
import { compact, mergeMaps, renderMap } from './render-util';
import type { TrainingJobProps } from './training';

/**
 * Render the training job definition shared by training and tuning steps.
 * @internal
 */
export function renderTrainingJob(ctx: RenderContext, stepName: string, props: TrainingJobProps, forTuning: boolean): any {
  const instanceType = instanceTypeOf(ctx, props.instanceType, props.instanceTypeValue);
  const instanceCount = instanceCountOf(ctx, props.instanceCount, props.instanceCountValue);
  const volumeSize = PipelineValue.ofNumber(props.volumeSizeGiB ?? 30);
  checkPositiveInteger(ctx, 'volumeSizeGiB', volumeSize, 16384);
  const security = resolveJobSecurity(ctx, props.security, true);
  return compact({
    AlgorithmSpecification: compact({
      TrainingImage: props.image._render(ctx),
      TrainingInputMode: 'File',
      MetricDefinitions: !forTuning && props.metricDefinitions && props.metricDefinitions.length > 0
        ? props.metricDefinitions.map((m) => ({ Name: m.name, Regex: m.regex })) : undefined,
    }),
    OutputDataConfig: {
      S3OutputPath: (props.outputPath ?? defaultOutputUri(ctx, stepName, 'model'))._render(ctx),
      KmsKeyId: security.outputKeyArn,
    },
    // Tuning jobs take the tuning form of the resources, as the SageMaker Python SDK writes it.
    [forTuning ? 'HyperParameterTuningResourceConfig' : 'ResourceConfig']: {
      InstanceType: instanceType._render(ctx),
      InstanceCount: instanceCount._render(ctx),
      VolumeSizeInGB: volumeSize._render(ctx),
      VolumeKmsKeyId: security.volumeKeyArn,
    },
    RoleArn: ctx.roleArn,
    StoppingCondition: { MaxRuntimeInSeconds: (props.maxRuntime ?? Duration.hours(24)).toSeconds() },
    InputDataConfig: props.channels.map((c) => compact({
      ChannelName: c.channelName,
      ContentType: c.contentType,
      DataSource: {
        S3DataSource: {
          S3DataType: 'S3Prefix',
          S3Uri: c.s3Uri._render(ctx),
          S3DataDistributionType: 'FullyReplicated',
        },
      },
    })),
    HyperParameters: forTuning ? undefined : renderMap(ctx, mergeMaps(ctx, 'hyperparameters', 'hyperparameterValues', props.hyperparameters, props.hyperparameterValues)),
    EnableNetworkIsolation: security.networkIsolation,
    EnableInterContainerTrafficEncryption: security.interContainerEncryption,
    VpcConfig: security.vpcConfig,
    Environment: renderMap(ctx, mergeMaps(ctx, 'environment', 'environmentValues', props.environment, props.environmentValues)),
    // No SageMaker Debugger profiling (it writes to S3 outside the job's output
    // location); explicit, as the SDK writes it with disable_profiler=True.
    ProfilerConfig: forTuning ? undefined : { DisableProfiler: true },
  });
}


/**
 * Reading a SageMaker pipeline definition out of an AWS::SageMaker::Pipeline
 * resource, and the security settings of each job step in it. Works on the
 * JSON of the SageMaker Python SDK (`pipeline.definition()`) and on
 * definitions rendered by CDK with tokens (Fn::Join / Fn::Sub strings).
 */
import { hasLocalNvme } from './instances';
import { asArray, isPresent, isUnknown, renderJsonString } from './template';
import { definitionSteps } from '../../private/pipeline-definition-steps';

/** A definition read from the template, or why it could not be. */
export interface ReadDefinition {
  readonly definition?: any;
  /** Why the definition cannot be inspected. */
  readonly problem?: string;
}

/** Read the definition of an AWS::SageMaker::Pipeline's properties. */
export function readPipelineDefinition(properties: any): ReadDefinition {
  const holder = properties?.PipelineDefinition;
  if (!holder || typeof holder !== 'object') {
    return { problem: 'PipelineDefinition is missing or only known at deploy time' };
  }
  if (holder.PipelineDefinitionS3Location !== undefined) {
    return { problem: 'the definition is stored in S3 (PipelineDefinitionS3Location), so its steps cannot be inspected at synth' };
  }
  if (holder.PipelineDefinitionBody === undefined) {
    return { problem: 'PipelineDefinition has neither PipelineDefinitionBody nor PipelineDefinitionS3Location' };
  }
  const rendered = renderJsonString(holder.PipelineDefinitionBody);
  if (rendered.problem || !rendered.value || typeof rendered.value !== 'object') {
    return { problem: `PipelineDefinitionBody cannot be read: ${rendered.problem ?? 'it is not a JSON object'}` };
  }
  return { definition: rendered.value };
}

/** A step of a definition, with its place. */
export interface DefinitionStep {
  readonly name: string;
  readonly type: string;
  readonly args: any;
}

/**
 * Every step at any depth: Condition branches, ForEach bodies and any other
 * container (the same step set the pipeline layer scans).
 */
export function allSteps(definition: any): DefinitionStep[] {
  return definitionSteps(definition).map((s) => ({ name: s.name, type: s.type, args: s.json.Arguments ?? {} }));
}

/** Resolve `{ Get: 'Parameters.X' }` to X's default value, when it has one. */
function withParameterDefaults(definition: any): (value: unknown) => unknown {
  const defaults = new Map<string, unknown>();
  for (const p of asArray<any>(definition?.Parameters)) {
    if (p && typeof p.Name === 'string' && p.DefaultValue !== undefined) {
      defaults.set(p.Name, p.DefaultValue);
    }
  }
  return (value) => {
    if (value && typeof value === 'object' && typeof (value as any).Get === 'string') {
      const m = /^Parameters\.(.+)$/.exec((value as any).Get);
      if (m && defaults.has(m[1])) {
        return defaults.get(m[1]);
      }
    }
    return value;
  };
}

/** True for a pipeline expression (Get, Std:Join, JsonGet...) or a deploy-time value. */
function isExpression(value: unknown): boolean {
  return isUnknown(value) || (value !== null && typeof value === 'object' && !Array.isArray(value));
}

/** True when a boolean setting is on (or is an expression we cannot evaluate). */
function isOn(value: unknown): boolean {
  return value === true || value === 'true' || isExpression(value);
}

/** True when a VpcConfig has subnets and security groups. */
function hasVpc(vpc: any): boolean {
  if (isExpression(vpc) && !(vpc && typeof vpc === 'object' && ('Subnets' in vpc || 'SecurityGroupIds' in vpc))) {
    return isPresent(vpc);
  }
  return isPresent(vpc?.Subnets) && isPresent(vpc?.SecurityGroupIds);
}

/** True when every instance type is a literal type with local NVMe (so no volume key is allowed). */
function allNvme(types: unknown[]): boolean {
  return types.length > 0 && types.every((t) => typeof t === 'string' && !isUnknown(t) && hasLocalNvme(t));
}

/** What one training job definition lacks (training steps and each tuning definition). */
function trainingGaps(job: any, resolve: (v: unknown) => unknown, resourceKey: string): string[] {
  const gaps: string[] = [];
  if (!hasVpc(job?.VpcConfig)) {
    gaps.push('VpcConfig with subnets and security groups');
  }
  const resources = job?.[resourceKey] ?? {};
  const types = [resources.InstanceType, ...asArray<any>(resources.InstanceGroups).map((g) => g?.InstanceType)]
    .filter((t) => t !== undefined).map(resolve);
  if (!isPresent(resources.VolumeKmsKeyId) && !allNvme(types)) {
    gaps.push(`${resourceKey}.VolumeKmsKeyId (volume KMS key)`);
  }
  if (!isPresent(job?.OutputDataConfig?.KmsKeyId)) {
    gaps.push('OutputDataConfig.KmsKeyId (output KMS key)');
  }
  if (!isOn(resolve(job?.EnableInterContainerTrafficEncryption))) {
    gaps.push('EnableInterContainerTrafficEncryption true');
  }
  if (!isOn(resolve(job?.EnableNetworkIsolation))) {
    gaps.push('EnableNetworkIsolation true');
  }
  return gaps;
}

/** The security gaps of one step; empty for compliant steps and for steps that start no job. */
export function stepGaps(step: DefinitionStep, definition: any): string[] {
  const resolve = withParameterDefaults(definition);
  const a = step.args ?? {};
  switch (step.type) {
    case 'Training':
      return trainingGaps(a, resolve, 'ResourceConfig');
    case 'Tuning': {
      const jobs = [a.TrainingJobDefinition, ...asArray<any>(a.TrainingJobDefinitions)].filter((j) => j !== undefined);
      if (jobs.length === 0) {
        return ['a TrainingJobDefinition'];
      }
      const gaps = new Set<string>();
      for (const job of jobs) {
        const key = job?.HyperParameterTuningResourceConfig !== undefined ? 'HyperParameterTuningResourceConfig' : 'ResourceConfig';
        trainingGaps(job, resolve, key).forEach((g) => gaps.add(g));
      }
      return [...gaps];
    }
    case 'Processing':
    // Quality and clarify checks run as processing jobs: their Arguments are a CreateProcessingJob request.
    case 'QualityCheck':
    case 'ClarifyCheck': {
      const gaps: string[] = [];
      const network = a.NetworkConfig ?? {};
      if (!hasVpc(network.VpcConfig)) {
        gaps.push('NetworkConfig.VpcConfig with subnets and security groups');
      }
      const cluster = a.ProcessingResources?.ClusterConfig ?? {};
      if (!isPresent(cluster.VolumeKmsKeyId) && !allNvme([resolve(cluster.InstanceType)])) {
        gaps.push('ProcessingResources.ClusterConfig.VolumeKmsKeyId (volume KMS key)');
      }
      if (a.ProcessingOutputConfig !== undefined && !isPresent(a.ProcessingOutputConfig?.KmsKeyId)) {
        gaps.push('ProcessingOutputConfig.KmsKeyId (output KMS key)');
      }
      if (!isOn(resolve(network.EnableInterContainerTrafficEncryption))) {
        gaps.push('NetworkConfig.EnableInterContainerTrafficEncryption true');
      }
      return gaps;
    }
    case 'Transform': {
      // Transform jobs run in the VPC of their model (CreateModel), and have no inter-container setting.
      const gaps: string[] = [];
      const res = a.TransformResources ?? {};
      if (!isPresent(res.VolumeKmsKeyId) && !allNvme([resolve(res.InstanceType)])) {
        gaps.push('TransformResources.VolumeKmsKeyId (volume KMS key)');
      }
      if (!isPresent(a.TransformOutput?.KmsKeyId)) {
        gaps.push('TransformOutput.KmsKeyId (output KMS key)');
      }
      return gaps;
    }
    case 'Model': {
      // The model's containers: batch transform jobs run in the model's VPC, with its isolation.
      const gaps: string[] = [];
      if (!hasVpc(a.VpcConfig)) {
        gaps.push('VpcConfig with subnets and security groups');
      }
      if (!isOn(resolve(a.EnableNetworkIsolation))) {
        gaps.push('EnableNetworkIsolation true');
      }
      return gaps;
    }
    default:
      return [];
  }
}

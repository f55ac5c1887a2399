import { MlInstanceType } from '../common';
import { MlEndpointService } from '../network';
import { JobSecurityOptions } from './job-security';
import { RenderContext } from './render-context';
import { pickValue } from './steps/render-util';
import { PipelineValue } from './values';

/** The endpoints a job in the VPC needs. */
export const JOB_ENDPOINTS = [
  MlEndpointService.SAGEMAKER_API,
  MlEndpointService.STS,
  MlEndpointService.CLOUDWATCH_LOGS,
  MlEndpointService.CLOUDWATCH_MONITORING,
  MlEndpointService.ECR_API,
  MlEndpointService.ECR_DOCKER,
];

/** The resolved security settings of one job. @internal */
export interface ResolvedJobSecurity {
  readonly vpcConfig?: any;
  readonly networkIsolation: boolean;
  readonly interContainerEncryption: boolean;
  readonly volumeKeyArn: string;
  readonly outputKeyArn: string;
}

/**
 * Resolve a step's security options against the pipeline's defaults.
 * @internal
 */
export function resolveJobSecurity(ctx: RenderContext, options: JobSecurityOptions | undefined, isolationDefault: boolean): ResolvedJobSecurity {
  const o = options ?? {};
  const network = o.network ?? ctx.network;
  const inVpc = network !== undefined && (o.runInVpc ?? true);
  let vpcConfig: any;
  if (inVpc && network) {
    network.requireEndpoints(...JOB_ENDPOINTS);
    if (!ctx.networks.includes(network)) {
      ctx.networks.push(network);
    }
    vpcConfig = {
      SecurityGroupIds: [network.workloadSecurityGroup.securityGroupId],
      Subnets: network.subnetIds,
    };
  }
  for (const key of [o.volumeEncryptionKey, o.outputEncryptionKey]) {
    if (key && key !== ctx.key && !ctx.keys.includes(key)) {
      ctx.keys.push(key);
    }
  }
  return {
    vpcConfig,
    networkIsolation: o.enableNetworkIsolation ?? isolationDefault,
    interContainerEncryption: o.encryptInterContainerTraffic ?? true,
    volumeKeyArn: (o.volumeEncryptionKey ?? ctx.key).keyArn,
    outputKeyArn: (o.outputEncryptionKey ?? ctx.key).keyArn,
  };
}

/** The SageMaker instance type pattern. */
const INSTANCE_TYPE = /^ml\.[a-z0-9]+[a-z0-9-]*\.[a-z0-9]+$/;

/**
 * Validate an instance type when it is a literal.
 * @internal
 */
function checkInstanceType(ctx: RenderContext, prop: string, value: PipelineValue): void {
  const literal = value.literalString;
  if (literal !== undefined && value.isLiteral && !INSTANCE_TYPE.test(literal)) {
    ctx.problem({
      prop: `steps[${ctx.currentStep}].${prop}`,
      value: literal,
      allowed: 'a SageMaker instance type like ml.m5.xlarge (ml.<family>.<size>)',
      fix: "use the 'ml.' prefix and a family and size, e.g. MlInstanceType.ML_M5_XLARGE or MlInstanceType.of('ml.m5.xlarge'), or a pipeline parameter in instanceTypeValue.",
    });
  }
}

/**
 * The instance type of a job from its literal prop and its run-time twin
 * (`instanceTypeValue`), validated when literal.
 * @internal
 */
export function instanceTypeOf(ctx: RenderContext, literal: MlInstanceType | undefined, value: PipelineValue | undefined): PipelineValue {
  const type = pickValue(ctx, 'instanceType', literal && PipelineValue.of(literal.name), value) ?? PipelineValue.of(MlInstanceType.ML_M5_XLARGE.name);
  checkInstanceType(ctx, value ? 'instanceTypeValue' : 'instanceType', type);
  return type;
}

/**
 * The instance count of a job from its literal prop and its run-time twin
 * (`instanceCountValue`), validated when literal.
 * @internal
 */
export function instanceCountOf(ctx: RenderContext, literal: number | undefined, value: PipelineValue | undefined): PipelineValue {
  const count = pickValue(ctx, 'instanceCount', literal === undefined ? undefined : PipelineValue.ofNumber(literal), value) ?? PipelineValue.ofNumber(1);
  checkPositiveInteger(ctx, value ? 'instanceCountValue' : 'instanceCount', count, 100);
  return count;
}

/**
 * Validate a count/size when it is a literal.
 * @internal
 */
export function checkPositiveInteger(ctx: RenderContext, prop: string, value: PipelineValue | undefined, max: number): void {
  const n = value?.literalNumber;
  if (n !== undefined && value!.isLiteral && (!Number.isInteger(n) || n < 1 || n > max)) {
    ctx.problem({
      prop: `steps[${ctx.currentStep}].${prop}`,
      value: n,
      allowed: `an integer from 1 to ${max}`,
      fix: `set ${prop} to a whole number between 1 and ${max}.`,
    });
  }
}


import { MlInstanceType } from '../../common';
import { recordBaselineSource } from '../../private/baseline-sources';
import { IModelRegistry } from '../../registry';
import { SageMakerImage } from '../images';
import { instanceCountOf, instanceTypeOf, resolveJobSecurity } from '../job-defaults';
import { JobSecurityOptions } from '../job-security';
import { JobKind, RenderContext } from '../render-context';
import { PipelineValue } from '../values';
import type { DriftBaselineStep } from './drift-baseline';
import { defaultOutputUri } from './processing-args';
import { compact } from './render-util';
import { CacheableStepProps, PipelineStep, RetryExceptionType } from './step';

/** Approval status of a newly registered model version. */
export enum ModelApprovalStatus {
  /** Waits for a person (or automation) to approve: the default. */
  PENDING_MANUAL_APPROVAL = 'PendingManualApproval',
  /** Approved on registration: deployment starts at once. */
  APPROVED = 'Approved',
  /** Rejected on registration. */
  REJECTED = 'Rejected',
}

/** A metrics or baseline file in S3 attached to a model version. */
export interface MetricsSource {
  /** S3 URI of the file. */
  readonly s3Uri: PipelineValue;
  /**
   * MIME type.
   * @default 'application/json'
   */
  readonly contentType?: string;
}

/** Quality, bias and explainability files attached to a model version. */
export interface ModelQualityFiles {
  /** @default - none */
  readonly modelQualityStatistics?: MetricsSource;
  /** @default - none */
  readonly modelQualityConstraints?: MetricsSource;
  /** @default - none */
  readonly modelDataQualityStatistics?: MetricsSource;
  /** @default - none */
  readonly modelDataQualityConstraints?: MetricsSource;
  /** @default - none */
  readonly biasReport?: MetricsSource;
  /** @default - none */
  readonly explainabilityReport?: MetricsSource;
}

/** Properties of a register-model step. */
export interface RegisterModelStepProps extends CacheableStepProps {
  /**
   * The registry (model package group) to register into.
   * @default - the registry of the MlPipeline; the definition fails to bind when neither is set
   */
  readonly registry?: IModelRegistry;
  /** The inference image. */
  readonly image: SageMakerImage;
  /** S3 URI of the model artifact, e.g. `trainingStep.modelArtifactsUri`. */
  readonly modelDataUrl: PipelineValue;
  /**
   * Approval status on registration.
   * @default ModelApprovalStatus.PENDING_MANUAL_APPROVAL
   */
  readonly approvalStatus?: ModelApprovalStatus;
  /**
   * Request MIME types the model accepts.
   * @default ['text/csv']
   */
  readonly contentTypes?: string[];
  /**
   * Response MIME types.
   * @default ['text/csv']
   */
  readonly responseTypes?: string[];
  /**
   * Instance types for real-time inference.
   * @default [MlInstanceType.ML_M5_LARGE, MlInstanceType.ML_M5_XLARGE]
   */
  readonly inferenceInstanceTypes?: MlInstanceType[];
  /**
   * Instance types for batch transform.
   * @default [MlInstanceType.ML_M5_XLARGE]
   */
  readonly transformInstanceTypes?: MlInstanceType[];
  /**
   * Metrics of this version (evaluation results), shown in the registry.
   * @default - none
   */
  readonly modelMetrics?: ModelQualityFiles;
  /**
   * Baselines drift checks compare live data against (from quality and
   * clarify check steps).
   * @default - none
   */
  readonly driftCheckBaselines?: ModelQualityFiles;
  /**
   * Description of the version.
   * @default - none
   */
  readonly modelPackageDescription?: string;
  /**
   * A drift baseline step of the same pipeline: its `baseline.json` is
   * registered with the version as the data-quality statistics of
   * `DriftCheckBaselines` and of `ModelMetrics` (unless those are given in
   * `driftCheckBaselines` / `modelMetrics`), so a `DriftMonitor` with
   * `DriftBaseline.fromModelRegistry(registry)` reads the baseline of the
   * version it watches.
   * @default - no drift baseline
   */
  readonly driftBaseline?: DriftBaselineStep;
}

function renderSource(ctx: RenderContext, s: MetricsSource | undefined): any {
  return s ? { ContentType: s.contentType ?? 'application/json', S3Uri: s.s3Uri._render(ctx) } : undefined;
}

function nonEmpty(o: any): any {
  return Object.keys(o).length > 0 ? o : undefined;
}

function renderQualityFiles(ctx: RenderContext, f: ModelQualityFiles | undefined, drift: boolean): any {
  if (!f) {
    return undefined;
  }
  return nonEmpty(compact({
    ModelQuality: nonEmpty(compact({
      Statistics: renderSource(ctx, f.modelQualityStatistics),
      Constraints: renderSource(ctx, f.modelQualityConstraints),
    })),
    ModelDataQuality: nonEmpty(compact({
      Statistics: renderSource(ctx, f.modelDataQualityStatistics),
      Constraints: renderSource(ctx, f.modelDataQualityConstraints),
    })),
    // DriftCheckBaselines name the files as constraints, ModelMetrics as reports.
    Bias: nonEmpty(compact({ [drift ? 'PostTrainingConstraints' : 'Report']: renderSource(ctx, f.biasReport) })),
    Explainability: nonEmpty(compact({ [drift ? 'Constraints' : 'Report']: renderSource(ctx, f.explainabilityReport) })),
  }));
}

/**
 * A step that registers a model version in a model registry (model package
 * group), pending manual approval by default.
 */
export class RegisterModelStep extends PipelineStep {
  private readonly props: RegisterModelStepProps;

  constructor(name: string, props: RegisterModelStepProps) {
    super(name, 'RegisterModel', props);
    this.props = props;
  }

  /** The ARN of the registered version. */
  public get modelPackageArn(): PipelineValue {
    return this.property('ModelPackageArn');
  }

  /** @internal */
  protected _cacheable(): boolean {
    return false;
  }

  /** @internal */
  protected _retryExceptions(): RetryExceptionType[] {
    return PipelineStep._serviceRetryExceptions();
  }

  /** @internal */
  protected _renderBody(ctx: RenderContext): any {
    const registry = this.props.registry ?? ctx.registry;
    if (!registry) {
      ctx.problem({
        prop: `steps[${this.stepName}].registry`,
        value: undefined,
        allowed: 'an IModelRegistry on the step or on the MlPipeline',
        fix: 'pass registry to the RegisterModelStep, or registry to the MlPipeline.',
      });
    } else if (!ctx.registries.includes(registry)) {
      ctx.registries.push(registry);
    }
    const p = this.props;
    const baseline = p.driftBaseline;
    const withBaseline = (files: ModelQualityFiles | undefined): ModelQualityFiles | undefined => baseline
      ? { ...files, modelDataQualityStatistics: files?.modelDataQualityStatistics ?? { s3Uri: baseline.baselineUri } }
      : files;
    if (baseline) {
      ctx.references.push({ from: this.stepName, to: baseline, what: 'driftBaseline' });
      const location = baseline._defaultLocation(ctx);
      if (registry && location) {
        recordBaselineSource({ pipeline: ctx.scope, registry, bucket: ctx.bucket, encryptionKey: ctx.key, ...location });
      }
    }
    return {
      Arguments: compact({
        ModelPackageGroupName: registry?.modelPackageGroupName ?? 'missing-registry',
        InferenceSpecification: {
          Containers: [{ Image: p.image._render(ctx), ModelDataUrl: p.modelDataUrl._render(ctx) }],
          SupportedContentTypes: p.contentTypes ?? ['text/csv'],
          SupportedResponseMIMETypes: p.responseTypes ?? ['text/csv'],
          SupportedRealtimeInferenceInstanceTypes: (p.inferenceInstanceTypes ?? [MlInstanceType.ML_M5_LARGE, MlInstanceType.ML_M5_XLARGE])
            .map((t) => t.name),
          SupportedTransformInstanceTypes: (p.transformInstanceTypes ?? [MlInstanceType.ML_M5_XLARGE]).map((t) => t.name),
        },
        ModelApprovalStatus: p.approvalStatus ?? ModelApprovalStatus.PENDING_MANUAL_APPROVAL,
        ModelMetrics: renderQualityFiles(ctx, withBaseline(p.modelMetrics), false),
        DriftCheckBaselines: renderQualityFiles(ctx, withBaseline(p.driftCheckBaselines), true),
        ModelPackageDescription: p.modelPackageDescription,
        // Validate the model package (the CreateModelPackage default, written as the SageMaker Python SDK writes it).
        SkipModelValidation: 'None',
      }),
    };
  }
}

/** Properties of a create-model step. */
export interface CreateModelStepProps extends CacheableStepProps {
  /** The inference image. */
  readonly image: SageMakerImage;
  /** S3 URI of the model artifact. */
  readonly modelDataUrl: PipelineValue;
  /**
   * Security settings (VPC, network isolation) of the model's containers.
   * @default - VPC of the pipeline's network, network isolation on
   */
  readonly security?: JobSecurityOptions;
}

/**
 * A step that creates a SageMaker model (for batch transform).
 */
export class CreateModelStep extends PipelineStep {
  private readonly props: CreateModelStepProps;

  constructor(name: string, props: CreateModelStepProps) {
    super(name, 'Model', props);
    this.props = props;
  }

  /** The name of the created model. */
  public get modelName(): PipelineValue {
    return this.property('ModelName');
  }

  /** @internal */
  protected _cacheable(): boolean {
    return false;
  }

  /** @internal */
  protected _retryExceptions(): RetryExceptionType[] {
    return PipelineStep._serviceRetryExceptions();
  }

  /** @internal */
  protected _renderBody(ctx: RenderContext): any {
    ctx.jobKinds.add(JobKind.MODEL);
    const security = resolveJobSecurity(ctx, this.props.security, true);
    return {
      Arguments: compact({
        // The model name prefix, so the role can be scoped to this pipeline's models.
        ModelName: ctx.jobName(this.stepName, JobKind.MODEL),
        ExecutionRoleArn: ctx.roleArn,
        PrimaryContainer: { Image: this.props.image._render(ctx), ModelDataUrl: this.props.modelDataUrl._render(ctx) },
        EnableNetworkIsolation: security.networkIsolation,
        VpcConfig: security.vpcConfig,
      }),
    };
  }
}

/** Properties of a transform step. */
export interface TransformStepProps extends CacheableStepProps {
  /** Name of the model, e.g. `createModelStep.modelName`. */
  readonly modelName: PipelineValue;
  /** S3 URI of the input data. */
  readonly inputUri: PipelineValue;
  /**
   * MIME type of the input.
   * @default 'text/csv'
   */
  readonly contentType?: string;
  /**
   * Where the output is written.
   * @default - s3://<artifact bucket>/<job prefix>/<execution id>/<step>/output
   */
  readonly outputUri?: PipelineValue;
  /**
   * Instance type.
   * @default - MlInstanceType.ML_M5_XLARGE, unless instanceTypeValue is set
   */
  readonly instanceType?: MlInstanceType;
  /**
   * Instance type set at run time, e.g. a pipeline parameter's `value`
   * (instead of `instanceType`).
   * @default - instanceType
   */
  readonly instanceTypeValue?: PipelineValue;
  /**
   * Instance count.
   * @default - 1, unless instanceCountValue is set
   */
  readonly instanceCount?: number;
  /**
   * Instance count set at run time, e.g. an integer parameter's `value`
   * (instead of `instanceCount`).
   * @default - instanceCount
   */
  readonly instanceCountValue?: PipelineValue;
  /**
   * Output and volume keys (VPC and isolation come from the model).
   * @default - the pipeline's key
   */
  readonly security?: JobSecurityOptions;
}

/**
 * A step that runs a batch transform job.
 */
export class TransformStep extends PipelineStep {
  private readonly props: TransformStepProps;

  constructor(name: string, props: TransformStepProps) {
    super(name, 'Transform', props);
    this.props = props;
  }

  /** The S3 URI of the output. */
  public get outputUri(): PipelineValue {
    return this.property('TransformOutput.S3OutputPath');
  }

  /** @internal */
  protected _renderBody(ctx: RenderContext): any {
    ctx.jobKinds.add(JobKind.TRANSFORM);
    const p = this.props;
    const instanceType = instanceTypeOf(ctx, p.instanceType, p.instanceTypeValue);
    const instanceCount = instanceCountOf(ctx, p.instanceCount, p.instanceCountValue);
    const security = resolveJobSecurity(ctx, { ...p.security, runInVpc: false }, false);
    return {
      Arguments: {
        TransformJobName: ctx.jobName(this.stepName, JobKind.TRANSFORM),
        ModelName: p.modelName._render(ctx),
        TransformInput: {
          ContentType: p.contentType ?? 'text/csv',
          DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: p.inputUri._render(ctx) } },
        },
        TransformOutput: {
          S3OutputPath: (p.outputUri ?? defaultOutputUri(ctx, this.stepName, 'output'))._render(ctx),
          KmsKeyId: security.outputKeyArn,
        },
        TransformResources: {
          InstanceType: instanceType._render(ctx),
          InstanceCount: instanceCount._render(ctx),
          VolumeKmsKeyId: security.volumeKeyArn,
        },
      },
    };
  }
}

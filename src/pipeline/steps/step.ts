import { Duration, Token } from 'aws-cdk-lib';
import { RenderContext } from '../render-context';
import { IStepReference, PipelineValue } from '../values';

/** Errors a step can be retried on (SageMaker Pipelines retry policy exception types). */
export enum RetryExceptionType {
  /** An internal error of the Pipelines service. */
  STEP_SERVICE_FAULT = 'Step.SERVICE_FAULT',
  /** The Pipelines service throttled a call. */
  STEP_THROTTLING = 'Step.THROTTLING',
  /** The SageMaker job failed with an internal error. */
  SAGEMAKER_JOB_INTERNAL_ERROR = 'SageMaker.JOB_INTERNAL_ERROR',
  /** Not enough capacity for the instance type. */
  SAGEMAKER_CAPACITY_ERROR = 'SageMaker.CAPACITY_ERROR',
  /** An account limit was hit. */
  SAGEMAKER_RESOURCE_LIMIT = 'SageMaker.RESOURCE_LIMIT',
  /**
   * An EMR limit was hit. Not accepted: EMR steps take no retry policy.
   * @deprecated no step of this library retries on it
   */
  EMR_RESOURCE_LIMIT = 'Emr.RESOURCE_LIMIT',
}

/** Exception types of the SageMaker Pipelines service itself. */
const STEP_EXCEPTIONS = [RetryExceptionType.STEP_SERVICE_FAULT, RetryExceptionType.STEP_THROTTLING];
/** Exception types of SageMaker jobs. */
const JOB_EXCEPTIONS = [
  RetryExceptionType.SAGEMAKER_JOB_INTERNAL_ERROR, RetryExceptionType.SAGEMAKER_CAPACITY_ERROR, RetryExceptionType.SAGEMAKER_RESOURCE_LIMIT,
];

/** Properties of a retry policy. */
export interface RetryPolicyProps {
  /** The error to retry on. */
  readonly exceptionType: RetryExceptionType;
  /**
   * Maximum attempts (1 to 20).
   * @default 5
   */
  readonly maxAttempts?: number;
  /**
   * Wait before the first retry.
   * @default Duration.seconds(1)
   */
  readonly interval?: Duration;
  /**
   * Multiplier of the wait between attempts.
   * @default 2
   */
  readonly backoffRate?: number;
  /**
   * Give up retrying after this long (mutually exclusive with `maxAttempts` in the service).
   * @default - bounded by maxAttempts
   */
  readonly expireAfter?: Duration;
}

/** A retry policy of a step. */
export class RetryPolicy {
  constructor(private readonly props: RetryPolicyProps) {}

  /** The exception type retried on. */
  public get exceptionType(): RetryExceptionType {
    return this.props.exceptionType;
  }

  /** @internal */
  public _render(ctx: RenderContext): any {
    const p = this.props;
    const attempts = p.maxAttempts;
    if (attempts !== undefined && !Token.isUnresolved(attempts) && (attempts < 1 || attempts > 20 || !Number.isInteger(attempts))) {
      ctx.problem({
        prop: `steps[${ctx.currentStep}].retryPolicies.maxAttempts`,
        value: attempts,
        allowed: 'an integer from 1 to 20',
        fix: 'set maxAttempts between 1 and 20, or use expireAfter.',
      });
    }
    return {
      // A list, as the SageMaker Python SDK writes it (the published schema says a string).
      ExceptionType: [p.exceptionType],
      IntervalSeconds: (p.interval ?? Duration.seconds(1)).toSeconds(),
      BackoffRate: p.backoffRate ?? 2,
      ...(p.expireAfter ? { ExpireAfterMin: p.expireAfter.toMinutes() } : { MaxAttempts: attempts ?? 5 }),
    };
  }
}

/** Properties every step has. */
export interface StepProps {
  /**
   * Name shown in Studio.
   * @default - the step name
   */
  readonly displayName?: string;
  /**
   * Description of the step.
   * @default - none
   */
  readonly description?: string;
  /**
   * Steps that must finish before this one, beyond those it references.
   * @default - only the steps whose properties this step uses
   */
  readonly dependsOn?: PipelineStep[];
}

/** Properties of steps that start SageMaker work and can be retried and cached. */
export interface CacheableStepProps extends StepProps {
  /**
   * Retry policies.
   * @default - no retries
   */
  readonly retryPolicies?: RetryPolicy[];
  /**
   * Reuse the result of a previous successful run with the same arguments for
   * this long. Off when absent.
   * @default - no caching
   */
  readonly cacheExpireAfter?: Duration;
}

/**
 * A step of a SageMaker pipeline.
 */
export abstract class PipelineStep implements IStepReference {
  /** @internal */
  protected static _serviceRetryExceptions(): RetryExceptionType[] {
    return [...STEP_EXCEPTIONS];
  }

  /** The step name, unique in the pipeline. */
  public readonly stepName: string;
  /** The SageMaker step type (`Processing`, `Training`, ...). */
  public readonly stepType: string;
  private readonly dependencies: PipelineStep[] = [];

  protected constructor(name: string, stepType: string, private readonly baseProps: CacheableStepProps) {
    this.stepName = name;
    this.stepType = stepType;
    this.dependencies.push(...(baseProps.dependsOn ?? []));
  }

  /** Make this step wait for others. */
  public addDependency(...steps: PipelineStep[]): void {
    this.dependencies.push(...steps);
  }

  /** The name shown in Studio, when set. */
  public get displayName(): string | undefined {
    return this.baseProps.displayName;
  }

  /** The steps this step waits for explicitly. */
  public get dependsOn(): PipelineStep[] {
    return [...this.dependencies];
  }

  /**
   * A property of this step for use in later steps, by its path in the
   * step's Describe* response (e.g. `ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri`).
   */
  public property(propertyPath: string): PipelineValue {
    return PipelineValue.fromStepProperty(this, propertyPath);
  }

  /**
   * Steps nested in this one (condition branches).
   * @internal
   */
  public _children(): PipelineStep[] {
    return [];
  }

  /** @internal */
  public _render(ctx: RenderContext): any {
    ctx.currentStep = this.stepName;
    const p = this.baseProps;
    const specific = this._renderBody(ctx);
    ctx.currentStep = this.stepName;
    for (const dep of this.dependencies) {
      ctx.references.push({ from: this.stepName, to: dep, what: 'dependsOn' });
    }
    return {
      Name: this.stepName,
      Type: this.stepType,
      ...(p.displayName ? { DisplayName: p.displayName } : {}),
      ...(p.description ? { Description: p.description } : {}),
      ...(this.dependencies.length > 0 ? { DependsOn: this.dependencies.map((d) => d.stepName) } : {}),
      ...specific,
      ...(p.retryPolicies && p.retryPolicies.length > 0 ? { RetryPolicies: this.renderRetries(ctx, p.retryPolicies) } : {}),
      ...(p.cacheExpireAfter ? { CacheConfig: this.renderCache(ctx, p.cacheExpireAfter) } : {}),
    };
  }

  private renderRetries(ctx: RenderContext, policies: RetryPolicy[]): any {
    const allowed = this._retryExceptions();
    for (const policy of policies) {
      if (!allowed.includes(policy.exceptionType)) {
        ctx.problem({
          prop: `steps[${this.stepName}].retryPolicies`,
          value: policy.exceptionType,
          allowed: allowed.length === 0
            ? `no retry policy: SageMaker Pipelines retries only processing, training, tuning, transform, create-model and register-model steps, not ${this.stepType} steps`
            : `one of ${allowed.join(', ')} for a ${this.stepType} step`,
          fix: allowed.length === 0 ? 'remove retryPolicies from the step.' : `retry on ${allowed.join(' or ')} only.`,
        });
      }
    }
    ctx.currentStep = this.stepName;
    return policies.map((r) => r._render(ctx));
  }

  private renderCache(ctx: RenderContext, expireAfter: Duration): any {
    if (!this._cacheable()) {
      ctx.problem({
        prop: `steps[${this.stepName}].cacheExpireAfter`,
        value: expireAfter.toIsoString(),
        allowed: `no caching for ${this.stepType} steps`,
        fix: 'remove cacheExpireAfter from the step.',
      });
    }
    return { Enabled: true, ExpireAfter: expireAfter.toIsoString() };
  }

  /**
   * Whether the step type takes a CacheConfig.
   * @internal
   */
  protected _cacheable(): boolean {
    return true;
  }

  /**
   * The exception types the step can be retried on (SageMaker Developer Guide,
   * "Retry Policy for Pipeline Steps"): job steps retry on service and job
   * errors, create-model and register-model steps on service errors only
   * (they start no job; the SageMaker Python SDK refuses a job retry policy
   * on them), other steps not at all.
   * @internal
   */
  protected _retryExceptions(): RetryExceptionType[] {
    return [...STEP_EXCEPTIONS, ...JOB_EXCEPTIONS];
  }

  /**
   * The type-specific fields (Arguments and others).
   * @internal
   */
  protected abstract _renderBody(ctx: RenderContext): any;
}


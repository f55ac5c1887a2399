import { RenderContext } from '../render-context';
import { PipelineValue } from '../values';
import { ProcessingJobProps } from './processing';
import { renderProcessingArgs } from './processing-args';
import { compact, pickValue } from './render-util';
import { PipelineStep, RetryExceptionType } from './step';

/** What a quality check step checks. */
export enum QualityCheckType {
  /** Statistics and constraints of the data. */
  DATA_QUALITY = 'DATA_QUALITY',
  /** Quality of the model's predictions against ground truth. */
  MODEL_QUALITY = 'MODEL_QUALITY',
}

/** What a clarify check step checks. */
export enum ClarifyCheckType {
  /** Bias in the data. */
  DATA_BIAS = 'DATA_BIAS',
  /** Bias in the model's predictions. */
  MODEL_BIAS = 'MODEL_BIAS',
  /** Feature attributions (SHAP). */
  MODEL_EXPLAINABILITY = 'MODEL_EXPLAINABILITY',
}

/** Baseline settings shared by check steps. */
export interface CheckStepProps extends ProcessingJobProps {
  /**
   * Skip the comparison against the previous baseline (first run).
   * @default false
   */
  readonly skipCheck?: boolean;
  /**
   * Whether to skip the comparison, set at run time (e.g. a boolean
   * parameter's `value`, instead of `skipCheck`).
   * @default - skipCheck
   */
  readonly skipCheckValue?: PipelineValue;
  /**
   * Make the newly calculated baseline the one registered with the model.
   * @default false
   */
  readonly registerNewBaseline?: boolean;
  /**
   * Whether to register the new baseline, set at run time (e.g. a boolean
   * parameter's `value`, instead of `registerNewBaseline`).
   * @default - registerNewBaseline
   */
  readonly registerNewBaselineValue?: PipelineValue;
  /**
   * Fail the step (and the execution) when the check finds a violation.
   * @default true
   */
  readonly failOnViolation?: boolean;
  /**
   * Baseline constraints to compare against instead of the latest approved version's.
   * @default - the baseline of the latest approved version of the registry's group
   */
  readonly suppliedBaselineConstraints?: PipelineValue;
  /**
   * Model package group whose latest approved version provides the baseline.
   * @default - none
   */
  readonly modelPackageGroupName?: string;
}

/** Properties of a quality check step. */
export interface QualityCheckStepProps extends CheckStepProps {
  /** Data or model quality. */
  readonly checkType: QualityCheckType;
  /**
   * Baseline statistics to compare against.
   * @default - the baseline of the latest approved version
   */
  readonly suppliedBaselineStatistics?: PipelineValue;
}

function flag(value: boolean | undefined): PipelineValue | undefined {
  return value === undefined ? undefined : PipelineValue.ofBoolean(value);
}

function checkFields(ctx: RenderContext, p: CheckStepProps): any {
  return compact({
    SkipCheck: (pickValue(ctx, 'skipCheck', flag(p.skipCheck), p.skipCheckValue) ?? PipelineValue.ofBoolean(false))._render(ctx),
    FailOnViolation: p.failOnViolation ?? true,
    RegisterNewBaseline: (pickValue(ctx, 'registerNewBaseline', flag(p.registerNewBaseline), p.registerNewBaselineValue) ?? PipelineValue.ofBoolean(false))._render(ctx),
    SuppliedBaselineConstraints: p.suppliedBaselineConstraints?._render(ctx),
    ModelPackageGroupName: p.modelPackageGroupName,
  });
}

/**
 * A step that calculates data or model quality baselines (statistics and
 * constraints) and checks new data against the previous baseline: the
 * baselines the drift monitor uses later.
 */
export class QualityCheckStep extends PipelineStep {
  private readonly props: QualityCheckStepProps;

  constructor(name: string, props: QualityCheckStepProps) {
    super(name, 'QualityCheck', props);
    this.props = props;
  }

  /** S3 URI of the statistics calculated by this run. */
  public get calculatedBaselineStatistics(): PipelineValue {
    return this.property('CalculatedBaselineStatistics');
  }

  /** S3 URI of the constraints calculated by this run. */
  public get calculatedBaselineConstraints(): PipelineValue {
    return this.property('CalculatedBaselineConstraints');
  }

  /** S3 URI of the statistics to register as drift-check baseline. */
  public get baselineUsedForDriftCheckStatistics(): PipelineValue {
    return this.property('BaselineUsedForDriftCheckStatistics');
  }

  /** S3 URI of the constraints to register as drift-check baseline. */
  public get baselineUsedForDriftCheckConstraints(): PipelineValue {
    return this.property('BaselineUsedForDriftCheckConstraints');
  }

  /** @internal */
  protected _retryExceptions(): RetryExceptionType[] {
    return [];
  }

  /** @internal */
  protected _renderBody(ctx: RenderContext): any {
    return {
      CheckType: this.props.checkType,
      ...checkFields(ctx, this.props),
      ...(this.props.suppliedBaselineStatistics ? { SuppliedBaselineStatistics: this.props.suppliedBaselineStatistics._render(ctx) } : {}),
      Arguments: renderProcessingArgs(ctx, this.stepName, this.props),
    };
  }
}

/** Properties of a clarify check step. */
export interface ClarifyCheckStepProps extends CheckStepProps {
  /** Data bias, model bias or explainability. */
  readonly checkType: ClarifyCheckType;
  /**
   * Name of the model the check invokes (model bias and explainability).
   * @default - none
   */
  readonly modelName?: PipelineValue;
}

/**
 * A step that runs SageMaker Clarify for bias or explainability baselines.
 */
export class ClarifyCheckStep extends PipelineStep {
  private readonly props: ClarifyCheckStepProps;

  constructor(name: string, props: ClarifyCheckStepProps) {
    super(name, 'ClarifyCheck', props);
    this.props = props;
  }

  /** S3 URI of the constraints calculated by this run. */
  public get calculatedBaselineConstraints(): PipelineValue {
    return this.property('CalculatedBaselineConstraints');
  }

  /** S3 URI of the constraints to register as drift-check baseline. */
  public get baselineUsedForDriftCheckConstraints(): PipelineValue {
    return this.property('BaselineUsedForDriftCheckConstraints');
  }

  /** @internal */
  protected _retryExceptions(): RetryExceptionType[] {
    return [];
  }

  /** @internal */
  protected _renderBody(ctx: RenderContext): any {
    return {
      CheckType: this.props.checkType,
      ...checkFields(ctx, this.props),
      ...(this.props.modelName ? { ModelName: this.props.modelName._render(ctx) } : {}),
      Arguments: renderProcessingArgs(ctx, this.stepName, this.props),
    };
  }
}

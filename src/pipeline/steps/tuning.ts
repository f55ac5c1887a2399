import { JobKind, RenderContext } from '../render-context';
import { PipelineValue } from '../values';
import { compact } from './render-util';
import { CacheableStepProps, PipelineStep } from './step';
import { TrainingJobProps } from './training';
import { renderTrainingJob } from './training-job';

/** Direction of a tuning objective. */
export enum TuningObjectiveType {
  /** Smaller is better (e.g. validation:rmse). */
  MINIMIZE = 'Minimize',
  /** Larger is better (e.g. validation:auc). */
  MAXIMIZE = 'Maximize',
}

/** Search strategy of a tuning job. */
export enum TuningStrategy {
  /** Bayesian optimisation. */
  BAYESIAN = 'Bayesian',
  /** Random search. */
  RANDOM = 'Random',
}

/** Scaling of a numeric hyperparameter range. */
export enum RangeScaling {
  /** Chosen by SageMaker. */
  AUTO = 'Auto',
  /** Linear. */
  LINEAR = 'Linear',
  /** Logarithmic. */
  LOGARITHMIC = 'Logarithmic',
}

/** A hyperparameter range to search. */
export class HyperparameterRange {
  /** Integers from `min` to `max`. */
  public static integer(name: string, min: number, max: number, scaling: RangeScaling = RangeScaling.AUTO): HyperparameterRange {
    return new HyperparameterRange('IntegerParameterRanges', { Name: name, MinValue: String(min), MaxValue: String(max), ScalingType: scaling });
  }

  /** Real numbers from `min` to `max`. */
  public static continuous(name: string, min: number, max: number, scaling: RangeScaling = RangeScaling.AUTO): HyperparameterRange {
    return new HyperparameterRange('ContinuousParameterRanges', { Name: name, MinValue: String(min), MaxValue: String(max), ScalingType: scaling });
  }

  /** One of the given values. */
  public static categorical(name: string, values: string[]): HyperparameterRange {
    return new HyperparameterRange('CategoricalParameterRanges', { Name: name, Values: values });
  }

  private constructor(private readonly kind: string, private readonly body: any) {}

  /** @internal */
  public _kind(): string {
    return this.kind;
  }

  /** @internal */
  public _render(): any {
    return this.body;
  }
}

/** Properties of a tuning step. */
export interface TuningStepProps extends CacheableStepProps, TrainingJobProps {
  /** The metric to optimise (one of `metricDefinitions` or an algorithm metric such as `validation:rmse`). */
  readonly objectiveMetricName: string;
  /**
   * Direction of the objective.
   * @default TuningObjectiveType.MINIMIZE
   */
  readonly objectiveType?: TuningObjectiveType;
  /** The hyperparameter ranges to search. */
  readonly ranges: HyperparameterRange[];
  /**
   * Fixed hyperparameters (the `hyperparameters` prop is ignored for tuning).
   * @default - none
   */
  readonly staticHyperparameters?: { [name: string]: string };
  /**
   * Maximum number of training jobs.
   * @default 10
   */
  readonly maxJobs?: number;
  /**
   * Maximum number of parallel training jobs.
   * @default 2
   */
  readonly maxParallelJobs?: number;
  /**
   * Search strategy.
   * @default TuningStrategy.BAYESIAN
   */
  readonly strategy?: TuningStrategy;
}

/**
 * A step that runs a hyperparameter tuning job.
 */
export class TuningStep extends PipelineStep {
  private readonly props: TuningStepProps;

  constructor(name: string, props: TuningStepProps) {
    super(name, 'Tuning', props);
    this.props = props;
  }

  /** The name of the best training job (`BestTrainingJob.TrainingJobName`). */
  public bestTrainingJobName(): PipelineValue {
    return this.property('BestTrainingJob.TrainingJobName');
  }

  /** @internal */
  protected _renderBody(ctx: RenderContext): any {
    ctx.jobKinds.add(JobKind.TUNING);
    ctx.jobKinds.add(JobKind.TRAINING);
    const p = this.props;
    const maxJobs = p.maxJobs ?? 10;
    const maxParallel = p.maxParallelJobs ?? 2;
    if (maxParallel > maxJobs) {
      ctx.problem({
        prop: `steps[${this.stepName}].maxParallelJobs`,
        value: maxParallel,
        allowed: `at most maxJobs (${maxJobs})`,
        fix: 'lower maxParallelJobs or raise maxJobs.',
      });
    }
    if (p.ranges.length === 0) {
      ctx.problem({ prop: `steps[${this.stepName}].ranges`, value: [], allowed: 'at least one hyperparameter range', fix: 'pass ranges, e.g. HyperparameterRange.continuous("eta", 0.1, 0.5).' });
    }
    const ranges: any = {};
    for (const r of p.ranges) {
      (ranges[r._kind()] = ranges[r._kind()] ?? []).push(r._render());
    }
    const job = renderTrainingJob(ctx, this.stepName, p, true);
    return {
      Arguments: {
        // SageMaker Pipelines accepts at most 6 characters as the prefix of a tuning job name.
        HyperParameterTuningJobName: ctx.jobName(this.stepName, JobKind.TUNING),
        HyperParameterTuningJobConfig: {
          Strategy: p.strategy ?? TuningStrategy.BAYESIAN,
          TrainingJobEarlyStoppingType: 'Off',
          HyperParameterTuningJobObjective: { Type: p.objectiveType ?? TuningObjectiveType.MINIMIZE, MetricName: p.objectiveMetricName },
          ResourceLimits: { MaxNumberOfTrainingJobs: maxJobs, MaxParallelTrainingJobs: maxParallel },
          ParameterRanges: ranges,
        },
        TrainingJobDefinition: compact({
          ...job,
          AlgorithmSpecification: compact({
            ...job.AlgorithmSpecification,
            MetricDefinitions: p.metricDefinitions && p.metricDefinitions.length > 0
              ? p.metricDefinitions.map((m) => ({ Name: m.name, Regex: m.regex })) : undefined,
          }),
          StaticHyperParameters: p.staticHyperparameters,
        }),
      },
    };
  }
}

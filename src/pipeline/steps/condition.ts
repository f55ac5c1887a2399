import { RenderContext } from '../render-context';
import { PipelineValue } from '../values';
import { compact, pickValue } from './render-util';
import { PipelineStep, StepProps } from './step';

enum ConditionKind {
  EQUALS = 'Equals',
  NOT_EQUALS = 'NotEquals',
  GREATER_THAN = 'GreaterThan',
  GREATER_THAN_OR_EQUAL_TO = 'GreaterThanOrEqualTo',
  LESS_THAN = 'LessThan',
  LESS_THAN_OR_EQUAL_TO = 'LessThanOrEqualTo',
  IN = 'In',
  NOT = 'Not',
  OR = 'Or',
}

/**
 * A condition of a condition step.
 */
export class Condition {
  /** `left == right` (`Equals`). */
  public static equalTo(left: PipelineValue, right: PipelineValue): Condition {
    return new Condition(ConditionKind.EQUALS, [left, right]);
  }

  /**
   * `left != right`, written `Not(Equals)`: the SageMaker Python SDK (2.x and
   * 3.x) has no `NotEquals` condition, so this is the form the service is
   * known to accept from it.
   */
  public static notEqualTo(left: PipelineValue, right: PipelineValue): Condition {
    return new Condition(ConditionKind.NOT_EQUALS, [left, right]);
  }

  /** `left > right`. */
  public static greaterThan(left: PipelineValue, right: PipelineValue): Condition {
    return new Condition(ConditionKind.GREATER_THAN, [left, right]);
  }

  /** `left >= right`. */
  public static greaterThanOrEqualTo(left: PipelineValue, right: PipelineValue): Condition {
    return new Condition(ConditionKind.GREATER_THAN_OR_EQUAL_TO, [left, right]);
  }

  /** `left < right`. */
  public static lessThan(left: PipelineValue, right: PipelineValue): Condition {
    return new Condition(ConditionKind.LESS_THAN, [left, right]);
  }

  /** `left <= right`. */
  public static lessThanOrEqualTo(left: PipelineValue, right: PipelineValue): Condition {
    return new Condition(ConditionKind.LESS_THAN_OR_EQUAL_TO, [left, right]);
  }

  /** `value` is one of `values` (`In`). */
  public static isIn(value: PipelineValue, values: PipelineValue[]): Condition {
    return new Condition(ConditionKind.IN, [value, ...values]);
  }

  /** The negation of a condition (`Not`). */
  public static negate(condition: Condition): Condition {
    return new Condition(ConditionKind.NOT, [], [condition]);
  }

  /** True when any of the conditions is (`Or`). */
  public static anyOf(...conditions: Condition[]): Condition {
    return new Condition(ConditionKind.OR, [], conditions);
  }

  private constructor(
    private readonly kind: ConditionKind,
    private readonly values: PipelineValue[],
    private readonly nested: Condition[] = [],
  ) {}

  /** @internal */
  public _render(ctx: RenderContext): any {
    switch (this.kind) {
      case ConditionKind.IN:
        // The service's form (as the SageMaker Python SDK writes it), not the schema's Value/In.
        return { Type: 'In', QueryValue: this.values[0]._render(ctx), Values: this.values.slice(1).map((v) => v._render(ctx)) };
      case ConditionKind.NOT:
        // `Condition`, as both SDK majors write it; the service rejects `Expression`
        // ("unknown property 'Expression'", aws/sagemaker-python-sdk#2746).
        return { Type: 'Not', Condition: this.nested[0]._render(ctx) };
      case ConditionKind.NOT_EQUALS:
        return { Type: 'Not', Condition: { Type: 'Equals', LeftValue: this.values[0]._render(ctx), RightValue: this.values[1]._render(ctx) } };
      case ConditionKind.OR:
        if (this.nested.length === 0) {
          ctx.problem({ prop: `steps[${ctx.currentStep}].conditions`, value: 'Or()', allowed: 'Or of at least one condition', fix: 'pass conditions to Condition.anyOf().' });
        }
        return { Type: 'Or', Conditions: this.nested.map((c) => c._render(ctx)) };
      default:
        return { Type: this.kind, LeftValue: this.values[0]._render(ctx), RightValue: this.values[1]._render(ctx) };
    }
  }
}

/** Properties of a condition step. */
export interface ConditionStepProps extends StepProps {
  /** Conditions; the step takes the `if` branch when all are true. */
  readonly conditions: Condition[];
  /**
   * Steps run when the conditions hold.
   * @default - none
   */
  readonly ifSteps?: PipelineStep[];
  /**
   * Steps run otherwise.
   * @default - none
   */
  readonly elseSteps?: PipelineStep[];
}

/**
 * A step that branches on conditions.
 */
export class ConditionStep extends PipelineStep {
  private readonly props: ConditionStepProps;

  constructor(name: string, props: ConditionStepProps) {
    super(name, 'Condition', props);
    this.props = props;
  }

  /** The outcome of the evaluation (`Outcome`, `True` or `False`). */
  public get outcome(): PipelineValue {
    return this.property('Outcome');
  }

  /** @internal */
  public _children(): PipelineStep[] {
    return [...(this.props.ifSteps ?? []), ...(this.props.elseSteps ?? [])];
  }

  /** @internal */
  protected _cacheable(): boolean {
    return false;
  }

  /** @internal */
  protected _renderBody(ctx: RenderContext): any {
    if (this.props.conditions.length === 0) {
      ctx.problem({
        prop: `steps[${this.stepName}].conditions`,
        value: [],
        allowed: 'at least one condition',
        fix: 'pass a Condition, e.g. Condition.lessThanOrEqualTo(mse, PipelineValue.ofNumber(6)).',
      });
    }
    const conditions = this.props.conditions.map((c) => JSON.parse(JSON.stringify(c._render(ctx))));
    const ifSteps = (this.props.ifSteps ?? []).map((s) => s._render(ctx));
    const elseSteps = (this.props.elseSteps ?? []).map((s) => s._render(ctx));
    ctx.currentStep = this.stepName;
    return {
      Arguments: compact({
        Conditions: conditions,
        IfSteps: ifSteps,
        ElseSteps: elseSteps,
      }),
    };
  }
}

/** Properties of a fail step. */
export interface FailStepProps extends StepProps {
  /**
   * The error message of the failed execution.
   * @default - an empty message
   */
  readonly errorMessage?: string;
  /**
   * The error message built at run time, e.g. `PipelineValue.join([...])`
   * of step properties and parameters (instead of `errorMessage`).
   * @default - errorMessage
   */
  readonly errorMessageValue?: PipelineValue;
}

/**
 * A step that stops the execution and marks it failed.
 */
export class FailStep extends PipelineStep {
  private readonly props: FailStepProps;

  constructor(name: string, props: FailStepProps = {}) {
    super(name, 'Fail', props);
    this.props = props;
  }

  /** @internal */
  protected _cacheable(): boolean {
    return false;
  }

  /** @internal */
  protected _renderBody(ctx: RenderContext): any {
    const literal = this.props.errorMessage === undefined ? undefined : PipelineValue.of(this.props.errorMessage);
    const message = pickValue(ctx, 'errorMessage', literal, this.props.errorMessageValue) ?? PipelineValue.of('');
    return { Arguments: { ErrorMessage: message._render(ctx) } };
  }
}

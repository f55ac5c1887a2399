import { Token } from 'aws-cdk-lib';
import { RenderContext } from './render-context';

/** What a value renders to. */
enum ValueKind {
  STRING = 'String',
  NUMBER = 'Number',
  BOOLEAN = 'Boolean',
  PARAMETER = 'Parameter',
  EXECUTION = 'Execution',
  STEP_PROPERTY = 'StepProperty',
  JSON_GET = 'JsonGet',
  JOIN = 'Join',
}

/** Options of `PipelineValue.jsonGet`. */
export interface JsonGetOptions {
  /**
   * The step that writes the property file (a processing step that lists it
   * in `propertyFiles`).
   */
  readonly step: IPropertyFileOwner;
  /** The property file. */
  readonly propertyFile: PropertyFile;
  /** JSON path inside the file, e.g. `regression_metrics.mse.value`. */
  readonly jsonPath: string;
}

/**
 * A step that can be referred to by name: the unit of `PipelineValue.fromStepProperty`.
 */
export interface IStepReference {
  /** The step name, unique in the definition. */
  readonly stepName: string;
}

/** A step that declares property files. */
export interface IPropertyFileOwner extends IStepReference {
  /** Whether the step declares the property file. */
  hasPropertyFile(propertyFile: PropertyFile): boolean;
}

/** Properties of a property file. */
export interface PropertyFileProps {
  /** Name of the property file, referenced by `JsonGet`. */
  readonly name: string;
  /** The processing output the file is written to. */
  readonly outputName: string;
  /** Path of the file inside that output, e.g. `evaluation.json`. */
  readonly path: string;
}

/**
 * A JSON file a processing step writes to one of its outputs, whose values
 * later steps read with `PipelineValue.jsonGet` (SageMaker `PropertyFile`).
 */
export class PropertyFile {
  /** Name of the property file. */
  public readonly name: string;
  /** The output the file is in. */
  public readonly outputName: string;
  /** Path of the file inside the output. */
  public readonly path: string;

  constructor(props: PropertyFileProps) {
    this.name = props.name;
    this.outputName = props.outputName;
    this.path = props.path;
  }

  /** @internal */
  public _render(): any {
    return { PropertyFileName: this.name, OutputName: this.outputName, FilePath: this.path };
  }
}

/**
 * A value in a pipeline definition: a literal (string, number, boolean, CDK
 * tokens allowed) or a reference SageMaker resolves at run time (a pipeline
 * parameter, an execution variable, a property of another step, a value read
 * from a property file, or a join of values).
 *
 * Every field of a typed step that SageMaker accepts as a run-time value
 * takes a `PipelineValue`, including instance type and count.
 */
export class PipelineValue {
  /** A string literal (may contain CDK tokens, resolved by CloudFormation). */
  public static of(value: string): PipelineValue {
    return new PipelineValue(ValueKind.STRING, value);
  }

  /** A number literal. */
  public static ofNumber(value: number): PipelineValue {
    return new PipelineValue(ValueKind.NUMBER, value);
  }

  /** A boolean literal. */
  public static ofBoolean(value: boolean): PipelineValue {
    return new PipelineValue(ValueKind.BOOLEAN, value);
  }

  /** The value of a pipeline parameter at run time. */
  public static fromParameter(parameter: PipelineParameter): PipelineValue {
    return new PipelineValue(ValueKind.PARAMETER, parameter);
  }

  /**
   * A property of another step, by its path in the step's Describe* response,
   * e.g. `ModelArtifacts.S3ModelArtifacts` of a training step. Referencing a
   * step makes this step wait for it.
   */
  public static fromStepProperty(step: IStepReference, propertyPath: string): PipelineValue {
    return new PipelineValue(ValueKind.STEP_PROPERTY, { step, path: propertyPath });
  }

  /** A value read from a property file of a processing step (`Std:JsonGet`). */
  public static jsonGet(options: JsonGetOptions): PipelineValue {
    return new PipelineValue(ValueKind.JSON_GET, options);
  }

  /** Values joined into one string at run time (`Std:Join`). */
  public static join(values: PipelineValue[], separator: string = ''): PipelineValue {
    return new PipelineValue(ValueKind.JOIN, { values, separator });
  }

  /** @internal */
  public static _execution(name: string): PipelineValue {
    return new PipelineValue(ValueKind.EXECUTION, name);
  }

  private constructor(private readonly kind: ValueKind, private readonly data: any) {}

  /** True when the value is a literal known at synth (not a token, not a run-time reference). */
  public get isLiteral(): boolean {
    if (this.kind === ValueKind.STRING || this.kind === ValueKind.NUMBER) {
      return !Token.isUnresolved(this.data);
    }
    return this.kind === ValueKind.BOOLEAN;
  }

  /** The literal string, when this is a string literal. */
  public get literalString(): string | undefined {
    return this.kind === ValueKind.STRING ? this.data : undefined;
  }

  /** The literal number, when this is a number literal. */
  public get literalNumber(): number | undefined {
    return this.kind === ValueKind.NUMBER ? this.data : undefined;
  }

  /** A readable form for error messages and debugging. */
  public toString(): string {
    switch (this.kind) {
      case ValueKind.PARAMETER: return `Parameters.${this.data.name}`;
      case ValueKind.EXECUTION: return `Execution.${this.data}`;
      case ValueKind.STEP_PROPERTY: return `Steps.${this.data.step.stepName}.${this.data.path}`;
      case ValueKind.JSON_GET: return `JsonGet(${this.data.step.stepName}.${this.data.propertyFile.name}, ${this.data.jsonPath})`;
      case ValueKind.JOIN: return `Join(${this.data.values.map((v: PipelineValue) => v.toString()).join(', ')})`;
      default: return String(this.data);
    }
  }

  /**
   * Render into the definition's JSON. Records references to steps and
   * parameters in the context so the definition can validate them.
   * @internal
   */
  public _render(ctx: RenderContext): any {
    switch (this.kind) {
      case ValueKind.STRING:
      case ValueKind.NUMBER:
      case ValueKind.BOOLEAN:
        return this.data;
      case ValueKind.PARAMETER:
        ctx.parameterReferences.push({ from: ctx.currentStep, parameter: this.data });
        return { Get: `Parameters.${this.data.name}` };
      case ValueKind.EXECUTION:
        return { Get: `Execution.${this.data}` };
      case ValueKind.STEP_PROPERTY:
        ctx.references.push({ from: ctx.currentStep, to: this.data.step, what: `property ${this.data.path}` });
        return { Get: `Steps.${this.data.step.stepName}.${this.data.path}` };
      case ValueKind.JSON_GET: {
        const o = this.data as JsonGetOptions;
        ctx.references.push({ from: ctx.currentStep, to: o.step, what: `property file ${o.propertyFile.name}` });
        if (!o.step.hasPropertyFile(o.propertyFile)) {
          ctx.problem({
            prop: `steps[${ctx.currentStep}] JsonGet`,
            value: o.propertyFile.name,
            allowed: `a property file declared in propertyFiles of step '${o.step.stepName}'`,
            fix: `add the PropertyFile to the propertyFiles of step '${o.step.stepName}'.`,
          });
        }
        return {
          'Std:JsonGet': {
            PropertyFile: { Get: `Steps.${o.step.stepName}.PropertyFiles.${o.propertyFile.name}` },
            Path: o.jsonPath,
          },
        };
      }
      case ValueKind.JOIN:
        return {
          'Std:Join': {
            On: this.data.separator,
            Values: (this.data.values as PipelineValue[]).map((v) => v._render(ctx)),
          },
        };
    }
  }
}

/**
 * The variables SageMaker sets for every execution.
 */
export class ExecutionVariable {
  /** The execution id (unique per run). */
  public static readonly PIPELINE_EXECUTION_ID = PipelineValue._execution('PipelineExecutionId');
  /** The execution ARN. */
  public static readonly PIPELINE_EXECUTION_ARN = PipelineValue._execution('PipelineExecutionArn');
  /** The pipeline name. */
  public static readonly PIPELINE_NAME = PipelineValue._execution('PipelineName');
  /** The pipeline ARN. */
  public static readonly PIPELINE_ARN = PipelineValue._execution('PipelineArn');
  /** When the execution started. */
  public static readonly START_DATE_TIME = PipelineValue._execution('StartDateTime');
  /** The current time, when the value is read. */
  public static readonly CURRENT_DATE_TIME = PipelineValue._execution('CurrentDateTime');

  private constructor() {}
}

/** The type of a pipeline parameter. */
export enum ParameterType {
  /** A string. */
  STRING = 'String',
  /** An integer. */
  INTEGER = 'Integer',
  /** A floating-point number. */
  FLOAT = 'Float',
  /** A boolean. */
  BOOLEAN = 'Boolean',
}

/** Options of a string parameter. */
export interface StringParameterOptions {
  /** @default - no default: every execution must pass a value */
  readonly defaultValue?: string;
  /** @default - none */
  readonly description?: string;
}

/** Options of a number parameter. */
export interface NumberParameterOptions {
  /** @default - no default: every execution must pass a value */
  readonly defaultValue?: number;
  /** @default - none */
  readonly description?: string;
}

/** Options of a boolean parameter. */
export interface BooleanParameterOptions {
  /** @default - no default: every execution must pass a value */
  readonly defaultValue?: boolean;
  /** @default - none */
  readonly description?: string;
}

/**
 * A parameter of the pipeline: set per execution (by `StartPipelineExecution`,
 * a schedule, or its default).
 */
export class PipelineParameter {
  /** A string parameter. */
  public static string(name: string, options: StringParameterOptions = {}): PipelineParameter {
    return new PipelineParameter(name, ParameterType.STRING, options.defaultValue, options.description);
  }

  /** An integer parameter. */
  public static integer(name: string, options: NumberParameterOptions = {}): PipelineParameter {
    return new PipelineParameter(name, ParameterType.INTEGER, options.defaultValue, options.description);
  }

  /** A floating-point parameter. */
  public static float(name: string, options: NumberParameterOptions = {}): PipelineParameter {
    return new PipelineParameter(name, ParameterType.FLOAT, options.defaultValue, options.description);
  }

  /** A boolean parameter. */
  public static boolean(name: string, options: BooleanParameterOptions = {}): PipelineParameter {
    return new PipelineParameter(name, ParameterType.BOOLEAN, options.defaultValue, options.description);
  }

  private constructor(
    /** The parameter name. */
    public readonly name: string,
    /** The parameter type. */
    public readonly parameterType: ParameterType,
    private readonly defaultValue?: any,
    private readonly description?: string,
  ) {}

  /** The parameter's run-time value, for use in step fields. */
  public get value(): PipelineValue {
    return PipelineValue.fromParameter(this);
  }

  /** The default value rendered for messages, or undefined. */
  public get defaultAsString(): string | undefined {
    return this.defaultValue === undefined ? undefined : String(this.defaultValue);
  }

  /** @internal */
  public _render(): any {
    return {
      Name: this.name,
      Type: this.parameterType,
      ...(this.defaultValue !== undefined ? { DefaultValue: this.defaultValue } : {}),
      ...(this.description !== undefined ? { Description: this.description } : {}),
    };
  }

  /**
   * True when `other` declares the same parameter: same name, type, default
   * and description (the same object, or an equal one).
   * @internal
   */
  public _sameAs(other: PipelineParameter): boolean {
    return other === this || JSON.stringify(other._render()) === JSON.stringify(this._render());
  }

  /** @internal */
  public _defaultMatchesType(): boolean {
    const d = this.defaultValue;
    if (d === undefined || Token.isUnresolved(d)) {
      return true;
    }
    switch (this.parameterType) {
      case ParameterType.STRING: return typeof d === 'string';
      case ParameterType.INTEGER: return typeof d === 'number' && Number.isInteger(d);
      case ParameterType.FLOAT: return typeof d === 'number';
      case ParameterType.BOOLEAN: return typeof d === 'boolean';
    }
  }
}

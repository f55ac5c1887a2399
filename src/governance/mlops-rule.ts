import { getPath, isPresent, isUnknown, tagValue as readTag } from './private/template';

/**
 * How a finding is reported. aws-cdk-lib fails `cdk synth` on `ERROR`
 * findings (unless `@aws-cdk/core:failSynthOnValidationErrors` is false) and
 * only lists `WARNING` findings.
 */
export enum MlopsRuleSeverity {
  /** The template must not be deployed as it is. */
  ERROR = 'error',
  /** Worth a look; does not fail synth. */
  WARNING = 'warning',
}

/**
 * One problem a rule found in one resource.
 */
export interface RuleFinding {
  /** What is wrong, naming the setting and the value found. */
  readonly message: string;
  /**
   * Where in the resource, as a template path (e.g. `Properties/KmsKeyId`).
   * @default 'Properties'
   */
  readonly location?: string;
  /**
   * Severity of this finding.
   * @default - the rule's severity
   */
  readonly severity?: MlopsRuleSeverity;
}

/**
 * A CloudFormation resource of a synthesized template, as a rule sees it.
 *
 * Property paths are dotted, with list indices as numbers:
 * `ProductionVariants.0.InstanceType`. A value only known at deploy time
 * (Ref, GetAtt, ...) is "unresolved": `hasProperty` is true for it and the
 * typed accessors return undefined.
 */
export class TemplateResource {
  /** @internal */
  public static _of(logicalId: string, resource: any, template: any, templatePath: string): TemplateResource {
    return new TemplateResource(logicalId, resource, template, templatePath);
  }

  /** The logical id in the template. */
  public readonly logicalId: string;
  /** The CloudFormation type, e.g. `AWS::SageMaker::Domain`. */
  public readonly type: string;
  /** Absolute path of the template file. */
  public readonly templatePath: string;
  /**
   * The construct path from the template's `aws:cdk:path` metadata.
   * @default - the template has no path metadata
   */
  public readonly constructPath?: string;

  /** @internal */
  public readonly _resource: any;
  /** @internal */
  public readonly _template: any;

  private constructor(logicalId: string, resource: any, template: any, templatePath: string) {
    this.logicalId = logicalId;
    this.type = resource?.Type ?? '';
    this.templatePath = templatePath;
    this._resource = resource ?? {};
    this._template = template ?? {};
    const path = resource?.Metadata?.['aws:cdk:path'];
    this.constructPath = typeof path === 'string' ? path : undefined;
  }

  /** @internal the Properties object (never undefined). */
  public get _properties(): any {
    return this._resource.Properties ?? {};
  }

  /** True when the property is set (to a value, or to a value known only at deploy time). */
  public hasProperty(path: string): boolean {
    return isPresent(getPath(this._properties, path));
  }

  /** True when the property is set to a value only known at deploy time (Ref, GetAtt, ...). */
  public isUnresolved(path: string): boolean {
    return isUnknown(getPath(this._properties, path));
  }

  /** The property as a string, when it is a literal string. */
  public stringProperty(path: string): string | undefined {
    const v = getPath(this._properties, path);
    return typeof v === 'string' && !isUnknown(v) ? v : undefined;
  }

  /** The property as a number, when it is a literal number (or a numeric string). */
  public numberProperty(path: string): number | undefined {
    const v = getPath(this._properties, path);
    if (typeof v === 'number') {
      return v;
    }
    return typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : undefined;
  }

  /** The property as a boolean, when it is a literal boolean (or `'true'`/`'false'`). */
  public booleanProperty(path: string): boolean | undefined {
    const v = getPath(this._properties, path);
    if (typeof v === 'boolean') {
      return v;
    }
    if (v === 'true' || v === 'false') {
      return v === 'true';
    }
    return undefined;
  }

  /** The number of elements of a list property (0 when absent or not a list). */
  public listLength(path: string): number {
    const v = getPath(this._properties, path);
    return Array.isArray(v) ? v.length : 0;
  }

  /**
   * The property as JSON text (any shape, intrinsics included), for custom
   * rules that need the whole structure.
   * @param path dotted path; '' for all properties
   */
  public propertyJson(path: string): string | undefined {
    const v = getPath(this._properties, path);
    return v === undefined ? undefined : JSON.stringify(v);
  }

  /** The value of a tag (`Tags` list of Key/Value), when it is a literal string. */
  public tagValue(key: string): string | undefined {
    return readTag(this._properties, key);
  }
}

/**
 * Properties of a rule.
 */
export interface MlopsRuleProps {
  /** Rule id, e.g. `MLOPS-SM-001`. Used to acknowledge findings. */
  readonly id: string;
  /** What the rule requires, in one sentence. */
  readonly description: string;
  /** How to fix a finding. */
  readonly fix: string;
  /** CloudFormation types the rule evaluates, e.g. `['AWS::SageMaker::Domain']`. */
  readonly resourceTypes: string[];
  /**
   * Severity of the rule's findings.
   * @default MlopsRuleSeverity.ERROR
   */
  readonly severity?: MlopsRuleSeverity;
}

/**
 * A rule of the `MlopsChecks` pack: a check over one CloudFormation resource
 * of a synthesized template.
 *
 * Subclass it for your own rules (in any jsii language) and pass them to
 * `MlopsChecks` with `rules`.
 */
export abstract class MlopsRule {
  /** Rule id, e.g. `MLOPS-SM-001`. */
  public readonly id: string;
  /** What the rule requires. */
  public readonly description: string;
  /** How to fix a finding. */
  public readonly fix: string;
  /** CloudFormation types the rule evaluates. */
  public readonly resourceTypes: string[];
  /** Severity of the rule's findings. */
  public readonly severity: MlopsRuleSeverity;

  protected constructor(props: MlopsRuleProps) {
    this.id = props.id;
    this.description = props.description;
    this.fix = props.fix;
    this.resourceTypes = [...props.resourceTypes];
    this.severity = props.severity ?? MlopsRuleSeverity.ERROR;
  }

  /**
   * Check one resource (of one of `resourceTypes`); return one finding per
   * problem, none when it complies.
   */
  public abstract evaluate(resource: TemplateResource): RuleFinding[];
}

import { Token, ValidationError } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * One problem found in a construct's props.
 */
export interface Problem {
  /** The prop (or method argument) at fault, e.g. `cidr` or `userProfiles[2].name`. */
  readonly prop: string;
  /** The offending value, rendered for the message. */
  readonly value: unknown;
  /** What is allowed. */
  readonly allowed: string;
  /** How to fix it. */
  readonly fix: string;
}

/**
 * Collects every problem in a set of props so the user sees all of them at
 * once, then throws a single aws-cdk-lib `ValidationError` scoped to the
 * construct. Values that are unresolved tokens must be skipped by the caller
 * (see `isKnown`).
 */
export class PropsValidator {
  private readonly problems: Problem[] = [];

  constructor(private readonly scope: IConstruct, private readonly construct: string) {}

  /** Record a problem. */
  public add(problem: Problem): this {
    this.problems.push(problem);
    return this;
  }

  /** Record a problem when `condition` is true. */
  public check(condition: boolean, problem: Problem): this {
    if (condition) {
      this.add(problem);
    }
    return this;
  }

  /**
   * Record a problem when a string known at synth time (not undefined, not a
   * token) does not match `pattern`; the value is taken from `value`.
   */
  public checkPattern(value: string | undefined, pattern: RegExp, problem: Omit<Problem, 'value'>): this {
    return this.check(value !== undefined && !Token.isUnresolved(value) && !pattern.test(value), { ...problem, value });
  }

  /** Number of problems found so far. */
  public get count(): number {
    return this.problems.length;
  }

  /** Throw one ValidationError listing every problem, if there is any. */
  public throwIfAny(): void {
    if (this.problems.length === 0) {
      return;
    }
    const lines = this.problems.map((p) => `- ${p.prop}: got ${render(p.value)}; allowed: ${p.allowed}. Fix: ${p.fix}`);
    const noun = this.problems.length === 1 ? 'problem' : 'problems';
    const message = `${this.construct} has ${this.problems.length} invalid ${noun}:\n${lines.join('\n')}`;
    throw new ValidationError('CdkMlopsInvalidProps' as any, message, this.scope);
  }
}

/** Throw a ValidationError for a single problem immediately. */
export function fail(scope: IConstruct, construct: string, problem: Problem): never {
  new PropsValidator(scope, construct).add(problem).throwIfAny();
  throw new Error('unreachable');
}

/** True when the value is a concrete value known at synth time (not a token). */
export function isKnown(value: unknown): boolean {
  if (value === undefined || value === null) {
    return false;
  }
  if (typeof value === 'string' || typeof value === 'number') {
    return !Token.isUnresolved(value);
  }
  return true;
}

function render(value: unknown): string {
  if (value === undefined) {
    return 'undefined';
  }
  if (typeof value === 'string') {
    return `'${value}'`;
  }
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** The pattern of a 12-digit AWS account id. */
export const ACCOUNT_ID = /^\d{12}$/;

/** The pattern of an AWS Organizations organization id. */
export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

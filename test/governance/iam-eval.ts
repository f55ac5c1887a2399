/**
 * A small evaluator for the deny statements of SageMakerGuardrail: does an
 * explicit Deny in the policy match a request? Implements the condition
 * operators the guardrail uses, with IAM's rules for absent keys:
 * - `Null`: 'true' holds when the key is absent, 'false' when present;
 * - `Bool`, `StringEquals`, `StringLike`: false when the key is absent;
 * - `...IfExists`: true when the key is absent;
 * - negated operators (`StringNotEquals`, `ArnNotLike`): true when absent;
 * - `ForAnyValue:` on a multivalued key: false when absent or empty.
 * Any other operator throws, so a test cannot pass by accident.
 * (test/harness/policy-sim.ts answers allow questions for resource
 * policies and has none of these operators; it is left unchanged.)
 */

/** A context value: single-valued or multivalued (e.g. sagemaker:VpcSubnets). */
export type ContextValue = string | string[];

/** A request to SageMaker. */
export interface SageMakerRequest {
  readonly action: string;
  readonly principalArn?: string;
  readonly context?: Record<string, ContextValue>;
}

function glob(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

function values(v: unknown): string[] {
  return (Array.isArray(v) ? v : [v]).map(String);
}

function holds(operator: string, key: string, expected: string[], context: Record<string, ContextValue>): boolean {
  const raw = context[key];
  const present = raw !== undefined && !(Array.isArray(raw) && raw.length === 0);
  const actual = raw === undefined ? [] : values(raw);
  const ifExists = operator.endsWith('IfExists');
  const base = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  if (base === 'Null') {
    return expected[0] === 'true' ? !present : present;
  }
  if (!present) {
    if (base.startsWith('ForAnyValue:')) {
      return false;
    }
    return ifExists || base === 'StringNotEquals' || base === 'StringNotLike' || base === 'ArnNotLike' || base === 'ArnNotEquals';
  }
  const one = (value: string): boolean => {
    switch (base.replace(/^ForAnyValue:/, '')) {
      case 'Bool': return expected.some((e) => e.toLowerCase() === value.toLowerCase());
      case 'StringEquals': return expected.includes(value);
      case 'StringNotEquals': return !expected.includes(value);
      case 'StringLike': return expected.some((e) => glob(e).test(value));
      case 'StringNotLike': return !expected.some((e) => glob(e).test(value));
      case 'ArnLike': return expected.some((e) => glob(e).test(value));
      case 'ArnNotLike': return !expected.some((e) => glob(e).test(value));
      default: throw new Error(`iam-eval: unsupported condition operator ${operator}`);
    }
  };
  if (base.startsWith('ForAnyValue:')) {
    return actual.some(one);
  }
  if (actual.length !== 1) {
    throw new Error(`iam-eval: ${operator} on the multivalued key ${key} needs ForAnyValue/ForAllValues`);
  }
  return one(actual[0]);
}

/** True when some Deny statement of the policy matches the request. */
export function isDenied(policy: { Statement: any[] }, request: SageMakerRequest): boolean {
  const context: Record<string, ContextValue> = { ...(request.context ?? {}) };
  if (request.principalArn) {
    context['aws:PrincipalArn'] = request.principalArn;
  }
  return policy.Statement.some((s) => s.Effect === 'Deny'
    && values(s.Action).some((a) => glob(a).test(request.action))
    && values(s.Resource).includes('*')
    && Object.entries<Record<string, unknown>>(s.Condition ?? {}).every(([op, tests]) =>
      Object.entries(tests).every(([key, expected]) => holds(op, key, values(expected), context))));
}

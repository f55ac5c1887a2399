/**
 * A small evaluator for the resource-policy shapes this library renders
 * (endpoint and bucket policies): Allow/Deny, Action/Resource wildcards,
 * StringEquals/StringLike/ArnLike conditions. It answers "would this request
 * be allowed by the policy alone", which is what an S3 gateway endpoint policy
 * decides. Not a full IAM engine: unsupported condition operators throw.
 */

/** A request to evaluate. */
export interface SimRequest {
  readonly action: string;
  readonly resource: string;
  /** Condition context keys, e.g. { 's3:ResourceAccount': '123456789012' }. */
  readonly context?: Record<string, string>;
}

function globToRegex(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

function asArray<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function conditionsHold(conditions: Record<string, Record<string, unknown>> | undefined, context: Record<string, string>): boolean {
  for (const [op, tests] of Object.entries(conditions ?? {})) {
    for (const [key, expected] of Object.entries(tests)) {
      const actual = context[key];
      const values = asArray(expected as string | string[]).map(String);
      if (actual === undefined) {
        return false;
      }
      switch (op) {
        case 'StringEquals':
          if (!values.includes(actual)) return false;
          break;
        case 'StringLike':
        case 'ArnLike':
          if (!values.some((v) => globToRegex(v).test(actual))) return false;
          break;
        default:
          throw new Error(`policy-sim: unsupported condition operator ${op}`);
      }
    }
  }
  return true;
}

function matches(statement: any, request: SimRequest): boolean {
  const actions = asArray<string>(statement.Action);
  const resources = asArray<string>(statement.Resource);
  return actions.some((a) => globToRegex(a).test(request.action))
    && resources.some((r) => typeof r === 'string' && globToRegex(r).test(request.resource))
    && conditionsHold(statement.Condition, request.context ?? {});
}

/**
 * Evaluate a resolved policy document (no tokens left): explicit deny wins,
 * then any allow, else implicit deny.
 */
export function isAllowed(policy: { Statement: any[] }, request: SimRequest): boolean {
  const statements = policy.Statement ?? [];
  if (statements.some((s) => s.Effect === 'Deny' && matches(s, request))) {
    return false;
  }
  return statements.some((s) => s.Effect === 'Allow' && matches(s, request));
}

/**
 * Replace simple intrinsics (Ref to pseudo parameters or given logical ids,
 * Fn::Join, Fn::GetAtt given in `refs`) with concrete strings.
 */
export function resolveIntrinsics(value: any, refs: Record<string, string>): any {
  if (Array.isArray(value)) {
    return value.map((v) => resolveIntrinsics(v, refs));
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'Ref') {
      const r = refs[value.Ref];
      if (r === undefined) throw new Error(`resolveIntrinsics: no value for Ref ${value.Ref}`);
      return r;
    }
    if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
      const name = value['Fn::GetAtt'].join('.');
      const r = refs[name];
      if (r === undefined) throw new Error(`resolveIntrinsics: no value for GetAtt ${name}`);
      return r;
    }
    if (keys.length === 1 && keys[0] === 'Fn::Join') {
      const [sep, parts] = value['Fn::Join'];
      return resolveIntrinsics(parts, refs).join(sep);
    }
    const out: Record<string, any> = {};
    for (const k of keys) out[k] = resolveIntrinsics(value[k], refs);
    return out;
  }
  return value;
}

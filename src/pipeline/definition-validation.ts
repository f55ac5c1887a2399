import { Token } from 'aws-cdk-lib';
import { RenderContext } from './render-context';
import { PropsValidator } from '../private/validation';
import { PipelineStep } from './steps/step';
import { PipelineParameter } from './values';

const NAME = /^[A-Za-z0-9\-_]{1,64}$/;

/** Every step of a definition, including those in condition branches. */
export function allSteps(steps: PipelineStep[]): PipelineStep[] {
  const out: PipelineStep[] = [];
  const visit = (list: PipelineStep[]) => {
    for (const s of list) {
      out.push(s);
      visit(s._children());
    }
  };
  visit(steps);
  return out;
}

/**
 * Validate the graph of a typed definition: names, references, cycles.
 * Step-level problems found while rendering are in `ctx.problems`.
 */
export function validateStepGraph(v: PropsValidator, topLevel: PipelineStep[], parameters: PipelineParameter[], ctx: RenderContext): void {
  const steps = allSteps(topLevel);
  v.check(topLevel.length === 0, {
    prop: 'steps',
    value: [],
    allowed: 'at least one step',
    fix: 'pass the steps of the pipeline to PipelineDefinition.fromSteps({ steps }).',
  });

  const byName = new Map<string, PipelineStep>();
  for (const s of steps) {
    if (!NAME.test(s.stepName)) {
      v.add({ prop: 'steps[].name', value: s.stepName, allowed: '1 to 64 letters, digits, hyphens or underscores', fix: `rename step '${s.stepName}'.` });
    }
    const existing = byName.get(s.stepName);
    if (existing && existing !== s) {
      v.add({
        prop: 'steps[].name',
        value: s.stepName,
        allowed: 'names unique across the pipeline, including condition branches',
        fix: `rename one of the steps named '${s.stepName}'.`,
      });
    } else if (existing === s) {
      v.add({
        prop: 'steps',
        value: s.stepName,
        allowed: 'each step once (a branch step belongs only to its condition step)',
        fix: `list step '${s.stepName}' once: remove it from the top-level steps or from the other branch.`,
      });
    }
    byName.set(s.stepName, s);
    const display = s.displayName;
    if (display !== undefined && !Token.isUnresolved(display) && !NAME.test(display)) {
      // The published definition schema gives DisplayName the pattern of step names.
      v.add({ prop: `steps[${s.stepName}].displayName`, value: display, allowed: '1 to 64 letters, digits, hyphens or underscores (the definition schema\'s pattern)', fix: `write it without spaces, e.g. '${display.replace(/[^A-Za-z0-9\-_]+/g, '-').slice(0, 64)}'.` });
    }
  }

  for (const p of parameters) {
    if (!NAME.test(p.name)) {
      v.add({ prop: 'parameters[].name', value: p.name, allowed: '1 to 64 letters, digits, hyphens or underscores', fix: `rename parameter '${p.name}'.` });
    }
    if (!p._defaultMatchesType()) {
      v.add({ prop: `parameters[${p.name}].defaultValue`, value: p.defaultAsString, allowed: `a value of type ${p.parameterType}`, fix: `give parameter '${p.name}' a default of type ${p.parameterType}.` });
    }
  }

  const edges = new Map<string, Set<string>>();
  for (const ref of ctx.references) {
    const target = ref.to as PipelineStep;
    const known = byName.get(target.stepName);
    if (known !== target) {
      v.add({
        prop: `steps[${ref.from}]`,
        value: `${ref.what} of step '${target.stepName}'`,
        allowed: 'references to steps of this definition',
        fix: `add step '${target.stepName}' to the steps of the definition (or to a condition branch).`,
      });
      continue;
    }
    if (!edges.has(ref.from)) {
      edges.set(ref.from, new Set());
    }
    edges.get(ref.from)!.add(target.stepName);
  }
  const cycle = findCycle(edges);
  if (cycle) {
    v.add({
      prop: 'steps[].dependsOn',
      value: cycle.join(' -> '),
      allowed: 'an acyclic graph of dependencies and property references',
      fix: `break the cycle ${cycle.join(' -> ')}: remove a dependsOn or a property reference.`,
    });
  }
}

function findCycle(edges: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, number>();
  const stack: string[] = [];
  let found: string[] | undefined;
  const visit = (n: string): boolean => {
    state.set(n, 1);
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      if (state.get(m) === 1) {
        found = [...stack.slice(stack.indexOf(m)), m];
        return true;
      }
      if (!state.has(m) && visit(m)) {
        return true;
      }
    }
    stack.pop();
    state.set(n, 2);
    return false;
  };
  for (const n of [...edges.keys()].sort()) {
    if (!state.has(n) && visit(n)) {
      return found;
    }
  }
  return undefined;
}

/**
 * The parameters of a typed definition: those listed (in their order), then
 * those the steps use and the list leaves out (in the order the steps first
 * use them). One name, one parameter: the same object or an equal
 * declaration is listed once; two different declarations of one name are a
 * problem naming the parameter.
 */
export function collectParameters(v: PropsValidator, listed: PipelineParameter[], ctx: RenderContext): PipelineParameter[] {
  const byName = new Map<string, PipelineParameter>();
  const conflicting = new Set<string>();
  const candidates = [
    ...listed.map((parameter) => ({ parameter, where: 'parameters of fromSteps()' })),
    ...ctx.parameterReferences.map((ref) => ({ parameter: ref.parameter, where: `step '${ref.from}'` })),
  ];
  for (const { parameter, where } of candidates) {
    const known = byName.get(parameter.name);
    if (!known) {
      byName.set(parameter.name, parameter);
    } else if (!known._sameAs(parameter) && !conflicting.has(parameter.name)) {
      conflicting.add(parameter.name);
      v.add({
        prop: `parameters[${parameter.name}]`,
        value: `${describe(known)} and, in ${where}, ${describe(parameter)}`,
        allowed: 'one declaration per parameter name (same type, default and description)',
        fix: `use one PipelineParameter object for '${parameter.name}' everywhere, or rename one of them.`,
      });
    }
  }
  return [...byName.values()];
}

function describe(p: PipelineParameter): string {
  const d = p._render();
  return [p.parameterType, d.DefaultValue === undefined ? undefined : `default ${d.DefaultValue}`,
    d.Description === undefined ? undefined : `description '${d.Description}'`].filter((x) => x !== undefined).join(' ');
}

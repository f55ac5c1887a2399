import { RenderContext } from '../render-context';
import { PipelineValue } from '../values';

/**
 * Render a map of values.
 * @internal
 */
export function renderMap(ctx: RenderContext, map: { [key: string]: PipelineValue } | undefined): any {
  if (!map) {
    return undefined;
  }
  const out: any = {};
  for (const [k, v] of Object.entries(map)) {
    out[k] = v._render(ctx);
  }
  return out;
}

/**
 * Drop undefined fields.
 * @internal
 */
export function compact(obj: any): any {
  const out: any = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v !== undefined) {
      out[k] = v;
    }
  }
  return out;
}

/**
 * The value of a field offered as a literal prop (`<prop>`) and a run-time
 * twin (`<prop>Value`): at most one may be set.
 * @internal
 */
export function pickValue(ctx: RenderContext, prop: string,
  literal: PipelineValue | undefined, value: PipelineValue | undefined): PipelineValue | undefined {
  if (literal !== undefined && value !== undefined) {
    ctx.problem({
      prop: `steps[${ctx.currentStep}].${prop}Value`,
      value: `${prop} ${literal} and ${prop}Value ${value}`,
      allowed: `${prop} (a literal) or ${prop}Value (a run-time value such as a parameter), not both`,
      fix: `drop ${prop} or ${prop}Value.`,
    });
  }
  return value ?? literal;
}

/**
 * The list of a field offered as literals (`<prop>`) and as run-time values
 * (`<twin>`, the whole list when any item is a run-time value): at most one.
 * @internal
 */
export function pickList(ctx: RenderContext, prop: string, twin: string,
  literals: string[] | undefined, values: PipelineValue[] | undefined): PipelineValue[] | undefined {
  if (literals !== undefined && values !== undefined) {
    ctx.problem({
      prop: `steps[${ctx.currentStep}].${twin}`,
      value: `${prop} [${literals.join(', ')}] and ${twin} [${values.join(', ')}]`,
      allowed: `${prop} (literals) or ${twin} (the whole list, when an item is a run-time value), not both`,
      fix: `put every item in ${twin} (literals as PipelineValue.of(...)), or drop ${twin}.`,
    });
  }
  return values ?? literals?.map((a) => PipelineValue.of(a));
}

/**
 * The map of a field offered as literals (`<prop>`) and run-time values
 * (`<twin>`), merged; a key in both is a problem.
 * @internal
 */
export function mergeMaps(ctx: RenderContext, prop: string, twin: string,
  literals: { [key: string]: string } | undefined,
  values: { [key: string]: PipelineValue } | undefined): { [key: string]: PipelineValue } | undefined {
  if (literals === undefined && values === undefined) {
    return undefined;
  }
  const out: { [key: string]: PipelineValue } = {};
  for (const [k, v] of Object.entries(literals ?? {})) {
    out[k] = PipelineValue.of(v);
  }
  for (const [k, v] of Object.entries(values ?? {})) {
    if (k in out) {
      ctx.problem({
        prop: `steps[${ctx.currentStep}].${twin}`,
        value: k,
        allowed: `each key in ${prop} or in ${twin}, not both`,
        fix: `remove '${k}' from ${prop} or from ${twin}.`,
      });
    }
    out[k] = v;
  }
  return out;
}

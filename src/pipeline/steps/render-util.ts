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

/**
 * Draws the platform as SVG from a synthesized cloud assembly: one box per
 * layer and stack with its resource counts (from the `cdk-mlops:layer`
 * metadata of each resource), the interface endpoints of the network (from
 * the VPC endpoint resources), and arrows for the documented data flows
 * (DESIGN.md) between the layers that exist, including the deployment into
 * target accounts.
 */
import * as fs from 'fs';
import * as path from 'path';

interface Box {
  readonly stack: string;
  readonly layer: string;
  readonly resources: number;
  readonly lines: string[];
  x: number;
  y: number;
  h: number;
}

const W = 240;
const H = 120;
const GAP_X = 110;
const GAP_Y = 60;

/** Data flows of DESIGN.md inside one stack, drawn when both layers exist. */
const FLOWS: Array<[string, string, string]> = [
  ['network', 'exploration', 'VPC-only'],
  ['network', 'ci', 'builds in VPC'],
  ['exploration', 'registry', 'reads'],
  ['ci', 'pipeline', 'updates, starts'],
  ['pipeline', 'registry', 'writes versions'],
  ['registry', 'deployment', 'approved'],
  ['deployment', 'monitoring', 'data capture'],
  ['monitoring', 'pipeline', 'retrains'],
];

/** Column and row of each layer in a stack that holds several layers. */
const GRID: Record<string, [number, number]> = {
  network: [0, 0],
  exploration: [1, 0],
  registry: [2, 0],
  deployment: [3, 0],
  ci: [1, 1],
  pipeline: [2, 1],
  monitoring: [3, 1],
  other: [0, 2],
};

const COLORS: Record<string, string> = {
  network: '#dbeafe',
  exploration: '#fef3c7',
  registry: '#ede9fe',
  pipeline: '#dcfce7',
  ci: '#e0f2fe',
  deployment: '#fee2e2',
  monitoring: '#fce7f3',
  other: '#f3f4f6',
};

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function serviceOf(name: any): string {
  const text = typeof name === 'string'
    ? name
    : (name?.['Fn::Join']?.[1] ?? []).map((p: unknown) => (typeof p === 'string' ? p : 'region')).join('');
  return text.replace(/^(com\.amazonaws|aws\.sagemaker)\.[^.]+\./, '');
}

/** Write the SVG of the assembly in `outdir` to `file`; returns the number of boxes drawn. */
export function writeDiagram(outdir: string, file: string, title: string): number {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  const stacks = Object.entries<any>(manifest.artifacts ?? {})
    .filter(([, a]) => a.type === 'aws:cloudformation:stack')
    .map(([id, a]) => ({
      name: `${a.displayName ?? id} (account ${String(a.environment ?? '').split('/')[2] ?? '?'})`,
      template: JSON.parse(fs.readFileSync(path.join(outdir, a.properties.templateFile), 'utf8')),
    }));
  const boxes: Box[] = [];
  for (const s of stacks) {
    const byLayer = new Map<string, Map<string, number>>();
    const endpoints: string[] = [];
    for (const r of Object.values<any>(s.template.Resources ?? {})) {
      const layer = r.Metadata?.['cdk-mlops:layer'] ?? 'other';
      const types = byLayer.get(layer) ?? new Map<string, number>();
      const type = r.Type.replace(/^AWS::/, '').replace(/^Custom::.*/, 'Custom resource');
      types.set(type, (types.get(type) ?? 0) + 1);
      byLayer.set(layer, types);
      if (r.Type === 'AWS::EC2::VPCEndpoint' && r.Properties?.VpcEndpointType === 'Interface') {
        endpoints.push(serviceOf(r.Properties.ServiceName));
      }
    }
    for (const [layer, types] of byLayer) {
      const total = [...types.values()].reduce((a, b) => a + b, 0);
      const lines = [...types.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([t, n]) => `${t} ×${n}`);
      if (layer === 'network' && endpoints.length > 0) {
        lines.push('', `interface endpoints (${endpoints.length}):`);
        const sorted = endpoints.sort();
        for (let i = 0; i < sorted.length; i += 3) {
          lines.push(`  ${sorted.slice(i, i + 3).join(', ')}`);
        }
        lines.push('', 'jobs, endpoints and drift checks', 'of every layer run in this VPC');
      }
      if (layer === 'other') {
        lines.unshift('(aws-cdk-lib providers)');
      }
      boxes.push({ stack: s.name, layer, resources: total, lines, x: 0, y: 0, h: H });
    }
  }

  // bands: the stack with several layers gets the grid; single-layer stacks sit in column 4
  const bands = [...new Set(boxes.map((b) => b.stack))];
  let top = 70;
  const bandFrames: Array<[string, number, number]> = [];
  for (const band of bands) {
    const inBand = boxes.filter((b) => b.stack === band);
    const grid = inBand.length > 2;
    let bottom = top;
    for (const b of inBand) {
      const [col, row] = grid ? GRID[b.layer] ?? [0, 2] : [4, 0];
      b.x = 30 + col * (W + GAP_X);
      b.y = top + 30 + row * (H + GAP_Y);
      b.h = grid && b.layer === 'network' ? 2 * H + GAP_Y : H;
      bottom = Math.max(bottom, b.y + b.h);
    }
    bandFrames.push([band, top, bottom - top + 20]);
    top = bottom + 50;
  }
  const width = Math.max(...boxes.map((b) => b.x + W)) + 45;
  const height = top;
  const lines: string[] = [];
  const labels: string[] = [];
  const arrow = (a: Box, b: Box, label: string) => {
    const [x1, y1, x2, y2] = edge(a, b);
    lines.push(`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#374151" stroke-width="1.6" marker-end="url(#arrow)"/>`);
    const lx = (x1 + x2) / 2;
    const ly = (y1 + y2) / 2;
    const w = label.length * 6.2 + 8;
    labels.push(`<rect x="${lx - w / 2}" y="${ly - 10}" width="${w}" height="15" rx="3" fill="white" opacity="0.9"/>`);
    labels.push(`<text x="${lx}" y="${ly + 1}" font-size="11" text-anchor="middle" fill="#111827">${esc(label)}</text>`);
  };
  for (const band of bands) {
    const inBand = new Map(boxes.filter((b) => b.stack === band).map((b) => [b.layer, b]));
    for (const [from, to, label] of FLOWS) {
      const a = inBand.get(from);
      const b = inBand.get(to);
      if (a && b) {
        arrow(a, b, label);
      }
    }
  }
  // the tooling deployment deploys into the target accounts: along the gap left of column 4, then into each target
  const main = boxes.find((b) => b.layer === 'deployment' && boxes.filter((x) => x.stack === b.stack).length > 2);
  const targets = boxes.filter((b) => b.layer === 'deployment' && b !== main && b.x === 30 + 4 * (W + GAP_X));
  if (main && targets.length > 0) {
    const gx = 30 + 4 * (W + GAP_X) - GAP_X / 2;
    const y0 = main.y + main.h / 2;
    for (const t of targets) {
      const ty = t.y + t.h / 2;
      lines.push(`<polyline points="${main.x + W},${y0} ${gx},${y0} ${gx},${ty} ${t.x},${ty}" fill="none" stroke="#374151" stroke-width="1.6" marker-end="url(#arrow)"/>`);
    }
    const label = 'deploys: assumes the deployer role of each target account';
    labels.push(`<text x="${gx - 6}" y="${(y0 + targets[0].y) / 2}" font-size="11" text-anchor="middle" fill="#111827" transform="rotate(-90 ${gx - 6} ${(y0 + targets[0].y) / 2})">${esc(label)}</text>`);
  }

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`);
  out.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#374151"/></marker></defs>');
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="30" y="38" font-size="22" font-weight="bold">${esc(title)}</text>`);
  for (const [band, y, h] of bandFrames) {
    out.push(`<rect x="15" y="${y}" width="${width - 30}" height="${h}" rx="10" fill="none" stroke="#9ca3af" stroke-dasharray="6 4"/>`);
    out.push(`<text x="25" y="${y + 18}" font-size="13" fill="#4b5563">stack ${esc(band)}</text>`);
  }
  out.push(...lines);
  for (const b of boxes) {
    out.push(`<rect x="${b.x}" y="${b.y}" width="${W}" height="${b.h}" rx="8" fill="${COLORS[b.layer] ?? '#f3f4f6'}" stroke="#374151"/>`);
    out.push(`<text x="${b.x + 10}" y="${b.y + 22}" font-size="15" font-weight="bold">${esc(b.layer)}</text>`);
    out.push(`<text x="${b.x + W - 10}" y="${b.y + 22}" font-size="12" text-anchor="end">${b.resources} resources</text>`);
    b.lines.forEach((line, i) => {
      out.push(`<text x="${b.x + 10}" y="${b.y + 42 + i * 15}" font-size="11" fill="#374151" xml:space="preserve">${esc(line)}</text>`);
    });
  }
  out.push(...labels);
  out.push('</svg>');
  fs.writeFileSync(file, out.join('\n') + '\n');
  return boxes.length;
}

/** Endpoints of an arrow from the border of box a to the border of box b. */
function edge(a: Box, b: Box): [number, number, number, number] {
  const ax = a.x + W / 2;
  const ay = a.y + a.h / 2;
  const bx = b.x + W / 2;
  const by = b.y + b.h / 2;
  const clip = (cx: number, cy: number, h: number, dx: number, dy: number): [number, number] => {
    const sx = dx === 0 ? Infinity : (W / 2) / Math.abs(dx);
    const sy = dy === 0 ? Infinity : (h / 2) / Math.abs(dy);
    const s = Math.min(sx, sy);
    return [cx + dx * s, cy + dy * s];
  };
  // horizontal neighbours of different heights: keep the arrow level with the smaller box
  if (Math.abs(ax - bx) > W && (a.h !== b.h)) {
    const y = a.h < b.h ? ay : by;
    const left = ax < bx;
    return [Math.round(left ? a.x + W : a.x), Math.round(y), Math.round(left ? b.x : b.x + W), Math.round(y)];
  }
  const [x1, y1] = clip(ax, ay, a.h, bx - ax, by - ay);
  const [x2, y2] = clip(bx, by, b.h, ax - bx, ay - by);
  return [Math.round(x1), Math.round(y1), Math.round(x2), Math.round(y2)];
}

/**
 * Prints a short summary of a synthesized cloud assembly: stacks, resources
 * per stack and per type, interface endpoints, and the findings of the
 * compliance packs from validation-report.json.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, IPolicyValidationPlugin, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CostReport } from '../src/platform';

interface StackSummary {
  readonly name: string;
  readonly resources: number;
  readonly templateBytes: number;
  readonly byType: Record<string, number>;
  readonly endpoints: string[];
}

function serviceName(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  const join = (value as any)?.['Fn::Join'];
  if (join) {
    return (join[1] as unknown[]).map((p) => (typeof p === 'string' ? p : '<region>')).join(join[0]);
  }
  return JSON.stringify(value);
}

export function summarizeStack(name: string, templateFile: string): StackSummary {
  const raw = fs.readFileSync(templateFile, 'utf8');
  const template = JSON.parse(raw);
  const resources = Object.values<any>(template.Resources ?? {});
  const byType: Record<string, number> = {};
  for (const r of resources) {
    byType[r.Type] = (byType[r.Type] ?? 0) + 1;
  }
  const endpoints = resources
    .filter((r) => r.Type === 'AWS::EC2::VPCEndpoint')
    .map((r) => `${r.Properties.VpcEndpointType ?? 'Gateway'} ${serviceName(r.Properties.ServiceName)}`)
    .sort();
  return { name, resources: resources.length, templateBytes: Buffer.byteLength(raw), byType, endpoints };
}

/** Findings of the validation report, as `rule at path` lines. */
export function reportFindings(outdir: string): string[] {
  const file = path.join(outdir, 'validation-report.json');
  if (!fs.existsSync(file)) {
    return [];
  }
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  const lines: string[] = [];
  for (const pr of report.pluginReports ?? []) {
    if ((pr.violations ?? []).length === 0) {
      lines.push(`${pr.pluginName}: pack failed to run (${JSON.stringify(pr.metadata ?? {})})`);
    }
    for (const v of pr.violations ?? []) {
      for (const c of v.violatingConstructs ?? []) {
        lines.push(`${v.ruleName} at ${c.constructPath}`);
      }
    }
  }
  return lines;
}

export function printSummary(outdir: string, packs: string[]): StackSummary[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  const stacks = Object.entries<any>(manifest.artifacts ?? {})
    .filter(([, a]) => a.type === 'aws:cloudformation:stack')
    .map(([id, a]) => summarizeStack(a.displayName ?? id, path.join(outdir, a.properties.templateFile)));
  const out: string[] = [];
  out.push(`cdk-mlops example synthesized into ${outdir}`);
  for (const s of stacks) {
    out.push(`\nstack ${s.name}: ${s.resources} resources, template ${(s.templateBytes / 1024).toFixed(1)} KiB`);
    const types = Object.entries(s.byType).sort((a, b) => b[1] - a[1]);
    out.push(`  ${types.map(([t, n]) => `${t.replace(/^AWS::/, '')} ×${n}`).join(', ')}`);
    if (s.endpoints.length > 0) {
      out.push(`  VPC endpoints (${s.endpoints.length}):`);
      for (const e of s.endpoints) {
        out.push(`    - ${e}`);
      }
    }
  }
  const findings = reportFindings(outdir);
  out.push(`\ncompliance packs run: ${packs.join(', ')}`);
  out.push(`unacknowledged findings: ${findings.length}`);
  for (const f of findings) {
    out.push(`  - ${f}`);
  }
  process.stdout.write(out.join('\n') + '\n');
  return stacks;
}

/**
 * aws-cdk-lib leaves passing packs out of the report, so an empty report
 * cannot tell "clean" from "packs did not run". Run the same packs over a
 * known-bad bucket in a throw-away app and return the packs that caught it.
 */
export function packsThatRun(makePacks: (app: App) => IPolicyValidationPlugin[]): string[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-canary-'));
  const app = new App({ outdir, context: { '@aws-cdk/core:failSynthOnValidationErrors': false } });
  new s3.Bucket(new Stack(app, 'Canary'), 'KnownBad');
  Validations.of(app).addPlugins(...makePacks(app));
  app.synth();
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  fs.rmSync(outdir, { recursive: true, force: true });
  return (report.pluginReports ?? []).filter((r: any) => (r.violations ?? []).length > 0).map((r: any) => r.pluginName);
}

/** Drop aws-cdk-lib's "Performing Policy Validations" banner; the summary reports instead. */
export function muteValidationBanner(): void {
  const original = console.error;
  console.error = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('Performing Policy Validations')) {
      return;
    }
    original(...args);
  };
}

/** CloudFormation limits the summary compares each stack with. */
const MAX_RESOURCES = 500;
const MAX_TEMPLATE_BYTES = 1024 * 1024;

/**
 * The platform summary of an assembly: layers, stacks (resources and size
 * against CloudFormation's limits), resources per layer, interface
 * endpoints, the idle monthly cost per layer and the findings.
 */
export function printPlatformSummary(title: string, outdir: string, packs: string[]): CostReport {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  const stacks = Object.entries<any>(manifest.artifacts ?? {})
    .filter(([, a]) => a.type === 'aws:cloudformation:stack')
    .map(([id, a]) => {
      const file = path.join(outdir, a.properties.templateFile);
      return { name: a.displayName ?? id, env: a.environment, file, template: JSON.parse(fs.readFileSync(file, 'utf8')), summary: summarizeStack(a.displayName ?? id, file) };
    });
  const out: string[] = [`\n=== ${title}: synthesized into ${outdir} ===`];
  const layers = new Map<string, number>();
  for (const s of stacks) {
    for (const r of Object.values<any>(s.template.Resources ?? {})) {
      const layer = r.Metadata?.['cdk-mlops:layer'] ?? 'other';
      layers.set(layer, (layers.get(layer) ?? 0) + 1);
    }
  }
  const order = ['network', 'exploration', 'registry', 'pipeline', 'ci', 'deployment', 'monitoring', 'other'];
  const sorted = new Map([...layers.entries()].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0])));
  layers.clear();
  sorted.forEach((n, l) => layers.set(l, n));
  out.push(`layers: ${[...layers.keys()].filter((l) => l !== 'other').join(', ')}`);
  out.push('stacks:');
  for (const s of stacks) {
    const kb = s.summary.templateBytes / 1024;
    out.push(`  ${s.name} (${s.env}): ${s.summary.resources}/${MAX_RESOURCES} resources, template ${kb.toFixed(1)} KiB `
      + `(${(100 * s.summary.templateBytes / MAX_TEMPLATE_BYTES).toFixed(1)}% of 1 MB)`);
  }
  out.push('resources per layer:');
  for (const [layer, n] of layers) {
    out.push(`  ${layer.padEnd(12)} ${n}`);
  }
  for (const s of stacks.filter((x) => x.summary.endpoints.length > 0)) {
    out.push(`VPC endpoints of ${s.name} (${s.summary.endpoints.length}): ${s.summary.endpoints.map((e) => e.replace(/^(Interface|Gateway) (com\.amazonaws|aws\.sagemaker)\.[^.]+\./, '$1 ')).join(', ')}`);
  }
  const report = CostReport.combine(stacks.map((s) => CostReport.fromTemplate(JSON.stringify(s.template), { stackName: s.name })));
  out.push('monthly idle cost:');
  out.push(report.toText().split('\n').map((l) => `  ${l}`).join('\n'));
  const findings = reportFindings(outdir);
  out.push(`compliance packs run: ${packs.join(', ')} + cdk-mlops MlopsChecks`);
  out.push(`unacknowledged findings: ${findings.length}`);
  for (const f of findings) {
    out.push(`  - ${f}`);
  }
  process.stdout.write(out.join('\n') + '\n');
  return report;
}

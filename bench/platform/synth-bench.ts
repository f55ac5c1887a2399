/**
 * Platform benchmark (prints figures; not a test):
 * - synth wall time of the full example platform vs a bare aws-cdk-lib app
 *   with one bucket, measured in the same process, as a ratio;
 * - resources and template size per stack against CloudFormation's limits;
 * - idle monthly cost of the default platform vs the usual way: a VPC with
 *   the interface endpoints of aws-samples/amazon-sagemaker-secure-mlops
 *   (cfn_templates/env-vpc-endpoints.yaml: 15 interface endpoints, 2 AZs by
 *   default in cfn_templates/env-vpc.yaml, NAT gateway per AZ by default).
 *
 *   npx ts-node --prefer-ts-exts --project tsconfig.dev.json bench/platform/synth-bench.ts
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CostReport, MlopsAccounts, MlopsPlatform } from '../../src/platform';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const CONTEXT = { 'aws:cdk:disable-creation-stack-traces': true };
const ENV = { account: '111111111111', region: 'us-east-1' };

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-bench-'));
}

function bare(): App {
  const app = new App({ outdir: tmp(), context: CONTEXT });
  new s3.Bucket(new Stack(app, 'Bare', { env: ENV }), 'Bucket');
  return app;
}

function platform(): App {
  const app = new App({ outdir: tmp(), context: CONTEXT });
  new MlopsPlatform(new Stack(app, 'MlopsExample', { env: ENV }), 'Platform');
  return app;
}

function multiAccount(): App {
  const app = new App({ outdir: tmp(), context: CONTEXT });
  new MlopsAccounts(app, 'Mlops', {
    toolingAccountId: '111111111111',
    region: 'us-east-1',
    targets: [{ stageName: 'staging', accountId: '222222222222' }, { stageName: 'production', accountId: '333333333333', approvalRequired: true, initialInstanceCount: 2 }],
  });
  return app;
}

/** Median milliseconds of building and synthesizing the app. */
function time(make: () => App): number {
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = process.hrtime.bigint();
    const app = make();
    app.synth();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    fs.rmSync(app.outdir, { recursive: true, force: true });
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}

// warm up module loading and JIT for both
time(bare);
time(platform);
const bareMs = time(bare);
const platformMs = time(platform);
const multiMs = time(multiAccount);
const out: string[] = [];
out.push(`synth wall time (median of ${ROUNDS}, same process, after warm-up):`);
out.push(`  bare app, one bucket:        ${bareMs.toFixed(0)} ms`);
out.push(`  full platform (one stack):   ${platformMs.toFixed(0)} ms  -> ratio ${(platformMs / bareMs).toFixed(2)}x`);
out.push(`  multi-account (3 stacks):    ${multiMs.toFixed(0)} ms  -> ratio ${(multiMs / bareMs).toFixed(2)}x`);


// fresh processes: what a user waits for (module loading included), from the compiled library in lib/
const libDir = path.resolve(__dirname, '..', '..', 'lib');
if (fs.existsSync(path.join(libDir, 'platform', 'index.js'))) {
  const script = path.join(tmp(), 'fresh.js');
  fs.writeFileSync(script, [
    'const t0 = process.hrtime.bigint();',
    `const { App, Stack } = require(${JSON.stringify(require.resolve('aws-cdk-lib'))});`,
    'const fs = require(\'fs\'), os = require(\'os\'), path = require(\'path\');',
    `const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-fresh-')), context: ${JSON.stringify(CONTEXT)} });`,
    `const stack = new Stack(app, 'S', { env: ${JSON.stringify(ENV)} });`,
    `if (process.argv[2] === 'bare') { const s3 = require(${JSON.stringify(require.resolve('aws-cdk-lib/aws-s3'))}); new s3.Bucket(stack, 'B'); }`,
    `else { const { MlopsPlatform } = require(${JSON.stringify(path.join(libDir, 'platform'))}); new MlopsPlatform(stack, 'Platform'); }`,
    'app.synth(); fs.rmSync(app.outdir, { recursive: true, force: true });',
    'process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6));',
  ].join('\n'));
  const fresh = (which: string) => {
    const samples: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      samples.push(Number(spawnSync(process.execPath, [script, which], { encoding: 'utf8' }).stdout));
    }
    return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
  };
  const bareFresh = fresh('bare');
  const platformFresh = fresh('platform');
  out.push(`fresh node process, compiled lib/ (require + build + synth, median of ${ROUNDS}):`);
  out.push(`  bare app, one bucket:        ${bareFresh.toFixed(0)} ms`);
  out.push(`  full platform (one stack):   ${platformFresh.toFixed(0)} ms  -> ratio ${(platformFresh / bareFresh).toFixed(2)}x`);
} else {
  out.push('fresh-process figures skipped: compile the library first (npx projen compile) so lib/ exists');
}

out.push('\nper stack vs CloudFormation limits (500 resources, 1 MB template via S3):');
const reports: CostReport[] = [];
for (const make of [platform, multiAccount]) {
  const app = make();
  const asm = app.synth();
  for (const s of asm.stacks) {
    // the size CloudFormation gets: the file CDK writes and uploads (indented JSON)
    const bytes = fs.statSync(path.join(asm.directory, s.templateFile)).size;
    const minified = Buffer.byteLength(JSON.stringify(s.template));
    const resources = Object.keys(s.template.Resources ?? {}).length;
    out.push(`  ${s.displayName.padEnd(28)} ${String(resources).padStart(4)} resources (${(100 * resources / 500).toFixed(0)}% of 500, aim <= 250), `
      + `${(bytes / 1024).toFixed(1)} KiB as written (${(100 * bytes / (1024 * 1024)).toFixed(1)}% of 1 MB, aim <= 40%; minified ${(minified / 1024).toFixed(1)} KiB)`);
  }
  if (make === platform) {
    reports.push(CostReport.fromTemplate(JSON.stringify(asm.stacks[0].template), { stackName: 'MlopsExample' }));
  }
  fs.rmSync(app.outdir, { recursive: true, force: true });
}

const report = reports[0];
const endpointAzMonth = 0.01 * CostReport.HOURS_PER_MONTH;
const natMonth = 0.045 * CostReport.HOURS_PER_MONTH;
const usualEndpoints = 15;
const usualAzs = 2;
const usualEndpointsUsd = usualEndpoints * usualAzs * endpointAzMonth;
const usualNatUsd = usualAzs * natMonth;
const ourNetwork = report.monthlyUsdOf('network');
out.push('\nidle monthly cost (us-east-1, on-demand, 730 h):');
out.push(`  default platform, total:              $${report.totalMonthlyUsd.toFixed(2)}`);
for (const layer of report.layers) {
  out.push(`    ${layer.padEnd(12)} $${report.monthlyUsdOf(layer).toFixed(2)}`);
}
out.push(`  of which the network (endpoints + key): $${ourNetwork.toFixed(2)}`);
out.push(`  usual way (amazon-sagemaker-secure-mlops env-vpc-endpoints.yaml: ${usualEndpoints} interface endpoints x ${usualAzs} AZs):`);
out.push(`    endpoints $${usualEndpointsUsd.toFixed(2)} + ${usualAzs} NAT gateways $${usualNatUsd.toFixed(2)} (CreateNATGateways default YES) = $${(usualEndpointsUsd + usualNatUsd).toFixed(2)}`);
out.push(`    network saving vs usual way: $${(usualEndpointsUsd + usualNatUsd - ourNetwork).toFixed(2)}/month `
  + `($${(usualEndpointsUsd - ourNetwork).toFixed(2)} without counting NAT)`);
process.stdout.write(out.join('\n') + '\n');

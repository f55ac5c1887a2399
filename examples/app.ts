/**
 * The example app: what the README's main-job command synthesizes, offline.
 *
 *   bash scripts/example.sh
 *
 * 1. The full platform in one account (stack MlopsExample) into cdk.out.
 * 2. The same platform across a tooling, a staging and a production account
 *    into cdk.out/multi-account.
 * 3. The non-production variant of the one-account platform (interface
 *    endpoints in one Availability Zone) into cdk.out/non-production, and
 *    the idle network cost of every endpoint placement side by side.
 * 4. A variant with the other hosting options: an asynchronous production
 *    stage that scales in to zero and a nightly batch transform stage, into
 *    cdk.out/hosting.
 * Both run under the four cdk-nag packs and the library's MlopsChecks as
 * policy-validation plugins. The summary prints layers, stacks, resources per
 * layer, endpoints, the idle monthly cost and the findings, and a diagram of
 * each is generated from the synthesized templates (cdk.out/platform.svg).
 */
import * as path from 'path';
import { App, IPolicyValidationPlugin, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { writeDiagram } from './diagram';
import { muteValidationBanner, packsThatRun, printPlatformSummary, reportFindings } from './summary';
import { DeploymentTarget } from '../src/deployment';
import { MlopsChecks } from '../src/governance';
import { EndpointPlacement, MlEndpointService } from '../src/network';
import { CostReport, MlopsAccounts, MlopsAccountsProps, MlopsPlatform, PlatformLayer, PlatformNetworkOptions } from '../src/platform';

const outdir = process.env.CDK_OUTDIR ?? 'cdk.out';
const multiOutdir = path.join(outdir, 'multi-account');
const CONTEXT = {
  'aws:cdk:disable-creation-stack-traces': true,
  // findings are printed by the summary (and fail the run) instead
  '@aws-cdk/core:failSynthOnValidationErrors': false,
};

const makePacks = (scope: App): IPolicyValidationPlugin[] => [
  new AwsSolutionsChecks(scope), new HIPAASecurityChecks(scope), new NIST80053R5Checks(scope), new PCIDSS321Checks(scope),
];
muteValidationBanner();

// 1. one account
const app = new App({ outdir, context: CONTEXT });
const stack = new Stack(app, 'MlopsExample', {
  env: { account: '111111111111', region: 'us-east-1' },
  description: 'cdk-mlops example: the full MLOps platform in one account',
});
const platform = new MlopsPlatform(stack, 'Platform');
Validations.of(app).addPlugins(...makePacks(app), new MlopsChecks());
app.synth();

// 2. tooling, staging and production accounts
const ACCOUNTS: MlopsAccountsProps = {
  toolingAccountId: '111111111111',
  region: 'us-east-1',
  targets: [
    { stageName: 'staging', accountId: '222222222222' },
    { stageName: 'production', accountId: '333333333333', approvalRequired: true, initialInstanceCount: 2 },
  ],
};
const multi = new App({ outdir: multiOutdir, context: CONTEXT });
new MlopsAccounts(multi, 'Mlops', ACCOUNTS);
Validations.of(multi).addPlugins(...makePacks(multi), new MlopsChecks({ allowedAccountIds: ['222222222222', '333333333333'] }));
multi.synth();

// 3. non-production: the same platform with its interface endpoints in one zone
const nonProductionOutdir = path.join(outdir, 'non-production');
const nonProduction = new App({ outdir: nonProductionOutdir, context: CONTEXT });
new MlopsPlatform(new Stack(nonProduction, 'MlopsExampleNonProduction', {
  env: { account: '111111111111', region: 'us-east-1' },
  description: 'cdk-mlops example: the platform in one non-production account, interface endpoints in one zone',
}), 'Platform', { networkOptions: { endpointPlacement: EndpointPlacement.singleAz() } });
Validations.of(nonProduction).addPlugins(...makePacks(nonProduction), new MlopsChecks());
nonProduction.synth();

// 4. hosting options: staging real-time, production asynchronous (scales in to zero), nightly batch transform
const hostingOutdir = path.join(outdir, 'hosting');
const hosting = new App({ outdir: hostingOutdir, context: CONTEXT });
const hostingStack = new Stack(hosting, 'MlopsHosting', {
  env: { account: '111111111111', region: 'us-east-1' },
  description: 'cdk-mlops example: an asynchronous stage and a nightly batch transform behind the approval deployment',
});
new MlopsPlatform(hostingStack, 'Platform', {
  layers: [PlatformLayer.PIPELINE, PlatformLayer.DEPLOYMENT, PlatformLayer.MONITORING],
  deploymentOptions: {
    stages: [
      { stageName: 'staging' },
      { stageName: 'production', approvalRequired: true, target: DeploymentTarget.asynchronous({ minCapacity: 0, maxCapacity: 4 }) },
      {
        stageName: 'nightly',
        approvalRequired: true,
        target: DeploymentTarget.batch({
          inputBucket: s3.Bucket.fromBucketName(hostingStack, 'ScoringData', 'mlops-example-scoring'),
          inputPrefix: 'incoming/',
          schedule: events.Schedule.cron({ hour: '2', minute: '0' }),
        }),
      },
    ],
  },
});
Validations.of(hosting).addPlugins(...makePacks(hosting), new MlopsChecks());
hosting.synth();

// prove the packs really run in this runtime (they report nothing when they pass)
const running = packsThatRun(makePacks);
const single = printPlatformSummary('single account', outdir, running);
const multiReport = printPlatformSummary('multi-account (tooling, staging, production)', multiOutdir, running);
const nonProductionReport = printPlatformSummary('single account, non-production (endpoints in one zone)', nonProductionOutdir, running);
printPlatformSummary('hosting options (asynchronous production, nightly batch)', hostingOutdir, running);
printPlacements([
  ['one account, every AZ (default)', single],
  ['one account, one AZ (non-production)', nonProductionReport],
  ['one account, central endpoint VPC', platformCost({
    endpointPlacement: EndpointPlacement.central({ services: platform.endpointServiceNames.map((n) => MlEndpointService.of(n)) }),
  })],
  ['three accounts, every AZ', multiReport],
  ['three accounts, one AZ (non-production)', accountsCost({ endpointPlacement: EndpointPlacement.singleAz() })],
  ['three accounts, central endpoint VPC', accountsCost({
    endpointPlacement: EndpointPlacement.central({ services: platform.endpointServiceNames.map((n) => MlEndpointService.of(n)) }),
  })],
]);
writeDiagram(outdir, path.join(outdir, 'platform.svg'), 'cdk-mlops platform: one account (MlopsExample)');
writeDiagram(multiOutdir, path.join(outdir, 'platform-multi-account.svg'), 'cdk-mlops platform: tooling, staging and production accounts');
process.stdout.write(`\ndiagrams: ${path.join(outdir, 'platform.svg')}, ${path.join(outdir, 'platform-multi-account.svg')}\n`);

const findings = [outdir, multiOutdir, nonProductionOutdir, hostingOutdir].flatMap((dir) => reportFindings(dir));
if (findings.length > 0 || running.length !== 4) {
  process.exitCode = 1;
}

/** The idle cost of the one-account platform with other network options (synthesized without the packs). */
function platformCost(networkOptions: PlatformNetworkOptions): CostReport {
  const variant = new App({ context: CONTEXT });
  const variantStack = new Stack(variant, 'MlopsExampleVariant', { env: { account: '111111111111', region: 'us-east-1' } });
  new MlopsPlatform(variantStack, 'Platform', { networkOptions });
  return CostReport.fromStack(variantStack);
}

/** The idle cost of the three-account platform with other tooling network options. */
function accountsCost(networkOptions: PlatformNetworkOptions): CostReport {
  const variant = new App({ context: CONTEXT });
  const accounts = new MlopsAccounts(variant, 'Mlops', { ...ACCOUNTS, platform: { networkOptions } });
  return CostReport.combine([accounts.toolingStack, ...accounts.targetStacks].map((s) => CostReport.fromStack(s)));
}

/** Print the network's idle cost per endpoint placement, side by side. */
function printPlacements(rows: Array<[string, CostReport]>): void {
  const out = ['', '=== idle network cost by interface endpoint placement (us-east-1, on-demand, 730 h/month) ==='];
  out.push(`${'placement'.padEnd(42)}${'endpoint-AZs billed'.padStart(20)}${'served elsewhere'.padStart(18)}${'network $/month'.padStart(17)}`);
  for (const [name, report] of rows) {
    const network = report.lines.filter((l) => l.layer === 'network');
    const billed = network.filter((l) => l.item.startsWith('interface endpoint') && l.monthlyUsd > 0).reduce((n, l) => n + l.quantity, 0);
    const elsewhere = network.filter((l) => l.item.startsWith('interface endpoint') && l.monthlyUsd === 0).length;
    out.push(`${name.padEnd(42)}${String(billed).padStart(20)}${String(elsewhere).padStart(18)}${report.monthlyUsdOf('network').toFixed(2).padStart(17)}`);
  }
  out.push('"served elsewhere": endpoints of a central endpoint VPC, billed once in its account (transit not counted).');
  process.stdout.write(out.join('\n') + '\n');
}

/**
 * The example app: what the README's main-job command synthesizes, offline.
 *
 *   bash scripts/example.sh
 *
 * 1. The full platform in one account (stack MlopsExample) into cdk.out.
 * 2. The same platform across a tooling, a staging and a production account
 *    into cdk.out/multi-account.
 * Both run under the four cdk-nag packs and the library's MlopsChecks as
 * policy-validation plugins. The summary prints layers, stacks, resources per
 * layer, endpoints, the idle monthly cost and the findings, and a diagram of
 * each is generated from the synthesized templates (cdk.out/platform.svg).
 */
import * as path from 'path';
import { App, IPolicyValidationPlugin, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { writeDiagram } from './diagram';
import { muteValidationBanner, packsThatRun, printPlatformSummary, reportFindings } from './summary';
import { MlopsChecks } from '../src/governance';
import { MlopsAccounts, MlopsPlatform } from '../src/platform';

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
new MlopsPlatform(stack, 'Platform');
Validations.of(app).addPlugins(...makePacks(app), new MlopsChecks());
app.synth();

// 2. tooling, staging and production accounts
const multi = new App({ outdir: multiOutdir, context: CONTEXT });
new MlopsAccounts(multi, 'Mlops', {
  toolingAccountId: '111111111111',
  region: 'us-east-1',
  targets: [
    { stageName: 'staging', accountId: '222222222222' },
    { stageName: 'production', accountId: '333333333333', approvalRequired: true, initialInstanceCount: 2 },
  ],
});
Validations.of(multi).addPlugins(...makePacks(multi), new MlopsChecks({ allowedAccountIds: ['222222222222', '333333333333'] }));
multi.synth();

// prove the packs really run in this runtime (they report nothing when they pass)
const running = packsThatRun(makePacks);
printPlatformSummary('single account', outdir, running);
printPlatformSummary('multi-account (tooling, staging, production)', multiOutdir, running);
writeDiagram(outdir, path.join(outdir, 'platform.svg'), 'cdk-mlops platform: one account (MlopsExample)');
writeDiagram(multiOutdir, path.join(outdir, 'platform-multi-account.svg'), 'cdk-mlops platform: tooling, staging and production accounts');
process.stdout.write(`\ndiagrams: ${path.join(outdir, 'platform.svg')}, ${path.join(outdir, 'platform-multi-account.svg')}\n`);

const findings = [...reportFindings(outdir), ...reportFindings(multiOutdir)];
if (findings.length > 0 || running.length !== 4) {
  process.exitCode = 1;
}

/**
 * The example app: what the README's main-job command synthesizes, offline.
 * It builds the layers of cdk-mlops in one stack, runs the four cdk-nag packs
 * as policy-validation plugins and prints a summary of what was built.
 *
 *   bash scripts/example.sh
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { muteValidationBanner, packsThatRun, printSummary, reportFindings } from './summary';
import { SecureMlNetwork } from '../src';

const outdir = process.env.CDK_OUTDIR ?? 'cdk.out';
const app = new App({
  outdir,
  context: {
    'aws:cdk:disable-creation-stack-traces': true,
    // findings are printed by the summary (and fail the run) instead
    '@aws-cdk/core:failSynthOnValidationErrors': false,
  },
});

const stack = new Stack(app, 'MlopsExample', {
  description: 'cdk-mlops example: secure ML network',
});
new SecureMlNetwork(stack, 'Network');

const makePacks = (scope: App) => [
  new AwsSolutionsChecks(scope), new HIPAASecurityChecks(scope), new NIST80053R5Checks(scope), new PCIDSS321Checks(scope),
];
muteValidationBanner();
Validations.of(app).addPlugins(...makePacks(app));
app.synth();

// prove the packs really run in this runtime (they report nothing when they pass)
const running = packsThatRun(makePacks);
printSummary(outdir, running);
if (reportFindings(outdir).length > 0 || running.length !== 4) {
  process.exitCode = 1;
}

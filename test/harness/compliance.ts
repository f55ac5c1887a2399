/**
 * The compliance harness every layer's tests use.
 *
 * `synthCompliance()` synthesizes an app under the four cdk-nag 3 packs
 * (AwsSolutions, HIPAA Security, NIST 800-53 rev 5, PCI DSS 3.2.1) running as
 * aws-cdk-lib policy-validation plugins, reads `validation-report.json` and
 * returns every unacknowledged finding. It also writes each synthesized
 * template to `test-out/templates/` so `scripts/lint-templates.sh` can run
 * cfn-lint and checkov over every template the tests produced.
 *
 * A harness that silently stops checking is worse than none. aws-cdk-lib
 * leaves passing packs out of the report, so "no findings" cannot tell a clean
 * app from packs that never ran (as on aws-cdk-lib < 2.258, where they crash
 * inside the report). Every synth therefore carries a canary stack with a
 * known-bad bucket: each pack must report it, or the harness throws. The
 * canary's findings and template are then left out of the result.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';

/** The packs every template must pass. */
export const PACKS = ['AwsSolutions', 'HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'];

/** One unacknowledged finding. */
export interface Finding {
  readonly pack: string;
  readonly rule: string;
  readonly path: string;
  readonly severity: string;
}

/** The outcome of a compliance synth. */
export interface ComplianceResult {
  readonly findings: Finding[];
  /** Packs proven to have run (they reported the canary). */
  readonly packsRun: string[];
  /** Stacks synthesized. */
  readonly stacks: Stack[];
  /** Paths of the templates written for cfn-lint and checkov. */
  readonly templateFiles: string[];
}

/** Deterministic app context: no stack traces (no absolute paths), no lookups. */
export const TEST_CONTEXT: Record<string, unknown> = {
  'aws:cdk:disable-creation-stack-traces': true,
  '@aws-cdk/core:failSynthOnValidationErrors': false,
};

/**
 * A fresh app for tests, writing its assembly to a temporary folder, with the
 * four packs and the canary stack already in place (so the app may be
 * synthesized by `Template.fromStack` before `synthCompliance` reads the report).
 */
export function testApp(context: Record<string, unknown> = {}): App {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-test-'));
  const app = new App({ outdir, context: { ...TEST_CONTEXT, ...context } });
  const canary = new Stack(app, CANARY_STACK);
  new s3.Bucket(canary, 'KnownBadBucket');
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app),
    new HIPAASecurityChecks(app),
    new NIST80053R5Checks(app),
    new PCIDSS321Checks(app),
  );
  return app;
}

/** Options for a compliance synth. */
export interface ComplianceOptions {
  /** Names the template files; defaults to the test file and test name. */
  readonly label?: string;
  /**
   * Write the templates for cfn-lint and checkov. Off only for templates that
   * are bad on purpose (the harness's own positive controls).
   * @default true
   */
  readonly lintTemplates?: boolean;
}

/**
 * Synthesize the app (an app from `testApp()`) under the four packs and
 * return the findings.
 */
export function synthCompliance(app: App, options: ComplianceOptions = {}): ComplianceResult {
  const canary = app.node.tryFindChild(CANARY_STACK);
  if (!canary) {
    throw new Error('compliance harness: build the app with testApp() so the packs and the canary are in place');
  }
  const assembly = app.synth();
  const reportFile = path.join(assembly.directory, 'validation-report.json');
  if (!fs.existsSync(reportFile)) {
    throw new Error(`compliance harness: no validation report at ${reportFile}; the packs did not run`);
  }
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
  const findings: Finding[] = [];
  const packsRun: string[] = [];
  for (const pr of report.pluginReports ?? []) {
    const violations = pr.violations ?? [];
    if (violations.length === 0) {
      throw new Error(`compliance harness: pack ${pr.pluginName} failed without findings (crashed?): ${JSON.stringify(pr.metadata ?? pr)}`);
    }
    for (const v of violations) {
      for (const c of v.violatingConstructs ?? []) {
        if (c.constructPath.startsWith(`${CANARY_STACK}/`)) {
          if (!packsRun.includes(pr.pluginName)) {
            packsRun.push(pr.pluginName);
          }
          continue;
        }
        findings.push({ pack: pr.pluginName, rule: v.ruleName, path: c.constructPath, severity: v.severity });
      }
    }
  }
  const missing = PACKS.filter((p) => !packsRun.includes(p));
  if (missing.length > 0) {
    throw new Error(`compliance harness: packs that did not report the canary (not running?): ${missing.join(', ')}`);
  }
  const stacks = app.node.findAll().filter((c): c is Stack => Stack.isStack(c) && c !== canary);
  const real = assembly.stacksRecursively.filter((s) => s.displayName !== CANARY_STACK && !s.displayName.endsWith(`/${CANARY_STACK}`));
  const templateFiles = options.lintTemplates === false ? [] : writeTemplates(real, options.label ?? currentTestName());
  return { findings, packsRun, stacks, templateFiles };
}

/** The id of the stack that carries the known-bad canary bucket. */
export const CANARY_STACK = 'ComplianceCanary';

/**
 * aws-cdk-lib prints a "Performing Policy Validations" banner through
 * console.error on every synth of an app with plugins; the harness reads the
 * JSON report instead, so the banner is dropped for the test process.
 */
const originalConsoleError = console.error;
console.error = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].startsWith('Performing Policy Validations')) {
    return;
  }
  originalConsoleError(...args);
};

/**
 * Assert the app synthesizes with zero unacknowledged findings in all four
 * packs; the failure message lists every finding.
 */
export function expectCompliant(app: App, options: ComplianceOptions = {}): ComplianceResult {
  const result = synthCompliance(app, options);
  if (result.findings.length > 0) {
    const lines = result.findings.map((f) => `  ${f.rule} (${f.severity}) at ${f.path}`);
    throw new Error(`expected no unacknowledged findings, got ${result.findings.length}:\n${lines.join('\n')}`);
  }
  return result;
}

/** Where templates for cfn-lint and checkov are collected. */
export function templateDir(): string {
  return process.env.CDK_MLOPS_TEMPLATE_DIR ?? path.join(__dirname, '..', '..', 'test-out', 'templates');
}

function writeTemplates(stacks: Array<{ stackName: string; template: unknown; displayName: string }>, label: string): string[] {
  const dir = templateDir();
  fs.mkdirSync(dir, { recursive: true });
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/-+/g, '-').slice(0, 120);
  return stacks.map((s) => {
    const file = path.join(dir, `${safe(label)}--${safe(s.displayName)}.json`);
    fs.writeFileSync(file, JSON.stringify(s.template, undefined, 1));
    return file;
  });
}

function currentTestName(): string {
  const state = (globalThis as any).expect?.getState?.();
  const testFile = state?.testPath ? path.basename(state.testPath).replace(/\.test\.ts$/, '') : 'adhoc';
  return `${testFile}--${state?.currentTestName ?? 'unnamed'}`;
}

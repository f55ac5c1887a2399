/**
 * Test helpers for the MlopsChecks rule pack: evaluate one rule on a small
 * template, or run the plugin in a real app and read `validation-report.json`
 * the way aws-cdk-lib writes it (as test/harness/compliance.ts does).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Validations } from 'aws-cdk-lib';
import { MlopsChecks, MlopsChecksProps, MlopsRule, RuleFinding, TemplateResource } from '../../src/governance';

/** Context of every app here: no stack traces, and a report instead of a failing synth. */
export const CHECKS_CONTEXT = {
  'aws:cdk:disable-creation-stack-traces': true,
  '@aws-cdk/core:failSynthOnValidationErrors': false,
};

/**
 * aws-cdk-lib prints a "Performing Policy Validations" banner through
 * console.error on every synth with plugins; these tests read the JSON report.
 */
const originalConsoleError = console.error;
console.error = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].startsWith('Performing Policy Validations')) {
    return;
  }
  originalConsoleError(...args);
};

/** Evaluate one rule on one resource of a template given as a `Resources` map. */
export function evaluate(rule: MlopsRule, resources: Record<string, any>, logicalId: string): RuleFinding[] {
  const template = { Resources: resources };
  return rule.evaluate(TemplateResource._of(logicalId, resources[logicalId], template, '/tmp/fixture.template.json'));
}

/** The messages of evaluating a rule on a resource. */
export function messages(rule: MlopsRule, resources: Record<string, any>, logicalId: string): string[] {
  return evaluate(rule, resources, logicalId).map((f) => f.message);
}

/** One violating construct of the report. */
export interface ReportedFinding {
  readonly rule: string;
  readonly severity: string;
  readonly description: string;
  readonly constructPath: string;
  readonly logicalId?: string;
  readonly locations?: string[];
}

/** The MlopsChecks part of a validation report. */
export interface ChecksReport {
  readonly findings: ReportedFinding[];
  readonly suppressed: ReportedFinding[];
  readonly conclusion?: string;
  readonly metadata?: Record<string, string>;
}

/** A fresh app with MlopsChecks added as a validation plugin. */
export function checkedApp(props: MlopsChecksProps = {}): App {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-governance-'));
  const app = new App({ outdir, context: CHECKS_CONTEXT });
  Validations.of(app).addPlugins(new MlopsChecks(props));
  return app;
}

function toFinding(v: any): ReportedFinding[] {
  return (v.violatingConstructs ?? []).map((c: any) => ({
    rule: v.ruleName,
    severity: v.severity,
    description: v.description,
    constructPath: c.constructPath,
    logicalId: c.cloudFormationResource?.logicalId,
    locations: c.cloudFormationResource?.propertyPaths,
  }));
}

/** Synthesize the app and read MlopsChecks' part of `validation-report.json`. */
export function synthReport(app: App): ChecksReport {
  const assembly = app.synth();
  const file = path.join(assembly.directory, 'validation-report.json');
  if (!fs.existsSync(file)) {
    throw new Error(`no validation report at ${file}: the plugin did not run`);
  }
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  const mine = (report.pluginReports ?? []).find((r: any) => r.pluginName === 'MlopsChecks');
  if (!mine) {
    return { findings: [], suppressed: [] };
  }
  return {
    findings: (mine.violations ?? []).flatMap(toFinding),
    suppressed: (mine.suppressedViolations ?? []).flatMap(toFinding),
    conclusion: mine.conclusion,
    metadata: mine.metadata,
  };
}

/** Run the plugin directly on a template file (a fixture written as JSON). */
export function validateTemplate(template: unknown, props: MlopsChecksProps = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-governance-'));
  const file = path.join(dir, 'Fixture.template.json');
  fs.writeFileSync(file, JSON.stringify(template));
  return new MlopsChecks(props).validate({ templatePaths: [file], appConstruct: new App() });
}

/** Read a JSON fixture relative to test/fixtures. */
export function fixture(relative: string): any {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', relative), 'utf8'));
}

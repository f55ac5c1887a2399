/**
 * The AWS Control Tower proactive controls (cfn-guard rules bundled with
 * @cdklabs/cdk-validator-cfnguard, run offline by its bundled cfn-guard
 * binary) over every layer and over the full platform: zero failures, except
 * the exceptions documented with their reason in cfnguard-exceptions.json.
 * The four nag packs run in the same synth and must report nothing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { complianceStack } from './fixtures';
import { DEFAULT_LAYERS } from './stateful-layers';
import { MlopsPlatform } from '../../src/platform';
import { Finding, synthCompliance } from '../harness/compliance';

jest.setTimeout(180_000);

const PLUGIN = 'cdk-validator-cfnguard';

interface Exception {
  readonly rule: string;
  /** The CloudFormation type of the resource at the finding's path. */
  readonly type: string;
  readonly path: string;
  readonly status: 'by design' | 'open';
  readonly reason: string;
}

const EXCEPTIONS: Exception[] = JSON.parse(fs.readFileSync(path.join(__dirname, 'cfnguard-exceptions.json'), 'utf8')).exceptions;

/** CloudFormation type by construct path, for the resources of the app. */
const typeByPath = new Map<string, string>();

function excepted(f: Finding): Exception | undefined {
  // the plugin reports some findings without a path ('N/A'): those match on the rule alone, for keys only
  const type = f.path === 'N/A' ? 'AWS::KMS::Key' : typeByPath.get(f.path);
  return EXCEPTIONS.find((e) => e.rule === f.rule && e.type === type && new RegExp(e.path).test(f.path));
}

/** An app with the Control Tower controls, built by `build`, and its findings (canary left out). */
function controlTowerFindings(id: string, build: (stack: Stack) => void): { findings: Finding[]; nagFindings: Finding[]; canaryReported: boolean } {
  const { app, stack } = complianceStack(id);
  build(stack);
  Validations.of(app).addPlugins(new CfnGuardValidator());
  for (const r of app.node.findAll().filter(CfnResource.isCfnResource)) {
    typeByPath.set(r.node.path, r.cfnResourceType);
  }
  const result = synthCompliance(app, { label: `reliability-control-tower-${id}` });
  const report = JSON.parse(fs.readFileSync(path.join(app.outdir, 'validation-report.json'), 'utf8'));
  const guard = (report.pluginReports ?? []).find((r: any) => r.pluginName === PLUGIN);
  const canaryReported = JSON.stringify(guard?.violations ?? []).includes('ComplianceCanary/');
  return {
    findings: result.findings.filter((f) => f.pack === PLUGIN),
    nagFindings: result.findings.filter((f) => f.pack !== PLUGIN),
    canaryReported,
  };
}

const RULES = new CfnGuardValidator().ruleIds?.length ?? 0;
const allFindings: Finding[] = [];

describe.each([
  ['every layer with its defaults', 'ControlTower', (stack: Stack) => {
    for (const layer of DEFAULT_LAYERS) {
      // each layer under its own scope, so ids do not collide
      layer.build(new Construct(stack, layer.name[0].toUpperCase() + layer.name.slice(1)));
    }
  }],
  ['the full platform (MlopsPlatform with its defaults)', 'ControlTowerPlatform', (stack: Stack) => { new MlopsPlatform(stack, 'Platform'); }],
] as const)('Control Tower proactive controls over %s', (_name, id, build) => {
  const { findings, nagFindings, canaryReported } = controlTowerFindings(id, build);
  allFindings.push(...findings);

  test('the four nag packs report nothing in the same synth', () => {
    expect(nagFindings.map((f) => `${f.rule} at ${f.path}`)).toEqual([]);
  });

  test('the controls ran (they report the known-bad canary bucket)', () => {
    expect(canaryReported).toBe(true);
    expect(RULES).toBeGreaterThan(100);
  });

  test('no failure outside the documented exceptions', () => {
    const unexpected = findings.filter((f) => !excepted(f)).map((f) => `${f.rule} at ${f.path}`);
    // eslint-disable-next-line no-console
    console.log(`control tower (${id}): ${RULES} rules, ${findings.length} findings, ${findings.length - unexpected.length} on documented exceptions`);
    expect(unexpected).toEqual([]);
  });
});

describe('Control Tower exceptions', () => {
  test('every documented exception has a reason and is still needed', () => {
    for (const e of EXCEPTIONS) {
      expect({ rule: e.rule, reason: e.reason.length > 40, status: ['by design', 'open'].includes(e.status) }).toEqual({ rule: e.rule, reason: true, status: true });
      expect({ rule: e.rule, path: e.path, used: allFindings.some((f) => excepted(f) === e) }).toEqual({ rule: e.rule, path: e.path, used: true });
    }
    // eslint-disable-next-line no-console
    console.log(`control tower exceptions: ${EXCEPTIONS.length} (${EXCEPTIONS.filter((e) => e.status === 'open').length} open)`);
  });
});

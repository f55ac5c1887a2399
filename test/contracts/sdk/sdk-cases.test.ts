/**
 * Renders the SDK-oracle cases with this library and writes them to
 * test-out/sdk-oracle/ours/<case>.json, where test_sdk_oracle.py (run with
 * .venv-sdk2 and .venv-sdk3 by scripts/test.sh) compares them with the
 * SageMaker Python SDK's output for the same inputs, and
 * test_botocore_arguments.py checks each step's Arguments against botocore.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { CASES, INPUTS, renderCase } from './cases';
import * as pipeline from '../../../src/pipeline';
import { PipelineStep, SageMakerImage } from '../../../src/pipeline';
import { definitionSteps } from '../../../src/private/pipeline-definition-steps';
import { testApp } from '../../harness/compliance';
import { expectSchemaValid } from '../../pipeline/definition-schema';

const OUT = path.join(__dirname, '..', '..', '..', 'test-out', 'sdk-oracle', 'ours');

const rendered: { [name: string]: any } = {};
beforeAll(() => {
  fs.mkdirSync(OUT, { recursive: true });
  for (const name of Object.keys(CASES)) {
    rendered[name] = renderCase(name);
    fs.writeFileSync(path.join(OUT, `${name}.json`), JSON.stringify(rendered[name], null, 1) + '\n');
  }
});

/** Every string and object of a JSON value, depth first. */
function nodes(value: any, out: any[] = []): any[] {
  out.push(value);
  if (Array.isArray(value)) {
    value.forEach((v) => nodes(v, out));
  } else if (value && typeof value === 'object') {
    Object.values(value).forEach((v) => nodes(v, out));
  }
  return out;
}

/**
 * Step classes no SDK case builds yet (each with why). DriftBaselineStep (issue 16) is now
 * compared in the `drift-baseline` case.
 */
const NOT_YET_IN_ORACLE: Record<string, string> = {};

describe('SDK oracle cases', () => {
  test('writes one definition per case, with no CDK token left in it', () => {
    // THEN
    expect(fs.readdirSync(OUT).filter((f) => f.endsWith('.json')).sort()).toEqual(Object.keys(CASES).map((n) => `${n}.json`).sort());
    for (const definition of Object.values(rendered)) {
      expect(JSON.stringify(definition)).not.toMatch(/\$\{Token\[|<Ref |Fn::/);
    }
  });

  test('use every step class the library exports', () => {
    // GIVEN
    const classes = Object.entries(pipeline)
      .filter(([, v]) => typeof v === 'function' && (v as any).prototype instanceof PipelineStep)
      .map(([k]) => k).sort();
    const used = new Set<string>();
    const stack = new Stack(testApp(), 'Coverage');
    for (const build of Object.values(CASES)) {
      const visit = (steps: PipelineStep[]) => steps.forEach((s) => {
        used.add(s.constructor.name);
        visit(s._children());
      });
      visit(build({ stack, image: SageMakerImage.of(INPUTS.image) }).steps);
    }
    // THEN: every class is in a case, except those listed as not yet compared with the SDK
    // (each with why; an entry that a case starts using fails, so the list cannot go stale)
    expect(classes.length).toBeGreaterThanOrEqual(13);
    for (const name of Object.keys(NOT_YET_IN_ORACLE)) {
      expect(used.has(name)).toBe(false);
    }
    expect([...used, ...Object.keys(NOT_YET_IN_ORACLE)].sort()).toEqual(classes);
  });

  test('use every condition kind, value kind, execution variable, parameter type, retry policy kind and cache setting', () => {
    // GIVEN
    const all = Object.values(rendered).flatMap((d) => nodes(d));
    const steps = Object.values(rendered).flatMap((d) => definitionSteps(d).map((s) => s.json));
    const conditions = steps.filter((s) => s.Type === 'Condition').flatMap((s) => nodes(s.Arguments.Conditions))
      .filter((n) => n && typeof n === 'object' && typeof n.Type === 'string').map((n) => n.Type);
    const gets = all.filter((n) => n && typeof n === 'object' && typeof n.Get === 'string').map((n) => n.Get as string);
    // THEN
    // notEqualTo is written Not(Equals): the SDK has no NotEquals.
    expect([...new Set(conditions)].sort()).toEqual(['Equals', 'GreaterThan', 'GreaterThanOrEqualTo', 'In', 'LessThan', 'LessThanOrEqualTo', 'Not', 'Or']);
    expect([...new Set(gets.filter((g) => g.startsWith('Execution.')))].sort()).toEqual([
      'Execution.CurrentDateTime', 'Execution.PipelineArn', 'Execution.PipelineExecutionArn', 'Execution.PipelineExecutionId', 'Execution.PipelineName', 'Execution.StartDateTime',
    ]);
    expect(gets.some((g) => g.startsWith('Parameters.'))).toBe(true);
    expect(gets.some((g) => /^Steps\.[^.]+\.(ProcessingOutputConfig|ModelArtifacts|ModelName|OutputParameters)/.test(g))).toBe(true);
    expect(all.some((n) => n && typeof n === 'object' && 'Std:JsonGet' in n)).toBe(true);
    expect(all.some((n) => n && typeof n === 'object' && 'Std:Join' in n)).toBe(true);
    const parameterTypes = Object.values(rendered).flatMap((d) => d.Parameters.map((p: any) => p.Type));
    expect([...new Set(parameterTypes)].sort()).toEqual(['Boolean', 'Float', 'Integer', 'String']);
    const retries = steps.flatMap((s) => s.RetryPolicies ?? []);
    expect(retries.some((r) => 'MaxAttempts' in r)).toBe(true);
    expect(retries.some((r) => 'ExpireAfterMin' in r)).toBe(true);
    expect([...new Set(retries.flatMap((r) => r.ExceptionType))].sort()).toEqual([
      'SageMaker.CAPACITY_ERROR', 'SageMaker.JOB_INTERNAL_ERROR', 'SageMaker.RESOURCE_LIMIT', 'Step.SERVICE_FAULT', 'Step.THROTTLING',
    ]);
    expect(steps.filter((s) => s.CacheConfig).map((s) => s.Type).sort()).toEqual(['Processing', 'QualityCheck', 'Training', 'Transform']);
  });

  test('each case is valid against the published schema with the listed SDK divergences', () => {
    for (const [name, definition] of Object.entries(rendered)) {
      expect({ name, divergences: expectSchemaValid(definition).length >= 0 }).toEqual({ name, divergences: true });
    }
  });
});

/**
 * Property: every generated VALID configuration of every layer synthesizes,
 * passes the four cdk-nag packs with zero unacknowledged findings, except
 * the documented by-design ones of generators.ts KNOWN_FINDINGS (the
 * templates are written for cfn-lint, checkov and parliament), and keeps its
 * stateful resources on delete and replacement.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { ALL_LAYERS } from './all-layers';
import { complianceStack, SEED } from './fixtures';
import { synthCompliance } from '../harness/compliance';
import { expectStatefulRetained } from '../harness/stateful';

jest.setTimeout(300_000);

const synthesized: Record<string, number> = {};

describe('every generated valid configuration synthesizes and passes the four packs', () => {
  test.each(ALL_LAYERS.map((l) => [l.name, l] as const))('%s', (name, layer) => {
    // GIVEN a fixed seed and the layer's generator of valid props
    let run = 0;
    fc.assert(fc.property(layer.valid, (config) => {
      // WHEN one configuration is built in its own compliance app
      const { app, stack } = complianceStack(`Fuzz${name[0].toUpperCase()}${name.slice(1)}`);
      config.build(stack);

      // THEN it passes the four packs, and its stateful resources are retained
      const result = synthCompliance(app, { label: `reliability-valid-${name}-${run++}` });
      expect(result.templateFiles.length).toBeGreaterThan(0);
      const known = config.knownFindings ?? [];
      const unexpected = result.findings.filter((f) => !known.some((k) => k.rule === f.rule && k.path.test(f.path)));
      expect(unexpected.map((f) => `${f.rule} at ${f.path}`)).toEqual([]);
      for (const k of known) {
        const reported = result.findings.some((f) => f.rule === k.rule && k.path.test(f.path));
        expect({ rule: k.rule, reported }).toEqual({ rule: k.rule, reported: true });
      }
      if (config.retained) {
        expectStatefulRetained(Template.fromStack(stack));
      }
    }), { seed: SEED, numRuns: layer.validRuns, endOnFailure: true });
    synthesized[name] = run;
    expect(run).toBe(layer.validRuns);
  });

  afterAll(() => {
    const total = Object.values(synthesized).reduce((a, b) => a + b, 0);
    // eslint-disable-next-line no-console
    console.log(`fuzzed valid configurations: ${total} ${JSON.stringify(synthesized)}`);
  });
});

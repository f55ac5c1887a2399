/**
 * Property: every generated INVALID configuration (a valid base with one
 * injected fault) throws an aws-cdk-lib ValidationError whose message names
 * the prop at fault. No synth is needed: validation runs in the constructor.
 */
import * as fc from 'fast-check';
import { ALL_LAYERS } from './all-layers';
import { literal, plainStack, rejection, SEED } from './fixtures';

const RUNS = 100;
const checked: Record<string, number> = {};

describe('every generated invalid configuration throws a ValidationError naming the prop', () => {
  test.each(ALL_LAYERS.map((l) => [l.name, l] as const))('%s', (name, layer) => {
    let runs = 0;
    fc.assert(fc.property(layer.invalid, (fault) => {
      // WHEN the faulty configuration is built
      const { isValidationError, message } = rejection(() => fault.build(plainStack()));

      // THEN it is a ValidationError and the message names the prop, its value and a fix
      runs++;
      expect({ isValidationError, prop: fault.prop }).toEqual({ isValidationError: true, prop: fault.prop });
      expect(message).toMatch(new RegExp(`${literal(fault.prop)}[^\\n]*: got `));
      expect(message).toMatch(/Fix: /);
    }), { seed: SEED, numRuns: RUNS });
    checked[name] = runs;
  });

  afterAll(() => {
    // eslint-disable-next-line no-console
    console.log(`fuzzed invalid configurations: ${Object.values(checked).reduce((a, b) => a + b, 0)} ${JSON.stringify(checked)}`);
  });
});

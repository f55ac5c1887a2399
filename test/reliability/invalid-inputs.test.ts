/**
 * The catalogue of invalid inputs across the library: each entry is built in
 * a fresh stack and must throw an aws-cdk-lib ValidationError whose message
 * contains every expected fragment (the prop, the value given, the fix).
 */
import { FINAL_LAYER_INPUTS, InvalidInput } from './catalogue-final';
import { WORKFLOW_LAYER_INPUTS } from './catalogue-workflow';
import { plainStack, rejection } from './fixtures';

const CATALOGUE: InvalidInput[] = [...FINAL_LAYER_INPUTS, ...WORKFLOW_LAYER_INPUTS];

describe('invalid inputs catalogue', () => {
  test('prints the count and holds at least 60 distinct inputs', () => {
    const names = CATALOGUE.map((c) => `${c.layer}: ${c.name}`);
    const perLayer = CATALOGUE.reduce<Record<string, number>>((acc, c) => ({ ...acc, [c.layer]: (acc[c.layer] ?? 0) + 1 }), {});
    // eslint-disable-next-line no-console
    console.log(`invalid inputs: ${CATALOGUE.length} ${JSON.stringify(perLayer)}`);
    expect(new Set(names).size).toBe(names.length);
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(60);
  });

  test.each(CATALOGUE.map((c) => [c.layer, c.name, c] as const))('%s fails when %s', (_layer, _name, input) => {
    // GIVEN a fresh stack / WHEN the input is built
    const { isValidationError, message } = rejection(() => input.build(plainStack()));

    // THEN a ValidationError, with every expected fragment in its message
    expect(isValidationError).toBe(true);
    for (const fragment of input.expected) {
      expect(message).toMatch(fragment);
    }
    expect(message).toMatch(/Fix: /);
  });
});

import * as fs from 'fs';
import * as path from 'path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { findProblems } = require('../../scripts/check-api-shape.js');

describe('public API shape (jsii languages)', () => {
  test('fails on unions and any, in properties, parameters and return types', () => {
    const assembly = {
      types: {
        'x.Props': { properties: [{ name: 'size', type: { union: { types: [{ primitive: 'string' }, { primitive: 'number' }] } } }] },
        'x.Thing': {
          initializer: { parameters: [{ name: 'props', type: { fqn: 'x.Props' } }] },
          methods: [
            { name: 'load', parameters: [{ name: 'data', type: { collection: { kind: 'array', elementtype: { primitive: 'any' } } } }] },
            { name: 'value', returns: { type: { primitive: 'any' } } },
          ],
        },
      },
    };
    const { problems } = findProblems(assembly);
    expect(problems).toEqual([
      'x.Props.size: union type (string | number)',
      'x.Thing.load(data)[]: any',
      'x.Thing.value() returns: any',
    ]);
  });

  test('a clean assembly passes', () => {
    const { problems, members } = findProblems({ types: { 'x.T': { properties: [{ name: 'a', type: { primitive: 'string' } }] } } });
    expect(problems).toEqual([]);
    expect(members).toBe(1);
  });

  test('the compiled library has none', () => {
    const file = path.join(__dirname, '..', '..', '.jsii');
    if (!fs.existsSync(file)) {
      throw new Error('no .jsii assembly: compile first (`npx jsii`; scripts/test.sh does)');
    }
    const { problems, types } = findProblems(JSON.parse(fs.readFileSync(file, 'utf8')));
    expect(problems).toEqual([]);
    expect(types).toBeGreaterThan(50);
  });
});

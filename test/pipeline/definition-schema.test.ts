import * as fs from 'fs';
import * as path from 'path';
import { expectSchemaValid, listedSchemaDivergences, publishedSchemaErrors, schemaErrors, schemaOverlays } from './definition-schema';
import { CASES, renderCase } from '../contracts/sdk/cases';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const sdkFixtures = [
  ...fs.readdirSync(path.join(FIXTURES, 'pipeline')).filter((f) => /^sdk.*\.json$/.test(f)).map((f) => path.join(FIXTURES, 'pipeline', f)),
  path.join(FIXTURES, 'governance', 'sdk-secure.json'),
];
const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

/** Our definition of a case, with one change. */
function changed(caseName: string, change: (definition: any) => void): any {
  const definition = renderCase(caseName);
  change(definition);
  return definition;
}

describe('published definition schema with the listed SDK divergences', () => {
  test('the overlays are exactly the schema divergences listed in divergences.json', () => {
    expect(schemaOverlays()).toEqual(listedSchemaDivergences());
  });

  test('every listed schema divergence is needed by a definition of the library or of the SDK', () => {
    // GIVEN
    const corpus = [...Object.keys(CASES).map((name) => renderCase(name)), ...sdkFixtures.map(read)];
    // WHEN
    const needed = new Set(corpus.flatMap((definition) => expectSchemaValid(definition)));
    // THEN
    expect([...needed].sort()).toEqual(listedSchemaDivergences());
  });

  test('the published schema alone rejects what the divergences cover (they are real)', () => {
    expect(publishedSchemaErrors(renderCase('conditions')).length).toBeGreaterThan(0);
    expect(schemaErrors(renderCase('conditions'))).toEqual([]);
  });

  test('fails when a Not condition carries Expression instead of Condition', () => {
    // GIVEN
    const definition = changed('conditions', (d) => {
      const gate = d.Steps.find((s: any) => s.Type === 'Condition');
      const not = gate.Arguments.Conditions.find((c: any) => c.Type === 'Not');
      not.Expression = not.Condition;
      delete not.Condition;
    });
    // THEN
    expect(() => expectSchemaValid(definition)).toThrow(/does not validate against the published schema/);
  });

  test('fails when processing Arguments have an unknown member', () => {
    const definition = changed('processing', (d) => {
      d.Steps[0].Arguments.ProcessingResources.ClusterConfig.VolumeKmsKey = 'k';
    });
    expect(schemaErrors(definition)).toEqual(expect.arrayContaining([expect.stringMatching(/ClusterConfig must NOT have additional properties \{"additionalProperty":"VolumeKmsKey"\}/)]));
  });

  test('fails when a JsonGet has no Path, or an EMR StepConfig an unknown member', () => {
    const jsonGet = changed('conditions', (d) => {
      const gate = d.Steps.find((s: any) => s.Type === 'Condition');
      delete gate.Arguments.Conditions[0].LeftValue['Std:JsonGet'].Path;
    });
    const emr = changed('integrations', (d) => {
      d.Steps.find((s: any) => s.Type === 'EMR').Arguments.StepConfig.Properties = [];
    });
    expect(() => expectSchemaValid(jsonGet)).toThrow(/does not validate/);
    expect(schemaErrors(emr)).toEqual(expect.arrayContaining([expect.stringMatching(/StepConfig must NOT have additional properties \{"additionalProperty":"Properties"\}/)]));
  });
});

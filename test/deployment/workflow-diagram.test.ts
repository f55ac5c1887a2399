/**
 * The state diagrams in docs/deployment-lifecycle.md are generated from the
 * synthesized workflow (scripts/workflow-diagram.ts) and must be up to date.
 */
import * as fs from 'fs';
import { DOC, defaultDefinition, describeRule, diagrams, withDiagrams } from '../../scripts/workflow-diagram';

describe('workflow diagrams in docs/deployment-lifecycle.md', () => {
  const definition = defaultDefinition();
  const doc = fs.readFileSync(DOC, 'utf8');

  test('the committed diagrams are what the synthesized definition renders', () => {
    // GIVEN / WHEN
    const rendered = withDiagrams(doc, diagrams(definition));
    // THEN (to update: npx ts-node --prefer-ts-exts scripts/workflow-diagram.ts)
    expect(rendered).toBe(doc);
  });

  test('positive control: a changed workflow no longer matches the committed diagrams', () => {
    // GIVEN the same definition with one transition moved
    const changed = JSON.parse(JSON.stringify(definition));
    changed.States['Deploy or roll back?'].Default = 'Rolled back';
    // WHEN / THEN
    expect(withDiagrams(doc, diagrams(changed))).not.toBe(doc);
  });

  test('every state of the production stage is in the stage diagram, every status rule in words', () => {
    // GIVEN
    const { stage } = diagrams(definition);
    const branch = definition.States['Deploy stages'].Branches[0];
    // THEN
    for (const name of Object.keys(branch.States).filter((n) => n.startsWith('production: '))) {
      expect(stage).toContain(`state "${name.replace(/"/g, '\'')}`);
    }
    expect(describeRule({ Or: ['Creating', 'Updating'].map((v) => ({ Variable: '$.Stage.Live.EndpointStatus', StringEquals: v })) }))
      .toBe('Live.EndpointStatus in Creating/Updating');
  });
});

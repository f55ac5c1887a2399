import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { anchorsOf, check, slug } = require('../../scripts/check-links.js');

function pages(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'links-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('documentation link check (scripts/check-links.js)', () => {
  test('anchors follow GitHub: code spans keep their text, punctuation goes, duplicates are numbered', () => {
    // GIVEN headings as the README and docs/ write them
    const text = [
      '# ML pipeline (`MlPipeline`, `PipelineDefinition` and steps)',
      '## `MlopsChecks` — the rule pack',
      '## Security notes',
      '## Security notes',
      '```',
      '# not a heading: inside a code block',
      '```',
      '<a id="custom"></a>',
    ].join('\n');
    // THEN
    expect([...anchorsOf(text)]).toEqual([
      'ml-pipeline-mlpipeline-pipelinedefinition-and-steps',
      'mlopschecks--the-rule-pack',
      'security-notes',
      'security-notes-1',
      'custom',
    ]);
    expect(slug("Each layer's cost notes")).toBe('each-layers-cost-notes');
  });

  test('fails when a link points to a missing file or a missing anchor', () => {
    // GIVEN a page with one good and three dead links (one in a reference definition)
    const dir = pages({
      'README.md': [
        '# Title',
        'See [network](docs/network.md#security-notes) and [same page](#title).',
        'Dead: [gone](docs/gone.md), [no anchor](docs/network.md#cost-notes), [ref].',
        'Not links: `[x](nowhere.md)` and external [AWS](https://aws.amazon.com/nowhere).',
        '```md',
        '[inside a fence](nowhere.md)',
        '```',
        '[ref]: docs/network.md#nope',
      ].join('\n'),
      'docs/network.md': '# Network\n\n## Security notes\n',
    });
    // WHEN
    const { problems, count } = check([path.join(dir, 'README.md'), path.join(dir, 'docs', 'network.md')]);
    // THEN
    expect(count).toBe(5);
    expect(problems).toEqual([
      expect.stringMatching(/README\.md:3: 'docs\/gone\.md': no such file/),
      expect.stringMatching(/README\.md:3: 'docs\/network\.md#cost-notes': no heading with anchor #cost-notes/),
      expect.stringMatching(/README\.md:8: 'docs\/network\.md#nope': no heading with anchor #nope/),
    ]);
  });

  test('the README and docs/ of this repository have no dead link', () => {
    const root = path.join(__dirname, '..', '..');
    const files = [path.join(root, 'README.md'), ...fs.readdirSync(path.join(root, 'docs'))
      .filter((f) => f.endsWith('.md')).map((f) => path.join(root, 'docs', f))];
    const { problems, count } = check(files);
    expect(problems).toEqual([]);
    expect(count).toBeGreaterThan(50);
  });
});

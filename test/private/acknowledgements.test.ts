import * as fs from 'fs';
import * as path from 'path';
import { CfnResource, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ACKNOWLEDGEMENTS, AcknowledgementEntry, acknowledge } from '../../src/private/acknowledgements';

function allFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? allFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]);
}

/** The source without comment lines (doc comments may show how to acknowledge). */
function codeOnly(source: string): string {
  return source.split('\n').filter((l) => !/^\s*(\*|\/\/|\/\*)/.test(l)).join('\n');
}

describe('acknowledgements registry', () => {
  const entries = Object.entries<AcknowledgementEntry>(ACKNOWLEDGEMENTS);

  test('prints the count of acknowledged findings per tool', () => {
    const count = (tool: 'nag' | 'checkov' | 'cfnLint') => entries.reduce((n, [, e]) => n + e[tool].length, 0);
    const summary = { entries: entries.length, nag: count('nag'), checkov: count('checkov'), cfnLint: count('cfnLint') };
    // eslint-disable-next-line no-console
    console.log(`acknowledgements: ${JSON.stringify(summary)}`);
    expect(summary.entries).toBeGreaterThan(0);
  });

  test('every acknowledgement has a specific id and a reason a reviewer can read', () => {
    for (const [name, entry] of entries) {
      expect(entry.resource.length).toBeGreaterThan(10);
      for (const f of [...entry.nag, ...entry.checkov, ...entry.cfnLint]) {
        expect({ name, id: f.id, reasonLength: f.reason.length > 40 }).toEqual({ name, id: f.id, reasonLength: true });
      }
      for (const f of entry.nag) {
        // bare rule ids are matched per resource by cdk-nag; a 'Pack::' prefix would silence the rule app-wide
        expect(f.id.split('[')[0]).not.toContain('::');
        expect(f.id).toMatch(/^(AwsSolutions|HIPAA\.Security|NIST\.800\.53\.R5|PCI\.DSS\.321)-/);
      }
    }
  });

  test('no source file outside the registry acknowledges findings or writes lint metadata', () => {
    const src = path.join(__dirname, '..', '..', 'src');
    const offenders = allFiles(src)
      .filter((f) => f.endsWith('.ts') && !f.endsWith(path.join('private', 'acknowledgements.ts')))
      .filter((f) => /\.acknowledge\(|addMetadata\(\s*(['"](checkov|cfn-lint|cdk_nag)|Validations\.ACKNOWLEDGED_RULES_METADATA_KEY)/.test(codeOnly(fs.readFileSync(f, 'utf8'))));
    expect(offenders).toEqual([]);
  });

  test('lint metadata is written on the resource only', () => {
    const stack = new Stack();
    const r = new CfnResource(stack, 'R', { type: 'AWS::S3::Bucket' });
    acknowledge(r, 'accessLogBucket');
    Template.fromStack(stack).hasResource('AWS::S3::Bucket', {
      Metadata: { checkov: { skip: [{ id: 'CKV_AWS_18', comment: Match.stringLikeRegexp('access-log destination') }] } },
    });
  });
});

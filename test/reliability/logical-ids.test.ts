/**
 * Logical ids of stateful resources are part of the public contract: a
 * renamed construct id replaces the resource (a new bucket, key, registry or
 * domain; the old one is retained and orphaned, or deleted). This test locks
 * the ids of every layer built with its defaults against the committed
 * logical-ids.json, and checks every stateful resource is retained.
 *
 * A deliberate change: update logical-ids.json by hand (the failure message
 * prints the new list) and say in the changelog which resources are replaced.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { complianceStack } from './fixtures';
import { DEFAULT_LAYERS, DefaultLayer } from './stateful-layers';
import { MlopsPlatform } from '../../src/platform';
import { STATEFUL_TYPES, expectStatefulRetained } from '../harness/stateful';

/** Types whose replacement loses data, identity or history: the harness's stateful types and a few more. */
const LOCKED_TYPES = [
  ...STATEFUL_TYPES,
  'AWS::SageMaker::UserProfile',
  'AWS::SageMaker::MlflowApp',
  'AWS::SageMaker::Pipeline',
  'AWS::ECR::Repository',
  'AWS::SNS::Topic',
  'AWS::SQS::Queue',
  'AWS::CodeCommit::Repository',
  'AWS::EC2::VPC',
];

/** Every layer with its defaults, and the platform that composes them. */
const LAYERS: DefaultLayer[] = [...DEFAULT_LAYERS, { name: 'platform', build: (scope) => { new MlopsPlatform(scope, 'Platform'); } }];

const EXPECTED: Record<string, Record<string, string[]>> = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'logical-ids.json'), 'utf8'),
).layers;

/** Logical ids of locked resources, grouped by type, sorted. */
function lockedIds(template: Template): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [id, r] of Object.entries<any>(template.toJSON().Resources ?? {})) {
    if (LOCKED_TYPES.includes(r.Type)) {
      (out[r.Type] ??= []).push(id);
    }
  }
  for (const ids of Object.values(out)) {
    ids.sort();
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

describe('logical ids of stateful resources are locked', () => {
  test('every layer with stateful resources has an entry, and every entry a layer', () => {
    const built = LAYERS.map((l) => {
      const { stack } = complianceStack('Ids');
      l.build(stack);
      return [l.name, Object.keys(lockedIds(Template.fromStack(stack))).length] as const;
    }).filter(([, n]) => n > 0).map(([name]) => name).sort();
    expect(Object.keys(EXPECTED).sort()).toEqual(built);
  });

  test.each(LAYERS.map((l) => [l.name, l] as const))('%s', (name, layer) => {
    // GIVEN the layer built with its defaults
    const { stack } = complianceStack('Ids');
    layer.build(stack);
    const template = Template.fromStack(stack);

    // THEN its stateful resources are retained and keep their logical ids
    const ids = lockedIds(template);
    if (Object.keys(ids).length === 0) {
      expect(EXPECTED[name]).toBeUndefined();
      return;
    }
    expect(expectStatefulRetained(template).length).toBeGreaterThan(0);
    expect({ layer: name, ids }).toEqual({ layer: name, ids: EXPECTED[name] });
  });
});

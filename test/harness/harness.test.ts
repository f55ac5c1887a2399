import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CANARY_STACK, PACKS, synthCompliance, testApp } from './compliance';
import { expectStatefulRetained } from './stateful';

describe('compliance harness', () => {
  test('positive control: a plain bucket is caught by all four packs', () => {
    // GIVEN a stack with a bucket that has none of the secure settings
    const app = testApp();
    const stack = new Stack(app, 'Control');
    new s3.Bucket(stack, 'Plain');

    // WHEN
    const result = synthCompliance(app, { lintTemplates: false });

    // THEN every pack ran and reported the bucket
    expect(result.packsRun.sort()).toEqual([...PACKS].sort());
    for (const pack of PACKS) {
      const rules = result.findings.filter((f) => f.pack === pack && f.path === 'Control/Plain/Resource');
      expect(rules.length).toBeGreaterThan(0);
    }
    expect(result.findings.map((f) => f.rule)).toEqual(expect.arrayContaining([
      'AwsSolutions-S1', 'AwsSolutions-S10', 'HIPAA.Security-S3BucketSSLRequestsOnly', 'NIST.800.53.R5-S3BucketSSLRequestsOnly',
      'PCI.DSS.321-S3BucketSSLRequestsOnly',
    ]));
  });

  test('an empty stack passes every pack, and the packs are proven to have run', () => {
    const app = testApp();
    new Stack(app, 'Empty');
    const result = synthCompliance(app, { lintTemplates: false });
    expect(result.findings).toEqual([]);
    expect(result.packsRun.sort()).toEqual([...PACKS].sort());
    expect(result.stacks.map((s) => s.stackName)).toEqual(['Empty']);
  });

  test('fails when a pack reports nothing for the canary (a pack that does not run)', () => {
    // GIVEN the canary bucket acknowledged for every AwsSolutions rule, as if the pack were off
    const app = testApp();
    new Stack(app, 'Empty');
    const canary = app.node.findChild(CANARY_STACK).node.findChild('KnownBadBucket');
    Validations.of(canary).acknowledge(
      { id: 'AwsSolutions-S1', reason: 'test' }, { id: 'AwsSolutions-S10', reason: 'test' });
    // WHEN / THEN
    expect(() => synthCompliance(app, { lintTemplates: false })).toThrow(/did not report the canary.*AwsSolutions/);
  });

  test('retention helper fails when a stateful resource would be deleted', () => {
    const stack = new Stack();
    new s3.Bucket(stack, 'Kept');
    new s3.Bucket(stack, 'Dropped', { removalPolicy: RemovalPolicy.DESTROY });
    expect(() => expectStatefulRetained(Template.fromStack(stack))).toThrow(/Dropped.*DeletionPolicy=Delete/);
  });

  test('retention helper passes retained resources and names them', () => {
    const stack = new Stack();
    new s3.Bucket(stack, 'Kept');
    expect(expectStatefulRetained(Template.fromStack(stack))).toEqual([expect.stringMatching(/^Kept/)]);
  });
});

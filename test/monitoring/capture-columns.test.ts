import { monitor } from './fixtures';
import { definition } from './workflow-harness';
import { DriftEngine } from '../../src/monitoring';
import { expectCompliant } from '../harness/compliance';

/** A wide capture schema: 120 columns, 1,799 characters joined (an environment value holds 256). */
const WIDE = Array.from({ length: 120 }, (_, i) => `feature_${String(i).padStart(4, '0')}_x`);

function jobs(def: any): Record<string, any> {
  return Object.fromEntries(['Check', 'Summarize', 'Merge'].filter((s) => def.States[s]).map((s) => [s, def.States[s].Arguments]));
}

describe('capture columns of the processing engine', () => {
  test('a wide schema reaches the scan jobs as container arguments of at most 256 characters, never as an environment value', () => {
    // GIVEN / WHEN a sharded monitor (summarize + merge jobs) with a wide schema
    const { app, stack } = monitor({ engine: DriftEngine.processing({ instanceCount: 2, captureColumns: WIDE }) });
    // THEN the template passes the compliance packs (and is written for the botocore check)
    expectCompliant(app);
    const { Summarize, Merge } = jobs(definition(stack, 'CheckWorkflow'));
    const args: string[] = Summarize.AppSpecification.ContainerArguments;
    expect(args.length).toBeLessThanOrEqual(100);
    expect(Math.max(...args.map((a) => a.length))).toBeLessThanOrEqual(256);
    expect(args.filter((_, i) => i % 2 === 0).every((a) => a === '--capture-columns')).toBe(true);
    expect(args.filter((_, i) => i % 2 === 1).join(',').split(',')).toEqual(WIDE);
    expect(Summarize.AppSpecification.ContainerEntrypoint.slice(-1)).toEqual(['summarize']);
    // the merge job reads partial summaries, not capture: it takes no scan options
    expect(Merge.AppSpecification.ContainerArguments).toBeUndefined();
    for (const job of [Summarize, Merge]) {
      expect(Object.keys(job.Environment)).not.toContain('DRIFT_CAPTURE_COLUMNS');
      for (const value of Object.values<string>(job.Environment)) {
        expect(value.length).toBeLessThanOrEqual(256);
      }
    }
  });

  test('a single check job gets the columns too; without columns there are no arguments', () => {
    // GIVEN / WHEN
    const narrow = jobs(definition(monitor({ engine: DriftEngine.processing({ captureColumns: ['_', 'age', 'plan'] }) }).stack, 'CheckWorkflow'));
    const none = jobs(definition(monitor().stack, 'CheckWorkflow'));
    // THEN
    expect(narrow.Check.AppSpecification.ContainerArguments).toEqual(['--capture-columns', '_,age,plan']);
    expect(none.Check.AppSpecification.ContainerArguments).toBeUndefined();
  });

  test('fails when a column name holds a comma, surrounding spaces or more than 256 characters', () => {
    expect(() => monitor({ engine: DriftEngine.processing({ captureColumns: ['a,b', ' c', 'x'.repeat(257), 'ok'] }) }))
      .toThrow(/engine.captureColumns: got \["a,b"," c","x{257}"\]; allowed: literal column names without commas/);
  });

  test('fails when the columns do not fit in the container arguments of a processing job', () => {
    const huge = Array.from({ length: 2000 }, (_, i) => `column_number_${i}`);
    expect(() => monitor({ engine: DriftEngine.processing({ captureColumns: huge }) }))
      .toThrow(/engine.captureColumns: got '2000 columns \(\d+ characters\)'; allowed: what fits in 50 container arguments of 256 characters/);
  });
});

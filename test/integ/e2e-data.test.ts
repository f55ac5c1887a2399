/**
 * The e2e app's data set: reproduced by its generator, in the layout the
 * built-in XGBoost algorithm and the drift check read, and drifted enough
 * that the library's own drift check (assets/drift_check, run here with
 * numpy/scipy as in the processing job) crosses its thresholds on the
 * drifted batch and not on rows drawn like the training data.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DRIFTED_ROWS, driftedBatch, featureBatch, sampleRow, SEED, TRAINING_ROWS, trainingCsv } from '../../examples/e2e/data';
import { TRAINING_FILE } from '../../examples/e2e/generate-data';

const ROOT = path.join(__dirname, '..', '..');
const PYTHON = path.join(ROOT, '.venv-assets', 'bin', 'python');
const DRIFT_CHECK = path.join(ROOT, 'assets', 'drift_check', 'main.py');

/** One SageMaker data capture record (Developer Guide, "Capture data": JSON Lines, captureData.endpointInput). */
function captureRecord(body: string, inferenceTime: string): string {
  return JSON.stringify({
    captureData: {
      endpointInput: { observedContentType: 'text/csv', mode: 'INPUT', data: body, encoding: 'CSV' },
      endpointOutput: { observedContentType: 'text/csv', mode: 'OUTPUT', data: '0.3', encoding: 'CSV' },
    },
    eventMetadata: { eventId: 'a1b2c3', inferenceTime },
    eventVersion: '0',
  });
}

function driftCheck(args: string[]): void {
  const run = spawnSync(PYTHON, [DRIFT_CHECK, ...args], { encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(`drift check ${args[0]} failed (${run.status}): ${run.stderr}`);
  }
}

/** The drift report of a window whose capture holds `bodies`, against the baseline of the shipped training data. */
function reportOf(bodies: string[]): any {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-drift-'));
  const hour = path.join(dir, 'capture', 'endpoint', 'AllTraffic', '2026', '12', '07', '06');
  fs.mkdirSync(hour, { recursive: true });
  fs.writeFileSync(path.join(hour, 'capture-0001.jsonl'), bodies.map((b, i) => captureRecord(b, `2026-12-07T06:1${i}:00Z`)).join('\n') + '\n');
  // the pipeline's DriftBaselineStep: CSV without header, label c0
  driftCheck(['baseline', '--dataset', TRAINING_FILE, '--no-header', '--label-column', 'c0', '--output', path.join(dir, 'baseline.json')]);
  // the check workflow's job (single instance), without publishing metrics
  driftCheck(['check', '--baseline', path.join(dir, 'baseline.json'), '--capture', path.join(dir, 'capture'), '--output-dir', path.join(dir, 'out'),
    '--endpoint-name', 'endpoint', '--no-fail-on-violation']);
  return JSON.parse(fs.readFileSync(path.join(dir, 'out', 'drift_report.json'), 'utf8'));
}

describe('the e2e data set', () => {
  test('examples/e2e/data/train.csv is what the generator writes', () => {
    expect(fs.readFileSync(TRAINING_FILE, 'utf8')).toBe(trainingCsv());
  });

  test('training CSV: no header, label first (0 or 1), four numeric features, both labels present', () => {
    const rows = trainingCsv().trimEnd().split('\n').map((l) => l.split(','));
    expect(rows).toHaveLength(TRAINING_ROWS);
    expect(rows.every((r) => r.length === 5 && (r[0] === '0' || r[0] === '1') && r.slice(1).every((v) => Number.isFinite(Number(v))))).toBe(true);
    const positives = rows.filter((r) => r[0] === '1').length;
    expect(positives).toBeGreaterThan(TRAINING_ROWS * 0.2);
    expect(positives).toBeLessThan(TRAINING_ROWS * 0.8);
  });

  test('requests carry the features only, as the endpoint takes them', () => {
    expect(sampleRow().split(',')).toHaveLength(4);
    const batch = driftedBatch().split('\n');
    expect(batch).toHaveLength(DRIFTED_ROWS);
    expect(batch.every((r) => r.split(',').length === 4)).toBe(true);
  });

  test('the drift check finds drift in the captured sample row and drifted batch (DriftScore >= 1)', () => {
    const report = reportOf([sampleRow(), driftedBatch()]);
    expect(report.counts.rows).toBe(DRIFTED_ROWS + 1);
    expect(report.drift_score).toBeGreaterThanOrEqual(1);
    const drifted = report.features.filter((f: any) => f.drift_score >= 1).map((f: any) => f.name).sort();
    expect(drifted).toEqual(expect.arrayContaining(['c1', 'c2', 'c4']));
  });

  test('and none in a batch drawn from the training distributions with another seed (DriftScore < 1)', () => {
    const report = reportOf([sampleRow(), featureBatch(DRIFTED_ROWS, SEED + 2, false)]);
    expect(report.counts.rows).toBe(DRIFTED_ROWS + 1);
    expect(report.drift_score).toBeLessThan(1);
  });
});

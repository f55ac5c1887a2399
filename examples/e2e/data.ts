/**
 * The e2e app's data set, generated deterministically (no download): a
 * synthetic binary-classification table in the CSV layout the built-in
 * XGBoost algorithm reads for training (no header, label first), a sample
 * row to invoke the endpoint with, and a drifted batch whose features come
 * from shifted distributions.
 *
 * Features (c1..c4, as the drift baseline names them in capture order):
 *   c1 tenure in months  ~ Normal(24, 8), clipped to [0, 72]
 *   c2 monthly spend     ~ Uniform(20, 120)
 *   c3 support calls     ~ integer in 0..5
 *   c4 usage index       ~ Normal(0, 1)
 * Label c0: churn (1) with probability logistic(-0.08 (c1 - 24) + 0.02 (c2 - 70) + 0.6 c3 - 1.5 - 0.5 c4).
 *
 * The drifted batch draws c1 ~ Normal(60, 6), c2 ~ Uniform(150, 250) and
 * c4 ~ Normal(3, 1): far outside the training distributions, so the drift
 * check's PSI and KS thresholds are crossed on those features.
 */

/** Rows of the training set. */
export const TRAINING_ROWS = 400;
/** Rows of the drifted batch (the drift check judges a feature from 100 present values). */
export const DRIFTED_ROWS = 300;
/** The seed of the generator. */
export const SEED = 20261207;

/** mulberry32: a small deterministic PRNG (public domain); 32-bit integer arithmetic by design. */
/* eslint-disable no-bitwise */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/* eslint-enable no-bitwise */

/** Normal(mean, sd) by Box-Muller. */
function normal(rand: () => number, mean: number, sd: number): number {
  const u = Math.max(rand(), 1e-12);
  const v = rand();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function fmt(n: number): string {
  return n.toFixed(2);
}

interface Features {
  readonly tenure: number;
  readonly spend: number;
  readonly calls: number;
  readonly usage: number;
}

function features(rand: () => number, drifted: boolean): Features {
  const tenure = Math.min(72, Math.max(0, drifted ? normal(rand, 60, 6) : normal(rand, 24, 8)));
  const spend = drifted ? 150 + 100 * rand() : 20 + 100 * rand();
  const calls = Math.floor(6 * rand());
  const usage = drifted ? normal(rand, 3, 1) : normal(rand, 0, 1);
  return { tenure, spend, calls, usage };
}

function featureRow(f: Features): string {
  return [fmt(f.tenure), fmt(f.spend), String(f.calls), fmt(f.usage)].join(',');
}

/** The training CSV: no header, label first, one row per line, ending with a newline. */
export function trainingCsv(): string {
  const rand = prng(SEED);
  const lines: string[] = [];
  for (let i = 0; i < TRAINING_ROWS; i++) {
    const f = features(rand, false);
    const z = -0.08 * (f.tenure - 24) + 0.02 * (f.spend - 70) + 0.6 * f.calls - 1.5 - 0.5 * f.usage;
    const label = rand() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    lines.push(`${label},${featureRow(f)}`);
  }
  return lines.join('\n') + '\n';
}

/** One row of features as the endpoint takes it (text/csv, no label): a typical customer. */
export function sampleRow(): string {
  return featureRow({ tenure: 24, spend: 70, calls: 2, usage: 0 });
}

/** `rows` feature rows (no label) drawn with `seed`, from the training distributions or the drifted ones, one per line. */
export function featureBatch(rows: number, seed: number, drifted: boolean): string {
  const rand = prng(seed);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    lines.push(featureRow(features(rand, drifted)));
  }
  return lines.join('\n');
}

/** The drifted batch: DRIFTED_ROWS feature rows, one InvokeEndpoint body (text/csv, one row per line). */
export function driftedBatch(): string {
  return featureBatch(DRIFTED_ROWS, SEED + 1, true);
}

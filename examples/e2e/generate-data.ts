/**
 * Writes the e2e app's training set to examples/e2e/data/train.csv (committed;
 * test/examples/e2e-data.test.ts checks that this script reproduces it).
 *
 *   npx ts-node --prefer-ts-exts --project tsconfig.dev.json examples/e2e/generate-data.ts
 */
import * as fs from 'fs';
import * as path from 'path';
import { trainingCsv } from './data';

export const TRAINING_FILE = path.join(__dirname, 'data', 'train.csv');

if (require.main === module) {
  fs.mkdirSync(path.dirname(TRAINING_FILE), { recursive: true });
  fs.writeFileSync(TRAINING_FILE, trainingCsv());
  process.stdout.write(`wrote ${TRAINING_FILE}\n`);
}

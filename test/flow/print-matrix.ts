/**
 * Prints the access matrix of the three configurations and writes it to
 * docs/access-matrix.md:
 *
 *   npx ts-node --prefer-ts-exts --project tsconfig.dev.json test/flow/print-matrix.ts [--check]
 *
 * With `--check` nothing is written; the exit code is 1 when a hop has an
 * unexpected verdict or the file is out of date.
 */
import * as fs from 'fs';
import { buildMatrix, describeFailure, failures, MATRIX_FILE, renderMatrix } from './matrix';

async function main(): Promise<number> {
  const check = process.argv.includes('--check');
  const matrix = await buildMatrix();
  for (const { config, hops } of matrix) {
    process.stdout.write(`\n${config.title}\n`);
    for (const h of hops) {
      const mark = h.ok ? '  ' : '!!';
      process.stdout.write(`${mark} ${h.expect.padEnd(5)} ${h.outcome.result.padEnd(16)} ${h.principalLabel} ${h.action} ${h.resourceLabel}\n`);
      process.stdout.write(`        ${h.step} -- ${h.outcome.deciding.join('; ')}\n`);
      if (Object.keys(h.context).length > 0) {
        process.stdout.write(`        context ${JSON.stringify(h.context)}\n`);
      }
    }
  }
  const bad = failures(matrix);
  const text = renderMatrix(matrix);
  const counts = matrix.map((m) => `${m.config.name}: ${m.hops.filter((h) => h.expect === 'allow').length} allow / ${m.hops.filter((h) => h.expect === 'deny').length} deny`);
  process.stdout.write(`\n${counts.join(', ')}; ${bad.length} unexpected\n`);
  bad.forEach((h) => process.stdout.write(`${describeFailure(h)}\n`));
  if (check) {
    const current = fs.existsSync(MATRIX_FILE) ? fs.readFileSync(MATRIX_FILE, 'utf8') : '';
    if (current !== text) {
      process.stdout.write(`${MATRIX_FILE} is out of date: run without --check to regenerate it\n`);
      return 1;
    }
  } else {
    fs.writeFileSync(MATRIX_FILE, text);
    process.stdout.write(`wrote ${MATRIX_FILE}\n`);
  }
  return bad.length > 0 ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(2);
});

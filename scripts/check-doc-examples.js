#!/usr/bin/env node
// Every TypeScript example of docs/**/*.md compiles under `jsii-rosetta extract
// --strict`, like the README's (which jsii embeds in the assembly, so the plain
// `npx jsii-rosetta extract --strict` of scripts/test.sh checks them). jsii
// embeds only README.md: this script builds a throw-away copy of the compiled
// assembly in test-out/rosetta-docs whose module READMEs are the docs/ pages
// and runs the same rosetta command on it. Run it after `npx jsii`.
//
// Positive control, in the same run: a canary page with a deliberately wrong
// example is compiled with the pages and must be the one and only failure, so
// a run that silently compiles nothing (or not strictly) cannot pass.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'test-out', 'rosetta-docs');
const CANARY = 'docs_canary_wrong_example';
const CANARY_PAGE = [
  '# Canary',
  '',
  '```ts',
  "import { Stack } from 'aws-cdk-lib';",
  "import { SecureMlNetwork } from 'cdk-mlops';",
  '',
  'declare const stack: Stack;',
  "new SecureMlNetwork(stack, 'Network', { maxAzs: 'three' });",
  '```',
  '',
].join('\n');
// Packages the docs' examples may import besides the library's own dependencies
// (resolved from node_modules, never installed): the Control Tower validator.
const EXAMPLE_DEPENDENCIES = ['@cdklabs/cdk-validator-cfnguard'];

function docPages(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return docPages(p);
    return e.name.endsWith('.md') ? [p] : [];
  }).sort();
}

function buildAssembly() {
  const assembly = JSON.parse(fs.readFileSync(path.join(root, '.jsii'), 'utf-8'));
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf-8'));
  const pages = docPages(path.join(root, 'docs'));
  const submodules = {};
  const names = {};
  let blocks = 0;
  for (const page of pages) {
    const rel = path.relative(root, page);
    const markdown = fs.readFileSync(page, 'utf-8');
    blocks += (markdown.match(/^\s{0,3}```(ts|typescript)\b/gm) ?? []).length;
    // one pseudo-submodule per page: rosetta reports `<fqn>-README-L<line>`
    const fqn = `${assembly.name}.${rel.replace(/\.md$/, '').replace(/[^A-Za-z0-9]+/g, '_')}`;
    names[fqn] = rel;
    submodules[fqn] = { readme: { markdown } };
  }
  submodules[`${assembly.name}.${CANARY}`] = { readme: { markdown: CANARY_PAGE } };

  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  delete pkg.devDependencies;
  const devDeps = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf-8')).devDependencies;
  pkg.dependencies = Object.fromEntries(EXAMPLE_DEPENDENCIES.map((d) => [d, devDeps[d]]));
  fs.writeFileSync(path.join(out, 'package.json'), JSON.stringify(pkg, undefined, 2));
  fs.symlinkSync(path.join(root, 'lib'), path.join(out, 'lib'));
  // The README and the API docs' @example blocks are checked on the real
  // assembly; types are looked up there (through lib/), so none are copied.
  fs.writeFileSync(path.join(out, '.jsii'), JSON.stringify({ ...assembly, readme: undefined, types: {}, submodules }));
  return { pages, blocks, names };
}

function main() {
  const { pages, blocks, names } = buildAssembly();
  console.log(`docs examples: ${blocks} TypeScript blocks in ${pages.length} pages under docs/, plus 1 canary`);
  const run = spawnSync('npx', ['jsii-rosetta', 'extract', '--strict', out], { cwd: root, encoding: 'utf-8' });
  const output = `${run.stdout}\n${run.stderr}`;
  fs.rmSync(out, { recursive: true, force: true }); // jest would see its package.json
  const errors = [...output.matchAll(/^(\S+)-README-L(\d+)\.ts:(\d+):\d+ - error (.*)$/gm)];
  const canaryErrors = errors.filter((e) => e[1].endsWith(CANARY));
  const pageErrors = errors.filter((e) => !e[1].endsWith(CANARY));
  const summary = /(\d+) diagnostics encountered in (\d+) snippets/.exec(output);
  const problems = [];
  if (pageErrors.length > 0) {
    for (const e of pageErrors) {
      const page = names[e[1]] ?? e[1];
      problems.push(`${page}: the block starting on line ${e[2]} (its line ${e[3]}): ${e[4]}`);
    }
  }
  if (canaryErrors.length !== 1 || !/not assignable to type 'number'/.test(canaryErrors[0]?.[4] ?? '')) {
    problems.push(`the canary's wrong example was not reported exactly once (got ${canaryErrors.length}): rosetta did not compile the pages strictly`);
  }
  if (!summary || Number(summary[2]) !== blocks + 1) {
    problems.push(`rosetta compiled ${summary ? summary[2] : 'no'} snippets, expected ${blocks + 1} (${blocks} blocks and the canary)`);
  }
  if (problems.length > 0) {
    process.stderr.write(output.replace(/^!!.*\n/gm, ''));
    for (const p of problems) console.error(`docs examples: ${p}`);
    process.exitCode = 1;
    return;
  }
  console.log(`docs examples: ${blocks} TypeScript blocks compile under jsii-rosetta --strict; the canary failed as it must`);
}

main();

#!/usr/bin/env node
// Checks the npm tarball a release publishes, from npm's own output: the file list of
// `npm pack --dry-run --json` must be the tarball's, and the packed package.json and files
// must pass the rules a package linter (publint) applies, plus this project's:
//   - name and version are the release's; the licence is an SPDX id (spdx-license-list);
//   - main and types name files in the tarball; no `exports`, `module` or `files` pointing
//     nowhere; the jsii assembly (.jsii) and its version are there;
//   - the repository is the GitHub repository (npm provenance links the package to it);
//   - every package a shipped .js file requires is a node builtin, a dependency, a peer or a
//     bundled dependency (a dev-only import would break users' installs);
//   - only runtime files ship: lib/**/*.js and .d.ts, assets/** (no tests or caches), the
//     jsii assembly, package.json, README.md, API.md, LICENSE, NOTICE, CHANGELOG.md.
//
//   node scripts/release/check-npm.js --tarball dist/js/x.tgz --version X [--package DIR]
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const { builtinModules } = require('module');
const os = require('os');
const path = require('path');

const ALLOWED_FILES = [
  /^package\.json$/, /^README\.md$/, /^API\.md$/, /^LICENSE$/, /^NOTICE$/, /^CHANGELOG\.md$/, /^\.jsii$/,
  /^lib\/.+\.(js|d\.ts)$/,
  /^assets\/(?!.*(__pycache__|\.pyc$|(^|\/)tests?\/|(^|\/)test_[^/]*\.py$|\.pytest_cache)).+$/,
];
const REQUIRED_FILES = ['package.json', 'README.md', 'LICENSE', '.jsii'];

/** The bare package a require() names (`@scope/name` or `name`), or undefined for relative paths. */
function packageOfSpecifier(spec) {
  if (spec.startsWith('.') || spec.startsWith('/')) return undefined;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function requiresOf(source) {
  const found = new Set();
  const re = /\brequire\(\s*["']([^"']+)["']\s*\)/g;
  let m;
  while ((m = re.exec(source)) !== null) found.add(m[1]);
  return [...found];
}

/**
 * The rules, over what is packed: files (paths relative to the package root), the packed
 * package.json, a reader for packed files, and what the release expects.
 * Returns the list of problems (empty when the package may be published).
 */
function checkPackedPackage({ files, manifest, readFile, expected, spdxIds, packFiles }) {
  const problems = [];
  const has = new Set(files);
  if (manifest.name !== expected.name) problems.push(`name is ${manifest.name}, expected ${expected.name}`);
  if (manifest.version !== expected.version) problems.push(`version is ${manifest.version}, expected ${expected.version}`);
  if (!manifest.license || !spdxIds.has(manifest.license)) problems.push(`license "${manifest.license}" is not an SPDX licence id`);
  for (const field of ['main', 'types']) {
    const target = manifest[field];
    if (!target) problems.push(`package.json has no "${field}"`);
    else if (!has.has(path.posix.normalize(target))) problems.push(`"${field}" is ${target}, which is not in the tarball`);
  }
  if (manifest.module && !has.has(path.posix.normalize(manifest.module))) problems.push(`"module" is ${manifest.module}, which is not in the tarball`);
  if (manifest.exports) problems.push('"exports" is set: jsii packages are loaded through "main"; an exports map would hide lib/ from jsii runtimes');
  if (!manifest.jsii || !manifest.jsii.targets) problems.push('package.json has no jsii targets');
  for (const f of REQUIRED_FILES) if (!has.has(f)) problems.push(`${f} is not in the tarball`);
  if (has.has('.jsii')) {
    const assembly = JSON.parse(readFile('.jsii'));
    if (assembly.version !== expected.version) problems.push(`.jsii is version ${assembly.version}, expected ${expected.version}`);
    if (assembly.name !== expected.name) problems.push(`.jsii names ${assembly.name}, expected ${expected.name}`);
  }
  const repo = typeof manifest.repository === 'string' ? manifest.repository : manifest.repository?.url;
  if (!repo || !/^(git\+)?https:\/\/github\.com\/[^/]+\/[^/]+?(\.git)?$/.test(repo)) {
    problems.push(`repository is "${repo}": npm provenance needs the https URL of the GitHub repository that publishes`);
  } else if (expected.repository && repo.replace(/^git\+/, '').replace(/\.git$/, '') !== expected.repository.replace(/\.git$/, '')) {
    problems.push(`repository is ${repo}, expected ${expected.repository}`);
  }
  if (manifest.private) problems.push('package.json is private: npm refuses to publish it');
  if (manifest.publishConfig?.access !== 'public') problems.push('publishConfig.access is not "public"');
  for (const f of files) {
    if (!ALLOWED_FILES.some((re) => re.test(f))) problems.push(`${f} ships but is not a runtime file (exclude it in .npmignore via .projenrc.ts)`);
  }
  const runtime = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
    ...(manifest.bundleDependencies ?? manifest.bundledDependencies ?? []),
  ]);
  const builtins = new Set(builtinModules);
  for (const f of files.filter((x) => /^lib\/.+\.js$/.test(x))) {
    for (const spec of requiresOf(readFile(f))) {
      const pkg = packageOfSpecifier(spec);
      if (pkg === undefined || spec.startsWith('node:') || builtins.has(pkg)) continue;
      if (!runtime.has(pkg)) problems.push(`${f} requires "${spec}", which is not a dependency, peer or bundled dependency`);
    }
  }
  if (packFiles) {
    const packed = new Set(packFiles);
    for (const f of packFiles) if (!has.has(f)) problems.push(`npm pack --dry-run lists ${f}, the tarball has not`);
    for (const f of files) if (!packed.has(f)) problems.push(`the tarball has ${f}, npm pack --dry-run does not list it`);
  }
  return problems;
}

function main(argv) {
  const arg = (name, fallback) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  const tarball = arg('--tarball');
  const version = arg('--version');
  const packageDir = path.resolve(arg('--package', '.'));
  if (!tarball || !version) throw new Error('usage: check-npm.js --tarball FILE --version X [--package DIR]');
  const source = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: packageDir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'],
  }));
  const unpacked = fs.mkdtempSync(path.join(os.tmpdir(), 'check-npm-'));
  try {
    execFileSync('tar', ['-xzf', path.resolve(tarball), '-C', unpacked]);
    const root = path.join(unpacked, 'package');
    const files = [];
    const walk = (dir) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else files.push(path.relative(root, p).split(path.sep).join('/'));
      }
    };
    walk(root);
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const problems = checkPackedPackage({
      files,
      manifest,
      readFile: (f) => fs.readFileSync(path.join(root, f), 'utf8'),
      expected: { name: source.name, version, repository: typeof source.repository === 'string' ? source.repository : source.repository?.url },
      // the SPDX list jsii itself validates licences with
      spdxIds: new Set(Object.keys(require(require.resolve('spdx-license-list', { paths: [path.dirname(require.resolve('jsii/package.json'))] })))),
      packFiles: pack.files.map((f) => f.path),
    });
    if (problems.length > 0) {
      for (const p of problems) console.error(`npm: FAIL ${p}`);
      return 1;
    }
    console.log(`npm: ${path.basename(tarball)}: ${files.length} files (${(fs.statSync(tarball).size / 1024).toFixed(0)} KiB), same list as npm pack --dry-run, package.json and requires pass`);
    return 0;
  } finally {
    fs.rmSync(unpacked, { recursive: true, force: true });
  }
}

module.exports = { checkPackedPackage, requiresOf, packageOfSpecifier };

if (require.main === module) process.exitCode = main(process.argv.slice(2));

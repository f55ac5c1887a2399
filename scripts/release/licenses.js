#!/usr/bin/env node
// Licence gate of the release. What ships to a user at runtime is the package's
// dependencies, its bundled dependencies and its peer dependencies, and theirs, as
// installed (node's resolution from each package's folder). Every package of that closure
// must carry a licence the policy lists as permissive (license-policy.json: fail closed;
// a copyleft licence is named with its family). Copyleft packages that are installed but
// outside the closure are dev-only tools: they must be declared, with a reason, in the
// policy's devOnly list, which must match what is installed exactly.
//
//   node scripts/release/licenses.js [--package DIR] [--report FILE]
//
// Exit 1 when there is a violation. Used by scripts/release.sh; tested by
// test/release/licenses.test.ts and scripts/release-selftest.sh.
'use strict';
const fs = require('fs');
const path = require('path');

const DEFAULT_POLICY = require('./license-policy.json');

// ---- SPDX license expressions (https://spdx.github.io/spdx-spec/v2.3/SPDX-license-expressions/)

function tokenize(expression) {
  const tokens = [];
  const re = /\s*(\(|\)|[A-Za-z0-9.+:-]+)\s*/y;
  let m;
  let at = 0;
  while (at < expression.length) {
    re.lastIndex = at;
    m = re.exec(expression);
    if (!m) throw new Error(`not an SPDX expression: "${expression}" (at ${at})`);
    tokens.push(m[1]);
    at = re.lastIndex;
  }
  return tokens;
}

/** Parses an SPDX expression into { id, exception } leaves joined by { op: 'AND'|'OR', args }. */
function parseLicenseExpression(expression) {
  const tokens = tokenize(String(expression).trim());
  let i = 0;
  const peek = () => tokens[i];
  const keyword = (t) => t !== undefined && ['AND', 'OR', 'WITH'].includes(t.toUpperCase());
  function primary() {
    const t = tokens[i++];
    if (t === undefined) throw new Error(`incomplete SPDX expression: "${expression}"`);
    if (t === '(') {
      const inner = or();
      if (tokens[i++] !== ')') throw new Error(`unbalanced parentheses in "${expression}"`);
      return inner;
    }
    if (t === ')' || keyword(t)) throw new Error(`unexpected "${t}" in "${expression}"`);
    const leaf = { id: t };
    if (peek() !== undefined && peek().toUpperCase() === 'WITH') {
      i++;
      leaf.exception = tokens[i++];
    }
    return leaf;
  }
  function and() {
    const args = [primary()];
    while (peek() !== undefined && peek().toUpperCase() === 'AND') { i++; args.push(primary()); }
    return args.length === 1 ? args[0] : { op: 'AND', args };
  }
  function or() {
    const args = [and()];
    while (peek() !== undefined && peek().toUpperCase() === 'OR') { i++; args.push(and()); }
    return args.length === 1 ? args[0] : { op: 'OR', args };
  }
  const tree = or();
  if (i !== tokens.length) throw new Error(`unexpected "${tokens[i]}" in "${expression}"`);
  return tree;
}

/** The SPDX id without the version-range suffixes: GPL-3.0-or-later, GPL-3.0+ and GPL-3.0-only are GPL-3.0. */
function baseId(id) {
  return id.replace(/\+$/, '').replace(/-(only|or-later)$/, '');
}

function classify(id, policy) {
  const base = baseId(id);
  const same = (x) => x.toLowerCase() === base.toLowerCase() || x.toLowerCase() === id.toLowerCase();
  if (policy.permissive.some(same)) return { permissive: true };
  for (const [family, ids] of Object.entries(policy.copyleft)) {
    if (ids.some(same)) return { permissive: false, copyleft: family };
  }
  return { permissive: false };
}

/**
 * Whether a licence expression lets the package ship: OR needs one acceptable choice, AND needs
 * all. An exception (WITH) never turns a copyleft licence permissive. Returns { allowed, reasons }.
 */
function licenseVerdict(expression, policy = DEFAULT_POLICY) {
  if (expression === undefined || expression === null || String(expression).trim() === '') {
    return { allowed: false, reasons: ['no licence declared'] };
  }
  let tree;
  try {
    tree = parseLicenseExpression(expression);
  } catch (e) {
    return { allowed: false, reasons: [`unreadable licence "${expression}": ${e.message}`] };
  }
  const walk = (node) => {
    if (node.op === 'OR') {
      const parts = node.args.map(walk);
      return parts.some((p) => p.allowed) ? { allowed: true, reasons: [] } : { allowed: false, reasons: parts.flatMap((p) => p.reasons) };
    }
    if (node.op === 'AND') {
      const parts = node.args.map(walk);
      return { allowed: parts.every((p) => p.allowed), reasons: parts.flatMap((p) => p.reasons) };
    }
    const c = classify(node.id, policy);
    if (c.permissive) return { allowed: true, reasons: [] };
    return {
      allowed: false,
      reasons: [c.copyleft ? `${node.id} is ${c.copyleft} copyleft` : `${node.id} is not on the permissive list of license-policy.json`],
    };
  };
  return walk(tree);
}

/** The licence of an installed package.json: `license` (SPDX), or the legacy `licenses` array. */
function licenseOf(manifest) {
  if (typeof manifest.license === 'string') return manifest.license;
  if (manifest.license && typeof manifest.license.type === 'string') return manifest.license.type;
  if (Array.isArray(manifest.licenses) && manifest.licenses.length > 0) {
    const ids = manifest.licenses.map((l) => (typeof l === 'string' ? l : l.type)).filter(Boolean);
    return ids.length > 1 ? `(${ids.join(' OR ')})` : ids[0];
  }
  return undefined;
}

// ---- the installed tree

function readManifest(dir) {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
}

/** Node's resolution of a package name from a folder: <dir>/node_modules/<name>, then upwards. */
function resolvePackage(name, fromDir) {
  let dir = fromDir;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function edgesOf(manifest) {
  const optionalPeers = manifest.peerDependenciesMeta ?? {};
  const edges = [];
  for (const name of Object.keys(manifest.dependencies ?? {})) edges.push({ name, kind: 'dependency', optional: false });
  for (const name of Object.keys(manifest.optionalDependencies ?? {})) edges.push({ name, kind: 'optional dependency', optional: true });
  for (const name of Object.keys(manifest.peerDependencies ?? {})) {
    edges.push({ name, kind: 'peer dependency', optional: optionalPeers[name]?.optional === true });
  }
  for (const name of manifest.bundleDependencies ?? manifest.bundledDependencies ?? []) {
    edges.push({ name, kind: 'bundled dependency', optional: false });
  }
  return edges;
}

/**
 * The runtime closure of the package in `packageDir`: every installed package reachable through
 * dependencies, optional, peer and bundled dependencies. Each entry keeps the first path found.
 */
function runtimeClosure(packageDir) {
  const root = readManifest(packageDir);
  const seen = new Map();
  const missing = [];
  const queue = edgesOf(root).map((e) => ({ ...e, from: packageDir, via: [root.name] }));
  while (queue.length > 0) {
    const edge = queue.shift();
    const dir = resolvePackage(edge.name, edge.from);
    if (!dir) {
      if (!edge.optional) missing.push({ name: edge.name, kind: edge.kind, via: edge.via });
      continue;
    }
    const real = fs.realpathSync(dir);
    if (seen.has(real)) continue;
    const manifest = readManifest(dir);
    const via = [...edge.via, `${manifest.name}@${manifest.version}`];
    seen.set(real, { name: manifest.name, version: manifest.version, license: licenseOf(manifest), kind: edge.kind, via, dir: real });
    for (const next of edgesOf(manifest)) queue.push({ ...next, from: dir, via });
  }
  return { packages: [...seen.values()], missing };
}

/** Every package installed below `packageDir`/node_modules (nested folders included). */
function installedPackages(packageDir) {
  const found = new Map();
  const visit = (modulesDir) => {
    if (!fs.existsSync(modulesDir)) return;
    for (const entry of fs.readdirSync(modulesDir)) {
      if (entry.startsWith('.')) continue;
      const dir = path.join(modulesDir, entry);
      if (entry.startsWith('@')) { visit(dir); continue; }
      if (!fs.existsSync(path.join(dir, 'package.json'))) continue;
      const real = fs.realpathSync(dir);
      if (found.has(real)) continue;
      const manifest = readManifest(dir);
      found.set(real, { name: manifest.name, version: manifest.version, license: licenseOf(manifest), dir: real });
      visit(path.join(dir, 'node_modules'));
    }
  };
  visit(path.join(packageDir, 'node_modules'));
  return [...found.values()];
}

/**
 * The gate. Returns { runtime, devOnlyCopyleft, violations }: runtime is the closure with each
 * package's verdict, devOnlyCopyleft the installed copyleft packages outside it.
 */
function checkLicenses(packageDir, policy = DEFAULT_POLICY) {
  const violations = [];
  const closure = runtimeClosure(packageDir);
  for (const m of closure.missing) {
    violations.push(`${m.name} (${m.kind} of ${m.via.join(' > ')}) is not installed, so its licence cannot be checked`);
  }
  const runtime = closure.packages.map((p) => ({ ...p, verdict: licenseVerdict(p.license, policy) }));
  for (const p of runtime) {
    if (!p.verdict.allowed) {
      violations.push(`${p.name}@${p.version} ships at runtime (${p.kind}: ${p.via.join(' > ')}) under "${p.license ?? 'no licence'}": ${p.verdict.reasons.join('; ')}`);
    }
  }
  const shipped = new Set(closure.packages.map((p) => p.dir));
  const devOnlyCopyleft = [];
  for (const p of installedPackages(packageDir)) {
    if (shipped.has(p.dir)) continue;
    const verdict = licenseVerdict(p.license, policy);
    if (verdict.allowed || !verdict.reasons.some((r) => / copyleft$/.test(r))) continue;
    devOnlyCopyleft.push({ name: p.name, version: p.version, license: p.license });
  }
  const declared = policy.devOnly ?? {};
  for (const p of devOnlyCopyleft) {
    if (!(p.name in declared)) {
      violations.push(`${p.name}@${p.version} (${p.license}) is a copyleft dev-only package not declared in license-policy.json "devOnly": declare it with the reason it never ships, or remove it`);
    }
  }
  const installedNames = new Set(devOnlyCopyleft.map((p) => p.name));
  for (const name of Object.keys(declared)) {
    if (!installedNames.has(name) && !runtime.some((p) => p.name === name)) {
      violations.push(`license-policy.json "devOnly" lists ${name}, which is not installed as a copyleft package: remove the entry`);
    }
  }
  return { runtime, devOnlyCopyleft, violations };
}

function main(argv) {
  const arg = (name, fallback) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  const packageDir = path.resolve(arg('--package', '.'));
  const report = arg('--report');
  const result = checkLicenses(packageDir);
  const root = readManifest(packageDir);
  const byLicense = {};
  for (const p of result.runtime) byLicense[p.license ?? 'none'] = (byLicense[p.license ?? 'none'] ?? 0) + 1;
  if (report) {
    fs.mkdirSync(path.dirname(report), { recursive: true });
    fs.writeFileSync(report, JSON.stringify({
      package: `${root.name}@${root.version}`,
      runtime: result.runtime.map((p) => ({ name: p.name, version: p.version, license: p.license ?? null, via: p.via.join(' > ') })),
      devOnlyCopyleft: result.devOnlyCopyleft.map((p) => ({ ...p, reason: (DEFAULT_POLICY.devOnly ?? {})[p.name] ?? null })),
      violations: result.violations,
    }, null, 2) + '\n');
  }
  console.log(`licences: ${result.runtime.length} runtime packages of ${root.name}@${root.version} (${Object.entries(byLicense).map(([l, n]) => `${n} ${l}`).join(', ')})`);
  console.log(`licences: dev-only copyleft, never shipped: ${result.devOnlyCopyleft.map((p) => `${p.name}@${p.version} (${p.license})`).join(', ') || 'none'}`);
  if (result.violations.length > 0) {
    for (const v of result.violations) console.error(`licences: FAIL ${v}`);
    return 1;
  }
  console.log('licences: no copyleft or unknown licence ships at runtime');
  return 0;
}

module.exports = { parseLicenseExpression, licenseVerdict, licenseOf, runtimeClosure, installedPackages, checkLicenses };

if (require.main === module) process.exitCode = main(process.argv.slice(2));

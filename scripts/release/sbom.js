#!/usr/bin/env node
// The release's SBOM: npm's own CycloneDX output (`npm sbom`, from package-lock.json) for the
// package at its release version, with each component's CycloneDX `scope` set from the
// runtime closure of scripts/release/licenses.js: "required" for what ships to users
// (dependencies, bundled and peer dependencies, and theirs), "excluded" for build and test
// tools. npm marks peer dependencies as development packages because this repository installs
// them as devDependencies; that mark is dropped from the components that ship.
//
//   node scripts/release/sbom.js [--package DIR] --out FILE
//
// Fails when npm's inventory misses a runtime package, or names another package or version.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { runtimeClosure } = require('./licenses');

const DEVELOPMENT = 'cdx:npm:package:development';

/** Sets the scopes on npm's SBOM and checks it against the manifest and closure. Returns { bom, problems }. */
function scopeSbom(npmBom, manifest, closure) {
  const problems = [];
  const bom = JSON.parse(JSON.stringify(npmBom));
  if (bom.bomFormat !== 'CycloneDX') problems.push(`bomFormat is ${bom.bomFormat}, expected CycloneDX`);
  const top = bom.metadata?.component ?? {};
  if (top.version !== manifest.version) problems.push(`metadata.component.version is ${top.version}, expected ${manifest.version}`);
  if (top.purl !== `pkg:npm/${manifest.name}@${manifest.version}`) problems.push(`metadata.component.purl is ${top.purl}, expected pkg:npm/${manifest.name}@${manifest.version}`);
  top.name = manifest.name;
  const shipped = new Set(closure.map((p) => `${p.name}@${p.version}`));
  const found = new Set();
  for (const c of bom.components ?? []) {
    const key = `${c.group ? `${c.group}/` : ''}${c.name}@${c.version}`;
    if (shipped.has(key)) {
      found.add(key);
      c.scope = 'required';
      c.properties = (c.properties ?? []).filter((p) => p.name !== DEVELOPMENT);
    } else {
      c.scope = 'excluded';
    }
  }
  for (const key of shipped) {
    if (!found.has(key)) problems.push(`npm's SBOM has no component for runtime package ${key}`);
  }
  bom.metadata.properties = [
    ...(bom.metadata.properties ?? []),
    { name: 'cdk-mlops:scope', value: 'required = ships to users (dependencies, bundled and peer dependencies, transitively); excluded = build and test tools' },
  ];
  return { bom, problems, required: found.size, excluded: (bom.components ?? []).length - found.size };
}

function main(argv) {
  const arg = (name, fallback) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  const packageDir = path.resolve(arg('--package', '.'));
  const out = arg('--out');
  if (!out) throw new Error('usage: sbom.js [--package DIR] --out FILE');
  const manifest = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  const npmBom = JSON.parse(execFileSync('npm', ['sbom', '--sbom-format', 'cyclonedx', '--sbom-type', 'library', '--package-lock-only'], {
    cwd: packageDir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'],
  }));
  const closure = runtimeClosure(packageDir).packages;
  const { bom, problems, required, excluded } = scopeSbom(npmBom, manifest, closure);
  if (problems.length > 0) {
    for (const p of problems) console.error(`sbom: FAIL ${p}`);
    return 1;
  }
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(bom, null, 2) + '\n');
  console.log(`sbom: CycloneDX ${bom.specVersion} for ${manifest.name}@${manifest.version}: ${required} components ship (scope required), ${excluded} build/test tools (scope excluded) -> ${out}`);
  return 0;
}

module.exports = { scopeSbom };

if (require.main === module) process.exitCode = main(process.argv.slice(2));

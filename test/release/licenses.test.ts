import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const policy = require('../../scripts/release/license-policy.json');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { checkLicenses, licenseVerdict, parseLicenseExpression } = require('../../scripts/release/licenses.js');

const REPO = path.join(__dirname, '..', '..');

/** A package tree in a temporary folder: { 'package.json': {...}, 'node_modules/a/package.json': {...} }. */
function tree(files: Record<string, object>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'licences-'));
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), JSON.stringify(content));
  }
  return dir;
}
const pkg = (name: string, license: string | undefined, extra: object = {}) => ({ name, version: '1.0.0', license, ...extra });
const noDevOnly = { ...policy, devOnly: {} };

describe('SPDX licence expressions', () => {
  test('an OR with one permissive choice is allowed; an AND with a copyleft part is not', () => {
    expect(licenseVerdict('(MIT OR GPL-3.0-or-later)').allowed).toBe(true);
    expect(licenseVerdict('MIT AND LGPL-2.1-only')).toEqual({ allowed: false, reasons: ['LGPL-2.1-only is weak copyleft'] });
    expect(licenseVerdict('(GPL-2.0-only OR AGPL-3.0+)')).toEqual({
      allowed: false, reasons: ['GPL-2.0-only is strong copyleft', 'AGPL-3.0+ is network copyleft'],
    });
  });

  test('an exception does not make a copyleft licence permissive', () => {
    expect(parseLicenseExpression('GPL-2.0-only WITH Classpath-exception-2.0')).toEqual({ id: 'GPL-2.0-only', exception: 'Classpath-exception-2.0' });
    expect(licenseVerdict('GPL-2.0-only WITH Classpath-exception-2.0').allowed).toBe(false);
  });

  test('fails when the licence is missing, unknown or not an expression', () => {
    expect(licenseVerdict(undefined)).toEqual({ allowed: false, reasons: ['no licence declared'] });
    expect(licenseVerdict('SEE LICENSE IN LICENSE.txt').allowed).toBe(false);
    expect(licenseVerdict('Commercial')).toEqual({ allowed: false, reasons: ['Commercial is not on the permissive list of license-policy.json'] });
    expect(licenseVerdict('(MIT')).toMatchObject({ allowed: false });
  });
});

describe('runtime licence gate', () => {
  test('the shipped runtime closure of cdk-mlops has no copyleft or unknown licence', () => {
    const result = checkLicenses(REPO);
    expect(result.violations).toEqual([]);
    const names = result.runtime.map((p: any) => p.name);
    // the peer dependencies, aws-cdk-lib's bundled dependencies, and theirs
    expect(names).toEqual(expect.arrayContaining(['aws-cdk-lib', 'constructs', 'minimatch', 'case', 'yaml']));
    expect(result.runtime.length).toBeGreaterThan(30);
    expect(result.runtime.find((p: any) => p.name === 'case').license).toBe('(MIT OR GPL-3.0-or-later)');
  });

  test('dev-only copyleft tools are exactly the ones the policy declares, and none ships', () => {
    const result = checkLicenses(REPO);
    expect(result.devOnlyCopyleft.map((p: any) => p.name).sort()).toEqual(Object.keys(policy.devOnly).sort());
    expect(result.devOnlyCopyleft.find((p: any) => p.name === '@cloud-copilot/iam-simulate').license).toMatch(/^AGPL-3\.0/);
    const shipped = new Set(result.runtime.map((p: any) => p.name));
    for (const name of Object.keys(policy.devOnly)) expect(shipped.has(name)).toBe(false);
  });

  test('fails when a runtime dependency is AGPL (the dev-only simulator moved to dependencies)', () => {
    const dir = tree({ 'package.json': pkg('fixture', 'Apache-2.0', { dependencies: { '@cloud-copilot/iam-simulate': '*' } }) });
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
    const { violations } = checkLicenses(dir);
    expect(violations).toEqual(expect.arrayContaining([
      expect.stringMatching(/^@cloud-copilot\/iam-simulate@[\d.]+ ships at runtime \(dependency: fixture > @cloud-copilot\/iam-simulate@[\d.]+\) under "AGPL-3.0-or-later": AGPL-3.0-or-later is network copyleft$/),
    ]));
  });

  test('fails when a peer dependency of a dependency is copyleft', () => {
    const dir = tree({
      'package.json': pkg('fixture', 'MIT', { dependencies: { a: '1' } }),
      'node_modules/a/package.json': pkg('a', 'MIT', { peerDependencies: { b: '1' } }),
      'node_modules/b/package.json': pkg('b', 'GPL-3.0-only'),
    });
    expect(checkLicenses(dir, noDevOnly).violations).toEqual([
      'b@1.0.0 ships at runtime (peer dependency: fixture > a@1.0.0 > b@1.0.0) under "GPL-3.0-only": GPL-3.0-only is strong copyleft',
    ]);
  });

  test('fails when a bundled dependency nested in a dependency is copyleft, whatever the hoisted copy says', () => {
    const dir = tree({
      'package.json': pkg('fixture', 'MIT', { dependencies: { a: '1' } }),
      'node_modules/a/package.json': pkg('a', 'MIT', { bundleDependencies: ['c'] }),
      'node_modules/a/node_modules/c/package.json': pkg('c', 'LGPL-2.1-or-later'),
      'node_modules/c/package.json': pkg('c', 'MIT'),
    });
    expect(checkLicenses(dir, noDevOnly).violations).toEqual([
      'c@1.0.0 ships at runtime (bundled dependency: fixture > a@1.0.0 > c@1.0.0) under "LGPL-2.1-or-later": LGPL-2.1-or-later is weak copyleft',
    ]);
  });

  test('fails when a runtime package has no licence, or a required one is not installed', () => {
    const dir = tree({
      'package.json': pkg('fixture', 'MIT', { dependencies: { a: '1', gone: '1' }, optionalDependencies: { maybe: '1' } }),
      'node_modules/a/package.json': pkg('a', undefined),
    });
    expect(checkLicenses(dir, noDevOnly).violations).toEqual([
      'gone (dependency of fixture) is not installed, so its licence cannot be checked',
      'a@1.0.0 ships at runtime (dependency: fixture > a@1.0.0) under "no licence": no licence declared',
    ]);
  });

  test('fails when a copyleft dev-only package is undeclared, or a declared one is gone', () => {
    const dir = tree({
      'package.json': pkg('fixture', 'MIT', { devDependencies: { tool: '1' } }),
      'node_modules/tool/package.json': pkg('tool', 'AGPL-3.0-only'),
    });
    expect(checkLicenses(dir, { ...policy, devOnly: { other: 'gone' } }).violations).toEqual([
      'tool@1.0.0 (AGPL-3.0-only) is a copyleft dev-only package not declared in license-policy.json "devOnly": declare it with the reason it never ships, or remove it',
      'license-policy.json "devOnly" lists other, which is not installed as a copyleft package: remove the entry',
    ]);
    expect(checkLicenses(dir, { ...policy, devOnly: { tool: 'a test tool' } }).violations).toEqual([]);
  });
});

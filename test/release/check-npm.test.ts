import * as path from 'path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { checkPackedPackage, packageOfSpecifier } = require('../../scripts/release/check-npm.js');

const REPO = path.join(__dirname, '..', '..');
// the SPDX list jsii validates licences with
// eslint-disable-next-line @typescript-eslint/no-require-imports
const SPDX = new Set(Object.keys(require(require.resolve('spdx-license-list', { paths: [path.dirname(require.resolve('jsii/package.json'))] }))));
const REPOSITORY = 'https://github.com/cdk-mlops/cdk-mlops.git';

/** A packed package that passes; each test breaks one thing. */
function packed(overrides: { files?: string[]; manifest?: object; sources?: Record<string, string> } = {}) {
  const manifest = {
    name: 'cdk-mlops',
    version: '0.1.0',
    license: 'Apache-2.0',
    main: 'lib/index.js',
    types: 'lib/index.d.ts',
    repository: { type: 'git', url: REPOSITORY },
    publishConfig: { access: 'public' },
    peerDependencies: { 'aws-cdk-lib': '^2.258.0', 'constructs': '^10.5.1' },
    jsii: { targets: { python: { distName: 'cdk-mlops' } } },
    ...overrides.manifest,
  };
  const sources: Record<string, string> = {
    'lib/index.js': 'const path = require("path"); const cdk = require("aws-cdk-lib/aws-s3"); const c = require("constructs"); require("./network");',
    'lib/network/index.js': 'require("node:fs"); require("../private/x");',
    '.jsii': JSON.stringify({ name: 'cdk-mlops', version: '0.1.0' }),
    ...overrides.sources,
  };
  const files = overrides.files ?? [
    'package.json', 'README.md', 'API.md', 'LICENSE', '.jsii', 'lib/index.js', 'lib/index.d.ts',
    'lib/network/index.js', 'lib/network/index.d.ts', 'assets/drift_check/main.py', 'assets/drift_check/driftcheck/stats.py',
  ];
  return {
    files,
    manifest,
    readFile: (f: string) => sources[f] ?? '',
    expected: { name: 'cdk-mlops', version: '0.1.0', repository: REPOSITORY },
    spdxIds: SPDX,
    packFiles: files,
  };
}

describe('npm tarball rules', () => {
  test('a complete package passes', () => {
    expect(checkPackedPackage(packed())).toEqual([]);
  });

  test('bare specifiers name their package', () => {
    expect(packageOfSpecifier('aws-cdk-lib/aws-s3')).toBe('aws-cdk-lib');
    expect(packageOfSpecifier('@cloud-copilot/iam-simulate/dist/x')).toBe('@cloud-copilot/iam-simulate');
    expect(packageOfSpecifier('./x')).toBeUndefined();
  });

  test('fails when shipped code requires a dev-only package', () => {
    const p = packed({ sources: { 'lib/index.js': 'const sim = require("@cloud-copilot/iam-simulate");' } });
    expect(checkPackedPackage(p)).toEqual([
      'lib/index.js requires "@cloud-copilot/iam-simulate", which is not a dependency, peer or bundled dependency',
    ]);
  });

  test('fails when main or types name a file the tarball lacks, or an exports map is set', () => {
    const p = packed({ manifest: { main: 'lib/main.js', exports: { '.': './lib/index.js' } } });
    expect(checkPackedPackage(p)).toEqual([
      '"main" is lib/main.js, which is not in the tarball',
      '"exports" is set: jsii packages are loaded through "main"; an exports map would hide lib/ from jsii runtimes',
    ]);
  });

  test('fails when the version, the assembly version or the licence is wrong', () => {
    const p = packed({ manifest: { version: '0.0.0', license: 'Apache 2' } });
    p.readFile = (f: string) => (f === '.jsii' ? JSON.stringify({ name: 'cdk-mlops', version: '0.0.0' }) : '');
    expect(checkPackedPackage(p)).toEqual([
      'version is 0.0.0, expected 0.1.0',
      'license "Apache 2" is not an SPDX licence id',
      '.jsii is version 0.0.0, expected 0.1.0',
    ]);
  });

  test('fails when the repository is not the GitHub repository provenance is issued for', () => {
    expect(checkPackedPackage(packed({ manifest: { repository: 'git@github.com:cdk-mlops/cdk-mlops.git' } }))).toEqual([
      'repository is "git@github.com:cdk-mlops/cdk-mlops.git": npm provenance needs the https URL of the GitHub repository that publishes',
    ]);
    expect(checkPackedPackage(packed({ manifest: { repository: { url: 'https://github.com/someone/fork.git' } } }))).toEqual([
      `repository is https://github.com/someone/fork.git, expected ${REPOSITORY}`,
    ]);
  });

  test('fails when test files, caches or repository tooling ship', () => {
    const p = packed();
    p.files = [...p.files, 'assets/drift_check/tests/test_stats.py', 'assets/drift_check/__pycache__/stats.cpython-311.pyc', 'requirements-dev.txt', '.compatignore'];
    p.packFiles = p.files;
    expect(checkPackedPackage(p)).toEqual([
      'assets/drift_check/tests/test_stats.py ships but is not a runtime file (exclude it in .npmignore via .projenrc.ts)',
      'assets/drift_check/__pycache__/stats.cpython-311.pyc ships but is not a runtime file (exclude it in .npmignore via .projenrc.ts)',
      'requirements-dev.txt ships but is not a runtime file (exclude it in .npmignore via .projenrc.ts)',
      '.compatignore ships but is not a runtime file (exclude it in .npmignore via .projenrc.ts)',
    ]);
  });

  test('fails when the tarball and npm pack --dry-run disagree', () => {
    const p = packed();
    p.packFiles = [...p.files.filter((f) => f !== 'API.md'), 'NOTICE'];
    expect(checkPackedPackage(p)).toEqual([
      'npm pack --dry-run lists NOTICE, the tarball has not',
      'the tarball has API.md, npm pack --dry-run does not list it',
    ]);
  });

  test('the repository\'s package.json declares what the rules expect', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const manifest = require(path.join(REPO, 'package.json'));
    expect(manifest.repository.url).toBe(REPOSITORY);
    expect(manifest.publishConfig).toEqual({ access: 'public' });
    expect(manifest.exports).toBeUndefined();
    expect(Object.keys(manifest.dependencies ?? {})).toEqual([]);
  });
});

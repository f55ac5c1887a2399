import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { scopeSbom } = require('../../scripts/release/sbom.js');

const REPO = path.join(__dirname, '..', '..');
const DEV = { name: 'cdx:npm:package:development', value: 'true' };

function npmBom(version = '0.1.0') {
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    metadata: { component: { name: 'repo-folder', version, purl: `pkg:npm/cdk-mlops@${version}` } },
    components: [
      { name: 'aws-cdk-lib', version: '2.258.0', properties: [DEV] },
      { group: '@aws-cdk', name: 'asset-awscli-v1', version: '2.2.282', properties: [DEV, { name: 'cdx:npm:package:bundled', value: 'true' }] },
      { name: 'jest', version: '30.0.0', properties: [DEV] },
    ],
  };
}
const manifest = { name: 'cdk-mlops', version: '0.1.0' };
const closure = [{ name: 'aws-cdk-lib', version: '2.258.0' }, { name: '@aws-cdk/asset-awscli-v1', version: '2.2.282' }];

describe('SBOM scoping', () => {
  test('what ships is required (without npm\'s development mark), build and test tools are excluded', () => {
    const { bom, problems, required, excluded } = scopeSbom(npmBom(), manifest, closure);
    expect(problems).toEqual([]);
    expect([required, excluded]).toEqual([2, 1]);
    expect(bom.metadata.component.name).toBe('cdk-mlops');
    expect(bom.components.map((c: any) => [c.name, c.scope, c.properties.map((p: any) => p.name)])).toEqual([
      ['aws-cdk-lib', 'required', []],
      ['asset-awscli-v1', 'required', ['cdx:npm:package:bundled']],
      ['jest', 'excluded', ['cdx:npm:package:development']],
    ]);
  });

  test('fails when npm\'s inventory misses a runtime package or describes another version', () => {
    const { problems } = scopeSbom(npmBom('0.0.0'), manifest, [...closure, { name: 'constructs', version: '10.5.1' }]);
    expect(problems).toEqual([
      'metadata.component.version is 0.0.0, expected 0.1.0',
      'metadata.component.purl is pkg:npm/cdk-mlops@0.0.0, expected pkg:npm/cdk-mlops@0.1.0',
      'npm\'s SBOM has no component for runtime package constructs@10.5.1',
    ]);
  });

  test('the SBOM of this repository lists the runtime closure as required and the AGPL test tools as excluded', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sbom-')), 'sbom.cdx.json');
    execFileSync('node', [path.join(REPO, 'scripts', 'release', 'sbom.js'), '--package', REPO, '--out', out], { stdio: 'pipe' });
    const bom = JSON.parse(fs.readFileSync(out, 'utf8'));
    const scope = (name: string) => bom.components.find((c: any) => (c.group ? `${c.group}/${c.name}` : c.name) === name)?.scope;
    expect(bom.bomFormat).toBe('CycloneDX');
    expect(bom.metadata.component.purl).toMatch(/^pkg:npm\/cdk-mlops@/);
    expect([scope('aws-cdk-lib'), scope('constructs'), scope('@aws-cdk/asset-awscli-v1')]).toEqual(['required', 'required', 'required']);
    expect([scope('@cloud-copilot/iam-simulate'), scope('jest'), scope('jsii')]).toEqual(['excluded', 'excluded', 'excluded']);
  });
});

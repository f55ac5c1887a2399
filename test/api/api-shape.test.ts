import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const vocabulary = require('../../scripts/api-vocabulary.json');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const shape = require('../../scripts/check-api-shape.js');

const GRANT = { fqn: 'aws-cdk-lib.aws_iam.Grant' };
const GRANTABLE = { fqn: 'aws-cdk-lib.aws_iam.IGrantable' };
const METRIC = { fqn: 'aws-cdk-lib.aws_cloudwatch.Metric' };
const METRIC_OPTIONS = { fqn: 'aws-cdk-lib.aws_cloudwatch.MetricOptions' };

/** The aws-cdk-lib types the synthetic assemblies lean on (the real ones are tested below). */
const EXTERNAL: Record<string, object> = {
  'aws-cdk-lib.Resource': { kind: 'class', base: 'constructs.Construct', interfaces: ['aws-cdk-lib.IResource'] },
  'aws-cdk-lib.IResource': { kind: 'interface', interfaces: ['constructs.IConstruct'] },
  'constructs.IConstruct': { kind: 'interface' },
  'aws-cdk-lib.aws_sagemaker.IPipeline': { kind: 'interface', interfaces: ['aws-cdk-lib.IResource'] },
};
const externalType = (fqn: string) => EXTERNAL[fqn];

/** A layer `src/<layer>/` with a construct class `<Name>` implementing `I<Name>`. */
function layer(name: string, layerDir: string, opts: { ifaceExtends?: string[]; methods?: object[]; props?: object[] } = {}) {
  const at = { locationInModule: { filename: `src/${layerDir}/${name.toLowerCase()}.ts` } };
  return {
    [`cdk-mlops.I${name}`]: { kind: 'interface', interfaces: opts.ifaceExtends ?? ['aws-cdk-lib.IResource'], methods: opts.methods ?? [], ...at },
    [`cdk-mlops.${name}`]: { kind: 'class', base: 'aws-cdk-lib.Resource', interfaces: [`cdk-mlops.I${name}`], methods: opts.methods ?? [], ...at },
    [`cdk-mlops.${name}Props`]: { kind: 'interface', datatype: true, properties: opts.props ?? [], ...at },
  };
}

function check(types: object, options: object = {}) {
  return shape.findProblems({ types }, { exceptions: [], externalType, ...options });
}

describe('public API shape (jsii languages)', () => {
  test('fails on unions and any, in properties, parameters and return types', () => {
    const assembly = {
      'x.Props': { properties: [{ name: 'size', type: { union: { types: [{ primitive: 'string' }, { primitive: 'number' }] } } }] },
      'x.Thing': {
        initializer: { parameters: [{ name: 'props', type: { fqn: 'x.Props' } }] },
        methods: [
          { name: 'load', parameters: [{ name: 'data', type: { collection: { kind: 'array', elementtype: { primitive: 'any' } } } }] },
          { name: 'value', returns: { type: { primitive: 'any' } } },
        ],
      },
    };
    const { problems } = check(assembly);
    expect(problems).toEqual([
      'x.Props.size: union type (string | number)',
      'x.Thing.load(data)[]: any',
      'x.Thing.value() returns: any',
    ]);
  });

  test('a clean assembly passes every rule', () => {
    // GIVEN a layer that follows the idiom: IResource, grant(grantee): Grant, metric(): Metric, vocabulary names
    const types = layer('Widget', 'widget', {
      ifaceExtends: ['aws-cdk-lib.aws_sagemaker.IPipeline'],
      methods: [
        { name: 'grantRead', parameters: [{ name: 'grantee', type: GRANTABLE }], returns: { type: GRANT } },
        { name: 'grantInvoke', parameters: [{ name: 'grantee', type: GRANTABLE }, { name: 'scope', type: { primitive: 'string' } }], returns: { type: GRANT } },
        { name: 'metricInvocations', parameters: [{ name: 'props', type: METRIC_OPTIONS, optional: true }], returns: { type: METRIC } },
        { name: 'metric', parameters: [{ name: 'metricName', type: { primitive: 'string' } }], returns: { type: METRIC } },
      ],
      props: [
        { name: 'registry', type: { fqn: 'cdk-mlops.IModelRegistry' } },
        { name: 'volumeEncryptionKey', type: { fqn: 'aws-cdk-lib.aws_kms.IKey' } },
        { name: 'instanceTypes', type: { collection: { kind: 'array', elementtype: { fqn: 'cdk-mlops.MlInstanceType' } } } },
        { name: 'retrainPipeline', type: { fqn: 'cdk-mlops.IMlPipeline' } },
        { name: 'codePipeline', type: { fqn: 'aws-cdk-lib.aws_codepipeline.Pipeline' } },
        { name: 'stages', type: { collection: { kind: 'array', elementtype: { fqn: 'cdk-mlops.DeploymentStageOptions' } } } },
        { name: 'namePrefix', type: { primitive: 'string' } },
        { name: 'dataCaptureBucket', type: { fqn: 'aws-cdk-lib.aws_s3.IBucket' } },
        { name: 'ML_M5_LARGE', static: true, type: { fqn: 'cdk-mlops.MlInstanceType' } },
      ],
    });
    // WHEN / THEN
    const { problems, members } = check(types);
    expect(problems).toEqual([]);
    expect(members).toBe(17);
  });

  test('fails when a grant method returns anything but iam.Grant', () => {
    const types = layer('Registry', 'registry', {
      methods: [{ name: 'grantConsumersPull', parameters: [{ name: 'grantee', type: GRANTABLE }] }],
    });
    const { findings } = check(types);
    expect(findings.map((f: any) => [f.rule, f.layer, f.where])).toEqual([
      ['grant-returns-grant', 'registry', 'cdk-mlops.IRegistry.grantConsumersPull()'],
      ['grant-returns-grant', 'registry', 'cdk-mlops.Registry.grantConsumersPull()'],
    ]);
    expect(findings[0].message).toContain('returns void; a grant… method returns aws-cdk-lib.aws_iam.Grant');
  });

  test('fails when a grant method does not take the grantee first', () => {
    const types = layer('Pipe', 'pipeline', {
      methods: [
        { name: 'grantReadData', parameters: [{ name: 'bucket', type: { fqn: 'aws-cdk-lib.aws_s3.IBucket' } }, { name: 'grantee', type: GRANTABLE }], returns: { type: GRANT } },
        { name: 'grant', returns: { type: GRANT } },
      ],
    });
    const { findings } = check({ 'cdk-mlops.Pipe': types['cdk-mlops.Pipe'] });
    expect(findings.map((f: any) => f.message)).toEqual([
      'cdk-mlops.Pipe.grantReadData(): takes bucket: aws-cdk-lib.aws_s3.IBucket first; a grant… method takes the principal (grantee: aws-cdk-lib.aws_iam.IGrantable) first, as in thing.grantX(principal). Turn it around (make the construct IGrantable), or use another verb',
      'cdk-mlops.Pipe.grant(): takes no parameter; a grant… method takes the principal (grantee: aws-cdk-lib.aws_iam.IGrantable) first, as in thing.grantX(principal). Turn it around (make the construct IGrantable), or use another verb',
    ]);
  });

  test('fails when a metric method returns IMetric', () => {
    const types = layer('Monitor', 'monitoring', {
      methods: [{ name: 'metricDrift', parameters: [{ name: 'feature', type: { primitive: 'string' } }], returns: { type: { fqn: 'aws-cdk-lib.aws_cloudwatch.IMetric' } } }],
    });
    const { findings } = check(types);
    expect(findings.map((f: any) => [f.rule, f.where])).toEqual([
      ['metric-returns-metric', 'cdk-mlops.IMonitor.metricDrift()'],
      ['metric-returns-metric', 'cdk-mlops.Monitor.metricDrift()'],
    ]);
    expect(findings[0].message).toContain('returns aws-cdk-lib.aws_cloudwatch.IMetric; a metric… method returns aws-cdk-lib.aws_cloudwatch.Metric');
  });

  test('fails when a layer interface does not extend IResource, and not for interfaces no construct implements', () => {
    // GIVEN a construct whose interface extends only IConstruct, and a step interface of a non-construct class
    const types = {
      ...layer('Network', 'network', { ifaceExtends: ['constructs.IConstruct'] }),
      'cdk-mlops.IStepReference': { kind: 'interface' },
      'cdk-mlops.Step': { kind: 'class', interfaces: ['cdk-mlops.IStepReference'] },
      // a construct through an unexported base of this assembly
      'cdk-mlops.IDeployment': { kind: 'interface', interfaces: ['cdk-mlops.IWhatever'], locationInModule: { filename: 'src/deployment/d.ts' } },
      'cdk-mlops.IWhatever': { kind: 'interface' },
      'cdk-mlops.DeploymentBase': { kind: 'class', base: 'constructs.Construct' },
      'cdk-mlops.Deployment': { kind: 'class', base: 'cdk-mlops.DeploymentBase', interfaces: ['cdk-mlops.IDeployment'] },
    };
    const { findings } = check(types);
    expect(findings.map((f: any) => [f.rule, f.layer, f.where])).toEqual([
      ['layer-interface-resource', 'deployment', 'cdk-mlops.IDeployment'],
      ['layer-interface-resource', 'network', 'cdk-mlops.INetwork'],
    ]);
    expect(findings[1].message).toBe('cdk-mlops.INetwork: layer interface (implemented by Network) does not extend aws-cdk-lib.IResource: extend it (aws-cdk-lib\'s idiom for every layer), or list it in scripts/api-exceptions.json with the reason');
  });

  test('resolves aws-cdk-lib\'s own interfaces from node_modules (IPipeline extends IResource, IConstruct does not)', () => {
    const types = {
      ...layer('Pipeline', 'pipeline', { ifaceExtends: ['aws-cdk-lib.aws_sagemaker.IPipeline'] }),
      ...layer('Network', 'network', { ifaceExtends: ['constructs.IConstruct', 'aws-cdk-lib.aws_ec2.IConnectable'] }),
    };
    const { findings } = shape.findProblems({ types }, { exceptions: [] });
    expect(findings.map((f: any) => f.where)).toEqual(['cdk-mlops.INetwork']);
  });

  test('fails when a prop of a concept\'s type is not named after it', () => {
    const types = layer('Monitor', 'monitoring', {
      props: [
        { name: 'endpoint', type: { fqn: 'cdk-mlops.DeploymentStage' } },
        { name: 'key', type: { fqn: 'aws-cdk-lib.aws_kms.IKey' } },
        { name: 'sizes', type: { collection: { kind: 'array', elementtype: { fqn: 'cdk-mlops.MlInstanceType' } } } },
        { name: 'target', type: { fqn: 'cdk-mlops.Pipe' } },
      ],
    });
    // a class of this assembly that implements the concept's interface counts as the concept
    types['cdk-mlops.Pipe'] = { kind: 'class', interfaces: ['cdk-mlops.IMlPipeline'] } as any;
    const { problems } = check(types);
    expect(problems).toEqual([
      'cdk-mlops.MonitorProps.endpoint: typed cdk-mlops.DeploymentStage, the vocabulary\'s deployment stage, but named `endpoint`: name it `stage` or `<use>Stage` (scripts/api-vocabulary.json)',
      'cdk-mlops.MonitorProps.key: typed aws-cdk-lib.aws_kms.IKey, the vocabulary\'s the layer\'s KMS key, but named `key`: name it `encryptionKey` or `<use>EncryptionKey` (scripts/api-vocabulary.json)',
      'cdk-mlops.MonitorProps.sizes: typed cdk-mlops.MlInstanceType[], the vocabulary\'s instance type, but named `sizes`: name it `instanceTypes` or `<use>InstanceTypes` (scripts/api-vocabulary.json)',
      'cdk-mlops.MonitorProps.target: typed cdk-mlops.Pipe, the vocabulary\'s ML pipeline, but named `target`: name it `pipeline` or `<use>Pipeline` (scripts/api-vocabulary.json)',
    ]);
  });

  test('fails when a prop named after a concept has another type', () => {
    const types = layer('Platform', 'platform', {
      props: [
        { name: 'pipeline', type: { primitive: 'boolean' } },
        { name: 'inferenceInstanceTypes', type: { collection: { kind: 'array', elementtype: { primitive: 'string' } } } },
        { name: 'existingNetwork', type: { fqn: 'cdk-mlops.TargetNetworkAttributes' } },
        { name: 'notificationTopic', type: { primitive: 'string' } },
      ],
    });
    const { findings } = check(types);
    expect(findings.map((f: any) => [f.layer, f.message])).toEqual([
      ['platform', 'cdk-mlops.PlatformProps.pipeline: named like the vocabulary\'s ML pipeline but typed boolean; `pipeline` means cdk-mlops.IMlPipeline (scripts/api-vocabulary.json): give it that type or another name'],
      ['platform', 'cdk-mlops.PlatformProps.inferenceInstanceTypes: named like the vocabulary\'s instance type but typed string[]; `inferenceInstanceTypes` means cdk-mlops.MlInstanceType[] (scripts/api-vocabulary.json): give it that type or another name'],
      ['platform', 'cdk-mlops.PlatformProps.existingNetwork: named like the vocabulary\'s network but typed cdk-mlops.TargetNetworkAttributes; `existingNetwork` means cdk-mlops.ISecureMlNetwork (scripts/api-vocabulary.json): give it that type or another name'],
      ['platform', 'cdk-mlops.PlatformProps.notificationTopic: named like the vocabulary\'s topic for people but typed string; `notificationTopic` means aws-cdk-lib.aws_sns.ITopic (scripts/api-vocabulary.json): give it that type or another name'],
    ]);
  });

  test('fails when a prop carries a listed synonym, whatever its type', () => {
    const types = layer('Exploration', 'exploration', {
      props: [
        { name: 'modelRegistry', type: { fqn: 'cdk-mlops.IModelRegistry' } },
        { name: 'crossAccountPrefix', type: { primitive: 'string' } },
      ],
    });
    const { problems } = check(types);
    expect(problems).toEqual([
      'cdk-mlops.ExplorationProps.modelRegistry: `modelRegistry` is a synonym of the vocabulary\'s model registry: name it `registry` or `<use>Registry` (scripts/api-vocabulary.json)',
      'cdk-mlops.ExplorationProps.crossAccountPrefix: `crossAccountPrefix` is a synonym of the vocabulary\'s prefix of physical names: name it `namePrefix` or `<use>NamePrefix` (scripts/api-vocabulary.json)',
    ]);
  });

  test('an exception with a reason removes its finding; one without a reason, or matching nothing, fails', () => {
    const types = layer('Source', 'registry', { ifaceExtends: [] });
    const reasoned = check(types, { exceptions: [{ rule: 'layer-interface-resource', where: 'cdk-mlops.ISource', reason: 'a capability interface' }] });
    expect(reasoned.problems).toEqual([]);
    const bare = check(types, { exceptions: [{ rule: 'layer-interface-resource', where: 'cdk-mlops.ISource', reason: ' ' }] });
    expect(bare.problems).toEqual(['scripts/api-exceptions.json layer-interface-resource cdk-mlops.ISource: an exception needs a reason']);
    const stale = check({}, { exceptions: [{ rule: 'vocabulary', where: 'cdk-mlops.GoneProps.key', reason: 'was needed once' }] });
    expect(stale.problems).toEqual(['scripts/api-exceptions.json vocabulary cdk-mlops.GoneProps.key: matches no finding any more; remove the entry']);
  });

  test('every shipped exception has a reason', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { exceptions } = require('../../scripts/api-exceptions.json');
    for (const e of exceptions) {
      expect(e.reason.length).toBeGreaterThan(40);
    }
  });

  test('CONTRIBUTING.md shows exactly the vocabulary the check enforces', () => {
    const table = shape.renderVocabularyTable(vocabulary.concepts);
    expect(shape.documentedVocabularyTable()).toBe(table);
    // every concept is a row, and the decided renames are listed as synonyms
    expect(table.split('\n')).toHaveLength(vocabulary.concepts.length + 2);
    expect(table).toContain('| model registry | `registry`');
    expect(table).toContain('`modelRegistry`');
    expect(table).toContain('`crossAccountPrefix`');
  });

  test('fails when the CONTRIBUTING.md table and the data differ, and --write-vocabulary brings them back', () => {
    // GIVEN a copy of CONTRIBUTING.md whose table lacks a concept the data lists
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vocabulary-'));
    const file = path.join(dir, 'CONTRIBUTING.md');
    const stale = shape.renderVocabularyTable(vocabulary.concepts.slice(1));
    fs.writeFileSync(file, fs.readFileSync(path.join(__dirname, '..', '..', 'CONTRIBUTING.md'), 'utf8')
      .replace(shape.renderVocabularyTable(vocabulary.concepts), stale));
    expect(shape.documentedVocabularyTable(file)).toBe(stale);
    expect(shape.documentedVocabularyTable(file)).not.toBe(shape.renderVocabularyTable(vocabulary.concepts));
    // WHEN
    shape.writeVocabularyTable(file);
    // THEN
    expect(shape.documentedVocabularyTable(file)).toBe(shape.renderVocabularyTable(vocabulary.concepts));
  });

  test('the compiled library has no problem (a failure lists them by layer)', () => {
    const file = path.join(__dirname, '..', '..', '.jsii');
    if (!fs.existsSync(file)) {
      throw new Error('no .jsii assembly: compile first (`npx jsii`; scripts/test.sh does)');
    }
    const { findings, types } = shape.findProblems(JSON.parse(fs.readFileSync(file, 'utf8')));
    // compared as text so that a failure prints the remaining problems by the layer that declares them
    expect(shape.formatByLayer(findings)).toBe('');
    expect(types).toBeGreaterThan(50);
  });
});

import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { build, ENV, interfaceEndpoints, layerResources } from './fixtures';
import { DriftBaseline } from '../../src/monitoring';
import { MlEndpointService, SecureMlNetwork } from '../../src/network';
import { MlopsPlatform, MlopsPlatformProps, PlatformLayer } from '../../src/platform';
import { ModelRegistry } from '../../src/registry';
import { expectCompliant, testApp } from '../harness/compliance';
import { expectStatefulRetained } from '../harness/stateful';

describe('MlopsPlatform with defaults', () => {
  const built = build();
  const { template, platform } = built;

  test('builds every layer, in data-flow order', () => {
    expect(platform.layers).toEqual([
      PlatformLayer.NETWORK, PlatformLayer.EXPLORATION, PlatformLayer.REGISTRY, PlatformLayer.PIPELINE,
      PlatformLayer.CI, PlatformLayer.DEPLOYMENT, PlatformLayer.MONITORING,
    ]);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::SageMaker::Domain', 1);
    template.resourceCountIs('AWS::SageMaker::ModelPackageGroup', 1);
    template.resourceCountIs('AWS::SageMaker::Pipeline', 1);
    template.resourceCountIs('AWS::CodePipeline::Pipeline', 1);
  });

  test('creates each interface endpoint once: the union of what the layers require', () => {
    const endpoints = interfaceEndpoints(template);
    expect(new Set(endpoints).size).toBe(endpoints.length);
    expect(platform.endpointServiceNames).toEqual(
      ['codebuild', 'ecr.api', 'ecr.dkr', 'experiments', 'logs', 'monitoring', 'sagemaker.api', 'sagemaker.runtime', 'sts', 'studio']);
    expect(endpoints).toHaveLength(platform.endpointServiceNames.length);
  });

  test('the pipeline registers into the platform registry', () => {
    const group = Object.keys(template.findResources('AWS::SageMaker::ModelPackageGroup'))[0];
    const pipeline = Object.values<any>(template.findResources('AWS::SageMaker::Pipeline'))[0];
    expect(JSON.stringify(pipeline.Properties.PipelineDefinition)).toContain('RegisterModel');
    expect(JSON.stringify(template.toJSON())).toContain(group);
  });

  test('the deployment starts on approvals of the platform registry and the monitor retrains the pipeline', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ 'source': ['aws.sagemaker'], 'detail-type': ['SageMaker Model Package State Change'] }),
    });
    const retrain = layerResources(template, 'monitoring');
    const machines = Object.values<any>(retrain).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    expect(machines.map((m) => JSON.stringify(m.Properties.DefinitionString)).join()).toContain('startPipelineExecution');
  });

  test('tags every resource of a layer with the layer', () => {
    for (const layer of platform.layers) {
      expect(Object.keys(layerResources(template, layer)).length).toBeGreaterThan(0);
    }
    expect(Object.keys(layerResources(template, 'network'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^PlatformNetworkVpc/)]));
  });

  test('retains stateful resources', () => {
    expect(expectStatefulRetained(template).length).toBeGreaterThan(0);
  });

  test('passes the four compliance packs', () => {
    expectCompliant(built.app);
  });
});

describe('turning layers off', () => {
  test('without exploration, the Studio endpoint goes and no other endpoint is duplicated', () => {
    const { template, platform } = build(() => ({
      layers: [PlatformLayer.PIPELINE, PlatformLayer.CI, PlatformLayer.DEPLOYMENT, PlatformLayer.MONITORING],
    }));
    expect(platform.layers).not.toContain(PlatformLayer.EXPLORATION);
    template.resourceCountIs('AWS::SageMaker::Domain', 0);
    const endpoints = interfaceEndpoints(template);
    expect(endpoints.some((e) => e.endsWith('.studio'))).toBe(false);
    expect(new Set(endpoints).size).toBe(endpoints.length);
  });

  test('without CI, the CodeBuild endpoint goes', () => {
    const { platform } = build(() => ({
      layers: [PlatformLayer.EXPLORATION, PlatformLayer.PIPELINE, PlatformLayer.DEPLOYMENT, PlatformLayer.MONITORING],
    }));
    expect(platform.endpointServiceNames).not.toContain('codebuild');
    expect(platform.ci).toBeUndefined();
  });

  test('pipeline and registry without Studio, CI or deployment synthesize and pass', () => {
    const built = build(() => ({ layers: [PlatformLayer.PIPELINE] }));
    expect(built.platform.layers).toEqual([PlatformLayer.NETWORK, PlatformLayer.REGISTRY, PlatformLayer.PIPELINE]);
    built.template.resourceCountIs('AWS::SageMaker::Pipeline', 1);
    built.template.resourceCountIs('AWS::StepFunctions::StateMachine', 0);
    expectCompliant(built.app);
  });

  test('deployment and monitoring with an imported registry synthesize and pass', () => {
    const built = build((stack) => ({
      layers: [PlatformLayer.DEPLOYMENT, PlatformLayer.MONITORING],
      registry: ModelRegistry.fromModelPackageGroupName(stack, 'Shared', 'churn'),
      monitoringOptions: { baseline: DriftBaseline.fromS3Prefix(s3.Bucket.fromBucketName(stack, 'Baselines', 'churn-baselines'), 'baselines/') },
    }));
    expect(built.platform.layers).toEqual([PlatformLayer.NETWORK, PlatformLayer.DEPLOYMENT, PlatformLayer.MONITORING]);
    built.template.resourceCountIs('AWS::SageMaker::ModelPackageGroup', 0);
    built.template.resourceCountIs('AWS::SageMaker::Pipeline', 0);
    expect(built.platform.monitor).toBeDefined();
    expectCompliant(built.app);
  });

  test('a registry alone needs no network', () => {
    const built = build(() => ({ layers: [] }));
    expect(built.platform.layers).toEqual([PlatformLayer.REGISTRY]);
    built.template.resourceCountIs('AWS::EC2::VPC', 0);
    built.template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    expectCompliant(built.app);
  });

  test('an imported network is used as is and no VPC is created', () => {
    const app = testApp();
    const netStack = new Stack(app, 'Net', { env: ENV });
    const network = new SecureMlNetwork(netStack, 'Network', { interfaceEndpoints: [] });
    const built = build(() => ({ network, layers: [PlatformLayer.PIPELINE] }), app);
    built.template.resourceCountIs('AWS::EC2::VPC', 0);
    expect(built.platform.network).toBe(network);
    expect(network.endpointServiceNames).toEqual(expect.arrayContaining(['sagemaker.api', 'ecr.dkr']));
    expect(Template.fromStack(netStack).findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }))
      .not.toEqual({});
  });

  test('consumer accounts are trusted by the registry and the network', () => {
    const { template } = build(() => ({ consumerAccountIds: ['222222222222'] }));
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([Match.objectLike({ Condition: { StringEquals: { 's3:ResourceAccount': ['111111111111', '222222222222'] } } })]),
      }),
    });
    const group = Object.values<any>(template.findResources('AWS::SageMaker::ModelPackageGroup'))[0];
    expect(JSON.stringify(group.Properties.ModelPackageGroupPolicy).includes('222222222222')).toBe(true);
  });

  test('additional endpoints are added once', () => {
    const { platform } = build(() => ({ networkOptions: { additionalEndpoints: [MlEndpointService.KMS, MlEndpointService.STS] } }));
    expect(platform.endpointServiceNames.filter((n) => n === 'sts')).toHaveLength(1);
    expect(platform.endpointServiceNames).toContain('kms');
  });
});

describe('the network has exactly the endpoints the enabled layers require', () => {
  const JOBS = ['ecr.api', 'ecr.dkr', 'logs', 'monitoring', 'sagemaker.api', 'sagemaker.runtime', 'sts'];
  test.each([
    // Studio needs studio and, with MLflow (the default), experiments (the MLflow endpoint)
    ['every layer', {}, [...JOBS, 'codebuild', 'studio', 'experiments']],
    ['no exploration', { layers: [PlatformLayer.PIPELINE, PlatformLayer.CI, PlatformLayer.DEPLOYMENT, PlatformLayer.MONITORING] }, [...JOBS, 'codebuild']],
    ['no CI', { layers: [PlatformLayer.EXPLORATION, PlatformLayer.PIPELINE, PlatformLayer.DEPLOYMENT, PlatformLayer.MONITORING] }, [...JOBS, 'studio', 'experiments']],
    ['no pipeline, CI or monitoring', { layers: [PlatformLayer.EXPLORATION, PlatformLayer.DEPLOYMENT] }, ['logs', 'sagemaker.api', 'sagemaker.runtime', 'sts', 'studio', 'experiments']],
    ['exploration alone', { layers: [PlatformLayer.EXPLORATION] }, ['logs', 'sagemaker.api', 'sagemaker.runtime', 'sts', 'studio', 'experiments']],
  ] as Array<[string, MlopsPlatformProps, string[]]>)('%s', (_name, props, expected) => {
    const { platform, template } = build(() => props);
    expect(platform.endpointServiceNames).toEqual([...expected].sort());
    const endpoints = interfaceEndpoints(template);
    expect(endpoints).toHaveLength(expected.length);
    expect(new Set(endpoints).size).toBe(endpoints.length);
  });
});

describe('MlopsPlatform validation', () => {
  const make = (props: ConstructorParameters<typeof MlopsPlatform>[2]) => () => {
    const stack = new Stack(testApp(), 'S', { env: ENV });
    new MlopsPlatform(stack, 'Platform', props);
  };

  test('fails when network options (e.g. the EFA option) are given but no layer runs in a network', () => {
    const props = {
      layers: [],
      networkOptions: { allowAllTrafficWithinWorkloadGroup: true },
    };
    expect(make(props)).toThrow(/networkOptions: got 'given \(allowAllTrafficWithinWorkloadGroup\) without a network'; allowed: networkOptions only when an enabled layer needs a network/);
  });

  test('fails when CI is on without the pipeline', () => {
    expect(make({ layers: [PlatformLayer.CI] })).toThrow(
      'MlopsPlatform has 1 invalid problem:\n- layers: got ["PlatformLayer.CI"]; allowed: CI only with the pipeline layer (CI updates and starts it). Fix: add PlatformLayer.PIPELINE to layers, or remove PlatformLayer.CI.');
  });

  test('fails when monitoring is on without the deployment', () => {
    expect(make({ layers: [PlatformLayer.PIPELINE, PlatformLayer.MONITORING] }))
      .toThrow(/layers: got \["PlatformLayer.PIPELINE","PlatformLayer.MONITORING"\]; allowed: monitoring only with the deployment layer.*Fix: add PlatformLayer.DEPLOYMENT to layers, or remove PlatformLayer.MONITORING/s);
  });

  test('fails when the network or the registry is listed among the layers (they are built as needed)', () => {
    expect(make({ layers: [PlatformLayer.NETWORK, PlatformLayer.REGISTRY, PlatformLayer.PIPELINE] }))
      .toThrow(/layers: got \["PlatformLayer.NETWORK","PlatformLayer.REGISTRY","PlatformLayer.PIPELINE"\]; allowed: PlatformLayer.EXPLORATION, PlatformLayer.PIPELINE, PlatformLayer.CI, PlatformLayer.DEPLOYMENT, PlatformLayer.MONITORING .*Fix: remove PlatformLayer.NETWORK and PlatformLayer.REGISTRY from layers; pass `network` or `registry`/s);
  });

  test('fails when monitoring has no baseline and no pipeline', () => {
    expect(make({ layers: [PlatformLayer.DEPLOYMENT, PlatformLayer.MONITORING] })).toThrow(/monitoringOptions\.baseline.*DriftBaseline\.fromS3Prefix/s);
  });

  test('fails when a consumer account is not an account id', () => {
    expect(make({ consumerAccountIds: ['1234'] })).toThrow(/consumerAccountIds: got \["1234"\]; allowed: 12-digit account ids/);
  });

  test('fails when network options come with an imported network, listing every problem', () => {
    const stack = new Stack(testApp(), 'S', { env: ENV });
    const vpc = new ec2.Vpc(stack, 'Vpc', { subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const network = SecureMlNetwork.fromNetworkAttributes(stack, 'Net', {
      vpc, workloadSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-12345678'),
    });
    expect(() => new MlopsPlatform(stack, 'Platform', { network, networkOptions: { maxAzs: 3 }, consumerAccountIds: ['x'] }))
      .toThrow(/2 invalid problems:[\s\S]*networkOptions[\s\S]*consumerAccountIds/);
  });
});

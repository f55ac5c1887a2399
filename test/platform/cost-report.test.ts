import * as fs from 'fs';
import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { build } from './fixtures';
import { MlInstanceType } from '../../src/common';
import { DeploymentTarget } from '../../src/deployment';
import { EndpointPlacement, MlEndpointService } from '../../src/network';
import { CostReport, MlopsAccounts, MlopsPlatformProps, PlatformLayer } from '../../src/platform';
import { testApp } from '../harness/compliance';

const HOURS = 730;

/** A hand-written template with known quantities. */
function template(): Record<string, any> {
  const az2 = ['subnet-a', 'subnet-b'];
  return {
    Resources: {
      Api: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Interface', ServiceName: 'com.amazonaws.us-east-1.sagemaker.api', SubnetIds: az2 }, Metadata: { 'cdk-mlops:layer': 'network' } },
      Sts: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Interface', ServiceName: 'com.amazonaws.us-east-1.sts', SubnetIds: [...az2, 'subnet-c'] }, Metadata: { 'cdk-mlops:layer': 'network' } },
      S3: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Gateway', ServiceName: 'com.amazonaws.us-east-1.s3' }, Metadata: { 'cdk-mlops:layer': 'network' } },
      Nat: { Type: 'AWS::EC2::NatGateway', Properties: {}, Metadata: { 'aws:cdk:path': 'App/Platform/Network/Vpc/Public1/NATGateway' } },
      Key: { Type: 'AWS::KMS::Key', Properties: {}, Metadata: { 'cdk-mlops:layer': 'pipeline' } },
      Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Period: 60 }, Metadata: { 'cdk-mlops:layer': 'deployment' } },
      Fast: { Type: 'AWS::CloudWatch::Alarm', Properties: { Period: 10 }, Metadata: { 'cdk-mlops:layer': 'deployment' } },
      Mlflow: { Type: 'AWS::SageMaker::MlflowTrackingServer', Properties: { TrackingServerSize: 'Medium' }, Metadata: { 'cdk-mlops:layer': 'exploration' } },
      Config: {
        Type: 'AWS::SageMaker::EndpointConfig',
        Properties: { ProductionVariants: [{ VariantName: 'a', InstanceType: 'ml.m5.large', InitialInstanceCount: 3 }, { VariantName: 'b', ServerlessConfig: { MemorySizeInMB: 2048 } }] },
      },
      Odd: { Type: 'AWS::SageMaker::EndpointConfig', Properties: { ProductionVariants: [{ InstanceType: 'ml.p5.48xlarge', InitialInstanceCount: 1 }] } },
      Domain: { Type: 'AWS::SageMaker::Domain', Properties: {}, Metadata: { 'cdk-mlops:layer': 'exploration' } },
    },
  };
}

describe('CostReport from a template with known prices', () => {
  const report = CostReport.fromTemplate(JSON.stringify(template()), { stackName: 'Known' });

  test('prices interface endpoints per AZ and leaves the gateway endpoint out', () => {
    // 2 + 3 AZ-endpoints at $0.01/h, plus a NAT gateway at $0.045/h
    expect(report.monthlyUsdOf('network')).toBeCloseTo(5 * 0.01 * HOURS + 0.045 * HOURS, 2);
    expect(report.lines.filter((l) => l.logicalId === 'S3')).toEqual([]);
    expect(report.lines.find((l) => l.logicalId === 'Sts')).toMatchObject({ quantity: 3, item: 'interface endpoint sts (per AZ)', monthlyUsd: 21.9 });
  });

  test('attributes by layer metadata, then by construct path, else other', () => {
    expect(report.lines.find((l) => l.logicalId === 'Nat')?.layer).toBe('network');
    expect(report.lines.find((l) => l.logicalId === 'Config')?.layer).toBe('other');
    expect(report.layers).toEqual(['network', 'pipeline', 'deployment', 'exploration', 'other']);
  });

  test('prices keys, standard and high-resolution alarms, MLflow and endpoint instances', () => {
    expect(report.monthlyUsdOf('pipeline')).toBe(1);
    expect(report.monthlyUsdOf('deployment')).toBeCloseTo(0.1 + 0.3, 2);
    expect(report.monthlyUsdOf('exploration')).toBeCloseTo(1.4 * HOURS, 2);
    expect(report.monthlyUsdOf('other')).toBeCloseTo(3 * 0.115 * HOURS, 2);
  });

  test('reports instance types without a price as unpriced and counts them 0', () => {
    expect(report.unpriced.map((l) => l.item)).toEqual(['endpoint instance ml.p5.48xlarge (endpoint config Odd)']);
    expect(report.unpriced[0].monthlyUsd).toBe(0);
  });

  test('the total is the sum of the layers', () => {
    const sum = report.layers.reduce((s, l) => s + report.monthlyUsdOf(l), 0);
    expect(report.totalMonthlyUsd).toBeCloseTo(sum, 2);
    expect(report.monthlyUsdOfStack('Known')).toBe(report.totalMonthlyUsd);
    expect(report.toText()).toMatch(/total\s+\$\s*\d+\.\d\d\/month \(us-east-1, on-demand, 730 h\/month\)/);
  });
});

describe('CostReport of a platform', () => {
  test('reads the deployment stages from the workflow: instances at minimum capacity', () => {
    const { stack } = build(() => ({ layers: [PlatformLayer.PIPELINE, PlatformLayer.DEPLOYMENT, PlatformLayer.MONITORING] }));
    const report = CostReport.fromStack(stack);
    const instances = report.lines.filter((l) => l.item.startsWith('endpoint instance'));
    expect(instances.map((l) => [l.item, l.quantity])).toEqual([
      ['endpoint instance ml.m5.large (stage staging)', 1],
      ['endpoint instance ml.m5.large (stage production)', 2],
    ]);
    expect(report.monthlyUsdOf('deployment')).toBeCloseTo(3 * 0.115 * HOURS + 1 + 6 * 0.1, 1);
  });

  test('a serverless stage has no idle instance cost', () => {
    const { stack } = build(() => ({
      layers: [PlatformLayer.PIPELINE, PlatformLayer.DEPLOYMENT],
      deploymentOptions: { stages: [{ stageName: 'dev', serverlessMemorySizeMiB: 2048 }] },
    }));
    const report = CostReport.fromStack(stack);
    expect(report.lines.filter((l) => l.item.startsWith('endpoint instance'))).toEqual([]);
    expect(report.lines.some((l) => l.item === 'serverless endpoint (stage dev)')).toBe(true);
  });

  test('each kind of stage is priced idle: async at its minimum (zero), batch not while idle, real-time per instance', () => {
    const { stack } = build((scope) => ({
      layers: [PlatformLayer.PIPELINE, PlatformLayer.DEPLOYMENT],
      deploymentOptions: {
        stages: [
          { stageName: 'live', target: DeploymentTarget.realtime({ instanceType: MlInstanceType.ML_C5_XLARGE }) },
          { stageName: 'queue', target: DeploymentTarget.asynchronous({ minCapacity: 0, maxCapacity: 3 }) },
          { stageName: 'warm', target: DeploymentTarget.asynchronous({ minCapacity: 1, maxCapacity: 3 }) },
          {
            stageName: 'nightly',
            target: DeploymentTarget.batch({ inputBucket: s3.Bucket.fromBucketName(scope, 'In', 'churn-scoring'), schedule: events.Schedule.rate(Duration.days(1)) }),
          },
        ],
      },
    }));
    const report = CostReport.fromStack(stack);
    const line = (item: string) => report.lines.find((l) => l.item === item);
    expect(line('endpoint instance ml.c5.xlarge (stage live)')).toMatchObject({ quantity: 1, priced: true });
    expect(line('endpoint instance ml.m5.large (stage queue, asynchronous)')).toMatchObject({ quantity: 0, monthlyUsd: 0, note: expect.stringMatching(/scales in to zero/) });
    expect(line('endpoint instance ml.m5.large (stage warm, asynchronous)')).toMatchObject({ quantity: 1, monthlyUsd: Math.round(0.115 * HOURS * 100) / 100 });
    expect(line('batch transform (stage nightly)')).toMatchObject({ quantity: 1, monthlyUsd: 0, note: expect.stringMatching(/while a transform job runs/) });
    // The scale-out-from-zero alarm of the stage that scales in to zero is created by the workflow, and counted.
    expect(report.lines.filter((l) => l.item === 'CloudWatch alarm metric (created by the workflow)').map((l) => l.note))
      .toEqual([expect.stringMatching(/-queue-has-backlog-without-capacity$/)]);
  });

  test('fewer AZs cost less: the endpoint line scales with the zones', () => {
    const two = CostReport.fromStack(build(() => ({ layers: [PlatformLayer.EXPLORATION, PlatformLayer.PIPELINE, PlatformLayer.CI] })).stack).monthlyUsdOf('network');
    const three = CostReport.fromStack(build(() => ({ layers: [PlatformLayer.EXPLORATION, PlatformLayer.PIPELINE, PlatformLayer.CI], networkOptions: { maxAzs: 3 } })).stack).monthlyUsdOf('network');
    expect(three - 1).toBeCloseTo((two - 1) * 1.5, 1);
  });

  test('endpoint placement, side by side: every AZ, one AZ (non-production, at most $75), a central endpoint VPC', () => {
    const cost = (networkOptions: MlopsPlatformProps['networkOptions']) => CostReport.fromStack(build(() => ({ networkOptions })).stack);
    const every = cost({});
    const single = cost({ endpointPlacement: EndpointPlacement.singleAz() });
    const everyService = MlEndpointService.knownNames().map((n) => MlEndpointService.of(n));
    const central = cost({ endpointPlacement: EndpointPlacement.central({ services: everyService }) });
    const endpoints = every.lines.filter((l) => l.item.startsWith('interface endpoint')).length;
    expect(endpoints).toBe(10);
    // PrivateLink bills per endpoint per AZ per hour; the network's flow-log key is $1
    expect(every.monthlyUsdOf('network')).toBeCloseTo(endpoints * 2 * 0.01 * HOURS + 1, 2);
    expect(single.monthlyUsdOf('network')).toBeCloseTo(endpoints * 0.01 * HOURS + 1, 2);
    expect(single.monthlyUsdOf('network')).toBeLessThanOrEqual(75);
    expect(central.monthlyUsdOf('network')).toBe(1);
    const listed = central.lines.filter((l) => l.item.endsWith('(central endpoint VPC)'));
    expect(listed.length).toBe(MlEndpointService.knownNames().length);
    expect(listed.every((l) => l.monthlyUsd === 0 && /billed once, in the account of the central endpoint VPC/.test(l.note!))).toBe(true);
  });

  test('docs/cost.md, docs/network-options.md and the README state the network figures CostReport computes', () => {
    const placements: Array<MlopsPlatformProps['networkOptions']> = [
      {},
      { endpointPlacement: EndpointPlacement.singleAz() },
      { endpointPlacement: EndpointPlacement.central({ services: MlEndpointService.knownNames().map((n) => MlEndpointService.of(n)) }) },
    ];
    const one = placements.map((networkOptions) => CostReport.fromStack(build(() => ({ networkOptions })).stack).monthlyUsdOf('network'));
    const three = placements.map((networkOptions) => {
      const accounts = new MlopsAccounts(testApp(), 'Mlops', {
        toolingAccountId: '111111111111',
        region: 'us-east-1',
        targets: [{ stageName: 'staging', accountId: '222222222222' }, { stageName: 'production', accountId: '333333333333', approvalRequired: true }],
        platform: { networkOptions },
      });
      return CostReport.combine([accounts.toolingStack, ...accounts.targetStacks].map((st) => CostReport.fromStack(st))).monthlyUsdOf('network');
    });
    expect(one.map((x) => x.toFixed(2))).toEqual(['147.00', '74.00', '1.00']);
    expect(three.map((x) => x.toFixed(2))).toEqual(['149.00', '76.00', '3.00']);
    const root = path.join(__dirname, '..', '..');
    const figuresOf = (file: string, label: string) => {
      const row = fs.readFileSync(path.join(root, file), 'utf8').split('\n').find((l) => l.trim().startsWith('|') && l.includes(label) && /\d+\.\d\d/.test(l));
      return (row ?? '').match(/\d+\.\d\d/g) ?? [];
    };
    for (const file of ['docs/cost.md', 'docs/network-options.md', 'README.md']) {
      expect([file, figuresOf(file, 'one account')]).toEqual([file, one.map((x) => x.toFixed(2))]);
      expect([file, figuresOf(file, 'MlopsAccounts')]).toEqual([file, three.map((x) => x.toFixed(2))]);
    }
  });

  test('the price table states region, date and source of every price', () => {
    const table = CostReport.priceTable();
    expect(table.length).toBeGreaterThan(10);
    for (const p of table) {
      expect(p.region).toBe('us-east-1');
      expect(p.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
      expect(p.date).toMatch(/^\d{4}-\d\d-\d\d$/);
    }
    expect(table.find((p) => p.name === 'kms-key-month')).toMatchObject({ usd: 1, confirmed: true });
  });

  test('an empty stack, even one without an explicit app, costs nothing', () => {
    expect(CostReport.fromStack(new Stack()).totalMonthlyUsd).toBe(0);
    expect(CostReport.fromStack(new Stack(testApp(), 'Empty')).lines).toEqual([]);
  });
});

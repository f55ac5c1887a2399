import { messages } from './checks-harness';
import { EndpointConfigDataCaptureRule, EndpointConfigInstanceCountRule, EndpointConfigKeyRule } from '../../src/governance';

const KEY = { 'Fn::GetAtt': ['Key', 'Arn'] };
const PRODUCTION = [{ Key: 'mlops:stage', Value: 'production' }];
const CAPTURE = {
  EnableCapture: true,
  InitialSamplingPercentage: 100,
  DestinationS3Uri: 's3://capture/prefix',
  CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
};

function variant(instanceType: string | undefined, count = 2, extra: Record<string, unknown> = {}): any {
  return { VariantName: instanceType ?? 'serverless', ModelName: 'm', InitialVariantWeight: 1, InstanceType: instanceType, InitialInstanceCount: instanceType ? count : undefined, ...extra };
}

function config(variants: any[], properties: Record<string, unknown> = {}): Record<string, any> {
  return { Config: { Type: 'AWS::SageMaker::EndpointConfig', Properties: { ProductionVariants: variants, ...properties } } };
}

describe('MLOPS-SM-006 EndpointConfigKeyRule', () => {
  const rule = new EndpointConfigKeyRule();

  test('passes a config with a key, an all-NVMe config without one, and a serverless config', () => {
    expect(messages(rule, config([variant('ml.m5.xlarge')], { KmsKeyId: KEY }), 'Config')).toEqual([]);
    expect(messages(rule, config([variant('ml.g4dn.xlarge'), variant('ml.g5.2xlarge'), variant('ml.m5d.large'), variant('ml.p4d.24xlarge')]), 'Config')).toEqual([]);
    expect(messages(rule, config([variant(undefined, 0, { ServerlessConfig: { MaxConcurrency: 5, MemorySizeInMB: 2048 } })]), 'Config')).toEqual([]);
  });

  test('fails when an EBS-backed config has no key', () => {
    expect(messages(rule, config([variant('ml.m5.xlarge')]), 'Config')).toEqual([expect.stringContaining('KmsKeyId is not set')]);
    expect(messages(rule, config([variant('ml.inf2.xlarge')]), 'Config')).toEqual([expect.stringContaining('KmsKeyId is not set')]);
  });

  test('fails when NVMe and EBS-backed variants are mixed', () => {
    expect(messages(rule, config([variant('ml.g5.xlarge'), variant('ml.c5.xlarge')], { KmsKeyId: KEY }), 'Config'))
      .toEqual([expect.stringContaining('mix local-NVMe instance types (ml.g5.xlarge)')]);
  });
});

describe('MLOPS-SM-007 EndpointConfigDataCaptureRule', () => {
  const rule = new EndpointConfigDataCaptureRule();

  test('passes a production config with capture, and a config not marked production without it', () => {
    expect(messages(rule, config([variant('ml.m5.xlarge')], { Tags: PRODUCTION, DataCaptureConfig: CAPTURE }), 'Config')).toEqual([]);
    expect(messages(rule, config([variant('ml.m5.xlarge')], { Tags: [{ Key: 'mlops:stage', Value: 'staging' }] }), 'Config')).toEqual([]);
  });

  test('fails when a production config captures nothing', () => {
    expect(messages(rule, config([variant('ml.m5.xlarge')], { Tags: PRODUCTION }), 'Config')).toEqual(['a production endpoint config has no DataCaptureConfig']);
    expect(messages(rule, config([variant('ml.m5.xlarge')], { Tags: [{ Key: 'mlops:stage', Value: 'Production' }], DataCaptureConfig: { ...CAPTURE, EnableCapture: false } }), 'Config'))
      .toEqual(['DataCaptureConfig.EnableCapture is false']);
    expect(messages(rule, config([variant('ml.m5.xlarge')], { Tags: PRODUCTION, DataCaptureConfig: { ...CAPTURE, InitialSamplingPercentage: 0 } }), 'Config'))
      .toEqual(['DataCaptureConfig.InitialSamplingPercentage is 0']);
  });
});

describe('MLOPS-SM-008 EndpointConfigInstanceCountRule', () => {
  const rule = new EndpointConfigInstanceCountRule();

  test('passes production variants with 2 instances, and single-instance configs not marked production', () => {
    expect(messages(rule, config([variant('ml.m5.xlarge', 2), variant('ml.c5.xlarge', 3)], { Tags: PRODUCTION }), 'Config')).toEqual([]);
    expect(messages(rule, config([variant('ml.m5.xlarge', 1)]), 'Config')).toEqual([]);
  });

  test('skips serverless variants of a production config', () => {
    expect(messages(rule, config([variant(undefined, 0, { ServerlessConfig: { MaxConcurrency: 5, MemorySizeInMB: 2048 } })], { Tags: PRODUCTION }), 'Config')).toEqual([]);
  });

  test('fails when a production variant has no instance count', () => {
    expect(messages(rule, config([variant('ml.m5.xlarge', 2, { InitialInstanceCount: undefined })], { Tags: PRODUCTION }), 'Config'))
      .toEqual(["variant 'ml.m5.xlarge' has no InitialInstanceCount; production needs at least 2"]);
  });

  test('fails when a production variant has fewer than 2 instances', () => {
    expect(messages(rule, config([variant('ml.m5.xlarge', 2), variant('ml.c5.xlarge', 1)], { Tags: PRODUCTION }), 'Config'))
      .toEqual(["variant 'ml.c5.xlarge' has InitialInstanceCount 1; production needs at least 2"]);
  });
});

import { Duration } from 'aws-cdk-lib';
import { MlInstanceType, TrafficShift, TrafficShiftMode } from '../../src';

describe('MlInstanceType', () => {
  test.each([
    ['ml.m5d.xlarge', true], ['ml.c5d.2xlarge', true], ['ml.r5d.large', true], ['ml.g4dn.xlarge', true],
    ['ml.g5.2xlarge', true], ['ml.g6.xlarge', true], ['ml.p3dn.24xlarge', true], ['ml.p4d.24xlarge', true],
    ['ml.p5.48xlarge', true], ['ml.trn1.32xlarge', true], ['ml.c6gd.large', true], ['ml.m6id.xlarge', true],
    ['ml.m5.xlarge', false], ['ml.c5.large', false], ['ml.r6i.large', false], ['ml.g4ad.xlarge', true],
    ['ml.inf2.xlarge', false], ['ml.t2.medium', false], ['ml.c7g.large', false],
  ])('%s has local NVMe storage: %s', (name, nvme) => {
    // GIVEN / WHEN
    const type = MlInstanceType.of(name);

    // THEN
    expect(type.isWellFormed).toBe(true);
    expect(type.hasLocalNvmeStorage).toBe(nvme);
  });

  test('recognises malformed names and Inferentia 1', () => {
    expect(MlInstanceType.of('m5.xlarge').isWellFormed).toBe(false);
    expect(MlInstanceType.of('ml.inf1.xlarge').isInferentia1).toBe(true);
    expect(MlInstanceType.ML_G5_XLARGE.family).toBe('g5');
  });
});

describe('TrafficShift', () => {
  test('factories carry mode, size and wait with defaults', () => {
    expect(TrafficShift.allAtOnce()).toMatchObject({ mode: TrafficShiftMode.ALL_AT_ONCE, sizePercent: undefined });
    expect(TrafficShift.allAtOnce().waitInterval.toSeconds()).toBe(300);
    const canary = TrafficShift.canary({ canaryPercent: 10 });
    expect(canary.mode).toBe(TrafficShiftMode.CANARY);
    expect(canary.sizePercent).toBe(10);
    expect(canary.waitInterval.toSeconds()).toBe(600);
    const linear = TrafficShift.linear({ stepPercent: 20, waitInterval: Duration.minutes(2) });
    expect([linear.mode, linear.sizePercent, linear.waitInterval.toSeconds()]).toEqual([TrafficShiftMode.LINEAR, 20, 120]);
  });
});

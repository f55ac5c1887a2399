import { Duration } from 'aws-cdk-lib';

/** The traffic routing modes of SageMaker blue/green deployments. */
export enum TrafficShiftMode {
  /** Shift all traffic to the new fleet at once, then bake. */
  ALL_AT_ONCE = 'ALL_AT_ONCE',
  /** Shift a canary share first, bake, then the rest. */
  CANARY = 'CANARY',
  /** Shift traffic in equal steps with a bake between steps. */
  LINEAR = 'LINEAR',
}

/** Options of an all-at-once shift. */
export interface AllAtOnceOptions {
  /**
   * How long SageMaker watches the rollback alarms after the shift (0 to 60 minutes).
   * @default Duration.minutes(5)
   */
  readonly waitInterval?: Duration;
}

/** Options of a canary shift. */
export interface CanaryShiftOptions {
  /** Share of capacity that receives traffic first, in percent (1 to 50). */
  readonly canaryPercent: number;
  /**
   * How long SageMaker watches the rollback alarms on the canary before shifting the rest (0 to 60 minutes).
   * @default Duration.minutes(10)
   */
  readonly waitInterval?: Duration;
}

/** Options of a linear shift. */
export interface LinearShiftOptions {
  /** Share of capacity shifted per step, in percent (10 to 50). */
  readonly stepPercent: number;
  /**
   * How long SageMaker watches the rollback alarms after each step (0 to 60 minutes).
   * @default Duration.minutes(5)
   */
  readonly waitInterval?: Duration;
}

/**
 * How a blue/green endpoint update moves traffic to the new fleet
 * (`DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration`).
 */
export class TrafficShift {
  /** Everything at once, then a bake of `waitInterval`. */
  public static allAtOnce(options: AllAtOnceOptions = {}): TrafficShift {
    return new TrafficShift(TrafficShiftMode.ALL_AT_ONCE, options.waitInterval ?? Duration.minutes(5), undefined);
  }

  /** A canary share of capacity first, then the rest after `waitInterval`. */
  public static canary(options: CanaryShiftOptions): TrafficShift {
    return new TrafficShift(TrafficShiftMode.CANARY, options.waitInterval ?? Duration.minutes(10), options.canaryPercent);
  }

  /** Equal steps of `stepPercent`, `waitInterval` apart. */
  public static linear(options: LinearShiftOptions): TrafficShift {
    return new TrafficShift(TrafficShiftMode.LINEAR, options.waitInterval ?? Duration.minutes(5), options.stepPercent);
  }

  /** The routing mode. */
  public readonly mode: TrafficShiftMode;
  /** The bake time after each shift. */
  public readonly waitInterval: Duration;
  /** The canary size or linear step, in percent of capacity; undefined for all-at-once. */
  public readonly sizePercent?: number;

  private constructor(mode: TrafficShiftMode, waitInterval: Duration, sizePercent?: number) {
    this.mode = mode;
    this.waitInterval = waitInterval;
    this.sizePercent = sizePercent;
  }
}

import { Duration, Token } from 'aws-cdk-lib';
import { Problem } from '../private/validation';

/** How a schedule was described, for validation per engine. */
enum ScheduleKind {
  HOURLY = 'HOURLY',
  EVERY_HOURS = 'EVERY_HOURS',
  DAILY = 'DAILY',
  RATE = 'RATE',
  CRON = 'CRON',
}

/**
 * Model Monitor accepts only these cron forms (SageMaker `ScheduleConfig`):
 * hourly `cron(0 * ? * * *)`, daily `cron(0 H ? * * *)` and every N hours
 * `cron(0 H/N ? * * *)` with H 0-23 and N 1-24.
 */
const MODEL_MONITOR_CRON = /^cron\(0 (\*|([01]?\d|2[0-3])(\/(0?[1-9]|1\d|2[0-4]))?) \? \* \* \*\)$/;

/**
 * When drift checks run, and so how long a window each one looks at.
 *
 * The processing engine starts a check through EventBridge Scheduler ten
 * minutes after each window ends (SageMaker writes capture files with a
 * delay); Model Monitor runs its own schedule and accepts only hourly, daily
 * and every-N-hours cron forms.
 */
export class DriftSchedule {
  /** Every hour; each check looks at the previous full hour. */
  public static hourly(): DriftSchedule {
    return new DriftSchedule(ScheduleKind.HOURLY, Duration.hours(1), 0, undefined);
  }

  /**
   * Every `hours` hours starting at `startHourUtc`; each check looks at the
   * previous `hours` hours.
   * @param hours 1 to 24
   * @param startHourUtc 0 to 23
   */
  public static everyHours(hours: number, startHourUtc: number = 0): DriftSchedule {
    return new DriftSchedule(ScheduleKind.EVERY_HOURS, Duration.hours(Math.max(1, Math.floor(hours)) || 1), startHourUtc, undefined, hours);
  }

  /**
   * Once a day at `hourUtc`; each check looks at the previous 24 hours.
   * @param hourUtc 0 to 23
   */
  public static daily(hourUtc: number = 0): DriftSchedule {
    return new DriftSchedule(ScheduleKind.DAILY, Duration.days(1), hourUtc, undefined);
  }

  /**
   * At a fixed rate (processing engine only; 15 minutes to 24 hours, whole
   * minutes). Each check looks at the previous `interval`.
   */
  public static rate(interval: Duration): DriftSchedule {
    return new DriftSchedule(ScheduleKind.RATE, interval, 0, undefined);
  }

  /**
   * A cron expression in the EventBridge / Model Monitor syntax
   * (`cron(minutes hours day-of-month month day-of-week year)`), with the
   * window each check looks at. Model Monitor accepts only
   * `cron(0 * ? * * *)`, `cron(0 H ? * * *)` and `cron(0 H/N ? * * *)`.
   */
  public static cron(expression: string, window: Duration): DriftSchedule {
    return new DriftSchedule(ScheduleKind.CRON, window, 0, expression);
  }

  /** How long a window each check looks at (also the period of the alarms). */
  public readonly window: Duration;

  private constructor(
    private readonly kind: ScheduleKind,
    window: Duration,
    private readonly hour: number,
    private readonly expression: string | undefined,
    private readonly everyHoursGiven?: number,
  ) {
    this.window = window;
  }

  /**
   * The EventBridge Scheduler expression of the processing engine.
   * @internal
   */
  public _schedulerExpression(): string {
    switch (this.kind) {
      case ScheduleKind.HOURLY: return 'cron(10 * * * ? *)';
      case ScheduleKind.EVERY_HOURS: return `cron(10 ${this.hour}/${this.window.toHours()} * * ? *)`;
      case ScheduleKind.DAILY: return `cron(10 ${this.hour} * * ? *)`;
      case ScheduleKind.RATE: return `rate(${this.window.toMinutes()} minutes)`;
      default: return this.expression!;
    }
  }

  /**
   * The Model Monitor `ScheduleExpression`.
   * @internal
   */
  public _modelMonitorExpression(): string {
    switch (this.kind) {
      case ScheduleKind.HOURLY: return 'cron(0 * ? * * *)';
      case ScheduleKind.EVERY_HOURS: return `cron(0 ${this.hour}/${this.window.toHours()} ? * * *)`;
      case ScheduleKind.DAILY: return `cron(0 ${this.hour} ? * * *)`;
      default: return this.expression ?? '';
    }
  }

  /**
   * Problems of this schedule for an engine.
   * @internal
   */
  public _problems(engine: 'processing' | 'modelMonitor'): Problem[] {
    const out: Problem[] = [];
    const hourOk = Number.isInteger(this.hour) && this.hour >= 0 && this.hour <= 23;
    if ((this.kind === ScheduleKind.DAILY || this.kind === ScheduleKind.EVERY_HOURS) && !hourOk) {
      out.push({ prop: 'schedule', value: this.hour, allowed: 'an hour of the day from 0 to 23 (UTC)', fix: 'pass a start hour between 0 and 23.' });
    }
    if (this.kind === ScheduleKind.EVERY_HOURS) {
      const h = this.everyHoursGiven!;
      if (!Number.isInteger(h) || h < 1 || h > 24) {
        out.push({ prop: 'schedule', value: h, allowed: 'DriftSchedule.everyHours(hours) with hours an integer from 1 to 24', fix: 'use whole hours between 1 and 24, or DriftSchedule.daily().' });
      }
    }
    if (this.kind === ScheduleKind.RATE) {
      const minutes = this.window.toMinutes({ integral: false });
      if (engine === 'modelMonitor') {
        out.push({ prop: 'schedule', value: `rate(${minutes} minutes)`, allowed: 'Model Monitor runs only cron(0 * ? * * *), cron(0 H ? * * *) or cron(0 H/N ? * * *)', fix: 'use DriftSchedule.hourly(), everyHours(n) or daily(hour) with the Model Monitor engine.' });
      } else if (!Number.isInteger(minutes) || minutes < 15 || minutes > 24 * 60) {
        out.push({ prop: 'schedule', value: `rate(${minutes} minutes)`, allowed: 'whole minutes from 15 minutes to 24 hours', fix: 'choose a rate between Duration.minutes(15) and Duration.hours(24); shorter windows hold too few rows to judge drift.' });
      }
    }
    if (this.kind === ScheduleKind.CRON && this.expression !== undefined && !Token.isUnresolved(this.expression)) {
      const windowMinutes = this.window.toMinutes({ integral: false });
      if (engine === 'modelMonitor' && !MODEL_MONITOR_CRON.test(this.expression)) {
        out.push({ prop: 'schedule', value: this.expression, allowed: 'Model Monitor accepts only cron(0 * ? * * *) (hourly), cron(0 H ? * * *) (daily) and cron(0 H/N ? * * *) (every N hours); nothing more often than hourly', fix: 'use DriftSchedule.hourly(), everyHours(n) or daily(hour).' });
      }
      if (engine === 'processing' && !/^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/.test(this.expression)) {
        out.push({ prop: 'schedule', value: this.expression, allowed: 'an EventBridge Scheduler cron expression with six fields, cron(minutes hours day-of-month month day-of-week year)', fix: "write it as e.g. 'cron(10 */2 * * ? *)'." });
      }
      if (!Number.isInteger(windowMinutes) || windowMinutes < 15 || windowMinutes > 24 * 60) {
        out.push({ prop: 'schedule.window', value: `${windowMinutes} minutes`, allowed: 'whole minutes from 15 minutes to 24 hours', fix: 'give the window as the time between two runs, between 15 minutes and 24 hours.' });
      }
    }
    return out;
  }
}

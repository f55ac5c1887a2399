/**
 * Small builders of Amazon States Language (JSONPath) for the e2e
 * workflows: SDK tasks and bounded poll loops. The states are plain ASL so
 * the definitions read like the Step Functions Developer Guide's examples
 * and run unchanged in the local simulator.
 */

/** The ARN of an AWS SDK integration (`aws-sdk:<service>:<apiAction>`). */
export function sdk(service: string, action: string): string {
  return `arn:aws:states:::aws-sdk:${service}:${action}`;
}

/** Start another state machine and wait for it (`states:startExecution.sync:2`). */
export const START_EXECUTION_SYNC = 'arn:aws:states:::states:startExecution.sync:2';

/** States of a definition, by name. */
export type States = Record<string, any>;

/**
 * Retry of an SDK task on the service's base exception (throttling and
 * other errors its model does not list surface as `<Prefix>.<Prefix>Exception`).
 */
export function retryOn(errorName: string): any[] {
  return [{ ErrorEquals: [errorName], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL' }];
}

/** A Task state. */
export function task(resource: string, parameters: Record<string, unknown>, rest: Record<string, unknown>): any {
  return { Type: 'Task', Resource: resource, Parameters: parameters, ...rest };
}

/** A Fail state. */
export function fail(error: string, cause: string): any {
  return { Type: 'Fail', Error: error, Cause: cause };
}

/** Options of a bounded poll loop. */
export interface PollOptions {
  /** Name of the task state that reads the status; the loop's other states are named after it. */
  readonly name: string;
  /** The task (its `Next` is set here). */
  readonly task: any;
  /** Choice rules that end the loop, tried in order (each with its `Next`). */
  readonly until: any[];
  /** Seconds between two reads. */
  readonly waitSeconds: number;
  /** Reads before the loop fails with `timeoutError`. */
  readonly maxPolls: number;
  /** The error of the Fail state reached when the polls run out. */
  readonly timeoutError: string;
  /** The cause of that Fail state. */
  readonly timeoutCause: string;
}

/**
 * A poll loop: reset a counter, read, decide (`until`), else wait and read
 * again, at most `maxPolls` times. Returns its states; the loop starts at
 * `<name>: start`.
 */
export function poll(o: PollOptions): States {
  const start = `${o.name}: start`;
  const decide = `${o.name}: done?`;
  const wait = `${o.name}: wait`;
  const count = `${o.name}: count`;
  const timeout = `${o.name}: timed out`;
  return {
    [start]: { Type: 'Pass', Result: { Count: 0 }, ResultPath: '$.Poll', Next: o.name },
    [o.name]: { ...o.task, Next: decide },
    [decide]: {
      Type: 'Choice',
      Choices: [...o.until, { Variable: '$.Poll.Count', NumericGreaterThanEquals: o.maxPolls, Next: timeout }],
      Default: wait,
    },
    [wait]: { Type: 'Wait', Seconds: o.waitSeconds, Next: count },
    [count]: { Type: 'Pass', Parameters: { 'Count.$': 'States.MathAdd($.Poll.Count, 1)' }, ResultPath: '$.Poll', Next: o.name },
    [timeout]: fail(o.timeoutError, o.timeoutCause),
  };
}

/** The state a poll loop starts at. */
export function pollStart(name: string): string {
  return `${name}: start`;
}

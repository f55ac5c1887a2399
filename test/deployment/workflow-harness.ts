/**
 * Runs the real synthesized state machine definitions with
 * aws-local-stepfunctions, answering every Task state from a simulated
 * account (fake-account.ts), and counts the execution history events a run
 * would write in Step Functions.
 */
import { Stack } from 'aws-cdk-lib';
import { FakeAccount, STATE_MACHINE_ARN } from './fake-account';
import { ACCOUNT, REGION, StateMachine, answerTask, render, stateMachineDefinitions, verifyMockedAnswers } from '../harness/stepfunctions';

export { ACCOUNT, REGION, StateMachine, answerTask, render, FakeAccount };
export { AwsError, STATE_MACHINE_ARN } from './fake-account';

// Every answer the fake account gives is checked against botocore after each test file.
verifyMockedAnswers();

/** The definitions of every state machine of a stack, by logical id. */
export function definitions(stack: Stack): Record<string, any> {
  return stateMachineDefinitions(stack, { typed: true });
}

/** The deployment workflow and the starter of a stack. */
export function workflows(stack: Stack): { main: any; starter: any } {
  const defs = definitions(stack);
  const ids = Object.keys(defs);
  return { main: defs[ids.find((id) => !id.includes('Starter'))!], starter: defs[ids.find((id) => id.includes('Starter'))!] };
}

/** Every state of a definition, nested branches included, by name. */
export function allStates(definition: any): Record<string, any> {
  const out: Record<string, any> = {};
  const visit = (d: any) => {
    for (const [name, state] of Object.entries<any>(d.States)) {
      out[name] = state;
      for (const branch of state.Branches ?? []) {
        visit(branch);
      }
      if (state.ItemProcessor) {
        visit(state.ItemProcessor);
      }
    }
  };
  visit(definition);
  return out;
}

/** The ARN a test execution has (the lease holder id). */
export function executionArn(name: string): string {
  return `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** What `execute` can also do. */
export interface ExecuteOptions {
  /** Collect the simulator's event log here. */
  readonly events?: any[];
}

/**
 * Execute a definition against a fake account, as the execution `executionName`
 * (RUNNING while it runs, then SUCCEEDED or FAILED). A DEPLOY of a version
 * the registry does not know approves it first, as its approval event did.
 */
export async function execute(definition: any, input: any, account: FakeAccount, executionName = 'churn-v3', options: ExecuteOptions = {}): Promise<any> {
  const states = allStates(definition);
  const handlers: Record<string, (i: any) => any> = {};
  const waits: Record<string, number> = {};
  const retries: Record<string, number> = {};
  for (const [name, state] of Object.entries<any>(states)) {
    if (state.Type === 'Task') {
      handlers[name] = async (i: any) => {
        const request = JSON.parse(JSON.stringify(i));
        let result: any;
        try {
          result = await account.handle(state.Resource, i, executionName);
        } catch (e) {
          answerTask(state.Resource, () => { throw e; }, request);
        }
        return answerTask(state.Resource, () => result, request);
      };
      retries[name] = 0;
    }
    if (state.Type === 'Wait') {
      waits[name] = 0;
    }
  }
  if (input.Action !== 'ROLLBACK' && typeof input.ModelPackageVersion === 'number' && !account.packages.some((p) => p.version === input.ModelPackageVersion)) {
    account.approve(input.ModelPackageVersion);
  }
  const arn = executionArn(executionName);
  account.executions.set(arn, 'RUNNING');
  const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
  const execution = machine.run(input, {
    overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: waits, retryIntervalOverrides: retries },
    context: {
      Execution: { Id: arn, Name: executionName, Input: input, StartTime: '2026-11-27T00:00:00Z', RoleArn: `arn:aws:iam::${ACCOUNT}:role/x` },
      Task: { Token: 'task-token-1' },
    } as any,
  });
  const collected = options.events
    ? (async () => { for await (const e of execution.eventLogs) { options.events!.push(e); } })()
    : Promise.resolve();
  try {
    const out = await execution.result;
    account.executions.set(arn, 'SUCCEEDED');
    return out;
  } catch (e) {
    account.executions.set(arn, 'FAILED');
    throw e;
  } finally {
    await collected;
  }
}

/**
 * The Step Functions history events (`HistoryEventType`) a run writes, from
 * the simulator's event log: a state's entry and exit, a task's schedule,
 * start and end per attempt, a Map iteration's start and end, a Parallel's
 * start and end.
 */
export const HISTORY_EVENTS: Record<string, (e: any) => string[]> = {
  ExecutionStarted: () => ['ExecutionStarted'],
  ExecutionSucceeded: () => ['ExecutionSucceeded'],
  ExecutionFailed: () => ['ExecutionFailed'],
  StateEntered: (e) => (e.state.type === 'Task'
    ? ['TaskStateEntered', 'TaskScheduled', 'TaskStarted']
    : [`${e.state.type}StateEntered`]),
  StateExited: (e) => (e.state.type === 'Task' ? ['TaskSucceeded', 'TaskStateExited'] : e.state.type === 'Fail' ? [] : [`${e.state.type}StateExited`]),
  StateRetried: () => ['TaskFailed', 'TaskScheduled', 'TaskStarted'],
  StateFailed: (e) => (e.state.type === 'Task' ? ['TaskFailed'] : []),
  StateCaught: (e) => (e.state.type === 'Task' ? ['TaskStateExited'] : [`${e.state.type}StateExited`]),
  ParallelBranchStarted: () => ['ParallelStateStarted'],
  ParallelBranchSucceeded: () => ['ParallelStateSucceeded'],
  ParallelBranchFailed: () => ['ParallelStateFailed'],
  MapIterationStarted: () => ['MapIterationStarted'],
  MapIterationSucceeded: () => ['MapIterationSucceeded'],
  MapIterationFailed: () => ['MapIterationFailed'],
};

/** The history events of a run's event log, by type. */
export function historyEvents(events: any[]): string[] {
  return events.flatMap((e) => {
    const map = HISTORY_EVENTS[e.type];
    if (!map) {
      throw new Error(`no history mapping for simulator event ${e.type}`);
    }
    return map(e);
  });
}

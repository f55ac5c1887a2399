/**
 * The execution history bound of the deployment workflow. A Standard
 * execution stops at 25,000 history events ("Step Functions service quotas":
 * maximum execution history size), so a workflow that polls must know how
 * many events it can write.
 *
 * `mapItems` bounds the items of a Map state (the one Map prunes a listing of
 * at most that many endpoint configs).
 *
 * Every state writes a known set of history events (`HistoryEventType` of the
 * Step Functions API: a Task writes `TaskStateEntered`, then per attempt
 * `TaskScheduled`, `TaskStarted`, `TaskSubmitted` and `TaskSucceeded` or
 * `TaskFailed`, then `TaskStateExited`; Pass, Choice, Wait, Succeed and Fail
 * write an `…Entered` and an `…Exited` or the execution's end; Parallel and Map
 * write `…StateEntered`, `…StateStarted`, `…StateSucceeded`/`…Failed`,
 * `…StateExited`, and a Map `MapIterationStarted` and `…Succeeded` per item).
 *
 * The workflow visits every state once, except the states of its poll loops,
 * whose iterations add their cost to `$.Counters.Events` as they run. So the
 * events an execution can write are at most the cost of all states (each Map
 * item processor counted as often as the Map can have items) plus what the
 * loops counted, and
 * a loop stops while that sum is below the limit: `$.Context.EventBudget` is
 * the limit minus the fixed cost minus one iteration of the dearest loop.
 */

/** Step Functions' limit on events in one execution's history. */
export const HISTORY_LIMIT = 25_000;
/** Events of one Task attempt (scheduled, started, submitted, succeeded or failed). */
const EVENTS_PER_ATTEMPT = 4;

/** The history events a state (JSON as in the definition) can write, nested states included. */
export function stateCost(state: any, mapItems: number = 0): number {
  switch (state.Type) {
    case 'Task': {
      const retries = (state.Retry ?? []).reduce((sum: number, r: any) => sum + (r.MaxAttempts ?? 3), 0);
      return 2 + EVENTS_PER_ATTEMPT * (1 + retries);
    }
    case 'Parallel':
      return 4 + (state.Branches ?? []).reduce((sum: number, b: any) => sum + definitionCost(b, mapItems), 0);
    case 'Map': {
      const processor = state.ItemProcessor ?? state.Iterator;
      return 4 + mapItems * (2 + (processor ? definitionCost(processor, mapItems) : 0));
    }
    default:
      return 2;
  }
}

/** The events of a list of states, each visited once. */
export function eventCost(states: any[], mapItems: number = 0): number {
  return states.reduce((sum, st) => sum + stateCost(st, mapItems), 0);
}

/** The events of a definition (or branch), each state visited once. */
export function definitionCost(definition: any, mapItems: number = 0): number {
  return eventCost(Object.values(definition.States ?? {}), mapItems);
}

/** The fixed cost of a whole execution: its start and end, and every state once. */
export function fixedCost(definition: any, mapItems: number): number {
  return 2 + definitionCost(definition, mapItems);
}

/**
 * The events poll loops may spend: the limit minus the fixed cost and one
 * iteration of the dearest loop (a loop checks the budget before iterating).
 */
export function eventBudget(definition: any, maxIterationCost: number, mapItems: number): number {
  return HISTORY_LIMIT - fixedCost(definition, mapItems) - maxIterationCost;
}

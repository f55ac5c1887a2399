/**
 * The history event bound of the deployment workflow (src/deployment/workflow-history.ts):
 * the event types come from botocore's Step Functions model (`HistoryEventType`),
 * and every event a simulated run writes is covered by the fixed cost of the
 * definition plus what its poll loops counted.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import { deploymentStack } from './fixtures';
import { execute, FakeAccount, HISTORY_EVENTS, historyEvents, workflows } from './workflow-harness';
import { TrafficShift } from '../../src/deployment';
import { fixedCost, HISTORY_LIMIT } from '../../src/deployment/workflow-history';
import { pruneListSize } from '../../src/deployment/workflow-prune';

const PYTHON = path.join(__dirname, '..', '..', '.venv-sdk2', 'bin', 'python');
const DEPLOY = { Action: 'DEPLOY', ModelPackageArn: 'arn:aws:sagemaker:us-east-1:111111111111:model-package/churn/3', ModelPackageVersion: 3, ModelPackageGroupName: 'churn' };

/** Events the loops counted: the largest `$.Counters.Events` any state passed on. */
function counted(events: any[]): number {
  return Math.max(0, ...events.filter((e) => e.type === 'StateExited').map((e) => e.state.output?.Counters?.Events ?? 0));
}

function build() {
  const { stack, deployment } = deploymentStack({
    stages: [
      { stageName: 'staging', smokeTestPayload: '{}' },
      { stageName: 'production', approvalRequired: true, initialInstanceCount: 2, maxCapacity: 4, trafficShift: TrafficShift.canary({ canaryPercent: 50 }) },
    ],
    pollInterval: Duration.seconds(30),
  });
  return { deployment, ...workflows(stack) };
}

describe('execution history bound', () => {
  test('the history event types the harness maps to are Step Functions\' (botocore HistoryEventType)', () => {
    // GIVEN every event type the simulator's log maps to
    const sample = { state: { type: 'Task' } };
    const names = new Set<string>();
    for (const map of Object.values(HISTORY_EVENTS)) {
      for (const type of ['Task', 'Pass', 'Choice', 'Wait', 'Succeed', 'Parallel', 'Map']) {
        map({ ...sample, state: { type } }).forEach((n) => names.add(n));
      }
    }
    // WHEN botocore lists the enum
    const run = spawnSync(PYTHON, ['-c', "import botocore.session as s, json; print(json.dumps(s.get_session().get_service_model('stepfunctions').shape_for('HistoryEventType').enum))"], { encoding: 'utf8' });
    const known: string[] = JSON.parse(run.stdout);
    // THEN
    expect([...names].filter((n) => !known.includes(n))).toEqual([]);
  });

  test('the budget in the definition leaves the fixed cost and one loop iteration below 25,000', () => {
    // GIVEN / WHEN
    const { main } = build();
    const budget = main.States.Prepare.Parameters.EventBudget;
    // THEN
    expect(budget).toBeGreaterThan(10000);
    expect(fixedCost(main, pruneListSize(5)) + budget).toBeLessThan(HISTORY_LIMIT);
  });

  test.each([
    ['a deployment with busy endpoints, retries and a smoke test', (a: FakeAccount, d: any) => {
      a.existing(d.endpointName('staging'), 'mlops-staging-v2-old', {}, 'Updating').script.push('Updating', 'Updating', 'InService');
      a.existing(d.endpointName('production'), 'mlops-production-v2-old', {}, 'InService');
      a.throttle.set('aws-sdk:sagemaker:updateEndpoint', 2);
      a.pollsUntilDone = 4;
    }],
    ['a deployment that recreates a failed endpoint', (a: FakeAccount, d: any) => {
      a.existing(d.endpointName('staging'), 'mlops-staging-v2-old', {}, 'Failed');
      a.pollsUntilDone = 3;
    }],
  ])('every event of %s is covered by the fixed cost plus the counted loop events', async (_, given) => {
    // GIVEN
    const { main, deployment } = build();
    const account = new FakeAccount();
    given(account, deployment);
    const events: any[] = [];

    // WHEN
    await execute(main, DEPLOY, account, 'churn-v3', { events });

    // THEN
    const written = historyEvents(events).length;
    expect(counted(events)).toBeGreaterThan(0);
    expect(written).toBeLessThanOrEqual(fixedCost(main, pruneListSize(5)) + counted(events));
  });
});

import { Duration } from 'aws-cdk-lib';
import { monitor } from './fixtures';
import { ACCOUNT, alarmEvent, definition, execute, FakeAccount, REGION } from './workflow-harness';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator');

const ALARM = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:churn-drift`;
const EVENT = alarmEvent('churn-drift', ALARM);
const arnOf = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:execution:retrain:${name}`;

function build(cooldown = Duration.hours(24)) {
  const { stack, monitor: m } = monitor((f) => ({
    retrainPipeline: f.pipeline,
    retrainCooldown: cooldown,
    retrainPipelineParameters: { TrainingInstanceType: 'ml.m5.2xlarge', Reason: 'drift' },
  }));
  return { def: definition(stack, 'RetrainingWorkflow'), monitor: m };
}

describe('retraining workflow (executed with aws-local-stepfunctions)', () => {
  test('the synthesized definition passes asl-validator', () => {
    // GIVEN / WHEN
    const { def } = build();
    // THEN
    const { isValid, errorsText } = aslValidator(def);
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
    expect(def.States.Cooldown).toMatchObject({ Type: 'Wait', Seconds: 86400, Next: 'ReleaseLock' });
  });

  test('first alarm: takes the lock, starts the pipeline with parameters, holds the cooldown, releases', async () => {
    // GIVEN
    const { def } = build();
    const account = new FakeAccount();
    let heldDuringCooldown: any;
    // WHEN
    await execute(def, EVENT, account, 'first', (state) => {
      if (state === 'ReleaseLock') {
        heldDuringCooldown = account.items.get('retraining');
      }
    });
    // THEN
    expect(account.pipelineStarts).toHaveLength(1);
    expect(account.pipelineStarts[0]).toMatchObject({
      PipelineName: 'churn-training',
      PipelineParameters: [{ Name: 'Reason', Value: 'drift' }, { Name: 'TrainingInstanceType', Value: 'ml.m5.2xlarge' }],
    });
    expect(account.pipelineStarts[0].ClientRequestToken).toMatch(/^[0-9a-f]{64}$/);
    expect(heldDuringCooldown.holder.S).toBe(arnOf('first'));
    expect(account.items.size).toBe(0);
    expect(account.notifications.map((n) => n.subject)).toEqual(['Drift detected: retraining started']);
    expect(account.notifications[0].message).toContain('churn-drift');
    expect(account.notifications[0].message).toContain('/execution/e1');
  });

  test('flapping alarm: a second alarm during the cooldown starts nothing', async () => {
    // GIVEN: the first execution holds the lock and is still waiting out its cooldown
    const { def } = build();
    const account = new FakeAccount();
    account.items.set('retraining', { pk: { S: 'retraining' }, holder: { S: arnOf('first') }, since: { S: '2026-11-27T00:00:00Z' } });
    account.executions.set(arnOf('first'), 'RUNNING');
    // WHEN: the alarm flaps five times
    for (let i = 0; i < 5; i++) {
      await execute(def, EVENT, account, `flap-${i}`);
    }
    // THEN
    expect(account.pipelineStarts).toHaveLength(0);
    expect(account.items.get('retraining')!.holder.S).toBe(arnOf('first'));
    expect(account.notifications.map((n) => n.subject)).toEqual(Array(5).fill('Drift detected: retraining skipped (cooldown)'));
    expect(account.notifications[0].message).toContain('less than 1 day ago');
  });

  test('a lock left by a stopped execution is taken over and retraining starts', async () => {
    // GIVEN
    const { def } = build();
    const account = new FakeAccount();
    account.items.set('retraining', { pk: { S: 'retraining' }, holder: { S: arnOf('stopped') }, since: { S: '2026-11-20T00:00:00Z' } });
    account.executions.set(arnOf('stopped'), 'ABORTED');
    // WHEN
    await execute(def, EVENT, account, 'after-stop');
    // THEN
    expect(account.pipelineStarts).toHaveLength(1);
    expect(account.items.size).toBe(0);
    expect(account.calls).toContain('aws-sdk:sfn:describeExecution');
  });

  test('a lock whose holder no longer exists is taken over', async () => {
    // GIVEN
    const { def } = build();
    const account = new FakeAccount();
    account.items.set('retraining', { pk: { S: 'retraining' }, holder: { S: arnOf('expired-history') }, since: { S: '2025-01-01T00:00:00Z' } });
    // WHEN
    await execute(def, EVENT, account, 'new');
    // THEN
    expect(account.pipelineStarts).toHaveLength(1);
  });

  test('sequential alarms after the cooldown each start one retraining', async () => {
    // GIVEN
    const { def } = build();
    const account = new FakeAccount();
    // WHEN: each execution runs to its end (cooldown elapsed) before the next alarm
    await execute(def, EVENT, account, 'day-1');
    await execute(def, EVENT, account, 'day-2');
    // THEN
    expect(account.pipelineStarts).toHaveLength(2);
    expect(account.pipelineStarts[0].ClientRequestToken).not.toBe(account.pipelineStarts[1].ClientRequestToken);
  });

  test('a failed pipeline start releases the lock, notifies and fails the execution', async () => {
    // GIVEN
    const { def } = build();
    const account = new FakeAccount();
    account.failPipelineStart = true;
    // WHEN / THEN
    await expect(execute(def, EVENT, account, 'broken')).rejects.toThrow(/StartPipelineExecution failed|RetrainingNotStarted/);
    expect(account.items.size).toBe(0);
    expect(account.notifications.map((n) => n.subject)).toEqual(['Drift detected: retraining failed to start']);
    expect(account.notifications[0].message).toContain('SageMaker.ResourceNotFoundException');
  });
});

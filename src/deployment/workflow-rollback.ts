/**
 * `{ "Action": "ROLLBACK", "StageName": "<stage>" }`: put a stage back on the
 * endpoint config that was live before the last update, with the stage's
 * lease held, the endpoint's status read first, and autoscaling handled as
 * in a deployment. Not exported from the library.
 */
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { TrafficShift } from './traffic-shift';
import { rollbackModel } from './workflow-batch';
import { NO_PREVIOUS_CONFIG, PREVIOUS_CONFIG_TAG, RETRY_SAGEMAKER, WorkflowTasks, endpointArn, pollsFor } from './workflow-common';
import { ENDPOINT_ERRORS, EndpointStates, holdBound, stageBounds } from './workflow-endpoint';
import { requestedRollbackEvent } from './workflow-events';
import { LeaseStates } from './workflow-lease';

/** The rollback branch of the definition. */
export function rollback(t: WorkflowTasks, endpoint: EndpointStates, lease: LeaseStates): sfn.IChainable {
  const s = new Construct(t.scope, 'Rollback');
  const stages = t.ctx.stages;
  const body = new sfn.Parallel(s, 'Body', { stateName: 'Roll back the stage', resultPath: sfn.JsonPath.DISCARD });
  const which = new sfn.Choice(s, 'Which', { stateName: 'Roll back which stage?' });
  const unknown = new sfn.Fail(s, 'UnknownStage', {
    stateName: 'Unknown stage',
    error: 'UnknownStage',
    cause: `StageName must be one of: ${stages.map((st) => st.stageName).join(', ')}`,
  });
  for (const stage of stages) {
    const st = new Construct(s, stage.stageName);
    const n = (label: string) => `${stage.stageName}: rollback: ${label}`;
    if (stage.batch) {
      const done = lease.release(st, 'Release', n('lease: release'), stage);
      const first = lease.acquire(st, stage, n, holdBound(stage, t.ctx.endpointWaitTimeout));
      first.next(rollbackModel(t, st, stage, n, requestedRollbackEvent(st, stage, n).next(done)));
      which.when(sfn.Condition.and(sfn.Condition.isPresent('$.StageName'), sfn.Condition.stringEquals('$.StageName', stage.stageName)), first);
      continue;
    }
    const bounds = stageBounds(stage, t.ctx.endpointWaitTimeout);
    const describe = endpoint.describe(st, 'Describe', n('describe endpoint'), stage, '$.Stage.Existing', RETRY_SAGEMAKER);
    const missing = new sfn.Fail(st, 'Missing', {
      stateName: n('no endpoint'),
      error: ENDPOINT_ERRORS.missing,
      cause: `Endpoint ${stage.endpointName} does not exist (or cannot be described): there is nothing to roll back.`,
    });
    describe.addCatch(missing, { errors: ['SageMaker.SageMakerException'], resultPath: '$.Error' });
    const status = new sfn.Choice(st, 'Status', { stateName: n('endpoint status?') });
    const wait = new sfn.Wait(st, 'BusyWait', { stateName: n('wait for busy endpoint'), time: sfn.WaitTime.duration(t.ctx.pollInterval) });
    const count = t.countLoop(st, 'BusyCount', n('count busy polls'), [describe, status, wait]);
    const tags = t.call(st, 'ListTags', n('read previous config'), 'listTags', { 'ResourceArn.$': '$.Stage.Existing.EndpointArn' }, [endpointArn(stage)], stage, {
      resultSelector: { ['Previous.$']: `$.Tags[?(@.Key == '${PREVIOUS_CONFIG_TAG}')].Value` },
      resultPath: '$.Stage.Tags',
    });
    const none = new sfn.Fail(st, 'NoPrevious', {
      stateName: n('nothing to roll back to'),
      error: 'NoPreviousVersion',
      cause: `Endpoint ${stage.endpointName} has no ${PREVIOUS_CONFIG_TAG} tag: it was never updated by this workflow.`,
    });
    const target = new sfn.Pass(st, 'Target', {
      stateName: n('choose previous config'),
      parameters: { 'EndpointConfigName.$': 'States.ArrayGetItem($.Stage.Tags.Previous, 0)', 'Existing.$': '$.Stage.Existing' },
      resultPath: '$.Stage',
    });
    const has = new sfn.Choice(st, 'HasPrevious', { stateName: n('previous config known?') });
    let after: sfn.Chain = sfn.Chain.start(new sfn.Pass(st, 'Verified', { stateName: n('previous config live'), resultPath: sfn.JsonPath.DISCARD }));
    if (endpoint.autoscaled(stage)) {
      after = after.next(endpoint.register(st, stage, n, 'Rollback', false));
    }
    after = after.next(requestedRollbackEvent(st, stage, n)).next(lease.release(st, 'Release', n('lease: release'), stage));
    const verify = endpoint.waitAndVerify(st, stage, n, 'Rollback', after, bounds.update);
    const update = endpoint.update(st, stage, n, 'Rollback', TrafficShift.allAtOnce({ waitInterval: Duration.seconds(0) }), true);
    has.when(sfn.Condition.and(
      sfn.Condition.isPresent('$.Stage.Tags.Previous[0]'),
      sfn.Condition.not(sfn.Condition.stringEquals('$.Stage.Tags.Previous[0]', NO_PREVIOUS_CONFIG))),
    target.next(update).next(verify));
    has.otherwise(none);
    status.when(sfn.Condition.stringEquals('$.Stage.Existing.EndpointStatus', 'InService'), tags.next(has));
    endpoint.routeBusy(status, '$.Stage.Existing.EndpointStatus', pollsFor(bounds.endpoint, t.ctx.pollInterval), count.next(wait).next(describe),
      lease.budgetFail(st, n, 'busy endpoint'), endpoint.terminal(st, stage, n).busy);
    endpoint.routeTerminal(status, '$.Stage.Existing.EndpointStatus', endpoint.terminal(st, stage, n));
    const start = lease.acquire(st, stage, n, holdBound(stage, t.ctx.endpointWaitTimeout));
    start.next(t.resetLoop(st, 'BusyStart', n('read endpoint status'))).next(describe).next(status);
    which.when(sfn.Condition.and(sfn.Condition.isPresent('$.StageName'), sfn.Condition.stringEquals('$.StageName', stage.stageName)), start);
  }
  which.otherwise(unknown);
  body.branch(which);
  const failed = new sfn.Fail(s, 'Failed', { stateName: 'Rollback failed', errorPath: '$.Error.Error', causePath: '$.Error.Cause' });
  body.addCatch(lease.releaseAll(new Construct(s, 'Cleanup'), stages, 'rollback')
    .next(t.notify(s, 'NotifyFailed', 'Notify rollback failed', 'FAILED', '$.Error')).next(failed), {
    errors: ['States.ALL'], resultPath: '$.Error',
  });
  return body.next(t.notify(s, 'NotifyRolledBack', 'Notify rolled back on request', 'ROLLED_BACK'))
    .next(new sfn.Succeed(s, 'RolledBack', { stateName: 'Rolled back' }));
}

/**
 * One deployment per stage at a time, newest approved wins.
 *
 * - A stage's lease is one DynamoDB item (`pk` = stage name) that names the
 *   execution holding it. It is taken with a conditional write before the
 *   stage touches its endpoint and released (conditional delete) when the
 *   stage is done, and by the failure path of the whole execution. It expires
 *   when its holder stops running: a waiting execution asks Step Functions
 *   (DescribeExecution) and takes over the lease of a holder that failed,
 *   timed out or was stopped with a compare-and-swap on the holder. A holder
 *   cannot run forever: Step Functions ends it at the state machine's timeout.
 * - With the lease held, a stage checks that its version is still the newest
 *   approved one of the group (ListModelPackages, newest first); an older run
 *   stops with "superseded by version N" before it goes live. A run started
 *   with `Explicit: true` (an operator asking for this version, e.g. to roll
 *   back to it) only checks that the version is still approved.
 */
import { Aws, Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  Namer, ResolvedStage, RETRY_DYNAMODB, RETRY_SAGEMAKER, SUPERSEDED_ERROR, WorkflowTasks, pollsFor,
} from './workflow-common';
import { supersededEvent } from './workflow-events';

/** Error of a run whose version is no longer approved. */
export const NOT_APPROVED_ERROR = 'NoLongerApproved';
/** Error of a run that waited too long for another run's lease. */
export const STAGE_BUSY_ERROR = 'StageBusy';
/** Error of a run that spent its history event budget in poll loops. */
export const HISTORY_BUDGET_ERROR = 'HistoryBudgetSpent';

const CONDITIONAL = ['DynamoDB.ConditionalCheckFailedException'];
const me = () => tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Id'));
const key = (stage: ResolvedStage) => ({ pk: tasks.DynamoAttributeValue.fromString(stage.stageName) });

/** Lease and newest-version states. */
export class LeaseStates {
  constructor(private readonly t: WorkflowTasks) {}

  private get table(): dynamodb.ITable {
    return this.t.ctx.leaseTable;
  }

  /**
   * Take the stage's lease, waiting (bounded) while another running execution
   * holds it. `holdBound` is how long a holder can keep it.
   */
  public acquire(s: Construct, stage: ResolvedStage, n: Namer, holdBound: Duration): sfn.Chain {
    const ctx = this.t.ctx;
    const reset = this.t.resetLoop(s, 'LeaseStart', n('lease: take'));
    const take = new tasks.DynamoPutItem(s, 'LeaseAcquire', {
      stateName: n('lease: write'),
      table: this.table,
      item: { ...key(stage), holder: me(), started: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.StartTime')) },
      conditionExpression: 'attribute_not_exists(pk) OR holder = :me',
      expressionAttributeValues: { ':me': me() },
      resultPath: sfn.JsonPath.DISCARD,
    });
    take.addRetry(RETRY_DYNAMODB);
    const read = new tasks.DynamoGetItem(s, 'LeaseRead', {
      stateName: n('lease: read holder'),
      table: this.table,
      key: key(stage),
      consistentRead: true,
      resultPath: '$.Lease',
    });
    read.addRetry(RETRY_DYNAMODB);
    const held = new sfn.Choice(s, 'LeaseHeld', { stateName: n('lease: held?') });
    const holder = this.t.call(s, 'LeaseHolder', n('lease: holder running?'), 'describeExecution', {
      'ExecutionArn.$': '$.Lease.Item.holder.S',
    }, [`arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${ctx.stateMachineName}:*`], undefined, { service: 'sfn', iamPrefix: 'states', resultSelector: { 'Status.$': '$.Status' }, resultPath: '$.Lease.Holder' });
    const alive = new sfn.Choice(s, 'LeaseAlive', { stateName: n('lease: holder alive?') });
    const takeOver = new tasks.DynamoPutItem(s, 'LeaseTakeOver', {
      stateName: n('lease: take over'),
      table: this.table,
      item: { ...key(stage), holder: me(), started: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.StartTime')) },
      conditionExpression: 'holder = :old',
      expressionAttributeValues: { ':old': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$.Lease.Item.holder.S')) },
      resultPath: sfn.JsonPath.DISCARD,
    });
    takeOver.addRetry(RETRY_DYNAMODB);
    const wait = new sfn.Wait(s, 'LeaseWait', { stateName: n('lease: wait'), time: sfn.WaitTime.duration(ctx.pollInterval) });
    const bounds = new sfn.Choice(s, 'LeaseBounds', { stateName: n('lease: wait again?') });
    const count = this.t.countLoop(s, 'LeaseCount', n('lease: count'), [take, read, held, holder, alive, takeOver, bounds, wait]);
    const busy = new sfn.Fail(s, 'LeaseBusy', {
      stateName: n('lease: held too long'),
      error: STAGE_BUSY_ERROR,
      cause: `Another running execution of this deployment held stage ${stage.stageName} longer than ${holdBound.toHumanString()}; `
        + 'see the lease table item of the stage for its execution, and run this deployment again when it has ended.',
    });
    const acquired = new sfn.Pass(s, 'LeaseAcquired', { stateName: n('lease: held'), resultPath: sfn.JsonPath.DISCARD });

    take.addCatch(read, { errors: CONDITIONAL, resultPath: sfn.JsonPath.DISCARD });
    take.next(acquired);
    read.next(held);
    held.when(sfn.Condition.isPresent('$.Lease.Item.holder.S'), holder);
    held.otherwise(count);
    // The holder's execution no longer exists (another state machine's name, or deleted): expired.
    holder.addCatch(takeOver, { errors: ['Sfn.ExecutionDoesNotExistException'], resultPath: sfn.JsonPath.DISCARD });
    holder.next(alive);
    alive.when(sfn.Condition.stringEquals('$.Lease.Holder.Status', 'RUNNING'), count);
    alive.otherwise(takeOver);
    takeOver.addCatch(count, { errors: CONDITIONAL, resultPath: sfn.JsonPath.DISCARD });
    takeOver.next(acquired);
    count.next(bounds);
    bounds.when(this.t.withinBounds(pollsFor(holdBound, ctx.pollInterval)), wait.next(take));
    bounds.when(this.t.budgetSpent(), this.budgetFail(s, n, 'lease'));
    bounds.otherwise(busy);
    reset.next(take);
    return sfn.Chain.custom(reset, [acquired], acquired);
  }

  /** Release the stage's lease if this execution holds it; never fails. */
  public release(s: Construct, id: string, stateName: string, stage: ResolvedStage): tasks.DynamoDeleteItem {
    const release = new tasks.DynamoDeleteItem(s, id, {
      stateName,
      table: this.table,
      key: key(stage),
      conditionExpression: 'holder = :me',
      expressionAttributeValues: { ':me': me() },
      resultPath: sfn.JsonPath.DISCARD,
    });
    release.addRetry(RETRY_DYNAMODB);
    return release;
  }

  /** Release every lease this execution holds (the failure path). */
  public releaseAll(s: Construct, stages: ResolvedStage[], what: string): sfn.Chain {
    const done = new sfn.Pass(s, 'LeasesReleased', { stateName: `Leases of the failed ${what} released`, resultPath: sfn.JsonPath.DISCARD });
    const releases = stages.map((st) => this.release(s, `Release-${st.stageName}`, `${st.stageName}: release lease after failed ${what}`, st));
    releases.forEach((r, i) => {
      const next = releases[i + 1] ?? done;
      // Best effort: a lease left behind expires when this execution ends.
      r.addCatch(next, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
      r.next(next);
    });
    return sfn.Chain.custom(releases[0] ?? done, [done], done);
  }

  /**
   * With the lease held: stop unless this run's version is still the newest
   * approved one (or, for an explicit request, still approved).
   */
  public checkNewest(s: Construct, stage: ResolvedStage, n: Namer): sfn.Chain {
    const explicit = new sfn.Choice(s, 'Explicit', { stateName: n('explicit version?') });
    const describe = this.t.call(s, 'StillApproved', n('version still approved?'), 'describeModelPackage', {
      'ModelPackageName.$': '$.ModelPackageArn',
    }, this.t.ctx.modelPackageArns, undefined, { resultPath: '$.Stage.Package' });
    const approved = new sfn.Choice(s, 'Approved', { stateName: n('approved?') });
    const list = this.t.call(s, 'Newest', n('newest approved version'), 'listModelPackages', {
      ModelPackageGroupName: this.t.ctx.modelPackageGroupArn,
      ModelApprovalStatus: 'Approved',
      ModelPackageType: 'Versioned',
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
      MaxResults: 1,
    }, this.t.ctx.modelPackageArns, undefined, {
      resultSelector: { 'Newest.$': '$.ModelPackageSummaryList' },
      resultPath: '$.Stage.Approved',
      retry: RETRY_SAGEMAKER,
    });
    const newest = new sfn.Choice(s, 'IsNewest', { stateName: n('newest approved?') });
    const ok = new sfn.Pass(s, 'NewestOk', { stateName: n('version is the one to deploy'), resultPath: sfn.JsonPath.DISCARD });
    const newer = '$.Stage.Approved.Newest[0].ModelPackageVersion';
    const supersededCause = new sfn.Pass(s, 'SupersededCause', {
      stateName: n('superseded: why'),
      parameters: {
        'Cause.$': `States.Format('Version {} is superseded by version {}, approved after it: this run stops before ${stage.stageName} and leaves the stage to the newer version.', $.ModelPackageVersion, ${newer})`,
      },
      resultPath: '$.Stage.Stop',
    });
    const superseded = new sfn.Fail(s, 'Superseded', { stateName: n('superseded'), error: SUPERSEDED_ERROR, causePath: '$.Stage.Stop.Cause' });
    const notApprovedCause = new sfn.Pass(s, 'NotApprovedCause', {
      stateName: n('no longer approved: why'),
      parameters: {
        'Cause.$': `States.Format('Version {} is no longer approved in the model registry, so it is not deployed to ${stage.stageName}; approve it again to deploy it.', $.ModelPackageVersion)`,
      },
      resultPath: '$.Stage.Stop',
    });
    const notApproved = new sfn.Fail(s, 'NotApproved', { stateName: n('no longer approved'), error: NOT_APPROVED_ERROR, causePath: '$.Stage.Stop.Cause' });
    notApprovedCause.next(notApproved);

    explicit.when(sfn.Condition.and(sfn.Condition.isPresent('$.Explicit'), sfn.Condition.booleanEquals('$.Explicit', true)), describe);
    explicit.otherwise(list);
    describe.next(approved);
    approved.when(sfn.Condition.and(
      sfn.Condition.isPresent('$.Stage.Package.ModelApprovalStatus'),
      sfn.Condition.stringEquals('$.Stage.Package.ModelApprovalStatus', 'Approved')), ok);
    approved.otherwise(notApprovedCause);
    list.next(newest);
    newest.when(sfn.Condition.and(sfn.Condition.isPresent(newer), sfn.Condition.numberEqualsJsonPath(newer, '$.ModelPackageVersion')), ok);
    newest.when(sfn.Condition.and(sfn.Condition.isPresent(newer), sfn.Condition.numberGreaterThanJsonPath(newer, '$.ModelPackageVersion')),
      supersededCause.next(supersededEvent(s, stage, n, newer)).next(superseded));
    newest.otherwise(notApprovedCause);
    return sfn.Chain.custom(explicit, [ok], ok);
  }

  /** The failure of a loop that spent the execution's history event budget. */
  public budgetFail(s: Construct, n: Namer, what: string): sfn.Fail {
    return new sfn.Fail(s, `${what.replace(/[^A-Za-z]/g, '')}Budget`, {
      stateName: n(`${what}: history budget spent`),
      error: HISTORY_BUDGET_ERROR,
      cause: 'This execution polled so often that one more poll could exceed Step Functions\' 25,000-event history limit: it stops here. '
        + 'Raise pollInterval, or run the deployment again to continue.',
    });
  }
}

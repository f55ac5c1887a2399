/**
 * The states of a batch stage in the deployment workflow. A batch stage has
 * no endpoint: approving a version creates its model (as for an endpoint)
 * and makes it the stage's current model, one DynamoDB item in the lease
 * table (`pk` = `model#<stage>`) that names the model every transform run of
 * the stage uses (batch-deployment.ts) and the model it replaced. A rollback
 * swaps the two. Not exported from the library.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { Namer, ResolvedStage, RETRY_DYNAMODB, WorkflowTasks } from './workflow-common';

/** Value of `previous` when a stage had no model before. */
export const NO_PREVIOUS_MODEL = 'none';

/** The key of a batch stage's current-model item. */
export function modelItemKey(stageName: string): { [key: string]: tasks.DynamoAttributeValue } {
  return { pk: tasks.DynamoAttributeValue.fromString(`model#${stageName}`) };
}

const str = (path: string) => tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(path));

/** Read the stage's current-model item to `resultPath` (`Item` absent when there is none). */
export function readModelItem(t: WorkflowTasks, s: Construct, id: string, stateName: string, stageName: string,
  resultPath: string): tasks.DynamoGetItem {
  const read = new tasks.DynamoGetItem(s, id, {
    stateName,
    table: t.ctx.leaseTable,
    key: modelItemKey(stageName),
    consistentRead: true,
    resultPath,
  });
  read.addRetry(RETRY_DYNAMODB);
  return read;
}

/**
 * Make `$.Stage.ModelName` the stage's model, keeping the current one as
 * `previous`, and continue with `done`.
 */
export function switchModel(t: WorkflowTasks, s: Construct, stage: ResolvedStage, n: Namer, done: sfn.IChainable): sfn.Chain {
  const read = readModelItem(t, s, 'BatchRead', n('read current model'), stage.stageName, '$.Stage.Current');
  const had = new sfn.Choice(s, 'BatchHadModel', { stateName: n('model before?') });
  const keep = new sfn.Pass(s, 'BatchKeepPrevious', {
    stateName: n('keep current model for rollback'),
    parameters: { 'Model.$': '$.Stage.Current.Item.model.S', 'PackageArn.$': '$.Stage.Current.Item.modelPackageArn.S' },
    resultPath: '$.Stage.Previous',
  });
  const none = new sfn.Pass(s, 'BatchNoPrevious', {
    stateName: n('first model'),
    parameters: { Model: NO_PREVIOUS_MODEL, PackageArn: NO_PREVIOUS_MODEL },
    resultPath: '$.Stage.Previous',
  });
  const write = new tasks.DynamoPutItem(s, 'BatchSwitch', {
    stateName: n('switch model'),
    table: t.ctx.leaseTable,
    item: {
      ...modelItemKey(stage.stageName),
      model: str('$.Stage.ModelName'),
      modelPackageArn: str('$.ModelPackageArn'),
      previous: str('$.Stage.Previous.Model'),
      previousPackageArn: str('$.Stage.Previous.PackageArn'),
      execution: str('$$.Execution.Id'),
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  write.addRetry(RETRY_DYNAMODB);
  had.when(sfn.Condition.isPresent('$.Stage.Current.Item.model.S'), keep.next(write));
  had.otherwise(none.next(write));
  write.next(done);
  return sfn.Chain.custom(read.next(had).startState, [write], write);
}

/** Roll a batch stage back to its previous model; continue with `done`. */
export function rollbackModel(t: WorkflowTasks, s: Construct, stage: ResolvedStage, n: Namer, done: sfn.IChainable): sfn.State {
  const read = readModelItem(t, s, 'BatchRead', n('read current model'), stage.stageName, '$.Stage.Current');
  const has = new sfn.Choice(s, 'BatchHasPrevious', { stateName: n('previous model known?') });
  const none = new sfn.Fail(s, 'BatchNoPrevious', {
    stateName: n('nothing to roll back to'),
    error: 'NoPreviousVersion',
    cause: `Batch stage ${stage.stageName} has no previous model: no version was approved before the current one.`,
  });
  const swap = new tasks.DynamoPutItem(s, 'BatchSwap', {
    stateName: n('switch back to previous model'),
    table: t.ctx.leaseTable,
    item: {
      ...modelItemKey(stage.stageName),
      model: str('$.Stage.Current.Item.previous.S'),
      modelPackageArn: str('$.Stage.Current.Item.previousPackageArn.S'),
      previous: str('$.Stage.Current.Item.model.S'),
      previousPackageArn: str('$.Stage.Current.Item.modelPackageArn.S'),
      execution: str('$$.Execution.Id'),
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  swap.addRetry(RETRY_DYNAMODB);
  has.when(sfn.Condition.and(
    sfn.Condition.isPresent('$.Stage.Current.Item.previous.S'),
    sfn.Condition.not(sfn.Condition.stringEquals('$.Stage.Current.Item.previous.S', NO_PREVIOUS_MODEL)),
  ), swap.next(done));
  has.otherwise(none);
  read.next(has);
  return read;
}

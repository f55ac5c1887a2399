/**
 * Pruning of old endpoint configs and models after a successful stage. Not
 * exported from the library.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { NAME_PREFIX, NO_PREVIOUS_CONFIG, Namer, RETRY_SAGEMAKER, ResolvedStage, WorkflowTasks, endpointConfigArns, modelArns } from './workflow-common';

/**
 * Endpoint configs one prune lists: the kept ones and up to 10 more (a stage
 * pruned after every deployment has at most one more than it keeps, besides
 * configs of other deployments with the same prefix).
 */
export function pruneListSize(keep: number | undefined): number {
  return keep === undefined ? 0 : keep + 10;
}

/** Pruning is best effort: one quick retry, then the config is left for the next run. */
const RETRY_PRUNE: sfn.RetryProps = { ...RETRY_SAGEMAKER, maxAttempts: 1 };

/**
 * Delete this deployment's endpoint configs and models of the stage beyond
 * the newest `keep`, never the live one nor the rollback target, never one
 * tagged by another deployment. Best effort: errors never fail the stage.
 */
export function prune(t: WorkflowTasks, s: Construct, stage: ResolvedStage, n: Namer, keep: number,
  then: sfn.INextable & sfn.IChainable): sfn.IChainable {
  const list = t.call(s, 'PruneList', n('Prune: list configs'), 'listEndpointConfigs', {
    NameContains: `${NAME_PREFIX}${stage.stageName}-v`, SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: pruneListSize(keep),
  }, ['*'], stage, { resultSelector: { 'Configs.$': '$.EndpointConfigs' }, resultPath: '$.Stage.Prune', retry: RETRY_PRUNE });
  const protect = new sfn.Choice(s, 'PruneProtect', { stateName: n('Prune: rollback target?') });
  const withPrevious = new sfn.Pass(s, 'PruneKeepPrevious', {
    stateName: n('Prune: keep rollback target'), parameters: { 'Name.$': '$.Stage.Existing.EndpointConfigName' }, resultPath: '$.Stage.Protect',
  });
  const withoutPrevious = new sfn.Pass(s, 'PruneNoPrevious', {
    stateName: n('Prune: no rollback target'), parameters: { Name: NO_PREVIOUS_CONFIG }, resultPath: '$.Stage.Protect',
  });
  const map = new sfn.Map(s, 'PruneEach', {
    stateName: n('Prune: each config'),
    itemsPath: '$.Stage.Prune.Configs',
    maxConcurrency: 1,
    itemSelector: {
      'Name.$': '$$.Map.Item.Value.EndpointConfigName',
      'Arn.$': '$$.Map.Item.Value.EndpointConfigArn',
      'Index.$': '$$.Map.Item.Index',
      'Current.$': '$.Stage.EndpointConfigName',
      'Previous.$': '$.Stage.Protect.Name',
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  const skip = new sfn.Pass(s, 'PruneSkip', { stateName: n('Prune: keep') });
  const old = new sfn.Choice(s, 'PruneOld', { stateName: n('Prune: older than the kept ones?') });
  const tags = t.call(s, 'PruneTags', n('Prune: whose config?'), 'listTags', { 'ResourceArn.$': '$.Arn' }, endpointConfigArns(stage.account), stage, {
    resultSelector: { 'Deployment.$': '$.Tags[?(@.Key == \'cdk-mlops:deployment\')].Value' },
    resultPath: '$.Tags',
    retry: RETRY_PRUNE,
  });
  const ours = new sfn.Choice(s, 'PruneOurs', { stateName: n('Prune: created by this deployment?') });
  const deleteConfig = t.call(s, 'PruneDeleteConfig', n('Prune: delete config'), 'deleteEndpointConfig', { 'EndpointConfigName.$': '$.Name' },
    endpointConfigArns(stage.account), stage, { retry: RETRY_PRUNE });
  const deleteModel = t.call(s, 'PruneDeleteModel', n('Prune: delete model'), 'deleteModel', { 'ModelName.$': '$.Name' }, modelArns(stage.account), stage,
    { retry: RETRY_PRUNE });
  const ignored = new sfn.Pass(s, 'PruneIgnored', { stateName: n('Prune: ignore failure') });
  for (const task of [tags, deleteConfig, deleteModel]) {
    task.addCatch(ignored, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
  }
  old.when(sfn.Condition.or(
    sfn.Condition.numberLessThan('$.Index', keep),
    sfn.Condition.stringEqualsJsonPath('$.Name', '$.Current'),
    sfn.Condition.stringEqualsJsonPath('$.Name', '$.Previous'),
  ), skip);
  old.otherwise(tags);
  tags.next(ours);
  ours.when(sfn.Condition.and(
    sfn.Condition.isPresent('$.Tags.Deployment[0]'),
    sfn.Condition.stringEquals('$.Tags.Deployment[0]', t.ctx.deploymentId),
  ), deleteConfig.next(deleteModel));
  ours.otherwise(skip);
  map.itemProcessor(old);
  const done = new sfn.Pass(s, 'PruneDone', { stateName: n('Prune: done'), resultPath: sfn.JsonPath.DISCARD });
  list.addCatch(done, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
  map.addCatch(done, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
  list.next(protect);
  protect.when(sfn.Condition.isPresent('$.Stage.Existing.EndpointConfigName'), withPrevious.next(map));
  protect.otherwise(withoutPrevious.next(map));
  map.next(done);
  done.next(then);
  return sfn.Chain.custom(list, [then], then);
}

/**
 * Builds the deployment state machine's definition. Not exported from the
 * library: `ApprovalDeployment` is the public face. The parts live next to
 * it: workflow-common.ts (data layout, names, retries, task helpers),
 * workflow-lease.ts (one deployment per stage, newest approved wins),
 * workflow-endpoint.ts (the endpoint state machine, the network of a model), workflow-prune.ts,
 * workflow-rollback.ts and workflow-history.ts (the history event budget).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { DeploymentEvents } from './deployment-events';
import { asyncInferenceConfig } from './workflow-async';
import { switchModel } from './workflow-batch';
import {
  NAME_PREFIX, REJECTED_ERROR, ResolvedStage, SILENT_ROLLBACK_ERROR, SMOKE_TEST_ERROR, SUPERSEDED_ERROR, WorkflowContext, WorkflowTasks,
  endpointArn, endpointConfigArns, modelArns, oneOf,
} from './workflow-common';
import { EndpointStates, holdBound } from './workflow-endpoint';
import { awaitingApprovalEvent, modelDeployedEvent, rolledBackEvent, ROLLBACK_REASON } from './workflow-events';
import { eventBudget } from './workflow-history';
import { LeaseStates } from './workflow-lease';
import { prune, pruneListSize } from './workflow-prune';
import { rollback } from './workflow-rollback';
import { fail } from '../private/validation';

export {
  NAME_PREFIX, VARIANT_NAME, PREVIOUS_CONFIG_TAG, NO_PREVIOUS_CONFIG, REJECTED_ERROR, SILENT_ROLLBACK_ERROR, SMOKE_TEST_ERROR,
  SUPERSEDED_ERROR, RETRY_SAGEMAKER, RETRY_AUTOSCALING, RETRY_DYNAMODB, modelArns, endpointConfigArns, scalableTargetArns, endpointArn,
} from './workflow-common';
export type { ResolvedStage, WorkflowContext } from './workflow-common';

/** The first state: the execution id and the history event budget of poll loops. */
const PREPARE = 'Prepare';
/** Poll iterations the budget must leave room for at least. */
const MIN_BUDGET_POLLS = 50;

/** A rendered definition and what its tasks need. */
export interface RenderedWorkflow {
  /** The definition (ASL JSON with CDK tokens). */
  readonly definition: any;
  /** IAM statements the tasks need. */
  readonly policyStatements: iam.PolicyStatement[];
  /** History events the poll loops of one execution may write. */
  readonly eventBudget: number;
}

/**
 * Builds the definition; every state name starts with the stage it belongs to.
 */
export class DeploymentWorkflow {
  private readonly t: WorkflowTasks;
  private readonly lease: LeaseStates;
  private readonly endpoint: EndpointStates;

  constructor(private readonly scope: Construct, private readonly ctx: WorkflowContext) {
    this.t = new WorkflowTasks(scope, ctx);
    this.lease = new LeaseStates(this.t);
    this.endpoint = new EndpointStates(this.t, this.lease);
  }

  /**
   * The definition as JSON, with the execution's history event budget
   * computed from it (see workflow-history.ts), and the task permissions.
   */
  public render(timeout: Duration, comment: string): RenderedWorkflow {
    const start = this.definition();
    const graph = new sfn.StateGraph(start.startState, 'State Machine definition');
    graph.timeout = timeout;
    const definition: any = { ...graph.toGraphJson(), Comment: comment };
    const budget = eventBudget(definition, this.t.maxIterationCost, pruneListSize(this.ctx.keepVersions));
    if (budget < MIN_BUDGET_POLLS * this.t.maxIterationCost) {
      fail(this.scope, 'ApprovalDeployment', {
        prop: 'stages',
        value: `${this.ctx.stages.length} stages`,
        allowed: `a workflow whose states leave room for ${MIN_BUDGET_POLLS} polls in Step Functions' 25,000-event execution history`,
        fix: 'split the stages over two ApprovalDeployments, or turn pruning off (pruneOldVersions: false).',
      });
    }
    definition.States[PREPARE].Parameters.EventBudget = budget;
    const statements = graph.policyStatements;
    for (const st of statements.filter((x) => x.actions.includes('events:PutEvents'))) {
      // The workflow puts its own events only. events:source is multivalued (every entry's source, Service
      // Authorization Reference): each must be ours, and the key must be there (ForAllValues holds on an empty set).
      st.addCondition('ForAllValues:StringEquals', { 'events:source': [DeploymentEvents.SOURCE] });
      st.addCondition('Null', { 'events:source': 'false' });
    }
    return { definition, policyStatements: mergeStatements(this.scope, statements), eventBudget: budget };
  }

  /** The whole definition. */
  public definition(): sfn.IChainable {
    const prepare = new sfn.Pass(this.scope, 'Prepare', {
      stateName: PREPARE,
      parameters: { 'ExecutionId.$': '$$.Execution.Id', 'EventBudget': 0 },
      resultPath: '$.Context',
    });
    const counters = new sfn.Pass(this.scope, 'Counters', {
      stateName: 'Start counting polls',
      parameters: { Loop: 0, Events: 0 },
      resultPath: '$.Counters',
    });
    const choice = new sfn.Choice(this.scope, 'Deploy or roll back?');
    choice.when(sfn.Condition.and(sfn.Condition.isPresent('$.Action'), sfn.Condition.stringEquals('$.Action', 'ROLLBACK')),
      rollback(this.t, this.endpoint, this.lease));
    choice.otherwise(this.deploy());
    return prepare.next(counters).next(choice);
  }

  private deploy(): sfn.IChainable {
    const s = new Construct(this.scope, 'Deploy');
    const body = new sfn.Parallel(s, 'Deployment', { resultPath: sfn.JsonPath.DISCARD, stateName: 'Deploy stages' });
    let chain: sfn.Chain | undefined;
    for (const stage of this.ctx.stages) {
      const stageChain = this.stage(stage);
      chain = chain ? chain.next(stageChain) : sfn.Chain.start(stageChain);
    }
    body.branch(chain!);
    // Every way out of the stages releases the leases this execution holds, then says how it ended.
    const failed = new sfn.Fail(s, 'Failed', { stateName: 'Deployment failed', errorPath: '$.Error.Error', causePath: '$.Error.Cause' });
    const how = new sfn.Choice(s, 'How', { stateName: 'How did the deployment end?' });
    how.when(sfn.Condition.stringEquals('$.Error.Error', REJECTED_ERROR),
      this.t.notify(s, 'NotifyRejected', 'Notify rejected', 'REJECTED', '$.Error').next(failed));
    how.when(oneOf('$.Error.Error', [SILENT_ROLLBACK_ERROR, SMOKE_TEST_ERROR]),
      this.t.notify(s, 'NotifyRolledBack', 'Notify rolled back', 'ROLLED_BACK', '$.Error').next(failed));
    how.when(sfn.Condition.stringEquals('$.Error.Error', SUPERSEDED_ERROR),
      this.t.notify(s, 'NotifySuperseded', 'Notify superseded', 'SUPERSEDED', '$.Error')
        .next(new sfn.Pass(s, 'SupersededResult', {
          stateName: 'Superseded result',
          parameters: { 'Result': 'SUPERSEDED', 'Reason.$': '$.Error.Cause' },
        }))
        .next(new sfn.Succeed(s, 'Superseded', { stateName: 'Superseded by a newer version' })));
    how.otherwise(this.t.notify(s, 'NotifyFailed', 'Notify failed', 'FAILED', '$.Error').next(failed));
    body.addCatch(this.lease.releaseAll(new Construct(s, 'Cleanup'), this.ctx.stages, 'deployment').next(how), {
      errors: ['States.ALL'], resultPath: '$.Error',
    });
    return this.t.notify(s, 'NotifyStarted', 'Notify started', 'STARTED')
      .next(body)
      .next(this.t.notify(s, 'NotifySucceeded', 'Notify succeeded', 'SUCCEEDED'))
      .next(new sfn.Succeed(s, 'Done', { stateName: 'Deployed' }));
  }

  private stage(stage: ResolvedStage): sfn.Chain {
    const s = new Construct(this.scope, `Stage-${stage.stageName}`);
    const n = (label: string) => `${stage.stageName}: ${label}`;
    const version = '$.ModelPackageVersion';
    const suffix = 'States.Hash($.Context.ExecutionId, \'MD5\')';
    const names = new sfn.Pass(s, 'Names', {
      stateName: n('Generate names'),
      parameters: {
        'ModelName.$': `States.Format('${NAME_PREFIX}${stage.stageName}-v{}-{}', ${version}, ${suffix})`,
        'EndpointConfigName.$': `States.Format('${NAME_PREFIX}${stage.stageName}-v{}-{}', ${version}, ${suffix})`,
      },
      resultPath: '$.Stage',
    });
    const tags = [
      { Key: 'cdk-mlops:deployment', Value: this.ctx.deploymentId },
      { Key: 'cdk-mlops:stage', Value: stage.stageName },
      { 'Key': 'cdk-mlops:model-package-arn', 'Value.$': '$.ModelPackageArn' },
    ];
    const network = this.endpoint.network(s, stage, n);
    const createModel = this.t.call(s, 'CreateModel', n('Create model'), 'createModel', {
      'ModelName.$': '$.Stage.ModelName',
      'ExecutionRoleArn': stage.modelRoleArn,
      'PrimaryContainer': { 'ModelPackageName.$': '$.ModelPackageArn' },
      ...network.parameters,
      'Tags': tags,
    }, modelArns(stage.account), stage);
    const variant: Record<string, unknown> = {
      'VariantName': 'AllTraffic',
      'ModelName.$': '$.Stage.ModelName',
    };
    if (stage.serverless) {
      variant.ServerlessConfig = { MemorySizeInMB: stage.memorySizeMiB, MaxConcurrency: stage.maxConcurrency };
    } else {
      variant.InstanceType = stage.instanceType;
      variant.InitialInstanceCount = stage.initialInstanceCount;
    }
    const configParams: Record<string, unknown> = {
      'EndpointConfigName.$': '$.Stage.EndpointConfigName',
      'ProductionVariants': [variant],
      'Tags': tags,
    };
    if (stage.useVolumeKey) {
      configParams.KmsKeyId = stage.keyArn;
    }
    if (stage.asyncInference) {
      configParams.AsyncInferenceConfig = asyncInferenceConfig(stage);
    }
    if (stage.captureUri) {
      configParams.DataCaptureConfig = {
        EnableCapture: true,
        InitialSamplingPercentage: stage.samplingPercent,
        DestinationS3Uri: stage.captureUri,
        KmsKeyId: stage.keyArn,
        CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
      };
    }
    const createConfig = this.t.call(s, 'CreateEndpointConfig', n('Create endpoint config'), 'createEndpointConfig', configParams,
      endpointConfigArns(stage.account), stage);

    const verified = new sfn.Pass(s, 'Verified', { stateName: n(stage.batch ? 'Model switched' : 'Live config verified'), resultPath: sfn.JsonPath.DISCARD });
    let after: sfn.Chain = sfn.Chain.start(verified);
    if (stage.smokeTest) {
      after = after.next(this.smokeTest(s, stage, n));
    }
    if (this.endpoint.autoscaled(stage)) {
      after = after.next(this.endpoint.register(s, stage, n, 'Deploy', false));
    }
    const last = this.t.notify(s, 'NotifyStage', n('Notify stage deployed'), 'STAGE_DEPLOYED', undefined, stage.stageName);
    const deployed = modelDeployedEvent(s, stage, n).next(last);
    const release = this.lease.release(s, 'Release', n('lease: release'), stage);
    // Best effort: a lease left behind expires when this execution ends.
    const ignored = new sfn.Pass(s, 'ReleaseIgnored', { stateName: n('lease: left to expire'), resultPath: sfn.JsonPath.DISCARD });
    release.addCatch(ignored, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
    ignored.next(deployed);
    if (this.ctx.keepVersions !== undefined && !stage.batch) {
      after = after.next(prune(this.t, s, stage, n, this.ctx.keepVersions, release));
    } else {
      after = after.next(release);
    }
    release.next(deployed);

    const leaseChain = this.lease.acquire(s, stage, n, holdBound(stage, this.ctx.endpointWaitTimeout));
    const named = leaseChain.next(this.lease.checkNewest(s, stage, n)).next(names);
    const models = (network.find ? named.next(network.find) : named).next(createModel);
    // A batch stage has no endpoint: the new model becomes the one its transform runs use (workflow-batch.ts).
    if (stage.batch) {
      models.next(switchModel(this.t, s, stage, n, verified));
    } else {
      models.next(createConfig).next(this.endpoint.deploy(s, stage, n, verified));
    }
    const first: sfn.IChainable = stage.approvalRequired
      ? awaitingApprovalEvent(this.t, s, stage, n).next(this.gate(s, stage, n)).next(leaseChain)
      : leaseChain;
    return sfn.Chain.custom(first.startState, [last], last);
  }

  private gate(s: Construct, stage: ResolvedStage, n: (l: string) => string): tasks.SnsPublish {
    return new tasks.SnsPublish(s, 'Approval', {
      stateName: n('Wait for approval'),
      topic: this.ctx.topic,
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      subject: `Approval needed: deploy to ${stage.stageName}`,
      message: sfn.TaskInput.fromObject({
        event: 'AWAITING_APPROVAL',
        stage: stage.stageName,
        endpointName: stage.endpointName,
        modelPackageArn: sfn.JsonPath.stringAt('$.ModelPackageArn'),
        execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
        taskToken: sfn.JsonPath.taskToken,
        approve: 'aws stepfunctions send-task-success --task-token <taskToken> --task-output \'{"approvedBy":"<you>"}\'',
        reject: `aws stepfunctions send-task-failure --task-token <taskToken> --error ${REJECTED_ERROR} --cause '<why>'`,
      }),
      taskTimeout: sfn.Timeout.duration(stage.approvalTimeout),
      resultPath: '$.Approval',
    });
  }

  private smokeTest(s: Construct, stage: ResolvedStage, n: (l: string) => string): sfn.Chain {
    const invoke = new tasks.CallAwsService(s, 'SmokeTest', {
      stateName: n('Smoke test'),
      service: 'sagemakerruntime',
      action: 'invokeEndpoint',
      iamAction: 'sagemaker:InvokeEndpoint',
      iamResources: [endpointArn(stage)],
      credentials: stage.taskRole ? { role: stage.taskRole } : undefined,
      parameters: { EndpointName: stage.endpointName, Body: stage.smokeTest!.payload, ContentType: stage.smokeTest!.contentType },
      resultSelector: { 'ContentType.$': '$.ContentType' },
      resultPath: '$.Stage.SmokeTest',
    });
    const failed = new sfn.Fail(s, 'SmokeTestFailed', {
      stateName: n('Smoke test failed'),
      error: SMOKE_TEST_ERROR,
      cause: `The smoke test request to ${stage.endpointName} failed; the previous endpoint config was restored when there was one.`,
    });
    const hadPrevious = new sfn.Choice(s, 'HadPrevious', { stateName: n('Previous config to restore?') });
    const params: Record<string, unknown> = {
      'EndpointName': stage.endpointName,
      'EndpointConfigName.$': '$.Stage.Existing.EndpointConfigName',
    };
    if (this.endpoint.autoscaled(stage)) {
      params.RetainAllVariantProperties = true;
    }
    const restore = this.t.call(s, 'Restore', n('Restore previous config'), 'updateEndpoint', params,
      [endpointArn(stage), ...endpointConfigArns(stage.account)], stage);
    const event = rolledBackEvent(s, stage, n, 'EventSmokeTestRollback', 'rolled back after failed smoke test', ROLLBACK_REASON.smokeTest,
      '$.Stage.Existing.EndpointConfigName');
    const restored = this.endpoint.autoscaled(stage)
      ? sfn.Chain.start(restore).next(this.endpoint.register(s, stage, n, 'SmokeRestore', true, 'after failed smoke test: ')).next(event).next(failed)
      : sfn.Chain.start(restore).next(event).next(failed);
    hadPrevious.when(sfn.Condition.isPresent('$.Stage.Existing.EndpointConfigName'), restored);
    hadPrevious.otherwise(failed);
    invoke.addCatch(hadPrevious, { errors: ['States.ALL'], resultPath: '$.Stage.SmokeTestError' });
    return sfn.Chain.start(invoke);
  }
}

/**
 * The tasks' statements, one per set of resources and conditions with the
 * union of their actions: many tasks call the same endpoint or table, and
 * the role's managed policies have a size limit.
 */
function mergeStatements(scope: Construct, statements: iam.PolicyStatement[]): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const merged = new Map<string, { json: any; actions: Set<string> }>();
  for (const st of statements) {
    const json = st.toStatementJson();
    const asList = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    const resources = asList(json.Resource).map((r) => JSON.stringify(stack.resolve(r))).sort();
    const key = JSON.stringify([json.Effect, resources, stack.resolve(json.Condition ?? null), json.NotAction ?? null, json.Principal ?? null]);
    const entry = merged.get(key) ?? { json, actions: new Set<string>() };
    asList(json.Action).forEach((a) => entry.actions.add(a as string));
    merged.set(key, entry);
  }
  return [...merged.values()].map(({ json, actions }) => iam.PolicyStatement.fromJson({ ...json, Action: [...actions].sort() }));
}

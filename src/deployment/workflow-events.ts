/**
 * The EventBridge events of the deployment workflow (`DeploymentEvents`):
 * each is one `events:putEvents` task of Step Functions' optimized
 * integration on the default bus, which appends the state machine's and the
 * execution's ARNs to the event's `resources` ("Add EventBridge events with
 * Step Functions", Step Functions Developer Guide). Not exported from the
 * library; the detail of each event is documented in docs/deployment.md.
 *
 * Sending an event is best effort: a task that still fails after its retries
 * (a `FailedEntry` or a throttled call) is caught and the workflow goes on,
 * because the model is already live (or the gate already waits) and the SNS
 * notification of the same moment still goes out.
 */
import { Aws, Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { DeploymentEvents } from './deployment-events';
import { Namer, ResolvedStage, WorkflowTasks } from './workflow-common';

/** Why a stage went back to what served before (`detail.reason` of `Model Rolled Back`). */
export const ROLLBACK_REASON = {
  /** SageMaker rolled the blue/green update back (a rollback alarm fired or the new fleet failed). */
  sageMaker: 'SAGEMAKER_ROLLBACK',
  /** The smoke test failed and the workflow restored the previous endpoint config. */
  smokeTest: 'SMOKE_TEST_FAILED',
  /** Someone started the workflow with `{ "Action": "ROLLBACK" }`. */
  requested: 'REQUESTED',
};

/**
 * Retries of a putEvents task: `States.TaskFailed` matches every error of the
 * task (`EventBridge.FailedEntry` as the integration documents it, throttling
 * included) except a timeout.
 */
const RETRY_EVENTS: sfn.RetryProps = {
  errors: ['States.TaskFailed'],
  interval: Duration.seconds(1),
  maxAttempts: 3,
  backoffRate: 2,
  maxDelay: Duration.seconds(10),
  jitterStrategy: sfn.JitterType.FULL,
};

/** What every event of a stage says: the stage, its endpoint, and the version when the run deploys one. */
function stageDetail(stage: ResolvedStage, withVersion: boolean): Record<string, unknown> {
  const detail: Record<string, unknown> = {
    stage: stage.stageName,
    account: stage.account ?? Aws.ACCOUNT_ID,
    executionArn: sfn.JsonPath.stringAt('$$.Execution.Id'),
  };
  if (!stage.batch) {
    detail.endpointName = stage.endpointName;
  }
  if (withVersion) {
    detail.modelPackageArn = sfn.JsonPath.stringAt('$.ModelPackageArn');
    detail.modelPackageVersion = sfn.JsonPath.numberAt('$.ModelPackageVersion');
  }
  return detail;
}

/** Put one event of the stage (best effort); chain the next state after it. */
function put(s: Construct, id: string, stateName: string, detailType: string, detail: Record<string, unknown>): sfn.Chain {
  const task = new tasks.EventBridgePutEvents(s, id, {
    stateName,
    entries: [{ source: DeploymentEvents.SOURCE, detailType, detail: sfn.TaskInput.fromObject(detail) }],
    resultPath: sfn.JsonPath.DISCARD,
  });
  task.addRetry(RETRY_EVENTS);
  const skipped = new sfn.Pass(s, `${id}NotSent`, { stateName: `${stateName}: not sent`, resultPath: sfn.JsonPath.DISCARD });
  task.addCatch(skipped, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
  return sfn.Chain.custom(task, [task, skipped], skipped);
}

/** `Model Deployed`: the stage serves the new version. */
export function modelDeployedEvent(s: Construct, stage: ResolvedStage, n: Namer): sfn.Chain {
  return put(s, 'EventDeployed', n('event: model deployed'), DeploymentEvents.MODEL_DEPLOYED, {
    ...stageDetail(stage, true),
    modelName: sfn.JsonPath.stringAt('$.Stage.ModelName'),
    ...(stage.batch ? {} : { endpointConfigName: sfn.JsonPath.stringAt('$.Stage.EndpointConfigName') }),
  });
}

/**
 * `Model Rolled Back` during a deployment: the endpoint serves the config at
 * `liveConfigPath` again (`reason` from `ROLLBACK_REASON`).
 */
export function rolledBackEvent(s: Construct, stage: ResolvedStage, n: Namer, id: string, label: string, reason: string,
  liveConfigPath: string): sfn.Chain {
  return put(s, id, n(`event: ${label}`), DeploymentEvents.MODEL_ROLLED_BACK, {
    ...stageDetail(stage, true),
    reason,
    endpointConfigName: sfn.JsonPath.stringAt(liveConfigPath),
  });
}

/** `Model Rolled Back` on request: the endpoint serves its previous config, or a batch stage its previous model, again. */
export function requestedRollbackEvent(s: Construct, stage: ResolvedStage, n: Namer): sfn.Chain {
  return put(s, 'EventRolledBack', n('event: model rolled back'), DeploymentEvents.MODEL_ROLLED_BACK, {
    ...stageDetail(stage, false),
    reason: ROLLBACK_REASON.requested,
    ...(stage.batch
      ? { modelName: sfn.JsonPath.stringAt('$.Stage.Current.Item.previous.S') }
      : { endpointConfigName: sfn.JsonPath.stringAt('$.Stage.EndpointConfigName') }),
  });
}

/** `Deployment Awaiting Approval`: the stage's gate waits; the task token goes to the topic only. */
export function awaitingApprovalEvent(t: WorkflowTasks, s: Construct, stage: ResolvedStage, n: Namer): sfn.Chain {
  return put(s, 'EventAwaitingApproval', n('event: awaiting approval'), DeploymentEvents.AWAITING_APPROVAL, {
    ...stageDetail(stage, true),
    notificationTopicArn: t.ctx.topic.topicArn,
    approvalTimeoutSeconds: stage.approvalTimeout.toSeconds(),
  });
}

/** `Deployment Superseded`: this run stops before the stage; `newerVersionPath` holds the newer approved version. */
export function supersededEvent(s: Construct, stage: ResolvedStage, n: Namer, newerVersionPath: string): sfn.Chain {
  return put(s, 'EventSuperseded', n('event: superseded'), DeploymentEvents.SUPERSEDED, {
    ...stageDetail(stage, true),
    supersededByVersion: sfn.JsonPath.numberAt(newerVersionPath),
  });
}

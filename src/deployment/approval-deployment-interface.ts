import { IResource } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { DeploymentEventOptions } from './deployment-events';
import { DeploymentStage } from './deployment-stage';

/**
 * An approval-driven deployment of a model registry's versions, as other
 * layers (drift monitoring, dashboards, the platform) see it.
 */
export interface IApprovalDeployment extends IResource {
  /** The deployment workflow. Start it with `{ "Action": "ROLLBACK", "StageName": "<stage>" }` to roll a stage back. */
  readonly stateMachine: sfn.IStateMachine;
  /** The stages, in deployment order (each with its endpoint handle and metrics). */
  readonly stages: DeploymentStage[];
  /** The key of captured data, endpoint volumes, notifications and logs. */
  readonly encryptionKey: kms.IKey;
  /** The topic that receives deployment notifications (started, awaiting approval, succeeded, failed, rolled back). */
  readonly notificationTopic: sns.ITopic;
  /** The stage with this name; throws when there is none. */
  stage(stageName: string): DeploymentStage;
  /** The endpoint name of a stage. */
  endpointName(stageName: string): string;
  /** An EventBridge rule for deployment executions that failed, timed out or were aborted. */
  onDeploymentFailed(id: string, options?: events.OnEventOptions): events.Rule;
  /** An EventBridge rule for deployment executions that succeeded. */
  onDeploymentSucceeded(id: string, options?: events.OnEventOptions): events.Rule;
  /** An EventBridge rule for this deployment's `Model Deployed` events (a stage serves the new version). */
  onModelDeployed(id: string, options?: DeploymentEventOptions): events.Rule;
  /** An EventBridge rule for this deployment's `Model Rolled Back` events (alarm rollback, failed smoke test, `ROLLBACK` request). */
  onRollback(id: string, options?: DeploymentEventOptions): events.Rule;
  /** An EventBridge rule for this deployment's `Deployment Awaiting Approval` events (a manual gate waits). */
  onAwaitingApproval(id: string, options?: DeploymentEventOptions): events.Rule;
  /** An EventBridge rule for this deployment's `Deployment Superseded` events (a newer approved version wins). */
  onSuperseded(id: string, options?: DeploymentEventOptions): events.Rule;
  /** Allow starting the workflow by hand, e.g. a rollback. */
  grantStartExecution(grantee: iam.IGrantable): iam.Grant;
  /**
   * Allow approving or rejecting a manual gate (`SendTaskSuccess`/`SendTaskFailure`,
   * on `*`: the actions have no resource-level permission, the task token
   * names the gate).
   */
  grantGateDecision(grantee: iam.IGrantable): iam.Grant;
}

/** Attributes of a deployment built elsewhere. */
export interface ApprovalDeploymentAttributes {
  /** The ARN of the deployment state machine. */
  readonly stateMachineArn: string;
  /** The stages. */
  readonly stages: DeploymentStage[];
  /** The encryption key. */
  readonly encryptionKey: kms.IKey;
  /** The notification topic. */
  readonly notificationTopic: sns.ITopic;
}

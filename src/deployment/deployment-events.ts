import * as events from 'aws-cdk-lib/aws-events';
import { DeploymentStage } from './deployment-stage';

/**
 * The EventBridge events an `ApprovalDeployment`'s workflow sends to the
 * default event bus of its account and region (docs/deployment.md lists the
 * detail of each). Step Functions appends the state machine's ARN and the
 * execution's ARN to `resources`, so a rule on `resources` picks one
 * deployment; `detail.stage` picks a stage.
 */
export class DeploymentEvents {
  /** The `source` of every event. */
  public static readonly SOURCE = 'cdk-mlops.deployment';
  /** A stage serves the new version (its endpoint, or a batch stage's current model). */
  public static readonly MODEL_DEPLOYED = 'Model Deployed';
  /** A stage went back to what served before: SageMaker's alarm rollback, a failed smoke test, or a `ROLLBACK` request. */
  public static readonly MODEL_ROLLED_BACK = 'Model Rolled Back';
  /** A stage's manual gate waits for a decision (the task token goes to the notification topic only). */
  public static readonly AWAITING_APPROVAL = 'Deployment Awaiting Approval';
  /** A run stopped before a stage because a newer version was approved after its own. */
  public static readonly SUPERSEDED = 'Deployment Superseded';

  private constructor() {}
}

/** Options of an `ApprovalDeployment.on…()` rule. */
export interface DeploymentEventOptions extends events.OnEventOptions {
  /**
   * Only the events of this stage (one of the deployment's stages).
   * @default - the events of every stage
   */
  readonly stage?: DeploymentStage;
}

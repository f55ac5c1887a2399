import { Resource } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { IApprovalDeployment } from './approval-deployment-interface';
import { DeploymentEventOptions, DeploymentEvents } from './deployment-events';
import { DeploymentStage } from './deployment-stage';
import { grantWithWildcards } from '../private/registry-acknowledgements';
import { fail } from '../private/validation';

/**
 * What owned and imported deployments share: stages, rules and grants.
 * @internal
 */
export abstract class ApprovalDeploymentBase extends Resource implements IApprovalDeployment {
  public abstract readonly stateMachine: sfn.IStateMachine;
  public abstract readonly stages: DeploymentStage[];
  public abstract readonly encryptionKey: kms.IKey;
  public abstract readonly notificationTopic: sns.ITopic;

  public stage(stageName: string): DeploymentStage {
    const found = this.stages.find((s) => s.stageName === stageName);
    if (!found) {
      fail(this, 'ApprovalDeployment', {
        prop: 'stageName',
        value: stageName,
        allowed: this.stages.map((s) => `'${s.stageName}'`).join(', '),
        fix: 'use the name of one of the deployment\'s stages.',
      });
    }
    return found;
  }

  public endpointName(stageName: string): string {
    return this.stage(stageName).endpointName;
  }

  public onDeploymentFailed(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.executionRule(id, options, ['FAILED', 'TIMED_OUT', 'ABORTED']);
  }

  public onDeploymentSucceeded(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.executionRule(id, options, ['SUCCEEDED']);
  }

  public onModelDeployed(id: string, options: DeploymentEventOptions = {}): events.Rule {
    return this.deploymentEventRule(id, options, DeploymentEvents.MODEL_DEPLOYED);
  }

  public onRollback(id: string, options: DeploymentEventOptions = {}): events.Rule {
    return this.deploymentEventRule(id, options, DeploymentEvents.MODEL_ROLLED_BACK);
  }

  public onAwaitingApproval(id: string, options: DeploymentEventOptions = {}): events.Rule {
    return this.deploymentEventRule(id, options, DeploymentEvents.AWAITING_APPROVAL);
  }

  public onSuperseded(id: string, options: DeploymentEventOptions = {}): events.Rule {
    return this.deploymentEventRule(id, options, DeploymentEvents.SUPERSEDED);
  }

  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  public grantGateDecision(grantee: iam.IGrantable): iam.Grant {
    // SendTaskSuccess/Failure/Heartbeat have no resource type in the Service
    // Authorization Reference: a statement naming the state machine (as
    // aws-cdk-lib's grantTaskResponse writes it) never matches. The task
    // token sent to the notification topic identifies the gate.
    return grantWithWildcards({
      grantee,
      actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
      resourceArns: ['*'],
    }, ['*'], 'deploymentApprovalTaskTokens');
  }

  private executionRule(id: string, options: events.OnEventOptions, statuses: string[]): events.Rule {
    const rule = new events.Rule(this, id, {
      description: options.description,
      ruleName: options.ruleName,
      crossStackScope: options.crossStackScope,
    });
    rule.addEventPattern({
      source: ['aws.states'],
      detailType: ['Step Functions Execution Status Change'],
      detail: { status: statuses, stateMachineArn: [this.stateMachine.stateMachineArn] },
    });
    rule.addTarget(options.target);
    return rule;
  }

  /**
   * A rule on the default bus for one detail type of this deployment's
   * events: Step Functions appends the state machine's ARN to the
   * `resources` of every event the workflow puts ("Add EventBridge events
   * with Step Functions", Step Functions Developer Guide).
   */
  private deploymentEventRule(id: string, options: DeploymentEventOptions, detailType: string): events.Rule {
    const stageName = options.stage ? this.stage(options.stage.stageName).stageName : undefined;
    const rule = new events.Rule(this, id, {
      description: options.description,
      ruleName: options.ruleName,
      crossStackScope: options.crossStackScope,
      eventPattern: options.eventPattern,
    });
    rule.addEventPattern({
      source: [DeploymentEvents.SOURCE],
      detailType: [detailType],
      resources: [this.stateMachine.stateMachineArn],
      detail: stageName ? { stage: [stageName] } : undefined,
    });
    rule.addTarget(options.target);
    return rule;
  }
}

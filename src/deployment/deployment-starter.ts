/**
 * The EXPRESS state machine that turns approval events into deployments.
 * Not exported from the library.
 *
 * The deployment's execution name is `v<version>-<MD5 of the time of the
 * approval>` (the starter serves one model package group): the approval's time is the package's
 * `LastModifiedTime` in the "SageMaker Model Package State Change" event
 * (its `CreationTime` when the event has none). SageMaker's duplicate events
 * for one approval carry the same time, so they map to one execution name,
 * and Step Functions refuses a second execution of a name
 * (`ExecutionAlreadyExists`); approving the version again later (after a
 * failed, rejected or rolled-back run) changes the time, and starts a new
 * deployment.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledge } from '../private/acknowledgements';
import { ManagedPolicyRole } from '../private/managed-policy-role';
import { createSecureLogGroup } from '../private/secure-defaults';

/** What the starter needs. */
export interface StarterOptions {
  readonly machine: sfn.IStateMachine;
  readonly groupName: string;
  readonly encryptionKey: kms.IKey;
  readonly retention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** Build the starter under `scope` (construct id `Starter`). */
export function createStarter(scope: Construct, o: StarterOptions): sfn.StateMachine {
  const s = new Construct(scope, 'Starter');
  const identity = new sfn.Choice(s, 'Identity', { stateName: 'Which approval?' });
  const modified = new sfn.Pass(s, 'Modified', {
    stateName: 'Approval time: LastModifiedTime',
    parameters: { 'Time.$': '$.detail.LastModifiedTime' },
    resultPath: '$.Approval',
  });
  const created = new sfn.Pass(s, 'Created', {
    stateName: 'Approval time: CreationTime',
    parameters: { 'Time.$': '$.detail.CreationTime' },
    resultPath: '$.Approval',
  });
  const start = new tasks.StepFunctionsStartExecution(s, 'StartDeployment', {
    stateName: 'Start deployment once per approval',
    stateMachine: o.machine,
    // The starter serves one model package group: the version and the approval time identify an approval.
    name: sfn.JsonPath.format('v{}-{}', sfn.JsonPath.stringAt('$.detail.ModelPackageVersion'),
      sfn.JsonPath.hash(sfn.JsonPath.format('{}', sfn.JsonPath.stringAt('$.Approval.Time')), 'MD5')),
    input: sfn.TaskInput.fromObject({
      Action: 'DEPLOY',
      ModelPackageArn: sfn.JsonPath.stringAt('$.detail.ModelPackageArn'),
      ModelPackageVersion: sfn.JsonPath.numberAt('$.detail.ModelPackageVersion'),
      ModelPackageGroupName: sfn.JsonPath.stringAt('$.detail.ModelPackageGroupName'),
    }),
    associateWithParent: false,
    integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
    resultPath: '$.Started',
  });
  const duplicate = new sfn.Succeed(s, 'Duplicate', {
    stateName: 'Already started for this approval',
    comment: 'A duplicate approval event: the execution for this approval exists (running or finished).',
  });
  // The optimized integration names errors StepFunctions.<Name>: with the Exception suffix by the
  // SDK-integration rule, without it in the Developer Guide's nested-workflow example; catch both.
  start.addCatch(duplicate, {
    errors: ['StepFunctions.ExecutionAlreadyExistsException', 'StepFunctions.ExecutionAlreadyExists'],
    resultPath: '$.Duplicate',
  });
  // Throttling is unmodeled: it surfaces as the base exception (AWS SDK for Java 1.x name).
  start.addRetry({
    errors: ['StepFunctions.AWSStepFunctionsException'],
    maxAttempts: 3,
    interval: Duration.seconds(2),
    backoffRate: 2,
    jitterStrategy: sfn.JitterType.FULL,
  });
  identity.when(sfn.Condition.isPresent('$.detail.LastModifiedTime'), modified.next(start));
  identity.otherwise(created.next(start));
  start.next(new sfn.Succeed(s, 'Started', { stateName: 'Deployment started' }));
  const role = new ManagedPolicyRole(s, 'Role', {
    assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
    description: 'Starts one deployment per approval of a model version',
  });
  const starter = new sfn.StateMachine(s, 'Resource', {
    role,
    definitionBody: sfn.DefinitionBody.fromChainable(identity),
    stateMachineType: sfn.StateMachineType.EXPRESS,
    timeout: Duration.minutes(1),
    tracingEnabled: true,
    logs: {
      destination: createSecureLogGroup(s, 'Logs', { encryptionKey: o.encryptionKey, retention: o.retention, removalPolicy: o.removalPolicy }),
      level: sfn.LogLevel.ALL,
      includeExecutionData: true,
    },
    comment: `Starts one deployment per approval of a version of ${o.groupName}`,
  });
  acknowledge(role, 'deploymentServiceWildcards');
  acknowledge(starter, 'deploymentStateMachineRoleDependency');
  return starter;
}

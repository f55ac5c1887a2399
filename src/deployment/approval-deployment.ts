import { Aws, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ApprovalDeploymentBase } from './approval-deployment-base';
import { ApprovalDeploymentAttributes, IApprovalDeployment } from './approval-deployment-interface';
import { createBatchRunners } from './batch-deployment';
import { createModelExecutionRole } from './deployment-permissions';
import { DeploymentStage, DeploymentStageOptions } from './deployment-stage';
import { createStarter } from './deployment-starter';
import { validateStages, warnServerlessStages } from './deployment-validation';
import {
  DeploymentWorkflow, endpointArn, endpointConfigArns, modelArns, ResolvedStage, scalableTargetArns,
} from './deployment-workflow';
import { StageEndpoint } from './stage-endpoint';
import { flattenTarget, kindOf, needsCaptureBucket, StageResolver } from './stage-resolution';
import { validateTargets } from './target-validation';
import { TrafficShift } from './traffic-shift';
import { MlEndpointService, ISecureMlNetwork } from '../network';
import { acknowledge, acknowledgeArns } from '../private/acknowledgements';
import { allowAlarmsToPublish } from '../private/alarm-notifications';
import { ManagedPolicyRole } from '../private/managed-policy-role';
import { createSecureBucket, createSecureKey, createSecureLogGroup } from '../private/secure-defaults';
import { IModelRegistry } from '../registry';

/** Properties of an ApprovalDeployment. */
export interface ApprovalDeploymentProps {
  /** The registry whose approved versions are deployed. */
  readonly registry: IModelRegistry;
  /**
   * The stages, in order.
   * @default - `staging`, then a manual approval, then `production`
   */
  readonly stages?: DeploymentStageOptions[];
  /**
   * Network of the endpoints of this account's stages: models get its
   * workload subnets and security group, and the network is asked for the
   * SageMaker API and runtime endpoints. Stages in another account run in the
   * network of that account's `DeploymentTargetAccount`.
   * @default - endpoints of this account's stages outside any VPC of yours
   */
  readonly network?: ISecureMlNetwork;
  /**
   * Run model containers without network access (`EnableNetworkIsolation`).
   * Turn off only for containers that must call out at inference time; a
   * stage can override it (`DeploymentStageOptions.networkIsolation`).
   * @default true
   */
  readonly networkIsolation?: boolean;
  /**
   * Key of captured data, endpoint volumes, the topic and the logs.
   * @default - a new customer-managed key with rotation, retained
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Bucket that receives data capture, under `data-capture/<stage>/`.
   * @default - a new KMS-encrypted, versioned, access-logged bucket, retained
   */
  readonly dataCaptureBucket?: s3.IBucket;
  /**
   * The role SageMaker assumes to run the models. The construct grants it
   * read access to the registry's model sources
   * (`registry.grantReadModelArtifacts`); images in private ECR repositories
   * need `repository.grantPull(role)`.
   * @default - a new role with endpoint logs, data capture, registry read and read of the registry's model artifacts
   */
  readonly modelExecutionRole?: iam.IRole;
  /**
   * Topic that receives notifications and approval requests.
   * @default - a new KMS-encrypted topic
   */
  readonly notificationTopic?: sns.ITopic;
  /**
   * Delete old endpoint configs and models after a successful stage,
   * keeping the newest `keepVersions` of this deployment per stage (never the
   * live config nor the rollback target).
   * @default true
   */
  readonly pruneOldVersions?: boolean;
  /**
   * Endpoint configs (with their models) kept per stage when pruning (2 to 50).
   * @default 5
   */
  readonly keepVersions?: number;
  /**
   * Prefix of the names a `DeploymentTargetAccount` gives its roles, key
   * alias and bucket; stages with an `account` use them.
   * @default 'cdk-mlops'
   */
  readonly namePrefix?: string;
  /**
   * Upper bound of one deployment, approvals included.
   * @default Duration.days(14)
   */
  readonly deploymentTimeout?: Duration;
  /**
   * How often the workflow polls an endpoint that is being created, updated
   * or deleted, and a stage another execution holds (1 second to 1 hour).
   * Every poll writes execution history: one execution stops before it
   * could reach Step Functions' 25,000-event limit.
   * @default Duration.seconds(60)
   */
  readonly pollInterval?: Duration;
  /**
   * How long a stage waits for an endpoint that is busy (Creating,
   * Updating, SystemUpdating, RollingBack) before it acts on it, for a new
   * endpoint to come into service, and for a failed endpoint to be deleted
   * (1 minute to 1 day). An update waits for the stage's
   * `maximumExecutionTimeout` plus this.
   * @default Duration.hours(1)
   */
  readonly endpointWaitTimeout?: Duration;
  /**
   * Retention of the workflows' execution logs.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the key, bucket and log groups on stack delete.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Approving a model version in the registry deploys it: staging, a gate,
 * production, with SageMaker deployment guardrails and rollback. Each stage
 * hosts it as a real-time, serverless or asynchronous endpoint, or as the
 * model of scheduled and new-data batch transform runs (`target`).
 *
 * - An EventBridge rule on the registry's approval event starts a small
 *   EXPRESS state machine that starts the deployment workflow with an
 *   execution name derived from the version and the approval's time, so
 *   duplicate events (SageMaker may send several) start one deployment and
 *   approving a version again starts a new one.
 * - The STANDARD deployment workflow runs per stage: optional manual gate
 *   (task token on the SNS topic); the stage's lease (one execution per
 *   stage at a time, see `leaseTable`); a check that the version is still the
 *   newest approved one (an older run stops as superseded); model and
 *   endpoint config with generated names (volume KMS key unless the instance
 *   has local NVMe, data capture to a KMS bucket); the endpoint's status read
 *   first (busy: wait, bounded; Failed: delete and recreate where the stage
 *   allows it; OutOfService, Deleting, UpdateRollbackFailed: fail with what to
 *   do); create or blue/green update with canary/linear/all-at-once traffic
 *   shifting and auto-rollback on alarms the construct creates (autoscaled
 *   stages keep their instance count, and their scalable target is
 *   deregistered around an instance-type change); a check that the endpoint
 *   serves the new config (SageMaker can roll back and still report
 *   InService); an optional smoke test; autoscaling registered again; and
 *   notifications. Polls are bounded so an execution stays below Step
 *   Functions' 25,000-event history limit.
 * - Started with `{ "Action": "ROLLBACK", "StageName": "<stage>" }`, it puts
 *   the stage back on the config that was live before the last update.
 * - Started with `{ "Action": "DEPLOY", "ModelPackageArn", "ModelPackageVersion",
 *   "ModelPackageGroupName", "Explicit": true }`, it deploys that approved
 *   version even when a newer one is approved (a roll back to a version).
 *
 * See docs/deployment-lifecycle.md for each endpoint status and what the
 * workflow does in it.
 *
 * No Lambda function: every step is a Step Functions service integration.
 */
export class ApprovalDeployment extends ApprovalDeploymentBase {
  /** Refer to a deployment built elsewhere. */
  public static fromApprovalDeploymentAttributes(scope: Construct, id: string, attrs: ApprovalDeploymentAttributes): IApprovalDeployment {
    class Imported extends ApprovalDeploymentBase {
      public readonly stateMachine = sfn.StateMachine.fromStateMachineArn(this, 'StateMachine', attrs.stateMachineArn);
      public readonly stages = attrs.stages;
      public readonly encryptionKey = attrs.encryptionKey;
      public readonly notificationTopic = attrs.notificationTopic;
    }
    return new Imported(scope, id, { environmentFromArn: attrs.stateMachineArn });
  }

  /** The default stages: `staging`, then a manual approval, then `production`. */
  public static defaultStages(): DeploymentStageOptions[] {
    return [
      { stageName: 'staging' },
      { stageName: 'production', approvalRequired: true, trafficShift: TrafficShift.canary({ canaryPercent: 10 }), initialInstanceCount: 2 },
    ];
  }

  public readonly stateMachine: sfn.IStateMachine;
  public readonly stages: DeploymentStage[];
  public readonly encryptionKey: kms.IKey;
  public readonly notificationTopic: sns.ITopic;
  /** The data capture bucket (absent when no stage captures data). */
  public readonly dataCaptureBucket?: s3.IBucket;
  /** The role SageMaker runs the models with. */
  public readonly modelExecutionRole: iam.IRole;
  /** The EXPRESS state machine that turns approval events into one deployment per version. */
  public readonly starter: sfn.IStateMachine;
  /** The rule on the registry's approval events. */
  public readonly approvalRule: events.Rule;
  /**
   * One item per stage that names the execution deploying to it: a stage
   * takes it (conditional write) before touching its endpoint and releases
   * it when done; it expires when its execution stops running.
   */
  public readonly leaseTable: dynamodb.ITable;
  /** The name of the deployment state machine (its executions hold the leases). */
  private readonly stateMachineName: string;
  /** The rollback alarms, by stage name. */
  private readonly alarmsByStage: Record<string, cloudwatch.Alarm[]>;
  /** The additional rollback alarms of the stages in this account. */
  private readonly additionalAlarms: cloudwatch.IAlarm[];

  constructor(scope: Construct, id: string, props: ApprovalDeploymentProps) {
    super(scope, id);
    validateTargets(this, props.stages ?? []);
    const stageOptions = (props.stages ?? ApprovalDeployment.defaultStages()).map(flattenTarget);
    validateStages(this, stageOptions, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.encryptionKey = props.encryptionKey ?? createSecureKey(this, 'Key', {
      description: `cdk-mlops deployment ${this.node.path}: data capture, endpoint volumes, notifications, logs`,
      removalPolicy,
    });
    let topic = props.notificationTopic;
    if (!topic) {
      topic = new sns.Topic(this, 'Notifications', {
        masterKey: this.encryptionKey,
        enforceSSL: true,
        displayName: 'ML deployment notifications',
      });
      // The rollback alarms notify this topic.
      allowAlarmsToPublish(topic, this.encryptionKey);
    }
    this.notificationTopic = topic;
    const sameAccount = (s: DeploymentStageOptions) => s.account === undefined || s.account === Stack.of(this).account;
    const captures = stageOptions.some((s) => sameAccount(s) && needsCaptureBucket(s));
    this.dataCaptureBucket = captures
      ? props.dataCaptureBucket ?? createSecureBucket(this, 'DataCapture', { encryptionKey: this.encryptionKey, removalPolicy })
      : undefined;
    this.modelExecutionRole = props.modelExecutionRole ?? createModelExecutionRole(this, 'ModelExecutionRole', {
      registry: props.registry, dataCaptureBucket: this.dataCaptureBucket, encryptionKey: this.encryptionKey, network: props.network,
    });
    if (props.modelExecutionRole) {
      props.registry.grantReadModelArtifacts(props.modelExecutionRole);
    }
    const namePrefix = props.namePrefix ?? 'cdk-mlops';

    const prefix = Names.uniqueResourceName(this, { maxLength: 40, separator: '-' }).toLowerCase().replace(/[^a-z0-9-]/g, '');
    const resolver = new StageResolver({
      scope: this,
      prefix,
      topic,
      namePrefix,
      dataCaptureBucket: this.dataCaptureBucket,
      modelExecutionRole: this.modelExecutionRole,
      encryptionKey: this.encryptionKey,
    });
    const resolved = stageOptions.map((s, i) => resolver.resolve(s, i === stageOptions.length - 1));
    this.alarmsByStage = resolver.alarmsByStage;
    this.additionalAlarms = resolver.additionalAlarms;
    warnServerlessStages(this, stageOptions, props);

    if (props.network) {
      props.network.requireEndpoints(MlEndpointService.SAGEMAKER_API, MlEndpointService.SAGEMAKER_RUNTIME);
    }

    const stateMachineName = Names.uniqueResourceName(this, { maxLength: 80, separator: '-' });
    const leaseTable = new dynamodb.Table(this, 'Leases', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
    });
    acknowledge(leaseTable, 'deploymentLeaseTableBackup');
    this.leaseTable = leaseTable;
    const timeout = props.deploymentTimeout ?? Duration.days(14);
    const workflow = new DeploymentWorkflow(this, {
      stages: resolved,
      topic,
      deploymentId: prefix,
      networkIsolation: props.networkIsolation ?? true,
      subnetIds: props.network?.subnetIds,
      securityGroupIds: props.network ? [props.network.workloadSecurityGroup.securityGroupId] : undefined,
      pollInterval: props.pollInterval ?? Duration.seconds(60),
      endpointWaitTimeout: props.endpointWaitTimeout ?? Duration.hours(1),
      keepVersions: props.pruneOldVersions === false ? undefined : props.keepVersions ?? 5,
      leaseTable,
      modelPackageGroupArn: props.registry.modelPackageGroupArn,
      modelPackageArns: [props.registry.arnForModelPackage('*')],
      stateMachineName,
    }).render(timeout, 'cdk-mlops ApprovalDeployment: deploys approved model versions stage by stage');
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    const workflowRole = new ManagedPolicyRole(this, 'WorkflowRole', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: 'Runs the deployment workflow of a cdk-mlops ApprovalDeployment',
    });
    const machine = new sfn.StateMachine(this, 'Resource', {
      stateMachineName,
      role: workflowRole,
      definitionBody: sfn.DefinitionBody.fromString(Stack.of(this).toJsonString(workflow.definition)),
      stateMachineType: sfn.StateMachineType.STANDARD,
      tracingEnabled: true,
      logs: {
        destination: createSecureLogGroup(this, 'Logs', { encryptionKey: this.encryptionKey, retention: logRetention, removalPolicy }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
    });
    for (const statement of workflow.policyStatements) {
      workflowRole.addToPrincipalPolicy(statement);
    }
    this.stateMachine = machine;
    this.stateMachineName = stateMachineName;
    acknowledge(machine, 'deploymentStateMachineRoleDependency');
    this.grantWorkflow(workflowRole, props.registry, resolved);

    const runners = createBatchRunners(this, resolved, {
      deploymentId: prefix,
      leaseTable,
      topic,
      encryptionKey: this.encryptionKey,
      modelExecutionRole: this.modelExecutionRole,
      logRetention,
      removalPolicy,
    });
    this.stages = resolved.map((r) => {
      const kind = kindOf(stageOptions.find((o) => o.stageName === r.stageName)!);
      return DeploymentStage.fromStageAttributes({
        stageName: r.stageName,
        endpointName: r.endpointName,
        serverless: r.serverless,
        kind,
        transformStateMachine: runners[r.stageName]?.stateMachine,
        // A batch stage captures manifests of its input and output (DriftMonitor reads them with the input).
        dataCaptureBucket: r.captureUri ? resolver.captureBucketOf(r) : undefined,
        dataCapturePrefix: r.captureUri ? `data-capture/${r.stageName}/` : undefined,
        transformInputBucket: r.batch?.inputBucket,
        transformInputPrefix: r.batch?.inputPrefix,
        transformContentType: r.batch?.contentType,
        encryptionKey: r.account ? undefined : this.encryptionKey,
        account: r.account,
        // A handle (no CloudFormation resource): the workflow creates and updates the endpoint.
        endpoint: r.batch ? undefined : StageEndpoint.fromEndpointAttributes(this, `Endpoint-${r.stageName}`, {
          endpointName: r.endpointName, account: r.account, asynchronous: r.asyncInference !== undefined,
        }),
      });
    });

    const starter = createStarter(this, {
      machine, groupName: props.registry.modelPackageGroupName, encryptionKey: this.encryptionKey, retention: logRetention, removalPolicy,
    });
    this.starter = starter;
    this.approvalRule = props.registry.onModelApproved(`DeployOnApproval${Names.uniqueId(this)}`.slice(0, 64), {
      description: `Starts the deployment of approved versions of ${props.registry.modelPackageGroupName} (${this.node.path})`,
      target: new targets.SfnStateMachine(starter, {
        role: new ManagedPolicyRole(this, 'ApprovalEventRole', {
          assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
          description: 'Lets EventBridge start the deployment starter on approval events',
        }),
      }),
    });
  }

  /** The rollback alarms the construct created for a stage. */
  public rollbackAlarms(stageName: string): cloudwatch.IAlarm[] {
    this.stage(stageName);
    return [...(this.alarmsByStage[stageName] ?? [])];
  }

  private grantWorkflow(role: ManagedPolicyRole, registry: IModelRegistry, stages: ResolvedStage[]): void {
    registry.grantDeploy(role);
    const grant = (sid: string, actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions, resources, conditions }));
    grant('PassModelRole', ['iam:PassRole'], [this.modelExecutionRole.roleArn],
      { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
    grant('TagGeneratedResources', ['sagemaker:AddTags'], [...modelArns(), ...endpointConfigArns(), ...stages.filter((s) => !s.account).map((s) => endpointArn(s))]);
    grant('VolumeCaptureAndTopicKey', ['kms:CreateGrant', 'kms:DescribeKey', 'kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'], [this.encryptionKey.keyArn]);
    // SageMaker reads every rollback alarm of an update with the caller's
    // credentials: the construct's own and the stage's additional ones.
    const alarms = [...Object.values(this.alarmsByStage).flat(), ...this.additionalAlarms].map((a) => a.alarmArn);
    const targetTracking = `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:TargetTracking-endpoint/*`;
    const scalableTargets = `arn:${Aws.PARTITION}:application-autoscaling:${Aws.REGION}:${Aws.ACCOUNT_ID}:scalable-target/*`;
    if (alarms.length > 0) {
      grant('ReadRollbackAlarms', ['cloudwatch:DescribeAlarms'], alarms);
    }
    if (stages.some((s) => s.autoscaling && !s.serverless && !s.account)) {
      grant('AutoscalingTargets', ['application-autoscaling:RegisterScalableTarget', 'application-autoscaling:PutScalingPolicy'], [scalableTargets]);
      grant('AutoscalingOfEndpoints', ['sagemaker:DescribeEndpoint', 'sagemaker:UpdateEndpointWeightsAndCapacities'],
        stages.filter((s) => s.autoscaling && !s.account).map((s) => endpointArn(s)));
      grant('AutoscalingAlarms', ['cloudwatch:PutMetricAlarm', 'cloudwatch:DescribeAlarms', 'cloudwatch:DeleteAlarms'],
        [targetTracking]);
      grant('AutoscalingServiceLinkedRole', ['iam:CreateServiceLinkedRole'],
        [`arn:${Stack.of(this).partition}:iam::${Stack.of(this).account}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint`],
        { StringLike: { 'iam:AWSServiceName': 'sagemaker.application-autoscaling.amazonaws.com' } });
    }
    // Statements a cross-account stage's tasks add on the target's ARNs grant
    // nothing here (those tasks run as the target's deployer role).
    const targetAccounts = [...new Set(stages.map((s) => s.account).filter((a): a is string => a !== undefined))];
    acknowledgeArns(role, 'deploymentGeneratedNames', [
      ...modelArns(), ...endpointConfigArns(), targetTracking, scalableTargets,
      // The lease check asks about executions of this state machine; the newest-version check reads the group's versions.
      `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${this.stateMachineName}:*`, registry.arnForModelPackage('*'),
      ...targetAccounts.flatMap((a) => [...modelArns(a), ...endpointConfigArns(a), scalableTargetArns(a)]),
    ]);
    acknowledge(role, 'deploymentServiceWildcards');
  }
}

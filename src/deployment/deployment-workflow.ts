/**
 * Builds the deployment state machine's definition. Not exported from the
 * library: `ApprovalDeployment` is the public face.
 *
 * Data layout of an execution (JSONPath):
 * - input `{ Action: 'DEPLOY', ModelPackageArn, ModelPackageVersion, ModelPackageGroupName }`
 *   or `{ Action: 'ROLLBACK', StageName }`;
 * - `$.Context.ExecutionId`: the execution, hashed into generated names;
 * - `$.Stage`: the stage being worked on (overwritten stage by stage).
 */
import { Aws, Duration } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { findTargetNetwork, TARGET_NETWORK_PATH } from './target-network';
import { TrafficShift, TrafficShiftMode } from './traffic-shift';

/** Prefix of every model and endpoint config the workflow creates. */
export const NAME_PREFIX = 'mlops-';
/** The production variant of every endpoint. */
export const VARIANT_NAME = 'AllTraffic';
/** Tag holding the endpoint config that was live before the last update. */
export const PREVIOUS_CONFIG_TAG = 'cdk-mlops:previous-endpoint-config';
/** Value of the previous-config tag on an endpoint that was never updated. */
export const NO_PREVIOUS_CONFIG = 'none';
/** Error a reviewer gives to reject a gate. */
export const REJECTED_ERROR = 'Rejected';
/** Error when SageMaker rolled back an update and still reports InService. */
export const SILENT_ROLLBACK_ERROR = 'SilentRollback';
/** Error when the smoke test failed. */
export const SMOKE_TEST_ERROR = 'SmokeTestFailed';

/** A stage with every default applied. */
export interface ResolvedStage {
  readonly stageName: string;
  readonly endpointName: string;
  readonly serverless: boolean;
  readonly memorySizeMiB?: number;
  readonly maxConcurrency: number;
  readonly instanceType: string;
  readonly useVolumeKey: boolean;
  readonly initialInstanceCount: number;
  readonly captureUri?: string;
  readonly samplingPercent: number;
  readonly trafficShift: TrafficShift;
  readonly terminationWait: Duration;
  readonly maximumExecutionTimeout: Duration;
  readonly autoscaling?: { readonly min: number; readonly max: number; readonly target: number };
  readonly smokeTest?: { readonly payload: string; readonly contentType: string };
  readonly approvalRequired: boolean;
  readonly approvalTimeout: Duration;
  /** Run the model container without network access. */
  readonly networkIsolation: boolean;
  /** The target account when it is not the workflow's. */
  readonly account?: string;
  /** Prefix of the names shared with the target account (its network parameter), for a cross-account stage. */
  readonly crossAccountPrefix?: string;
  /** The role tasks of a cross-account stage assume. */
  readonly taskRole?: sfn.TaskRole;
  /** The role SageMaker runs the model with. */
  readonly modelRoleArn: string;
  /** The key (ARN or alias ARN) of volumes and captured data. */
  readonly keyArn: string;
  /** Names of the alarms that roll an update back. */
  readonly rollbackAlarmNames: string[];
}

/** What the workflow needs from the construct. */
export interface WorkflowContext {
  readonly stages: ResolvedStage[];
  readonly topic: sns.ITopic;
  readonly deploymentId: string;
  readonly securityGroupIds?: string[];
  readonly subnetIds?: string[];
  readonly pollInterval: Duration;
  /** Endpoint configs (and models) of this deployment kept per stage; undefined turns pruning off. */
  readonly keepVersions?: number;
}

/**
 * SageMaker models no throttling error: Step Functions' SDK integration
 * reports it, like every error the model does not list, as the SDK's base
 * exception `SageMaker.SageMakerException` (error names are
 * `<Prefix>.<Name>Exception`, prefixes as in "Supported AWS SDK service
 * integrations" of the Step Functions Developer Guide). The base exception
 * also carries validation errors, so the retry is bounded; backoff with full
 * jitter spreads the retries of concurrent executions.
 */
export const RETRY_SAGEMAKER: sfn.RetryProps = {
  errors: ['SageMaker.SageMakerException'],
  interval: Duration.seconds(2),
  maxAttempts: 5,
  backoffRate: 2,
  maxDelay: Duration.seconds(30),
  jitterStrategy: sfn.JitterType.FULL,
};

/**
 * Application Auto Scaling: throttling is unmodeled too (base exception);
 * concurrent updates and internal errors are modeled and retryable.
 */
export const RETRY_AUTOSCALING: sfn.RetryProps = {
  errors: [
    'ApplicationAutoScaling.ApplicationAutoScalingException',
    'ApplicationAutoScaling.ConcurrentUpdateException',
    'ApplicationAutoScaling.InternalServiceException',
  ],
  interval: Duration.seconds(2),
  maxAttempts: 5,
  backoffRate: 2,
  maxDelay: Duration.seconds(30),
  jitterStrategy: sfn.JitterType.FULL,
};

function arn(resource: string, account?: string): string {
  return `arn:${Aws.PARTITION}:sagemaker:${Aws.REGION}:${account ?? Aws.ACCOUNT_ID}:${resource}`;
}

/** IAM resources of generated models. */
export function modelArns(account?: string): string[] {
  return [arn(`model/${NAME_PREFIX}*`, account)];
}

/** IAM resources of generated endpoint configs. */
export function endpointConfigArns(account?: string): string[] {
  return [arn(`endpoint-config/${NAME_PREFIX}*`, account)];
}

/** IAM resource of Application Auto Scaling targets (ids are generated by the service). */
export function scalableTargetArns(account?: string): string {
  return `arn:${Aws.PARTITION}:application-autoscaling:${Aws.REGION}:${account ?? Aws.ACCOUNT_ID}:scalable-target/*`;
}

/** IAM resource of a stage's endpoint (SageMaker ARNs are lowercase). */
export function endpointArn(stage: ResolvedStage): string {
  return arn(`endpoint/${stage.endpointName.toLowerCase()}`, stage.account);
}

/**
 * Builds the definition; every state name starts with the stage it belongs to.
 */
export class DeploymentWorkflow {
  private readonly ctx: WorkflowContext;
  private readonly scope: Construct;

  constructor(scope: Construct, ctx: WorkflowContext) {
    this.scope = scope;
    this.ctx = ctx;
  }

  /** The whole definition. */
  public definition(): sfn.IChainable {
    const prepare = new sfn.Pass(this.scope, 'Prepare', {
      parameters: { 'ExecutionId.$': '$$.Execution.Id' },
      resultPath: '$.Context',
    });
    const choice = new sfn.Choice(this.scope, 'Deploy or roll back?');
    choice.when(sfn.Condition.and(sfn.Condition.isPresent('$.Action'), sfn.Condition.stringEquals('$.Action', 'ROLLBACK')), this.rollback());
    choice.otherwise(this.deploy());
    return prepare.next(choice);
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
    const failed = new sfn.Fail(s, 'Failed', { stateName: 'Deployment failed', errorPath: '$.Error.Error', causePath: '$.Error.Cause' });
    // Catch only what a nested state can raise: the gate's callback error when
    // a stage has a gate, the smoke test's Fail state when a stage has one.
    if (this.ctx.stages.some((st) => st.approvalRequired)) {
      body.addCatch(this.notify(s, 'NotifyRejected', 'Notify rejected', 'REJECTED', '$.Error').next(failed), {
        errors: [REJECTED_ERROR], resultPath: '$.Error',
      });
    }
    body.addCatch(this.notify(s, 'NotifyRolledBack', 'Notify rolled back', 'ROLLED_BACK', '$.Error').next(failed), {
      errors: this.ctx.stages.some((st) => st.smokeTest) ? [SILENT_ROLLBACK_ERROR, SMOKE_TEST_ERROR] : [SILENT_ROLLBACK_ERROR],
      resultPath: '$.Error',
    });
    body.addCatch(this.notify(s, 'NotifyFailed', 'Notify failed', 'FAILED', '$.Error').next(failed), {
      errors: ['States.ALL'], resultPath: '$.Error',
    });
    return this.notify(s, 'NotifyStarted', 'Notify started', 'STARTED')
      .next(body)
      .next(this.notify(s, 'NotifySucceeded', 'Notify succeeded', 'SUCCEEDED'))
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
    // a cross-account stage runs in the target account's network, whose ids are read at run time
    const findNetwork = stage.account && stage.taskRole
      ? findTargetNetwork(s, n('Find network'), stage.account, stage.crossAccountPrefix!, stage.taskRole)
      : undefined;
    const vpc = findNetwork
      ? { 'VpcConfig.$': `${TARGET_NETWORK_PATH}.VpcConfig` }
      : this.ctx.subnetIds && this.ctx.securityGroupIds && !stage.account
        ? { VpcConfig: { Subnets: this.ctx.subnetIds, SecurityGroupIds: this.ctx.securityGroupIds } }
        : {};
    const createModel = this.call(s, 'CreateModel', n('Create model'), 'createModel', {
      'ModelName.$': '$.Stage.ModelName',
      'ExecutionRoleArn': stage.modelRoleArn,
      'PrimaryContainer': { 'ModelPackageName.$': '$.ModelPackageArn' },
      'EnableNetworkIsolation': stage.networkIsolation,
      ...vpc,
      'Tags': tags,
    }, modelArns(stage.account), stage);
    const variant: Record<string, unknown> = {
      'VariantName': VARIANT_NAME,
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
    if (stage.captureUri) {
      configParams.DataCaptureConfig = {
        EnableCapture: true,
        InitialSamplingPercentage: stage.samplingPercent,
        DestinationS3Uri: stage.captureUri,
        KmsKeyId: stage.keyArn,
        CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
      };
    }
    const createConfig = this.call(s, 'CreateEndpointConfig', n('Create endpoint config'), 'createEndpointConfig', configParams, endpointConfigArns(stage.account), stage);

    const describe = this.call(s, 'FindEndpoint', n('Find endpoint'), 'describeEndpoint', { EndpointName: stage.endpointName }, [endpointArn(stage)], stage, {
      resultSelector: {
        'EndpointArn.$': '$.EndpointArn',
        'PreviousConfigName.$': '$.EndpointConfigName',
        'Status.$': '$.EndpointStatus',
      },
      resultPath: '$.Stage.Existing',
      // A missing endpoint is a ValidationException, reported as the same base
      // exception as throttling: retry briefly, then create.
      retry: { ...RETRY_SAGEMAKER, maxAttempts: 2 },
    });
    const create = this.call(s, 'CreateEndpoint', n('Create endpoint'), 'createEndpoint', {
      'EndpointName': stage.endpointName,
      'EndpointConfigName.$': '$.Stage.EndpointConfigName',
      // The tag exists from the start so a rollback's tag lookup always finds it.
      'Tags': [...tags, { Key: PREVIOUS_CONFIG_TAG, Value: NO_PREVIOUS_CONFIG }],
    }, [endpointArn(stage), ...endpointConfigArns(stage.account)], stage);
    // Not found (SageMaker answers ValidationException): create. Anything
    // else that really went wrong makes CreateEndpoint fail loudly.
    describe.addCatch(create, { errors: ['States.TaskFailed'], resultPath: sfn.JsonPath.DISCARD });

    const verified = new sfn.Pass(s, 'Verified', { stateName: n('Live config verified'), resultPath: sfn.JsonPath.DISCARD });
    const waitAndVerify = this.waitAndVerify(s, stage, n, 'Deploy', verified);
    create.next(waitAndVerify);
    describe.next(this.update(s, stage, n, 'Deploy', stage.trafficShift)).next(waitAndVerify);

    let after: sfn.Chain = sfn.Chain.start(verified);
    if (stage.autoscaling && !stage.serverless) {
      after = after.next(this.autoscaling(s, stage, n));
    }
    if (stage.smokeTest) {
      after = after.next(this.smokeTest(s, stage, n));
    }
    const last = this.notify(s, 'NotifyStage', n('Notify stage deployed'), 'STAGE_DEPLOYED', undefined, stage.stageName);
    if (this.ctx.keepVersions !== undefined) {
      after = after.next(this.prune(s, stage, n, this.ctx.keepVersions, last));
    } else {
      after.next(last);
    }

    const first: sfn.State = stage.approvalRequired ? this.gate(s, stage, n) : names;
    if (first !== names) {
      (first as tasks.SnsPublish).next(names);
    }
    (findNetwork ? names.next(findNetwork).next(createModel) : names.next(createModel)).next(createConfig).next(describe);
    return sfn.Chain.custom(first, [last], last);
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

  private update(s: Construct, stage: ResolvedStage, n: (l: string) => string, kind: string, shift: TrafficShift): sfn.Chain {
    const tag = this.call(s, `${kind}RecordPrevious`, n(`${kind}: record previous config`), 'addTags', {
      'ResourceArn.$': '$.Stage.Existing.EndpointArn',
      'Tags': [{ 'Key': PREVIOUS_CONFIG_TAG, 'Value.$': '$.Stage.Existing.PreviousConfigName' }],
    }, [endpointArn(stage)], stage, { resultPath: sfn.JsonPath.DISCARD });
    const routing: Record<string, unknown> = {
      Type: shift.mode,
      WaitIntervalInSeconds: shift.waitInterval.toSeconds(),
    };
    if (shift.mode === TrafficShiftMode.CANARY) {
      routing.CanarySize = { Type: 'CAPACITY_PERCENT', Value: shift.sizePercent };
    } else if (shift.mode === TrafficShiftMode.LINEAR) {
      routing.LinearStepSize = { Type: 'CAPACITY_PERCENT', Value: shift.sizePercent };
    }
    const update = this.call(s, `${kind}Update`, n(`${kind}: update endpoint`), 'updateEndpoint', {
      'EndpointName': stage.endpointName,
      'EndpointConfigName.$': '$.Stage.EndpointConfigName',
      'DeploymentConfig': {
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: routing,
          TerminationWaitInSeconds: stage.terminationWait.toSeconds(),
          MaximumExecutionTimeoutInSeconds: stage.maximumExecutionTimeout.toSeconds(),
        },
        AutoRollbackConfiguration: {
          Alarms: stage.rollbackAlarmNames.map((name) => ({ AlarmName: name })),
        },
      },
    }, [endpointArn(stage), ...endpointConfigArns(stage.account)], stage);
    return sfn.Chain.start(tag).next(update);
  }

  private waitAndVerify(s: Construct, stage: ResolvedStage, n: (l: string) => string, kind: string, onVerified: sfn.IChainable): sfn.State {
    const wait = new sfn.Wait(s, `${kind}Wait`, { stateName: n(`${kind}: wait for endpoint`), time: sfn.WaitTime.duration(this.ctx.pollInterval) });
    const poll = this.call(s, `${kind}Poll`, n(`${kind}: describe endpoint`), 'describeEndpoint', { EndpointName: stage.endpointName }, [endpointArn(stage)], stage, {
      resultSelector: {
        'Status.$': '$.EndpointStatus',
        'EndpointConfigName.$': '$.EndpointConfigName',
      },
      resultPath: '$.Stage.Live',
    });
    const status = new sfn.Choice(s, `${kind}Status`, { stateName: n(`${kind}: endpoint status?`) });
    const failed = new sfn.Fail(s, `${kind}EndpointFailed`, {
      stateName: n(`${kind}: endpoint failed`),
      error: 'EndpointFailed',
      cause: `SageMaker reports endpoint ${stage.endpointName} as Failed; see its FailureReason.`,
    });
    const live = new sfn.Choice(s, `${kind}Live`, { stateName: n(`${kind}: serving the new config?`) });
    const rolledBack = new sfn.Fail(s, `${kind}SilentRollback`, {
      stateName: n(`${kind}: rolled back by SageMaker`),
      error: SILENT_ROLLBACK_ERROR,
      cause: `Endpoint ${stage.endpointName} is InService but serves another endpoint config: SageMaker rolled the update back (a rollback alarm fired or the new fleet failed).`,
    });
    wait.next(poll).next(status);
    status.when(sfn.Condition.stringEquals('$.Stage.Live.Status', 'InService'), live);
    status.when(sfn.Condition.stringEquals('$.Stage.Live.Status', 'Failed'), failed);
    status.otherwise(wait);
    live.when(sfn.Condition.stringEqualsJsonPath('$.Stage.Live.EndpointConfigName', '$.Stage.EndpointConfigName'), onVerified);
    live.otherwise(rolledBack);
    return wait;
  }

  private autoscaling(s: Construct, stage: ResolvedStage, n: (l: string) => string): sfn.Chain {
    const resourceId = `endpoint/${stage.endpointName}/variant/${VARIANT_NAME}`;
    const dimension = 'sagemaker:variant:DesiredInstanceCount';
    const register = new tasks.CallAwsService(s, 'RegisterScalableTarget', {
      stateName: n('Register autoscaling'),
      service: 'applicationautoscaling',
      action: 'registerScalableTarget',
      iamAction: 'application-autoscaling:RegisterScalableTarget',
      iamResources: [scalableTargetArns(stage.account)],
      credentials: stage.taskRole ? { role: stage.taskRole } : undefined,
      parameters: {
        ServiceNamespace: 'sagemaker',
        ResourceId: resourceId,
        ScalableDimension: dimension,
        MinCapacity: stage.autoscaling!.min,
        MaxCapacity: stage.autoscaling!.max,
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    register.addRetry(RETRY_AUTOSCALING);
    const policy = new tasks.CallAwsService(s, 'PutScalingPolicy', {
      stateName: n('Put scaling policy'),
      service: 'applicationautoscaling',
      action: 'putScalingPolicy',
      iamAction: 'application-autoscaling:PutScalingPolicy',
      iamResources: [scalableTargetArns(stage.account)],
      credentials: stage.taskRole ? { role: stage.taskRole } : undefined,
      parameters: {
        PolicyName: `${stage.endpointName}-invocations`,
        ServiceNamespace: 'sagemaker',
        ResourceId: resourceId,
        ScalableDimension: dimension,
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: stage.autoscaling!.target,
          PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
          ScaleInCooldown: 300,
          ScaleOutCooldown: 60,
        },
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    policy.addRetry(RETRY_AUTOSCALING);
    return sfn.Chain.start(register).next(policy);
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
    const restore = this.call(s, 'Restore', n('Restore previous config'), 'updateEndpoint', {
      'EndpointName': stage.endpointName,
      'EndpointConfigName.$': '$.Stage.Existing.PreviousConfigName',
    }, [endpointArn(stage), ...endpointConfigArns(stage.account)], stage, { resultPath: sfn.JsonPath.DISCARD });
    hadPrevious.when(sfn.Condition.isPresent('$.Stage.Existing.PreviousConfigName'), restore.next(failed));
    hadPrevious.otherwise(failed);
    invoke.addCatch(hadPrevious, { errors: ['States.ALL'], resultPath: '$.Stage.SmokeTestError' });
    return sfn.Chain.start(invoke);
  }

  /**
   * Delete this deployment's endpoint configs and models of the stage beyond
   * the newest `keep`, never the live one nor the rollback target, never one
   * tagged by another deployment. Best effort: errors never fail the stage.
   */
  private prune(s: Construct, stage: ResolvedStage, n: (l: string) => string, keep: number, then: sfn.INextable & sfn.IChainable): sfn.IChainable {
    const list = this.call(s, 'PruneList', n('Prune: list configs'), 'listEndpointConfigs', {
      NameContains: `${NAME_PREFIX}${stage.stageName}-v`, SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 100,
    }, ['*'], stage, { resultSelector: { 'Configs.$': '$.EndpointConfigs' }, resultPath: '$.Stage.Prune' });
    const protect = new sfn.Choice(s, 'PruneProtect', { stateName: n('Prune: rollback target?') });
    const withPrevious = new sfn.Pass(s, 'PruneKeepPrevious', {
      stateName: n('Prune: keep rollback target'), parameters: { 'Name.$': '$.Stage.Existing.PreviousConfigName' }, resultPath: '$.Stage.Protect',
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
    const tags = this.call(s, 'PruneTags', n('Prune: whose config?'), 'listTags', { 'ResourceArn.$': '$.Arn' }, endpointConfigArns(stage.account), stage, {
      resultSelector: { 'Deployment.$': '$.Tags[?(@.Key == \'cdk-mlops:deployment\')].Value' },
      resultPath: '$.Tags',
    });
    const ours = new sfn.Choice(s, 'PruneOurs', { stateName: n('Prune: created by this deployment?') });
    const deleteConfig = this.call(s, 'PruneDeleteConfig', n('Prune: delete config'), 'deleteEndpointConfig', { 'EndpointConfigName.$': '$.Name' },
      endpointConfigArns(stage.account), stage);
    const deleteModel = this.call(s, 'PruneDeleteModel', n('Prune: delete model'), 'deleteModel', { 'ModelName.$': '$.Name' }, modelArns(stage.account), stage);
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
      sfn.Condition.stringEquals('$.Tags.Deployment[0]', this.ctx.deploymentId),
    ), deleteConfig.next(deleteModel));
    ours.otherwise(skip);
    map.itemProcessor(old);
    const done = new sfn.Pass(s, 'PruneDone', { stateName: n('Prune: done'), resultPath: sfn.JsonPath.DISCARD });
    list.addCatch(done, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
    map.addCatch(done, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
    list.next(protect);
    protect.when(sfn.Condition.isPresent('$.Stage.Existing.PreviousConfigName'), withPrevious.next(map));
    protect.otherwise(withoutPrevious.next(map));
    map.next(done);
    done.next(then);
    return sfn.Chain.custom(list, [then], then);
  }

  private rollback(): sfn.IChainable {
    const s = new Construct(this.scope, 'Rollback');
    const which = new sfn.Choice(s, 'Which', { stateName: 'Roll back which stage?' });
    const unknown = new sfn.Fail(s, 'UnknownStage', {
      stateName: 'Unknown stage',
      error: 'UnknownStage',
      cause: `StageName must be one of: ${this.ctx.stages.map((st) => st.stageName).join(', ')}`,
    });
    const done = this.notify(s, 'NotifyRolledBack', 'Notify rolled back on request', 'ROLLED_BACK')
      .next(new sfn.Succeed(s, 'RolledBack', { stateName: 'Rolled back' }));
    for (const stage of this.ctx.stages) {
      const st = new Construct(s, stage.stageName);
      const n = (label: string) => `${stage.stageName}: rollback: ${label}`;
      const describe = this.call(st, 'Describe', n('describe endpoint'), 'describeEndpoint', { EndpointName: stage.endpointName }, [endpointArn(stage)], stage, {
        resultSelector: { 'EndpointArn.$': '$.EndpointArn', 'PreviousConfigName.$': '$.EndpointConfigName' },
        resultPath: '$.Stage.Existing',
      });
      const tags = this.call(st, 'ListTags', n('read previous config'), 'listTags', { 'ResourceArn.$': '$.Stage.Existing.EndpointArn' }, [endpointArn(stage)], stage, {
        resultSelector: { ['Previous.$']: `$.Tags[?(@.Key == '${PREVIOUS_CONFIG_TAG}')].Value` },
        resultPath: '$.Stage.Tags',
      });
      const none = new sfn.Fail(st, 'NoPrevious', {
        stateName: n('nothing to roll back to'),
        error: 'NoPreviousVersion',
        cause: `Endpoint ${stage.endpointName} has no ${PREVIOUS_CONFIG_TAG} tag: it was never updated by this workflow.`,
      });
      const target = new sfn.Pass(st, 'Target', {
        stateName: n('choose previous config'),
        parameters: { 'EndpointConfigName.$': 'States.ArrayGetItem($.Stage.Tags.Previous, 0)' },
        resultPath: '$.Target',
      });
      const setTarget = new sfn.Pass(st, 'SetTarget', {
        stateName: n('set target'),
        parameters: {
          'EndpointConfigName.$': '$.Target.EndpointConfigName',
          'Existing.$': '$.Stage.Existing',
        },
        resultPath: '$.Stage',
      });
      const has = new sfn.Choice(st, 'HasPrevious', { stateName: n('previous config known?') });
      const verify = this.waitAndVerify(st, stage, (l) => `${stage.stageName}: ${l}`, 'Rollback', done);
      has.when(sfn.Condition.and(
        sfn.Condition.isPresent('$.Stage.Tags.Previous[0]'),
        sfn.Condition.not(sfn.Condition.stringEquals('$.Stage.Tags.Previous[0]', NO_PREVIOUS_CONFIG))),
      target.next(setTarget).next(this.update(st, stage, (l) => `${stage.stageName}: ${l}`, 'Rollback', TrafficShift.allAtOnce({ waitInterval: Duration.seconds(0) }))).next(verify));
      has.otherwise(none);
      which.when(sfn.Condition.and(sfn.Condition.isPresent('$.StageName'), sfn.Condition.stringEquals('$.StageName', stage.stageName)),
        describe.next(tags).next(has));
    }
    which.otherwise(unknown);
    return which;
  }

  private notify(s: Construct, id: string, stateName: string, event: string, errorPath?: string, stageName?: string): tasks.SnsPublish {
    const message: Record<string, unknown> = {
      event,
      execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
      input: sfn.JsonPath.objectAt('$$.Execution.Input'),
    };
    if (stageName) {
      message.stage = stageName;
    }
    if (errorPath) {
      message.error = sfn.JsonPath.objectAt(errorPath);
    }
    return new tasks.SnsPublish(s, id, {
      stateName,
      topic: this.ctx.topic,
      subject: `ML deployment ${event.toLowerCase().replace(/_/g, ' ')}`,
      message: sfn.TaskInput.fromObject(message),
      resultPath: sfn.JsonPath.DISCARD,
    });
  }

  private call(s: Construct, id: string, stateName: string, action: string, parameters: Record<string, unknown>,
    iamResources: string[], stage: ResolvedStage,
    options: { resultSelector?: Record<string, unknown>; resultPath?: string; retry?: sfn.RetryProps } = {}): tasks.CallAwsService {
    const task = new tasks.CallAwsService(s, id, {
      stateName,
      service: 'sagemaker',
      action,
      iamAction: `sagemaker:${action.charAt(0).toUpperCase()}${action.slice(1)}`,
      iamResources,
      credentials: stage.taskRole ? { role: stage.taskRole } : undefined,
      parameters,
      resultSelector: options.resultSelector,
      resultPath: options.resultPath ?? sfn.JsonPath.DISCARD,
    });
    task.addRetry(options.retry ?? RETRY_SAGEMAKER);
    return task;
  }
}

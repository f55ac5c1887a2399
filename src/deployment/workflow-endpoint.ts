/**
 * The endpoint state machine of a stage: read the status first, then act on
 * it (DescribeEndpoint `EndpointStatus`, SageMaker API Reference):
 *
 * | status | what the workflow does |
 * |---|---|
 * | (no endpoint) | create it |
 * | InService | update it (blue/green with the stage's guardrails) |
 * | Creating, Updating, SystemUpdating, RollingBack | wait (bounded), then read again |
 * | Failed | delete and create again when the stage allows it, else fail with what to do |
 * | OutOfService, Deleting, UpdateRollbackFailed | fail at once with what to do |
 *
 * After a create or an update it polls (Wait + DescribeEndpoint, bounded by
 * a loop counter and the execution's history event budget) until the
 * endpoint is InService, and checks that it serves the new endpoint config:
 * SageMaker can roll an update back and still report InService.
 *
 * Autoscaled stages: Application Auto Scaling rejects an update that changes
 * the instance type of a scalable target ("Update endpoints that use auto
 * scaling", SageMaker Developer Guide), so the target is deregistered first
 * when the live config's instance type differs from the new one, and
 * registered again once the endpoint is InService (also after a failed
 * update, best effort). Updates of autoscaled stages set
 * `RetainAllVariantProperties`, so the new fleet starts at the current
 * (autoscaled) instance count instead of `InitialInstanceCount`.
 */
import { Aws, Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { TrafficShift, TrafficShiftMode } from './traffic-shift';
import { retainsInstanceCount, scaleOutFromZero, scalingPolicyName, targetTracking } from './workflow-async';
import {
  BUSY_STATUSES, NO_PREVIOUS_CONFIG, Namer, PREVIOUS_CONFIG_TAG, ResolvedStage, RETRY_POLL, RETRY_SAGEMAKER, SILENT_ROLLBACK_ERROR, VARIANT_NAME,
  WorkflowTasks, endpointArn, endpointConfigArns, oneOf, pollsFor, targetNetworkParameterName,
} from './workflow-common';
import { rolledBackEvent, ROLLBACK_REASON } from './workflow-events';
import { LeaseStates } from './workflow-lease';

/** Errors of an endpoint in a status the workflow cannot act on. */
export const ENDPOINT_ERRORS = {
  failed: 'EndpointFailed',
  outOfService: 'EndpointOutOfService',
  deleting: 'EndpointDeleting',
  updateRollbackFailed: 'EndpointUpdateRollbackFailed',
  unknown: 'EndpointStatusUnknown',
  busy: 'EndpointBusy',
  timeout: 'EndpointTimeout',
  notServerless: 'EndpointNotServerless',
  missing: 'EndpointMissing',
};

/** How long a stage's loops may wait, by what they wait for. */
export interface StageBounds {
  /** A busy endpoint, a new endpoint, a deletion. */
  readonly endpoint: Duration;
  /** A create or a blue/green update to reach InService. */
  readonly update: Duration;
}

/** Bounds of a stage's waits. */
export function stageBounds(stage: ResolvedStage, endpointWaitTimeout: Duration): StageBounds {
  return {
    endpoint: endpointWaitTimeout,
    update: Duration.seconds(stage.maximumExecutionTimeout.toSeconds() + endpointWaitTimeout.toSeconds()),
  };
}

/** How long one execution can hold a stage's lease: wait for a busy endpoint, delete it, create or update it. */
export function holdBound(stage: ResolvedStage, endpointWaitTimeout: Duration): Duration {
  const b = stageBounds(stage, endpointWaitTimeout);
  return Duration.seconds(b.update.toSeconds() + 2 * b.endpoint.toSeconds() + 600);
}

/** Where the workflow keeps a target account's VPC config during a stage. */
export const TARGET_NETWORK_PATH = '$.Stage.Network';

/** Where a stage's model runs: the CreateModel members, and the state that finds the network first, if any. */
export interface ModelNetwork {
  /** `EnableNetworkIsolation` and `VpcConfig` (or `VpcConfig.$`) of the CreateModel request. */
  readonly parameters: Record<string, unknown>;
  /** Reads a target account's VPC config into `$.Stage.Network.VpcConfig`, before CreateModel. */
  readonly find?: tasks.CallAwsService;
}

/** Endpoint states of a stage. */
export class EndpointStates {
  private readonly fails = new Map<string, Record<string, sfn.Fail>>();

  constructor(private readonly t: WorkflowTasks, private readonly lease: LeaseStates) {}

  /**
   * The network a stage's model runs in. A stage of this account runs in the
   * deployment's network. A cross-account stage runs in the target account's
   * network: ids of another account's resources cannot be referenced at
   * synth, so the `DeploymentTargetAccount` publishes its VPC config in an SSM
   * parameter whose name both sides derive, and the workflow reads it with
   * the target's deployer role ("Find network"). Serverless endpoints support
   * neither VPC config nor network isolation (Serverless Inference "Feature
   * exclusions").
   */
  public network(s: Construct, stage: ResolvedStage, n: Namer): ModelNetwork {
    if (stage.serverless) {
      return { parameters: {} };
    }
    const isolation = { EnableNetworkIsolation: stage.networkIsolation ?? this.t.ctx.networkIsolation };
    if (stage.account && stage.taskRole) {
      const name = targetNetworkParameterName(stage.namePrefix!);
      const find = this.t.call(s, 'FindNetwork', n('Find network'), 'getParameter', { Name: name },
        [`arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${stage.account}:parameter${name}`], stage, {
          service: 'ssm',
          iamPrefix: 'ssm',
          resultSelector: { 'VpcConfig.$': 'States.StringToJson($.Parameter.Value)' },
          resultPath: TARGET_NETWORK_PATH,
        });
      return { parameters: { ...isolation, 'VpcConfig.$': `${TARGET_NETWORK_PATH}.VpcConfig` }, find };
    }
    const { subnetIds, securityGroupIds } = this.t.ctx;
    const inNetwork = subnetIds && securityGroupIds && !stage.account;
    return { parameters: { ...isolation, ...(inNetwork ? { VpcConfig: { Subnets: subnetIds, SecurityGroupIds: securityGroupIds } } : {}) } };
  }

  /**
   * Deploy `$.Stage.EndpointConfigName` to the stage's endpoint, whatever its
   * status, and continue with `verified` once it serves that config.
   */
  public deploy(s: Construct, stage: ResolvedStage, n: Namer, verified: sfn.IChainable): sfn.State {
    const bounds = stageBounds(stage, this.t.ctx.endpointWaitTimeout);
    const f = this.terminal(s, stage, n);
    const reset = this.t.resetLoop(s, 'FindStart', n('read endpoint status'));
    const find = this.describe(s, 'Find', n('describe endpoint'), stage, '$.Stage.Existing', { ...RETRY_SAGEMAKER, maxAttempts: 2 });
    const create = this.t.call(s, 'CreateEndpoint', n('create endpoint'), 'createEndpoint', {
      'EndpointName': stage.endpointName,
      'EndpointConfigName.$': '$.Stage.EndpointConfigName',
      // The tag exists from the start so a rollback's tag lookup always finds it.
      'Tags': [...this.tags(stage), { Key: PREVIOUS_CONFIG_TAG, Value: NO_PREVIOUS_CONFIG }],
    }, [endpointArn(stage), ...endpointConfigArns(stage.account)], stage);
    // No endpoint (SageMaker answers ValidationException, the base exception): create.
    // Anything else that really went wrong makes CreateEndpoint fail loudly.
    find.addCatch(create, { errors: ['SageMaker.SageMakerException'], resultPath: sfn.JsonPath.DISCARD });
    const status = new sfn.Choice(s, 'Status', { stateName: n('current endpoint status?') });
    const wait = new sfn.Wait(s, 'FindWait', { stateName: n('wait for busy endpoint'), time: sfn.WaitTime.duration(this.t.ctx.pollInterval) });
    const count = this.t.countLoop(s, 'FindCount', n('count busy polls'), [find, status, wait]);
    const waitLoop = this.waitAndVerify(s, stage, n, 'Deploy', verified, bounds.update);
    const live = '$.Stage.Existing.ProductionVariants[0]';

    if (stage.serverless) {
      // SageMaker turns a serverless endpoint into a real-time one, never the reverse.
      status.when(sfn.Condition.and(
        sfn.Condition.stringEquals('$.Stage.Existing.EndpointStatus', 'InService'),
        sfn.Condition.isPresent(`${live}.VariantName`),
        sfn.Condition.not(sfn.Condition.isPresent(`${live}.CurrentServerlessConfig`)),
      ), f.notServerless);
    }
    status.when(sfn.Condition.stringEquals('$.Stage.Existing.EndpointStatus', 'InService'),
      this.update(s, stage, n, 'Deploy', stage.trafficShift, false).next(waitLoop));
    this.routeBusy(status, '$.Stage.Existing.EndpointStatus', pollsFor(bounds.endpoint, this.t.ctx.pollInterval), count.next(wait).next(find),
      this.lease.budgetFail(s, n, 'busy endpoint'), f.busy);
    if (stage.recreateFailedEndpoint) {
      status.when(sfn.Condition.stringEquals('$.Stage.Existing.EndpointStatus', 'Failed'), this.recreate(s, stage, n, create, bounds.endpoint));
    }
    this.routeTerminal(status, '$.Stage.Existing.EndpointStatus', f, stage.recreateFailedEndpoint);
    reset.next(find).next(status);
    create.next(waitLoop);
    return reset;
  }

  /**
   * Blue/green update to `$.Stage.EndpointConfigName` of an InService endpoint
   * described at `$.Stage.Existing`, recording the live config for rollbacks.
   */
  public update(s: Construct, stage: ResolvedStage, n: Namer, kind: string, shift: TrafficShift, targetFromConfig: boolean): sfn.Chain {
    const tag = this.t.call(s, `${kind}RecordPrevious`, n('record previous config'), 'addTags', {
      'ResourceArn.$': '$.Stage.Existing.EndpointArn',
      'Tags': [{ 'Key': PREVIOUS_CONFIG_TAG, 'Value.$': '$.Stage.Existing.EndpointConfigName' }],
    }, [endpointArn(stage)], stage);
    const routing: Record<string, unknown> = {
      Type: shift.mode,
      WaitIntervalInSeconds: shift.waitInterval.toSeconds(),
    };
    if (shift.mode === TrafficShiftMode.CANARY) {
      routing.CanarySize = { Type: 'CAPACITY_PERCENT', Value: shift.sizePercent };
    } else if (shift.mode === TrafficShiftMode.LINEAR) {
      routing.LinearStepSize = { Type: 'CAPACITY_PERCENT', Value: shift.sizePercent };
    }
    const params: Record<string, unknown> = {
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
    };
    if (this.autoscaled(stage) && retainsInstanceCount(stage)) {
      // Keep the variant's current (autoscaled) instance count and weight on the new fleet.
      params.RetainAllVariantProperties = true;
    }
    const update = this.t.call(s, `${kind}Update`, n('update endpoint'), 'updateEndpoint', params,
      [endpointArn(stage), ...endpointConfigArns(stage.account)], stage);
    tag.next(update);
    if (!this.autoscaled(stage)) {
      return sfn.Chain.custom(tag, [update], update);
    }
    const deregister = this.t.autoscaling(s, `${kind}Deregister`, n('deregister autoscaling'), 'deregisterScalableTarget',
      this.scalableTarget(stage), stage);
    // Not registered (a new endpoint, or deregistered by hand): nothing to do.
    deregister.addCatch(tag, { errors: ['ApplicationAutoScaling.ObjectNotFoundException'], resultPath: sfn.JsonPath.DISCARD });
    deregister.next(tag);
    const readConfig = (id: string, label: string, configPath: string, resultPath: string) => {
      const read = this.t.call(s, id, n(label), 'describeEndpointConfig', { 'EndpointConfigName.$': configPath },
        endpointConfigArns(stage.account), stage, { resultSelector: { 'Variants.$': '$.ProductionVariants' }, resultPath });
      // A config the workflow may not read (not created by it): assume the type changes.
      read.addCatch(deregister, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
      return read;
    };
    const readLive = readConfig(`${kind}LiveConfig`, `${kind}: read live config`, '$.Stage.Existing.EndpointConfigName', '$.Stage.LiveConfig');
    const liveType = '$.Stage.LiveConfig.Variants[0].InstanceType';
    const typeChanged = new sfn.Choice(s, `${kind}TypeChanged`, { stateName: n('instance type changes?') });
    let first: sfn.State = readLive;
    let differs: sfn.Condition;
    if (targetFromConfig) {
      // A rollback: the target is an existing config, read its type.
      const readTarget = readConfig(`${kind}TargetConfig`, `${kind}: read target config`, '$.Stage.EndpointConfigName', '$.Stage.TargetConfig');
      readTarget.next(readLive);
      first = readTarget;
      const targetType = '$.Stage.TargetConfig.Variants[0].InstanceType';
      differs = sfn.Condition.or(
        sfn.Condition.not(sfn.Condition.isPresent(liveType)),
        sfn.Condition.not(sfn.Condition.isPresent(targetType)),
        sfn.Condition.not(sfn.Condition.stringEqualsJsonPath(liveType, targetType)));
    } else {
      differs = sfn.Condition.or(
        sfn.Condition.not(sfn.Condition.isPresent(liveType)),
        sfn.Condition.not(sfn.Condition.stringEquals(liveType, stage.instanceType)));
    }
    readLive.next(typeChanged);
    typeChanged.when(differs, deregister);
    typeChanged.otherwise(tag);
    return sfn.Chain.custom(first, [update], update);
  }

  /**
   * Poll (bounded) until the endpoint leaves its transitional statuses, then
   * check it serves `$.Stage.EndpointConfigName` and continue with `onVerified`.
   */
  public waitAndVerify(s: Construct, stage: ResolvedStage, n: Namer, kind: string, onVerified: sfn.IChainable, bound: Duration): sfn.State {
    const f = this.terminal(s, stage, n);
    const reset = this.t.resetLoop(s, `${kind}WaitStart`, n('start waiting'));
    const wait = new sfn.Wait(s, `${kind}Wait`, { stateName: n('wait for endpoint'), time: sfn.WaitTime.duration(this.t.ctx.pollInterval) });
    const poll = this.describe(s, `${kind}Poll`, n('poll endpoint'), stage, '$.Stage.Live', RETRY_POLL);
    const status = new sfn.Choice(s, `${kind}Status`, { stateName: n('endpoint status after change?') });
    const count = this.t.countLoop(s, `${kind}Count`, n('count polls'), [wait, poll, status]);
    const live = new sfn.Choice(s, `${kind}Live`, { stateName: n('serving the new config?') });
    const rolledBack = new sfn.Fail(s, `${kind}SilentRollback`, {
      stateName: n('rolled back by SageMaker'),
      error: SILENT_ROLLBACK_ERROR,
      cause: `Endpoint ${stage.endpointName} is InService but serves another endpoint config: SageMaker rolled the update back (a rollback alarm fired or the new fleet failed).`,
    });
    const timeout = new sfn.Fail(s, `${kind}Timeout`, {
      stateName: n('endpoint not ready in time'),
      error: ENDPOINT_ERRORS.timeout,
      cause: `Endpoint ${stage.endpointName} was still being created or updated after ${bound.toHumanString()}. SageMaker may still finish: `
        + `check aws sagemaker describe-endpoint --endpoint-name ${stage.endpointName}, then run the deployment again.`,
    });
    const failedDuring = new sfn.Fail(s, `${kind}Failed`, {
      stateName: n('endpoint failed'),
      error: ENDPOINT_ERRORS.failed,
      cause: `SageMaker reports endpoint ${stage.endpointName} as Failed after this deployment created or updated it; see its FailureReason `
        + `(aws sagemaker describe-endpoint --endpoint-name ${stage.endpointName}). `
        + (stage.recreateFailedEndpoint ? 'The next deployment deletes and recreates it.' : `Delete it (aws sagemaker delete-endpoint --endpoint-name ${stage.endpointName}) before the next deployment, or set recreateFailedEndpoint on stage ${stage.stageName}.`),
    });
    reset.next(wait).next(poll).next(status);
    status.when(sfn.Condition.stringEquals('$.Stage.Live.EndpointStatus', 'InService'), live);
    this.routeBusy(status, '$.Stage.Live.EndpointStatus', pollsFor(bound, this.t.ctx.pollInterval), count.next(wait),
      this.lease.budgetFail(s, n, 'endpoint wait'), timeout);
    status.when(sfn.Condition.stringEquals('$.Stage.Live.EndpointStatus', 'Failed'), failedDuring);
    this.routeTerminal(status, '$.Stage.Live.EndpointStatus', f, true);
    live.when(sfn.Condition.and(
      sfn.Condition.isPresent('$.Stage.Live.EndpointConfigName'),
      sfn.Condition.stringEqualsJsonPath('$.Stage.Live.EndpointConfigName', '$.Stage.EndpointConfigName'),
    ), onVerified);
    // A deployment's update that SageMaker rolled back says so on EventBridge (a requested rollback has its own event).
    const stop = kind === 'Deploy'
      ? rolledBackEvent(s, stage, n, 'EventSageMakerRollback', 'rolled back by SageMaker', ROLLBACK_REASON.sageMaker, '$.Stage.Live.EndpointConfigName').next(rolledBack)
      : rolledBack;
    live.otherwise(this.autoscaled(stage) ? this.register(s, stage, n, `${kind}Restore`, true, 'after SageMaker rollback: ').next(stop) : stop);
    return reset;
  }

  /** Register the scalable target and its target-tracking policy; best effort on failure paths. */
  public register(s: Construct, stage: ResolvedStage, n: Namer, kind: string, bestEffort: boolean, label: string = ''): sfn.Chain {
    const register = this.t.autoscaling(s, `${kind}RegisterScalableTarget`, n(`${label}Register autoscaling`), 'registerScalableTarget', {
      ...this.scalableTarget(stage),
      MinCapacity: stage.autoscaling!.min,
      MaxCapacity: stage.autoscaling!.max,
    }, stage);
    const policy = this.t.autoscaling(s, `${kind}PutScalingPolicy`, n(`${label}Put scaling policy`), 'putScalingPolicy', {
      PolicyName: scalingPolicyName(stage),
      ...this.scalableTarget(stage),
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: targetTracking(stage),
    }, stage);
    // An asynchronous stage that may scale in to zero also scales out from zero (workflow-async.ts).
    const fromZero = scaleOutFromZero(this.t, s, stage, n, kind, label) ?? [];
    const last = fromZero.length > 0 ? fromZero[fromZero.length - 1] as tasks.CallAwsService : policy;
    if (fromZero.length > 0) {
      policy.next(fromZero[0]);
    }
    if (!bestEffort) {
      return sfn.Chain.custom(register.next(policy).startState, [last], last);
    }
    const done = new sfn.Pass(s, `${kind}AutoscalingDone`, { stateName: n(`${label}autoscaling restored`), resultPath: sfn.JsonPath.DISCARD });
    for (const task of [register, policy, ...fromZero as tasks.CallAwsService[]]) {
      task.addCatch(done, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
    }
    register.next(policy);
    last.next(done);
    return sfn.Chain.custom(register, [done], done);
  }

  /** True when the stage's variant is a scalable target. */
  public autoscaled(stage: ResolvedStage): boolean {
    return stage.autoscaling !== undefined && !stage.serverless;
  }

  /** DescribeEndpoint, the whole answer at `resultPath`. */
  public describe(s: Construct, id: string, stateName: string, stage: ResolvedStage, resultPath: string,
    retry: sfn.RetryProps): tasks.CallAwsService {
    return this.t.call(s, id, stateName, 'describeEndpoint', { EndpointName: stage.endpointName }, [endpointArn(stage)], stage, { resultPath, retry });
  }

  /** Busy statuses: loop while within bounds, else fail on the budget or the bound. */
  public routeBusy(choice: sfn.Choice, path: string, maxPolls: number, again: sfn.IChainable, budget: sfn.State, bound: sfn.State): void {
    const busy = oneOf(path, BUSY_STATUSES);
    choice.when(sfn.Condition.and(busy, this.t.withinBounds(maxPolls)), again);
    choice.when(sfn.Condition.and(busy, this.t.budgetSpent()), budget);
    choice.when(busy, bound);
  }

  /** Statuses the workflow does not act on: fail at once (`Failed` unless the caller routed it). */
  public routeTerminal(choice: sfn.Choice, path: string, f: Record<string, sfn.Fail>, failedRouted = false): void {
    if (!failedRouted) {
      choice.when(sfn.Condition.stringEquals(path, 'Failed'), f.failed);
    }
    choice.when(sfn.Condition.stringEquals(path, 'OutOfService'), f.outOfService);
    choice.when(sfn.Condition.stringEquals(path, 'Deleting'), f.deleting);
    choice.when(sfn.Condition.stringEquals(path, 'UpdateRollbackFailed'), f.updateRollbackFailed);
    choice.otherwise(f.unknown);
  }

  /** The stage's Fail states for statuses it cannot act on (one set per stage and scope). */
  public terminal(s: Construct, stage: ResolvedStage, n: Namer): Record<string, sfn.Fail> {
    const known = this.fails.get(s.node.path);
    if (known) {
      return known;
    }
    const e = stage.endpointName;
    const describe = `aws sagemaker describe-endpoint --endpoint-name ${e}`;
    const del = `aws sagemaker delete-endpoint --endpoint-name ${e}`;
    const fail = (id: string, label: string, error: string, cause: string) => new sfn.Fail(s, id, { stateName: n(label), error, cause });
    const bound = this.t.ctx.endpointWaitTimeout.toHumanString();
    const made = {
      failed: fail('EndpointFailed', 'endpoint is Failed', ENDPOINT_ERRORS.failed,
        `Endpoint ${e} is Failed, and DeleteEndpoint is the only operation SageMaker allows on a failed endpoint. Read its FailureReason (${describe}), `
        + `delete it (${del}) and run the deployment again, or set recreateFailedEndpoint: true on stage ${stage.stageName} so the workflow deletes and recreates it.`),
      outOfService: fail('EndpointOutOfService', 'endpoint is OutOfService', ENDPOINT_ERRORS.outOfService,
        `Endpoint ${e} is OutOfService: it takes no requests and the workflow does not update it. Find out why (${describe}, `
        + `and the log group /aws/sagemaker/Endpoints/${e}), delete it (${del}) so the next deployment creates it again, then run the deployment again.`),
      deleting: fail('EndpointDeleting', 'endpoint is being deleted', ENDPOINT_ERRORS.deleting,
        `Endpoint ${e} is being deleted (Deleting). Run the deployment again once the deletion has finished: it then creates the endpoint.`),
      updateRollbackFailed: fail('EndpointUpdateRollbackFailed', 'endpoint is UpdateRollbackFailed', ENDPOINT_ERRORS.updateRollbackFailed,
        `Endpoint ${e} is UpdateRollbackFailed: an update and SageMaker's automatic rollback both failed, and it serves a mix of the old and new endpoint configs. `
        + 'Restore it by hand (UpdateEndpoint with a known-good endpoint config; see "Rolling deployments" in the SageMaker Developer Guide) '
        + `or delete it (${del}), then run the deployment again.`),
      unknown: fail('EndpointStatusUnknown', 'endpoint status unknown', ENDPOINT_ERRORS.unknown,
        `Endpoint ${e} reports a status this workflow does not know (${describe}); it changes nothing. Run the deployment again when the endpoint is InService.`),
      busy: fail('EndpointBusy', 'endpoint busy too long', ENDPOINT_ERRORS.busy,
        `Endpoint ${e} stayed Creating, Updating, SystemUpdating or RollingBack for more than ${bound} (endpointWaitTimeout) before this deployment could act on it. `
        + `Run the deployment again when ${describe} reports InService.`),
      notServerless: fail('EndpointNotServerless', 'endpoint is not serverless', ENDPOINT_ERRORS.notServerless,
        `Endpoint ${e} runs on instances, and SageMaker cannot turn an instance-based endpoint into a serverless one. `
        + `Give stage ${stage.stageName} a new endpointName, or delete the endpoint (${del}), then run the deployment again.`),
    };
    this.fails.set(s.node.path, made);
    return made;
  }

  /** Delete a Failed endpoint, wait (bounded) until it is gone, then create it. */
  private recreate(s: Construct, stage: ResolvedStage, n: Namer, create: sfn.State, bound: Duration): sfn.IChainable {
    const del = this.t.call(s, 'DeleteFailed', n('delete failed endpoint'), 'deleteEndpoint', { EndpointName: stage.endpointName }, [endpointArn(stage)], stage);
    const reset = this.t.resetLoop(s, 'DeleteStart', n('start waiting for deletion'));
    // Forget the failed endpoint: nothing of it is restored or kept by later states.
    const forget = new sfn.Pass(s, 'ForgetFailed', { stateName: n('forget failed endpoint'), result: sfn.Result.fromObject({}), resultPath: '$.Stage.Existing' });
    const wait = new sfn.Wait(s, 'DeleteWait', { stateName: n('wait for deletion'), time: sfn.WaitTime.duration(this.t.ctx.pollInterval) });
    const poll = this.describe(s, 'DeletePoll', n('deleted yet?'), stage, '$.Stage.Deleting', RETRY_POLL);
    // Gone: DescribeEndpoint answers ValidationException (the base exception).
    poll.addCatch(create, { errors: ['SageMaker.SageMakerException'], resultPath: sfn.JsonPath.DISCARD });
    const status = new sfn.Choice(s, 'DeleteStatus', { stateName: n('deletion status?') });
    const count = this.t.countLoop(s, 'DeleteCount', n('count deletion polls'), [wait, poll, status]);
    const slow = new sfn.Fail(s, 'DeleteSlow', {
      stateName: n('deletion too slow'),
      error: ENDPOINT_ERRORS.timeout,
      cause: `Endpoint ${stage.endpointName} was Failed; the workflow deleted it, but it still existed after ${bound.toHumanString()}. `
        + 'Run the deployment again once it is gone: it then creates the endpoint.',
    });
    const notDeleted = new sfn.Fail(s, 'DeleteFailedEndpointFailed', {
      stateName: n('deletion failed'),
      error: ENDPOINT_ERRORS.failed,
      cause: `Endpoint ${stage.endpointName} was Failed and the workflow asked SageMaker to delete it, but it is not being deleted `
        + `(aws sagemaker describe-endpoint --endpoint-name ${stage.endpointName}). Delete it by hand, then run the deployment again.`,
    });
    const busyDeleting = sfn.Condition.stringEquals('$.Stage.Deleting.EndpointStatus', 'Deleting');
    status.when(sfn.Condition.and(busyDeleting, this.t.withinBounds(pollsFor(bound, this.t.ctx.pollInterval))), count.next(wait));
    status.when(sfn.Condition.and(busyDeleting, this.t.budgetSpent()), this.lease.budgetFail(s, n, 'deletion'));
    status.when(busyDeleting, slow);
    status.otherwise(notDeleted);
    const chain = sfn.Chain.start(del).next(forget).next(reset).next(wait).next(poll).next(status);
    if (!this.autoscaled(stage)) {
      return chain;
    }
    // SageMaker deregisters a deleted endpoint's variants only when the caller may; do it first.
    const deregister = this.t.autoscaling(s, 'DeleteDeregister', n('deregister before delete'), 'deregisterScalableTarget', this.scalableTarget(stage), stage);
    deregister.addCatch(del, { errors: ['ApplicationAutoScaling.ObjectNotFoundException'], resultPath: sfn.JsonPath.DISCARD });
    deregister.next(del);
    return deregister;
  }

  private scalableTarget(stage: ResolvedStage): Record<string, string> {
    return {
      ServiceNamespace: 'sagemaker',
      ResourceId: `endpoint/${stage.endpointName}/variant/${VARIANT_NAME}`,
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
    };
  }

  private tags(stage: ResolvedStage): Array<Record<string, string>> {
    return [
      { Key: 'cdk-mlops:deployment', Value: this.t.ctx.deploymentId },
      { Key: 'cdk-mlops:stage', Value: stage.stageName },
      { 'Key': 'cdk-mlops:model-package-arn', 'Value.$': '$.ModelPackageArn' },
    ];
  }
}

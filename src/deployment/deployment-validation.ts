import { Annotations, Duration, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import type { ApprovalDeploymentProps } from './approval-deployment';
import type { DeploymentStageOptions } from './deployment-stage';
import { TrafficShift, TrafficShiftMode } from './traffic-shift';
import { PropsValidator } from '../private/validation';

/** SageMaker's limit on rollback alarms per deployment. */
export const MAX_ROLLBACK_ALARMS = 10;
/** Alarms the construct creates per stage. */
export const CREATED_ALARMS = 3;
const SERVERLESS_MEMORY = [1024, 2048, 3072, 4096, 5120, 6144];
const STAGE_NAME = /^[a-z][a-z0-9-]{0,11}$/;
/** SageMaker's bounds of MaximumExecutionTimeoutInSeconds (BlueGreenUpdatePolicy). */
const MAX_EXECUTION_TIMEOUT = 28800;
const MIN_EXECUTION_TIMEOUT = 600;
/** Step Functions' longest Standard execution. */
const MAX_EXECUTION_DAYS = 365;

/**
 * The waits of a blue/green rollout: a bake after every traffic shift (one
 * for all-at-once, two for a canary, one per step of a linear shift) and the
 * termination wait.
 */
export function rolloutWaitSeconds(shift: TrafficShift, terminationWait: Duration): number {
  const bakes = shift.mode === TrafficShiftMode.CANARY ? 2
    : shift.mode === TrafficShiftMode.LINEAR ? Math.ceil(100 / (shift.sizePercent ?? 100)) : 1;
  return bakes * shift.waitInterval.toSeconds() + terminationWait.toSeconds();
}

/**
 * The stage's MaximumExecutionTimeoutInSeconds when not given: the rollout's
 * waits plus one hour to provision the new fleet, from 2 to 8 hours.
 */
export function defaultMaximumExecutionTimeout(s: DeploymentStageOptions): Duration {
  const shift = s.trafficShift ?? TrafficShift.allAtOnce();
  const terminationWait = s.terminationWait ?? Duration.minutes(5);
  if (shift.waitInterval.isUnresolved() || terminationWait.isUnresolved() || Token.isUnresolved(shift.sizePercent)) {
    return Duration.hours(2);
  }
  const seconds = rolloutWaitSeconds(shift, terminationWait) + 3600;
  return Duration.seconds(Math.min(MAX_EXECUTION_TIMEOUT, Math.max(7200, seconds)));
}
const ENDPOINT_NAME = /^[a-z0-9](-*[a-z0-9]){0,62}$/;

/**
 * Check the stages of an ApprovalDeployment; throws one ValidationError
 * listing every problem.
 */
export function validateStages(scope: IConstruct, stages: DeploymentStageOptions[], props: ApprovalDeploymentProps): void {
  const v = new PropsValidator(scope, 'ApprovalDeployment');
  const keep = props.keepVersions;
  if (keep !== undefined && !Token.isUnresolved(keep)) {
    v.check(!Number.isInteger(keep) || keep < 2 || keep > 50, {
      prop: 'keepVersions',
      value: keep,
      allowed: 'an integer from 2 to 50 (the live config and the rollback target are always kept)',
      fix: 'keep at least 2 versions, or set pruneOldVersions: false to keep everything.',
    });
    v.check(props.pruneOldVersions === false, {
      prop: 'keepVersions', value: keep, allowed: 'only when pruning is on', fix: 'remove keepVersions or pruneOldVersions: false.',
    });
  }
  checkWorkflowTimes(v, stages, props);
  v.check(stages.length === 0, {
    prop: 'stages',
    value: [],
    allowed: 'at least one stage',
    fix: 'leave stages out for staging → approval → production, or list the stages.',
  });
  const seen = new Set<string>();
  stages.forEach((s, i) => {
    const at = `stages[${i}]`;
    if (!Token.isUnresolved(s.stageName)) {
      v.check(!STAGE_NAME.test(s.stageName), {
        prop: `${at}.stageName`,
        value: s.stageName,
        allowed: '1 to 12 lowercase letters, digits and hyphens, starting with a letter',
        fix: 'use a short name such as \'staging\' or \'prod\'; it becomes part of generated SageMaker names.',
      });
      v.check(seen.has(s.stageName), {
        prop: `${at}.stageName`,
        value: s.stageName,
        allowed: 'unique stage names',
        fix: 'give every stage its own name.',
      });
      seen.add(s.stageName);
    }
    if (s.endpointName !== undefined && !Token.isUnresolved(s.endpointName)) {
      v.check(!ENDPOINT_NAME.test(s.endpointName), {
        prop: `${at}.endpointName`,
        value: s.endpointName,
        allowed: '1 to 63 lowercase letters, digits and hyphens (SageMaker writes endpoint ARNs in lowercase)',
        fix: 'use a lowercase name without underscores.',
      });
    }
    if (s.account !== undefined && !Token.isUnresolved(s.account)) {
      v.check(!/^\d{12}$/.test(s.account), {
        prop: `${at}.account`,
        value: s.account,
        allowed: 'a 12-digit account id',
        fix: 'give the account where the DeploymentTargetAccount is deployed.',
      });
    }
    checkServerless(v, at, s);
    checkCapacity(v, at, s);
    checkGuardrails(v, at, s);
    checkRollout(v, at, s);
  });
  v.throwIfAny();
}

function checkServerless(v: PropsValidator, at: string, s: DeploymentStageOptions): void {
  const memory = s.serverlessMemorySizeMiB;
  const serverless = memory !== undefined;
  if (serverless && !Token.isUnresolved(memory)) {
    v.check(!SERVERLESS_MEMORY.includes(memory), {
      prop: `${at}.serverlessMemorySizeMiB`,
      value: memory,
      allowed: SERVERLESS_MEMORY.join(', '),
      fix: 'pick one of the serverless memory sizes SageMaker offers.',
    });
  }
  v.check(serverless && s.dataCapture === true, {
    prop: `${at}.dataCapture`,
    value: true,
    allowed: 'false on serverless stages: serverless endpoints capture no data, so they cannot be monitored for drift',
    fix: 'remove dataCapture (or set it false), or make the stage real-time by removing serverlessMemorySizeMiB.',
  });
  const concurrency = s.serverlessMaxConcurrency;
  if (concurrency !== undefined) {
    v.check(!serverless, {
      prop: `${at}.serverlessMaxConcurrency`,
      value: concurrency,
      allowed: 'only on serverless stages',
      fix: 'set serverlessMemorySizeMiB too, or remove serverlessMaxConcurrency.',
    });
    v.check(!Token.isUnresolved(concurrency) && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 200), {
      prop: `${at}.serverlessMaxConcurrency`,
      value: concurrency,
      allowed: 'an integer from 1 to 200',
      fix: 'use a concurrency within SageMaker\'s serverless limits.',
    });
  }
  if (serverless) {
    const realTimeOnly: Array<[string, unknown]> = [
      ['maxCapacity', s.maxCapacity], ['minCapacity', s.minCapacity], ['instanceType', s.instanceType],
      ['initialInstanceCount', s.initialInstanceCount],
    ];
    for (const [prop, value] of realTimeOnly) {
      v.check(value !== undefined, {
        prop: `${at}.${prop}`,
        value: value instanceof Object ? (value as any).name ?? 'set' : value,
        allowed: 'only on real-time stages',
        fix: `remove ${prop}, or make the stage real-time by removing serverlessMemorySizeMiB.`,
      });
    }
  }
  v.check(serverless && s.networkIsolation === true, {
    prop: `${at}.networkIsolation`,
    value: true,
    allowed: 'only on real-time stages: serverless endpoints support neither network isolation nor VPC config (Serverless Inference feature exclusions)',
    fix: 'remove networkIsolation, or make the stage real-time by removing serverlessMemorySizeMiB.',
  });
  const sampling = s.dataCaptureSamplingPercent;
  v.check(serverless && sampling !== undefined, {
    prop: `${at}.dataCaptureSamplingPercent`,
    value: sampling,
    allowed: 'only on real-time stages: serverless endpoints capture no data (Serverless Inference feature exclusions)',
    fix: 'remove dataCaptureSamplingPercent, or make the stage real-time by removing serverlessMemorySizeMiB.',
  });
  if (sampling !== undefined && !Token.isUnresolved(sampling)) {
    v.check(!Number.isInteger(sampling) || sampling < 0 || sampling > 100, {
      prop: `${at}.dataCaptureSamplingPercent`,
      value: sampling,
      allowed: 'an integer from 0 to 100',
      fix: 'give the share of requests to capture in percent.',
    });
  }
  if (s.instanceType && !s.instanceType.isWellFormed) {
    v.add({
      prop: `${at}.instanceType`,
      value: s.instanceType.name,
      allowed: 'a SageMaker instance type such as ml.m5.xlarge',
      fix: 'use an MlInstanceType constant or of(\'ml.<family>.<size>\').',
    });
  }
}

function checkCapacity(v: PropsValidator, at: string, s: DeploymentStageOptions): void {
  const initial = s.initialInstanceCount;
  if (initial !== undefined && !Token.isUnresolved(initial)) {
    v.check(!Number.isInteger(initial) || initial < 1, {
      prop: `${at}.initialInstanceCount`,
      value: initial,
      allowed: 'an integer of at least 1',
      fix: 'start the endpoint with one instance or more.',
    });
  }
  const { minCapacity: min, maxCapacity: max } = s;
  if (min !== undefined && max === undefined) {
    v.add({
      prop: `${at}.minCapacity`,
      value: min,
      allowed: 'only together with maxCapacity (which turns autoscaling on)',
      fix: 'set maxCapacity too, or remove minCapacity.',
    });
  }
  for (const [prop, value] of [['minCapacity', min], ['maxCapacity', max]] as Array<[string, number | undefined]>) {
    if (value !== undefined && !Token.isUnresolved(value)) {
      v.check(!Number.isInteger(value) || value < 1, {
        prop: `${at}.${prop}`,
        value,
        allowed: 'an integer of at least 1',
        fix: 'SageMaker endpoints cannot scale to zero instances; use 1 or more.',
      });
    }
  }
  if (max !== undefined && !Token.isUnresolved(max)) {
    const lower = min ?? initial ?? 1;
    v.check(!Token.isUnresolved(lower) && lower > max, {
      prop: `${at}.minCapacity`,
      value: lower,
      allowed: `at most maxCapacity (${max})`,
      fix: 'lower minCapacity (or initialInstanceCount) or raise maxCapacity.',
    });
  }
  const target = s.targetInvocationsPerInstance;
  if (target !== undefined && !Token.isUnresolved(target)) {
    v.check(target <= 0, {
      prop: `${at}.targetInvocationsPerInstance`,
      value: target,
      allowed: 'a positive number',
      fix: 'give the invocations per instance per minute autoscaling aims for.',
    });
  }
}

function checkGuardrails(v: PropsValidator, at: string, s: DeploymentStageOptions): void {
  const shift = s.trafficShift;
  if (shift?.sizePercent !== undefined && !Token.isUnresolved(shift.sizePercent)) {
    const size = shift.sizePercent;
    if (shift.mode === TrafficShiftMode.CANARY) {
      v.check(!Number.isInteger(size) || size < 1 || size > 50, {
        prop: `${at}.trafficShift.canaryPercent`,
        value: size,
        allowed: 'an integer from 1 to 50',
        fix: 'send a small share first, e.g. TrafficShift.canary({ canaryPercent: 10 }).',
      });
    } else {
      v.check(!Number.isInteger(size) || size < 10 || size > 50, {
        prop: `${at}.trafficShift.stepPercent`,
        value: size,
        allowed: 'an integer from 10 to 50',
        fix: 'shift between 10% and 50% per step, e.g. TrafficShift.linear({ stepPercent: 20 }).',
      });
    }
  }
  checkDuration(v, `${at}.trafficShift.waitInterval`, shift?.waitInterval, 0, 3600);
  checkDuration(v, `${at}.terminationWait`, s.terminationWait, 0, 3600);
  checkDuration(v, `${at}.maximumExecutionTimeout`, s.maximumExecutionTimeout, 600, 28800);
  if (s.approvalTimeout !== undefined && !s.approvalTimeout.isUnresolved()) {
    v.check(!s.approvalRequired, {
      prop: `${at}.approvalTimeout`,
      value: s.approvalTimeout.toHumanString(),
      allowed: 'only with approvalRequired',
      fix: 'set approvalRequired: true, or remove approvalTimeout.',
    });
    checkDuration(v, `${at}.approvalTimeout`, s.approvalTimeout, 60, 364 * 24 * 3600);
  }
  const alarms = CREATED_ALARMS + (s.additionalRollbackAlarms?.length ?? 0);
  v.check(alarms > MAX_ROLLBACK_ALARMS, {
    prop: `${at}.additionalRollbackAlarms`,
    value: `${s.additionalRollbackAlarms?.length} alarms (+${CREATED_ALARMS} created)`,
    allowed: `at most ${MAX_ROLLBACK_ALARMS - CREATED_ALARMS} additional alarms (SageMaker takes ${MAX_ROLLBACK_ALARMS} rollback alarms)`,
    fix: 'combine alarms into a CompositeAlarm, or keep the most important ones.',
  });
  for (const [prop, value] of [
    ['invocation5xxErrorsThreshold', s.invocation5xxErrorsThreshold],
    ['invocationModelErrorsThreshold', s.invocationModelErrorsThreshold],
  ] as Array<[string, number | undefined]>) {
    if (value !== undefined && !Token.isUnresolved(value)) {
      v.check(value < 1, {
        prop: `${at}.${prop}`,
        value,
        allowed: 'a count of at least 1',
        fix: 'give the number of errors per minute that should roll the update back.',
      });
    }
  }
  if (s.modelLatencyThreshold !== undefined && !s.modelLatencyThreshold.isUnresolved()) {
    v.check(s.modelLatencyThreshold.toMilliseconds() < 1, {
      prop: `${at}.modelLatencyThreshold`,
      value: s.modelLatencyThreshold.toHumanString(),
      allowed: 'at least 1 millisecond',
      fix: 'give the average model latency that should roll the update back.',
    });
  }
  if (s.smokeTestContentType !== undefined) {
    v.check(s.smokeTestPayload === undefined, {
      prop: `${at}.smokeTestContentType`,
      value: s.smokeTestContentType,
      allowed: 'only with smokeTestPayload',
      fix: 'set smokeTestPayload too, or remove smokeTestContentType.',
    });
  }
}

function checkDuration(v: PropsValidator, prop: string, d: Duration | undefined, minSeconds: number, maxSeconds: number): void {
  if (d === undefined || d.isUnresolved()) {
    return;
  }
  const seconds = d.toSeconds({ integral: false });
  v.check(seconds < minSeconds || seconds > maxSeconds || !Number.isInteger(seconds), {
    prop,
    value: d.toHumanString(),
    allowed: `whole seconds from ${minSeconds} to ${maxSeconds}`,
    fix: `choose a duration between ${Duration.seconds(minSeconds).toHumanString()} and ${Duration.seconds(maxSeconds).toHumanString()}.`,
  });
}

/**
 * Canary and linear steps against the smallest fleet, and the rollout's
 * waits against MaximumExecutionTimeoutInSeconds (SageMaker API Reference,
 * BlueGreenUpdatePolicy and TrafficRoutingConfig).
 */
function checkRollout(v: PropsValidator, at: string, s: DeploymentStageOptions): void {
  const shift = s.trafficShift;
  const serverless = s.serverlessMemorySizeMiB !== undefined;
  const size = shift?.sizePercent;
  const initial = s.initialInstanceCount ?? 1;
  // The smallest fleet an update can start from: autoscaling keeps the current count (at least minCapacity).
  const fleet = s.maxCapacity !== undefined ? Math.min(s.minCapacity ?? initial, initial) : initial;
  const known = !Token.isUnresolved(size) && !Token.isUnresolved(fleet) && Number.isInteger(fleet) && fleet >= 1;
  if (shift && size !== undefined && !serverless && known) {
    // A traffic step is a whole number of instances, at least one.
    const instances = Math.max(1, Math.ceil((fleet * size) / 100));
    const what = shift.mode === TrafficShiftMode.CANARY ? 'canary' : 'linear step';
    v.check(instances * 2 > fleet, {
      prop: `${at}.trafficShift`,
      value: `${what} of ${size}% of ${fleet} instance${fleet === 1 ? '' : 's'} = ${instances} instance${instances === 1 ? '' : 's'}`,
      allowed: `a ${what} of at most 50% of the smallest fleet, in whole instances (SageMaker: CanarySize and LinearStepSize must be <= 50% of the variant's instance count)`,
      fix: fleet < 2
        ? 'run at least 2 instances (initialInstanceCount, and minCapacity with autoscaling), or use TrafficShift.allAtOnce().'
        : `lower the percentage to at most ${Math.floor((100 * Math.floor(fleet / 2)) / fleet)}%, or run more instances.`,
    });
  }
  const wait = shift?.waitInterval ?? TrafficShift.allAtOnce().waitInterval;
  const terminationWait = s.terminationWait ?? Duration.minutes(5);
  if (wait.isUnresolved() || terminationWait.isUnresolved() || (size !== undefined && Token.isUnresolved(size))) {
    return;
  }
  const waits = rolloutWaitSeconds(shift ?? TrafficShift.allAtOnce(), terminationWait);
  const given = s.maximumExecutionTimeout;
  if (given !== undefined && !given.isUnresolved()) {
    v.check(given.toSeconds() >= MIN_EXECUTION_TIMEOUT && given.toSeconds() <= MAX_EXECUTION_TIMEOUT && waits >= given.toSeconds(), {
      prop: `${at}.maximumExecutionTimeout`,
      value: given.toHumanString(),
      allowed: `longer than the rollout's waits (${Duration.seconds(waits).toHumanString()}: every bake of trafficShift plus terminationWait), as SageMaker requires`,
      fix: 'raise maximumExecutionTimeout, or shorten the waits (fewer linear steps, shorter waitInterval or terminationWait).',
    });
  } else {
    v.check(waits >= MAX_EXECUTION_TIMEOUT, {
      prop: `${at}.trafficShift`,
      value: `${Duration.seconds(waits).toHumanString()} of waits`,
      allowed: `rollout waits (every bake plus terminationWait) below ${MAX_EXECUTION_TIMEOUT} seconds, SageMaker's longest MaximumExecutionTimeoutInSeconds`,
      fix: 'use fewer linear steps (a larger stepPercent), a shorter waitInterval or a shorter terminationWait.',
    });
  }
  const names = (s.additionalRollbackAlarms ?? []).map((a) => a.alarmName).filter((n) => !Token.isUnresolved(n));
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  v.check(repeated.length > 0, {
    prop: `${at}.additionalRollbackAlarms`,
    value: [...new Set(repeated)],
    allowed: 'each alarm once',
    fix: 'remove the repeated alarms: SageMaker watches each alarm once and counts every entry against its 10 alarms.',
  });
}

/** Poll interval, endpoint waits and the execution's timeout. */
function checkWorkflowTimes(v: PropsValidator, stages: DeploymentStageOptions[], props: ApprovalDeploymentProps): void {
  const poll = props.pollInterval;
  checkDuration(v, 'pollInterval', poll, 1, 3600);
  checkDuration(v, 'endpointWaitTimeout', props.endpointWaitTimeout, 60, 86400);
  const wait = props.endpointWaitTimeout ?? Duration.hours(1);
  if (poll !== undefined && !poll.isUnresolved() && !wait.isUnresolved()) {
    v.check(poll.toSeconds({ integral: false }) > wait.toSeconds({ integral: false }), {
      prop: 'pollInterval',
      value: poll.toHumanString(),
      allowed: `at most endpointWaitTimeout (${wait.toHumanString()})`,
      fix: 'poll at least once per endpoint wait: lower pollInterval or raise endpointWaitTimeout.',
    });
  }
  const timeout = props.deploymentTimeout;
  if (timeout !== undefined && !timeout.isUnresolved()) {
    checkDuration(v, 'deploymentTimeout', timeout, 3600, MAX_EXECUTION_DAYS * 86400);
    stages.forEach((s, i) => {
      const gate = s.approvalTimeout;
      if (s.approvalRequired && gate !== undefined && !gate.isUnresolved()) {
        v.check(gate.toSeconds() >= timeout.toSeconds(), {
          prop: `stages[${i}].approvalTimeout`,
          value: gate.toHumanString(),
          allowed: `shorter than deploymentTimeout (${timeout.toHumanString()}): the whole execution times out first`,
          fix: 'lower approvalTimeout or raise deploymentTimeout.',
        });
      }
    });
  }
}

/**
 * Serverless endpoints support neither VPC config nor network isolation
 * (Serverless Inference "Feature exclusions"): their models get neither, and
 * the construct says so when the deployment asked for them.
 */
export function warnServerlessStages(scope: IConstruct, stages: DeploymentStageOptions[], props: ApprovalDeploymentProps): void {
  const asked = [props.network ? 'the network\'s VPC' : undefined, props.networkIsolation === true ? 'network isolation' : undefined]
    .filter((x) => x !== undefined);
  for (const st of stages.filter((x) => x.serverlessMemorySizeMiB !== undefined)) {
    if (asked.length > 0) {
      Annotations.of(scope).addWarningV2('cdk-mlops:deployment-serverless-no-vpc',
        `Stage '${st.stageName}' is serverless: SageMaker serverless endpoints support neither VPC config nor network isolation, `
        + `so its model runs without ${asked.join(' and ')}. Make the stage real-time (instanceType) to keep them.`);
    }
  }
}

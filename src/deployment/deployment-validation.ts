import { Duration, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import type { ApprovalDeploymentProps } from './approval-deployment';
import type { DeploymentStageOptions } from './deployment-stage';
import { TrafficShiftMode } from './traffic-shift';
import { PropsValidator } from '../private/validation';

/** SageMaker's limit on rollback alarms per deployment. */
export const MAX_ROLLBACK_ALARMS = 10;
/** Alarms the construct creates per stage. */
export const CREATED_ALARMS = 3;
const SERVERLESS_MEMORY = [1024, 2048, 3072, 4096, 5120, 6144];
const STAGE_NAME = /^[a-z][a-z0-9-]{0,11}$/;
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
  const sampling = s.dataCaptureSamplingPercent;
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
      fix: 'use an InferenceInstanceType constant or of(\'ml.<family>.<size>\').',
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

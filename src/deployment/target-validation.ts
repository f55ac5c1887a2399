/**
 * Checks of a stage's hosting option (`DeploymentTarget`): what each kind
 * supports, and the ranges of SageMaker's API (botocore's sagemaker model:
 * AsyncInferenceClientConfig, CreateTransformJob). Not exported from the library.
 */
import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import type { DeploymentStageOptions } from './deployment-stage';
import { AsyncTargetOptions, BatchTargetOptions, DeploymentTargetKind } from './deployment-target';
import { PropsValidator } from '../private/validation';

/** Flat stage props a target replaces: with a target they must be left out. */
const REPLACED_BY_TARGET: Array<keyof DeploymentStageOptions> = [
  'instanceType', 'initialInstanceCount', 'serverlessMemorySizeMiB', 'serverlessMaxConcurrency',
  'minCapacity', 'maxCapacity', 'targetInvocationsPerInstance',
];

/** Endpoint-only stage props: a batch stage has no endpoint. */
const ENDPOINT_ONLY: Array<keyof DeploymentStageOptions> = [
  'endpointName', 'trafficShift', 'terminationWait', 'maximumExecutionTimeout', 'invocation5xxErrorsThreshold',
  'invocationModelErrorsThreshold', 'modelLatencyThreshold', 'additionalRollbackAlarms', 'smokeTestPayload',
  'smokeTestContentType', 'recreateFailedEndpoint', 'dataCaptureSamplingPercent',
];

const JSON_PATH = /^\$/;

/** Check the targets of the stages; throws one ValidationError listing every problem. */
export function validateTargets(scope: IConstruct, stages: DeploymentStageOptions[]): void {
  const v = new PropsValidator(scope, 'ApprovalDeployment');
  stages.forEach((s, i) => {
    const t = s.target;
    if (!t) {
      return;
    }
    const at = `stages[${i}]`;
    for (const prop of REPLACED_BY_TARGET) {
      const value = s[prop];
      v.check(value !== undefined, {
        prop: `${at}.${prop}`,
        value: typeof value === 'object' ? (value as any).name ?? 'set' : value,
        allowed: `nothing when the stage has a target (${t.kind}): the target holds the hosting options`,
        fix: `move ${prop} into the options of DeploymentTarget.${factoryOf(t.kind)}(...), or remove it.`,
      });
    }
    if (t.kind === DeploymentTargetKind.ASYNC) {
      checkAsync(v, at, s, t.asyncOptions ?? {});
    }
    if (t.kind === DeploymentTargetKind.BATCH) {
      checkBatch(v, at, s, t.batchOptions!);
    }
  });
  v.throwIfAny();
}

function factoryOf(kind: DeploymentTargetKind): string {
  return { REALTIME: 'realtime', SERVERLESS: 'serverless', ASYNC: 'asynchronous', BATCH: 'batch' }[kind];
}

function integer(v: PropsValidator, prop: string, value: number | undefined, min: number, max: number, fix: string): void {
  if (value !== undefined && !Token.isUnresolved(value)) {
    v.check(!Number.isInteger(value) || value < min || value > max, {
      prop, value, allowed: `an integer from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'any' : max}`, fix,
    });
  }
}

function checkAsync(v: PropsValidator, at: string, s: DeploymentStageOptions, o: AsyncTargetOptions): void {
  const p = `${at}.target.asyncOptions`;
  integer(v, `${p}.maxConcurrentInvocationsPerInstance`, o.maxConcurrentInvocationsPerInstance, 1, 1000,
    'give the requests one instance handles at once (SageMaker allows 1 to 1000), or leave it out for SageMaker\'s choice.');
  integer(v, `${p}.initialInstanceCount`, o.initialInstanceCount, 1, Number.MAX_SAFE_INTEGER, 'start the endpoint with one instance or more.');
  integer(v, `${p}.minCapacity`, o.minCapacity, 0, Number.MAX_SAFE_INTEGER, 'use 0 to scale in to zero instances, or more.');
  integer(v, `${p}.maxCapacity`, o.maxCapacity, 1, Number.MAX_SAFE_INTEGER, 'give the most instances the queue may scale out to.');
  v.check(o.minCapacity !== undefined && o.maxCapacity === undefined, {
    prop: `${p}.minCapacity`,
    value: o.minCapacity,
    allowed: 'only together with maxCapacity (which turns autoscaling on)',
    fix: 'set maxCapacity too, or remove minCapacity.',
  });
  const known = (x?: number) => x !== undefined && !Token.isUnresolved(x);
  v.check(known(o.maxCapacity) && known(o.minCapacity) && o.minCapacity! > o.maxCapacity!, {
    prop: `${p}.minCapacity`, value: o.minCapacity, allowed: `at most maxCapacity (${o.maxCapacity})`, fix: 'lower minCapacity or raise maxCapacity.',
  });
  v.check(o.targetBacklogPerInstance !== undefined && !Token.isUnresolved(o.targetBacklogPerInstance) && o.targetBacklogPerInstance <= 0, {
    prop: `${p}.targetBacklogPerInstance`,
    value: o.targetBacklogPerInstance,
    allowed: 'a positive number of queued requests per instance',
    fix: 'give the backlog per instance autoscaling aims for, e.g. 5.',
  });
  const prefixes: Array<[string, string | undefined]> = [['outputPrefix', o.outputPrefix], ['failurePrefix', o.failurePrefix]];
  for (const [name, prefix] of prefixes) {
    if (prefix !== undefined && !Token.isUnresolved(prefix)) {
      v.check(prefix.replace(/\/+$/, '') === '' || prefix.startsWith('/'), {
        prop: `${p}.${name}`,
        value: prefix,
        allowed: 'a non-empty key prefix that does not start with /',
        fix: 'give the key prefix under the output bucket, e.g. \'async/results\'.',
      });
    }
  }
  v.check(o.outputPrefix !== undefined && o.failurePrefix !== undefined && o.outputPrefix.replace(/\/+$/, '') === o.failurePrefix.replace(/\/+$/, ''), {
    prop: `${p}.failurePrefix`, value: o.failurePrefix, allowed: 'a prefix other than outputPrefix', fix: 'write failures and results to different prefixes.',
  });
  const includes = o.includeInferenceResponseIn ?? [];
  v.check(includes.some((x) => x.startsWith('SUCCESS')) && o.successTopic === undefined && s.account !== undefined, {
    prop: `${p}.includeInferenceResponseIn`,
    value: includes,
    allowed: 'a notification the stage sends (a stage in another account has no default topics)',
    fix: 'give successTopic and errorTopic, or remove includeInferenceResponseIn.',
  });
  v.check(s.account !== undefined && o.outputBucket !== undefined, {
    prop: `${p}.outputBucket`,
    value: o.outputBucket?.node.path,
    allowed: 'nothing on a stage in another account: results land in the target account\'s capture bucket',
    fix: 'remove outputBucket (results go to the DeploymentTargetAccount\'s KMS-encrypted capture bucket), or deploy the stage in this account.',
  });
  v.check(s.smokeTestPayload !== undefined, {
    prop: `${at}.smokeTestPayload`,
    value: s.smokeTestPayload,
    allowed: 'nothing on an asynchronous stage: it answers InvokeEndpointAsync only, not the smoke test\'s InvokeEndpoint',
    fix: 'remove smokeTestPayload; rely on the rollback alarms and the error topic.',
  });
}

function checkBatch(v: PropsValidator, at: string, s: DeploymentStageOptions, o: BatchTargetOptions): void {
  const p = `${at}.target.batchOptions`;
  for (const prop of ENDPOINT_ONLY) {
    const value = s[prop];
    v.check(value !== undefined, {
      prop: `${at}.${prop}`,
      value: typeof value === 'object' ? (value as any).mode ?? (value as any).toHumanString?.() ?? 'set' : value,
      allowed: 'nothing on a batch stage: it has no endpoint (no traffic shifting, rollback alarms, smoke test or endpoint name)',
      fix: `remove ${prop}; a batch stage's failed runs alarm on their own and its rollback switches the model back.`,
    });
  }
  v.check(s.account !== undefined, {
    prop: `${at}.account`,
    value: s.account,
    allowed: 'the deployment\'s own account for batch stages',
    fix: 'run batch transforms in the tooling account, or use an endpoint target for the other account.',
  });
  v.check(o.schedule === undefined && !o.runOnNewData, {
    prop: `${p}`,
    value: 'no schedule, runOnNewData false',
    allowed: 'a schedule, runOnNewData: true, or both',
    fix: 'give schedule (e.g. events.Schedule.cron({ hour: \'2\', minute: \'0\' })) or set runOnNewData: true.',
  });
  integer(v, `${p}.instanceCount`, o.instanceCount, 1, Number.MAX_SAFE_INTEGER, 'run each job on one instance or more.');
  integer(v, `${p}.maxPayloadMiB`, o.maxPayloadMiB, 0, 100, 'use 0 (streaming) to 100 MiB, SageMaker\'s bounds of MaxPayloadInMB.');
  integer(v, `${p}.maxConcurrentTransforms`, o.maxConcurrentTransforms, 0, Number.MAX_SAFE_INTEGER, 'give a non-negative number of parallel requests per instance.');
  if (o.invocationTimeout !== undefined && !o.invocationTimeout.isUnresolved()) {
    const sec = o.invocationTimeout.toSeconds({ integral: false });
    v.check(!Number.isInteger(sec) || sec < 1 || sec > 3600, {
      prop: `${p}.invocationTimeout`,
      value: o.invocationTimeout.toHumanString(),
      allowed: 'whole seconds from 1 to 3600 (InvocationsTimeoutInSeconds)',
      fix: 'choose a timeout between 1 second and 1 hour.',
    });
  }
  for (const [name, filter] of [['inputFilter', o.inputFilter], ['outputFilter', o.outputFilter]] as Array<[string, string | undefined]>) {
    if (filter !== undefined && !Token.isUnresolved(filter)) {
      v.check(!JSON_PATH.test(filter) || filter.length > 63, {
        prop: `${p}.${name}`, value: filter, allowed: 'a JSONPath starting with $, at most 63 characters', fix: 'write the filter as a JSONPath such as \'$[1:]\'.',
      });
    }
  }
  const prefix = o.inputPrefix;
  v.check(prefix !== undefined && !Token.isUnresolved(prefix) && prefix.startsWith('/'), {
    prop: `${p}.inputPrefix`, value: prefix, allowed: 'a key prefix without a leading /', fix: 'remove the leading /.',
  });
}

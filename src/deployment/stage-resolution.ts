/**
 * Turns a stage's options into a `ResolvedStage` (every default applied, the
 * hosting kind decided) and creates what a stage needs besides the workflow:
 * rollback alarms, and the topics of asynchronous stages. Not exported from
 * the library.
 */
import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DeploymentStageOptions } from './deployment-stage';
import { DeploymentTargetKind, TransformBatchStrategy, TransformJoinSource, TransformSplitType } from './deployment-target';
import { DeploymentTargetAccount } from './deployment-target-account';
import { defaultMaximumExecutionTimeout } from './deployment-validation';
import { MlInstanceType } from '../common';
import { createRollbackAlarms } from './rollback-alarms';
import { TrafficShift } from './traffic-shift';
import { ResolvedStage } from './workflow-common';

/** The kind of a stage, from its target (or its serverless memory size). */
export function kindOf(s: DeploymentStageOptions): DeploymentTargetKind {
  return s.target?.kind ?? (s.serverlessMemorySizeMiB !== undefined ? DeploymentTargetKind.SERVERLESS : DeploymentTargetKind.REALTIME);
}

/**
 * The stage with the options of a real-time, serverless or asynchronous
 * target written into the flat stage props they share, so the endpoint
 * checks and the workflow read one place.
 */
export function flattenTarget(s: DeploymentStageOptions): DeploymentStageOptions {
  const t = s.target;
  if (!t) {
    return s;
  }
  switch (t.kind) {
    case DeploymentTargetKind.REALTIME:
      return { ...s, instanceType: t.realtimeOptions?.instanceType, initialInstanceCount: t.realtimeOptions?.initialInstanceCount };
    case DeploymentTargetKind.SERVERLESS:
      return { ...s, serverlessMemorySizeMiB: t.serverlessOptions?.memorySizeMiB, serverlessMaxConcurrency: t.serverlessOptions?.maxConcurrency };
    case DeploymentTargetKind.ASYNC:
      return { ...s, instanceType: t.asyncOptions?.instanceType, initialInstanceCount: t.asyncOptions?.initialInstanceCount };
    default:
      return s;
  }
}

/** Whether a stage in this account needs the deployment's capture bucket (data capture, default async output). */
export function needsCaptureBucket(s: DeploymentStageOptions): boolean {
  const kind = kindOf(s);
  if (kind === DeploymentTargetKind.SERVERLESS) {
    return false;
  }
  return s.dataCapture !== false || (kind === DeploymentTargetKind.ASYNC && s.target?.asyncOptions?.outputBucket === undefined);
}

/** What resolving a stage needs from the deployment. */
export interface StageResolverProps {
  readonly scope: Construct;
  readonly prefix: string;
  readonly topic: sns.ITopic;
  readonly namePrefix: string;
  readonly dataCaptureBucket?: s3.IBucket;
  readonly modelExecutionRole: iam.IRole;
  readonly encryptionKey: kms.IKey;
}

/** Resolves stages one by one and keeps the alarms it created. */
export class StageResolver {
  /** The rollback alarms, by stage name. */
  public readonly alarmsByStage: Record<string, cloudwatch.Alarm[]> = {};
  /** The additional rollback alarms of the stages in this account. */
  public readonly additionalAlarms: cloudwatch.IAlarm[] = [];

  constructor(private readonly p: StageResolverProps) {}

  /** A stage with every default applied (`s` already flattened). */
  public resolve(s: DeploymentStageOptions, last: boolean): ResolvedStage {
    const scope = this.p.scope;
    const stack = Stack.of(scope);
    const kind = kindOf(s);
    const account = s.account !== undefined && s.account !== stack.account ? s.account : undefined;
    const serverless = kind === DeploymentTargetKind.SERVERLESS;
    const batch = kind === DeploymentTargetKind.BATCH;
    const instanceType = s.instanceType ?? MlInstanceType.ML_M5_LARGE;
    const endpointName = s.endpointName ?? `${this.p.prefix}-${s.stageName}`;
    const captures = !serverless && s.dataCapture !== false;
    const captureBucketName = account
      ? DeploymentTargetAccount.captureBucketName(account, stack.region, this.p.namePrefix)
      : this.p.dataCaptureBucket?.bucketName;
    const captureUri = captures && captureBucketName ? `s3://${captureBucketName}/data-capture/${s.stageName}` : undefined;
    if (!serverless && !batch && instanceType.isInferentia1) {
      Annotations.of(scope).addWarningV2('cdk-mlops:deployment-inf1-no-guardrails',
        `Stage '${s.stageName}' uses ${instanceType.name}: SageMaker falls back to all-at-once blue/green without baking on Inf1 instances.`);
    }
    const alarms = account || batch ? [] : createRollbackAlarms(scope, s, endpointName, this.p.topic);
    this.alarmsByStage[s.stageName] = alarms;
    if (!account) {
      this.additionalAlarms.push(...(s.additionalRollbackAlarms ?? []));
    }
    const alarmNames = account ? DeploymentTargetAccount.alarmNames(endpointName) : alarms.map((a) => a.alarmName);
    const initial = s.initialInstanceCount ?? 1;
    const keyArn = account ? DeploymentTargetAccount.keyAliasArn(account, stack.region, this.p.namePrefix) : this.p.encryptionKey.keyArn;
    const asyncOptions = kind === DeploymentTargetKind.ASYNC ? s.target?.asyncOptions ?? {} : undefined;
    let autoscaling: ResolvedStage['autoscaling'] = s.maxCapacity !== undefined
      ? { min: s.minCapacity ?? initial, max: s.maxCapacity, target: s.targetInvocationsPerInstance ?? 100 }
      : undefined;
    if (asyncOptions) {
      autoscaling = asyncOptions.maxCapacity !== undefined
        ? { min: asyncOptions.minCapacity ?? 0, max: asyncOptions.maxCapacity, target: asyncOptions.targetBacklogPerInstance ?? 5, backlog: true }
        : undefined;
    }
    return {
      stageName: s.stageName,
      endpointName,
      serverless,
      memorySizeMiB: s.serverlessMemorySizeMiB,
      maxConcurrency: s.serverlessMaxConcurrency ?? 20,
      instanceType: instanceType.name,
      useVolumeKey: !serverless && !instanceType.hasLocalNvmeStorage,
      initialInstanceCount: initial,
      captureUri,
      samplingPercent: s.dataCaptureSamplingPercent ?? 100,
      trafficShift: s.trafficShift ?? TrafficShift.allAtOnce(),
      terminationWait: s.terminationWait ?? Duration.minutes(5),
      maximumExecutionTimeout: s.maximumExecutionTimeout ?? defaultMaximumExecutionTimeout(s),
      rollbackAlarmNames: [...alarmNames, ...(s.additionalRollbackAlarms ?? []).map((a) => a.alarmName)],
      networkIsolation: s.networkIsolation,
      account,
      namePrefix: account ? this.p.namePrefix : undefined,
      taskRole: account
        ? sfn.TaskRole.fromRole(iam.Role.fromRoleArn(scope, `Deployer-${s.stageName}`,
          DeploymentTargetAccount.deployerRoleArn(account, this.p.namePrefix), { mutable: false }))
        : undefined,
      modelRoleArn: account
        ? DeploymentTargetAccount.modelExecutionRoleArn(account, this.p.namePrefix)
        : this.p.modelExecutionRole.roleArn,
      keyArn,
      autoscaling,
      smokeTest: s.smokeTestPayload !== undefined
        ? { payload: s.smokeTestPayload, contentType: s.smokeTestContentType ?? 'application/json' }
        : undefined,
      approvalRequired: s.approvalRequired ?? false,
      approvalTimeout: s.approvalTimeout ?? Duration.days(7),
      // Production (the last stage, or one behind a gate) keeps a failed endpoint for a human to look at.
      recreateFailedEndpoint: s.recreateFailedEndpoint ?? (!last && !(s.approvalRequired ?? false)),
      asyncInference: asyncOptions ? this.resolveAsync(s, asyncOptions, captureBucketName, keyArn, account) : undefined,
      batch: batch ? this.resolveBatch(s, captureUri) : undefined,
    };
  }

  /** The bucket a stage's captured data lands in. */
  public captureBucketOf(stage: ResolvedStage): s3.IBucket | undefined {
    if (!stage.account) {
      return this.p.dataCaptureBucket;
    }
    const region = Stack.of(this.p.scope).region;
    return s3.Bucket.fromBucketAttributes(this.p.scope, `CaptureBucket-${stage.stageName}`, {
      bucketName: DeploymentTargetAccount.captureBucketName(stage.account, region, this.p.namePrefix),
      account: stage.account,
      region,
    });
  }

  private resolveAsync(s: DeploymentStageOptions, o: NonNullable<NonNullable<DeploymentStageOptions['target']>['asyncOptions']>,
    captureBucketName: string | undefined, keyArn: string, account: string | undefined): NonNullable<ResolvedStage['asyncInference']> {
    // By default results land next to the stage's captured data, in the
    // KMS-encrypted capture bucket the model role already writes to.
    const bucketName = o.outputBucket?.bucketName ?? captureBucketName;
    const output = o.outputPrefix ?? `data-capture/${s.stageName}/async-output`;
    const failure = o.failurePrefix ?? `data-capture/${s.stageName}/async-failure`;
    let successTopic = o.successTopic;
    let errorTopic = o.errorTopic;
    if (!account) {
      successTopic = successTopic ?? this.asyncTopic(s.stageName, 'Success');
      errorTopic = errorTopic ?? this.asyncTopic(s.stageName, 'Error');
      if (o.outputBucket) {
        this.grantAsyncOutput(o.outputBucket, [output, failure]);
      }
      // As topic.grantPublish, without its kms:GenerateDataKey* wildcard action.
      const topics = [successTopic, errorTopic];
      this.p.modelExecutionRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: topics.map((x) => x.topicArn) }));
      const keys = [...new Set(topics.map((x) => x.masterKey).filter((k): k is kms.IKey => k !== undefined))];
      if (keys.length > 0) {
        this.p.modelExecutionRole.addToPrincipalPolicy(new iam.PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: keys.map((k) => k.keyArn),
        }));
      }
    }
    return {
      outputUri: `s3://${bucketName}/${output.replace(/\/$/, '')}`,
      failureUri: `s3://${bucketName}/${failure.replace(/\/$/, '')}`,
      keyArn,
      successTopicArn: successTopic?.topicArn,
      errorTopicArn: errorTopic?.topicArn,
      includeInferenceResponseIn: o.includeInferenceResponseIn?.map((x) => x as string),
      maxConcurrentInvocationsPerInstance: o.maxConcurrentInvocationsPerInstance,
    };
  }

  /**
   * A topic SageMaker publishes an async stage's notifications to, with the
   * model execution role's credentials: encrypted with the deployment's key,
   * its topic policy and the key policy admit that role (through SNS only).
   */
  private asyncTopic(stageName: string, which: string): sns.ITopic {
    const scope = this.p.scope;
    const role = this.p.modelExecutionRole;
    const topic = new sns.Topic(scope, `Async${which}-${stageName}`, {
      masterKey: this.p.encryptionKey,
      enforceSSL: true,
      displayName: `ML async inference ${which.toLowerCase()} (${stageName})`,
    });
    topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowModelExecutionRoleToPublish',
      principals: [new iam.ArnPrincipal(role.roleArn)],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
    }));
    this.p.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowModelExecutionRoleToPublishEncrypted',
      principals: [new iam.ArnPrincipal(role.roleArn)],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:ViaService': `sns.${Stack.of(scope).region}.amazonaws.com` } },
    }), false);
    return topic;
  }

  private grantAsyncOutput(bucket: s3.IBucket, prefixes: string[]): void {
    const role = this.p.modelExecutionRole;
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:PutObject'],
      resources: prefixes.map((p) => bucket.arnForObjects(`${p.replace(/\/$/, '')}/*`)),
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [this.p.encryptionKey.keyArn, ...(bucket.encryptionKey ? [bucket.encryptionKey.keyArn] : [])],
    }));
  }

  private resolveBatch(s: DeploymentStageOptions, captureUri: string | undefined): NonNullable<ResolvedStage['batch']> {
    const o = s.target!.batchOptions!;
    const output = o.outputBucket ?? o.inputBucket;
    const outputPrefix = o.outputPrefix ?? `batch-output/${s.stageName}/`;
    return {
      inputBucket: o.inputBucket,
      inputPrefix: o.inputPrefix ?? '',
      outputBucket: output,
      outputPrefix: outputPrefix.endsWith('/') ? outputPrefix : `${outputPrefix}/`,
      instanceType: (o.instanceType ?? MlInstanceType.ML_M5_LARGE).name,
      useVolumeKey: !(o.instanceType ?? MlInstanceType.ML_M5_LARGE).hasLocalNvmeStorage,
      instanceCount: o.instanceCount ?? 1,
      contentType: o.contentType ?? 'text/csv',
      accept: o.accept,
      splitType: o.splitType ?? TransformSplitType.LINE,
      batchStrategy: o.batchStrategy ?? TransformBatchStrategy.MULTI_RECORD,
      maxPayloadMiB: o.maxPayloadMiB ?? 6,
      maxConcurrentTransforms: o.maxConcurrentTransforms,
      inputFilter: o.inputFilter,
      outputFilter: o.outputFilter,
      joinSource: o.joinSource ?? TransformJoinSource.NONE,
      invocationTimeoutSeconds: o.invocationTimeout?.toSeconds(),
      schedule: o.schedule,
      scheduleTimeZone: o.scheduleTimeZone ?? 'UTC',
      runOnNewData: o.runOnNewData ?? false,
      captureUri,
    };
  }
}

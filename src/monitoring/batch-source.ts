/**
 * A batch stage as the drift check's data source (library-internal).
 *
 * A transform job with data capture writes no copies of its records: under
 * its `DestinationS3Uri` it writes `input/` and `output/` manifests that name
 * the transform's source objects, in `yyyy/mm/dd/hh/` folders of the hour the
 * job started (SageMaker Developer Guide, "Capture data from batch transform
 * job", "How to view data captured"). The drift check reads the `input/`
 * manifests of the window's folders and the input objects they name
 * (assets/drift_check/driftcheck/batch.py), so its job role reads the capture
 * prefix and the transform input prefix.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import { grantReadPrefix } from './grants';
import { DeploymentStage } from '../deployment/deployment-stage';
import { DeploymentTargetKind } from '../deployment/deployment-target';
import { PropsValidator } from '../private/validation';

/** Content types of transform input the drift check splits into records (batch.py). */
export const BATCH_CONTENT_TYPES = ['text/csv', 'application/jsonlines', 'application/x-jsonlines', 'application/jsonl'];

/** True for a batch stage. */
export function isBatchStage(stage: DeploymentStage): boolean {
  return stage.kind === DeploymentTargetKind.BATCH;
}

/** The key prefix of a batch stage's captured input manifests (`<DestinationS3Uri>/input/`). */
export function batchInputManifestPrefix(stage: DeploymentStage): string {
  return `${stage.dataCapturePrefix ?? ''}input/`;
}

/** The drift check's environment for a batch stage. */
export function batchEnvironment(stage: DeploymentStage): { [k: string]: string } {
  return { DRIFT_CAPTURE_FORMAT: 'batch', DRIFT_BATCH_CONTENT_TYPE: stage.transformContentType ?? 'text/csv' };
}

/** Let the drift check's job role read the transform input the manifests name. */
export function grantBatchInputRead(jobRole: iam.IGrantable, stage: DeploymentStage): void {
  grantReadPrefix(jobRole, stage.transformInputBucket!, stage.transformInputPrefix);
}

/** What a DriftMonitor of a batch stage must not be given, and what the stage must expose. */
export function validateBatchSource(v: PropsValidator, stage: DeploymentStage, variantName: string | undefined): void {
  if (!isBatchStage(stage)) {
    return;
  }
  v.check(!stage.dataCaptureEnabled, {
    prop: 'stage',
    value: `batch stage ${stage.stageName} without data capture`,
    allowed: 'a batch stage with dataCapture on (its transform jobs then write input and output manifests)',
    fix: 'set dataCapture: true on the batch stage, or give dataCaptureBucket and dataCapturePrefix to DeploymentStage.fromStageAttributes().',
  });
  v.check(stage.transformInputBucket === undefined, {
    prop: 'stage.transformInputBucket',
    value: undefined,
    allowed: 'the transform input bucket of the batch stage (the captured manifests name objects in it)',
    fix: 'use deployment.stage(name), or give transformInputBucket and transformInputPrefix to DeploymentStage.fromStageAttributes().',
  });
  const ctype = stage.transformContentType;
  v.check(ctype !== undefined && !BATCH_CONTENT_TYPES.includes(ctype.split(';')[0].trim().toLowerCase()), {
    prop: 'stage.transformContentType',
    value: ctype,
    allowed: `transform input the drift check splits into records: ${BATCH_CONTENT_TYPES.join(', ')}`,
    fix: 'monitor a batch stage with CSV or JSON Lines input, or check its data with your own job.',
  });
  v.check(variantName !== undefined, {
    prop: 'variantName',
    value: variantName,
    allowed: 'nothing for a batch stage: production variants belong to endpoints',
    fix: 'remove variantName.',
  });
}

/** The options of the processing engine that need endpoint capture (records with ids and outputs). */
export function validateBatchEngineOptions(v: PropsValidator, stage: DeploymentStage, engine: string, realtimeOnly: string[]): void {
  if (!isBatchStage(stage)) {
    return;
  }
  v.check(engine === 'modelMonitor', {
    prop: 'engine',
    value: 'DriftEngine.modelMonitor()',
    allowed: 'DriftEngine.processing() for a batch stage',
    fix: 'use the default engine, DriftEngine.processing().',
  });
  for (const option of realtimeOnly) {
    v.add({
      prop: `engine.${option}`,
      value: 'set',
      allowed: 'nothing for a batch stage: it needs endpoint capture (inference ids and outputs)',
      fix: `remove ${option}, or monitor a real-time or asynchronous stage.`,
    });
  }
}

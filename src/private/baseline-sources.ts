import { Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';

/**
 * Where a pipeline writes the drift baselines it registers with model
 * versions: the contract between the pipeline layer (a `RegisterModelStep`
 * with a `DriftBaselineStep`) and the monitoring layer
 * (`DriftBaseline.fromModelRegistry(registry)` / `fromPipeline(pipeline)`),
 * so a monitor can read the baseline of the latest approved version without
 * the user naming the bucket. Recorded while a pipeline definition renders
 * (in the MlPipeline constructor).
 */
export interface BaselineSource {
  /** The pipeline construct that writes it. */
  readonly pipeline: IConstruct;
  /** The registry (model package group) its versions are registered into. */
  readonly registry: IConstruct & { readonly modelPackageGroupName: string };
  /** The bucket of the baseline files. */
  readonly bucket: s3.IBucket;
  /** The key that encrypts them. */
  readonly encryptionKey: kms.IKey;
  /** Object keys of the baseline files (IAM resource pattern, `*` wildcards). */
  readonly objectPattern: string;
  /** The key prefix SageMaker lists to find a file (`s3:prefix` condition pattern). */
  readonly listPattern: string;
}

/** Sources by app (construct tree root), so finished apps are not kept alive. */
const byApp = new WeakMap<IConstruct, BaselineSource[]>();

function appSources(scope: IConstruct): BaselineSource[] {
  const root = scope.node.root;
  let list = byApp.get(root);
  if (!list) {
    list = [];
    byApp.set(root, list);
  }
  return list;
}

/** Record a baseline source (once per pipeline, registry and pattern). */
export function recordBaselineSource(source: BaselineSource): void {
  const sources = appSources(source.pipeline);
  if (!sources.some((s) => s.pipeline === source.pipeline && s.registry === source.registry && s.objectPattern === source.objectPattern)) {
    sources.push(source);
  }
}

/**
 * The baseline sources of a registry: recorded with the same registry
 * object, or with a registry of the same (literal) group name in the same app.
 */
export function baselineSourcesOfRegistry(registry: IConstruct & { readonly modelPackageGroupName: string }): BaselineSource[] {
  const name = registry.modelPackageGroupName;
  return appSources(registry).filter((s) => s.registry === registry
    || (!Token.isUnresolved(name) && s.registry.modelPackageGroupName === name));
}

/** The baseline sources a pipeline recorded. */
export function baselineSourcesOfPipeline(pipeline: IConstruct): BaselineSource[] {
  return appSources(pipeline).filter((s) => s.pipeline === pipeline);
}

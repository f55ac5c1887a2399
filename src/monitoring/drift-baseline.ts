import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IMlPipeline } from '../pipeline/ml-pipeline-interface';
import { BaselineSource, baselineSourcesOfPipeline, baselineSourcesOfRegistry } from '../private/baseline-sources';
import { fail } from '../private/validation';
import { IModelRegistry } from '../registry/model-registry';

/**
 * The baseline a drift check compares a window against: the drift check's
 * own `baseline.json` (its `baseline` mode), or the `statistics.json` a
 * pipeline quality-check step (or a Model Monitor baselining job) wrote.
 */
export class DriftBaseline {
  /**
   * The data-quality drift-check baseline of the latest approved version in
   * a model registry, looked up at every check: the `baseline.json` a
   * pipeline's `DriftBaselineStep` wrote (or the statistics of a
   * `QualityCheckStep`) and its `RegisterModelStep` registered as
   * `DriftCheckBaselines` data-quality statistics. Processing engine only.
   *
   * Without `artifactBucket`, the bucket is the one the pipelines of this
   * app that register a `DriftBaselineStep` into the registry write to
   * (define the pipeline before the monitor); the check job may read exactly
   * those baseline files.
   * @param registry the model package group the pipeline registers to
   * @param artifactBucket the bucket the pipeline writes its baselines to (the job gets read access to it)
   * @default - artifactBucket: found from the pipelines that register into the registry
   */
  public static fromModelRegistry(registry: IModelRegistry, artifactBucket?: s3.IBucket): DriftBaseline {
    if (artifactBucket) {
      return new DriftBaseline(artifactBucket, '', true, registry);
    }
    return new DriftBaseline(undefined, '', true, registry, () => baselineSourcesOfRegistry(registry));
  }

  /**
   * The baseline of the latest approved version of the registry `pipeline`
   * registers into, written by its `DriftBaselineStep`: the common case of a
   * monitor on the endpoint that serves that pipeline's models. The pipeline
   * must be an `MlPipeline` of this app whose definition has a
   * `RegisterModelStep` with `driftBaseline`.
   * @param pipeline the pipeline that trains and registers the monitored model
   */
  public static fromPipeline(pipeline: IMlPipeline): DriftBaseline {
    const sources = baselineSourcesOfPipeline(pipeline);
    const registries = [...new Set(sources.map((s) => s.registry))];
    if (registries.length !== 1) {
      fail(pipeline, 'DriftBaseline.fromPipeline', {
        prop: 'pipeline',
        value: registries.length === 0 ? `${pipeline.node.path} (no drift baseline registered)` : `${registries.length} registries`,
        allowed: 'an MlPipeline of this app whose RegisterModelStep registers a DriftBaselineStep (driftBaseline) into one registry',
        fix: 'add a DriftBaselineStep and pass it to the RegisterModelStep as driftBaseline, or use DriftBaseline.fromModelRegistry(registry, bucket) for a pipeline defined elsewhere.',
      });
    }
    return new DriftBaseline(undefined, '', true, registries[0] as unknown as IModelRegistry, () => sources);
  }

  /**
   * One baseline file (`baseline.json` or `statistics.json`).
   * @param bucket the bucket that holds it
   * @param key its object key
   */
  public static fromS3Object(bucket: s3.IBucket, key: string): DriftBaseline {
    return new DriftBaseline(bucket, key, false);
  }

  /**
   * A folder that holds the baseline: the output folder of a quality-check
   * step with a fixed destination (`statistics.json` and `constraints.json`),
   * or a folder with one `baseline.json`.
   * @param bucket the bucket that holds it
   * @param prefix the key prefix of the folder, e.g. `baselines/churn/`
   */
  public static fromS3Prefix(bucket: s3.IBucket, prefix: string): DriftBaseline {
    return new DriftBaseline(bucket, prefix.endsWith('/') || prefix === '' ? prefix : `${prefix}/`, true);
  }

  /** The object key (file) or key prefix (folder). */
  public readonly key: string;
  /** True when `key` is a folder. */
  public readonly isPrefix: boolean;
  /** The registry whose latest approved version provides the baseline (resolved at run time). */
  public readonly registry?: IModelRegistry;
  private readonly explicitBucket?: s3.IBucket;

  private constructor(bucket: s3.IBucket | undefined, key: string, isPrefix: boolean, registry?: IModelRegistry,
    private readonly sources?: () => BaselineSource[]) {
    this.explicitBucket = bucket;
    this.key = key;
    this.isPrefix = isPrefix;
    this.registry = registry;
  }

  /**
   * The bucket that holds the baseline (for a registry baseline found from
   * its pipelines: the first of their buckets).
   */
  public get bucket(): s3.IBucket {
    const bucket = this.explicitBucket ?? this.sources?.()[0]?.bucket;
    if (!bucket) {
      fail(this.registry!, 'DriftBaseline.fromModelRegistry', this._missingSource()!);
    }
    return bucket;
  }

  /**
   * Why the baseline cannot be read, when no pipeline of this app registers
   * one into the registry and no bucket was given.
   * @internal
   */
  public _missingSource(): { prop: string; value: unknown; allowed: string; fix: string } | undefined {
    if (this.explicitBucket || (this.sources?.() ?? []).length > 0) {
      return undefined;
    }
    return {
      prop: 'baseline',
      value: `DriftBaseline.fromModelRegistry(${this.registry?.modelPackageGroupName ?? '?'}) without artifactBucket`,
      allowed: 'a registry that an MlPipeline of this app, defined before the monitor, registers a DriftBaselineStep into (RegisterModelStep driftBaseline), or an artifactBucket',
      fix: 'define the pipeline first and give its RegisterModelStep driftBaseline: yourDriftBaselineStep, or pass the bucket the pipeline writes its baselines to as the second argument.',
    };
  }

  /** The S3 URI of the file or folder. */
  public get s3Uri(): string {
    return `s3://${this.bucket.bucketName}/${this.key}`;
  }

  /**
   * The statistics file Model Monitor needs: the file itself, or
   * `statistics.json` in the folder.
   */
  public get statisticsS3Uri(): string {
    return this.isPrefix ? `${this.s3Uri}statistics.json` : this.s3Uri;
  }

  /** The constraints file next to the statistics (Model Monitor). */
  public get constraintsS3Uri(): string {
    return this.isPrefix ? `${this.s3Uri}constraints.json` : this.s3Uri.replace(/[^/]*$/, 'constraints.json');
  }

  /**
   * Allow a job role to read the baseline (exact actions: `s3:GetObject`,
   * `s3:ListBucket` on the key or prefix; for a registry baseline found from
   * its pipelines, on the baseline files they write, and `kms:Decrypt` with
   * their key).
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    if (!this.explicitBucket) {
      const grants = (this.sources?.() ?? []).map((source) => {
        const objects = iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [source.bucket.arnForObjects(source.objectPattern)] });
        const list = iam.Grant.addToPrincipal({
          grantee,
          actions: ['s3:ListBucket'],
          resourceArns: [source.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [source.listPattern] } },
        });
        return objects.combine(list).combine(source.encryptionKey.grantDecrypt(grantee));
      });
      if (grants.length === 0) {
        fail(this.registry!, 'DriftBaseline.fromModelRegistry', this._missingSource()!);
      }
      return grants.reduce((a, b) => a.combine(b));
    }
    const bucket = this.explicitBucket;
    const objects = iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [bucket.arnForObjects(this.isPrefix ? `${this.key}*` : this.key)] });
    const list = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [this.isPrefix ? `${this.key}*` : this.key] } },
    });
    const key = bucket.encryptionKey?.grantDecrypt(grantee);
    return key ? objects.combine(list).combine(key) : objects.combine(list);
  }
}

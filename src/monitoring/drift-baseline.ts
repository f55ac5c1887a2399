import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IModelRegistry } from '../registry/model-registry';

/**
 * The baseline a drift check compares a window against: the drift check's
 * own `baseline.json` (its `baseline` mode), or the `statistics.json` a
 * pipeline quality-check step (or a Model Monitor baselining job) wrote.
 */
export class DriftBaseline {
  /**
   * The data-quality drift-check baseline of the latest approved version in
   * a model registry, looked up at every check: the statistics a pipeline's
   * `QualityCheckStep` produced and its `RegisterModelStep` registered as
   * `driftCheckBaselines.modelDataQualityStatistics`. Processing engine only.
   * @param registry the model package group the pipeline registers to
   * @param artifactBucket the bucket the pipeline writes its baselines to (the job gets read access to it)
   */
  public static fromModelRegistry(registry: IModelRegistry, artifactBucket: s3.IBucket): DriftBaseline {
    return new DriftBaseline(artifactBucket, '', true, registry);
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

  /** The bucket that holds the baseline. */
  public readonly bucket: s3.IBucket;
  /** The object key (file) or key prefix (folder). */
  public readonly key: string;
  /** True when `key` is a folder. */
  public readonly isPrefix: boolean;
  /** The registry whose latest approved version provides the baseline (resolved at run time). */
  public readonly modelRegistry?: IModelRegistry;

  private constructor(bucket: s3.IBucket, key: string, isPrefix: boolean, modelRegistry?: IModelRegistry) {
    this.bucket = bucket;
    this.key = key;
    this.isPrefix = isPrefix;
    this.modelRegistry = modelRegistry;
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

  /** Allow a job role to read the baseline (exact actions: `s3:GetObject`, `s3:ListBucket` on the key or prefix). */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    const objects = iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [this.bucket.arnForObjects(this.isPrefix ? `${this.key}*` : this.key)] });
    const list = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [this.isPrefix ? `${this.key}*` : this.key] } },
    });
    const key = this.bucket.encryptionKey?.grantDecrypt(grantee);
    return key ? objects.combine(list).combine(key) : objects.combine(list);
  }
}

import { Aws, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { grantWithWildcards } from '../private/registry-acknowledgements';
import { ACCOUNT_ID, PropsValidator } from '../private/validation';

/**
 * Where the model artifacts (`model.tar.gz`) of registered versions live,
 * and how a role that runs the models gets read access to them.
 *
 * This is the contract between the layers that write versions (an
 * `MlPipeline` is a model source) and the layers that deploy them: a writer
 * adds itself to the registry with `registry.addModelSource(...)`, and a
 * deployment grants its model execution role `registry.grantReadModelArtifacts(role)`,
 * so an app composed by hand gets the same permissions as `MlopsPlatform`.
 *
 * Not an `IResource`, on purpose: a model source is a capability (read the
 * artifacts), like aws-cdk-lib's `iam.IGrantable` or `ec2.IConnectable`, not
 * a resource. Constructs offer it (`MlPipeline`, `ModelRegistry`), and so do
 * plain objects that own nothing in the stack: `ModelSource.fromBucket()`
 * (objects of a bucket) and `ModelSource.fromAccount()` (another account's
 * artifacts), which have no scope, account or removal policy of their own.
 */
export interface IModelSource {
  /**
   * Grant read access to the model artifacts: `s3:GetObject` on the objects
   * and `kms:Decrypt` with their key.
   */
  grantReadModelArtifacts(grantee: iam.IGrantable): iam.Grant;
}

/** Options of a model source in a bucket. */
export interface BucketModelSourceOptions {
  /**
   * Object key prefix of the model artifacts, e.g. `models/`.
   * @default - every object of the bucket
   */
  readonly artifactPrefix?: string;
  /**
   * The key the artifacts are encrypted with.
   * @default - the bucket's encryption key, if any
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * Model sources that are not a pipeline of this app: a bucket, or another
 * account's artifacts.
 */
export class ModelSource {
  /**
   * Model artifacts in a bucket (objects under `artifactPrefix`), decrypted with
   * its key.
   */
  public static fromBucket(bucket: s3.IBucket, options: BucketModelSourceOptions = {}): IModelSource {
    return new BucketModelSource(bucket, options);
  }

  /**
   * Model artifacts in the buckets of another account (the tooling account
   * of a deployment target), read through S3 with that account's keys: the
   * bucket and key policies of that account decide which objects (a
   * registry's `shareArtifactBucket()` writes them). Identity side only:
   * `s3:GetObject` on objects owned by that account (`s3:ResourceAccount`)
   * and `kms:Decrypt` with its keys through S3 (`kms:ViaService`).
   *
   * @param accountId the 12-digit id of the account that holds the artifacts
   * @param region the region of its keys
   * @default region - the grantee's stack region
   */
  public static fromAccount(accountId: string, region?: string): IModelSource {
    return new AccountModelSource(accountId, region);
  }

  private constructor() {}
}

class BucketModelSource implements IModelSource {
  constructor(private readonly bucket: s3.IBucket, private readonly options: BucketModelSourceOptions) {}

  public grantReadModelArtifacts(grantee: iam.IGrantable): iam.Grant {
    const objects = this.bucket.arnForObjects(`${this.options.artifactPrefix ?? ''}*`);
    const grant = grantWithWildcards({ grantee, actions: ['s3:GetObject'], resourceArns: [objects] }, [objects], 'modelArtifactObjects');
    const key = this.options.encryptionKey ?? this.bucket.encryptionKey;
    return key
      ? grant.combine(iam.Grant.addToPrincipal({ grantee, actions: ['kms:Decrypt'], resourceArns: [key.keyArn] }))
      : grant;
  }
}

class AccountModelSource implements IModelSource {
  constructor(private readonly accountId: string, private readonly region?: string) {}

  public grantReadModelArtifacts(grantee: iam.IGrantable): iam.Grant {
    const scope: IConstruct | undefined = Construct.isConstruct(grantee) ? grantee
      : Construct.isConstruct(grantee.grantPrincipal) ? grantee.grantPrincipal : undefined;
    if (scope) {
      const known = !Token.isUnresolved(this.accountId);
      const v = new PropsValidator(scope, 'ModelSource');
      v.check(known && !ACCOUNT_ID.test(this.accountId), {
        prop: 'fromAccount(accountId)', value: this.accountId, allowed: 'a 12-digit account id', fix: 'give the id of the account that holds the model artifacts.',
      });
      v.check(known && grantee.grantPrincipal.principalAccount === this.accountId, {
        prop: 'fromAccount(accountId)',
        value: this.accountId,
        allowed: 'another account than the grantee\'s (it grants read of every object that account shares)',
        fix: 'use ModelSource.fromBucket() for artifacts in the grantee\'s own account.',
      });
      v.throwIfAny();
    }
    const region = this.region ?? (scope ? Stack.of(scope).region : Aws.REGION);
    const objects = `arn:${Aws.PARTITION}:s3:::*/*`;
    const keys = `arn:${Aws.PARTITION}:kms:${region}:${this.accountId}:key/*`;
    const read = grantWithWildcards({
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: [objects],
      conditions: { StringEquals: { 's3:ResourceAccount': this.accountId } },
    }, [objects], 'modelArtifactObjects');
    const decrypt = grantWithWildcards({
      grantee,
      actions: ['kms:Decrypt'],
      resourceArns: [keys],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
    }, [keys], 'modelArtifactObjects');
    return read.combine(decrypt);
  }
}

import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledgements';

/** Options for a library-owned customer-managed key. */
export interface SecureKeyOptions {
  /** What the key protects, shown in the console. */
  readonly description: string;
  /** @default RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A customer-managed KMS key with rotation on and retained by default.
 */
export function createSecureKey(scope: Construct, id: string, options: SecureKeyOptions): kms.Key {
  const removalPolicy = options.removalPolicy ?? RemovalPolicy.RETAIN;
  const key = new kms.Key(scope, id, {
    description: options.description,
    enableKeyRotation: true,
    removalPolicy,
    pendingWindow: removalPolicy === RemovalPolicy.RETAIN ? undefined : Duration.days(7),
  });
  // Grants only for AWS resources (SageMaker volumes, EFS, Logs create them
  // that way): no principal can hand the key on with a grant of its own.
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'DenyGrantsNotForAwsResources',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: {
      BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
    },
  }));
  return key;
}

/**
 * Allow CloudWatch Logs in this stack's region to use the key for log groups
 * of this account (the key policy statement Logs requires for KMS log groups).
 * No-op for imported keys: their policy is owned elsewhere.
 */
export function allowLogsToUseKey(key: kms.IKey): void {
  const stack = Stack.of(key);
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowCloudWatchLogsOfThisAccount',
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    // kms:Describe* is left out: DescribeKey carries no encryption context, so the condition never holds for it;
    // the encryption context key is String-typed (Service Authorization Reference): StringLike
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
    resources: ['*'],
    conditions: {
      StringLike: {
        'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
      },
    },
  }), false);
}

/** Options for a library-owned log group. */
export interface SecureLogGroupOptions {
  /** KMS key the log group is encrypted with. */
  readonly encryptionKey: kms.IKey;
  /** @default ONE_YEAR */
  readonly retention?: logs.RetentionDays;
  /** @default RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A KMS-encrypted log group with a retention period, retained by default.
 */
export function createSecureLogGroup(scope: Construct, id: string, options: SecureLogGroupOptions): logs.LogGroup {
  allowLogsToUseKey(options.encryptionKey);
  return new logs.LogGroup(scope, id, {
    encryptionKey: options.encryptionKey,
    retention: options.retention ?? logs.RetentionDays.ONE_YEAR,
    removalPolicy: options.removalPolicy ?? RemovalPolicy.RETAIN,
  });
}

/** Options for a library-owned data bucket. */
export interface SecureBucketOptions {
  /** KMS key for default encryption. */
  readonly encryptionKey: kms.IKey;
  /** @default RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Bucket that receives server access logs. One is created next to the
   * bucket when absent.
   * @default - a new access-log bucket
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /** Prefix for the access logs. */
  readonly serverAccessLogsPrefix?: string;
}

/**
 * A bucket with KMS default encryption (bucket key on), TLS only, versioned,
 * public access blocked, object ownership enforced, server access logs on,
 * retained by default.
 *
 * Server access logs cannot be delivered to a KMS-encrypted bucket, so the
 * access-log bucket uses SSE-S3; the packs' findings about it, and about
 * cross-region replication, are acknowledged in the registry.
 */
export function createSecureBucket(scope: Construct, id: string, options: SecureBucketOptions): s3.Bucket {
  const removalPolicy = options.removalPolicy ?? RemovalPolicy.RETAIN;
  const logBucket = options.serverAccessLogsBucket ?? createAccessLogBucket(scope, `${id}AccessLogs`, removalPolicy);
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: options.encryptionKey,
    bucketKeyEnabled: true,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy,
    autoDeleteObjects: false,
    // Old versions of ML data are kept for 90 days (recoverable after an
    // overwrite or delete), incomplete uploads cleaned after 7; current
    // versions are the data owner's to expire (add rules with addLifecycleRule).
    lifecycleRules: [{
      id: 'ExpireNoncurrentVersions',
      noncurrentVersionExpiration: Duration.days(90),
      abortIncompleteMultipartUploadAfter: Duration.days(7),
    }],
  });
  // Wire access logs through a bucket policy on the log bucket (not the legacy
  // LogDeliveryWrite ACL that aws-cdk-lib uses without a feature flag).
  const prefix = options.serverAccessLogsPrefix ?? `${id.toLowerCase()}/`;
  (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
    destinationBucketName: logBucket.bucketName,
    logFilePrefix: prefix,
  };
  logBucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: `AccessLogsFrom${id}`.replace(/[^A-Za-z0-9]/g, ''),
    principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
    actions: ['s3:PutObject'],
    resources: [logBucket.arnForObjects(`${prefix}*`)],
    conditions: {
      ArnLike: { 'aws:SourceArn': bucket.bucketArn },
      StringEquals: { 'aws:SourceAccount': Stack.of(bucket).account },
    },
  }));
  acknowledge(bucket, 'dataBucketReplication');
  return bucket;
}

/**
 * The bucket that receives server access logs: SSE-S3 (S3 cannot deliver
 * access logs to a KMS bucket), TLS only, versioned, public access blocked.
 */
export function createAccessLogBucket(scope: Construct, id: string, removalPolicy: RemovalPolicy = RemovalPolicy.RETAIN): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy,
    lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
  });
  acknowledge(bucket, 'accessLogBucket');
  return bucket;
}

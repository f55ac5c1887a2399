import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

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
  return new kms.Key(scope, id, {
    description: options.description,
    enableKeyRotation: true,
    removalPolicy,
    pendingWindow: removalPolicy === RemovalPolicy.RETAIN ? undefined : Duration.days(7),
  });
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
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      ArnLike: {
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

import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';

/**
 * Least-privilege S3 and KMS statements with exact actions (aws-cdk-lib's
 * grant helpers use action wildcards such as `s3:GetObject*`, which the
 * AwsSolutions pack rejects).
 */
export function grantReadPrefix(grantee: iam.IGrantable, bucket: s3.IBucket, prefix: string, exactObject = false): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['s3:GetObject'],
    resourceArns: [bucket.arnForObjects(exactObject ? prefix : `${prefix}*`)],
  });
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['s3:ListBucket'],
    resourceArns: [bucket.bucketArn],
    conditions: { StringLike: { 's3:prefix': [exactObject ? prefix : `${prefix}*`] } },
  });
  bucket.encryptionKey?.grantDecrypt(grantee);
}

/** Read and write objects under a prefix. */
export function grantReadWritePrefix(grantee: iam.IGrantable, bucket: s3.IBucket, prefix: string): void {
  grantReadPrefix(grantee, bucket, prefix);
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
    resourceArns: [bucket.arnForObjects(`${prefix}*`)],
  });
  if (bucket.encryptionKey) {
    grantKeyUse(grantee, bucket.encryptionKey);
  }
}

/** Encrypt and decrypt with a key (data keys for S3, volumes, logs). */
export function grantKeyUse(grantee: iam.IGrantable, key: kms.IKey): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
    resourceArns: [key.keyArn],
  });
}

/**
 * Let a principal that starts executions of a state machine encrypted with
 * `key` have the data key Step Functions generates with the caller's
 * credentials for the execution input (encryption context
 * `aws:states:stateMachineArn`, Step Functions developer guide, "Data at rest
 * encryption").
 */
export function grantExecutionInputKey(grantee: iam.IGrantable, machine: sfn.IStateMachine, key: kms.IKey): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['kms:GenerateDataKey'],
    resourceArns: [key.keyArn],
    conditions: { StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': machine.stateMachineArn } },
  });
}

import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';

/**
 * Grant object access under `objectsArn` (which ends in a wildcard, because
 * object keys are generated at run time) preferring the bucket policy.
 *
 * A bucket policy names the one role it admits and keeps the wildcard on
 * the bucket side; the role's identity policy stays free of object
 * wildcards. Falls back to the identity policy for buckets whose policy this
 * stack cannot change (imported, or owned by another stack, where a bucket
 * policy naming this role would create a dependency cycle).
 */
export function grantBucketAccess(scope: IConstruct, bucket: s3.IBucket, grantee: iam.IGrantable,
  actions: string[], resourceArns: string[], conditions?: Record<string, Record<string, unknown>>): void {
  if (Stack.of(bucket) === Stack.of(scope)) {
    const result = bucket.addToResourcePolicy(new iam.PolicyStatement({
      principals: [grantee.grantPrincipal],
      actions,
      resources: resourceArns,
      conditions,
    }));
    if (result.statementAdded) {
      return;
    }
  }
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: resourceArns, conditions }));
}

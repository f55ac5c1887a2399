import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { acknowledgeArns, renderForNag } from '../../private/acknowledgements';
import { ManagedPolicyGrantee } from '../../private/managed-policy-grantee';

/** The action wildcards of aws-cdk-lib's `bucket.grantRead()`: all reads. */
const S3_READ_WILDCARDS = ['s3:GetObject*', 's3:GetBucket*', 's3:List*'];
/** The actions of a read grant of S3 data (aws-cdk-lib's or hand-written) and of its key. */
const READ_ACTION = /^(s3:(Get|List)[A-Za-z]*\*?|kms:(Decrypt|DescribeKey))$/;

/**
 * The principal an MlPipeline offers as `iam.IGrantable`: grants land in
 * the pipeline's managed policy (like its own statements). A statement that
 * only reads S3 data and decrypts it (`bucket.grantRead(pipeline, pattern)`)
 * gets the acknowledgements the pipeline's own data statements get: its
 * wildcard ARNs scoped to a bucket (`pipelineJobWildcards`, never `*`) and
 * aws-cdk-lib's read-action wildcards (`pipelineGrantedReadActions`). Any
 * other statement is left as it is, so its findings surface.
 */
export class PipelineGrantee extends ManagedPolicyGrantee {
  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    const result = super.addToPrincipalPolicy(statement);
    if (statement.effect === iam.Effect.ALLOW && statement.actions.length > 0 && statement.actions.every((a) => READ_ACTION.test(a))) {
      const stack = Stack.of(this.policy);
      const scoped = statement.resources.filter((r) => {
        const rendered = renderForNag(stack.resolve(r));
        return rendered !== '*' && rendered.includes('*');
      });
      if (scoped.length > 0) {
        acknowledgeArns(this.policy, 'pipelineJobWildcards', scoped);
      }
      const wildcards = statement.actions.filter((a) => S3_READ_WILDCARDS.includes(a));
      if (wildcards.length > 0) {
        acknowledgeArns(this.policy, 'pipelineGrantedReadActions', wildcards);
      }
    }
    return result;
  }
}

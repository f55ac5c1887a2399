import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { acknowledge, acknowledgeArns, AcknowledgementName, renderForNag } from './acknowledgements';

/** Which registry entries acknowledge the wildcards a policy's own statements name. */
export interface WildcardAcknowledgements {
  /** Entry for `Resource::*` (actions without resource-level permissions). */
  readonly any: AcknowledgementName;
  /** Entry whose id template `AwsSolutions-IAM5[Resource::<arn>]` covers scoped wildcard ARNs. */
  readonly scoped: AcknowledgementName;
}

/**
 * Acknowledge the wildcard resources of statements the construct wrote, on
 * the managed policy that holds them: `*` with the `any` entry, every other
 * wildcard ARN with the `scoped` entry, one id per ARN flattened as cdk-nag
 * flattens CloudFormation references (`<AWS::Partition>`, `<Logical.Attr>`).
 *
 * The per-ARN ids are recorded as the acknowledged-rules metadata that
 * cdk-nag reads, because `Validations.of(x).acknowledge` rejects ids with
 * more than one '::', which every ARN with a pseudo parameter has (the same
 * approach as the registry, pipeline, CI and deployment layers).
 */
export function acknowledgeWildcards(policy: iam.CfnManagedPolicy, statements: iam.PolicyStatement[], acks: WildcardAcknowledgements): void {
  const stack = Stack.of(policy);
  for (const statement of statements) {
    if (statement.effect !== iam.Effect.ALLOW) {
      continue;
    }
    for (const resource of statement.resources) {
      const flat = renderForNag(stack.resolve(resource));
      if (flat === '*') {
        acknowledge(policy, acks.any);
      } else if (flat.includes('*')) {
        acknowledgeArns(policy, acks.scoped, [resource]);
      }
    }
  }
}

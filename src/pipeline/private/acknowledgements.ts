import * as iam from 'aws-cdk-lib/aws-iam';
import { acknowledgeOwnWildcards } from '../../private/acknowledgements';

/**
 * Acknowledge the wildcard resources of the statements an MlPipeline put in
 * its managed policy (grants of other layers acknowledge their own): `*`
 * with the registry entry `pipelineServiceWildcards`, scoped ARNs with
 * `pipelineJobWildcards` (one id per ARN, as cdk-nag renders it).
 */
export function acknowledgePipelineWildcards(policy: iam.ManagedPolicy, statements: iam.PolicyStatement[]): void {
  acknowledgeOwnWildcards(policy, statements, { any: 'pipelineServiceWildcards', scoped: 'pipelineJobWildcards' });
}

import { acknowledgeOwnWildcards } from '../../private/acknowledgements';
import { ManagedPolicyRole } from '../../private/managed-policy-role';

/**
 * Acknowledge, on each managed policy of a monitoring role, the wildcard
 * resources the construct itself put there: `*` with
 * `monitoringServiceWildcards`, scoped ARNs with `monitoringRunTimeNames`
 * (one id per ARN, as cdk-nag renders it). Call after the construct added
 * its statements.
 */
export function acknowledgeMonitoringWildcards(role: ManagedPolicyRole): void {
  role.policies.forEach((policy, i) => {
    acknowledgeOwnWildcards(policy, role.statementsOf(i), { any: 'monitoringServiceWildcards', scoped: 'monitoringRunTimeNames' });
  });
}

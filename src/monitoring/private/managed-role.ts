import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeOwnWildcards } from '../../private/acknowledgements';

const POLICY_BUDGET = 5000;

/**
 * A role of the monitoring layer whose principal policy is customer-managed
 * (`Policy`, `Policy2`, ...) instead of an inline `DefaultPolicy`, which the
 * HIPAA, NIST and PCI packs reject. Grants by aws-cdk-lib land there too.
 */
export class MonitoringManagedRole extends iam.Role {
  private readonly managed: iam.ManagedPolicy[] = [];
  private readonly statements: iam.PolicyStatement[][] = [];
  private used = 0;

  constructor(scope: Construct, id: string, props: iam.RoleProps) {
    super(scope, id, props);
  }

  /** The managed policies, in creation order. */
  public get policies(): iam.ManagedPolicy[] {
    return [...this.managed];
  }

  /** The statements added to the managed policy at `index`. */
  public statementsOf(index: number): iam.PolicyStatement[] {
    return [...(this.statements[index] ?? [])];
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    const size = JSON.stringify(Stack.of(this).resolve(statement.toStatementJson())).length;
    if (this.managed.length === 0 || this.used + size > POLICY_BUDGET) {
      const n = this.managed.length;
      this.managed.push(new iam.ManagedPolicy(this, n === 0 ? 'Policy' : `Policy${n + 1}`, {
        roles: [this],
        description: `Permissions of ${this.node.path}${n === 0 ? '' : ` (part ${n + 1})`}`,
        document: new iam.PolicyDocument({ minimize: true }),
      }));
      this.statements.push([]);
      this.used = 0;
    }
    const policy = this.managed[this.managed.length - 1];
    policy.addStatements(statement);
    this.statements[this.statements.length - 1].push(statement);
    this.used += size;
    return { statementAdded: true, policyDependable: policy };
  }
}

/**
 * Acknowledge, on each managed policy of a monitoring role, the wildcard
 * resources the construct itself put there: `*` with
 * `monitoringServiceWildcards`, scoped ARNs with `monitoringRunTimeNames`
 * (one id per ARN, as cdk-nag renders it). Call after the construct added
 * its statements.
 */
export function acknowledgeMonitoringWildcards(role: MonitoringManagedRole): void {
  role.policies.forEach((policy, i) => {
    acknowledgeOwnWildcards(policy, role.statementsOf(i), { any: 'monitoringServiceWildcards', scoped: 'monitoringRunTimeNames' });
  });
}

import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * A grantee that lands every statement granted to it in one customer-managed
 * policy attached to a role, instead of the role's inline `DefaultPolicy`
 * (the HIPAA, NIST and PCI packs reject inline policies).
 *
 * Grants from other layers (`IMlPipeline.grantUpdate(grantee)`) and from
 * aws-cdk-lib (`key.grant(grantee, ...)`) go through `addToPrincipalPolicy`,
 * so they end up in the managed policy without any hand-written IAM.
 */
export class ManagedPolicyGrantee implements iam.IPrincipal {
  public readonly grantPrincipal: iam.IPrincipal = this;
  public readonly assumeRoleAction: string;
  public readonly policyFragment: iam.PrincipalPolicyFragment;
  public readonly principalAccount?: string;

  private immutable?: iam.IRole;

  constructor(public readonly role: iam.IRole, public readonly policy: iam.ManagedPolicy) {
    this.assumeRoleAction = role.assumeRoleAction;
    this.policyFragment = role.policyFragment;
    this.principalAccount = role.principalAccount;
  }

  /**
   * The role closed to policy updates: what aws-cdk-lib L2s get, so they add
   * no inline policy. A reference by ARN rather than `withoutPolicyUpdates()`,
   * so L2s that depend on their role add no `DependsOn` next to the `GetAtt`
   * (cfn-lint W3005); depend on `policy` instead, which is what must exist
   * before the resource runs.
   */
  public get immutableRole(): iam.IRole {
    this.immutable ??= iam.Role.fromRoleArn(this.policy, 'RoleReference', this.role.roleArn, { mutable: false });
    return this.immutable;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }

  public addToPolicy(statement: iam.PolicyStatement): boolean {
    return this.addToPrincipalPolicy(statement).statementAdded;
  }
}

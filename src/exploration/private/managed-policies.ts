import { Lazy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IDependable } from 'constructs';
import { acknowledgeOwnWildcards, WildcardEntries } from '../../private/acknowledgements';

export type { WildcardEntries };

/** One customer-managed policy of a set. */
export interface ManagedPolicyGroup {
  /** Construct id of the policy, PascalCase. */
  readonly id: string;
  /** Description shown in the IAM console. */
  readonly description: string;
}

/**
 * Customer-managed policies (no inline policies) shared by one or more roles,
 * in groups that stay under the 6,144-character managed policy limit.
 *
 * Statements the construct writes (`addStatements`) have their wildcard
 * resources acknowledged on the policy they land in, one id per ARN as
 * cdk-nag flattens it; statements of grants by other constructs
 * (`granteeFor`) are added as they are, and those constructs acknowledge
 * their own wildcards on the policy (see `policyDependable`).
 */
export class ExplorationManagedPolicies extends Construct {
  private readonly groups = new Map<string, iam.PolicyStatement[]>();
  private readonly policies = new Map<string, iam.CfnManagedPolicy>();
  private readonly descriptions = new Map<string, string>();
  private readonly roleNames: string[] = [];

  constructor(scope: Construct, id: string, groups: ManagedPolicyGroup[], private readonly acks: WildcardEntries) {
    super(scope, id);
    for (const group of groups) {
      this.descriptions.set(group.id, group.description);
    }
  }

  /** Add statements the construct wrote, acknowledging their wildcard resources. */
  public addStatements(group: string, ...statements: iam.PolicyStatement[]): void {
    const policy = this.policyOf(group);
    this.groups.get(group)!.push(...statements);
    acknowledgeOwnWildcards(policy, statements, this.acks);
  }

  /** Attach every policy of the set (present and future) to the role. */
  public attachTo(role: iam.IRole): void {
    this.roleNames.push(role.roleName);
  }

  /** A grantee whose grants land in `group` of this set. */
  public granteeFor(role: iam.IRole, group: string): iam.IGrantable {
    return new PolicyGroupGrantee(role, this, group);
  }

  /** Add statements of a grant made by another construct, as they are. */
  public addGrantStatement(group: string, statement: iam.PolicyStatement): iam.CfnManagedPolicy {
    const policy = this.policyOf(group);
    this.groups.get(group)!.push(statement);
    return policy;
  }

  /** The CloudFormation policy of a group (created on first use). */
  public policyOf(group: string): iam.CfnManagedPolicy {
    let policy = this.policies.get(group);
    if (!policy) {
      const description = this.descriptions.get(group);
      if (description === undefined) {
        throw new Error(`unknown policy group '${group}'`);
      }
      this.groups.set(group, []);
      policy = new iam.CfnManagedPolicy(this, group, {
        description,
        policyDocument: Lazy.any({ produce: () => this.render(group) }),
        roles: Lazy.list({ produce: () => this.roleNames }),
      });
      this.policies.set(group, policy);
    }
    return policy;
  }

  /** Every policy of the set created so far. */
  public get allPolicies(): iam.CfnManagedPolicy[] {
    return [...this.policies.values()];
  }

  /** The statements of a group, as written (for tests and size checks). */
  public statementsOf(group: string): iam.PolicyStatement[] {
    return [...(this.groups.get(group) ?? [])];
  }

  private render(group: string): unknown {
    return { Version: '2012-10-17', Statement: this.groups.get(group)!.map((s) => s.toStatementJson()) };
  }
}

/** Grants to it land in a group of a managed policy set. */
class PolicyGroupGrantee implements iam.IPrincipal {
  public readonly grantPrincipal: iam.IPrincipal = this;
  public readonly assumeRoleAction: string;
  public readonly policyFragment: iam.PrincipalPolicyFragment;
  public readonly principalAccount?: string;

  constructor(role: iam.IRole, private readonly policies: ExplorationManagedPolicies, private readonly group: string) {
    this.assumeRoleAction = role.assumeRoleAction;
    this.policyFragment = role.policyFragment;
    this.principalAccount = role.principalAccount;
  }

  public addToPolicy(statement: iam.PolicyStatement): boolean {
    return this.addToPrincipalPolicy(statement).statementAdded;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    const dependable: IDependable = this.policies.addGrantStatement(this.group, statement);
    return { statementAdded: true, policyDependable: dependable };
  }
}

import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * Budget per managed policy, in characters of the statements as synthesized
 * (CloudFormation functions included, so larger than what IAM counts against
 * its 6,144-character limit once references are resolved and statements merged).
 */
const POLICY_BUDGET = 5000;

/**
 * A role whose principal policy is customer-managed instead of an inline
 * `DefaultPolicy` (the HIPAA, NIST and PCI packs reject inline policies).
 * Everything aws-cdk-lib grants to it (task integrations, logging, tracing,
 * event targets) lands in managed policies `Policy`, `Policy2`, ... which
 * are split so each stays below IAM's size limit. The statements of each
 * policy are kept, so a layer can acknowledge its own wildcards on them.
 */
export class ManagedPolicyRole extends iam.Role {
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

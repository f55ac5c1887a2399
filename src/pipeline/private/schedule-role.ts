import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** Properties of a schedule role. */
export interface ScheduleRoleProps extends iam.RoleProps {
  /** Description of the managed policy. */
  readonly policyDescription: string;
}

/**
 * The role EventBridge Scheduler starts a pipeline with. What aws-cdk-lib
 * grants to it (the scheduler target's `grantStartPipelineExecution`, the
 * schedule key's `grantDecrypt`) lands in one customer-managed policy,
 * `<id>Policy` next to the role, instead of an inline `DefaultPolicy` (the
 * HIPAA, NIST and PCI packs reject inline policies).
 */
export class ScheduleRole extends iam.Role {
  /** The role's managed policy. */
  public readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ScheduleRoleProps) {
    const { policyDescription, ...roleProps } = props;
    super(scope, id, roleProps);
    this.policy = new iam.ManagedPolicy(scope, `${id.replace(/Role$/, '')}Policy`, {
      description: policyDescription,
      roles: [this],
    });
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }
}

import { MlopsRule, RuleFinding, TemplateResource } from '../mlops-rule';
import { asArray, isUnknown, renderJsonString, stringPieces } from '../private/template';

/**
 * Properties of `ModelPackageGroupSharingRule`.
 */
export interface ModelPackageGroupSharingRuleProps {
  /**
   * Accounts a model package group may be shared with (12-digit ids). The
   * group's own account (`AWS::AccountId`) is always allowed.
   * @default - no other account
   */
  readonly allowedAccountIds?: string[];
  /**
   * Organizations a group may be shared with as a whole: a `*` principal is
   * accepted only with a `StringEquals` `aws:PrincipalOrgID` condition naming
   * only these ids.
   * @default - no organization-wide sharing
   */
  readonly allowedOrganizationIds?: string[];
}

const SELF = '<this account>';

/**
 * MLOPS-SM-009: a model package group is shared only with listed accounts.
 *
 * Every principal of an Allow statement of `ModelPackageGroupPolicy` must be
 * an AWS principal in an allowed account: a 12-digit id, or an IAM ARN
 * (`:root`, a role, a user) of that account. `*` is refused unless the
 * statement is limited to an allowed organization by `aws:PrincipalOrgID`.
 * Service, federated and `NotPrincipal` grants, and principals only known at
 * deploy time (other than the group's own account), are reported.
 */
export class ModelPackageGroupSharingRule extends MlopsRule {
  private readonly accounts: Set<string>;
  private readonly organizations: Set<string>;

  constructor(props: ModelPackageGroupSharingRuleProps = {}) {
    super({
      id: 'MLOPS-SM-009',
      description: 'SageMaker model package groups are shared only with listed accounts (no *, no unconditioned organization-wide access).',
      fix: 'List the consumer accounts as principals (account id or arn:aws:iam::<id>:root) and add them to MlopsChecks allowedAccountIds; for organization-wide sharing add aws:PrincipalOrgID and allowedOrganizationIds.',
      resourceTypes: ['AWS::SageMaker::ModelPackageGroup'],
    });
    this.accounts = new Set([...(props.allowedAccountIds ?? []), SELF]);
    this.organizations = new Set(props.allowedOrganizationIds ?? []);
  }

  public evaluate(resource: TemplateResource): RuleFinding[] {
    const raw = resource._properties.ModelPackageGroupPolicy;
    if (raw === undefined) {
      return [];
    }
    const policy = typeof raw === 'string' || isUnknown(raw) ? renderJsonString(raw).value : raw;
    if (!policy || typeof policy !== 'object') {
      return [{ message: 'ModelPackageGroupPolicy cannot be read at synth', location: 'Properties/ModelPackageGroupPolicy' }];
    }
    const findings: RuleFinding[] = [];
    asArray<any>(policy.Statement).forEach((statement, i) => {
      if (statement?.Effect !== 'Allow') {
        return;
      }
      const location = `Properties/ModelPackageGroupPolicy/Statement/${i}`;
      const sid = statement.Sid ? `statement '${statement.Sid}'` : `statement ${i}`;
      if (statement.NotPrincipal !== undefined) {
        findings.push({ message: `${sid} uses NotPrincipal, which grants everyone else`, location });
      }
      for (const problem of this.principalProblems(statement)) {
        findings.push({ message: `${sid}: ${problem}`, location });
      }
    });
    return findings;
  }

  private principalProblems(statement: any): string[] {
    const principal = statement.Principal;
    if (principal === undefined) {
      return [];
    }
    if (principal === '*' || (typeof principal === 'object' && asArray(principal.AWS).includes('*'))) {
      const orgs = asArray<string>(statement.Condition?.StringEquals?.['aws:PrincipalOrgID']);
      if (orgs.length > 0 && this.organizations.size > 0 && orgs.every((o) => this.organizations.has(o))) {
        return [];
      }
      return orgs.length > 0
        ? [`principal * limited to organization ${orgs.join(', ')}, which is not in allowedOrganizationIds`]
        : ['principal * shares the group with every AWS account'];
    }
    const problems: string[] = [];
    for (const kind of Object.keys(principal ?? {})) {
      if (kind !== 'AWS') {
        problems.push(`${kind} principal ${JSON.stringify(principal[kind])} is not an account`);
      }
    }
    for (const p of asArray<unknown>(principal?.AWS)) {
      const account = accountOf(p);
      if (account === undefined) {
        problems.push(`principal ${JSON.stringify(p)} cannot be verified at synth; use literal account ids`);
      } else if (!this.accounts.has(account)) {
        problems.push(`account ${account} is not in allowedAccountIds`);
      }
    }
    return problems;
  }
}

/** The account of an AWS principal (id or IAM ARN), SELF for this account, undefined when unknown. */
function accountOf(principal: unknown): string | undefined {
  const pieces = stringPieces(principal);
  if (!pieces) {
    return undefined;
  }
  let text = '';
  for (const piece of pieces) {
    if (piece.literal !== undefined) {
      text += piece.literal;
    } else if ((piece.unresolved as any)?.Ref === 'AWS::Partition') {
      text += 'aws';
    } else if ((piece.unresolved as any)?.Ref === 'AWS::AccountId') {
      text += SELF;
    } else {
      return undefined;
    }
  }
  if (/^\d{12}$/.test(text) || text === SELF) {
    return text;
  }
  const m = /^arn:aws[a-z-]*:iam::(\d{12}|<this account>):(root|role\/.+|user\/.+)$/.exec(text);
  return m ? m[1] : undefined;
}

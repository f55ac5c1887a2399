/**
 * A small typed wrapper around `@cloud-copilot/iam-simulate` (AGPL-3.0,
 * test-only: never import it from src/), the IAM policy simulator the tests
 * use as their oracle for "is this request allowed".
 *
 * One call evaluates one request against every policy type that applies:
 * identity policies of the principal, the resource policy, service control
 * policies, VPC endpoint policies and permission boundaries, with the full
 * condition operator set and IAM's cross-account rules. The simulator
 * validates the policies and the request (unknown actions, a resource of the
 * wrong type, context keys that do not apply to the action): a request it
 * cannot run throws, so a test cannot pass on a malformed question.
 *
 * SCPs: AWS Organizations attaches `FullAWSAccess` to every account by
 * default; the SCPs given here are evaluated next to it, so a guardrail made
 * of deny statements denies only what it names.
 *
 * Context: `aws:PrincipalArn` and `aws:PrincipalAccount` are filled from an
 * IAM principal ARN (as AWS does for every request) unless given; every other
 * key comes from the test.
 */
import { getDenialReasons, getGrantReasons, runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';

/** A policy document, intrinsics resolved. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: unknown[] | unknown;
}

/** A request and the policies that decide it. */
export interface SimulationRequest {
  /** The action, e.g. `sagemaker:CreateTrainingJob`. */
  readonly action: string;
  /** The resource ARN, or `*` for actions without resource types. */
  readonly resource: string;
  /** ARN of the calling principal (role, user, account root) or a service principal (`logs.us-east-1.amazonaws.com`). */
  readonly principal: string;
  /**
   * The account that owns the resource.
   * @default the account of the resource ARN, else the principal's
   */
  readonly resourceAccount?: string;
  /** Identity policies of the principal, by name. */
  readonly identityPolicies?: Record<string, PolicyDocument>;
  /** The resource's policy (bucket, key, topic, model package group, …). */
  readonly resourcePolicy?: PolicyDocument;
  /** SCPs that apply to the principal's account, by name (next to FullAWSAccess). */
  readonly scps?: Record<string, PolicyDocument>;
  /** Policies of the VPC endpoints the request goes through, by name. */
  readonly vpcEndpointPolicies?: Record<string, PolicyDocument>;
  /** Permission boundaries of the principal, by name. */
  readonly permissionBoundaries?: Record<string, PolicyDocument>;
  /** Request context keys: single values or lists for multivalued keys. */
  readonly context?: Record<string, string | string[]>;
}

/** A statement that decided the outcome: policy type, policy name and Sid (or 1-based index). */
export interface DecidingStatement {
  readonly policyType: string;
  readonly policy?: string;
  readonly statement?: string;
}

/** What the simulator decided. */
export interface SimulationOutcome {
  readonly allowed: boolean;
  readonly result: 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';
  /** The statements that allowed the request (when allowed). */
  readonly allowedBy: DecidingStatement[];
  /** The statements or policy types that denied it (when denied). */
  readonly deniedBy: DecidingStatement[];
  /** Context keys the simulator dropped because they do not apply to the action or resource type. */
  readonly ignoredContextKeys: string[];
}

const FULL_AWS_ACCESS = { Version: '2012-10-17', Statement: [{ Sid: 'FullAWSAccess', Effect: 'Allow', Action: '*', Resource: '*' }] };

function accountOf(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

/** The principal keys AWS adds to every request of an IAM principal. */
function principalKeys(principal: string): Record<string, string> {
  const account = accountOf(principal);
  return /^arn:[^:]+:iam::\d{12}:(root|role\/|user\/)/.test(principal) && account
    ? { 'aws:PrincipalArn': principal, 'aws:PrincipalAccount': account }
    : {};
}

function named(policies: Record<string, PolicyDocument> | undefined): Array<{ name: string; policy: PolicyDocument }> {
  return Object.entries(policies ?? {}).map(([name, policy]) => ({ name, policy }));
}

/** Evaluate one request. Throws when the simulator rejects the input. */
export async function simulate(request: SimulationRequest): Promise<SimulationOutcome> {
  const principalAccount = accountOf(request.principal);
  const resourceAccount = request.resourceAccount ?? accountOf(request.resource) ?? principalAccount;
  if (!resourceAccount) {
    throw new Error(`iam-simulator: give resourceAccount for ${request.resource} (no account in the ARN or the principal)`);
  }
  const simulation: Simulation = {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: resourceAccount },
      contextVariables: { ...principalKeys(request.principal), ...(request.context ?? {}) },
    },
    identityPolicies: named(request.identityPolicies),
    serviceControlPolicies: request.scps
      ? [{ orgIdentifier: 'r-root', policies: [{ name: 'FullAWSAccess', policy: FULL_AWS_ACCESS }, ...named(request.scps)] }]
      : [],
    resourceControlPolicies: [],
    resourcePolicy: request.resourcePolicy,
    vpcEndpointPolicies: request.vpcEndpointPolicies ? named(request.vpcEndpointPolicies) : undefined,
    permissionBoundaryPolicies: request.permissionBoundaries ? named(request.permissionBoundaries) : undefined,
  };
  const response = await runSimulation(simulation, {});
  if (response.resultType === 'error') {
    throw new Error(`iam-simulator: the simulator rejected the request: ${JSON.stringify(response.errors)}`);
  }
  const results = response.resultType === 'single' ? [response.result] : response.results;
  const analyses = results.map((r) => r.analysis);
  const statement = (g: { policyType: string; policyIdentifier?: string; statementId?: string; statementIndex?: number }): DecidingStatement => ({
    policyType: g.policyType,
    policy: g.policyIdentifier,
    statement: g.statementId ?? (g.statementIndex !== undefined ? `#${g.statementIndex}` : undefined),
  });
  return {
    allowed: response.overallResult === 'Allowed',
    result: response.overallResult,
    allowedBy: analyses.flatMap((a) => getGrantReasons(a)).map((g) => statement(g as any)),
    deniedBy: analyses.flatMap((a) => getDenialReasons(a)).map((d) => statement(d as any)),
    ignoredContextKeys: [...new Set(results.flatMap((r) => r.ignoredContextKeys ?? []))],
  };
}

/** Shorthand: is the request allowed? */
export async function isAllowed(request: SimulationRequest): Promise<boolean> {
  return (await simulate(request)).allowed;
}

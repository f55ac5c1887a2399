/**
 * Runs the IAM contract check over many policies and compares the findings
 * with the listed divergences (test/contracts/divergences.json, key "iam").
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { checkPolicy, IamFinding, StarReason } from './policy-check';
import { FoundPolicy } from './template-policies';
import { SageMakerGuardrail } from '../../../src/governance';

/** A listed divergence: `what` is the finding id, `*` standing for any run of characters (group names, accounts). */
export interface Divergence {
  readonly what: string;
  readonly where: string;
  readonly source: string;
  readonly why: string;
}

const DIVERGENCES = path.join(__dirname, '..', 'divergences.json');
const STAR_REASONS = path.join(__dirname, 'resource-star.json');

/** The "iam" divergences. */
export function loadDivergences(file = DIVERGENCES): Divergence[] {
  return JSON.parse(fs.readFileSync(file, 'utf8')).iam ?? [];
}

/** Actions allowed on `*` with a reason (test/contracts/iam/resource-star.json). */
export function loadStarReasons(file = STAR_REASONS): StarReason[] {
  return JSON.parse(fs.readFileSync(file, 'utf8')).allowed;
}

/** The outcome of a run: one finding per id (the first place it was found). */
export interface CheckResult {
  readonly findings: IamFinding[];
  /** Entries of resource-star.json no statement needed. */
  readonly staleStarReasons: StarReason[];
  readonly distinct: number;
  readonly statements: number;
}

/** Check every policy; identical documents are checked once. */
export async function checkAll(policies: FoundPolicy[], starReasons: StarReason[]): Promise<CheckResult> {
  const seen = new Set<string>();
  const byId = new Map<string, IamFinding>();
  let statements = 0;
  const starUsed = new Set<StarReason>();
  for (const policy of policies) {
    const key = JSON.stringify([policy.kind, policy.document, policy.attachedTo]);
    if (seen.has(key)) {
      continue;
    }
    seen.add(key);
    statements += policy.document.Statement.length;
    for (const f of await checkPolicy(policy, starReasons, starUsed)) {
      if (!byId.has(f.id)) {
        byId.set(f.id, f);
      }
    }
  }
  return {
    findings: [...byId.values()].sort((a, b) => a.id.localeCompare(b.id)),
    staleStarReasons: starReasons.filter((r) => !starUsed.has(r)),
    distinct: seen.size,
    statements,
  };
}

/** Unlisted findings, stale divergences, and the divergences that were found. */
export function compareWithDivergences(findings: IamFinding[], divergences: Divergence[]) {
  const patterns = divergences.map((d) => ({ d, re: new RegExp(`^${d.what.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`) }));
  const found = (d: Divergence) => findings.some((f) => patterns.find((p) => p.d === d)!.re.test(f.id));
  return {
    unlisted: findings.filter((f) => !patterns.some((p) => p.re.test(f.id))),
    stale: divergences.filter((d) => !found(d)),
    listed: divergences.filter(found),
  };
}

/**
 * The service control policies SageMakerGuardrail renders: every family on,
 * with and without exempt principals (SCPs are not in the templates).
 */
export function guardrailScps(): FoundPolicy[] {
  const stack = new Stack(new App(), 'GuardrailScp', { env: { account: '123456789012', region: 'us-east-1' } });
  const variants = [
    { id: 'Default', props: {} },
    { id: 'WithExemptions', props: { exemptPrincipalArns: ['arn:aws:iam::*:role/MlopsBreakGlass'] } },
  ];
  return variants.map(({ id, props }) => {
    const guard = new SageMakerGuardrail(stack, id, props);
    return {
      kind: 'scp' as const,
      where: `SageMakerGuardrail(${id}).toScpJson()`,
      resourceType: 'AWS::Organizations::Policy',
      logicalId: id,
      document: JSON.parse(guard.toScpJson()),
    };
  });
}

/**
 * Evaluates one hop of the flow with `@cloud-copilot/iam-simulate` (AGPL,
 * test-only) against every policy AWS evaluates for it: the identity
 * policies of the calling role, the resource policy of the target (bucket,
 * key, topic, model package group, repository, trust policy), the VPC
 * endpoint policies on the path and the service control policies of the
 * caller's organization.
 *
 * One known gap of the simulator is bridged here, in the open: version
 * 0.1.173 drops request context keys of the form
 * `kms:EncryptionContext:<context key>` (the Service Authorization Reference
 * lists them as `kms:EncryptionContext:${EncryptionContextKey}`, and the
 * simulator only expands `prefix/${var}` keys), so every condition on an
 * encryption context would fail. The request is validated by `runSimulation`
 * as usual; when it carried encryption-context keys, the simulator's own core
 * engine is run again with them added back. `flow.test.ts` asserts the gap
 * still exists, so the bridge is removed once the simulator handles them.
 */
import * as path from 'path';
import { getDenialReasons, getGrantReasons, runSimulation, Simulation } from '@cloud-copilot/iam-simulate';

const SIM_DIR = path.dirname(require.resolve('@cloud-copilot/iam-simulate'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const engine = require(path.join(SIM_DIR, 'simulation_engine', 'simulationEngine.js'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const core = require(path.join(SIM_DIR, 'core_engine', 'CoreSimulatorEngine.js'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const requests = require(path.join(SIM_DIR, 'request', 'request.js'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const contexts = require(path.join(SIM_DIR, 'requestContext.js'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const discovery = require(path.join(SIM_DIR, 'context_keys', 'discoveryContextKeyConstraints.js'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const policies = require(require.resolve('@cloud-copilot/iam-policy', { paths: [SIM_DIR] }));

/** A policy with the name it is reported under. */
export interface PolicyInput {
  readonly name: string;
  readonly document: any;
}

/** Everything one evaluation needs. */
export interface SimulationInput {
  /** A role ARN, or a service principal (`cloudwatch.amazonaws.com`). */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  readonly context: Record<string, string | string[]>;
  readonly identityPolicies: PolicyInput[];
  readonly resourcePolicy?: PolicyInput;
  readonly endpointPolicies: PolicyInput[];
  readonly serviceControlPolicies: PolicyInput[];
}

/** The outcome of one evaluation. */
export interface SimulationOutcome {
  readonly result: 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';
  /** The statements that decided: the allowing ones, or the denying / missing ones. */
  readonly deciding: string[];
}

const ENCRYPTION_CONTEXT = /^kms:EncryptionContext:/i;

function statementName(policy: PolicyInput | undefined, index: number): string {
  const statements = policy?.document?.Statement;
  const list = Array.isArray(statements) ? statements : statements ? [statements] : [];
  const sid = list[index - 1]?.Sid;
  return sid ? `${sid}` : `#${index}`;
}

/** Run the simulator on one request. */
export async function simulate(input: SimulationInput): Promise<SimulationOutcome> {
  const simulation: Simulation = {
    request: {
      principal: input.principal,
      action: input.action,
      resource: { resource: input.resource, accountId: input.resourceAccount },
      contextVariables: input.context,
    },
    identityPolicies: input.identityPolicies.map((p) => ({ name: p.name, policy: p.document })),
    serviceControlPolicies: input.serviceControlPolicies.length > 0
      ? [{ orgIdentifier: 'r-root', policies: [{ name: 'FullAWSAccess', policy: FULL_ACCESS }] },
        { orgIdentifier: 'account', policies: [{ name: 'FullAWSAccess', policy: FULL_ACCESS }, ...input.serviceControlPolicies.map((p) => ({ name: p.name, policy: p.document }))] }]
      : [],
    resourceControlPolicies: [],
    resourcePolicy: input.resourcePolicy?.document,
    vpcEndpointPolicies: input.endpointPolicies.length > 0
      ? input.endpointPolicies.map((p) => ({ name: p.name, policy: p.document }))
      : undefined,
  };
  const response = await runSimulation(simulation, {});
  if (response.resultType === 'error') {
    throw new Error(`iam-simulate rejected ${input.action} on ${input.resource}: ${JSON.stringify(response.errors)}`);
  }
  let single: { analysis: any; ignoredContextKeys?: string[] };
  if (response.resultType === 'single') {
    single = response.result;
  } else if (input.resource === '*') {
    // Actions whose resource type is optional (cloudwatch:PutMetricData,
    // sagemaker:ListModelPackages) on '*': one simulation per resource
    // pattern of the policies; none means no statement applies.
    const match = response.results.find((r) => r.analysis.result === response.overallResult);
    if (!match) {
      return { result: response.overallResult as SimulationOutcome['result'], deciding: ['identity (no statement applies)'] };
    }
    single = match;
  } else {
    throw new Error(`flow: ${input.action} on ${input.resource} is a wildcard request; hops name one concrete resource`);
  }
  const ignored = single.ignoredContextKeys ?? [];
  const unexpected = ignored.filter((k) => !ENCRYPTION_CONTEXT.test(k));
  if (unexpected.length > 0) {
    throw new Error(`flow: context keys ${unexpected.join(', ')} do not apply to ${input.action} (Service Authorization Reference); set only keys AWS sets for it`);
  }
  let analysis = single.analysis;
  if (ignored.length > 0) {
    analysis = await rerunWithEncryptionContext(simulation, ignored);
  }
  const result = analysis.result as SimulationOutcome['result'];
  const policyByType = (type: string, identifier?: string): PolicyInput | undefined => {
    switch (type) {
      case 'identity': return input.identityPolicies.find((p) => p.name === identifier);
      case 'resource': return input.resourcePolicy;
      case 'vpce': return input.endpointPolicies.find((p) => p.name === identifier);
      case 'scp': return input.serviceControlPolicies.find((p) => p.name === identifier);
      default: return undefined;
    }
  };
  const label = (type: string, identifier: string | undefined, index?: number) => {
    const policy = policyByType(type, identifier);
    const where = type === 'resource' ? `resource:${input.resourcePolicy?.name ?? '(none)'}` : identifier ? `${type}:${identifier}` : type;
    return index === undefined ? `${where} (no statement applies)` : `${where} ${statementName(policy, index)}`;
  };
  if (result === 'Allowed') {
    const grants = getGrantReasons(analysis);
    return { result, deciding: grants.map((g: any) => label(g.policyType, g.policyIdentifier, g.statementIndex)) };
  }
  const denials = getDenialReasons(analysis);
  if (denials.length === 0) {
    return { result, deciding: [`no policy allows it${input.resourceAccount !== accountOfPrincipal(input.principal) ? ' (cross-account, no resource policy admits the caller)' : ''}`] };
  }
  return {
    result,
    deciding: denials.map((d: any) => (d.denialType === 'Explicit'
      ? label(d.policyType, d.policyIdentifier ?? d.identifier, d.statementIndex)
      : label(d.policyType, d.identifier))),
  };
}

function accountOfPrincipal(principal: string): string {
  return principal.split(':')[4] ?? '';
}

const FULL_ACCESS = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** The same evaluation as `runSimulation`, with the encryption-context keys it dropped added back. */
async function rerunWithEncryptionContext(simulation: Simulation, dropped: string[]): Promise<any> {
  const { validContextValues } = await engine.normalizeSimulationParameters(simulation, undefined);
  const context: Record<string, string | string[]> = { ...validContextValues };
  for (const key of dropped) {
    context[key] = simulation.request.contextVariables[key];
  }
  const load = (p: { name: string; policy: any }) => policies.loadPolicy(p.policy, { name: p.name });
  const rcpDefault = { name: 'arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] } };
  const analysis = core.authorize({
    request: new requests.AwsRequestImpl(simulation.request.principal, simulation.request.resource,
      simulation.request.action, new contexts.RequestContextImpl(context), false),
    sessionPolicy: undefined,
    identityPolicies: simulation.identityPolicies.map(load),
    serviceControlPolicies: simulation.serviceControlPolicies.map((s) => ({ orgIdentifier: s.orgIdentifier, policies: s.policies.map(load) })),
    resourceControlPolicies: simulation.resourceControlPolicies
      .map((s) => ({ orgIdentifier: s.orgIdentifier, policies: [rcpDefault, ...s.policies].map(load) })),
    resourcePolicy: simulation.resourcePolicy ? policies.loadPolicy(simulation.resourcePolicy, { name: undefined }) : undefined,
    permissionBoundaries: undefined,
    vpcEndpointPolicies: simulation.vpcEndpointPolicies?.map(load),
    simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: new discovery.DiscoveryContextKeyConstraints([]) },
    serviceSettings: { s3: { blockPublicAccess: undefined } },
  });
  return analysis;
}

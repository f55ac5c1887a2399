/**
 * fast-check generators over the props of every layer.
 *
 * A `Layer` has two generators:
 * - `valid`: realistic combinations of the optional props; every value must
 *   synthesize and pass the four nag packs (valid-configurations.test.ts);
 * - `invalid`: a valid base plus one injected fault, tagged with the prop the
 *   error message must name (invalid-configurations.test.ts).
 *
 * Generators produce plain data (so fast-check can print and shrink a
 * counterexample); `build` turns the data into constructs in a stack.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as fc from 'fast-check';
import { ACCOUNT } from './fixtures';
import { MlInstanceType } from '../../src/common';
import { AuthMode, ExperimentTracking, ExplorationDomain, ExplorationDomainProps } from '../../src/exploration';
import { MlopsChecks, MlopsChecksProps, SageMakerGuardrail, SageMakerGuardrailProps } from '../../src/governance';
import { MlEndpointService, SecureMlNetwork, SecureMlNetworkProps } from '../../src/network';
import { ModelRegistry, ModelRegistryProps } from '../../src/registry';

/** A generated configuration: plain data plus how to build it. */
export interface Generated<T> {
  readonly data: T;
  /** Stateful resources must be retained (removalPolicy left at its default or RETAIN). */
  readonly retained: boolean;
  /**
   * Findings this configuration is known to produce by design (see
   * KNOWN_FINDINGS); every one must appear, nothing else may.
   */
  readonly knownFindings?: KnownFinding[];
  /** Build the construct(s) in the stack. */
  build(stack: Stack): void;
}

/** A finding a configuration produces by design: the rule and a regex on the construct path. */
export interface KnownFinding {
  readonly rule: string;
  readonly path: RegExp;
  readonly reason: string;
}

const EGRESS_REASON = 'allowInternetEgress: true is the documented opt-out of the isolated network (the construct warns): '
  + 'its public subnets route 0.0.0.0/0 to an internet gateway for the NAT gateways, which the HIPAA, NIST and PCI packs reject. '
  + 'Regulated workloads keep it off (the default).';

/** Findings produced on purpose, with the reason; the only exceptions to "zero findings" in the fuzzed configurations. */
export const KNOWN_FINDINGS: Record<string, KnownFinding[]> = {
  allowInternetEgress: ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'].map((pack) => ({
    rule: `${pack}-VPCNoUnrestrictedRouteToIGW`, path: /\/Vpc\/PublicSubnet\d+\/DefaultRoute$/, reason: EGRESS_REASON,
  })),
};

/** A generated invalid configuration and the prop its message must name. */
export interface Fault {
  readonly prop: string;
  readonly data: unknown;
  /** Build it; must throw a ValidationError naming `prop`. */
  build(stack: Stack): void;
}

/** One layer's generators. */
export interface Layer {
  readonly name: string;
  /** How many valid configurations CI synthesizes under the four packs. */
  readonly validRuns: number;
  readonly valid: fc.Arbitrary<Generated<unknown>>;
  readonly invalid: fc.Arbitrary<Fault>;
}

// ---------------------------------------------------------------- values

const digits12 = fc.stringMatching(/^[1-9]\d{11}$/);
/** 12-digit accounts other than the stack's own. */
export const otherAccount = digits12.filter((a) => a !== ACCOUNT);
const orgId = fc.stringMatching(/^o-[a-z0-9]{10}$/);
const lowerName = fc.stringMatching(/^[a-z][a-z0-9]{2,12}$/);
const notAccount = fc.oneof(
  fc.stringMatching(/^\d{1,11}$/), fc.stringMatching(/^\d{13,15}$/), fc.stringMatching(/^[a-z][a-z0-9-]{2,15}$/),
  fc.constant('arn:aws:iam::123456789012:root'), fc.constant(''),
);
const removal = fc.constantFrom<RemovalPolicy | undefined>(undefined, RemovalPolicy.RETAIN);
const option = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
/** A name SageMaker rejects: an invalid character, a hyphen at an end, or too long. */
const badSageMakerName = fc.oneof(
  fc.tuple(lowerName, fc.constantFrom('_', '.', '@', ' ', '/'), lowerName).map(([a, c, b]) => `${a}${c}${b}`),
  lowerName.map((n) => `${n}-`),
  lowerName.map((n) => `-${n}`),
  fc.integer({ min: 64, max: 120 }).map((n) => 'm'.repeat(n)),
);

function retainedIf(policy: RemovalPolicy | undefined): boolean {
  return policy === undefined || policy === RemovalPolicy.RETAIN;
}

// ---------------------------------------------------------------- network

const ENDPOINTS = [
  MlEndpointService.SAGEMAKER_API, MlEndpointService.SAGEMAKER_RUNTIME, MlEndpointService.SAGEMAKER_STUDIO,
  MlEndpointService.STS, MlEndpointService.CLOUDWATCH_LOGS, MlEndpointService.CLOUDWATCH_MONITORING,
  MlEndpointService.ECR_API, MlEndpointService.ECR_DOCKER, MlEndpointService.KMS, MlEndpointService.EVENTBRIDGE,
  MlEndpointService.SSM, MlEndpointService.CODEARTIFACT_API, MlEndpointService.STEP_FUNCTIONS, MlEndpointService.SNS,
];
const RETENTIONS = [logs.RetentionDays.ONE_YEAR, logs.RetentionDays.THIRTEEN_MONTHS, logs.RetentionDays.TWO_YEARS, logs.RetentionDays.FIVE_YEARS];

/** A /16, /18 or /20 network address in 10/8 or 172.16/12. */
const cidrBlock = fc.record({
  prefix: fc.constantFrom(16, 18, 20), b: fc.integer({ min: 0, max: 255 }), c: fc.integer({ min: 0, max: 255 }), first: fc.constantFrom(10, 172),
})
  .map(({ prefix, b, c, first }) => {
    const second = first === 172 ? 16 + (b % 16) : b;
    // the third octet aligned to the block: a multiple of 64 for /18, of 16 for /20
    const step = prefix === 18 ? 64 : 16;
    const third = prefix === 16 ? 0 : c - (c % step);
    return `${first}.${second}.${third}.0/${prefix}`;
  });

interface NetworkData {
  readonly maxAzs?: number;
  readonly cidr?: string;
  readonly allowInternetEgress?: boolean;
  readonly natGateways?: number;
  readonly endpoints?: string[];
  readonly s3GatewayEndpoint?: boolean;
  readonly trustedAccountIds?: string[];
  readonly organizationId?: string;
  readonly s3PrefixListId?: string;
  readonly flowLogRetention?: logs.RetentionDays;
  readonly ownKey?: boolean;
  readonly removalPolicy?: RemovalPolicy;
}

const networkData: fc.Arbitrary<NetworkData> = fc.record({
  maxAzs: option(fc.integer({ min: 1, max: 3 })),
  cidr: option(cidrBlock),
  allowInternetEgress: option(fc.boolean()),
  nat: fc.integer({ min: 1, max: 3 }),
  natGiven: fc.boolean(),
  endpoints: option(fc.subarray(ENDPOINTS.map((e) => e.name), { minLength: 1, maxLength: 6 })),
  s3GatewayEndpoint: option(fc.boolean()),
  trustedAccountIds: option(fc.uniqueArray(otherAccount, { minLength: 1, maxLength: 3 })),
  organizationId: option(orgId),
  s3PrefixListId: option(fc.stringMatching(/^pl-[0-9a-f]{8}$/)),
  flowLogRetention: option(fc.constantFrom(...RETENTIONS)),
  ownKey: option(fc.boolean()),
  removalPolicy: removal,
}).map(({ nat, natGiven, ...d }) => ({
  ...d,
  natGateways: d.allowInternetEgress && natGiven ? Math.min(nat, d.maxAzs ?? 2) : undefined,
}));

function networkProps(stack: Stack, d: NetworkData): SecureMlNetworkProps {
  return {
    maxAzs: d.maxAzs,
    cidr: d.cidr,
    allowInternetEgress: d.allowInternetEgress,
    natGateways: d.natGateways,
    interfaceEndpoints: d.endpoints?.map((n) => MlEndpointService.of(n)),
    createS3GatewayEndpoint: d.s3GatewayEndpoint,
    trustedAccountIds: d.trustedAccountIds,
    organizationId: d.organizationId,
    s3PrefixListId: d.s3PrefixListId,
    logRetention: d.flowLogRetention,
    encryptionKey: d.ownKey ? new kms.Key(stack, 'NetworkOwnKey', { enableKeyRotation: true, description: 'network key of the user' }) : undefined,
    removalPolicy: d.removalPolicy,
  };
}

type NetworkFault = [string, fc.Arbitrary<Partial<SecureMlNetworkProps>>];
const NETWORK_FAULTS: NetworkFault[] = [
  ['cidr', fc.string({ maxLength: 20 }).filter((s) => !/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\/\d{1,2}$/.test(s)).map((cidr) => ({ cidr }))],
  ['cidr', fc.oneof(fc.integer({ min: 8, max: 15 }), fc.integer({ min: 25, max: 32 })).map((p) => ({ cidr: `10.0.0.0/${p}` }))],
  ['cidr', fc.integer({ min: 1, max: 255 }).map((x) => ({ cidr: `10.1.${x}.0/16` }))],
  ['maxAzs', fc.oneof(fc.integer({ min: -5, max: 0 }), fc.integer({ min: 7, max: 50 }), fc.double({ min: 1.1, max: 5.9, noNaN: true }).filter((x) => !Number.isInteger(x))).map((maxAzs) => ({ maxAzs }))],
  ['natGateways', fc.integer({ min: 1, max: 3 }).map((natGateways) => ({ natGateways }))],
  ['natGateways', fc.integer({ min: 3, max: 9 }).map((natGateways) => ({ natGateways, allowInternetEgress: true, maxAzs: 2 }))],
  ['trustedAccountIds', notAccount.map((a) => ({ trustedAccountIds: [a] }))],
  ['organizationId', fc.oneof(fc.stringMatching(/^r-[a-z0-9]{4}$/), fc.stringMatching(/^o-[a-z0-9]{1,9}$/), fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !/^o-[a-z0-9]{10,32}$/.test(s))).map((organizationId) => ({ organizationId }))],
  ['s3PrefixListId', fc.oneof(fc.stringMatching(/^pl-[g-z]{8}$/), fc.stringMatching(/^prefix-[0-9a-f]{8}$/), fc.constant('s3')).map((s3PrefixListId) => ({ s3PrefixListId }))],
  ['maxAzs', fc.integer({ min: 1, max: 3 }).map((maxAzs) => ({ maxAzs, availabilityZones: ['us-east-1a'] }))],
  ['availabilityZones', fc.constantFrom('us-east-1a', 'us-east-1b').map((z) => ({ availabilityZones: [z, z] }))],
  ['vpcSubnets', fc.constantFrom(ec2.SubnetType.PRIVATE_ISOLATED, ec2.SubnetType.PRIVATE_WITH_EGRESS).map((subnetType) => ({ vpcSubnets: { subnetType } }))],
];

const networkLayer: Layer = {
  name: 'network',
  validRuns: 20,
  valid: networkData.map((d) => ({
    data: d,
    retained: retainedIf(d.removalPolicy),
    knownFindings: d.allowInternetEgress ? KNOWN_FINDINGS.allowInternetEgress : undefined,
    build: (stack: Stack) => { new SecureMlNetwork(stack, 'Network', networkProps(stack, d)); },
  })),
  invalid: fc.oneof(...NETWORK_FAULTS.map(([prop, arb]) => arb.map((fault): Fault => ({
    prop,
    data: fault,
    build: (stack) => { new SecureMlNetwork(stack, 'Network', fault); },
  })))),
};

// ---------------------------------------------------------------- registry

interface RegistryData {
  readonly name?: string;
  readonly description?: string;
  readonly consumers?: string[];
  readonly tags?: Record<string, string>;
  readonly removalPolicy?: RemovalPolicy;
}

const registryData: fc.Arbitrary<RegistryData> = fc.record({
  name: option(fc.stringMatching(/^[a-zA-Z0-9](-?[a-zA-Z0-9]){2,30}$/)),
  description: option(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 .,-]{0,200}$/)),
  consumers: option(fc.uniqueArray(otherAccount, { minLength: 1, maxLength: 5 })),
  tags: option(fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/), { maxKeys: 3 })),
  removalPolicy: removal,
});

type RegistryFault = [string, fc.Arbitrary<Partial<ModelRegistryProps>>];
const REGISTRY_FAULTS: RegistryFault[] = [
  ['modelPackageGroupName', badSageMakerName.map((modelPackageGroupName) => ({ modelPackageGroupName }))],
  ['consumerAccountIds', notAccount.map((a) => ({ consumerAccountIds: [a] }))],
  ['consumerAccountIds', fc.constant({ consumerAccountIds: [ACCOUNT] })],
  ['consumerAccountIds', otherAccount.map((a) => ({ consumerAccountIds: [a, a] }))],
  ['description', fc.integer({ min: 1025, max: 3000 }).map((n) => ({ description: 'd'.repeat(n) }))],
];

const registryLayer: Layer = {
  name: 'registry',
  validRuns: 12,
  valid: registryData.map((d) => ({
    data: d,
    retained: retainedIf(d.removalPolicy),
    build: (stack: Stack) => {
      new ModelRegistry(stack, 'Registry', {
        modelPackageGroupName: d.name, description: d.description, consumerAccountIds: d.consumers, tags: d.tags, removalPolicy: d.removalPolicy,
      });
    },
  })),
  invalid: fc.oneof(...REGISTRY_FAULTS.map(([prop, arb]) => arb.map((fault): Fault => ({
    prop,
    data: fault,
    build: (stack) => { new ModelRegistry(stack, 'Registry', fault); },
  })))),
};

// ---------------------------------------------------------------- exploration

const APP_TYPES = ['ml.t3.medium', 'ml.t3.large', 'ml.m5.large', 'ml.m5.xlarge', 'ml.c5.xlarge', 'ml.g4dn.xlarge'];
const DEV_TYPES = ['ml.t2.medium', 'ml.m5.large', 'ml.c5.xlarge'];

interface ExplorationData {
  readonly sso?: boolean;
  readonly profiles?: string[];
  readonly idleHours?: number;
  readonly extraMaxHours?: number;
  readonly appTypes?: string[];
  readonly rootAccess?: boolean;
  readonly tracking?: 'app' | 'app-registering' | 'server' | 'none';
  readonly registry?: boolean;
  readonly devTypes?: string[];
  readonly tagValue?: string;
  readonly homeEfs?: boolean;
  readonly domainName?: string;
  readonly removalPolicy?: RemovalPolicy;
}

const explorationData: fc.Arbitrary<ExplorationData> = fc.record({
  sso: option(fc.boolean()),
  profiles: option(fc.uniqueArray(lowerName, { minLength: 1, maxLength: 3 })),
  idleHours: option(fc.integer({ min: 1, max: 12 })),
  extraMaxHours: option(fc.integer({ min: 0, max: 24 })),
  appTypes: option(fc.subarray(APP_TYPES, { minLength: 1, maxLength: 4 })),
  rootAccess: option(fc.boolean()),
  tracking: option(fc.constantFrom<'app' | 'app-registering' | 'server' | 'none'>('app', 'app-registering', 'server', 'none')),
  registry: option(fc.boolean()),
  devTypes: option(fc.subarray(DEV_TYPES, { minLength: 1 })),
  tagValue: option(fc.constantFrom('dev', 'sandbox', 'experiments')),
  homeEfs: option(fc.boolean()),
  domainName: option(fc.stringMatching(/^[a-z][a-z0-9-]{2,20}[a-z0-9]$/)),
  removalPolicy: removal,
}).map((d) => ({ ...d, registry: d.tracking === 'app-registering' ? true : d.registry }));

function tracking(kind: ExplorationData['tracking']): ExperimentTracking | undefined {
  switch (kind) {
    case 'app': return ExperimentTracking.mlflowApp();
    case 'app-registering': return ExperimentTracking.mlflowApp({ automaticModelRegistration: true });
    case 'server': return ExperimentTracking.mlflowTrackingServer();
    case 'none': return ExperimentTracking.none();
    default: return undefined;
  }
}

function buildExploration(stack: Stack, d: ExplorationData): void {
  const network = new SecureMlNetwork(stack, 'Network');
  const props: ExplorationDomainProps = {
    network,
    domainName: d.domainName,
    authMode: d.sso ? AuthMode.SSO : undefined,
    userProfiles: d.profiles?.map((userProfileName) => ({ userProfileName, ssoUserName: d.sso ? `${userProfileName}@example.com` : undefined })),
    idleTimeout: d.idleHours !== undefined ? Duration.hours(d.idleHours) : undefined,
    maxIdleTimeout: d.extraMaxHours !== undefined ? Duration.hours((d.idleHours ?? 1) + d.extraMaxHours) : undefined,
    appInstanceTypes: d.appTypes?.map((t) => MlInstanceType.of(t)),
    rootAccess: d.rootAccess,
    experimentTracking: tracking(d.tracking),
    registry: d.registry ? new ModelRegistry(stack, 'Registry') : undefined,
    devEndpointInstanceTypes: d.devTypes?.map((t) => MlInstanceType.of(t)),
    devEndpointTagValue: d.tagValue,
    homeEfsFileSystem: d.homeEfs,
    removalPolicy: d.removalPolicy,
  };
  new ExplorationDomain(stack, 'Domain', props);
}

type ExplorationFault = [string, fc.Arbitrary<Partial<ExplorationDomainProps>>];
const EXPLORATION_FAULTS: ExplorationFault[] = [
  ['domainName', badSageMakerName.map((domainName) => ({ domainName }))],
  ['userProfiles[0].userProfileName', badSageMakerName.map((userProfileName) => ({ userProfiles: [{ userProfileName }] }))],
  ['userProfiles[1].userProfileName', lowerName.map((n) => ({ userProfiles: [{ userProfileName: n }, { userProfileName: n.toUpperCase() }] }))],
  ['userProfiles[0].ssoUserName', lowerName.map((n) => ({ authMode: AuthMode.SSO, userProfiles: [{ userProfileName: n }] }))],
  ['userProfiles[0].ssoUserName', lowerName.map((n) => ({ userProfiles: [{ userProfileName: n, ssoUserName: `${n}@example.com` }] }))],
  ['idleTimeout', fc.oneof(fc.integer({ min: 1, max: 59 }), fc.integer({ min: 525601, max: 600000 })).map((m) => ({ idleTimeout: Duration.minutes(m) }))],
  ['maxIdleTimeout', fc.integer({ min: 2, max: 24 }).map((h) => ({ idleTimeout: Duration.hours(h), maxIdleTimeout: Duration.hours(h - 1) }))],
  ['appInstanceTypes', fc.constantFrom('t3.medium', 'ml-t3-medium', 'ML.T3.MEDIUM', 'ml.').map((t) => ({ appInstanceTypes: [MlInstanceType.of(t)] }))],
  ['devEndpointInstanceTypes', fc.constant({ devEndpointInstanceTypes: [] })],
  ['devEndpointTagKey', lowerName.map((k) => ({ devEndpointTagKey: `aws:${k}` }))],
  ['experimentTracking.automaticModelRegistration', fc.constant({ experimentTracking: ExperimentTracking.mlflowApp({ automaticModelRegistration: true }) })],
];

const explorationLayer: Layer = {
  name: 'exploration',
  validRuns: 15,
  valid: explorationData.map((d) => ({ data: d, retained: retainedIf(d.removalPolicy), build: (stack: Stack) => buildExploration(stack, d) })),
  invalid: fc.oneof(...EXPLORATION_FAULTS.map(([prop, arb]) => arb.map((fault): Fault => ({
    prop,
    data: fault,
    build: (stack) => { new ExplorationDomain(stack, 'Domain', { network: new SecureMlNetwork(stack, 'Network'), ...fault }); },
  })))),
};

// ---------------------------------------------------------------- governance

const FAMILIES = ['requireVpc', 'requireVolumeEncryption', 'requireOutputEncryption', 'requireInterContainerEncryption',
  'requireNetworkIsolation', 'denyPublicNetworkAccess', 'denyRootAccess'] as const;

interface GovernanceData {
  readonly off: string[];
  readonly exempt?: string[];
  readonly policyName?: string;
  readonly roles: number;
}

const exemptArn = fc.oneof(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{2,20}$/).map((n) => `arn:aws:iam::*:role/${n}`),
  fc.tuple(otherAccount, fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{2,20}$/)).map(([a, n]) => `arn:aws:iam::${a}:role/${n}`),
  fc.stringMatching(/^[a-z]{3,10}$/).map((n) => `arn:aws:iam::*:role/platform-${n}-*`),
);

const governanceData: fc.Arbitrary<GovernanceData> = fc.record({
  off: fc.subarray([...FAMILIES], { maxLength: FAMILIES.length - 1 }),
  exempt: option(fc.uniqueArray(exemptArn, { minLength: 1, maxLength: 4 })),
  policyName: option(fc.stringMatching(/^[A-Za-z][A-Za-z0-9+=,.@_-]{2,40}$/)),
  roles: fc.integer({ min: 0, max: 2 }),
});

type GovernanceFault = [string, fc.Arbitrary<{ guardrail?: SageMakerGuardrailProps; checks?: MlopsChecksProps }>];
const GOVERNANCE_FAULTS: GovernanceFault[] = [
  ['requireVpc', fc.constant({ guardrail: Object.fromEntries(FAMILIES.map((f) => [f, false])) })],
  ['exemptPrincipalArns[0]', fc.oneof(fc.constant('*'), fc.constant('arn:aws:iam::*:role/*'), lowerName, lowerName.map((n) => `arn:aws:sts::111111111111:assumed-role/${n}/session`))
    .map((a) => ({ guardrail: { exemptPrincipalArns: [a] } }))],
  ['managedPolicyName', fc.oneof(fc.constant(''), fc.integer({ min: 129, max: 200 }).map((n) => 'p'.repeat(n)), lowerName.map((n) => `${n} ${n}`), lowerName.map((n) => `${n}/${n}`))
    .map((managedPolicyName) => ({ guardrail: { managedPolicyName } }))],
  ['allowedAccountIds[0]', notAccount.map((a) => ({ checks: { allowedAccountIds: [a] } }))],
  ['allowedOrganizationIds[0]', fc.stringMatching(/^r-[a-z0-9]{4}$/).map((o) => ({ checks: { allowedOrganizationIds: [o] } }))],
  ['exclude[0]', fc.stringMatching(/^MLOPS-XX-\d{3}$/).map((id) => ({ checks: { exclude: [id] } }))],
];

const governanceLayer: Layer = {
  name: 'governance',
  validRuns: 10,
  valid: governanceData.map((d) => ({
    data: d,
    retained: true,
    build: (stack: Stack) => {
      const roles = Array.from({ length: d.roles }, (_, i) => new iam.Role(stack, `JobRole${i}`, { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') }));
      new SageMakerGuardrail(stack, 'Guardrail', {
        ...Object.fromEntries(d.off.map((f) => [f, false])),
        exemptPrincipalArns: d.exempt,
        managedPolicyName: d.policyName,
        roles,
      });
    },
  })),
  invalid: fc.oneof(...GOVERNANCE_FAULTS.map(([prop, arb]) => arb.map((fault): Fault => ({
    prop,
    data: fault,
    build: (stack) => {
      if (fault.guardrail) {
        new SageMakerGuardrail(stack, 'Guardrail', fault.guardrail);
      } else {
        new MlopsChecks(fault.checks);
      }
    },
  })))),
};

/** Every layer with generators, in dependency order. */
export const LAYERS: Layer[] = [networkLayer, registryLayer, explorationLayer, governanceLayer];

/* eslint-disable no-bitwise -- CIDR arithmetic on 32-bit IPv4 addresses */
import { Annotations, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { EndpointPlacementKind } from './endpoint-placement';
import { MlEndpointService } from './endpoint-service';
import { entryOf, suggest } from './private/endpoint-catalog';
import type { SecureMlNetworkProps } from './secure-ml-network';
import { ACCOUNT_ID, ORGANIZATION_ID, PropsValidator } from '../private/validation';

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const PRIVATE_RANGES: Array<[number, number]> = [
  [ip(10, 0, 0, 0), 8], [ip(172, 16, 0, 0), 12], [ip(192, 168, 0, 0), 16], [ip(100, 64, 0, 0), 10],
];
const MAX_AZS = 6;
const SMALLEST_SUBNET_PREFIX = 27;

/**
 * Check SecureMlNetwork props; throws one ValidationError listing every problem.
 */
export function validateNetworkProps(scope: IConstruct, props: SecureMlNetworkProps): void {
  const v = new PropsValidator(scope, 'SecureMlNetwork');
  if (props.vpc) {
    const conflicting: Array<[string, unknown]> = [
      ['cidr', props.cidr], ['maxAzs', props.maxAzs], ['availabilityZones', props.availabilityZones],
      ['natGateways', props.natGateways], ['allowInternetEgress', props.allowInternetEgress],
    ];
    for (const [prop, value] of conflicting) {
      v.check(value !== undefined, {
        prop,
        value,
        allowed: 'only when the network creates its VPC (no `vpc` given)',
        fix: `remove ${prop}: the existing VPC decides it, or drop \`vpc\` to let the network create one.`,
      });
    }
  } else {
    v.check(props.vpcSubnets !== undefined, {
      prop: 'vpcSubnets',
      value: 'a subnet selection',
      allowed: 'only together with `vpc`',
      fix: 'pass the existing `vpc` the selection refers to, or remove vpcSubnets.',
    });
    const azs = checkAzs(v, props);
    checkCidr(v, scope, props, azs);
    checkNat(v, props, azs);
  }
  checkAccess(v, props);
  checkKnown(v, 'interfaceEndpoints', props.interfaceEndpoints ?? []);
  checkEndpointSources(v, props);
  for (const cidr of props.endpointClientCidrs ?? []) {
    checkCidrSyntax(v, 'endpointClientCidrs', cidr);
  }
  if (props.endpointPlacement?.centralVpcCidr !== undefined) {
    checkCidrSyntax(v, 'endpointPlacement.endpointVpcCidr', props.endpointPlacement.centralVpcCidr);
  }
  v.check(props.allowJumpStartBuckets === true && props.createS3GatewayEndpoint === false, {
    prop: 'allowJumpStartBuckets',
    value: true,
    allowed: 'only with the network\'s S3 gateway endpoint (createS3GatewayEndpoint not false)',
    fix: 'admit the JumpStart buckets in the policy of the S3 gateway endpoint the VPC already has, or let the network create one.',
  });
  v.throwIfAny();
}

function checkKnown(v: PropsValidator, prop: string, services: MlEndpointService[]): void {
  const seen = new Set<string>();
  for (const service of services) {
    if (!entryOf(service.name)) {
      const close = suggest(service.name);
      v.add({
        prop,
        value: service.name,
        allowed: `a service of the catalog (${MlEndpointService.knownNames().join(', ')})`,
        fix: close.length > 0 ? `did you mean ${close.map((c) => `'${c}'`).join(' or ')}?` : 'use the MlEndpointService constants.',
      });
    }
    v.check(seen.has(service.name), { prop, value: service.name, allowed: 'each service once', fix: 'remove the duplicate.' });
    seen.add(service.name);
  }
}

/**
 * Each service has one source: created here (interfaceEndpoints), already in
 * the VPC (existingEndpoints) or served centrally (EndpointPlacement.central).
 */
function checkEndpointSources(v: PropsValidator, props: SecureMlNetworkProps): void {
  const existing = props.existingEndpoints ?? [];
  const placement = props.endpointPlacement;
  const central = placement?.kind === EndpointPlacementKind.CENTRAL ? placement.centralServices : [];
  checkKnown(v, 'existingEndpoints', existing);
  checkKnown(v, 'endpointPlacement.services', central);
  v.check(existing.length > 0 && !props.vpc, {
    prop: 'existingEndpoints',
    value: existing.map((s) => s.name),
    allowed: 'only with `vpc` (the existing VPC that has them)',
    fix: 'pass the existing vpc, or, for endpoints of a central endpoint VPC, use endpointPlacement: EndpointPlacement.central({ services }).',
  });
  const created = new Set((props.interfaceEndpoints ?? []).map((s) => s.name));
  for (const [prop, list] of [['existingEndpoints', existing], ['endpointPlacement.services', central]] as Array<[string, MlEndpointService[]]>) {
    const both = list.filter((s) => created.has(s.name)).map((s) => s.name);
    v.check(both.length > 0, {
      prop,
      value: both,
      allowed: 'services not also listed in interfaceEndpoints (an endpoint is either reached elsewhere or created here)',
      fix: `remove ${both.map((n) => `'${n}'`).join(', ')} from interfaceEndpoints: creating a second endpoint with private DNS for a service the VPC already resolves fails with "conflicting DNS domain".`,
    });
  }
  const centralNames = new Set(central.map((s) => s.name));
  const twice = existing.filter((s) => centralNames.has(s.name)).map((s) => s.name);
  v.check(twice.length > 0, {
    prop: 'existingEndpoints',
    value: twice,
    allowed: 'services not also served by the central endpoint VPC',
    fix: 'list each service either in existingEndpoints (an endpoint in this VPC) or in the central services.',
  });
  v.check(placement?.kind === EndpointPlacementKind.CENTRAL && central.length === 0, {
    prop: 'endpointPlacement.services',
    value: [],
    allowed: 'at least one service served by the central endpoint VPC',
    fix: 'list the services the central endpoint VPC serves, or use EndpointPlacement.everyAz() / singleAz().',
  });
  v.check(placement?.kind === EndpointPlacementKind.CENTRAL && props.endpointPrivateDns === false, {
    prop: 'endpointPrivateDns',
    value: false,
    allowed: 'private DNS off only on the network that hosts central endpoints, not on one that uses them',
    fix: 'remove endpointPrivateDns from the network that uses central endpoints (EndpointPlacement.central); turn it off on the network that hosts them.',
  });
}

function checkCidrSyntax(v: PropsValidator, prop: string, cidr: string): void {
  if (Token.isUnresolved(cidr)) {
    return;
  }
  const m = CIDR.exec(cidr);
  v.check(!m || m.slice(1, 5).map(Number).some((o) => o > 255) || Number(m[5]) > 32, {
    prop, value: cidr, allowed: 'an IPv4 CIDR block a.b.c.d/n', fix: "write it like '10.1.0.0/16'.",
  });
}

function checkAzs(v: PropsValidator, props: SecureMlNetworkProps): number {
  if (props.availabilityZones !== undefined) {
    const zones = props.availabilityZones;
    v.check(props.maxAzs !== undefined, {
      prop: 'maxAzs',
      value: props.maxAzs,
      allowed: 'either maxAzs or availabilityZones, not both',
      fix: 'remove maxAzs; the number of availabilityZones decides it.',
    });
    v.check(zones.length < 1 || zones.length > MAX_AZS, {
      prop: 'availabilityZones', value: zones, allowed: `1 to ${MAX_AZS} zones`, fix: 'list between 1 and 6 zone names, e.g. ["eu-west-1a", "eu-west-1b"].',
    });
    v.check(new Set(zones).size !== zones.length, {
      prop: 'availabilityZones', value: zones, allowed: 'distinct zone names', fix: 'remove the duplicates.',
    });
    return Math.max(1, zones.length);
  }
  const azs = props.maxAzs ?? 2;
  if (!Number.isInteger(azs) || azs < 1 || azs > MAX_AZS) {
    v.add({ prop: 'maxAzs', value: azs, allowed: `a whole number from 1 to ${MAX_AZS}`, fix: 'use 2 (default) or 3 for production.' });
    return 2;
  }
  return azs;
}

function checkCidr(v: PropsValidator, scope: IConstruct, props: SecureMlNetworkProps, azs: number): void {
  const cidr = props.cidr;
  if (cidr === undefined || Token.isUnresolved(cidr)) {
    return;
  }
  const m = CIDR.exec(cidr);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const prefix = m ? Number(m[5]) : NaN;
  if (!m || octets.some((o) => o > 255) || prefix > 32) {
    v.add({ prop: 'cidr', value: cidr, allowed: 'an IPv4 CIDR block a.b.c.d/n', fix: "write it like '10.20.0.0/16'." });
    return;
  }
  const base = ip(octets[0], octets[1], octets[2], octets[3]);
  if (prefix < 16 || prefix > 24) {
    v.add({
      prop: 'cidr',
      value: cidr,
      allowed: 'a prefix length from /16 to /24',
      fix: prefix < 16 ? 'AWS VPCs are at most /16; use a /16 or smaller block.' : 'ML workloads need room for endpoints, jobs and Studio apps: use /24 or larger (e.g. /20).',
    });
    return;
  }
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  if ((base & ~mask) >>> 0 !== 0) {
    const network = toDotted((base & mask) >>> 0);
    v.add({ prop: 'cidr', value: cidr, allowed: 'the network address of the block', fix: `use '${network}/${prefix}'.` });
    return;
  }
  const groups = props.allowInternetEgress ? 2 : 1;
  const limit = props.allowInternetEgress ? 26 : SMALLEST_SUBNET_PREFIX;
  const subnetPrefix = prefix + Math.ceil(Math.log2(azs * groups));
  v.check(subnetPrefix > limit, {
    prop: 'cidr',
    value: cidr,
    allowed: `a block large enough for ${azs * groups} subnets of at least /${limit}`,
    fix: `use a larger block (e.g. /${Math.max(16, limit - Math.ceil(Math.log2(azs * groups)) - 2)}) or fewer AZs.`,
  });
  const isPrivate = PRIVATE_RANGES.some(([start, bits]) => {
    const m2 = (~0 << (32 - bits)) >>> 0;
    return ((base & m2) >>> 0) === start;
  });
  if (!isPrivate) {
    Annotations.of(scope).addWarningV2('cdk-mlops:network-public-cidr',
      `cidr '${cidr}' is not in a private range (10/8, 172.16/12, 192.168/16, 100.64/10); make sure it does not overlap public addresses your workloads need.`);
  }
}

function checkNat(v: PropsValidator, props: SecureMlNetworkProps, azs: number): void {
  const nat = props.natGateways;
  if (nat === undefined) {
    return;
  }
  if (!props.allowInternetEgress) {
    v.add({ prop: 'natGateways', value: nat, allowed: 'only with allowInternetEgress: true', fix: 'remove natGateways, or turn on allowInternetEgress.' });
    return;
  }
  v.check(!Number.isInteger(nat) || nat < 1 || nat > azs, {
    prop: 'natGateways', value: nat, allowed: `a whole number from 1 to the number of AZs (${azs})`, fix: 'use 1 (cheapest) or one per AZ (resilient).',
  });
}

function checkAccess(v: PropsValidator, props: SecureMlNetworkProps): void {
  const seen = new Set<string>();
  for (const account of props.trustedAccountIds ?? []) {
    if (Token.isUnresolved(account)) {
      continue;
    }
    v.check(!ACCOUNT_ID.test(account), {
      prop: 'trustedAccountIds', value: account, allowed: '12-digit AWS account ids', fix: "write the account id as a string of 12 digits, e.g. '123456789012'.",
    });
    v.check(seen.has(account), { prop: 'trustedAccountIds', value: account, allowed: 'each account once', fix: 'remove the duplicate.' });
    seen.add(account);
  }
  const org = props.organizationId;
  v.checkPattern(org, ORGANIZATION_ID, {
    prop: 'organizationId', allowed: "an AWS Organizations id like 'o-a1b2c3d4e5'", fix: 'copy the id from the Organizations console (starts with o-).',
  });
  const pl = props.s3PrefixListId;
  v.checkPattern(pl, /^pl-[0-9a-f]{8,17}$/, {
    prop: 's3PrefixListId', allowed: "a managed prefix list id like 'pl-63a5400a'", fix: 'run `aws ec2 describe-managed-prefix-lists` and use the id of com.amazonaws.<region>.s3.',
  });
}

function ip(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function toDotted(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

import { Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { AuthMode } from './auth-mode';
import type { ExplorationDomainProps } from './exploration-domain';
import { MlInstanceType } from '../common';
import { validatePackageRepositories } from './package-grants';
import type { StudioUserProfileOptions } from './user-profile';
import { PropsValidator } from '../private/validation';

/** SageMaker's pattern for domain and user profile names (1 to 63 characters). */
export const STUDIO_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
/** IdleSettings minutes: the range of the service (SageMaker API reference, IdleSettings). */
export const IDLE_MIN_MINUTES = 60;
export const IDLE_MAX_MINUTES = 525600;
/** Studio takes at most 16 subnets. */
const MAX_SUBNETS = 16;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u;

/** The idle timeout in whole minutes, or undefined when it is not a whole number of minutes. */
export function wholeMinutes(d: Duration): number | undefined {
  try {
    return d.toMinutes({ integral: true });
  } catch {
    return undefined;
  }
}

/**
 * Check ExplorationDomain props; throws one ValidationError listing every problem.
 */
export function validateDomainProps(scope: IConstruct, props: ExplorationDomainProps, authMode: AuthMode): void {
  const v = new PropsValidator(scope, 'ExplorationDomain');
  const name = props.domainName;
  v.checkPattern(name, STUDIO_NAME, {
    prop: 'domainName',
    allowed: '1 to 63 letters, digits and hyphens, starting and ending with a letter or digit',
    fix: "use a name like 'data-science'. Note: changing it later replaces the domain.",
  });
  checkSubnets(v, props);
  checkIdle(v, props);
  checkInstanceTypes(v, 'appInstanceTypes', props.appInstanceTypes);
  checkInstanceTypes(v, 'devEndpointInstanceTypes', props.devEndpointInstanceTypes);
  const key = props.devEndpointTagKey;
  v.check(key !== undefined && !Token.isUnresolved(key) && (!TAG_KEY.test(key) || key.toLowerCase().startsWith('aws:')), {
    prop: 'devEndpointTagKey',
    value: key,
    allowed: '1 to 128 characters of letters, digits, spaces and _.:/=+-@, not starting with aws:',
    fix: "use a key like 'mlops:stage'.",
  });
  const value = props.devEndpointTagValue;
  v.checkPattern(value, TAG_VALUE, {
    prop: 'devEndpointTagValue',
    allowed: '1 to 256 characters of letters, digits, spaces and _.:/=+-@',
    fix: "use a value like 'dev'.",
  });
  checkProfiles(v, props.userProfiles ?? [], [], authMode);
  validatePackageRepositories(v, props.packageRepositories ?? []);
  v.throwIfAny();
}

/**
 * Check profiles to add next to the existing ones; throws one ValidationError.
 */
export function validateProfiles(
  scope: IConstruct, profiles: StudioUserProfileOptions[], existing: string[], authMode: AuthMode, label: string,
): void {
  const v = new PropsValidator(scope, 'ExplorationDomain');
  checkProfiles(v, profiles, existing, authMode, () => label);
  v.throwIfAny();
}

function checkSubnets(v: PropsValidator, props: ExplorationDomainProps): void {
  const network = props.network;
  let subnets: ec2.ISubnet[] = [];
  let reason = '';
  try {
    subnets = network.vpc.selectSubnets(network.vpcSubnets).subnets;
  } catch (e) {
    reason = (e as Error).message;
  }
  if (subnets.length === 0) {
    v.add({
      prop: 'network',
      value: reason || 'no subnets selected',
      allowed: 'a network whose workload subnets are private (isolated or with egress) and exist',
      fix: 'build the network with SecureMlNetwork (private subnets by default), or import one whose vpcSubnets select private subnets.',
    });
    return;
  }
  const publicIds = new Set(network.vpc.publicSubnets.map((s) => s.subnetId));
  const publicOnes = subnets.filter((s) => publicIds.has(s.subnetId)).map((s) => s.node.path);
  v.check(publicOnes.length > 0, {
    prop: 'network',
    value: publicOnes,
    allowed: 'private subnets only: Studio runs VPC-only, without public IP addresses',
    fix: 'select the private subnets of the VPC in the network\'s vpcSubnets (e.g. { subnetType: SubnetType.PRIVATE_ISOLATED }).',
  });
  v.check(subnets.length > MAX_SUBNETS, {
    prop: 'network',
    value: `${subnets.length} subnets`,
    allowed: `at most ${MAX_SUBNETS} subnets (SageMaker limit)`,
    fix: 'narrow the network\'s vpcSubnets, e.g. to one subnet per Availability Zone.',
  });
}

function checkIdle(v: PropsValidator, props: ExplorationDomainProps): void {
  const range = `a whole number of minutes from ${IDLE_MIN_MINUTES} (1 hour) to ${IDLE_MAX_MINUTES} (365 days)`;
  let idle: number | undefined;
  if (props.idleTimeout !== undefined && !props.idleTimeout.isUnresolved()) {
    idle = wholeMinutes(props.idleTimeout);
    v.check(idle === undefined || idle < IDLE_MIN_MINUTES || idle > IDLE_MAX_MINUTES, {
      prop: 'idleTimeout',
      value: props.idleTimeout.toHumanString(),
      allowed: range,
      fix: 'use e.g. Duration.hours(1) (the shortest Studio allows) or Duration.hours(4).',
    });
  }
  if (props.maxIdleTimeout !== undefined && !props.maxIdleTimeout.isUnresolved()) {
    const max = wholeMinutes(props.maxIdleTimeout);
    v.check(max === undefined || max < IDLE_MIN_MINUTES || max > IDLE_MAX_MINUTES, {
      prop: 'maxIdleTimeout',
      value: props.maxIdleTimeout.toHumanString(),
      allowed: range,
      fix: 'use e.g. Duration.hours(8).',
    });
    const effectiveIdle = idle ?? IDLE_MIN_MINUTES;
    v.check(max !== undefined && max >= IDLE_MIN_MINUTES && max < effectiveIdle, {
      prop: 'maxIdleTimeout',
      value: props.maxIdleTimeout.toHumanString(),
      allowed: `at least idleTimeout (${effectiveIdle} minutes)`,
      fix: 'raise maxIdleTimeout or lower idleTimeout.',
    });
  }
}

function checkInstanceTypes(v: PropsValidator, prop: string, types: MlInstanceType[] | undefined): void {
  if (types === undefined) {
    return;
  }
  if (types.length === 0) {
    v.add({
      prop,
      value: [],
      allowed: 'at least one instance type',
      fix: 'list the instance types to allow, e.g. [MlInstanceType.ML_T3_MEDIUM], or leave the prop out for the defaults.',
    });
    return;
  }
  const seen = new Set<string>();
  for (const t of types) {
    if (Token.isUnresolved(t.name)) {
      continue;
    }
    v.check(!t.isWellFormed, {
      prop,
      value: t.name,
      allowed: 'SageMaker instance type names like ml.t3.medium',
      fix: "write the name with the 'ml.' prefix, e.g. MlInstanceType.of('ml.m5.large').",
    });
    v.check(seen.has(t.name), { prop, value: t.name, allowed: 'each instance type once', fix: 'remove the duplicate.' });
    seen.add(t.name);
  }
}

function checkProfiles(
  v: PropsValidator, profiles: StudioUserProfileOptions[], existing: string[], authMode: AuthMode,
  label: (i: number) => string = (i) => `userProfiles[${i}]`,
): void {
  const seen = new Set(existing.map((n) => n.toLowerCase()));
  const ids = new Set(existing.map(profileConstructId));
  profiles.forEach((p, i) => {
    const prop = label(i);
    const name = p.userProfileName;
    if (Token.isUnresolved(name)) {
      v.add({
        prop: `${prop}.userProfileName`,
        value: name,
        allowed: 'a name known at synth time',
        fix: 'write the name as a string; it names the construct and the profile.',
      });
      return;
    }
    v.check(!STUDIO_NAME.test(name), {
      prop: `${prop}.userProfileName`,
      value: name,
      allowed: '1 to 63 letters, digits and hyphens, starting and ending with a letter or digit',
      fix: "use a name like 'alice' or 'data-team-1' (no dots, underscores or @).",
    });
    const duplicate = seen.has(name.toLowerCase()) || ids.has(profileConstructId(name));
    v.check(duplicate, {
      prop: `${prop}.userProfileName`,
      value: name,
      allowed: 'each profile name once in a domain (case-insensitive)',
      fix: 'remove the duplicate profile or give it another name.',
    });
    seen.add(name.toLowerCase());
    ids.add(profileConstructId(name));
    if (authMode === AuthMode.SSO) {
      v.check(p.ssoUserName === undefined, {
        prop: `${prop}.ssoUserName`,
        value: p.ssoUserName,
        allowed: 'the IAM Identity Center user name of the person, required with AuthMode.SSO',
        fix: `add ssoUserName for '${name}', e.g. ssoUserName: '${name}@example.com' as it appears in Identity Center.`,
      });
      v.check(p.ssoUserName !== undefined && !Token.isUnresolved(p.ssoUserName) && (p.ssoUserName.length < 1 || p.ssoUserName.length > 256), {
        prop: `${prop}.ssoUserName`, value: p.ssoUserName, allowed: '1 to 256 characters', fix: 'use the user name as shown in IAM Identity Center.',
      });
    } else {
      v.check(p.ssoUserName !== undefined, {
        prop: `${prop}.ssoUserName`,
        value: p.ssoUserName,
        allowed: 'only with authMode: AuthMode.SSO',
        fix: 'remove ssoUserName, or set authMode: AuthMode.SSO on the domain (this replaces an existing domain).',
      });
    }
  });
}

/** The construct id of a user profile: `UserProfile` + the name in PascalCase. */
export function profileConstructId(name: string): string {
  return `UserProfile${name.split('-').filter((p) => p).map((p) => p[0].toUpperCase() + p.slice(1)).join('')}`;
}

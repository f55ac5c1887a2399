/**
 * The flow model: every runtime hop of a configuration as (principal,
 * action, resource, request context), and its evaluation against every
 * policy AWS evaluates for it.
 *
 * Request context: the keys AWS sets for the call. Principal keys
 * (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalOrgID`, ...) and
 * `aws:SecureTransport` are added for every hop; the hop adds what the
 * service sets for that call (`aws:SourceAccount`/`aws:SourceArn` for a
 * service acting for a resource, `kms:ViaService` and
 * `kms:EncryptionContext:*` for KMS calls a service makes for the caller,
 * `s3:ResourceAccount`, `aws:SourceVpce` when the call goes through an
 * endpoint, and the service's own keys).
 */
import { Configuration } from './configurations';
import { EndpointInfo, PlatformModel } from './model';
import { PolicyInput, simulate, SimulationOutcome } from './simulate';

/** What a hop must come to. */
export type Expectation = 'allow' | 'deny';

/** One runtime call. */
export interface Hop {
  readonly config: Configuration['name'];
  /** What happens, in words. */
  readonly step: string;
  readonly expect: Expectation;
  /** A role ARN or a service principal. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  readonly context: Record<string, string | string[]>;
  /** Endpoints the call goes through (their policies are evaluated). */
  readonly endpoints: EndpointInfo[];
  /** Identity policies of a principal no template defines (a foreign account's role). */
  readonly identityPolicies?: PolicyInput[];
  /** Why a must-deny hop must be denied, or a note on the hop. */
  readonly note?: string;
}

/** A hop with its verdict. */
export interface EvaluatedHop extends Hop {
  readonly principalLabel: string;
  readonly resourceLabel: string;
  readonly outcome: SimulationOutcome;
  /** True when the verdict is what the hop expects. */
  readonly ok: boolean;
}

/** Options of one hop. */
export interface HopOptions {
  readonly context?: Record<string, string | string[]>;
  readonly endpoints?: EndpointInfo[];
  readonly expect?: Expectation;
  readonly resourceAccount?: string;
  readonly identityPolicies?: PolicyInput[];
  readonly note?: string;
}

const SERVICE_PRINCIPAL = /^[a-z0-9.-]+\.amazonaws\.com$/;

/** The account of an ARN (empty for S3 bucket ARNs). */
export function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

/** Collects the hops of one configuration. */
export class Flow {
  public readonly hops: Hop[] = [];
  private readonly seen = new Set<string>();

  constructor(public readonly model: PlatformModel, public readonly config: Configuration) {}

  /** Add a hop (a hop already present with the same principal, action, resource and context is skipped). */
  public add(step: string, principal: string, action: string, resource: string, options: HopOptions = {}): void {
    const resourceAccount = options.resourceAccount ?? this.resourceAccount(resource);
    const context = { ...(options.context ?? {}) };
    const key = JSON.stringify([principal, action, resource, context, options.expect ?? 'allow']);
    if (this.seen.has(key)) {
      return;
    }
    this.seen.add(key);
    this.hops.push({
      config: this.config.name,
      step,
      expect: options.expect ?? 'allow',
      principal,
      action,
      resource,
      resourceAccount,
      context,
      endpoints: options.endpoints ?? [],
      identityPolicies: options.identityPolicies,
      note: options.note,
    });
  }

  /** A must-deny hop. */
  public deny(step: string, principal: string, action: string, resource: string, note: string, options: HopOptions = {}): void {
    this.add(step, principal, action, resource, { ...options, expect: 'deny', note });
  }

  /** The account that owns a resource (buckets: the account of the stack that defines them). */
  public resourceAccount(resource: string): string {
    if (resource === '*') {
      return '';
    }
    const s3 = /^arn:aws:s3:::([^/]+)/.exec(resource);
    if (s3) {
      const bucket = this.model.ofType('AWS::S3::Bucket').find((b) => b.ref === s3[1]);
      if (bucket) {
        return bucket.account;
      }
      const external = this.config.externalBuckets?.[s3[1]];
      if (external) {
        return external;
      }
      const named = /-(\d{12})-[a-z]{2}-[a-z]+-\d$/.exec(s3[1]);
      if (named) {
        return named[1];
      }
      throw new Error(`flow: the account of bucket ${s3[1]} is unknown; pass resourceAccount`);
    }
    return accountOf(resource);
  }

  /** The S3 gateway endpoint of a VPC, when the caller runs in it. */
  public s3Gateway(vpcId?: string): EndpointInfo[] {
    return vpcId ? [this.model.endpoint(vpcId, '.s3')] : [];
  }

  /** An interface endpoint of a VPC (`sagemaker.api`, `monitoring`, ...), when the caller runs in it. */
  public interfaceEndpoint(vpcId: string | undefined, service: string): EndpointInfo[] {
    return vpcId ? [this.model.endpoint(vpcId, `.${service}`)] : [];
  }

  /** The KMS key of a bucket's default encryption, and whether S3 Bucket Keys are on. */
  public bucketKey(bucketName: string): { keyArn: string; bucketKey: boolean } | undefined {
    const bucket = this.model.ofType('AWS::S3::Bucket').find((b) => b.ref === bucketName);
    const rule = bucket?.properties.BucketEncryption?.ServerSideEncryptionConfiguration?.[0];
    const keyArn = rule?.ServerSideEncryptionByDefault?.KMSMasterKeyID;
    return keyArn ? { keyArn: this.model.keyArn(keyArn), bucketKey: rule.BucketKeyEnabled === true } : undefined;
  }

  /**
   * A read or write of an S3 object, and the KMS call S3 makes for the
   * caller when the bucket is KMS-encrypted (`kms:ViaService` s3, encryption
   * context `aws:s3:arn` of the bucket with Bucket Keys on, else of the object).
   */
  public s3Object(step: string, principal: string, access: 'read' | 'write', objectArn: string, options: HopOptions & { vpcId?: string } = {}): void {
    const bucketName = /^arn:aws:s3:::([^/]+)\//.exec(objectArn)![1];
    const endpoints = options.endpoints ?? this.s3Gateway(options.vpcId);
    this.add(step, principal, access === 'read' ? 's3:GetObject' : 's3:PutObject', objectArn, { ...options, endpoints });
    const key = this.bucketKey(bucketName);
    if (key) {
      const region = key.keyArn.split(':')[3];
      this.add(`${step} (KMS through S3)`, principal, access === 'read' ? 'kms:Decrypt' : 'kms:GenerateDataKey', key.keyArn, {
        ...options,
        endpoints: [],
        context: {
          'kms:ViaService': `s3.${region}.amazonaws.com`,
          'kms:CallerAccount': accountOf(principal) || this.resourceAccount(objectArn),
          'kms:EncryptionContext:aws:s3:arn': key.bucketKey ? `arn:aws:s3:::${bucketName}` : objectArn,
        },
      });
    }
  }

  /** The KMS statement of a call a service makes with the caller's credentials. */
  public kmsVia(step: string, principal: string, action: string, keyArn: string, service: string,
    encryptionContext: Record<string, string>, options: HopOptions = {}): void {
    const region = keyArn.split(':')[3];
    const context: Record<string, string | string[]> = {
      'kms:ViaService': `${service}.${region}.amazonaws.com`,
      'kms:CallerAccount': accountOf(principal),
      ...Object.fromEntries(Object.entries(encryptionContext).map(([k, v]) => [`kms:EncryptionContext:${k}`, v])),
      ...(options.context ?? {}),
    };
    this.add(step, principal, action, this.model.keyArn(keyArn), { ...options, context });
  }

  /** Start a Step Functions execution, and the data key an encrypted state machine needs for its input. */
  public startExecution(step: string, principal: string, machineArn: string, options: HopOptions = {}): void {
    this.add(step, principal, 'states:StartExecution', machineArn, options);
    const key = this.stateMachineKey(machineArn);
    if (key) {
      this.kmsVia(`${step} (input encrypted with the state machine's key)`, principal, 'kms:GenerateDataKey', key, 'states',
        { 'aws:states:stateMachineArn': machineArn }, { expect: options.expect, note: options.note });
    }
  }

  /** The customer-managed key of a state machine, if any. */
  public stateMachineKey(machineArn: string): string | undefined {
    const machine = this.model.byArn(machineArn);
    const enc = machine?.properties.EncryptionConfiguration;
    return enc?.Type === 'CUSTOMER_MANAGED_KMS_KEY' ? this.model.keyArn(enc.KmsKeyId) : undefined;
  }

  /** A short name of a principal for the matrix. */
  public principalLabel(principal: string): string {
    if (SERVICE_PRINCIPAL.test(principal)) {
      return principal;
    }
    const role = this.model.roles.find((r) => r.arn === principal);
    return role ? `${this.stackLabel(role.stackName)}${trimHash(role.logicalId)}` : principal;
  }

  /** The resource whose policy AWS evaluates for a request on `resource` (a bucket, a model package group, ...). */
  public policyOwnerLabel(resource: string): string {
    const s3 = /^arn:aws:s3:::([^/]+)/.exec(resource);
    if (s3) {
      return this.resourceLabel(`arn:aws:s3:::${s3[1]}`);
    }
    const pkg = /^(arn:aws:sagemaker:[^:]+:\d+:)model-package\/([^/]+)\/\d+$/.exec(resource);
    if (pkg) {
      return this.resourceLabel(`${pkg[1]}model-package-group/${pkg[2]}`);
    }
    return this.resourceLabel(resource);
  }

  /** A short name of a resource for the matrix. */
  public resourceLabel(resource: string): string {
    const s3 = /^arn:aws:s3:::([^/]+)(\/(.*))?$/.exec(resource);
    if (s3) {
      const bucket = this.model.ofType('AWS::S3::Bucket').find((b) => b.ref === s3[1]);
      const name = bucket ? `${this.stackLabel(bucket.stackName)}${trimHash(bucket.logicalId)}` : s3[1];
      return s3[3] !== undefined ? `${name}/${s3[3]}` : name;
    }
    const r = this.model.byArn(resource);
    if (r) {
      return `${this.stackLabel(r.stackName)}${trimHash(r.logicalId)}`;
    }
    return resource.replace(/^arn:aws:/, '');
  }

  private stackLabel(stackName: string): string {
    const stacks = new Set(this.model.resources.map((r) => r.stackName));
    return stacks.size > 1 ? `${stackName}/` : '';
  }
}

function trimHash(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}$/, '');
}

/** Evaluate every hop of a flow. */
export async function evaluateFlow(flow: Flow): Promise<EvaluatedHop[]> {
  const out: EvaluatedHop[] = [];
  for (const hop of flow.hops) {
    out.push(await evaluateHop(flow, hop));
  }
  return out;
}

/** Evaluate one hop against the policies AWS evaluates for it. */
export async function evaluateHop(flow: Flow, hop: Hop): Promise<EvaluatedHop> {
  const model = flow.model;
  const org = flow.config.organization;
  const isService = SERVICE_PRINCIPAL.test(hop.principal);
  const principalAccount = isService ? '' : accountOf(hop.principal);
  const context: Record<string, string | string[]> = { 'aws:SecureTransport': 'true' };
  if (isService) {
    context['aws:PrincipalIsAWSService'] = 'true';
    context['aws:PrincipalServiceName'] = hop.principal;
  } else {
    context['aws:PrincipalArn'] = hop.principal;
    context['aws:PrincipalAccount'] = principalAccount;
    context['aws:PrincipalIsAWSService'] = 'false';
    context['aws:PrincipalType'] = 'AssumedRole';
    if (org?.accounts.includes(principalAccount)) {
      context['aws:PrincipalOrgID'] = org.id;
    }
  }
  if (hop.resourceAccount) {
    context['aws:ResourceAccount'] = hop.resourceAccount;
    if (hop.action.startsWith('s3:')) {
      context['s3:ResourceAccount'] = hop.resourceAccount;
    }
    if (org?.accounts.includes(hop.resourceAccount)) {
      context['aws:ResourceOrgID'] = org.id;
    }
  }
  for (const e of hop.endpoints) {
    context['aws:SourceVpce'] = e.id;
    context['aws:SourceVpc'] = e.vpcId;
  }
  Object.assign(context, hop.context);

  const role = isService ? undefined : model.roles.find((r) => r.arn === hop.principal);
  if (!isService && !role && !hop.identityPolicies) {
    throw new Error(`flow: principal ${hop.principal} is in no template; give the hop its identity policies`);
  }
  if (role && role.awsManagedPolicies.length > 0) {
    throw new Error(`flow: ${role.logicalId} has AWS managed policies (${role.awsManagedPolicies.join(', ')}) whose statements no template holds`);
  }
  const identityPolicies = hop.identityPolicies ?? (role?.policies ?? []).map((p) => ({ name: p.name, document: p.document }));
  const resourcePolicy = model.resourcePolicyFor(hop.resource);
  const scps = !isService && org?.accounts.includes(principalAccount) ? org.scps : [];
  const outcome = await simulate({
    principal: hop.principal,
    action: hop.action,
    resource: hop.resource,
    resourceAccount: hop.resourceAccount || principalAccount,
    context,
    identityPolicies,
    resourcePolicy: resourcePolicy ? { name: flow.policyOwnerLabel(hop.resource), document: resourcePolicy } : undefined,
    endpointPolicies: hop.endpoints.filter((e) => e.policy).map((e) => ({ name: `endpoint ${e.serviceName.replace(/^.*?\.[a-z]{2}(-[a-z]+)+-\d\./, '')}`, document: e.policy })),
    serviceControlPolicies: scps,
  });
  const allowed = outcome.result === 'Allowed';
  return {
    ...hop,
    principalLabel: flow.principalLabel(hop.principal),
    resourceLabel: flow.resourceLabel(hop.resource),
    outcome,
    ok: hop.expect === 'allow' ? allowed : !allowed,
  };
}

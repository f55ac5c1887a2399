/**
 * Proves a persona's journey hop by hop on a synthesized template, with
 * concrete ids and ARNs (test/harness/template-resolve.ts):
 *
 * - the network path: the workload VPC has an interface endpoint for the
 *   service (exactly one, private DNS on, in a workload subnet, its security
 *   groups admitting HTTPS from the workloads, the workloads' group letting
 *   HTTPS out), or the S3 gateway endpoint on the workload subnets' route
 *   tables;
 * - IAM: the request is evaluated by iam-simulate with the caller's identity
 *   policies, the resource's policy and the endpoint's policy (AWS's default
 *   full-access policy when the endpoint has none), its context cut to the
 *   keys the Service Authorization Reference lists for the action.
 *
 * Nothing here decides an outcome: the template says what exists, the
 * simulator says what is allowed.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ISecureMlNetwork } from '../../src/network';
import { PolicyDocument, simulate, SimulationOutcome } from '../harness/iam-simulator';
import { sarContext } from '../harness/sar-requests';
import { TemplateResolver } from '../harness/template-resolve';

/** AWS's default endpoint policy (an endpoint created without one). */
const DEFAULT_ENDPOINT_POLICY: PolicyDocument = { Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] };

type Resources = Record<string, { Type: string; Properties?: any }>;

/** What the journeys read from one synthesized stack. */
export class JourneyWorld {
  public readonly resolver: TemplateResolver;
  public readonly account: string;
  public readonly region: string;
  public readonly vpcId: string;
  public readonly vpcCidr: string;
  public readonly workloadSubnets: string[];
  public readonly workloadSecurityGroup: string;
  private readonly raw: Resources;
  private readonly resources: Resources;

  constructor(private readonly stack: Stack, network: ISecureMlNetwork) {
    const template = Template.fromStack(stack).toJSON();
    this.raw = template.Resources;
    this.resolver = new TemplateResolver(template);
    this.resources = this.resolver.resolve(template.Resources) as Resources;
    this.account = this.resolver.pseudo('AWS::AccountId')!;
    this.region = this.resolver.pseudo('AWS::Region')!;
    this.vpcId = this.value(network.vpc.vpcId);
    const vpc = Object.entries(this.raw).find(([id, r]) => r.Type === 'AWS::EC2::VPC' && this.resolver.idOf(id) === this.vpcId);
    this.vpcCidr = vpc ? vpc[1].Properties.CidrBlock : '';
    this.workloadSubnets = this.value(network.subnetIds);
    this.workloadSecurityGroup = this.value(network.workloadSecurityGroup.securityGroupId);
  }

  /** A CDK value (token or literal) as deployed. */
  public value(v: unknown): any {
    return this.resolver.resolve(this.stack.resolve(v));
  }

  /** The resolved properties of every resource of a type. */
  public propertiesOf(type: string): any[] {
    return Object.values(this.resources).filter((r) => r.Type === type).map((r) => r.Properties);
  }

  /** The identity policies of a role (managed, customer-managed by ARN, inline), by logical id. */
  public identityPolicies(roleArn: string): Record<string, PolicyDocument> {
    const roleName = roleArn.split('/').pop();
    const out: Record<string, PolicyDocument> = {};
    const role = Object.entries(this.resources).find(([, r]) => r.Type === 'AWS::IAM::Role' && r.Properties?.RoleName === roleName)
      ?? Object.entries(this.raw).filter(([, r]) => r.Type === 'AWS::IAM::Role').map(([id]) => [id, this.resources[id]] as const)
        .find(([id]) => this.resolver.nameOf(id) === roleName);
    const attachedArns: string[] = role?.[1].Properties?.ManagedPolicyArns ?? [];
    (role?.[1].Properties?.Policies ?? []).forEach((p: any, i: number) => { out[`${role![0]}.Policies[${i}]`] = p.PolicyDocument; });
    for (const [id, r] of Object.entries(this.resources)) {
      const attachedByRole = r.Type === 'AWS::IAM::ManagedPolicy' && attachedArns.includes(this.resolver.arnOf(id));
      if ((r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy') && ((r.Properties?.Roles ?? []).includes(roleName) || attachedByRole)) {
        out[id] = r.Properties.PolicyDocument;
      }
    }
    if (Object.keys(out).length === 0) {
      throw new Error(`journey: no identity policy found for ${roleArn}`);
    }
    return out;
  }

  /** The bucket policy of a bucket, by name. */
  public bucketPolicy(bucketName: string): PolicyDocument | undefined {
    const found = Object.values(this.resources).find((r) => r.Type === 'AWS::S3::BucketPolicy' && r.Properties.Bucket === bucketName);
    return found?.Properties.PolicyDocument;
  }

  /** The key policy of a key, by ARN. */
  public keyPolicy(keyArn: string): PolicyDocument {
    const id = Object.keys(this.raw).find((k) => this.raw[k].Type === 'AWS::KMS::Key' && this.resolver.arnOf(k) === keyArn);
    if (!id) {
      throw new Error(`journey: no key ${keyArn} in the template`);
    }
    return this.resources[id].Properties!.KeyPolicy;
  }

  /**
   * The network path to an AWS service through an interface endpoint: checks
   * it and returns the endpoint's policy. `service` is the PrivateLink name
   * suffix (`sts`, `sagemaker.api`, `experiments`).
   */
  public interfaceEndpoint(service: string): { readonly id: string; readonly policy: PolicyDocument } {
    const names = [`com.amazonaws.${this.region}.${service}`, `aws.sagemaker.${this.region}.${service}`];
    const found = Object.entries(this.resources).filter(([, r]) => r.Type === 'AWS::EC2::VPCEndpoint'
      && r.Properties.VpcEndpointType === 'Interface' && r.Properties.VpcId === this.vpcId && names.includes(r.Properties.ServiceName));
    if (found.length !== 1) {
      throw new Error(`journey: the VPC has ${found.length} interface endpoints for ${service} (expected exactly one)`);
    }
    const [id, endpoint] = found[0];
    const p = endpoint.Properties;
    if (p.PrivateDnsEnabled !== true) {
      throw new Error(`journey: the ${service} endpoint has no private DNS: the SDK's default host does not reach it`);
    }
    if (!(p.SubnetIds as string[]).some((s) => this.workloadSubnets.includes(s))) {
      throw new Error(`journey: the ${service} endpoint has no interface in a workload subnet`);
    }
    if (!(p.SecurityGroupIds as string[]).some((sg) => this.admitsHttpsFromWorkloads(sg))) {
      throw new Error(`journey: no security group of the ${service} endpoint admits HTTPS from the workloads`);
    }
    if (!this.workloadsMaySendHttps()) {
      throw new Error('journey: the workload security group lets no HTTPS out');
    }
    return { id, policy: p.PolicyDocument ?? DEFAULT_ENDPOINT_POLICY };
  }

  /** The network path to S3: the gateway endpoint on the route tables of every workload subnet. */
  public s3Gateway(): { readonly id: string; readonly policy: PolicyDocument } {
    const routeTables = Object.values(this.resources)
      .filter((r) => r.Type === 'AWS::EC2::SubnetRouteTableAssociation' && this.workloadSubnets.includes(r.Properties.SubnetId))
      .map((r) => r.Properties.RouteTableId);
    const found = Object.entries(this.resources).find(([, r]) => r.Type === 'AWS::EC2::VPCEndpoint'
      && r.Properties.VpcEndpointType === 'Gateway' && r.Properties.VpcId === this.vpcId && String(r.Properties.ServiceName).endsWith('.s3'));
    if (!found || routeTables.length !== this.workloadSubnets.length || !routeTables.every((rt) => found[1].Properties.RouteTableIds.includes(rt))) {
      throw new Error('journey: no S3 gateway endpoint on the route tables of every workload subnet');
    }
    return { id: found[0], policy: found[1].Properties.PolicyDocument ?? DEFAULT_ENDPOINT_POLICY };
  }

  /** Routes from the workload subnets out of the VPC (internet gateway, NAT, egress-only IGW, default routes). */
  public internetPaths(): string[] {
    const routeTables = Object.values(this.resources)
      .filter((r) => r.Type === 'AWS::EC2::SubnetRouteTableAssociation' && this.workloadSubnets.includes(r.Properties.SubnetId))
      .map((r) => r.Properties.RouteTableId);
    const routes = Object.entries(this.resources).filter(([, r]) => r.Type === 'AWS::EC2::Route' && routeTables.includes(r.Properties.RouteTableId))
      .map(([id]) => `route ${id}`);
    const gateways = Object.entries(this.resources).filter(([, r]) => ['AWS::EC2::InternetGateway', 'AWS::EC2::NatGateway', 'AWS::EC2::EgressOnlyInternetGateway'].includes(r.Type))
      .map(([id, r]) => `${r.Type} ${id}`);
    return [...routes, ...gateways];
  }

  /** The ports the workload security group lets out (inline rules and separate egress resources), as `protocol:from-to@destination`. */
  public workloadEgress(): string[] {
    const sg = this.securityGroup(this.workloadSecurityGroup);
    const separate = Object.values(this.resources)
      .filter((r) => r.Type === 'AWS::EC2::SecurityGroupEgress' && r.Properties.GroupId === this.workloadSecurityGroup).map((r) => r.Properties);
    return [...(sg?.SecurityGroupEgress ?? []), ...separate].map((e: any) => `${e.IpProtocol}:${e.FromPort ?? ''}-${e.ToPort ?? ''}@${e.CidrIp ?? e.DestinationSecurityGroupId ?? e.DestinationPrefixListId}`);
  }

  private securityGroup(id: string): any {
    const logical = Object.keys(this.raw).find((k) => this.raw[k].Type === 'AWS::EC2::SecurityGroup' && this.resolver.idOf(k) === id);
    return logical ? this.resources[logical].Properties : undefined;
  }

  private admitsHttpsFromWorkloads(sgId: string): boolean {
    const inline = this.securityGroup(sgId)?.SecurityGroupIngress ?? [];
    const separate = Object.values(this.resources).filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress' && r.Properties.GroupId === sgId).map((r) => r.Properties);
    return [...inline, ...separate].some((rule: any) => coversHttps(rule)
      && (rule.SourceSecurityGroupId === this.workloadSecurityGroup || rule.CidrIp === this.vpcCidr || rule.CidrIp === '0.0.0.0/0'));
  }

  private workloadsMaySendHttps(): boolean {
    return this.workloadEgress().some((e) => /^(tcp:\d+-\d+|-1:-)@/.test(e) && (e.startsWith('-1') || portIn(e, 443))
      && (e.endsWith('@0.0.0.0/0') || e.endsWith(`@${this.vpcCidr}`)));
  }
}

function coversHttps(rule: any): boolean {
  return rule.IpProtocol === '-1' || (rule.IpProtocol === 'tcp' && rule.FromPort <= 443 && rule.ToPort >= 443);
}

function portIn(rule: string, port: number): boolean {
  const m = /^tcp:(\d+)-(\d+)@/.exec(rule);
  return !!m && Number(m[1]) <= port && Number(m[2]) >= port;
}

/** One request of a hop. */
export interface HopRequest {
  readonly action: string;
  readonly resource: string;
  readonly principal: string;
  /** Values the request carries; cut to the keys the reference lists for the action. */
  readonly values?: Record<string, string | string[]>;
  /** Global keys of the request (aws:*, s3:ResourceAccount), passed as they are. */
  readonly globals?: Record<string, string | string[]>;
  readonly resourcePolicy?: PolicyDocument;
  readonly resourceAccount?: string;
  /** The endpoint the call goes through (from `interfaceEndpoint()` or `s3Gateway()`); none for calls a service makes. */
  readonly through?: { readonly id: string; readonly policy: PolicyDocument };
}

/** Evaluate a hop with the caller's identity policies. */
export async function hop(world: JourneyWorld, request: HopRequest): Promise<SimulationOutcome> {
  const values = request.values ? await sarContext(request.action, request.values) : {};
  return simulate({
    action: request.action,
    resource: request.resource,
    principal: request.principal,
    resourceAccount: request.resourceAccount,
    identityPolicies: world.identityPolicies(request.principal),
    resourcePolicy: request.resourcePolicy,
    vpcEndpointPolicies: request.through ? { [request.through.id]: request.through.policy } : undefined,
    context: { ...values, ...(request.globals ?? {}) },
  });
}

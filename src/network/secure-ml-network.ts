import { Annotations, CfnResource, Fn, IResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EndpointPlacement, EndpointPlacementKind } from './endpoint-placement';
import { codeArtifactAssetsStatement, EndpointTrust, gatewayStatements, interfaceEndpointStatements, jumpStartStatement } from './endpoint-policies';
import { MlEndpointService } from './endpoint-service';
import { ImportedSecureMlNetwork, SecureMlNetworkBase } from './network-base';
import { validateNetworkProps } from './network-validation';
import { chooseSingleAzSubnet, productionTagProblems } from './placement-checks';
import { createWorkloadSecurityGroup } from './workload-security-group';
import { acknowledgeDefaultSecurityGroupCloser } from '../private/acknowledgements';
import { entryOf, toAwsService } from './private/endpoint-catalog';
import { EXTERNAL_ENDPOINTS_METADATA } from '../private/platform-layer-tag';
import { createSecureKey, createSecureLogGroup } from '../private/secure-defaults';
import { fail } from '../private/validation';

/**
 * A private network for ML workloads, as the other layers see it.
 *
 * Its `connections` are those of the workload security group, so
 * `network.connections.allowFrom(peer, port)` opens a port of every ML
 * workload (jobs, Studio apps, endpoints) to a peer, as with any
 * aws-cdk-lib `IConnectable`.
 */
export interface ISecureMlNetwork extends IResource, ec2.IConnectable {
  /** The VPC. */
  readonly vpc: ec2.IVpc;
  /** The subnets ML workloads (jobs, Studio, endpoints) are placed in. */
  readonly vpcSubnets: ec2.SubnetSelection;
  /** The ids of the selected subnets. */
  readonly subnetIds: string[];
  /** The security group for SageMaker jobs, Studio apps and endpoints. */
  readonly workloadSecurityGroup: ec2.ISecurityGroup;
  /** Whether workloads have a route to the internet (NAT). */
  readonly internetEgress: boolean;
  /**
   * Declare the interface endpoints a layer needs. Each service gets one
   * endpoint however many layers ask for it.
   */
  requireEndpoints(...services: MlEndpointService[]): void;
  /** True when the network has (or declared it has) an endpoint for the service. */
  hasEndpoint(service: MlEndpointService): boolean;
  /**
   * Let workloads read a bucket through the S3 gateway endpoint, e.g. a bucket
   * of another account that holds shared model artifacts: adds a statement
   * (`s3:GetObject`, `GetObjectVersion`, `ListBucket`, `GetBucketLocation` on
   * the bucket and its objects) to the gateway endpoint policy, once per bucket.
   *
   * @returns `statementAdded` true and the gateway endpoint as
   * `policyDependable` when the policy is managed here; `statementAdded`
   * false (and a warning) when the network has no S3 gateway endpoint of its
   * own (`createS3GatewayEndpoint: false`, or an imported network).
   */
  allowS3BucketRead(bucket: s3.IBucket): iam.AddToResourcePolicyResult;
}

/**
 * Properties of a SecureMlNetwork.
 */
export interface SecureMlNetworkProps {
  /**
   * An existing VPC to secure instead of creating one. Endpoints, security
   * groups and flow logs are added to it; its default security group and
   * routes are left as they are.
   * @default - a new VPC with isolated subnets
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets of `vpc` for workloads. Only with `vpc`.
   * @default - the isolated subnets of `vpc`
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * IPv4 CIDR of the new VPC, a private range between /16 and /24.
   * @default '10.0.0.0/16'
   */
  readonly cidr?: string;
  /**
   * Number of Availability Zones for the new VPC (1 to 6), taken in order
   * from the region's zones by CloudFormation (`Fn::GetAZs`); the region
   * must have that many. In an environment-specific stack aws-cdk-lib still
   * looks the zone list up once (cached in `cdk.context.json`); give
   * `availabilityZones` to avoid any look-up.
   * @default 2
   */
  readonly maxAzs?: number;
  /**
   * Explicit Availability Zones for the new VPC; no look-up happens at synth.
   * @default - the first `maxAzs` zones of the stack's region
   */
  readonly availabilityZones?: string[];
  /**
   * Give workloads a route to the internet through NAT gateways in public
   * subnets. Off by default: ML workloads reach AWS only through endpoints.
   * Enabling it adds a warning annotation.
   * @default false
   */
  readonly allowInternetEgress?: boolean;
  /**
   * Number of NAT gateways when `allowInternetEgress` is on.
   * @default 1
   */
  readonly natGateways?: number;
  /**
   * Interface endpoints to create up front. Layers add what they need with
   * `requireEndpoints()`.
   * @default MlEndpointService.defaults() - SageMaker API and runtime, STS, CloudWatch Logs
   */
  readonly interfaceEndpoints?: MlEndpointService[];
  /**
   * Interface endpoints the existing `vpc` already has (with private DNS, or
   * names resolved by a private hosted zone associated with the VPC). The
   * network creates none of them, so creating it never fails with
   * "conflicting DNS domain"; layers that require them find them. Their
   * security groups must admit HTTPS from `workloadSecurityGroup` (or the
   * VPC's CIDR). Only with `vpc`.
   * @default - none: every required endpoint is created
   */
  readonly existingEndpoints?: MlEndpointService[];
  /**
   * Where the interface endpoints live: every Availability Zone of the
   * workload subnets, one zone (non-production), or a central endpoint VPC.
   * See `EndpointPlacement` for the trade-offs and the README for the costs.
   * @default EndpointPlacement.everyAz()
   */
  readonly endpointPlacement?: EndpointPlacement;
  /**
   * Turn private DNS on for the interface endpoints this network creates.
   * Turn it off when this network hosts central endpoints for other VPCs:
   * names are then resolved by private hosted zones the organization
   * associates with this VPC and the others (the endpoints' regional DNS
   * names are their targets).
   * @default true
   */
  readonly endpointPrivateDns?: boolean;
  /**
   * IPv4 CIDR blocks outside the workload security group whose clients use
   * this network's interface endpoints: the VPCs of other networks that use
   * them as central endpoints, or a VPN that opens Studio through the studio
   * endpoint. The endpoint security group admits HTTPS from each.
   * @default - HTTPS from the workload security group only
   */
  readonly endpointClientCidrs?: string[];
  /**
   * Open all traffic (every protocol and port, both ways) inside the workload
   * security group, as EFA instance types and MPI over SSH (port 22) without
   * inter-container encryption need. Off by default: the group then admits
   * only NFS 2049, TCP 8192-65535, IKE and ESP inside itself.
   * @default false
   */
  readonly allowAllTrafficWithinWorkloadGroup?: boolean;
  /**
   * Let workloads read SageMaker JumpStart's content buckets of the region
   * (`jumpstart-cache-prod-<region>` and, for gated models,
   * `jumpstart-private-cache-prod-<region>`) through the S3 gateway endpoint.
   * Off by default: JumpStart models, scripts and notebooks cannot be fetched
   * from the VPC.
   * @default false
   */
  readonly allowJumpStartBuckets?: boolean;
  /**
   * Create the S3 gateway endpoint. Turn off only when an imported VPC
   * already has one on the same route tables.
   * @default true
   */
  readonly createS3GatewayEndpoint?: boolean;
  /**
   * Managed prefix list id of S3 in this region (`pl-...`). When given,
   * workload HTTPS egress outside the VPC is limited to it; otherwise HTTPS
   * egress is open in the security group and bounded by routing (no route
   * leaves the VPC without `allowInternetEgress`).
   * @default - HTTPS egress bounded by routing
   */
  readonly s3PrefixListId?: string;
  /**
   * Other AWS accounts whose principals may use the endpoints and whose
   * buckets workloads may reach (multi-account set-ups).
   * @default - this account only
   */
  readonly trustedAccountIds?: string[];
  /**
   * An AWS Organizations id whose principals and buckets the endpoint
   * policies admit, in addition to the accounts.
   * @default - no organization-wide access
   */
  readonly organizationId?: string;
  /**
   * KMS key for the flow log group.
   * @default - a new customer-managed key with rotation, retained
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * How long the network's logs (VPC flow logs, its only logs) are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the flow log group and the key on stack delete.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Attributes of a network built elsewhere.
 */
export interface SecureMlNetworkAttributes {
  /** The VPC. */
  readonly vpc: ec2.IVpc;
  /** The workload security group. */
  readonly workloadSecurityGroup: ec2.ISecurityGroup;
  /**
   * The workload subnets.
   * @default - the isolated subnets of `vpc`
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * The interface endpoints the network already has. Layers that require
   * another one get a warning annotation naming it.
   * @default - none declared
   */
  readonly availableEndpoints?: MlEndpointService[];
  /**
   * Whether workloads have a route to the internet.
   * @default false
   */
  readonly internetEgress?: boolean;
}


/**
 * A private network for ML workloads: a VPC with no internet path by default,
 * AWS services reached only through VPC endpoints, a workload security group
 * with the rules SageMaker needs, encrypted flow logs and a closed default
 * security group.
 */
export class SecureMlNetwork extends SecureMlNetworkBase {
  /**
   * Import a network built elsewhere (another stack or app).
   */
  public static fromNetworkAttributes(scope: Construct, id: string, attrs: SecureMlNetworkAttributes): ISecureMlNetwork {
    return new ImportedSecureMlNetwork(scope, id, attrs);
  }

  public readonly vpc: ec2.IVpc;
  public readonly vpcSubnets: ec2.SubnetSelection;
  public readonly workloadSecurityGroup: ec2.ISecurityGroup;
  /** The security group of the interface endpoints (HTTPS from workloads only). */
  public readonly endpointSecurityGroup: ec2.ISecurityGroup;
  public readonly internetEgress: boolean;
  /** The key encrypting the flow logs. */
  public readonly encryptionKey: kms.IKey;
  /** The flow log group. */
  public readonly flowLogGroup: logs.ILogGroup;
  /** The S3 gateway endpoint, when created. */
  public readonly s3GatewayEndpoint?: ec2.GatewayVpcEndpoint;
  /** Where the interface endpoints live. */
  public readonly endpointPlacement: EndpointPlacement;

  private readonly interfaceEndpoints = new Map<string, ec2.InterfaceVpcEndpoint>();
  /** Services reached through endpoints this network does not create (existing or central). */
  private readonly reachedElsewhere: Set<string>;
  private readonly trust: EndpointTrust;
  private readonly privateDns: boolean;
  private readonly readableBuckets = new Set<string>();
  private codeArtifactAssetsAdmitted = false;
  private singleAzSubnets?: ec2.SubnetSelection;

  constructor(scope: Construct, id: string, props: SecureMlNetworkProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const egress = props.allowInternetEgress ?? false;
    validateNetworkProps(this, props);

    this.internetEgress = egress;
    this.trust = { accountIds: [stack.account, ...(props.trustedAccountIds ?? [])], organizationId: props.organizationId };
    this.endpointPlacement = props.endpointPlacement ?? EndpointPlacement.everyAz();
    this.privateDns = props.endpointPrivateDns ?? true;
    const central = this.endpointPlacement.kind === EndpointPlacementKind.CENTRAL;
    this.reachedElsewhere = new Set([
      ...(props.existingEndpoints ?? []),
      ...(central ? this.endpointPlacement.centralServices : []),
    ].map((s) => s.name));

    if (props.vpc) {
      this.vpc = props.vpc;
      this.vpcSubnets = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
      this.checkImportedSubnets();
    } else {
      this.vpc = this.createVpc(props, egress);
      this.vpcSubnets = { subnetType: egress ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED };
    }
    if (egress) {
      Annotations.of(this).addWarningV2('cdk-mlops:network-internet-egress',
        'allowInternetEgress is on: ML workloads can reach the internet through NAT. Prefer VPC endpoints and keep it off for regulated data.');
    }
    this.checkPlacement();

    this.workloadSecurityGroup = createWorkloadSecurityGroup(this, 'WorkloadSecurityGroup', {
      vpc: this.vpc,
      internetEgress: egress,
      s3PrefixListId: props.s3PrefixListId,
      endpointCidrs: central && this.endpointPlacement.centralVpcCidr ? [this.endpointPlacement.centralVpcCidr] : [],
      allTrafficWithinGroup: props.allowAllTrafficWithinWorkloadGroup ?? false,
    });
    this.recordExternalEndpoints(props.existingEndpoints ?? [], central ? this.endpointPlacement.centralServices : []);
    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'Interface VPC endpoints: HTTPS from ML workloads only',
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup.addIngressRule(this.workloadSecurityGroup, ec2.Port.tcp(443), 'HTTPS from ML workloads');
    for (const cidr of props.endpointClientCidrs ?? []) {
      this.endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), `HTTPS from endpoint clients in ${cidr}`);
    }

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.encryptionKey = props.encryptionKey ?? createSecureKey(this, 'Key', {
      description: `cdk-mlops network ${this.node.path}: flow logs`,
      removalPolicy,
    });
    this.flowLogGroup = createSecureLogGroup(this, 'FlowLogGroup', {
      encryptionKey: this.encryptionKey,
      retention: props.logRetention,
      removalPolicy,
    });
    new ec2.FlowLog(this, 'FlowLog', {
      resourceType: ec2.FlowLogResourceType.fromVpc(this.vpc),
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup, this.createFlowLogRole()),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    if (props.createS3GatewayEndpoint ?? true) {
      this.s3GatewayEndpoint = this.createS3GatewayEndpoint();
      if (props.allowJumpStartBuckets) {
        this.s3GatewayEndpoint.addToPolicy(jumpStartStatement(this));
      }
    }
    for (const name of this.reachedElsewhere) {
      this.admitServiceBuckets(name);
    }
    this.requireEndpoints(...(props.interfaceEndpoints ?? MlEndpointService.defaults()));
  }

  /** The PrivateLink names of the interface endpoints this network creates. */
  public get endpointServiceNames(): string[] {
    return [...this.interfaceEndpoints.keys()].sort();
  }

  /** The PrivateLink names of the services reached through endpoints this network does not create (existing or central). */
  public get externalEndpointServiceNames(): string[] {
    return [...this.reachedElsewhere].sort();
  }

  public hasEndpoint(service: MlEndpointService): boolean {
    return this.interfaceEndpoints.has(service.name) || this.reachedElsewhere.has(service.name);
  }

  public allowS3BucketRead(bucket: s3.IBucket): iam.AddToResourcePolicyResult {
    const endpoint = this.s3GatewayEndpoint;
    if (!endpoint) {
      Annotations.of(this).addWarningV2('cdk-mlops:network-no-s3-gateway',
        `allowS3BucketRead(${bucket.node.path}) has no effect: this network has no S3 gateway endpoint; allow the bucket in the policy of the one the VPC uses.`);
      return { statementAdded: false };
    }
    const key = JSON.stringify(Stack.of(this).resolve(bucket.bucketArn));
    if (!this.readableBuckets.has(key)) {
      this.readableBuckets.add(key);
      endpoint.addToPolicy(new iam.PolicyStatement({
        sid: `ReadSharedBucket${this.readableBuckets.size}`,
        principals: [new iam.StarPrincipal()],
        actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket', 's3:GetBucketLocation'],
        resources: [bucket.bucketArn, bucket.arnForObjects('*')],
      }));
    }
    return { statementAdded: true, policyDependable: endpoint };
  }

  protected addEndpoint(service: MlEndpointService): void {
    if (this.interfaceEndpoints.has(service.name) || this.reachedElsewhere.has(service.name)) {
      return;
    }
    if (this.endpointPlacement.kind === EndpointPlacementKind.CENTRAL) {
      Annotations.of(this).addWarningV2(`cdk-mlops:network-not-central-${service.name}`,
        `A layer needs an interface endpoint for '${service.name}', which the central endpoint VPC does not serve (EndpointPlacement.central services): `
        + 'it is created in this network, in every zone, and billed here. Add it to the central services if the central VPC has it.');
    }
    const entry = entryOf(service.name)!;
    const endpoint = new ec2.InterfaceVpcEndpoint(this, `${entry.id}Endpoint`, {
      vpc: this.vpc,
      service: toAwsService(entry),
      subnets: this.endpointSubnets(),
      privateDnsEnabled: this.privateDns,
      securityGroups: [this.endpointSecurityGroup],
      open: false,
    });
    for (const statement of interfaceEndpointStatements(entry, this.trust)) {
      endpoint.addToPolicy(statement);
    }
    this.interfaceEndpoints.set(service.name, endpoint);
    this.admitServiceBuckets(service.name);
  }

  /** The AWS-owned buckets a service serves content from, admitted by the S3 gateway. */
  private admitServiceBuckets(name: string): void {
    if (!name.startsWith('codeartifact.') || this.codeArtifactAssetsAdmitted || !this.s3GatewayEndpoint) {
      return;
    }
    this.codeArtifactAssetsAdmitted = true;
    const statement = codeArtifactAssetsStatement(this);
    if (statement) {
      this.s3GatewayEndpoint.addToPolicy(statement);
    }
  }

  /**
   * Name the endpoints this network uses but does not create on its workload
   * security group, for the cost report (billed where they live).
   */
  private recordExternalEndpoints(existing: MlEndpointService[], central: MlEndpointService[]): void {
    if (existing.length === 0 && central.length === 0) {
      return;
    }
    (this.workloadSecurityGroup.node.defaultChild as CfnResource).addMetadata(EXTERNAL_ENDPOINTS_METADATA, {
      existing: existing.map((s) => s.name).sort(),
      central: central.map((s) => s.name).sort(),
    });
  }

  /** The subnets interface endpoints are placed in. */
  private endpointSubnets(): ec2.SubnetSelection {
    if (this.endpointPlacement.kind !== EndpointPlacementKind.SINGLE_AZ) {
      return this.vpcSubnets;
    }
    return this.singleAzSubnets!;
  }

  /** Choose the single-AZ subnet; check production tags at synth (tags come from aspects). */
  private checkPlacement(): void {
    const placement = this.endpointPlacement;
    if (placement.kind !== EndpointPlacementKind.SINGLE_AZ) {
      return;
    }
    this.singleAzSubnets = chooseSingleAzSubnet(this, this.vpc, this.vpcSubnets, placement);
    if (!placement.allowInProduction) {
      this.node.addValidation({ validate: () => productionTagProblems(this, this.workloadSecurityGroup) });
    }
  }

  private createVpc(props: SecureMlNetworkProps, egress: boolean): ec2.Vpc {
    const subnetConfiguration: ec2.SubnetConfiguration[] = egress
      ? [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 26, mapPublicIpOnLaunch: false },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      ]
      : [{ name: 'Private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }];
    // Zones are picked by CloudFormation (Fn::GetAZs) unless given: the
    // template stays portable and carries no hard-coded zone names.
    const zones = props.availabilityZones
      ?? Array.from({ length: props.maxAzs ?? 2 }, (_, i) => Fn.select(i, Fn.getAzs()));
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr ?? '10.0.0.0/16'),
      availabilityZones: zones,
      natGateways: egress ? props.natGateways ?? 1 : 0,
      subnetConfiguration,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      restrictDefaultSecurityGroup: true,
    });
    acknowledgeDefaultSecurityGroupCloser(this);
    return vpc;
  }

  /**
   * The role VPC Flow Logs assume: write to this log group only, through a
   * managed policy (no inline policies; grants by aws-cdk-lib are not added).
   */
  private createFlowLogRole(): iam.IRole {
    const role = new iam.Role(this, 'FlowLogRole', {
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'VPC flow logs of the ML network: write to the flow log group',
    });
    role.addManagedPolicy(new iam.ManagedPolicy(this, 'FlowLogPolicy', {
      description: 'Write VPC flow log records to the ML network flow log group',
      statements: [new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [this.flowLogGroup.logGroupArn],
      })],
    }));
    return role.withoutPolicyUpdates();
  }

  private checkImportedSubnets(): void {
    let count = 0;
    let reason = '';
    try {
      count = this.vpc.selectSubnets(this.vpcSubnets).subnets.length;
    } catch (e) {
      reason = (e as Error).message;
    }
    if (count === 0) {
      fail(this, 'SecureMlNetwork', {
        prop: 'vpcSubnets',
        value: describeSelection(this.vpcSubnets),
        allowed: 'a selection that matches at least one subnet of the given vpc',
        fix: `${reason ? `(${reason}) ` : ''}pass vpcSubnets that exist in the VPC, e.g. { subnetType: SubnetType.PRIVATE_WITH_EGRESS } or explicit subnets; when importing with Vpc.fromVpcAttributes, give isolatedSubnetIds or privateSubnetIds.`,
      });
    }
  }

  private createS3GatewayEndpoint(): ec2.GatewayVpcEndpoint {
    const endpoint = new ec2.GatewayVpcEndpoint(this, 'S3GatewayEndpoint', {
      vpc: this.vpc,
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: [this.vpcSubnets],
    });
    for (const statement of gatewayStatements(this, this.trust)) {
      endpoint.addToPolicy(statement);
    }
    return endpoint;
  }
}

function describeSelection(selection: ec2.SubnetSelection): string {
  if (selection.subnetType) {
    return `subnetType ${selection.subnetType}`;
  }
  if (selection.subnetGroupName) {
    return `subnetGroupName ${selection.subnetGroupName}`;
  }
  if (selection.subnets) {
    return `${selection.subnets.length} explicit subnets`;
  }
  return 'an empty selection';
}

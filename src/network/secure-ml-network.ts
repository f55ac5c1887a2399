import { Annotations, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { MlEndpointService } from './endpoint-service';
import { validateNetworkProps } from './network-validation';
import { acknowledgeDefaultSecurityGroupCloser } from '../private/acknowledgements';
import { entryOf, suggest, toAwsService } from '../private/endpoint-catalog';
import { createSecureKey, createSecureLogGroup } from '../private/secure-defaults';
import { fail } from '../private/validation';

/**
 * A private network for ML workloads, as the other layers see it.
 */
export interface ISecureMlNetwork extends IConstruct {
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
   * of another account that holds shared model artifacts.
   */
  allowS3BucketRead(...buckets: s3.IBucket[]): void;
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
   * Create the S3 gateway endpoint. Turn off only when an imported VPC
   * already has one on the same route tables.
   * @default true
   */
  readonly s3GatewayEndpoint?: boolean;
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
   * How long VPC flow logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;
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

abstract class SecureMlNetworkBase extends Construct implements ISecureMlNetwork {
  public abstract readonly vpc: ec2.IVpc;
  public abstract readonly vpcSubnets: ec2.SubnetSelection;
  public abstract readonly workloadSecurityGroup: ec2.ISecurityGroup;
  public abstract readonly internetEgress: boolean;

  public get subnetIds(): string[] {
    return this.vpc.selectSubnets(this.vpcSubnets).subnetIds;
  }

  public requireEndpoints(...services: MlEndpointService[]): void {
    for (const service of services) {
      const entry = entryOf(service.name);
      if (!entry) {
        const close = suggest(service.name);
        fail(this, 'SecureMlNetwork', {
          prop: 'interfaceEndpoints',
          value: service.name,
          allowed: `a service of the catalog (${MlEndpointService.knownNames().join(', ')})`,
          fix: close.length > 0
            ? `did you mean ${close.map((c) => `'${c}'`).join(' or ')}? Use the MlEndpointService constants.`
            : 'use one of the MlEndpointService constants.',
        });
      }
      this.addEndpoint(service);
    }
  }

  public abstract hasEndpoint(service: MlEndpointService): boolean;
  public abstract allowS3BucketRead(...buckets: s3.IBucket[]): void;
  protected abstract addEndpoint(service: MlEndpointService): void;
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

  private readonly interfaceEndpoints = new Map<string, ec2.InterfaceVpcEndpoint>();
  private readonly accountIds: string[];
  private readonly organizationId?: string;
  private readonly readableBuckets = new Set<string>();

  constructor(scope: Construct, id: string, props: SecureMlNetworkProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const egress = props.allowInternetEgress ?? false;
    validateNetworkProps(this, props);

    this.internetEgress = egress;
    this.accountIds = [stack.account, ...(props.trustedAccountIds ?? [])];
    this.organizationId = props.organizationId;

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

    this.workloadSecurityGroup = this.createWorkloadSecurityGroup(props.s3PrefixListId);
    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'Interface VPC endpoints: HTTPS from ML workloads only',
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup.addIngressRule(this.workloadSecurityGroup, ec2.Port.tcp(443), 'HTTPS from ML workloads');

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.encryptionKey = props.encryptionKey ?? createSecureKey(this, 'Key', {
      description: `cdk-mlops network ${this.node.path}: flow logs`,
      removalPolicy,
    });
    this.flowLogGroup = createSecureLogGroup(this, 'FlowLogGroup', {
      encryptionKey: this.encryptionKey,
      retention: props.flowLogRetention,
      removalPolicy,
    });
    new ec2.FlowLog(this, 'FlowLog', {
      resourceType: ec2.FlowLogResourceType.fromVpc(this.vpc),
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup, this.createFlowLogRole()),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    if (props.s3GatewayEndpoint ?? true) {
      this.s3GatewayEndpoint = this.createS3GatewayEndpoint();
    }
    this.requireEndpoints(...(props.interfaceEndpoints ?? MlEndpointService.defaults()));
  }

  /** The PrivateLink names of the interface endpoints this network creates. */
  public get endpointServiceNames(): string[] {
    return [...this.interfaceEndpoints.keys()].sort();
  }

  public hasEndpoint(service: MlEndpointService): boolean {
    return this.interfaceEndpoints.has(service.name);
  }

  public allowS3BucketRead(...buckets: s3.IBucket[]): void {
    const endpoint = this.s3GatewayEndpoint;
    for (const bucket of buckets) {
      const key = Stack.of(this).resolve(bucket.bucketArn);
      const keyString = JSON.stringify(key);
      if (this.readableBuckets.has(keyString)) {
        continue;
      }
      this.readableBuckets.add(keyString);
      if (!endpoint) {
        Annotations.of(this).addWarningV2('cdk-mlops:network-no-s3-gateway',
          `allowS3BucketRead(${bucket.node.path}) has no effect: this network has no S3 gateway endpoint; allow the bucket in the policy of the one the VPC uses.`);
        continue;
      }
      endpoint.addToPolicy(new iam.PolicyStatement({
        sid: `ReadSharedBucket${this.readableBuckets.size}`,
        principals: [new iam.StarPrincipal()],
        actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket', 's3:GetBucketLocation'],
        resources: [bucket.bucketArn, bucket.arnForObjects('*')],
      }));
    }
  }

  protected addEndpoint(service: MlEndpointService): void {
    if (this.interfaceEndpoints.has(service.name)) {
      return;
    }
    const entry = entryOf(service.name)!;
    const endpoint = new ec2.InterfaceVpcEndpoint(this, `${entry.id}Endpoint`, {
      vpc: this.vpc,
      service: toAwsService(entry),
      subnets: this.vpcSubnets,
      privateDnsEnabled: true,
      securityGroups: [this.endpointSecurityGroup],
      open: false,
    });
    if (entry.iamNamespace) {
      for (const statement of this.principalStatements(`${entry.iamNamespace}:*`)) {
        endpoint.addToPolicy(statement);
      }
    }
    this.interfaceEndpoints.set(service.name, endpoint);
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

  private createWorkloadSecurityGroup(s3PrefixListId?: string): ec2.SecurityGroup {
    const sg = new ec2.SecurityGroup(this, 'WorkloadSecurityGroup', {
      vpc: this.vpc,
      description: 'SageMaker jobs, Studio apps and endpoints: traffic inside the group and HTTPS to AWS services',
      allowAllOutbound: false,
    });
    const inside: Array<[ec2.Port, string]> = [
      [ec2.Port.tcp(2049), 'NFS to Studio home storage (EFS)'],
      [ec2.Port.tcpRange(8192, 65535), 'Studio apps and distributed training between instances'],
      [ec2.Port.udp(500), 'IKE for inter-container traffic encryption'],
      [new ec2.Port({ protocol: ec2.Protocol.ESP, stringRepresentation: 'esp' }), 'ESP for inter-container traffic encryption'],
    ];
    for (const [port, description] of inside) {
      sg.addIngressRule(sg, port, `${description} (from the group)`);
      sg.addEgressRule(sg, port, `${description} (to the group)`);
    }
    if (s3PrefixListId) {
      sg.addEgressRule(ec2.Peer.ipv4(this.vpc.vpcCidrBlock), ec2.Port.tcp(443), 'HTTPS to interface endpoints in the VPC');
      sg.addEgressRule(ec2.Peer.prefixList(s3PrefixListId), ec2.Port.tcp(443), 'HTTPS to S3 through the gateway endpoint');
    } else {
      sg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443),
        this.internetEgress
          ? 'HTTPS to AWS services and, through NAT, the internet'
          : 'HTTPS to interface endpoints and the S3 gateway endpoint; no route leaves the VPC');
    }
    return sg;
  }

  private createS3GatewayEndpoint(): ec2.GatewayVpcEndpoint {
    const stack = Stack.of(this);
    const endpoint = new ec2.GatewayVpcEndpoint(this, 'S3GatewayEndpoint', {
      vpc: this.vpc,
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: [this.vpcSubnets],
    });
    // Endpoint policies name every principal as "Principal": "*", the form of
    // the VPC endpoint documentation (IAM policy validators, the IAM
    // simulator's among them, reject {"AWS": "*"} in an endpoint policy).
    endpoint.addToPolicy(new iam.PolicyStatement({
      sid: 'BucketsOfTrustedAccounts',
      principals: [new iam.StarPrincipal()],
      actions: ['s3:*'],
      resources: ['*'],
      conditions: { StringEquals: { 's3:ResourceAccount': this.accountIds } },
    }));
    if (this.organizationId) {
      endpoint.addToPolicy(new iam.PolicyStatement({
        sid: 'BucketsOfTrustedOrganization',
        principals: [new iam.StarPrincipal()],
        actions: ['s3:*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:ResourceOrgID': this.organizationId } },
      }));
    }
    // ECR keeps image layers in an AWS-owned bucket: without this, image pulls
    // through the ECR endpoints fail (SageMaker jobs, Studio images, endpoints).
    endpoint.addToPolicy(new iam.PolicyStatement({
      sid: 'EcrImageLayers',
      principals: [new iam.StarPrincipal()],
      actions: ['s3:GetObject'],
      resources: [`arn:${stack.partition}:s3:::prod-${stack.region}-starport-layer-bucket/*`],
    }));
    return endpoint;
  }

  /**
   * Endpoint policies name their principal as "*" (the form of AWS's default
   * endpoint policy; gateway endpoints accept no other) and narrow it by
   * condition.
   */
  private principalStatements(action: string): iam.PolicyStatement[] {
    const statements = [new iam.PolicyStatement({
      sid: 'PrincipalsOfTrustedAccounts',
      principals: [new iam.StarPrincipal()],
      actions: [action],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:PrincipalAccount': this.accountIds } },
    })];
    if (this.organizationId) {
      statements.push(new iam.PolicyStatement({
        sid: 'PrincipalsOfTrustedOrganization',
        principals: [new iam.StarPrincipal()],
        actions: [action],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': this.organizationId } },
      }));
    }
    return statements;
  }
}

class ImportedSecureMlNetwork extends SecureMlNetworkBase {
  public readonly vpc: ec2.IVpc;
  public readonly vpcSubnets: ec2.SubnetSelection;
  public readonly workloadSecurityGroup: ec2.ISecurityGroup;
  public readonly internetEgress: boolean;
  private readonly available: Set<string>;
  private readonly warned = new Set<string>();

  constructor(scope: Construct, id: string, attrs: SecureMlNetworkAttributes) {
    super(scope, id);
    this.vpc = attrs.vpc;
    this.vpcSubnets = attrs.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    this.workloadSecurityGroup = attrs.workloadSecurityGroup;
    this.internetEgress = attrs.internetEgress ?? false;
    this.available = new Set((attrs.availableEndpoints ?? []).map((s) => s.name));
  }

  public hasEndpoint(service: MlEndpointService): boolean {
    return this.available.has(service.name);
  }

  public allowS3BucketRead(...buckets: s3.IBucket[]): void {
    for (const bucket of buckets) {
      Annotations.of(this).addWarningV2(`cdk-mlops:network-imported-s3-${bucket.node.addr}`,
        `The S3 gateway endpoint of an imported network is managed elsewhere: allow read access to ${bucket.node.path} in its policy.`);
    }
  }

  protected addEndpoint(service: MlEndpointService): void {
    if (this.available.has(service.name) || this.warned.has(service.name)) {
      return;
    }
    this.warned.add(service.name);
    Annotations.of(this).addWarningV2(`cdk-mlops:network-missing-endpoint-${service.name}`,
      `A layer needs an interface endpoint for '${service.name}', which the imported network does not declare in availableEndpoints. Create it where the network is managed, or declare it if it exists.`);
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

import { Aws, RemovalPolicy, Stack, Tags, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { MlopsPlatform, MlopsPlatformProps, PlatformLayer } from './mlops-platform';
import { PlatformNetworkOptions } from './platform-options';
import { MlInstanceType } from '../common';
import { DeploymentStageOptions, DeploymentTarget, DeploymentTargetAccount } from '../deployment';
import { ISecureMlNetwork, SecureMlNetwork } from '../network';
import { tagLayer } from '../private/platform-layer-tag';
import { ACCOUNT_ID, PropsValidator } from '../private/validation';
import { ModelRegistry } from '../registry';

/** A deployment stage in its own account. */
export interface MlopsTargetAccount {
  /** Name of the stage, e.g. `staging`. */
  readonly stageName: string;
  /** The 12-digit id of the account the stage deploys into. */
  readonly accountId: string;
  /**
   * Wait for a manual approval before deploying to this stage.
   * @default false
   */
  readonly approvalRequired?: boolean;
  /**
   * Instance type of the stage's endpoint.
   * @default MlInstanceType.ML_M5_LARGE
   */
  readonly instanceType?: MlInstanceType;
  /**
   * Instances of the stage's endpoint.
   * @default 1
   */
  readonly initialInstanceCount?: number;
  /**
   * How the stage hosts the model: `DeploymentTarget.realtime()`,
   * `.serverless()` or `.asynchronous()` (results in the target account's
   * KMS-encrypted capture bucket). Batch stages run in the tooling account.
   * With a target, leave `instanceType` and `initialInstanceCount` out.
   * @default - a real-time endpoint
   */
  readonly target?: DeploymentTarget;
  /**
   * The attributes of a network that already exists in the target account, for the stage's
   * endpoints, instead of a new one. When two stages share an account, give
   * it on the first.
   * @default - a new SecureMlNetwork (see `MlopsAccountsProps.targetNetworkOptions`)
   */
  readonly networkAttributes?: TargetNetworkAttributes;
}

/** A network that exists in a target account. */
export interface TargetNetworkAttributes {
  /** The VPC id. */
  readonly vpcId: string;
  /** The Availability Zones of the subnets, in the same order. */
  readonly availabilityZones: string[];
  /** The private subnets endpoints run in (at least two zones: SageMaker hosting requires them). */
  readonly subnetIds: string[];
  /** The security group of the endpoints' network interfaces. */
  readonly securityGroupId: string;
}

/** Properties of MlopsAccounts. */
export interface MlopsAccountsProps {
  /** The tooling account: exploration, pipeline, registry, CI and the deployment workflow. */
  readonly toolingAccountId: string;
  /** The region of every stack. */
  readonly region: string;
  /**
   * The deployment stages, in order, each in its own account. This one list
   * drives every cross-account policy: the registry group, key and bucket
   * policies, the network's endpoint and S3 gateway policies, the deployment
   * stages and one target stack per account.
   */
  readonly targets: MlopsTargetAccount[];
  /**
   * Name of the model package group the platform creates (it is part of the
   * ARN the target accounts trust, so it is fixed). Ignored when
   * `platform.registry` is given.
   * @default 'cdk-mlops-models'
   */
  readonly modelPackageGroupName?: string;
  /**
   * Everything else of the platform in the tooling account. Its deployment
   * stages and consumer accounts come from `targets`.
   * @default - every layer with its defaults
   */
  readonly platform?: MlopsPlatformProps;
  /**
   * Settings of the network created in each target account (one per
   * account) for the stages' endpoints. Network-isolated models need no
   * interface endpoint, only the S3 gateway: the target networks create none
   * unless `additionalEndpoints` asks, so the platform pays for one set of
   * interface endpoints (the tooling account's), not one per account. Each is
   * tagged `mlops:stage` with its stage name, so single-AZ endpoints in a
   * production account need confirmation.
   * @default - 2 zones, CIDR 10.<n>.0.0/16 for the n-th target account (the tooling network is 10.0.0.0/16), no interface endpoints
   */
  readonly targetNetworkOptions?: PlatformNetworkOptions;
  /**
   * Prefix of the stack names.
   * @default 'Mlops'
   */
  readonly stackNamePrefix?: string;
  /**
   * Prefix of the physical names both sides agree on (roles, key alias,
   * capture bucket).
   * @default - `platform.deploymentOptions.namePrefix`, else 'cdk-mlops'
   */
  readonly namePrefix?: string;
}

/**
 * The platform across accounts: a tooling stack (exploration, pipeline,
 * registry, CI, deployment workflow, monitoring) and one stack per target
 * account with what the workflow needs there (`DeploymentTargetAccount`),
 * each with an explicit environment. Every account id comes from the one
 * `targets` list, so the registry, key, bucket and endpoint policies and the
 * target roles always agree.
 *
 * Create it directly under an App (or Stage).
 */
export class MlopsAccounts extends Construct {
  /** The tooling stack. */
  public readonly toolingStack: Stack;
  /** The platform in the tooling stack. */
  public readonly platform: MlopsPlatform;
  /** One stack per target account, in the order of `targets` (accounts listed twice share one). */
  public readonly targetStacks: Stack[];
  /** The target constructs, one per target account. */
  public readonly targetAccounts: DeploymentTargetAccount[];
  /** The distinct target account ids. */
  public readonly targetAccountIds: string[];
  /** The network of each target account, in the order of `targetAccountIds`. */
  public readonly targetNetworks: ISecureMlNetwork[];
  /** The ARN of the model package group the target accounts read. */
  public readonly modelPackageGroupArn: string;

  constructor(scope: Construct, id: string, props: MlopsAccountsProps) {
    super(scope, id);
    validateAccounts(this, props);
    const prefix = props.stackNamePrefix ?? 'Mlops';
    const groupName = props.modelPackageGroupName ?? 'cdk-mlops-models';
    const namePrefix = props.namePrefix ?? props.platform?.deploymentOptions?.namePrefix ?? 'cdk-mlops';
    this.targetAccountIds = [...new Set(props.targets.map((t) => t.accountId))];

    this.toolingStack = new Stack(this, 'Tooling', {
      stackName: `${prefix}-tooling`,
      env: { account: props.toolingAccountId, region: props.region },
      description: 'cdk-mlops tooling account: exploration, pipeline, registry, CI, deployment workflow, monitoring',
    });
    const stages: DeploymentStageOptions[] = props.targets.map((t) => ({
      stageName: t.stageName,
      account: t.accountId,
      approvalRequired: t.approvalRequired,
      instanceType: t.instanceType,
      initialInstanceCount: t.initialInstanceCount,
      target: t.target,
    }));
    const base = props.platform ?? {};
    this.platform = new MlopsPlatform(this.toolingStack, 'Platform', {
      ...base,
      registryOptions: base.registry ? undefined : { ...base.registryOptions, modelPackageGroupName: groupName },
      consumerAccountIds: [...new Set([...(base.consumerAccountIds ?? []), ...this.targetAccountIds])],
      deploymentOptions: { ...base.deploymentOptions, stages, namePrefix },
    });
    this.modelPackageGroupArn = base.registry?.modelPackageGroupArn
      ?? `arn:${Aws.PARTITION}:sagemaker:${props.region}:${props.toolingAccountId}:model-package-group/${groupName}`;

    this.targetStacks = [];
    this.targetAccounts = [];
    this.targetNetworks = [];
    for (const [index, account] of this.targetAccountIds.entries()) {
      const names = props.targets.filter((t) => t.accountId === account).map((t) => t.stageName);
      const stack = new Stack(this, `Target${account}`, {
        stackName: `${prefix}-target-${names.join('-')}`,
        env: { account, region: props.region },
        description: `cdk-mlops deployment target (${names.join(', ')}): roles, key, capture bucket, rollback alarms`,
      });
      const registry = ModelRegistry.fromModelPackageGroupArn(stack, 'Registry', this.modelPackageGroupArn);
      const existing = props.targets.find((t) => t.accountId === account && t.networkAttributes)?.networkAttributes;
      const network = existing
        ? importTargetNetwork(stack, existing)
        : createTargetNetwork(stack, props, index, names, base.removalPolicy);
      const target = new DeploymentTargetAccount(stack, 'Target', {
        toolingAccountId: props.toolingAccountId,
        registry,
        endpointNames: names.map((n) => this.platform.deployment?.endpointName(n) ?? n),
        namePrefix,
        network,
        removalPolicy: base.removalPolicy,
      });
      tagLayer(target, PlatformLayer.DEPLOYMENT);
      if (network instanceof SecureMlNetwork) {
        tagLayer(network, PlatformLayer.NETWORK);
      }
      this.targetNetworks.push(network);
      // the monitored stage's capture, read by the drift check of the tooling account
      const monitored = this.platform.monitor?.stage;
      if (monitored?.dataCaptureEnabled && monitored.account === account) {
        target.allowDriftChecksFrom(monitored, props.toolingAccountId);
      }
      this.targetStacks.push(stack);
      this.targetAccounts.push(target);
    }
  }
}

/** The network of a target account: new, with the target's CIDR and stage tag. */
function createTargetNetwork(stack: Stack, props: MlopsAccountsProps, index: number, stageNames: string[],
  removalPolicy: RemovalPolicy | undefined): SecureMlNetwork {
  const n = props.targetNetworkOptions ?? {};
  const network = new SecureMlNetwork(stack, 'Network', {
    cidr: n.cidr ?? `10.${index + 1}.0.0/16`,
    maxAzs: n.maxAzs,
    availabilityZones: n.availabilityZones,
    allowInternetEgress: n.allowInternetEgress,
    natGateways: n.natGateways,
    s3PrefixListId: n.s3PrefixListId,
    logRetention: n.logRetention,
    interfaceEndpoints: n.additionalEndpoints ?? [],
    endpointPlacement: n.endpointPlacement,
    endpointPrivateDns: n.endpointPrivateDns,
    endpointClientCidrs: n.endpointClientCidrs,
    allowAllTrafficWithinWorkloadGroup: n.allowAllTrafficWithinWorkloadGroup,
    allowJumpStartBuckets: n.allowJumpStartBuckets,
    trustedAccountIds: [props.toolingAccountId],
    removalPolicy,
  });
  // the most critical stage of the account names the network (single-AZ endpoints in production need confirmation)
  Tags.of(network).add('mlops:stage', stageNames.find((name) => /^prod/i.test(name)) ?? stageNames[0]);
  return network;
}

function importTargetNetwork(stack: Stack, attrs: TargetNetworkAttributes): ISecureMlNetwork {
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: attrs.vpcId,
    availabilityZones: attrs.availabilityZones,
    privateSubnetIds: attrs.subnetIds,
  });
  return SecureMlNetwork.fromNetworkAttributes(stack, 'Network', {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    workloadSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'WorkloadSecurityGroup', attrs.securityGroupId),
  });
}

function validateAccounts(scope: Construct, props: MlopsAccountsProps): void {
  const v = new PropsValidator(scope, 'MlopsAccounts');
  const known = (a: string) => !Token.isUnresolved(a);
  v.check(known(props.toolingAccountId) && !ACCOUNT_ID.test(props.toolingAccountId), {
    prop: 'toolingAccountId', value: props.toolingAccountId, allowed: 'a 12-digit account id', fix: 'give the id of the tooling account.',
  });
  v.check(known(props.region) && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(props.region), {
    prop: 'region', value: props.region, allowed: 'a region name such as us-east-1', fix: 'give an explicit region: the stacks need explicit environments.',
  });
  v.check(props.targets.length === 0, {
    prop: 'targets', value: [], allowed: 'at least one target account', fix: 'list the staging and production accounts, or use MlopsPlatform alone for one account.',
  });
  props.targets.forEach((t, i) => {
    v.check(known(t.accountId) && !ACCOUNT_ID.test(t.accountId), {
      prop: `targets[${i}].accountId`, value: t.accountId, allowed: 'a 12-digit account id', fix: 'give the id of the account the stage deploys into.',
    });
    v.check(t.accountId === props.toolingAccountId, {
      prop: `targets[${i}].accountId`,
      value: t.accountId,
      allowed: 'an account other than the tooling account',
      fix: 'a stage in the tooling account needs no target stack: use MlopsPlatform deploymentOptions.stages for it.',
    });
  });
  props.targets.forEach((t, i) => {
    const net = t.networkAttributes;
    if (!net) {
      return;
    }
    const literal = (list: string[]) => !Token.isUnresolved(list) && list.every((x) => !Token.isUnresolved(x));
    v.check(literal(net.subnetIds) && new Set(net.subnetIds).size < 2, {
      prop: `targets[${i}].networkAttributes.subnetIds`,
      value: net.subnetIds,
      allowed: 'at least two subnets, in different Availability Zones',
      fix: 'list private subnets in two or more zones: SageMaker hosting requires two zones even for one instance.',
    });
    v.check(literal(net.subnetIds) && literal(net.availabilityZones) && net.availabilityZones.length !== net.subnetIds.length, {
      prop: `targets[${i}].networkAttributes.availabilityZones`,
      value: net.availabilityZones,
      allowed: `one zone per subnet (${net.subnetIds.length})`,
      fix: 'list the zone of each subnet, in the order of subnetIds.',
    });
  });
  const accounts = new Set(props.targets.map((t) => t.accountId));
  v.check(props.targetNetworkOptions?.cidr !== undefined && accounts.size > 1, {
    prop: 'targetNetworkOptions.cidr',
    value: props.targetNetworkOptions?.cidr,
    allowed: 'no CIDR when there are several target accounts (each gets its own, 10.<n>.0.0/16)',
    fix: 'remove cidr: one block for every target account would make their networks overlap, and overlapping networks cannot be connected through a transit gateway or peering later.',
  });
  const names = props.targets.map((t) => t.stageName);
  const dupes = names.filter((n, i) => names.indexOf(n) !== i);
  v.check(dupes.length > 0, {
    prop: 'targets', value: dupes, allowed: 'unique stage names', fix: 'name each stage once.',
  });
  v.check(props.platform?.deploymentOptions?.stages !== undefined, {
    prop: 'platform.deploymentOptions.stages',
    value: 'given',
    allowed: 'stages only through `targets`',
    fix: 'describe the stages in `targets`; the platform\'s stages are derived from them.',
  });
  const given = props.platform?.registry?.modelPackageGroupArn;
  v.check(given !== undefined && Token.isUnresolved(given) && !/model-package-group\/[A-Za-z0-9-]+$/.test(given), {
    prop: 'platform.registry',
    value: 'a registry whose ARN is only known at deploy time',
    allowed: 'a registry with a literal ARN (the target accounts trust it by ARN)',
    fix: 'import it with ModelRegistry.fromModelPackageGroupArn(), or let MlopsAccounts create it (modelPackageGroupName).',
  });
  const layers = props.platform?.layers;
  v.check(layers !== undefined && !layers.includes(PlatformLayer.DEPLOYMENT), {
    prop: 'platform.layers',
    value: layers?.map((l) => `PlatformLayer.${String(l).toUpperCase()}`),
    allowed: 'a list with PlatformLayer.DEPLOYMENT (targets are its stages)',
    fix: 'add PlatformLayer.DEPLOYMENT to platform.layers, or use MlopsPlatform alone.',
  });
  v.throwIfAny();
}

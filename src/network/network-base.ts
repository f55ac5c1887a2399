import { Annotations, Resource } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { MlEndpointService } from './endpoint-service';
import { entryOf, suggest } from './private/endpoint-catalog';
import type { ISecureMlNetwork, SecureMlNetworkAttributes } from './secure-ml-network';
import { fail } from '../private/validation';

/**
 * What owned and imported networks share: the workload subnets, the
 * connections of the workload security group and the check of endpoint
 * names against the catalog.
 *
 * @internal
 */
export abstract class SecureMlNetworkBase extends Resource implements ISecureMlNetwork {
  public abstract readonly vpc: ec2.IVpc;
  public abstract readonly vpcSubnets: ec2.SubnetSelection;
  public abstract readonly workloadSecurityGroup: ec2.ISecurityGroup;
  public abstract readonly internetEgress: boolean;

  public get subnetIds(): string[] {
    return this.vpc.selectSubnets(this.vpcSubnets).subnetIds;
  }

  /**
   * The connections of the workload security group: `allowFrom` and
   * `allowTo` open traffic between ML workloads and other peers.
   */
  public get connections(): ec2.Connections {
    return this.workloadSecurityGroup.connections;
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
  public abstract allowS3BucketRead(bucket: s3.IBucket): iam.AddToResourcePolicyResult;
  protected abstract addEndpoint(service: MlEndpointService): void;
}

/** A network built elsewhere: it declares its endpoints, creates none. */
export class ImportedSecureMlNetwork extends SecureMlNetworkBase {
  public readonly vpc: ec2.IVpc;
  public readonly vpcSubnets: ec2.SubnetSelection;
  public readonly workloadSecurityGroup: ec2.ISecurityGroup;
  public readonly internetEgress: boolean;
  private readonly available: Set<string>;
  private readonly warned = new Set<string>();

  constructor(scope: Construct, id: string, attrs: SecureMlNetworkAttributes) {
    super(scope, id, { account: attrs.vpc.env.account, region: attrs.vpc.env.region });
    this.vpc = attrs.vpc;
    this.vpcSubnets = attrs.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    this.workloadSecurityGroup = attrs.workloadSecurityGroup;
    this.internetEgress = attrs.internetEgress ?? false;
    this.available = new Set((attrs.availableEndpoints ?? []).map((s) => s.name));
  }

  public hasEndpoint(service: MlEndpointService): boolean {
    return this.available.has(service.name);
  }

  public allowS3BucketRead(bucket: s3.IBucket): iam.AddToResourcePolicyResult {
    Annotations.of(this).addWarningV2(`cdk-mlops:network-imported-s3-${bucket.node.addr}`,
      `The S3 gateway endpoint of an imported network is managed elsewhere: allow read access to ${bucket.node.path} in its policy.`);
    return { statementAdded: false };
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

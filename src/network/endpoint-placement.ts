import { MlEndpointService } from './endpoint-service';

/**
 * The kinds of interface endpoint placement.
 */
export enum EndpointPlacementKind {
  /** An endpoint network interface in every Availability Zone of the workload subnets. */
  EVERY_AZ = 'EVERY_AZ',
  /** One endpoint network interface, in one Availability Zone. */
  SINGLE_AZ = 'SINGLE_AZ',
  /** Endpoints of a central endpoint VPC, reached through the organization's transit network. */
  CENTRAL = 'CENTRAL',
}

/**
 * Options of single-AZ endpoint placement.
 */
export interface SingleAzEndpointPlacementOptions {
  /**
   * The zone the endpoints live in; a zone of the workload subnets.
   * @default - the zone of the first workload subnet
   */
  readonly availabilityZone?: string;
  /**
   * Confirm single-AZ endpoints on a network tagged for production
   * (`mlops:stage` starting with `prod`): an outage of that zone cuts every
   * workload off from the AWS APIs.
   * @default false
   */
  readonly allowInProduction?: boolean;
}

/**
 * Options of central endpoint placement.
 */
export interface CentralEndpointPlacementOptions {
  /**
   * The services the central endpoint VPC serves to this network. The
   * network creates none of them; it creates any other service a layer needs
   * locally, in every zone, with a warning.
   */
  readonly services: MlEndpointService[];
  /**
   * IPv4 CIDR of the central endpoint VPC. Needed when workload HTTPS egress
   * is narrowed with `s3PrefixListId`: the workload security group then
   * admits HTTPS to this block.
   * @default - workload HTTPS egress as configured (open and bounded by routing, or narrowed)
   */
  readonly endpointVpcCidr?: string;
}

/**
 * Where the interface endpoints of a network live: the main lever on the idle
 * cost of a private ML network, since every interface endpoint is billed per
 * Availability Zone per hour.
 *
 * - `everyAz()` (default): one network interface per endpoint in every zone
 *   of the workload subnets; a zone outage leaves the others working.
 * - `singleAz()`: one network interface per endpoint, in one zone. Workloads
 *   in every zone still reach it (private DNS answers its one address, and
 *   traffic crosses zones inside the VPC, billed as cross-AZ data transfer).
 *   For non-production networks: a zone outage cuts every workload off.
 * - `central()`: the endpoints live in a central endpoint VPC the
 *   organization runs (private DNS off there, names resolved through private
 *   hosted zones associated with this VPC, traffic over a Transit Gateway or
 *   peering); this network creates none of them and pays nothing for them.
 */
export class EndpointPlacement {
  /** An endpoint network interface in every zone of the workload subnets. */
  public static everyAz(): EndpointPlacement {
    return new EndpointPlacement(EndpointPlacementKind.EVERY_AZ, false, []);
  }

  /** One endpoint network interface per service, in one zone (non-production). */
  public static singleAz(options: SingleAzEndpointPlacementOptions = {}): EndpointPlacement {
    return new EndpointPlacement(EndpointPlacementKind.SINGLE_AZ, options.allowInProduction ?? false, [], options.availabilityZone);
  }

  /** The services are served by a central endpoint VPC; this network creates none of them. */
  public static central(options: CentralEndpointPlacementOptions): EndpointPlacement {
    return new EndpointPlacement(EndpointPlacementKind.CENTRAL, false, [...options.services], undefined, options.endpointVpcCidr);
  }

  private constructor(
    /** The kind of placement. */
    public readonly kind: EndpointPlacementKind,
    /** Whether single-AZ placement was confirmed for a production network. */
    public readonly allowInProduction: boolean,
    /** The services a central endpoint VPC serves (central placement). */
    public readonly centralServices: MlEndpointService[],
    /** The zone of single-AZ placement, when chosen. */
    public readonly availabilityZone?: string,
    /** The CIDR of the central endpoint VPC, when given. */
    public readonly centralVpcCidr?: string,
  ) {}
}

import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { acknowledge } from '../private/acknowledgements';

/** How the workload security group is built. */
export interface WorkloadSecurityGroupOptions {
  readonly vpc: ec2.IVpc;
  readonly internetEgress: boolean;
  readonly s3PrefixListId?: string;
  /** CIDR blocks outside the VPC with interface endpoints the workloads use (a central endpoint VPC). */
  readonly endpointCidrs: string[];
  /** Open all traffic inside the group (EFA, MPI over SSH). */
  readonly allTrafficWithinGroup: boolean;
}

/**
 * The security group of SageMaker jobs, Studio apps and endpoints: the ports
 * SageMaker needs inside the group (NFS to the Studio home EFS, Studio apps
 * and distributed training, IKE and ESP for inter-container traffic
 * encryption) and HTTPS out. With `allTrafficWithinGroup`, every protocol and
 * port inside the group instead, as EFA requires (EC2 User Guide, "Prepare an
 * EFA-enabled security group": all traffic to and from the group itself) and
 * MPI over SSH (port 22) without inter-container encryption needs.
 */
export function createWorkloadSecurityGroup(scope: Construct, id: string, options: WorkloadSecurityGroupOptions): ec2.SecurityGroup {
  const sg = new ec2.SecurityGroup(scope, id, {
    vpc: options.vpc,
    description: 'SageMaker jobs, Studio apps and endpoints: traffic inside the group and HTTPS to AWS services',
    allowAllOutbound: false,
  });
  if (options.allTrafficWithinGroup) {
    sg.addIngressRule(sg, ec2.Port.allTraffic(), 'All traffic from the group (EFA, MPI over SSH, Studio home EFS, Studio apps)');
    sg.addEgressRule(sg, ec2.Port.allTraffic(), 'All traffic to the group (EFA, MPI over SSH, Studio home EFS, Studio apps)');
    // the finding is on the self-referencing ingress rule: acknowledge that rule only
    for (const child of sg.node.children) {
      if (child instanceof ec2.CfnSecurityGroupIngress && child.ipProtocol === '-1') {
        acknowledge(child, 'workloadGroupAllTraffic');
      }
    }
  } else {
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
  }
  if (options.s3PrefixListId) {
    sg.addEgressRule(ec2.Peer.ipv4(options.vpc.vpcCidrBlock), ec2.Port.tcp(443), 'HTTPS to interface endpoints in the VPC');
    sg.addEgressRule(ec2.Peer.prefixList(options.s3PrefixListId), ec2.Port.tcp(443), 'HTTPS to S3 through the gateway endpoint');
    for (const cidr of options.endpointCidrs) {
      sg.addEgressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), 'HTTPS to the interface endpoints of the central endpoint VPC');
    }
  } else {
    sg.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443),
      options.internetEgress
        ? 'HTTPS to AWS services and, through NAT, the internet'
        : 'HTTPS to interface endpoints and the S3 gateway endpoint; no route leaves the VPC');
  }
  return sg;
}

/**
 * An "existing" VPC as a platform team would have built it before the ML
 * network: isolated subnets in two zones, a closed default security group,
 * and interface endpoints for STS and CloudWatch Logs with private DNS (the
 * endpoints whose second creation fails with "conflicting DNS domain").
 * Built in the test's stack so the journeys can evaluate its endpoints'
 * policies: the STS endpoint keeps AWS's default (full access) policy, the
 * Logs endpoint has one that admits principals of the account only.
 */
import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeDefaultSecurityGroupCloser } from '../../src/private/acknowledgements';

export interface ExistingVpc {
  readonly vpc: ec2.Vpc;
  readonly sts: ec2.InterfaceVpcEndpoint;
  readonly logs: ec2.InterfaceVpcEndpoint;
}

export function existingVpcWithEndpoints(scope: Construct, id = 'Existing'): ExistingVpc {
  const holder = new Construct(scope, id);
  const vpc = new ec2.Vpc(holder, 'Vpc', {
    ipAddresses: ec2.IpAddresses.cidr('10.30.0.0/16'),
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    restrictDefaultSecurityGroup: true,
  });
  acknowledgeDefaultSecurityGroupCloser(holder);
  const sg = new ec2.SecurityGroup(holder, 'EndpointSecurityGroup', { vpc, allowAllOutbound: false, description: 'Platform endpoints: HTTPS from the VPC' });
  sg.addIngressRule(ec2.Peer.ipv4('10.30.0.0/16'), ec2.Port.tcp(443), 'HTTPS from the VPC');
  const sts = vpc.addInterfaceEndpoint('Sts', { service: ec2.InterfaceVpcEndpointAwsService.STS, securityGroups: [sg], open: false });
  const logs = vpc.addInterfaceEndpoint('Logs', { service: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS, securityGroups: [sg], open: false });
  logs.addToPolicy(new iam.PolicyStatement({
    principals: [new iam.StarPrincipal()],
    actions: ['logs:*'],
    resources: ['*'],
    conditions: { StringEquals: { 'aws:PrincipalAccount': Stack.of(scope).account } },
  }));
  return { vpc, sts, logs };
}

import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { EndpointPlacement } from './endpoint-placement';
import { fail, PropsValidator } from '../private/validation';

/** The tag that marks the stage of a network (as of endpoints and models). */
export const STAGE_TAG = 'mlops:stage';

/**
 * The one workload subnet single-AZ endpoints are placed in: the one in the
 * chosen zone, else the first.
 */
export function chooseSingleAzSubnet(scope: IConstruct, vpc: ec2.IVpc, selection: ec2.SubnetSelection,
  placement: EndpointPlacement): ec2.SubnetSelection {
  const subnets = vpc.selectSubnets(selection).subnets;
  const zone = placement.availabilityZone;
  const chosen = zone === undefined ? subnets[0] : subnets.find((s) => s.availabilityZone === zone);
  if (!chosen) {
    const zones = subnets.map((s) => s.availabilityZone).filter((z) => !Token.isUnresolved(z));
    fail(scope, 'SecureMlNetwork', {
      prop: 'endpointPlacement.availabilityZone',
      value: zone,
      allowed: zones.length > 0 ? `a zone of the workload subnets (${zones.join(', ')})` : 'a zone of the workload subnets, known at synth',
      fix: zones.length > 0
        ? 'pick one of the listed zones, or leave it out to use the zone of the first workload subnet.'
        : 'give the network explicit availabilityZones (its zones are otherwise chosen by CloudFormation), or leave the zone out.',
    });
  }
  return { subnets: [chosen] };
}

/**
 * The problem of single-AZ endpoints on a network whose workload security
 * group is tagged for production (`mlops:stage` starting with `prod`), as
 * validation messages; none when the tag is absent or another stage.
 */
export function productionTagProblems(scope: IConstruct, workloadSecurityGroup: ec2.ISecurityGroup): string[] {
  const tags = (workloadSecurityGroup.node.defaultChild as ec2.CfnSecurityGroup).tags.tagValues();
  const stage = tags[STAGE_TAG];
  if (stage === undefined || !/^prod/i.test(stage)) {
    return [];
  }
  try {
    new PropsValidator(scope, 'SecureMlNetwork').add({
      prop: 'endpointPlacement',
      value: `EndpointPlacement.singleAz() on a network tagged ${STAGE_TAG}=${stage}`,
      allowed: 'single-AZ interface endpoints on non-production networks, or with allowInProduction: true',
      fix: 'use EndpointPlacement.everyAz() for production (an outage of the one zone cuts every workload off from the AWS APIs), or confirm with EndpointPlacement.singleAz({ allowInProduction: true }).',
    }).throwIfAny();
  } catch (e) {
    return [(e as Error).message];
  }
  return [];
}

import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { MlInstanceType } from '../../src/common';
import { AuthMode, ExperimentTracking, ExplorationDomain, ExplorationDomainProps, PackageRepository } from '../../src/exploration';
import { SecureMlNetwork } from '../../src/network';

type Props = Omit<ExplorationDomainProps, 'network'>;

function build(props: Props): () => void {
  return () => {
    const stack = new Stack();
    const network = new SecureMlNetwork(stack, 'Network');
    new ExplorationDomain(stack, 'Domain', { network, ...props });
  };
}

/** Every case: the props, and what the message must say (prop, value, allowed, fix). */
const CASES: Array<[string, Props, RegExp[]]> = [
  ['a profile name has characters SageMaker rejects', { userProfiles: [{ userProfileName: 'alice_smith' }] },
    [/userProfiles\[0\]\.userProfileName: got 'alice_smith'/, /letters, digits and hyphens/, /no dots, underscores or @/]],
  ['a profile name ends with a hyphen', { userProfiles: [{ userProfileName: 'alice-' }] }, [/userProfileName: got 'alice-'/]],
  ['a profile name is longer than 63 characters', { userProfiles: [{ userProfileName: 'a'.repeat(64) }] }, [/userProfiles\[0\]\.userProfileName: got 'a{64}'/]],
  ['two profiles have the same name (case-insensitive)', { userProfiles: [{ userProfileName: 'alice' }, { userProfileName: 'Alice' }] },
    [/userProfiles\[1\]\.userProfileName: got 'Alice'/, /each profile name once/, /remove the duplicate profile/]],
  ['two profile names give the same construct id', { userProfiles: [{ userProfileName: 'a-b' }, { userProfileName: 'a--b' }] },
    [/userProfiles\[1\]\.userProfileName: got 'a--b'/, /each profile name once/]],
  ['the idle timeout is below the service minimum', { idleTimeout: Duration.minutes(30) },
    [/idleTimeout: got '30 minutes'/, /from 60 \(1 hour\) to 525600 \(365 days\)/, /Duration\.hours\(1\)/]],
  ['the idle timeout is above the service maximum', { idleTimeout: Duration.days(366) }, [/idleTimeout: got '366 days'/, /to 525600/]],
  ['the idle timeout is not a whole number of minutes', { idleTimeout: Duration.seconds(3630) }, [/idleTimeout: got '1 hour 30 seconds'/, /whole number of minutes/]],
  ['the users\' maximum idle timeout is below the default', { idleTimeout: Duration.hours(4), maxIdleTimeout: Duration.hours(2) },
    [/maxIdleTimeout: got '2 hours'/, /at least idleTimeout \(240 minutes\)/, /raise maxIdleTimeout/]],
  ['Identity Center is chosen but a profile has no Identity Center user', { authMode: AuthMode.SSO, userProfiles: [{ userProfileName: 'alice' }] },
    [/userProfiles\[0\]\.ssoUserName: got undefined/, /required with AuthMode\.SSO/, /add ssoUserName for 'alice'/]],
  ['an Identity Center user is given for an IAM domain', { userProfiles: [{ userProfileName: 'alice', ssoUserName: 'alice@example.com' }] },
    [/userProfiles\[0\]\.ssoUserName: got 'alice@example\.com'/, /only with authMode: AuthMode\.SSO/, /replaces an existing domain/]],
  ['the allowed app instance list is empty', { appInstanceTypes: [] }, [/appInstanceTypes: got \[\]/, /at least one instance type/, /ML_T3_MEDIUM/]],
  ['the allowed endpoint instance list is empty', { devEndpointInstanceTypes: [] }, [/devEndpointInstanceTypes: got \[\]/, /at least one instance type/]],
  ['an instance type is malformed', { appInstanceTypes: [MlInstanceType.of('t3.medium')] },
    [/appInstanceTypes: got 't3\.medium'/, /ml\.t3\.medium/, /'ml\.' prefix/]],
  ['an instance type repeats', { devEndpointInstanceTypes: [MlInstanceType.ML_M5_LARGE, MlInstanceType.ML_M5_LARGE] },
    [/devEndpointInstanceTypes: got 'ml\.m5\.large'; allowed: each instance type once/]],
  ['the domain name is invalid', { domainName: 'data_science' }, [/domainName: got 'data_science'/, /replaces the domain/]],
  ['the dev tag key is reserved by AWS', { devEndpointTagKey: 'aws:stage' }, [/devEndpointTagKey: got 'aws:stage'/, /not starting with aws:/]],
  ['the dev tag value is empty', { devEndpointTagValue: '' }, [/devEndpointTagValue: got ''/]],
  ['automatic model registration has no registry', { experimentTracking: ExperimentTracking.mlflowApp({ automaticModelRegistration: true }) },
    [/experimentTracking\.automaticModelRegistration: got true/, /only together with `registry`/, /pass the registry/]],
  ['the MLflow maintenance window is malformed', { experimentTracking: ExperimentTracking.mlflowApp({ weeklyMaintenanceWindowStart: 'Tuesday 3am' }) },
    [/weeklyMaintenanceWindowStart: got 'Tuesday 3am'/, /Ddd:HH:MM/]],
  ['the MLflow name is invalid', { experimentTracking: ExperimentTracking.mlflowTrackingServer({ name: 'my_server' }) }, [/experimentTracking\.name: got 'my_server'/]],
  ['the MLflow version is malformed', { experimentTracking: ExperimentTracking.mlflowTrackingServer({ mlflowVersion: 'latest' }) }, [/mlflowVersion: got 'latest'/]],
];

describe('ExplorationDomain validation', () => {
  test.each(CASES)('fails when %s', (_, props, messages) => {
    expect(build(props)).toThrow(/ExplorationDomain has \d+ invalid problems?/);
    for (const message of messages) {
      expect(build(props)).toThrow(message);
    }
  });

  test('fails when the network has no private subnets', () => {
    // GIVEN a network imported with only public subnets selected
    const stack = new Stack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-1', availabilityZones: ['us-east-1a'], publicSubnetIds: ['subnet-pub'], publicSubnetRouteTableIds: ['rtb-1'],
    });
    const network = SecureMlNetwork.fromNetworkAttributes(stack, 'Network', {
      vpc,
      workloadSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-1'),
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    });

    // WHEN / THEN
    expect(() => new ExplorationDomain(stack, 'Domain', { network })).toThrow(/network: got \[.*\]; allowed: private subnets only/);
    expect(() => new ExplorationDomain(stack, 'Domain2', { network })).toThrow(/PRIVATE_ISOLATED/);
  });

  test('fails when the network selects no subnets at all', () => {
    const stack = new Stack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['us-east-1a'], publicSubnetIds: ['subnet-pub'] });
    const network = SecureMlNetwork.fromNetworkAttributes(stack, 'Network', {
      vpc, workloadSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-1'),
    });
    expect(() => new ExplorationDomain(stack, 'Domain', { network })).toThrow(/network: got .*allowed: a network whose workload subnets are private/);
  });

  test('fails when a package repository ARN is not a CodeArtifact repository ARN', () => {
    const domainArn = 'arn:aws:codeartifact:us-east-1:111122223333:domain/ml';
    expect(build({ packageRepositories: [PackageRepository.fromCodeArtifactRepositoryArn(domainArn)] }))
      .toThrow(/packageRepositories\[0\]: got 'arn:aws:codeartifact:us-east-1:111122223333:domain\/ml'; allowed: a CodeArtifact repository ARN.*describe-repository/s);
    const repo = PackageRepository.fromCodeArtifactRepositoryArn('arn:aws:codeartifact:us-east-1:111122223333:repository/ml/pypi');
    expect(repo.domainArn).toBe(domainArn);
    expect(build({ packageRepositories: [repo] })).not.toThrow();
  });

  test('fails when addUserProfile() repeats a profile of the props, naming the fix', () => {
    const stack = new Stack();
    const domain = new ExplorationDomain(stack, 'Domain', { network: new SecureMlNetwork(stack, 'Network'), userProfiles: [{ userProfileName: 'alice' }] });
    expect(() => domain.addUserProfile({ userProfileName: 'alice' })).toThrow(/addUserProfile\(options\)\.userProfileName: got 'alice'; allowed: each profile name once/);
  });

  test('fails when executionPolicy() is asked for a policy that does not exist', () => {
    const stack = new Stack();
    const domain = new ExplorationDomain(stack, 'Domain', { network: new SecureMlNetwork(stack, 'Network') });
    expect(() => domain.executionPolicy('AdminPolicy')).toThrow(/executionPolicy\(name\): got 'AdminPolicy'; allowed: StudioPolicy, JobsPolicy/);
    expect(domain.executionPolicy('JobsPolicy').node.id).toBe('JobsPolicy');
  });

  test('reports every problem at once', () => {
    expect(build({ idleTimeout: Duration.minutes(5), appInstanceTypes: [], userProfiles: [{ userProfileName: 'a.b' }] }))
      .toThrow(/has 3 invalid problems:\n- idleTimeout.*\n- appInstanceTypes.*\n- userProfiles\[0\]\.userProfileName/);
  });

  test('accepts the edges of the service\'s idle range', () => {
    expect(build({ idleTimeout: Duration.minutes(60) })).not.toThrow();
    expect(build({ idleTimeout: Duration.minutes(525600), maxIdleTimeout: Duration.minutes(525600) })).not.toThrow();
  });
});

/**
 * Invalid inputs of the network, registry, exploration and governance layers:
 * each a small builder and the fragments its message must contain (the prop,
 * the value given, and the fix or what is allowed).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ACCOUNT } from './fixtures';
import { MlInstanceType } from '../../src/common';
import { AuthMode, ExperimentTracking, ExplorationDomain, ExplorationDomainProps } from '../../src/exploration';
import { MlopsChecks, SageMakerGuardrail } from '../../src/governance';
import { MlEndpointService, SecureMlNetwork, SecureMlNetworkProps } from '../../src/network';
import { ModelRegistry } from '../../src/registry';

/** One invalid input. */
export interface InvalidInput {
  readonly layer: string;
  /** What is wrong, as a sentence fragment ("fails when ..."). */
  readonly name: string;
  /** Build the input in a fresh stack; must throw a ValidationError. */
  readonly build: (stack: Stack) => void;
  /** Fragments the message must contain: the prop, the value, the fix or what is allowed. */
  readonly expected: RegExp[];
}

const network = (name: string, props: SecureMlNetworkProps, expected: RegExp[]): InvalidInput => ({
  layer: 'network', name, expected, build: (stack) => { new SecureMlNetwork(stack, 'Network', props); },
});

const importedVpc = (stack: Stack) => ec2.Vpc.fromVpcAttributes(stack, 'Existing', {
  vpcId: 'vpc-0abc', availabilityZones: ['us-east-1a'], isolatedSubnetIds: ['subnet-0abc'],
});

const NETWORK: InvalidInput[] = [
  network('the CIDR is not an IPv4 block', { cidr: 'ten.zero/16' }, [/cidr: got 'ten\.zero\/16'/, /IPv4 CIDR block a\.b\.c\.d\/n/, /10\.20\.0\.0\/16/]),
  network('a CIDR octet is above 255', { cidr: '10.0.300.0/16' }, [/cidr: got '10\.0\.300\.0\/16'/, /a\.b\.c\.d\/n/]),
  network('the CIDR is wider than a VPC may be', { cidr: '10.0.0.0/8' }, [/cidr: got '10\.0\.0\.0\/8'/, /from \/16 to \/24/, /at most \/16/]),
  network('the CIDR is too small for ML workloads', { cidr: '10.0.0.0/28' }, [/cidr: got '10\.0\.0\.0\/28'/, /use \/24 or larger/]),
  network('the CIDR is not the network address', { cidr: '10.0.5.0/16' }, [/cidr: got '10\.0\.5\.0\/16'/, /network address/, /use '10\.0\.0\.0\/16'/]),
  network('the CIDR cannot hold a public and a private subnet per AZ', { cidr: '10.0.0.0/24', allowInternetEgress: true, maxAzs: 3 },
    [/cidr: got '10\.0\.0\.0\/24'/, /large enough for 6 subnets of at least \/26/, /fewer AZs/]),
  network('maxAzs is zero', { maxAzs: 0 }, [/maxAzs: got 0/, /whole number from 1 to 6/, /use 2 \(default\)/]),
  network('maxAzs is above six', { maxAzs: 7 }, [/maxAzs: got 7/, /1 to 6/]),
  network('maxAzs and availabilityZones are both given', { maxAzs: 2, availabilityZones: ['us-east-1a', 'us-east-1b'] },
    [/maxAzs: got 2/, /either maxAzs or availabilityZones/, /remove maxAzs/]),
  network('more than six zones are listed', { availabilityZones: ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((z) => `us-east-1${z}`) },
    [/availabilityZones: got \[/, /1 to 6 zones/]),
  network('a zone is listed twice', { availabilityZones: ['us-east-1a', 'us-east-1a'] }, [/availabilityZones: got/, /distinct zone names/, /remove the duplicates/]),
  network('NAT gateways are asked for without internet egress', { natGateways: 1 },
    [/natGateways: got 1/, /only with allowInternetEgress: true/, /turn on allowInternetEgress/]),
  network('there are more NAT gateways than AZs', { allowInternetEgress: true, maxAzs: 2, natGateways: 3 },
    [/natGateways: got 3/, /from 1 to the number of AZs \(2\)/, /one per AZ/]),
  network('a subnet selection is given without a VPC', { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } },
    [/vpcSubnets: got 'a subnet selection'/, /only together with `vpc`/]),
  network('a trusted account id is not 12 digits', { trustedAccountIds: ['12345'] }, [/trustedAccountIds: got '12345'/, /12-digit/, /'123456789012'/]),
  network('a trusted account is listed twice', { trustedAccountIds: ['222222222222', '222222222222'] },
    [/trustedAccountIds: got '222222222222'/, /each account once/, /remove the duplicate/]),
  network('the organization id is a root id', { organizationId: 'r-ab12' }, [/organizationId: got 'r-ab12'/, /'o-a1b2c3d4e5'/, /starts with o-/]),
  network('the S3 prefix list id is malformed', { s3PrefixListId: 'pl-xyz' }, [/s3PrefixListId: got 'pl-xyz'/, /describe-managed-prefix-lists/]),
  network('an interface endpoint is not in the catalog', { interfaceEndpoints: [MlEndpointService.of('sagemaker-api')] },
    [/interfaceEndpoints: got 'sagemaker-api'/, /a service of the catalog/, /did you mean/]),
  {
    layer: 'network',
    name: 'a CIDR is given with an existing VPC',
    expected: [/cidr: got '10\.1\.0\.0\/16'/, /only when the network creates its VPC/, /the existing VPC decides it/],
    build: (stack) => { new SecureMlNetwork(stack, 'Network', { vpc: importedVpc(stack), cidr: '10.1.0.0/16' }); },
  },
  {
    layer: 'network',
    name: 'internet egress is asked of an existing VPC',
    expected: [/allowInternetEgress: got true/, /only when the network creates its VPC/],
    build: (stack) => { new SecureMlNetwork(stack, 'Network', { vpc: importedVpc(stack), allowInternetEgress: true }); },
  },
];

const registry = (name: string, build: (stack: Stack) => void, expected: RegExp[]): InvalidInput => ({ layer: 'registry', name, build, expected });

const REGISTRY: InvalidInput[] = [
  registry('the group name has an underscore', (s) => { new ModelRegistry(s, 'R', { modelPackageGroupName: 'churn_model' }); },
    [/modelPackageGroupName: got 'churn_model'/, /letters, digits and hyphens/, /e\.g\. 'churn-model'/]),
  registry('the group name ends with a hyphen', (s) => { new ModelRegistry(s, 'R', { modelPackageGroupName: 'churn-' }); },
    [/modelPackageGroupName: got 'churn-'/, /starting and ending with a letter or digit/]),
  registry('the group name is longer than 63 characters', (s) => { new ModelRegistry(s, 'R', { modelPackageGroupName: 'g'.repeat(64) }); },
    [/modelPackageGroupName: got 'g{64}'/, /1 to 63 characters \(got 64\)/, /shorten the name/]),
  registry('the description is longer than 1024 characters', (s) => { new ModelRegistry(s, 'R', { description: 'd'.repeat(1025) }); },
    [/description: got '1025 characters'/, /at most 1024 characters/, /shorten the description/]),
  registry('a consumer account is not 12 digits', (s) => { new ModelRegistry(s, 'R', { consumerAccountIds: ['prod'] }); },
    [/consumerAccountIds\[0\]: got 'prod'/, /12-digit AWS account ids/]),
  registry('a consumer account is the registry\'s own', (s) => { new ModelRegistry(s, 'R', { consumerAccountIds: [ACCOUNT] }); },
    [new RegExp(`consumerAccountIds\\[0\\]: got '${ACCOUNT}'`), /other than the registry's own/, /grantRead\/grantDeploy/]),
  registry('a consumer account is listed twice', (s) => { new ModelRegistry(s, 'R', { consumerAccountIds: ['222222222222', '222222222222'] }); },
    [/consumerAccountIds\[1\]: got '222222222222'/, /each account once/]),
  registry('so many consumers that the group policy exceeds SageMaker\'s limit', (s) => {
    new ModelRegistry(s, 'R', { consumerAccountIds: Array.from({ length: 700 }, (_, i) => String(200000000000 + i)) });
  }, [/consumerAccountIds: got '700 accounts'/, /at most 20480 characters/, /share with fewer accounts/]),
  registry('a consumer added later is not 12 digits', (s) => { new ModelRegistry(s, 'R').addConsumerAccount('2222'); },
    [/addConsumerAccount\(accountId\): got '2222'/, /12-digit/]),
  registry('an imported group ARN is not a model package group ARN', (s) => {
    ModelRegistry.fromModelPackageGroupArn(s, 'R', 'arn:aws:sagemaker:us-east-1:111111111111:model-package/churn/1');
  }, [/modelPackageGroupArn: got 'arn:aws:sagemaker:us-east-1:111111111111:model-package\/churn\/1'/, /model-package-group\/<name>/]),
  registry('an imported group name is invalid', (s) => { ModelRegistry.fromModelPackageGroupName(s, 'R', 'churn model'); },
    [/modelPackageGroupName: got 'churn model'/, /e\.g\. 'churn-model'/]),
];

const domain = (name: string, props: Partial<ExplorationDomainProps>, expected: RegExp[]): InvalidInput => ({
  layer: 'exploration',
  name,
  expected,
  build: (stack) => { new ExplorationDomain(stack, 'Domain', { network: new SecureMlNetwork(stack, 'Network'), ...props }); },
});

const EXPLORATION: InvalidInput[] = [
  domain('the domain name has an underscore', { domainName: 'data_science' }, [/domainName: got 'data_science'/, /changing it later replaces the domain/]),
  domain('the idle timeout is half an hour', { idleTimeout: Duration.minutes(30) }, [/idleTimeout: got '30 minutes'/, /from 60 \(1 hour\)/, /Duration\.hours\(1\)/]),
  domain('the idle timeout is over a year', { idleTimeout: Duration.days(400) }, [/idleTimeout: got '400 days'/, /525600 \(365 days\)/]),
  domain('the idle timeout has seconds', { idleTimeout: Duration.seconds(3601) }, [/idleTimeout: got '1 hour 1 second'/, /whole number of minutes/]),
  domain('the users\' maximum is below the idle timeout', { idleTimeout: Duration.hours(3), maxIdleTimeout: Duration.hours(2) },
    [/maxIdleTimeout: got '2 hours'/, /at least idleTimeout \(180 minutes\)/, /raise maxIdleTimeout or lower idleTimeout/]),
  domain('the users\' maximum is over a year', { maxIdleTimeout: Duration.days(366) }, [/maxIdleTimeout: got '366 days'/, /Duration\.hours\(8\)/]),
  domain('no app instance type is allowed', { appInstanceTypes: [] }, [/appInstanceTypes: got \[\]/, /at least one instance type/, /ML_T3_MEDIUM/]),
  domain('an app instance type lacks the ml. prefix', { appInstanceTypes: [MlInstanceType.of('m5.large')] },
    [/appInstanceTypes: got 'm5\.large'/, /names like ml\.t3\.medium/, /'ml\.' prefix/]),
  domain('an endpoint instance type repeats', { devEndpointInstanceTypes: [MlInstanceType.ML_T2_MEDIUM, MlInstanceType.ML_T2_MEDIUM] },
    [/devEndpointInstanceTypes: got 'ml\.t2\.medium'/, /each instance type once/]),
  domain('the dev tag key is in the aws: namespace', { devEndpointTagKey: 'aws:env' }, [/devEndpointTagKey: got 'aws:env'/, /not starting with aws:/, /'mlops:stage'/]),
  domain('the dev tag value has a forbidden character', { devEndpointTagValue: 'dev#1' }, [/devEndpointTagValue: got 'dev#1'/, /use a value like 'dev'/]),
  domain('a profile name has an @', { userProfiles: [{ userProfileName: 'bob@corp' }] },
    [/userProfiles\[0\]\.userProfileName: got 'bob@corp'/, /no dots, underscores or @/]),
  domain('two profiles differ only in case', { userProfiles: [{ userProfileName: 'bob' }, { userProfileName: 'BOB' }] },
    [/userProfiles\[1\]\.userProfileName: got 'BOB'/, /case-insensitive/, /remove the duplicate profile/]),
  domain('an SSO domain has a profile without an Identity Center user', { authMode: AuthMode.SSO, userProfiles: [{ userProfileName: 'bob' }] },
    [/userProfiles\[0\]\.ssoUserName: got undefined/, /required with AuthMode\.SSO/]),
  domain('an IAM domain has a profile with an Identity Center user', { userProfiles: [{ userProfileName: 'bob', ssoUserName: 'bob@example.com' }] },
    [/userProfiles\[0\]\.ssoUserName: got 'bob@example\.com'/, /only with authMode: AuthMode\.SSO/]),
  domain('MLflow registers models but there is no registry', { experimentTracking: ExperimentTracking.mlflowApp({ automaticModelRegistration: true }) },
    [/experimentTracking\.automaticModelRegistration: got true/, /pass the registry/]),
  domain('the MLflow tracking server version is not a version', { experimentTracking: ExperimentTracking.mlflowTrackingServer({ mlflowVersion: 'newest' }) },
    [/mlflowVersion: got 'newest'/]),
  domain('the MLflow maintenance window has no day', { experimentTracking: ExperimentTracking.mlflowApp({ weeklyMaintenanceWindowStart: '03:00' }) },
    [/weeklyMaintenanceWindowStart: got '03:00'/, /Ddd:HH:MM/]),
  {
    layer: 'exploration',
    name: 'a profile added later duplicates an existing one',
    expected: [/addUserProfile\(options\)\.userProfileName: got 'carol'/, /each profile name once/],
    build: (stack) => {
      const d = new ExplorationDomain(stack, 'Domain', { network: new SecureMlNetwork(stack, 'Network'), userProfiles: [{ userProfileName: 'carol' }] });
      d.addUserProfile({ userProfileName: 'carol' });
    },
  },
  {
    layer: 'exploration',
    name: 'the network selects public subnets',
    expected: [/network: got \[/, /private subnets only/, /PRIVATE_ISOLATED/],
    build: (stack) => {
      const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
        vpcId: 'vpc-1', availabilityZones: ['us-east-1a'], publicSubnetIds: ['subnet-pub'], publicSubnetRouteTableIds: ['rtb-1'],
      });
      const net = SecureMlNetwork.fromNetworkAttributes(stack, 'Network', {
        vpc, workloadSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-1'), vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      });
      new ExplorationDomain(stack, 'Domain', { network: net });
    },
  },
];

const governance = (name: string, build: (stack: Stack) => void, expected: RegExp[]): InvalidInput => ({ layer: 'governance', name, build, expected });

const GOVERNANCE: InvalidInput[] = [
  governance('every deny family of the guardrail is off', (s) => {
    new SageMakerGuardrail(s, 'G', {
      requireVpc: false,
      requireVolumeEncryption: false,
      requireOutputEncryption: false,
      requireInterContainerEncryption: false,
      requireNetworkIsolation: false,
      denyPublicNetworkAccess: false,
      denyRootAccess: false,
    });
  }, [/requireVpc, requireVolumeEncryption/, /at least one family of deny statements on/, /empty policy/]),
  governance('the guardrail exempts every principal', (s) => { new SageMakerGuardrail(s, 'G', { exemptPrincipalArns: ['*'] }); },
    [/exemptPrincipalArns\[0\]: got '\*'/, /narrower than every role or user/, /disables the guardrail/]),
  governance('the guardrail exempts every role', (s) => { new SageMakerGuardrail(s, 'G', { exemptPrincipalArns: ['arn:aws:iam::*:role/*'] }); },
    [/exemptPrincipalArns\[0\]: got 'arn:aws:iam::\*:role\/\*'/, /narrower than every role or user/]),
  governance('the guardrail exempts an assumed-role session', (s) => {
    new SageMakerGuardrail(s, 'G', { exemptPrincipalArns: ['arn:aws:sts::111111111111:assumed-role/Admin/alice'] });
  }, [/exemptPrincipalArns\[0\]: got 'arn:aws:sts::111111111111:assumed-role\/Admin\/alice'/, /assumed-role session ARNs do not match/]),
  governance('the guardrail policy name has a space', (s) => { new SageMakerGuardrail(s, 'G', { managedPolicyName: 'ml guardrail' }); },
    [/managedPolicyName: got 'ml guardrail'/, /\+=,\.@_-/, /mlops-sagemaker-guardrail/]),
  governance('the SCP would name a role by token', (s) => {
    const role = new iam.Role(s, 'Admin', { assumedBy: new iam.AccountRootPrincipal() });
    new SageMakerGuardrail(s, 'G', { exemptPrincipalArns: [role.roleArn] }).toScpJson();
  }, [/exemptPrincipalArns: got/, /concrete ARN patterns for an SCP/, /instead of role\.roleArn tokens/]),
  governance('the rule pack allows an account alias', () => { new MlopsChecks({ allowedAccountIds: ['prod-account'] }); },
    [/allowedAccountIds\[0\]: got "prod-account"/, /12-digit AWS account id/, /not an ARN or alias/]),
  governance('the rule pack allows an organization root id', () => { new MlopsChecks({ allowedOrganizationIds: ['r-ab12'] }); },
    [/allowedOrganizationIds\[0\]: got "r-ab12"/, /o-xxxxxxxxxx/, /not the root id/]),
  governance('the rule pack excludes a rule it does not run', () => { new MlopsChecks({ exclude: ['MLOPS-SM-999'] }); },
    [/exclude\[0\]: got "MLOPS-SM-999"/, /one of MLOPS-/, /use the id of a rule the pack runs/]),
];

/** Invalid inputs of the final layers. */
export const FINAL_LAYER_INPUTS: InvalidInput[] = [...NETWORK, ...REGISTRY, ...EXPLORATION, ...GOVERNANCE];

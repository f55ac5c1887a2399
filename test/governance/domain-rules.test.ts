import { Stack } from 'aws-cdk-lib';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { checkedApp, messages, synthReport } from './checks-harness';
import { DomainHomeStorageKeyRule, DomainVpcOnlyRule, StudioRootAccessRule } from '../../src/governance';

const ROLE = 'arn:aws:iam::111111111111:role/studio';

function domain(properties: Record<string, unknown> = {}): Record<string, any> {
  return {
    Domain: {
      Type: 'AWS::SageMaker::Domain',
      Properties: {
        AuthMode: 'IAM',
        DomainName: 'team',
        VpcId: 'vpc-1',
        SubnetIds: ['subnet-1'],
        DefaultUserSettings: { ExecutionRole: ROLE },
        AppNetworkAccessType: 'VpcOnly',
        KmsKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] },
        ...properties,
      },
    },
  };
}

describe('MLOPS-SM-001 DomainVpcOnlyRule', () => {
  const rule = new DomainVpcOnlyRule();

  test('passes a VpcOnly domain', () => {
    expect(messages(rule, domain(), 'Domain')).toEqual([]);
  });

  test('passes a domain whose access type is a parameter', () => {
    expect(messages(rule, domain({ AppNetworkAccessType: { Ref: 'AccessType' } }), 'Domain')).toEqual([]);
  });

  test('fails when the domain uses PublicInternetOnly', () => {
    expect(messages(rule, domain({ AppNetworkAccessType: 'PublicInternetOnly' }), 'Domain'))
      .toEqual([expect.stringContaining("AppNetworkAccessType is 'PublicInternetOnly'")]);
  });

  test('fails when the access type is left to its default', () => {
    expect(messages(rule, domain({ AppNetworkAccessType: undefined }), 'Domain'))
      .toEqual([expect.stringContaining('not set (defaults to PublicInternetOnly)')]);
  });
});

describe('MLOPS-SM-003 DomainHomeStorageKeyRule', () => {
  const rule = new DomainHomeStorageKeyRule();

  test('passes a domain with a customer-managed key', () => {
    expect(messages(rule, domain(), 'Domain')).toEqual([]);
  });

  test('fails when KmsKeyId is missing', () => {
    expect(messages(rule, domain({ KmsKeyId: undefined }), 'Domain')).toEqual([expect.stringContaining('KmsKeyId is not set')]);
  });
});

describe('MLOPS-SM-002 StudioRootAccessRule', () => {
  const rule = new StudioRootAccessRule();
  const notebook = (props: Record<string, unknown>) => ({
    Notebook: { Type: 'AWS::SageMaker::NotebookInstance', Properties: { InstanceType: 'ml.t3.medium', RoleArn: ROLE, ...props } },
  });

  test('passes a domain without Docker access or uid 0, and a notebook with root access disabled', () => {
    expect(messages(rule, domain({ DomainSettings: { DockerSettings: { EnableDockerAccess: 'DISABLED' } } }), 'Domain')).toEqual([]);
    expect(messages(rule, notebook({ RootAccess: 'Disabled' }), 'Notebook')).toEqual([]);
  });

  test('fails when a notebook instance keeps the default root access', () => {
    expect(messages(rule, notebook({}), 'Notebook')).toEqual(['RootAccess is not set (defaults to Enabled)']);
    expect(messages(rule, notebook({ RootAccess: 'Enabled' }), 'Notebook')).toEqual(["RootAccess is 'Enabled'"]);
  });

  test('fails when a domain enables Docker and runs users as root', () => {
    const resources = domain({
      DomainSettings: { DockerSettings: { EnableDockerAccess: 'ENABLED' } },
      DefaultUserSettings: { ExecutionRole: ROLE, CustomPosixUserConfig: { Uid: 0, Gid: 100 } },
      DefaultSpaceSettings: { ExecutionRole: ROLE, CustomPosixUserConfig: { Uid: 200001, Gid: 0 } },
    });
    expect(messages(rule, resources, 'Domain')).toEqual([
      expect.stringContaining('EnableDockerAccess is ENABLED'),
      'DefaultUserSettings.CustomPosixUserConfig.Uid is 0 (root)',
      'DefaultSpaceSettings.CustomPosixUserConfig.Gid is 0 (root)',
    ]);
  });

  test('fails when a user profile runs as root', () => {
    const resources = {
      Profile: {
        Type: 'AWS::SageMaker::UserProfile',
        Properties: { DomainId: 'd-1', UserProfileName: 'alice', UserSettings: { CustomPosixUserConfig: { Uid: 0, Gid: 0 } } },
      },
    };
    expect(messages(rule, resources, 'Profile')).toHaveLength(2);
  });
});

describe('domain rules in an app (CDK L1)', () => {
  test('a compliant CfnDomain has no finding and a public one is reported at its construct path', () => {
    // GIVEN
    const app = checkedApp();
    const stack = new Stack(app, 'Studio');
    new sagemaker.CfnDomain(stack, 'Good', {
      authMode: 'IAM',
      domainName: 'good',
      vpcId: 'vpc-1',
      subnetIds: ['subnet-1'],
      defaultUserSettings: { executionRole: ROLE },
      appNetworkAccessType: 'VpcOnly',
      kmsKeyId: 'arn:aws:kms:us-east-1:111111111111:key/1',
    });
    new sagemaker.CfnDomain(stack, 'Public', {
      authMode: 'IAM',
      domainName: 'public',
      vpcId: 'vpc-1',
      subnetIds: ['subnet-1'],
      defaultUserSettings: { executionRole: ROLE },
    });

    // WHEN
    const report = synthReport(app);

    // THEN
    const byRule = report.findings.map((f) => `${f.rule} ${f.constructPath}`).sort();
    expect(byRule).toEqual(['MLOPS-SM-001 Studio/Public', 'MLOPS-SM-003 Studio/Public']);
    expect(report.conclusion).toBe('failure');
  });
});

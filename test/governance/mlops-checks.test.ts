import { Stack, Validations } from 'aws-cdk-lib';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { checkedApp, synthReport, validateTemplate } from './checks-harness';
import { MlopsChecks, MlopsRule, MlopsRuleSeverity, RuleFinding, TemplateResource } from '../../src/governance';

const ROLE = 'arn:aws:iam::111111111111:role/studio';

function publicDomain(stack: Stack, id: string): sagemaker.CfnDomain {
  return new sagemaker.CfnDomain(stack, id, {
    authMode: 'IAM',
    domainName: id.toLowerCase(),
    vpcId: 'vpc-1',
    subnetIds: ['subnet-1'],
    defaultUserSettings: { executionRole: ROLE },
    kmsKeyId: 'arn:aws:kms:us-east-1:111111111111:key/1',
  });
}

/** A custom rule, as a user would write one. */
class NoNotebookInstancesRule extends MlopsRule {
  constructor() {
    super({ id: 'ACME-001', description: 'No notebook instances.', fix: 'Use Studio.', resourceTypes: ['AWS::SageMaker::NotebookInstance'], severity: MlopsRuleSeverity.WARNING });
  }
  public evaluate(resource: TemplateResource): RuleFinding[] {
    return [{ message: `notebook ${resource.stringProperty('NotebookInstanceName') ?? resource.logicalId}` }];
  }
}

class ThrowingRule extends MlopsRule {
  constructor() {
    super({ id: 'ACME-002', description: 'Throws.', fix: '-', resourceTypes: ['AWS::SageMaker::Domain'] });
  }
  public evaluate(): RuleFinding[] {
    throw new Error('boom');
  }
}

describe('MlopsChecks', () => {
  test('reports findings in validation-report.json with construct path, logical id, location and metadata', () => {
    // GIVEN
    const app = checkedApp();
    const stack = new Stack(app, 'Studio');
    const domain = publicDomain(stack, 'Team');

    // WHEN
    const report = synthReport(app);

    // THEN
    expect(report.conclusion).toBe('failure');
    expect(report.findings).toEqual([expect.objectContaining({
      rule: 'MLOPS-SM-001',
      severity: 'error',
      constructPath: 'Studio/Team',
      logicalId: stack.resolve(domain.logicalId),
      locations: ['Properties/AppNetworkAccessType'],
    })]);
    expect(report.findings[0].description).toContain('Found: AppNetworkAccessType is not set (defaults to PublicInternetOnly)');
    expect(report.metadata).toEqual({ rules: '11', evaluations: '3', acknowledged: '0' });
  });

  test('honours Validations acknowledgements on the resource and its ancestors only', () => {
    // GIVEN
    const app = checkedApp();
    const stack = new Stack(app, 'Studio');
    const acked = publicDomain(stack, 'Acked');
    publicDomain(stack, 'Other');
    Validations.of(acked).acknowledge({ id: 'MLOPS-SM-001', reason: 'Public on purpose: a sandbox domain with no data.' });
    const other = new Stack(app, 'Sandbox');
    publicDomain(other, 'Team');
    Validations.of(other).acknowledge({ id: 'MLOPS-SM-001', reason: 'The sandbox account has no data.' });

    // WHEN
    const report = synthReport(app);

    // THEN
    expect(report.findings.map((f) => f.constructPath)).toEqual(['Studio/Other']);
    expect(report.metadata?.acknowledged).toBe('2');
  });

  test('app-wide acknowledgement with the plugin prefix moves findings to the suppressed violations', () => {
    // GIVEN
    const app = checkedApp();
    const stack = new Stack(app, 'Studio');
    publicDomain(stack, 'Team');
    Validations.of(app).acknowledge({ id: 'MlopsChecks::MLOPS-SM-001', reason: 'Accepted for the whole app.' });

    // WHEN
    const report = synthReport(app);

    // THEN
    expect(report.findings).toEqual([]);
    expect(report.suppressed.map((f) => f.rule)).toEqual(['MLOPS-SM-001']);
  });

  test('exclude drops a rule and severity WARNING lets synth succeed', () => {
    // GIVEN
    const app = checkedApp({ exclude: ['MLOPS-SM-003'], severity: MlopsRuleSeverity.WARNING });
    const stack = new Stack(app, 'Studio');
    new sagemaker.CfnDomain(stack, 'Bare', {
      authMode: 'IAM', domainName: 'bare', vpcId: 'vpc-1', subnetIds: ['subnet-1'], defaultUserSettings: { executionRole: ROLE },
    });

    // WHEN
    const report = synthReport(app);

    // THEN
    expect(report.conclusion).toBe('success');
    expect(report.findings.map((f) => `${f.rule}:${f.severity}`)).toEqual(['MLOPS-SM-001:warning']);
  });

  test('runs custom rules next to the built-in ones, and reports a rule that throws as an error', () => {
    // GIVEN
    const checks = new MlopsChecks({ rules: [...MlopsChecks.builtInRules(), new NoNotebookInstancesRule(), new ThrowingRule()] });
    const template = {
      Resources: {
        Nb: { Type: 'AWS::SageMaker::NotebookInstance', Properties: { NotebookInstanceName: 'old', InstanceType: 'ml.t3.medium', RoleArn: ROLE, RootAccess: 'Disabled' } },
        Domain: { Type: 'AWS::SageMaker::Domain', Properties: { AppNetworkAccessType: 'VpcOnly', KmsKeyId: 'k' } },
      },
    };

    // WHEN
    const report = validateTemplate(template, { rules: checks.rules });

    // THEN
    expect(checks.ruleIds).toContain('ACME-001');
    expect(report.violations.map((v) => [v.ruleName, v.severity, v.description])).toEqual([
      ['ACME-001', 'warning', 'No notebook instances. Found: notebook old.'],
      ['ACME-002', 'error', 'Throws. Found: the rule failed on this resource: boom.'],
    ]);
    expect(report.success).toBe(false);
  });

  test('gives rules typed access to properties and tags of a resource', () => {
    // GIVEN
    const resources = {
      Config: {
        Type: 'AWS::SageMaker::EndpointConfig',
        Metadata: { 'aws:cdk:path': 'Stack/Config' },
        Properties: {
          KmsKeyId: { Ref: 'Key' },
          ProductionVariants: [{ VariantName: 'a', InstanceType: 'ml.m5.xlarge', InitialInstanceCount: '2', EnableSSMAccess: 'false' }],
          Tags: [{ Key: MlopsChecks.PRODUCTION_TAG_KEY, Value: MlopsChecks.PRODUCTION_TAG_VALUE }],
        },
      },
    };

    // WHEN
    const resource = TemplateResource._of('Config', resources.Config, { Resources: resources }, '/tmp/t.json');

    // THEN
    expect(resource.constructPath).toBe('Stack/Config');
    expect(resource.type).toBe('AWS::SageMaker::EndpointConfig');
    expect(resource.hasProperty('KmsKeyId')).toBe(true);
    expect(resource.isUnresolved('KmsKeyId')).toBe(true);
    expect(resource.stringProperty('KmsKeyId')).toBeUndefined();
    expect(resource.stringProperty('ProductionVariants.0.InstanceType')).toBe('ml.m5.xlarge');
    expect(resource.numberProperty('ProductionVariants.0.InitialInstanceCount')).toBe(2);
    expect(resource.booleanProperty('ProductionVariants.0.EnableSSMAccess')).toBe(false);
    expect(resource.listLength('ProductionVariants')).toBe(1);
    expect(resource.hasProperty('DataCaptureConfig')).toBe(false);
    expect(JSON.parse(resource.propertyJson('ProductionVariants.0')!)).toEqual(expect.objectContaining({ VariantName: 'a' }));
    expect(resource.tagValue('mlops:stage')).toBe('production');
  });

  test('a compliant template yields a successful, empty report', () => {
    const report = validateTemplate({ Resources: { Domain: { Type: 'AWS::SageMaker::Domain', Properties: { AppNetworkAccessType: 'VpcOnly', KmsKeyId: 'k' } } } });
    expect(report).toEqual(expect.objectContaining({ success: true, violations: [] }));
  });

  test('fails when allow-lists, exclusions or custom rule ids are invalid', () => {
    expect(() => new MlopsChecks({
      allowedAccountIds: ['1234', 'arn:aws:iam::222222222222:root'],
      allowedOrganizationIds: ['r-abcd'],
      exclude: ['MLOPS-XX-999'],
      rules: [new NoNotebookInstancesRule(), new NoNotebookInstancesRule()],
    })).toThrow(/MlopsChecks has 5 invalid problems:\n- allowedAccountIds\[0\]: got "1234"; allowed: a 12-digit AWS account id.*\n- allowedAccountIds\[1\].*\n- allowedOrganizationIds\[0\]: got "r-abcd".*\n- exclude\[0\]: got "MLOPS-XX-999"; allowed: one of ACME-001\. Fix.*\n- rules: got \["ACME-001"\]; allowed: rules with distinct ids/);
  });
});

import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ContextValue, isDenied } from './iam-eval';
import { SageMakerGuardrail, SageMakerGuardrailProps } from '../../src/governance';
import { expectCompliant, testApp } from '../harness/compliance';

const KEY = 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555';
const USER = 'arn:aws:iam::111111111111:role/data-scientist';
const BREAK_GLASS = 'arn:aws:iam::*:role/MlopsBreakGlass';

/** The request context of a CreateTrainingJob that meets every requirement. */
const SECURE_TRAINING: Record<string, ContextValue> = {
  'sagemaker:VpcSubnets': ['subnet-1', 'subnet-2'],
  'sagemaker:VpcSecurityGroupIds': ['sg-1'],
  'sagemaker:VolumeKmsKey': KEY,
  'sagemaker:OutputKmsKey': KEY,
  'sagemaker:InterContainerTrafficEncryption': 'true',
  'sagemaker:NetworkIsolation': 'true',
  'sagemaker:InstanceTypes': ['ml.m5.xlarge'],
};

function guardrail(props: SageMakerGuardrailProps = {}): { stack: Stack; guard: SageMakerGuardrail; policy: any; scp: any } {
  const stack = new Stack(testApp(), 'Guardrail', { env: { account: '111111111111', region: 'us-east-1' } });
  const guard = new SageMakerGuardrail(stack, 'Guardrail', props);
  const policy = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'))[0].Properties.PolicyDocument;
  return { stack, guard, policy, scp: JSON.parse(guard.toScpJson()) };
}

function without(context: Record<string, ContextValue>, ...keys: string[]): Record<string, ContextValue> {
  const out = { ...context };
  keys.forEach((k) => delete out[k]);
  return out;
}

describe('SageMakerGuardrail', () => {
  test('renders a managed policy of deny statements on SageMaker condition keys', () => {
    // GIVEN / WHEN
    const { stack } = guardrail();

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'DenyWithoutVpc', Effect: 'Deny', Resource: '*', Condition: { Null: { 'sagemaker:VpcSubnets': 'true' } } }),
          Match.objectLike({
            Sid: 'DenyWithoutVolumeKey',
            Condition: { 'Null': { 'sagemaker:VolumeKmsKey': 'true' }, 'ForAnyValue:StringNotLike': { 'sagemaker:InstanceTypes': Match.arrayWith(['ml.*d*.*', 'ml.g5.*']) } },
          }),
          Match.objectLike({ Sid: 'DenyWithoutOutputKey', Condition: { Null: { 'sagemaker:OutputKmsKey': 'true' } } }),
          Match.objectLike({ Sid: 'DenyPlainInterContainerTraffic', Condition: { BoolIfExists: { 'sagemaker:InterContainerTrafficEncryption': 'false' } } }),
          Match.objectLike({
            Sid: 'DenyTrainingWithoutIsolation',
            Action: ['sagemaker:CreateTrainingJob', 'sagemaker:CreateHyperParameterTuningJob'],
            Condition: { BoolIfExists: { 'sagemaker:NetworkIsolation': 'false' } },
          }),
          Match.objectLike({ Sid: 'DenyNotebookInternet', Condition: { StringNotEquals: { 'sagemaker:DirectInternetAccess': 'Disabled' } } }),
          Match.objectLike({ Sid: 'DenyPublicDomain', Condition: { StringNotEquals: { 'sagemaker:AppNetworkAccessType': 'VpcOnly' } } }),
          Match.objectLike({ Sid: 'DenyNotebookRoot', Condition: { StringNotEquals: { 'sagemaker:RootAccess': 'Disabled' } } }),
        ]),
      },
    });
    const statements = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'))[0].Properties.PolicyDocument.Statement;
    expect(statements).toHaveLength(11);
    expect(statements.every((s: any) => s.Effect === 'Deny' && s.Resource === '*')).toBe(true);
  });

  test('does not deny a compliant CreateTrainingJob and denies each non-compliant variant', () => {
    const { policy, scp } = guardrail();
    for (const doc of [policy, scp]) {
      const training = (context: Record<string, ContextValue>) => isDenied(doc, { action: 'sagemaker:CreateTrainingJob', principalArn: USER, context });
      expect(training(SECURE_TRAINING)).toBe(false);
      expect(training(without(SECURE_TRAINING, 'sagemaker:VpcSubnets', 'sagemaker:VpcSecurityGroupIds'))).toBe(true);
      expect(training(without(SECURE_TRAINING, 'sagemaker:VolumeKmsKey'))).toBe(true);
      expect(training(without(SECURE_TRAINING, 'sagemaker:OutputKmsKey'))).toBe(true);
      expect(training({ ...SECURE_TRAINING, 'sagemaker:InterContainerTrafficEncryption': 'false' })).toBe(true);
      expect(training(without(SECURE_TRAINING, 'sagemaker:InterContainerTrafficEncryption'))).toBe(true);
      expect(training({ ...SECURE_TRAINING, 'sagemaker:NetworkIsolation': 'false' })).toBe(true);
      expect(training(without(SECURE_TRAINING, 'sagemaker:NetworkIsolation'))).toBe(true);
    }
  });

  test('exempts local-NVMe instance types from the volume key only', () => {
    const { policy } = guardrail();
    const training = (types: string[]) => isDenied(policy, {
      action: 'sagemaker:CreateTrainingJob',
      principalArn: USER,
      context: { ...without(SECURE_TRAINING, 'sagemaker:VolumeKmsKey'), 'sagemaker:InstanceTypes': types },
    });
    expect(training(['ml.g5.2xlarge'])).toBe(false);
    expect(training(['ml.p4d.24xlarge'])).toBe(false);
    expect(training(['ml.m5.xlarge'])).toBe(true);
    expect(training(['ml.g5.2xlarge', 'ml.c5.xlarge'])).toBe(true);
  });

  test('processing, transform and tuning jobs are held to their keys', () => {
    const { policy } = guardrail();
    const processing = { ...without(SECURE_TRAINING, 'sagemaker:NetworkIsolation') };
    expect(isDenied(policy, { action: 'sagemaker:CreateProcessingJob', principalArn: USER, context: processing })).toBe(false);
    expect(isDenied(policy, { action: 'sagemaker:CreateProcessingJob', principalArn: USER, context: without(processing, 'sagemaker:VpcSubnets') })).toBe(true);
    const transform = { 'sagemaker:VolumeKmsKey': KEY, 'sagemaker:OutputKmsKey': KEY, 'sagemaker:InstanceTypes': ['ml.m5.xlarge'] };
    expect(isDenied(policy, { action: 'sagemaker:CreateTransformJob', principalArn: USER, context: transform })).toBe(false);
    expect(isDenied(policy, { action: 'sagemaker:CreateTransformJob', principalArn: USER, context: without(transform, 'sagemaker:OutputKmsKey') })).toBe(true);
    expect(isDenied(policy, { action: 'sagemaker:CreateHyperParameterTuningJob', principalArn: USER, context: SECURE_TRAINING })).toBe(false);
    expect(isDenied(policy, { action: 'sagemaker:CreateHyperParameterTuningJob', principalArn: USER, context: without(SECURE_TRAINING, 'sagemaker:NetworkIsolation') })).toBe(true);
  });

  test('endpoint configs need a volume key unless serverless or all NVMe; models need a VPC', () => {
    const { policy } = guardrail();
    const config = (context: Record<string, ContextValue>) => isDenied(policy, { action: 'sagemaker:CreateEndpointConfig', principalArn: USER, context });
    expect(config({ 'sagemaker:VolumeKmsKey': KEY, 'sagemaker:InstanceTypes': ['ml.m5.xlarge'] })).toBe(false);
    expect(config({ 'sagemaker:InstanceTypes': ['ml.m5.xlarge'] })).toBe(true);
    expect(config({ 'sagemaker:InstanceTypes': ['ml.g4dn.xlarge'] })).toBe(false);
    expect(config({})).toBe(false);
    expect(isDenied(policy, { action: 'sagemaker:CreateModel', principalArn: USER, context: { 'sagemaker:VpcSubnets': ['subnet-1'], 'sagemaker:VpcSecurityGroupIds': ['sg-1'] } })).toBe(false);
    expect(isDenied(policy, { action: 'sagemaker:CreateModel', principalArn: USER, context: {} })).toBe(true);
  });

  test('notebooks need no internet and no root; domains must be VPC-only with a key', () => {
    const { policy } = guardrail();
    const notebook = {
      'sagemaker:VpcSubnets': ['subnet-1'],
      'sagemaker:VpcSecurityGroupIds': ['sg-1'],
      'sagemaker:VolumeKmsKey': KEY,
      'sagemaker:InstanceTypes': ['ml.t3.medium'],
      'sagemaker:DirectInternetAccess': 'Disabled',
      'sagemaker:RootAccess': 'Disabled',
    };
    const nb = (context: Record<string, ContextValue>, action = 'sagemaker:CreateNotebookInstance') => isDenied(policy, { action, principalArn: USER, context });
    expect(nb(notebook)).toBe(false);
    expect(nb({ ...notebook, 'sagemaker:DirectInternetAccess': 'Enabled' })).toBe(true);
    expect(nb(without(notebook, 'sagemaker:DirectInternetAccess'))).toBe(true);
    expect(nb(without(notebook, 'sagemaker:RootAccess'))).toBe(true);
    expect(nb({ 'sagemaker:RootAccess': 'Enabled' }, 'sagemaker:UpdateNotebookInstance')).toBe(true);
    expect(nb({ 'sagemaker:InstanceTypes': ['ml.t3.large'] }, 'sagemaker:UpdateNotebookInstance')).toBe(false);

    const domain = { 'sagemaker:AppNetworkAccessType': 'VpcOnly', 'sagemaker:VolumeKmsKey': KEY, 'sagemaker:VpcSubnets': ['subnet-1'] };
    const dom = (context: Record<string, ContextValue>, action = 'sagemaker:CreateDomain') => isDenied(policy, { action, principalArn: USER, context });
    expect(dom(domain)).toBe(false);
    expect(dom({ ...domain, 'sagemaker:AppNetworkAccessType': 'PublicInternetOnly' })).toBe(true);
    expect(dom(without(domain, 'sagemaker:AppNetworkAccessType'))).toBe(true);
    expect(dom(without(domain, 'sagemaker:VolumeKmsKey'))).toBe(true);
    expect(dom({}, 'sagemaker:UpdateDomain')).toBe(false);
    expect(dom({ 'sagemaker:AppNetworkAccessType': 'PublicInternetOnly' }, 'sagemaker:UpdateDomain')).toBe(true);
  });

  test('exempt principals are not denied, others still are', () => {
    const { policy, scp } = guardrail({ exemptPrincipalArns: [BREAK_GLASS] });
    for (const doc of [policy, scp]) {
      expect(isDenied(doc, { action: 'sagemaker:CreateTrainingJob', principalArn: 'arn:aws:iam::111111111111:role/MlopsBreakGlass', context: {} })).toBe(false);
      expect(isDenied(doc, { action: 'sagemaker:CreateTrainingJob', principalArn: USER, context: {} })).toBe(true);
    }
  });

  test('families can be turned off one by one', () => {
    const { policy } = guardrail({ requireNetworkIsolation: false, denyRootAccess: false });
    const sids = policy.Statement.map((s: any) => s.Sid);
    expect(sids).not.toContain('DenyTrainingWithoutIsolation');
    expect(sids).not.toContain('DenyNotebookRoot');
    expect(isDenied(policy, { action: 'sagemaker:CreateTrainingJob', principalArn: USER, context: without(SECURE_TRAINING, 'sagemaker:NetworkIsolation') })).toBe(false);
  });

  test('the SCP has the same statements as the managed policy and stays under 5,120 characters', () => {
    // GIVEN: every family and a few exemptions
    const exempt = [BREAK_GLASS, 'arn:aws:iam::111111111111:role/platform-*', 'arn:aws:iam::222222222222:role/OrganizationAccountAccessRole'];
    const { guard, policy } = guardrail({ exemptPrincipalArns: exempt });

    // WHEN
    const json = guard.toScpJson();

    // THEN
    expect(json.length).toBeLessThan(5120);
    expect(JSON.parse(json)).toEqual({ Version: '2012-10-17', Statement: policy.Statement });
    expect(json).not.toMatch(/\s/);
  });

  test('attaches the managed policy to roles, and the stack passes the four nag packs', () => {
    // GIVEN
    const app = testApp();
    const stack = new Stack(app, 'GuardrailStack', { env: { account: '111111111111', region: 'us-east-1' } });
    const role = new iam.Role(stack, 'DataScientist', { assumedBy: new iam.AccountRootPrincipal() });
    const other = new iam.Role(stack, 'Pipeline', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });

    // WHEN
    const guard = new SageMakerGuardrail(stack, 'Guardrail', { roles: [role], managedPolicyName: 'mlops-sagemaker-guardrail', exemptPrincipalArns: [BREAK_GLASS] });
    guard.attachToRole(other);

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: [{ Ref: stack.getLogicalId(guard.managedPolicy.node.defaultChild as any) }] });
    template.resourcePropertiesCountIs('AWS::IAM::Role', { ManagedPolicyArns: Match.anyValue() }, 2);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', { ManagedPolicyName: 'mlops-sagemaker-guardrail' });
    expectCompliant(app);
  });

  test('the default guardrail passes the four nag packs', () => {
    const app = testApp();
    const stack = new Stack(app, 'DefaultGuardrail', { env: { account: '111111111111', region: 'us-east-1' } });
    new SageMakerGuardrail(stack, 'Guardrail');
    expectCompliant(app);
  });

  test('fails when every family is off', () => {
    const stack = new Stack();
    expect(() => new SageMakerGuardrail(stack, 'G', {
      requireVpc: false,
      requireVolumeEncryption: false,
      requireOutputEncryption: false,
      requireInterContainerEncryption: false,
      requireNetworkIsolation: false,
      denyPublicNetworkAccess: false,
      denyRootAccess: false,
    })).toThrow(/allowed: at least one family of deny statements on\. Fix: leave at least one family at its default/);
  });

  test('fails when exempt principals are malformed or exempt everyone, and when the policy name is invalid', () => {
    const stack = new Stack();
    expect(() => new SageMakerGuardrail(stack, 'G', {
      exemptPrincipalArns: ['MlopsBreakGlass', 'arn:aws:iam::*:role/*', 'arn:aws:sts::111111111111:assumed-role/x/y'],
      managedPolicyName: 'bad name!',
    })).toThrow(/SageMakerGuardrail has 4 invalid problems:\n- exemptPrincipalArns\[0\]: got 'MlopsBreakGlass'; allowed: an IAM principal ARN pattern.*\n- exemptPrincipalArns\[1\]: got 'arn:aws:iam::\*:role\/\*'; allowed: a pattern narrower than every role or user.*\n- exemptPrincipalArns\[2\]: got 'arn:aws:sts::111111111111:assumed-role\/x\/y'.*\n- managedPolicyName: got 'bad name!'/);
  });

  test('fails when the exemptions push the SCP over 5,120 characters', () => {
    const stack = new Stack();
    const many = Array.from({ length: 20 }, (_, i) => `arn:aws:iam::111111111111:role/platform-team-role-number-${i}`);
    expect(() => new SageMakerGuardrail(stack, 'G', { exemptPrincipalArns: many }))
      .toThrow(/exemptPrincipalArns: got .*; allowed: an SCP of at most 5120 characters \(this one has \d+\)\. Fix: exempt fewer principals/);
  });

  test('fails to render an SCP when an exemption is a token, but still builds the managed policy', () => {
    const stack = new Stack();
    const role = new iam.Role(stack, 'BreakGlass', { assumedBy: new iam.AccountRootPrincipal() });
    const guard = new SageMakerGuardrail(stack, 'G', { exemptPrincipalArns: [role.roleArn] });
    expect(() => guard.toScpJson()).toThrow(/exemptPrincipalArns: .*allowed: concrete ARN patterns for an SCP\. Fix: pass ARN strings/);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Condition: Match.objectLike({ ArnNotLike: { 'aws:PrincipalArn': [{ 'Fn::GetAtt': [Match.anyValue(), 'Arn'] }] } }) })]) },
    });
  });
});

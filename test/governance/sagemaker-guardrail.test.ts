import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ACCOUNT, compliantContext, KEY, VIOLATIONS } from './guardrail-requests';
import { SageMakerGuardrail, SageMakerGuardrailProps } from '../../src/governance';
import { expectCompliant, testApp } from '../harness/compliance';
import { PolicyDocument, simulate, SimulationOutcome } from '../harness/iam-simulator';
import { sarKeys, sarResourceArn } from '../harness/sar-requests';

const USER = `arn:aws:iam::${ACCOUNT}:role/data-scientist`;
const BREAK_GLASS = 'arn:aws:iam::*:role/MlopsBreakGlass';
/** What the caller's own policies allow: everything in SageMaker, so only the guardrail can deny. */
const ALLOW_SAGEMAKER: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' }] };

type Context = Record<string, string | string[]>;

function guardrail(props: SageMakerGuardrailProps = {}): { stack: Stack; guard: SageMakerGuardrail; policy: any; scp: any } {
  const stack = new Stack(testApp(), 'Guardrail', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const guard = new SageMakerGuardrail(stack, 'Guardrail', props);
  const policy = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'))[0].Properties.PolicyDocument;
  return { stack, guard, policy, scp: JSON.parse(guard.toScpJson()) };
}

/** The guardrail in each of its two forms: attached managed policy, or SCP of the account. */
const FORMS = {
  'managed policy': (doc: PolicyDocument) => ({ identityPolicies: { allow: ALLOW_SAGEMAKER, guardrail: doc } }),
  'SCP': (doc: PolicyDocument) => ({ identityPolicies: { allow: ALLOW_SAGEMAKER }, scps: { guardrail: doc } }),
};

async function request(doc: PolicyDocument, form: keyof typeof FORMS, action: string, context: Context,
  principal = USER): Promise<SimulationOutcome> {
  return simulate({ action, resource: await sarResourceArn(action, ACCOUNT), principal, context, ...FORMS[form](doc) });
}

async function denied(doc: PolicyDocument, action: string, context: Context, principal = USER): Promise<boolean> {
  const outcome = await request(doc, 'managed policy', action, context, principal);
  return outcome.result === 'ExplicitlyDenied';
}

function without(context: Context, ...keys: string[]): Context {
  const out = { ...context };
  keys.forEach((k) => delete out[k]);
  return out;
}

/**
 * The guardrail's contract (its props' documentation): which settings it
 * refuses per action. Every other setting the Service Authorization
 * Reference lists a key for must pass.
 */
const MUST_DENY: Record<string, string[]> = {
  'sagemaker:CreateTrainingJob': ['noVpc', 'noVolumeKey', 'noOutputKey', 'plainTraffic', 'noTrafficSetting', 'noIsolation'],
  'sagemaker:CreateProcessingJob': ['noVpc', 'noVolumeKey', 'noOutputKey', 'plainTraffic', 'noTrafficSetting'],
  'sagemaker:CreateHyperParameterTuningJob': ['noVpc', 'noVolumeKey', 'noOutputKey', 'plainTraffic', 'noTrafficSetting', 'noIsolation'],
  'sagemaker:CreateEndpointConfig': ['noVolumeKey'],
  'sagemaker:CreateDomain': ['noVolumeKey', 'publicDomain'],
  'sagemaker:CreateNotebookInstance': ['noVpc', 'noVolumeKey', 'internet', 'root'],
};

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
            Condition: { 'Null': { 'sagemaker:VolumeKmsKeyArn': 'true' }, 'ForAnyValue:StringNotLike': { 'sagemaker:InstanceTypes': Match.arrayWith(['ml.*d*.*', 'ml.g5.*']) } },
          }),
          Match.objectLike({ Sid: 'DenyWithoutOutputKey', Condition: { Null: { 'sagemaker:OutputKmsKeyArn': 'true' } } }),
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

  describe.each(Object.keys(FORMS) as Array<keyof typeof FORMS>)('as %s, on requests whose context holds only the keys the Service Authorization Reference lists', (form) => {
    test.each(Object.keys(MUST_DENY))('%s: allows the compliant request and denies exactly the non-compliant ones', async (action) => {
      // GIVEN the guardrail and a compliant request of this action
      const { policy, scp } = guardrail();
      const doc = form === 'SCP' ? scp : policy;
      const keys = await sarKeys(action);
      const compliant = await compliantContext(action);

      // WHEN / THEN the compliant request passes, with no key the simulator would drop
      const ok = await request(doc, form, action, compliant);
      expect(ok.ignoredContextKeys).toEqual([]);
      expect(ok).toEqual(expect.objectContaining({ allowed: true, deniedBy: [] }));

      // THEN every setting the contract refuses is denied by a guardrail statement; every other one passes
      for (const name of MUST_DENY[action]) {
        expect({ action, name, listed: VIOLATIONS[name].keys.every((k) => keys.includes(k)) }).toEqual({ action, name, listed: true });
      }
      for (const [name, violation] of Object.entries(VIOLATIONS).filter(([, v]) => v.keys.every((k) => keys.includes(k)))) {
        const outcome = await request(doc, form, action, violation.apply(compliant));
        const expected = MUST_DENY[action].includes(name) ? 'ExplicitlyDenied' : 'Allowed';
        expect({ action, name, result: outcome.result }).toEqual({ action, name, result: expected });
        if (expected === 'ExplicitlyDenied') {
          expect(outcome.deniedBy).toContainEqual(expect.objectContaining({ policyType: form === 'SCP' ? 'scp' : 'identity', policy: 'guardrail' }));
        }
      }
    });
  });

  test('no deny statement fires on a compliant request of any action it names, whatever keys the action lacks', async () => {
    // GIVEN every action the guardrail names, each with a compliant request built from the keys the reference lists for it
    const { scp } = guardrail({ exemptPrincipalArns: [BREAK_GLASS] });
    const actions = [...new Set<string>(scp.Statement.flatMap((s: any) => [s.Action].flat()))].sort();
    expect(actions.length).toBeGreaterThanOrEqual(10);

    // WHEN / THEN none is denied
    for (const action of actions) {
      const outcome = await request(scp, 'SCP', action, await compliantContext(action));
      expect({ action, result: outcome.result, deniedBy: outcome.deniedBy }).toEqual({ action, result: 'Allowed', deniedBy: [] });
    }
  });

  test('positive control: a deny on a key the reference does not list for the action (sagemaker:VolumeKmsKey) denies even the compliant request', async () => {
    // GIVEN the statement the guardrail used to have, on the deprecated key
    const old: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'DenyWithoutVolumeKey', Effect: 'Deny', Action: 'sagemaker:CreateTrainingJob', Resource: '*', Condition: { Null: { 'sagemaker:VolumeKmsKey': 'true' } } }],
    };
    const compliant = await compliantContext('sagemaker:CreateTrainingJob');

    // WHEN a request carries the deprecated key, the simulator drops it (no CreateTrainingJob request has it)
    const outcome = await request(old, 'SCP', 'sagemaker:CreateTrainingJob', { ...compliant, 'sagemaker:VolumeKmsKey': KEY });

    // THEN every training job is denied
    expect(outcome.ignoredContextKeys).toEqual(['sagemaker:VolumeKmsKey']);
    expect(outcome.result).toBe('ExplicitlyDenied');
    expect(outcome.deniedBy).toEqual([expect.objectContaining({ policyType: 'scp', statement: 'DenyWithoutVolumeKey' })]);
  });

  test('exempts local-NVMe instance types from the volume key only', async () => {
    const { policy } = guardrail();
    const noKey = without(await compliantContext('sagemaker:CreateTrainingJob'), 'sagemaker:VolumeKmsKeyArn');
    const training = (types: string[]) => denied(policy, 'sagemaker:CreateTrainingJob', { ...noKey, 'sagemaker:InstanceTypes': types });
    expect(await training(['ml.g5.2xlarge'])).toBe(false);
    expect(await training(['ml.p4d.24xlarge'])).toBe(false);
    expect(await training(['ml.m5.xlarge'])).toBe(true);
    expect(await training(['ml.g5.2xlarge', 'ml.c5.xlarge'])).toBe(true);
  });

  test('transform jobs are held to their volume and output keys', async () => {
    const { policy } = guardrail();
    const transform = await compliantContext('sagemaker:CreateTransformJob');
    expect(Object.keys(transform).sort()).toEqual(['sagemaker:InstanceTypes', 'sagemaker:OutputKmsKeyArn', 'sagemaker:VolumeKmsKeyArn']);
    expect(await denied(policy, 'sagemaker:CreateTransformJob', transform)).toBe(false);
    expect(await denied(policy, 'sagemaker:CreateTransformJob', without(transform, 'sagemaker:OutputKmsKeyArn'))).toBe(true);
    expect(await denied(policy, 'sagemaker:CreateTransformJob', without(transform, 'sagemaker:VolumeKmsKeyArn'))).toBe(true);
  });

  test('endpoint configs need a volume key unless serverless or all NVMe; models need a VPC', async () => {
    const { policy } = guardrail();
    const config = (context: Context) => denied(policy, 'sagemaker:CreateEndpointConfig', context);
    expect(await config({ 'sagemaker:VolumeKmsKeyArn': KEY, 'sagemaker:InstanceTypes': ['ml.m5.xlarge'] })).toBe(false);
    expect(await config({ 'sagemaker:InstanceTypes': ['ml.m5.xlarge'] })).toBe(true);
    expect(await config({ 'sagemaker:InstanceTypes': ['ml.g4dn.xlarge'] })).toBe(false);
    expect(await config({})).toBe(false); // serverless: no instance types, no volume
    const model = await compliantContext('sagemaker:CreateModel');
    expect(await denied(policy, 'sagemaker:CreateModel', model)).toBe(false);
    expect(await denied(policy, 'sagemaker:CreateModel', without(model, 'sagemaker:VpcSubnets', 'sagemaker:VpcSecurityGroupIds'))).toBe(true);
  });

  test('notebook updates cannot turn root on; domain updates cannot go public', async () => {
    const { policy } = guardrail();
    expect(await denied(policy, 'sagemaker:UpdateNotebookInstance', { 'sagemaker:RootAccess': 'Enabled' })).toBe(true);
    expect(await denied(policy, 'sagemaker:UpdateNotebookInstance', { 'sagemaker:InstanceTypes': ['ml.t3.large'] })).toBe(false);
    expect(await denied(policy, 'sagemaker:UpdateDomain', {})).toBe(false);
    expect(await denied(policy, 'sagemaker:UpdateDomain', { 'sagemaker:AppNetworkAccessType': 'PublicInternetOnly' })).toBe(true);
  });

  test('exempt principals are not denied, others still are', async () => {
    const { policy, scp } = guardrail({ exemptPrincipalArns: [BREAK_GLASS] });
    for (const [form, doc] of [['managed policy', policy], ['SCP', scp]] as const) {
      const glass = await request(doc, form, 'sagemaker:CreateTrainingJob', {}, `arn:aws:iam::${ACCOUNT}:role/MlopsBreakGlass`);
      expect(glass.allowed).toBe(true);
      const user = await request(doc, form, 'sagemaker:CreateTrainingJob', {});
      expect(user.result).toBe('ExplicitlyDenied');
    }
  });

  test('families can be turned off one by one', async () => {
    const { policy } = guardrail({ requireNetworkIsolation: false, denyRootAccess: false });
    const sids = policy.Statement.map((s: any) => s.Sid);
    expect(sids).not.toContain('DenyTrainingWithoutIsolation');
    expect(sids).not.toContain('DenyNotebookRoot');
    const training = await compliantContext('sagemaker:CreateTrainingJob');
    expect(await denied(policy, 'sagemaker:CreateTrainingJob', { ...training, 'sagemaker:NetworkIsolation': 'false' })).toBe(false);
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
    const stack = new Stack(app, 'GuardrailStack', { env: { account: ACCOUNT, region: 'us-east-1' } });
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
    const stack = new Stack(app, 'DefaultGuardrail', { env: { account: ACCOUNT, region: 'us-east-1' } });
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

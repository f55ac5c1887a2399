import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { classicPipeline } from './classic';
import { definitionOf, expectSchemaValid } from './definition-schema';
import { newStack, render } from './helpers';
import { MlInstanceType } from '../../src/common';
import { SecureMlNetwork } from '../../src/network';
import {
  CallbackStep, ClarifyCheckStep, ClarifyCheckType, Condition, ConditionStep, CreateModelStep, EmrStep, ExecutionVariable,
  FailStep, HyperparameterRange, LambdaStep, MlPipeline, ParameterType, PipelineDefinition, PipelineParameter, PipelineValue,
  ProcessingStep, QualityCheckStep, QualityCheckType, RegisterModelStep, SageMakerImage, TrainingStep, TransformStep, TuningStep,
} from '../../src/pipeline';
import { ModelRegistry } from '../../src/registry';
import { testApp } from '../harness/compliance';

const SDK_FILE = path.join(__dirname, '..', 'fixtures', 'pipeline', 'sdk-classic.json');

function bigStaticJson(chars: number): string {
  const base = { Version: '2020-12-01', Metadata: {}, Parameters: [], Steps: [{ Name: 'Fail', Type: 'Fail', Arguments: { ErrorMessage: '' } }] };
  const empty = JSON.stringify(base).length;
  base.Steps[0].Arguments.ErrorMessage = 'x'.repeat(chars - empty);
  const json = JSON.stringify(base);
  expect(json.length).toBe(chars);
  return json;
}

describe('PipelineDefinition', () => {
  test('renders every step family into a schema-valid definition', () => {
    // GIVEN
    const stack = newStack();
    const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn' });
    const fn = lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:us-east-1:111111111111:function:notify');
    const queue = sqs.Queue.fromQueueArn(stack, 'Queue', 'arn:aws:sqs:us-east-1:111111111111:approvals');
    const data = PipelineParameter.string('Data', { defaultValue: 's3://bucket/data' });
    const instanceType = PipelineParameter.string('InstanceType', { defaultValue: 'ml.m5.xlarge' });
    const baseline = new QualityCheckStep('DataQuality', {
      checkType: QualityCheckType.DATA_QUALITY,
      image: SageMakerImage.of('156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer'),
      inputs: [{ inputName: 'baseline_dataset_input', source: data.value, destination: '/opt/ml/processing/input/baseline_dataset_input' }],
      outputs: [{ outputName: 'quality_check_output', source: '/opt/ml/processing/output' }],
      skipCheck: true,
      registerNewBaseline: true,
    });
    const bias = new ClarifyCheckStep('DataBias', {
      checkType: ClarifyCheckType.DATA_BIAS,
      image: SageMakerImage.of('205585389593.dkr.ecr.us-east-1.amazonaws.com/sagemaker-clarify-processing:1.0'),
      inputs: [{ inputName: 'dataset', source: data.value, destination: '/opt/ml/processing/input/data' }],
      outputs: [{ outputName: 'analysis_result', source: '/opt/ml/processing/output' }],
    });
    const tune = new TuningStep('Tune', {
      image: SageMakerImage.xgboost(),
      instanceTypeValue: instanceType.value,
      channels: [{ channelName: 'train', s3Uri: data.value, contentType: 'text/csv' }],
      objectiveMetricName: 'validation:rmse',
      ranges: [HyperparameterRange.continuous('eta', 0.1, 0.5), HyperparameterRange.integer('max_depth', 3, 9), HyperparameterRange.categorical('booster', ['gbtree', 'dart'])],
      staticHyperparameters: { objective: 'reg:squarederror' },
      dependsOn: [baseline, bias],
    });
    const train = new TrainingStep('Train', { image: SageMakerImage.xgboost(), channels: [{ channelName: 'train', s3Uri: data.value }] });
    const model = new CreateModelStep('Model', { image: SageMakerImage.xgboost(), modelDataUrl: train.modelArtifactsUri });
    const transform = new TransformStep('Transform', { modelName: model.modelName, inputUri: data.value });
    const notify = new LambdaStep('Notify', { function: fn, inputs: { uri: transform.outputUri }, outputs: [{ name: 'status', outputType: ParameterType.STRING }] });
    const approve = new CallbackStep('Approve', { queue, inputs: { model: train.modelArtifactsUri }, outputs: [{ name: 'decision' }] });
    const emr = new EmrStep('Spark', { clusterId: 'j-ABCDEF123456', jar: 'command-runner.jar', argValues: [PipelineValue.of('spark-submit'), data.value] });
    const register = new RegisterModelStep('Register', {
      registry,
      image: SageMakerImage.xgboost(),
      modelDataUrl: train.modelArtifactsUri,
      driftCheckBaselines: {
        modelDataQualityStatistics: { s3Uri: baseline.baselineUsedForDriftCheckStatistics },
        modelDataQualityConstraints: { s3Uri: baseline.baselineUsedForDriftCheckConstraints },
        biasReport: { s3Uri: bias.baselineUsedForDriftCheckConstraints },
      },
    });
    const gate = new ConditionStep('Gate', {
      conditions: [
        Condition.equalTo(notify.output('status'), PipelineValue.of('ok')),
        Condition.isIn(approve.output('decision'), [PipelineValue.of('yes'), PipelineValue.of('y')]),
        Condition.negate(Condition.greaterThan(ExecutionVariable.START_DATE_TIME, PipelineValue.of('2030'))),
        Condition.anyOf(
          Condition.notEqualTo(PipelineValue.ofNumber(1), PipelineValue.ofNumber(2)),
          Condition.lessThan(PipelineValue.ofNumber(1), PipelineValue.ofNumber(2)),
          Condition.greaterThanOrEqualTo(PipelineValue.ofNumber(2), PipelineValue.ofNumber(1)),
          Condition.lessThanOrEqualTo(PipelineValue.ofNumber(1), PipelineValue.ofNumber(1)),
        ),
      ],
      ifSteps: [register],
      elseSteps: [new FailStep('Rejected', { errorMessageValue: PipelineValue.join([PipelineValue.of('rejected in'), ExecutionVariable.PIPELINE_EXECUTION_ID], ' ') })],
    });
    // WHEN
    const definition = render(PipelineDefinition.fromSteps({
      steps: [baseline, bias, tune, train, model, transform, notify, approve, emr, gate],
      parameters: [data, instanceType],
    }), {}, stack);
    // THEN
    expect(definition.Steps.map((s: any) => s.Type)).toEqual(['QualityCheck', 'ClarifyCheck', 'Tuning', 'Training', 'Model', 'Transform', 'Lambda', 'Callback', 'EMR', 'Condition']);
    expect(expectSchemaValid(definition)).toEqual([
      'schema: AppManaged on processing inputs and outputs',
      'schema: CreateModelPackage fields of register steps',
      'schema: EMR StepConfig without Name',
      'schema: FailOnViolation of check steps',
      'schema: HyperParameterTuningResourceConfig of tuning jobs',
      'schema: In condition with QueryValue and Values',
      'schema: Not condition',
      'schema: ProfilerConfig on training jobs',
      'schema: Std:Join run-time values',
      'schema: run-time ModelDataUrl of model containers',
    ]);
    const tuning = definition.Steps[2];
    expect(tuning.DependsOn).toEqual(['DataQuality', 'DataBias']);
    expect(tuning.Arguments.HyperParameterTuningJobConfig.ParameterRanges.CategoricalParameterRanges).toEqual([{ Name: 'booster', Values: ['gbtree', 'dart'] }]);
    expect(tuning.Arguments.TrainingJobDefinition.HyperParameterTuningResourceConfig.InstanceType).toEqual({ Get: 'Parameters.InstanceType' });
    // Not carries `Condition`, as both SDK majors write it (the service rejects `Expression`).
    expect(definition.Steps[9].Arguments.Conditions[2]).toEqual({ Type: 'Not', Condition: { Type: 'GreaterThan', LeftValue: { Get: 'Execution.StartDateTime' }, RightValue: '2030' } });
    expect(definition.Steps[8].Arguments).toEqual({
      ClusterId: 'j-ABCDEF123456',
      StepConfig: { HadoopJarStep: { Jar: 'command-runner.jar', Args: ['spark-submit', { Get: 'Parameters.Data' }] } },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: Match.arrayWith(['sagemaker:CreateHyperParameterTuningJob']) }),
          Match.objectLike({ Action: Match.arrayWith(['sagemaker:CreateModel']) }),
          Match.objectLike({ Action: Match.arrayWith(['sagemaker:CreateTransformJob']) }),
          Match.objectLike({ Action: 'lambda:InvokeFunction', Resource: 'arn:aws:lambda:us-east-1:111111111111:function:notify' }),
          Match.objectLike({ Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:111111111111:approvals' }),
          Match.objectLike({
            Action: ['elasticmapreduce:AddJobFlowSteps', 'elasticmapreduce:CancelSteps', 'elasticmapreduce:DescribeCluster', 'elasticmapreduce:DescribeStep', 'elasticmapreduce:ListSteps'],
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':elasticmapreduce:us-east-1:111111111111:cluster/j-ABCDEF123456']] },
          }),
          Match.objectLike({
            Action: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:us-east-1:111111111111:rule/SageMakerPipelineExecutionEMRStepStatusUpdateRule']] },
          }),
        ]),
      },
    });
  });

  test('a definition written by the SageMaker Python SDK validates against the schema, with the documented service extensions', () => {
    // GIVEN
    const sdk = JSON.parse(fs.readFileSync(SDK_FILE, 'utf8'));
    // WHEN
    const divergences = expectSchemaValid(sdk);
    // THEN
    expect(divergences).toEqual([
      'schema: AppManaged on processing inputs and outputs',
      'schema: CreateModelPackage fields of register steps',
      'schema: Environment on registered containers',
      'schema: ProfilerConfig on training jobs',
      'schema: PropertyFiles on processing steps',
      'schema: Std:Join run-time values',
      'schema: Std:JsonGet run-time values',
      'schema: top-level PipelineExperimentConfig',
    ]);
    expect(sdk.Steps.map((s: any) => s.Name)).toEqual(['PreprocessAbaloneData', 'TrainAbaloneModel', 'EvaluateAbaloneModel', 'CheckMseAbaloneEvaluation']);
  });

  test('fromJson keeps the SDK JSON byte for byte and deploys it as a CfnPipeline', () => {
    // GIVEN
    const json = fs.readFileSync(SDK_FILE, 'utf8');
    const stack = newStack();
    // WHEN
    new MlPipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromJson(json),
      role: iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::111111111111:role/example-pipeline-role'),
      registry: ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'example-model-group'),
    });
    // THEN
    const body = Template.fromStack(stack).findResources('AWS::SageMaker::Pipeline');
    expect(Object.values<any>(body)[0].Properties.PipelineDefinition).toEqual({ PipelineDefinitionBody: json });
  });

  test('inlines a definition of exactly inlineDefinitionLimit characters and uploads one character more as an asset', () => {
    // GIVEN
    const json = bigStaticJson(5000);
    const atLimit = newStack();
    const overLimit = newStack();
    // WHEN
    new MlPipeline(atLimit, 'Pipeline', { definition: PipelineDefinition.fromJson(json), inlineDefinitionLimit: 5000 });
    new MlPipeline(overLimit, 'Pipeline', { definition: PipelineDefinition.fromJson(json), inlineDefinitionLimit: 4999 });
    // THEN
    Template.fromStack(atLimit).hasResourceProperties('AWS::SageMaker::Pipeline', { PipelineDefinition: { PipelineDefinitionBody: json } });
    Template.fromStack(overLimit).hasResourceProperties('AWS::SageMaker::Pipeline', {
      PipelineDefinition: {
        PipelineDefinitionS3Location: {
          Bucket: 'cdk-hnb659fds-assets-111111111111-us-east-1',
          Key: Match.stringLikeRegexp('^[0-9a-f]{64}\\.json$'),
        },
      },
    });
  });

  test('uploads a large static SDK file as an asset with the file content unchanged', () => {
    // GIVEN
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-test-'));
    const file = path.join(dir, 'big.json');
    fs.writeFileSync(file, bigStaticJson(300_000));
    const stack = newStack();
    // WHEN
    new MlPipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromFile(file) });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::SageMaker::Pipeline', {
      PipelineDefinition: { PipelineDefinitionS3Location: Match.objectLike({ Key: Match.stringLikeRegexp('\\.json$') }) },
    });
  });

  test('inlines a typed definition with tokens below the limit (tokens resolved by CloudFormation)', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new MlPipeline(stack, 'Pipeline', { definition: classicPipeline(new ModelRegistry(stack, 'Registry')).definition, inlineDefinitionLimit: 20_000 });
    // THEN
    const definition = definitionOf(Template.fromStack(stack).toJSON());
    expect(definition.Steps[1].Arguments.RoleArn).toMatch(/^<PipelineRole.*\.Arn>$/);
  });

  test('fromS3 references the object and scopes the role to both job prefixes', () => {
    // GIVEN
    const stack = newStack();
    const bucket = s3.Bucket.fromBucketName(stack, 'Defs', 'team-pipeline-definitions');
    // WHEN
    new MlPipeline(stack, 'Pipeline', { pipelineName: 'churn', definition: PipelineDefinition.fromS3(bucket, 'churn/definition.json', 'v3') });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Pipeline', {
      PipelineDefinition: { PipelineDefinitionS3Location: { Bucket: 'team-pipeline-definitions', Key: 'churn/definition.json', Version: 'v3' } },
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: Match.arrayWith(['sagemaker:CreateProcessingJob']),
          Resource: [
            { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:111111111111:processing-job/churn*']] },
            { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sagemaker:us-east-1:111111111111:processing-job/pipelines-*']] },
          ],
        })]),
      },
    });
  });

  test('resolves built-in images from a mapping in an environment-agnostic stack', () => {
    // GIVEN
    const stack = new Stack(testApp(), 'Agnostic');
    // WHEN
    const definition = render(classicPipeline(new ModelRegistry(stack, 'Registry')).definition, {}, stack);
    // THEN
    expect(definition.Steps[1].Arguments.AlgorithmSpecification.TrainingImage)
      .toBe('<FindInMap CdkMlopsBuiltinImageAccounts.<Ref AWS::Region>.account>.dkr.ecr.<Ref AWS::Region>.<Ref AWS::URLSuffix>/sagemaker-xgboost:1.7-1');
    const mapping = Template.fromStack(stack).toJSON().Mappings.CdkMlopsBuiltinImageAccounts;
    expect(mapping['eu-west-1']).toEqual({ account: '141502667606' });
    expect(mapping['us-west-2']).toEqual({ account: '246618743249' });
  });

  test('uses the region table for a stack with a region', () => {
    // GIVEN
    const stack = new Stack(testApp(), 'Frankfurt', { env: { account: '111111111111', region: 'eu-central-1' } });
    // WHEN
    const definition = render(classicPipeline(new ModelRegistry(stack, 'Registry')).definition, {}, stack);
    // THEN
    expect(definition.Steps[0].Arguments.AppSpecification.ImageUri).toBe('492215442770.dkr.ecr.eu-central-1.<Ref AWS::URLSuffix>/sagemaker-scikit-learn:1.2-1-cpu-py3');
  });

  test('uses parameters in instance type and count, and renders all parameter types', () => {
    // GIVEN
    const type = PipelineParameter.string('Type', { defaultValue: 'ml.c5.2xlarge', description: 'instance type' });
    const count = PipelineParameter.integer('Count', { defaultValue: 2 });
    const ratio = PipelineParameter.float('Ratio', { defaultValue: 0.2 });
    const flag = PipelineParameter.boolean('Flag', { defaultValue: true });
    const step = new ProcessingStep('Split', {
      image: SageMakerImage.sklearn('1.0-1'),
      instanceTypeValue: type.value,
      instanceCountValue: count.value,
      argumentValues: [PipelineValue.of('--ratio'), ratio.value, PipelineValue.of('--shuffle'), flag.value],
      environmentValues: { RUN: ExecutionVariable.PIPELINE_EXECUTION_ARN },
    });
    // WHEN
    const definition = render(PipelineDefinition.fromSteps({ steps: [step], parameters: [type, count, ratio, flag] }));
    // THEN
    expect(definition.Parameters).toEqual([
      { Name: 'Type', Type: 'String', DefaultValue: 'ml.c5.2xlarge', Description: 'instance type' },
      { Name: 'Count', Type: 'Integer', DefaultValue: 2 },
      { Name: 'Ratio', Type: 'Float', DefaultValue: 0.2 },
      { Name: 'Flag', Type: 'Boolean', DefaultValue: true },
    ]);
    expect(definition.Steps[0].Arguments.ProcessingResources.ClusterConfig).toEqual(expect.objectContaining({
      InstanceType: { Get: 'Parameters.Type' }, InstanceCount: { Get: 'Parameters.Count' },
    }));
    expect(definition.Steps[0].Arguments.Environment).toEqual({ RUN: { Get: 'Execution.PipelineExecutionArn' } });
    expect(expectSchemaValid(definition)).toEqual([]);
  });

  test('declares the parameters the steps use: listed ones first, then in the order of first use, each once', () => {
    // GIVEN
    const input = PipelineParameter.string('InputData', { defaultValue: 's3://data/in.csv' });
    const type = PipelineParameter.string('TrainingInstanceType', { defaultValue: 'ml.m5.xlarge' });
    const threshold = PipelineParameter.float('MseThreshold', { defaultValue: 6 });
    const unused = PipelineParameter.boolean('DryRun', { defaultValue: false });
    const prep = new ProcessingStep('Prep', {
      image: SageMakerImage.sklearn(),
      inputs: [{ inputName: 'in', source: input.value, destination: '/opt/ml/processing/in' }],
      outputs: [{ outputName: 'train', source: '/opt/ml/processing/train' }],
    });
    const train = new TrainingStep('Train', {
      image: SageMakerImage.xgboost(),
      instanceTypeValue: type.value,
      channels: [{ channelName: 'train', s3Uri: prep.outputUri('train') }],
      hyperparameterValues: { input: input.value },
    });
    // Same declaration, another object: one parameter.
    const again = PipelineParameter.float('MseThreshold', { defaultValue: 6 });
    const check = new ConditionStep('Check', {
      conditions: [Condition.lessThanOrEqualTo(threshold.value, again.value)],
      elseSteps: [new FailStep('Fail', { errorMessageValue: PipelineValue.join([PipelineValue.of('over'), threshold.value], ' ') })],
    });
    // WHEN
    const inferred = render(PipelineDefinition.fromSteps({ steps: [prep, train, check] }));
    const ordered = render(PipelineDefinition.fromSteps({ steps: [prep, train, check], parameters: [threshold, unused] }));
    // THEN
    expect(inferred.Parameters).toEqual([
      { Name: 'InputData', Type: 'String', DefaultValue: 's3://data/in.csv' },
      { Name: 'TrainingInstanceType', Type: 'String', DefaultValue: 'ml.m5.xlarge' },
      { Name: 'MseThreshold', Type: 'Float', DefaultValue: 6 },
    ]);
    expect(ordered.Parameters.map((p: any) => p.Name)).toEqual(['MseThreshold', 'DryRun', 'InputData', 'TrainingInstanceType']);
    expect(expectSchemaValid(inferred)).toEqual(['schema: AppManaged on processing inputs and outputs', 'schema: ProfilerConfig on training jobs', 'schema: Std:Join run-time values']);
  });

  test('takes literals where SageMaker takes a run-time value: instance type, count, volume, hyperparameters, environment, arguments, messages, check switches', () => {
    // GIVEN
    const step = new ProcessingStep('Split', {
      image: SageMakerImage.sklearn(),
      instanceType: MlInstanceType.ML_C5_XLARGE,
      instanceCount: 2,
      volumeSizeGiB: 50,
      arguments: ['--ratio', '0.2'],
      environment: { STAGE: 'dev' },
      environmentValues: { RUN: ExecutionVariable.PIPELINE_EXECUTION_ID },
    });
    const check = new QualityCheckStep('Quality', {
      checkType: QualityCheckType.DATA_QUALITY,
      image: SageMakerImage.of('111111111111.dkr.ecr.us-east-1.amazonaws.com/monitor:1'),
      skipCheck: true,
      skipCheckValue: undefined,
      failOnViolation: false,
      modelPackageGroupName: 'churn',
    });
    // WHEN
    const definition = render(PipelineDefinition.fromSteps({ steps: [step, check, new FailStep('Stop', { errorMessage: 'stopped' })] }));
    // THEN
    expect(definition.Steps[0].Arguments.ProcessingResources.ClusterConfig).toEqual(expect.objectContaining({ InstanceType: 'ml.c5.xlarge', InstanceCount: 2, VolumeSizeInGB: 50 }));
    expect(definition.Steps[0].Arguments.AppSpecification.ContainerArguments).toEqual(['--ratio', '0.2']);
    expect(definition.Steps[0].Arguments.Environment).toEqual({ STAGE: 'dev', RUN: { Get: 'Execution.PipelineExecutionId' } });
    expect(definition.Steps[1]).toEqual(expect.objectContaining({ SkipCheck: true, FailOnViolation: false, RegisterNewBaseline: false, ModelPackageGroupName: 'churn' }));
    expect(definition.Steps[2].Arguments).toEqual({ ErrorMessage: 'stopped' });
    expect(definition.Parameters).toEqual([]);
  });

  test('lets a step override the secure defaults', () => {
    // GIVEN
    const stack = newStack();
    const network = new SecureMlNetwork(stack, 'Network');
    const key = new kms.Key(stack, 'OtherKey', { enableKeyRotation: true });
    const train = new TrainingStep('Train', {
      image: SageMakerImage.xgboost(),
      channels: [{ channelName: 'train', s3Uri: PipelineValue.of('s3://bucket/train') }],
      security: {
        runInVpc: false, enableNetworkIsolation: false, encryptInterContainerTraffic: false, outputEncryptionKey: key, volumeEncryptionKey: key,
      },
      maxRuntime: Duration.hours(2),
    });
    // WHEN
    const definition = render(PipelineDefinition.fromSteps({ steps: [train] }), { network }, stack);
    // THEN
    const args = definition.Steps[0].Arguments;
    expect(args.VpcConfig).toBeUndefined();
    expect(args.EnableNetworkIsolation).toBe(false);
    expect(args.EnableInterContainerTrafficEncryption).toBe(false);
    expect(args.OutputDataConfig.KmsKeyId).toMatch(/^<OtherKey.*\.Arn>$/);
    expect(args.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 7200 });
  });

  test('renders retry policies and caching', () => {
    // GIVEN
    const stack = newStack();
    const registry = new ModelRegistry(stack, 'Registry');
    // WHEN
    const definition = render(classicPipeline(undefined).definition, { registry }, stack);
    // THEN
    expect(definition.Steps[0].RetryPolicies).toEqual([{ ExceptionType: ['SageMaker.CAPACITY_ERROR'], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 3 }]);
    expect(definition.Steps[0].CacheConfig).toEqual({ Enabled: true, ExpireAfter: 'P1D' });
  });
});

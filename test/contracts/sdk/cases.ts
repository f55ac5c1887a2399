/**
 * The cases of the SDK oracle: small pipelines built with this library's
 * typed steps from the inputs in inputs.json. test_sdk_oracle.py builds the
 * same pipelines with the SageMaker Python SDK (2.x and 3.x) from the same
 * inputs and compares. Together the cases use every step type, condition,
 * value kind, retry policy and cache setting the library offers
 * (sdk-cases.test.ts checks that).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { MlInstanceType } from '../../../src/common';
import { SecureMlNetwork } from '../../../src/network';
import {
  BiasFacet, CallbackStep, ClarifyCheckStep, ClarifyCheckType, Condition, ConditionStep, CreateModelStep, DriftBaselineStep, EmrStep,
  ExecutionVariable, FailStep, HyperparameterRange, LambdaStep, MlPipeline, ModelApprovalStatus, ParameterType, PipelineDefinition,
  PipelineParameter, PipelineStep,
  PipelineValue, ProcessingStep, PropertyFile, QualityCheckStep, QualityCheckType, RangeScaling, RegisterModelStep, RetryExceptionType,
  RetryPolicy, SageMakerImage, TrainingStep, TransformStep, TuningObjectiveType, TuningStep, TuningStrategy,
} from '../../../src/pipeline';
import { ModelRegistry } from '../../../src/registry';
import { testApp } from '../../harness/compliance';
import { definitionOf } from '../../pipeline/definition-schema';

/** The inputs both sides build from. */
export const INPUTS = JSON.parse(fs.readFileSync(path.join(__dirname, 'inputs.json'), 'utf8'));

/** Everything a case needs to build its steps. */
export interface CaseContext {
  readonly stack: Stack;
  readonly image: SageMakerImage;
}

/** A case: its steps and parameters. */
export interface OracleCase {
  readonly steps: PipelineStep[];
  readonly parameters?: PipelineParameter[];
}

const CODE = (file: string) => PipelineValue.of(`s3://${INPUTS.bucket}/code/${file}`);

function processing(ctx: CaseContext, name: string, outputs: string[]): ProcessingStep {
  return new ProcessingStep(name, {
    image: ctx.image,
    inputs: [{ inputName: 'code', source: CODE(`${name.toLowerCase()}.py`), destination: '/opt/ml/processing/input/code' }],
    outputs: outputs.map((o) => ({ outputName: o, source: `/opt/ml/processing/${o}` })),
  });
}

/** The cases, by name. */
export const CASES: { [name: string]: (ctx: CaseContext) => OracleCase } = {
  'processing': (ctx) => {
    const input = PipelineParameter.string('InputData', { defaultValue: `s3://${INPUTS.bucket}/data/input.csv` });
    const count = PipelineParameter.integer('ProcessingInstanceCount', { defaultValue: 1 });
    const prep = new ProcessingStep('Prep', {
      displayName: 'Prepare-data',
      description: 'Split the data',
      image: ctx.image,
      instanceType: MlInstanceType.ML_M5_XLARGE,
      instanceCountValue: count.value,
      volumeSizeGiB: 50,
      entrypoint: ['python3', '/opt/ml/processing/input/code/prep.py'],
      arguments: ['--test-ratio', '0.2'],
      environment: { STAGE: 'oracle' },
      inputs: [
        { inputName: 'input', source: input.value, destination: '/opt/ml/processing/input' },
        { inputName: 'code', source: CODE('prep.py'), destination: '/opt/ml/processing/input/code' },
      ],
      outputs: [
        { outputName: 'train', source: '/opt/ml/processing/train' },
        { outputName: 'test', source: '/opt/ml/processing/test', destination: PipelineValue.of(`s3://${INPUTS.bucket}/oracle/test`) },
      ],
      maxRuntime: Duration.hours(2),
      retryPolicies: [
        new RetryPolicy({ exceptionType: RetryExceptionType.SAGEMAKER_CAPACITY_ERROR, maxAttempts: 3 }),
        new RetryPolicy({
          exceptionType: RetryExceptionType.STEP_THROTTLING, interval: Duration.seconds(5), backoffRate: 1.5, expireAfter: Duration.minutes(10),
        }),
      ],
      cacheExpireAfter: Duration.days(1),
    });
    const after = processing(ctx, 'After', []);
    after.addDependency(prep);
    return { steps: [prep, after], parameters: [input, count] };
  },

  'training': (ctx) => {
    const type = PipelineParameter.string('TrainingInstanceType', { defaultValue: 'ml.m5.xlarge' });
    const prep = processing(ctx, 'Prep', ['train', 'validation']);
    const train = new TrainingStep('Train', {
      image: ctx.image,
      instanceTypeValue: type.value,
      channels: [
        { channelName: 'train', s3Uri: prep.outputUri('train'), contentType: 'text/csv' },
        { channelName: 'validation', s3Uri: prep.outputUri('validation'), contentType: 'text/csv' },
      ],
      hyperparameters: { objective: 'reg:squarederror', num_round: '50' },
      metricDefinitions: [{ name: 'validation:rmse', regex: 'validation-rmse:([0-9\\.]+)' }],
      environment: { MODE: 'oracle' },
      maxRuntime: Duration.hours(2),
      retryPolicies: [
        new RetryPolicy({ exceptionType: RetryExceptionType.SAGEMAKER_JOB_INTERNAL_ERROR, maxAttempts: 2, interval: Duration.seconds(30) }),
      ],
      cacheExpireAfter: Duration.hours(12),
    });
    return { steps: [prep, train], parameters: [type] };
  },

  'tuning': (ctx) => {
    const tune = new TuningStep('Tune', {
      image: ctx.image,
      channels: [{ channelName: 'train', s3Uri: PipelineValue.of(`s3://${INPUTS.bucket}/data/train`), contentType: 'text/csv' }],
      objectiveMetricName: 'validation:auc',
      objectiveType: TuningObjectiveType.MAXIMIZE,
      strategy: TuningStrategy.RANDOM,
      maxJobs: 4,
      maxParallelJobs: 2,
      ranges: [
        HyperparameterRange.continuous('eta', 0.1, 0.5),
        HyperparameterRange.integer('max_depth', 3, 9, RangeScaling.LINEAR),
        HyperparameterRange.categorical('booster', ['gbtree', 'dart']),
      ],
      staticHyperparameters: { objective: 'binary:logistic' },
      metricDefinitions: [{ name: 'validation:auc', regex: 'validation-auc:([0-9\\.]+)' }],
      retryPolicies: [new RetryPolicy({ exceptionType: RetryExceptionType.SAGEMAKER_RESOURCE_LIMIT })],
    });
    return { steps: [tune] };
  },

  'model-transform': (ctx) => {
    const train = new TrainingStep('Train', { image: ctx.image, channels: [{ channelName: 'train', s3Uri: PipelineValue.of(`s3://${INPUTS.bucket}/data/train`) }] });
    const model = new CreateModelStep('Model-CreateModel', {
      image: ctx.image,
      modelDataUrl: train.modelArtifactsUri,
      retryPolicies: [new RetryPolicy({ exceptionType: RetryExceptionType.STEP_SERVICE_FAULT })],
    });
    const score = new TransformStep('Score', {
      modelName: model.modelName,
      inputUri: PipelineValue.of(`s3://${INPUTS.bucket}/data/batch`),
      instanceType: MlInstanceType.of('ml.c5.xlarge'),
      instanceCount: 2,
      cacheExpireAfter: Duration.days(7),
    });
    return { steps: [train, model, score] };
  },

  'register': (ctx) => {
    const train = new TrainingStep('Train', { image: ctx.image, channels: [{ channelName: 'train', s3Uri: PipelineValue.of(`s3://${INPUTS.bucket}/data/train`) }] });
    const file = (name: string) => ({ s3Uri: PipelineValue.of(`s3://${INPUTS.bucket}/reports/${name}.json`) });
    const register = new RegisterModelStep('Register-RegisterModel', {
      image: ctx.image,
      modelDataUrl: train.modelArtifactsUri,
      approvalStatus: ModelApprovalStatus.APPROVED,
      contentTypes: ['text/csv'],
      responseTypes: ['application/json'],
      inferenceInstanceTypes: [MlInstanceType.ML_M5_LARGE],
      transformInstanceTypes: [MlInstanceType.ML_M5_XLARGE],
      modelPackageDescription: 'oracle model',
      modelMetrics: {
        modelQualityStatistics: file('model-statistics'),
        modelQualityConstraints: file('model-constraints'),
        modelDataQualityStatistics: file('data-statistics'),
        modelDataQualityConstraints: file('data-constraints'),
        biasReport: file('bias'),
        explainabilityReport: file('explainability'),
      },
      driftCheckBaselines: {
        modelQualityStatistics: file('baseline-model-statistics'),
        modelQualityConstraints: file('baseline-model-constraints'),
        modelDataQualityStatistics: file('baseline-data-statistics'),
        modelDataQualityConstraints: file('baseline-data-constraints'),
        biasReport: file('baseline-bias'),
        explainabilityReport: file('baseline-explainability'),
      },
      retryPolicies: [new RetryPolicy({ exceptionType: RetryExceptionType.STEP_THROTTLING, maxAttempts: 4 })],
    });
    return { steps: [train, register] };
  },

  'checks': () => {
    const data = `s3://${INPUTS.bucket}/data/baseline.csv`;
    const quality = new QualityCheckStep('DataQuality', {
      checkType: QualityCheckType.DATA_QUALITY,
      image: SageMakerImage.of(INPUTS.qualityImage),
      environment: {
        dataset_format: '{"csv": {"header": false, "output_columns_position": "START"}}',
        dataset_source: '/opt/ml/processing/input/baseline_dataset_input',
        output_path: '/opt/ml/processing/output',
        publish_cloudwatch_metrics: 'Disabled',
      },
      inputs: [{ inputName: 'baseline_dataset_input', source: PipelineValue.of(data), destination: '/opt/ml/processing/input/baseline_dataset_input' }],
      outputs: [{ outputName: 'quality_check_output', source: '/opt/ml/processing/output', destination: PipelineValue.of(`s3://${INPUTS.bucket}/checks/quality`) }],
      skipCheck: true,
      registerNewBaseline: true,
      modelPackageGroupName: INPUTS.group,
      cacheExpireAfter: Duration.days(1),
    });
    const bias = new ClarifyCheckStep('DataBias', {
      checkType: ClarifyCheckType.DATA_BIAS,
      image: SageMakerImage.of(INPUTS.clarifyImage),
      inputs: [
        { inputName: 'analysis_config', source: PipelineValue.of(`s3://${INPUTS.bucket}/checks/bias/analysis_config.json`), destination: '/opt/ml/processing/input/config' },
        { inputName: 'dataset', source: PipelineValue.of(data), destination: '/opt/ml/processing/input/data' },
      ],
      outputs: [{ outputName: 'analysis_result', source: '/opt/ml/processing/output', destination: PipelineValue.of(`s3://${INPUTS.bucket}/checks/bias`) }],
      skipCheck: false,
      registerNewBaseline: false,
      failOnViolation: false,
    });
    return { steps: [quality, bias] };
  },

  'conditions': (ctx) => {
    const threshold = PipelineParameter.float('MseThreshold', { defaultValue: 6.0 });
    const minimum = PipelineParameter.integer('MinimumCount', { defaultValue: 3 });
    const enabled = PipelineParameter.boolean('Enabled', { defaultValue: true });
    const stage = PipelineParameter.string('Stage', { defaultValue: 'dev' });
    const report = new PropertyFile({ name: 'EvaluationReport', outputName: 'evaluation', path: 'evaluation.json' });
    const evaluate = new ProcessingStep('Evaluate', {
      image: ctx.image,
      inputs: [{ inputName: 'code', source: CODE('evaluate.py'), destination: '/opt/ml/processing/input/code' }],
      outputs: [{ outputName: 'evaluation', source: '/opt/ml/processing/evaluation' }],
      propertyFiles: [report],
    });
    const mse = PipelineValue.jsonGet({ step: evaluate, propertyFile: report, jsonPath: 'regression_metrics.mse.value' });
    const x = ExecutionVariable;
    const gate = new ConditionStep('Gate', {
      conditions: [
        Condition.lessThanOrEqualTo(mse, threshold.value),
        Condition.greaterThanOrEqualTo(minimum.value, PipelineValue.ofNumber(1)),
        Condition.equalTo(enabled.value, PipelineValue.ofBoolean(true)),
        Condition.notEqualTo(stage.value, PipelineValue.of('prod')),
        Condition.greaterThan(x.START_DATE_TIME, PipelineValue.of('2020-01-01T00:00:00Z')),
        Condition.lessThan(PipelineValue.ofNumber(1), PipelineValue.ofNumber(2)),
        Condition.isIn(stage.value, [PipelineValue.of('dev'), PipelineValue.of('test')]),
        Condition.negate(Condition.equalTo(x.PIPELINE_NAME, PipelineValue.of('retired'))),
        Condition.anyOf(
          Condition.equalTo(x.PIPELINE_ARN, x.PIPELINE_EXECUTION_ARN),
          Condition.negate(Condition.isIn(x.CURRENT_DATE_TIME, [PipelineValue.of('never')])),
          Condition.lessThan(evaluate.property("ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri"), PipelineValue.of('s3://z')),
        ),
      ],
      ifSteps: [new FailStep('Accepted', { errorMessageValue: PipelineValue.join([PipelineValue.of('accepted'), x.PIPELINE_EXECUTION_ID, threshold.value], '-') })],
      elseSteps: [new FailStep('Rejected', { errorMessage: 'MSE too high', displayName: 'Reject', description: 'MSE above threshold' })],
    });
    return { steps: [evaluate, gate], parameters: [threshold, minimum, enabled, stage] };
  },

  'integrations': (ctx) => {
    const fn = lambda.Function.fromFunctionArn(ctx.stack, 'Fn', INPUTS.functionArn);
    const queue = sqs.Queue.fromQueueAttributes(ctx.stack, 'Queue', {
      queueArn: `arn:aws:sqs:${INPUTS.region}:${INPUTS.account}:oracle-approvals`,
      queueUrl: INPUTS.queueUrl,
    });
    const data = PipelineParameter.string('Data', { defaultValue: `s3://${INPUTS.bucket}/data` });
    const notify = new LambdaStep('Notify', {
      function: fn,
      inputs: { data: data.value, count: PipelineValue.ofNumber(3), run: ExecutionVariable.PIPELINE_EXECUTION_ID },
      outputs: [{ name: 'status' }, { name: 'score', outputType: ParameterType.FLOAT }],
      displayName: 'Notify-team',
    });
    const approve = new CallbackStep('Approve', {
      queue,
      inputs: { status: notify.output('status') },
      outputs: [{ name: 'decision', outputType: ParameterType.STRING }, { name: 'approved', outputType: ParameterType.BOOLEAN }],
      description: 'Human approval',
    });
    const spark = new EmrStep('Spark', {
      clusterId: INPUTS.clusterId,
      jar: 'command-runner.jar',
      argValues: [PipelineValue.of('spark-submit'), PipelineValue.of(`s3://${INPUTS.bucket}/code/job.py`), data.value],
      mainClass: 'com.example.Main',
      dependsOn: [approve],
      displayName: 'Spark-job',
    });
    return { steps: [notify, approve, spark], parameters: [data] };
  },

  'drift-baseline': (ctx) => {
    const data = PipelineParameter.string('TrainingData', { defaultValue: `s3://${INPUTS.bucket}/data/train.csv` });
    const baseline = new DriftBaselineStep('DriftBaseline', {
      trainingData: data.value,
      image: ctx.image,
      codeUri: PipelineValue.of(`s3://${INPUTS.bucket}/code/drift_check.zip`),
      hasHeader: false,
      labelColumn: 'c0',
      biasFacets: [BiasFacet.atLeast('c3', 60)],
    });
    const register = new RegisterModelStep('Register-RegisterModel', {
      image: ctx.image,
      modelDataUrl: PipelineValue.of(`s3://${INPUTS.bucket}/model/model.tar.gz`),
      driftBaseline: baseline,
    });
    return { steps: [baseline, register], parameters: [data] };
  },
};

/** Render a case with this library: the definition JSON (no CDK tokens in it). */
export function renderCase(name: string): any {
  const stack = new Stack(testApp(), `Oracle${name.replace(/[^A-Za-z0-9]/g, '')}`, { env: { account: INPUTS.account, region: INPUTS.region } });
  const built = CASES[name]({ stack, image: SageMakerImage.of(INPUTS.image) });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: INPUTS.vpc, availabilityZones: ['us-east-1a', 'us-east-1b'], isolatedSubnetIds: INPUTS.subnets,
  });
  new MlPipeline(stack, 'Pipeline', {
    pipelineName: `oracle-${name}`,
    jobNamePrefix: INPUTS.jobNamePrefix,
    definition: PipelineDefinition.fromSteps({ steps: built.steps, parameters: built.parameters }),
    role: iam.Role.fromRoleArn(stack, 'Role', INPUTS.role, { mutable: false }),
    artifactBucket: s3.Bucket.fromBucketName(stack, 'Bucket', INPUTS.bucket),
    encryptionKey: kms.Key.fromKeyArn(stack, 'Key', INPUTS.key),
    network: SecureMlNetwork.fromNetworkAttributes(stack, 'Network', {
      vpc,
      workloadSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', INPUTS.securityGroup),
    }),
    registry: ModelRegistry.fromModelPackageGroupName(stack, 'Registry', INPUTS.group),
  });
  const body = Object.values<any>(Template.fromStack(stack).findResources('AWS::SageMaker::Pipeline'))[0].Properties.PipelineDefinition.PipelineDefinitionBody;
  if (typeof body !== 'string') {
    throw new Error(`case ${name}: the definition has CDK tokens: ${JSON.stringify(definitionOf(Template.fromStack(stack).toJSON())).slice(0, 300)}`);
  }
  return JSON.parse(body);
}

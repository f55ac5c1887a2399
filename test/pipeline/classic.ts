/**
 * The classic pipeline built from typed steps, shared by the tests:
 * preprocess -> train -> evaluate (property file) -> condition on MSE -> register | fail.
 */
import { Duration } from 'aws-cdk-lib';
import {
  Condition, ConditionStep, FailStep, PipelineDefinition, PipelineParameter, PipelineValue, ProcessingStep,
  PropertyFile, RegisterModelStep, RetryExceptionType, RetryPolicy, SageMakerImage, TrainingStep,
} from '../../src/pipeline';
import { IModelRegistry } from '../../src/registry';

export interface Classic {
  readonly definition: PipelineDefinition;
  readonly preprocess: ProcessingStep;
  readonly train: TrainingStep;
  readonly evaluate: ProcessingStep;
  readonly register: RegisterModelStep;
  readonly check: ConditionStep;
}

export function classicPipeline(registry?: IModelRegistry): Classic {
  const inputData = PipelineParameter.string('InputData', { defaultValue: 's3://example-data/abalone.csv' });
  const instanceType = PipelineParameter.string('TrainingInstanceType', { defaultValue: 'ml.m5.xlarge' });
  const instanceCount = PipelineParameter.integer('ProcessingInstanceCount', { defaultValue: 1 });
  const mseThreshold = PipelineParameter.float('MseThreshold', { defaultValue: 6.0 });

  const preprocess = new ProcessingStep('Preprocess', {
    image: SageMakerImage.sklearn(),
    instanceCountValue: instanceCount.value,
    entrypoint: ['python3', '/opt/ml/processing/input/code/preprocess.py'],
    inputs: [
      { inputName: 'input', source: inputData.value, destination: '/opt/ml/processing/input' },
      { inputName: 'code', source: PipelineValue.of('s3://example-code/preprocess.py'), destination: '/opt/ml/processing/input/code' },
    ],
    outputs: [
      { outputName: 'train', source: '/opt/ml/processing/train' },
      { outputName: 'validation', source: '/opt/ml/processing/validation' },
      { outputName: 'test', source: '/opt/ml/processing/test' },
    ],
    retryPolicies: [new RetryPolicy({ exceptionType: RetryExceptionType.SAGEMAKER_CAPACITY_ERROR, maxAttempts: 3 })],
    cacheExpireAfter: Duration.days(1),
  });
  const train = new TrainingStep('Train', {
    image: SageMakerImage.xgboost(),
    instanceTypeValue: instanceType.value,
    channels: [
      { channelName: 'train', s3Uri: preprocess.outputUri('train'), contentType: 'text/csv' },
      { channelName: 'validation', s3Uri: preprocess.outputUri('validation'), contentType: 'text/csv' },
    ],
    hyperparameters: { objective: 'reg:squarederror', num_round: '50' },
  });
  const report = new PropertyFile({ name: 'EvaluationReport', outputName: 'evaluation', path: 'evaluation.json' });
  const evaluate = new ProcessingStep('Evaluate', {
    image: SageMakerImage.xgboost(),
    entrypoint: ['python3', '/opt/ml/processing/input/code/evaluate.py'],
    inputs: [
      { inputName: 'model', source: train.modelArtifactsUri, destination: '/opt/ml/processing/model' },
      { inputName: 'test', source: preprocess.outputUri('test'), destination: '/opt/ml/processing/test' },
      { inputName: 'code', source: PipelineValue.of('s3://example-code/evaluate.py'), destination: '/opt/ml/processing/input/code' },
    ],
    outputs: [{ outputName: 'evaluation', source: '/opt/ml/processing/evaluation' }],
    propertyFiles: [report],
  });
  const register = new RegisterModelStep('Register', {
    registry,
    image: SageMakerImage.xgboost(),
    modelDataUrl: train.modelArtifactsUri,
    modelMetrics: {
      modelQualityStatistics: { s3Uri: PipelineValue.join([evaluate.outputUri('evaluation'), PipelineValue.of('evaluation.json')], '/') },
    },
  });
  const check = new ConditionStep('CheckMse', {
    conditions: [Condition.lessThanOrEqualTo(
      PipelineValue.jsonGet({ step: evaluate, propertyFile: report, jsonPath: 'regression_metrics.mse.value' }),
      mseThreshold.value,
    )],
    ifSteps: [register],
    elseSteps: [new FailStep('MseTooHigh', { errorMessageValue: PipelineValue.join([PipelineValue.of('MSE above'), mseThreshold.value], ' ') })],
  });
  const definition = PipelineDefinition.fromSteps({
    steps: [preprocess, train, evaluate, check],
    parameters: [inputData, instanceType, instanceCount, mseThreshold],
  });
  return { definition, preprocess, train, evaluate, register, check };
}

/**
 * The pipeline role agrees with the names the definition gives its jobs
 * (SageMaker Developer Guide, "IAM Access Management": with a custom prefix
 * the job is named <prefix>-<executionId>-<entityToken>-<failureCount>; the
 * prefix may have at most 38 characters, 6 for tuning steps).
 */
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { definitionOf } from './definition-schema';
import { newStack } from './helpers';
import {
  CreateModelStep, EmrActionOnFailure, EmrStep, HyperparameterRange, MlPipeline, PipelineDefinition, PipelineValue, ProcessingStep,
  SageMakerImage, TrainingStep, TuningStep,
} from '../../src/pipeline';

const channels = [{ channelName: 'train', s3Uri: PipelineValue.of('s3://data/train') }];

/** The resource names of the statement that allows `action`. */
function resourcesOf(statements: any[], action: string): string[] {
  const statement = statements.find((s) => [s.Action].flat().includes(action));
  return [statement.Resource].flat().map((r: any) => (typeof r === 'string' ? r : r['Fn::Join'][1].slice(2).join('')));
}

/** A job name the service builds from a prefix matches an IAM resource pattern (`*` is any run). */
function allows(pattern: string, jobName: string): boolean {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.?+^$()[\]{}|\\/]/g, '\\$&')).join('.*')}$`).test(jobName);
}

describe('pipeline role scope and job names', () => {
  test('tuning job names and the role\'s tuning scope agree with default names, within 6 characters', () => {
    // GIVEN a long pipeline name: the default job prefix is longer than 6 characters
    const stack = newStack();
    const tune = new TuningStep('TuneHyperparameters', { image: SageMakerImage.xgboost(), channels, objectiveMetricName: 'validation:rmse', ranges: [HyperparameterRange.continuous('eta', 0.1, 0.5)] });
    const train = new TrainingStep('TrainFinalModelOnAllTheData', { image: SageMakerImage.xgboost(), channels });
    // WHEN
    const pipeline = new MlPipeline(stack, 'Pipeline', { pipelineName: 'customer-churn-training-eu-west', definition: PipelineDefinition.fromSteps({ steps: [tune, train] }) });
    // THEN
    const template = Template.fromStack(stack);
    const definition = definitionOf(template.toJSON());
    const statements = Object.values<any>(template.findResources('AWS::IAM::ManagedPolicy'))[0].Properties.PolicyDocument.Statement;
    const tuningName = definition.Steps[0].Arguments.HyperParameterTuningJobName;
    const trainingName = definition.Steps[1].Arguments.TrainingJobName;
    expect(pipeline.jobNamePrefix).toMatch(/^customer-churn-[0-9a-f]{8}$/);
    expect(tuningName.length).toBeLessThanOrEqual(6);
    expect(tuningName).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$/);
    expect(trainingName.length).toBeLessThanOrEqual(38);
    expect(trainingName.startsWith(pipeline.jobNamePrefix)).toBe(true);
    // The names SageMaker Pipelines builds from them are allowed by the role, and nothing else of another pipeline's.
    const tuningScope = resourcesOf(statements, 'sagemaker:CreateHyperParameterTuningJob');
    const trainingScope = resourcesOf(statements, 'sagemaker:CreateTrainingJob');
    expect(tuningScope).toEqual([`:sagemaker:us-east-1:111111111111:hyper-parameter-tuning-job/${tuningName}*`]);
    expect(tuningScope.some((p) => allows(p, `:sagemaker:us-east-1:111111111111:hyper-parameter-tuning-job/${tuningName}-a1b2c3d4e5f6-x9y8z7-0`))).toBe(true);
    expect(trainingScope.some((p) => allows(p, `:sagemaker:us-east-1:111111111111:training-job/${trainingName}-a1b2c3d4e5f6-x9y8z7-0`))).toBe(true);
    expect(trainingScope.some((p) => allows(p, ':sagemaker:us-east-1:111111111111:training-job/customer-churn-other-a1b2c3d4e5f6'))).toBe(false);
  });

  test('pipelines with different long names get different tuning prefixes; a short prefix is its own', () => {
    // GIVEN
    const stack = newStack();
    const steps = () => [new TuningStep('Tune', { image: SageMakerImage.xgboost(), channels, objectiveMetricName: 'm', ranges: [HyperparameterRange.integer('d', 1, 3)] })];
    // WHEN
    const names = ['customer-churn-training-eu-west', 'customer-churn-training-eu-central'].map((pipelineName, i) => {
      const s = newStack();
      new MlPipeline(s, `P${i}`, { pipelineName, definition: PipelineDefinition.fromSteps({ steps: steps() }) });
      return definitionOf(Template.fromStack(s).toJSON()).Steps[0].Arguments.HyperParameterTuningJobName;
    });
    new MlPipeline(stack, 'Short', { jobNamePrefix: 'churn', definition: PipelineDefinition.fromSteps({ steps: steps() }) });
    // THEN
    expect(names[0]).not.toBe(names[1]);
    expect(definitionOf(Template.fromStack(stack).toJSON()).Steps[0].Arguments.HyperParameterTuningJobName).toBe('churn');
  });

  test('cuts other job names at 38 characters', () => {
    // GIVEN
    const stack = newStack();
    const step = new ProcessingStep('AVeryLongStepNameThatGoesOnAndOnAndOn', { image: SageMakerImage.sklearn() });
    // WHEN
    new MlPipeline(stack, 'Pipeline', { jobNamePrefix: 'churn-training-eu', definition: PipelineDefinition.fromSteps({ steps: [step] }) });
    // THEN
    const name = definitionOf(Template.fromStack(stack).toJSON()).Steps[0].Arguments.ProcessingJobName;
    expect(name).toBe('churn-training-eu-averylongstepnametha');
    expect(name).toHaveLength(38);
  });

  test('names models with the prefix and scopes the role to them', () => {
    // GIVEN
    const stack = newStack();
    const model = new CreateModelStep('Model', { image: SageMakerImage.xgboost(), modelDataUrl: PipelineValue.of('s3://b/model.tar.gz') });
    // WHEN
    new MlPipeline(stack, 'Pipeline', { jobNamePrefix: 'churn', definition: PipelineDefinition.fromSteps({ steps: [model] }) });
    // THEN
    const template = Template.fromStack(stack);
    expect(definitionOf(template.toJSON()).Steps[0].Arguments.ModelName).toBe('churn-model');
    const statements = Object.values<any>(template.findResources('AWS::IAM::ManagedPolicy'))[0].Properties.PolicyDocument.Statement;
    expect(resourcesOf(statements, 'sagemaker:CreateModel')).toEqual([':sagemaker:us-east-1:111111111111:model/churn*']);
  });

  test('lets the role use a key a step names besides the pipeline\'s', () => {
    // GIVEN
    const stack = newStack();
    const key = new kms.Key(stack, 'StepKey', { enableKeyRotation: true });
    const train = new TrainingStep('Train', { image: SageMakerImage.xgboost(), channels, security: { outputEncryptionKey: key } });
    // WHEN
    new MlPipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps({ steps: [train] }) });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
          Resource: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineKey'), 'Arn'] }, { 'Fn::GetAtt': [Match.stringLikeRegexp('^StepKey'), 'Arn'] }],
        })]),
      },
    });
  });

  test('warns that an EMR step\'s actionOnFailure is ignored, and writes only HadoopJarStep', () => {
    // GIVEN
    const stack = newStack();
    const emr = new EmrStep('Spark', { clusterId: 'j-ABC123', jar: 'command-runner.jar', actionOnFailure: EmrActionOnFailure.TERMINATE_CLUSTER });
    // WHEN
    new MlPipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps({ steps: [emr] }) });
    // THEN
    expect(definitionOf(Template.fromStack(stack).toJSON()).Steps[0].Arguments.StepConfig).toEqual({ HadoopJarStep: { Jar: 'command-runner.jar' } });
    Annotations.fromStack(stack).hasWarning('/Pipeline/Pipeline', Match.stringLikeRegexp("EmrStep 'Spark': actionOnFailure is ignored.*cdk-mlops:emrActionOnFailureIgnored"));
  });
});

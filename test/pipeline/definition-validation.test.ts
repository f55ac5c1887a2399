import { Duration, Stack } from 'aws-cdk-lib';
import { newStack } from './helpers';
import { MlInstanceType } from '../../src/common';
import {
  Condition, ConditionStep, CreateModelStep, ExecutionVariable, FailStep, MlPipeline, PipelineDefinition, PipelineParameter, PipelineValue,
  ProcessingStep,
  PropertyFile, QualityCheckStep, QualityCheckType, RegisterModelStep, RetryExceptionType, RetryPolicy, SageMakerImage, TrainingStep,
} from '../../src/pipeline';
import { testApp } from '../harness/compliance';

function processing(name: string, extra: Partial<ConstructorParameters<typeof ProcessingStep>[1]> = {}): ProcessingStep {
  return new ProcessingStep(name, { image: SageMakerImage.sklearn(), ...extra });
}

function build(definition: PipelineDefinition, stack: Stack = newStack(), extra: object = {}): () => void {
  return () => new MlPipeline(stack, 'Pipeline', { pipelineName: 'validated', definition, ...extra });
}

describe('PipelineDefinition validation', () => {
  test('fails when two steps have the same name', () => {
    const definition = PipelineDefinition.fromSteps({ steps: [processing('Prepare'), processing('Prepare')] });
    expect(build(definition)).toThrow(/steps\[\]\.name: got 'Prepare'; allowed: names unique across the pipeline, including condition branches\. Fix: rename one of the steps named 'Prepare'/);
  });

  test('fails when a step in a condition branch has the name of another step', () => {
    const definition = PipelineDefinition.fromSteps({
      steps: [processing('Evaluate'), new ConditionStep('Check', { conditions: [Condition.equalTo(PipelineValue.of('a'), PipelineValue.of('a'))], elseSteps: [new FailStep('Evaluate')] })],
    });
    expect(build(definition)).toThrow(/names unique across the pipeline, including condition branches/);
  });

  test('fails when a branch step is also listed at the top level', () => {
    const fail = new FailStep('Stop');
    const definition = PipelineDefinition.fromSteps({
      steps: [fail, new ConditionStep('Check', { conditions: [Condition.equalTo(PipelineValue.of('a'), PipelineValue.of('b'))], ifSteps: [fail] })],
    });
    expect(build(definition)).toThrow(/list step 'Stop' once/);
  });

  test('fails when a step references a property of a step that is not in the definition', () => {
    const outside = processing('Outside', { outputs: [{ outputName: 'out', source: '/opt/ml/processing/out' }] });
    const train = new TrainingStep('Train', { image: SageMakerImage.xgboost(), channels: [{ channelName: 'train', s3Uri: outside.outputUri('out') }] });
    const definition = PipelineDefinition.fromSteps({ steps: [train] });
    expect(build(definition)).toThrow(/steps\[Train\]: got 'property ProcessingOutputConfig.Outputs\['out'\].S3Output.S3Uri of step 'Outside''; allowed: references to steps of this definition\. Fix: add step 'Outside'/);
  });

  test('fails when dependsOn names a step that is not in the definition', () => {
    const definition = PipelineDefinition.fromSteps({ steps: [processing('Second', { dependsOn: [processing('First')] })] });
    expect(build(definition)).toThrow(/steps\[Second\]: got 'dependsOn of step 'First''; allowed: references to steps of this definition/);
  });

  test('fails when two steps use different parameters of one name', () => {
    const definition = PipelineDefinition.fromSteps({
      steps: [
        processing('Prepare', { instanceTypeValue: PipelineParameter.string('InstanceType', { defaultValue: 'ml.m5.xlarge' }).value }),
        processing('Evaluate', { instanceTypeValue: PipelineParameter.string('InstanceType', { defaultValue: 'ml.c5.xlarge' }).value }),
      ],
    });
    expect(build(definition)).toThrow(/PipelineDefinition has 1 invalid problem:\n- parameters\[InstanceType\]: got 'String default ml\.m5\.xlarge and, in step 'Evaluate', String default ml\.c5\.xlarge'; allowed: one declaration per parameter name \(same type, default and description\)\. Fix: use one PipelineParameter object for 'InstanceType' everywhere, or rename one of them\./);
  });

  test('fails when a literal prop and its run-time twin are both set', () => {
    const type = PipelineParameter.string('Type', { defaultValue: 'ml.m5.xlarge' });
    const definition = PipelineDefinition.fromSteps({
      steps: [
        processing('Prepare', { instanceType: MlInstanceType.ML_C5_XLARGE, instanceTypeValue: type.value, instanceCount: 2, instanceCountValue: PipelineValue.ofNumber(3) }),
        new TrainingStep('Train', {
          image: SageMakerImage.xgboost(),
          channels: [{ channelName: 'train', s3Uri: PipelineValue.of('s3://data/train') }],
          hyperparameters: { eta: '0.2' },
          hyperparameterValues: { eta: type.value },
        }),
        new FailStep('Stop', { errorMessage: 'stop', errorMessageValue: ExecutionVariable.PIPELINE_NAME }),
        processing('Evaluate', { arguments: ['--x'], argumentValues: [type.value] }),
      ],
    });
    expect(build(definition)).toThrow(/PipelineDefinition has 5 invalid problems:/);
    expect(build(definition)).toThrow(/- steps\[Prepare\]\.instanceTypeValue: got 'instanceType ml\.c5\.xlarge and instanceTypeValue Parameters\.Type'; allowed: instanceType \(a literal\) or instanceTypeValue \(a run-time value such as a parameter\), not both\. Fix: drop instanceType or instanceTypeValue\./);
    expect(build(definition)).toThrow(/- steps\[Prepare\]\.instanceCountValue: got 'instanceCount 2 and instanceCountValue 3'; allowed: instanceCount \(a literal\) or instanceCountValue/);
    expect(build(definition)).toThrow(/- steps\[Train\]\.hyperparameterValues: got 'eta'; allowed: each key in hyperparameters or in hyperparameterValues, not both\. Fix: remove 'eta' from hyperparameters or from hyperparameterValues\./);
    expect(build(definition)).toThrow(/- steps\[Stop\]\.errorMessageValue: got 'errorMessage stop and errorMessageValue Execution\.PipelineName'/);
    expect(build(definition)).toThrow(/- steps\[Evaluate\]\.argumentValues: got 'arguments \[--x\] and argumentValues \[Parameters\.Type\]'; allowed: arguments \(literals\) or argumentValues \(the whole list, when an item is a run-time value\), not both\. Fix: put every item in argumentValues/);
  });

  test('fails when a listed parameter and the one a step uses differ only in description', () => {
    const definition = PipelineDefinition.fromSteps({
      steps: [processing('Prepare', { instanceCountValue: PipelineParameter.integer('Count', { defaultValue: 1 }).value })],
      parameters: [PipelineParameter.integer('Count', { defaultValue: 1, description: 'instances' })],
    });
    expect(build(definition)).toThrow(/parameters\[Count\]: got 'Integer default 1 description 'instances' and, in step 'Prepare', Integer default 1'; allowed: one declaration per parameter name/);
  });

  test('fails when dependsOn forms a cycle', () => {
    const a = processing('A');
    const b = processing('B', { dependsOn: [a] });
    a.addDependency(b);
    const definition = PipelineDefinition.fromSteps({ steps: [a, b] });
    expect(build(definition)).toThrow(/steps\[\]\.dependsOn: got 'A -> B -> A'; allowed: an acyclic graph/);
  });

  test('fails when a property reference and dependsOn form a cycle', () => {
    const prepare = processing('Prepare', { outputs: [{ outputName: 'train', source: '/opt/ml/processing/train' }] });
    const train = new TrainingStep('Train', { image: SageMakerImage.xgboost(), channels: [{ channelName: 'train', s3Uri: prepare.outputUri('train') }] });
    prepare.addDependency(train);
    expect(build(PipelineDefinition.fromSteps({ steps: [prepare, train] }))).toThrow(/Prepare -> Train -> Prepare|Train -> Prepare -> Train/);
  });

  test('fails when an instance type is malformed', () => {
    const definition = PipelineDefinition.fromSteps({ steps: [processing('Prepare', { instanceType: MlInstanceType.of('m5.xlarge') })] });
    expect(build(definition)).toThrow(/steps\[Prepare\]\.instanceType: got 'm5.xlarge'; allowed: a SageMaker instance type like ml\.m5\.xlarge/);
  });

  test('fails when an instance count is not a positive integer', () => {
    const definition = PipelineDefinition.fromSteps({ steps: [processing('Prepare', { instanceCount: 0 })] });
    expect(build(definition)).toThrow(/steps\[Prepare\]\.instanceCount: got 0; allowed: an integer from 1 to 100/);
  });

  test('fails when the definition is over the service limit of 1,048,576 characters', () => {
    const sized = (chars: number) => {
      const empty = JSON.stringify({ Version: '2020-12-01', Steps: [{ Name: 'Fail', Type: 'Fail', Arguments: { ErrorMessage: '' } }] }).length;
      return JSON.stringify({ Version: '2020-12-01', Steps: [{ Name: 'Fail', Type: 'Fail', Arguments: { ErrorMessage: 'x'.repeat(chars - empty) } }] });
    };
    // Exactly at the limit: accepted (uploaded as an asset, it is static).
    expect(build(PipelineDefinition.fromJson(sized(1_048_576)))).not.toThrow();
    expect(build(PipelineDefinition.fromJson(sized(1_048_577)))).toThrow(/definition: got '1048577 characters'; allowed: at most 1048576 characters \(the SageMaker limit of a pipeline definition\)\. Fix: split the pipeline/);
  });

  test('fails when a definition with tokens is over the inline limit', () => {
    const steps = Array.from({ length: 5 }, (_, i) => processing(`Step${i}`));
    expect(build(PipelineDefinition.fromSteps({ steps }), newStack(), { inlineDefinitionLimit: 2000 }))
      .toThrow(/definition: got '\d+ characters \(estimated\) with \d+ CDK token\(s\)'; allowed: CDK tokens only in definitions of at most 2000 characters.*Fix: a larger definition is uploaded to S3 as a static file in which tokens cannot resolve/);
  });

  test('fails when a register step has no registry', () => {
    const train = new TrainingStep('Train', { image: SageMakerImage.xgboost(), channels: [{ channelName: 'train', s3Uri: PipelineValue.of('s3://b/t') }] });
    const register = new RegisterModelStep('Register', { image: SageMakerImage.xgboost(), modelDataUrl: train.modelArtifactsUri });
    expect(build(PipelineDefinition.fromSteps({ steps: [train, register] })))
      .toThrow(/steps\[Register\]\.registry: got undefined; allowed: an IModelRegistry on the step or on the MlPipeline\. Fix: pass registry to the RegisterModelStep, or registry to the MlPipeline/);
  });

  test('fails when the definition has no steps', () => {
    expect(build(PipelineDefinition.fromSteps({ steps: [] }))).toThrow(/steps: got \[\]; allowed: at least one step/);
  });

  test('fails when JsonGet reads a property file the step does not declare', () => {
    const report = new PropertyFile({ name: 'Report', outputName: 'evaluation', path: 'evaluation.json' });
    const evaluate = processing('Evaluate', { outputs: [{ outputName: 'evaluation', source: '/opt/ml/processing/evaluation' }] });
    const check = new ConditionStep('Check', {
      conditions: [Condition.lessThan(PipelineValue.jsonGet({ step: evaluate, propertyFile: report, jsonPath: 'mse' }), PipelineValue.ofNumber(5))],
    });
    expect(build(PipelineDefinition.fromSteps({ steps: [evaluate, check] }))).toThrow(/allowed: a property file declared in propertyFiles of step 'Evaluate'/);
  });

  test('fails when a property file is written to an output the step does not have', () => {
    const report = new PropertyFile({ name: 'Report', outputName: 'metrics', path: 'evaluation.json' });
    const evaluate = processing('Evaluate', { outputs: [{ outputName: 'evaluation', source: '/opt/ml/processing/evaluation' }], propertyFiles: [report] });
    expect(build(PipelineDefinition.fromSteps({ steps: [evaluate] }))).toThrow(/steps\[Evaluate\]\.propertyFiles: got 'metrics'; allowed: one of the step's outputs \(evaluation\)/);
  });

  test('fails when a step name has characters SageMaker rejects', () => {
    expect(build(PipelineDefinition.fromSteps({ steps: [processing('prepare data')] }))).toThrow(/steps\[\]\.name: got 'prepare data'; allowed: 1 to 64 letters, digits, hyphens or underscores/);
  });

  test('fails when two parameters have the same name or a default of the wrong type', () => {
    const count = PipelineParameter.integer('Count', { defaultValue: 1.5 });
    const definition = PipelineDefinition.fromSteps({
      steps: [processing('Prepare', { instanceCountValue: count.value })],
      parameters: [count, PipelineParameter.integer('Count')],
    });
    expect(build(definition)).toThrow(/parameters\[Count\]: got 'Integer default 1\.5 and, in parameters of fromSteps\(\), Integer'; allowed: one declaration per parameter name/);
    expect(build(definition)).toThrow(/parameters\[Count\]\.defaultValue: got '1.5'; allowed: a value of type Integer/);
  });

  test('fails when a retry policy allows no attempt', () => {
    const definition = PipelineDefinition.fromSteps({
      steps: [processing('Prepare', { retryPolicies: [new RetryPolicy({ exceptionType: RetryExceptionType.STEP_THROTTLING, maxAttempts: 0 })] })],
    });
    expect(build(definition)).toThrow(/steps\[Prepare\]\.retryPolicies\.maxAttempts: got 0; allowed: an integer from 1 to 20/);
  });

  test('fails when a check step has a retry policy (SageMaker Pipelines retries no check step)', () => {
    const check = new QualityCheckStep('Quality', {
      checkType: QualityCheckType.DATA_QUALITY,
      image: SageMakerImage.of('156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer'),
      retryPolicies: [new RetryPolicy({ exceptionType: RetryExceptionType.SAGEMAKER_CAPACITY_ERROR })],
    });
    expect(build(PipelineDefinition.fromSteps({ steps: [check] })))
      .toThrow(/steps\[Quality\]\.retryPolicies: got 'SageMaker\.CAPACITY_ERROR'; allowed: no retry policy: SageMaker Pipelines retries only processing, training, tuning, transform, create-model and register-model steps, not QualityCheck steps\. Fix: remove retryPolicies from the step\./);
  });

  test('fails when a create-model or register step retries on a job error, or caches', () => {
    const train = new TrainingStep('Train', { image: SageMakerImage.xgboost(), channels: [{ channelName: 'train', s3Uri: PipelineValue.of('s3://b/t') }] });
    const model = new CreateModelStep('Model', {
      image: SageMakerImage.xgboost(),
      modelDataUrl: train.modelArtifactsUri,
      retryPolicies: [new RetryPolicy({ exceptionType: RetryExceptionType.SAGEMAKER_JOB_INTERNAL_ERROR })],
      cacheExpireAfter: Duration.days(1),
    });
    expect(build(PipelineDefinition.fromSteps({ steps: [train, model] })))
      .toThrow(/steps\[Model\]\.retryPolicies: got 'SageMaker\.JOB_INTERNAL_ERROR'; allowed: one of Step\.SERVICE_FAULT, Step\.THROTTLING for a Model step\. Fix: retry on Step\.SERVICE_FAULT or Step\.THROTTLING only\.\n- steps\[Model\]\.cacheExpireAfter: got 'P1D'; allowed: no caching for Model steps/);
  });

  test('fails when a step retries on an EMR error', () => {
    const definition = PipelineDefinition.fromSteps({
      steps: [processing('Prepare', { retryPolicies: [new RetryPolicy({ exceptionType: RetryExceptionType.EMR_RESOURCE_LIMIT })] })],
    });
    expect(build(definition)).toThrow(/steps\[Prepare\]\.retryPolicies: got 'Emr\.RESOURCE_LIMIT'; allowed: one of Step\.SERVICE_FAULT, Step\.THROTTLING, SageMaker\.JOB_INTERNAL_ERROR, SageMaker\.CAPACITY_ERROR, SageMaker\.RESOURCE_LIMIT for a Processing step/);
  });

  test('fails when a display name has characters the definition schema rejects', () => {
    expect(build(PipelineDefinition.fromSteps({ steps: [processing('Prepare', { displayName: 'Prepare the data' })] })))
      .toThrow(/steps\[Prepare\]\.displayName: got 'Prepare the data'; allowed: 1 to 64 letters, digits, hyphens or underscores \(the definition schema's pattern\)\. Fix: write it without spaces, e\.g\. 'Prepare-the-data'/);
  });

  test('fails when fromJson gets malformed JSON or JSON without Steps', () => {
    expect(build(PipelineDefinition.fromJson('{"Version": '))).toThrow(/fromJson: got '\{"Version": '; allowed: a JSON pipeline definition/);
    expect(build(PipelineDefinition.fromJson('{"Version": "2020-12-01"}'))).toThrow(/allowed: an object with a Steps array/);
  });

  test('fails when a built-in image is used in a region the table does not cover', () => {
    const stack = new Stack(testApp(), 'Elsewhere', { env: { account: '111111111111', region: 'xx-nowhere-1' } });
    expect(build(PipelineDefinition.fromSteps({ steps: [processing('Prepare')] }), stack))
      .toThrow(/Prepare\.image: got 'xx-nowhere-1'; allowed: a region of the built-in image table .*Fix: pass the image with SageMakerImage\.of\(uri\)/);
  });

  test('fails when MlPipeline props are malformed, listing every problem at once', () => {
    const stack = newStack();
    expect(() => new MlPipeline(stack, 'Pipeline', {
      pipelineName: 'bad_name',
      jobNamePrefix: 'Has-Upper',
      maxParallelExecutionSteps: 0,
      definition: PipelineDefinition.fromSteps({ steps: [processing('Prepare')] }),
    })).toThrow(/MlPipeline has 3 invalid problems:\n- pipelineName: got 'bad_name'.*\n- jobNamePrefix: got 'Has-Upper'.*\n- maxParallelExecutionSteps: got 0/);
  });

  test('collects every definition problem into one error', () => {
    const definition = PipelineDefinition.fromSteps({
      steps: [processing('Prepare', { instanceType: MlInstanceType.of('large') }), processing('Prepare', { instanceCount: -1 })],
    });
    expect(build(definition)).toThrow(/PipelineDefinition has 3 invalid problems/);
  });
});

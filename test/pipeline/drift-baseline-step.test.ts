import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { definitionOf, expectSchemaValid } from './definition-schema';
import { ENV, newStack } from './helpers';
import { SecureMlNetwork } from '../../src/network';
import {
  BiasFacet, DriftBaselineStep, DriftBaselineStepProps, DriftDatasetFormat, MlPipeline, PipelineDefinition, PipelineParameter,
  PipelineValue, RegisterModelStep, SageMakerImage, TrainingStep,
} from '../../src/pipeline';
import { ModelRegistry } from '../../src/registry';
import { expectCompliant, testApp } from '../harness/compliance';

/** A train -> baseline -> register definition. */
function definition(baselineProps: Partial<DriftBaselineStepProps> = {}, includeBaseline = true): PipelineDefinition {
  const data = PipelineParameter.string('TrainingData', { defaultValue: 's3://churn-data/train/' });
  const train = new TrainingStep('Train', { image: SageMakerImage.xgboost(), channels: [{ channelName: 'train', s3Uri: data.value, contentType: 'text/csv' }] });
  const baseline = new DriftBaselineStep('Baseline', { trainingData: data.value, ...baselineProps });
  const register = new RegisterModelStep('Register', { image: SageMakerImage.xgboost(), modelDataUrl: train.modelArtifactsUri, driftBaseline: baseline });
  return PipelineDefinition.fromSteps({ steps: includeBaseline ? [train, baseline, register] : [train, register], parameters: [data] });
}

function build(def: PipelineDefinition, stack: Stack = newStack()): { stack: Stack; pipeline: MlPipeline; json: any; template: Template } {
  const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn' });
  const pipeline = new MlPipeline(stack, 'Pipeline', { pipelineName: 'churn-training', registry, definition: def });
  const template = Template.fromStack(stack);
  return { stack, pipeline, json: definitionOf(template.toJSON()), template };
}

const step = (json: any, name: string) => json.Steps.find((s: any) => s.Name === name);

describe('DriftBaselineStep', () => {
  test('runs the drift check\'s baseline mode on the SKLearn processing image, isolated, with the pipeline\'s key', () => {
    // GIVEN / WHEN
    const { json } = build(definition({ labelColumn: 'churn', biasFacets: [BiasFacet.valueIn('gender', ['F']), BiasFacet.atLeast('age', 60)] }));
    const args = step(json, 'Baseline').Arguments;
    // THEN
    expect(step(json, 'Baseline').Type).toBe('Processing');
    expect(args.AppSpecification.ImageUri).toBe('683313688378.dkr.ecr.us-east-1.<Ref AWS::URLSuffix>/sagemaker-scikit-learn:1.2-1-cpu-py3');
    expect(args.AppSpecification.ContainerEntrypoint).toEqual(['python3', '-c', expect.stringContaining("runpy.run_module('driftcheck'"), 'baseline']);
    expect(args.AppSpecification.ContainerArguments).toEqual([
      '--dataset', '/opt/ml/processing/input/dataset', '--output', '/opt/ml/processing/output/baseline.json', '--dataset-format', 'auto',
      '--label-column', 'churn', '--facet', 'gender=F', '--facet', 'age>=60',
    ]);
    expect(args.ProcessingInputs.map((i: any) => [i.InputName, i.S3Input.LocalPath])).toEqual([
      ['code', '/opt/ml/processing/input/code'], ['dataset', '/opt/ml/processing/input/dataset'],
    ]);
    expect(args.ProcessingInputs[0].S3Input.S3Uri).toMatch(/^s3:\/\/cdk-hnb659fds-assets-111111111111-us-east-1\/[0-9a-f]{64}\.zip$/);
    expect(args.ProcessingInputs[1].S3Input.S3Uri).toEqual({ Get: 'Parameters.TrainingData' });
    expect(args.ProcessingOutputConfig.Outputs[0]).toMatchObject({ OutputName: 'baseline', S3Output: { LocalPath: '/opt/ml/processing/output', S3UploadMode: 'EndOfJob' } });
    expect(args.ProcessingOutputConfig.KmsKeyId).toBeDefined();
    expect(args.ProcessingResources.ClusterConfig).toMatchObject({ InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30 });
    expect(args.NetworkConfig).toMatchObject({ EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true });
    expect(args.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 7200 });
  });

  test('registers baseline.json as the version\'s data-quality statistics in DriftCheckBaselines and ModelMetrics', () => {
    // GIVEN / WHEN
    const { json } = build(definition());
    const register = step(json, 'Register').Arguments;
    // THEN: SageMaker joins the output folder and the file name at run time
    const uri = {
      'Std:Join': { On: '/', Values: [{ Get: "Steps.Baseline.ProcessingOutputConfig.Outputs['baseline'].S3Output.S3Uri" }, 'baseline.json'] },
    };
    expect(register.DriftCheckBaselines).toEqual({ ModelDataQuality: { Statistics: { ContentType: 'application/json', S3Uri: uri } } });
    expect(register.ModelMetrics).toEqual({ ModelDataQuality: { Statistics: { ContentType: 'application/json', S3Uri: uri } } });
    expect(expectSchemaValid(json)).toEqual(expect.arrayContaining(['schema: Std:Join run-time values', 'schema: CreateModelPackage fields of register steps']));
  });

  test('keeps statistics given explicitly in driftCheckBaselines', () => {
    // GIVEN
    const data = PipelineParameter.string('TrainingData');
    const baseline = new DriftBaselineStep('Baseline', { trainingData: data.value });
    const register = new RegisterModelStep('Register', {
      image: SageMakerImage.xgboost(),
      modelDataUrl: PipelineValue.of('s3://m/model.tar.gz'),
      driftBaseline: baseline,
      driftCheckBaselines: { modelDataQualityStatistics: { s3Uri: PipelineValue.of('s3://fixed/statistics.json') } },
    });
    // WHEN
    const { json } = build(PipelineDefinition.fromSteps({ steps: [baseline, register], parameters: [data] }));
    // THEN
    expect(step(json, 'Register').Arguments.DriftCheckBaselines.ModelDataQuality.Statistics.S3Uri).toBe('s3://fixed/statistics.json');
    expect(step(json, 'Register').Arguments.ModelMetrics.ModelDataQuality.Statistics.S3Uri['Std:Join']).toBeDefined();
  });

  test('reads header-less CSV with names, splits long name lists into 256-character arguments, runs in the network', () => {
    // GIVEN
    const stack = newStack();
    const network = new SecureMlNetwork(stack, 'Network');
    const columns = ['label', ...Array.from({ length: 60 }, (_, i) => `feature_number_${i}`)];
    // WHEN
    const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn' });
    new MlPipeline(stack, 'Pipeline', {
      pipelineName: 'churn-training',
      registry,
      network,
      definition: definition({ hasHeader: false, columnNames: columns, labelColumn: 'label', datasetFormat: DriftDatasetFormat.CSV }),
    });
    const args = step(definitionOf(Template.fromStack(stack).toJSON()), 'Baseline').Arguments;
    // THEN
    const list: string[] = args.AppSpecification.ContainerArguments;
    expect(list).toContain('--no-header');
    const names = list.flatMap((a, i) => (list[i - 1] === '--feature-names' ? a.split(',') : []));
    expect(names).toEqual(columns);
    expect(list.filter((a) => a === '--feature-names').length).toBeGreaterThan(1);
    expect(list.every((a) => a.length <= 256)).toBe(true);
    expect(args.NetworkConfig.VpcConfig.Subnets.length).toBeGreaterThan(0);
  });

  test('lets the pipeline\'s jobs read the drift check code asset, and nothing else of the asset bucket', () => {
    // GIVEN / WHEN
    const { template } = build(definition());
    const policies = JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy'));
    // THEN: the bucket (to list the prefix) and the objects of the prefix, with exact actions.
    const assetArns = [...policies.matchAll(/:s3:::(cdk-hnb659fds-assets-111111111111-us-east-1[^"]*)"/g)].map((m) => m[1]);
    expect(assetArns).toEqual([
      'cdk-hnb659fds-assets-111111111111-us-east-1',
      expect.stringMatching(/^cdk-hnb659fds-assets-111111111111-us-east-1\/[0-9a-f]{64}\.zip\*$/),
    ]);
    expect(policies).toContain('"Action":["s3:ListBucket","s3:GetBucketLocation"]');
    expect(policies).not.toMatch(/s3:(List|GetObject|GetBucket)\*/);
  });

  test('takes code you publish and another image, and then grants nothing on the asset bucket', () => {
    // GIVEN / WHEN
    const { json, template } = build(definition({
      image: SageMakerImage.of('111111111111.dkr.ecr.us-east-1.amazonaws.com/mirror:1'),
      codeUri: PipelineValue.of('s3://churn-code/drift_check.zip'),
    }));
    const args = step(json, 'Baseline').Arguments;
    // THEN
    expect(args.AppSpecification.ImageUri).toBe('111111111111.dkr.ecr.us-east-1.amazonaws.com/mirror:1');
    expect(args.ProcessingInputs[0].S3Input.S3Uri).toBe('s3://churn-code/drift_check.zip');
    expect(JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy'))).not.toContain('cdk-hnb659fds-assets');
  });

  test('is compliant with the four packs', () => {
    // GIVEN
    const app = testApp();
    const stack = new Stack(app, 'BaselineStep', { env: ENV });
    // WHEN
    build(definition({ labelColumn: 'churn', biasFacets: [BiasFacet.valueIn('gender', ['F'])] }), stack);
    // THEN
    expectCompliant(app);
  });

  describe('validation', () => {
    const fails = (def: () => PipelineDefinition, ...messages: RegExp[]) => {
      let error: Error | undefined;
      try {
        build(def());
      } catch (e) {
        error = e as Error;
      }
      expect(error).toBeDefined();
      for (const m of messages) {
        expect(error!.message).toMatch(m);
      }
    };

    test('fails when column names are given for a CSV with a header row', () => {
      fails(() => definition({ columnNames: ['a', 'b'] }), /steps\[Baseline\]\.columnNames: got \["a","b"\]; allowed: column names only for a CSV without header \(hasHeader: false\)/);
    });

    test('fails when column names repeat or hold commas', () => {
      fails(() => definition({ hasHeader: false, columnNames: ['a', 'a', 'b,c'] }), /columnNames: .*allowed: unique, non-empty column names without commas/);
    });

    test('fails when the label or a dropped column is not among the column names', () => {
      fails(() => definition({ hasHeader: false, columnNames: ['y', 'x'], labelColumn: 'label', dropColumns: ['id'] }),
        /labelColumn: got 'label'; allowed: one of columnNames \(y, x\)/, /dropColumns: got 'id'; allowed: one of columnNames/);
    });

    test('fails when a facet names a bad column, the label, or has no values', () => {
      fails(() => definition({ labelColumn: 'churn', biasFacets: [BiasFacet.valueIn('a=b', ['1']), BiasFacet.valueIn('churn', ['1']), BiasFacet.valueIn('g', [])] }),
        /biasFacets\[0\]\.feature: got 'a=b'/, /biasFacets\[1\]\.feature: got 'churn'; allowed: a feature, not the label column/, /biasFacets\[2\]: got 'g='/);
    });

    test('fails when the positive label comes without label column and facets', () => {
      fails(() => definition({ positiveLabel: 'yes' }), /positiveLabel: got 'yes'; allowed: only with labelColumn and biasFacets/);
    });

    test('fails when an SKLearn version is given with another image', () => {
      fails(() => definition({ image: SageMakerImage.of('111111111111.dkr.ecr.us-east-1.amazonaws.com/mirror:1'), sklearnVersion: '1.2-1' }),
        /sklearnVersion: got '1.2-1'; allowed: sklearnVersion only with the SKLearn image/);
    });

    test('fails when hasHeader is set for JSON Lines', () => {
      fails(() => definition({ datasetFormat: DriftDatasetFormat.JSON_LINES, hasHeader: false }), /hasHeader: got false; allowed: hasHeader only for CSV/);
    });

    test('fails when the registered baseline step is not part of the definition', () => {
      fails(() => definition({}, false), /steps\[Register\]: got 'driftBaseline of step 'Baseline''; allowed: references to steps of this definition/);
    });
  });
});

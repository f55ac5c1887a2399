import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { build } from './fixtures';
import { MlPipeline, PipelineDefinition, PipelineParameter, RegisterModelStep, SageMakerImage, TrainingStep } from '../../src/pipeline';
import { PlatformLayer } from '../../src/platform';
import { definition as stateMachine } from '../monitoring/workflow-harness';
import { definitionOf } from '../pipeline/definition-schema';

describe('the default MlopsPlatform closes the drift loop', () => {
  const built = build(() => ({ layers: [PlatformLayer.PIPELINE, PlatformLayer.DEPLOYMENT, PlatformLayer.MONITORING] }));
  const { template, platform } = built;
  const pipeline = definitionOf(template.toJSON());
  const step = (name: string) => pipeline.Steps.find((s: any) => s.Name === name);

  test('the starter pipeline profiles its training data into a drift baseline and registers it with the version', () => {
    // THEN
    expect(pipeline.Steps.map((s: any) => `${s.Name}:${s.Type}`)).toEqual(['Train:Training', 'DriftBaseline:Processing', 'Register:RegisterModel']);
    const args = step('DriftBaseline').Arguments;
    expect(args.AppSpecification.ContainerEntrypoint[3]).toBe('baseline');
    expect(args.AppSpecification.ContainerArguments).toEqual(expect.arrayContaining(['--no-header', '--label-column', 'c0']));
    expect(args.ProcessingInputs[1].S3Input.S3Uri).toEqual({ Get: 'Parameters.TrainingData' });
    const statistics = step('Register').Arguments.DriftCheckBaselines.ModelDataQuality.Statistics;
    expect(statistics.S3Uri['Std:Join'].Values[0]).toEqual({ Get: "Steps.DriftBaseline.ProcessingOutputConfig.Outputs['baseline'].S3Output.S3Uri" });
  });

  test('the starter pipeline sets num_round, which the built-in XGBoost algorithm requires (found by the e2e app, issue 21)', () => {
    // THEN (SageMaker Developer Guide, "XGBoost hyperparameters": num_round is Required)
    expect(step('Train').Arguments.HyperParameters).toEqual({ num_round: '100' });
  });

  test('the monitor takes its baseline from the latest approved version of the platform registry', () => {
    // WHEN
    const def = stateMachine(built.stack, 'MonitoringCheckWorkflow');
    const group = Object.values<any>(template.findResources('AWS::SageMaker::ModelPackageGroup'))[0].Properties.ModelPackageGroupName;
    // THEN
    expect(platform.monitor!.engineName).toBe('processing');
    expect(def.StartAt).toBe('LatestApprovedVersion');
    expect(def.States.LatestApprovedVersion.Arguments.ModelPackageGroupName).toBe(group);
    expect(def.States.VersionBaseline.Assign.baselineUri).toContain('DriftCheckBaselines.ModelDataQuality.Statistics.S3Uri');
  });

  test('the monitor\'s job may read the baseline files the pipeline writes, and no other object of the artifact bucket', () => {
    // WHEN
    const policies = Object.entries<any>(template.findResources('AWS::IAM::ManagedPolicy'))
      .filter(([id]) => id.includes('MonitoringCheckJobRole'));
    const statements = JSON.stringify(policies.map(([, p]) => p.Properties.PolicyDocument.Statement));
    const prefix = (platform.pipeline as MlPipeline).jobNamePrefix;
    // THEN
    expect(statements).toMatch(new RegExp(`"PlatformPipelineArtifactBucket[0-9A-F]+","Arn"\\]\\},"/${prefix}/\\*/DriftBaseline/baseline/baseline.json"`));
    expect(statements).not.toMatch(/"PlatformPipelineArtifactBucket[0-9A-F]+","Arn"\]\},"\/\*"/);
  });

  test('a custom definition without a baseline step keeps the baselines/ prefix, with a warning', () => {
    // GIVEN
    const data = PipelineParameter.string('TrainingData');
    const train = new TrainingStep('Train', { image: SageMakerImage.xgboost(), channels: [{ channelName: 'train', s3Uri: data.value }] });
    const register = new RegisterModelStep('Register', { image: SageMakerImage.xgboost(), modelDataUrl: train.modelArtifactsUri });
    // WHEN
    const custom = build(() => ({
      layers: [PlatformLayer.PIPELINE, PlatformLayer.DEPLOYMENT, PlatformLayer.MONITORING],
      pipelineOptions: { definition: PipelineDefinition.fromSteps({ steps: [train, register], parameters: [data] }) },
    }));
    // THEN
    const def = stateMachine(custom.stack, 'MonitoringCheckWorkflow');
    expect(def.StartAt).toBe('Window');
    expect(JSON.stringify(def.States.Window.Assign.baselineInputs)).toContain('/baselines/');
    Annotations.fromStack(custom.stack).hasWarning('/Mlops/Platform', Match.stringLikeRegexp('registers no DriftBaselineStep.*cdk-mlops:platform-monitor-baseline-prefix'));
  });
});

/**
 * The processing job requests of the drift loop, exactly as the synthesized
 * pipeline definition and check workflow make them (JSONata evaluated for a
 * scheduled time), written to test-out/drift-jobs/requests.json. The pytest
 * test_job_requests.py runs the drift check from those requests (entrypoint,
 * arguments, environment, input and output paths) on generated data.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { batchDeployment, monitoringStack } from './fixtures';
import { definition } from './workflow-harness';
import { DriftBaseline, DriftEngine, DriftMonitor, ModelQualityProblemType } from '../../src/monitoring';
import {
  BiasFacet, DriftBaselineStep, MlPipeline, PipelineDefinition, PipelineParameter, RegisterModelStep, SageMakerImage,
} from '../../src/pipeline';
import { ModelRegistry } from '../../src/registry';
import { definitionOf } from '../pipeline/definition-schema';
// eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies
const jsonata = require('jsonata');

export const REQUESTS_FILE = path.join(__dirname, '..', '..', 'test-out', 'drift-jobs', 'requests.json');
/** The check job of a batch stage's monitor (test_batch_capture.py). */
export const BATCH_REQUESTS_FILE = path.join(__dirname, '..', '..', 'test-out', 'drift-jobs', 'batch-requests.json');
const SCHEDULED = '2026-03-02T10:10:00Z';
const FACETS = [BiasFacet.valueIn('plan', ['basic']), BiasFacet.atLeast('age', 60)];

async function evaluate(value: any, vars: Record<string, unknown>, states: Record<string, unknown> = {}): Promise<any> {
  if (typeof value === 'string') {
    const m = /^\{%(.*)%\}$/s.exec(value);
    if (!m) {
      return value;
    }
    const expr = jsonata(m[1]);
    expr.registerFunction('uuid', () => '0f8fad5b-d9cb-469f-a165-70867728950e');
    return expr.evaluate({}, { ...vars, states });
  }
  if (Array.isArray(value)) {
    return Promise.all(value.map((v) => evaluate(v, vars, states)));
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = await evaluate(v, vars, states);
    }
    return out;
  }
  return value;
}

/** What the drift check sees of a processing job request. */
function job(args: any): any {
  return {
    entrypoint: args.AppSpecification.ContainerEntrypoint,
    arguments: args.AppSpecification.ContainerArguments ?? [],
    environment: args.Environment ?? {},
    inputs: (args.ProcessingInputs ?? []).map((i: any) => ({ name: i.InputName, uri: i.S3Input.S3Uri, localPath: i.S3Input.LocalPath })),
    outputs: args.ProcessingOutputConfig.Outputs.map((o: any) => ({ name: o.OutputName, localPath: o.S3Output.LocalPath })),
  };
}

describe('the drift loop\'s processing job requests', () => {
  test('are evaluated from the synthesized pipeline and check workflow and written for the Python end-to-end test', async () => {
    // GIVEN: a pipeline that profiles and registers a baseline, and a monitor with labels and facets
    const f = monitoringStack();
    const registry = new ModelRegistry(f.stack, 'Registry', { modelPackageGroupName: 'churn' });
    const data = PipelineParameter.string('TrainingData');
    const baselineStep = new DriftBaselineStep('DriftBaseline', { trainingData: data.value, labelColumn: 'churn', biasFacets: FACETS });
    const register = new RegisterModelStep('Register', { image: SageMakerImage.xgboost(), modelDataUrl: data.value, driftBaseline: baselineStep });
    const pipeline = new MlPipeline(f.stack, 'Training', {
      pipelineName: 'churn-training', registry, definition: PipelineDefinition.fromSteps({ steps: [baselineStep, register], parameters: [data] }),
    });
    new DriftMonitor(f.stack, 'Drift', {
      stage: f.stage,
      baseline: DriftBaseline.fromPipeline(pipeline),
      engine: DriftEngine.processing({
        modelQuality: {
          problemType: ModelQualityProblemType.BINARY_CLASSIFICATION,
          groundTruthBucket: s3.Bucket.fromBucketName(f.stack, 'Labels', 'churn-labels'),
          groundTruthPrefix: 'ground-truth/',
          labelDelay: Duration.hours(24),
          minAccuracy: 0.6,
        },
        bias: { facets: FACETS, maxAbsDppl: 0.1, minDisparateImpact: 0.8 },
      }),
    });
    const template = Template.fromStack(f.stack);
    const steps = definitionOf(template.toJSON()).Steps;
    const def = definition(f.stack, 'CheckWorkflow');

    // WHEN: the workflow runs at SCHEDULED, the version's registered baseline is found, capture and labels exist
    const states = { input: { scheduledTime: SCHEDULED }, context: { Execution: { Name: 'exec-1', StartTime: SCHEDULED } } };
    const baselineUri = 's3://churn-artifacts/churn-training/exec-0/DriftBaseline/baseline/baseline.json';
    let vars: Record<string, any> = { baselineUri };
    for (const name of ['BaselineInput', 'Window', 'Folders', 'QualityWindow']) {
      for (const [k, v] of Object.entries<any>(def.States[name].Assign)) {
        vars = { ...vars, [k]: await evaluate(v, vars, states) };
      }
    }
    vars = { ...vars, found: vars.folders, qualityFound: vars.qualityFolders, labelsFound: vars.labelFolders };
    const requests = {
      scheduledTime: SCHEDULED,
      windows: { check: [vars.windowStart, vars.windowEnd], quality: [vars.qualityStart, vars.qualityEnd] },
      baseline: job(steps.find((s: any) => s.Name === 'DriftBaseline').Arguments),
      check: job(await evaluate(def.States.Check.Arguments, vars)),
      quality: job(await evaluate(def.States.Quality.Arguments, vars)),
    };
    fs.mkdirSync(path.dirname(REQUESTS_FILE), { recursive: true });
    fs.writeFileSync(REQUESTS_FILE, JSON.stringify(requests, null, 2));

    // THEN: the requests carry the drift check's command, and the baseline the check reads is the registered one
    expect(requests.baseline.entrypoint.slice(-1)).toEqual(['baseline']);
    expect(requests.check.entrypoint.slice(-1)).toEqual(['check']);
    expect(requests.quality.arguments).toEqual(expect.arrayContaining(['--facet', 'plan=basic', '--min-accuracy', '0.6']));
    expect(requests.check.inputs.find((i: any) => i.name === 'baseline').uri).toBe(baselineUri);
    expect(requests.check.environment.DRIFT_WINDOW_START).toBe('2026-03-02T09:00:00.000Z');
    expect(requests.quality.environment.DRIFT_WINDOW_START).toBe('2026-03-01T09:00:00.000Z');
    expect(requests.quality.inputs.map((i: any) => i.name)).toEqual(['code', 'baseline', 'capture0', 'labels0', 'labels1']);
  });

  test('of a batch stage are evaluated and written for the Python end-to-end test', async () => {
    // GIVEN: a monitor of a batch stage with data capture, its transform input CSV
    const { stack, deployment, baseline } = batchDeployment();
    new DriftMonitor(stack, 'Drift', { stage: deployment.stage('nightly'), baseline });
    const def = definition(stack, 'CheckWorkflow');
    const runs = definition(stack, 'Batchnightly');

    // WHEN: the workflow runs at SCHEDULED and every folder of the window holds manifests
    const states = { input: { scheduledTime: SCHEDULED }, context: { Execution: { Name: 'exec-1', StartTime: SCHEDULED } } };
    let vars: Record<string, any> = {};
    for (const name of ['Window', 'Folders']) {
      for (const [k, v] of Object.entries<any>(def.States[name].Assign)) {
        vars = { ...vars, [k]: await evaluate(v, vars, states) };
      }
    }
    vars = { ...vars, found: vars.folders };
    const requests = {
      scheduledTime: SCHEDULED,
      window: [vars.windowStart, vars.windowEnd],
      folders: vars.folders,
      captureDestination: runs.States['nightly: transform'].Parameters.DataCaptureConfig.DestinationS3Uri,
      transformInput: runs.States['nightly: run on the input prefix'].Parameters.Input,
      check: job(await evaluate(def.States.Check.Arguments, vars)),
    };
    fs.mkdirSync(path.dirname(BATCH_REQUESTS_FILE), { recursive: true });
    fs.writeFileSync(BATCH_REQUESTS_FILE, JSON.stringify(requests, null, 2));

    // THEN: one capture input per hour folder under <DestinationS3Uri>/input/, each keeping its time path
    expect(requests.folders).toEqual(['2026/03/02/09/']);
    expect(requests.check.inputs.filter((i: any) => i.name.startsWith('capture'))).toEqual(requests.folders.map((f: string, i: number) => ({
      name: `capture${i}`, uri: `${requests.captureDestination}/input/${f}`, localPath: `/opt/ml/processing/input/capture/${f}`,
    })));
    expect(requests.check.environment).toMatchObject({ DRIFT_CAPTURE_FORMAT: 'batch', DRIFT_BATCH_CONTENT_TYPE: 'text/csv' });
  });
});

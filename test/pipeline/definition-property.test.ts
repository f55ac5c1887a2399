import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as fc from 'fast-check';
import { definitionOf, expectSchemaValid } from './definition-schema';
import { MlInstanceType } from '../../src/common';
import {
  Condition, ConditionStep, FailStep, MlPipeline, PipelineDefinition, PipelineParameter, PipelineStep, PipelineValue,
  ProcessingStep, SageMakerImage, TrainingStep,
} from '../../src/pipeline';

/** What one generated step is and which earlier steps it uses. */
interface StepSpec {
  readonly kind: 'processing' | 'training' | 'condition';
  readonly dependsOn: number[];
  readonly dataFrom: number[];
  readonly useParameter: boolean;
  readonly instance: number;
  readonly branchFails: number;
}

const INSTANCE_TYPES = ['ml.m5.xlarge', 'ml.c5.2xlarge', 'ml.g4dn.xlarge', 'ml.p3.2xlarge'];

const specArb = fc.array(fc.record({
  kind: fc.constantFrom<StepSpec['kind']>('processing', 'training', 'condition'),
  dependsOn: fc.uniqueArray(fc.nat(20), { maxLength: 3 }),
  dataFrom: fc.uniqueArray(fc.nat(20), { maxLength: 2 }),
  useParameter: fc.boolean(),
  instance: fc.nat(INSTANCE_TYPES.length - 1),
  branchFails: fc.integer({ min: 0, max: 2 }),
}), { minLength: 1, maxLength: 8 });

/** Build a valid graph: steps only use steps generated before them (so no cycle). */
function buildSteps(specs: StepSpec[], instanceType: PipelineParameter, threshold: PipelineParameter): PipelineStep[] {
  const built: Array<ProcessingStep | TrainingStep | ConditionStep> = [];
  specs.forEach((spec, i) => {
    const earlier = (ids: number[]) => [...new Set(ids.filter((d) => d < i).map((d) => built[d]))];
    const dataSources = earlier(spec.dataFrom).filter((s): s is ProcessingStep | TrainingStep => !(s instanceof ConditionStep))
      .map((s) => (s instanceof ProcessingStep ? s.outputUri('out') : s.modelArtifactsUri));
    const type = spec.useParameter ? { instanceTypeValue: instanceType.value } : { instanceType: MlInstanceType.of(INSTANCE_TYPES[spec.instance]) };
    const common = { dependsOn: earlier(spec.dependsOn) };
    if (spec.kind === 'processing') {
      built.push(new ProcessingStep(`Process${i}`, {
        ...common,
        image: SageMakerImage.sklearn(),
        ...type,
        inputs: dataSources.map((source, j) => ({ inputName: `in${j}`, source, destination: `/opt/ml/processing/in${j}` })),
        outputs: [{ outputName: 'out', source: '/opt/ml/processing/out' }],
      }));
    } else if (spec.kind === 'training') {
      built.push(new TrainingStep(`Train${i}`, {
        ...common,
        image: SageMakerImage.xgboost(),
        ...type,
        channels: dataSources.length > 0
          ? dataSources.map((s3Uri, j) => ({ channelName: `c${j}`, s3Uri }))
          : [{ channelName: 'train', s3Uri: PipelineValue.of('s3://data/train') }],
      }));
    } else {
      built.push(new ConditionStep(`Check${i}`, {
        ...common,
        conditions: [Condition.lessThanOrEqualTo(threshold.value, PipelineValue.ofNumber(i))],
        elseSteps: Array.from({ length: spec.branchFails }, (_, k) => new FailStep(`Fail${i}x${k}`, { errorMessage: `failed at ${i}` })),
      }));
    }
  });
  return built;
}

describe('PipelineDefinition (property)', () => {
  test('random valid step graphs render schema-valid definitions whose references all resolve, with the parameters they use', () => {
    fc.assert(fc.property(specArb, (specs) => {
      // GIVEN
      const stack = new Stack(new App(), 'Property', { env: { account: '111111111111', region: 'us-east-1' } });
      const instanceType = PipelineParameter.string('InstanceType', { defaultValue: 'ml.m5.xlarge' });
      const threshold = PipelineParameter.float('Threshold', { defaultValue: 0.5 });
      const steps = buildSteps(specs, instanceType, threshold);
      // WHEN
      // (no parameter list: the definition declares the parameters the steps use)
      new MlPipeline(stack, 'Pipeline', { definition: PipelineDefinition.fromSteps({ steps }) });
      const definition = definitionOf(Template.fromStack(stack).toJSON());
      // THEN
      // Only what every processing and training step needs (defaults, output locations).
      const divergences = expectSchemaValid(definition);
      expect(divergences.filter((e) => !['schema: AppManaged on processing inputs and outputs', 'schema: ProfilerConfig on training jobs', 'schema: Std:Join run-time values'].includes(e))).toEqual([]);
      const names = new Set<string>();
      const visit = (list: any[]) => list.forEach((s) => {
        names.add(s.Name);
        visit(s.Arguments?.IfSteps ?? []);
        visit(s.Arguments?.ElseSteps ?? []);
      });
      visit(definition.Steps);
      expect(names.size).toBe(specs.length + specs.reduce((n, s) => n + (s.kind === 'condition' ? s.branchFails : 0), 0));
      const text = JSON.stringify(definition);
      for (const m of text.matchAll(/"Get":"Steps\.([A-Za-z0-9]+)\./g)) {
        expect(names.has(m[1])).toBe(true);
      }
      for (const s of definition.Steps) {
        for (const d of s.DependsOn ?? []) {
          expect(names.has(d)).toBe(true);
        }
      }
      const used = new Set([...text.matchAll(/"Get":"Parameters\.([A-Za-z0-9]+)"/g)].map((m) => m[1]));
      expect(definition.Parameters.map((p: any) => p.Name).sort()).toEqual([...used].sort());
      expect(definition.Parameters.filter((p: any) => p.Name === 'InstanceType')).toEqual(
        used.has('InstanceType') ? [{ Name: 'InstanceType', Type: 'String', DefaultValue: 'ml.m5.xlarge' }] : []);
    }), { numRuns: 40 });
  });
});

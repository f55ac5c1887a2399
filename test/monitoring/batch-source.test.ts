/**
 * A batch stage as DriftMonitor's data source. SageMaker writes a transform
 * job's captured data as manifests under `<DestinationS3Uri>/input/` and
 * `<DestinationS3Uri>/output/`, in `yyyy/mm/dd/hh/` folders of the hour the
 * job started (SageMaker Developer Guide, "Capture data from batch transform
 * job"): the check must look there, and read the transform input the
 * manifests name.
 */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { batchDeployment, ENV } from './fixtures';
import { definition } from './workflow-harness';
import { DeploymentStage, DeploymentTarget, DeploymentTargetKind } from '../../src/deployment';
import { DriftBaseline, DriftEngine, DriftMonitor, DriftMonitorProps, ModelQualityProblemType } from '../../src/monitoring';
import { testApp } from '../harness/compliance';

function transformCapture(stack: Stack): string {
  const runs = definition(stack, 'Batchnightly');
  const transform = runs.States['nightly: transform'];
  return transform.Parameters.DataCaptureConfig.DestinationS3Uri;
}

describe('DriftMonitor of a batch stage', () => {
  test('reads the captured input manifests of the stage\'s transform jobs and the input they name', () => {
    // GIVEN a batch stage with data capture (the default)
    const { stack, deployment, baseline } = batchDeployment();
    const stage = deployment.stage('nightly');
    expect(stage.kind).toBe(DeploymentTargetKind.BATCH);

    // WHEN
    new DriftMonitor(stack, 'Drift', { stage: stage, baseline });

    // THEN the window's capture root is <DestinationS3Uri>/input/, where SageMaker writes the input manifests
    const check = definition(stack, 'CheckWorkflow');
    const destination = transformCapture(stack);
    expect(check.States.Window.Assign.captureRoot).toEqual(`${destination}/input/`);
    // each capture folder keeps its yyyy/mm/dd/hh path (the manifests' capture hour), and the check reads manifests
    const args = check.States.Check.Arguments;
    expect(args.ProcessingInputs).toContain('"LocalPath": "/opt/ml/processing/input/capture/" & $f');
    expect(args.Environment).toMatchObject({ DRIFT_CAPTURE_FORMAT: 'batch', DRIFT_BATCH_CONTENT_TYPE: 'text/csv' });
    // the job role reads the manifests and the transform input, and lists no more than those prefixes
    const template = Template.fromStack(stack);
    const jobPolicies = Object.entries<any>(template.findResources('AWS::IAM::ManagedPolicy'))
      .filter(([id]) => id.startsWith('DriftCheckJobRole')).map(([, p]) => p.Properties.PolicyDocument.Statement);
    const text = JSON.stringify(jobPolicies);
    expect(text).toContain('churn-scoring/incoming/*');
    expect(text).toContain('"s3:prefix":["incoming/*"]');
    expect(text).toContain('/data-capture/nightly/input/*');
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 's3:ListBucket',
          Condition: { StringLike: { 's3:prefix': ['data-capture/nightly/input/*'] } },
        })]),
      },
    });
  });

  test('a JSON Lines batch stage hands its content type to the check', () => {
    const { stack, deployment, baseline } = batchDeployment(testApp(), {
      target: DeploymentTarget.batch({
        inputBucket: s3.Bucket.fromBucketName(Stack.of(new Stack(testApp(), 'X')), 'In', 'churn-scoring'),
        contentType: 'application/jsonlines',
        runOnNewData: true,
      }),
    });
    new DriftMonitor(stack, 'Drift', { stage: deployment.stage('nightly'), baseline });
    expect(definition(stack, 'CheckWorkflow').States.Check.Arguments.Environment.DRIFT_BATCH_CONTENT_TYPE).toBe('application/jsonlines');
  });
});

describe('DriftMonitor of a batch stage: validation', () => {
  const fails = (build: () => void, ...messages: RegExp[]) => {
    expect(build).toThrow();
    try {
      build();
    } catch (e) {
      for (const m of messages) {
        expect((e as Error).message).toMatch(m);
      }
    }
  };
  const withBatch = (props: Partial<DriftMonitorProps>, stage: object = {}) => () => {
    const { stack, deployment, baseline } = batchDeployment(testApp(), stage);
    new DriftMonitor(stack, 'Drift', { stage: deployment.stage('nightly'), baseline, ...props });
  };

  test('fails when the batch stage captures no data', () => {
    fails(withBatch({}, { dataCapture: false }),
      /stage: got 'batch stage nightly without data capture'.*a batch stage with dataCapture on.*Fix: set dataCapture: true on the batch stage/s);
  });
  test('fails when a real-time-only option is given: a variant, model quality, bias', () => {
    fails(withBatch({
      variantName: 'AllTraffic',
      engine: DriftEngine.processing({
        modelQuality: {
          problemType: ModelQualityProblemType.BINARY_CLASSIFICATION,
          groundTruthBucket: s3.Bucket.fromBucketName(new Stack(testApp(), 'L'), 'Labels', 'churn-labels'),
          groundTruthPrefix: 'ground-truth/',
          minAccuracy: 0.6,
        },
      }),
    }), /variantName: got 'AllTraffic'.*production variants belong to endpoints/s,
    /engine\.modelQuality: .*it needs endpoint capture \(inference ids and outputs\).*Fix: remove modelQuality/s);
  });
  test('fails with the Model Monitor engine', () => {
    fails(withBatch({ engine: DriftEngine.modelMonitor({ dataQuality: true }), features: ['age'] }),
      /engine: got 'DriftEngine.modelMonitor\(\)'.*DriftEngine.processing\(\) for a batch stage/s);
  });
  test('fails when the transform input is neither CSV nor JSON Lines', () => {
    fails(withBatch({}, {
      target: DeploymentTarget.batch({
        inputBucket: s3.Bucket.fromBucketName(new Stack(testApp(), 'P'), 'In', 'churn-scoring'), contentType: 'application/x-parquet', runOnNewData: true,
      }),
    }), /stage\.transformContentType: got 'application\/x-parquet'.*text\/csv, application\/jsonlines/s);
  });
  test('fails when an imported batch stage does not name its transform input', () => {
    fails(() => {
      const stack = new Stack(testApp(), 'Imported', { env: ENV });
      const bucket = s3.Bucket.fromBucketName(stack, 'Capture', 'churn-capture');
      new DriftMonitor(stack, 'Drift', {
        stage: DeploymentStage.fromStageAttributes({
          stageName: 'nightly', endpointName: 'churn-nightly', kind: DeploymentTargetKind.BATCH, dataCaptureBucket: bucket, dataCapturePrefix: 'data-capture/nightly/',
        }),
        baseline: DriftBaseline.fromS3Prefix(bucket, 'baselines/'),
      });
    }, /stage\.transformInputBucket: got undefined.*give transformInputBucket and transformInputPrefix to DeploymentStage.fromStageAttributes\(\)/s);
  });
});

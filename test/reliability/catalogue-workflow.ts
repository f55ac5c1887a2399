/**
 * Invalid inputs of the pipeline, CI, deployment and monitoring layers
 * (see catalogue-final.ts for the shape).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { InvalidInput } from './catalogue-final';
import { CONNECTION_ARN, monitored, smallDefinition } from './generators-workflow';
import { CiPipeline, CiPipelineProps, CiSource } from '../../src/ci';
import {
  ApprovalDeployment, DeploymentStageOptions, DeploymentTargetAccount, DeploymentTargetAccountProps, TrafficShift,
} from '../../src/deployment';
import { DriftBaseline, DriftEngine, DriftMonitor, DriftMonitorProps, DriftSchedule } from '../../src/monitoring';
import { SecureMlNetwork } from '../../src/network';
import { MlPipeline, MlPipelineProps, PipelineDefinition, PipelineValue, ProcessingStep, SageMakerImage } from '../../src/pipeline';
import { MlopsPlatform, MlopsPlatformProps, PlatformLayer } from '../../src/platform';
import { ModelRegistry } from '../../src/registry';

const pipeline = (name: string, props: Partial<MlPipelineProps>, expected: RegExp[]): InvalidInput => ({
  layer: 'pipeline', name, expected, build: (stack) => { new MlPipeline(stack, 'Pipeline', { definition: smallDefinition(), ...props }); },
});

const prepareStep = (name: string) => new ProcessingStep(name, {
  image: SageMakerImage.sklearn(),
  entrypoint: ['python3', 'prepare.py'],
  inputs: [{ inputName: 'code', source: PipelineValue.of('s3://fuzz-code/prepare.py'), destination: '/opt/ml/processing/input/code' }],
});

const PIPELINE: InvalidInput[] = [
  pipeline('the pipeline name has a space', { pipelineName: 'churn training' }, [/pipelineName: got 'churn training'/, /single hyphens/, /"churn-training"/]),
  pipeline('the job name prefix has capitals', { jobNamePrefix: 'Churn' }, [/jobNamePrefix: got 'Churn'/, /lower-case letters/, /"churn"/]),
  pipeline('the job name prefix is longer than 24 characters', { jobNamePrefix: 'a'.repeat(25) }, [/jobNamePrefix: got 'a{25}'/, /at most 24 characters/]),
  pipeline('no step may run in parallel', { maxParallelExecutionSteps: 0 }, [/maxParallelExecutionSteps: got 0/, /from 1 to 256/]),
  pipeline('the inline definition limit is above CloudFormation\'s', { inlineDefinitionLimit: 2_000_000 },
    [/inlineDefinitionLimit: got 2000000/, /from 1 to 1048576/, /leave it at the default \(250000\)/]),
  pipeline('the definition is not JSON', { definition: PipelineDefinition.fromJson('{"Version": "2020-12-01", "Steps": [') },
    [/fromJson: got/, /a JSON pipeline definition/, /pipeline\.definition\(\) of the SageMaker Python SDK/]),
  pipeline('the definition has no Steps array', { definition: PipelineDefinition.fromJson('{"Version": "2020-12-01"}') },
    [/fromJson: got \[/, /Steps array/]),
  pipeline('two steps share a name', { definition: PipelineDefinition.fromSteps({ steps: [prepareStep('Prepare'), prepareStep('Prepare')] }) },
    [/steps(\[\]\.name|\[Prepare\])?: got/, /Prepare/]),
];

const ci = (name: string, props: (stack: Stack) => Partial<CiPipelineProps>, expected: RegExp[]): InvalidInput => ({
  layer: 'ci',
  name,
  expected,
  build: (stack) => {
    new CiPipeline(stack, 'Ci', {
      pipeline: MlPipeline.fromPipelineName(stack, 'Ml', 'churn'),
      source: CiSource.connection({ connectionArn: CONNECTION_ARN, owner: 'acme-ml', repo: 'churn-model' }),
      ...props(stack),
    });
  },
});

const CI: InvalidInput[] = [
  ci('the connection ARN is a CodeStar notification ARN', () => ({
    source: CiSource.connection({ connectionArn: 'arn:aws:codestar-notifications:us-east-1:111111111111:notificationrule/x', owner: 'o', repo: 'r' }),
  }), [/source\.connectionArn: got 'arn:aws:codestar-notifications/]),
  ci('the branch is given as a ref', () => ({
    source: CiSource.connection({ connectionArn: CONNECTION_ARN, owner: 'acme-ml', repo: 'churn-model', branch: 'refs/heads/release' }),
  }), [/source\.branch: got 'refs\/heads\/release'/]),
  ci('the S3 source key is a folder', (s) => ({ source: CiSource.s3({ bucket: s3.Bucket.fromBucketName(s, 'Up', 'uploads'), objectKey: 'source/' }) }),
    [/source\.objectKey: got 'source\/'/]),
  ci('the test report is not JUnit XML', () => ({ testReportPath: 'reports/results.html' }),
    [/testReportPath: got 'reports\/results\.html'/, /\.xml file inside the repository/, /JUnit XML/]),
  ci('the Python version has a patch number', () => ({ pythonVersion: '3.11.4' }), [/pythonVersion: got '3\.11\.4'/, /major\.minor only/]),
  ci('an execution timeout is given without waiting', () => ({ executionTimeout: Duration.hours(3) }),
    [/executionTimeout: got '3 hours'/, /only together with waitForExecution: true/, /set waitForExecution: true/]),
  ci('a notification address has no domain', () => ({ notificationEmails: ['ml-team@'] }), [/notificationEmails\[0\]: got 'ml-team@'/, /an email address/]),
  ci('the artifact bucket is imported without its key', (s) => ({ artifactBucket: s3.Bucket.fromBucketName(s, 'Art', 'artifacts') }),
    [/artifactBucket: got/, /customer-managed KMS key/, /fromBucketAttributes\(\{ encryptionKey \}\)/]),
];

type DeploymentInput = { stages?: DeploymentStageOptions[]; keepVersions?: number; pruneOldVersions?: boolean };

const deployment = (name: string, props: DeploymentInput, expected: RegExp[]): InvalidInput => ({
  layer: 'deployment',
  name,
  expected,
  build: (stack) => { new ApprovalDeployment(stack, 'Deployment', { registry: ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'churn'), ...props }); },
});

const target = (name: string, props: Partial<DeploymentTargetAccountProps>, expected: RegExp[]): InvalidInput => ({
  layer: 'deployment',
  name,
  expected,
  build: (stack) => {
    new DeploymentTargetAccount(stack, 'Target', {
      toolingAccountId: '222222222222',
      registry: ModelRegistry.fromModelPackageGroupArn(stack, 'Registry', 'arn:aws:sagemaker:us-east-1:222222222222:model-package-group/churn'),
      endpointNames: ['churn-prod'],
      ...props,
    });
  },
});

const DEPLOYMENT: InvalidInput[] = [
  deployment('only one version would be kept', { keepVersions: 1 }, [/keepVersions: got 1/, /from 2 to 50/, /keep at least 2 versions/]),
  deployment('versions to keep are given with pruning off', { keepVersions: 5, pruneOldVersions: false }, [/keepVersions: got 5/, /only when pruning is on/]),
  deployment('there is no stage', { stages: [] }, [/stages: got \[\]/, /at least one stage/, /staging → approval → production/]),
  deployment('a stage name has capitals', { stages: [{ stageName: 'Prod' }] }, [/stages\[0\]\.stageName: got 'Prod'/, /lowercase letters/, /'staging' or 'prod'/]),
  deployment('two stages share a name', { stages: [{ stageName: 'prod' }, { stageName: 'prod' }] }, [/stages\[1\]\.stageName: got 'prod'/, /unique stage names/]),
  deployment('a serverless stage asks for data capture', { stages: [{ stageName: 'dev', serverlessMemorySizeMiB: 2048, dataCapture: true }] },
    [/stages\[0\]\.dataCapture: got true/, /serverless endpoints capture no data/]),
  deployment('the canary takes more than half the traffic', { stages: [{ stageName: 'prod', trafficShift: TrafficShift.canary({ canaryPercent: 60 }) }] },
    [/stages\[0\]\.trafficShift\.canaryPercent: got 60/, /from 1 to 50/]),
  deployment('a minimum capacity is given without autoscaling', { stages: [{ stageName: 'prod', minCapacity: 2 }] },
    [/stages\[0\]\.minCapacity: got 2/, /only together with maxCapacity/]),
  deployment('an approval timeout is given for a stage without approval', { stages: [{ stageName: 'prod', approvalTimeout: Duration.days(2) }] },
    [/stages\[0\]\.approvalTimeout: got/, /only with approvalRequired/]),
  deployment('a smoke test content type is given without a payload', { stages: [{ stageName: 'prod', smokeTestContentType: 'text/csv' }] },
    [/stages\[0\]\.smokeTestContentType: got 'text\/csv'/, /only with smokeTestPayload/]),
  deployment('a stage account is not 12 digits', { stages: [{ stageName: 'prod', account: 'production' }] },
    [/stages\[0\]\.account: got 'production'/, /a 12-digit account id/]),
  target('the target\'s tooling account is not 12 digits', { toolingAccountId: 'tooling' },
    [/toolingAccountId: got 'tooling'/, /a 12-digit account id/, /account of the ApprovalDeployment/]),
  target('the target has no endpoint', { endpointNames: [] }, [/endpointNames: got \[\]/, /at least one endpoint name/]),
  target('the target\'s name prefix has capitals', { namePrefix: 'MLOps' }, [/namePrefix: got 'MLOps'/, /same short prefix on both sides/]),
];

const monitor = (name: string, props: (stack: Stack) => Partial<DriftMonitorProps>, expected: RegExp[]): InvalidInput => ({
  layer: 'monitoring', name, expected, build: (stack) => { new DriftMonitor(stack, 'Drift', { ...monitored(stack), ...props(stack) }); },
});

const MONITORING: InvalidInput[] = [
  monitor('daily alarms would evaluate more than seven days', () => ({ schedule: DriftSchedule.daily(), alarmEvaluationPeriods: 8 }),
    [/alarmEvaluationPeriods: got 8/, /an integer from 1 to 7/, /CloudWatch limits period x evaluation periods to seven days/]),
  monitor('a feature is listed twice', () => ({ features: ['age', 'plan', 'age'] }), [/features: got \[/, /unique feature names/, /list each feature once/]),
  monitor('a feature alarm names an unknown feature', () => ({ features: ['age'], featureAlarms: ['salary'] }), [/featureAlarms: got \["salary"\]/, /features of the baseline \(age\)/, /add the feature to features/]),
  monitor('retraining parameters are given without a pipeline', () => ({ retrainPipelineParameters: { Reason: 'drift' } }),
    [/retrainPipelineParameters: got \[/, /only with retrainPipeline/]),
  monitor('the report prefix does not end with a slash', () => ({ reportPrefix: 'drift' }), [/reportPrefix: got 'drift'/, /ending in '\/'/]),
  monitor('checks would run every 30 hours', () => ({ schedule: DriftSchedule.everyHours(30) }), [/schedule: got 30/, /hours an integer from 1 to 24/]),
  monitor('the Model Monitor engine is used without feature names', () => ({ engine: DriftEngine.modelMonitor() }), [/features: got/, /feature names of the baseline/]),
  monitor('the Model Monitor engine reads its baseline from the registry', (s) => ({
    engine: DriftEngine.modelMonitor(),
    features: ['age'],
    baseline: DriftBaseline.fromModelRegistry(ModelRegistry.fromModelPackageGroupName(s, 'Registry', 'churn'), s3.Bucket.fromBucketName(s, 'Art', 'artifacts')),
  }), [/baseline: got 'DriftBaseline\.fromModelRegistry\(\.\.\.\)'/, /fixed S3 location/, /DriftBaseline\.fromS3Prefix/]),
];

const platform = (name: string, props: (stack: Stack) => MlopsPlatformProps, expected: RegExp[]): InvalidInput => ({
  layer: 'platform', name, expected, build: (stack) => { new MlopsPlatform(stack, 'Platform', props(stack)); },
});

const PLATFORM: InvalidInput[] = [
  platform('CI is on without the pipeline layer', () => ({ layers: [PlatformLayer.EXPLORATION, PlatformLayer.CI, PlatformLayer.DEPLOYMENT, PlatformLayer.MONITORING] }),
    [/layers: got \[.*"PlatformLayer\.CI"/, /CI only with the pipeline layer/, /add PlatformLayer\.PIPELINE to layers, or remove PlatformLayer\.CI/]),
  platform('monitoring is on without the deployment layer', () => ({ layers: [PlatformLayer.EXPLORATION, PlatformLayer.PIPELINE, PlatformLayer.CI, PlatformLayer.MONITORING] }),
    [/layers: got \[.*"PlatformLayer\.MONITORING"\]/, /only with the deployment layer/, /use DriftMonitor directly/]),
  platform('monitoring has no baseline when the pipeline layer is off', () => ({ layers: [PlatformLayer.EXPLORATION, PlatformLayer.DEPLOYMENT, PlatformLayer.MONITORING] }),
    [/monitoringOptions\.baseline: got undefined/, /DriftBaseline\.fromS3Prefix/]),
  platform('network options are given for an imported network', (s) => ({ network: new SecureMlNetwork(s, 'Net'), networkOptions: {} }),
    [/networkOptions: got 'given with network'/, /only when the platform creates the network/]),
  platform('registry options are given for an imported registry', (s) => ({
    registry: ModelRegistry.fromModelPackageGroupName(s, 'Reg', 'churn'), registryOptions: {},
  }), [/registryOptions: got 'given with registry'/, /drop `registryOptions` or `registry`/]),
  platform('a consumer account is an alias', () => ({ consumerAccountIds: ['staging'] }), [/consumerAccountIds: got \["staging"\]|consumerAccountIds: got \['staging'\]/, /12-digit account ids/]),
];

/** Invalid inputs of the workflow layers and the platform. */
export const WORKFLOW_LAYER_INPUTS: InvalidInput[] = [...PIPELINE, ...CI, ...DEPLOYMENT, ...MONITORING, ...PLATFORM];

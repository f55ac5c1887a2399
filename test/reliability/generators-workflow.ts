/**
 * fast-check generators over the props of the workflow layers: pipeline, CI,
 * deployment and monitoring (see generators.ts for the shape).
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import * as fc from 'fast-check';
import type { Fault, Generated, Layer } from './generators';
import { CiPipeline, CiPipelineProps, CiSource, PipelineUpdate } from '../../src/ci';
import { MlInstanceType } from '../../src/common';
import { ApprovalDeployment, ApprovalDeploymentProps, DeploymentStage, DeploymentStageOptions, TrafficShift } from '../../src/deployment';
import { DriftBaseline, DriftEngine, DriftMonitor, DriftMonitorProps, DriftSchedule } from '../../src/monitoring';
import { MlEndpointService, SecureMlNetwork } from '../../src/network';
import {
  MlPipeline, MlPipelineProps, PipelineDefinition, PipelineValue, ProcessingStep, RegisterModelStep, SageMakerImage, TrainingStep,
} from '../../src/pipeline';
import { MlopsPlatform, MlopsPlatformProps, PlatformLayer } from '../../src/platform';
import { createSecureBucket, createSecureKey } from '../../src/private/secure-defaults';
import { ModelRegistry } from '../../src/registry';

const option = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
const removal = fc.constantFrom<RemovalPolicy | undefined>(undefined, RemovalPolicy.RETAIN);
const retainedIf = (p: RemovalPolicy | undefined) => p === undefined || p === RemovalPolicy.RETAIN;
const lowerName = fc.stringMatching(/^[a-z][a-z0-9]{2,12}$/);
const RETENTIONS = [logs.RetentionDays.ONE_YEAR, logs.RetentionDays.THIRTEEN_MONTHS, logs.RetentionDays.TWO_YEARS];

function faults<P>(list: Array<[string, fc.Arbitrary<P>]>, build: (stack: Stack, fault: P) => void): fc.Arbitrary<Fault> {
  return fc.oneof(...list.map(([prop, arb]) => arb.map((fault): Fault => ({ prop, data: fault, build: (stack) => build(stack, fault) }))));
}

// ---------------------------------------------------------------- pipeline

interface PipelineData {
  readonly name?: string;
  readonly description?: string;
  readonly network?: boolean;
  readonly registry?: boolean;
  readonly prefix?: string;
  readonly parallel?: number;
  readonly instanceType: string;
  readonly processingCount: number;
  readonly rounds: number;
  readonly scheduleDays?: number;
  readonly removalPolicy?: RemovalPolicy;
}

const pipelineData: fc.Arbitrary<PipelineData> = fc.record({
  name: option(fc.stringMatching(/^[a-zA-Z0-9](-?[a-zA-Z0-9]){2,40}$/)),
  description: option(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ,.-]{0,80}$/)),
  network: option(fc.boolean()),
  registry: option(fc.boolean()),
  prefix: option(fc.stringMatching(/^[a-z][a-z0-9]{2,15}$/)),
  parallel: option(fc.integer({ min: 1, max: 256 })),
  instanceType: fc.constantFrom('ml.m5.xlarge', 'ml.m5.2xlarge', 'ml.c5.2xlarge', 'ml.g4dn.xlarge'),
  processingCount: fc.integer({ min: 1, max: 3 }),
  rounds: fc.integer({ min: 10, max: 500 }),
  scheduleDays: option(fc.integer({ min: 1, max: 7 })),
  removalPolicy: removal,
}, { requiredKeys: ['instanceType', 'processingCount', 'rounds'] });

function pipelineDefinition(d: PipelineData): PipelineDefinition {
  const prepare = new ProcessingStep('Prepare', {
    image: SageMakerImage.sklearn(),
    instanceCount: d.processingCount,
    entrypoint: ['python3', '/opt/ml/processing/input/code/prepare.py'],
    inputs: [
      { inputName: 'raw', source: PipelineValue.of('s3://fuzz-data/raw/'), destination: '/opt/ml/processing/input' },
      { inputName: 'code', source: PipelineValue.of('s3://fuzz-code/prepare.py'), destination: '/opt/ml/processing/input/code' },
    ],
    outputs: [{ outputName: 'train', source: '/opt/ml/processing/train' }],
  });
  const fit = new TrainingStep('Fit', {
    image: SageMakerImage.xgboost(),
    instanceType: MlInstanceType.of(d.instanceType),
    channels: [{ channelName: 'train', s3Uri: prepare.outputUri('train'), contentType: 'text/csv' }],
    hyperparameters: { num_round: String(d.rounds) },
  });
  const steps = d.registry
    ? [prepare, fit, new RegisterModelStep('Register', { image: SageMakerImage.xgboost(), modelDataUrl: fit.modelArtifactsUri })]
    : [prepare, fit];
  return PipelineDefinition.fromSteps({ steps });
}

function buildPipeline(stack: Stack, d: PipelineData): void {
  const pipeline = new MlPipeline(stack, 'Pipeline', {
    definition: pipelineDefinition(d),
    pipelineName: d.name,
    description: d.description,
    network: d.network ? new SecureMlNetwork(stack, 'Network') : undefined,
    registry: d.registry ? new ModelRegistry(stack, 'Registry') : undefined,
    jobNamePrefix: d.prefix,
    maxParallelExecutionSteps: d.parallel,
    removalPolicy: d.removalPolicy,
  });
  if (d.scheduleDays !== undefined) {
    pipeline.addSchedule('Retrain', { schedule: scheduler.ScheduleExpression.rate(Duration.days(d.scheduleDays)) });
  }
}

const basePipeline = (): PipelineData => ({ instanceType: 'ml.m5.xlarge', processingCount: 1, rounds: 50 });

/** A small prepare -> fit definition (with a register step when `register`). */
export function smallDefinition(register = false): PipelineDefinition {
  return pipelineDefinition({ ...basePipeline(), registry: register });
}

/** The connection ARN of the generated CI sources. */
export { CONNECTION_ARN };

const pipelineLayer: Layer = {
  name: 'pipeline',
  validRuns: 12,
  valid: pipelineData.map((d): Generated<PipelineData> => ({
    data: d, retained: retainedIf(d.removalPolicy), build: (stack) => buildPipeline(stack, d),
  })),
  invalid: faults<Partial<MlPipelineProps>>([
    ['pipelineName', fc.oneof(lowerName.map((n) => `${n} ${n}`), lowerName.map((n) => `-${n}`), fc.integer({ min: 257, max: 300 }).map((n) => 'p'.repeat(n)))
      .map((pipelineName) => ({ pipelineName }))],
    ['jobNamePrefix', fc.oneof(lowerName.map((n) => n.toUpperCase()), fc.integer({ min: 25, max: 40 }).map((n) => 'j'.repeat(n)), lowerName.map((n) => `${n}_x`))
      .map((jobNamePrefix) => ({ jobNamePrefix }))],
    ['maxParallelExecutionSteps', fc.oneof(fc.integer({ min: -10, max: 0 }), fc.integer({ min: 257, max: 1000 })).map((maxParallelExecutionSteps) => ({ maxParallelExecutionSteps }))],
    ['inlineDefinitionLimit', fc.oneof(fc.integer({ min: -10, max: 0 }), fc.integer({ min: 1_048_577, max: 2_000_000 })).map((inlineDefinitionLimit) => ({ inlineDefinitionLimit }))],
  ], (stack, fault) => { new MlPipeline(stack, 'Pipeline', { definition: pipelineDefinition(basePipeline()), ...fault }); }),
};

// ---------------------------------------------------------------- ci

const CONNECTION_ARN = 'arn:aws:codeconnections:us-east-1:111111111111:connection/3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9';

interface CiData {
  readonly source: 'connection' | 'codecommit' | 's3';
  readonly branch?: string;
  readonly filePaths?: string[];
  readonly update: 'start' | 'start-code' | 'definition';
  readonly wait?: boolean;
  readonly waitHours?: number;
  readonly emails?: string[];
  readonly pythonVersion?: string;
  readonly network?: boolean;
  readonly pipelineName?: string;
  readonly testTimeoutMinutes?: number;
  readonly logRetention?: logs.RetentionDays;
  readonly removalPolicy?: RemovalPolicy;
}

const ciData: fc.Arbitrary<CiData> = fc.record({
  source: fc.constantFrom<'connection' | 'codecommit' | 's3'>('connection', 'codecommit', 's3'),
  branch: option(fc.constantFrom('main', 'develop', 'release-1', 'feature/drift')),
  filePaths: option(fc.subarray(['src/**', 'pipelines/**', 'requirements.txt', 'tests/**'], { minLength: 1 })),
  update: fc.constantFrom<'start' | 'start-code' | 'definition'>('start', 'start-code', 'definition'),
  wait: option(fc.boolean()),
  waitHours: option(fc.integer({ min: 1, max: 30 })),
  emails: option(fc.uniqueArray(lowerName.map((n) => `${n}@example.com`), { minLength: 1, maxLength: 3 })),
  pythonVersion: option(fc.constantFrom('3.10', '3.11', '3.12')),
  network: option(fc.boolean()),
  pipelineName: option(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{2,40}$/)),
  testTimeoutMinutes: option(fc.integer({ min: 5, max: 600 })),
  logRetention: option(fc.constantFrom(...RETENTIONS)),
  removalPolicy: removal,
}, { requiredKeys: ['source', 'update'] });

function secureBucket(stack: Stack, id: string): s3.Bucket {
  return createSecureBucket(stack, id, { encryptionKey: createSecureKey(stack, `${id}Key`, { description: `${id} key` }) });
}

function ciSource(stack: Stack, d: CiData): CiSource {
  switch (d.source) {
    case 'codecommit': return CiSource.codeCommit({ repository: codecommit.Repository.fromRepositoryName(stack, 'Repo', 'churn-model'), branch: d.branch });
    case 's3': return CiSource.s3({ bucket: secureBucket(stack, 'Upload'), objectKey: 'ml/source.zip' });
    default: return CiSource.connection({ connectionArn: CONNECTION_ARN, owner: 'acme-ml', repo: 'churn-model', branch: d.branch, filePaths: d.filePaths });
  }
}

function ciProps(stack: Stack, d: CiData): CiPipelineProps {
  const update = d.update === 'definition' ? PipelineUpdate.fromRepositoryDefinition()
    : d.update === 'start-code' ? PipelineUpdate.startOnly({ codeBucket: secureBucket(stack, 'Code') }) : undefined;
  return {
    pipeline: MlPipeline.fromPipelineName(stack, 'Ml', 'churn'),
    source: ciSource(stack, d),
    update,
    waitForExecution: d.wait,
    executionTimeout: d.wait && d.waitHours !== undefined ? Duration.hours(d.waitHours) : undefined,
    notificationEmails: d.emails,
    pythonVersion: d.pythonVersion,
    network: d.network ? new SecureMlNetwork(stack, 'Network', {
      interfaceEndpoints: [...MlEndpointService.defaults(), MlEndpointService.CODEARTIFACT_API, MlEndpointService.CODEARTIFACT_REPOSITORIES],
    }) : undefined,
    pipelineName: d.pipelineName,
    testTimeout: d.testTimeoutMinutes !== undefined ? Duration.minutes(d.testTimeoutMinutes) : undefined,
    logRetention: d.logRetention,
    removalPolicy: d.removalPolicy,
  };
}

const ciLayer: Layer = {
  name: 'ci',
  validRuns: 12,
  valid: ciData.map((d): Generated<CiData> => ({
    data: d, retained: retainedIf(d.removalPolicy), build: (stack) => { new CiPipeline(stack, 'Ci', ciProps(stack, d)); },
  })),
  invalid: faults<(stack: Stack) => Partial<CiPipelineProps>>([
    ['testCommand', fc.constantFrom('', ' ', '\t').map((c) => () => ({ testCommand: c }))],
    ['testReportPath', fc.oneof(lowerName.map((n) => `${n}.json`), lowerName.map((n) => `../${n}.xml`), lowerName.map((n) => `/${n}.xml`)).map((p) => () => ({ testReportPath: p }))],
    ['pythonVersion', fc.oneof(fc.constantFrom('2.7', '3', '3.12.1', 'python3')).map((v) => () => ({ pythonVersion: v }))],
    ['pipelineName', fc.oneof(lowerName.map((n) => `${n} ${n}`), fc.integer({ min: 101, max: 150 }).map((n) => 'c'.repeat(n))).map((n) => () => ({ pipelineName: n }))],
    ['executionTimeout', fc.integer({ min: 1, max: 30 }).map((h) => () => ({ executionTimeout: Duration.hours(h) }))],
    ['executionTimeout', fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2101, max: 3000 })).map((m) => () => ({ waitForExecution: true, executionTimeout: Duration.minutes(m) }))],
    ['testTimeout', fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2161, max: 5000 })).map((m) => () => ({ testTimeout: Duration.minutes(m) }))],
    ['notificationEmails[0]', fc.oneof(lowerName, lowerName.map((n) => `${n}@`), lowerName.map((n) => `${n} @example.com`)).map((e) => () => ({ notificationEmails: [e] }))],
    ['source.branch', fc.constantFrom('', 'refs/heads/main', 'my branch').map((branch) => () => ({
      source: CiSource.connection({ connectionArn: CONNECTION_ARN, owner: 'acme-ml', repo: 'churn-model', branch }),
    }))],
    ['source.connectionArn', lowerName.map((n) => () => ({ source: CiSource.connection({ connectionArn: `arn:aws:codestar:us-east-1:111111111111:connection/${n}`, owner: 'o', repo: 'r' }) }))],
  ], (stack, fault) => {
    new CiPipeline(stack, 'Ci', {
      pipeline: MlPipeline.fromPipelineName(stack, 'Ml', 'churn'),
      source: CiSource.connection({ connectionArn: CONNECTION_ARN, owner: 'acme-ml', repo: 'churn-model' }),
      ...fault(stack),
    });
  }),
};

// ---------------------------------------------------------------- deployment

interface StageData {
  readonly name: string;
  readonly serverless: boolean;
  readonly approval?: boolean;
  readonly instanceType: string;
  readonly count: number;
  readonly memory: number;
  readonly concurrency?: number;
  readonly shift: 'all' | 'canary' | 'linear' | undefined;
  readonly shiftPercent: number;
  readonly extraCapacity?: number;
  readonly sampling?: number;
  readonly smoke?: boolean;
}

const stageData: fc.Arbitrary<StageData> = fc.record({
  name: fc.constantFrom('staging', 'qa', 'prod', 'shadow'),
  serverless: fc.boolean(),
  approval: option(fc.boolean()),
  instanceType: fc.constantFrom('ml.m5.large', 'ml.m5.xlarge', 'ml.c5.xlarge', 'ml.t2.medium'),
  count: fc.integer({ min: 1, max: 3 }),
  memory: fc.constantFrom(1024, 2048, 3072, 4096, 5120, 6144),
  concurrency: option(fc.integer({ min: 1, max: 200 })),
  shift: fc.constantFrom<'all' | 'canary' | 'linear' | undefined>('all', 'canary', 'linear', undefined),
  shiftPercent: fc.integer({ min: 10, max: 50 }),
  extraCapacity: option(fc.integer({ min: 0, max: 4 })),
  sampling: option(fc.integer({ min: 1, max: 100 })),
  smoke: option(fc.boolean()),
}, { requiredKeys: ['name', 'serverless', 'instanceType', 'count', 'memory', 'shift', 'shiftPercent'] });

function stageOptions(s: StageData): DeploymentStageOptions {
  const common = { stageName: s.name, approvalRequired: s.approval };
  if (s.serverless) {
    return { ...common, serverlessMemorySizeMiB: s.memory, serverlessMaxConcurrency: s.concurrency };
  }
  const shift = s.shift === 'canary' ? TrafficShift.canary({ canaryPercent: s.shiftPercent })
    : s.shift === 'linear' ? TrafficShift.linear({ stepPercent: s.shiftPercent })
      : s.shift === 'all' ? TrafficShift.allAtOnce() : undefined;
  return {
    ...common,
    instanceType: MlInstanceType.of(s.instanceType),
    initialInstanceCount: s.count,
    trafficShift: shift,
    maxCapacity: s.extraCapacity !== undefined ? s.count + s.extraCapacity : undefined,
    dataCaptureSamplingPercent: s.sampling,
    smokeTestPayload: s.smoke ? '1.0,2.0,3.0' : undefined,
    smokeTestContentType: s.smoke ? 'text/csv' : undefined,
  };
}

interface DeploymentData {
  readonly stages?: StageData[];
  readonly network?: boolean;
  readonly networkIsolation?: boolean;
  readonly keepVersions?: number;
  readonly pollSeconds?: number;
  readonly logRetention?: logs.RetentionDays;
  readonly removalPolicy?: RemovalPolicy;
}

const deploymentData: fc.Arbitrary<DeploymentData> = fc.record({
  stages: option(fc.uniqueArray(stageData, { minLength: 1, maxLength: 3, selector: (s) => s.name })),
  network: option(fc.boolean()),
  networkIsolation: option(fc.boolean()),
  keepVersions: option(fc.integer({ min: 2, max: 50 })),
  pollSeconds: option(fc.integer({ min: 30, max: 300 })),
  logRetention: option(fc.constantFrom(...RETENTIONS)),
  removalPolicy: removal,
});

function buildDeployment(stack: Stack, d: DeploymentData): void {
  new ApprovalDeployment(stack, 'Deployment', {
    registry: ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'churn'),
    stages: d.stages?.map(stageOptions),
    network: d.network ? new SecureMlNetwork(stack, 'Network', { interfaceEndpoints: [] }) : undefined,
    networkIsolation: d.networkIsolation,
    keepVersions: d.keepVersions,
    pollInterval: d.pollSeconds !== undefined ? Duration.seconds(d.pollSeconds) : undefined,
    logRetention: d.logRetention,
    removalPolicy: d.removalPolicy,
  });
}

const deploymentLayer: Layer = {
  name: 'deployment',
  validRuns: 12,
  valid: deploymentData.map((d): Generated<DeploymentData> => ({
    data: d, retained: retainedIf(d.removalPolicy), build: (stack) => buildDeployment(stack, d),
  })),
  invalid: faults<Partial<ApprovalDeploymentProps>>([
    ['keepVersions', fc.oneof(fc.integer({ min: -3, max: 1 }), fc.integer({ min: 51, max: 200 })).map((keepVersions) => ({ keepVersions }))],
    ['stages', fc.constant({ stages: [] })],
    ['stages[0].stageName', fc.oneof(lowerName.map((n) => n.toUpperCase()), fc.constant('1st'), fc.constant('a'.repeat(13)), lowerName.map((n) => `${n}_x`))
      .map((stageName) => ({ stages: [{ stageName }] }))],
    ['stages[1].stageName', lowerName.map((n) => n.slice(0, 12)).map((stageName) => ({ stages: [{ stageName }, { stageName }] }))],
    ['stages[0].initialInstanceCount', fc.integer({ min: -3, max: 0 }).map((initialInstanceCount) => ({ stages: [{ stageName: 'prod', initialInstanceCount }] }))],
    ['stages[0].dataCaptureSamplingPercent', fc.oneof(fc.integer({ min: 101, max: 500 }), fc.integer({ min: -50, max: -1 }))
      .map((dataCaptureSamplingPercent) => ({ stages: [{ stageName: 'prod', dataCaptureSamplingPercent }] }))],
    ['stages[0].serverlessMemorySizeMiB', fc.integer({ min: 1, max: 10000 }).filter((m) => m % 1024 !== 0 || m > 6144)
      .map((serverlessMemorySizeMiB) => ({ stages: [{ stageName: 'dev', serverlessMemorySizeMiB }] }))],
    ['stages[0].trafficShift.canaryPercent', fc.oneof(fc.integer({ min: -5, max: 0 }), fc.integer({ min: 51, max: 100 }))
      .map((canaryPercent) => ({ stages: [{ stageName: 'prod', trafficShift: TrafficShift.canary({ canaryPercent }) }] }))],
    ['stages[0].minCapacity', fc.integer({ min: 1, max: 5 }).map((minCapacity) => ({ stages: [{ stageName: 'prod', minCapacity }] }))],
    ['stages[0].account', fc.oneof(lowerName, fc.stringMatching(/^\d{5,11}$/)).map((account) => ({ stages: [{ stageName: 'prod', account }] }))],
  ], (stack, fault) => {
    new ApprovalDeployment(stack, 'Deployment', { registry: ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'churn'), ...fault });
  }),
};

// ---------------------------------------------------------------- monitoring

const FEATURES = ['age', 'income', 'plan', 'tenure_months', 'region', 'calls'];

interface MonitoringData {
  readonly engine: 'processing' | 'model-monitor';
  readonly features?: string[];
  readonly alarmFeatures: number;
  readonly schedule?: 'hourly' | 'every' | 'daily';
  readonly hours: number;
  readonly threshold?: number;
  readonly periods?: number;
  readonly retrain?: boolean;
  readonly cooldownHours?: number;
  readonly emails?: string[];
  readonly network?: boolean;
  readonly psi?: number;
  readonly removalPolicy?: RemovalPolicy;
}

const monitoringData: fc.Arbitrary<MonitoringData> = fc.record({
  engine: fc.constantFrom<'processing' | 'model-monitor'>('processing', 'model-monitor'),
  features: option(fc.subarray(FEATURES, { minLength: 1 })),
  alarmFeatures: fc.integer({ min: 0, max: 2 }),
  schedule: option(fc.constantFrom<'hourly' | 'every' | 'daily'>('hourly', 'every', 'daily')),
  hours: fc.integer({ min: 1, max: 23 }),
  threshold: option(fc.double({ min: 0.05, max: 0.9, noNaN: true })),
  periods: option(fc.integer({ min: 1, max: 24 })),
  retrain: option(fc.boolean()),
  cooldownHours: option(fc.integer({ min: 1, max: 72 })),
  emails: option(fc.uniqueArray(lowerName.map((n) => `${n}@example.com`), { minLength: 1, maxLength: 2 })),
  network: option(fc.boolean()),
  psi: option(fc.double({ min: 0.05, max: 0.5, noNaN: true })),
  removalPolicy: removal,
}, { requiredKeys: ['engine', 'alarmFeatures', 'hours'] }).map((d) => ({
  ...d,
  features: d.engine === 'model-monitor' ? d.features ?? FEATURES.slice(0, 3) : d.features,
  // CloudWatch PutMetricAlarm: period (the window) x evaluation periods at most 7 days
  periods: d.periods === undefined ? undefined : Math.min(d.periods, Math.floor(168 / windowHours(d))),
}));

function schedule(d: MonitoringData): DriftSchedule | undefined {
  switch (d.schedule) {
    case 'hourly': return DriftSchedule.hourly();
    case 'every': return DriftSchedule.everyHours(Math.min(d.hours, 12));
    case 'daily': return DriftSchedule.daily(d.hours);
    default: return undefined;
  }
}

function windowHours(d: MonitoringData): number {
  return d.schedule === 'daily' ? 24 : d.schedule === 'every' ? Math.min(d.hours, 12) : 1;
}

/** The stage and baseline a monitor watches: imported, as a team monitoring an existing endpoint would. */
export function monitored(stack: Construct): Pick<DriftMonitorProps, 'stage' | 'baseline'> {
  const captureBucket = s3.Bucket.fromBucketName(stack, 'CaptureBucket', 'fuzz-capture');
  const stage = DeploymentStage.fromStageAttributes({
    stageName: 'prod',
    endpointName: 'fuzz-prod',
    dataCaptureBucket: captureBucket,
    dataCapturePrefix: 'data-capture/prod/',
    encryptionKey: kms.Key.fromKeyArn(stack, 'CaptureKey', 'arn:aws:kms:us-east-1:111111111111:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9'),
  });
  const baseline = DriftBaseline.fromS3Prefix(s3.Bucket.fromBucketName(stack, 'BaselineBucket', 'fuzz-artifacts'), 'baselines/fuzz/');
  return { stage, baseline };
}

function buildMonitoring(stack: Stack, d: MonitoringData): void {
  const retrain = d.retrain ? MlPipeline.fromPipelineName(stack, 'Retrain', 'fuzz-training') : undefined;
  new DriftMonitor(stack, 'Drift', {
    ...monitored(stack),
    engine: d.engine === 'model-monitor' ? DriftEngine.modelMonitor() : DriftEngine.processing({ psiThreshold: d.psi }),
    features: d.features,
    featureAlarms: d.features?.slice(0, d.alarmFeatures),
    schedule: schedule(d),
    driftScoreThreshold: d.threshold,
    alarmEvaluationPeriods: d.periods,
    retrainPipeline: retrain,
    // the cooldown must cover one check window
    retrainCooldown: retrain && d.cooldownHours !== undefined ? Duration.hours(windowHours(d) + d.cooldownHours) : undefined,
    notificationEmails: d.emails,
    network: d.network ? new SecureMlNetwork(stack, 'Network') : undefined,
    removalPolicy: d.removalPolicy,
  });
}

const monitoringLayer: Layer = {
  name: 'monitoring',
  validRuns: 12,
  valid: monitoringData.map((d): Generated<MonitoringData> => ({
    data: d, retained: retainedIf(d.removalPolicy), build: (stack) => buildMonitoring(stack, d),
  })),
  invalid: faults<Partial<DriftMonitorProps>>([
    // hourly by default: more than 168 hours of evaluation is beyond CloudWatch's seven days
    ['alarmEvaluationPeriods', fc.oneof(fc.integer({ min: -3, max: 0 }), fc.integer({ min: 169, max: 400 })).map((alarmEvaluationPeriods) => ({ alarmEvaluationPeriods }))],
    ['features', fc.constantFrom(...FEATURES).map((f) => ({ features: [f, f] }))],
    ['featureAlarms', lowerName.map((f) => ({ features: FEATURES, featureAlarms: [`${f}_unknown`] }))],
    ['retrainPipelineParameters', lowerName.map((k) => ({ retrainPipelineParameters: { [k]: 'x' } }))],
    ['reportPrefix', fc.oneof(lowerName, lowerName.map((n) => `/${n}/`)).map((reportPrefix) => ({ reportPrefix }))],
    ['schedule', fc.oneof(fc.integer({ min: 25, max: 48 }), fc.integer({ min: -3, max: 0 })).map((h) => ({ schedule: DriftSchedule.everyHours(h) }))],
  ], (stack, fault) => { new DriftMonitor(stack, 'Drift', { ...monitored(stack), ...fault }); }),
};

/** The workflow layers with generators. */
export const WORKFLOW_LAYERS: Layer[] = [pipelineLayer, ciLayer, deploymentLayer, monitoringLayer];

// ---------------------------------------------------------------- platform

interface PlatformData {
  readonly exploration: boolean;
  readonly pipeline: boolean;
  readonly ci: boolean;
  readonly deployment: boolean;
  readonly monitoring: boolean;
  readonly consumers?: string[];
}

const platformData: fc.Arbitrary<PlatformData> = fc.record({
  exploration: fc.boolean(),
  pipeline: fc.boolean(),
  ci: fc.boolean(),
  deployment: fc.boolean(),
  monitoring: fc.boolean(),
  consumers: option(fc.uniqueArray(fc.stringMatching(/^[2-9]\d{11}$/), { minLength: 1, maxLength: 2 })),
}, { requiredKeys: ['exploration', 'pipeline', 'ci', 'deployment', 'monitoring'] }).map((d) => ({
  ...d,
  // CI needs the pipeline; monitoring needs the deployment (and a baseline, which the pipeline provides)
  ci: d.ci && d.pipeline,
  monitoring: d.monitoring && d.deployment && d.pipeline,
}));

/** The whole platform: every layer composed by MlopsPlatform, layers toggled. */
export const platformLayer: Layer = {
  name: 'platform',
  validRuns: 4,
  valid: platformData.map((d): Generated<PlatformData> => ({
    data: d,
    retained: true,
    build: (stack) => {
      const { consumers, ...on } = d;
      const layers = ([
        [PlatformLayer.EXPLORATION, on.exploration], [PlatformLayer.PIPELINE, on.pipeline], [PlatformLayer.CI, on.ci],
        [PlatformLayer.DEPLOYMENT, on.deployment], [PlatformLayer.MONITORING, on.monitoring],
      ] as Array<[PlatformLayer, boolean]>).filter(([, wanted]) => wanted).map(([layer]) => layer);
      new MlopsPlatform(stack, 'Platform', { layers, consumerAccountIds: consumers });
    },
  })),
  invalid: faults<(stack: Stack) => MlopsPlatformProps>([
    ['layers', fc.constant(() => ({ layers: [PlatformLayer.EXPLORATION, PlatformLayer.CI, PlatformLayer.DEPLOYMENT, PlatformLayer.MONITORING] }))],
    ['layers', fc.constant(() => ({ layers: [PlatformLayer.EXPLORATION, PlatformLayer.PIPELINE, PlatformLayer.CI, PlatformLayer.MONITORING] }))],
    ['monitoringOptions.baseline', fc.constant(() => ({ layers: [PlatformLayer.EXPLORATION, PlatformLayer.DEPLOYMENT, PlatformLayer.MONITORING] }))],
    ['networkOptions', fc.constant((s: Stack) => ({ network: new SecureMlNetwork(s, 'Net'), networkOptions: {} }))],
    ['registryOptions', fc.constant((s: Stack) => ({ registry: ModelRegistry.fromModelPackageGroupName(s, 'Reg', 'churn'), registryOptions: {} }))],
    ['consumerAccountIds', fc.oneof(lowerName, fc.stringMatching(/^\d{5,11}$/)).map((a) => () => ({ consumerAccountIds: [a] }))],
  ], (stack, fault) => { new MlopsPlatform(stack, 'Platform', fault(stack)); }),
};

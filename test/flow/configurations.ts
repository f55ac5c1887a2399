/**
 * The three configurations the flow model covers, built the way a user
 * builds them:
 * (a) the default `MlopsPlatform`;
 * (b) `MlopsAccounts` with a tooling, a staging and a production account,
 *     in an organization that attaches the `SageMakerGuardrail` SCP;
 * (c) the layers composed by hand, without the platform: network, registry,
 *     pipeline, deployment and drift monitor.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cw_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { StackTemplate } from './resolve';
import { ApprovalDeployment, DeploymentTarget, DeploymentTargetAccount } from '../../src/deployment';
import { SageMakerGuardrail } from '../../src/governance';
import { DriftBaseline, DriftMonitor } from '../../src/monitoring';
import { SecureMlNetwork } from '../../src/network';
import { MlPipeline, PipelineDefinition, PipelineParameter, RegisterModelStep, SageMakerImage, TrainingStep } from '../../src/pipeline';
import { MlopsAccounts, MlopsPlatform } from '../../src/platform';
import { ModelRegistry } from '../../src/registry';

export const REGION = 'us-east-1';
export const TOOLING = '111111111111';
export const STAGING = '222222222222';
export const PRODUCTION = '333333333333';
/** An account outside every configuration and outside the organization. */
export const FOREIGN = '444444444444';
/** The organization of configuration (b). */
export const ORG_ID = 'o-mlops0example';

/** The organization a configuration runs in. */
export interface Organization {
  readonly id: string;
  readonly accounts: string[];
  /** The service control policies attached to every member account. */
  readonly scps: Array<{ readonly name: string; readonly document: any }>;
}

/** One built configuration. */
export interface Configuration {
  readonly name: 'platform' | 'accounts' | 'composed' | 'composed-accounts' | 'e2e';
  readonly title: string;
  readonly app: App;
  readonly organization?: Organization;
  /** Buckets the configuration uses but no template defines, with their accounts. */
  readonly externalBuckets?: Record<string, string>;
  /** Constructs the hop generators look at (typed, to read names the templates also hold). */
  readonly handles: Record<string, any>;
}

/** How to make an app (tests pass the compliance harness's `testApp`). */
export type AppFactory = () => App;

const plainApp: AppFactory = () => new App({ context: { 'aws:cdk:disable-creation-stack-traces': true } });

/** (a) The default MlopsPlatform in one account. */
export function buildPlatform(newApp: AppFactory = plainApp): Configuration {
  const app = newApp();
  const stack = new Stack(app, 'Mlops', { env: { account: TOOLING, region: REGION } });
  const platform = new MlopsPlatform(stack, 'Platform');
  return { name: 'platform', title: '(a) default MlopsPlatform, one account', app, handles: { stack, platform } };
}

/** (b) MlopsAccounts: tooling, staging and production, the guardrail SCP on every account. */
export function buildAccounts(newApp: AppFactory = plainApp): Configuration {
  const app = newApp();
  const accounts = new MlopsAccounts(app, 'Mlops', {
    toolingAccountId: TOOLING,
    region: REGION,
    targets: [
      { stageName: 'staging', accountId: STAGING },
      { stageName: 'production', accountId: PRODUCTION, approvalRequired: true, initialInstanceCount: 2 },
    ],
  });
  // The guardrail as an organization would attach it: the SCP document only
  // (built in a scratch app, it is not part of any deployed stack).
  const scratch = new Stack(new App(), 'Guardrail', { env: { account: TOOLING, region: REGION } });
  // No exemption: every target account has a network, and the deployer role
  // creates the models of cross-account stages in it (issue 17).
  const guardrail = new SageMakerGuardrail(scratch, 'Guardrail');
  return {
    name: 'accounts',
    title: '(b) MlopsAccounts: tooling, staging, production; SageMakerGuardrail SCP on every account',
    app,
    organization: {
      id: ORG_ID,
      accounts: [TOOLING, STAGING, PRODUCTION],
      scps: [{ name: 'SageMakerGuardrail', document: JSON.parse(guardrail.toScpJson()) }],
    },
    handles: { accounts },
  };
}

/** The training pipeline of the hand-composed configurations: train, register, read its data with aws-cdk-lib's bucket.grantRead. */
function trainingPipeline(stack: Stack, network: SecureMlNetwork, registry: ModelRegistry): { data: s3.IBucket; pipeline: MlPipeline } {
  const data = s3.Bucket.fromBucketName(stack, 'Data', 'churn-training-data');
  const trainingData = PipelineParameter.string('TrainingData', { defaultValue: 's3://churn-training-data/train/' });
  const train = new TrainingStep('Train', {
    image: SageMakerImage.xgboost(),
    channels: [{ channelName: 'train', s3Uri: trainingData.value, contentType: 'text/csv' }],
  });
  const register = new RegisterModelStep('Register', { image: SageMakerImage.xgboost(), modelDataUrl: train.modelArtifactsUri });
  const pipeline = new MlPipeline(stack, 'Training', {
    pipelineName: 'churn-training',
    definition: PipelineDefinition.fromSteps({ steps: [train, register], parameters: [trainingData] }),
    network,
    registry,
  });
  data.grantRead(pipeline, 'train/*');
  return { data, pipeline };
}

/** (c) The layers composed by hand, as a user who skips MlopsPlatform would. */
export function buildComposed(newApp: AppFactory = plainApp): Configuration {
  const app = newApp();
  const stack = new Stack(app, 'Churn', { env: { account: TOOLING, region: REGION } });
  const network = new SecureMlNetwork(stack, 'Network');
  const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn-models' });
  const { data, pipeline } = trainingPipeline(stack, network, registry);
  // A rollback alarm of the user's own, besides the three the construct creates.
  const latencyP99 = new cloudwatch.Alarm(stack, 'ProductionLatencyP99', {
    metric: new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName: 'ModelLatency',
      statistic: 'p99',
      period: Duration.minutes(1),
      dimensionsMap: { EndpointName: 'churn-prod', VariantName: 'AllTraffic' },
    }),
    threshold: 500000,
    evaluationPeriods: 3,
  });
  const deployment = new ApprovalDeployment(stack, 'Deployment', {
    registry,
    network,
    stages: [
      { stageName: 'staging' },
      { stageName: 'production', endpointName: 'churn-prod', approvalRequired: true, initialInstanceCount: 2, additionalRollbackAlarms: [latencyP99] },
      // The other hosting kinds (issue 18): an asynchronous endpoint that scales in to zero, and nightly batch transforms.
      { stageName: 'queue', target: DeploymentTarget.asynchronous({ minCapacity: 0, maxCapacity: 2 }) },
      {
        stageName: 'nightly',
        target: DeploymentTarget.batch({
          inputBucket: s3.Bucket.fromBucketName(stack, 'Scoring', 'churn-scoring'),
          inputPrefix: 'incoming/',
          schedule: events.Schedule.cron({ hour: '2', minute: '0' }),
        }),
      },
    ],
  });
  const monitor = new DriftMonitor(stack, 'Drift', {
    stage: deployment.stage('production'),
    baseline: DriftBaseline.fromS3Prefix(pipeline.artifactBucket, 'baselines/'),
    network,
    retrainPipeline: pipeline,
  });
  // The batch stage as a drift check's data source: its captured input manifests and the input they name.
  new DriftMonitor(stack, 'BatchDrift', {
    stage: deployment.stage('nightly'),
    baseline: DriftBaseline.fromS3Prefix(pipeline.artifactBucket, 'baselines/'),
    network,
  });
  latencyP99.addAlarmAction(new cw_actions.SnsAction(deployment.notificationTopic));
  const reviewers = new iam.Role(stack, 'Reviewers', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'churn-reviewers' });
  const reviewerPolicy = new iam.ManagedPolicy(stack, 'ReviewersPolicy', { roles: [reviewers] });
  registry.grantApprove(reviewerPolicy);
  deployment.grantGateDecision(reviewerPolicy);
  return {
    name: 'composed',
    title: '(c) layers composed by hand: SecureMlNetwork, ModelRegistry, MlPipeline, ApprovalDeployment, DriftMonitor',
    app,
    externalBuckets: { 'churn-training-data': TOOLING, 'churn-scoring': TOOLING },
    handles: { stack, network, registry, pipeline, deployment, monitor, reviewers, data },
  };
}

/** Options of configuration (d), for its positive controls. */
export interface ComposedAccountsOptions {
  /**
   * Call `DeploymentTargetAccount.allowDriftChecksFrom()` in the production account.
   * @default true
   */
  readonly allowDriftChecks?: boolean;
}

/**
 * (d) The layers composed by hand across two accounts, without MlopsPlatform
 * or MlopsAccounts, with the public API only: the tooling account has the
 * network, registry, pipeline, deployment (staging here, production in
 * another account) and the drift monitor of production; the production
 * account has a DeploymentTargetAccount that opens the production capture to
 * the tooling account's drift checks (`allowDriftChecksFrom`).
 */
export function buildComposedAccounts(newApp: AppFactory = plainApp, options: ComposedAccountsOptions = {}): Configuration {
  const app = newApp();
  const stack = new Stack(app, 'Churn', { env: { account: TOOLING, region: REGION } });
  const network = new SecureMlNetwork(stack, 'Network');
  const registry = new ModelRegistry(stack, 'Registry', { modelPackageGroupName: 'churn-models', consumerAccountIds: [PRODUCTION] });
  const { pipeline } = trainingPipeline(stack, network, registry);
  const deployment = new ApprovalDeployment(stack, 'Deployment', {
    registry,
    network,
    stages: [
      { stageName: 'staging', endpointName: 'churn-staging' },
      { stageName: 'production', endpointName: 'churn-prod', account: PRODUCTION, approvalRequired: true },
    ],
  });
  const production = deployment.stage('production');
  const monitor = new DriftMonitor(stack, 'Drift', {
    stage: production,
    baseline: DriftBaseline.fromS3Prefix(pipeline.artifactBucket, 'baselines/'),
    network,
    retrainPipeline: pipeline,
  });

  const targetStack = new Stack(app, 'ChurnProduction', { env: { account: PRODUCTION, region: REGION } });
  const target = new DeploymentTargetAccount(targetStack, 'Target', {
    toolingAccountId: TOOLING,
    registry: ModelRegistry.fromModelPackageGroupArn(targetStack, 'Registry', `arn:aws:sagemaker:${REGION}:${TOOLING}:model-package-group/churn-models`),
    endpointNames: [production.endpointName],
  });
  if (options.allowDriftChecks ?? true) {
    target.allowDriftChecksFrom(production, TOOLING);
  }
  return {
    name: 'composed-accounts',
    title: '(d) layers composed by hand across accounts: the production stage in its own account (DeploymentTargetAccount), monitored from the tooling account',
    app,
    externalBuckets: { 'churn-training-data': TOOLING },
    handles: { stack, targetStack, network, registry, pipeline, deployment, monitor, target },
  };
}

/** The synthesized stacks of a configuration (the compliance canary left out). */
export function stacksOf(config: Configuration): StackTemplate[] {
  const assembly = config.app.synth();
  return assembly.stacks
    .filter((s) => s.stackName !== 'ComplianceCanary')
    .map((s) => ({ stackName: s.stackName, account: s.environment.account, region: s.environment.region, template: s.template }));
}

/**
 * Calls that must be denied: other accounts, other roles and other
 * services reaching what is not theirs. Each names why it must fail.
 */
import { FOREIGN, PRODUCTION, STAGING, TOOLING } from './configurations';
import { Flow } from './flow';
import { endpointOf, PipelineFacts } from './hops-layers';
import { SAMPLE, samplePackage } from './tasks';

/** A role of an account outside the configuration (and its organization), allowed everything by its own account. */
const OUTSIDER = `arn:aws:iam::${FOREIGN}:role/outsider`;
const ADMIN = [{ name: 'AdministratorAccess', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }];

function sagemakerArn(account: string, resource: string): string {
  return `arn:aws:sagemaker:us-east-1:${account}:${resource}`;
}

/** The must-deny hops of a configuration. */
export function denyHops(flow: Flow, facts: PipelineFacts): void {
  switch (flow.config.name) {
    case 'platform':
      return platformDenials(flow, facts, 'Platform');
    case 'accounts':
      platformDenials(flow, facts, 'Platform', 'Mlops-tooling');
      return accountDenials(flow, facts);
    case 'composed':
      return composedDenials(flow, facts);
  }
}

function endpointName(flow: Flow, stage: string, stackName?: string): string {
  const machine = flow.model.ofType('AWS::StepFunctions::StateMachine')
    .find((m) => !/Starter|CheckWorkflow|Retraining/.test(m.logicalId) && (!stackName || m.stackName === stackName))!;
  return endpointOf(JSON.parse(machine.properties.DefinitionString), stage).toLowerCase();
}

function captureObject(flow: Flow, stackName?: string): string {
  const check = flow.model.ofType('AWS::StepFunctions::StateMachine').find((m) => /CheckWorkflow/.test(m.logicalId) && (!stackName || m.stackName === stackName))!;
  const root: string = JSON.parse(check.properties.DefinitionString).States.Window.Assign.captureRoot;
  return `arn:aws:s3:::${root.replace(/^s3:\/\//, '')}${SAMPLE.folder}capture-0001.jsonl`;
}

/** Denials of the single-account platform (also the tooling account of MlopsAccounts). */
function platformDenials(flow: Flow, facts: PipelineFacts, p: string, stackName?: string): void {
  const m = flow.model;
  const role = (path: string) => m.roleByLogicalId(`${p}${path}`, stackName).arn;
  const artifact = facts.modelArtifact!;
  const studio = m.ofType('AWS::SageMaker::Domain')[0];
  const vpcId: string = studio.properties.VpcId;
  const api = flow.interfaceEndpoint(vpcId, 'sagemaker.api');
  const pkg = samplePackage(flow);
  const group = m.ofType('AWS::SageMaker::ModelPackageGroup')[0];
  const deployment = m.ofType('AWS::StepFunctions::StateMachine').find((s) => s.logicalId.startsWith(`${p}Deployment`) && !s.logicalId.includes('Starter'))!;
  const production = sagemakerArn(TOOLING, `endpoint/${endpointName(flow, 'production', stackName)}`);
  const pipeline = m.ofType('AWS::SageMaker::Pipeline')[0];
  const pipelineArn = sagemakerArn(TOOLING, `pipeline/${pipeline.ref.toLowerCase()}`);

  flow.deny('Another account reads a model artifact', OUTSIDER, 's3:GetObject', artifact,
    'the artifact bucket policy names only consumer accounts', { identityPolicies: ADMIN });
  flow.deny('Another account decrypts with the pipeline key through S3', OUTSIDER, 'kms:Decrypt', flow.bucketKey(artifact.split(':::')[1].split('/')[0])!.keyArn,
    'the key policy names only this account and consumer accounts', { identityPolicies: ADMIN, context: { 'kms:ViaService': 's3.us-east-1.amazonaws.com', 'kms:CallerAccount': FOREIGN } });
  if (flow.config.name === 'platform') {
    flow.deny('Another account reads captured data', OUTSIDER, 's3:GetObject', captureObject(flow, stackName),
      'the capture bucket admits no other account', { identityPolicies: ADMIN });
    flow.deny('Studio user updates the production endpoint', role('ExplorationExecutionRole'), 'sagemaker:UpdateEndpoint', production,
      'Studio may update only endpoints tagged as its own dev endpoints', { endpoints: api, context: { 'aws:ResourceTag/cdk-mlops:stage': 'production' } });
    flow.deny('Model execution role registers a version', role('DeploymentModelExecutionRole'), 'sagemaker:CreateModelPackage', samplePackage(flow, '8'),
      'serving models must not write to the registry');
  }
  flow.deny('Studio user approves a model version', role('ExplorationExecutionRole'), 'sagemaker:UpdateModelPackage', pkg,
    'approval is granted with grantApprove only', { endpoints: api, context: { 'sagemaker:ModelApprovalStatus': 'Approved' } });
  flow.deny('Drift check job writes to the artifact bucket', role('MonitoringCheckJobRole'), 's3:PutObject', artifact,
    'the drift job writes only its report prefix', { endpoints: flow.s3Gateway(vpcId) });
  flow.deny('Pipeline role deletes the registry', role('PipelineRole'), 'sagemaker:DeleteModelPackageGroup', group.arn,
    'the pipeline may only register versions');
  flow.deny('Pipeline role starts a deployment', role('PipelineRole'), 'states:StartExecution', deployment.arn,
    'training is decoupled from deployment: only approval events start it');
  flow.deny('Principal of another account uses the SageMaker API endpoint', OUTSIDER, 'sagemaker:DescribeEndpoint', production,
    'interface endpoint policies admit only principals of the trusted accounts', { identityPolicies: ADMIN, endpoints: api });
  flow.deny('CI run build changes the pipeline definition', role('CiRunRole'), 'sagemaker:UpdatePipeline', pipelineArn,
    'the default CI mode only starts the pipeline (PipelineUpdate.startOnly)', { endpoints: api });
  flow.deny('SageMaker acting for another account assumes the model execution role', 'sagemaker.amazonaws.com', 'sts:AssumeRole',
    role('DeploymentModelExecutionRole'), 'the trust policy requires aws:SourceAccount of this account', { context: { 'aws:SourceAccount': FOREIGN } });
  flow.deny('Alarms of another account use the monitor key', 'cloudwatch.amazonaws.com', 'kms:GenerateDataKey',
    m.resource('AWS::KMS::Key', `${p}MonitoringKey`, stackName).arn, 'the key admits CloudWatch only for alarms of this account',
    { context: { 'aws:SourceAccount': FOREIGN, 'aws:SourceArn': `arn:aws:cloudwatch:us-east-1:${FOREIGN}:alarm:x` } });
  flow.deny('Drift schedule starts the deployment workflow', role('MonitoringScheduleRole'), 'states:StartExecution', deployment.arn,
    'the schedule role starts only the drift check');
  flow.deny('Retraining workflow deletes the pipeline', role('MonitoringRetrainingWorkflowRole'), 'sagemaker:DeletePipeline', pipelineArn,
    'retraining only starts executions');
  flow.deny('Deployment workflow puts an event in SageMaker\'s name', role('DeploymentWorkflowRole'), 'events:PutEvents',
    `arn:aws:events:us-east-1:${TOOLING}:event-bus/default`, 'the workflow puts only events of its own source (events:source condition)',
    { context: { 'events:source': ['aws.sagemaker'], 'events:detail-type': ['SageMaker Model Package State Change'] } });
}

/** Denials across the tooling, staging and production accounts. */
function accountDenials(flow: Flow, facts: PipelineFacts): void {
  const m = flow.model;
  const target = (account: string, path: string) => m.roleByLogicalId(path, stackOf(flow, account)).arn;
  const productionEndpoint = endpointName(flow, 'production', 'Mlops-tooling');
  const production = sagemakerArn(PRODUCTION, `endpoint/${productionEndpoint}`);
  const stagingCapture = captureObject(flow, 'Mlops-tooling').replace(PRODUCTION, STAGING).replace('/production/', '/staging/')
    .replace(productionEndpoint, endpointName(flow, 'staging', 'Mlops-tooling'));
  flow.deny('Staging deployer updates the production endpoint', target(STAGING, 'TargetDeployerRole'), 'sagemaker:UpdateEndpoint', production,
    'each account\'s deployer acts in its own account only');
  flow.deny('Production deployer approves a version in the tooling registry', target(PRODUCTION, 'TargetDeployerRole'), 'sagemaker:UpdateModelPackage',
    samplePackage(flow), 'the group policy lets consumer accounts read and deploy, never approve', { context: { 'sagemaker:ModelApprovalStatus': 'Approved' } });
  flow.deny('Production model role writes to the tooling artifact bucket', target(PRODUCTION, 'TargetModelExecutionRole'), 's3:PutObject', facts.modelArtifact!,
    'consumer accounts may only read artifacts');
  flow.deny('Another account reads production\'s captured data', OUTSIDER, 's3:GetObject', captureObject(flow, 'Mlops-tooling'),
    'the capture bucket admits only the tooling account\'s roles', { identityPolicies: ADMIN });
  flow.deny('Tooling drift job reads staging\'s captured data', m.roleByLogicalId('PlatformMonitoringCheckJobRole', 'Mlops-tooling').arn, 's3:GetObject', stagingCapture,
    'only the monitored stage\'s capture is shared with the tooling account');
  flow.deny('Another account assumes the production deployer role', OUTSIDER, 'sts:AssumeRole', target(PRODUCTION, 'TargetDeployerRole'),
    'the deployer trusts roles of the tooling account only', { identityPolicies: ADMIN });
  flow.deny('Another account reads a tooling version to deploy it', OUTSIDER, 'sagemaker:DescribeModelPackage', samplePackage(flow),
    'the group policy names the target accounts only', { identityPolicies: ADMIN });
  const pipelineRole = m.roleByLogicalId('PlatformPipelineRole', 'Mlops-tooling').arn;
  flow.deny('Training job outside the VPC (SageMakerGuardrail SCP)', pipelineRole, 'sagemaker:CreateTrainingJob',
    sagemakerArn(TOOLING, 'training-job/mlops-platform-adhoc-train'), 'the guardrail SCP denies jobs without sagemaker:VpcSubnets', {
      context: { 'sagemaker:InstanceTypes': ['ml.m5.xlarge'], 'sagemaker:NetworkIsolation': 'true', 'sagemaker:InterContainerTrafficEncryption': 'true' },
    });
  // Target accounts have networks (issue 17): the deployer is not exempted from the VPC requirement.
  flow.deny('Production deployer creates a model outside the VPC (SageMakerGuardrail SCP)', target(PRODUCTION, 'TargetDeployerRole'),
    'sagemaker:CreateModel', sagemakerArn(PRODUCTION, `model/mlops-production-v${SAMPLE.version}-${SAMPLE.olderHash}`),
    'the guardrail SCP denies models without sagemaker:VpcSubnets in every account', { context: { 'sagemaker:NetworkIsolation': 'true' } });
}

function stackOf(flow: Flow, account: string): string {
  return flow.model.resources.find((r) => r.account === account && r.type === 'AWS::IAM::Role')!.stackName;
}

/** Denials of the hand-composed layers. */
function composedDenials(flow: Flow, facts: PipelineFacts): void {
  const m = flow.model;
  const reviewers = m.roles.find((r) => r.name === 'churn-reviewers')!.arn;
  const production = sagemakerArn(TOOLING, `endpoint/${endpointName(flow, 'production')}`);
  flow.deny('Reviewer updates the production endpoint directly', reviewers, 'sagemaker:UpdateEndpoint', production,
    'reviewers approve versions and gates; only the workflow deploys');
  flow.deny('Another account reads a model artifact', OUTSIDER, 's3:GetObject', facts.modelArtifact!,
    'the registry has no consumer accounts, so nobody outside reads artifacts', { identityPolicies: ADMIN });
  flow.deny('Pipeline reads outside its training-data prefix', m.roleByLogicalId('TrainingRole').arn, 's3:GetObject',
    'arn:aws:s3:::churn-training-data/finance/salaries.csv', 'bucket.grantRead(pipeline, "train/*") grants that prefix only', { resourceAccount: TOOLING });
  flow.deny('Model execution role reads the training data', m.roleByLogicalId('DeploymentModelExecutionRole').arn, 's3:GetObject',
    'arn:aws:s3:::churn-training-data/train/train.csv', 'serving models read model artifacts, not training data', { resourceAccount: TOOLING });
  flow.deny('Drift check job starts the retraining pipeline itself', m.roleByLogicalId('DriftCheckJobRole').arn, 'sagemaker:StartPipelineExecution',
    sagemakerArn(TOOLING, 'pipeline/churn-training'), 'only the retraining workflow starts the pipeline, at most once per cooldown');
}

/**
 * SageMaker Python SDK definitions (fromJson/fromFile): what the pipeline role
 * gets (exactly what the steps need, at any depth) and what fails synth.
 * Fixtures are written by the SDK itself (scripts/sdk-definition/).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ENV, newStack } from './helpers';
import { SecureMlNetwork } from '../../src/network';
import { MlPipeline, MlPipelineProps, PipelineDefinition } from '../../src/pipeline';
import { ModelRegistry } from '../../src/registry';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'pipeline');
const JOB_ROLE = 'arn:aws:iam::111111111111:role/example-pipeline-role';
const KEY = 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555';
const SUBNETS = ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'];
const SG = 'sg-0a1b2c3d4e5f60001';
const arn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${rest}`]] });
const read = (file: string) => fs.readFileSync(path.join(FIXTURES, file), 'utf8');

/** The pipeline's managed policy statements. */
function policyOf(stack: Stack): any[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('^SageMaker pipeline') } });
  return Object.values<any>(policies)[0].Properties.PolicyDocument.Statement;
}

/** A pipeline whose key, network and registry are the ones the SDK definition names. */
function matchingPipeline(stack: Stack, definition: PipelineDefinition, extra: Partial<MlPipelineProps> = {}): MlPipeline {
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0a1b2c3d4e5f60001', availabilityZones: ['us-east-1a', 'us-east-1b'], isolatedSubnetIds: SUBNETS });
  return new MlPipeline(stack, 'Pipeline', {
    pipelineName: 'imported',
    definition,
    encryptionKey: kms.Key.fromKeyArn(stack, 'Key', KEY),
    network: SecureMlNetwork.fromNetworkAttributes(stack, 'Network', { vpc, workloadSecurityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', SG) }),
    registry: ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'example-model-group'),
    ...extra,
  });
}

/** The warnings of this library (not those of aws-cdk-lib's imported subnets). */
function ourWarnings(stack: Stack): string[] {
  return Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((w) => String(w.entry.data)).filter((w) => w.includes('[ack: cdk-mlops:'));
}

const jobRoles = (stack: Stack) => [iam.Role.fromRoleArn(stack, 'JobRole', JOB_ROLE, { mutable: false })];

/** Statements every pipeline role has: pass-role, the artifact bucket, the key. */
function baseStatements(roleRef: any, extraPassRoles: string[] = []): any[] {
  return [
    { Action: 'iam:PassRole', Effect: 'Allow', Resource: extraPassRoles.length > 0 ? [roleRef, ...extraPassRoles] : roleRef, Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } },
    { Action: ['s3:ListBucket', 's3:GetBucketLocation'], Effect: 'Allow', Resource: expect.anything() },
    { Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], Effect: 'Allow', Resource: expect.anything() },
    { Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], Effect: 'Allow', Resource: KEY },
    { Action: 'kms:CreateGrant', Effect: 'Allow', Resource: KEY, Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
  ];
}

/** ENI statements for the pipeline's (imported) network. */
const networkStatements = [
  {
    Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
    Effect: 'Allow',
    Resource: '*',
  },
  {
    Action: 'ec2:CreateNetworkInterface',
    Effect: 'Allow',
    Resource: [
      arn('ec2:us-east-1:111111111111:network-interface/*'),
      arn(`ec2:us-east-1:111111111111:subnet/${SUBNETS[0]}`),
      arn(`ec2:us-east-1:111111111111:subnet/${SUBNETS[1]}`),
      arn(`ec2:us-east-1:111111111111:security-group/${SG}`),
    ],
  },
  {
    Action: ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
    Effect: 'Allow',
    Resource: arn('ec2:us-east-1:111111111111:network-interface/*'),
    Condition: { ArnEquals: { 'ec2:Vpc': [arn('ec2:us-east-1:111111111111:vpc/vpc-0a1b2c3d4e5f60001')] } },
  },
];

const processingLogs = [
  {
    Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
    Effect: 'Allow',
    Resource: arn('logs:us-east-1:111111111111:log-group:/aws/sagemaker/ProcessingJobs:*'),
  },
];
const metrics = { Action: 'cloudwatch:PutMetricData', Effect: 'Allow', Resource: '*', Condition: { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/*' } } };

describe('PipelineDefinition.fromFile with SageMaker Python SDK definitions', () => {
  test('a callback + EMR definition (SDK 2.x) gives the role exactly its Lambda, queue, cluster, EMR rule and the job in the branch', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    const pipeline = matchingPipeline(stack, PipelineDefinition.fromFile(path.join(FIXTURES, 'sdk-callback-emr.json'), { jobRoles: jobRoles(stack) }));
    // THEN
    const role = stack.resolve(pipeline.role.roleArn);
    expect(policyOf(stack)).toEqual([
      // The processing job in the condition's if branch, named by the SDK with the custom prefix.
      {
        Action: ['sagemaker:CreateProcessingJob', 'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob', 'sagemaker:AddTags'],
        Effect: 'Allow',
        Resource: arn('sagemaker:us-east-1:111111111111:processing-job/approvals-report*'),
      },
      ...baseStatements(role, [JOB_ROLE]),
      ...processingLogs,
      metrics,
      ...networkStatements,
      // Lambda step (SageMaker Developer Guide, Lambda step: the role invokes the function).
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: 'arn:aws:lambda:us-east-1:111111111111:function:check-input-data' },
      // Callback step: SageMaker sends the token to the queue as the pipeline role.
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: 'arn:aws:sqs:us-east-1:111111111111:model-approvals' },
      // EMR step on a running cluster: the EMR and EventBridge permissions of AmazonSageMakerPipelinesIntegrations, scoped.
      {
        Action: ['elasticmapreduce:AddJobFlowSteps', 'elasticmapreduce:CancelSteps', 'elasticmapreduce:DescribeCluster', 'elasticmapreduce:DescribeStep', 'elasticmapreduce:ListSteps'],
        Effect: 'Allow',
        Resource: arn('elasticmapreduce:us-east-1:111111111111:cluster/j-2AXXXXXXGAPLF'),
      },
      {
        Action: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
        Effect: 'Allow',
        Resource: arn('events:us-east-1:111111111111:rule/SageMakerPipelineExecutionEMRStepStatusUpdateRule'),
      },
    ]);
    expect(ourWarnings(stack)).toEqual([]);
  });

  test('a ForEach definition (SDK 3.x) gives the role the jobs in the ForEach body and the registry of the branch', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    const pipeline = matchingPipeline(stack, PipelineDefinition.fromFile(path.join(FIXTURES, 'sdk3-foreach.json'), { jobRoles: jobRoles(stack) }));
    // THEN
    const role = stack.resolve(pipeline.role.roleArn);
    const statements = policyOf(stack);
    expect(statements.slice(0, 2)).toEqual([
      // Processing in the ForEach body, prefixed by the SDK.
      {
        Action: ['sagemaker:CreateProcessingJob', 'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob', 'sagemaker:AddTags'],
        Effect: 'Allow',
        Resource: arn('sagemaker:us-east-1:111111111111:processing-job/churn-prep*'),
      },
      // Training in the ForEach body: SDK 3.x drops the custom prefix, so the service names it pipelines-...
      {
        Action: ['sagemaker:CreateTrainingJob', 'sagemaker:DescribeTrainingJob', 'sagemaker:StopTrainingJob', 'sagemaker:AddTags'],
        Effect: 'Allow',
        Resource: arn('sagemaker:us-east-1:111111111111:training-job/pipelines-*'),
      },
    ]);
    expect(statements.slice(2)).toEqual([
      ...baseStatements(role, [JOB_ROLE]),
      {
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        Effect: 'Allow',
        Resource: [arn('logs:us-east-1:111111111111:log-group:/aws/sagemaker/ProcessingJobs:*'), arn('logs:us-east-1:111111111111:log-group:/aws/sagemaker/TrainingJobs:*')],
      },
      metrics,
      ...networkStatements,
      // The register step in the condition branch: the MlPipeline's registry (its grantRegister;
      // the Service Authorization Reference authorizes CreateModelPackage on the version, not the group).
      {
        Action: 'sagemaker:DescribeModelPackageGroup',
        Effect: 'Allow',
        Resource: arn('sagemaker:us-east-1:111111111111:model-package-group/example-model-group'),
      },
      {
        Action: ['sagemaker:CreateModelPackage', 'sagemaker:AddTags'],
        Effect: 'Allow',
        Resource: arn('sagemaker:us-east-1:111111111111:model-package/example-model-group/*'),
      },
    ]);
  });

  test('grants nothing the definition does not use: no registry, queue, cluster, function or network', () => {
    // GIVEN
    const stack = newStack();
    const json = JSON.stringify({ Version: '2020-12-01', Steps: [{ Name: 'Stop', Type: 'Fail', Arguments: { ErrorMessage: 'x' } }] });
    // WHEN
    const pipeline = matchingPipeline(stack, PipelineDefinition.fromJson(json));
    // THEN
    expect(policyOf(stack)).toEqual(baseStatements(stack.resolve(pipeline.role.roleArn)));
  });

  test('grants the key, subnets and security group a definition names besides the pipeline\'s, and warns about each', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new MlPipeline(stack, 'Pipeline', {
      definition: PipelineDefinition.fromFile(path.join(FIXTURES, 'sdk-callback-emr.json'), { jobRoles: jobRoles(stack) }),
      network: new SecureMlNetwork(stack, 'Network'),
    });
    // THEN
    const statements = policyOf(stack);
    expect(statements).toEqual(expect.arrayContaining([
      { Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], Effect: 'Allow', Resource: [expect.anything(), KEY] },
      {
        Action: ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
        Effect: 'Allow',
        Resource: arn('ec2:us-east-1:111111111111:network-interface/*'),
        Condition: { ArnEquals: { 'ec2:Subnet': SUBNETS.map((s) => arn(`ec2:us-east-1:111111111111:subnet/${s}`)) } },
      },
    ]));
    // The pipeline's own network is not used by the definition: no statement scoped to its VPC.
    expect(JSON.stringify(statements)).not.toMatch(/ec2:Vpc/);
    const warnings = ourWarnings(stack);
    expect(warnings.filter((w) => w.includes('cdk-mlops:pipelineForeignKey'))).toEqual([
      expect.stringContaining(`fromFile(${path.join(FIXTURES, 'sdk-callback-emr.json')}) step 'Report' (Processing): Arguments.ProcessingOutputConfig.KmsKeyId '${KEY}' is not the MlPipeline's encryptionKey`),
      expect.stringContaining('Arguments.ProcessingResources.ClusterConfig.VolumeKmsKeyId'),
    ]);
    expect(warnings.filter((w) => w.includes('cdk-mlops:pipelineForeignNetwork'))).toHaveLength(3);
  });

  test('scans unknown containers: a step list nested under any key of any step type', () => {
    // GIVEN
    const stack = newStack();
    const training = JSON.parse(read('sdk3-foreach.json')).Steps[0].Arguments.ForEachBody[1];
    const json = JSON.stringify({ Version: '2020-12-01', Steps: [{ Name: 'Later', Type: 'Parallel', Arguments: { Branches: [{ Name: 'B1', Type: 'Group', Arguments: { Members: [training] } }] } }] });
    // WHEN
    matchingPipeline(stack, PipelineDefinition.fromJson(json, { jobRoles: jobRoles(stack) }));
    // THEN
    expect(policyOf(stack)[0]).toEqual(expect.objectContaining({ Action: expect.arrayContaining(['sagemaker:CreateTrainingJob']) }));
    expect(ourWarnings(stack)).toEqual([
      "fromJson step 'Later' (Parallel): the role gets no permission for Parallel steps; grant what they need to the pipeline role yourself. [ack: cdk-mlops:pipelineStepTypeNotScanned]",
      "fromJson step 'B1' (Group): the role gets no permission for Group steps; grant what they need to the pipeline role yourself. [ack: cdk-mlops:pipelineStepTypeNotScanned]",
    ]);
  });
});

describe('PipelineDefinition.fromJson validation', () => {
  const base = () => JSON.parse(read('sdk-callback-emr.json'));
  const report = (d: any) => d.Steps[2].Arguments.IfSteps[1];
  const build = (definition: any, extra: Partial<MlPipelineProps> = {}) => () => {
    const stack = new Stack(undefined, 'Validated', { env: ENV });
    matchingPipeline(stack, PipelineDefinition.fromJson(JSON.stringify(definition), { jobRoles: jobRoles(stack) }), extra);
  };

  test('fails when an S3 URI breaks SageMaker\'s pattern (S3://, sS3://), naming step, field and value', () => {
    const upper = base();
    report(upper).Arguments.ProcessingInputs[0].S3Input.S3Uri = 'S3://example-mlops-artifacts/code/report.py';
    const typo = base();
    report(typo).Arguments.ProcessingOutputConfig.Outputs[0].S3Output.S3Uri = 'sS3://example-mlops-artifacts/reports';
    expect(build(upper)).toThrow(/fromJson Steps\[IsApproved\]\.Arguments\.IfSteps\[Report\]\.Arguments\.ProcessingInputs\[0\]\.S3Input\.S3Uri: got 'S3:\/\/example-mlops-artifacts\/code\/report\.py'; allowed: an S3 URI matching SageMaker's pattern \(https\|s3\):\/\/\(\[\^\/\]\+\)\/\?\(\.\*\) \(lower-case s3:\/\/ or https:\/\/\)\. Fix: write the URI as s3:\/\/<bucket>\/<key>\./);
    expect(build(typo)).toThrow(/IfSteps\[Report\]\.Arguments\.ProcessingOutputConfig\.Outputs\[0\]\.S3Output\.S3Uri: got 'sS3:\/\/example-mlops-artifacts\/reports'/);
  });

  test('fails when a parameter default used as an S3 URI breaks the pattern', () => {
    const definition = base();
    definition.Parameters[0].DefaultValue = 'S3://example-mlops-artifacts/data/input.csv';
    definition.Steps[2].Arguments.IfSteps[1].Arguments.ProcessingInputs[0].S3Input.S3Uri = { Get: 'Parameters.InputData' };
    expect(build(definition)).toThrow(/S3Input\.S3Uri: got 'S3:\/\/example-mlops-artifacts\/data\/input\.csv'.*\(in the pipeline parameter's default\)/);
  });

  test('fails when a RoleArn is not an ARN, or is another role than the pipeline role and jobRoles', () => {
    const notArn = base();
    report(notArn).Arguments.RoleArn = 'example-pipeline-role';
    const other = base();
    report(other).Arguments.RoleArn = 'arn:aws:iam::111111111111:role/someone-else';
    const pipelineRole = () => ({ role: iam.Role.fromRoleArn(new Stack(), 'PipelineRole', 'arn:aws:iam::111111111111:role/pipeline-role') });
    expect(build(notArn)).toThrow(/IfSteps\[Report\]\.Arguments\.RoleArn: got 'example-pipeline-role'; allowed: an IAM role ARN \(arn:aws:iam::<account>:role\/<name>\)/);
    expect(build(other, pipelineRole())).toThrow(/Arguments\.RoleArn: got 'arn:aws:iam::111111111111:role\/someone-else'; allowed: the pipeline role \(arn:aws:iam::111111111111:role\/pipeline-role\) or a role in jobRoles of fromJson\/fromFile\. Fix: pass role: iam\.Role\.fromRoleArn\(this, 'Role', 'arn:aws:iam::111111111111:role\/someone-else'\) to the MlPipeline, or list that role in jobRoles/);
  });

  test('warns when a RoleArn cannot be compared with a pipeline role known only at deploy time', () => {
    // GIVEN the role the MlPipeline creates, and no jobRoles
    const stack = newStack();
    // WHEN
    matchingPipeline(stack, PipelineDefinition.fromFile(path.join(FIXTURES, 'sdk-callback-emr.json')));
    // THEN
    expect(ourWarnings(stack)).toEqual([
      `fromFile(${path.join(FIXTURES, 'sdk-callback-emr.json')}) step 'Report' (Processing): Arguments.RoleArn '${JOB_ROLE}' cannot be compared with the pipeline role, whose ARN is only known at deploy time; the pipeline role may pass only itself. If it is another role, list it in jobRoles of fromJson/fromFile. [ack: cdk-mlops:pipelineRoleUnverified]`,
    ]);
  });

  test('fails when a register step names another group than the registry, or the pipeline has no registry', () => {
    const definition = JSON.parse(read('sdk3-foreach.json'));
    const other = new ModelRegistry(new Stack(), 'Other', { modelPackageGroupName: 'churn' });
    expect(build(definition, { registry: ModelRegistry.fromModelPackageGroupName(new Stack(), 'R', 'churn') }))
      .toThrow(/Steps\[EnoughRegions\]\.Arguments\.IfSteps\[RegisterFirstRegion\]\.Arguments\.ModelPackageGroupName: got 'example-model-group'; allowed: the MlPipeline's registry, model package group 'churn'/);
    expect(other.modelPackageGroupName).toBe('churn');
    expect(build(definition, { registry: undefined }))
      .toThrow(/ModelPackageGroupName: got 'example-model-group'; allowed: the model package group of the MlPipeline's registry \(the MlPipeline has none\)\. Fix: pass registry to the MlPipeline, e\.g\. ModelRegistry\.fromModelPackageGroupName\(this, 'Registry', 'example-model-group'\)/);
  });

  test('fails when a Lambda, callback or EMR step names its target in a form that cannot be scoped', () => {
    const definition = base();
    definition.Steps[0].FunctionArn = 'check-input-data';
    definition.Steps[1].SqsQueueUrl = 'model-approvals';
    definition.Steps[2].Arguments.IfSteps[0].Arguments.ClusterId = 'cluster-1';
    expect(build(definition)).toThrow(/PipelineDefinition has 3 invalid problems:\n- fromJson Steps\[CheckInput\]\.FunctionArn: got 'check-input-data'.*\n- fromJson Steps\[Approve\]\.SqsQueueUrl: got 'model-approvals'.*\n- fromJson Steps\[IsApproved\]\.Arguments\.IfSteps\[Features\]\.Arguments\.ClusterId: got 'cluster-1'/);
  });

  test('warns when a tuning job prefix is longer than SageMaker Pipelines accepts', () => {
    // GIVEN
    const stack = newStack();
    const tune = { Name: 'Tune', Type: 'Tuning', Arguments: { HyperParameterTuningJobName: 'abalone-tune-2024' } };
    // WHEN
    matchingPipeline(stack, PipelineDefinition.fromJson(JSON.stringify({ Version: '2020-12-01', Steps: [tune] })));
    // THEN
    expect(ourWarnings(stack)).toEqual([
      "fromJson step 'Tune' (Tuning): HyperParameterTuningJobName 'abalone-tune-2024' has 17 characters; SageMaker Pipelines accepts at most 6 for the job name prefix of Tuning steps. Shorten it. [ack: cdk-mlops:pipelineJobPrefixTooLong]",
    ]);
  });
});

import { ArnFormat, Duration, IResource, Names, RemovalPolicy, Resource, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { placeBuildsInNetwork } from './build-network';
import { validateCiPipelineProps } from './ci-pipeline-validation';
import { CiSource } from './ci-source';
import { PipelineUpdate } from './pipeline-update';
import { ISecureMlNetwork } from '../network';
import { IMlPipeline } from '../pipeline';
import { acknowledge } from '../private/acknowledgements';
import { runBuildSpec, testBuildSpec } from './private/buildspec';
import { grantBucketAccess } from './private/grants';
import { CiSourceHost } from './private/types';
import { ManagedPolicyGrantee } from '../private/managed-policy-grantee';
import { createSecureBucket, createSecureKey, createSecureLogGroup } from '../private/secure-defaults';

/**
 * A CI pipeline (AWS CodePipeline) in front of a SageMaker pipeline, as other
 * layers and apps see it.
 */
export interface ICiPipeline extends IResource {
  /**
   * The name of the CodePipeline pipeline.
   * @attribute
   */
  readonly pipelineName: string;
  /**
   * The ARN of the CodePipeline pipeline.
   * @attribute
   */
  readonly pipelineArn: string;
  /**
   * An EventBridge rule for every state change of a run of this CI pipeline
   * (`CodePipeline Pipeline Execution State Change`).
   */
  onStateChange(id: string, options?: events.OnEventOptions): events.Rule;
  /** An EventBridge rule for runs of this CI pipeline that failed (tests or update). */
  onFailed(id: string, options?: events.OnEventOptions): events.Rule;
  /** An EventBridge rule for runs of this CI pipeline that succeeded. */
  onSucceeded(id: string, options?: events.OnEventOptions): events.Rule;
  /**
   * A metric of this pipeline in the `AWS/CodePipeline` namespace, dimension
   * `PipelineName` (published for V2 pipelines).
   */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** `FailedPipelineExecutions`: runs that failed (Sum). */
  metricFailedPipelineExecutions(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** `PipelineDuration`: how long completed runs took, in seconds (Average). */
  metricPipelineDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/**
 * Attributes of a CI pipeline defined elsewhere.
 */
export interface CiPipelineAttributes {
  /** The name of the CodePipeline pipeline. */
  readonly pipelineName: string;
}

const PIPELINE_EXECUTION_STATE_CHANGE = 'CodePipeline Pipeline Execution State Change';
const STAGE_EXECUTION_STATE_CHANGE = 'CodePipeline Stage Execution State Change';

abstract class CiPipelineBase extends Resource implements ICiPipeline {
  public abstract readonly pipelineName: string;
  public abstract readonly pipelineArn: string;

  public onStateChange(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.rule(id, options);
  }

  public onFailed(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.rule(id, options, ['FAILED']);
  }

  public onSucceeded(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.rule(id, options, ['SUCCEEDED']);
  }

  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/CodePipeline',
      metricName,
      dimensionsMap: { PipelineName: this.pipelineName },
      ...props,
    }).attachTo(this);
  }

  public metricFailedPipelineExecutions(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('FailedPipelineExecutions', { statistic: 'Sum', ...props });
  }

  public metricPipelineDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('PipelineDuration', { statistic: 'Average', ...props });
  }

  private rule(id: string, options: events.OnEventOptions, states?: string[]): events.Rule {
    const rule = new events.Rule(this, id, options);
    rule.addEventPattern({
      source: ['aws.codepipeline'],
      detailType: [PIPELINE_EXECUTION_STATE_CHANGE],
      detail: {
        pipeline: [this.pipelineName],
        ...(states ? { state: states } : {}),
      },
    });
    if (options.target) {
      rule.addTarget(options.target);
    }
    return rule;
  }
}

/**
 * Properties of a CiPipeline.
 */
export interface CiPipelineProps {
  /** The SageMaker pipeline CI updates and starts. */
  readonly pipeline: IMlPipeline;
  /** Where the ML code comes from. */
  readonly source: CiSource;
  /**
   * How a tested change reaches the SageMaker pipeline.
   * @default PipelineUpdate.startOnly() - start an execution, publish nothing
   */
  readonly update?: PipelineUpdate;
  /**
   * Name of the CodePipeline pipeline. Changing it replaces the pipeline.
   * @default - generated by CloudFormation
   */
  readonly pipelineName?: string;
  /**
   * Commands that install what the tests (and a definition-generating
   * command) need.
   * @default - install `requirements.txt` when present, then pytest
   */
  readonly installCommands?: string[];
  /**
   * The test command. It must write JUnit XML to `testReportPath` for the
   * report group; a non-zero exit fails the CI run.
   * @default 'python -m pytest --junitxml=test-reports/junit.xml'
   */
  readonly testCommand?: string;
  /**
   * Where the test command writes JUnit XML, relative to the repository root.
   * @default 'test-reports/junit.xml'
   */
  readonly testReportPath?: string;
  /**
   * Python version of the build image (`runtime-versions` of the buildspec).
   * @default '3.12'
   */
  readonly pythonVersion?: string;
  /**
   * Build image of both builds. Keep an image CodeBuild manages
   * (`aws/codebuild/...`): custom images are not patched by AWS.
   * @default codebuild.LinuxBuildImage.STANDARD_7_0
   */
  readonly buildImage?: codebuild.IBuildImage;
  /**
   * Compute type of both builds.
   * @default codebuild.ComputeType.SMALL
   */
  readonly computeType?: codebuild.ComputeType;
  /**
   * How long the test build may run (5 minutes to 36 hours).
   * @default Duration.hours(1)
   */
  readonly testTimeout?: Duration;
  /**
   * Wait for the SageMaker pipeline execution and fail the CI run unless it
   * succeeds. The build polls every 30 seconds and is billed while it waits.
   * @default false - CI succeeds once the execution has started; failures of
   * the execution are still notified
   */
  readonly waitForExecution?: boolean;
  /**
   * How long to wait for the execution (5 minutes to 35 hours). Only with
   * `waitForExecution`.
   * @default Duration.hours(2)
   */
  readonly executionTimeout?: Duration;
  /**
   * Run both builds inside this network (its subnets and workload security
   * group). The network is asked for the CloudWatch Logs, STS, SageMaker API
   * and CodeBuild endpoints; S3 goes through its gateway endpoint. Installing
   * packages from PyPI needs internet egress or a CodeArtifact mirror.
   * @default - builds run in CodeBuild's own network
   */
  readonly network?: ISecureMlNetwork;
  /**
   * Key for the artifact bucket, builds, logs, reports and notifications.
   * A key you bring must let CloudWatch Logs and EventBridge use it.
   * @default - a new customer-managed key with rotation, retained
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Bucket for pipeline artifacts and exported test reports. It must be
   * encrypted with a customer-managed key (`encryptionKey` of the bucket).
   * @default - a new KMS-encrypted, TLS-only, versioned, access-logged bucket
   */
  readonly artifactBucket?: s3.IBucket;
  /**
   * How long build logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Topic that receives failure notifications (tests, update, execution).
   * @default - a new KMS-encrypted, TLS-only topic
   */
  readonly notificationTopic?: sns.ITopic;
  /**
   * Email addresses subscribed to failure notifications.
   * @default - none
   */
  readonly notificationEmails?: string[];
  /**
   * Further subscriptions to failure notifications (SQS, Lambda, HTTPS...).
   * @default - none
   */
  readonly notificationSubscriptions?: sns.ITopicSubscription[];
  /**
   * What happens to the key, buckets, log groups and report group on stack delete.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Default install commands: the repository's requirements, then pytest. */
const DEFAULT_INSTALL = [
  'python -m pip install --upgrade pip',
  'if [ -f requirements.txt ]; then python -m pip install -r requirements.txt; fi',
  'python -m pip install pytest',
];

/**
 * Continuous integration for an ML repository: every change on the branch is
 * tested, then rolled into the SageMaker pipeline with no manual step.
 *
 * An AWS CodePipeline (V2) with three stages:
 * 1. **Source**: `CiSource.connection()` (GitHub, GitLab, Bitbucket),
 *    `CiSource.s3()` or `CiSource.codeCommit()`.
 * 2. **Test**: a CodeBuild project installs the requirements and runs the
 *    tests; JUnit results go to a CodeBuild report group.
 * 3. **UpdateAndRun**: a second CodeBuild project updates the SageMaker
 *    pipeline (`PipelineUpdate`) and starts an execution, optionally waiting
 *    for it.
 *
 * Failures of the tests, the update and the SageMaker execution are sent to
 * an encrypted SNS topic. The builds are not privileged, encrypted with a
 * customer-managed key and log to encrypted log groups; the update build can
 * update and start only this one SageMaker pipeline.
 */
export class CiPipeline extends CiPipelineBase {
  /** Import a CI pipeline by its attributes. */
  public static fromCiPipelineAttributes(scope: Construct, id: string, attrs: CiPipelineAttributes): ICiPipeline {
    return new ImportedCiPipeline(scope, id, attrs.pipelineName);
  }

  /** Import a CI pipeline by its ARN (`arn:aws:codepipeline:<region>:<account>:<name>`). */
  public static fromCiPipelineArn(scope: Construct, id: string, pipelineArn: string): ICiPipeline {
    const name = Stack.of(scope).splitArn(pipelineArn, ArnFormat.NO_RESOURCE_NAME).resource;
    return new ImportedCiPipeline(scope, id, name, pipelineArn);
  }

  public readonly pipelineName: string;
  public readonly pipelineArn: string;
  /** The CodePipeline pipeline. */
  public readonly codePipeline: codepipeline.Pipeline;
  /** The SageMaker pipeline CI updates and starts. */
  public readonly mlPipeline: IMlPipeline;
  /** The build that runs the tests. */
  public readonly testProject: codebuild.IProject;
  /** The build that updates and starts the SageMaker pipeline. */
  public readonly runProject: codebuild.IProject;
  /** The report group with the JUnit results of the tests. */
  public readonly testReportGroup: codebuild.IReportGroup;
  /** The bucket of pipeline artifacts and exported test reports. */
  public readonly artifactBucket: s3.IBucket;
  /** The key encrypting artifacts, builds, logs and notifications. */
  public readonly encryptionKey: kms.IKey;
  /** The topic failure notifications go to. */
  public readonly notificationTopic: sns.ITopic;
  /** The log group of the test build. */
  public readonly testLogGroup: logs.ILogGroup;
  /** The log group of the update-and-run build. */
  public readonly runLogGroup: logs.ILogGroup;

  private eventsRole?: iam.IRole;

  constructor(scope: Construct, id: string, props: CiPipelineProps) {
    super(scope, id);
    const update = props.update ?? PipelineUpdate.startOnly();
    validateCiPipelineProps(this, props, update);

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const wait = props.waitForExecution ?? false;
    this.mlPipeline = props.pipeline;
    this.encryptionKey = props.encryptionKey ?? createSecureKey(this, 'Key', {
      description: `cdk-mlops CI ${this.node.path}: artifacts, builds, logs, notifications`,
      removalPolicy,
    });
    this.artifactBucket = props.artifactBucket ?? createSecureBucket(this, 'ArtifactBucket', {
      encryptionKey: this.encryptionKey,
      removalPolicy,
    });
    const artifactObjects = this.artifactBucket.arnForObjects('*');

    // Roles: one per principal, every permission in one customer-managed policy.
    const pipelineGrantee = this.serviceRole('Pipeline', 'codepipeline.amazonaws.com', 'CI pipeline: read the source, start the builds');
    const testGrantee = this.serviceRole('Test', 'codebuild.amazonaws.com', 'CI test build: read the source, write logs and test reports');
    const runGrantee = this.serviceRole('Run', 'codebuild.amazonaws.com', 'CI update build: update and start one SageMaker pipeline');

    // Logs and reports.
    this.testLogGroup = createSecureLogGroup(this, 'TestLogGroup', { encryptionKey: this.encryptionKey, retention: props.logRetention, removalPolicy });
    this.runLogGroup = createSecureLogGroup(this, 'RunLogGroup', { encryptionKey: this.encryptionKey, retention: props.logRetention, removalPolicy });
    const reportGroup = new codebuild.ReportGroup(this, 'TestReports', {
      type: codebuild.ReportGroupType.TEST,
      exportBucket: this.artifactBucket,
      zipExport: true,
      removalPolicy,
      // A report group with reports can only be deleted together with them.
      deleteReports: removalPolicy === RemovalPolicy.DESTROY,
    });
    (reportGroup.node.defaultChild as codebuild.CfnReportGroup).addPropertyOverride('ExportConfig.S3Destination.Path', 'test-reports');
    this.testReportGroup = reportGroup;

    // Builds.
    const pythonVersion = props.pythonVersion ?? '3.12';
    const installCommands = props.installCommands ?? DEFAULT_INSTALL;
    const reportPath = props.testReportPath ?? 'test-reports/junit.xml';
    const binding = update._bind({ scope: this, grantee: runGrantee });
    const executionTimeout = props.executionTimeout ?? Duration.hours(2);

    const testProject = new codebuild.PipelineProject(this, 'TestProject', {
      description: `Tests of the ML code (${props.source.kind} source)`,
      role: testGrantee.immutableRole,
      encryptionKey: this.encryptionKey,
      environment: { buildImage: props.buildImage ?? codebuild.LinuxBuildImage.STANDARD_7_0, computeType: props.computeType, privileged: false },
      logging: { cloudWatch: { logGroup: this.testLogGroup } },
      timeout: props.testTimeout ?? Duration.hours(1),
      buildSpec: testBuildSpec({
        pythonVersion,
        installCommands,
        testCommand: props.testCommand ?? `python -m pytest --junitxml=${reportPath}`,
        reportPath,
        reportGroupArn: reportGroup.reportGroupArn,
      }),
      grantReportGroupPermissions: false,
    });
    this.testProject = testProject;

    const runProject = new codebuild.PipelineProject(this, 'RunProject', {
      description: `Update and start SageMaker pipeline (${update.mode})`,
      role: runGrantee.immutableRole,
      encryptionKey: this.encryptionKey,
      environment: { buildImage: props.buildImage ?? codebuild.LinuxBuildImage.STANDARD_7_0, computeType: props.computeType, privileged: false },
      environmentVariables: {
        PIPELINE_NAME: { value: props.pipeline.pipelineName },
        EXECUTION_TIMEOUT_SECONDS: { value: String(executionTimeout.toSeconds()) },
        ...Object.fromEntries(Object.entries(binding.environment).map(([k, v]) => [k, { value: v }])),
      },
      logging: { cloudWatch: { logGroup: this.runLogGroup } },
      timeout: wait ? executionTimeout.plus(Duration.minutes(60)) : Duration.minutes(60),
      buildSpec: runBuildSpec({
        pythonVersion,
        installCommands: binding.needsInstall ? installCommands : [],
        updateCommands: binding.commands,
        startParameters: binding.startParameters,
        wait,
      }),
      grantReportGroupPermissions: false,
    });
    this.runProject = runProject;
    testProject.node.addDependency(testGrantee.policy);
    runProject.node.addDependency(runGrantee.policy);
    acknowledge(testProject, 'ciPipelineSourcedBuild');
    acknowledge(runProject, 'ciPipelineSourcedBuild');

    // Permissions of the builds. Artifacts are encrypted with the bucket's
    // key, which is this key unless you bring a bucket with another one.
    const keys = [this.encryptionKey];
    const artifactKey = this.artifactBucket.encryptionKey;
    if (artifactKey && artifactKey !== this.encryptionKey) {
      keys.push(artifactKey);
    }
    for (const [grantee, logGroup] of [[testGrantee, this.testLogGroup], [runGrantee, this.runLogGroup]] as const) {
      iam.Grant.addToPrincipal({ grantee, actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resourceArns: [logGroup.logGroupArn] });
      keys.forEach((key) => key.grant(grantee, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'));
      grantBucketAccess(this, this.artifactBucket, grantee, ['s3:GetObject', 's3:GetObjectVersion'], [artifactObjects]);
    }
    iam.Grant.addToPrincipal({
      grantee: testGrantee,
      actions: ['codebuild:CreateReport', 'codebuild:UpdateReport', 'codebuild:BatchPutTestCases', 'codebuild:BatchPutCodeCoverages'],
      resourceArns: [reportGroup.reportGroupArn],
    });
    grantBucketAccess(this, this.artifactBucket, testGrantee, ['s3:PutObject'], [this.artifactBucket.arnForObjects('test-reports/*')]);
    if (update.mode === 'definition') {
      props.pipeline.grantUpdate(runGrantee);
    }
    props.pipeline.grantStartPipelineExecution(runGrantee);
    if (wait) {
      // Polls with ListPipelineExecutions on the pipeline ARN only; no
      // permission on execution ARNs (which would need a wildcard).
      iam.Grant.addToPrincipal({ grantee: runGrantee, actions: ['sagemaker:ListPipelineExecutions'], resourceArns: [props.pipeline.pipelineArn] });
    }
    if (props.network) {
      placeBuildsInNetwork(this, props.network, [testProject, runProject], [testGrantee, runGrantee]);
    }

    // The pipeline.
    this.codePipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineName: props.pipelineName,
      pipelineType: codepipeline.PipelineType.V2,
      artifactBucket: this.artifactBucket,
      role: pipelineGrantee.immutableRole,
      usePipelineRoleForActions: true,
      restartExecutionOnUpdate: false,
    });
    // CodePipeline starts a run as soon as it exists: its permissions first.
    this.codePipeline.node.addDependency(pipelineGrantee.policy);
    this.pipelineName = this.codePipeline.pipelineName;
    this.pipelineArn = this.codePipeline.pipelineArn;
    grantBucketAccess(this, this.artifactBucket, pipelineGrantee, ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'], [artifactObjects]);
    grantBucketAccess(this, this.artifactBucket, pipelineGrantee, ['s3:GetBucketVersioning', 's3:GetBucketLocation', 's3:ListBucket'], [this.artifactBucket.bucketArn]);
    keys.forEach((key) => key.grant(pipelineGrantee, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'));
    iam.Grant.addToPrincipal({
      grantee: pipelineGrantee,
      actions: ['codebuild:StartBuild', 'codebuild:BatchGetBuilds', 'codebuild:StopBuild'],
      resourceArns: [testProject.projectArn, runProject.projectArn],
    });

    const sourceOutput = new codepipeline.Artifact('Source');
    const host: CiSourceHost = {
      scope: this,
      output: sourceOutput,
      pipeline: this.codePipeline,
      pipelineGrantee,
      eventRole: () => this.eventRole(),
    };
    const source = props.source._bind(host);
    this.codePipeline.addStage({ stageName: 'Source', actions: [source.action] });
    this.codePipeline.addStage({
      stageName: 'Test',
      actions: [new actions.CodeBuildAction({
        actionName: 'Test',
        project: testProject,
        input: sourceOutput,
      })],
    });
    this.codePipeline.addStage({
      stageName: 'UpdateAndRun',
      actions: [new actions.CodeBuildAction({
        actionName: 'UpdateAndRun',
        project: runProject,
        input: sourceOutput,
        variablesNamespace: 'Run',
      })],
    });
    if (source.trigger) {
      this.codePipeline.addTrigger(source.trigger);
    }

    this.notificationTopic = this.createNotifications(props);
  }

  /**
   * A role assumed by a service principal with one customer-managed policy;
   * returns the grantee whose grants land in that policy.
   */
  private serviceRole(prefix: string, service: string, description: string): ManagedPolicyGrantee {
    const role = new iam.Role(this, `${prefix}Role`, {
      assumedBy: new iam.ServicePrincipal(service, {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description,
    });
    const policy = new iam.ManagedPolicy(this, `${prefix}Policy`, { description, roles: [role] });
    return new ManagedPolicyGrantee(role, policy);
  }

  private eventRole(): iam.IRole {
    this.eventsRole ??= this.createEventRole();
    return this.eventsRole;
  }

  /** The role EventBridge assumes to start this pipeline (S3 and CodeCommit sources). */
  private createEventRole(): iam.IRole {
    const grantee = this.serviceRole('SourceEvents', 'events.amazonaws.com', 'EventBridge: start the CI pipeline on a source change');
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['codepipeline:StartPipelineExecution'],
      resourceArns: [this.codePipeline.pipelineArn],
    });
    return grantee.immutableRole;
  }

  private createNotifications(props: CiPipelineProps): sns.ITopic {
    const topic = props.notificationTopic ?? new sns.Topic(this, 'NotificationTopic', {
      displayName: 'CI pipeline failures',
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    if (!props.notificationTopic) {
      // EventBridge publishes to the encrypted topic with this key.
      this.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'AllowEventBridgeToPublishToEncryptedTopic',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }), false);
    }
    for (const email of props.notificationEmails ?? []) {
      topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    for (const subscription of props.notificationSubscriptions ?? []) {
      topic.addSubscription(subscription);
    }

    // Tests or update failed: the stage that failed names which.
    new events.Rule(this, 'StageFailed', {
      description: 'A stage of the CI pipeline failed (Test: the tests; UpdateAndRun: update, start or execution)',
      eventPattern: {
        source: ['aws.codepipeline'],
        detailType: [STAGE_EXECUTION_STATE_CHANGE],
        detail: { pipeline: [this.pipelineName], state: ['FAILED'] },
      },
      targets: [new targets.SnsTopic(topic, {
        message: events.RuleTargetInput.fromText(
          `CI pipeline ${events.EventField.fromPath('$.detail.pipeline')}: stage ${events.EventField.fromPath('$.detail.stage')} failed `
          + `(execution ${events.EventField.fromPath('$.detail.execution-id')}, region ${events.EventField.fromPath('$.region')}).`),
      })],
    });

    // The SageMaker execution CI started failed (also when CI did not wait).
    const executionMessage = events.RuleTargetInput.fromText(
      `SageMaker pipeline execution failed: ${events.EventField.fromPath('$.detail.pipelineExecutionArn')}.`);
    const pipeline = props.pipeline;
    if (Stack.of(pipeline) === Stack.of(this)) {
      pipeline.onExecutionFailed(`CiNotify${Names.uniqueId(this)}`.slice(0, 200), {
        description: `Failed execution of the SageMaker pipeline, notified by CI pipeline ${this.node.path}`,
        target: new targets.SnsTopic(topic, { message: executionMessage }),
      });
    } else {
      // A rule in the pipeline's stack targeting this topic would make the
      // two stacks reference each other; match the same event here instead.
      new events.Rule(this, 'ExecutionFailed', {
        description: 'The SageMaker pipeline execution failed',
        eventPattern: {
          source: ['aws.sagemaker'],
          detailType: ['SageMaker Model Building Pipeline Execution Status Change'],
          detail: { pipelineArn: [pipeline.pipelineArn], currentPipelineExecutionStatus: ['Failed'] },
        },
        targets: [new targets.SnsTopic(topic, { message: executionMessage })],
      });
    }
    return topic;
  }
}

class ImportedCiPipeline extends CiPipelineBase {
  public readonly pipelineName: string;
  public readonly pipelineArn: string;

  constructor(scope: Construct, id: string, pipelineName: string, pipelineArn?: string) {
    super(scope, id);
    this.pipelineName = pipelineName;
    this.pipelineArn = pipelineArn ?? Stack.of(this).formatArn({
      service: 'codepipeline',
      resource: pipelineName,
      arnFormat: ArnFormat.NO_RESOURCE_NAME,
    });
  }
}

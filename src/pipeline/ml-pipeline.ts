import { Arn, ArnFormat, Duration, RemovalPolicy, Resource, Stack, TimeZone, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { ISecureMlNetwork } from '../network';
import { DEFAULT_INLINE_LIMIT } from './definition-placement';
import { IMlPipeline, MlPipelineAttributes } from './ml-pipeline-interface';
import { defaultJobPrefix, generatedName, validateProps } from './ml-pipeline-validation';
import { pipelineArnFromName } from './pipeline-arn';
import { PipelineDefinition, PipelineDefinitionConfig } from './pipeline-definition';
import { pipelineRoleStatements } from './pipeline-role';
import { ManagedPolicyGrantee } from '../private/managed-policy-grantee';
import { fail } from '../private/validation';
import { acknowledgePipelineWildcards } from './private/acknowledgements';
import { PipelineGrantee } from './private/pipeline-grantee';
import { ScheduleRole } from './private/schedule-role';
import { createSecureBucket, createSecureKey } from '../private/secure-defaults';
import { IModelRegistry, IModelSource, ModelSource } from '../registry';

/** Properties of an MlPipeline. */
export interface MlPipelineProps {
  /** The definition: typed steps, SageMaker Python SDK JSON, or S3. */
  readonly definition: PipelineDefinition;
  /**
   * Pipeline name. Changing it replaces the pipeline.
   * @default - a name generated from the construct path
   */
  readonly pipelineName?: string;
  /**
   * Name shown in Studio.
   * @default - the pipeline name
   */
  readonly displayName?: string;
  /**
   * Description.
   * @default - none
   */
  readonly description?: string;
  /**
   * Execution role of the pipeline and its jobs. When given, the construct
   * adds its grants to it (imported roles: add them yourself).
   * @default - a least-privilege role scoped to this pipeline's jobs, bucket, key and registry
   */
  readonly role?: iam.IRole;
  /**
   * Bucket for job outputs and model artifacts.
   * @default - a KMS-encrypted, TLS-only, versioned, access-logged bucket, retained
   */
  readonly artifactBucket?: s3.IBucket;
  /**
   * Key for the artifact bucket, job volumes and job outputs.
   * @default - a customer-managed key with rotation, retained
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Network the jobs run in (subnets and workload security group). The
   * network is asked for the endpoints jobs need.
   * @default - jobs run without VPC
   */
  readonly network?: ISecureMlNetwork;
  /**
   * Registry that register steps write to when they name none; the role is
   * granted to register into it, and its consumer accounts to read the artifacts.
   * @default - none
   */
  readonly registry?: IModelRegistry;
  /**
   * Prefix of the names of the jobs the pipeline starts (lower case letters,
   * digits and hyphens, at most 24 characters). The role may only create and
   * touch jobs with this prefix.
   * @default - derived from the pipeline name
   */
  readonly jobNamePrefix?: string;
  /**
   * Maximum number of steps that run in parallel.
   * @default - the service default (50)
   */
  readonly maxParallelExecutionSteps?: number;
  /**
   * Definitions up to this many characters are inlined in the template
   * (CDK tokens resolved by CloudFormation); larger static ones are uploaded
   * to S3.
   * @default 250000
   */
  readonly inlineDefinitionLimit?: number;
  /**
   * What happens to the bucket and key the construct creates on stack delete.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Options of a schedule. */
export interface PipelineScheduleOptions {
  /**
   * When to run, e.g. `scheduler.ScheduleExpression.cron({ hour: '3', minute: '0' })`
   * or `scheduler.ScheduleExpression.rate(Duration.days(1))`.
   */
  readonly schedule: scheduler.ScheduleExpression;
  /**
   * Time zone the expression is evaluated in. Set it here or in the
   * expression (`cron({ timeZone })`, `expression(expr, timeZone)`), not in both.
   * @default - the expression's time zone, else UTC
   */
  readonly timeZone?: TimeZone;
  /**
   * Pipeline parameters of the executions.
   * @default - the parameters' defaults
   */
  readonly parameters?: { [name: string]: string };
  /**
   * Whether the schedule is enabled.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Description.
   * @default - none
   */
  readonly description?: string;
}

/**
 * The schedule expression of `options` in its time zone: the one given in
 * `timeZone`, else the expression's, else UTC (rendered `UTC`, as before
 * the L2). aws-cdk-lib gives a cron expression without a time zone
 * `Etc/UTC`, so that one counts as unset.
 */
function scheduleIn(scope: Construct, options: PipelineScheduleOptions): scheduler.ScheduleExpression {
  const fromExpression = options.schedule.timeZone;
  const own = fromExpression && fromExpression.timezoneName !== TimeZone.ETC_UTC.timezoneName ? fromExpression : undefined;
  const given = options.timeZone;
  if (given && own && given.timezoneName !== own.timezoneName) {
    fail(scope, 'MlPipeline.addSchedule', {
      prop: 'timeZone',
      value: given.timezoneName,
      allowed: `the time zone of the schedule expression (${own.timezoneName}) or none`,
      fix: 'set the time zone in one place: in timeZone, or in the schedule expression.',
    });
  }
  const zone = given ?? own ?? TimeZone.of('UTC');
  return zone === fromExpression ? options.schedule : scheduler.ScheduleExpression.expression(options.schedule.expressionString, zone);
}

/** The CloudWatch namespace of SageMaker Pipelines metrics. */
const NAMESPACE = 'AWS/Sagemaker/ModelBuildingPipeline';
/** The EventBridge detail type of pipeline execution status changes. */
const EXECUTION_STATUS_CHANGE = 'SageMaker Model Building Pipeline Execution Status Change';

/**
 * Grants, events and metrics shared by owned and imported pipelines.
 */
abstract class MlPipelineBase extends Resource implements IMlPipeline {
  public abstract readonly pipelineName: string;
  public abstract readonly pipelineArn: string;
  /** The pipeline's execution role, when known. */
  public abstract readonly role?: iam.IRole;

  /** A reference to this pipeline for aws-cdk-lib's L1 and L2 constructs. */
  public get pipelineRef(): sagemaker.PipelineReference {
    return { pipelineName: this.pipelineName };
  }

  /** Grant `sagemaker:StartPipelineExecution` on this pipeline. */
  public grantStartPipelineExecution(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:StartPipelineExecution'],
      resourceArns: [this.pipelineArn],
    });
  }

  public grantUpdate(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:UpdatePipeline', 'sagemaker:DescribePipeline'],
      resourceArns: [this.pipelineArn],
    });
    if (!this.role) {
      return grant;
    }
    return grant.combine(iam.Grant.addToPrincipal({
      grantee,
      actions: ['iam:PassRole'],
      resourceArns: [this.role.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    }));
  }

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'sagemaker:DescribePipeline',
        'sagemaker:DescribePipelineDefinitionForExecution',
        'sagemaker:DescribePipelineExecution',
        'sagemaker:ListPipelineExecutions',
        'sagemaker:ListPipelineExecutionSteps',
        'sagemaker:ListPipelineParametersForExecution',
      ],
      resourceArns: [this.pipelineArn, `${this.pipelineArn}/execution/*`],
    });
  }

  public onExecutionStatusChange(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.executionRule(id, options);
  }

  public onExecutionFailed(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.executionRule(id, options, ['Failed']);
  }

  public onExecutionSucceeded(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.executionRule(id, options, ['Succeeded']);
  }

  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: NAMESPACE,
      metricName,
      dimensionsMap: { PipelineName: this.pipelineName },
      ...props,
    }).attachTo(this);
  }

  public metricExecutionStarted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ExecutionStarted', { statistic: 'Sum', ...props });
  }

  public metricExecutionFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ExecutionFailed', { statistic: 'Sum', ...props });
  }

  public metricExecutionSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ExecutionSucceeded', { statistic: 'Sum', ...props });
  }

  public metricExecutionStopped(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ExecutionStopped', { statistic: 'Sum', ...props });
  }

  public metricExecutionDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ExecutionDuration', { statistic: 'Average', ...props });
  }

  private executionRule(id: string, options: events.OnEventOptions, statuses?: string[]): events.Rule {
    const rule = new events.Rule(this, id, options);
    rule.addEventPattern({
      source: ['aws.sagemaker'],
      detailType: [EXECUTION_STATUS_CHANGE],
      detail: {
        pipelineArn: [this.pipelineArn],
        ...(statuses ? { currentPipelineExecutionStatus: statuses } : {}),
      },
    });
    if (options.target) {
      rule.addTarget(options.target);
    }
    return rule;
  }
}


/**
 * A SageMaker pipeline with its own least-privilege role, a KMS-encrypted
 * artifact bucket, secure job defaults (VPC, network isolation on training,
 * inter-container encryption, KMS volumes and outputs), schedules, events
 * and metrics.
 */
export class MlPipeline extends MlPipelineBase implements IModelSource, iam.IGrantable {
  /** Import a pipeline of this stack's account and region by name. */
  public static fromPipelineName(scope: Construct, id: string, pipelineName: string): IMlPipeline {
    return MlPipeline.fromPipelineAttributes(scope, id, { pipelineName });
  }

  /**
   * Import a pipeline by ARN, possibly of another account or region (its
   * `env` is the ARN's). The name is the ARN's resource name, which SageMaker
   * writes in lower case: metrics are published under the name as it was
   * created, so import a pipeline whose name has capitals with
   * `fromPipelineAttributes` when you use its metrics.
   */
  public static fromPipelineArn(scope: Construct, id: string, pipelineArn: string): IMlPipeline {
    if (!Token.isUnresolved(pipelineArn) && !/^arn:[a-z-]+:sagemaker:[a-z0-9-]+:\d{12}:pipeline\/[a-zA-Z0-9](-*[a-zA-Z0-9])*$/.test(pipelineArn)) {
      fail(scope, 'MlPipeline.fromPipelineArn', {
        prop: 'pipelineArn',
        value: pipelineArn,
        allowed: 'a SageMaker pipeline ARN, arn:<partition>:sagemaker:<region>:<account>:pipeline/<name>',
        fix: 'pass the ARN of a pipeline (DescribePipeline PipelineArn), or import it by name with fromPipelineName.',
      });
    }
    const name = Arn.split(pipelineArn, ArnFormat.SLASH_RESOURCE_NAME).resourceName!;
    class Imported extends MlPipelineBase {
      public readonly pipelineName = name;
      public readonly pipelineArn = pipelineArn;
      public readonly role = undefined;
    }
    return new Imported(scope, id, { environmentFromArn: pipelineArn });
  }

  /** Import a pipeline by name, with its role when known. */
  public static fromPipelineAttributes(scope: Construct, id: string, attrs: MlPipelineAttributes): IMlPipeline {
    class Imported extends MlPipelineBase {
      public readonly pipelineName = attrs.pipelineName;
      public readonly pipelineArn = pipelineArnFromName(Stack.of(scope), attrs.pipelineName);
      public readonly role = attrs.role;
    }
    return new Imported(scope, id);
  }

  public readonly pipelineName: string;
  public readonly pipelineArn: string;
  /** The execution role of the pipeline and its jobs. */
  public readonly role: iam.IRole;
  /** The artifact bucket. */
  public readonly artifactBucket: s3.IBucket;
  /** The key of bucket, volumes and outputs. */
  public readonly encryptionKey: kms.IKey;
  /** The prefix of the job names. */
  public readonly jobNamePrefix: string;
  /** The rendered definition (inline body or S3 location, and what it starts). */
  public readonly definitionConfig: PipelineDefinitionConfig;
  /**
   * The principal of the pipeline's jobs, so aws-cdk-lib grants work in
   * their direction: `bucket.grantRead(pipeline, 'abalone/*')` lets the
   * jobs read that data. With the pipeline's own role, the statements go to
   * its managed policy; with a role you bring, to that role.
   */
  public readonly grantPrincipal: iam.IPrincipal;
  private readonly ownRole?: iam.Role;
  private readonly policy?: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: MlPipelineProps) {
    super(scope, id);
    const name = props.pipelineName ?? generatedName(this);
    this.pipelineName = name;
    this.jobNamePrefix = props.jobNamePrefix ?? defaultJobPrefix(name);
    validateProps(this, props, this.jobNamePrefix);

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.encryptionKey = props.encryptionKey ?? createSecureKey(this, 'Key', {
      description: `cdk-mlops pipeline ${this.node.path}: artifacts, job volumes and outputs`,
      removalPolicy,
    });
    this.artifactBucket = props.artifactBucket ?? createSecureBucket(this, 'ArtifactBucket', {
      encryptionKey: this.encryptionKey,
      removalPolicy,
    });
    if (props.role) {
      this.role = props.role;
    } else {
      this.ownRole = new iam.Role(this, 'Role', {
        assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
        description: `SageMaker pipeline ${name}: runs its jobs`,
      });
      this.policy = new iam.ManagedPolicy(this, 'Policy', {
        description: `SageMaker pipeline ${name}: its jobs, artifact bucket, key and registry`,
        roles: [this.ownRole],
      });
      this.role = this.ownRole;
    }
    this.grantPrincipal = this.policy ? new PipelineGrantee(this.role, this.policy) : this.role;
    this.pipelineArn = pipelineArnFromName(Stack.of(this), name);

    this.definitionConfig = props.definition.bind(this, {
      role: this.role,
      artifactBucket: this.artifactBucket,
      encryptionKey: this.encryptionKey,
      jobNamePrefix: this.jobNamePrefix,
      network: props.network,
      registry: props.registry,
      inlineLimit: props.inlineDefinitionLimit ?? DEFAULT_INLINE_LIMIT,
    });
    this.grantJobPermissions();

    const config = this.definitionConfig;
    const resource = new sagemaker.CfnPipeline(this, 'Resource', {
      pipelineName: name,
      pipelineDisplayName: props.displayName,
      pipelineDescription: props.description,
      roleArn: this.role.roleArn,
      pipelineDefinition: config.definitionBody !== undefined
        ? { PipelineDefinitionBody: config.definitionBody }
        : {
          PipelineDefinitionS3Location: {
            Bucket: config.definitionS3Location!.bucketName,
            Key: config.definitionS3Location!.objectKey,
            ...(config.definitionS3Location!.version ? { Version: config.definitionS3Location!.version } : {}),
          },
        },
      parallelismConfiguration: props.maxParallelExecutionSteps !== undefined
        ? { MaxParallelExecutionSteps: props.maxParallelExecutionSteps } : undefined,
    });
    if (this.policy) {
      resource.node.addDependency(this.policy);
    }
  }

  /**
   * Grant read access to the model artifacts this pipeline's jobs write
   * (objects of its artifact bucket, decrypted with its key), e.g. to the
   * role SageMaker runs deployed models with. The pipeline is the model
   * source of every registry it registers into (`registry.addModelSource`),
   * so a deployment of such a registry gets this grant for its model role.
   */
  public grantReadModelArtifacts(grantee: iam.IGrantable): iam.Grant {
    return ModelSource.fromBucket(this.artifactBucket, { encryptionKey: this.encryptionKey }).grantReadModelArtifacts(grantee);
  }

  /** The principal grants of the pipeline's own jobs go to (its managed policy). */
  private get jobPrincipal(): iam.IGrantable {
    const policy = this.policy;
    const role = this.role;
    if (!policy) {
      return role;
    }
    return new ManagedPolicyGrantee(role, policy);
  }

  /**
   * Run the pipeline on a schedule with EventBridge Scheduler: an
   * aws-cdk-lib `scheduler.Schedule` whose target is
   * `SageMakerStartPipelineExecution` of this pipeline, with its own role
   * (allowed to start this pipeline only, and to decrypt with the
   * pipeline's key, which encrypts the schedule), 3 retries within an hour.
   * SageMaker names every execution, so no job names collide between runs.
   */
  public addSchedule(id: string, options: PipelineScheduleOptions): scheduler.Schedule {
    const role = new ScheduleRole(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `EventBridge Scheduler: start SageMaker pipeline ${this.pipelineName}`,
      policyDescription: `Start SageMaker pipeline ${this.pipelineName} on schedule ${id}`,
    });
    const params = Object.entries(options.parameters ?? {}).map(([name, value]) => ({ name, value }));
    const schedule = new scheduler.Schedule(this, id, {
      description: options.description,
      schedule: scheduleIn(this, options),
      enabled: options.enabled ?? true,
      timeWindow: scheduler.TimeWindow.off(),
      key: this.encryptionKey,
      target: new schedulerTargets.SageMakerStartPipelineExecution(this, {
        role,
        pipelineParameterList: params.length > 0 ? params : undefined,
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    });
    // The role's policy must exist before the first run.
    schedule.node.addDependency(role.policy);
    schedule.node.addDependency(this.node.defaultChild!);
    return schedule;
  }

  private grantJobPermissions(): void {
    const grantee = this.jobPrincipal;
    const principal = grantee.grantPrincipal;
    const statements = pipelineRoleStatements(this, this.definitionConfig, this.role);
    for (const statement of statements) {
      principal.addToPrincipalPolicy(statement);
    }
    if (this.policy) {
      acknowledgePipelineWildcards(this.policy, statements);
    }
    for (const registry of this.definitionConfig.registries) {
      registry.grantRegister(grantee);
      registry.addModelSource(this);
      if (registry.consumerAccountIds.length > 0) {
        registry.shareArtifactBucket(this.artifactBucket, this.encryptionKey);
      }
    }
  }
}

import { RemovalPolicy, Resource, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { ISecureMlNetwork } from '../network';
import { DEFAULT_INLINE_LIMIT } from './definition-placement';
import { IMlPipeline, MlPipelineAttributes } from './ml-pipeline-interface';
import { defaultJobPrefix, generatedName, validateProps } from './ml-pipeline-validation';
import { pipelineArnFromName } from './pipeline-arn';
import { PipelineDefinition, PipelineDefinitionConfig } from './pipeline-definition';
import { pipelineRoleStatements } from './pipeline-role';
import { ManagedPolicyGrantee } from '../private/managed-policy-grantee';
import { acknowledgePipelineWildcards } from './private/acknowledgements';
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
  /** When to run, e.g. `events.Schedule.cron({ hour: '3', minute: '0' })` or `events.Schedule.rate(Duration.days(1))`. */
  readonly schedule: events.Schedule;
  /**
   * Pipeline parameters of the executions.
   * @default - the parameters' defaults
   */
  readonly parameters?: { [name: string]: string };
  /**
   * Time zone of a cron expression (IANA name).
   * @default 'UTC'
   */
  readonly timeZone?: string;
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

  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
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
export class MlPipeline extends MlPipelineBase implements IModelSource {
  /** Import a pipeline by name. */
  public static fromPipelineName(scope: Construct, id: string, pipelineName: string): IMlPipeline {
    return MlPipeline.fromPipelineAttributes(scope, id, { pipelineName });
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
   * Let the pipeline's jobs read input data from a bucket (objects under
   * `keyPrefix`), and decrypt them when the bucket has a KMS key. The
   * statements go to the pipeline's managed policy.
   *
   * @param keyPrefix object key prefix, e.g. 'abalone/'
   * @default - the whole bucket
   */
  public grantReadData(bucket: s3.IBucket, keyPrefix?: string): void {
    const statements = [
      new iam.PolicyStatement({ actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [bucket.bucketArn] }),
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${keyPrefix ?? ''}*`)] }),
    ];
    if (bucket.encryptionKey) {
      statements.push(new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:DescribeKey'], resources: [bucket.encryptionKey.keyArn] }));
    }
    const principal = this.jobPrincipal.grantPrincipal;
    for (const statement of statements) {
      principal.addToPrincipalPolicy(statement);
    }
    if (this.policy) {
      acknowledgePipelineWildcards(this.policy, statements);
    }
  }

  /**
   * Run the pipeline on a schedule with EventBridge Scheduler (its own role,
   * allowed to start this pipeline only). SageMaker names every execution,
   * so no job names collide between runs.
   */
  public addSchedule(id: string, options: PipelineScheduleOptions): scheduler.CfnSchedule {
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `EventBridge Scheduler: start SageMaker pipeline ${this.pipelineName}`,
    });
    const policy = new iam.ManagedPolicy(this, `${id}Policy`, {
      description: `Start SageMaker pipeline ${this.pipelineName} on schedule ${id}`,
      roles: [role],
      statements: [
        new iam.PolicyStatement({ actions: ['sagemaker:StartPipelineExecution'], resources: [this.pipelineArn] }),
        new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [this.encryptionKey.keyArn] }),
      ],
    });
    const params = Object.entries(options.parameters ?? {}).map(([Name, Value]) => ({ name: Name, value: Value }));
    const schedule = new scheduler.CfnSchedule(this, id, {
      description: options.description,
      scheduleExpression: options.schedule.expressionString,
      scheduleExpressionTimezone: options.timeZone ?? 'UTC',
      state: options.enabled === false ? 'DISABLED' : 'ENABLED',
      flexibleTimeWindow: { mode: 'OFF' },
      kmsKeyArn: this.encryptionKey.keyArn,
      target: {
        arn: this.pipelineArn,
        roleArn: role.roleArn,
        sageMakerPipelineParameters: params.length > 0 ? { pipelineParameterList: params } : undefined,
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
      },
    });
    schedule.node.addDependency(policy);
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

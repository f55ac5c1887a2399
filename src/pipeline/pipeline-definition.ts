import * as fs from 'fs';
import { Annotations, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ISecureMlNetwork } from '../network';
import { PropsValidator } from '../private/validation';
import { IModelRegistry } from '../registry';
import { scanDefinition, SERVICE_JOB_PREFIX } from './definition-import';
import { DEFAULT_INLINE_LIMIT, placeDefinition } from './definition-placement';
import { collectParameters, validateStepGraph } from './definition-validation';
import { JobKind, RenderContext, tuningJobNamePrefix } from './render-context';
import { PipelineStep } from './steps/step';
import { PipelineParameter } from './values';


/** What the pipeline provides to a definition when it binds. */
export interface PipelineDefinitionBindOptions {
  /** The pipeline's execution role, passed to every job. */
  readonly role: iam.IRole;
  /** The artifact bucket (default output locations). */
  readonly artifactBucket: s3.IBucket;
  /** The key for volumes and outputs. */
  readonly encryptionKey: kms.IKey;
  /** Job name prefix (lower case); the role may only touch jobs with it. */
  readonly jobNamePrefix: string;
  /**
   * Network jobs run in.
   * @default - no VPC
   */
  readonly network?: ISecureMlNetwork;
  /**
   * Registry register steps write to when they name none.
   * @default - none
   */
  readonly registry?: IModelRegistry;
  /**
   * Definitions up to this many characters are inlined in the template.
   * @default 250000
   */
  readonly inlineLimit?: number;
}

/** Where a definition is stored in S3. */
export interface PipelineDefinitionS3Location {
  /** Bucket name. */
  readonly bucketName: string;
  /** Object key. */
  readonly objectKey: string;
  /**
   * Object version.
   * @default - the latest version
   */
  readonly version?: string;
}

/** The names of one kind of SageMaker resource a definition creates. */
export interface PipelineJobNameScope {
  /** The SageMaker resource type, e.g. `training-job`, `hyper-parameter-tuning-job`, `model`. */
  readonly resourceType: string;
  /** Name prefixes of the resources of that type (`*` when the service chooses the names). */
  readonly namePrefixes: string[];
}

/** Options of a definition written by the SageMaker Python SDK. */
export interface JsonDefinitionOptions {
  /**
   * Roles the definition's jobs run as (`RoleArn`, `ExecutionRoleArn`)
   * besides the pipeline role; the pipeline role may pass them to SageMaker.
   * A job role that is neither the pipeline role nor listed here fails synth.
   * @default - jobs run as the pipeline role only
   */
  readonly jobRoles?: iam.IRole[];
}

/** The result of binding a definition. */
export interface PipelineDefinitionConfig {
  /**
   * The definition JSON, inlined in the template (CDK tokens resolved by
   * CloudFormation).
   * @default - the definition is in S3
   */
  readonly definitionBody?: string;
  /**
   * The S3 location of the definition.
   * @default - the definition is inline
   */
  readonly definitionS3Location?: PipelineDefinitionS3Location;
  /** SageMaker resource types the definition creates (`training-job`, ...). */
  readonly jobResourceTypes: string[];
  /** Name prefixes of the jobs the definition creates (lower case). */
  readonly jobNamePrefixes: string[];
  /**
   * Name prefixes by resource type, where they differ from `jobNamePrefixes`.
   * @default - `jobNamePrefixes` for every job type, any name for models
   */
  readonly jobNameScopes?: PipelineJobNameScope[];
  /**
   * Roles, besides the pipeline role, that the definition passes to SageMaker.
   * @default - none
   */
  readonly passRoleArns?: string[];
  /**
   * KMS keys, besides the pipeline's key, that jobs use for volumes and outputs.
   * @default - none
   */
  readonly kmsKeyArns?: string[];
  /**
   * Subnets jobs run in that belong to none of `networks` (literal ids of an SDK definition).
   * @default - none
   */
  readonly subnetIds?: string[];
  /**
   * Security groups of those jobs.
   * @default - none
   */
  readonly securityGroupIds?: string[];
  /** Registries the definition registers models into. */
  readonly registries: IModelRegistry[];
  /** Lambda functions the definition invokes. */
  readonly lambdaFunctionArns: string[];
  /** SQS queues callback steps send to. */
  readonly queueArns: string[];
  /** KMS keys of those queues (the role may encrypt messages with them). */
  readonly queueKeyArns: string[];
  /** EMR clusters EMR steps add steps to. */
  readonly emrClusterIds: string[];
  /** The networks jobs run in (empty when none runs in a VPC). */
  readonly networks: ISecureMlNetwork[];
}

/** Properties of a definition built from typed steps. */
export interface StepsDefinitionProps {
  /** The steps, in any order (branch steps live in their condition step). */
  readonly steps: PipelineStep[];
  /**
   * Parameters of the pipeline, in this order. The parameters the steps use
   * are added without being listed here (after these, in the order the steps
   * use them): list one to fix its place or to declare one no step uses. Two
   * different parameters of one name fail.
   * @default - the parameters the steps use
   */
  readonly parameters?: PipelineParameter[];
}

/**
 * The definition of a SageMaker pipeline: from typed steps, from JSON the
 * SageMaker Python SDK wrote (`pipeline.definition()`), or from S3.
 *
 * Token boundary: definitions up to `inlineLimit` characters are inlined
 * with `Stack.toJsonString`, so CDK tokens (role, bucket, key ARNs) are
 * resolved by CloudFormation. A larger definition without tokens is uploaded
 * as an S3 asset; a larger one with tokens fails, because an asset is a
 * static file in which CloudFormation resolves nothing. Over 1,048,576
 * characters (the service limit) always fails.
 */
export abstract class PipelineDefinition {
  /**
   * A definition from typed steps. Its parameters are those the steps use
   * (`parameter.value`), plus any you list in `parameters`.
   */
  public static fromSteps(props: StepsDefinitionProps): PipelineDefinition {
    return new StepsDefinition(props);
  }

  /**
   * A definition from a JSON string, e.g. the SageMaker Python SDK's
   * `pipeline.definition()`. It is used unchanged. Every step, at any depth
   * (condition branches, ForEach bodies), is scanned for what the pipeline
   * role needs (jobs and their name prefixes, Lambda functions, SQS queues,
   * EMR clusters, the registry, passed roles, KMS keys, subnets) and the
   * role gets exactly that; literal values SageMaker would reject fail synth.
   */
  public static fromJson(json: string, options: JsonDefinitionOptions = {}): PipelineDefinition {
    return new JsonDefinition(json, options);
  }

  /** A definition from a JSON file, e.g. written by the SageMaker Python SDK; see `fromJson`. It is used unchanged. */
  public static fromFile(filePath: string, options: JsonDefinitionOptions = {}): PipelineDefinition {
    return new JsonDefinition(fs.readFileSync(filePath, 'utf8'), options, filePath);
  }

  /**
   * A definition stored in S3. Nothing is checked at synth; the role is
   * scoped to jobs named with the pipeline's prefix or the service's
   * `pipelines-` prefix.
   */
  public static fromS3(bucket: s3.IBucket, objectKey: string, version?: string): PipelineDefinition {
    return new S3Definition(bucket, objectKey, version);
  }

  /** Render the definition for a pipeline. */
  public abstract bind(scope: Construct, options: PipelineDefinitionBindOptions): PipelineDefinitionConfig;
}

class StepsDefinition extends PipelineDefinition {
  constructor(private readonly props: StepsDefinitionProps) {
    super();
  }

  public bind(scope: Construct, options: PipelineDefinitionBindOptions): PipelineDefinitionConfig {
    const ctx = new RenderContext(scope, options.role.roleArn, options.artifactBucket, options.encryptionKey,
      options.jobNamePrefix, options.network, options.registry);
    const validator = new PropsValidator(scope, 'PipelineDefinition');
    const steps = this.props.steps.map((s) => s._render(ctx));
    const declared = collectParameters(validator, this.props.parameters ?? [], ctx);
    const parameters = declared.map((p) => p._render());
    validateStepGraph(validator, this.props.steps, declared, ctx);
    for (const p of ctx.problems) {
      validator.add(p);
    }
    validator.throwIfAny();
    const definition = {
      Version: '2020-12-01',
      Metadata: {},
      Parameters: parameters,
      Steps: steps,
    };
    const location = placeDefinition(scope, definition, undefined, options.inlineLimit ?? DEFAULT_INLINE_LIMIT);
    return {
      ...location,
      jobResourceTypes: [...ctx.jobKinds],
      jobNamePrefixes: [options.jobNamePrefix],
      // Every name starts with the pipeline's prefix; tuning jobs with its (shorter) tuning prefix.
      jobNameScopes: [...ctx.jobKinds].map((kind) => ({
        resourceType: kind,
        namePrefixes: [kind === JobKind.TUNING ? tuningJobNamePrefix(options.jobNamePrefix) : options.jobNamePrefix],
      })),
      kmsKeyArns: ctx.keys.map((k) => k.keyArn),
      registries: ctx.registries,
      lambdaFunctionArns: ctx.lambdaArns,
      queueArns: ctx.queues.map((q) => q.arn),
      queueKeyArns: ctx.queues.filter((q) => q.key !== undefined).map((q) => q.key!.keyArn),
      emrClusterIds: ctx.emrClusterIds,
      networks: ctx.networks,
    };
  }
}

class JsonDefinition extends PipelineDefinition {
  constructor(private readonly json: string, private readonly options: JsonDefinitionOptions, private readonly filePath?: string) {
    super();
  }

  public bind(scope: Construct, options: PipelineDefinitionBindOptions): PipelineDefinitionConfig {
    const source = this.filePath ? `fromFile(${this.filePath})` : 'fromJson';
    const validator = new PropsValidator(scope, 'PipelineDefinition');
    let parsed: any;
    try {
      parsed = JSON.parse(this.json);
    } catch (e) {
      validator.add({
        prop: source,
        value: this.json.slice(0, 60),
        allowed: 'a JSON pipeline definition',
        fix: `fix the JSON (${(e as Error).message}); write it with pipeline.definition() of the SageMaker Python SDK.`,
      });
      validator.throwIfAny();
    }
    if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.Steps)) {
      validator.add({
        prop: source,
        value: typeof parsed === 'object' ? Object.keys(parsed ?? {}) : parsed,
        allowed: 'an object with a Steps array (pipeline definition version 2020-12-01)',
        fix: 'pass the output of pipeline.definition() of the SageMaker Python SDK.',
      });
    }
    validator.throwIfAny();
    const scan = scanDefinition(parsed, {
      stack: Stack.of(scope),
      source,
      pipelineRoleArn: options.role.roleArn,
      jobRoleArns: (this.options.jobRoles ?? []).map((r) => r.roleArn),
      keyArn: options.encryptionKey.keyArn,
      network: options.network,
      registry: options.registry,
    });
    for (const p of scan.problems) {
      validator.add(p);
    }
    validator.throwIfAny();
    for (const w of scan.warnings) {
      Annotations.of(scope).addWarningV2(w.id, w.message);
    }
    const location = placeDefinition(scope, parsed, this.json, options.inlineLimit ?? DEFAULT_INLINE_LIMIT, this.filePath);
    const kinds = [...scan.kinds];
    return {
      ...location,
      jobResourceTypes: kinds,
      jobNamePrefixes: [...new Set(kinds.flatMap((k) => [...scan.prefixes.get(k)!]))].sort(),
      jobNameScopes: kinds.map((k) => ({ resourceType: k, namePrefixes: [...scan.prefixes.get(k)!].sort() })),
      registries: scan.registers && options.registry ? [options.registry] : [],
      lambdaFunctionArns: scan.lambdaArns,
      queueArns: scan.queueArns,
      queueKeyArns: [],
      emrClusterIds: scan.emrClusterIds,
      networks: scan.usesPipelineNetwork && options.network ? [options.network] : [],
      passRoleArns: scan.passRoleArns,
      kmsKeyArns: scan.keyArns,
      subnetIds: scan.subnetIds,
      securityGroupIds: scan.securityGroupIds,
    };
  }
}

class S3Definition extends PipelineDefinition {
  constructor(private readonly bucket: s3.IBucket, private readonly key: string, private readonly version?: string) {
    super();
  }

  public bind(_scope: Construct, options: PipelineDefinitionBindOptions): PipelineDefinitionConfig {
    return {
      definitionS3Location: { bucketName: this.bucket.bucketName, objectKey: this.key, version: this.version },
      jobResourceTypes: Object.values(JobKind),
      jobNamePrefixes: [options.jobNamePrefix, SERVICE_JOB_PREFIX],
      jobNameScopes: [{ resourceType: JobKind.TUNING, namePrefixes: [tuningJobNamePrefix(options.jobNamePrefix), SERVICE_JOB_PREFIX] }],
      registries: options.registry ? [options.registry] : [],
      lambdaFunctionArns: [],
      queueArns: [],
      queueKeyArns: [],
      emrClusterIds: [],
      networks: options.network ? [options.network] : [],
    };
  }
}


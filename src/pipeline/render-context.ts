import * as crypto from 'crypto';
import { Stack, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { ISecureMlNetwork } from '../network';
import { Problem } from '../private/validation';
import { IModelRegistry } from '../registry';
import type { PipelineParameter } from './values';

/** The kinds of SageMaker work a definition starts, for the pipeline role. */
export enum JobKind {
  PROCESSING = 'processing-job',
  TRAINING = 'training-job',
  TRANSFORM = 'transform-job',
  TUNING = 'hyper-parameter-tuning-job',
  MODEL = 'model',
}

/**
 * The longest job name prefix SageMaker Pipelines accepts for training,
 * processing, transform, check and model steps (the service appends
 * `-<executionId>-<entityToken>-<failureCount>`). Source: SageMaker Developer
 * Guide, "IAM Access Management", prefix length restrictions.
 */
export const MAX_JOB_PREFIX_LENGTH = 38;
/** The longest job name prefix SageMaker Pipelines accepts for tuning steps (same source). */
export const MAX_TUNING_PREFIX_LENGTH = 6;

/**
 * The name prefix of the tuning jobs of a pipeline whose jobs are prefixed
 * `jobNamePrefix`: the prefix itself when it has at most 6 characters,
 * otherwise its first two letters or digits and 4 hexadecimal digits of its
 * SHA-256, so pipelines with different prefixes get different tuning
 * prefixes. Name generation and the role's resource scope both use it.
 */
export function tuningJobNamePrefix(jobNamePrefix: string): string {
  if (Token.isUnresolved(jobNamePrefix) || jobNamePrefix.length <= MAX_TUNING_PREFIX_LENGTH) {
    return jobNamePrefix;
  }
  const head = jobNamePrefix.replace(/[^a-z0-9]/g, '').slice(0, 2);
  const hash = crypto.createHash('sha256').update(jobNamePrefix).digest('hex');
  return `${head}${hash}`.slice(0, MAX_TUNING_PREFIX_LENGTH);
}

/** A reference one rendered value makes to a step. */
export interface StepReference {
  /** The step the value belongs to (the referrer). */
  readonly from: string;
  /** The step referred to. */
  readonly to: unknown;
  /** Human-readable description of the reference. */
  readonly what: string;
}

/**
 * Everything a step needs while it renders: the defaults the pipeline
 * provides, and the bookkeeping the definition validates afterwards.
 * Internal; never part of the public API.
 */
export class RenderContext {
  public readonly references: StepReference[] = [];
  /** The parameters steps use, in the order they are first rendered. */
  public readonly parameterReferences: Array<{ from: string; parameter: PipelineParameter }> = [];
  public readonly problems: Problem[] = [];
  public readonly jobKinds = new Set<JobKind>();
  public readonly registries: IModelRegistry[] = [];
  public readonly lambdaArns: string[] = [];
  public readonly queues: Array<{ arn: string; key?: kms.IKey }> = [];
  public readonly emrClusterIds: string[] = [];
  public readonly networks: ISecureMlNetwork[] = [];
  /** Keys, besides the pipeline's, that steps use for volumes and outputs. */
  public readonly keys: kms.IKey[] = [];
  /** The names given to the jobs (and models) of each kind. */
  public readonly jobNames = new Map<JobKind, Set<string>>();
  /** The step being rendered. */
  public currentStep = '';

  constructor(
    public readonly scope: IConstruct,
    public readonly roleArn: string,
    public readonly bucket: s3.IBucket,
    public readonly key: kms.IKey,
    public readonly jobNamePrefix: string,
    public readonly network?: ISecureMlNetwork,
    public readonly registry?: IModelRegistry,
  ) {}

  public get stack(): Stack {
    return Stack.of(this.scope);
  }

  public problem(p: Problem): void {
    this.problems.push(p);
  }

  /**
   * The name (prefix) of the job, or model, a step starts: SageMaker
   * Pipelines appends `-<executionId>-<entityToken>-<failureCount>` to it.
   * `<jobNamePrefix>-<step>` cut to 38 characters; tuning jobs get the
   * pipeline's tuning prefix (6 characters at most).
   */
  public jobName(stepName: string, kind: JobKind): string {
    let name: string;
    if (kind === JobKind.TUNING) {
      name = tuningJobNamePrefix(this.jobNamePrefix);
    } else {
      const step = stepName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
      name = `${this.jobNamePrefix}-${step}`.slice(0, MAX_JOB_PREFIX_LENGTH).replace(/-+$/, '');
    }
    const names = this.jobNames.get(kind) ?? new Set<string>();
    names.add(name);
    this.jobNames.set(kind, names);
    return name;
  }
}

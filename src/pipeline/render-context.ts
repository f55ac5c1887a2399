import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { ISecureMlNetwork } from '../network';
import { Problem } from '../private/validation';
import { IModelRegistry } from '../registry';

/** The kinds of SageMaker work a definition starts, for the pipeline role. */
export enum JobKind {
  PROCESSING = 'processing-job',
  TRAINING = 'training-job',
  TRANSFORM = 'transform-job',
  TUNING = 'hyper-parameter-tuning-job',
  MODEL = 'model',
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
  public readonly parameterReferences: Array<{ from: string; name: string }> = [];
  public readonly problems: Problem[] = [];
  public readonly jobKinds = new Set<JobKind>();
  public readonly registries: IModelRegistry[] = [];
  public readonly lambdaArns: string[] = [];
  public readonly queues: Array<{ arn: string; key?: kms.IKey }> = [];
  public readonly emrClusterIds: string[] = [];
  public readonly networks: ISecureMlNetwork[] = [];
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

  /** The job name (prefix) SageMaker uses for a job of the current step. */
  public jobName(stepName: string): string {
    const step = stepName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
    return `${this.jobNamePrefix}-${step}`.slice(0, 40).replace(/-+$/, '');
  }
}

import { Duration } from 'aws-cdk-lib';
import { MlInstanceType } from '../../common';
import { SageMakerImage } from '../images';
import { JobSecurityOptions } from '../job-security';
import { RenderContext } from '../render-context';
import { IPropertyFileOwner, PipelineValue, PropertyFile } from '../values';
import { renderProcessingArgs } from './processing-args';
import { compact } from './render-util';
import { CacheableStepProps, PipelineStep } from './step';

/** An input of a processing job: S3 data copied into the container. */
export interface ProcessingInput {
  /** Name of the input. */
  readonly inputName: string;
  /** The S3 URI of the data (object or prefix). */
  readonly source: PipelineValue;
  /** Where the data appears in the container, under `/opt/ml/processing/`. */
  readonly destination: string;
}

/** An output of a processing job: a container folder uploaded to S3. */
export interface ProcessingOutput {
  /** Name of the output; later steps refer to it with `outputUri(name)`. */
  readonly outputName: string;
  /** The folder in the container, under `/opt/ml/processing/`. */
  readonly source: string;
  /**
   * The S3 URI the folder is uploaded to.
   * @default - s3://<artifact bucket>/<job prefix>/<execution id>/<step>/<output>
   */
  readonly destination?: PipelineValue;
}

/** Properties shared by processing-like steps (processing, quality check, clarify check). */
export interface ProcessingJobProps extends CacheableStepProps {
  /** The container image. */
  readonly image: SageMakerImage;
  /**
   * Instance type.
   * @default - MlInstanceType.ML_M5_XLARGE, unless instanceTypeValue is set
   */
  readonly instanceType?: MlInstanceType;
  /**
   * Instance type set at run time, e.g. a pipeline parameter's `value`
   * (instead of `instanceType`).
   * @default - instanceType
   */
  readonly instanceTypeValue?: PipelineValue;
  /**
   * Instance count.
   * @default - 1, unless instanceCountValue is set
   */
  readonly instanceCount?: number;
  /**
   * Instance count set at run time, e.g. an integer parameter's `value`
   * (instead of `instanceCount`).
   * @default - instanceCount
   */
  readonly instanceCountValue?: PipelineValue;
  /**
   * Size of the ML storage volume per instance, in GiB.
   * @default 30
   */
  readonly volumeSizeGiB?: number;
  /**
   * Container entrypoint, e.g. `['python3', '/opt/ml/processing/input/code/preprocess.py']`.
   * @default - the image's entrypoint
   */
  readonly entrypoint?: string[];
  /**
   * Arguments passed to the entrypoint.
   * @default - none
   */
  readonly arguments?: string[];
  /**
   * Arguments passed to the entrypoint when one of them is set at run time
   * (a parameter, a step property): the whole list, literals as
   * `PipelineValue.of(...)` (instead of `arguments`).
   * @default - arguments
   */
  readonly argumentValues?: PipelineValue[];
  /**
   * Environment variables of the container.
   * @default - none
   */
  readonly environment?: { [name: string]: string };
  /**
   * Environment variables set at run time (a parameter, a step property),
   * besides those of `environment`.
   * @default - none
   */
  readonly environmentValues?: { [name: string]: PipelineValue };
  /**
   * Inputs.
   * @default - none
   */
  readonly inputs?: ProcessingInput[];
  /**
   * Outputs.
   * @default - none
   */
  readonly outputs?: ProcessingOutput[];
  /**
   * Maximum run time.
   * @default Duration.hours(24)
   */
  readonly maxRuntime?: Duration;
  /**
   * Security settings of the job.
   * @default - VPC of the pipeline's network, no network isolation, inter-container encryption, the pipeline's key
   */
  readonly security?: JobSecurityOptions;
}

/** Properties of a processing step. */
export interface ProcessingStepProps extends ProcessingJobProps {
  /**
   * JSON files the job writes to its outputs, read by later steps with
   * `PipelineValue.jsonGet`.
   * @default - none
   */
  readonly propertyFiles?: PropertyFile[];
}

/**
 * A step that runs a SageMaker Processing job: data preparation, feature
 * engineering, evaluation.
 */
export class ProcessingStep extends PipelineStep implements IPropertyFileOwner {
  private readonly props: ProcessingStepProps;

  constructor(name: string, props: ProcessingStepProps) {
    super(name, 'Processing', props);
    this.props = props;
  }

  /** The S3 URI of an output, for use in later steps. */
  public outputUri(outputName: string): PipelineValue {
    return this.property(`ProcessingOutputConfig.Outputs['${outputName}'].S3Output.S3Uri`);
  }

  public hasPropertyFile(propertyFile: PropertyFile): boolean {
    return (this.props.propertyFiles ?? []).includes(propertyFile);
  }

  /** @internal */
  protected _renderBody(ctx: RenderContext): any {
    const outputs = (this.props.outputs ?? []).map((o) => o.outputName);
    for (const f of this.props.propertyFiles ?? []) {
      if (!outputs.includes(f.outputName)) {
        ctx.problem({
          prop: `steps[${this.stepName}].propertyFiles`,
          value: f.outputName,
          allowed: `one of the step's outputs (${outputs.join(', ') || 'none'})`,
          fix: `write property file '${f.name}' to an output of the step, or add an output named '${f.outputName}'.`,
        });
      }
    }
    return compact({
      Arguments: renderProcessingArgs(ctx, this.stepName, this.props),
      PropertyFiles: this.props.propertyFiles && this.props.propertyFiles.length > 0
        ? this.props.propertyFiles.map((f) => f._render()) : undefined,
    });
  }
}

import { Annotations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { RenderContext } from '../render-context';
import { ParameterType, PipelineValue } from '../values';
import { compact, pickList, renderMap } from './render-util';
import { PipelineStep, StepProps } from './step';

/** An output parameter of a Lambda or callback step. */
export interface StepOutputParameter {
  /** Name of the output. */
  readonly name: string;
  /**
   * Type of the output.
   * @default ParameterType.STRING
   */
  readonly outputType?: ParameterType;
}

/** Properties of a Lambda step. */
export interface LambdaStepProps extends StepProps {
  /** The function to invoke; the pipeline role is allowed to invoke it. */
  readonly function: lambda.IFunction;
  /**
   * Inputs passed as the event.
   * @default - none
   */
  readonly inputs?: { [name: string]: PipelineValue };
  /**
   * Outputs the function returns.
   * @default - none
   */
  readonly outputs?: StepOutputParameter[];
}

function renderOutputs(outputs: StepOutputParameter[] | undefined): any {
  return outputs && outputs.length > 0
    ? outputs.map((o) => ({ OutputName: o.name, OutputType: o.outputType ?? ParameterType.STRING })) : undefined;
}

/**
 * Steps that return named outputs (Lambda, callback): never cached, since
 * they act outside SageMaker.
 */
abstract class StepWithOutputs extends PipelineStep {
  /** An output the step returns (`OutputParameters`). */
  public output(name: string): PipelineValue {
    return this.property(`OutputParameters['${name}']`);
  }

  /** @internal */
  protected _cacheable(): boolean {
    return false;
  }
}

/**
 * A step that invokes a Lambda function (at most 10 minutes).
 */
export class LambdaStep extends StepWithOutputs {
  private readonly props: LambdaStepProps;

  constructor(name: string, props: LambdaStepProps) {
    super(name, 'Lambda', props);
    this.props = props;
  }

  /** @internal */
  protected _renderBody(ctx: RenderContext): any {
    ctx.lambdaArns.push(this.props.function.functionArn);
    return compact({
      FunctionArn: this.props.function.functionArn,
      Arguments: renderMap(ctx, this.props.inputs) ?? {},
      OutputParameters: renderOutputs(this.props.outputs),
    });
  }
}

/** Properties of a callback step. */
export interface CallbackStepProps extends StepProps {
  /** The queue the step sends its token to; the pipeline role may send to it. */
  readonly queue: sqs.IQueue;
  /**
   * Inputs sent with the token.
   * @default - none
   */
  readonly inputs?: { [name: string]: PipelineValue };
  /**
   * Outputs the consumer returns with SendPipelineExecutionStepSuccess.
   * @default - none
   */
  readonly outputs?: StepOutputParameter[];
}

/**
 * A step that sends a message to SQS and waits until a consumer reports
 * success or failure with the token.
 */
export class CallbackStep extends StepWithOutputs {
  private readonly props: CallbackStepProps;

  constructor(name: string, props: CallbackStepProps) {
    super(name, 'Callback', props);
    this.props = props;
  }

  /** @internal */
  protected _renderBody(ctx: RenderContext): any {
    const key: kms.IKey | undefined = this.props.queue.encryptionMasterKey;
    ctx.queues.push({ arn: this.props.queue.queueArn, key });
    return compact({
      SqsQueueUrl: this.props.queue.queueUrl,
      Arguments: renderMap(ctx, this.props.inputs) ?? {},
      OutputParameters: renderOutputs(this.props.outputs),
    });
  }
}

/**
 * What EMR does when the step fails.
 * @deprecated SageMaker Pipelines does not take an action on failure for EMR steps.
 */
export enum EmrActionOnFailure {
  /** Keep the cluster and continue. */
  CONTINUE = 'CONTINUE',
  /** Cancel the remaining steps and wait. */
  CANCEL_AND_WAIT = 'CANCEL_AND_WAIT',
  /** Terminate the cluster. */
  TERMINATE_CLUSTER = 'TERMINATE_CLUSTER',
}

/** Properties of an EMR step. */
export interface EmrStepProps extends StepProps {
  /** Id of a running EMR cluster (`j-...`). */
  readonly clusterId: string;
  /** The JAR to run, e.g. `command-runner.jar` or an S3 URI. */
  readonly jar: string;
  /**
   * Arguments of the JAR.
   * @default - none
   */
  readonly args?: string[];
  /**
   * Arguments of the JAR when one of them is set at run time (a parameter,
   * a step property): the whole list, literals as `PipelineValue.of(...)`
   * (instead of `args`).
   * @default - args
   */
  readonly argValues?: PipelineValue[];
  /**
   * Main class of the JAR.
   * @default - the JAR's manifest
   */
  readonly mainClass?: string;
  /**
   * Ignored: SageMaker Pipelines names the EMR step and chooses its failure
   * action itself; the definition carries only `HadoopJarStep` in
   * `StepConfig`, as the SageMaker Python SDK writes it.
   * @default - set by SageMaker Pipelines
   * @deprecated SageMaker Pipelines does not take an action on failure for EMR steps; remove it.
   */
  readonly actionOnFailure?: EmrActionOnFailure;
}

/**
 * A step that adds a step to a running EMR cluster and waits for it.
 */
export class EmrStep extends PipelineStep {
  private readonly props: EmrStepProps;

  constructor(name: string, props: EmrStepProps) {
    super(name, 'EMR', props);
    this.props = props;
  }

  /** @internal */
  protected _cacheable(): boolean {
    return false;
  }

  /** @internal */
  protected _renderBody(ctx: RenderContext): any {
    ctx.emrClusterIds.push(this.props.clusterId);
    if (this.props.actionOnFailure !== undefined) {
      Annotations.of(ctx.scope).addWarningV2('cdk-mlops:emrActionOnFailureIgnored',
        `EmrStep '${this.stepName}': actionOnFailure is ignored; SageMaker Pipelines sets the EMR step's name and failure action itself (StepConfig carries only HadoopJarStep). Remove actionOnFailure.`);
    }
    return {
      Arguments: {
        ClusterId: this.props.clusterId,
        // Only HadoopJarStep: the SageMaker Python SDK's EMRStepConfig writes nothing else here.
        StepConfig: {
          HadoopJarStep: compact({
            Jar: this.props.jar,
            Args: pickList(ctx, 'args', 'argValues', this.props.args, this.props.argValues)?.map((a) => a._render(ctx)),
            MainClass: this.props.mainClass,
          }),
        },
      },
    };
  }
}

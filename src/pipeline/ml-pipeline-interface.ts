import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';

/**
 * A SageMaker Pipeline (model building pipeline), as the other layers see it.
 *
 * It is an aws-cdk-lib `aws_sagemaker.IPipeline` (`pipelineArn`,
 * `pipelineName`, `pipelineRef`, `grantStartPipelineExecution`), so it plugs
 * into aws-cdk-lib's own targets, e.g.
 * `new aws_scheduler_targets.SageMakerStartPipelineExecution(pipeline)`.
 */
export interface IMlPipeline extends sagemaker.IPipeline {
  /**
   * Grant what a CI job needs to update the pipeline definition:
   * `UpdatePipeline` and `DescribePipeline`, plus `iam:PassRole` of the
   * pipeline role when it is known.
   */
  grantUpdate(grantee: iam.IGrantable): iam.Grant;
  /**
   * Grant read access: describe the pipeline, its definition and its
   * executions, and list executions and steps.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant;
  /**
   * An EventBridge rule for every status change of an execution of this
   * pipeline (`SageMaker Model Building Pipeline Execution Status Change`).
   */
  onExecutionStatusChange(id: string, options?: events.OnEventOptions): events.Rule;
  /** An EventBridge rule for executions of this pipeline that failed. */
  onExecutionFailed(id: string, options?: events.OnEventOptions): events.Rule;
  /** An EventBridge rule for executions of this pipeline that succeeded. */
  onExecutionSucceeded(id: string, options?: events.OnEventOptions): events.Rule;
  /**
   * A metric of this pipeline in the `AWS/Sagemaker/ModelBuildingPipeline`
   * namespace, dimension `PipelineName`.
   */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** `ExecutionStarted`: executions started (Sum). */
  metricExecutionStarted(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** `ExecutionFailed`: executions that failed (Sum). */
  metricExecutionFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** `ExecutionSucceeded`: executions that succeeded (Sum). */
  metricExecutionSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** `ExecutionStopped`: executions that were stopped (Sum). */
  metricExecutionStopped(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** `ExecutionDuration`: how long executions ran, in milliseconds (Average). */
  metricExecutionDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/**
 * Attributes of a pipeline defined elsewhere.
 */
export interface MlPipelineAttributes {
  /** The name of the pipeline. */
  readonly pipelineName: string;
  /**
   * The execution role of the pipeline; `grantUpdate` adds `iam:PassRole` on it.
   * @default - unknown: `grantUpdate` grants no `iam:PassRole`
   */
  readonly role?: iam.IRole;
}


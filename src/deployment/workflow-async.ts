/**
 * What makes a stage's endpoint asynchronous in the deployment workflow. Not
 * exported from the library.
 *
 * An asynchronous endpoint is an instance-based endpoint whose config has an
 * `AsyncInferenceConfig`: the rest of the stage is the real-time flow
 * (status read first, blue/green update with the stage's guardrails, the
 * live-config check, rollback). SageMaker's deployment guardrails apply to
 * asynchronous and real-time endpoints ("Deployment guardrails for updating
 * models in production", SageMaker Developer Guide), so the update path is
 * the same blue/green one.
 *
 * Autoscaling tracks `ApproximateBacklogSizePerInstance` (the queue per
 * instance, "Autoscale an asynchronous endpoint") and may go down to zero
 * instances. Without a step-scaling policy on `HasBacklogWithoutCapacity`
 * the endpoint scales out from zero once the backlog exceeds the target.
 */
import { ResolvedStage } from './workflow-common';

/** The `AsyncInferenceConfig` of a stage's endpoint config. */
export function asyncInferenceConfig(stage: ResolvedStage): Record<string, unknown> {
  const a = stage.asyncInference!;
  const notification: Record<string, unknown> = {};
  if (a.successTopicArn) {
    notification.SuccessTopic = a.successTopicArn;
  }
  if (a.errorTopicArn) {
    notification.ErrorTopic = a.errorTopicArn;
  }
  if (a.includeInferenceResponseIn && a.includeInferenceResponseIn.length > 0) {
    notification.IncludeInferenceResponseIn = a.includeInferenceResponseIn;
  }
  const config: Record<string, unknown> = {
    OutputConfig: {
      S3OutputPath: a.outputUri,
      S3FailurePath: a.failureUri,
      KmsKeyId: a.keyArn,
      ...(Object.keys(notification).length > 0 ? { NotificationConfig: notification } : {}),
    },
  };
  if (a.maxConcurrentInvocationsPerInstance !== undefined) {
    config.ClientConfig = { MaxConcurrentInvocationsPerInstance: a.maxConcurrentInvocationsPerInstance };
  }
  return config;
}

/** The target-tracking configuration of a stage's scaling policy. */
export function targetTracking(stage: ResolvedStage): Record<string, unknown> {
  const scaling = stage.autoscaling!;
  const metric = scaling.backlog
    ? {
      CustomizedMetricSpecification: {
        MetricName: 'ApproximateBacklogSizePerInstance',
        Namespace: 'AWS/SageMaker',
        Dimensions: [{ Name: 'EndpointName', Value: stage.endpointName }],
        Statistic: 'Average',
      },
    }
    : { PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' } };
  return {
    TargetValue: scaling.target,
    ...metric,
    ScaleInCooldown: 300,
    ScaleOutCooldown: 60,
  };
}

/** Name of a stage's scaling policy. */
export function scalingPolicyName(stage: ResolvedStage): string {
  return `${stage.endpointName}-${stage.autoscaling?.backlog ? 'backlog' : 'invocations'}`;
}

/**
 * Whether an update of an autoscaled stage keeps the current instance count
 * (`RetainAllVariantProperties`). Not for a stage that may have scaled in to
 * zero: its new fleet starts at `InitialInstanceCount`, so the blue/green
 * update has instances to bake on, and autoscaling (registered again after
 * the update) takes it back to zero when the queue is empty.
 */
export function retainsInstanceCount(stage: ResolvedStage): boolean {
  return !(stage.autoscaling?.backlog && stage.autoscaling.min === 0);
}

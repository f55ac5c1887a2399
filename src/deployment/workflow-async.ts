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
 * instances. Target tracking alone scales out from zero only once the
 * backlog exceeds its target, so a stage that may scale in to zero also gets
 * the step-scaling policy that document describes: one instance when
 * `HasBacklogWithoutCapacity` is 1, through a CloudWatch alarm whose action
 * is the policy (its ARN is known only when the policy exists, so the
 * workflow creates the alarm after the policy).
 */
import { Aws, Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { Namer, ResolvedStage, VARIANT_NAME, WorkflowTasks } from './workflow-common';

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

/** CloudWatch through the SDK integration: throttling is unmodeled (base exception). */
const RETRY_CLOUDWATCH: sfn.RetryProps = {
  errors: ['CloudWatch.CloudWatchException'],
  interval: Duration.seconds(2),
  maxAttempts: 5,
  backoffRate: 2,
  maxDelay: Duration.seconds(30),
  jitterStrategy: sfn.JitterType.FULL,
};

/** Name of the alarm that scales a stage out from zero instances. */
export function backlogAlarmName(stage: ResolvedStage): string {
  return `${stage.endpointName}-has-backlog-without-capacity`;
}

/**
 * The step-scaling policy and its alarm that scale a stage out from zero
 * instances on the first queued request; undefined for stages that cannot
 * scale in to zero, and for stages in another account (their deployer role
 * creates no alarms but the target-tracking ones).
 */
export function scaleOutFromZero(t: WorkflowTasks, s: Construct, stage: ResolvedStage, n: Namer, kind: string,
  label: string): sfn.State[] | undefined {
  if (!stage.autoscaling?.backlog || stage.autoscaling.min !== 0 || stage.account) {
    return undefined;
  }
  const step = t.call(s, `${kind}PutStepPolicy`, n(`${label}Put scale-out-from-zero policy`), 'putScalingPolicy', {
    PolicyName: `${stage.endpointName}-from-zero`,
    ServiceNamespace: 'sagemaker',
    ResourceId: `endpoint/${stage.endpointName}/variant/${VARIANT_NAME}`,
    ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
    PolicyType: 'StepScaling',
    StepScalingPolicyConfiguration: {
      AdjustmentType: 'ChangeInCapacity',
      MetricAggregationType: 'Average',
      Cooldown: 300,
      StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }],
    },
  }, [`arn:${Aws.PARTITION}:application-autoscaling:${Aws.REGION}:${Aws.ACCOUNT_ID}:scalable-target/*`], stage, {
    service: 'applicationautoscaling',
    iamPrefix: 'application-autoscaling',
    resultSelector: { 'PolicyARN.$': '$.PolicyARN' },
    resultPath: '$.Stage.StepPolicy',
  });
  const name = backlogAlarmName(stage);
  const alarm = t.call(s, `${kind}PutBacklogAlarm`, n(`${label}Put backlog-without-capacity alarm`), 'putMetricAlarm', {
    'AlarmName': name,
    'AlarmDescription': `Scales endpoint ${stage.endpointName} out from zero instances when requests are queued`,
    'Namespace': 'AWS/SageMaker',
    'MetricName': 'HasBacklogWithoutCapacity',
    'Dimensions': [{ Name: 'EndpointName', Value: stage.endpointName }],
    'Statistic': 'Average',
    'Period': 60,
    'EvaluationPeriods': 2,
    'DatapointsToAlarm': 2,
    'Threshold': 1,
    'ComparisonOperator': 'GreaterThanOrEqualToThreshold',
    'TreatMissingData': 'missing',
    'AlarmActions.$': 'States.Array($.Stage.StepPolicy.PolicyARN)',
  }, [`arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${name}`], stage, {
    service: 'cloudwatch', iamPrefix: 'cloudwatch', retry: RETRY_CLOUDWATCH,
  });
  step.next(alarm);
  return [step, alarm];
}

/**
 * The rollback alarms of a stage of this account: SageMaker rolls a
 * blue/green update back when one of them fires during baking, and the
 * workflow names them in `AutoRollbackConfiguration`. Metrics are those of
 * the endpoint's production variant (AWS/SageMaker, "Monitor Amazon SageMaker
 * AI with Amazon CloudWatch").
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cw_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DeploymentStageOptions } from './deployment-stage';
import { VARIANT_NAME } from './workflow-common';

/** The alarms of a stage, under `Alarms-<stage>` in `parent`, notifying `topic` both ways. */
export function createRollbackAlarms(parent: Construct, s: DeploymentStageOptions, endpointName: string, topic: sns.ITopic): cloudwatch.Alarm[] {
  const scope = new Construct(parent, `Alarms-${s.stageName}`);
  const metric = (metricName: string, statistic: string) => new cloudwatch.Metric({
    namespace: 'AWS/SageMaker',
    metricName,
    statistic,
    period: Duration.minutes(1),
    dimensionsMap: { EndpointName: endpointName, VariantName: VARIANT_NAME },
  });
  const specs: Array<[string, cloudwatch.Metric, number, cloudwatch.ComparisonOperator, string]> = [
    ['Invocation5XXErrors', metric('Invocation5XXErrors', 'Sum'), s.invocation5xxErrorsThreshold ?? 1,
      cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, '5XX errors of the endpoint'],
    ['InvocationModelErrors', metric('InvocationModelErrors', 'Sum'), s.invocationModelErrorsThreshold ?? 1,
      cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 'model errors of the endpoint'],
    ['ModelLatency', metric('ModelLatency', 'Average'), (s.modelLatencyThreshold ?? Duration.seconds(1)).toMilliseconds() * 1000,
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD, 'average model latency (microseconds) of the endpoint'],
  ];
  return specs.map(([id, m, threshold, comparisonOperator, what]) => {
    const alarm = new cloudwatch.Alarm(scope, id, {
      metric: m,
      threshold,
      comparisonOperator,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Rolls back a deployment to stage ${s.stageName}: ${what} ${endpointName}`,
    });
    alarm.addAlarmAction(new cw_actions.SnsAction(topic));
    alarm.addOkAction(new cw_actions.SnsAction(topic));
    return alarm;
  });
}

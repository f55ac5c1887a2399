import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';

/**
 * Let the CloudWatch alarms of this account publish to a KMS-encrypted
 * topic. Alarms publish as `cloudwatch.amazonaws.com`: a topic policy (which
 * replaces the default one that admitted the owner account) must admit that
 * service, and the topic's key policy must let it generate data keys (SNS
 * developer guide, "Key management": compatibility between event sources from
 * AWS services and encrypted topics). Policies of imported topics and keys
 * are left alone.
 */
export function allowAlarmsToPublish(topic: sns.ITopic, key: kms.IKey): void {
  const stack = Stack.of(topic);
  const cloudwatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
  const thisAccount = { 'aws:SourceAccount': stack.account };
  topic.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowCloudWatchAlarmsToPublish',
    principals: [cloudwatch],
    actions: ['sns:Publish'],
    resources: [topic.topicArn],
    conditions: {
      StringEquals: thisAccount,
      ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*` },
    },
  }));
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowCloudWatchAlarmsToPublish',
    principals: [cloudwatch],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    resources: ['*'],
    conditions: { StringEquals: thisAccount },
  }), false);
}

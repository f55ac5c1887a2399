import { ArnFormat, Aws, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cw_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { createModelExecutionRole, grantDeployer } from './deployment-permissions';
import { VARIANT_NAME, targetNetworkParameterName } from './workflow-common';
import { ISecureMlNetwork, SecureMlNetwork } from '../network';
import { acknowledge } from '../private/acknowledgements';
import { allowAlarmsToPublish } from '../private/alarm-notifications';
import { DeploymentManagedRole } from './private/managed-role';
import { createSecureBucket, createSecureKey } from '../private/secure-defaults';
import { ACCOUNT_ID, PropsValidator } from '../private/validation';
import { IModelRegistry, ModelSource } from '../registry';

/** Properties of a DeploymentTargetAccount. */
export interface DeploymentTargetAccountProps {
  /** The account of the ApprovalDeployment whose workflow deploys here. */
  readonly toolingAccountId: string;
  /**
   * The registry the versions come from, imported by ARN from the tooling
   * account. Its group policy must admit this account
   * (`addConsumerAccount()` on the tooling side).
   */
  readonly registry: IModelRegistry;
  /** Names of the endpoints the tooling workflow may create and update here (the stages' `endpointName`). */
  readonly endpointNames: string[];
  /**
   * Prefix of the fixed names both sides agree on: roles
   * `<prefix>-deployer` and `<prefix>-model-execution`, key alias
   * `alias/<prefix>-deployment`, bucket `<prefix>-capture-<account>-<region>`.
   * Must equal the ApprovalDeployment's `namePrefix`.
   * @default 'cdk-mlops'
   */
  readonly namePrefix?: string;
  /**
   * Roll back when `Invocation5XXErrors` of an endpoint reach this count in one minute.
   * @default 1
   */
  readonly invocation5xxErrorsThreshold?: number;
  /**
   * Roll back when `InvocationModelErrors` reach this count in one minute.
   * @default 1
   */
  readonly invocationModelErrorsThreshold?: number;
  /**
   * Roll back when the average `ModelLatency` over one minute exceeds this.
   * @default Duration.seconds(1)
   */
  readonly modelLatencyThreshold?: Duration;
  /**
   * The network the stages' endpoints run in. Its VPC config (workload
   * subnets and security group) is published in the SSM parameter
   * `networkParameterName(namePrefix)`, which the tooling workflow reads with
   * the deployer role before it creates a model here.
   * @default - a new SecureMlNetwork with no interface endpoints (network-isolated models reach only S3, through the gateway endpoint, which admits this and the tooling account's buckets), its flow logs encrypted with the target's key
   */
  readonly network?: ISecureMlNetwork;
  /**
   * What happens to the key, the capture bucket and the network's flow logs on stack delete.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * What an account needs so that an ApprovalDeployment in a tooling account
 * can deploy endpoints into it: the role the workflow assumes (trusting the
 * tooling account), the role SageMaker runs the models with (registry read,
 * data capture, network interfaces), a key and a capture bucket with names
 * both sides derive, the rollback alarms of each endpoint (metrics live in
 * this account), and the network the endpoints run in (a SecureMlNetwork,
 * created or given), published to the workflow in an SSM parameter.
 *
 * Deploy it in each target account (environment must be explicit) before
 * the first deployment to that stage.
 */
export class DeploymentTargetAccount extends Construct {
  /** The ARN of the role the tooling workflow assumes in `account`. */
  public static deployerRoleArn(account: string, namePrefix: string = 'cdk-mlops'): string {
    return `arn:${Aws.PARTITION}:iam::${account}:role/${namePrefix}-deployer`;
  }

  /** The ARN of the model execution role in `account`. */
  public static modelExecutionRoleArn(account: string, namePrefix: string = 'cdk-mlops'): string {
    return `arn:${Aws.PARTITION}:iam::${account}:role/${namePrefix}-model-execution`;
  }

  /** The ARN of the key alias in `account` (volume and capture encryption). */
  public static keyAliasArn(account: string, region: string, namePrefix: string = 'cdk-mlops'): string {
    return `arn:${Aws.PARTITION}:kms:${region}:${account}:alias/${namePrefix}-deployment`;
  }

  /** The name of the data capture bucket in `account`. */
  public static captureBucketName(account: string, region: string, namePrefix: string = 'cdk-mlops'): string {
    return `${namePrefix}-capture-${account}-${region}`;
  }

  /** The name of the SSM parameter holding the VPC config of the target's network. */
  public static networkParameterName(namePrefix: string = 'cdk-mlops'): string {
    return targetNetworkParameterName(namePrefix);
  }

  /** The names of the rollback alarms of an endpoint. */
  public static alarmNames(endpointName: string): string[] {
    return ['Invocation5XXErrors', 'InvocationModelErrors', 'ModelLatency'].map((m) => `${endpointName}-${m}`);
  }

  /** The role the tooling workflow assumes. */
  public readonly deployerRole: iam.IRole;
  /** The role SageMaker runs the models with. */
  public readonly modelExecutionRole: iam.IRole;
  /** The key of endpoint volumes and captured data. */
  public readonly encryptionKey: kms.IKey;
  /** The data capture bucket. */
  public readonly dataCaptureBucket: s3.IBucket;
  /** The topic of the alarms. */
  public readonly alarmTopic: sns.ITopic;
  /** The network the stages' endpoints run in. */
  public readonly network: ISecureMlNetwork;
  /** The parameter publishing the network's VPC config to the tooling workflow. */
  public readonly networkParameter: ssm.IStringParameter;

  constructor(scope: Construct, id: string, props: DeploymentTargetAccountProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const prefix = props.namePrefix ?? 'cdk-mlops';
    const v = new PropsValidator(this, 'DeploymentTargetAccount');
    v.check(!Token.isUnresolved(props.toolingAccountId) && !ACCOUNT_ID.test(props.toolingAccountId), {
      prop: 'toolingAccountId', value: props.toolingAccountId, allowed: 'a 12-digit account id', fix: 'give the account of the ApprovalDeployment.',
    });
    v.check(Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region), {
      prop: 'env',
      value: 'environment-agnostic stack',
      allowed: 'a stack with explicit account and region',
      fix: 'set `env: { account, region }` on the stack: the names both sides agree on contain them.',
    });
    v.check(!Token.isUnresolved(stack.account) && stack.account === props.toolingAccountId, {
      prop: 'toolingAccountId',
      value: props.toolingAccountId,
      allowed: 'another account than this stack\'s',
      fix: 'stages in the tooling account need no target construct; remove the stage\'s `account`.',
    });
    v.check(props.endpointNames.length === 0, {
      prop: 'endpointNames', value: [], allowed: 'at least one endpoint name', fix: 'list the endpointName of each stage that deploys here.',
    });
    v.check(!/^[a-z0-9][a-z0-9-]{0,30}$/.test(prefix), {
      prop: 'namePrefix', value: prefix, allowed: '1 to 31 lowercase letters, digits and hyphens', fix: 'use the same short prefix on both sides.',
    });
    v.throwIfAny();
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    const key = createSecureKey(this, 'Key', { description: 'cdk-mlops deployment target: endpoint volumes and data capture', removalPolicy });
    key.addAlias(`alias/${prefix}-deployment`);
    this.encryptionKey = key;
    const bucket = createSecureBucket(this, 'DataCapture', { encryptionKey: key, removalPolicy });
    (bucket.node.defaultChild as s3.CfnBucket).bucketName = DeploymentTargetAccount.captureBucketName(stack.account, stack.region, prefix);
    this.dataCaptureBucket = bucket;

    this.network = props.network ?? new SecureMlNetwork(this, 'Network', {
      interfaceEndpoints: [],
      trustedAccountIds: [props.toolingAccountId],
      encryptionKey: key, // flow logs under the target's key: no second key to pay for
      removalPolicy,
    });
    this.networkParameter = new ssm.StringParameter(this, 'NetworkParameter', {
      parameterName: targetNetworkParameterName(prefix),
      description: `VPC config of the network the cdk-mlops deployments of account ${props.toolingAccountId} run endpoints in`,
      stringValue: stack.toJsonString({
        Subnets: this.network.subnetIds,
        SecurityGroupIds: [this.network.workloadSecurityGroup.securityGroupId],
      }),
    });
    // The versions' artifacts live in the tooling account, whose bucket and
    // key policies (registry.shareArtifactBucket) name this account: the role
    // needs the identity side too.
    this.modelExecutionRole = createModelExecutionRole(this, 'ModelExecutionRole', {
      roleName: `${prefix}-model-execution`,
      registry: props.registry,
      dataCaptureBucket: bucket,
      encryptionKey: key,
      network: this.network,
      modelSources: [ModelSource.fromAccount(props.toolingAccountId, stack.region)],
    });
    const deployer = new DeploymentManagedRole(this, 'DeployerRole', {
      roleName: `${prefix}-deployer`,
      assumedBy: new iam.AccountPrincipal(props.toolingAccountId).withConditions({
        ArnLike: { 'aws:PrincipalArn': `arn:${Aws.PARTITION}:iam::${props.toolingAccountId}:role/*` },
      }),
      description: `Assumed by the cdk-mlops deployment workflow of account ${props.toolingAccountId}`,
      maxSessionDuration: Duration.hours(1),
    });
    this.deployerRole = deployer;

    const alarmTopic = new sns.Topic(this, 'Alarms', { masterKey: key, enforceSSL: true, displayName: 'ML endpoint rollback alarms' });
    allowAlarmsToPublish(alarmTopic, key);
    this.alarmTopic = alarmTopic;
    const alarms: cloudwatch.Alarm[] = [];
    for (const endpointName of props.endpointNames) {
      const s = new Construct(this, `Alarms-${endpointName}`);
      const [fiveXx, modelErrors, latency] = DeploymentTargetAccount.alarmNames(endpointName);
      const metric = (metricName: string, statistic: string) => new cloudwatch.Metric({
        namespace: 'AWS/SageMaker',
        metricName,
        statistic,
        period: Duration.minutes(1),
        dimensionsMap: { EndpointName: endpointName, VariantName: VARIANT_NAME },
      });
      const specs: Array<[string, string, cloudwatch.Metric, number, cloudwatch.ComparisonOperator]> = [
        ['Invocation5XXErrors', fiveXx, metric('Invocation5XXErrors', 'Sum'), props.invocation5xxErrorsThreshold ?? 1, cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD],
        ['InvocationModelErrors', modelErrors, metric('InvocationModelErrors', 'Sum'), props.invocationModelErrorsThreshold ?? 1, cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD],
        ['ModelLatency', latency, metric('ModelLatency', 'Average'), (props.modelLatencyThreshold ?? Duration.seconds(1)).toMilliseconds() * 1000, cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD],
      ];
      for (const [cid, alarmName, m, threshold, comparisonOperator] of specs) {
        const alarm = new cloudwatch.Alarm(s, cid, {
          alarmName,
          metric: m,
          threshold,
          comparisonOperator,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription: `Rolls back deployments to endpoint ${endpointName}`,
        });
        alarm.addAlarmAction(new cw_actions.SnsAction(this.alarmTopic));
        alarm.addOkAction(new cw_actions.SnsAction(this.alarmTopic));
        alarms.push(alarm);
      }
    }
    grantDeployer(deployer, {
      registry: props.registry,
      modelExecutionRole: this.modelExecutionRole,
      encryptionKey: key,
      endpointNames: props.endpointNames,
      alarmArns: alarms.map((a) => a.alarmArn),
      autoscaling: true,
      invoke: true,
    });
    // the ARN written out (not the parameter's Ref): the name is fixed, both sides derive it
    deployer.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadTargetNetwork',
      actions: ['ssm:GetParameter'],
      resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: targetNetworkParameterName(prefix).slice(1), arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
    }));
    acknowledge(deployer, 'deploymentServiceWildcards');
  }
}

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
import { DeploymentStage } from './deployment-stage';
import { VARIANT_NAME, targetNetworkParameterName } from './workflow-common';
import { ISecureMlNetwork, SecureMlNetwork } from '../network';
import { acknowledge } from '../private/acknowledgements';
import { allowAlarmsToPublish } from '../private/alarm-notifications';
import { ManagedPolicyRole } from '../private/managed-policy-role';
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
  private readonly toolingAccountId: string;
  private readonly namePrefix: string;
  private readonly endpointNames: string[];
  private readonly driftChecks = new Map<string, iam.Grant>();

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
    this.toolingAccountId = props.toolingAccountId;
    this.namePrefix = prefix;
    this.endpointNames = props.endpointNames;

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
    const deployer = new ManagedPolicyRole(this, 'DeployerRole', {
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

  /**
   * Let drift checks of another account (a `DriftMonitor` of `stage`, by
   * default in the tooling account) read what `stage` captured here: the
   * objects and the listing under the stage's capture prefix, and decryption
   * with this account's key through S3 only, for roles of that account. The
   * monitor's side (its job role, the S3 gateway endpoint of its network) is
   * wired by `DriftMonitor` itself when its stage is in another account.
   *
   * @param stage the monitored stage: one whose endpoint deploys here (`deployment.stage(name)`)
   * @param accountId the account of the drift monitor (default: the tooling account)
   */
  public allowDriftChecksFrom(stage: DeploymentStage, accountId?: string): iam.Grant {
    const stack = Stack.of(this);
    const monitorAccount = accountId ?? this.toolingAccountId;
    const prefix = stage.dataCapturePrefix;
    const v = new PropsValidator(this, 'DeploymentTargetAccount.allowDriftChecksFrom');
    const known = (x: string | undefined) => x !== undefined && !Token.isUnresolved(x);
    v.check(known(monitorAccount) && !ACCOUNT_ID.test(monitorAccount), {
      prop: 'accountId', value: monitorAccount, allowed: 'a 12-digit account id', fix: 'give the account the DriftMonitor is deployed in.',
    });
    v.check(known(monitorAccount) && monitorAccount === stack.account, {
      prop: 'accountId', value: monitorAccount, allowed: 'another account than this one', fix: 'a monitor in this account needs no resource policy: its role policy is enough.',
    });
    v.check(!Token.isUnresolved(stage.endpointName) && !this.endpointNames.includes(stage.endpointName), {
      prop: 'stage',
      value: stage.endpointName,
      allowed: `a stage whose endpoint deploys here (${this.endpointNames.join(', ')})`,
      fix: 'pass the stage of the ApprovalDeployment that deploys into this account, or add its endpointName to endpointNames.',
    });
    v.check(known(stage.account) && stage.account !== stack.account, {
      prop: 'stage.account', value: stage.account, allowed: `this account (${stack.account})`, fix: 'call allowDriftChecksFrom on the DeploymentTargetAccount of the stage\'s account.',
    });
    v.check(!stage.dataCaptureEnabled || prefix === undefined, {
      prop: 'stage.dataCapturePrefix',
      value: prefix,
      allowed: 'a stage with data capture',
      fix: 'turn dataCapture on for the stage; a stage that captures nothing cannot be monitored for drift.',
    });
    const bucketName = stage.dataCaptureBucket?.bucketName;
    const expected = DeploymentTargetAccount.captureBucketName(stack.account, stack.region, this.namePrefix);
    v.check(known(bucketName) && !Token.isUnresolved(expected) && bucketName !== expected, {
      prop: 'stage.dataCaptureBucket',
      value: bucketName,
      allowed: `this account's capture bucket (${expected})`,
      fix: 'give the ApprovalDeployment the same namePrefix as this DeploymentTargetAccount.',
    });
    v.throwIfAny();
    const id = `${monitorAccount}/${prefix}`;
    const existing = this.driftChecks.get(id);
    if (existing) {
      return existing;
    }
    const sid = `DriftChecksOf${monitorAccount === this.toolingAccountId ? 'ToolingAccount' : `Account${monitorAccount}`}${this.driftChecks.size > 0 ? this.driftChecks.size + 1 : ''}`;
    const grantee = new iam.AccountPrincipal(monitorAccount);
    const roles = { ArnLike: { 'aws:PrincipalArn': `arn:${Aws.PARTITION}:iam::${monitorAccount}:role/*` } };
    const bucket = this.dataCaptureBucket;
    const objects = bucket.arnForObjects(`${prefix}*`);
    const statement = (props: iam.PolicyStatementProps) => new iam.PolicyStatement({ principals: [grantee], ...props });
    const read = iam.Grant.addStatementToResourcePolicy({
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: [objects],
      resource: bucket,
      statement: statement({ sid: `${sid}Read`, actions: ['s3:GetObject'], resources: [objects], conditions: roles }),
    });
    const list = iam.Grant.addStatementToResourcePolicy({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [bucket.bucketArn],
      resource: bucket,
      statement: statement({
        sid: `${sid}List`, actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { ...roles, StringLike: { 's3:prefix': [`${prefix}*`] } },
      }),
    });
    const decrypt = iam.Grant.addStatementToResourcePolicy({
      grantee,
      actions: ['kms:Decrypt'],
      resourceArns: [this.encryptionKey.keyArn],
      resource: this.encryptionKey,
      statement: statement({
        sid: `${sid}DecryptThroughS3`,
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: { ...roles, StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      }),
    });
    const grant = read.combine(list).combine(decrypt);
    this.driftChecks.set(id, grant);
    return grant;
  }
}

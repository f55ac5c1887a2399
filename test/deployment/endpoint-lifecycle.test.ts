/**
 * The endpoint state machine of ApprovalDeployment, run through the
 * synthesized workflow in aws-local-stepfunctions. The fake account answers
 * as SageMaker documents it (DescribeEndpoint `EndpointStatus`: "Failed …
 * DeleteEndpoint is the only operation that can be performed on a failed
 * endpoint"; "Update endpoints that use auto scaling": an update that changes
 * the instance type of a scalable target fails), and every answer it gives
 * is checked against botocore after the file.
 */
import { Duration } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { deploymentStack } from './fixtures';
import { allStates, execute, FakeAccount, historyEvents, workflows } from './workflow-harness';
import { MlInstanceType } from '../../src/common';
import { ApprovalDeploymentProps, TrafficShift } from '../../src/deployment';
import { SecureMlNetwork } from '../../src/network';

const PACKAGE = (v: number) => `arn:aws:sagemaker:us-east-1:111111111111:model-package/churn/${v}`;
const DEPLOY = (v = 3) => ({ Action: 'DEPLOY', ModelPackageArn: PACKAGE(v), ModelPackageVersion: v, ModelPackageGroupName: 'churn' });

function build(props: Partial<ApprovalDeploymentProps> = {}) {
  const { stack, deployment } = deploymentStack({
    stages: [{ stageName: 'staging' }, { stageName: 'production', approvalRequired: true }],
    ...props,
  });
  return { stack, deployment, ...workflows(stack) };
}

const endpointOf = (d: { endpointName(stage: string): string }, stage: string) => d.endpointName(stage);

describe('endpoint statuses (DescribeEndpoint first, then act)', () => {
  test('a Failed staging endpoint is deleted and created again (default for stages before production)', async () => {
    // GIVEN a staging endpoint whose creation failed earlier
    const { main, deployment } = build();
    const account = new FakeAccount();
    const staging = endpointOf(deployment, 'staging');
    account.existing(staging, 'mlops-staging-v2-old', {}, 'Failed');

    // WHEN
    await execute(main, DEPLOY(), account);

    // THEN it was deleted (the only operation SageMaker allows), recreated and serves v3
    expect(account.deleted).toContain(`endpoint:${staging}`);
    expect(account.updates).toEqual([]); // recreated, not updated; production is new too
    expect(account.endpoints.get(staging)!.config).toMatch(/^mlops-staging-v3-/);
    expect(account.endpoints.get(staging)!.status).toBe('InService');
    expect(account.notifications.map((n) => n.event)).toEqual(['STARTED', 'STAGE_DEPLOYED', 'AWAITING_APPROVAL', 'STAGE_DEPLOYED', 'SUCCEEDED']);
    expect([...account.items.keys()]).toEqual([]);
  });

  test('a Failed production endpoint fails fast with what to do, unless the stage opts in', async () => {
    // GIVEN a failed production endpoint (the last stage: recreation is off by default)
    const { main, deployment } = build();
    const account = new FakeAccount();
    const production = endpointOf(deployment, 'production');
    account.existing(production, 'mlops-production-v2-old', {}, 'Failed');

    // WHEN / THEN
    await expect(execute(main, DEPLOY(), account)).rejects.toThrow(
      new RegExp(`Endpoint ${production} is Failed, and DeleteEndpoint is the only operation SageMaker allows on a failed endpoint.*`
        + 'set recreateFailedEndpoint: true on stage production'));
    expect(account.deleted).toEqual([]);
    expect(account.notifications.at(-1).event).toBe('FAILED');
    expect(account.notifications.at(-1).error.Error).toBe('EndpointFailed');
    expect([...account.items.keys()]).toEqual([]);

    // AND WHEN production opts in, the same endpoint is recreated
    const optIn = build({ stages: [{ stageName: 'staging' }, { stageName: 'production', approvalRequired: true, recreateFailedEndpoint: true }] });
    const again = new FakeAccount();
    again.existing(production, 'mlops-production-v2-old', {}, 'Failed');
    await execute(optIn.main, DEPLOY(), again);
    expect(again.deleted).toEqual([`endpoint:${production}`]);
    expect(again.endpoints.get(production)!.config).toMatch(/^mlops-production-v3-/);
  });

  test('a busy endpoint is waited for (bounded), then updated', async () => {
    // GIVEN staging in the middle of someone else's update and a maintenance
    const { main, deployment } = build();
    const account = new FakeAccount();
    const staging = endpointOf(deployment, 'staging');
    const e = account.existing(staging, 'mlops-staging-v2-old', {}, 'Updating');
    e.script.push('Updating', 'SystemUpdating', 'RollingBack', 'InService');

    // WHEN
    await execute(main, DEPLOY(), account);

    // THEN the workflow described it until InService, and only then updated it
    const describesBeforeUpdate = account.calls.slice(0, account.calls.indexOf('aws-sdk:sagemaker:updateEndpoint'))
      .filter((c) => c === 'aws-sdk:sagemaker:describeEndpoint');
    expect(describesBeforeUpdate).toHaveLength(4);
    expect(account.endpoints.get(staging)!.config).toMatch(/^mlops-staging-v3-/);
  });

  test('a busy endpoint that stays busy fails after endpointWaitTimeout, untouched', async () => {
    // GIVEN polls every 10 minutes and a 30 minute bound
    const { main, deployment } = build({ pollInterval: Duration.minutes(10), endpointWaitTimeout: Duration.minutes(30) });
    const account = new FakeAccount();
    const staging = endpointOf(deployment, 'staging');
    const e = account.existing(staging, 'mlops-staging-v2-old', {}, 'SystemUpdating');
    e.script.push(...Array(50).fill('SystemUpdating'));

    // WHEN / THEN
    await expect(execute(main, DEPLOY(), account)).rejects.toThrow(/stayed Creating, Updating, SystemUpdating or RollingBack for more than 30 minutes/);
    expect(account.calls.filter((c) => c === 'aws-sdk:sagemaker:describeEndpoint')).toHaveLength(4);
    expect(account.updates).toEqual([]);
    expect([...account.items.keys()]).toEqual([]);
  });

  test.each([
    ['OutOfService', /is OutOfService: it takes no requests.*delete it \(aws sagemaker delete-endpoint --endpoint-name/, 'EndpointOutOfService'],
    ['Deleting', /is being deleted \(Deleting\)\. Run the deployment again once the deletion has finished/, 'EndpointDeleting'],
    ['UpdateRollbackFailed', /is UpdateRollbackFailed: an update and SageMaker's automatic rollback both failed.*Restore it by hand/, 'EndpointUpdateRollbackFailed'],
  ])('an endpoint that is %s fails fast with what to do', async (status, message, error) => {
    // GIVEN
    const { main, deployment } = build();
    const account = new FakeAccount();
    account.existing(endpointOf(deployment, 'staging'), 'mlops-staging-v2-old', {}, status);

    // WHEN / THEN one describe, no change
    await expect(execute(main, DEPLOY(), account)).rejects.toThrow(message);
    expect(account.calls.filter((c) => c === 'aws-sdk:sagemaker:describeEndpoint')).toHaveLength(1);
    expect(account.updates).toEqual([]);
    expect(account.deleted).toEqual([]);
    expect(account.notifications.at(-1).error.Error).toBe(error);
    expect([...account.items.keys()]).toEqual([]);
  });

  test('a new endpoint that ends Failed fails the stage and names the next step', async () => {
    // GIVEN SageMaker fails the creation
    const { main } = build();
    const account = new FakeAccount();
    account.failNextCreate = true;

    // WHEN / THEN
    await expect(execute(main, DEPLOY(), account)).rejects.toThrow(/Failed after this deployment created or updated it.*The next deployment deletes and recreates it/);
  });
});

describe('autoscaling, serverless, throttling and history', () => {
  const autoscaled = (instanceType?: MlInstanceType): Partial<ApprovalDeploymentProps> => ({
    stages: [{
      stageName: 'production',
      instanceType,
      initialInstanceCount: 2,
      minCapacity: 2,
      maxCapacity: 8,
      trafficShift: TrafficShift.canary({ canaryPercent: 25 }),
    }],
  });

  test('an instance-type change deregisters the scalable target first, keeps the autoscaled count and registers again', async () => {
    // GIVEN production autoscaled to 5 instances of ml.m5.large, and a new version on ml.c5.xlarge
    const { main, deployment } = build(autoscaled(MlInstanceType.ML_C5_XLARGE));
    const account = new FakeAccount();
    const production = endpointOf(deployment, 'production');
    account.existing(production, 'mlops-production-v2-old', {}, 'InService', 'ml.m5.large').instanceCount = 5;
    account.targets.set(`endpoint/${production}/variant/AllTraffic`, { min: 2, max: 8 });

    // WHEN
    await execute(main, DEPLOY(), account);

    // THEN (the fake rejects an instance-type change of a registered target, as Application Auto Scaling does)
    const order = account.calls.filter((c) => /deregister|registerScalable|updateEndpoint$/.test(c));
    expect(order).toEqual([
      'aws-sdk:applicationautoscaling:deregisterScalableTarget',
      'aws-sdk:sagemaker:updateEndpoint',
      'aws-sdk:applicationautoscaling:registerScalableTarget',
    ]);
    expect(account.updates[0].RetainAllVariantProperties).toBe(true);
    expect(account.endpoints.get(production)!.instanceCount).toBe(5);
    expect(account.targets.get(`endpoint/${production}/variant/AllTraffic`)).toEqual({ min: 2, max: 8 });
  });

  test('a model-only update of an autoscaled stage keeps the scalable target registered', async () => {
    // GIVEN the same instance type
    const { main, deployment } = build(autoscaled());
    const account = new FakeAccount();
    const production = endpointOf(deployment, 'production');
    account.existing(production, 'mlops-production-v2-old', {}, 'InService', 'ml.m5.large').instanceCount = 4;
    account.targets.set(`endpoint/${production}/variant/AllTraffic`, { min: 2, max: 8 });

    // WHEN
    await execute(main, DEPLOY(), account);

    // THEN
    expect(account.calls).not.toContain('aws-sdk:applicationautoscaling:deregisterScalableTarget');
    expect(account.endpoints.get(production)!.instanceCount).toBe(4);
    expect(account.updates[0].RetainAllVariantProperties).toBe(true);
  });

  test('serverless stage: no VPC config or network isolation (warned), and a real-time endpoint is not converted', async () => {
    // GIVEN a deployment in a network with a serverless staging stage
    const { stack, deployment } = deploymentStack({}, undefined, (scope) => ({
      network: new SecureMlNetwork(scope, 'Network'),
      stages: [{ stageName: 'staging', serverlessMemorySizeMiB: 2048, dataCapture: false }, { stageName: 'production' }],
    }));
    const { main } = workflows(stack);
    const account = new FakeAccount();

    // WHEN
    await execute(main, DEPLOY(), account);

    // THEN the serverless model has neither; the real-time one keeps both
    const staging = account.configs.find((c) => c.EndpointConfigName.startsWith('mlops-staging-'));
    expect(staging.ProductionVariants[0].ServerlessConfig).toEqual({ MemorySizeInMB: 2048, MaxConcurrency: 20 });
    const createModels = allStates(main);
    expect(createModels['staging: Create model'].Parameters).not.toHaveProperty('VpcConfig');
    expect(createModels['staging: Create model'].Parameters).not.toHaveProperty('EnableNetworkIsolation');
    expect(createModels['production: Create model'].Parameters).toHaveProperty('VpcConfig');
    expect(createModels['production: Create model'].Parameters.EnableNetworkIsolation).toBe(true);
    Annotations.fromStack(stack).hasWarning('/Deploy/Deployment', Match.stringLikeRegexp("Stage 'staging' is serverless: SageMaker serverless endpoints support neither VPC config nor network isolation"));

    // AND an instance-based endpoint under the serverless stage's name fails fast
    const other = new FakeAccount();
    other.existing(deployment.endpointName('staging'), 'mlops-staging-v2-old');
    await expect(execute(main, DEPLOY(), other, 'churn-v3b')).rejects.toThrow(/cannot turn an instance-based endpoint into a serverless one/);
    expect(other.updates).toEqual([]);
  });

  test('throttling is retried with backoff on every service the workflow calls', async () => {
    // GIVEN throttling on SageMaker, DynamoDB and Application Auto Scaling
    const { main } = build(autoscaled());
    const account = new FakeAccount();
    account.throttle.set('aws-sdk:sagemaker:createEndpoint', 3);
    account.throttle.set('aws-sdk:sagemaker:listModelPackages', 2);
    account.throttle.set('dynamodb:putItem', 2);
    account.throttle.set('aws-sdk:applicationautoscaling:registerScalableTarget', 2);

    // WHEN
    await execute(main, DEPLOY(), account);

    // THEN every throttled call was retried until it went through
    expect([...account.throttle.values()]).toEqual([0, 0, 0, 0]);
    expect(account.calls.filter((c) => c === 'aws-sdk:sagemaker:createEndpoint')).toHaveLength(4);
    expect(account.notifications.at(-1).event).toBe('SUCCEEDED');
  });

  test('a long wait stops before the 25,000-event history limit', async () => {
    // GIVEN a poll every second and an update that never finishes
    const { main, deployment } = build({
      stages: [{ stageName: 'staging', maximumExecutionTimeout: Duration.hours(8) }],
      pollInterval: Duration.seconds(1),
      endpointWaitTimeout: Duration.hours(24),
    });
    const account = new FakeAccount();
    const staging = endpointOf(deployment, 'staging');
    account.existing(staging, 'mlops-staging-v2-old');
    account.hooks.push({
      execution: 'churn-v3',
      action: 'aws-sdk:sagemaker:updateEndpoint',
      once: true,
      before: () => { account.endpoints.get(staging)!.script.push(...Array(30000).fill('Updating')); },
    });
    const events: any[] = [];

    // WHEN
    await expect(execute(main, DEPLOY(), account, 'churn-v3', { events })).rejects.toThrow(/one more poll could exceed Step Functions' 25,000-event history limit/);

    // THEN the run wrote (as Step Functions counts history events) most of, and never more than, the limit
    const history = historyEvents(events);
    expect(history.length).toBeLessThan(25000);
    expect(history.length).toBeGreaterThan(15000);
    expect(account.notifications.at(-1).error.Error).toBe('HistoryBudgetSpent');
  }, 120000);

  test('an update that outlasts its bound fails with what to check', async () => {
    // GIVEN polls every 30 minutes: the bound is 2h (rollout) + 1h (endpointWaitTimeout)
    const { main, deployment } = build({ stages: [{ stageName: 'staging' }], pollInterval: Duration.minutes(30) });
    const account = new FakeAccount();
    const staging = endpointOf(deployment, 'staging');
    account.existing(staging, 'mlops-staging-v2-old');
    account.hooks.push({
      execution: 'churn-v3',
      action: 'aws-sdk:sagemaker:updateEndpoint',
      before: () => { account.endpoints.get(staging)!.script.push(...Array(20).fill('Updating')); },
    });

    // WHEN / THEN
    await expect(execute(main, DEPLOY(), account)).rejects.toThrow(/was still being created or updated after 3 hours. SageMaker may still finish/);
    // one read before the update, then polls 0 to 6 (six iterations of 30 minutes cover the 3 hours)
    expect(account.calls.filter((c) => c === 'aws-sdk:sagemaker:describeEndpoint')).toHaveLength(1 + 7);
  });
});

import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { deploymentStack } from './fixtures';
import { definitions, execute, FakeAccount } from './workflow-harness';
import { TrafficShift } from '../../src/deployment';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator');

const PACKAGE = 'arn:aws:sagemaker:us-east-1:111111111111:model-package/churn/3';
const DEPLOY = { Action: 'DEPLOY', ModelPackageArn: PACKAGE, ModelPackageVersion: 3, ModelPackageGroupName: 'churn' };

function build() {
  const { stack, deployment } = deploymentStack({
    stages: [
      { stageName: 'staging', smokeTestPayload: '{"features":[1,2,3]}' },
      {
        stageName: 'production',
        approvalRequired: true,
        maxCapacity: 4,
        minCapacity: 2,
        initialInstanceCount: 2,
        trafficShift: TrafficShift.linear({ stepPercent: 25, waitInterval: Duration.minutes(3) }),
        smokeTestPayload: '{"features":[1,2,3]}',
      },
    ],
  });
  const defs = definitions(stack);
  const ids = Object.keys(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'));
  const main = defs[ids.find((id) => !id.includes('Starter'))!];
  const starter = defs[ids.find((id) => id.includes('Starter'))!];
  return { deployment, main, starter };
}

const endpoints = {
  staging: 'deploy-deployment-918808bd-staging',
  production: 'deploy-deployment-918808bd-production',
};

describe('ApprovalDeployment workflow (executed with aws-local-stepfunctions)', () => {
  test('both synthesized definitions pass asl-validator', () => {
    // GIVEN / WHEN
    const { main, starter } = build();
    // THEN
    for (const definition of [main, starter]) {
      const { isValid, errorsText } = aslValidator(definition);
      expect(errorsText('\n')).toBe('');
      expect(isValid).toBe(true);
    }
  });

  test('happy path: creates staging, waits for approval, updates production with guardrails', async () => {
    // GIVEN an existing production endpoint on an older config
    const { main } = build();
    const account = new FakeAccount();
    account.existing(endpoints.production, 'mlops-production-v2-old');

    // WHEN
    await execute(main, DEPLOY, account);

    // THEN staging was created and production updated to the new config
    expect(account.endpoints.get(endpoints.staging)!.config).toMatch(/^mlops-staging-v3-[0-9a-f]{32}$/);
    const prod = account.endpoints.get(endpoints.production)!;
    expect(prod.config).toMatch(/^mlops-production-v3-[0-9a-f]{32}$/);
    expect(prod.tags['cdk-mlops:previous-endpoint-config']).toBe('mlops-production-v2-old');
    expect(account.models).toHaveLength(2);
    const update = account.updates[0];
    expect(update.DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration).toEqual({
      Type: 'LINEAR', WaitIntervalInSeconds: 180, LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 25 },
    });
    expect(update.DeploymentConfig.AutoRollbackConfiguration.Alarms).toHaveLength(3);
    expect(account.calls).toContain('aws-sdk:applicationautoscaling:putScalingPolicy');
    expect(account.calls.filter((c) => c === 'aws-sdk:sagemakerruntime:invokeEndpoint')).toHaveLength(2);
    expect(account.notifications.map((n) => n.event)).toEqual([
      'STARTED', 'STAGE_DEPLOYED', 'AWAITING_APPROVAL', 'STAGE_DEPLOYED', 'SUCCEEDED',
    ]);
    const approval = account.notifications[2];
    expect(approval.approve).toContain('aws stepfunctions send-task-success');
    expect(approval.reject).toContain('--error Rejected');
    // data capture and the volume key on the real-time config
    const staging = account.configs.find((c) => c.EndpointConfigName.startsWith('mlops-staging-v3-'));
    expect(staging.DataCaptureConfig).toMatchObject({ EnableCapture: true, InitialSamplingPercentage: 100 });
    expect(staging.KmsKeyId).toBeDefined();
    // every lease was released
    expect([...account.items.keys()]).toEqual([]);
  });

  test('silent rollback: InService on the old config fails the deployment and notifies ROLLED_BACK', async () => {
    // GIVEN SageMaker rolls every update back but reports InService
    const { main } = build();
    const account = new FakeAccount();
    account.existing(endpoints.staging, 'mlops-staging-v2-old');
    account.silentRollback = true;

    // WHEN / THEN
    await expect(execute(main, DEPLOY, account)).rejects.toThrow(/serves another endpoint config: SageMaker rolled the update back/);
    expect(account.endpoints.get(endpoints.staging)!.config).toBe('mlops-staging-v2-old');
    expect(account.notifications.map((n) => n.event)).toEqual(['STARTED', 'ROLLED_BACK']);
    expect(account.notifications[1].error.Error).toBe('SilentRollback');
    expect(account.endpoints.has(endpoints.production)).toBe(false);
  });

  test('rejected gate: production is never touched and REJECTED is notified', async () => {
    // GIVEN
    const { main } = build();
    const account = new FakeAccount();
    account.gate = 'reject';

    // WHEN / THEN
    await expect(execute(main, DEPLOY, account)).rejects.toThrow(/not this one/);
    expect(account.endpoints.has(endpoints.staging)).toBe(true);
    expect(account.endpoints.has(endpoints.production)).toBe(false);
    expect(account.notifications.map((n) => n.event)).toEqual(['STARTED', 'STAGE_DEPLOYED', 'AWAITING_APPROVAL', 'REJECTED']);
    expect(account.notifications[3].error.Error).toBe('Rejected');
  });

  test('failed smoke test: the previous config is restored and the deployment fails', async () => {
    // GIVEN
    const { main } = build();
    const account = new FakeAccount();
    account.existing(endpoints.staging, 'mlops-staging-v2-old');
    account.smokeTestFails = true;

    // WHEN / THEN
    await expect(execute(main, DEPLOY, account)).rejects.toThrow(/smoke test request to .* failed/);
    expect(account.updates.map((u) => u.EndpointConfigName)).toEqual([expect.stringMatching(/^mlops-staging-v3-/), 'mlops-staging-v2-old']);
    expect(account.endpoints.get(endpoints.staging)!.config).toBe('mlops-staging-v2-old');
    expect(account.notifications.map((n) => n.event)).toEqual(['STARTED', 'ROLLED_BACK']);
  });

  test('rollback on demand puts a stage back on the previous config, and again toggles forward', async () => {
    // GIVEN a production endpoint that was updated once by the workflow
    const { main } = build();
    const account = new FakeAccount();
    account.existing(endpoints.production, 'mlops-production-v2-old');
    await execute(main, DEPLOY, account);
    const deployed = account.endpoints.get(endpoints.production)!.config;

    // WHEN
    await execute(main, { Action: 'ROLLBACK', StageName: 'production' }, account, 'rollback-1');

    // THEN
    expect(account.endpoints.get(endpoints.production)!.config).toBe('mlops-production-v2-old');
    expect(account.endpoints.get(endpoints.production)!.tags['cdk-mlops:previous-endpoint-config']).toBe(deployed);
    expect(account.notifications.at(-1).event).toBe('ROLLED_BACK');
  });

  test('rollback fails clearly for an unknown stage or a never-updated endpoint', async () => {
    // GIVEN
    const { main } = build();
    const account = new FakeAccount();
    account.existing(endpoints.staging, 'mlops-staging-v1', { 'cdk-mlops:previous-endpoint-config': 'none' });

    // WHEN / THEN
    await expect(execute(main, { Action: 'ROLLBACK', StageName: 'qa' }, account, 'r1')).rejects.toThrow(/StageName must be one of: staging, production/);
    await expect(execute(main, { Action: 'ROLLBACK', StageName: 'staging' }, account, 'r2')).rejects.toThrow(/never updated by this workflow/);
  });

  test('prunes old configs and models of this deployment, keeping the newest, the live one and foreign ones', async () => {
    // GIVEN one stage keeping 3 versions, and a config of another deployment with the same prefix
    const { stack } = deploymentStack({ stages: [{ stageName: 'staging' }], keepVersions: 3 });
    const main = Object.entries(definitions(stack)).find(([id]) => !id.includes('Starter'))![1];
    const account = new FakeAccount();
    account.configs.push({
      EndpointConfigName: 'mlops-staging-v9-foreign',
      Tags: [{ Key: 'cdk-mlops:deployment', Value: 'another-deployment' }],
    });

    // WHEN six versions are deployed one after the other
    for (let version = 1; version <= 6; version++) {
      await execute(main, { ...DEPLOY, ModelPackageVersion: version }, account, `churn-v${version}`);
    }

    // THEN versions 1-3 are gone (config and model), 4-6 and the foreign config stay
    const live = (v: number) => account.configs.find((c) => c.EndpointConfigName.startsWith(`mlops-staging-v${v}-`))!.EndpointConfigName;
    expect(account.deleted.sort()).toEqual([1, 2, 3].flatMap((v) => [`config:${live(v)}`, `model:${live(v)}`]).sort());
    expect(account.endpoints.get(endpoints.staging)!.config).toBe(live(6));
    expect(account.deleted).not.toContain('config:mlops-staging-v9-foreign');
  });

  test('pruning never deletes the rollback target, and its failures do not fail the stage', async () => {
    // GIVEN keeping 2, with two foreign configs newer than the rollback target
    const { stack } = deploymentStack({ stages: [{ stageName: 'staging' }], keepVersions: 2 });
    const main = Object.entries(definitions(stack)).find(([id]) => !id.includes('Starter'))![1];
    const account = new FakeAccount();
    await execute(main, { ...DEPLOY, ModelPackageVersion: 1 }, account, 'churn-v1');
    const first = account.endpoints.get(endpoints.staging)!.config;
    for (const name of ['mlops-staging-v7-a', 'mlops-staging-v8-b']) {
      account.configs.push({ EndpointConfigName: name, Tags: [{ Key: 'cdk-mlops:deployment', Value: 'another-deployment' }] });
    }

    // WHEN
    await execute(main, { ...DEPLOY, ModelPackageVersion: 2 }, account, 'churn-v2');

    // THEN the previous config (index 3 in the listing) is kept for rollback
    expect(account.deleted).toEqual([]);
    expect(account.endpoints.get(endpoints.staging)!.tags['cdk-mlops:previous-endpoint-config']).toBe(first);

    // AND WHEN the next deployment cannot delete version 1, it still succeeds
    account.failDeletes = true;
    await execute(main, { ...DEPLOY, ModelPackageVersion: 3 }, account, 'churn-v3');
    expect(account.endpoints.get(endpoints.staging)!.config).toMatch(/^mlops-staging-v3-/);
    expect(account.notifications.at(-1).event).toBe('SUCCEEDED');
    expect(account.deleted).toEqual([]);
  });
});

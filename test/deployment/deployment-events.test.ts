/**
 * The EventBridge events of the deployment workflow: emitted on the right
 * paths (runs of the synthesized definition in aws-local-stepfunctions, the
 * fake account delivering each event as EventBridge does), matched by the
 * on…() rules with EventBridge's pattern semantics, and allowed by the
 * workflow role's policy.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { deploymentStack } from './fixtures';
import { execute, FakeAccount, render, STATE_MACHINE_ARN, workflows } from './workflow-harness';
import { ApprovalDeployment, DeploymentEvents, DeploymentStage, TrafficShift } from '../../src/deployment';
import { matchesPattern } from '../registry/event-matcher';

const PACKAGE = (v: number) => `arn:aws:sagemaker:us-east-1:111111111111:model-package/churn/${v}`;
const DEPLOY = (v: number) => ({ Action: 'DEPLOY', ModelPackageArn: PACKAGE(v), ModelPackageVersion: v, ModelPackageGroupName: 'churn' });
const OTHER_MACHINE = 'arn:aws:states:us-east-1:111111111111:stateMachine:another-deployment';

/** Staging (smoke test), then production behind a gate; one rule per event type, and one for production's deployments. */
function build() {
  const { stack, deployment } = deploymentStack({
    stages: [
      { stageName: 'staging', smokeTestPayload: '{"features":[1]}' },
      { stageName: 'production', approvalRequired: true, trafficShift: TrafficShift.allAtOnce({ waitInterval: Duration.minutes(1) }) },
    ],
  });
  deployment.onModelDeployed('Deployed', { description: 'deployed' });
  deployment.onModelDeployed('ProductionDeployed', { description: 'production deployed', stage: deployment.stage('production') });
  deployment.onRollback('RolledBack', { description: 'rolled back' });
  deployment.onAwaitingApproval('Gate', { description: 'awaiting approval' });
  deployment.onSuperseded('Superseded', { description: 'superseded' });
  return { stack, deployment, main: workflows(stack).main };
}

/** The pattern of the rule with this description, with the state machine's Ref as the simulated state machine's ARN. */
function pattern(stack: Stack, description: string): Record<string, unknown> {
  const template = Template.fromStack(stack);
  const machine = Object.keys(template.findResources('AWS::StepFunctions::StateMachine', { Properties: { StateMachineType: 'STANDARD' } }))
    .find((id) => !id.includes('Starter') && !id.includes('Runner'))!;
  const rule = Object.values<any>(template.findResources('AWS::Events::Rule')).find((r) => r.Properties.Description === description);
  return JSON.parse(JSON.stringify(render(rule.Properties.EventPattern)).split(`"ref-${machine}"`).join(JSON.stringify(STATE_MACHINE_ARN)));
}

/** Which of the rules an event matches. */
function matchedBy(stack: Stack, event: any): string[] {
  return ['deployed', 'production deployed', 'rolled back', 'awaiting approval', 'superseded'].filter((d) => matchesPattern(pattern(stack, d), event));
}

const endpoint = (stage: string) => `deploy-deployment-918808bd-${stage}`;

/** Every event the runs of this file saw (the last test compares their detail with the documented one). */
const seen: any[] = [];

/** A fake account whose events are also collected in `seen`. */
function fakeAccount(): FakeAccount {
  const account = new FakeAccount();
  const push = account.events.push.bind(account.events);
  account.events.push = (...items: any[]) => {
    seen.push(...items);
    return push(...items);
  };
  return account;
}

describe('deployment events on EventBridge', () => {
  test('a gated deployment emits Model Deployed per stage and Deployment Awaiting Approval, with the documented detail', async () => {
    // GIVEN
    const { stack, main } = build();
    const account = fakeAccount();

    // WHEN
    await execute(main, DEPLOY(3), account, 'v3');

    // THEN
    expect(account.events.map((e) => [e['detail-type'], e.detail.stage])).toEqual([
      ['Model Deployed', 'staging'], ['Deployment Awaiting Approval', 'production'], ['Model Deployed', 'production'],
    ]);
    const [staging, gate] = account.events;
    expect(staging).toMatchObject({ source: DeploymentEvents.SOURCE, account: '111111111111', region: 'us-east-1' });
    expect(staging.resources).toEqual([expect.stringMatching(/:execution:deploy:v3$/), STATE_MACHINE_ARN]);
    expect(staging.detail).toEqual({
      stage: 'staging',
      account: '111111111111',
      endpointName: endpoint('staging'),
      executionArn: staging.resources[0],
      modelPackageArn: PACKAGE(3),
      modelPackageVersion: 3,
      modelName: expect.stringMatching(/^mlops-staging-v3-[0-9a-f]{32}$/),
      endpointConfigName: account.endpoints.get(endpoint('staging'))!.config,
    });
    expect(gate.detail).toEqual({
      stage: 'production',
      account: '111111111111',
      endpointName: endpoint('production'),
      executionArn: staging.resources[0],
      modelPackageArn: PACKAGE(3),
      modelPackageVersion: 3,
      notificationTopicArn: expect.stringMatching(/^arn:aws:sns:us-east-1:111111111111:/),
      approvalTimeoutSeconds: 7 * 24 * 3600,
    });
    // the task token goes to the topic only, never to the bus
    expect(JSON.stringify(account.events)).not.toContain('task-token');
    // each event is matched by its rule only; production's rule skips staging
    expect(account.events.map((e) => matchedBy(stack, e))).toEqual([
      ['deployed'], ['awaiting approval'], ['deployed', 'production deployed'],
    ]);
    // near miss: the same event from another deployment's state machine
    expect(matchedBy(stack, { ...staging, resources: [OTHER_MACHINE] })).toEqual([]);
  });

  test('SageMaker\'s rollback of an update emits Model Rolled Back (SAGEMAKER_ROLLBACK) with the config still live', async () => {
    // GIVEN
    const { stack, main } = build();
    const account = fakeAccount();
    account.existing(endpoint('staging'), 'mlops-staging-v2-old');
    account.silentRollback = true;

    // WHEN
    await expect(execute(main, DEPLOY(3), account, 'v3')).rejects.toThrow(/SageMaker rolled the update back/);

    // THEN
    expect(account.events).toHaveLength(1);
    expect(account.events[0]['detail-type']).toBe('Model Rolled Back');
    expect(account.events[0].detail).toMatchObject({ stage: 'staging', reason: 'SAGEMAKER_ROLLBACK', endpointConfigName: 'mlops-staging-v2-old', modelPackageVersion: 3 });
    expect(matchedBy(stack, account.events[0])).toEqual(['rolled back']);
  });

  test('a failed smoke test emits Model Rolled Back (SMOKE_TEST_FAILED) once the previous config is restored', async () => {
    // GIVEN
    const { stack, main } = build();
    const account = fakeAccount();
    account.existing(endpoint('staging'), 'mlops-staging-v2-old');
    account.smokeTestFails = true;

    // WHEN
    await expect(execute(main, DEPLOY(3), account, 'v3')).rejects.toThrow(/smoke test request/);

    // THEN
    expect(account.events.map((e) => [e['detail-type'], e.detail.reason, e.detail.endpointConfigName])).toEqual([
      ['Model Rolled Back', 'SMOKE_TEST_FAILED', 'mlops-staging-v2-old'],
    ]);
    expect(matchedBy(stack, account.events[0])).toEqual(['rolled back']);
  });

  test('a requested rollback emits Model Rolled Back (REQUESTED) with the config it put back', async () => {
    // GIVEN production updated once by the workflow
    const { stack, main } = build();
    const account = fakeAccount();
    account.existing(endpoint('production'), 'mlops-production-v2-old');
    await execute(main, DEPLOY(3), account, 'v3');
    account.events.length = 0;

    // WHEN
    await execute(main, { Action: 'ROLLBACK', StageName: 'production' }, account, 'rollback-1');

    // THEN
    expect(account.events).toHaveLength(1);
    expect(account.events[0].detail).toEqual({
      stage: 'production',
      account: '111111111111',
      endpointName: endpoint('production'),
      executionArn: expect.stringMatching(/:execution:deploy:rollback-1$/),
      reason: 'REQUESTED',
      endpointConfigName: 'mlops-production-v2-old',
    });
    expect(matchedBy(stack, account.events[0])).toEqual(['rolled back']);
  });

  test('a run whose version a newer approval overtook emits Deployment Superseded, and deploys nothing', async () => {
    // GIVEN v4 approved after v3
    const { stack, main } = build();
    const account = fakeAccount();
    account.approve(3);
    account.approve(4);

    // WHEN
    const result = await execute(main, DEPLOY(3), account, 'v3');

    // THEN
    expect(result.Result).toBe('SUPERSEDED');
    expect(account.events.map((e) => e['detail-type'])).toEqual(['Deployment Superseded']);
    expect(account.events[0].detail).toMatchObject({ stage: 'staging', modelPackageVersion: 3, supersededByVersion: 4 });
    expect(matchedBy(stack, account.events[0])).toEqual(['superseded']);
  });

  test('an event EventBridge refuses does not stop the deployment (best effort after retries)', async () => {
    // GIVEN the first event fails on every attempt (one try and three retries)
    const { main } = build();
    const account = fakeAccount();
    account.failEvents = 4;

    // WHEN
    await execute(main, DEPLOY(3), account, 'v3');

    // THEN staging's event is lost, the next ones are sent, both stages are deployed
    expect(account.calls.filter((c) => c === 'events:putEvents')).toHaveLength(6);
    expect(account.events.map((e) => e.detail.stage)).toEqual(['production', 'production']);
    expect(account.notifications.map((n) => n.event)).toEqual(['STARTED', 'STAGE_DEPLOYED', 'AWAITING_APPROVAL', 'STAGE_DEPLOYED', 'SUCCEEDED']);
  });

  test('the detail of every event seen is the documented one (docs/deployment.md, "EventBridge events")', () => {
    // GIVEN the section's backticked names
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'deployment.md'), 'utf8');
    const section = doc.split('## EventBridge events')[1].split('\n## ')[0];
    const documented = new Set([...section.matchAll(/`([A-Za-z_]+)`/g)].map((m) => m[1]));
    // THEN every detail key and detail type the runs produced is documented
    const types = new Set(seen.map((e) => e['detail-type']));
    expect([...types].sort()).toEqual(['Deployment Awaiting Approval', 'Deployment Superseded', 'Model Deployed', 'Model Rolled Back']);
    for (const type of types) {
      expect(section).toContain(`| \`${type}\` |`);
    }
    const keys = new Set(seen.flatMap((e) => Object.keys(e.detail)));
    expect([...keys].filter((k) => !documented.has(k))).toEqual([]);
    const reasons = new Set(seen.map((e) => e.detail.reason).filter((r) => r !== undefined));
    expect([...reasons].filter((r) => !documented.has(r))).toEqual([]);
    // positive control: an undocumented key is found
    expect(['stage', 'promotedBy'].filter((k) => !documented.has(k))).toEqual(['promotedBy']);
  });

  test('the workflow role may put events with its own source on the default bus only', () => {
    // GIVEN / WHEN
    const { stack } = build();

    // THEN
    const statements = Object.values<any>(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement).filter((s) => [s.Action].flat().includes('events:PutEvents'));
    expect(statements.map((s) => render(s))).toEqual([{
      Action: 'events:PutEvents',
      Effect: 'Allow',
      Resource: 'arn:aws:events:us-east-1:111111111111:event-bus/default',
      Condition: { 'ForAllValues:StringEquals': { 'events:source': ['cdk-mlops.deployment'] }, 'Null': { 'events:source': 'false' } },
    }]);
  });

  test('a rule names the source, the detail type, the state machine and the stage', () => {
    // GIVEN / WHEN
    const { stack, deployment } = build();

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      Description: 'production deployed',
      EventPattern: {
        'source': ['cdk-mlops.deployment'],
        'detail-type': ['Model Deployed'],
        'resources': [stack.resolve(deployment.stateMachine.stateMachineArn)],
        'detail': { stage: ['production'] },
      },
    });
  });

  test('fails when a rule names a stage the deployment does not have', () => {
    // GIVEN
    const { deployment } = build();
    const other = DeploymentStage.fromStageAttributes({ stageName: 'qa', endpointName: 'qa-endpoint' });

    // WHEN / THEN
    expect(() => deployment.onRollback('Qa', { stage: other })).toThrow(/stageName: got 'qa'; allowed: 'staging', 'production'/);
  });

  test('an imported deployment\'s rules name its state machine', () => {
    // GIVEN
    const { stack, deployment } = deploymentStack();
    const arn = 'arn:aws:states:us-east-1:111111111111:stateMachine:imported';
    const imported = ApprovalDeployment.fromApprovalDeploymentAttributes(stack, 'Imported', {
      stateMachineArn: arn, stages: deployment.stages, encryptionKey: deployment.encryptionKey, notificationTopic: deployment.notificationTopic,
    });

    // WHEN
    imported.onAwaitingApproval('ImportedGate', { description: 'imported gate' });

    // THEN
    expect(matchesPattern(pattern(stack, 'imported gate'), {
      'source': 'cdk-mlops.deployment', 'detail-type': 'Deployment Awaiting Approval', 'resources': ['x', arn], 'detail': { stage: 'production' },
    })).toBe(true);
    expect(matchesPattern(pattern(stack, 'imported gate'), {
      'source': 'cdk-mlops.deployment', 'detail-type': 'Deployment Awaiting Approval', 'resources': ['x', STATE_MACHINE_ARN], 'detail': { stage: 'production' },
    })).toBe(false);
    expect(matchesPattern(pattern(stack, 'imported gate'), {
      'source': 'cdk-mlops.deployment', 'detail-type': 'Model Deployed', 'resources': ['x', arn], 'detail': { stage: 'production' },
    })).toBe(false);
    expect(imported.env.account).toBe('111111111111');
  });
});

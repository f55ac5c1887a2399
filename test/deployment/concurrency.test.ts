/**
 * Approvals that overlap: one deployment per stage at a time, newest approved
 * wins, duplicate events start one deployment, a new approval of a version
 * starts a new one. Executions run concurrently in aws-local-stepfunctions,
 * interleaved deterministically by hooks on the fake account's calls.
 */
import { createHash } from 'crypto';
import { deploymentStack } from './fixtures';
import { answerTask, execute, executionArn, FakeAccount, StateMachine, workflows } from './workflow-harness';
import { ApprovalDeploymentProps } from '../../src/deployment';

const PACKAGE = (v: number) => `arn:aws:sagemaker:us-east-1:111111111111:model-package/churn/${v}`;
const DEPLOY = (v: number) => ({ Action: 'DEPLOY', ModelPackageArn: PACKAGE(v), ModelPackageVersion: v, ModelPackageGroupName: 'churn' });

function build(props: Partial<ApprovalDeploymentProps> = {}) {
  const { stack, deployment } = deploymentStack({
    stages: [{ stageName: 'staging' }, { stageName: 'production', approvalRequired: true }],
    ...props,
  });
  return { deployment, ...workflows(stack) };
}

/** A promise and its resolver. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

/** The documented "SageMaker Model Package State Change" event of a version's current state. */
function approvalEvent(account: FakeAccount, version: number, id: string): any {
  const p = account.packages.find((x) => x.version === version)!;
  return {
    'version': '0',
    'id': id,
    'detail-type': 'SageMaker Model Package State Change',
    'source': 'aws.sagemaker',
    'account': '111111111111',
    'time': account.modifiedTime(version),
    'region': 'us-east-1',
    'resources': [PACKAGE(version)],
    'detail': {
      ModelPackageGroupName: 'churn',
      ModelPackageVersion: version,
      ModelPackageArn: PACKAGE(version),
      CreationTime: '2026-11-27T00:00:00Z',
      ModelPackageStatus: 'Completed',
      ModelApprovalStatus: p.status,
      LastModifiedTime: account.modifiedTime(version),
    },
  };
}

/** Runs the starter against a Step Functions that, like the real one, refuses a second execution of a name. */
function starterRunner(starter: any, started: Map<string, any>) {
  return (event: any) => new StateMachine(starter, { validationOptions: { checkArn: false } }).run(event, {
    overrides: {
      taskResourceLocalHandlers: {
        'Start deployment once per approval': (input: any) => answerTask('arn:aws:states:::states:startExecution', () => {
          if (started.has(input.Name)) {
            const err = new Error(`Execution Already Exists: '${input.Name}'`);
            err.name = 'StepFunctions.ExecutionAlreadyExistsException';
            throw err;
          }
          started.set(input.Name, input.Input);
          return { ExecutionArn: executionArn(input.Name), StartDate: '2026-11-27T01:00:00Z' };
        }, input),
      },
    },
  }).result;
}

describe('approval events (starter)', () => {
  test('duplicate events for one approval start one deployment, named after the version and the approval time', async () => {
    // GIVEN
    const { starter, main } = build();
    const account = new FakeAccount();
    account.approve(3);
    const started = new Map<string, any>();
    const run = starterRunner(starter, started);

    // WHEN the same approval arrives three times (SageMaker may send several events per change)
    for (const id of ['e1', 'e2', 'e3']) {
      await run(approvalEvent(account, 3, id));
    }
    for (const [name, input] of started) {
      await execute(main, input, account, name);
    }

    // THEN one execution, named v<version>-<MD5 of the approval time>
    const md5 = createHash('md5').update(account.modifiedTime(3)).digest('hex');
    expect([...started.keys()]).toEqual([`v3-${md5}`]);
    expect(started.get(`v3-${md5}`)).toEqual(DEPLOY(3));
    expect(account.models).toHaveLength(2);
  });

  test('approving a version again after a failed run starts a new deployment, which deploys it', async () => {
    // GIVEN a run of v3 that fails its smoke test
    const { starter, main } = build({ stages: [{ stageName: 'staging', smokeTestPayload: '{}' }] });
    const account = new FakeAccount();
    const started = new Map<string, any>();
    const run = starterRunner(starter, started);
    account.approve(3);
    account.smokeTestFails = true;
    await run(approvalEvent(account, 3, 'e1'));
    const [first] = [...started.keys()];
    await expect(execute(main, started.get(first), account, first)).rejects.toThrow(/smoke test request/);

    // WHEN the version is rejected and approved again (a new LastModifiedTime), and that event arrives twice
    account.smokeTestFails = false;
    account.approve(3, 'Rejected');
    account.approve(3);
    await run(approvalEvent(account, 3, 'e2'));
    await run(approvalEvent(account, 3, 'e3'));

    // THEN exactly one more execution, and it deploys v3
    const names = [...started.keys()];
    expect(names).toHaveLength(2);
    expect(names[1]).not.toBe(first);
    await execute(main, started.get(names[1]), account, names[1]);
    expect(account.notifications.map((n) => n.event)).toEqual(['STARTED', 'ROLLED_BACK', 'STARTED', 'STAGE_DEPLOYED', 'SUCCEEDED']);
    expect([...account.endpoints.values()][0].status).toBe('InService');
  });
});

describe('one deployment per stage, newest approved wins', () => {
  test('two overlapping approvals: the older run, approved at the gate after the newer one deployed, stops as superseded', async () => {
    // GIVEN v5 approved; its run waits at the production gate
    const { main, deployment } = build();
    const account = new FakeAccount();
    account.approve(5);
    const gate5 = deferred();
    const atGate5 = deferred();
    account.gateWaits.set('v5', gate5.promise);
    account.hooks.push({ execution: 'v5', action: 'sns:publish.waitForTaskToken', before: () => atGate5.resolve() });
    const run5 = execute(main, DEPLOY(5), account, 'v5');
    await atGate5.promise;

    // WHEN v6 is approved and deploys both stages, then a reviewer approves v5's gate
    account.approve(6);
    await execute(main, DEPLOY(6), account, 'v6');
    gate5.resolve();
    const result5 = await run5;

    // THEN production serves v6; v5 stopped before touching production, with the reason
    const production = account.endpoints.get(deployment.endpointName('production'))!;
    expect(production.config).toMatch(/^mlops-production-v6-/);
    expect(result5).toEqual({ Result: 'SUPERSEDED', Reason: expect.stringMatching(/^Version 5 is superseded by version 6, approved after it: this run stops before production/) });
    const afterGate5 = account.log.slice(account.log.indexOf('v5 sns:publish.waitForTaskToken') + 1).filter((l) => l.startsWith('v5 '));
    expect(afterGate5.filter((l) => /sagemaker:(create|update|delete|describe)Endpoint/.test(l))).toEqual([]);
    expect(account.notifications.filter((n) => n.event === 'SUPERSEDED')).toHaveLength(1);
    expect(account.executions.get(executionArn('v5'))).toBe('SUCCEEDED');
    expect([...account.items.keys()]).toEqual([]);
  });

  test('a second run waits for the stage while the first one updates it, then deploys', async () => {
    // GIVEN v5's staging update in progress
    const { main, deployment } = build({ stages: [{ stageName: 'staging' }] });
    const account = new FakeAccount();
    const staging = deployment.endpointName('staging');
    account.existing(staging, 'mlops-staging-v4-old');
    account.approve(5);
    const resume5 = deferred();
    const updating5 = deferred();
    account.hooks.push({
      execution: 'v5',
      action: 'aws-sdk:sagemaker:updateEndpoint',
      before: () => {
        account.hooks.push({ execution: 'v5', action: 'aws-sdk:sagemaker:describeEndpoint', before: async () => { updating5.resolve(); await resume5.promise; } });
      },
    });
    const run5 = execute(main, DEPLOY(5), account, 'v5');
    await updating5.promise;

    // WHEN v6 is approved and its run finds the stage's lease held by the running v5
    account.approve(6);
    account.hooks.push({
      execution: 'v6',
      action: 'aws-sdk:sfn:describeExecution',
      before: () => {
        // v5 is still RUNNING when v6 asks; v6's next try waits until v5 has finished and released the lease.
        account.hooks.push({ execution: 'v6', action: 'dynamodb:putItem', before: async () => { resume5.resolve(); await run5; } });
      },
    });
    await execute(main, DEPLOY(6), account, 'v6');

    // THEN v6 touched the endpoint only after v5 released the stage, and the stage ends on v6
    const log = account.log;
    const released5 = log.indexOf('v5 dynamodb:deleteItem');
    const firstEndpointCall6 = log.findIndex((l) => l.startsWith('v6 aws-sdk:sagemaker:') && l.includes('Endpoint'));
    expect(released5).toBeGreaterThan(-1);
    expect(firstEndpointCall6).toBeGreaterThan(released5);
    expect(log.filter((l) => l === 'v6 dynamodb:putItem')).toHaveLength(2);
    expect(account.updates.map((u) => u.EndpointConfigName)).toEqual([expect.stringMatching(/^mlops-staging-v5-/), expect.stringMatching(/^mlops-staging-v6-/)]);
    expect(account.endpoints.get(staging)!.config).toMatch(/^mlops-staging-v6-/);
    expect([...account.items.keys()]).toEqual([]);
  });

  test('a lease left by an execution that stopped running is taken over', async () => {
    // GIVEN a staging lease held by an aborted execution
    const { main } = build({ stages: [{ stageName: 'staging' }] });
    const account = new FakeAccount();
    account.items.set('staging', { pk: { S: 'staging' }, holder: { S: executionArn('v2') }, started: { S: '2026-11-20T00:00:00Z' } });
    account.executions.set(executionArn('v2'), 'ABORTED');

    // WHEN
    await execute(main, DEPLOY(3), account, 'v3');

    // THEN the lease was taken over (compare-and-swap on the holder) and released at the end
    expect(account.log.filter((l) => l.startsWith('v3 dynamodb:') || l.startsWith('v3 aws-sdk:sfn:'))).toEqual([
      'v3 dynamodb:putItem', 'v3 dynamodb:getItem', 'v3 aws-sdk:sfn:describeExecution', 'v3 dynamodb:putItem', 'v3 dynamodb:deleteItem',
    ]);
    expect(account.notifications.at(-1).event).toBe('SUCCEEDED');
    expect([...account.items.keys()]).toEqual([]);
  });

  test('an operator can deploy an older approved version explicitly, never an unapproved one', async () => {
    // GIVEN v2, v3 and v4 approved
    const { main, deployment } = build({ stages: [{ stageName: 'staging' }] });
    const account = new FakeAccount();
    [2, 3, 4].forEach((v) => account.approve(v));

    // WHEN v3 is deployed explicitly (a rollback to a version), and without Explicit
    await execute(main, { ...DEPLOY(3), Explicit: true }, account, 'rollback-to-v3');
    const result = await execute(main, DEPLOY(3), account, 'late-v3');

    // THEN the explicit run deployed v3, the plain one stopped as superseded by v4
    expect(account.endpoints.get(deployment.endpointName('staging'))!.config).toMatch(/^mlops-staging-v3-/);
    expect(result.Reason).toMatch(/^Version 3 is superseded by version 4/);

    // AND a version that is no longer approved is never deployed
    account.approve(2, 'Rejected');
    await expect(execute(main, { ...DEPLOY(2), Explicit: true }, account, 'rollback-to-v2'))
      .rejects.toThrow(/Version 2 is no longer approved in the model registry, so it is not deployed to staging; approve it again to deploy it/);
    account.approve(4, 'Rejected');
    await expect(execute(main, DEPLOY(4), account, 'v4')).rejects.toThrow(/Version 4 is no longer approved/);
    expect([...account.items.keys()]).toEqual([]);
  });
});

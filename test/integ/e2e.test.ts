import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildE2e, BuiltE2e, ENV, resourcesOfType } from './e2e-app';
import { ASSERTION_ERRORS } from '../../examples/e2e/assertions';
import { E2E_STAGE, GENERATED_NAME_PREFIX } from '../../examples/e2e/e2e-stack';
import { CostReport } from '../../src/platform';
import { evaluateFlow, EvaluatedHop } from '../flow/flow';
import { describeFailure, failures, flowOf } from '../flow/matrix';
import { samplePackage } from '../flow/tasks';
import { e2eCalls } from '../flow/tasks-e2e';
import { validateTemplate } from '../governance/checks-harness';
import { render, stateMachineDefinitions } from '../harness/stepfunctions';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator');

const SNAPSHOT = path.join(__dirname, '__snapshots__', 'e2e-stack.template.json');
const ROOT = path.join(__dirname, '..', '..');
const EXEMPTIONS = JSON.parse(fs.readFileSync(path.join(__dirname, 'e2e-cleanup-exemptions.json'), 'utf8')).exemptions as Array<{ operation: string }>;

interface Created { where: string; service: string; operation: string; counterpart: string | null; covered: boolean }
interface CustomResource { where: string; type: string; known: boolean; operations?: string[] }
interface Coverage { created: Created[]; cleanupCalls: string[]; customResources: CustomResource[] }

/** What the template creates at run time and whether the cleanup undoes each kind (scripts/contracts/cleanup_coverage.py, botocore). */
function coverage(template: any): Coverage {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-cleanup-')), 'template.json');
  fs.writeFileSync(file, JSON.stringify(template));
  const run = spawnSync(path.join(ROOT, '.venv-sdk2', 'bin', 'python'), [path.join(ROOT, 'scripts', 'contracts', 'cleanup_coverage.py'), file, '--cleanup', 'Cleanup',
    '--node-modules', path.join(ROOT, 'node_modules')], { encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(`cleanup_coverage.py failed: ${run.stderr}`);
  }
  return JSON.parse(run.stdout);
}

/** The uncovered kinds, `service:Operation`. */
function uncovered(c: Coverage): string[] {
  return [...new Set(c.created.filter((x) => !x.covered).map((x) => `${x.service}:${x.operation}`))].sort();
}

/** The template with asset hashes (they change with the library's assets) replaced. */
function stable(template: any): any {
  return JSON.parse(JSON.stringify(template).replace(/[0-9a-f]{64}/g, '<asset-hash>'));
}

function machine(built: BuiltE2e, prefix: string): any {
  const defs = stateMachineDefinitions(built.stack);
  const id = Object.keys(defs).find((k) => k.startsWith(prefix));
  if (!id) {
    throw new Error(`no state machine ${prefix}: ${Object.keys(defs).join(', ')}`);
  }
  return defs[id];
}

describe('the e2e app (examples/e2e)', () => {
  let built: BuiltE2e;
  beforeAll(() => {
    built = buildE2e('e2e--app');
  });

  test('synthesizes with zero findings from the four cdk-nag packs and MlopsChecks', () => {
    expect(built.result!.packsRun.sort()).toEqual(['AwsSolutions', 'HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321']);
    expect(built.result!.findings).toEqual([]);
    expect(built.result!.templateFiles).toHaveLength(1);
    // MlopsChecks passes silently in the synth report: run it on the template itself too.
    const report = validateTemplate(built.template);
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  test('fails when a job of the app\'s pipeline loses its volume key (MlopsChecks positive control)', () => {
    const broken = JSON.parse(JSON.stringify(built.template));
    const [id, pipeline] = resourcesOfType(broken, 'AWS::SageMaker::Pipeline')[0];
    broken.Resources[id] = JSON.parse(JSON.stringify(pipeline).replace(/VolumeKmsKeyId/g, 'RemovedVolumeKey'));
    const report = validateTemplate(broken);
    expect(report.success).toBe(false);
    expect(JSON.stringify(report.violations)).toContain('MLOPS-SM-004');
  });

  test('the app entry point (examples/e2e/app.ts, what run.sh deploys) synthesizes the stack and its outputs', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-app-'));
    const env = { ...process.env };
    Object.assign(process.env, { CDK_OUTDIR: outdir, CDK_DEFAULT_ACCOUNT: ENV.account, CDK_DEFAULT_REGION: ENV.region, CDK_CONTEXT_JSON: JSON.stringify({ destroyRetainedResources: 'false' }) });
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      jest.isolateModules(() => require('../../examples/e2e/app'));
    } finally {
      process.env = env;
    }
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'CdkMlopsE2e.template.json'), 'utf8'));
    expect(Object.keys(template.Outputs)).toEqual(expect.arrayContaining([expect.stringMatching(/^AssertionsArn/), expect.stringMatching(/^CleanupArn/)]));
    // the context switch reaches the stack: stateful resources retained
    expect(Object.values<any>(template.Resources).some((r) => r.DeletionPolicy === 'Retain')).toBe(true);
  });

  test('the template is the committed snapshot (asset hashes aside)', () => {
    const current = JSON.stringify(stable(built.template), undefined, 1) + '\n';
    if (process.env.UPDATE_E2E_SNAPSHOT === '1') {
      fs.mkdirSync(path.dirname(SNAPSHOT), { recursive: true });
      fs.writeFileSync(SNAPSHOT, current);
    }
    if (!fs.existsSync(SNAPSHOT) || fs.readFileSync(SNAPSHOT, 'utf8') !== current) {
      throw new Error(`${SNAPSHOT} differs from the synthesized e2e template: review the change, then UPDATE_E2E_SNAPSHOT=1 npx jest test/examples/e2e.test.ts`);
    }
  });

  test('the pipeline trains on the shipped data set by default, with the hyperparameters XGBoost requires', () => {
    const [, pipeline] = resourcesOfType(built.template, 'AWS::SageMaker::Pipeline')[0];
    const definition = JSON.parse(render(pipeline.Properties.PipelineDefinition.PipelineDefinitionBody) as string);
    const data = definition.Parameters.find((p: any) => p.Name === 'TrainingData');
    expect(data.DefaultValue).toMatch(/^s3:\/\/cdk-hnb659fds-assets-.*\/[0-9a-f]{64}\.csv$/);
    const train = definition.Steps.find((s: any) => s.Name === 'Train');
    expect(train.Arguments.HyperParameters).toEqual(expect.objectContaining({ num_round: '20', objective: 'binary:logistic' }));
    expect(train.Arguments.ResourceConfig.InstanceType).toBe('ml.m5.large');
    expect(definition.Steps.map((s: any) => s.Type)).toEqual(['Training', 'Processing', 'RegisterModel']);
  });

  test('the staging stage is the only one, on the smallest instance type, and the monitor watches it', () => {
    const deploy = machine(built, 'PlatformDeployment');
    const configs = JSON.stringify(deploy).match(/"InstanceType":"[^"]+"/g);
    expect([...new Set(configs)]).toEqual(['"InstanceType":"ml.t2.medium"']);
    expect(built.stack.platform.monitor!.endpointName).toBe(built.stack.targets.endpointName);
    expect(built.stack.targets.endpointName).toMatch(new RegExp(`-${E2E_STAGE}$`));
  });

  test('the assertions read capture where the drift check reads it', () => {
    const check = machine(built, 'PlatformMonitoringCheckWorkflow');
    const root: string = check.States.Window.Assign.captureRoot;
    const t = render(built.stack.resolve(built.stack.targets), built.template.Resources) as any;
    expect(root).toBe(`s3://${t.captureBucketName}/${t.captureKeyPrefix}`);
  });

  test('the cleanup recognizes what the deployment workflow creates: name prefix and deployment tag', () => {
    const deploy = JSON.stringify(machine(built, 'PlatformDeployment'));
    expect(deploy).toContain(`States.Format('${GENERATED_NAME_PREFIX}v{}-{}'`);
    const tag = /\{"Key":"cdk-mlops:deployment","Value":"([^"]+)"\}/.exec(deploy);
    expect(tag?.[1]).toBe(built.stack.cleanupTargets.deploymentId);
  });

  test('the cleanup stops executions of the encrypted drift workflows without KMS: no Error, no Cause', () => {
    // Step Functions API Reference, StopExecution: a caller needs no KMS permission when error and cause are null.
    const cleanup = machine(built, 'Cleanup');
    const stop = cleanup.States['Stop workflow executions'].ItemProcessor.States['Stop each execution'].ItemProcessor.States['Stop execution'];
    expect(Object.keys(stop.Parameters)).toEqual(['ExecutionArn.$']);
    const encrypted = resourcesOfType(built.template, 'AWS::StepFunctions::StateMachine').filter(([, r]) => r.Properties.EncryptionConfiguration).map(([id]) => id);
    expect(encrypted.map((id) => id.replace(/[0-9A-F]{8}$/, ''))).toEqual(['PlatformMonitoringCheckWorkflow', 'PlatformMonitoringRetrainingWorkflow']);
  });

  test('the cleanup empties every bucket of the stack, access-log buckets last', () => {
    const buckets = resourcesOfType(built.template, 'AWS::S3::Bucket').map(([id]) => id);
    const cleanup = machine(built, 'Cleanup');
    const names: string[] = cleanup.States.Buckets.Parameters.Names;
    expect(names.map((n) => n.replace(/^ref-/, '')).sort()).toEqual([...buckets].sort());
    const logs = names.map((n, i) => [n, i] as const).filter(([n]) => /AccessLogs/.test(n)).map(([, i]) => i);
    expect(logs).toEqual([3, 4, 5]);
  });

  test('stateful resources are deleted with the stack by default, retained with destroyRetainedResources false', () => {
    const retained = (t: any) => Object.entries<any>(t.Resources).filter(([, r]) => r.DeletionPolicy === 'Retain').map(([, r]) => r.Type);
    expect(retained(built.template)).toEqual([]);
    const kept = buildE2e('e2e--retain', { destroyRetainedResources: false });
    expect(new Set(retained(kept.template))).toEqual(new Set([
      'AWS::KMS::Key', 'AWS::S3::Bucket', 'AWS::Logs::LogGroup', 'AWS::DynamoDB::Table', 'AWS::SageMaker::ModelPackageGroup',
    ]));
    expect(kept.result!.findings).toEqual([]);
  });

  test('the assertion and cleanup definitions pass asl-validator; every assertion has its Fail state', () => {
    for (const prefix of ['Assertions', 'Cleanup']) {
      const { isValid, errorsText } = aslValidator(machine(built, prefix));
      expect(errorsText('\n')).toBe('');
      expect(isValid).toBe(true);
    }
    const errors = new Set(JSON.stringify(machine(built, 'Assertions')).match(/"Error":"E2e\.[A-Za-z]+"/g)!.map((e) => e.slice(9, -1)));
    expect([...errors].sort()).toEqual(Object.values(ASSERTION_ERRORS).sort());
  });

  test('docs/e2e.md prices the deployed stack with CostReport', () => {
    const report = CostReport.fromTemplate(JSON.stringify(built.template), { stackName: 'CdkMlopsE2e' });
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'e2e.md'), 'utf8');
    const hourly = report.totalMonthlyUsd / CostReport.HOURS_PER_MONTH;
    expect(doc).toContain(`| $${report.totalMonthlyUsd.toFixed(2)}/month ÷ 730 h = $${hourly.toFixed(4)}/hour × 2 h | ${(2 * hourly).toFixed(2)} |`);
    const count = (pattern: RegExp) => report.lines.filter((l) => pattern.test(l.item)).reduce((n, l) => n + l.quantity, 0);
    expect(doc).toContain(`| of which: 7 interface endpoints × 2 AZs | ${count(/^interface endpoint/)} × $0.01/h |`);
    expect(report.lines.filter((l) => /^endpoint instance/.test(l.item)).map((l) => l.item)).toEqual(['endpoint instance ml.t2.medium (stage staging)']);
    expect(doc).toContain(`| of which: ${count(/^KMS key/)} KMS keys, ${count(/alarm metric/)} alarm metrics |`);
    expect(report.unpriced).toEqual([]);
  });

  describe('the cleanup undoes every kind the app creates at run time (oracle: the template and botocore)', () => {
    let c: Coverage;
    beforeAll(() => {
      c = coverage(built.template);
    });

    test('every Create/Start/Put of every state machine, pipeline step and custom resource has its Delete/Stop in the cleanup, or a listed reason', () => {
      expect(uncovered(c)).toEqual(EXEMPTIONS.map((e) => e.operation).sort());
      const kinds = [...new Set(c.created.filter((x) => x.covered).map((x) => `${x.service}:${x.operation} -> ${x.counterpart}`))].sort();
      expect(kinds).toEqual([
        'sagemaker:CreateEndpoint -> DeleteEndpoint',
        'sagemaker:CreateEndpointConfig -> DeleteEndpointConfig',
        'sagemaker:CreateModel -> DeleteModel',
        'sagemaker:CreateModelPackage -> DeleteModelPackage',
        'sagemaker:CreateProcessingJob -> StopProcessingJob',
        'sagemaker:CreateTrainingJob -> StopTrainingJob',
        'sagemaker:StartPipelineExecution -> StopPipelineExecution',
        'stepfunctions:StartExecution -> StopExecution',
      ]);
    });

    test('reads every creating call from every source: workflows, the pipeline definition, the custom resources', () => {
      const where = (pattern: RegExp) => c.created.filter((x) => pattern.test(x.where)).map((x) => x.operation);
      expect(where(/^PlatformPipeline[0-9A-F]{8}\//)).toEqual(['CreateTrainingJob', 'CreateProcessingJob', 'CreateModelPackage']);
      expect(new Set(where(/^PlatformDeployment[0-9A-F]{8}\//))).toEqual(new Set(['PutItem', 'CreateModel', 'CreateEndpointConfig', 'CreateEndpoint', 'PutEvents']));
      expect(new Set(where(/^Assertions/))).toEqual(new Set(['StartPipelineExecution', 'StartExecution']));
      // The one custom resource (aws-cdk-lib's default security group closer) only revokes and re-authorizes rules.
      expect(c.customResources).toEqual([expect.objectContaining({
        type: 'Custom::VpcRestrictDefaultSG',
        known: true,
        operations: ['AuthorizeSecurityGroupEgress', 'AuthorizeSecurityGroupIngress', 'RevokeSecurityGroupEgress', 'RevokeSecurityGroupIngress'],
      })]);
    });

    test('fails when the cleanup no longer deletes models (positive control)', () => {
      const broken = JSON.parse(JSON.stringify(built.template).replace(/aws-sdk:sagemaker:deleteModel\b/g, 'aws-sdk:sagemaker:describeModel'));
      expect(uncovered(coverage(broken))).toEqual(['cloudwatch:PutMetricData', 'dynamodb:PutItem', 'events:PutEvents', 'sagemaker:CreateModel']);
    });
  });

  describe('access matrix of the e2e app (IAM simulator, every hop of every workflow)', () => {
    let hops: EvaluatedHop[];
    let flow: ReturnType<typeof flowOf>;
    beforeAll(async () => {
      const config = { name: 'e2e' as const, title: 'e2e app', app: built.app, handles: { stack: built.stack, platform: built.stack.platform } };
      flow = flowOf(config);
      const role = (prefix: string) => flow.model.roles.find((r) => r.logicalId.startsWith(prefix))!.arn;
      const sm = (resource: string) => `arn:aws:sagemaker:${ENV.region}:${ENV.account}:${resource}`;
      flow.deny('e2e cleanup deletes a model of another deployment', role('CleanupRole'), 'sagemaker:DeleteModel', sm('model/churn-prod-v3'),
        'the cleanup deletes only models named mlops-staging-*');
      flow.deny('e2e cleanup deletes another endpoint', role('CleanupRole'), 'sagemaker:DeleteEndpoint', sm('endpoint/churn-prod'),
        'the cleanup deletes only the e2e staging endpoint');
      flow.deny('e2e cleanup deletes objects of a bucket outside the stack', role('CleanupRole'), 's3:DeleteObjectVersion', 'arn:aws:s3:::someone-elses-data/train.csv',
        'the cleanup empties only the stack\'s buckets', { resourceAccount: ENV.account });
      flow.deny('e2e cleanup stops executions of another state machine', role('CleanupRole'), 'states:StopExecution',
        `arn:aws:states:${ENV.region}:${ENV.account}:execution:payments:run-1`, 'the cleanup stops only the platform\'s workflows');
      flow.deny('e2e assertions invoke another endpoint', role('AssertionRole'), 'sagemaker:InvokeEndpoint', sm('endpoint/churn-prod'),
        'the assertions invoke only the e2e staging endpoint');
      flow.deny('e2e assertions approve a version of another group', role('AssertionRole'), 'sagemaker:UpdateModelPackage', sm('model-package/churn-models/3'),
        'the assertions approve only versions of the e2e registry', { context: { 'sagemaker:ModelApprovalStatus': 'Approved' } });
      hops = await evaluateFlow(flow);
    });

    test('every must-allow hop is allowed and every must-deny hop is denied', () => {
      expect(failures([{ config: { name: 'e2e' } as any, hops }]).map(describeFailure)).toEqual([]);
    });

    test('covers the platform loop and every task of the e2e workflows', () => {
      const steps = hops.filter((h) => h.expect === 'allow').map((h) => `${h.step} ${h.action}`);
      const has = (pattern: RegExp) => expect(steps.filter((s) => pattern.test(s))).not.toEqual([]);
      has(/^Training job .* reads channel .* s3:GetObject$/);
      has(/^Pipeline registers a version .* sagemaker:CreateModelPackage$/);
      has(/^Deployment workflow: .*Create model iam:PassRole$/);
      has(/^Drift check workflow: Check sagemaker:CreateProcessingJob$/);
      has(/^Retraining workflow: StartRetraining sagemaker:StartPipelineExecution$/);
      // every call of every task of the two workflows is an allowed hop of the workflow's role
      const allowed = new Set(hops.filter((h) => h.expect === 'allow' && h.ok).map((h) => `${h.principal} ${h.action} ${h.resource}`));
      let tasks = 0;
      for (const m of flow.model.ofType('AWS::StepFunctions::StateMachine').filter((x) => /^(Assertions|Cleanup)/.test(x.logicalId))) {
        const definition = JSON.parse(m.properties.DefinitionString);
        const visit = (states: Record<string, any>) => {
          for (const [stateName, state] of Object.entries<any>(states)) {
            for (const branch of state.Branches ?? []) {
              visit(branch.States);
            }
            if (state.ItemProcessor) {
              visit(state.ItemProcessor.States);
            }
            if (state.Type !== 'Task') {
              continue;
            }
            tasks++;
            const calls = e2eCalls(state.Resource, {
              stateName,
              params: state.Parameters,
              account: m.account,
              region: m.region,
              definition,
              samplePackage: samplePackage(flow),
              stateMachineKey: (arn) => flow.stateMachineKey(arn),
            });
            for (const call of calls) {
              expect(`${stateName}: ${allowed.has(`${m.properties.RoleArn} ${call.action} ${call.resource}`)}`).toBe(`${stateName}: true`);
            }
          }
        };
        visit(definition.States);
      }
      expect(tasks).toBe(16 + 23);
      expect(hops.filter((h) => h.expect === 'deny')).toHaveLength(6);
    });
  });
});

/**
 * Configuration (d): the layers composed by hand across two accounts with the
 * public API only (no MlopsPlatform, no MlopsAccounts), evaluated hop by hop
 * through the IAM simulator and the network path (S3 gateway endpoint policy),
 * as the access matrix evaluates (a) to (c). The question it answers: can the
 * drift check of the tooling account read what the production stage, deployed
 * into its own account, captures (objects, listing, key), and nothing more?
 */
import { buildComposedAccounts, Configuration, FOREIGN, PRODUCTION, stacksOf, TOOLING } from './configurations';
import { evaluateFlow, EvaluatedHop, Flow } from './flow';
import { describeFailure, flowOf } from './matrix';
import { StackTemplate } from './resolve';
import { SAMPLE } from './tasks';
import { expectCompliant, testApp } from '../harness/compliance';

const OUTSIDER = `arn:aws:iam::${FOREIGN}:role/outsider`;
const ADMIN = [{ name: 'AdministratorAccess', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }];

/** The three hops that read the production capture from the tooling account. */
const DRIFT_READS = /^(Drift check job reads captured data( \(KMS through S3\))?|Drift check workflow: ListCapture)$/;

/** The object key of a capture of the production endpoint, under its stage's prefix. */
function captureObject(flow: Flow, prefix = 'data-capture/production/churn-prod/AllTraffic/'): string {
  const bucket = flow.model.ofType('AWS::S3::Bucket').find((b) => b.account === PRODUCTION && /DataCapture/.test(b.logicalId))!.ref;
  return `arn:aws:s3:::${bucket}/${prefix}${SAMPLE.folder}capture-0001.jsonl`;
}

/** The hops of (d), with must-deny hops on the shared capture, evaluated. */
async function evaluate(config: Configuration, stacks?: StackTemplate[]): Promise<EvaluatedHop[]> {
  const flow = flowOf(config, stacks);
  const m = flow.model;
  const vpcId = m.ofType('AWS::EC2::VPC').find((v) => v.account === TOOLING)!.ref;
  const gateway = flow.s3Gateway(vpcId);
  flow.deny('Another account reads production\'s captured data', OUTSIDER, 's3:GetObject', captureObject(flow),
    'the capture bucket admits the tooling account\'s roles only', { identityPolicies: ADMIN });
  flow.deny('Tooling pipeline role reads production\'s captured data', m.roleByLogicalId('TrainingRole').arn, 's3:GetObject', captureObject(flow),
    'the bucket admits tooling roles, but only the drift check\'s roles have the identity side', { endpoints: gateway });
  flow.deny('Drift check job reads outside the stage\'s capture prefix', m.roleByLogicalId('DriftCheckJobRole').arn, 's3:GetObject',
    captureObject(flow, 'data-capture/other-stage/other-endpoint/AllTraffic/'), 'allowDriftChecksFrom shares the stage\'s prefix only', { endpoints: gateway });
  return evaluateFlow(flow);
}

function copyOf(stacks: StackTemplate[]): StackTemplate[] {
  return stacks.map((s) => ({ ...s, template: JSON.parse(JSON.stringify(s.template)) }));
}

describe('(d) the layers composed by hand across accounts, through the IAM simulator', () => {
  let config: Configuration;
  let hops: EvaluatedHop[];

  beforeAll(async () => {
    config = buildComposedAccounts(testApp);
    expectCompliant(config.app, { label: 'flow--composed-accounts' });
    hops = await evaluate(config);
  });

  test('every must-allow hop is allowed and every must-deny hop is denied', () => {
    expect(hops.filter((h) => !h.ok).map(describeFailure)).toEqual([]);
    expect(hops.filter((h) => h.expect === 'allow').length).toBeGreaterThan(100);
    expect(hops.filter((h) => h.expect === 'deny').length).toBe(3);
  });

  test('the drift check of the tooling account reads the production capture: objects through the S3 gateway, listing, key through S3', () => {
    const reads = hops.filter((h) => DRIFT_READS.test(h.step));
    expect(reads.map((h) => [h.principalLabel, h.action, h.resourceLabel.replace(/\/\d{4}\/.*$/, '/…'), h.outcome.result])).toEqual([
      ['Churn/DriftCheckWorkflowRole', 's3:ListBucket', 'ChurnProduction/TargetDataCapture', 'Allowed'],
      ['Churn/DriftCheckJobRole', 's3:GetObject', 'ChurnProduction/TargetDataCapture/data-capture/production/churn-prod/AllTraffic/…', 'Allowed'],
      ['Churn/DriftCheckJobRole', 'kms:Decrypt', 'ChurnProduction/TargetKey', 'Allowed'],
    ]);
    for (const h of reads) {
      expect(h.resourceAccount).toBe(PRODUCTION);
      // both sides decide: the role's policy in the tooling account, the bucket or key policy allowDriftChecksFrom wrote
      expect(h.outcome.deciding).toEqual(expect.arrayContaining([
        expect.stringMatching(/^identity:DriftCheck(Workflow|Job)RolePolicy/),
        expect.stringMatching(/^resource:ChurnProduction\/Target(DataCapture|Key) DriftChecksOfToolingAccount(Read|List|DecryptThroughS3)$/),
      ]));
    }
    // the network path: the tooling VPC's S3 gateway endpoint admits the other account's bucket because the monitor asked it to
    const object = reads.find((h) => h.action === 's3:GetObject')!;
    expect(object.endpoints.map((e) => e.type)).toEqual(['Gateway']);
    expect(object.outcome.deciding).toContain('vpce:endpoint s3 ReadSharedBucket1');
  });

  test('the deployment reaches production through the target\'s roles, and production\'s model reads the tooling artifacts', () => {
    const allowed = hops.filter((h) => h.expect === 'allow').map((h) => `${h.principalLabel} ${h.action} ${h.resourceLabel}`);
    const has = (pattern: RegExp) => expect(allowed.filter((s) => pattern.test(s))).not.toEqual([]);
    has(/^Churn\/DeploymentWorkflowRole sts:AssumeRole ChurnProduction\/TargetDeployerRole$/);
    has(/^ChurnProduction\/TargetDeployerRole sagemaker:CreateModel /);
    has(/^ChurnProduction\/TargetModelExecutionRole s3:GetObject Churn\/TrainingArtifactBucket\/.*model\.tar\.gz$/);
    has(/^ChurnProduction\/TargetModelExecutionRole s3:PutObject ChurnProduction\/TargetDataCapture\/data-capture\/production\//);
    has(/^Churn\/DriftRetrainingWorkflowRole sagemaker:StartPipelineExecution .*pipeline\/churn-training$/);
  });

  test('fails when the production account does not call allowDriftChecksFrom (positive control)', async () => {
    const closed = buildComposedAccounts(undefined, { allowDriftChecks: false });
    const failed = (await evaluate(closed)).filter((h) => !h.ok);
    expect(failed.map((h) => `${h.step}: ${h.action} ${h.outcome.result}`)).toEqual([
      'Drift check workflow: ListCapture: s3:ListBucket ImplicitlyDenied',
      'Drift check job reads captured data: s3:GetObject ImplicitlyDenied',
      'Drift check job reads captured data (KMS through S3): kms:Decrypt ImplicitlyDenied',
    ]);
  });

  test('fails when the tooling VPC\'s S3 gateway endpoint does not admit the capture bucket (positive control)', async () => {
    const variant = copyOf(stacksOf(config));
    let removed = 0;
    for (const r of Object.values<any>(variant.find((s) => s.account === TOOLING)!.template.Resources)) {
      if (r.Type === 'AWS::EC2::VPCEndpoint' && r.Properties.VpcEndpointType === 'Gateway') {
        const statements: any[] = r.Properties.PolicyDocument.Statement;
        r.Properties.PolicyDocument.Statement = statements.filter((st) => !/^ReadSharedBucket/.test(st.Sid));
        removed += statements.length - r.Properties.PolicyDocument.Statement.length;
      }
    }
    expect(removed).toBe(1);
    const failed = (await evaluate(config, variant)).filter((h) => !h.ok);
    expect(failed.map(describeFailure)).toEqual([
      expect.stringMatching(/^\[composed-accounts\] must-allow DENIED: Drift check job reads captured data: Churn\/DriftCheckJobRole s3:GetObject .*\(ImplicitlyDenied; .*vpce/),
    ]);
  });
});

import * as fs from 'fs';
import * as path from 'path';
import { checkPolicy, FindingCode, PolicyToCheck } from './policy-check';
import { compareWithDivergences, guardrailScps, loadDivergences, loadStarReasons } from './run';
import { arnIntersects, expandAction } from './sar';

const ACCOUNT = '111111111111';
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
const TRAINING = `arn:aws:sagemaker:us-east-1:${ACCOUNT}:training-job/*`;

function identity(...statements: unknown[]): PolicyToCheck {
  return { kind: 'identity', where: 'fixture', document: { Statement: statements } };
}

async function codes(policy: PolicyToCheck): Promise<FindingCode[]> {
  return (await checkPolicy(policy)).map((f) => f.code).sort();
}

describe('IAM contract check (Service Authorization Reference)', () => {
  test('a correct policy has no findings (negative control)', async () => {
    const policy = identity(
      {
        Effect: 'Allow',
        Action: ['sagemaker:CreateTrainingJob', 'sagemaker:CreateProcessingJob'],
        Resource: [TRAINING, `arn:aws:sagemaker:us-east-1:${ACCOUNT}:processing-job/*`],
        Condition: {
          'Null': { 'sagemaker:OutputKmsKeyArn': 'false' },
          'ArnEquals': { 'sagemaker:OutputKmsKeyArn': KEY },
          'ForAllValues:StringEquals': { 'sagemaker:VpcSubnets': ['subnet-1'] },
          'Bool': { 'sagemaker:InterContainerTrafficEncryption': 'true' },
          'StringEquals': { 'aws:RequestTag/stage': 'dev', 'aws:PrincipalAccount': ACCOUNT },
        },
      },
      { Effect: 'Allow', Action: 's3:GetObject*', Resource: 'arn:aws:s3:::data/*' },
      { Effect: 'Allow', Action: 'ec2:DescribeVpcs', Resource: '*' },
    );
    expect(await checkPolicy(policy)).toEqual([]);
  });

  test('fails when an action does not exist', async () => {
    const findings = await checkPolicy(identity({ Effect: 'Allow', Action: 'sagemaker:CreateTrainingJobs', Resource: TRAINING }));
    expect(findings).toEqual([expect.objectContaining({
      code: 'UNKNOWN_ACTION',
      id: 'UNKNOWN_ACTION sagemaker:CreateTrainingJobs',
      message: 'action sagemaker:CreateTrainingJobs is not in the Service Authorization Reference',
    })]);
    expect(await codes(identity({ Effect: 'Allow', Action: 'sagemakr:CreateTrainingJob', Resource: TRAINING }))).toEqual(['UNKNOWN_SERVICE']);
  });

  test('fails when an action pattern matches no action; a pattern that matches is expanded', async () => {
    const findings = await checkPolicy(identity({ Effect: 'Allow', Action: 'sagemaker:Descibe*', Resource: '*' }));
    expect(findings.map((f) => f.message)).toEqual(["action pattern sagemaker:Descibe* matches no action of 'sagemaker' in the Service Authorization Reference"]);
    const describe = await expandAction('sagemaker:Describe*');
    expect(describe).toEqual(expect.arrayContaining(['sagemaker:DescribeTrainingJob', 'sagemaker:DescribeModelPackageGroup']));
    expect(describe.every((a) => a.startsWith('sagemaker:Describe'))).toBe(true);
  });

  test('fails when a condition key is deprecated (sagemaker:VolumeKmsKey), and says no action carries it', async () => {
    const findings = await checkPolicy(identity({
      Effect: 'Deny', Action: 'sagemaker:CreateTrainingJob', Resource: '*', Condition: { Null: { 'sagemaker:VolumeKmsKey': 'true' } },
    }));
    expect(findings.map((f) => [f.code, f.message])).toEqual([
      ['DEPRECATED_CONDITION_KEY', expect.stringMatching(/^condition key sagemaker:VolumeKmsKey is deprecated: .*replaced by sagemaker:VolumeKmsKeyArn/)],
      ['CONDITION_KEY_NOT_APPLICABLE', 'condition key sagemaker:VolumeKmsKey is not listed for sagemaker:CreateTrainingJob (nor for its resource types): the key is absent from its requests'],
    ]);
  });

  test('fails when an ARN key is tested with a string operator, and on other operator/type mismatches', async () => {
    const findings = await checkPolicy(identity({
      Effect: 'Allow',
      Action: 'sagemaker:CreateTrainingJob',
      Resource: TRAINING,
      Condition: {
        'StringEquals': { 'sagemaker:VolumeKmsKeyArn': KEY, 'sagemaker:VpcSubnets': 'subnet-1' },
        'ForAllValues:StringEquals': { 'sagemaker:OutputKmsKeyArn': KEY },
        'Bool': { 'sagemaker:MaxRuntimeInSeconds': 'true' },
        'Null': { 'sagemaker:NetworkIsolation': 'no' },
      },
    }));
    expect(findings.map((f) => f.id).sort()).toEqual([
      'MULTIVALUED_KEY_WITHOUT_SET_OPERATOR StringEquals sagemaker:VpcSubnets',
      'NULL_VALUE sagemaker:NetworkIsolation',
      'OPERATOR_TYPE_MISMATCH Bool sagemaker:MaxRuntimeInSeconds',
      'OPERATOR_TYPE_MISMATCH ForAllValues:StringEquals sagemaker:OutputKmsKeyArn',
      'OPERATOR_TYPE_MISMATCH StringEquals sagemaker:VolumeKmsKeyArn',
      'SET_OPERATOR_ON_SINGLE_VALUED_KEY ForAllValues:StringEquals sagemaker:OutputKmsKeyArn',
    ]);
    expect(findings.find((f) => f.id === 'OPERATOR_TYPE_MISMATCH StringEquals sagemaker:VolumeKmsKeyArn')!.message)
      .toBe('StringEquals on sagemaker:VolumeKmsKeyArn, a key of type ARN; use ArnEquals/ArnLike/ArnNotEquals/ArnNotLike');
  });

  test('fails when a resource is of the wrong type for the action', async () => {
    const findings = await checkPolicy(identity(
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data' },
      { Effect: 'Allow', Action: 'sagemaker:CreateTrainingJob', Resource: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:processing-job/*` },
    ));
    expect(findings.map((f) => f.id)).toEqual([
      'RESOURCE_MISMATCH s3:GetObject arn:aws:s3:::data',
      'RESOURCE_UNUSED s3:GetObject arn:aws:s3:::data',
      'RESOURCE_MISMATCH sagemaker:CreateTrainingJob arn:aws:sagemaker:us-east-1:${Account}:processing-job/*',
      'RESOURCE_UNUSED sagemaker:CreateTrainingJob arn:aws:sagemaker:us-east-1:${Account}:processing-job/*',
    ]);
    expect(findings[0].message).toMatch(/^no resource of the statement \(arn:aws:s3:::data\) is of a type s3:GetObject is authorized on: /);
    expect(findings[0].message).toContain('arn:${Partition}:s3:::${BucketName}/${ObjectName}');
  });

  test('fails when an action without resource types names a resource, or one with resource types is allowed on *', async () => {
    expect(await codes(identity({ Effect: 'Allow', Action: 'ec2:DescribeVpcs', Resource: `arn:aws:ec2:us-east-1:${ACCOUNT}:vpc/vpc-1` }))).toEqual(['RESOURCE_NOT_STAR', 'RESOURCE_UNUSED']);
    const star = identity({ Effect: 'Allow', Action: 'sagemaker:CreateTrainingJob', Resource: '*' });
    expect(await codes(star)).toEqual(['RESOURCE_STAR']);
    // ... unless a reason is listed, or the statement denies, or it is an SCP
    expect(await checkPolicy(star, [{ action: 'sagemaker:CreateTrainingJob', reason: 'fixture' }])).toEqual([]);
    expect(await checkPolicy(identity({ Effect: 'Deny', Action: 'sagemaker:CreateTrainingJob', Resource: '*' }))).toEqual([]);
    expect(await checkPolicy({ ...star, kind: 'scp' })).toEqual([]);
  });

  test('fails on unknown condition keys; global keys apply everywhere but tag keys only where listed', async () => {
    expect(await codes(identity({
      Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*', Condition: { StringEquals: { 's3:ResourceOrgID': 'o-1' } },
    }))).toEqual(['UNKNOWN_CONDITION_KEY']);
    expect(await checkPolicy(identity({
      Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*', Condition: { StringEquals: { 'aws:ResourceOrgID': 'o-1' } },
    }))).toEqual([]);
    expect((await checkPolicy(identity({
      Effect: 'Allow', Action: 'sagemaker:ListTrainingJobs', Resource: '*', Condition: { StringEquals: { 'aws:RequestTag/stage': 'dev' } },
    }))).map((f) => f.id)).toEqual(['CONDITION_KEY_NOT_APPLICABLE sagemaker:ListTrainingJobs aws:RequestTag/stage']);
  });

  test('reads "*" in a key policy as the key, and a missing Resource as the resource the policy is attached to', async () => {
    const keyPolicy: PolicyToCheck = {
      kind: 'resource',
      where: 'fixture',
      attachedTo: [KEY],
      document: { Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] },
    };
    expect(await checkPolicy(keyPolicy)).toEqual([]);
    const bucketPolicy: PolicyToCheck = { ...keyPolicy, attachedTo: ['arn:aws:s3:::data'], document: { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt' }] } };
    expect((await checkPolicy(bucketPolicy)).map((f) => f.code)).toEqual(['RESOURCE_MISMATCH', 'RESOURCE_UNUSED']);
  });

  test('ARN patterns of a policy meet the reference\'s ARN formats only where they can name the same resource', () => {
    const object = 'arn:${Partition}:s3:::${BucketName}/${ObjectName}';
    expect(arnIntersects('arn:aws:s3:::data/*', object)).toBe(true);
    expect(arnIntersects('arn:aws:s3:::data*', object)).toBe(true);
    expect(arnIntersects('arn:aws:s3:::data', object)).toBe(false);
    const group = 'arn:${Partition}:sagemaker:${Region}:${Account}:model-package-group/${ModelPackageGroupName}';
    expect(arnIntersects(`arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/churn/*`, group)).toBe(false);
    expect(arnIntersects(`arn:aws:sagemaker:*:${ACCOUNT}:model-package-group/churn`, group)).toBe(true);
    expect(arnIntersects(`arn:aws:iam::${ACCOUNT}:role/x`, 'arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}')).toBe(true);
    expect(arnIntersects(`arn:aws:iam::${ACCOUNT}:role/x`, 'arn:${Partition}:iam::${Account}:user/${UserNameWithPath}')).toBe(false);
  });

  test('the service control policies of SageMakerGuardrail have no findings', async () => {
    for (const scp of guardrailScps()) {
      expect(await checkPolicy(scp)).toEqual([]);
    }
  });
});

describe('listed divergences (test/contracts/divergences.json, "iam")', () => {
  test('each entry names the finding, where it comes from, and the AWS document that justifies it', () => {
    const file = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'divergences.json'), 'utf8'));
    expect(Object.keys(file)).toEqual(expect.arrayContaining(['iam']));
    for (const d of loadDivergences()) {
      expect(Object.keys(d).sort()).toEqual(['source', 'what', 'where', 'why']);
      expect(d.what).toMatch(/^[A-Z_]+ \S/);
      expect(d.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
      expect(d.why.length).toBeGreaterThan(60);
    }
    for (const r of loadStarReasons()) {
      expect(r.reason.length).toBeGreaterThan(60);
    }
  });

  test('fails when a finding is not listed, or a listed divergence is not found (stale)', () => {
    const finding = { code: 'RESOURCE_MISMATCH' as const, id: 'RESOURCE_MISMATCH sagemaker:CreateModel arn:aws:sagemaker:us-east-1:${Account}:model-package/churn/*', message: '', where: '' };
    const listed = { what: 'RESOURCE_MISMATCH sagemaker:CreateModel arn:aws:sagemaker:*:model-package/*', where: 'x', source: 'https://docs.aws.amazon.com/x', why: 'y' };
    const other = { ...listed, what: 'UNKNOWN_ACTION sagemaker:Nothing' };
    expect(compareWithDivergences([finding], [listed])).toEqual({ unlisted: [], stale: [], listed: [listed] });
    expect(compareWithDivergences([finding], [other])).toEqual({ unlisted: [finding], stale: [other], listed: [] });
  });
});

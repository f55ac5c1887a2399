import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import type { ModelRegistryProps } from './model-registry';
import { ACCOUNT_ID, PropsValidator, Problem } from '../private/validation';

/** SageMaker's pattern for a model package group name. */
export const GROUP_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
/** The longest group name SageMaker accepts. */
export const MAX_NAME_LENGTH = 63;
/** The longest group description SageMaker accepts. */
export const MAX_DESCRIPTION_LENGTH = 1024;
/** SageMaker's limit on a model package group policy, in characters. */
export const MAX_POLICY_LENGTH = 20480;

/** A model package group ARN; captures the name. */
const GROUP_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package-group\/([^/]+)$/;

/** What a consumer account may do on the group itself. */
export const CONSUMER_ACTIONS_ON_GROUP = ['sagemaker:DescribeModelPackageGroup'];
/**
 * What a consumer account may do on the versions: read them and create a
 * model from one. Not `UpdateModelPackage`: approval stays with the owner.
 */
export const CONSUMER_ACTIONS_ON_PACKAGES = ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages', 'sagemaker:CreateModel'];

/** Inputs of the group resource policy. */
export interface GroupPolicyInput {
  readonly accounts: string[];
  readonly partition: string;
  readonly groupArn: string;
  readonly packageArns: string[];
}

/**
 * The model package group policy sharing the group with the accounts: the
 * shape of SageMaker's cross-account example (one statement on the group,
 * one on its versions), without `UpdateModelPackage`.
 */
export function renderGroupPolicy(input: GroupPolicyInput): Record<string, unknown> {
  const principal = { AWS: input.accounts.map((a) => `arn:${input.partition}:iam::${a}:root`) };
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ConsumersDescribeGroup',
        Effect: 'Allow',
        Principal: principal,
        Action: CONSUMER_ACTIONS_ON_GROUP,
        Resource: input.groupArn,
      },
      {
        Sid: 'ConsumersReadAndDeployVersions',
        Effect: 'Allow',
        Principal: principal,
        Action: CONSUMER_ACTIONS_ON_PACKAGES,
        Resource: input.packageArns.length === 1 ? input.packageArns[0] : input.packageArns,
      },
    ],
  };
}

/**
 * The length of the group policy once deployed, assuming the longest
 * partition, region and group name the tokens could resolve to.
 */
export function worstCasePolicyLength(accounts: string[], name: string): number {
  const known = !Token.isUnresolved(name);
  const n = known ? name : 'x'.repeat(MAX_NAME_LENGTH);
  const partition = 'aws-iso-b';
  const prefix = `arn:${partition}:sagemaker:ap-southeast-7:123456789012`;
  const packageArns = [`${prefix}:model-package/${n}/*`];
  if (known && n.toLowerCase() !== n) {
    packageArns.push(`${prefix}:model-package/${n.toLowerCase()}/*`);
  }
  const doc = renderGroupPolicy({
    accounts: accounts.map((a) => (Token.isUnresolved(a) ? '123456789012' : a)),
    partition,
    groupArn: `${prefix}:model-package-group/${n}`,
    packageArns,
  });
  return JSON.stringify(doc).length;
}

/** Problems of one group name (empty when it is a token or valid). */
export function nameProblems(name: string | undefined, prop: string): Problem[] {
  if (name === undefined || Token.isUnresolved(name)) {
    return [];
  }
  const problems: Problem[] = [];
  if (name.length < 1 || name.length > MAX_NAME_LENGTH) {
    problems.push({
      prop,
      value: name,
      allowed: `1 to ${MAX_NAME_LENGTH} characters (got ${name.length})`,
      fix: `shorten the name to ${MAX_NAME_LENGTH} characters or leave it out to get a generated one.`,
    });
  } else if (!GROUP_NAME.test(name)) {
    problems.push({
      prop,
      value: name,
      allowed: `letters, digits and hyphens, starting and ending with a letter or digit (${GROUP_NAME.source})`,
      fix: `replace other characters with hyphens, e.g. '${suggestName(name)}'.`,
    });
  }
  return problems;
}

function suggestName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, MAX_NAME_LENGTH).replace(/-+$/, '');
  return cleaned || 'my-model-group';
}

/** Problems of one consumer account id (empty when it is a token or valid). */
export function accountProblems(accountId: string, seen: string[], ownAccount: string, prop: string): Problem[] {
  if (Token.isUnresolved(accountId)) {
    return [];
  }
  if (!ACCOUNT_ID.test(accountId)) {
    return [{ prop, value: accountId, allowed: '12-digit AWS account ids', fix: "write the account id as a string of 12 digits, e.g. '123456789012'." }];
  }
  if (seen.includes(accountId)) {
    return [{ prop, value: accountId, allowed: 'each account once', fix: 'remove the duplicate.' }];
  }
  if (!Token.isUnresolved(ownAccount) && accountId === ownAccount) {
    return [{
      prop,
      value: accountId,
      allowed: "accounts other than the registry's own",
      fix: 'remove it: principals of the owning account are granted with grantRead/grantDeploy, not through the group policy.',
    }];
  }
  return [];
}

function sizeProblem(accounts: string[], name: string, prop: string): Problem[] {
  const length = worstCasePolicyLength(accounts, name);
  if (length <= MAX_POLICY_LENGTH) {
    return [];
  }
  return [{
    prop,
    value: `${accounts.length} accounts`,
    allowed: `a group policy of at most ${MAX_POLICY_LENGTH} characters (these accounts need up to ${length})`,
    fix: 'share with fewer accounts, e.g. one deployment account per stage that other accounts assume a role in.',
  }];
}

/** Check ModelRegistry props; throws one ValidationError listing every problem. */
export function validateRegistryProps(scope: IConstruct, props: ModelRegistryProps, ownAccount: string): void {
  const v = new PropsValidator(scope, 'ModelRegistry');
  nameProblems(props.modelPackageGroupName, 'modelPackageGroupName').forEach((p) => v.add(p));
  const description = props.description;
  v.check(description !== undefined && !Token.isUnresolved(description) && description.length > MAX_DESCRIPTION_LENGTH, {
    prop: 'description',
    value: `${description?.length} characters`,
    allowed: `at most ${MAX_DESCRIPTION_LENGTH} characters`,
    fix: 'shorten the description.',
  });
  const seen: string[] = [];
  (props.consumerAccountIds ?? []).forEach((account, i) => {
    accountProblems(account, seen, ownAccount, `consumerAccountIds[${i}]`).forEach((p) => v.add(p));
    seen.push(account);
  });
  if (v.count === 0) {
    sizeProblem(props.consumerAccountIds ?? [], props.modelPackageGroupName ?? 'x'.repeat(MAX_NAME_LENGTH), 'consumerAccountIds')
      .forEach((p) => v.add(p));
  }
  v.throwIfAny();
}

/** Check one account added with addConsumerAccount(). */
export function validateConsumerAccount(scope: IConstruct, accountId: string, existing: string[], ownAccount: string, name: string): void {
  const v = new PropsValidator(scope, 'ModelRegistry');
  accountProblems(accountId, existing, ownAccount, 'addConsumerAccount(accountId)').forEach((p) => v.add(p));
  if (v.count === 0) {
    sizeProblem([...existing, accountId], name, 'addConsumerAccount(accountId)').forEach((p) => v.add(p));
  }
  v.throwIfAny();
}

/** Check the ARN given to an import. */
export function validateRegistryArn(scope: IConstruct, arn: string, prop: string): void {
  const v = new PropsValidator(scope, 'ModelRegistry');
  if (!Token.isUnresolved(arn)) {
    const m = GROUP_ARN.exec(arn);
    if (!m) {
      v.add({
        prop,
        value: arn,
        allowed: 'arn:<partition>:sagemaker:<region>:<account>:model-package-group/<name>',
        fix: arn.includes(':model-package/')
          ? 'that is the ARN of a version (model package); use the ARN of its group (model-package-group/<name>).'
          : 'copy the ARN from `aws sagemaker describe-model-package-group`.',
      });
    } else {
      nameProblems(m[1], `${prop} (name part)`).forEach((p) => v.add(p));
    }
  }
  v.throwIfAny();
}

/** Check a name given to an import. */
export function validateRegistryName(scope: IConstruct, name: string, prop: string): void {
  const v = new PropsValidator(scope, 'ModelRegistry');
  nameProblems(name, prop).forEach((p) => v.add(p));
  v.throwIfAny();
}

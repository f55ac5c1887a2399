import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import type { PackageRepository } from './package-repository';
import { PropsValidator } from '../private/validation';

const REPOSITORY_ARN = /^arn:aws[a-z-]*:codeartifact:[a-z0-9-]+:\d{12}:repository\/[a-z][a-z0-9-]{1,49}\/[A-Za-z0-9][A-Za-z0-9._-]{1,99}$/;

/** Reject malformed literal ARNs, naming the prop. */
export function validatePackageRepositories(v: PropsValidator, repositories: PackageRepository[]): void {
  repositories.forEach((r, i) => v.checkPattern(r.repositoryArn, REPOSITORY_ARN, {
    prop: `packageRepositories[${i}]`,
    allowed: 'a CodeArtifact repository ARN: arn:<partition>:codeartifact:<region>:<account>:repository/<domain>/<repository>',
    fix: 'copy the ARN from `aws codeartifact describe-repository --domain <domain> --repository <repository>`.',
  }));
}

/**
 * What installing packages from the repositories needs (CodeArtifact User
 * Guide, "Use CodeArtifact with pip" and "Authentication and tokens"):
 * `codeartifact:GetAuthorizationToken` on the domains,
 * `sts:GetServiceBearerToken` for CodeArtifact (the token CodeArtifact issues
 * is an STS bearer token), `codeartifact:GetRepositoryEndpoint` and
 * `codeartifact:ReadFromRepository` on the repositories.
 */
export function packageRepositoryStatements(scope: IConstruct, repositories: PackageRepository[]): iam.PolicyStatement[] {
  if (repositories.length === 0) {
    return [];
  }
  const stack = Stack.of(scope);
  const distinct = (values: string[]) => [...new Map(values.map((v) => [JSON.stringify(stack.resolve(v)), v])).values()];
  return [
    new iam.PolicyStatement({
      sid: 'PackageRepositoryLogin',
      actions: ['codeartifact:GetAuthorizationToken'],
      resources: distinct(repositories.map((r) => r.domainArn)),
    }),
    new iam.PolicyStatement({
      sid: 'PackageRepositoryBearerToken',
      actions: ['sts:GetServiceBearerToken'],
      resources: ['*'],
      conditions: { StringEquals: { 'sts:AWSServiceName': 'codeartifact.amazonaws.com' } },
    }),
    new iam.PolicyStatement({
      sid: 'PackageRepositoryRead',
      actions: ['codeartifact:GetRepositoryEndpoint', 'codeartifact:ReadFromRepository'],
      resources: distinct(repositories.map((r) => r.repositoryArn)),
    }),
  ];
}

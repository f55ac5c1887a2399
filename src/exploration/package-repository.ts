import { Arn, ArnFormat, Fn, Token } from 'aws-cdk-lib';


/**
 * A package repository data scientists install packages from (pip, npm,
 * Maven) in a network without internet egress: an AWS CodeArtifact
 * repository, usually with an upstream to the public index.
 */
export class PackageRepository {
  /**
   * A CodeArtifact repository by ARN:
   * `arn:<partition>:codeartifact:<region>:<account>:repository/<domain>/<repository>`.
   */
  public static fromCodeArtifactRepositoryArn(repositoryArn: string): PackageRepository {
    return new PackageRepository(repositoryArn);
  }

  /** The repository ARN. */
  public readonly repositoryArn: string;
  /** The ARN of the repository's CodeArtifact domain (where `GetAuthorizationToken` is authorized). */
  public readonly domainArn: string;

  private constructor(repositoryArn: string) {
    this.repositoryArn = repositoryArn;
    if (Token.isUnresolved(repositoryArn)) {
      const parts = Arn.split(repositoryArn, ArnFormat.SLASH_RESOURCE_NAME);
      const domain = Fn.select(0, Fn.split('/', parts.resourceName!));
      this.domainArn = `arn:${parts.partition}:codeartifact:${parts.region}:${parts.account}:domain/${domain}`;
    } else {
      const [head, domain] = repositoryArn.split('/');
      this.domainArn = `${head.replace(/:repository$/, ':domain')}/${domain ?? ''}`;
    }
  }
}

import { Annotations } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DependencyGroup, IConstruct, IDependable } from 'constructs';

/** One resource-policy target that must list the consumer accounts. */
interface ShareTarget {
  /** The bucket, key or repository whose policy it is. */
  readonly resource: IConstruct;
  statement?: iam.PolicyStatement;
  /** What adding the statement answered (absent while there is no consumer account). */
  result?: iam.AddToResourcePolicyResult;
  /** Create and attach the statement for these accounts (at least one). */
  readonly attach: (accounts: string[]) => AttachedStatement;
}

/** A statement added to a resource policy, and what the resource answered. */
interface AttachedStatement {
  readonly statement: iam.PolicyStatement;
  readonly result: iam.AddToResourcePolicyResult;
}

/**
 * The bucket, key and repository policies a registry's writers share with its
 * consumer accounts: one statement per resource and registry, listing every
 * consumer account, kept in step when an account is added.
 */
export class ConsumerShares {
  private readonly targets: ShareTarget[] = [];

  /**
   * @param registry the registry (scope of warnings, statement ids unique to it)
   * @param accounts its consumer accounts, read at each call
   */
  constructor(private readonly registry: IConstruct, private readonly accounts: () => string[]) {}

  /** Bucket policy (objects: GetObject, GetObjectVersion) and key policy (Decrypt, DescribeKey). */
  public shareArtifactBucket(bucket: s3.IBucket, key?: kms.IKey): iam.AddToResourcePolicyResult {
    const results = [this.addTarget(bucket, (accounts) => {
      const statement = new iam.PolicyStatement({
        sid: this.sid('ModelRegistryConsumersRead'),
        principals: accounts.map((a) => new iam.AccountPrincipal(a)),
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [bucket.arnForObjects('*')],
      });
      const result = bucket.addToResourcePolicy(statement);
      if (!result.statementAdded) {
        this.warnNotShared(`bucket ${bucket.node.path}`);
      }
      return { statement, result };
    })];
    const encryptionKey = key ?? bucket.encryptionKey;
    if (encryptionKey) {
      results.push(this.addTarget(encryptionKey, (accounts) => {
        const statement = new iam.PolicyStatement({
          sid: this.sid('ModelRegistryConsumersDecrypt'),
          principals: accounts.map((a) => new iam.AccountPrincipal(a)),
          actions: ['kms:Decrypt', 'kms:DescribeKey'],
          resources: ['*'],
        });
        const added = encryptionKey.addToResourcePolicy(statement, true);
        if (!added.statementAdded) {
          this.warnNotShared(`key ${encryptionKey.node.path}`);
        }
        return { statement, result: policyOfResource(added, encryptionKey) };
      }));
    }
    return combineResults(results);
  }

  /** Repository policy: the pull actions. */
  public shareImageRepository(repository: ecr.IRepository): iam.AddToResourcePolicyResult {
    return this.addTarget(repository, (accounts) => {
      const statement = new iam.PolicyStatement({
        sid: this.sid('ModelRegistryConsumersPull'),
        principals: accounts.map((a) => new iam.AccountPrincipal(a)),
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
      });
      const added = repository.addToResourcePolicy(statement);
      if (!added.statementAdded) {
        this.warnNotShared(`repository ${repository.node.path}`);
      }
      return { statement, result: policyOfResource(added, repository) };
    });
  }

  /** A new consumer account: added to every statement, or the first statement attached. */
  public addAccount(accountId: string): void {
    for (const target of this.targets) {
      if (target.statement) {
        target.statement.addAwsAccountPrincipal(accountId);
      } else {
        const attached = target.attach([accountId]);
        target.statement = attached.statement;
        target.result = attached.result;
      }
    }
  }

  /**
   * Add a policy that must list the consumers; once per resource (a key shared
   * by two buckets gets one statement). Answers what the resource answered.
   */
  private addTarget(resource: IConstruct, attach: (accounts: string[]) => AttachedStatement): iam.AddToResourcePolicyResult {
    let target = this.targets.find((t) => t.resource === resource);
    if (!target) {
      target = { resource, attach };
      const accounts = this.accounts();
      if (accounts.length > 0) {
        const attached = attach(accounts);
        target.statement = attached.statement;
        target.result = attached.result;
      }
      this.targets.push(target);
    }
    return target.result ?? { statementAdded: false };
  }

  /** A statement id unique to this registry, so two registries can share one bucket or key. */
  private sid(base: string): string {
    return `${base}${this.registry.node.addr.slice(2, 10)}`;
  }

  private warnNotShared(what: string): void {
    Annotations.of(this.registry).addWarningV2('cdk-mlops:registry-consumer-policy-not-changed',
      `the policy of ${what} is managed elsewhere (imported); grant the consumer accounts ${this.accounts().join(', ') || '(none yet)'} read access there.`);
  }
}

/**
 * A key policy or a repository policy is a property of the key or repository
 * resource itself; aws-cdk-lib answers with the policy document, which is not
 * an `IDependable`: depend on the resource instead.
 */
function policyOfResource(added: iam.AddToResourcePolicyResult, resource: IDependable): iam.AddToResourcePolicyResult {
  return added.statementAdded ? { statementAdded: true, policyDependable: resource } : { statementAdded: false };
}

/** Added when every statement was added; depend on every policy that holds one. */
function combineResults(results: iam.AddToResourcePolicyResult[]): iam.AddToResourcePolicyResult {
  const dependables = results.map((r) => r.policyDependable).filter((d): d is IDependable => d !== undefined);
  return {
    statementAdded: results.every((r) => r.statementAdded),
    policyDependable: dependables.length === 0 ? undefined
      : dependables.length === 1 ? dependables[0] : new DependencyGroup(...dependables),
  };
}

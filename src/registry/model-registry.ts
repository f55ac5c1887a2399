import { ArnFormat, IResource, Lazy, Names, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { IModelSource } from './model-source';
import { ConsumerShares } from './private/consumer-shares';
import {
  accountProblems, renderGroupPolicy, validateConsumerAccount, validateRegistryArn, validateRegistryName, validateRegistryProps,
} from './registry-validation';
import { grantWithVersionWildcards } from '../private/registry-acknowledgements';
import { fail, PropsValidator } from '../private/validation';

/**
 * A SageMaker model package group (model registry), as the other layers see it.
 *
 * A registry is also the model source of its versions: writers add where
 * their artifacts live (`addModelSource`), and deployers grant their model
 * roles `grantReadModelArtifacts` (read of the artifacts of every source,
 * added before or after; a dropped grant when none is known yet), whatever
 * the order of the two calls.
 */
export interface IModelRegistry extends IResource, IModelSource {
  /**
   * The name of the model package group.
   * @attribute
   */
  readonly modelPackageGroupName: string;
  /**
   * The ARN of the model package group.
   * @attribute
   */
  readonly modelPackageGroupArn: string;
  /**
   * Accounts allowed to read and deploy versions of this group.
   *
   * Contract for writers (the pipeline): whatever a version references must
   * be readable by these accounts too, i.e. the artifact bucket, its KMS key
   * and any ECR repository. Call `shareArtifactBucket()` /
   * `shareImageRepository()` so the four policies (group, bucket, key,
   * repository) list the same accounts.
   */
  readonly consumerAccountIds: string[];

  /**
   * The ARN of a version (model package) of this group, e.g. `'3'`, or `'*'`
   * for every version.
   */
  arnForModelPackage(version: string): string;

  /**
   * Grant permission to register versions (model packages) in this group:
   * `sagemaker:CreateModelPackage` (and `AddTags`) on the group's packages,
   * and `DescribeModelPackageGroup` on the group.
   */
  grantRegister(grantee: iam.IGrantable): iam.Grant;
  /**
   * Grant permission to approve or reject versions: `UpdateModelPackage` on
   * the group's packages, plus everything `grantRead` gives.
   */
  grantApprove(grantee: iam.IGrantable): iam.Grant;
  /**
   * Grant permission to describe the group and describe and list its versions.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant;
  /**
   * Grant what a deployer needs to create a SageMaker model from a version:
   * everything `grantRead` gives, plus `sagemaker:CreateModel` on the group's
   * packages. The deployer also needs `CreateModel` on its own model
   * resources and read access to the artifacts (bucket, key, image).
   */
  grantDeploy(grantee: iam.IGrantable): iam.Grant;
  /**
   * Declare where versions of this group keep their model artifacts (an
   * `MlPipeline` that registers into the group does this itself). Every
   * principal granted `grantReadModelArtifacts`, before or after, may read
   * the artifacts of every source.
   */
  addModelSource(source: IModelSource): void;
  /**
   * Share the model artifacts in `bucket` (a writer's bucket defined in this
   * app) with every consumer account: adds a statement to the bucket policy
   * (objects only: `s3:GetObject`, `s3:GetObjectVersion`) and one to the
   * policy of `key` (`kms:Decrypt`, `kms:DescribeKey`), both naming the
   * consumer accounts. Accounts added later with
   * `ModelRegistry.addConsumerAccount()` are added to the same statements; a
   * bucket or key shared twice keeps one statement.
   *
   * The key must be a customer-managed key defined in this app: an AWS-managed
   * key cannot be shared, and the policy of an imported bucket or key is not
   * changed (a warning says so). Consumer accounts must still grant their own
   * execution roles the same actions in identity policies.
   *
   * @param bucket the bucket holding the model artifacts versions point to
   * @param key the key encrypting them; defaults to the bucket's encryption key
   * @returns `statementAdded` true when the bucket policy and the key policy
   * (when there is a key) hold the statements, with their policies as
   * `policyDependable`; false when one of them is imported, or when the
   * registry has no consumer account yet (the statements are then added by the
   * first `addConsumerAccount()`).
   */
  shareArtifactBucket(bucket: s3.IBucket, key?: kms.IKey): iam.AddToResourcePolicyResult;
  /**
   * Share the inference images of the versions in `repository` with every
   * consumer account: adds a statement to the repository policy
   * (`ecr:BatchGetImage`, `ecr:GetDownloadUrlForLayer`,
   * `ecr:BatchCheckLayerAvailability`). Accounts added later with
   * `ModelRegistry.addConsumerAccount()` are added to the same statement.
   *
   * @returns `statementAdded` true when the repository policy holds the
   * statement, with the repository as `policyDependable`; false when the
   * repository is imported (a warning says so) or when the registry has no
   * consumer account yet (the statement is then added by the first
   * `addConsumerAccount()`).
   */
  shareImageRepository(repository: ecr.IRepository): iam.AddToResourcePolicyResult;
  /**
   * An EventBridge rule for every state change of a version of this group
   * (`SageMaker Model Package State Change`).
   *
   * The rule lives in the stack of `this`: events of a registry in another
   * account reach it only when that account forwards them to this bus.
   */
  onModelPackageStateChange(id: string, options?: events.OnEventOptions): events.Rule;
  /**
   * An EventBridge rule for versions of this group whose approval status is
   * `Approved`. SageMaker can send several events for one change: targets must
   * be idempotent.
   */
  onModelApproved(id: string, options?: events.OnEventOptions): events.Rule;
  /**
   * An EventBridge rule for versions of this group whose approval status is `Rejected`.
   */
  onModelRejected(id: string, options?: events.OnEventOptions): events.Rule;
}

/**
 * Attributes of a model registry defined elsewhere.
 */
export interface ModelRegistryAttributes {
  /**
   * The ARN of the model package group. Give this or `modelPackageGroupName`.
   * @default - built from `modelPackageGroupName` in the importing stack's account and region
   */
  readonly modelPackageGroupArn?: string;
  /**
   * The name of the model package group. Give this or `modelPackageGroupArn`.
   * @default - taken from `modelPackageGroupArn`
   */
  readonly modelPackageGroupName?: string;
  /**
   * Accounts the group is shared with (its resource policy is managed where
   * the group is defined; this only tells writers whom to grant).
   * @default - none
   */
  readonly consumerAccountIds?: string[];
}

/**
 * Properties of a ModelRegistry.
 */
export interface ModelRegistryProps {
  /**
   * Name of the model package group: 1 to 63 letters, digits and hyphens,
   * starting and ending with a letter or digit. Changing it replaces the
   * group (and orphans the retained old one).
   * @default - a lowercase name generated from the construct path
   */
  readonly modelPackageGroupName?: string;
  /**
   * Description of the group (at most 1,024 characters).
   * @default - no description
   */
  readonly description?: string;
  /**
   * Other AWS accounts (12 digits each, not this account) allowed to describe
   * and list versions and create models from them. Writers must grant the
   * same accounts read access to artifacts: see `shareArtifactBucket()`.
   * @default - not shared
   */
  readonly consumerAccountIds?: string[];
  /**
   * Tags for the group. `Tags.of(registry)` works too.
   * @default - no tags
   */
  readonly tags?: { [key: string]: string };
  /**
   * What happens to the group when it leaves the stack. A group that still
   * holds versions cannot be deleted by CloudFormation anyway.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** What reading the group takes. */
const READ_GROUP = ['sagemaker:DescribeModelPackageGroup'];
/** What reading its versions takes. */
const READ_VERSIONS = ['sagemaker:DescribeModelPackage', 'sagemaker:ListModelPackages'];

abstract class ModelRegistryBase extends Resource implements IModelRegistry {
  public abstract readonly modelPackageGroupName: string;
  public abstract readonly modelPackageGroupArn: string;
  public abstract readonly consumerAccountIds: string[];
  /** The bucket, key and repository policies shared with the consumer accounts. @internal */
  protected readonly _shares = new ConsumerShares(this, () => this.consumerAccountIds);
  private readonly modelSources: IModelSource[] = [];
  private readonly artifactReaders: iam.IGrantable[] = [];

  public shareArtifactBucket(bucket: s3.IBucket, key?: kms.IKey): iam.AddToResourcePolicyResult {
    return this._shares.shareArtifactBucket(bucket, key);
  }

  public shareImageRepository(repository: ecr.IRepository): iam.AddToResourcePolicyResult {
    return this._shares.shareImageRepository(repository);
  }

  public addModelSource(source: IModelSource): void {
    if (this.modelSources.includes(source)) {
      return;
    }
    this.modelSources.push(source);
    for (const reader of this.artifactReaders) {
      source.grantReadModelArtifacts(reader);
    }
  }

  public grantReadModelArtifacts(grantee: iam.IGrantable): iam.Grant {
    if (!this.artifactReaders.includes(grantee)) {
      this.artifactReaders.push(grantee);
    }
    const grants = this.modelSources.map((source) => source.grantReadModelArtifacts(grantee));
    return grants.length > 0
      ? grants.reduce((a, b) => a.combine(b))
      : iam.Grant.drop(grantee, `read the model artifacts of ${this.modelPackageGroupName} (no model source yet; sources added later are granted too)`);
  }

  /**
   * The ARN of a version (model package) of this group, e.g. `'3'`, or `'*'`
   * for every version.
   */
  public arnForModelPackage(version: string): string {
    return Stack.of(this).formatArn({
      service: 'sagemaker',
      resource: 'model-package',
      resourceName: `${this.modelPackageGroupName}/${version}`,
      account: this.env.account,
      region: this.env.region,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  public grantRegister(grantee: iam.IGrantable): iam.Grant {
    // CreateModelPackage is authorized on the new version (model-package/<group>/<n>), not on the group
    // (Service Authorization Reference)
    return this.grantOnGroupAndVersions(grantee, READ_GROUP, ['sagemaker:CreateModelPackage', 'sagemaker:AddTags']);
  }

  public grantApprove(grantee: iam.IGrantable): iam.Grant {
    return this.grantOnGroupAndVersions(grantee, READ_GROUP, [...READ_VERSIONS, 'sagemaker:UpdateModelPackage']);
  }

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.grantOnGroupAndVersions(grantee, READ_GROUP, READ_VERSIONS);
  }

  public grantDeploy(grantee: iam.IGrantable): iam.Grant {
    return this.grantOnGroupAndVersions(grantee, READ_GROUP, [...READ_VERSIONS, 'sagemaker:CreateModel']);
  }

  public onModelPackageStateChange(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.stateChangeRule(id, options, undefined);
  }

  public onModelApproved(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.stateChangeRule(id, options, 'Approved');
  }

  public onModelRejected(id: string, options: events.OnEventOptions = {}): events.Rule {
    return this.stateChangeRule(id, options, 'Rejected');
  }

  /**
   * ARNs of every version of the group. SageMaker writes model package ARNs
   * in lowercase; when the name has capitals both spellings are listed.
   * @internal
   */
  public _versionArns(): string[] {
    const arns = [this.arnForModelPackage('*')];
    const name = this.modelPackageGroupName;
    if (!Token.isUnresolved(name) && name.toLowerCase() !== name) {
      arns.push(Stack.of(this).formatArn({
        service: 'sagemaker',
        resource: 'model-package',
        resourceName: `${name.toLowerCase()}/*`,
        account: this.env.account,
        region: this.env.region,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }));
    }
    return arns;
  }

  /**
   * One statement on the group, one on its versions. The version wildcard
   * (`model-package/<group>/*`) is unavoidable and acknowledged on the policy
   * that receives it.
   */
  private grantOnGroupAndVersions(grantee: iam.IGrantable, groupActions: string[], versionActions: string[]): iam.Grant {
    const onGroup = iam.Grant.addToPrincipal({ grantee, actions: groupActions, resourceArns: [this.modelPackageGroupArn] });
    const versions = this._versionArns();
    return onGroup.combine(grantWithVersionWildcards({ grantee, actions: versionActions, resourceArns: versions }, versions));
  }

  private stateChangeRule(id: string, options: events.OnEventOptions, status: string | undefined): events.Rule {
    const user = options.eventPattern ?? {};
    const rule = new events.Rule(this, id, {
      description: options.description ?? `Model package ${status ? `${status.toLowerCase()} events` : 'state changes'} of model package group ${this.modelPackageGroupName}`,
      ruleName: options.ruleName,
      crossStackScope: options.crossStackScope,
      eventPattern: {
        ...user,
        source: ['aws.sagemaker'],
        detailType: ['SageMaker Model Package State Change'],
        account: [this.env.account],
        detail: {
          ...(user.detail ?? {}),
          ModelPackageGroupName: [this.modelPackageGroupName],
          ...(status ? { ModelApprovalStatus: [status] } : {}),
        },
      },
    });
    rule.addTarget(options.target);
    return rule;
  }
}

/**
 * A SageMaker model registry: a model package group where versions produced
 * by pipelines are compared, approved or rejected, optionally shared with
 * named accounts (staging, production) that deploy approved versions.
 *
 * Sharing spans four resource policies that must list the same accounts: the
 * group policy (managed here), and the bucket, KMS key and ECR repository the
 * versions reference (owned by writers). `shareArtifactBucket()` and
 * `shareImageRepository()` add the matching statements for `consumerAccountIds`
 * and keep them in step with `addConsumerAccount()`.
 *
 * @resource AWS::SageMaker::ModelPackageGroup
 */
export class ModelRegistry extends ModelRegistryBase {
  /**
   * Import a model package group of this stack's account and region by name.
   */
  public static fromModelPackageGroupName(scope: Construct, id: string, modelPackageGroupName: string): IModelRegistry {
    return ModelRegistry.fromModelRegistryAttributes(scope, id, { modelPackageGroupName });
  }

  /**
   * Import a model package group by ARN
   * (`arn:<partition>:sagemaker:<region>:<account>:model-package-group/<name>`).
   */
  public static fromModelPackageGroupArn(scope: Construct, id: string, modelPackageGroupArn: string): IModelRegistry {
    return ModelRegistry.fromModelRegistryAttributes(scope, id, { modelPackageGroupArn });
  }

  /**
   * Import a model package group with its consumer accounts.
   */
  public static fromModelRegistryAttributes(scope: Construct, id: string, attrs: ModelRegistryAttributes): IModelRegistry {
    return new ImportedModelRegistry(scope, id, attrs);
  }

  public readonly modelPackageGroupName: string;
  public readonly modelPackageGroupArn: string;
  /** The model package group. */
  public readonly resource: sagemaker.CfnModelPackageGroup;

  private readonly accounts: string[] = [];

  constructor(scope: Construct, id: string, props: ModelRegistryProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    validateRegistryProps(this, props, stack.account);

    this.modelPackageGroupName = props.modelPackageGroupName
      ?? Names.uniqueResourceName(this, { maxLength: 63, separator: '-' }).toLowerCase();
    this.accounts.push(...(props.consumerAccountIds ?? []));

    this.resource = new sagemaker.CfnModelPackageGroup(this, 'Resource', {
      modelPackageGroupName: this.modelPackageGroupName,
      modelPackageGroupDescription: props.description,
      modelPackageGroupPolicy: Lazy.any({ produce: () => this.renderPolicy() }),
      tags: Object.entries(props.tags ?? {}).map(([key, value]) => ({ key, value })),
    });
    this.resource.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
    this.modelPackageGroupArn = this.getResourceArnAttribute(this.resource.attrModelPackageGroupArn, {
      service: 'sagemaker',
      resource: 'model-package-group',
      resourceName: this.modelPackageGroupName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  public get consumerAccountIds(): string[] {
    return [...this.accounts];
  }

  /**
   * Share the group with one more account, and add it to every bucket, key and
   * repository policy shared with `shareArtifactBucket()` / `shareImageRepository()`.
   */
  public addConsumerAccount(accountId: string): void {
    validateConsumerAccount(this, accountId, this.accounts, Stack.of(this).account, this.modelPackageGroupName);
    this.accounts.push(accountId);
    this._shares.addAccount(accountId);
  }

  private renderPolicy(): unknown {
    if (this.accounts.length === 0) {
      return undefined;
    }
    const stack = Stack.of(this);
    return renderGroupPolicy({
      accounts: this.accounts,
      partition: stack.partition,
      groupArn: this.groupArnFromName(),
      packageArns: this._versionArns(),
    });
  }

  /** The group ARN built from the name (the policy cannot reference its own resource). */
  private groupArnFromName(): string {
    return Stack.of(this).formatArn({
      service: 'sagemaker',
      resource: 'model-package-group',
      resourceName: this.modelPackageGroupName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }
}

class ImportedModelRegistry extends ModelRegistryBase {
  public readonly modelPackageGroupName: string;
  public readonly modelPackageGroupArn: string;
  public readonly consumerAccountIds: string[];

  constructor(scope: Construct, id: string, attrs: ModelRegistryAttributes) {
    const arn = attrs.modelPackageGroupArn;
    super(scope, id, environmentOf(arn));
    const byArn = arn !== undefined;
    const byName = attrs.modelPackageGroupName !== undefined;
    if (byArn === byName) {
      fail(this, 'ModelRegistry', {
        prop: 'modelPackageGroupArn / modelPackageGroupName',
        value: byArn ? 'both' : 'neither',
        allowed: 'exactly one of them',
        fix: 'import with fromModelPackageGroupArn() or fromModelPackageGroupName().',
      });
    }
    if (arn !== undefined) {
      validateRegistryArn(this, arn, 'modelPackageGroupArn');
      this.modelPackageGroupArn = arn;
      this.modelPackageGroupName = Stack.of(this).splitArn(arn, ArnFormat.SLASH_RESOURCE_NAME).resourceName!;
    } else {
      const name = attrs.modelPackageGroupName!;
      validateRegistryName(this, name, 'modelPackageGroupName');
      this.modelPackageGroupName = name;
      this.modelPackageGroupArn = Stack.of(this).formatArn({
        service: 'sagemaker', resource: 'model-package-group', resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    }
    const seen: string[] = [];
    const v = new PropsValidator(this, 'ModelRegistry');
    (attrs.consumerAccountIds ?? []).forEach((account, i) => {
      accountProblems(account, seen, this.env.account, `consumerAccountIds[${i}]`).forEach((p) => v.add(p));
      seen.push(account);
    });
    v.throwIfAny();
    this.consumerAccountIds = [...(attrs.consumerAccountIds ?? [])];
  }
}

/**
 * The account and region of a group ARN, also when only its partition is a
 * token (`arn:${AWS::Partition}:sagemaker:<region>:<account>:...`, as
 * `MlopsAccounts` builds it): the versions of a group in another account
 * must be named with that account, not the importing stack's.
 */
function environmentOf(arn: string | undefined): { account?: string; region?: string } {
  if (arn === undefined) {
    return {};
  }
  const parts = /^arn:[^:]+:sagemaker:([^:]+):([^:]+):model-package-group\//.exec(arn);
  if (!parts) {
    return {};
  }
  const known = (v: string) => (Token.isUnresolved(v) ? undefined : v);
  return { region: known(parts[1]), account: known(parts[2]) };
}

/**
 * What the synthesized templates of one configuration say about access:
 * roles with their trust and identity policies, and every resource policy
 * (bucket, key, topic, model package group, repository, VPC endpoint), all
 * with intrinsics resolved to concrete names and ARNs.
 */
import { resolveStacks, StackTemplate, TemplateResolver } from './resolve';

/** A named policy document. */
export interface NamedPolicy {
  readonly name: string;
  readonly document: any;
}

/** An IAM role of a template. */
export interface RoleInfo {
  readonly stackName: string;
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly account: string;
  readonly trust: any;
  readonly policies: NamedPolicy[];
  /** AWS managed policies attached (their content is not in any template). */
  readonly awsManagedPolicies: string[];
}

/** A resource of a template, resolved. */
export interface ResourceInfo {
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly logicalId: string;
  readonly type: string;
  readonly properties: any;
  readonly metadata: any;
  /** `Ref` of the resource. */
  readonly ref: string;
  /** The ARN (or the `Ref` where the type has no ARN attribute the flow uses). */
  readonly arn: string;
  readonly resolver: TemplateResolver;
}

/** A VPC endpoint and its policy. */
export interface EndpointInfo {
  readonly id: string;
  readonly vpcId: string;
  readonly serviceName: string;
  readonly type: string;
  readonly policy?: any;
}

const ARN_ATTRIBUTE: Record<string, string> = {
  'AWS::S3::Bucket': 'Arn',
  'AWS::KMS::Key': 'Arn',
  'AWS::SNS::Topic': 'TopicArn',
  'AWS::StepFunctions::StateMachine': 'Arn',
  'AWS::SageMaker::ModelPackageGroup': 'ModelPackageGroupArn',
  'AWS::Logs::LogGroup': 'Arn',
  'AWS::DynamoDB::Table': 'Arn',
  'AWS::CloudWatch::Alarm': 'Arn',
  'AWS::Events::Rule': 'Arn',
  'AWS::Scheduler::Schedule': 'Arn',
  'AWS::ECR::Repository': 'Arn',
  'AWS::IAM::Role': 'Arn',
  'AWS::CodeBuild::Project': 'Arn',
  'AWS::SageMaker::MlflowApp': 'Arn',
};

/** A CDK logical id: the construct path without separators, then an 8-digit hash. */
function matchesId(logicalId: string, path: string): boolean {
  return new RegExp(`^${path}[0-9A-F]{8}$`).test(logicalId);
}

/** Everything the flow model needs from the templates of one configuration. */
export class PlatformModel {
  /** Build the model from synthesized stacks. */
  public static fromStacks(stacks: StackTemplate[]): PlatformModel {
    return new PlatformModel(stacks);
  }

  public readonly roles: RoleInfo[] = [];
  public readonly resources: ResourceInfo[] = [];
  public readonly endpoints: EndpointInfo[] = [];
  private readonly managedPolicies = new Map<string, NamedPolicy>();
  private readonly resourcePolicies = new Map<string, any>();

  private constructor(stacks: StackTemplate[]) {
    const resolved = resolveStacks(stacks);
    for (const s of resolved) {
      for (const [logicalId, r] of Object.entries<any>(s.resolved.Resources ?? {})) {
        const arnAttr = ARN_ATTRIBUTE[r.Type];
        this.resources.push({
          stackName: s.stackName,
          account: s.account,
          region: s.region,
          logicalId,
          type: r.Type,
          properties: r.Properties ?? {},
          metadata: r.Metadata ?? {},
          ref: s.resolver.ref(logicalId),
          arn: arnAttr ? s.resolver.attribute(logicalId, arnAttr) : s.resolver.ref(logicalId),
          resolver: s.resolver,
        });
      }
    }
    for (const r of this.ofType('AWS::IAM::ManagedPolicy')) {
      this.managedPolicies.set(r.ref, { name: `${r.logicalId}`, document: r.properties.PolicyDocument });
    }
    for (const r of this.ofType('AWS::IAM::Role')) {
      const policies: NamedPolicy[] = [];
      const awsManagedPolicies: string[] = [];
      for (const p of r.properties.Policies ?? []) {
        policies.push({ name: `${r.logicalId}/${p.PolicyName}`, document: p.PolicyDocument });
      }
      for (const arn of r.properties.ManagedPolicyArns ?? []) {
        const managed = this.managedPolicies.get(arn);
        if (arn.startsWith('arn:aws:iam::aws:policy/')) {
          awsManagedPolicies.push(arn);
          continue;
        }
        if (!managed) {
          throw new Error(`flow model: role ${r.logicalId} attaches ${arn}, which no template defines`);
        }
        policies.push(managed);
      }
      for (const p of this.ofType('AWS::IAM::Policy').filter((x) => (x.properties.Roles ?? []).includes(r.ref))) {
        policies.push({ name: p.logicalId, document: p.properties.PolicyDocument });
      }
      for (const p of this.ofType('AWS::IAM::ManagedPolicy').filter((x) => (x.properties.Roles ?? []).includes(r.ref))) {
        policies.push(this.managedPolicies.get(p.ref)!);
      }
      const unique = policies.filter((p, i) => policies.indexOf(p) === i);
      this.roles.push({
        stackName: r.stackName,
        logicalId: r.logicalId,
        name: r.ref,
        arn: r.arn,
        account: r.account,
        trust: r.properties.AssumeRolePolicyDocument,
        policies: unique,
        awsManagedPolicies,
      });
      this.resourcePolicies.set(r.arn, r.properties.AssumeRolePolicyDocument);
    }
    for (const p of this.ofType('AWS::S3::BucketPolicy')) {
      this.resourcePolicies.set(`arn:aws:s3:::${p.properties.Bucket}`, p.properties.PolicyDocument);
    }
    for (const k of this.ofType('AWS::KMS::Key')) {
      this.resourcePolicies.set(k.arn, k.properties.KeyPolicy);
    }
    for (const p of this.ofType('AWS::SNS::TopicPolicy')) {
      for (const topic of p.properties.Topics) {
        this.resourcePolicies.set(topic, p.properties.PolicyDocument);
      }
    }
    for (const g of this.ofType('AWS::SageMaker::ModelPackageGroup')) {
      if (g.properties.ModelPackageGroupPolicy) {
        this.resourcePolicies.set(g.arn, g.properties.ModelPackageGroupPolicy);
      }
    }
    for (const repo of this.ofType('AWS::ECR::Repository')) {
      if (repo.properties.RepositoryPolicyText) {
        this.resourcePolicies.set(repo.arn, repo.properties.RepositoryPolicyText);
      }
    }
    for (const e of this.ofType('AWS::EC2::VPCEndpoint')) {
      this.endpoints.push({
        id: e.ref,
        vpcId: e.properties.VpcId,
        serviceName: e.properties.ServiceName,
        type: e.properties.VpcEndpointType ?? 'Gateway',
        policy: e.properties.PolicyDocument,
      });
    }
  }

  /** Resources of a type. */
  public ofType(type: string): ResourceInfo[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The role with this ARN. */
  public role(arn: string): RoleInfo {
    const role = this.roles.find((r) => r.arn === arn);
    if (!role) {
      throw new Error(`flow model: no role ${arn} in the templates`);
    }
    return role;
  }

  /** The role whose logical id is `path` plus the hash CDK adds (exactly one). */
  public roleByLogicalId(prefix: string, stackName?: string): RoleInfo {
    const found = this.roles.filter((r) => matchesId(r.logicalId, prefix) && (!stackName || r.stackName === stackName));
    if (found.length !== 1) {
      throw new Error(`flow model: ${found.length} roles with logical id ${prefix}*: ${found.map((r) => r.logicalId).join(', ')}`);
    }
    return found[0];
  }

  /** The resource of a type whose logical id is `path` plus the hash CDK adds (exactly one). */
  public resource(type: string, prefix: string, stackName?: string): ResourceInfo {
    const found = this.ofType(type).filter((r) => matchesId(r.logicalId, prefix) && (!stackName || r.stackName === stackName));
    if (found.length !== 1) {
      throw new Error(`flow model: ${found.length} ${type} with logical id ${prefix}*: ${found.map((r) => r.logicalId).join(', ')}`);
    }
    return found[0];
  }

  /** The resource with this ARN, if a template defines it. */
  public byArn(arn: string): ResourceInfo | undefined {
    return this.resources.find((r) => r.arn === arn);
  }

  /** The KMS key with this ARN, or the key an alias ARN points to. */
  public keyArn(keyOrAlias: string): string {
    const alias = /^arn:aws:kms:([^:]+):(\d+):(alias\/.+)$/.exec(keyOrAlias);
    if (!alias) {
      return keyOrAlias;
    }
    const target = this.ofType('AWS::KMS::Alias').find((a) => a.account === alias[2] && a.properties.AliasName === alias[3]);
    if (!target) {
      throw new Error(`flow model: no alias ${keyOrAlias} in the templates`);
    }
    const key = this.ofType('AWS::KMS::Key').find((k) => k.account === alias[2] && k.ref === target.properties.TargetKeyId);
    return key?.arn ?? target.properties.TargetKeyId;
  }

  /**
   * The resource policy AWS evaluates for a request on `resourceArn`:
   * the bucket policy of an object or bucket, a key policy, a topic policy,
   * the group policy of a model package (group), a repository policy, the
   * trust policy of a role. Undefined when the resource has none in the templates.
   */
  public resourcePolicyFor(resourceArn: string): any {
    const s3 = /^arn:aws:s3:::([^/]+)/.exec(resourceArn);
    if (s3) {
      return this.resourcePolicies.get(`arn:aws:s3:::${s3[1]}`);
    }
    const pkg = /^(arn:aws:sagemaker:[^:]+:\d+:)model-package\/([^/]+)\/\d+$/.exec(resourceArn);
    if (pkg) {
      return this.resourcePolicies.get(`${pkg[1]}model-package-group/${pkg[2]}`);
    }
    return this.resourcePolicies.get(resourceArn);
  }

  /** Whether a template defines the resource (so a missing policy means "none"). */
  public defines(resourceArn: string): boolean {
    const s3 = /^arn:aws:s3:::([^/]+)/.exec(resourceArn);
    if (s3) {
      return this.ofType('AWS::S3::Bucket').some((b) => b.ref === s3[1]);
    }
    return this.byArn(resourceArn) !== undefined;
  }

  /** The gateway or interface endpoint of a service in a VPC. */
  public endpoint(vpcId: string, serviceSuffix: string): EndpointInfo {
    const found = this.endpoints.filter((e) => e.vpcId === vpcId && e.serviceName.endsWith(serviceSuffix));
    if (found.length !== 1) {
      throw new Error(`flow model: ${found.length} endpoints for ${serviceSuffix} in ${vpcId}`);
    }
    return found[0];
  }
}

/**
 * Resolves the CloudFormation intrinsics of synthesized templates to the
 * concrete names and ARNs the resources would have once deployed, so the
 * IAM simulator sees the same strings AWS would.
 *
 * Physical names CloudFormation would generate (a role without `RoleName`,
 * a bucket without `BucketName`) are replaced by deterministic stand-ins
 * built from the stack name and logical id; ARNs follow the documented
 * format of each service. Only what the flow model needs is supported: an
 * unknown intrinsic or attribute throws instead of guessing.
 */
import * as crypto from 'crypto';

/** One synthesized stack. */
export interface StackTemplate {
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly template: any;
}

const AZS = ['a', 'b', 'c', 'd', 'e', 'f'];

function hash(text: string, length: number): string {
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** A deterministic key id shaped like a KMS key id. */
function keyId(seed: string): string {
  const h = hash(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Resolves one stack's template; `exports` holds the Outputs of every stack by export name. */
export class TemplateResolver {
  public readonly partition = 'aws';
  private readonly resources: Record<string, any>;
  private readonly cache = new Map<string, string>();

  constructor(public readonly stack: StackTemplate, private readonly exports: Map<string, string> = new Map()) {
    this.resources = stack.template.Resources ?? {};
  }

  /** The template with every intrinsic replaced by its value (`AWS::NoValue` entries removed). */
  public resolve(value: any): any {
    if (Array.isArray(value)) {
      return value.map((v) => this.resolve(v)).filter((v) => v !== NO_VALUE);
    }
    if (value === null || typeof value !== 'object') {
      return value;
    }
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
      return this.intrinsic(keys[0], value[keys[0]]);
    }
    const out: Record<string, any> = {};
    for (const k of keys) {
      const v = this.resolve(value[k]);
      if (v !== NO_VALUE) {
        out[k] = v;
      }
    }
    return out;
  }

  /** What `Ref` of a resource returns. */
  public ref(logicalId: string): string {
    return this.attribute(logicalId, 'Ref');
  }

  /** What `Fn::GetAtt` of a resource returns. */
  public attribute(logicalId: string, attr: string): string {
    const cacheKey = `${logicalId}.${attr}`;
    const cached = this.cache.get(cacheKey);
    if (cached !== undefined) {
      return cached;
    }
    const value = this.computeAttribute(logicalId, attr);
    this.cache.set(cacheKey, value);
    return value;
  }

  private arn(service: string, resource: string, region = this.stack.region, account = this.stack.account): string {
    return `arn:${this.partition}:${service}:${region}:${account}:${resource}`;
  }

  /** The physical name of a resource: its name property, or a stand-in for the name CloudFormation generates. */
  private physicalName(logicalId: string, prop: string | undefined, maxLength: number, lower = false): string {
    const r = this.resources[logicalId];
    const given = prop ? r.Properties?.[prop] : undefined;
    if (given !== undefined) {
      return String(this.resolve(given));
    }
    const name = `${this.stack.stackName}-${logicalId}`.slice(0, maxLength - 13) + `-${hash(this.stack.stackName + logicalId, 12)}`;
    return lower ? name.toLowerCase() : name;
  }

  private computeAttribute(logicalId: string, attr: string): string {
    const r = this.resources[logicalId];
    if (!r) {
      throw new Error(`resolve: no resource ${logicalId} in ${this.stack.stackName}`);
    }
    const p = r.Properties ?? {};
    const type: string = r.Type;
    const fail = (): never => {
      throw new Error(`resolve: ${type} ${logicalId} has no supported attribute ${attr}`);
    };
    switch (type) {
      case 'AWS::IAM::Role': {
        const name = this.physicalName(logicalId, 'RoleName', 64);
        return attr === 'Ref' ? name : attr === 'Arn' ? `arn:${this.partition}:iam::${this.stack.account}:role${p.Path ?? '/'}${name}` : attr === 'RoleId' ? `AROA${hash(name, 17).toUpperCase()}` : fail();
      }
      case 'AWS::IAM::ManagedPolicy':
        return attr === 'Ref' || attr === 'PolicyArn' ? `arn:${this.partition}:iam::${this.stack.account}:policy/${this.physicalName(logicalId, 'ManagedPolicyName', 128)}` : fail();
      case 'AWS::IAM::Policy':
        return attr === 'Ref' ? this.physicalName(logicalId, 'PolicyName', 128) : fail();
      case 'AWS::S3::Bucket': {
        const name = this.physicalName(logicalId, 'BucketName', 63, true);
        const arn = `arn:${this.partition}:s3:::${name}`;
        const attrs: Record<string, string> = {
          Ref: name, Arn: arn, DomainName: `${name}.s3.amazonaws.com`, RegionalDomainName: `${name}.s3.${this.stack.region}.amazonaws.com`,
        };
        return attrs[attr] ?? fail();
      }
      case 'AWS::KMS::Key': {
        const id = keyId(`${this.stack.account}/${this.stack.stackName}/${logicalId}`);
        return attr === 'Ref' || attr === 'KeyId' ? id : attr === 'Arn' ? this.arn('kms', `key/${id}`) : fail();
      }
      case 'AWS::KMS::Alias':
        return attr === 'Ref' ? String(this.resolve(p.AliasName)) : fail();
      case 'AWS::SNS::Topic': {
        const name = this.physicalName(logicalId, 'TopicName', 256);
        return attr === 'Ref' || attr === 'TopicArn' ? this.arn('sns', name) : attr === 'TopicName' ? name : fail();
      }
      case 'AWS::StepFunctions::StateMachine': {
        const name = this.physicalName(logicalId, 'StateMachineName', 80);
        return attr === 'Ref' || attr === 'Arn' ? this.arn('states', `stateMachine:${name}`) : attr === 'Name' ? name : fail();
      }
      case 'AWS::SageMaker::ModelPackageGroup': {
        const name = String(this.resolve(p.ModelPackageGroupName));
        return attr === 'Ref' || attr === 'ModelPackageGroupArn' ? this.arn('sagemaker', `model-package-group/${name.toLowerCase()}`) : fail();
      }
      case 'AWS::SageMaker::Pipeline': {
        const name = String(this.resolve(p.PipelineName));
        return attr === 'Ref' ? name : fail();
      }
      case 'AWS::SageMaker::Domain':
        return attr === 'Ref' || attr === 'DomainId' ? `d-${hash(logicalId, 12)}` : attr === 'DomainArn' ? this.arn('sagemaker', `domain/d-${hash(logicalId, 12)}`) : `${logicalId}.${attr}`;
      case 'AWS::SageMaker::MlflowApp':
        // The app's ARN carries an id SageMaker generates (mlflow-app/<id>, Service Authorization Reference).
        return attr === 'Arn' ? this.arn('sagemaker', `mlflow-app/app-${hash(this.stack.stackName + logicalId, 12)}`) : `${logicalId}.${attr}`;
      case 'AWS::EC2::VPC':
        return attr === 'Ref' || attr === 'VpcId' ? `vpc-${hash(this.stack.stackName + logicalId, 17)}` : attr === 'CidrBlock' ? String(p.CidrBlock) : attr === 'DefaultSecurityGroup' ? `sg-${hash(logicalId + 'default', 17)}` : fail();
      case 'AWS::EC2::Subnet':
        return attr === 'Ref' || attr === 'SubnetId' ? `subnet-${hash(this.stack.stackName + logicalId, 17)}` : fail();
      case 'AWS::EC2::SecurityGroup':
        return attr === 'Ref' || attr === 'GroupId' ? `sg-${hash(this.stack.stackName + logicalId, 17)}` : fail();
      case 'AWS::EC2::VPCEndpoint':
        return attr === 'Ref' || attr === 'Id' ? `vpce-${hash(this.stack.stackName + logicalId, 17)}` : `${logicalId}.${attr}`;
      case 'AWS::EC2::RouteTable':
        return attr === 'Ref' ? `rtb-${hash(logicalId, 17)}` : fail();
      case 'AWS::Logs::LogGroup': {
        const name = this.physicalName(logicalId, 'LogGroupName', 512);
        return attr === 'Ref' ? name : attr === 'Arn' ? this.arn('logs', `log-group:${name}:*`) : fail();
      }
      case 'AWS::DynamoDB::Table': {
        const name = this.physicalName(logicalId, 'TableName', 255);
        return attr === 'Ref' ? name : attr === 'Arn' ? this.arn('dynamodb', `table/${name}`) : fail();
      }
      case 'AWS::CloudWatch::Alarm': {
        const name = this.physicalName(logicalId, 'AlarmName', 255);
        return attr === 'Ref' ? name : attr === 'Arn' ? this.arn('cloudwatch', `alarm:${name}`) : fail();
      }
      case 'AWS::Events::Rule': {
        const name = this.physicalName(logicalId, 'Name', 64);
        return attr === 'Ref' ? name : attr === 'Arn' ? this.arn('events', `rule/${name}`) : fail();
      }
      case 'AWS::Scheduler::Schedule': {
        const name = this.physicalName(logicalId, 'Name', 64);
        return attr === 'Ref' ? name : attr === 'Arn' ? this.arn('scheduler', `schedule/${p.GroupName ?? 'default'}/${name}`) : fail();
      }
      case 'AWS::CodeBuild::Project': {
        const name = this.physicalName(logicalId, 'Name', 150);
        return attr === 'Ref' ? name : attr === 'Arn' ? this.arn('codebuild', `project/${name}`) : fail();
      }
      case 'AWS::CodeBuild::ReportGroup':
        return attr === 'Ref' || attr === 'Arn' ? this.arn('codebuild', `report-group/${this.physicalName(logicalId, 'Name', 128)}`) : fail();
      case 'AWS::CodePipeline::Pipeline':
        return attr === 'Ref' || attr === 'Name' ? this.physicalName(logicalId, 'Name', 100) : fail();
      case 'AWS::ECR::Repository': {
        const name = this.physicalName(logicalId, 'RepositoryName', 256, true);
        return attr === 'Ref' ? name : attr === 'Arn' ? this.arn('ecr', `repository/${name}`) : attr === 'RepositoryUri' ? `${this.stack.account}.dkr.ecr.${this.stack.region}.amazonaws.com/${name}` : fail();
      }
      case 'AWS::Lambda::Function': {
        const name = this.physicalName(logicalId, 'FunctionName', 64);
        return attr === 'Ref' ? name : attr === 'Arn' ? this.arn('lambda', `function:${name}`) : fail();
      }
      default:
        // Resources the flow does not reason about (custom resources, apps,
        // flow logs): a stable placeholder is enough.
        return attr === 'Ref' ? `${logicalId}` : `${logicalId}.${attr}`;
    }
  }

  private intrinsic(fn: string, arg: any): any {
    switch (fn) {
      case 'Ref':
        return this.refOf(arg);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? arg : String(arg).split(/\.(.+)/);
        return this.attribute(id, attr);
      }
      case 'Fn::Join': {
        const [sep, parts] = arg;
        return (this.resolve(parts) as any[]).map(String).join(sep);
      }
      case 'Fn::Select': {
        const [index, list] = arg;
        return (this.resolve(list) as any[])[Number(this.resolve(index))];
      }
      case 'Fn::Split': {
        const [sep, source] = arg;
        return String(this.resolve(source)).split(sep);
      }
      case 'Fn::GetAZs':
        return AZS.map((z) => `${this.stack.region}${z}`);
      case 'Fn::FindInMap': {
        const [map, top, second] = this.resolve(arg);
        const value = this.stack.template.Mappings?.[map]?.[top]?.[second];
        if (value === undefined) {
          throw new Error(`resolve: no mapping ${map}.${top}.${second}`);
        }
        return value;
      }
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
        return String(text).replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
          if (vars[name] !== undefined) {
            return String(this.resolve(vars[name]));
          }
          const [id, attr] = name.split(/\.(.+)/);
          return attr ? this.attribute(id, attr) : String(this.refOf(id));
        });
      }
      case 'Fn::ImportValue': {
        const name = String(this.resolve(arg));
        const value = this.exports.get(name);
        if (value === undefined) {
          throw new Error(`resolve: no export ${name}`);
        }
        return value;
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = arg;
        return this.resolve(this.condition(condition) ? whenTrue : whenFalse);
      }
      case 'Fn::Equals': {
        const [a, b] = this.resolve(arg);
        return a === b;
      }
      case 'Fn::Not':
        return !this.resolve(arg[0]);
      case 'Fn::Or':
        return (this.resolve(arg) as any[]).some(Boolean);
      case 'Fn::And':
        return (this.resolve(arg) as any[]).every(Boolean);
      case 'Fn::Base64':
        return Buffer.from(String(this.resolve(arg))).toString('base64');
      default:
        throw new Error(`resolve: unsupported intrinsic ${fn}`);
    }
  }

  private condition(name: string): boolean {
    const c = this.stack.template.Conditions?.[name];
    if (c === undefined) {
      throw new Error(`resolve: no condition ${name}`);
    }
    return Boolean(this.resolve(c));
  }

  private refOf(name: string): any {
    const pseudo: Record<string, any> = {
      'AWS::Partition': this.partition,
      'AWS::Region': this.stack.region,
      'AWS::AccountId': this.stack.account,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': this.stack.stackName,
      'AWS::StackId': this.arn('cloudformation', `stack/${this.stack.stackName}/${hash(this.stack.stackName, 8)}`),
      'AWS::NoValue': NO_VALUE,
    };
    if (name in pseudo) {
      return pseudo[name];
    }
    const parameter = this.stack.template.Parameters?.[name];
    if (parameter) {
      if (parameter.Default === undefined) {
        throw new Error(`resolve: parameter ${name} has no default`);
      }
      return parameter.Default;
    }
    return this.ref(name);
  }
}

/** Marker of `AWS::NoValue`. */
const NO_VALUE = Symbol('AWS::NoValue') as unknown as string;

/** Resolve a set of stacks (cross-stack imports included), returning each resolved template. */
export function resolveStacks(stacks: StackTemplate[]): Array<StackTemplate & { resolver: TemplateResolver; resolved: any }> {
  const exports = new Map<string, string>();
  const resolvers = stacks.map((s) => new TemplateResolver(s, exports));
  // Outputs first (imports refer to them), then the templates.
  resolvers.forEach((r, i) => {
    for (const out of Object.values<any>(stacks[i].template.Outputs ?? {})) {
      if (out.Export?.Name) {
        exports.set(String(r.resolve(out.Export.Name)), String(r.resolve(out.Value)));
      }
    }
  });
  return stacks.map((s, i) => ({ ...s, resolver: resolvers[i], resolved: { Resources: resolvers[i].resolve(s.template.Resources ?? {}) } }));
}

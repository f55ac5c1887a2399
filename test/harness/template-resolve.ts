/**
 * Resolves the CloudFormation intrinsics of a synthesized template to the
 * concrete values CloudFormation would produce at deploy time, with
 * realistic, deterministic names and ids: `Ref`, `Fn::GetAtt`, `Fn::Join`,
 * `Fn::Sub`, `Fn::Select`, `Fn::Split`, `Fn::If` (conditions evaluated),
 * `Fn::FindInMap`, `Fn::GetAZs`, `Fn::Base64`, `Fn::ImportValue` and the
 * pseudo parameters.
 *
 * What `Ref` returns for a resource type is the type's primary identifier in
 * the CloudFormation registry schema (as shipped by cfn-lint), except for the
 * older types whose documented `Ref` differs (an IAM role and a Lambda
 * function give their name, an Events rule its name, a CodeBuild project its
 * name). `Fn::GetAtt …Arn` gives an ARN in the format of the Service
 * Authorization Reference for that resource type. A literal physical name
 * (`BucketName`, `RoleName`, `PipelineName`, …) is used when the template sets
 * one; otherwise a name is derived from the logical id, as CloudFormation
 * does.
 *
 * Used by the IAM contract check (test/contracts/iam) and by anything that
 * needs to evaluate a template's policies with concrete ARNs.
 */
import { createHash } from 'crypto';

/** Where the template is deployed. */
export interface DeployTarget {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly stackName: string;
}

/** The target used when none is given. */
export const DEFAULT_TARGET: DeployTarget = {
  partition: 'aws',
  region: 'us-east-1',
  account: '123456789012',
  stackName: 'test-stack',
};

type Json = unknown;
interface CfnResource { readonly Type: string; readonly Properties?: Record<string, any> }
interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Parameters?: Record<string, { Default?: unknown }>;
  readonly Conditions?: Record<string, Json>;
  readonly Mappings?: Record<string, Record<string, Record<string, Json>>>;
}

/** The property holding a literal physical name, by resource type. */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::User': 'UserName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::KMS::Alias': 'AliasName',
  'AWS::CodeBuild::Project': 'Name',
  'AWS::CodeBuild::ReportGroup': 'Name',
  'AWS::CodePipeline::Pipeline': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::Events::EventBus': 'Name',
  'AWS::Scheduler::Schedule': 'Name',
  'AWS::Scheduler::ScheduleGroup': 'Name',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::SSM::Parameter': 'Name',
  'AWS::SageMaker::Pipeline': 'PipelineName',
  'AWS::SageMaker::ModelPackageGroup': 'ModelPackageGroupName',
  'AWS::SageMaker::Domain': 'DomainName',
  'AWS::SageMaker::UserProfile': 'UserProfileName',
  'AWS::SageMaker::Model': 'ModelName',
  'AWS::SageMaker::Endpoint': 'EndpointName',
  'AWS::SageMaker::EndpointConfig': 'EndpointConfigName',
  'AWS::SageMaker::MonitoringSchedule': 'MonitoringScheduleName',
  'AWS::SageMaker::DataQualityJobDefinition': 'JobDefinitionName',
  'AWS::SageMaker::ModelQualityJobDefinition': 'JobDefinitionName',
  'AWS::SageMaker::MlflowTrackingServer': 'TrackingServerName',
  'AWS::SageMaker::MlflowApp': 'Name',
  'AWS::SageMaker::NotebookInstance': 'NotebookInstanceName',
};

/**
 * ARN formats (Service Authorization Reference) by CloudFormation type, with
 * {p} partition, {r} region, {a} account, {n} name, {id} the resource id.
 */
const ARN_FORMAT: Record<string, string> = {
  'AWS::S3::Bucket': 'arn:{p}:s3:::{n}',
  'AWS::KMS::Key': 'arn:{p}:kms:{r}:{a}:key/{id}',
  'AWS::KMS::Alias': 'arn:{p}:kms:{r}:{a}:{n}',
  'AWS::Logs::LogGroup': 'arn:{p}:logs:{r}:{a}:log-group:{n}:*',
  'AWS::IAM::Role': 'arn:{p}:iam::{a}:role/{n}',
  'AWS::IAM::User': 'arn:{p}:iam::{a}:user/{n}',
  'AWS::IAM::ManagedPolicy': 'arn:{p}:iam::{a}:policy/{n}',
  'AWS::IAM::InstanceProfile': 'arn:{p}:iam::{a}:instance-profile/{n}',
  'AWS::SNS::Topic': 'arn:{p}:sns:{r}:{a}:{n}',
  'AWS::SQS::Queue': 'arn:{p}:sqs:{r}:{a}:{n}',
  'AWS::Lambda::Function': 'arn:{p}:lambda:{r}:{a}:function:{n}',
  'AWS::StepFunctions::StateMachine': 'arn:{p}:states:{r}:{a}:stateMachine:{n}',
  'AWS::CodeBuild::Project': 'arn:{p}:codebuild:{r}:{a}:project/{n}',
  'AWS::CodeBuild::ReportGroup': 'arn:{p}:codebuild:{r}:{a}:report-group/{n}',
  'AWS::CodePipeline::Pipeline': 'arn:{p}:codepipeline:{r}:{a}:{n}',
  'AWS::ECR::Repository': 'arn:{p}:ecr:{r}:{a}:repository/{n}',
  'AWS::Events::Rule': 'arn:{p}:events:{r}:{a}:rule/{n}',
  'AWS::Events::EventBus': 'arn:{p}:events:{r}:{a}:event-bus/{n}',
  'AWS::DynamoDB::Table': 'arn:{p}:dynamodb:{r}:{a}:table/{n}',
  'AWS::SSM::Parameter': 'arn:{p}:ssm:{r}:{a}:parameter/{n}',
  'AWS::CloudWatch::Alarm': 'arn:{p}:cloudwatch:{r}:{a}:alarm:{n}',
  'AWS::Scheduler::Schedule': 'arn:{p}:scheduler:{r}:{a}:schedule/default/{n}',
  'AWS::Scheduler::ScheduleGroup': 'arn:{p}:scheduler:{r}:{a}:schedule-group/{n}',
  'AWS::EFS::FileSystem': 'arn:{p}:elasticfilesystem:{r}:{a}:file-system/{id}',
  'AWS::EC2::VPC': 'arn:{p}:ec2:{r}:{a}:vpc/{id}',
  'AWS::EC2::Subnet': 'arn:{p}:ec2:{r}:{a}:subnet/{id}',
  'AWS::EC2::SecurityGroup': 'arn:{p}:ec2:{r}:{a}:security-group/{id}',
  'AWS::EC2::VPCEndpoint': 'arn:{p}:ec2:{r}:{a}:vpc-endpoint/{id}',
  'AWS::SageMaker::Domain': 'arn:{p}:sagemaker:{r}:{a}:domain/{id}',
  'AWS::SageMaker::UserProfile': 'arn:{p}:sagemaker:{r}:{a}:user-profile/{domain}/{n}',
  'AWS::SageMaker::ModelPackageGroup': 'arn:{p}:sagemaker:{r}:{a}:model-package-group/{n}',
  'AWS::SageMaker::Pipeline': 'arn:{p}:sagemaker:{r}:{a}:pipeline/{n}',
  'AWS::SageMaker::Model': 'arn:{p}:sagemaker:{r}:{a}:model/{n}',
  'AWS::SageMaker::Endpoint': 'arn:{p}:sagemaker:{r}:{a}:endpoint/{n}',
  'AWS::SageMaker::EndpointConfig': 'arn:{p}:sagemaker:{r}:{a}:endpoint-config/{n}',
  'AWS::SageMaker::MonitoringSchedule': 'arn:{p}:sagemaker:{r}:{a}:monitoring-schedule/{n}',
  'AWS::SageMaker::DataQualityJobDefinition': 'arn:{p}:sagemaker:{r}:{a}:data-quality-job-definition/{n}',
  'AWS::SageMaker::ModelQualityJobDefinition': 'arn:{p}:sagemaker:{r}:{a}:model-quality-job-definition/{n}',
  'AWS::SageMaker::MlflowTrackingServer': 'arn:{p}:sagemaker:{r}:{a}:mlflow-tracking-server/{n}',
  'AWS::SageMaker::MlflowApp': 'arn:{p}:sagemaker:{r}:{a}:mlflow-app/{id}',
  'AWS::SageMaker::NotebookInstance': 'arn:{p}:sagemaker:{r}:{a}:notebook-instance/{n}',
  'AWS::CodeStarConnections::Connection': 'arn:{p}:codestar-connections:{r}:{a}:connection/{id}',
  'AWS::CodeConnections::Connection': 'arn:{p}:codeconnections:{r}:{a}:connection/{id}',
};

/** What `Ref` returns, where it is not the name: 'arn', 'id', or 'url'. */
const REF_KIND: Record<string, 'arn' | 'id' | 'url'> = {
  'AWS::SNS::Topic': 'arn',
  'AWS::StepFunctions::StateMachine': 'arn',
  'AWS::IAM::ManagedPolicy': 'arn',
  'AWS::SageMaker::ModelPackageGroup': 'arn',
  'AWS::SageMaker::Endpoint': 'arn',
  'AWS::SageMaker::EndpointConfig': 'arn',
  'AWS::SageMaker::Model': 'arn',
  'AWS::SageMaker::MonitoringSchedule': 'arn',
  'AWS::SageMaker::DataQualityJobDefinition': 'arn',
  'AWS::SageMaker::ModelQualityJobDefinition': 'arn',
  'AWS::SageMaker::MlflowApp': 'arn',
  'AWS::SageMaker::NotebookInstance': 'arn',
  'AWS::CodeBuild::ReportGroup': 'arn',
  'AWS::CodeStarConnections::Connection': 'arn',
  'AWS::CodeConnections::Connection': 'arn',
  'AWS::SageMaker::Domain': 'id',
  'AWS::KMS::Key': 'id',
  'AWS::EFS::FileSystem': 'id',
  'AWS::EC2::VPC': 'id',
  'AWS::EC2::Subnet': 'id',
  'AWS::EC2::SecurityGroup': 'id',
  'AWS::EC2::VPCEndpoint': 'id',
  'AWS::EC2::RouteTable': 'id',
  'AWS::EC2::InternetGateway': 'id',
  'AWS::EC2::NatGateway': 'id',
  'AWS::IAM::Policy': 'id',
  'AWS::SQS::Queue': 'url',
};

/** Id formats by type: prefix and number of hex digits (or a UUID). */
const ID_FORMAT: Record<string, { readonly prefix: string; readonly digits: number } | 'uuid'> = {
  'AWS::KMS::Key': 'uuid',
  'AWS::SageMaker::Domain': { prefix: 'd-', digits: 12 },
  'AWS::EFS::FileSystem': { prefix: 'fs-', digits: 17 },
  'AWS::EC2::VPC': { prefix: 'vpc-', digits: 17 },
  'AWS::EC2::Subnet': { prefix: 'subnet-', digits: 17 },
  'AWS::EC2::SecurityGroup': { prefix: 'sg-', digits: 17 },
  'AWS::EC2::VPCEndpoint': { prefix: 'vpce-', digits: 17 },
  'AWS::EC2::RouteTable': { prefix: 'rtb-', digits: 17 },
  'AWS::EC2::InternetGateway': { prefix: 'igw-', digits: 17 },
  'AWS::EC2::NatGateway': { prefix: 'nat-', digits: 17 },
  'AWS::EC2::EIP': { prefix: 'eipalloc-', digits: 17 },
  'AWS::SageMaker::MlflowApp': { prefix: 'app-', digits: 12 },
  'AWS::CodeStarConnections::Connection': 'uuid',
  'AWS::CodeConnections::Connection': 'uuid',
  'AWS::IAM::Policy': { prefix: 'polic-', digits: 12 },
};

function hex(seed: string, digits: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, digits);
}

/** Resolves the intrinsics of one template. */
export class TemplateResolver {
  private readonly resources: Record<string, CfnResource>;
  private readonly target: DeployTarget;
  private readonly resolving = new Set<string>();

  constructor(private readonly template: CfnTemplate, target: Partial<DeployTarget> = {}) {
    this.resources = template.Resources ?? {};
    this.target = { ...DEFAULT_TARGET, ...target };
  }

  /** The value of a pseudo parameter, or undefined when `name` is not one. */
  public pseudo(name: string): string | undefined {
    const t = this.target;
    const values: Record<string, string> = {
      'AWS::Partition': t.partition,
      'AWS::Region': t.region,
      'AWS::AccountId': t.account,
      'AWS::URLSuffix': t.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
      'AWS::StackName': t.stackName,
      'AWS::StackId': `arn:${t.partition}:cloudformation:${t.region}:${t.account}:stack/${t.stackName}/${hex(t.stackName, 8)}-0000-0000-0000-000000000000`,
    };
    return values[name];
  }

  /** The CloudFormation type of a logical id. */
  public typeOf(logicalId: string): string | undefined {
    return this.resources[logicalId]?.Type;
  }

  /** The physical name of a resource: its literal name property, else one derived from the logical id. */
  public nameOf(logicalId: string): string {
    const resource = this.resources[logicalId];
    const prop = resource ? NAME_PROPERTY[resource.Type] : undefined;
    const given = prop ? resource!.Properties?.[prop] : undefined;
    if (given !== undefined) {
      const value = this.resolve(given);
      if (typeof value === 'string') {
        return value;
      }
    }
    const base = logicalId.replace(/[^A-Za-z0-9]/g, '').slice(0, 40);
    const name = `${this.target.stackName}-${base}-${hex(logicalId, 12).toUpperCase()}`;
    if (resource?.Type === 'AWS::S3::Bucket') {
      return name.toLowerCase().slice(0, 63);
    }
    if (resource?.Type === 'AWS::KMS::Alias') {
      return `alias/${name}`;
    }
    return name;
  }

  /** The service id of a resource (key id, subnet id, domain id, …). */
  public idOf(logicalId: string): string {
    const type = this.typeOf(logicalId) ?? '';
    const format = ID_FORMAT[type];
    if (format === 'uuid') {
      const h = hex(logicalId, 32);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    if (format) {
      return format.prefix + hex(logicalId, format.digits);
    }
    return this.nameOf(logicalId);
  }

  /** The ARN of a resource, in the Service Authorization Reference's format for its type. */
  public arnOf(logicalId: string): string {
    const type = this.typeOf(logicalId) ?? 'AWS::Unknown::Resource';
    const t = this.target;
    let format = ARN_FORMAT[type];
    if (!format) {
      const [, service, kind] = type.split('::');
      format = `arn:{p}:${(service ?? 'unknown').toLowerCase()}:{r}:{a}:${(kind ?? 'resource').toLowerCase()}/{n}`;
    }
    const props = this.resources[logicalId]?.Properties ?? {};
    return format
      .replace('{p}', t.partition).replace('{r}', t.region).replace('{a}', t.account)
      .replace('{domain}', () => String(this.resolve(props.DomainId ?? 'd-unknown')))
      .replace('{n}', () => this.nameOf(logicalId))
      .replace('{id}', () => this.idOf(logicalId));
  }

  /** What `Ref` gives for a logical id, pseudo parameter or parameter. */
  public ref(name: string): Json {
    const pseudo = this.pseudo(name);
    if (pseudo !== undefined) {
      return pseudo;
    }
    if (name === 'AWS::NoValue') {
      return undefined;
    }
    const parameter = this.template.Parameters?.[name];
    if (parameter) {
      return parameter.Default !== undefined ? parameter.Default : `parameter-${name}`;
    }
    const type = this.typeOf(name);
    if (!type) {
      throw new Error(`template-resolve: Ref to unknown logical id ${name}`);
    }
    switch (REF_KIND[type]) {
      case 'arn': return this.arnOf(name);
      case 'id': return this.idOf(name);
      case 'url': return `https://sqs.${this.target.region}.${this.pseudo('AWS::URLSuffix')}/${this.target.account}/${this.nameOf(name)}`;
      default: return this.nameOf(name);
    }
  }

  /** What `Fn::GetAtt` gives. */
  public getAtt(logicalId: string, attribute: string): Json {
    const type = this.typeOf(logicalId);
    if (!type) {
      throw new Error(`template-resolve: Fn::GetAtt of unknown logical id ${logicalId}`);
    }
    const t = this.target;
    switch (attribute) {
      case 'Arn':
      case 'TopicArn':
      case 'QueueArn':
      case 'DomainArn':
      case 'ModelPackageGroupArn':
      case 'TrackingServerArn':
      case 'JobDefinitionArn':
      case 'PipelineArn':
      case 'EndpointArn':
      case 'EndpointConfigArn':
      case 'ModelArn':
      case 'MonitoringScheduleArn':
      case 'UserProfileArn':
      case 'ConnectionArn':
      case 'NotebookInstanceArn':
        return this.arnOf(logicalId);
      case 'KeyId':
      case 'DomainId':
      case 'GroupId':
      case 'SubnetId':
      case 'VpcId':
      case 'FileSystemId':
      case 'AllocationId':
      case 'Id':
      case 'MlflowAppId':
        return this.idOf(logicalId);
      case 'RoleId':
      case 'PolicyId':
        return `AROA${hex(logicalId, 17).toUpperCase()}`;
      case 'Name':
      case 'TopicName':
      case 'QueueName':
      case 'RuleName':
      case 'StateMachineName':
        return this.nameOf(logicalId);
      case 'QueueUrl':
        return this.ref(logicalId);
      case 'HomeEfsFileSystemId':
        return `fs-${hex(`${logicalId}.efs`, 17)}`;
      case 'SecurityGroupIdForDomainBoundary':
      case 'DefaultSecurityGroup':
        return `sg-${hex(`${logicalId}.${attribute}`, 17)}`;
      case 'CidrBlock':
        return '10.0.0.0/16';
      case 'RepositoryUri':
        return `${t.account}.dkr.ecr.${t.region}.${this.pseudo('AWS::URLSuffix')}/${this.nameOf(logicalId)}`;
      case 'RegionalDomainName':
        return `${this.nameOf(logicalId)}.s3.${t.region}.${this.pseudo('AWS::URLSuffix')}`;
      case 'DomainName':
        return `${this.nameOf(logicalId)}.s3.${this.pseudo('AWS::URLSuffix')}`;
      case 'Url':
        return `https://${this.idOf(logicalId)}.studio.${t.region}.sagemaker.aws`;
      default:
        return `${this.nameOf(logicalId)}-${attribute}`;
    }
  }

  /** Resolve every intrinsic in a value (deeply); `AWS::NoValue` entries are dropped. */
  public resolve(value: Json): Json {
    if (Array.isArray(value)) {
      return value.map((v) => this.resolve(v)).filter((v) => v !== undefined);
    }
    if (value === null || typeof value !== 'object') {
      return value;
    }
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::') || keys[0] === 'Condition')) {
      return this.intrinsic(keys[0], (value as any)[keys[0]]);
    }
    const out: Record<string, Json> = {};
    for (const k of keys) {
      const v = this.resolve((value as any)[k]);
      if (v !== undefined) {
        out[k] = v;
      }
    }
    return out;
  }

  /** Evaluate a named condition of the template. */
  public condition(name: string): boolean {
    const body = this.template.Conditions?.[name];
    if (body === undefined) {
      throw new Error(`template-resolve: unknown condition ${name}`);
    }
    return Boolean(this.resolve(body));
  }

  private intrinsic(fn: string, arg: any): Json {
    const guard = `${fn}:${JSON.stringify(arg)}`;
    if (this.resolving.has(guard)) {
      throw new Error(`template-resolve: circular reference in ${guard}`);
    }
    this.resolving.add(guard);
    try {
      return this.evaluate(fn, arg);
    } finally {
      this.resolving.delete(guard);
    }
  }

  private evaluate(fn: string, arg: any): Json {
    switch (fn) {
      case 'Ref':
        return this.ref(arg);
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/s);
        return this.getAtt(id, String(this.resolve(attribute)));
      }
      case 'Fn::Join': {
        const [delimiter, parts] = arg;
        const resolved = this.resolve(parts);
        if (!Array.isArray(resolved)) {
          throw new Error(`template-resolve: Fn::Join of a non-list ${JSON.stringify(parts)}`);
        }
        return resolved.map((p) => this.text(p, 'Fn::Join')).join(delimiter);
      }
      case 'Fn::Sub': {
        const [text, variables] = typeof arg === 'string' ? [arg, {}] : [arg[0], this.resolve(arg[1]) as Record<string, Json>];
        return String(text).replace(/\$\{([^}]+)\}/g, (whole, token: string) => {
          if (token.startsWith('!')) {
            return `\${${token.slice(1)}}`;
          }
          if (token in variables) {
            return this.text(variables[token], 'Fn::Sub');
          }
          if (token.includes('.') && !token.startsWith('AWS::')) {
            const [id, attribute] = token.split(/\.(.*)/s);
            return this.text(this.getAtt(id, attribute), 'Fn::Sub');
          }
          return this.text(this.ref(token), `Fn::Sub ${whole}`);
        });
      }
      case 'Fn::Select': {
        const [index, list] = arg;
        const items = this.resolve(list);
        const i = Number(this.resolve(index));
        if (!Array.isArray(items) || i >= items.length) {
          throw new Error(`template-resolve: Fn::Select ${i} out of ${JSON.stringify(items)}`);
        }
        return items[i];
      }
      case 'Fn::Split': {
        const [delimiter, text] = arg;
        return this.text(this.resolve(text), 'Fn::Split').split(delimiter);
      }
      case 'Fn::If': {
        const [name, whenTrue, whenFalse] = arg;
        return this.resolve(this.condition(name) ? whenTrue : whenFalse);
      }
      case 'Condition':
        return this.condition(arg);
      case 'Fn::Equals': {
        const [a, b] = arg.map((x: Json) => this.resolve(x));
        return JSON.stringify(a) === JSON.stringify(b);
      }
      case 'Fn::Not':
        return !this.resolve(arg[0]);
      case 'Fn::And':
        return arg.every((x: Json) => Boolean(this.resolve(x)));
      case 'Fn::Or':
        return arg.some((x: Json) => Boolean(this.resolve(x)));
      case 'Fn::FindInMap': {
        const [map, top, second] = arg.map((x: Json) => this.resolve(x));
        const found = this.template.Mappings?.[map]?.[top]?.[second];
        if (found === undefined) {
          throw new Error(`template-resolve: Fn::FindInMap ${map}.${top}.${second} not in the template`);
        }
        return found;
      }
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((z) => `${this.target.region}${z}`);
      case 'Fn::Base64':
        return Buffer.from(this.text(this.resolve(arg), 'Fn::Base64')).toString('base64');
      case 'Fn::ImportValue':
        return `imported-${this.text(this.resolve(arg), 'Fn::ImportValue')}`;
      default:
        throw new Error(`template-resolve: unsupported intrinsic ${fn}`);
    }
  }

  private text(value: Json, where: string): string {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      return String(value);
    }
    throw new Error(`template-resolve: ${where} needs a string, got ${JSON.stringify(value)}`);
  }
}

/** Resolve a whole template's resources with the default deploy target. */
export function resolveTemplate(template: CfnTemplate, target: Partial<DeployTarget> = {}): Record<string, CfnResource> {
  return new TemplateResolver(template, target).resolve(template.Resources ?? {}) as Record<string, CfnResource>;
}

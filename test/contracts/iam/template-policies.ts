/**
 * Every IAM policy document of a synthesized template, resolved to concrete
 * ARNs (test/harness/template-resolve.ts): identity policies (managed,
 * inline, role inline), trust policies, resource policies (bucket, KMS key,
 * SNS topic, SQS queue, model package group, ECR repository, CloudWatch Logs)
 * and VPC endpoint policies.
 */
import { TemplateResolver } from '../../harness/template-resolve';

/** What kind of policy a document is; it decides how `*` and a missing `Resource` read. */
export type PolicyKind = 'identity' | 'trust' | 'resource' | 'endpoint' | 'scp';

/** A policy document found in a template. */
export interface FoundPolicy {
  readonly kind: PolicyKind;
  /** Template file, logical id, type and property, for messages. */
  readonly where: string;
  readonly resourceType: string;
  readonly logicalId: string;
  /** The document, every intrinsic resolved. */
  readonly document: { Version?: string; Statement: any[] };
  /**
   * ARNs of the resources a resource or trust policy is attached to: what a
   * missing `Resource` means, and what `*` means in a key policy.
   */
  readonly attachedTo?: string[];
}

function asList<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function parse(doc: unknown): { Statement: any[] } {
  const value = typeof doc === 'string' ? JSON.parse(doc) : doc as any;
  return { ...value, Statement: asList(value?.Statement) };
}

/** Every policy of a template. */
export function policiesOf(template: any, file: string): FoundPolicy[] {
  const resolver = new TemplateResolver(template);
  const out: FoundPolicy[] = [];
  for (const [logicalId, resource] of Object.entries<any>(template.Resources ?? {})) {
    const type: string = resource.Type;
    const props = resource.Properties ?? {};
    const add = (kind: PolicyKind, prop: string, raw: unknown, attachedTo?: string[]) => {
      if (raw === undefined) {
        return;
      }
      out.push({
        kind,
        where: `${file}: ${logicalId} (${type}).${prop}`,
        resourceType: type,
        logicalId,
        document: parse(resolver.resolve(raw)),
        attachedTo,
      });
    };
    const arns = (v: unknown) => asList(resolver.resolve(v) as string | string[]).map(String);
    switch (type) {
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
        add('identity', 'PolicyDocument', props.PolicyDocument);
        break;
      case 'AWS::IAM::Role':
      case 'AWS::IAM::User':
      case 'AWS::IAM::Group':
        asList<any>(props.Policies).forEach((p, i) => add('identity', `Policies[${i}]`, p.PolicyDocument));
        if (type === 'AWS::IAM::Role') {
          add('trust', 'AssumeRolePolicyDocument', props.AssumeRolePolicyDocument, [resolver.arnOf(logicalId)]);
        }
        break;
      case 'AWS::S3::BucketPolicy':
        add('resource', 'PolicyDocument', props.PolicyDocument, arns(props.Bucket).map((b) => `arn:${resolver.pseudo('AWS::Partition')}:s3:::${b}`));
        break;
      case 'AWS::KMS::Key':
        add('resource', 'KeyPolicy', props.KeyPolicy, [resolver.arnOf(logicalId)]);
        break;
      case 'AWS::SNS::TopicPolicy':
        add('resource', 'PolicyDocument', props.PolicyDocument, arns(props.Topics));
        break;
      case 'AWS::SNS::TopicInlinePolicy':
        add('resource', 'PolicyDocument', props.PolicyDocument, arns(props.TopicArn));
        break;
      case 'AWS::SQS::QueuePolicy':
      case 'AWS::SQS::QueueInlinePolicy':
        add('resource', 'PolicyDocument', props.PolicyDocument, arns(props.Queues ?? props.Queue).map(queueArnOfUrl));
        break;
      case 'AWS::SageMaker::ModelPackageGroup':
        add('resource', 'ModelPackageGroupPolicy', props.ModelPackageGroupPolicy, [resolver.arnOf(logicalId)]);
        break;
      case 'AWS::ECR::Repository':
        add('resource', 'RepositoryPolicyText', props.RepositoryPolicyText, [resolver.arnOf(logicalId)]);
        break;
      case 'AWS::Logs::ResourcePolicy':
        add('resource', 'PolicyDocument', props.PolicyDocument);
        break;
      case 'AWS::EC2::VPCEndpoint':
        add('endpoint', 'PolicyDocument', props.PolicyDocument);
        break;
      default:
        break;
    }
  }
  return out;
}

/** https://sqs.us-east-1.amazonaws.com/123456789012/name → arn:aws:sqs:us-east-1:123456789012:name (the resolver's partition is aws) */
function queueArnOfUrl(url: string): string {
  const m = /^https:\/\/sqs\.([^.]+)\.[^/]+\/(\d{12})\/(.+)$/.exec(url);
  return m ? `arn:aws:sqs:${m[1]}:${m[2]}:${m[3]}` : url;
}

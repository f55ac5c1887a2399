/**
 * S3 bucket facts the governance rules share: which buckets of a template a
 * value points at, and whether a bucket is SSE-KMS encrypted and TLS-only.
 */
import { asArray, literalStrings, referencedLogicalIds } from './template';

/** A CloudFormation template as JSON. */
export type TemplateJson = { Resources?: Record<string, any> };

/** The logical ids of the AWS::S3::Bucket resources of a template. */
export function bucketIds(template: TemplateJson): string[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => r?.Type === 'AWS::S3::Bucket')
    .map(([id]) => id);
}

/** The literal BucketName of a bucket resource, if it has one. */
function literalName(resource: any): string | undefined {
  const name = resource?.Properties?.BucketName;
  return typeof name === 'string' ? name : undefined;
}

/** True when a literal string names the bucket: `name`, `s3://name...`, `arn:<p>:s3:::name...`. */
function stringNamesBucket(text: string, name: string): boolean {
  if (text === name) {
    return true;
  }
  const m = /^s3:\/\/([^/]+)/.exec(text) ?? /^arn:[a-z-]+:s3:::([^/]+)/.exec(text);
  return m !== null && m[1] === name;
}

/**
 * The buckets of the template a value points at: by Ref/GetAtt/Fn::Sub to
 * the bucket's logical id, or by a literal name, `s3://` URI or ARN equal to
 * a bucket's literal BucketName.
 */
export function bucketsReferencedBy(value: unknown, template: TemplateJson): string[] {
  const resources = template.Resources ?? {};
  const ids = bucketIds(template);
  const refs = referencedLogicalIds(value);
  const strings = literalStrings(value);
  return ids.filter((id) => {
    if (refs.has(id)) {
      return true;
    }
    const name = literalName(resources[id]);
    return name !== undefined && strings.some((s) => stringNamesBucket(s, name));
  });
}

/** True when a bucket's default encryption is SSE-KMS (or DSSE-KMS). */
export function isKmsEncrypted(bucket: any): boolean {
  const rules = asArray<any>(bucket?.Properties?.BucketEncryption?.ServerSideEncryptionConfiguration);
  return rules.some((r) => {
    const algorithm = r?.ServerSideEncryptionByDefault?.SSEAlgorithm;
    return algorithm === 'aws:kms' || algorithm === 'aws:kms:dsse';
  });
}

/** True when a statement denies every S3 action to everyone over plain HTTP. */
function deniesInsecureTransport(statement: any): boolean {
  if (statement?.Effect !== 'Deny') {
    return false;
  }
  const principal = statement.Principal;
  const everyone = principal === '*' || (principal && asArray(principal.AWS).includes('*'));
  const actions = asArray<string>(statement.Action);
  const allActions = actions.includes('s3:*') || actions.includes('*');
  const secure = statement.Condition?.Bool?.['aws:SecureTransport'];
  return Boolean(everyone) && allActions && (secure === 'false' || secure === false);
}

/** True when a bucket policy in the template targets the bucket and denies non-TLS requests. */
export function isTlsOnly(template: TemplateJson, bucketId: string): boolean {
  const resources = template.Resources ?? {};
  const name = literalName(resources[bucketId]);
  return Object.values(resources).some((r: any) => {
    if (r?.Type !== 'AWS::S3::BucketPolicy') {
      return false;
    }
    const target = r.Properties?.Bucket;
    const targetsBucket = (target && typeof target === 'object' && target.Ref === bucketId)
      || (name !== undefined && target === name);
    return targetsBucket && asArray<any>(r.Properties?.PolicyDocument?.Statement).some(deniesInsecureTransport);
  });
}

/** What a bucket lacks to hold ML data: SSE-KMS and TLS-only. Empty when compliant. */
export function bucketProblems(template: TemplateJson, bucketId: string): string[] {
  const bucket = (template.Resources ?? {})[bucketId];
  const problems: string[] = [];
  if (!isKmsEncrypted(bucket)) {
    problems.push('default encryption is not SSE-KMS');
  }
  if (!isTlsOnly(template, bucketId)) {
    problems.push('no bucket policy denies requests without TLS (aws:SecureTransport false)');
  }
  return problems;
}

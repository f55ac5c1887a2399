import { MlopsRule, RuleFinding, TemplateResource } from '../mlops-rule';
import { bucketProblems, bucketsReferencedBy } from '../private/buckets';

/**
 * MLOPS-S3-001: every S3 bucket a SageMaker resource of the same template
 * references (by Ref, GetAtt, Fn::Sub, inside a pipeline definition, or by
 * a literal name, `s3://` URI or ARN equal to the bucket's BucketName) holds
 * ML data, so it is SSE-KMS encrypted and TLS-only (a bucket policy denying
 * `aws:SecureTransport` false). Buckets no SageMaker resource references are
 * not evaluated.
 */
export class SageMakerDataBucketRule extends MlopsRule {
  constructor() {
    super({
      id: 'MLOPS-S3-001',
      description: 'S3 buckets referenced by SageMaker resources are SSE-KMS encrypted and TLS-only.',
      fix: 'Give the bucket a KMS key (encryption: s3.BucketEncryption.KMS, encryptionKey) and enforceSSL: true.',
      resourceTypes: ['AWS::S3::Bucket'],
    });
  }

  public evaluate(resource: TemplateResource): RuleFinding[] {
    const resources: Record<string, any> = resource._template.Resources ?? {};
    const users = Object.entries(resources)
      .filter(([, r]) => typeof r?.Type === 'string' && r.Type.startsWith('AWS::SageMaker::'))
      .filter(([, r]) => bucketsReferencedBy(r.Properties ?? {}, resource._template).includes(resource.logicalId))
      .map(([id]) => id);
    if (users.length === 0) {
      return [];
    }
    return bucketProblems(resource._template, resource.logicalId).map((problem) => ({
      message: `${problem}; used by SageMaker resource(s) ${users.join(', ')}`,
      location: problem.startsWith('default encryption') ? 'Properties/BucketEncryption' : 'Properties',
    }));
  }
}

import { MlopsRule, RuleFinding, TemplateResource } from '../mlops-rule';
import { bucketProblems, bucketsReferencedBy } from '../private/buckets';

/**
 * MLOPS-SM-010: a SageMaker managed MLflow tracking server (or MLflow app)
 * stores artifacts in a bucket of the same template (so it can be checked) that is SSE-KMS
 * encrypted and TLS-only (a bucket policy denying `aws:SecureTransport`
 * false).
 */
export class MlflowArtifactStoreRule extends MlopsRule {
  constructor() {
    super({
      id: 'MLOPS-SM-010',
      description: 'MLflow tracking servers and apps store artifacts in a bucket of this template that is SSE-KMS encrypted and TLS-only.',
      fix: 'Point ArtifactStoreUri at a bucket defined in the same stack with a KMS key (s3.BucketEncryption.KMS) and enforceSSL: true.',
      resourceTypes: ['AWS::SageMaker::MlflowTrackingServer', 'AWS::SageMaker::MlflowApp'],
    });
  }

  public evaluate(resource: TemplateResource): RuleFinding[] {
    const uri = resource._properties.ArtifactStoreUri;
    const location = 'Properties/ArtifactStoreUri';
    const buckets = bucketsReferencedBy(uri, resource._template);
    if (buckets.length === 0) {
      return [{ message: `the artifact store ${JSON.stringify(uri)} is not a bucket of this template, so its encryption cannot be checked`, location }];
    }
    const findings: RuleFinding[] = [];
    for (const bucket of buckets) {
      for (const problem of bucketProblems(resource._template, bucket)) {
        findings.push({ message: `artifact bucket ${bucket}: ${problem}`, location });
      }
    }
    return findings;
  }
}

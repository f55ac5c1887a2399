/**
 * A small EventBridge pattern matcher for tests: the subset of EventBridge's
 * content filtering that aws-cdk-lib's `events.Match` and plain value lists
 * render to (exact values, prefix, suffix, anything-but, exists, numeric
 * equality), with EventBridge's semantics:
 * - every field of the pattern must match (AND), a list of values is an OR;
 * - a field that is an array in the event matches when any element matches;
 * - a nested object in the pattern matches the nested object in the event;
 * - pattern fields absent from the event fail, except `{ exists: false }`.
 */
export function matchesPattern(pattern: Record<string, unknown>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([key, rule]) => matchField(rule, event[key]));
}

function matchField(rule: unknown, value: unknown): boolean {
  if (Array.isArray(rule)) {
    const values = Array.isArray(value) ? value : [value];
    return rule.some((r) => values.some((v) => matchOne(r, v, value === undefined)));
  }
  if (rule !== null && typeof rule === 'object') {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return false;
    }
    return matchesPattern(rule as Record<string, unknown>, value as Record<string, unknown>);
  }
  throw new Error(`not a valid EventBridge pattern leaf: ${JSON.stringify(rule)}`);
}

function matchOne(rule: unknown, value: unknown, missing: boolean): boolean {
  if (rule === null || typeof rule !== 'object') {
    return !missing && rule === value;
  }
  const r = rule as Record<string, unknown>;
  if ('exists' in r) {
    return r.exists === !missing;
  }
  if (missing) {
    return false;
  }
  if ('prefix' in r) {
    return typeof value === 'string' && value.startsWith(String(r.prefix));
  }
  if ('suffix' in r) {
    return typeof value === 'string' && value.endsWith(String(r.suffix));
  }
  if ('anything-but' in r) {
    const but = r['anything-but'];
    const list = Array.isArray(but) ? but : [but];
    return !list.includes(value);
  }
  if ('numeric' in r) {
    const [op, n] = r.numeric as [string, number];
    return op === '=' && value === n;
  }
  throw new Error(`unsupported pattern operator: ${JSON.stringify(rule)}`);
}

/**
 * A "SageMaker Model Package State Change" event in the shape SageMaker
 * documents (Events that Amazon SageMaker AI sends to Amazon EventBridge,
 * "Model package state change"): top-level envelope plus the model package
 * description in `detail`.
 */
export function modelPackageStateChangeEvent(overrides: {
  account?: string;
  region?: string;
  source?: string;
  detailType?: string;
  groupName?: string;
  version?: number;
  approvalStatus?: string;
} = {}): Record<string, unknown> {
  const account = overrides.account ?? '111111111111';
  const region = overrides.region ?? 'us-east-1';
  const group = overrides.groupName ?? 'churn-models';
  const version = overrides.version ?? 3;
  const packageArn = `arn:aws:sagemaker:${region}:${account}:model-package/${group.toLowerCase()}/${version}`;
  return {
    'version': '0',
    'id': '844e2571-85d4-695f-b930-0153b71dcb42',
    'detail-type': overrides.detailType ?? 'SageMaker Model Package State Change',
    'source': overrides.source ?? 'aws.sagemaker',
    'account': account,
    'time': '2026-11-27T01:20:13Z',
    'region': region,
    'resources': [packageArn],
    'detail': {
      ModelPackageGroupName: group,
      ModelPackageVersion: version,
      ModelPackageArn: packageArn,
      ModelPackageName: group,
      CreationTime: 1764206400000,
      InferenceSpecification: {
        Containers: [{
          Image: `683313688378.dkr.ecr.${region}.amazonaws.com/sagemaker-xgboost:1.7-1`,
          ImageDigest: 'sha256:5d2f5b8d3b3cbd44b8f0e2b7a1bb0bfb2b0c7a5c2d6b1f0f9a9fd5cbf1c3b9e0',
          ModelDataUrl: `s3://artifacts-${account}/churn/model.tar.gz`,
        }],
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: ['text/csv'],
      },
      ModelPackageStatus: 'Completed',
      ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
      CertifyForMarketplace: false,
      ModelApprovalStatus: overrides.approvalStatus ?? 'Approved',
      CreatedBy: {},
      LastModifiedTime: 1764206413000,
    },
  };
}

/**
 * The policies of a network's endpoints (internal to the network layer).
 *
 * Endpoint policies name their principal as "*" (`"Principal": "*"`, the
 * form of AWS's default endpoint policy and of the VPC endpoint
 * documentation; gateway endpoints accept no other, and IAM policy
 * validators, the IAM simulator's among them, reject `{"AWS": "*"}` in an
 * endpoint policy) and narrow it by condition: principals of the trusted accounts or organization for
 * interface endpoints, buckets of the trusted accounts or organization for
 * the S3 gateway, plus the AWS-owned buckets services serve content from.
 */
import { Annotations, Aws, CfnMapping, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { CatalogEntry, policyActionsOf } from './private/endpoint-catalog';

/** Who an endpoint admits. */
export interface EndpointTrust {
  readonly accountIds: string[];
  readonly organizationId?: string;
}

/** The statements of an interface endpoint's policy. */
export function interfaceEndpointStatements(entry: CatalogEntry, trust: EndpointTrust): iam.PolicyStatement[] {
  const actions = policyActionsOf(entry);
  if (actions.length === 0) {
    return [];
  }
  const statements = [new iam.PolicyStatement({
    sid: 'PrincipalsOfTrustedAccounts',
    principals: [new iam.StarPrincipal()],
    actions,
    resources: ['*'],
    conditions: { StringEquals: { 'aws:PrincipalAccount': trust.accountIds } },
  })];
  if (trust.organizationId) {
    statements.push(new iam.PolicyStatement({
      sid: 'PrincipalsOfTrustedOrganization',
      principals: [new iam.StarPrincipal()],
      actions,
      resources: ['*'],
      conditions: { StringEquals: { 'aws:PrincipalOrgID': trust.organizationId } },
    }));
  }
  const companion = entry.companionActions;
  if (companion) {
    const equals = companion.conditions.StringEquals ?? {};
    statements.push(new iam.PolicyStatement({
      sid: 'CompanionCallsOfTrustedAccounts',
      principals: [new iam.StarPrincipal()],
      actions: companion.actions,
      resources: ['*'],
      conditions: { ...companion.conditions, StringEquals: { ...equals, 'aws:PrincipalAccount': trust.accountIds } },
    }));
    if (trust.organizationId) {
      statements.push(new iam.PolicyStatement({
        sid: 'CompanionCallsOfTrustedOrganization',
        principals: [new iam.StarPrincipal()],
        actions: companion.actions,
        resources: ['*'],
        conditions: { ...companion.conditions, StringEquals: { ...equals, 'aws:PrincipalOrgID': trust.organizationId } },
      }));
    }
  }
  return statements;
}

/** The statements every S3 gateway endpoint of a network starts with. */
export function gatewayStatements(scope: IConstruct, trust: EndpointTrust): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const statements = [new iam.PolicyStatement({
    sid: 'BucketsOfTrustedAccounts',
    principals: [new iam.StarPrincipal()],
    actions: ['s3:*'],
    resources: ['*'],
    conditions: { StringEquals: { 's3:ResourceAccount': trust.accountIds } },
  })];
  if (trust.organizationId) {
    statements.push(new iam.PolicyStatement({
      sid: 'BucketsOfTrustedOrganization',
      principals: [new iam.StarPrincipal()],
      actions: ['s3:*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:ResourceOrgID': trust.organizationId } },
    }));
  }
  // ECR keeps image layers in an AWS-owned bucket: without this, image pulls
  // through the ECR endpoints fail (SageMaker jobs, Studio images, endpoints).
  statements.push(new iam.PolicyStatement({
    sid: 'EcrImageLayers',
    principals: [new iam.StarPrincipal()],
    actions: ['s3:GetObject'],
    resources: [`arn:${stack.partition}:s3:::prod-${stack.region}-starport-layer-bucket/*`],
  }));
  return statements;
}

/**
 * The AWS-owned buckets CodeArtifact serves package assets from (npm, Maven,
 * NuGet; pip and Swift need no S3 access), by region: CodeArtifact User Guide,
 * "Create the Amazon S3 gateway endpoint", table "Minimum Amazon S3 bucket
 * permissions for AWS CodeArtifact".
 */
export const CODEARTIFACT_ASSET_BUCKETS: { readonly [region: string]: string } = {
  'us-east-1': 'assets-193858265520-us-east-1',
  'us-east-2': 'assets-250872398865-us-east-2',
  'us-west-2': 'assets-787052242323-us-west-2',
  'eu-west-1': 'assets-438097961670-eu-west-1',
  'eu-west-2': 'assets-247805302724-eu-west-2',
  'eu-west-3': 'assets-762466490029-eu-west-3',
  'eu-north-1': 'assets-611884512288-eu-north-1',
  'eu-south-1': 'assets-484130244270-eu-south-1',
  'eu-central-1': 'assets-769407342218-eu-central-1',
};

const ASSETS_MAPPING_ID = 'CdkMlopsCodeArtifactAssets';

/**
 * The statement admitting CodeArtifact's asset bucket of the stack's region,
 * or undefined (with a warning on `scope`) in a region the table lacks. In an
 * environment-agnostic stack the table becomes a template mapping.
 */
export function codeArtifactAssetsStatement(scope: IConstruct): iam.PolicyStatement | undefined {
  const stack = Stack.of(scope);
  let bucket: string;
  if (Token.isUnresolved(stack.region)) {
    const mapping = (stack.node.tryFindChild(ASSETS_MAPPING_ID) as CfnMapping | undefined) ?? new CfnMapping(stack, ASSETS_MAPPING_ID, {
      mapping: Object.fromEntries(Object.entries(CODEARTIFACT_ASSET_BUCKETS).map(([r, b]) => [r, { bucket: b }])),
    });
    bucket = mapping.findInMap(Aws.REGION, 'bucket');
  } else if (CODEARTIFACT_ASSET_BUCKETS[stack.region]) {
    bucket = CODEARTIFACT_ASSET_BUCKETS[stack.region];
  } else {
    Annotations.of(scope).addWarningV2('cdk-mlops:network-codeartifact-assets-region',
      `The CodeArtifact asset bucket of ${stack.region} is not in the library's table (CodeArtifact User Guide, "Create the Amazon S3 gateway endpoint"): `
      + 'pip works (it needs no S3 access), but npm, Maven and NuGet assets are blocked by the S3 gateway policy until their bucket is admitted there.');
    return undefined;
  }
  return new iam.PolicyStatement({
    sid: 'CodeArtifactPackageAssets',
    principals: [new iam.StarPrincipal()],
    actions: ['s3:GetObject'],
    resources: [`arn:${stack.partition}:s3:::${bucket}/*`],
  });
}

/**
 * The statement admitting JumpStart's content buckets of the region (public
 * and gated models), named as the SageMaker Python SDK names them
 * (`sagemaker/jumpstart/region_config.json`: `jumpstart-cache-prod-<region>`,
 * `jumpstart-private-cache-prod-<region>`).
 */
export function jumpStartStatement(scope: IConstruct): iam.PolicyStatement {
  const stack = Stack.of(scope);
  const buckets = ['jumpstart-cache-prod', 'jumpstart-private-cache-prod'].map((b) => `arn:${stack.partition}:s3:::${b}-${stack.region}`);
  return new iam.PolicyStatement({
    sid: 'JumpStartContent',
    principals: [new iam.StarPrincipal()],
    actions: ['s3:GetObject', 's3:ListBucket'],
    resources: [...buckets, ...buckets.map((b) => `${b}/*`)],
  });
}

import * as ec2 from 'aws-cdk-lib/aws-ec2';

/**
 * How an interface endpoint's service name is formed.
 */
export interface CatalogEntry {
  /** Service name suffix after the region, e.g. `sagemaker.api`. */
  readonly name: string;
  /** Construct id fragment, PascalCase. */
  readonly id: string;
  /** The IAM namespace the endpoint policy admits, or undefined when the service takes no endpoint policy. */
  readonly iamNamespace?: string;
  /** Service name prefix; `com.amazonaws` unless the service uses another. */
  readonly prefix?: string;
  /**
   * Actions the endpoint policy admits, when not just `<iamNamespace>:*`
   * (services whose calls through the endpoint are authorized with actions of
   * other prefixes).
   */
  readonly policyActions?: string[];
  /**
   * Actions of another service the endpoint policy must admit as well, with
   * the condition that names the service they are for (CodeArtifact's login
   * calls `sts:GetServiceBearerToken` through the CodeArtifact endpoint).
   */
  readonly companionActions?: { readonly actions: string[]; readonly conditions: Record<string, Record<string, string>> };
}

const CODEARTIFACT_BEARER_TOKEN = {
  actions: ['sts:GetServiceBearerToken'],
  conditions: { StringEquals: { 'sts:AWSServiceName': 'codeartifact.amazonaws.com' } },
};

/**
 * The catalog of AWS services ML workloads reach through interface endpoints.
 * Facts from the AWS PrivateLink service list; `iamNamespace` is set where the
 * service accepts an endpoint policy.
 */
export const CATALOG: CatalogEntry[] = [
  { name: 'sagemaker.api', id: 'SageMakerApi', iamNamespace: 'sagemaker' },
  { name: 'sagemaker.runtime', id: 'SageMakerRuntime', iamNamespace: 'sagemaker' },
  { name: 'sagemaker.featurestore-runtime', id: 'SageMakerFeatureStoreRuntime', iamNamespace: 'sagemaker' },
  { name: 'studio', id: 'SageMakerStudio', prefix: 'aws.sagemaker' },
  { name: 'notebook', id: 'SageMakerNotebook', prefix: 'aws.sagemaker' },
  // SageMaker managed MLflow (tracking servers and MLflow Apps) is reached
  // at https://<region>.experiments.sagemaker.aws; its PrivateLink service is
  // aws.sagemaker.<region>.experiments (SageMaker Developer Guide,
  // "Connecting to an MLflow tracking server through an interface VPC
  // endpoint"; aws-cdk-lib's InterfaceVpcEndpointAwsService.SAGEMAKER_EXPERIMENTS).
  // A tracking server is called with sagemaker-mlflow:*, an MLflow App with
  // sagemaker:CallMlflowAppApi (Service Authorization Reference).
  {
    name: 'experiments',
    id: 'SageMakerMlflow',
    prefix: 'aws.sagemaker',
    iamNamespace: 'sagemaker-mlflow',
    policyActions: ['sagemaker-mlflow:*', 'sagemaker:CallMlflowAppApi'],
  },
  { name: 'sts', id: 'Sts', iamNamespace: 'sts' },
  { name: 'logs', id: 'CloudWatchLogs', iamNamespace: 'logs' },
  { name: 'monitoring', id: 'CloudWatchMonitoring', iamNamespace: 'cloudwatch' },
  { name: 'ecr.api', id: 'EcrApi', iamNamespace: 'ecr' },
  { name: 'ecr.dkr', id: 'EcrDocker', iamNamespace: 'ecr' },
  { name: 'kms', id: 'Kms', iamNamespace: 'kms' },
  { name: 'events', id: 'EventBridge', iamNamespace: 'events' },
  { name: 'scheduler', id: 'EventBridgeScheduler', iamNamespace: 'scheduler' },
  { name: 'ssm', id: 'Ssm', iamNamespace: 'ssm' },
  { name: 'secretsmanager', id: 'SecretsManager', iamNamespace: 'secretsmanager' },
  // `codeartifact login` (GetAuthorizationToken) needs sts:GetServiceBearerToken
  // admitted by the CodeArtifact endpoint policies too (CodeArtifact User
  // Guide, "Create a VPC endpoint policy for CodeArtifact").
  { name: 'codeartifact.api', id: 'CodeArtifactApi', iamNamespace: 'codeartifact', companionActions: CODEARTIFACT_BEARER_TOKEN },
  { name: 'codeartifact.repositories', id: 'CodeArtifactRepositories', iamNamespace: 'codeartifact', companionActions: CODEARTIFACT_BEARER_TOKEN },
  { name: 'codebuild', id: 'CodeBuild', iamNamespace: 'codebuild' },
  { name: 'states', id: 'StepFunctions', iamNamespace: 'states' },
  { name: 'sns', id: 'Sns', iamNamespace: 'sns' },
  { name: 'sqs', id: 'Sqs', iamNamespace: 'sqs' },
  { name: 'elasticfilesystem', id: 'ElasticFileSystem', iamNamespace: 'elasticfilesystem' },
  { name: 'application-autoscaling', id: 'ApplicationAutoScaling', iamNamespace: 'application-autoscaling' },
  { name: 'lambda', id: 'Lambda', iamNamespace: 'lambda' },
  { name: 'glue', id: 'Glue', iamNamespace: 'glue' },
  { name: 'athena', id: 'Athena', iamNamespace: 'athena' },
  { name: 'execute-api', id: 'ApiGateway', iamNamespace: 'execute-api' },
  { name: 'bedrock-runtime', id: 'BedrockRuntime', iamNamespace: 'bedrock' },
];

export function entryOf(name: string): CatalogEntry | undefined {
  return CATALOG.find((e) => e.name === name);
}

/** The actions an entry's endpoint policy admits for principals it trusts. */
export function policyActionsOf(entry: CatalogEntry): string[] {
  return entry.policyActions ?? (entry.iamNamespace ? [`${entry.iamNamespace}:*`] : []);
}

/**
 * The aws-cdk-lib endpoint service for a catalog entry.
 */
export function toAwsService(entry: CatalogEntry): ec2.InterfaceVpcEndpointAwsService {
  return new ec2.InterfaceVpcEndpointAwsService(entry.name, entry.prefix);
}

/**
 * Closest catalog names to an unknown one (edit distance), for error messages.
 */
export function suggest(name: string): string[] {
  const scored = CATALOG.map((e) => ({ name: e.name, d: distance(name, e.name) }));
  scored.sort((a, b) => a.d - b.d);
  return scored.filter((s) => s.d <= Math.max(3, Math.floor(name.length / 3))).slice(0, 3).map((s) => s.name);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

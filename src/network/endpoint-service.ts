import { CATALOG, entryOf } from './private/endpoint-catalog';

/**
 * An AWS service that ML workloads reach through an interface VPC endpoint.
 *
 * A closed catalog: the static members are the services this library knows
 * how to expose (service name, endpoint policy support). `of()` looks a
 * service up by its PrivateLink name; an unknown name is rejected when the
 * network is asked for it, with the list of known names.
 */
export class MlEndpointService {
  /** SageMaker API (`sagemaker.api`): create and describe jobs, endpoints, pipelines. */
  public static readonly SAGEMAKER_API = MlEndpointService.of('sagemaker.api');
  /** SageMaker Runtime (`sagemaker.runtime`): invoke endpoints. */
  public static readonly SAGEMAKER_RUNTIME = MlEndpointService.of('sagemaker.runtime');
  /** SageMaker Feature Store runtime. */
  public static readonly SAGEMAKER_FEATURESTORE_RUNTIME = MlEndpointService.of('sagemaker.featurestore-runtime');
  /** SageMaker Studio UI (`aws.sagemaker.<region>.studio`), for private access to Studio. */
  public static readonly SAGEMAKER_STUDIO = MlEndpointService.of('studio');
  /** SageMaker notebook instances and Studio Classic (`aws.sagemaker.<region>.notebook`). */
  public static readonly SAGEMAKER_NOTEBOOK = MlEndpointService.of('notebook');
  /**
   * SageMaker managed MLflow (`aws.sagemaker.<region>.experiments`): MLflow
   * Apps and tracking servers, as the MLflow client and the presigned UI reach
   * them. Needed by a VPC-only Studio domain that tracks experiments.
   */
  public static readonly SAGEMAKER_MLFLOW = MlEndpointService.of('experiments');
  /** AWS STS. */
  public static readonly STS = MlEndpointService.of('sts');
  /** CloudWatch Logs. */
  public static readonly CLOUDWATCH_LOGS = MlEndpointService.of('logs');
  /** CloudWatch metrics (`monitoring`). */
  public static readonly CLOUDWATCH_MONITORING = MlEndpointService.of('monitoring');
  /** ECR API. */
  public static readonly ECR_API = MlEndpointService.of('ecr.api');
  /** ECR Docker registry. */
  public static readonly ECR_DOCKER = MlEndpointService.of('ecr.dkr');
  /** AWS KMS. */
  public static readonly KMS = MlEndpointService.of('kms');
  /** Amazon EventBridge. */
  public static readonly EVENTBRIDGE = MlEndpointService.of('events');
  /** Amazon EventBridge Scheduler. */
  public static readonly EVENTBRIDGE_SCHEDULER = MlEndpointService.of('scheduler');
  /** AWS Systems Manager. */
  public static readonly SSM = MlEndpointService.of('ssm');
  /** AWS Secrets Manager. */
  public static readonly SECRETS_MANAGER = MlEndpointService.of('secretsmanager');
  /** CodeArtifact API (package repositories: needs both CodeArtifact endpoints). */
  public static readonly CODEARTIFACT_API = MlEndpointService.of('codeartifact.api');
  /** CodeArtifact repositories. */
  public static readonly CODEARTIFACT_REPOSITORIES = MlEndpointService.of('codeartifact.repositories');
  /** AWS CodeBuild. */
  public static readonly CODEBUILD = MlEndpointService.of('codebuild');
  /** AWS Step Functions. */
  public static readonly STEP_FUNCTIONS = MlEndpointService.of('states');
  /** Amazon SNS. */
  public static readonly SNS = MlEndpointService.of('sns');
  /** Amazon SQS. */
  public static readonly SQS = MlEndpointService.of('sqs');
  /** Amazon EFS API. */
  public static readonly ELASTIC_FILESYSTEM = MlEndpointService.of('elasticfilesystem');
  /** Application Auto Scaling. */
  public static readonly APPLICATION_AUTOSCALING = MlEndpointService.of('application-autoscaling');
  /** AWS Lambda. */
  public static readonly LAMBDA = MlEndpointService.of('lambda');
  /** AWS Glue. */
  public static readonly GLUE = MlEndpointService.of('glue');
  /** Amazon Athena. */
  public static readonly ATHENA = MlEndpointService.of('athena');
  /** Amazon API Gateway (`execute-api`). */
  public static readonly API_GATEWAY = MlEndpointService.of('execute-api');
  /** Amazon Bedrock runtime. */
  public static readonly BEDROCK_RUNTIME = MlEndpointService.of('bedrock-runtime');

  /**
   * The services the network creates by default: what any SageMaker job,
   * notebook or endpoint in a private subnet reaches first.
   */
  public static defaults(): MlEndpointService[] {
    return [
      MlEndpointService.SAGEMAKER_API,
      MlEndpointService.SAGEMAKER_RUNTIME,
      MlEndpointService.STS,
      MlEndpointService.CLOUDWATCH_LOGS,
    ];
  }

  /** Every service name in the catalog. */
  public static knownNames(): string[] {
    return CATALOG.map((e) => e.name);
  }

  /**
   * A service by its PrivateLink name suffix (after `com.amazonaws.<region>.`),
   * e.g. `sagemaker.api` or `ecr.dkr`. Names outside the catalog are rejected
   * by the network that is asked to create them.
   */
  public static of(name: string): MlEndpointService {
    return new MlEndpointService(name);
  }

  private constructor(
    /** The PrivateLink service name suffix, e.g. `sagemaker.api`. */
    public readonly name: string,
  ) {}

  /** True when the name is in the catalog. */
  public get isKnown(): boolean {
    return entryOf(this.name) !== undefined;
  }

  /** True when the service accepts a VPC endpoint policy. */
  public get supportsPolicy(): boolean {
    return entryOf(this.name)?.iamNamespace !== undefined;
  }
}

import { CfnResource, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { ExplorationManagedPolicies } from './private/managed-policies';
import { PropsValidator } from '../private/validation';
import type { IModelRegistry } from '../registry';

/**
 * Size of a SageMaker managed MLflow tracking server. The server bills per
 * hour while it runs, whatever its load; see the SageMaker pricing page.
 */
export enum MlflowTrackingServerSize {
  /** Up to about 25 users. */
  SMALL = 'Small',
  /** Up to about 50 users. */
  MEDIUM = 'Medium',
  /** Up to about 100 users. */
  LARGE = 'Large',
}

/**
 * Options for MLflow experiment tracking.
 */
export interface MlflowAppOptions {
  /**
   * Name of the MLflow App or tracking server: 1 to 256 letters, digits and
   * hyphens, starting and ending with a letter or digit. Changing it replaces
   * the tracking resource (experiments are kept in the old, retained one).
   * @default - generated from the construct path
   */
  readonly name?: string;
  /**
   * Register every model logged to MLflow's model registry as a version in
   * SageMaker Model Registry as well. Needs `registry` on the domain:
   * MLflow registers into the model package group named like the MLflow
   * registered model, so name the MLflow model after the group.
   * @default false
   */
  readonly automaticModelRegistration?: boolean;
  /**
   * Start of the weekly maintenance window in UTC, e.g. `Tue:03:30`.
   * @default - chosen by SageMaker
   */
  readonly weeklyMaintenanceWindowStart?: string;
}

/**
 * Options for a SageMaker managed MLflow tracking server.
 */
export interface MlflowTrackingServerOptions extends MlflowAppOptions {
  /**
   * Size of the tracking server.
   * @default MlflowTrackingServerSize.SMALL
   */
  readonly size?: MlflowTrackingServerSize;
  /**
   * MLflow version of the tracking server, e.g. `2.16.2`.
   * @default - the latest version SageMaker offers
   */
  readonly mlflowVersion?: string;
}

/**
 * What experiment tracking gets to work with when it is bound to a domain.
 */
export interface ExperimentTrackingBindOptions {
  /** Bucket for MLflow artifacts (written under `mlflow/`). */
  readonly artifactBucket: s3.IBucket;
  /** Key encrypting the artifacts. */
  readonly encryptionKey: kms.IKey;
  /**
   * Registry for automatic model registration.
   * @default - none
   */
  readonly registry?: IModelRegistry;
  /** What happens to the tracking resource on stack delete. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The tracking resource experiment tracking created.
 */
export interface ExperimentTrackingConfig {
  /**
   * ARN of the MLflow App or tracking server; the MLflow tracking URI.
   * @default - no tracking
   */
  readonly experimentTrackingArn?: string;
  /**
   * The SageMaker action that returns a presigned MLflow UI URL for it.
   * @default - no tracking
   */
  readonly presignedUrlAction?: string;
  /**
   * The SageMaker action that describes it.
   * @default - no tracking
   */
  readonly describeAction?: string;
  /**
   * The role SageMaker uses to write artifacts (and register models).
   * @default - no tracking
   */
  readonly serviceRole?: iam.IRole;
  /**
   * The CloudFormation resource.
   * @default - no tracking
   */
  readonly resource?: CfnResource;
}

/**
 * How a domain tracks experiments: SageMaker managed MLflow.
 *
 * `mlflowApp()` (the default) is serverless MLflow: no instance to size and
 * no charge while idle. `mlflowTrackingServer()` is the instance-based
 * tracking server, billed per hour while it runs (opt-in). `none()` creates
 * no tracking resource.
 */
export abstract class ExperimentTracking {
  /**
   * Serverless MLflow (`AWS::SageMaker::MlflowApp`): no instance to size or
   * keep running, no idle charge.
   */
  public static mlflowApp(options: MlflowAppOptions = {}): ExperimentTracking {
    return new MlflowTracking('app', options);
  }

  /**
   * An MLflow tracking server (`AWS::SageMaker::MlflowTrackingServer`). It
   * bills per hour for as long as it exists and runs, used or not; prefer
   * `mlflowApp()` unless you need a pinned MLflow version or server size.
   */
  public static mlflowTrackingServer(options: MlflowTrackingServerOptions = {}): ExperimentTracking {
    return new MlflowTracking('server', options);
  }

  /** No experiment tracking resource. */
  public static none(): ExperimentTracking {
    return new NoTracking();
  }

  /** Whether the option asks for automatic model registration. */
  public abstract readonly registersModels: boolean;

  /** Create the tracking resource in `scope`. */
  public abstract bind(scope: Construct, options: ExperimentTrackingBindOptions): ExperimentTrackingConfig;
}

class NoTracking extends ExperimentTracking {
  public readonly registersModels = false;

  public bind(_scope: Construct, _options: ExperimentTrackingBindOptions): ExperimentTrackingConfig {
    return {};
  }
}

const NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/;
const WINDOW = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun):([01]\d|2[0-3]):([0-5]\d)$/;
const VERSION = /^\d+(\.\d+)+$/;

class MlflowTracking extends ExperimentTracking {
  public readonly registersModels: boolean;

  constructor(private readonly kind: 'app' | 'server', private readonly options: MlflowTrackingServerOptions) {
    super();
    this.registersModels = options.automaticModelRegistration ?? false;
  }

  public bind(scope: Construct, bindOptions: ExperimentTrackingBindOptions): ExperimentTrackingConfig {
    const o = this.options;
    this.validate(scope, bindOptions);
    const name = o.name ?? Names.uniqueResourceName(scope, { maxLength: 63, separator: '-' }).toLowerCase();
    const bucket = bindOptions.artifactBucket;
    const key = bindOptions.encryptionKey;

    const role = new iam.Role(scope, 'MlflowRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
      }),
      description: 'SageMaker managed MLflow: write experiment artifacts to the team bucket',
    });
    const policies = new ExplorationManagedPolicies(scope, 'MlflowPolicies', [
      { id: 'ArtifactPolicy', description: 'MLflow artifacts in the team bucket; model registration when enabled' },
    ], { any: 'explorationServiceWildcards', scoped: 'explorationRunTimeNames' });
    policies.attachTo(role);
    policies.addStatements('ArtifactPolicy', new iam.PolicyStatement({
      sid: 'ArtifactEncryption',
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: [key.keyArn],
    }));
    const objectActions = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'];
    const bucketActions = ['s3:ListBucket', 's3:GetBucketLocation'];
    const viaBucketPolicy = bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'MlflowArtifacts',
      principals: [role],
      actions: [...objectActions, ...bucketActions],
      resources: [bucket.bucketArn, bucket.arnForObjects('mlflow/*')],
    }));
    if (!viaBucketPolicy.statementAdded) {
      policies.addStatements('ArtifactPolicy',
        new iam.PolicyStatement({ sid: 'MlflowArtifactObjects', actions: objectActions, resources: [bucket.arnForObjects('mlflow/*')] }),
        new iam.PolicyStatement({ sid: 'MlflowArtifactBucket', actions: bucketActions, resources: [bucket.bucketArn] }));
    }
    if (this.registersModels && bindOptions.registry) {
      bindOptions.registry.grantRegister(policies.granteeFor(role, 'ArtifactPolicy'));
    }

    const common = {
      artifactStoreUri: `s3://${bucket.bucketName}/mlflow/`,
      roleArn: role.roleArn,
      weeklyMaintenanceWindowStart: o.weeklyMaintenanceWindowStart,
    };
    let resource: CfnResource;
    let experimentTrackingArn: string;
    if (this.kind === 'server') {
      const server = new sagemaker.CfnMlflowTrackingServer(scope, 'TrackingServer', {
        ...common,
        trackingServerName: name,
        trackingServerSize: o.size ?? MlflowTrackingServerSize.SMALL,
        mlflowVersion: o.mlflowVersion,
        automaticModelRegistration: this.registersModels,
      });
      resource = server;
      experimentTrackingArn = server.attrTrackingServerArn;
    } else {
      resource = new CfnResource(scope, 'MlflowApp', {
        type: 'AWS::SageMaker::MlflowApp',
        properties: {
          Name: name,
          ArtifactStoreUri: common.artifactStoreUri,
          RoleArn: common.roleArn,
          ModelRegistrationMode: this.registersModels ? 'AutoModelRegistrationEnabled' : 'AutoModelRegistrationDisabled',
          WeeklyMaintenanceWindowStart: common.weeklyMaintenanceWindowStart,
        },
      });
      experimentTrackingArn = resource.getAtt('Arn').toString();
    }
    resource.applyRemovalPolicy(bindOptions.removalPolicy);
    for (const policy of policies.allPolicies) {
      resource.node.addDependency(policy);
    }
    if (viaBucketPolicy.policyDependable) {
      resource.node.addDependency(viaBucketPolicy.policyDependable);
    }
    return {
      experimentTrackingArn,
      presignedUrlAction: this.kind === 'server' ? 'sagemaker:CreatePresignedMlflowTrackingServerUrl' : 'sagemaker:CreatePresignedMlflowAppUrl',
      describeAction: this.kind === 'server' ? 'sagemaker:DescribeMlflowTrackingServer' : 'sagemaker:DescribeMlflowApp',
      serviceRole: role,
      resource,
    };
  }

  private validate(scope: Construct, bindOptions: ExperimentTrackingBindOptions): void {
    const o = this.options;
    const v = new PropsValidator(scope, 'ExplorationDomain');
    v.checkPattern(o.name, NAME, {
      prop: 'experimentTracking.name',
      allowed: '1 to 256 letters, digits and hyphens, starting and ending with a letter or digit',
      fix: "use a name like 'team-a-mlflow'.",
    });
    const window = o.weeklyMaintenanceWindowStart;
    v.checkPattern(window, WINDOW, {
      prop: 'experimentTracking.weeklyMaintenanceWindowStart',
      allowed: 'Ddd:HH:MM in UTC, e.g. Tue:03:30',
      fix: "write the day as Mon..Sun and a 24-hour time, e.g. 'Sun:02:00'.",
    });
    v.checkPattern(o.mlflowVersion, VERSION, {
      prop: 'experimentTracking.mlflowVersion',
      allowed: 'a version number like 2.16.2',
      fix: 'use a version SageMaker offers, or leave it out for the latest.',
    });
    v.check(this.registersModels && !bindOptions.registry, {
      prop: 'experimentTracking.automaticModelRegistration',
      value: true,
      allowed: 'only together with `registry` on the domain',
      fix: 'pass the registry the models should be registered in, or turn automaticModelRegistration off.',
    });
    v.throwIfAny();
  }
}

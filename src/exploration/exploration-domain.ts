import { Annotations, ArnFormat, CfnOutput, Duration, IResource, RemovalPolicy, Resource, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import { AuthMode } from './auth-mode';
import { IDLE_MIN_MINUTES, profileConstructId, validateDomainProps, validateProfiles, wholeMinutes } from './domain-validation';
import { ACKS, addExecutionStatements, ENDPOINTS, GROUPS, JOBS, STUDIO, TRACKING, trackingActionsFor } from './execution-policy';
import { ExperimentTracking, ExperimentTrackingConfig } from './experiment-tracking';
import { MlInstanceType } from '../common';
import { packageRepositoryStatements } from './package-grants';
import { PackageRepository } from './package-repository';
import { StudioUserProfileOptions } from './user-profile';
import { MlEndpointService, ISecureMlNetwork } from '../network';
import { ExplorationManagedPolicies } from './private/managed-policies';
import { createSecureBucket, createSecureKey } from '../private/secure-defaults';
import { fail } from '../private/validation';
import type { IModelRegistry } from '../registry';

/**
 * A SageMaker Studio domain for data scientists, as other constructs see it.
 */
export interface IExplorationDomain extends IResource {
  /**
   * The domain id, e.g. `d-abcdefghijkl`.
   * @attribute
   */
  readonly domainId: string;
  /**
   * The domain ARN.
   * @attribute
   */
  readonly domainArn: string;
  /**
   * The id of the domain's home EFS file system, when it has one.
   * @attribute
   */
  readonly homeEfsFileSystemId?: string;
  /** The security group of the domain's apps. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** The default execution role of the domain's apps and profiles. */
  readonly executionRole: iam.IRole;
  /**
   * ARN of the MLflow App or tracking server (the MLflow tracking URI), when there is one.
   * @attribute
   */
  readonly experimentTrackingArn?: string;

  /**
   * Let a principal open Studio as a user profile of this domain (IAM
   * authentication): `sagemaker:CreatePresignedDomainUrl` on the profile.
   *
   * @param grantee who opens Studio
   * @param userProfileName the profile; every profile of the domain when absent
   */
  grantCreatePresignedDomainUrl(grantee: iam.IGrantable, userProfileName?: string): iam.Grant;
  /**
   * Let a principal describe the domain and list and describe its profiles,
   * spaces and apps (operators, cost reports).
   */
  grantRead(grantee: iam.IGrantable): iam.Grant;
  /**
   * Let a principal track experiments in the domain's MLflow (log and read
   * runs, open the MLflow UI). Grants nothing when the domain has no tracking.
   */
  grantTrackExperiments(grantee: iam.IGrantable): iam.Grant;
}

/**
 * Attributes of a domain built elsewhere.
 */
export interface ExplorationDomainAttributes {
  /** The domain id, e.g. `d-abcdefghijkl`. */
  readonly domainId: string;
  /** The security group of the domain's apps. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** The default execution role. */
  readonly executionRole: iam.IRole;
  /**
   * The home EFS file system id.
   * @default - unknown
   */
  readonly homeEfsFileSystemId?: string;
  /**
   * ARN of the domain's MLflow App or tracking server.
   * @default - no experiment tracking
   */
  readonly experimentTrackingArn?: string;
}

/**
 * Properties of an ExplorationDomain.
 */
export interface ExplorationDomainProps {
  /**
   * The network the domain runs in (VPC-only): its workload subnets (private)
   * and workload security group. The domain asks it for the interface
   * endpoints Studio needs.
   */
  readonly network: ISecureMlNetwork;
  /**
   * Name of the domain (1 to 63 letters, digits, hyphens). Changing it
   * replaces the domain.
   * @default - generated from the construct path
   */
  readonly domainName?: string;
  /**
   * How people sign in. Changing it replaces the domain.
   * @default AuthMode.IAM
   */
  readonly authMode?: AuthMode;
  /**
   * Customer-managed key for home storage (EFS and the EBS volumes of spaces),
   * jobs' volumes and output, the team bucket and MLflow artifacts. Changing
   * it replaces the domain.
   * @default - a new key with rotation on, retained
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * The team's data bucket. A given bucket must be encrypted with a key the
   * execution role can use; its policy is not changed if it is imported (the
   * role gets an identity policy instead).
   * @default - a new bucket: KMS, TLS only, versioned, public access blocked, access-logged, retained
   */
  readonly dataBucket?: s3.IBucket;
  /**
   * Default execution role of the domain's apps, spaces and jobs. A given role
   * gets the same least-privilege policies attached and must trust
   * `sagemaker.amazonaws.com` (with `sts:SetSourceIdentity`).
   * @default - a new role with the domain's least-privilege policies
   */
  readonly executionRole?: iam.IRole;
  /**
   * User profiles to create. Add more with `addUserProfile()`; adding or
   * removing profiles never replaces the domain.
   * @default - none
   */
  readonly userProfiles?: StudioUserProfileOptions[];
  /**
   * How long a JupyterLab or Code Editor app may stay idle before Studio shuts
   * it down (app lifecycle management). A whole number of minutes from 60 to
   * 525,600 (the service's range). Changes update the domain in place.
   * @default Duration.hours(1)
   */
  readonly idleTimeout?: Duration;
  /**
   * The longest idle timeout a user may choose for their own apps (from 60
   * minutes to 525,600, at least `idleTimeout`).
   * @default - `idleTimeout`: users cannot raise it
   */
  readonly maxIdleTimeout?: Duration;
  /**
   * Instance types data scientists may start Studio apps on (enforced by IAM
   * on the execution role; the first is the default for new spaces). Changes
   * update in place.
   * @default - ml.t3.medium, ml.t3.large, ml.m5.large, ml.m5.xlarge
   */
  readonly appInstanceTypes?: MlInstanceType[];
  /**
   * Allow root-equivalent access from Studio: Docker access in spaces
   * (`DomainSettings.DockerSettings`). Off by default.
   * @default false
   */
  readonly rootAccess?: boolean;
  /**
   * Experiment tracking with SageMaker managed MLflow.
   * @default ExperimentTracking.mlflowApp() - serverless MLflow, no idle charge
   */
  readonly experimentTracking?: ExperimentTracking;
  /**
   * A model registry data scientists may read, and MLflow registers models in
   * when `automaticModelRegistration` is on.
   * @default - no registry access
   */
  readonly registry?: IModelRegistry;
  /**
   * Instance types data scientists may create non-production endpoints on.
   * @default - ml.t2.medium, ml.m5.large
   */
  readonly devEndpointInstanceTypes?: MlInstanceType[];
  /**
   * Tag key that marks a non-production endpoint (also on its config and model).
   * @default 'mlops:stage'
   */
  readonly devEndpointTagKey?: string;
  /**
   * Value of `devEndpointTagKey` that marks a non-production endpoint.
   * @default 'dev'
   */
  readonly devEndpointTagValue?: string;
  /**
   * Package repositories (AWS CodeArtifact) data scientists install packages
   * from with pip, npm or Maven: the execution roles may log in and read
   * them, and the network is asked for both CodeArtifact endpoints (whose
   * policies admit the `sts:GetServiceBearerToken` call of the login, and
   * whose S3 gateway admits the region's CodeArtifact asset bucket).
   * @default - none: in a network without internet egress, no package can be installed
   */
  readonly packageRepositories?: PackageRepository[];
  /**
   * Create the domain's shared home EFS file system. JupyterLab and Code
   * Editor spaces keep their files on EBS volumes and do not need it.
   * CloudFormation never deletes it: turn it off for a domain that must tear
   * down completely. Changing it replaces the domain.
   * @default true
   */
  readonly homeEfsFileSystem?: boolean;
  /**
   * What happens to the domain, its key, bucket and MLflow on stack delete.
   * With DESTROY the domain is deleted, but not its home EFS file system
   * (see the README for the teardown steps); the construct adds an output
   * and a warning that name it.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

abstract class ExplorationDomainBase extends Resource implements IExplorationDomain {
  public abstract readonly domainId: string;
  public abstract readonly domainArn: string;
  public abstract readonly homeEfsFileSystemId?: string;
  public abstract readonly securityGroup: ec2.ISecurityGroup;
  public abstract readonly executionRole: iam.IRole;
  public abstract readonly experimentTrackingArn?: string;
  /** @internal */
  protected _trackingActions: string[] = [];

  public grantCreatePresignedDomainUrl(grantee: iam.IGrantable, userProfileName?: string): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:CreatePresignedDomainUrl'],
      resourceArns: [this.arnOf('user-profile', `${this.domainId}/${userProfileName ?? '*'}`)],
    });
  }

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    const onDomain = iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker:DescribeDomain'], resourceArns: [this.domainArn] });
    const inside = iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:DescribeUserProfile', 'sagemaker:DescribeSpace', 'sagemaker:DescribeApp'],
      resourceArns: ['user-profile', 'space', 'app'].map((t) => this.arnOf(t, `${this.domainId}/*`)),
    });
    const lists = iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:ListUserProfiles', 'sagemaker:ListSpaces', 'sagemaker:ListApps'],
      resourceArns: ['*'],
    });
    return onDomain.combine(inside).combine(lists);
  }

  public grantTrackExperiments(grantee: iam.IGrantable): iam.Grant {
    if (!this.experimentTrackingArn) {
      return iam.Grant.drop(grantee, 'track experiments (the domain has no experiment tracking)');
    }
    // the MLflow UI action has no resource type (Service Authorization Reference): '*'
    return iam.Grant.addToPrincipal({ grantee, actions: this._trackingActions, resourceArns: [this.experimentTrackingArn] })
      .combine(iam.Grant.addToPrincipal({ grantee, actions: ['sagemaker-mlflow:AccessUI'], resourceArns: ['*'] }));
  }

  protected arnOf(resource: string, resourceName: string): string {
    return Stack.of(this).formatArn({ service: 'sagemaker', resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  }
}

const DEFAULT_APP_TYPES = [
  MlInstanceType.ML_T3_MEDIUM, MlInstanceType.ML_T3_LARGE,
  MlInstanceType.ML_M5_LARGE, MlInstanceType.ML_M5_XLARGE,
];
const DEFAULT_ENDPOINT_TYPES = [MlInstanceType.ML_T2_MEDIUM, MlInstanceType.ML_M5_LARGE];

/**
 * A secure SageMaker Studio domain where data scientists explore data, train
 * in the ML network and deploy to non-production endpoints, with every
 * experiment tracked in SageMaker managed MLflow.
 *
 * - VPC-only in the network's private subnets and workload security group;
 *   the endpoints Studio needs are requested from the network.
 * - Home storage, jobs and data encrypted with one customer-managed key.
 * - A least-privilege execution role: no `AmazonSageMakerFullAccess`.
 * - Idle apps shut down by Studio's app lifecycle management.
 * - Retained by default; see the README for teardown with DESTROY.
 *
 * @resource AWS::SageMaker::Domain
 */
export class ExplorationDomain extends ExplorationDomainBase {
  /**
   * Import a domain built elsewhere.
   */
  public static fromExplorationDomainAttributes(scope: Construct, id: string, attrs: ExplorationDomainAttributes): IExplorationDomain {
    class Imported extends ExplorationDomainBase {
      public readonly domainId = attrs.domainId;
      public readonly domainArn: string;
      public readonly homeEfsFileSystemId = attrs.homeEfsFileSystemId;
      public readonly securityGroup = attrs.securityGroup;
      public readonly executionRole = attrs.executionRole;
      public readonly experimentTrackingArn = attrs.experimentTrackingArn;
      constructor() {
        super(scope, id);
        this.domainArn = this.arnOf('domain', attrs.domainId);
        this._trackingActions = trackingActionsFor(attrs.experimentTrackingArn);
      }
    }
    return new Imported();
  }

  public readonly domainId: string;
  public readonly domainArn: string;
  public readonly homeEfsFileSystemId?: string;
  public readonly securityGroup: ec2.ISecurityGroup;
  public readonly executionRole: iam.IRole;
  public readonly experimentTrackingArn?: string;
  /** The domain name. */
  public readonly domainName: string;
  /** How people sign in. */
  public readonly authMode: AuthMode;
  /** The URL of the domain (Studio). */
  public readonly url: string;
  /** The key encrypting home storage, jobs, data and artifacts. */
  public readonly encryptionKey: kms.IKey;
  /** The team's data bucket. */
  public readonly dataBucket: s3.IBucket;
  /** The domain. */
  public readonly resource: sagemaker.CfnDomain;
  /** The experiment tracking resource and its role, if any. */
  public readonly experimentTracking: ExperimentTrackingConfig;

  private readonly policies: ExplorationManagedPolicies;
  private readonly profiles = new Map<string, sagemaker.CfnUserProfile>();
  private readonly dataStatement?: iam.PolicyStatement;
  private readonly attachedRoles = new Set<iam.IRole>();

  constructor(scope: Construct, id: string, props: ExplorationDomainProps) {
    super(scope, id);
    this.authMode = props.authMode ?? AuthMode.IAM;
    validateDomainProps(this, props, this.authMode);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const network = props.network;
    // What a VPC-only Studio needs (S3 comes through the network's gateway endpoint).
    network.requireEndpoints(
      MlEndpointService.SAGEMAKER_API, MlEndpointService.SAGEMAKER_RUNTIME, MlEndpointService.SAGEMAKER_STUDIO,
      MlEndpointService.STS, MlEndpointService.CLOUDWATCH_LOGS,
    );

    this.encryptionKey = props.encryptionKey ?? createSecureKey(this, 'Key', {
      description: `cdk-mlops exploration domain ${this.node.path}: Studio storage, jobs, data, MLflow artifacts`,
      removalPolicy,
    });
    this.dataBucket = props.dataBucket ?? createSecureBucket(this, 'DataBucket', { encryptionKey: this.encryptionKey, removalPolicy });
    this.securityGroup = network.workloadSecurityGroup;
    this.domainName = props.domainName ?? this.generatedName();

    const tracking = props.experimentTracking ?? ExperimentTracking.mlflowApp();
    this.experimentTracking = tracking.bind(this, {
      artifactBucket: this.dataBucket,
      encryptionKey: this.encryptionKey,
      registry: props.registry,
      removalPolicy,
    });
    this.experimentTrackingArn = this.experimentTracking.experimentTrackingArn;
    if (this.experimentTrackingArn) {
      // the MLflow client and UI reach MLflow through its own endpoint (a VPC-only domain has no other path)
      network.requireEndpoints(MlEndpointService.SAGEMAKER_MLFLOW);
    }
    const repositories = props.packageRepositories ?? [];
    if (repositories.length > 0) {
      network.requireEndpoints(MlEndpointService.CODEARTIFACT_API, MlEndpointService.CODEARTIFACT_REPOSITORIES);
    }
    this._trackingActions = trackingActionsFor(this.experimentTrackingArn, this.experimentTracking);

    this.executionRole = props.executionRole ?? this.createExecutionRole();
    this.policies = new ExplorationManagedPolicies(this, 'ExecutionPolicies', GROUPS, ACKS);

    const subnetIds = network.subnetIds;
    const idle = this.idleSettings(props);
    const appTypes = (props.appInstanceTypes ?? DEFAULT_APP_TYPES).map((t) => t.name);
    const appSettings = {
      appLifecycleManagement: { idleSettings: idle },
      defaultResourceSpec: { instanceType: appTypes[0] },
    };
    const homeEfs = props.homeEfsFileSystem ?? true;
    this.resource = new sagemaker.CfnDomain(this, 'Resource', {
      domainName: this.domainName,
      authMode: this.authMode,
      appNetworkAccessType: 'VpcOnly',
      vpcId: network.vpc.vpcId,
      subnetIds,
      kmsKeyId: this.encryptionKey.keyArn,
      homeEfsFileSystemCreation: homeEfs ? undefined : 'Disabled',
      tagPropagation: 'ENABLED',
      domainSettings: {
        dockerSettings: { enableDockerAccess: props.rootAccess ? 'ENABLED' : 'DISABLED' },
        executionRoleIdentityConfig: 'USER_PROFILE_NAME',
      },
      defaultUserSettings: {
        executionRole: this.executionRole.roleArn,
        securityGroups: [this.securityGroup.securityGroupId],
        studioWebPortal: 'ENABLED',
        defaultLandingUri: 'studio::',
        jupyterLabAppSettings: appSettings,
        codeEditorAppSettings: appSettings,
        sharingSettings: { notebookOutputOption: 'Disabled' },
      },
      defaultSpaceSettings: {
        executionRole: this.executionRole.roleArn,
        securityGroups: [this.securityGroup.securityGroupId],
        jupyterLabAppSettings: appSettings,
      },
    });
    this.resource.applyRemovalPolicy(removalPolicy);
    this.domainId = this.resource.attrDomainId;
    this.domainArn = this.resource.attrDomainArn;
    this.url = this.resource.attrUrl;
    this.homeEfsFileSystemId = homeEfs ? this.resource.attrHomeEfsFileSystemId : undefined;

    addExecutionStatements(this.policies, {
      domainId: this.domainId,
      domainArn: this.domainArn,
      appInstanceTypes: appTypes,
      devEndpointInstanceTypes: (props.devEndpointInstanceTypes ?? DEFAULT_ENDPOINT_TYPES).map((t) => t.name),
      tagKey: props.devEndpointTagKey ?? 'mlops:stage',
      tagValue: props.devEndpointTagValue ?? 'dev',
      subnetIds,
      securityGroupId: this.securityGroup.securityGroupId,
      keyArn: this.encryptionKey.keyArn,
      tracking: this.experimentTracking.experimentTrackingArn ? {
        arn: this.experimentTracking.experimentTrackingArn,
        presignedUrlAction: this.experimentTracking.presignedUrlAction!,
        describeAction: this.experimentTracking.describeAction!,
      } : undefined,
    });
    if (props.registry) {
      props.registry.grantRead(this.policies.granteeFor(this.executionRole, STUDIO));
    }
    this.policies.addStatements(STUDIO, ...packageRepositoryStatements(this, repositories));
    this.dataStatement = this.grantTeamData(this.executionRole);
    this.attachRole(this.executionRole);

    if (removalPolicy === RemovalPolicy.DESTROY) {
      this.describeTeardown(homeEfs);
    }
    for (const profile of props.userProfiles ?? []) {
      this.createProfile(profile);
    }
  }

  /** Names of the user profiles of this domain. */
  public get userProfileNames(): string[] {
    return [...this.profiles.keys()];
  }

  /**
   * Add a user profile. The profile is a separate resource: adding or removing
   * one never replaces the domain. It is deleted before the domain on stack
   * delete (it references the domain); apps and spaces a person created must
   * be deleted first (see the README).
   */
  public addUserProfile(options: StudioUserProfileOptions): sagemaker.CfnUserProfile {
    validateProfiles(this, [options], this.userProfileNames, this.authMode, 'addUserProfile(options)');
    return this.createProfile(options);
  }

  private createProfile(options: StudioUserProfileOptions): sagemaker.CfnUserProfile {
    if (options.executionRole) {
      this.attachRole(options.executionRole);
      if (this.dataStatement) {
        this.dataStatement.addPrincipals(options.executionRole);
      } else {
        this.grantTeamData(options.executionRole);
      }
    }
    const sso = this.authMode === AuthMode.SSO;
    const profile = new sagemaker.CfnUserProfile(this, profileConstructId(options.userProfileName), {
      domainId: this.domainId,
      userProfileName: options.userProfileName,
      singleSignOnUserIdentifier: sso ? 'UserName' : undefined,
      singleSignOnUserValue: sso ? options.ssoUserName : undefined,
      userSettings: options.executionRole ? { executionRole: options.executionRole.roleArn } : undefined,
    });
    this.profiles.set(options.userProfileName, profile);
    return profile;
  }

  /**
   * Add a statement to the execution policies, i.e. to every execution role
   * of the domain (the default role and per-user roles). Wildcards in it are
   * not acknowledged for you.
   */
  public addToExecutionPolicy(statement: iam.PolicyStatement): void {
    this.policies.addGrantStatement(STUDIO, statement);
  }

  /** The customer-managed policies attached to every execution role, by name: StudioPolicy, JobsPolicy, EndpointsPolicy, TrackingPolicy. */
  public executionPolicy(name: string): iam.CfnManagedPolicy {
    if (![STUDIO, JOBS, ENDPOINTS, TRACKING].includes(name)) {
      fail(this, 'ExplorationDomain', {
        prop: 'executionPolicy(name)', value: name, allowed: [STUDIO, JOBS, ENDPOINTS, TRACKING].join(', '), fix: 'use one of the listed names.',
      });
    }
    return this.policies.policyOf(name);
  }

  private attachRole(role: iam.IRole): void {
    if (this.attachedRoles.has(role)) {
      return;
    }
    this.attachedRoles.add(role);
    this.policies.attachTo(role);
    this.policies.addStatements(JOBS, new iam.PolicyStatement({
      sid: `PassExecutionRole${this.attachedRoles.size}`,
      actions: ['iam:PassRole'],
      resources: [role.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    }));
  }

  /**
   * Team bucket access for a role: through the bucket policy when the bucket
   * is defined here (no identity wildcard), else through the execution policy.
   */
  private grantTeamData(role: iam.IRole): iam.PolicyStatement | undefined {
    const objectActions = ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'];
    const bucketActions = ['s3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads'];
    const statement = new iam.PolicyStatement({
      sid: 'ExplorationTeamData',
      principals: [role],
      actions: [...objectActions, ...bucketActions],
      resources: [this.dataBucket.bucketArn, this.dataBucket.arnForObjects('*')],
    });
    if (this.dataBucket.addToResourcePolicy(statement).statementAdded) {
      return statement;
    }
    this.policies.addStatements(STUDIO,
      new iam.PolicyStatement({ sid: 'TeamDataObjects', actions: objectActions, resources: [this.dataBucket.arnForObjects('*')] }),
      new iam.PolicyStatement({ sid: 'TeamDataBucket', actions: bucketActions, resources: [this.dataBucket.bucketArn] }));
    return undefined;
  }

  private createExecutionRole(): iam.Role {
    const role = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'Studio apps, spaces and jobs of an exploration domain (least privilege, no AmazonSageMakerFullAccess)',
    });
    // Studio sets the user profile name as source identity (ExecutionRoleIdentityConfig),
    // so CloudTrail shows which person acted through the shared role.
    role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({
      actions: ['sts:SetSourceIdentity'],
      principals: [new iam.ServicePrincipal('sagemaker.amazonaws.com')],
    }));
    return role;
  }

  private idleSettings(props: ExplorationDomainProps): sagemaker.CfnDomain.IdleSettingsProperty {
    const idle = props.idleTimeout ? wholeMinutes(props.idleTimeout) ?? IDLE_MIN_MINUTES : IDLE_MIN_MINUTES;
    const max = props.maxIdleTimeout ? wholeMinutes(props.maxIdleTimeout) ?? idle : idle;
    return {
      lifecycleManagement: 'ENABLED',
      idleTimeoutInMinutes: idle,
      minIdleTimeoutInMinutes: IDLE_MIN_MINUTES,
      maxIdleTimeoutInMinutes: max,
    };
  }

  private describeTeardown(homeEfs: boolean): void {
    if (!homeEfs) {
      return;
    }
    new CfnOutput(this, 'HomeEfsFileSystemId', {
      value: this.resource.attrHomeEfsFileSystemId,
      description: `Home EFS of Studio domain ${this.node.path}: CloudFormation does not delete it. After a stack delete, delete it and its two NFS security groups (see the cdk-mlops README) before deleting the VPC.`,
    });
    Annotations.of(this).addWarningV2('cdk-mlops:exploration-home-efs-left-behind',
      'removalPolicy is DESTROY, but CloudFormation never deletes a Studio domain\'s home EFS file system: it and its two NFS security groups stay behind and block deleting the VPC. '
      + 'Delete them after the stack (output HomeEfsFileSystemId), or set homeEfsFileSystem: false (JupyterLab and Code Editor keep files on EBS).');
  }

  private generatedName(): string {
    const stack = Stack.of(this);
    const path = this.node.path.split('/').slice(1).join('-') || 'exploration';
    const base = `${stack.stackName}-${path}`.replace(/[^a-zA-Z0-9-]/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
    const hash = this.node.addr.slice(0, 8);
    return `${base.slice(0, 63 - 9).replace(/-$/, '')}-${hash}`;
  }
}

import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { CiSource, PipelineUpdate } from '../ci';
import { DeploymentStageOptions } from '../deployment';
import { AuthMode, ExperimentTracking, StudioUserProfileOptions } from '../exploration';
import { DriftBaseline, DriftSchedule } from '../monitoring';
import { EndpointPlacement, MlEndpointService } from '../network';
import { PipelineDefinition } from '../pipeline';

/** Settings of the network an MlopsPlatform creates. */
export interface PlatformNetworkOptions {
  /**
   * IPv4 CIDR of the VPC.
   * @default '10.0.0.0/16'
   */
  readonly cidr?: string;
  /**
   * Number of Availability Zones. Every interface endpoint is billed per zone.
   * @default 2
   */
  readonly maxAzs?: number;
  /**
   * Explicit Availability Zones (no look-up at synth).
   * @default - the first `maxAzs` zones of the region
   */
  readonly availabilityZones?: string[];
  /**
   * Give workloads a route to the internet through NAT.
   * @default false
   */
  readonly allowInternetEgress?: boolean;
  /**
   * Number of NAT gateways when `allowInternetEgress` is on.
   * @default 1
   */
  readonly natGateways?: number;
  /**
   * Managed prefix list id of S3 in the region, to narrow workload HTTPS egress.
   * @default - HTTPS egress bounded by routing
   */
  readonly s3PrefixListId?: string;
  /**
   * Interface endpoints to create in addition to the ones the enabled layers need.
   * @default - only what the layers need
   */
  readonly additionalEndpoints?: MlEndpointService[];
  /**
   * How long VPC flow logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Where the interface endpoints live: every zone, one zone (non-production:
   * the idle network costs about half), or a central endpoint VPC. See
   * `EndpointPlacement`.
   * @default EndpointPlacement.everyAz()
   */
  readonly endpointPlacement?: EndpointPlacement;
  /**
   * Turn private DNS on for the interface endpoints (off when this network
   * hosts central endpoints for other VPCs).
   * @default true
   */
  readonly endpointPrivateDns?: boolean;
  /**
   * IPv4 CIDR blocks of other networks whose clients use this network's
   * interface endpoints.
   * @default - HTTPS from the workload security group only
   */
  readonly endpointClientCidrs?: string[];
  /**
   * Open all traffic inside the workload security group (EFA, MPI over SSH).
   * @default false
   */
  readonly allowAllTrafficWithinWorkloadGroup?: boolean;
  /**
   * Let workloads read SageMaker JumpStart's content buckets through the S3 gateway.
   * @default false
   */
  readonly allowJumpStartBuckets?: boolean;
}

/** Settings of the exploration layer (SageMaker Studio) of an MlopsPlatform. */
export interface PlatformExplorationOptions {
  /**
   * Name of the Studio domain.
   * @default - generated
   */
  readonly domainName?: string;
  /**
   * How users sign in.
   * @default - the exploration layer's default
   */
  readonly authMode?: AuthMode;
  /**
   * User profiles to create.
   * @default - none
   */
  readonly userProfiles?: StudioUserProfileOptions[];
  /**
   * Idle time after which Studio apps shut down.
   * @default - the exploration layer's default
   */
  readonly idleTimeout?: Duration;
  /**
   * Experiment tracking.
   * @default ExperimentTracking.mlflowApp() - serverless MLflow, no idle charge
   */
  readonly experimentTracking?: ExperimentTracking;
}

/** Settings of the model registry an MlopsPlatform creates. */
export interface PlatformRegistryOptions {
  /**
   * Name of the model package group.
   * @default - generated
   */
  readonly modelPackageGroupName?: string;
  /**
   * Description of the model package group.
   * @default - none
   */
  readonly description?: string;
}

/** Settings of the training pipeline of an MlopsPlatform. */
export interface PlatformPipelineOptions {
  /**
   * What the pipeline runs.
   * @default - a starter definition: train with XGBoost on the `TrainingData` parameter, profile the same data into a drift baseline, register the model with it
   */
  readonly definition?: PipelineDefinition;
  /**
   * Name of the SageMaker pipeline.
   * @default - generated
   */
  readonly pipelineName?: string;
  /**
   * Run the pipeline on a schedule (EventBridge Scheduler).
   * @default - no schedule
   */
  readonly schedule?: scheduler.ScheduleExpression;
}

/** Settings of the CI layer of an MlopsPlatform. */
export interface PlatformCiOptions {
  /**
   * Where the pipeline code comes from.
   * @default - a new versioned, encrypted source bucket; the CI starts on `source.zip`
   */
  readonly source?: CiSource;
  /**
   * How CI updates the SageMaker pipeline.
   * @default - the CI pipeline's default
   */
  readonly update?: PipelineUpdate;
  /**
   * The unit test command.
   * @default - the CI pipeline's default
   */
  readonly testCommand?: string;
}

/** Settings of the deployment layer of an MlopsPlatform. */
export interface PlatformDeploymentOptions {
  /**
   * The stages, in order. A stage with `account` deploys into another
   * account (see `MlopsAccounts`).
   * @default ApprovalDeployment.defaultStages() - staging, then approval, then production
   */
  readonly stages?: DeploymentStageOptions[];
  /**
   * Run model containers with network isolation.
   * @default true
   */
  readonly networkIsolation?: boolean;
  /**
   * Prefix of the physical names a tooling account and its target accounts
   * agree on (roles, key alias, capture bucket).
   * @default 'cdk-mlops'
   */
  readonly namePrefix?: string;
}

/** Settings of the monitoring layer of an MlopsPlatform. */
export interface PlatformMonitoringOptions {
  /**
   * The stage whose endpoint is monitored.
   * @default - the last stage that captures data (production)
   */
  readonly stageName?: string;
  /**
   * The drift baseline.
   * @default - the baseline of the latest approved version, which the pipeline's DriftBaselineStep wrote (the starter definition has one); `baselines/` in the artifact bucket for a definition without one
   */
  readonly baseline?: DriftBaseline;
  /**
   * When drift checks run.
   * @default DriftSchedule.hourly()
   */
  readonly schedule?: DriftSchedule;
  /**
   * The feature names of the baseline.
   * @default - not known
   */
  readonly features?: string[];
  /**
   * Email addresses told about drift.
   * @default - none
   */
  readonly notificationEmails?: string[];
  /**
   * Retrain (start the platform's pipeline) when drift is detected.
   * @default true when the pipeline layer is on
   */
  readonly retrain?: boolean;
}

import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * What a CI source needs from the CI pipeline to bind itself (not part of the
 * public API: sources are chosen with the `CiSource` factories).
 */
export interface CiSourceHost {
  /** Where the source creates its constructs. */
  readonly scope: Construct;
  /** The artifact the source action produces. */
  readonly output: codepipeline.Artifact;
  /** The CodePipeline the action is added to. */
  readonly pipeline: codepipeline.IPipeline;
  /** Grants to the pipeline role land in its managed policy. */
  readonly pipelineGrantee: iam.IGrantable;
  /** The role EventBridge assumes to start the pipeline (created on first use). */
  eventRole(): iam.IRole;
}

/** The source action and, where supported, the V2 trigger. */
export interface CiSourceBinding {
  readonly action: codepipeline.IAction;
  readonly trigger?: codepipeline.TriggerProps;
}

/**
 * What an update mode contributes to the update-and-run build.
 */
export interface PipelineUpdateHost {
  /** Where the mode creates its constructs. */
  readonly scope: Construct;
  /** The role of the update-and-run build: grants land in its managed policy. */
  readonly grantee: iam.IGrantable;
}

/** The commands and environment of an update mode. */
export interface PipelineUpdateBinding {
  /** Shell commands, run in order in the build phase before the execution starts. */
  readonly commands: string[];
  /** Extra `--pipeline-parameters` items, already quoted for the shell. */
  readonly startParameters: string[];
  /** Plaintext environment variables (no secrets). */
  readonly environment: Record<string, string>;
  /** Whether the mode needs the install commands (e.g. to run the SageMaker SDK). */
  readonly needsInstall: boolean;
}

import { Token } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { grantBucketAccess } from './private/grants';
import { PipelineUpdateBinding, PipelineUpdateHost } from './private/types';
import { Problem } from '../private/validation';

/**
 * The ML repository builds the pipeline definition itself (SageMaker Python
 * SDK) and CI pushes it to the SageMaker pipeline.
 */
export interface RepositoryDefinitionOptions {
  /**
   * Path of the pipeline definition JSON, relative to the repository root,
   * after `generateCommand` ran (or committed to the repository).
   * @default 'pipeline-definition.json'
   */
  readonly definitionPath?: string;
  /**
   * Command that writes the definition to `definitionPath`, run after the
   * install commands, e.g. `python pipelines/build.py --output pipeline-definition.json`
   * where the script writes `pipeline.definition()`.
   * @default - the definition file is committed to the repository
   */
  readonly generateCommand?: string;
}

/**
 * The pipeline definition lives in the CDK app (MlPipeline with typed
 * steps); CI publishes the code the steps read and starts an execution.
 */
export interface StartOnlyOptions {
  /**
   * Bucket the code is published to, where the pipeline's steps read it.
   * @default - nothing is published; CI only starts an execution
   */
  readonly codeBucket?: s3.IBucket;
  /**
   * Prefix (folder, without trailing "/") in `codeBucket` that CI owns.
   * @default 'ci/code'
   */
  readonly codePrefix?: string;
  /**
   * Directory of the repository that is published.
   * @default '.' - the whole repository, without `.git/`
   */
  readonly codeDirectory?: string;
  /**
   * Name of a pipeline parameter that receives the S3 URI of this change's
   * code. When set, each change is published to
   * `s3://<codeBucket>/<codePrefix>/<source revision>/` and the execution reads
   * exactly that copy, even when a newer change is published while it runs.
   * Only with `codeBucket`.
   * @default - the code is synchronized to `s3://<codeBucket>/<codePrefix>/` (objects
   * that left the repository are deleted there)
   */
  readonly codeUriParameter?: string;
}

const RELATIVE_PATH = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._\-/]+$/;
const PARAMETER_NAME = /^[A-Za-z0-9\-_]{1,256}$/;

/**
 * How CI rolls a tested change into the SageMaker pipeline.
 *
 * Use `fromRepositoryDefinition()` when data scientists own the pipeline in
 * the ML repository (SageMaker Python SDK): CI updates the SageMaker pipeline
 * with the definition the repository produces, then starts an execution. The
 * SageMaker pipeline is then changed outside CloudFormation: create it with
 * the SDK and import it with `MlPipeline.fromPipelineName()`, or accept that a
 * CDK deploy resets the definition to the one in the app.
 *
 * Use `startOnly()` when the pipeline is defined in the CDK app (MlPipeline
 * with typed steps) and only its code changes in the ML repository: CI
 * publishes that code to S3 where the steps read it, then starts an
 * execution. Pipeline structure changes go through a CDK deploy.
 */
export abstract class PipelineUpdate {
  /** CI updates the SageMaker pipeline from a definition the ML repository produces, then starts it. */
  public static fromRepositoryDefinition(options: RepositoryDefinitionOptions = {}): PipelineUpdate {
    return new RepositoryDefinition(options);
  }

  /** CI publishes the code the pipeline's steps read (optional), then starts an execution. */
  public static startOnly(options: StartOnlyOptions = {}): PipelineUpdate {
    return new StartOnly(options);
  }

  /** `definition` or `start-only`. */
  public abstract readonly mode: string;

  /** @internal */
  public abstract _problems(): Problem[];

  /** @internal */
  public abstract _bind(host: PipelineUpdateHost): PipelineUpdateBinding;
}

class RepositoryDefinition extends PipelineUpdate {
  public readonly mode = 'definition';
  constructor(private readonly options: RepositoryDefinitionOptions) {
    super();
  }

  public _problems(): Problem[] {
    const problems: Problem[] = [];
    const path = this.options.definitionPath;
    if (path !== undefined && !Token.isUnresolved(path) && !RELATIVE_PATH.test(path)) {
      problems.push({
        prop: 'update.definitionPath',
        value: path,
        allowed: 'a relative path inside the repository: letters, digits, ".", "_", "-", "/", no ".." and no leading "/"',
        fix: "give the path the generate command writes, e.g. 'build/pipeline-definition.json'.",
      });
    }
    const command = this.options.generateCommand;
    if (command !== undefined && !Token.isUnresolved(command) && command.trim() === '') {
      problems.push({
        prop: 'update.generateCommand',
        value: command,
        allowed: 'a non-empty shell command, or leave it out when the definition is committed',
        fix: "e.g. 'python pipelines/build.py --output pipeline-definition.json'.",
      });
    }
    return problems;
  }

  public _bind(_host: PipelineUpdateHost): PipelineUpdateBinding {
    const commands: string[] = [];
    if (this.options.generateCommand) {
      commands.push(this.options.generateCommand);
    }
    commands.push(
      'test -s "$DEFINITION_PATH" || { echo "No pipeline definition at $DEFINITION_PATH: commit it or set generateCommand"; false; }',
      'aws sagemaker update-pipeline --pipeline-name "$PIPELINE_NAME" --pipeline-definition "file://$DEFINITION_PATH" --pipeline-description "Updated by CI build $CODEBUILD_BUILD_ID"',
    );
    return {
      commands,
      startParameters: [],
      environment: { DEFINITION_PATH: this.options.definitionPath ?? 'pipeline-definition.json' },
      needsInstall: this.options.generateCommand !== undefined,
    };
  }
}

class StartOnly extends PipelineUpdate {
  public readonly mode = 'start-only';
  constructor(private readonly options: StartOnlyOptions) {
    super();
  }

  public _problems(): Problem[] {
    const o = this.options;
    const problems: Problem[] = [];
    if (o.codePrefix !== undefined && !Token.isUnresolved(o.codePrefix)
      && (!RELATIVE_PATH.test(o.codePrefix) || o.codePrefix.endsWith('/'))) {
      problems.push({
        prop: 'update.codePrefix',
        value: o.codePrefix,
        allowed: 'an S3 prefix without leading or trailing "/": letters, digits, ".", "_", "-", "/"',
        fix: "e.g. 'ci/code' (CI owns everything under it).",
      });
    }
    if (o.codeDirectory !== undefined && !Token.isUnresolved(o.codeDirectory) && !RELATIVE_PATH.test(o.codeDirectory)) {
      problems.push({
        prop: 'update.codeDirectory',
        value: o.codeDirectory,
        allowed: 'a relative directory of the repository, no ".." and no leading "/"',
        fix: "e.g. 'src' or '.' for the whole repository.",
      });
    }
    if (o.codeUriParameter !== undefined && !Token.isUnresolved(o.codeUriParameter) && !PARAMETER_NAME.test(o.codeUriParameter)) {
      problems.push({
        prop: 'update.codeUriParameter',
        value: o.codeUriParameter,
        allowed: 'a SageMaker pipeline parameter name: 1-256 letters, digits, "-", "_"',
        fix: "use the name of a String parameter of the pipeline, e.g. 'CodeUri'.",
      });
    }
    if ((o.codePrefix !== undefined || o.codeDirectory !== undefined || o.codeUriParameter !== undefined) && !o.codeBucket) {
      problems.push({
        prop: 'update.codeBucket',
        value: undefined,
        allowed: 'a bucket whenever codePrefix, codeDirectory or codeUriParameter is set',
        fix: 'pass the bucket the pipeline steps read their code from, or leave the code options out to only start executions.',
      });
    }
    return problems;
  }

  public _bind(host: PipelineUpdateHost): PipelineUpdateBinding {
    const o = this.options;
    if (!o.codeBucket) {
      return { commands: [], startParameters: [], environment: {}, needsInstall: false };
    }
    const bucket = o.codeBucket;
    const prefix = o.codePrefix ?? 'ci/code';
    grantBucketAccess(host.scope, bucket, host.grantee,
      ['s3:GetObject', 's3:PutObject', ...(o.codeUriParameter ? [] : ['s3:DeleteObject'])],
      [bucket.arnForObjects(`${prefix}/*`)]);
    grantBucketAccess(host.scope, bucket, host.grantee, ['s3:ListBucket'], [bucket.bucketArn],
      { StringLike: { 's3:prefix': [`${prefix}/*`, prefix] } });
    bucket.encryptionKey?.grant(host.grantee, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
    const sse = bucket.encryptionKey ? ' --sse aws:kms --sse-kms-key-id "$CODE_KEY_ARN"' : '';
    const environment: Record<string, string> = {
      CODE_BUCKET: bucket.bucketName,
      CODE_PREFIX: prefix,
      CODE_DIRECTORY: o.codeDirectory ?? '.',
    };
    if (bucket.encryptionKey) {
      environment.CODE_KEY_ARN = bucket.encryptionKey.keyArn;
    }
    if (o.codeUriParameter) {
      return {
        commands: [
          'CODE_URI="s3://$CODE_BUCKET/$CODE_PREFIX/${CODEBUILD_RESOLVED_SOURCE_VERSION:-build-$CODEBUILD_BUILD_NUMBER}"',
          `aws s3 sync "$CODE_DIRECTORY" "$CODE_URI" --exclude ".git/*" --only-show-errors${sse}`,
        ],
        startParameters: [`Name=${o.codeUriParameter},Value=$CODE_URI`],
        environment,
        needsInstall: false,
      };
    }
    return {
      commands: [`aws s3 sync "$CODE_DIRECTORY" "s3://$CODE_BUCKET/$CODE_PREFIX" --delete --exclude ".git/*" --only-show-errors${sse}`],
      startParameters: [],
      environment,
      needsInstall: false,
    };
  }
}

import { Token } from 'aws-cdk-lib';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CiSourceBinding, CiSourceHost } from './private/types';
import { Problem } from '../private/validation';

/**
 * A repository reached through an AWS CodeConnections connection (GitHub,
 * GitHub Enterprise, GitLab, Bitbucket).
 */
export interface ConnectionSourceOptions {
  /**
   * ARN of the connection, `arn:aws:codeconnections:<region>:<account>:connection/<id>`
   * (or the older `codestar-connections` form). The connection must be
   * available (completed in the console) before the pipeline can run.
   */
  readonly connectionArn: string;
  /** Owner of the repository: the user, organization or workspace. */
  readonly owner: string;
  /** Name of the repository, without the owner. */
  readonly repo: string;
  /**
   * Branch that is built. Pushes to other branches do not start the pipeline.
   * @default 'main'
   */
  readonly branch?: string;
  /**
   * Glob patterns of file paths: only pushes that change a matching file
   * start the pipeline (at most 8), e.g. `['src/**', 'pipelines/**', 'requirements.txt']`.
   * @default - any change on the branch starts the pipeline
   */
  readonly filePaths?: string[];
  /**
   * Glob patterns of file paths whose changes alone never start the pipeline
   * (at most 8), e.g. `['docs/**', '**.md']`.
   * @default - none excluded
   */
  readonly excludedFilePaths?: string[];
}

/**
 * A ZIP archive in a versioned S3 bucket.
 */
export interface S3SourceOptions {
  /**
   * The bucket. It must be versioned, and it must send events to EventBridge
   * (`eventBridgeEnabled`) for uploads to start the pipeline.
   */
  readonly bucket: s3.IBucket;
  /** Object key of the ZIP archive, e.g. `ml/source.zip`. */
  readonly objectKey: string;
}

/**
 * An AWS CodeCommit repository. CodeCommit is closed to new AWS customers:
 * use it only for a repository you already have.
 */
export interface CodeCommitSourceOptions {
  /** The repository. */
  readonly repository: codecommit.IRepository;
  /**
   * Branch that is built.
   * @default 'main'
   */
  readonly branch?: string;
}

/** The pattern of a CodeConnections connection ARN (both service prefixes). */
const CONNECTION_ARN = /^arn:aws(-[a-z]+)*:(codeconnections|codestar-connections):[a-z]{2}(-[a-z]+)+-\d:\d{12}:connection\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Characters git forbids in branch names, plus whitespace. */
const BAD_BRANCH = /[\s~^:?*[\\]|\.\.|@\{|^\/|\/$|^-|\.lock$|\.$/;
const REPO_PART = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
/** CodePipeline accepts at most 8 patterns per filter list. */
const MAX_FILE_PATTERNS = 8;

/**
 * Where the CI pipeline gets the ML code from.
 *
 * - `CiSource.connection()`: GitHub, GitLab or Bitbucket through AWS
 *   CodeConnections; pushes to the branch (optionally only those touching
 *   given paths) start the pipeline through a CodePipeline V2 trigger.
 * - `CiSource.s3()`: a ZIP archive in S3; a new object version starts the
 *   pipeline through an EventBridge rule.
 * - `CiSource.codeCommit()`: an existing CodeCommit repository; commits to
 *   the branch start the pipeline through an EventBridge rule.
 */
export abstract class CiSource {
  /** A repository reached through an AWS CodeConnections connection. */
  public static connection(options: ConnectionSourceOptions): CiSource {
    return new ConnectionSource(options);
  }

  /** A ZIP archive in a versioned S3 bucket. */
  public static s3(options: S3SourceOptions): CiSource {
    return new S3Source(options);
  }

  /** An existing AWS CodeCommit repository. */
  public static codeCommit(options: CodeCommitSourceOptions): CiSource {
    return new CodeCommitSource(options);
  }

  /** What kind of source this is: `connection`, `s3` or `codecommit`. */
  public abstract readonly kind: string;

  /** @internal */
  public abstract _problems(): Problem[];

  /** @internal */
  public abstract _bind(host: CiSourceHost): CiSourceBinding;
}

class ConnectionSource extends CiSource {
  public readonly kind = 'connection';
  constructor(private readonly options: ConnectionSourceOptions) {
    super();
  }

  public _problems(): Problem[] {
    const o = this.options;
    const problems: Problem[] = [];
    if (!Token.isUnresolved(o.connectionArn) && !CONNECTION_ARN.test(o.connectionArn ?? '')) {
      problems.push({
        prop: 'source.connectionArn',
        value: o.connectionArn,
        allowed: 'arn:<partition>:codeconnections:<region>:<12-digit account>:connection/<uuid> (or codestar-connections)',
        fix: 'copy the ARN of the connection from the Developer Tools console (Settings > Connections) or from `aws codeconnections list-connections`.',
      });
    }
    for (const [prop, value] of [['owner', o.owner], ['repo', o.repo]] as const) {
      if (!Token.isUnresolved(value) && !REPO_PART.test(value ?? '')) {
        problems.push({
          prop: `source.${prop}`,
          value,
          allowed: 'a non-empty name of letters, digits, ".", "_", "-" (GitLab subgroups separated by "/")',
          fix: `give the ${prop === 'owner' ? 'user, organization or workspace' : 'repository name without the owner'}, e.g. ${prop === 'owner' ? "'my-org'" : "'churn-model'"}.`,
        });
      }
    }
    problems.push(...branchProblems(o.branch));
    problems.push(...patternProblems('source.filePaths', o.filePaths));
    problems.push(...patternProblems('source.excludedFilePaths', o.excludedFilePaths));
    return problems;
  }

  public _bind(host: CiSourceHost): CiSourceBinding {
    const o = this.options;
    const action = new actions.CodeStarConnectionsSourceAction({
      actionName: 'Checkout',
      connectionArn: o.connectionArn,
      owner: o.owner,
      repo: o.repo,
      branch: o.branch ?? 'main',
      output: host.output,
      triggerOnPush: true,
    });
    iam.Grant.addToPrincipal({
      grantee: host.pipelineGrantee,
      actions: useConnectionActions(o.connectionArn),
      resourceArns: [o.connectionArn],
    });
    return {
      action,
      trigger: {
        providerType: codepipeline.ProviderType.CODE_STAR_SOURCE_CONNECTION,
        gitConfiguration: {
          sourceAction: action,
          pushFilter: [{
            branchesIncludes: [o.branch ?? 'main'],
            filePathsIncludes: o.filePaths?.length ? o.filePaths : undefined,
            filePathsExcludes: o.excludedFilePaths?.length ? o.excludedFilePaths : undefined,
          }],
        },
      },
    };
  }
}

/**
 * The UseConnection action of the connection's service prefix: a policy's
 * prefix must match the resource's (codestar-connections ARNs before July
 * 2024, codeconnections after; AWS CodeConnections user guide, "Identity and
 * access management"). Both when the ARN is a token.
 */
function useConnectionActions(connectionArn: string): string[] {
  const prefix = Token.isUnresolved(connectionArn) ? undefined : connectionArn.split(':')[2];
  return prefix === 'codeconnections' || prefix === 'codestar-connections'
    ? [`${prefix}:UseConnection`]
    : ['codeconnections:UseConnection', 'codestar-connections:UseConnection'];
}

class S3Source extends CiSource {
  public readonly kind = 's3';
  constructor(private readonly options: S3SourceOptions) {
    super();
  }

  public _problems(): Problem[] {
    const key = this.options.objectKey;
    if (Token.isUnresolved(key)) {
      return [];
    }
    if (!key || key.trim() === '' || key.startsWith('/') || key.endsWith('/') || key.includes('*')) {
      return [{
        prop: 'source.objectKey',
        value: key,
        allowed: 'the key of one object: non-empty, no leading or trailing "/", no wildcards',
        fix: "give the key of the ZIP archive the ML team uploads, e.g. 'ml/source.zip'.",
      }];
    }
    return [];
  }

  public _bind(host: CiSourceHost): CiSourceBinding {
    const { bucket, objectKey: key } = this.options;
    const action = new actions.S3SourceAction({
      actionName: 'Fetch',
      bucket,
      bucketKey: key,
      output: host.output,
      trigger: actions.S3Trigger.NONE,
    });
    iam.Grant.addToPrincipal({
      grantee: host.pipelineGrantee,
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resourceArns: [bucket.arnForObjects(key)],
    });
    iam.Grant.addToPrincipal({
      grantee: host.pipelineGrantee,
      actions: ['s3:GetBucketVersioning', 's3:GetBucketLocation'],
      resourceArns: [bucket.bucketArn],
    });
    bucket.encryptionKey?.grant(host.pipelineGrantee, 'kms:Decrypt');
    // A new version of the object starts the pipeline. EventBridge
    // notifications need no CloudTrail trail (unlike S3Trigger.EVENTS).
    new events.Rule(host.scope, 'SourceObjectCreated', {
      description: 'Start the CI pipeline when a new version of the source archive is uploaded',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [bucket.bucketName] },
          object: { key: [key] },
        },
      },
      targets: [new targets.CodePipeline(host.pipeline, { eventRole: host.eventRole() })],
    });
    return { action };
  }
}

class CodeCommitSource extends CiSource {
  public readonly kind = 'codecommit';
  constructor(private readonly options: CodeCommitSourceOptions) {
    super();
  }

  public _problems(): Problem[] {
    return branchProblems(this.options.branch);
  }

  public _bind(host: CiSourceHost): CiSourceBinding {
    const { repository } = this.options;
    const action = new actions.CodeCommitSourceAction({
      actionName: 'Checkout',
      repository,
      branch: this.options.branch ?? 'main',
      output: host.output,
      trigger: actions.CodeCommitTrigger.EVENTS,
      eventRole: host.eventRole(),
    });
    iam.Grant.addToPrincipal({
      grantee: host.pipelineGrantee,
      actions: [
        'codecommit:GetBranch',
        'codecommit:GetCommit',
        'codecommit:UploadArchive',
        'codecommit:GetUploadArchiveStatus',
        'codecommit:CancelUploadArchive',
      ],
      resourceArns: [repository.repositoryArn],
    });
    return { action };
  }
}

function branchProblems(branch: string | undefined): Problem[] {
  if (branch === undefined || Token.isUnresolved(branch)) {
    return [];
  }
  if (branch.trim() === '' || BAD_BRANCH.test(branch) || branch.startsWith('refs/')) {
    return [{
      prop: 'source.branch',
      value: branch,
      allowed: 'a git branch name: non-empty, no whitespace, no "..", "~", "^", ":", "?", "*", "[", "\\", not starting with "refs/", "/" or "-"',
      fix: "give the short branch name, e.g. 'main' or 'release/ml', or leave it out for 'main'.",
    }];
  }
  return [];
}

function patternProblems(prop: string, patterns: string[] | undefined): Problem[] {
  if (!patterns) {
    return [];
  }
  const problems: Problem[] = [];
  if (patterns.length > MAX_FILE_PATTERNS) {
    problems.push({
      prop,
      value: `${patterns.length} patterns`,
      allowed: `at most ${MAX_FILE_PATTERNS} glob patterns (CodePipeline trigger limit)`,
      fix: 'merge patterns with globs, e.g. `src/**` instead of one pattern per file.',
    });
  }
  patterns.forEach((p, i) => {
    if (!Token.isUnresolved(p) && (p.trim() === '' || p.startsWith('/'))) {
      problems.push({
        prop: `${prop}[${i}]`,
        value: p,
        allowed: 'a non-empty glob relative to the repository root',
        fix: "write paths relative to the repository root, e.g. 'src/**'.",
      });
    }
  });
  return problems;
}

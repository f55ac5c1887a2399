/**
 * What a definition written by the SageMaker Python SDK (`fromJson`,
 * `fromFile`) needs from the pipeline role, and the literal values in it that
 * SageMaker would reject. Every step is scanned at any depth (see
 * `definitionSteps`), including step types the library does not build.
 */
import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import { ISecureMlNetwork } from '../network';
import { definitionSteps, DefinitionStep, walkStep } from '../private/pipeline-definition-steps';
import { Problem } from '../private/validation';
import { IModelRegistry } from '../registry';
import { JobKind, MAX_JOB_PREFIX_LENGTH, MAX_TUNING_PREFIX_LENGTH } from './render-context';

/**
 * The pattern of SageMaker's `S3Uri` (and `Url`) shapes in botocore's service
 * model, matched against the whole value. A test compares it with botocore.
 */
export const S3_URI_PATTERN = '(https|s3)://([^/]+)/?(.*)';
/**
 * The members of the job requests (CreateTrainingJob, CreateProcessingJob,
 * CreateHyperParameterTuningJob, CreateTransformJob, CreateModel,
 * CreateModelPackage) whose shape carries that pattern, per botocore. A test
 * compares the list with botocore.
 */
export const S3_URI_MEMBERS = ['DestinationS3Uri', 'ManifestS3Uri', 'ModelDataUrl', 'OutputS3Uri', 'S3OutputPath', 'S3Uri', 'SamplePayloadUrl'];
/** The pattern of SageMaker's `RoleArn` shape in botocore's service model. */
export const ROLE_ARN_PATTERN = 'arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+';

const S3_URI = new RegExp(`^(?:${S3_URI_PATTERN})$`, 's');
const ROLE_ARN = new RegExp(`^(?:${ROLE_ARN_PATTERN})$`);
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9-_.]+(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;
const QUEUE_URL = /^https:\/\/(?:sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?|([a-z0-9-]+)\.queue\.amazonaws\.com(\.cn)?)\/(\d{12})\/([a-zA-Z0-9_-]{1,80}(?:\.fifo)?)$/;
const EMR_CLUSTER_ID = /^j-[A-Z0-9]{1,255}$/;
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[a-zA-Z0-9-]+$/;
const KEY_ID = /^(mrk-)?[a-f0-9]{8}-?[a-f0-9-]*$/;

/** Step types whose needs the scan knows. */
const KNOWN_TYPES = new Set(['Processing', 'QualityCheck', 'ClarifyCheck', 'Training', 'Tuning', 'Transform', 'Model',
  'RegisterModel', 'Condition', 'Fail', 'Lambda', 'Callback', 'EMR', 'ForEach']);

/** Job steps: the job kind and the field that names the job. */
const JOB_TYPES: { [stepType: string]: { kind: JobKind; nameField: string; maxPrefix: number } } = {
  Processing: { kind: JobKind.PROCESSING, nameField: 'ProcessingJobName', maxPrefix: MAX_JOB_PREFIX_LENGTH },
  QualityCheck: { kind: JobKind.PROCESSING, nameField: 'ProcessingJobName', maxPrefix: MAX_JOB_PREFIX_LENGTH },
  ClarifyCheck: { kind: JobKind.PROCESSING, nameField: 'ProcessingJobName', maxPrefix: MAX_JOB_PREFIX_LENGTH },
  Training: { kind: JobKind.TRAINING, nameField: 'TrainingJobName', maxPrefix: MAX_JOB_PREFIX_LENGTH },
  Tuning: { kind: JobKind.TUNING, nameField: 'HyperParameterTuningJobName', maxPrefix: MAX_TUNING_PREFIX_LENGTH },
  Transform: { kind: JobKind.TRANSFORM, nameField: 'TransformJobName', maxPrefix: MAX_JOB_PREFIX_LENGTH },
  Model: { kind: JobKind.MODEL, nameField: 'ModelName', maxPrefix: MAX_JOB_PREFIX_LENGTH },
};

/** The prefix SageMaker Pipelines gives jobs when the definition names none. */
export const SERVICE_JOB_PREFIX = 'pipelines-';

/** What the pipeline offers the definition. */
export interface ScanContext {
  readonly stack: Stack;
  /** Where the definition comes from, for messages (`fromJson`, `fromFile(x.json)`). */
  readonly source: string;
  readonly pipelineRoleArn: string;
  readonly jobRoleArns: string[];
  readonly keyArn: string;
  readonly network?: ISecureMlNetwork;
  readonly registry?: IModelRegistry;
}

/** A warning for `Annotations`. */
export interface ScanWarning {
  readonly id: string;
  readonly message: string;
}

/** What the definition needs, and what is wrong with it. */
export interface DefinitionScan {
  readonly kinds: Set<JobKind>;
  readonly prefixes: Map<JobKind, Set<string>>;
  readonly lambdaArns: string[];
  readonly queueArns: string[];
  readonly emrClusterIds: string[];
  readonly registers: boolean;
  readonly passRoleArns: string[];
  readonly keyArns: string[];
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  readonly usesPipelineNetwork: boolean;
  readonly problems: Problem[];
  readonly warnings: ScanWarning[];
}

const known = (v: unknown): v is string => typeof v === 'string' && !Token.isUnresolved(v);
const add = <T>(list: T[], v: T) => {
  if (!list.includes(v)) {
    list.push(v);
  }
};

/** Scan a parsed definition. */
export function scanDefinition(definition: any, ctx: ScanContext): DefinitionScan {
  const scan = {
    kinds: new Set<JobKind>(),
    prefixes: new Map<JobKind, Set<string>>(),
    lambdaArns: [] as string[],
    queueArns: [] as string[],
    emrClusterIds: [] as string[],
    registers: false,
    passRoleArns: [] as string[],
    keyArns: [] as string[],
    subnetIds: [] as string[],
    securityGroupIds: [] as string[],
    usesPipelineNetwork: false,
    problems: [] as Problem[],
    warnings: [] as ScanWarning[],
  };
  const defaults = parameterDefaults(definition);
  const literal = (v: unknown): { value?: string; runtime: boolean } => {
    if (known(v)) {
      return { value: v, runtime: false };
    }
    const get = (v as any)?.Get;
    if (typeof get === 'string' && get.startsWith('Parameters.') && known(defaults.get(get.slice('Parameters.'.length)))) {
      return { value: defaults.get(get.slice('Parameters.'.length)) as string, runtime: true };
    }
    return { runtime: true };
  };
  const problem = (step: DefinitionStep, field: string, value: unknown, allowed: string, fix: string) =>
    scan.problems.push({ prop: `${ctx.source} ${step.path}.${field}`, value, allowed, fix });
  const warn = (id: string, step: DefinitionStep, message: string) =>
    scan.warnings.push({ id: `cdk-mlops:${id}`, message: `${ctx.source} step '${step.name}' (${step.type}): ${message}` });

  for (const step of definitionSteps(definition)) {
    const s = step.json;
    if (!KNOWN_TYPES.has(step.type)) {
      warn('pipelineStepTypeNotScanned', step, `the role gets no permission for ${step.type} steps; grant what they need to the pipeline role yourself.`);
    }
    const job = JOB_TYPES[step.type];
    if (job) {
      scan.kinds.add(job.kind);
      const name = literal(s.Arguments?.[job.nameField]);
      let prefix: string;
      if (s.Arguments?.[job.nameField] === undefined) {
        prefix = job.kind === JobKind.MODEL ? '*' : SERVICE_JOB_PREFIX;
      } else if (name.value !== undefined && !name.runtime) {
        prefix = name.value.toLowerCase();
        if (name.value.length > job.maxPrefix) {
          warn('pipelineJobPrefixTooLong', step, `${job.nameField} '${name.value}' has ${name.value.length} characters; SageMaker Pipelines accepts at most ${job.maxPrefix} for the job name prefix of ${step.type} steps. Shorten it.`);
        }
      } else {
        prefix = '*';
        warn('pipelineJobNameAtRunTime', step, `${job.nameField} is chosen at run time, so the role may create ${job.kind}s of any name; write a literal name prefix to scope it.`);
      }
      const set = scan.prefixes.get(job.kind) ?? new Set<string>();
      set.add(prefix);
      scan.prefixes.set(job.kind, set);
    }
    if (step.type === 'Lambda') {
      const fn = literal(s.FunctionArn);
      if (fn.value !== undefined && LAMBDA_ARN.test(fn.value)) {
        add(scan.lambdaArns, fn.value);
      } else {
        problem(step, 'FunctionArn', s.FunctionArn, 'the ARN of a Lambda function (arn:aws:lambda:<region>:<account>:function:<name>)',
          'write the function ARN literally in the Lambda step.');
      }
    }
    if (step.type === 'Callback') {
      const url = literal(s.SqsQueueUrl);
      const m = url.value !== undefined ? QUEUE_URL.exec(url.value) : null;
      if (m) {
        const partition = (m[2] ?? m[4]) ? 'aws-cn' : 'aws';
        add(scan.queueArns, `arn:${partition}:sqs:${m[1] ?? m[3]}:${m[5]}:${m[6]}`);
      } else {
        problem(step, 'SqsQueueUrl', s.SqsQueueUrl, 'the URL of an SQS queue (https://sqs.<region>.amazonaws.com/<account>/<queue>)',
          'write the queue URL literally in the Callback step.');
      }
    }
    if (step.type === 'EMR') {
      const args = s.Arguments ?? {};
      if (args.ClusterConfig !== undefined) {
        warn('pipelineEmrNewCluster', step, 'the step creates its own EMR cluster; the role gets no permission to create clusters (elasticmapreduce:RunJobFlow, iam:PassRole of the cluster roles). Run the step on a running cluster (ClusterId), or grant them to the pipeline role yourself.');
      } else {
        const id = literal(args.ClusterId);
        if (id.value !== undefined && EMR_CLUSTER_ID.test(id.value)) {
          add(scan.emrClusterIds, id.value);
          if (id.runtime) {
            warn('pipelineEmrClusterAtRunTime', step, `the cluster is chosen at run time; the role may add steps to '${id.value}' (the parameter's default) only.`);
          }
        } else {
          problem(step, 'Arguments.ClusterId', args.ClusterId, 'the id of an EMR cluster (j-...) or a pipeline parameter with such a default',
            'write the cluster id in the EMR step, or give the parameter a default.');
        }
      }
    }
    if (step.type === 'RegisterModel') {
      scan.registers = true;
      checkRegistry(step, literal(s.Arguments?.ModelPackageGroupName), s.Arguments?.ModelPackageGroupName, ctx, problem, warn);
    }
    walkStep(s, step.path, (key, value, path, parent) => {
      const field = path.slice(step.path.length + 1);
      if (S3_URI_MEMBERS.includes(key)) {
        const v = literal(value);
        if (v.value !== undefined && !S3_URI.test(v.value)) {
          problem(step, field, v.value, `an S3 URI matching SageMaker's pattern ${S3_URI_PATTERN} (lower-case s3:// or https://)`,
            `write the URI as s3://<bucket>/<key>${v.runtime ? ' (in the pipeline parameter\'s default)' : ''}.`);
        }
      }
      if (key === 'RoleArn' || key === 'ExecutionRoleArn') {
        checkRole(step, field, value, literal(value), ctx, scan.passRoleArns, problem, warn);
      }
      if ((key === 'KmsKeyId' || key === 'VolumeKmsKeyId') && known(value)) {
        checkKey(step, field, value, ctx, scan.keyArns, warn);
      }
      if (Array.isArray(parent?.Subnets) && Array.isArray(parent?.SecurityGroupIds) && (key === 'Subnets' || key === 'SecurityGroupIds')) {
        checkVpc(step, key, value, ctx, scan, warn);
      }
    });
  }
  return scan;
}

function parameterDefaults(definition: any): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const p of Array.isArray(definition?.Parameters) ? definition.Parameters : []) {
    if (p && typeof p.Name === 'string' && p.DefaultValue !== undefined) {
      out.set(p.Name, p.DefaultValue);
    }
  }
  return out;
}

type ProblemFn = (step: DefinitionStep, field: string, value: unknown, allowed: string, fix: string) => void;
type WarnFn = (id: string, step: DefinitionStep, message: string) => void;

function checkRegistry(step: DefinitionStep, group: { value?: string; runtime: boolean }, raw: unknown, ctx: ScanContext,
  problem: ProblemFn, warn: WarnFn): void {
  const field = 'Arguments.ModelPackageGroupName';
  const registry = ctx.registry;
  if (!registry) {
    problem(step, field, raw, "the model package group of the MlPipeline's registry (the MlPipeline has none)",
      `pass registry to the MlPipeline, e.g. ModelRegistry.fromModelPackageGroupName(this, 'Registry', '${group.value ?? '<group>'}').`);
    return;
  }
  if (group.value === undefined || group.runtime) {
    warn('pipelineRegistryAtRunTime', step, "the model package group is chosen at run time; the role may register into the MlPipeline's registry only.");
  }
  if (group.value === undefined) {
    return;
  }
  const name = group.value.includes(':') ? group.value.slice(group.value.lastIndexOf('/') + 1) : group.value;
  if (Token.isUnresolved(registry.modelPackageGroupName)) {
    warn('pipelineRegistryUnverified', step, `cannot check that group '${name}' is the MlPipeline's registry (its name is only known at deploy time); the role may register into that registry only.`);
  } else if (name !== registry.modelPackageGroupName) {
    problem(step, field, group.value, `the MlPipeline's registry, model package group '${registry.modelPackageGroupName}'`,
      `register into '${registry.modelPackageGroupName}' in the SDK (model_package_group_name), or pass the registry of group '${name}' to the MlPipeline.`);
  }
}

function checkRole(step: DefinitionStep, field: string, raw: unknown, role: { value?: string; runtime: boolean }, ctx: ScanContext,
  passRoleArns: string[], problem: ProblemFn, warn: WarnFn): void {
  if (role.value === undefined) {
    warn('pipelineRoleAtRunTime', step, `${field} is chosen at run time; the pipeline role may pass itself${ctx.jobRoleArns.length > 0 ? ' and the jobRoles' : ''} only.`);
    return;
  }
  if (role.runtime) {
    warn('pipelineRoleAtRunTime', step, `${field} is chosen at run time; the pipeline role may pass itself${ctx.jobRoleArns.length > 0 ? ' and the jobRoles' : ''} only.`);
  }
  if (!ROLE_ARN.test(role.value)) {
    problem(step, field, role.value, 'an IAM role ARN (arn:aws:iam::<account>:role/<name>)', 'write the ARN of the role the job runs as.');
    return;
  }
  if (role.value === ctx.pipelineRoleArn) {
    return;
  }
  if (ctx.jobRoleArns.includes(role.value)) {
    add(passRoleArns, role.value);
    return;
  }
  if (Token.isUnresolved(ctx.pipelineRoleArn)) {
    // The pipeline role's ARN is only known at deploy time (e.g. the role the MlPipeline creates,
    // whose ARN the SDK script read from a stack output): it cannot be compared at synth.
    warn('pipelineRoleUnverified', step, `${field} '${role.value}' cannot be compared with the pipeline role, whose ARN is only known at deploy time; the pipeline role may pass only itself${ctx.jobRoleArns.length > 0 ? ' and the jobRoles' : ''}. If it is another role, list it in jobRoles of fromJson/fromFile.`);
    return;
  }
  problem(step, field, raw,
    `the pipeline role (${ctx.pipelineRoleArn}) or a role in jobRoles of fromJson/fromFile`,
    `pass role: iam.Role.fromRoleArn(this, 'Role', '${role.value}') to the MlPipeline, or list that role in jobRoles so the pipeline role may pass it.`);
}

function checkKey(step: DefinitionStep, field: string, value: string, ctx: ScanContext, keyArns: string[], warn: WarnFn): void {
  if (value === '' || value === ctx.keyArn) {
    return;
  }
  let arn: string | undefined;
  if (KEY_ARN.test(value)) {
    arn = value;
  } else if (KEY_ID.test(value)) {
    arn = ctx.stack.formatArn({ service: 'kms', resource: 'key', resourceName: value, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  }
  if (arn === undefined) {
    warn('pipelineKeyNotScoped', step, `${field} '${value}' is not a key ARN or id (an alias?); the role gets no permission on it. Use the key ARN, or grant the pipeline role use of the key yourself.`);
    return;
  }
  add(keyArns, arn);
  warn('pipelineForeignKey', step, `${field} '${value}' is not the MlPipeline's encryptionKey; the role may use it too. Pass that key as encryptionKey, or encrypt with the pipeline's key.`);
}

interface VpcScan {
  subnetIds: string[];
  securityGroupIds: string[];
  usesPipelineNetwork: boolean;
}

function checkVpc(step: DefinitionStep, key: string, value: unknown, ctx: ScanContext, scan: VpcScan, warn: WarnFn): void {
  if (!known(value)) {
    return;
  }
  const network = ctx.network;
  const ownIds = key === 'Subnets' ? (network?.subnetIds ?? []) : (network ? [network.workloadSecurityGroup.securityGroupId] : []);
  if (ownIds.includes(value)) {
    scan.usesPipelineNetwork = true;
    return;
  }
  const list = key === 'Subnets' ? scan.subnetIds : scan.securityGroupIds;
  if (!list.includes(value)) {
    list.push(value);
    warn('pipelineForeignNetwork', step, `${key === 'Subnets' ? 'subnet' : 'security group'} '${value}' is not in the MlPipeline's network; the role may create network interfaces there too. Pass that network as network, or run the job in the pipeline's.`);
  }
}

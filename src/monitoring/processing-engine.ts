import { ArnFormat, Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { batchEnvironment, batchInputManifestPrefix, grantBatchInputRead, isBatchStage, validateBatchEngineOptions } from './batch-source';
import type { FeatureMetrics, ProcessingDriftEngineOptions } from './drift-engine';
import { EngineBinding, EngineContext } from './engine-context';
import { grantExecutionInputKey, grantKeyUse, grantReadPrefix, grantReadWritePrefix } from './grants';
import { addQualityStates, grantQualityReads, qualityAlarmSpecs, validateQualityOptions } from './processing-quality';
import { MlInstanceType } from '../common';
import { MlEndpointService } from '../network/endpoint-service';
import { BUILTIN_IMAGE_ACCOUNTS } from '../pipeline/image-table';
import { acknowledge } from '../private/acknowledgements';
import { DRIFT_CHECK_ASSET, LAUNCHER } from '../private/drift-check';
import { tableImageUri } from './private/images';
import { acknowledgeMonitoringWildcards } from './private/managed-role';
import { ManagedPolicyRole } from '../private/managed-policy-role';
import { createSecureLogGroup } from '../private/secure-defaults';

/** The CloudWatch namespace the drift check publishes to. */
export const DRIFT_NAMESPACE = 'CdkMlops/Drift';

/** The drift check's code and container command, shared with the pipeline's DriftBaselineStep. */
export { DRIFT_CHECK_ASSET, LAUNCHER };

/** Processing job name prefix of every drift check (IAM scoping). */
export const JOB_PREFIX = 'drift-';

/** Delay between the end of a window and the check, so capture files are complete. */
const CAPTURE_DELAY_MS = 10 * 60 * 1000;

/** Defaults of the processing engine. */
export const PROCESSING_DEFAULTS = {
  instanceType: MlInstanceType.ML_M5_XLARGE,
  instanceCount: 1,
  volumeSizeGiB: 30,
  imageVersion: '1.2-1',
  psi: 0.2,
  ks: 0.1,
  js: 0.1,
  missing: 0.05,
  minRows: 100,
  maxMalformedShare: 0.1,
  maxRuntime: Duration.hours(1),
};

/** Longest container argument of CreateProcessingJob (botocore: ContainerArgument, max 256). */
const MAX_CONTAINER_ARGUMENT = 256;
/** Most container arguments of CreateProcessingJob (botocore: ContainerArguments, max 100). */
const MAX_CONTAINER_ARGUMENTS = 100;

/**
 * The capture columns as container arguments: `--capture-columns a,b,...`
 * repeated, each list at most 256 characters (an environment value is limited
 * to 256 characters in all, too short for a wide schema); the drift check
 * joins repeated options.
 */
export function captureColumnArguments(columns: string[]): string[] {
  const args: string[] = [];
  let chunk = '';
  for (const column of columns) {
    if (chunk && chunk.length + 1 + column.length > MAX_CONTAINER_ARGUMENT) {
      args.push('--capture-columns', chunk);
      chunk = '';
    }
    chunk = chunk ? `${chunk},${column}` : column;
  }
  if (chunk) {
    args.push('--capture-columns', chunk);
  }
  return args;
}

/** Validate the processing engine's options into the monitor's validator. */
export function validateProcessingOptions(o: ProcessingDriftEngineOptions, ctx: EngineContext): void {
  const v = ctx.validator;
  const ratio = (prop: string, value: number | undefined, min: number, max: number, inclusiveMin: boolean) => {
    if (value === undefined) {
      return;
    }
    const bad = !Number.isFinite(value) || (inclusiveMin ? value < min : value <= min) || value > max;
    v.check(bad, {
      prop: `engine.${prop}`,
      value,
      allowed: `a number ${inclusiveMin ? '>=' : '>'} ${min} and <= ${max}`,
      fix: `set ${prop} within that range (see the drift check README for what it measures).`,
    });
  };
  ratio('psiThreshold', o.psiThreshold, 0, 10, false);
  ratio('ksThreshold', o.ksThreshold, 0, 1, false);
  ratio('jsThreshold', o.jsThreshold, 0, 1, false);
  ratio('missingRateThreshold', o.missingRateThreshold, 0, 1, false);
  ratio('chi2PValue', o.chi2PValue, 0, 0.5, false);
  ratio('maxMalformedShare', o.maxMalformedShare, 0, 1, true);
  if (o.minRows !== undefined) {
    v.check(!Number.isInteger(o.minRows) || o.minRows < 1, {
      prop: 'engine.minRows', value: o.minRows, allowed: 'an integer >= 1', fix: 'give the number of present values a feature needs before it is judged (default 100).',
    });
  }
  if (o.instanceCount !== undefined) {
    v.check(!Number.isInteger(o.instanceCount) || o.instanceCount < 1 || o.instanceCount > 100, {
      prop: 'engine.instanceCount', value: o.instanceCount, allowed: 'an integer from 1 to 100', fix: 'use 1 for a single job, or more to shard the window across instances (summarize + merge).',
    });
  }
  if (o.volumeSizeGiB !== undefined) {
    v.check(!Number.isInteger(o.volumeSizeGiB) || o.volumeSizeGiB < 1 || o.volumeSizeGiB > 16384, {
      prop: 'engine.volumeSizeGiB', value: o.volumeSizeGiB, allowed: 'an integer from 1 to 16384', fix: 'size the volume for one window of captured data per instance.',
    });
  }
  if (o.captureColumns !== undefined) {
    const bad = o.captureColumns.filter((c) => Token.isUnresolved(c) || c.trim() !== c || c === '' || c.includes(',') || c.length > MAX_CONTAINER_ARGUMENT);
    v.check(bad.length > 0, {
      prop: 'engine.captureColumns',
      value: bad,
      allowed: `literal column names without commas or surrounding spaces, 1 to ${MAX_CONTAINER_ARGUMENT} characters`,
      fix: 'name each captured column as the capture records it, `_` for a column to ignore.',
    });
    const count = bad.length === 0 ? captureColumnArguments(o.captureColumns).length : 0;
    v.check(count > MAX_CONTAINER_ARGUMENTS, {
      prop: 'engine.captureColumns',
      value: `${o.captureColumns.length} columns (${o.captureColumns.join(',').length} characters)`,
      allowed: `what fits in ${MAX_CONTAINER_ARGUMENTS / 2} container arguments of ${MAX_CONTAINER_ARGUMENT} characters (CreateProcessingJob limits)`,
      fix: 'capture only the columns the baseline needs, or shorten the names.',
    });
  }
  if (o.instanceType !== undefined && !Token.isUnresolved(o.instanceType.name)) {
    v.check(!o.instanceType.isWellFormed, {
      prop: 'engine.instanceType', value: o.instanceType.name, allowed: "a SageMaker Processing instance type such as 'ml.m5.xlarge'", fix: 'prefix the EC2 type with ml.',
    });
    // ProcessingClusterConfig.VolumeKmsKeyId (SageMaker API Reference): "You can't request a
    // VolumeKmsKeyId when using an instance type with local storage."
    v.check(o.instanceType.isWellFormed && o.instanceType.hasLocalNvmeStorage && o.volumeEncryptionKey !== undefined, {
      prop: 'engine.volumeEncryptionKey',
      value: `given with ${o.instanceType.name}`,
      allowed: 'no volume key with an instance type with local NVMe storage (SageMaker rejects VolumeKmsKeyId for it and encrypts the storage in hardware)',
      fix: 'drop volumeEncryptionKey, or choose an instance type without local storage (e.g. ml.m5.xlarge).',
    });
  }
  if (o.maxRuntime !== undefined) {
    const s = o.maxRuntime.toSeconds();
    v.check(s < 60 || s > 5 * 86400, {
      prop: 'engine.maxRuntime', value: `${s} seconds`, allowed: 'from 1 minute to 5 days', fix: 'bound one drift check, e.g. Duration.hours(1).',
    });
  }
  v.check(ctx.featureAlarms.length > 0 && featureMetricsValue(o.featureMetrics) === 'none', {
    prop: 'featureAlarms',
    value: ctx.featureAlarms,
    allowed: 'per-feature alarms need per-feature metrics (featureMetrics SCORE or ALL)',
    fix: 'set featureMetrics to FeatureMetrics.SCORE or ALL, or drop featureAlarms.',
  });
  if (!ctx.baseline) {
    v.add({
      prop: 'baseline',
      value: undefined,
      allowed: 'the S3 location of a baseline: the drift check\'s baseline.json or the statistics.json of a quality-check step',
      fix: 'pass baseline: DriftBaseline.fromPipeline(pipeline) or DriftBaseline.fromModelRegistry(registry) when the pipeline registers versions with a DriftBaselineStep (RegisterModelStep driftBaseline), DriftBaseline.fromS3Prefix(bucket, prefix) for a fixed output, or DriftBaseline.fromS3Object(bucket, key).',
    });
  }
  const region = Stack.of(ctx.scope).region;
  v.check(o.imageUri === undefined && !Token.isUnresolved(region) && BUILTIN_IMAGE_ACCOUNTS[region] === undefined, {
    prop: 'engine.imageUri',
    value: region,
    allowed: `a region of the SKLearn image table (${Object.keys(BUILTIN_IMAGE_ACCOUNTS).join(', ')})`,
    fix: 'pass imageUri with the SKLearn processing image of this region.',
  });
  for (const p of ctx.schedule._problems('processing')) {
    v.add(p);
  }
  const missing = ctx.baseline?._missingSource();
  if (missing) {
    v.add(missing);
  }
  validateQualityOptions(o, ctx);
  validateBatchEngineOptions(v, ctx.stage, 'processing', [o.modelQuality ? 'modelQuality' : '', o.bias ? 'bias' : ''].filter((x) => x !== ''));
}

function featureMetricsValue(f: FeatureMetrics | undefined): string {
  return (f ?? 'score').toString().toLowerCase();
}

/**
 * Build the processing engine: job role, code asset, check workflow (Step
 * Functions, JSONata) and its EventBridge Scheduler schedule.
 */
export function bindProcessingEngine(o: ProcessingDriftEngineOptions, ctx: EngineContext): EngineBinding {
  const scope = ctx.scope;
  const stack = Stack.of(scope);
  const stage = ctx.stage;
  const endpointName = stage.endpointName;
  const captureBucket = stage.dataCaptureBucket!;
  const batch = isBatchStage(stage);
  const captureKeyPrefix = batch ? batchInputManifestPrefix(stage) : `${stage.dataCapturePrefix ?? ''}${endpointName}/${ctx.variantName}/`;
  const baseline = ctx.baseline!;
  const instanceCount = o.instanceCount ?? PROCESSING_DEFAULTS.instanceCount;
  const sharded = instanceCount > 1;
  const instanceType = o.instanceType ?? PROCESSING_DEFAULTS.instanceType;
  // No volume key for local NVMe storage (ProcessingClusterConfig.VolumeKmsKeyId, SageMaker API Reference).
  const volumeKey = instanceType.hasLocalNvmeStorage ? undefined : o.volumeEncryptionKey ?? ctx.encryptionKey;

  // validateProcessingOptions rejected regions outside the table.
  const imageUri = o.imageUri
    ?? tableImageUri(stack, BUILTIN_IMAGE_ACCOUNTS, 'CdkMlopsMonitoringSklearnImageAccounts', 'sagemaker-scikit-learn', `${o.sklearnVersion ?? PROCESSING_DEFAULTS.imageVersion}-cpu-py3`)!;
  // --- the job role (assumed by SageMaker) ---
  const jobRole = new ManagedPolicyRole(scope, 'CheckJobRole', {
    assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }),
    description: `Drift check processing jobs of ${endpointName}`,
  });
  const code = new s3assets.Asset(scope, 'CheckCode', { path: DRIFT_CHECK_ASSET });
  grantReadPrefix(jobRole, code.bucket, code.s3ObjectKey, true);
  baseline.grantRead(jobRole);
  grantReadPrefix(jobRole, captureBucket, captureKeyPrefix);
  if (batch) {
    grantBatchInputRead(jobRole, stage);
  }
  ctx.captureKey?.grantDecrypt(jobRole);
  grantReadWritePrefix(jobRole, ctx.reportBucket, ctx.reportPrefix);
  grantKeyUse(jobRole, ctx.encryptionKey);
  if (volumeKey && volumeKey !== ctx.encryptionKey) {
    grantKeyUse(jobRole, volumeKey);
  }
  if (volumeKey) {
    jobRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:CreateGrant'],
      resources: [volumeKey.keyArn],
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }));
  }
  jobRole.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['cloudwatch:PutMetricData'],
    resources: ['*'],
    // The drift metrics, and the instance metrics SageMaker publishes for the
    // job with its role (SageMaker developer guide, execution role permissions
    // of CreateProcessingJob).
    conditions: { StringEquals: { 'cloudwatch:namespace': [DRIFT_NAMESPACE, '/aws/sagemaker/ProcessingJobs'] } },
  }));
  jobRole.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
    resources: [stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/ProcessingJobs:*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
  }));
  jobRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
  const repository = imageUri.includes('/') ? imageUri.split('/').pop()!.split(':')[0] : 'sagemaker-scikit-learn';
  jobRole.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
    resources: [`arn:${stack.partition}:ecr:${stack.region}:*:repository/${repository}`],
  }));
  let vpcConfig: any;
  if (ctx.network) {
    const net = ctx.network;
    net.requireEndpoints(
      MlEndpointService.SAGEMAKER_API, MlEndpointService.STS, MlEndpointService.CLOUDWATCH_LOGS,
      MlEndpointService.CLOUDWATCH_MONITORING, MlEndpointService.ECR_API, MlEndpointService.ECR_DOCKER,
    );
    vpcConfig = { SecurityGroupIds: [net.workloadSecurityGroup.securityGroupId], Subnets: net.subnetIds };
    const ec2Arn = (resource: string, name: string) => stack.formatArn({ service: 'ec2', resource, resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    jobRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
      resources: ['*'],
    }));
    jobRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ec2:CreateNetworkInterface'],
      resources: [ec2Arn('network-interface', '*'), ...net.subnetIds.map((id) => ec2Arn('subnet', id)), ec2Arn('security-group', net.workloadSecurityGroup.securityGroupId)],
    }));
    jobRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
      resources: [ec2Arn('network-interface', '*')],
      conditions: { ArnEquals: { 'ec2:Vpc': ec2Arn('vpc', net.vpc.vpcId) } },
    }));
  }

  // --- the check workflow ---
  const environment: { [k: string]: string } = {
    DRIFT_ENDPOINT_NAME: endpointName,
    DRIFT_PUBLISH_METRICS: 'true',
    DRIFT_NAMESPACE: DRIFT_NAMESPACE,
    DRIFT_FEATURE_METRICS: featureMetricsValue(o.featureMetrics),
    DRIFT_PSI_THRESHOLD: String(o.psiThreshold ?? PROCESSING_DEFAULTS.psi),
    DRIFT_KS_THRESHOLD: String(o.ksThreshold ?? PROCESSING_DEFAULTS.ks),
    DRIFT_JS_THRESHOLD: String(o.jsThreshold ?? PROCESSING_DEFAULTS.js),
    DRIFT_MISSING_THRESHOLD: String(o.missingRateThreshold ?? PROCESSING_DEFAULTS.missing),
    DRIFT_CHI2_PVALUE: o.chi2PValue === undefined ? 'off' : String(o.chi2PValue),
    DRIFT_MIN_ROWS: String(o.minRows ?? PROCESSING_DEFAULTS.minRows),
    DRIFT_MAX_MALFORMED_SHARE: String(o.maxMalformedShare ?? PROCESSING_DEFAULTS.maxMalformedShare),
    DRIFT_NO_FAIL_ON_VIOLATION: 'true',
    DRIFT_WORKERS: '0',
    ...(batch ? batchEnvironment(stage) : {}),
  };
  // Scan modes (check, summarize) take the capture columns as container arguments.
  const scanArguments = o.captureColumns && o.captureColumns.length > 0 ? captureColumnArguments(o.captureColumns) : [];
  const registry = baseline.registry;
  const staticInputs = [s3Input('code', code.s3ObjectUrl, '/opt/ml/processing/input/code', 'FullyReplicated')];
  const baselineInput = (uri: string) => s3Input('baseline', uri, '/opt/ml/processing/input/baseline', 'FullyReplicated');
  const windowMs = ctx.schedule.window.toMilliseconds();
  // Hour folders for windows up to 3 hours, day folders beyond (at most two).
  const grainMs = windowMs <= 3 * 3600 * 1000 ? 3600 * 1000 : 86400 * 1000;
  const picture = grainMs === 3600 * 1000 ? '[Y0001]/[M01]/[D01]/[H01]/' : '[Y0001]/[M01]/[D01]/';
  const reportRoot = `s3://${ctx.reportBucket.bucketName}/${ctx.reportPrefix}${endpointName}/`;
  const cluster = (count: number) => ({
    InstanceCount: count,
    InstanceType: instanceType.name,
    VolumeSizeInGB: o.volumeSizeGiB ?? PROCESSING_DEFAULTS.volumeSizeGiB,
    ...(volumeKey ? { VolumeKmsKeyId: volumeKey.keyArn } : {}),
  });
  const network = {
    EnableInterContainerTrafficEncryption: true,
    EnableNetworkIsolation: false,
    ...(vpcConfig ? { VpcConfig: vpcConfig } : {}),
  };
  const stopping = { MaxRuntimeInSeconds: (o.maxRuntime ?? PROCESSING_DEFAULTS.maxRuntime).toSeconds() };
  const captureInputs = (distribution: string) =>
    `$map($found, function($f, $i) { {"InputName": "capture" & $i, "S3Input": {"S3Uri": $captureRoot & $f, "LocalPath": "/opt/ml/processing/input/capture/" & ${batch ? '$f' : '$i'}, "S3DataType": "S3Prefix", "S3InputMode": "File", "S3DataDistributionType": "${distribution}", "S3CompressionType": "None"}} })`;
  const withBaseline = (more: string) => `$append($append($staticInputs, $baselineInputs), ${more})`;
  const job = (mode: string, count: number, inputs: string, outputUri: string, outputPath: string, env: { [k: string]: string }) => ({
    ProcessingJobName: `{% '${JOB_PREFIX}${mode[0]}-' & $uuid() %}`,
    RoleArn: jobRole.roleArn,
    AppSpecification: {
      ImageUri: imageUri,
      ContainerEntrypoint: ['python3', '-c', LAUNCHER, mode],
      ...(mode !== 'merge' && scanArguments.length > 0 ? { ContainerArguments: scanArguments } : {}),
    },
    ProcessingResources: { ClusterConfig: cluster(count) },
    ProcessingInputs: `{% ${inputs} %}`,
    ProcessingOutputConfig: {
      KmsKeyId: ctx.encryptionKey.keyArn,
      Outputs: [{ OutputName: mode === 'summarize' ? 'partials' : 'report', S3Output: { S3Uri: outputUri, LocalPath: outputPath, S3UploadMode: 'EndOfJob' } }],
    },
    Environment: env,
    NetworkConfig: network,
    StoppingCondition: stopping,
  });
  // The optimized SageMaker integration reports unmodeled errors, throttling among them, as
  // SageMaker.AmazonSageMakerException (Step Functions Developer Guide, "Manage SageMaker with Step Functions").
  const retry = [{
    ErrorEquals: ['SageMaker.AmazonSageMakerException'], IntervalSeconds: 30, MaxAttempts: 3, BackoffRate: 2, MaxDelaySeconds: 300, JitterStrategy: 'FULL',
  }];
  const windowEnv = { ...environment, DRIFT_WINDOW_START: '{% $windowStart %}', DRIFT_WINDOW_END: '{% $windowEnd %}' };
  const states: { [name: string]: any } = {
    Window: {
      Type: 'Pass',
      Comment: 'The window ends 10 minutes before the scheduled time (rounded to the minute); it lasts the schedule\'s window.',
      Assign: {
        endMs: `{% $floor($toMillis($exists($states.input.scheduledTime) ? $states.input.scheduledTime : $states.context.Execution.StartTime) / 60000) * 60000 - ${CAPTURE_DELAY_MS} %}`,
        staticInputs,
        ...(registry ? {} : { baselineInputs: [baselineInput(baseline.s3Uri)] }),
        captureRoot: `s3://${captureBucket.bucketName}/${captureKeyPrefix}`,
      },
      Next: 'Folders',
    },
    Folders: {
      Type: 'Pass',
      Comment: 'The capture folders (hour or day) that overlap the window.',
      Assign: {
        windowStart: `{% $fromMillis($endMs - ${windowMs}) %}`,
        windowEnd: '{% $fromMillis($endMs) %}',
        reportUri: `{% '${reportRoot}' & $fromMillis($endMs, '[Y0001]/[M01]/[D01]/[H01][m01]/') %}`,
        partialsUri: `{% '${reportRoot}partials/' & $fromMillis($endMs, '[Y0001]/[M01]/[D01]/[H01][m01]/') & $states.context.Execution.Name & '/' %}`,
        folders: `{% ($first := $floor(($endMs - ${windowMs}) / ${grainMs}) * ${grainMs}; $last := $floor(($endMs - 1000) / ${grainMs}) * ${grainMs}; $append([], [0..(($last - $first) / ${grainMs})].$fromMillis($first + $ * ${grainMs}, '${picture}'))) %}`,
      },
      Next: 'FindCapture',
    },
    FindCapture: {
      Type: 'Map',
      Comment: 'Keep the folders that hold captured data: a processing input with no object fails the job.',
      Items: '{% $folders %}',
      ItemSelector: { folder: '{% $states.context.Map.Item.Value %}', prefix: `{% '${captureKeyPrefix}' & $states.context.Map.Item.Value %}` },
      MaxConcurrency: 4,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'ListCapture',
        States: {
          ListCapture: {
            Type: 'Task',
            Resource: 'arn:aws:states:::aws-sdk:s3:listObjectsV2',
            Arguments: { Bucket: captureBucket.bucketName, Prefix: '{% $states.input.prefix %}', MaxKeys: 1 },
            Output: "{% $states.result.KeyCount > 0 ? $states.input.folder : '' %}",
            Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2 }],
            End: true,
          },
        },
      },
      Assign: { found: "{% $append([], $states.result[$ != '']) %}" },
      Next: 'AnyCapture',
    },
    AnyCapture: {
      Type: 'Choice',
      Choices: [{ Condition: '{% $count($found) = 0 %}', Next: 'EmptyWindow' }],
      Default: sharded ? 'Summarize' : 'Check',
    },
    EmptyWindow: {
      Type: 'Task',
      Comment: 'No capture in the window: publish EmptyWindow = 1 as the drift check would.',
      Resource: 'arn:aws:states:::aws-sdk:cloudwatch:putMetricData',
      Arguments: {
        Namespace: DRIFT_NAMESPACE,
        MetricData: [{ MetricName: 'EmptyWindow', Unit: 'Count', Value: 1, Dimensions: [{ Name: 'EndpointName', Value: endpointName }] }],
      },
      End: true,
    },
  };
  if (sharded) {
    states.Summarize = {
      Type: 'Task',
      Comment: `Summarize the window on ${instanceCount} instances (capture sharded by S3 key).`,
      Resource: 'arn:aws:states:::sagemaker:createProcessingJob.sync',
      Arguments: job('summarize', instanceCount, withBaseline(captureInputs('ShardedByS3Key')), '{% $partialsUri %}', '/opt/ml/processing/output', windowEnv),
      Retry: retry,
      Next: 'Merge',
    };
    states.Merge = {
      Type: 'Task',
      Comment: 'Merge the partial summaries, evaluate, publish metrics and write the report.',
      Resource: 'arn:aws:states:::sagemaker:createProcessingJob.sync',
      Arguments: job('merge', 1, withBaseline('[{"InputName": "partials", "S3Input": {"S3Uri": $partialsUri, "LocalPath": "/opt/ml/processing/input/partials", "S3DataType": "S3Prefix", "S3InputMode": "File", "S3DataDistributionType": "FullyReplicated", "S3CompressionType": "None"}}]'), '{% $reportUri %}', '/opt/ml/processing/output', environment),
      Retry: retry,
      End: true,
    };
  } else {
    states.Check = {
      Type: 'Task',
      Comment: 'Scan the window, evaluate, publish metrics and write the report.',
      Resource: 'arn:aws:states:::sagemaker:createProcessingJob.sync',
      Arguments: job('check', 1, withBaseline(captureInputs('FullyReplicated')), '{% $reportUri %}', '/opt/ml/processing/output', windowEnv),
      Retry: retry,
      End: true,
    };
  }
  if (registry) {
    Object.assign(states, {
      LatestApprovedVersion: {
        Type: 'Task',
        Comment: 'The latest approved version of the registry: the one ApprovalDeployment serves.',
        Resource: 'arn:aws:states:::aws-sdk:sagemaker:listModelPackages',
        Arguments: {
          ModelPackageGroupName: registry.modelPackageGroupName,
          ModelApprovalStatus: 'Approved',
          SortBy: 'CreationTime',
          SortOrder: 'Descending',
          MaxResults: 1,
        },
        Assign: { versionArn: "{% $exists($states.result.ModelPackageSummaryList[0].ModelPackageArn) ? $states.result.ModelPackageSummaryList[0].ModelPackageArn : '' %}" },
        Next: 'AnyApprovedVersion',
      },
      AnyApprovedVersion: {
        Type: 'Choice',
        Choices: [{ Condition: "{% $versionArn = '' %}", Next: 'NoApprovedVersion' }],
        Default: 'VersionBaseline',
      },
      NoApprovedVersion: {
        Type: 'Succeed',
        Comment: 'No version of the registry is approved yet, so no endpoint serves one: nothing to check (not a failure, so the check-failed alarm stays quiet until the first approval).',
      },
      VersionBaseline: {
        Type: 'Task',
        Comment: 'The data-quality statistics the pipeline registered with the version (DriftCheckBaselines).',
        Resource: 'arn:aws:states:::aws-sdk:sagemaker:describeModelPackage',
        Arguments: { ModelPackageName: '{% $versionArn %}' },
        Assign: {
          baselineUri: "{% $exists($states.result.DriftCheckBaselines.ModelDataQuality.Statistics.S3Uri) ? $states.result.DriftCheckBaselines.ModelDataQuality.Statistics.S3Uri : '' %}",
        },
        Next: 'HasBaseline',
      },
      HasBaseline: {
        Type: 'Choice',
        Choices: [{ Condition: "{% $baselineUri = '' %}", Next: 'NoDriftCheckBaseline' }],
        Default: 'BaselineInput',
      },
      NoDriftCheckBaseline: {
        Type: 'Fail',
        Error: 'NoDriftCheckBaseline',
        Cause: 'The approved version has no DriftCheckBaselines.ModelDataQuality.Statistics: register it with driftCheckBaselines from a QualityCheckStep.',
      },
      BaselineInput: {
        Type: 'Pass',
        Assign: {
          baselineInputs: [{ ...baselineInput('{% $baselineUri %}') }],
        },
        Next: 'Window',
      },
    });
  }
  if (o.modelQuality) {
    addQualityStates(states, { options: o, ctx, job, retry, environment, captureBucket, captureKeyPrefix, reportRoot, grainMs, picture });
  }
  const definition = { Comment: `Drift check of ${endpointName}`, QueryLanguage: 'JSONata', StartAt: registry ? 'LatestApprovedVersion' : 'Window', States: states };

  const workflowRole = new ManagedPolicyRole(scope, 'CheckWorkflowRole', {
    assumedBy: new iam.ServicePrincipal('states.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    description: `Drift check workflow of ${endpointName}`,
  });
  workflowRole.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['sagemaker:CreateProcessingJob', 'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob', 'sagemaker:AddTags'],
    resources: [stack.formatArn({ service: 'sagemaker', resource: 'processing-job', resourceName: `${JOB_PREFIX}*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
  }));
  workflowRole.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
    resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForSageMakerProcessingJobsRule', arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
  }));
  workflowRole.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['iam:PassRole'],
    resources: [jobRole.roleArn],
    conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
  }));
  workflowRole.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['s3:ListBucket'],
    resources: [captureBucket.bucketArn],
    conditions: { StringLike: { 's3:prefix': [`${captureKeyPrefix}*`] } },
  }));
  if (registry) {
    workflowRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sagemaker:ListModelPackages'], resources: ['*'] }));
    workflowRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sagemaker:DescribeModelPackage'], resources: [registry.arnForModelPackage('*')] }));
  }
  workflowRole.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['cloudwatch:PutMetricData'],
    resources: ['*'],
    conditions: { StringEquals: { 'cloudwatch:namespace': DRIFT_NAMESPACE } },
  }));
  if (o.modelQuality) {
    grantQualityReads(o.modelQuality, jobRole, workflowRole);
  }
  const logGroup = createSecureLogGroup(scope, 'CheckWorkflowLogs', { encryptionKey: ctx.encryptionKey, retention: ctx.logRetention, removalPolicy: ctx.removalPolicy });
  const stateMachine = new sfn.StateMachine(scope, 'CheckWorkflow', {
    // An encrypted state machine needs its name at synth: aws-cdk-lib scopes
    // the role's use of the key to the encryption context of this ARN.
    stateMachineName: `${Names.uniqueResourceName(scope, { maxLength: 70, separator: '-' })}-check`,
    definitionBody: sfn.DefinitionBody.fromString(stack.toJsonString(definition)),
    role: workflowRole,
    tracingEnabled: true,
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(ctx.encryptionKey),
  });
  acknowledge(stateMachine, 'monitoringStateMachineRoleDependency');

  // --- the schedule ---
  const scheduleRole = new ManagedPolicyRole(scope, 'ScheduleRole', {
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    description: `Starts the drift checks of ${endpointName}`,
  });
  stateMachine.grantStartExecution(scheduleRole);
  grantExecutionInputKey(scheduleRole, stateMachine, ctx.encryptionKey);
  // Scheduler decrypts the schedule (encrypted with the same key) with this role.
  ctx.encryptionKey.grantDecrypt(scheduleRole);
  new scheduler.CfnSchedule(scope, 'Schedule', {
    description: `Drift check of ${endpointName} every ${ctx.schedule.window.toHumanString()}`,
    scheduleExpression: ctx.schedule._schedulerExpression(),
    scheduleExpressionTimezone: 'UTC',
    flexibleTimeWindow: { mode: 'OFF' },
    state: 'ENABLED',
    kmsKeyArn: ctx.encryptionKey.keyArn,
    target: {
      arn: stateMachine.stateMachineArn,
      roleArn: scheduleRole.roleArn,
      input: JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
      retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
    },
  });

  for (const role of [jobRole, workflowRole, scheduleRole]) {
    acknowledgeMonitoringWildcards(role);
  }

  const period = ctx.schedule.window.toSeconds() > 86400 ? Duration.days(1) : ctx.schedule.window;
  const metric = (metricName: string, dims: { [k: string]: string }, props?: cloudwatch.MetricOptions) => new cloudwatch.Metric({
    namespace: DRIFT_NAMESPACE, metricName, dimensionsMap: dims, statistic: 'Maximum', period, ...props,
  });
  return {
    engineName: 'processing',
    driftAlarmMetric: () => metric('DriftScore', { EndpointName: endpointName }),
    metricDriftScore: (props) => metric('DriftScore', { EndpointName: endpointName }, props),
    metricFeatureDrift: (feature, props) => metric('FeatureDrift', { EndpointName: endpointName, Feature: feature }, props),
    metricViolations: (props) => metric('Violations', { EndpointName: endpointName }, props),
    driftScoreDefaultThreshold: 1,
    checkStateMachine: stateMachine,
    period,
    alarmSpecs: qualityAlarmSpecs(o, DRIFT_NAMESPACE, endpointName, period),
  };
}

function s3Input(name: string, uri: string, localPath: string, distribution: string): any {
  return {
    InputName: name,
    S3Input: { S3Uri: uri, LocalPath: localPath, S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: distribution, S3CompressionType: 'None' },
  };
}

import { Duration, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct, IConstruct } from 'constructs';
import { MlInstanceType } from '../../common';
import { DRIFT_CHECK_ASSET, DRIFT_CHECK_CODE_PATH, LAUNCHER } from '../../private/drift-check';
import { SageMakerImage } from '../images';
import { JobSecurityOptions } from '../job-security';
import { RenderContext } from '../render-context';
import { PipelineValue } from '../values';
import { renderProcessingArgs } from './processing-args';
import { CacheableStepProps, PipelineStep } from './step';

/** How a facet's comparison is written in the drift check's `--facet` option. */
enum FacetComparison {
  VALUE_IN = '=',
  GREATER_THAN = '>',
  AT_LEAST = '>=',
  LESS_THAN = '<',
  AT_MOST = '<=',
}

/**
 * A facet for bias metrics: a feature and how its sensitive group (facet *d*
 * in SageMaker Clarify's terms) is recognised; every other row with a value
 * for the feature is facet *a*. Used by the `DriftBaselineStep` (pre-training
 * CI and DPL) and by `DriftEngine.processing({ bias })` (DPPL, DI, AD, RD).
 */
export class BiasFacet {
  /**
   * The sensitive group is the rows whose value is one of `values` (numbers
   * compare as numbers, so `'1'` matches `1.0`).
   * @param feature the column
   * @param values the values of the sensitive group
   */
  public static valueIn(feature: string, values: string[]): BiasFacet {
    return new BiasFacet(feature, FacetComparison.VALUE_IN, [...values], undefined);
  }

  /** The sensitive group is the rows whose value is above `threshold`. */
  public static greaterThan(feature: string, threshold: number): BiasFacet {
    return new BiasFacet(feature, FacetComparison.GREATER_THAN, [], threshold);
  }

  /** The sensitive group is the rows whose value is `threshold` or more. */
  public static atLeast(feature: string, threshold: number): BiasFacet {
    return new BiasFacet(feature, FacetComparison.AT_LEAST, [], threshold);
  }

  /** The sensitive group is the rows whose value is below `threshold`. */
  public static lessThan(feature: string, threshold: number): BiasFacet {
    return new BiasFacet(feature, FacetComparison.LESS_THAN, [], threshold);
  }

  /** The sensitive group is the rows whose value is `threshold` or less. */
  public static atMost(feature: string, threshold: number): BiasFacet {
    return new BiasFacet(feature, FacetComparison.AT_MOST, [], threshold);
  }

  /** The feature (column). */
  public readonly feature: string;
  /** The values of the sensitive group (`valueIn`), else empty. */
  public readonly values: string[];
  /** The threshold (comparisons), else undefined. */
  public readonly threshold?: number;

  private constructor(feature: string, private readonly comparison: FacetComparison, values: string[], threshold: number | undefined) {
    this.feature = feature;
    this.values = values;
    this.threshold = threshold;
  }

  /**
   * The facet as the drift check reads it (`gender=F`, `age>=60`): its
   * `--facet` argument and the `Facet` dimension of its bias metrics.
   */
  public get spec(): string {
    const right = this.comparison === FacetComparison.VALUE_IN ? this.values.join('|') : String(this.threshold);
    return `${this.feature}${this.comparison}${right}`;
  }

  /** True when the facet compares with a threshold. */
  public get isThreshold(): boolean {
    return this.comparison !== FacetComparison.VALUE_IN;
  }
}

/** The format of the training data a drift baseline is made from. */
export enum DriftDatasetFormat {
  /** JSON Lines when the file name ends in `.jsonl` or `.json`, else CSV. */
  AUTO = 'auto',
  /** CSV (with a header row unless `hasHeader` is false). */
  CSV = 'csv',
  /** JSON Lines, one object per line. */
  JSON_LINES = 'jsonl',
}

/** Properties of a drift baseline step. */
export interface DriftBaselineStepProps extends CacheableStepProps {
  /**
   * S3 URI of the training data (a file or a prefix), e.g. a processing
   * step's `outputUri('train')` or the pipeline's training data parameter.
   */
  readonly trainingData: PipelineValue;
  /**
   * The format of the training data.
   * @default DriftDatasetFormat.AUTO
   */
  readonly datasetFormat?: DriftDatasetFormat;
  /**
   * The CSV files start with a header row of column names.
   * @default true
   */
  readonly hasHeader?: boolean;
  /**
   * Names of every column of a CSV without header, in order (label
   * included); a header-less CSV without names gets `c0`, `c1`, ...
   * @default - the header row, or `c0`, `c1`, ... without one
   */
  readonly columnNames?: string[];
  /**
   * The label (target) column: left out of the features, and the observed
   * label of the pre-training bias metric DPL.
   * @default - no label column
   */
  readonly labelColumn?: string;
  /**
   * Other columns to leave out (ids, timestamps).
   * @default - none
   */
  readonly dropColumns?: string[];
  /**
   * Facets whose pre-training bias (CI, and DPL with `labelColumn`) is
   * measured on the training data and kept in the baseline.
   * @default - none
   */
  readonly biasFacets?: BiasFacet[];
  /**
   * The label of the positive outcome (DPL).
   * @default '1'
   */
  readonly positiveLabel?: string;
  /**
   * Framework version of the AWS SKLearn processing image the check runs on.
   * @default '1.2-1'
   */
  readonly sklearnVersion?: string;
  /**
   * Another image to run the check on (Python 3.9+ with numpy and scipy), e.g. a mirror of the SKLearn image.
   * @default - SageMakerImage.sklearn(sklearnVersion)
   */
  readonly image?: SageMakerImage;
  /**
   * S3 URI of the drift check's code (a zip of the library's `assets/drift_check` folder) when you
   * publish it yourself; the pipeline's jobs must be able to read it.
   * @default - the library's code, published as a CDK asset that the pipeline's jobs may read
   */
  readonly codeUri?: PipelineValue;
  /**
   * Instance type.
   * @default - MlInstanceType.ML_M5_XLARGE, unless instanceTypeValue is set
   */
  readonly instanceType?: MlInstanceType;
  /**
   * Instance type set at run time, e.g. a pipeline parameter's `value`
   * (instead of `instanceType`).
   * @default - instanceType
   */
  readonly instanceTypeValue?: PipelineValue;
  /**
   * ML storage volume, in GiB.
   * @default 30
   */
  readonly volumeSizeGiB?: number;
  /**
   * Upper bound of the job.
   * @default Duration.hours(2)
   */
  readonly maxRuntime?: Duration;
  /**
   * Where `baseline.json` is written (a folder).
   * @default - s3://<artifact bucket>/<job prefix>/<execution id>/<step>/baseline
   */
  readonly outputUri?: PipelineValue;
  /**
   * Security settings of the job.
   * @default - VPC of the pipeline's network, network isolation on (the job reads and writes through SageMaker only), the pipeline's key
   */
  readonly security?: JobSecurityOptions;
}

/** The longest processing job argument SageMaker accepts (`ContainerArguments` member). */
const MAX_ARGUMENT = 256;

/**
 * A step that profiles training data into a drift baseline: the library's
 * drift check in `baseline` mode, on the AWS SKLearn processing image, in
 * the pipeline's network with its key. It writes `baseline.json`, which a
 * `RegisterModelStep` with `driftBaseline: step` registers with the model
 * version (`DriftCheckBaselines` and `ModelMetrics`, data quality
 * statistics), where a `DriftMonitor` with
 * `DriftBaseline.fromModelRegistry(registry)` finds it.
 */
export class DriftBaselineStep extends PipelineStep {
  private readonly props: DriftBaselineStepProps;

  constructor(name: string, props: DriftBaselineStepProps) {
    super(name, 'Processing', props);
    this.props = props;
  }

  /** The S3 URI of the folder that holds `baseline.json`. */
  public get outputUri(): PipelineValue {
    return this.property("ProcessingOutputConfig.Outputs['baseline'].S3Output.S3Uri");
  }

  /** The S3 URI of `baseline.json`. */
  public get baselineUri(): PipelineValue {
    return PipelineValue.join([this.outputUri, PipelineValue.of('baseline.json')], '/');
  }

  /**
   * Where the step writes `baseline.json` when its output location is the
   * default: object and list patterns under the artifact bucket.
   * @internal
   */
  public _defaultLocation(ctx: RenderContext): { objectPattern: string; listPattern: string } | undefined {
    if (this.props.outputUri !== undefined) {
      return undefined;
    }
    return {
      objectPattern: `${ctx.jobNamePrefix}/*/${this.stepName}/baseline/baseline.json`,
      listPattern: `${ctx.jobNamePrefix}/*`,
    };
  }

  /**
   * The drift check's command-line options of this step (after the mode).
   * @internal
   */
  public _arguments(): string[] {
    const p = this.props;
    const args = ['--dataset', '/opt/ml/processing/input/dataset', '--output', '/opt/ml/processing/output/baseline.json',
      '--dataset-format', p.datasetFormat ?? DriftDatasetFormat.AUTO];
    if (p.hasHeader === false) {
      args.push('--no-header');
    }
    // A list option may be given several times (each argument is limited to 256 characters).
    const list = (option: string, names: string[] | undefined) => {
      let current: string[] = [];
      const flush = () => {
        if (current.length > 0) {
          args.push(option, current.join(','));
          current = [];
        }
      };
      for (const name of names ?? []) {
        if ([...current, name].join(',').length > MAX_ARGUMENT) {
          flush();
        }
        current.push(name);
      }
      flush();
    };
    list('--feature-names', p.columnNames);
    list('--drop-columns', p.dropColumns);
    if (p.labelColumn !== undefined) {
      args.push('--label-column', p.labelColumn);
    }
    for (const f of p.biasFacets ?? []) {
      args.push('--facet', f.spec);
    }
    if (p.positiveLabel !== undefined) {
      args.push('--positive-label', p.positiveLabel);
    }
    return args;
  }

  /** @internal */
  protected _renderBody(ctx: RenderContext): any {
    const p = this.props;
    this.validate(ctx);
    let codeUri = p.codeUri;
    if (!codeUri) {
      const code = driftCheckCode(ctx.scope);
      // The pipeline's jobs read the code from the CDK asset bucket (the MlPipeline is the grantee of its jobs):
      // the objects of the input's prefix (SageMaker reads every key that starts with it) and the listing of the
      // bucket, with exact actions rather than aws-cdk-lib's grantRead patterns (s3:GetObject*, s3:List*), which
      // also match account-level actions parliament rejects on a bucket ARN.
      const pipeline = ctx.scope as IConstruct & Partial<iam.IGrantable>;
      if (pipeline.grantPrincipal) {
        const grantee = pipeline as iam.IGrantable;
        iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket', 's3:GetBucketLocation'], resourceArns: [code.bucket.bucketArn] });
        iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [code.bucket.arnForObjects(`${code.s3ObjectKey}*`)] });
      }
      codeUri = PipelineValue.of(code.s3ObjectUrl);
    }
    return {
      Arguments: renderProcessingArgs(ctx, this.stepName, {
        image: p.image ?? SageMakerImage.sklearn(p.sklearnVersion ?? '1.2-1'),
        instanceType: p.instanceType,
        instanceTypeValue: p.instanceTypeValue,
        volumeSizeGiB: p.volumeSizeGiB,
        instanceCount: 1,
        entrypoint: ['python3', '-c', LAUNCHER, 'baseline'],
        arguments: this._arguments(),
        inputs: [
          { inputName: 'code', source: codeUri, destination: DRIFT_CHECK_CODE_PATH },
          { inputName: 'dataset', source: p.trainingData, destination: '/opt/ml/processing/input/dataset' },
        ],
        outputs: [{ outputName: 'baseline', source: '/opt/ml/processing/output', destination: p.outputUri }],
        maxRuntime: p.maxRuntime ?? Duration.hours(2),
        security: { enableNetworkIsolation: true, ...p.security },
      }),
    };
  }

  private validate(ctx: RenderContext): void {
    const p = this.props;
    const prop = (name: string) => `steps[${this.stepName}].${name}`;
    const names = p.columnNames ?? [];
    const bad = (x: string) => Token.isUnresolved(x) || x.trim() === '' || /[,\n\r]/.test(x) || x.length > MAX_ARGUMENT;
    const problem = (condition: boolean, name: string, value: unknown, allowed: string, fix: string) => {
      if (condition) {
        ctx.problem({ prop: prop(name), value, allowed, fix });
      }
    };
    problem(names.some(bad) || new Set(names).size !== names.length, 'columnNames', names,
      'unique, non-empty column names without commas or line breaks, each at most 256 characters', 'give every column of the CSV its name, in order.');
    problem(p.columnNames !== undefined && p.hasHeader !== false, 'columnNames', names,
      'column names only for a CSV without header (hasHeader: false)', 'set hasHeader: false, or drop columnNames to read the header row.');
    problem(p.datasetFormat === DriftDatasetFormat.JSON_LINES && p.hasHeader === false, 'hasHeader', false,
      'hasHeader only for CSV', 'drop hasHeader: JSON Lines objects name their fields.');
    const known = names.length > 0 ? new Set(names) : undefined;
    for (const [what, column] of [['labelColumn', p.labelColumn], ...(p.dropColumns ?? []).map((c) => ['dropColumns', c])] as Array<[string, string | undefined]>) {
      if (column !== undefined) {
        problem(bad(column), what, column, 'a column name without commas or line breaks', 'name the column as the data does.');
        problem(known !== undefined && !known.has(column), what, column, `one of columnNames (${names.join(', ')})`, 'fix the spelling or add the column to columnNames.');
      }
    }
    const facets = p.biasFacets ?? [];
    problem(facets.length > 20, 'biasFacets', facets.length, 'at most 20 facets', 'measure fewer facets.');
    facets.forEach((f, i) => {
      problem(!/^[^=<>|;,\s][^=<>|;,]*$/.test(f.feature) || (known !== undefined && !known.has(f.feature)), `biasFacets[${i}].feature`, f.feature,
        known ? `one of columnNames (${names.join(', ')})` : "a column name without '=', '<', '>', '|', ';' or ','", 'name a column of the training data.');
      problem(f.isThreshold ? !Number.isFinite(f.threshold) : (f.values.length === 0 || f.values.some((x) => x.trim() === '' || /[|;,]/.test(x))),
        `biasFacets[${i}]`, f.spec, "a finite threshold, or non-empty values without '|', ';' or ','", 'describe the sensitive group.');
      problem(f.feature === p.labelColumn, `biasFacets[${i}].feature`, f.feature, 'a feature, not the label column', 'choose a feature as facet.');
    });
    problem(p.positiveLabel !== undefined && (p.positiveLabel.trim() === '' || p.positiveLabel.length > MAX_ARGUMENT), 'positiveLabel', p.positiveLabel,
      'a non-empty label of at most 256 characters (several separated by |)', "give the positive label, e.g. '1'.");
    problem(p.positiveLabel !== undefined && (p.labelColumn === undefined || facets.length === 0), 'positiveLabel', p.positiveLabel,
      'only with labelColumn and biasFacets (it defines DPL\'s positive outcome)', 'add labelColumn and biasFacets, or drop positiveLabel.');
    problem(p.image !== undefined && p.sklearnVersion !== undefined, 'sklearnVersion', p.sklearnVersion,
      'sklearnVersion only with the SKLearn image (no image)', 'drop sklearnVersion, or drop image.');
    const args = this._arguments();
    problem(args.length > 100, 'columnNames', `${args.length} arguments`, 'at most 100 processing job arguments', 'shorten the column lists.');
  }
}

/** The drift check's code as an S3 asset, once per pipeline. */
function driftCheckCode(scope: IConstruct): s3assets.Asset {
  const id = 'DriftCheckCode';
  const existing = scope.node.tryFindChild(id);
  if (existing) {
    return existing as s3assets.Asset;
  }
  return new s3assets.Asset(scope as Construct, id, { path: DRIFT_CHECK_ASSET });
}

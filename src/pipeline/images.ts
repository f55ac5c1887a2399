import { Aws, CfnMapping, Stack, Token } from 'aws-cdk-lib';
import { BUILTIN_IMAGE_ACCOUNTS, BUILTIN_IMAGE_REGIONS } from './image-table';
import { RenderContext } from './render-context';
import { PipelineValue } from './values';

/**
 * A container image for a pipeline job.
 *
 * The built-in XGBoost and Scikit-learn images resolve from a table shipped
 * with the library: a literal URI when the stack has a region, a
 * CloudFormation mapping keyed by `AWS::Region` when it is environment
 * agnostic. No look-up happens at synth.
 */
export class SageMakerImage {
  /**
   * The SageMaker built-in XGBoost image (`sagemaker-xgboost:<version>`).
   * @param version the framework version tag, e.g. '1.7-1'
   */
  public static xgboost(version: string = '1.7-1'): SageMakerImage {
    return new SageMakerImage(undefined, 'sagemaker-xgboost', version);
  }

  /**
   * The SageMaker Scikit-learn image (`sagemaker-scikit-learn:<version>-cpu-py3`).
   * @param version the framework version, e.g. '1.2-1'
   */
  public static sklearn(version: string = '1.2-1'): SageMakerImage {
    return new SageMakerImage(undefined, 'sagemaker-scikit-learn', `${version}-cpu-py3`);
  }

  /** Any image by its full URI (your ECR repository, or another AWS image). */
  public static of(imageUri: string): SageMakerImage {
    return new SageMakerImage(PipelineValue.of(imageUri));
  }

  /** An image URI given at run time (e.g. a pipeline parameter). */
  public static fromValue(imageUri: PipelineValue): SageMakerImage {
    return new SageMakerImage(imageUri);
  }

  private constructor(
    private readonly value?: PipelineValue,
    /** ECR repository name of a built-in image. */
    public readonly repositoryName?: string,
    /** Tag of a built-in image. */
    public readonly tag?: string,
  ) {}

  /** @internal */
  public _render(ctx: RenderContext): any {
    if (this.value) {
      return this.value._render(ctx);
    }
    return this._uri(ctx.stack, `${ctx.currentStep}.image`, (p) => ctx.problem(p));
  }

  /**
   * The URI for a stack.
   * @internal
   */
  public _uri(stack: Stack, prop: string, report: (p: any) => void): string {
    const region = stack.region;
    let account: string;
    if (Token.isUnresolved(region)) {
      account = builtinMapping(stack).findInMap(Aws.REGION, 'account');
    } else {
      const known = BUILTIN_IMAGE_ACCOUNTS[region];
      if (!known) {
        report({
          prop,
          value: region,
          allowed: `a region of the built-in image table (${BUILTIN_IMAGE_REGIONS.join(', ')})`,
          fix: 'pass the image with SageMakerImage.of(uri) for this region.',
        });
        account = 'unknown';
      } else {
        account = known;
      }
    }
    return `${account}.dkr.ecr.${region}.${Aws.URL_SUFFIX}/${this.repositoryName}:${this.tag}`;
  }
}

function builtinMapping(stack: Stack): CfnMapping {
  const id = 'CdkMlopsBuiltinImageAccounts';
  const existing = stack.node.tryFindChild(id) as CfnMapping | undefined;
  if (existing) {
    return existing;
  }
  const mapping: { [region: string]: { [key: string]: string } } = {};
  for (const [region, account] of Object.entries(BUILTIN_IMAGE_ACCOUNTS)) {
    mapping[region] = { account };
  }
  return new CfnMapping(stack, id, { mapping });
}

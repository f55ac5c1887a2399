/**
 * An instance type data scientists may use: for Studio apps (JupyterLab,
 * Code Editor) or for non-production endpoints.
 *
 * An open set: the static members are common choices; `of()` takes any
 * `ml.<family>.<size>` name. The domain rejects malformed names.
 */
export class ExplorationInstanceType {
  /** ml.t3.medium: 2 vCPU, 4 GiB, the smallest general-purpose Studio instance. */
  public static readonly ML_T3_MEDIUM = ExplorationInstanceType.of('ml.t3.medium');
  /** ml.t3.large: 2 vCPU, 8 GiB. */
  public static readonly ML_T3_LARGE = ExplorationInstanceType.of('ml.t3.large');
  /** ml.t3.xlarge: 4 vCPU, 16 GiB. */
  public static readonly ML_T3_XLARGE = ExplorationInstanceType.of('ml.t3.xlarge');
  /** ml.m5.large: 2 vCPU, 8 GiB, general purpose. */
  public static readonly ML_M5_LARGE = ExplorationInstanceType.of('ml.m5.large');
  /** ml.m5.xlarge: 4 vCPU, 16 GiB, general purpose. */
  public static readonly ML_M5_XLARGE = ExplorationInstanceType.of('ml.m5.xlarge');
  /** ml.m5.2xlarge: 8 vCPU, 32 GiB, general purpose. */
  public static readonly ML_M5_2XLARGE = ExplorationInstanceType.of('ml.m5.2xlarge');
  /** ml.c5.xlarge: 4 vCPU, 8 GiB, compute optimised. */
  public static readonly ML_C5_XLARGE = ExplorationInstanceType.of('ml.c5.xlarge');
  /** ml.r5.xlarge: 4 vCPU, 32 GiB, memory optimised. */
  public static readonly ML_R5_XLARGE = ExplorationInstanceType.of('ml.r5.xlarge');
  /** ml.g4dn.xlarge: NVIDIA T4 GPU. */
  public static readonly ML_G4DN_XLARGE = ExplorationInstanceType.of('ml.g4dn.xlarge');
  /** ml.g5.xlarge: NVIDIA A10G GPU. */
  public static readonly ML_G5_XLARGE = ExplorationInstanceType.of('ml.g5.xlarge');
  /** ml.t2.medium: the smallest real-time endpoint instance, for development endpoints. */
  public static readonly ML_T2_MEDIUM = ExplorationInstanceType.of('ml.t2.medium');

  /** Any instance type by its SageMaker name, e.g. `ml.m6i.xlarge`. */
  public static of(name: string): ExplorationInstanceType {
    return new ExplorationInstanceType(name);
  }

  private constructor(
    /** The SageMaker name, e.g. `ml.t3.medium`. */
    public readonly name: string,
  ) {}

  /** True when the name has the `ml.<family>.<size>` shape. */
  public get isWellFormed(): boolean {
    return /^ml\.[a-z0-9]+\.[a-z0-9]+$/.test(this.name);
  }

  /** The name. */
  public toString(): string {
    return this.name;
  }
}

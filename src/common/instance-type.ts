/**
 * Families whose instances carry local NVMe instance storage even though the
 * family name has no `d` (the `d` families — m5d, c6gd, r6id, g4dn, p4d,
 * x2iedn… — are recognised by name). SageMaker rejects a volume KMS key for
 * these: their storage is encrypted by the instance's hardware module.
 */
const NVME_FAMILIES_WITHOUT_D = ['g5', 'g6', 'g6e', 'gr6', 'p5', 'p5e', 'p5en', 'trn1', 'trn1n', 'trn2'];

/**
 * A SageMaker instance type (`ml.<family>.<size>`): for endpoints, Studio
 * apps, training, processing and transform jobs. Every layer takes this one
 * type wherever it asks for an instance type.
 *
 * An open set: the static members are common choices; `of()` takes any
 * name. Layers reject malformed names with an error naming the prop.
 */
export class MlInstanceType {
  /** ml.t2.medium: the smallest real-time endpoint instance, for development endpoints. */
  public static readonly ML_T2_MEDIUM = MlInstanceType.of('ml.t2.medium');
  /** ml.t3.medium: 2 vCPU, 4 GiB, the smallest general-purpose Studio instance. */
  public static readonly ML_T3_MEDIUM = MlInstanceType.of('ml.t3.medium');
  /** ml.t3.large: 2 vCPU, 8 GiB. */
  public static readonly ML_T3_LARGE = MlInstanceType.of('ml.t3.large');
  /** ml.t3.xlarge: 4 vCPU, 16 GiB. */
  public static readonly ML_T3_XLARGE = MlInstanceType.of('ml.t3.xlarge');
  /** ml.m5.large: 2 vCPU, 8 GiB, general purpose. */
  public static readonly ML_M5_LARGE = MlInstanceType.of('ml.m5.large');
  /** ml.m5.xlarge: 4 vCPU, 16 GiB, general purpose. */
  public static readonly ML_M5_XLARGE = MlInstanceType.of('ml.m5.xlarge');
  /** ml.m5.2xlarge: 8 vCPU, 32 GiB, general purpose. */
  public static readonly ML_M5_2XLARGE = MlInstanceType.of('ml.m5.2xlarge');
  /** ml.m5d.xlarge: general purpose with local NVMe. */
  public static readonly ML_M5D_XLARGE = MlInstanceType.of('ml.m5d.xlarge');
  /** ml.c5.xlarge: 4 vCPU, 8 GiB, compute optimised. */
  public static readonly ML_C5_XLARGE = MlInstanceType.of('ml.c5.xlarge');
  /** ml.c6i.xlarge: compute optimised. */
  public static readonly ML_C6I_XLARGE = MlInstanceType.of('ml.c6i.xlarge');
  /** ml.r5.xlarge: 4 vCPU, 32 GiB, memory optimised. */
  public static readonly ML_R5_XLARGE = MlInstanceType.of('ml.r5.xlarge');
  /** ml.g4dn.xlarge: NVIDIA T4 GPU with local NVMe. */
  public static readonly ML_G4DN_XLARGE = MlInstanceType.of('ml.g4dn.xlarge');
  /** ml.g5.xlarge: NVIDIA A10G GPU with local NVMe. */
  public static readonly ML_G5_XLARGE = MlInstanceType.of('ml.g5.xlarge');
  /** ml.inf2.xlarge: AWS Inferentia2. */
  public static readonly ML_INF2_XLARGE = MlInstanceType.of('ml.inf2.xlarge');

  /** Any instance type by its SageMaker name, e.g. `ml.m6i.2xlarge`. */
  public static of(name: string): MlInstanceType {
    return new MlInstanceType(name);
  }

  private constructor(
    /** The SageMaker name, e.g. `ml.m5.xlarge`. */
    public readonly name: string,
  ) {}

  /** True when the name has the `ml.<family>.<size>` shape. */
  public get isWellFormed(): boolean {
    return /^ml\.[a-z0-9]+\.[a-z0-9]+$/.test(this.name);
  }

  /** The family, e.g. `m5d` for `ml.m5d.xlarge`. */
  public get family(): string {
    return this.name.split('.')[1] ?? '';
  }

  /**
   * True when the instance has local NVMe storage: SageMaker then rejects a
   * volume KMS key (the storage is encrypted by the instance hardware), so
   * an endpoint config or job leaves its volume `KmsKeyId` out.
   */
  public get hasLocalNvmeStorage(): boolean {
    const family = this.family;
    return NVME_FAMILIES_WITHOUT_D.includes(family) || /^[a-z]+\d+[a-z]*d[a-z]*$/.test(family);
  }

  /** True for AWS Inferentia 1 instances, on which SageMaker falls back to all-at-once traffic shifting. */
  public get isInferentia1(): boolean {
    return this.family === 'inf1';
  }

  /** The name. */
  public toString(): string {
    return this.name;
  }
}

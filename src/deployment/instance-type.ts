/**
 * Families whose instances carry local NVMe instance storage even though the
 * family name has no `d` (the `d` families — m5d, c6gd, r6id, g4dn, p4d,
 * x2iedn… — are recognised by name). SageMaker rejects a volume KMS key for
 * these: their storage is encrypted by the instance's hardware module.
 */
const NVME_FAMILIES_WITHOUT_D = ['g5', 'g6', 'g6e', 'gr6', 'p5', 'p5e', 'p5en', 'trn1', 'trn1n', 'trn2'];

/**
 * An instance type for a real-time SageMaker endpoint.
 *
 * An open set: the static members are common choices; `of()` takes any
 * `ml.<family>.<size>` name.
 */
export class InferenceInstanceType {
  /** ml.t2.medium: development only, no production guardrails worth having. */
  public static readonly ML_T2_MEDIUM = InferenceInstanceType.of('ml.t2.medium');
  /** ml.m5.large, general purpose. */
  public static readonly ML_M5_LARGE = InferenceInstanceType.of('ml.m5.large');
  /** ml.m5.xlarge, general purpose. */
  public static readonly ML_M5_XLARGE = InferenceInstanceType.of('ml.m5.xlarge');
  /** ml.m5d.xlarge, general purpose with local NVMe. */
  public static readonly ML_M5D_XLARGE = InferenceInstanceType.of('ml.m5d.xlarge');
  /** ml.c5.xlarge, compute optimised. */
  public static readonly ML_C5_XLARGE = InferenceInstanceType.of('ml.c5.xlarge');
  /** ml.c6i.xlarge, compute optimised. */
  public static readonly ML_C6I_XLARGE = InferenceInstanceType.of('ml.c6i.xlarge');
  /** ml.r5.xlarge, memory optimised. */
  public static readonly ML_R5_XLARGE = InferenceInstanceType.of('ml.r5.xlarge');
  /** ml.g4dn.xlarge, NVIDIA T4 GPU with local NVMe. */
  public static readonly ML_G4DN_XLARGE = InferenceInstanceType.of('ml.g4dn.xlarge');
  /** ml.g5.xlarge, NVIDIA A10G GPU with local NVMe. */
  public static readonly ML_G5_XLARGE = InferenceInstanceType.of('ml.g5.xlarge');
  /** ml.inf2.xlarge, AWS Inferentia2. */
  public static readonly ML_INF2_XLARGE = InferenceInstanceType.of('ml.inf2.xlarge');

  /** Any instance type by name, e.g. `ml.m6i.2xlarge`. */
  public static of(name: string): InferenceInstanceType {
    return new InferenceInstanceType(name);
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
   * the endpoint config leaves `KmsKeyId` out.
   */
  public get hasLocalNvmeStorage(): boolean {
    const family = this.family;
    return NVME_FAMILIES_WITHOUT_D.includes(family) || /^[a-z]+\d+[a-z]*d[a-z]*$/.test(family);
  }

  /** True for AWS Inferentia 1 instances, on which SageMaker falls back to all-at-once traffic shifting. */
  public get isInferentia1(): boolean {
    return this.family === 'inf1';
  }
}

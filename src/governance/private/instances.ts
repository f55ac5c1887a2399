/**
 * Instance families with local NVMe instance storage. SageMaker encrypts that
 * storage with the instance's hardware module and rejects a volume KMS key
 * (`KmsKeyId` of an endpoint config, `VolumeKmsKeyId` of a job) for them.
 *
 * Families with a `d` after the generation (m5d, c5d, r5d, m6id, c6gd, g4dn,
 * p3dn, p4d, p4de, x2iedn...) are recognised by name; these carry NVMe
 * without a `d` in the name. Same table as the deployment layer's
 * `MlInstanceType.hasLocalNvmeStorage`, kept separate because the
 * governance layer imports no other layer.
 */
const NVME_FAMILIES_WITHOUT_D = ['g5', 'g6', 'g6e', 'gr6', 'p5', 'p5e', 'p5en', 'trn1', 'trn1n', 'trn2'];

/** True when `ml.<family>.<size>` has local NVMe storage. */
export function hasLocalNvme(instanceType: string): boolean {
  const family = instanceType.split('.')[1] ?? '';
  return NVME_FAMILIES_WITHOUT_D.includes(family) || /^[a-z]+\d+[a-z]*d[a-z]*$/.test(family);
}

/**
 * IAM `StringLike` patterns covering the instance types with local NVMe, for
 * the guardrail's exemption from the volume-key requirement. Coarser than
 * `hasLocalNvme` (any family with a `d`), which only widens the exemption
 * to types SageMaker would reject a key for anyway or does not offer.
 */
export const NVME_INSTANCE_PATTERNS = ['ml.*d*.*', 'ml.g5.*', 'ml.g6*', 'ml.gr6.*', 'ml.p5*', 'ml.trn*'];

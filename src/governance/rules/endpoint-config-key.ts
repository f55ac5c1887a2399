import { MlopsRule, RuleFinding, TemplateResource } from '../mlops-rule';
import { hasLocalNvme } from '../private/instances';
import { asArray, isUnknown } from '../private/template';

/**
 * MLOPS-SM-006: an endpoint config encrypts the ML storage volumes of its
 * instances with a customer-managed KMS key (`KmsKeyId`).
 *
 * Not required when every variant runs on an instance type with local NVMe
 * storage (encrypted by the instance hardware; SageMaker rejects a key
 * there) or is serverless. A config mixing NVMe and EBS-backed instance
 * types cannot satisfy both and is reported.
 */
export class EndpointConfigKeyRule extends MlopsRule {
  constructor() {
    super({
      id: 'MLOPS-SM-006',
      description: 'SageMaker endpoint configs have a KMS key (KmsKeyId), except when every variant has local NVMe storage or is serverless.',
      fix: 'Set KmsKeyId to a customer-managed key; put NVMe instance types (m5d, g4dn, g5, p4d...) in an endpoint config of their own without a key.',
      resourceTypes: ['AWS::SageMaker::EndpointConfig'],
    });
  }

  public evaluate(resource: TemplateResource): RuleFinding[] {
    const variants = asArray<any>(resource._properties.ProductionVariants);
    const types = variants.filter((v) => v?.ServerlessConfig === undefined || v?.InstanceType !== undefined).map((v) => v?.InstanceType);
    const nvme = types.filter((t) => typeof t === 'string' && !isUnknown(t) && hasLocalNvme(t));
    const hasKey = resource.hasProperty('KmsKeyId');
    if (types.length === 0 || nvme.length === types.length) {
      return [];
    }
    if (nvme.length > 0) {
      return [{
        message: `variants mix local-NVMe instance types (${nvme.join(', ')}), which reject a KMS key, with EBS-backed ones, which need it`,
        location: 'Properties/ProductionVariants',
      }];
    }
    return hasKey ? [] : [{ message: 'KmsKeyId is not set: instance storage volumes use a transient key you do not control', location: 'Properties/KmsKeyId' }];
  }
}

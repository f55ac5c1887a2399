import { MlopsRule, RuleFinding, TemplateResource } from '../mlops-rule';

/**
 * MLOPS-SM-003: the home storage (EFS and the apps' EBS volumes) of a Studio
 * domain is encrypted with a customer-managed KMS key (`KmsKeyId`). Without
 * one SageMaker uses a key it manages, whose policy you cannot read or revoke.
 */
export class DomainHomeStorageKeyRule extends MlopsRule {
  constructor() {
    super({
      id: 'MLOPS-SM-003',
      description: 'SageMaker Studio domains encrypt home storage with a customer-managed KMS key (KmsKeyId).',
      fix: 'Set KmsKeyId to a customer-managed key with rotation enabled. Changing it replaces the domain, so set it at creation.',
      resourceTypes: ['AWS::SageMaker::Domain'],
    });
  }

  public evaluate(resource: TemplateResource): RuleFinding[] {
    if (resource.hasProperty('KmsKeyId')) {
      return [];
    }
    return [{
      message: 'KmsKeyId is not set: home EFS and app volumes use an AWS managed key',
      location: 'Properties/KmsKeyId',
    }];
  }
}

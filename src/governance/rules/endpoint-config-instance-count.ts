import { isProduction, PRODUCTION_TAG_KEY, PRODUCTION_TAG_VALUE } from './production';
import { MlopsRule, RuleFinding, TemplateResource } from '../mlops-rule';
import { asArray } from '../private/template';

/**
 * MLOPS-SM-008: every instance-based variant of a production endpoint config
 * (tag `mlops:stage=production`) starts with at least 2 instances, so
 * SageMaker can spread them over Availability Zones.
 */
export class EndpointConfigInstanceCountRule extends MlopsRule {
  constructor() {
    super({
      id: 'MLOPS-SM-008',
      description: `Production SageMaker endpoint configs (tag ${PRODUCTION_TAG_KEY}=${PRODUCTION_TAG_VALUE}) run every instance-based variant on at least 2 instances.`,
      fix: 'Set InitialInstanceCount to 2 or more on each production variant (and keep the autoscaling minimum at 2).',
      resourceTypes: ['AWS::SageMaker::EndpointConfig'],
    });
  }

  public evaluate(resource: TemplateResource): RuleFinding[] {
    if (!isProduction(resource)) {
      return [];
    }
    const findings: RuleFinding[] = [];
    asArray<any>(resource._properties.ProductionVariants).forEach((variant, i) => {
      if (variant?.InstanceType === undefined) {
        return;
      }
      const count = resource.numberProperty(`ProductionVariants.${i}.InitialInstanceCount`);
      if (count !== undefined && count < 2) {
        findings.push({
          message: `variant '${variant.VariantName ?? i}' has InitialInstanceCount ${count}; production needs at least 2`,
          location: `Properties/ProductionVariants/${i}/InitialInstanceCount`,
        });
      } else if (count === undefined && !resource.isUnresolved(`ProductionVariants.${i}.InitialInstanceCount`)) {
        findings.push({
          message: `variant '${variant.VariantName ?? i}' has no InitialInstanceCount; production needs at least 2`,
          location: `Properties/ProductionVariants/${i}/InitialInstanceCount`,
        });
      }
    });
    return findings;
  }
}

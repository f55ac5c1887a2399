import { MlopsRule, RuleFinding, TemplateResource } from '../mlops-rule';

/**
 * MLOPS-SM-001: a SageMaker Studio domain sends app traffic through the VPC
 * only (`AppNetworkAccessType: VpcOnly`). CloudFormation's default,
 * `PublicInternetOnly`, gives every Studio app direct internet access.
 */
export class DomainVpcOnlyRule extends MlopsRule {
  constructor() {
    super({
      id: 'MLOPS-SM-001',
      description: 'SageMaker Studio domains are VPC-only (AppNetworkAccessType VpcOnly).',
      fix: 'Set AppNetworkAccessType to VpcOnly and give the VPC the endpoints Studio needs (sagemaker.api, sagemaker.runtime, sts, logs, S3).',
      resourceTypes: ['AWS::SageMaker::Domain'],
    });
  }

  public evaluate(resource: TemplateResource): RuleFinding[] {
    if (resource.isUnresolved('AppNetworkAccessType')) {
      return [];
    }
    const value = resource.stringProperty('AppNetworkAccessType');
    if (value === 'VpcOnly') {
      return [];
    }
    return [{
      message: `AppNetworkAccessType is ${value === undefined ? 'not set (defaults to PublicInternetOnly)' : `'${value}'`}; Studio apps reach the internet directly`,
      location: 'Properties/AppNetworkAccessType',
    }];
  }
}

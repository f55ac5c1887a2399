import { isProduction, PRODUCTION_TAG_KEY, PRODUCTION_TAG_VALUE } from './production';
import { MlopsRule, RuleFinding, TemplateResource } from '../mlops-rule';

/**
 * MLOPS-SM-007: a production endpoint config (tag `mlops:stage=production`)
 * captures inference data, so drift can be monitored: `DataCaptureConfig`
 * present, `EnableCapture` not false, `InitialSamplingPercentage` above 0.
 * Serverless endpoints have no data capture: do not mark them production.
 */
export class EndpointConfigDataCaptureRule extends MlopsRule {
  constructor() {
    super({
      id: 'MLOPS-SM-007',
      description: `Production SageMaker endpoint configs (tag ${PRODUCTION_TAG_KEY}=${PRODUCTION_TAG_VALUE}) capture data (DataCaptureConfig enabled).`,
      fix: 'Add DataCaptureConfig with EnableCapture true, InitialSamplingPercentage above 0, a KMS key and an S3 destination in an encrypted, TLS-only bucket.',
      resourceTypes: ['AWS::SageMaker::EndpointConfig'],
    });
  }

  public evaluate(resource: TemplateResource): RuleFinding[] {
    if (!isProduction(resource)) {
      return [];
    }
    if (!resource.hasProperty('DataCaptureConfig')) {
      return [{ message: 'a production endpoint config has no DataCaptureConfig', location: 'Properties/DataCaptureConfig' }];
    }
    if (resource.booleanProperty('DataCaptureConfig.EnableCapture') === false) {
      return [{ message: 'DataCaptureConfig.EnableCapture is false', location: 'Properties/DataCaptureConfig/EnableCapture' }];
    }
    if (resource.numberProperty('DataCaptureConfig.InitialSamplingPercentage') === 0) {
      return [{ message: 'DataCaptureConfig.InitialSamplingPercentage is 0', location: 'Properties/DataCaptureConfig/InitialSamplingPercentage' }];
    }
    return [];
  }
}

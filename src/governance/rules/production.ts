import { TemplateResource } from '../mlops-rule';

/**
 * The tag that marks an endpoint config as production: `mlops:stage` with
 * value `production` (case-insensitive) on the AWS::SageMaker::EndpointConfig.
 */
export const PRODUCTION_TAG_KEY = 'mlops:stage';

/** The value of the production tag. */
export const PRODUCTION_TAG_VALUE = 'production';

/** True when the resource carries the production tag. */
export function isProduction(resource: TemplateResource): boolean {
  return (resource.tagValue(PRODUCTION_TAG_KEY) ?? '').toLowerCase() === PRODUCTION_TAG_VALUE;
}

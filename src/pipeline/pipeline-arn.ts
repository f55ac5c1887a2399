import { ArnFormat, Stack } from 'aws-cdk-lib';

/**
 * The ARN of a pipeline from its name. SageMaker writes pipeline names in
 * ARNs in lower case, so a literal name is lower-cased here.
 */
export function pipelineArnFromName(scope: Stack, name: string): string {
  return scope.formatArn({
    service: 'sagemaker',
    resource: 'pipeline',
    resourceName: looksLiteral(name) ? name.toLowerCase() : name,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

function looksLiteral(name: string): boolean {
  return !name.includes('${Token[');
}


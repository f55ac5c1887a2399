import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Stack, Token } from 'aws-cdk-lib';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import type { PipelineDefinitionS3Location } from './pipeline-definition';
import { PropsValidator } from '../private/validation';

/** The service limit of a pipeline definition, in characters. */
export const MAX_DEFINITION_CHARS = 1_048_576;
/** Default size up to which a definition is inlined in the template. */
export const DEFAULT_INLINE_LIMIT = 250_000;
/** Characters counted for each CDK token when estimating a definition's size. */
const TOKEN_ESTIMATE = 128;

/** Count the CDK tokens in a rendered definition. */
function countTokens(value: any): number {
  if (typeof value === 'string') {
    return Token.isUnresolved(value) ? Math.max(1, (value.match(/\$\{Token\[/g) ?? []).length) : 0;
  }
  if (typeof value === 'number') {
    return Token.isUnresolved(value) ? 1 : 0;
  }
  if (Array.isArray(value)) {
    return value.reduce((n, v) => n + countTokens(v), 0);
  }
  if (value && typeof value === 'object') {
    return Object.entries(value).reduce((n, [k, v]) => n + countTokens(k) + countTokens(v), 0);
  }
  return 0;
}

/**
 * The size of a definition in characters: exact when it has no tokens,
 * otherwise an estimate counting each token as 128 characters.
 */
export function estimateDefinitionSize(definition: any, original?: string): { size: number; tokens: number } {
  const tokens = original !== undefined ? (Token.isUnresolved(original) ? 1 : 0) : countTokens(definition);
  const text = original ?? JSON.stringify(definition);
  if (tokens === 0) {
    return { size: text.length, tokens };
  }
  const stripped = text.replace(/\$\{Token\[[^\]]*\]\}/g, '');
  return { size: stripped.length + tokens * TOKEN_ESTIMATE, tokens };
}

/**
 * Decide where the definition lives: inline (tokens resolved by
 * CloudFormation) up to the inline limit, an S3 asset above it when static,
 * and an error when it is too big or dynamic and over the inline limit.
 */
export function placeDefinition(scope: Construct, definition: any, original: string | undefined, inlineLimit: number, filePath?: string):
{ definitionBody?: string; definitionS3Location?: PipelineDefinitionS3Location } {
  const { size, tokens } = estimateDefinitionSize(definition, original);
  const validator = new PropsValidator(scope, 'PipelineDefinition');
  if (size > MAX_DEFINITION_CHARS) {
    validator.add({
      prop: 'definition',
      value: `${size} characters${tokens > 0 ? ' (estimated)' : ''}`,
      allowed: `at most ${MAX_DEFINITION_CHARS} characters (the SageMaker limit of a pipeline definition)`,
      fix: 'split the pipeline into several pipelines, or shorten it (fewer steps, shorter descriptions, no large inline arguments).',
    });
  } else if (size > inlineLimit && tokens > 0) {
    validator.add({
      prop: 'definition',
      value: `${size} characters (estimated) with ${tokens} CDK token(s)`,
      allowed: `CDK tokens only in definitions of at most ${inlineLimit} characters, which are inlined so CloudFormation resolves them`,
      fix: 'a larger definition is uploaded to S3 as a static file in which tokens cannot resolve: make it static (give the role, bucket and key as literal ARNs/names, e.g. imported by name), shorten it, or raise inlineDefinitionLimit if the stack template stays under 1 MB.',
    });
  }
  validator.throwIfAny();
  const stack = Stack.of(scope);
  if (size <= inlineLimit) {
    if (original !== undefined) {
      return { definitionBody: original };
    }
    return { definitionBody: tokens > 0 ? stack.toJsonString(definition) : JSON.stringify(definition) };
  }
  let file = filePath;
  if (!file || original === undefined) {
    const text = original ?? JSON.stringify(definition);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-mlops-pipeline-'));
    const hash = crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
    file = path.join(dir, `pipeline-definition-${hash}.json`);
    fs.writeFileSync(file, text);
  }
  const asset = new s3assets.Asset(scope, 'DefinitionAsset', { path: file });
  return { definitionS3Location: { bucketName: asset.s3BucketName, objectKey: asset.s3ObjectKey } };
}

import * as crypto from 'crypto';
import { Names, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { MlPipelineProps } from './ml-pipeline';
import { PropsValidator } from '../private/validation';

const JOB_PREFIX = /^[a-z0-9](-*[a-z0-9]){0,23}$/;

export function generatedName(scope: Construct): string {
  return Names.uniqueResourceName(scope, { maxLength: 60, separator: '-' }).toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+/, '');
}

export function defaultJobPrefix(name: string): string {
  if (Token.isUnresolved(name)) {
    return 'mlpipeline';
  }
  const cleaned = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  if (cleaned.length <= 24) {
    return cleaned || 'mlpipeline';
  }
  // Long names: keep a readable start and add a hash of the whole name, so
  // two pipelines whose names share 24 characters get different prefixes.
  const hash = crypto.createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${cleaned.slice(0, 15).replace(/-+$/, '')}-${hash}`;
}

export function validateProps(scope: Construct, props: MlPipelineProps, prefix: string): void {
  const v = new PropsValidator(scope, 'MlPipeline');
  const name = props.pipelineName;
  if (name !== undefined && !Token.isUnresolved(name)) {
    v.check(!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/.test(name), {
      prop: 'pipelineName',
      value: name,
      allowed: 'letters, digits and single hyphens, starting with a letter or digit, at most 256 characters',
      fix: 'rename the pipeline, e.g. "churn-training".',
    });
  }
  v.check(!JOB_PREFIX.test(prefix), {
    prop: 'jobNamePrefix',
    value: prefix,
    allowed: 'lower-case letters, digits and single hyphens, at most 24 characters',
    fix: 'pass a short lower-case prefix such as "churn".',
  });
  const p = props.maxParallelExecutionSteps;
  if (p !== undefined && !Token.isUnresolved(p)) {
    v.check(!Number.isInteger(p) || p < 1 || p > 256, {
      prop: 'maxParallelExecutionSteps',
      value: p,
      allowed: 'an integer from 1 to 256',
      fix: 'set maxParallelExecutionSteps between 1 and 256, or leave it out.',
    });
  }
  const limit = props.inlineDefinitionLimit;
  if (limit !== undefined) {
    v.check(!Number.isInteger(limit) || limit < 1 || limit > 1_048_576, {
      prop: 'inlineDefinitionLimit',
      value: limit,
      allowed: 'an integer from 1 to 1048576',
      fix: 'leave it at the default (250000) unless the template has room.',
    });
  }
  v.throwIfAny();
}

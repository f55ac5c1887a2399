import { Stack, StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { definitionOf } from './definition-schema';
import { MlPipeline, MlPipelineProps, PipelineDefinition } from '../../src/pipeline';
import { testApp } from '../harness/compliance';

export const ENV = { account: '111111111111', region: 'us-east-1' };

/** A stack in a fresh test app. */
export function newStack(props: StackProps = { env: ENV }): Stack {
  return new Stack(testApp(), 'Pipeline', props);
}

/** Build a pipeline from a definition and return the rendered definition JSON. */
export function render(definition: PipelineDefinition, props: Partial<MlPipelineProps> = {}, stack: Stack = newStack()): any {
  new MlPipeline(stack, 'Pipeline', { pipelineName: 'test-pipeline', ...props, definition });
  return definitionOf(Template.fromStack(stack).toJSON());
}

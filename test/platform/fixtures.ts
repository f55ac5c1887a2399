import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MlopsPlatform, MlopsPlatformProps } from '../../src/platform';
import { testApp } from '../harness/compliance';

export const ENV = { account: '111111111111', region: 'us-east-1' };

export interface Built {
  readonly app: App;
  readonly stack: Stack;
  readonly platform: MlopsPlatform;
  readonly template: Template;
}

/** A stack with a platform built by `props(stack)`. */
export function build(props: (stack: Stack) => MlopsPlatformProps = () => ({}), app: App = testApp()): Built {
  const stack = new Stack(app, 'Mlops', { env: ENV });
  const platform = new MlopsPlatform(stack, 'Platform', props(stack));
  return { app, stack, platform, template: Template.fromStack(stack) };
}

/** The interface endpoint service names of a template, with the region placeholder. */
export function interfaceEndpoints(template: Template): string[] {
  const eps = template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } });
  return Object.values<any>(eps).map((r) => {
    const name = r.Properties.ServiceName;
    if (typeof name === 'string') {
      return name;
    }
    const [sep, parts] = name['Fn::Join'];
    return parts.map((p: unknown) => (typeof p === 'string' ? p : '<region>')).join(sep);
  }).sort();
}

/** Resources of the template tagged with `layer`. */
export function layerResources(template: Template, layer: string): Record<string, any> {
  return Object.fromEntries(Object.entries<any>(template.toJSON().Resources)
    .filter(([, r]) => r.Metadata?.['cdk-mlops:layer'] === layer));
}

/**
 * Shared by the workflow tests of every layer: runs real synthesized state
 * machine definitions with aws-local-stepfunctions, and renders CloudFormation
 * values in a definition with placeholders for references.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

// aws-local-stepfunctions needs Promise.withResolvers (Node 22+).
const P = Promise as any;
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = function withResolvers() {
    let resolve: unknown;
    let reject: unknown;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}

// The package ships CommonJS next to ESM; tsc sees only the ESM types from this CommonJS test.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const StateMachine: any = require('aws-local-stepfunctions').StateMachine;

export const ACCOUNT = '111111111111';
export const REGION = 'us-east-1';

/** Render a CloudFormation value with placeholders for references. */
export function render(node: unknown): unknown {
  if (typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean' || node === null) {
    return node;
  }
  if (Array.isArray(node)) {
    return node.map(render);
  }
  const n = node as Record<string, any>;
  if (n['Fn::Join']) {
    const [delimiter, parts] = n['Fn::Join'];
    return (parts as unknown[]).map(render).join(delimiter);
  }
  if (n.Ref) {
    switch (n.Ref) {
      case 'AWS::Partition': return 'aws';
      case 'AWS::Region': return REGION;
      case 'AWS::AccountId': return ACCOUNT;
      case 'AWS::URLSuffix': return 'amazonaws.com';
      default: return `ref-${n.Ref}`;
    }
  }
  if (n['Fn::GetAtt']) {
    const [id, attr] = n['Fn::GetAtt'];
    return attr === 'Arn' ? `arn:aws:iam::${ACCOUNT}:role/${id}` : `${id}-${attr}`;
  }
  return Object.fromEntries(Object.entries(n).map(([k, v]) => [k, render(v)]));
}

/** The definitions of every state machine of a stack, by logical id. */
export function stateMachineDefinitions(stack: Stack): Record<string, any> {
  const resources = Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine');
  return Object.fromEntries(Object.entries(resources).map(([id, r]) => [id, JSON.parse(render(r.Properties.DefinitionString) as string)]));
}

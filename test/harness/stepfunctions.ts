/**
 * Shared by the workflow tests of every layer: runs real synthesized state
 * machine definitions with aws-local-stepfunctions, renders CloudFormation
 * values in a definition with placeholders for references, and checks every
 * service answer a test mocks against botocore's service models.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
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

/** A service answer a test gave a Task: its result or the name of the error it raised. */
export interface MockedAnswer {
  readonly resource: string;
  readonly output?: unknown;
  readonly error?: string;
}

/** A mocked answer AWS could not give, and why (botocore's output shapes and error names). */
export interface MockedAnswerFinding {
  readonly where: string;
  readonly what: string;
}

const recorded = new Map<string, MockedAnswer>();

/**
 * Answer a Task of `resource` with `answer()` and record the result (or the
 * error it throws, by name) for the botocore check that runs after the test
 * file (`verifyMockedAnswers`). Errors named `Error` are the harness's own
 * (an unexpected call), not service answers.
 */
export function answerTask<T>(resource: string, answer: () => T): T {
  try {
    const output = answer();
    remember({ resource, output: output === undefined ? {} : JSON.parse(JSON.stringify(output)) });
    return output;
  } catch (e) {
    if (e instanceof Error && e.name !== 'Error') {
      remember({ resource, error: e.name });
    }
    throw e;
  }
}

function remember(a: MockedAnswer): void {
  recorded.set(JSON.stringify(a), a);
}

const PYTHON = path.join(__dirname, '..', '..', '.venv-sdk2', 'bin', 'python');
const CHECKER = path.join(__dirname, '..', '..', 'scripts', 'contracts', 'check_mock_answers.py');

/**
 * Check mocked answers against botocore (scripts/contracts/check_mock_answers.py,
 * run once with the pinned botocore of .venv-sdk2): success answers against the
 * operation's output shape, errors against the names the task can raise.
 */
export function checkMockedAnswers(answers: MockedAnswer[]): MockedAnswerFinding[] {
  if (answers.length === 0) {
    return [];
  }
  if (!fs.existsSync(PYTHON)) {
    throw new Error(`mocked answers are checked with botocore from ${PYTHON}: run scripts/bootstrap.sh`);
  }
  const run = spawnSync(PYTHON, [CHECKER], { input: JSON.stringify({ answers }), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) {
    throw new Error(`check_mock_answers.py failed (${run.status}): ${run.stderr}`);
  }
  return JSON.parse(run.stdout).findings;
}

/**
 * After the tests of the file that calls it, assert that every answer given
 * through `answerTask` is one AWS could give. Workflow harnesses call it once
 * at module level, so every test file that runs a workflow is covered.
 */
export function verifyMockedAnswers(): void {
  afterAll(() => {
    const findings = checkMockedAnswers([...recorded.values()]);
    expect([...new Set(findings.map((f) => `${f.where}: ${f.what}`))]).toEqual([]);
  });
}

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

/**
 * Render a CloudFormation value with placeholders for references. With the
 * template's `resources`, references to network resources and keys
 * become values of their real shape (`subnet-…`, `sg-…`, a key ARN), so that
 * requests built from them can be checked against AWS's API shapes.
 */
export function render(node: unknown, resources?: Record<string, any>): unknown {
  if (typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean' || node === null) {
    return node;
  }
  if (Array.isArray(node)) {
    return node.map((n) => render(n, resources));
  }
  const n = node as Record<string, any>;
  if (n['Fn::Join']) {
    const [delimiter, parts] = n['Fn::Join'];
    return (parts as unknown[]).map((p) => render(p, resources)).join(delimiter);
  }
  if (n.Ref) {
    switch (n.Ref) {
      case 'AWS::Partition': return 'aws';
      case 'AWS::Region': return REGION;
      case 'AWS::AccountId': return ACCOUNT;
      case 'AWS::URLSuffix': return 'amazonaws.com';
      default: return typed(n.Ref, 'Ref', resources) ?? `ref-${n.Ref}`;
    }
  }
  if (n['Fn::Select']) {
    const [index, list] = n['Fn::Select'];
    const items = render(list, resources);
    return Array.isArray(items) ? items[Number(index)] : `select-${index}`;
  }
  if (n['Fn::Split']) {
    const [delimiter, text] = n['Fn::Split'];
    const value = render(text, resources);
    return typeof value === 'string' ? value.split(delimiter) : value;
  }
  if (n['Fn::GetAtt']) {
    const [id, attr] = n['Fn::GetAtt'];
    return typed(id, attr, resources) ?? (attr === 'Arn' ? `arn:aws:iam::${ACCOUNT}:role/${id}` : `${id}-${attr}`);
  }
  return Object.fromEntries(Object.entries(n).map(([k, v]) => [k, render(v, resources)]));
}

function typed(id: string, attr: string, resources?: Record<string, any>): string | undefined {
  const type = resources?.[id]?.Type;
  const hex = (len: number) => Buffer.from(id).toString('hex').padEnd(len, '0').slice(-len);
  switch (`${type}.${attr}`) {
    case 'AWS::EC2::Subnet.Ref': return `subnet-${hex(17)}`;
    case 'AWS::EC2::VPC.Ref': return `vpc-${hex(17)}`;
    case 'AWS::EC2::SecurityGroup.GroupId': return `sg-${hex(17)}`;
    case 'AWS::KMS::Key.Arn': return `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
    // Ref of a topic is its ARN (CloudFormation "AWS::SNS::Topic" return values).
    case 'AWS::SNS::Topic.Ref': return `arn:aws:sns:${REGION}:${ACCOUNT}:${id}`;
    case 'AWS::SageMaker::DataQualityJobDefinition.JobDefinitionArn': return `arn:aws:sagemaker:${REGION}:${ACCOUNT}:data-quality-job-definition/${id}`;
    case 'AWS::SageMaker::ModelQualityJobDefinition.JobDefinitionArn': return `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-quality-job-definition/${id}`;
    case 'AWS::SageMaker::ModelBiasJobDefinition.JobDefinitionArn': return `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-bias-job-definition/${id}`;
    case 'AWS::SageMaker::ModelExplainabilityJobDefinition.JobDefinitionArn':
      return `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-explainability-job-definition/${id}`;
    default: return undefined;
  }
}

/**
 * The definitions of every state machine of a stack, by logical id; `typed`
 * renders references with values of their real shape (see `render`).
 */
export function stateMachineDefinitions(stack: Stack, options: { typed?: boolean } = {}): Record<string, any> {
  const template = Template.fromStack(stack).toJSON();
  const all = template.Resources ?? {};
  return Object.fromEntries(Object.entries<any>(all).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine')
    .map(([id, r]) => [id, JSON.parse(render(r.Properties.DefinitionString, options.typed ? all : undefined) as string)]));
}

/**
 * A service answer a test gave a Task (its result or the name of the error it
 * raised), or a request a test evaluated in full.
 */
export interface MockedAnswer {
  readonly resource: string;
  readonly output?: unknown;
  readonly error?: string;
  readonly request?: unknown;
}

/** A mocked answer AWS could not give, and why (botocore's output shapes and error names). */
export interface MockedAnswerFinding {
  readonly where: string;
  readonly what: string;
}

const recorded = new Map<string, MockedAnswer>();

/**
 * Answer a Task of `resource` with `answer()` and record the result (or the
 * error it throws, by name), and the `request` the simulator resolved, for the
 * botocore check that runs after the test file (`verifyMockedAnswers`). Errors
 * named `Error` are the harness's own (an unexpected call), not service answers.
 */
export function answerTask<T>(resource: string, answer: () => T, request?: unknown): T {
  if (request !== undefined) {
    remember({ resource, request: JSON.parse(JSON.stringify(request)) });
  }
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
const CHECKER = path.join(__dirname, '..', '..', 'scripts', 'contracts', 'check_calls.py');

/**
 * Check mocked answers and evaluated requests against botocore
 * (scripts/contracts/check_calls.py, run once with the pinned botocore of
 * .venv-sdk2): success answers against the operation's output shape, errors
 * against the names the task can raise, requests against the input shape.
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
    throw new Error(`check_calls.py failed (${run.status}): ${run.stderr}`);
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

/** An error a simulated service raises: `name` is the error name Step Functions matches (`Service.Exception`). */
export class AwsError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Step Functions' DescribeExecution answer for a simulated account's executions (status by ARN; others do not exist). */
export function describeExecutionAnswer(executions: Map<string, string>, executionArn: string): Record<string, string> {
  const status = executions.get(executionArn);
  if (!status) {
    throw new AwsError('Sfn.ExecutionDoesNotExistException', `Execution Does Not Exist: '${executionArn}'`);
  }
  return {
    ExecutionArn: executionArn,
    StateMachineArn: executionArn.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, ''),
    Status: status,
    StartDate: '2026-11-27T00:00:00Z',
  };
}

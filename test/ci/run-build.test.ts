/**
 * Runs the synthesized update-and-run build commands in bash, with the AWS
 * CLI (and `sleep`) replaced by stubs that answer like SageMaker and S3, to
 * prove what the build does: update, publish, start, wait, fail.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { build, buildSpecOf, secureBucket } from './fixtures';
import { CiPipelineProps, PipelineUpdate } from '../../src/ci';

interface Run {
  readonly status: number;
  readonly output: string;
  /** Every `aws` call, one line each. */
  readonly calls: string[];
}

const STUB_AWS = `#!/usr/bin/env bash
echo "$*" >> "$STUB_DIR/calls"
case "$1 $2" in
  "sagemaker start-pipeline-execution") echo "arn:aws:sagemaker:us-east-1:123456789012:pipeline/churn/execution/abc123" ;;
  "sagemaker list-pipeline-executions")
    status=$(head -n 1 "$STUB_DIR/statuses"); sed -i '1d' "$STUB_DIR/statuses"; echo "\${status:-None}" ;;
  *) ;;
esac
`;

/** Synthesize a CI pipeline and run its update-and-run build phase with stubbed AWS calls. */
interface RunOptions {
  /** What list-pipeline-executions answers, call after call. */
  readonly statuses?: string[];
  readonly env?: Record<string, string>;
  /** Files of the checked-out repository. */
  readonly files?: Record<string, string>;
}

function runBuild(props: Partial<CiPipelineProps> | ((s: Stack) => Partial<CiPipelineProps>), options: RunOptions = {}): Run {
  const { stack } = build(typeof props === 'function' ? props : () => props);
  const template = Template.fromStack(stack).toJSON();
  const spec = buildSpecOf(template, 'Update and start');
  const project = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::CodeBuild::Project' && String(r.Properties.Description).startsWith('Update and start'));
  const env: Record<string, string> = {};
  for (const v of project.Properties.Environment.EnvironmentVariables) {
    env[v.Name] = typeof v.Value === 'string' ? v.Value : `resolved-${v.Name.toLowerCase()}`;
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ci-build-'));
  const bin = path.join(dir, 'bin');
  const work = path.join(dir, 'src');
  fs.mkdirSync(bin);
  fs.mkdirSync(work);
  fs.writeFileSync(path.join(bin, 'aws'), STUB_AWS, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'sleep'), '#!/usr/bin/env bash\nexit 0\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'statuses'), (options.statuses ?? []).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'calls'), '');
  for (const [file, content] of Object.entries(options.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
    fs.writeFileSync(path.join(work, file), content);
  }
  const result = spawnSync('bash', ['-e', '-c', spec.phases.build.commands.join('\n')], {
    cwd: work,
    encoding: 'utf8',
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      STUB_DIR: dir,
      CODEBUILD_BUILD_ID: 'churn-ci-run:1111',
      CODEBUILD_BUILD_NUMBER: '7',
      CODEBUILD_RESOLVED_SOURCE_VERSION: '0123456789abcdef',
      ...env,
      ...options.env,
    },
  });
  return {
    status: result.status ?? -1,
    output: `${result.stdout}${result.stderr}`,
    calls: fs.readFileSync(path.join(dir, 'calls'), 'utf8').split('\n').filter((l) => l.length > 0),
  };
}

describe('update-and-run build', () => {
  test('start-only starts one execution of the pipeline and succeeds without waiting', () => {
    // WHEN
    const run = runBuild({});

    // THEN
    expect(run.status).toBe(0);
    expect(run.calls).toHaveLength(1);
    expect(run.calls[0]).toMatch(/^sagemaker start-pipeline-execution --pipeline-name churn --pipeline-execution-description CI build churn-ci-run:1111, source revision 0123456789abcdef --query PipelineExecutionArn --output text$/);
    expect(run.output).toContain('Started SageMaker pipeline execution arn:aws:sagemaker:us-east-1:123456789012:pipeline/churn/execution/abc123');
  });

  test('waiting succeeds when the execution succeeds', () => {
    // WHEN
    const run = runBuild({ waitForExecution: true }, { statuses: ['Executing', 'Executing', 'Succeeded'] });

    // THEN
    expect(run.status).toBe(0);
    expect(run.calls.filter((c) => c.startsWith('sagemaker list-pipeline-executions --pipeline-name churn'))).toHaveLength(3);
    expect(run.output).toMatch(/execution\/abc123: Succeeded/);
  });

  test('waiting fails the build when the execution fails', () => {
    // WHEN
    const run = runBuild({ waitForExecution: true }, { statuses: ['Executing', 'Failed'] });

    // THEN
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('SageMaker pipeline execution ended Failed');
  });

  test('waiting fails the build when the execution is stopped', () => {
    const run = runBuild({ waitForExecution: true }, { statuses: ['Stopping', 'Stopped'] });
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('ended Stopped');
  });

  test('waiting fails the build at the timeout and leaves the execution running', () => {
    // WHEN (a deadline already passed)
    const run = runBuild({ waitForExecution: true }, { statuses: ['Executing'], env: { EXECUTION_TIMEOUT_SECONDS: '0' } });

    // THEN
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('Timed out after 0 s waiting for arn:aws:sagemaker:us-east-1:123456789012:pipeline/churn/execution/abc123; it keeps running');
    expect(run.calls.some((c) => c.startsWith('sagemaker stop-pipeline-execution'))).toBe(false);
  });

  test('definition mode generates the definition, updates the pipeline, then starts it', () => {
    // WHEN
    const run = runBuild({ update: PipelineUpdate.fromRepositoryDefinition({ generateCommand: 'mkdir -p build && echo \'{"Version":"2020-12-01","Steps":[]}\' > build/def.json', definitionPath: 'build/def.json' }) });

    // THEN
    expect(run.status).toBe(0);
    expect(run.calls[0]).toBe('sagemaker update-pipeline --pipeline-name churn --pipeline-definition file://build/def.json --pipeline-description Updated by CI build churn-ci-run:1111');
    expect(run.calls[1]).toMatch(/^sagemaker start-pipeline-execution/);
  });

  test('definition mode fails before touching the pipeline when no definition was produced', () => {
    // WHEN
    const run = runBuild({ update: PipelineUpdate.fromRepositoryDefinition() });

    // THEN
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('No pipeline definition at pipeline-definition.json');
    expect(run.calls).toEqual([]);
  });

  test('start-only publishes this revision\'s code and passes its URI as a pipeline parameter', () => {
    // WHEN
    const run = runBuild((s) => ({ update: PipelineUpdate.startOnly({ codeBucket: secureBucket(s, 'Code'), codePrefix: 'churn', codeUriParameter: 'CodeUri' }) }),
      { env: { CODE_BUCKET: 'code-bucket', CODE_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/k' }, files: { 'train.py': 'print(1)\n' } });

    // THEN
    expect(run.status).toBe(0);
    expect(run.calls[0]).toBe('s3 sync . s3://code-bucket/churn/0123456789abcdef --exclude .git/* --only-show-errors --sse aws:kms --sse-kms-key-id arn:aws:kms:us-east-1:123456789012:key/k');
    expect(run.calls[1]).toContain('--pipeline-parameters Name=CodeUri,Value=s3://code-bucket/churn/0123456789abcdef');
  });
});

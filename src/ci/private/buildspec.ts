import * as codebuild from 'aws-cdk-lib/aws-codebuild';

/** Inputs of the test build. */
export interface TestBuildSpecOptions {
  readonly pythonVersion: string;
  readonly installCommands: string[];
  readonly testCommand: string;
  /** Relative path of the JUnit XML file the test command writes. */
  readonly reportPath: string;
  /** ARN of the report group the JUnit results go to. */
  readonly reportGroupArn: string;
}

/**
 * The test build: install the requirements, run the tests, publish the JUnit
 * results to the report group (also when the tests fail).
 */
export function testBuildSpec(o: TestBuildSpecOptions): codebuild.BuildSpec {
  const slash = o.reportPath.lastIndexOf('/');
  const dir = slash < 0 ? '.' : o.reportPath.slice(0, slash);
  const file = slash < 0 ? o.reportPath : o.reportPath.slice(slash + 1);
  return codebuild.BuildSpec.fromObject({
    version: '0.2',
    env: { shell: 'bash' },
    phases: {
      install: {
        'runtime-versions': { python: o.pythonVersion },
        'commands': o.installCommands,
      },
      build: {
        commands: [`mkdir -p "${dir}"`, o.testCommand],
      },
    },
    reports: {
      [o.reportGroupArn]: {
        'files': [file],
        'base-directory': dir,
        'file-format': 'JUNITXML',
      },
    },
  });
}

/** Inputs of the update-and-run build. */
export interface RunBuildSpecOptions {
  readonly pythonVersion: string;
  readonly installCommands: string[];
  /** Commands of the update mode (publish code, update the definition). */
  readonly updateCommands: string[];
  /** `--pipeline-parameters` items, already quoted. */
  readonly startParameters: string[];
  /** Poll the execution until it ends and fail the build unless it succeeded. */
  readonly wait: boolean;
}

/**
 * The update-and-run build: update (mode-specific), start an execution of
 * this one SageMaker pipeline, optionally wait for it.
 */
export function runBuildSpec(o: RunBuildSpecOptions): codebuild.BuildSpec {
  const parameters = o.startParameters.length > 0
    ? ` --pipeline-parameters ${o.startParameters.map((p) => `"${p}"`).join(' ')}`
    : '';
  const start = 'EXECUTION_ARN=$(aws sagemaker start-pipeline-execution --pipeline-name "$PIPELINE_NAME"'
    + ' --pipeline-execution-description "CI build $CODEBUILD_BUILD_ID, source revision ${CODEBUILD_RESOLVED_SOURCE_VERSION:-unknown}"'
    + `${parameters} --query PipelineExecutionArn --output text)`;
  const commands = [...o.updateCommands, start, 'echo "Started SageMaker pipeline execution $EXECUTION_ARN"'];
  if (o.wait) {
    commands.push(waitCommand());
  }
  return codebuild.BuildSpec.fromObject({
    version: '0.2',
    env: { 'shell': 'bash', 'exported-variables': ['EXECUTION_ARN'] },
    phases: {
      ...(o.installCommands.length > 0
        ? { install: { 'runtime-versions': { python: o.pythonVersion }, 'commands': o.installCommands } }
        : {}),
      build: { commands },
    },
  });
}

/**
 * Poll the execution's status with `ListPipelineExecutions` (allowed on the
 * pipeline ARN, so the build role needs no wildcard on execution ARNs) until
 * it leaves Executing/Stopping or the timeout passes; the last test fails the
 * build unless the execution succeeded.
 */
function waitCommand(): string {
  const query = '"PipelineExecutionSummaries[?PipelineExecutionArn==\'$EXECUTION_ARN\'].PipelineExecutionStatus | [0]"';
  return [
    'deadline=$(( $(date +%s) + EXECUTION_TIMEOUT_SECONDS ))',
    'status=Executing',
    'while [ "$status" = Executing ] || [ "$status" = Stopping ] || [ "$status" = None ]; do',
    'if [ "$(date +%s)" -ge "$deadline" ]; then echo "Timed out after $EXECUTION_TIMEOUT_SECONDS s waiting for $EXECUTION_ARN; it keeps running"; status=TimedOut; break; fi',
    'sleep 30',
    `status=$(aws sagemaker list-pipeline-executions --pipeline-name "$PIPELINE_NAME" --sort-by CreationTime --sort-order Descending --max-items 100 --query ${query} --output text)`,
    'echo "$EXECUTION_ARN: $status"',
    'done',
    '[ "$status" = Succeeded ] || { echo "SageMaker pipeline execution ended $status: see the SageMaker console for the failed step"; false; }',
  ].join('; ').replace(/; do;/g, '; do').replace(/do; /g, 'do ');
}

import { Duration, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import type { CiPipelineProps } from './ci-pipeline';
import { PipelineUpdate } from './pipeline-update';
import { PropsValidator } from '../private/validation';

const PIPELINE_NAME = /^[A-Za-z0-9.@_-]{1,100}$/;
const PYTHON_VERSION = /^3\.\d{1,2}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const REPORT_PATH = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._\-/]+\.xml$/;
/** CodeBuild build timeouts: 5 to 2160 minutes. */
const MIN_BUILD_MINUTES = 5;
const MAX_BUILD_MINUTES = 2160;
/** The update build adds up to 60 minutes around the wait. */
const MAX_WAIT_MINUTES = MAX_BUILD_MINUTES - 60;

/**
 * Check every CiPipeline prop and throw one ValidationError listing all problems.
 */
export function validateCiPipelineProps(scope: IConstruct, props: CiPipelineProps, update: PipelineUpdate): void {
  const v = new PropsValidator(scope, 'CiPipeline');
  for (const problem of [...props.source._problems(), ...update._problems()]) {
    v.add(problem);
  }
  const cmd = props.testCommand;
  v.check(cmd !== undefined && !Token.isUnresolved(cmd) && cmd.trim() === '', {
    prop: 'testCommand',
    value: cmd,
    allowed: 'a non-empty shell command that exits non-zero when a test fails',
    fix: "leave it out for 'python -m pytest --junitxml=test-reports/junit.xml', or give your runner, e.g. 'make test'.",
  });
  (props.installCommands ?? []).forEach((c, i) => v.check(!Token.isUnresolved(c) && c.trim() === '', {
    prop: `installCommands[${i}]`,
    value: c,
    allowed: 'non-empty shell commands',
    fix: 'remove the empty entry.',
  }));
  const report = props.testReportPath;
  v.checkPattern(report, REPORT_PATH, {
    prop: 'testReportPath',
    allowed: 'a relative path of an .xml file inside the repository, no ".."',
    fix: "e.g. 'test-reports/junit.xml', and make the test command write JUnit XML there.",
  });
  const py = props.pythonVersion;
  v.checkPattern(py, PYTHON_VERSION, {
    prop: 'pythonVersion',
    allowed: "a Python 3 minor version the build image offers, e.g. '3.11' or '3.12'",
    fix: "give major.minor only, e.g. '3.12'.",
  });
  v.checkPattern(props.pipelineName, PIPELINE_NAME, {
    prop: 'pipelineName',
    allowed: '1-100 letters, digits, ".", "@", "_", "-"',
    fix: "e.g. 'churn-model-ci', or leave it out for a generated name.",
  });
  checkDuration(v, 'testTimeout', props.testTimeout, MIN_BUILD_MINUTES, MAX_BUILD_MINUTES);
  checkDuration(v, 'executionTimeout', props.executionTimeout, MIN_BUILD_MINUTES, MAX_WAIT_MINUTES);
  v.check(props.executionTimeout !== undefined && props.waitForExecution !== true, {
    prop: 'executionTimeout',
    value: props.executionTimeout?.toHumanString(),
    allowed: 'only together with waitForExecution: true',
    fix: 'set waitForExecution: true to wait for the execution, or remove executionTimeout.',
  });
  (props.notificationEmails ?? []).forEach((e, i) => v.check(!Token.isUnresolved(e) && !EMAIL.test(e), {
    prop: `notificationEmails[${i}]`,
    value: e,
    allowed: 'an email address',
    fix: "e.g. 'ml-team@example.com'.",
  }));
  v.check(props.artifactBucket !== undefined && props.artifactBucket.encryptionKey === undefined, {
    prop: 'artifactBucket',
    value: props.artifactBucket?.node.path,
    allowed: 'a bucket with a customer-managed KMS key (its encryptionKey is known)',
    fix: 'create the bucket with encryption: BucketEncryption.KMS and encryptionKey, import it with Bucket.fromBucketAttributes({ encryptionKey }), or leave it out.',
  });
  v.throwIfAny();
}

function checkDuration(v: PropsValidator, prop: string, d: Duration | undefined, min: number, max: number): void {
  if (d === undefined || Token.isUnresolved(d.toSeconds())) {
    return;
  }
  const minutes = d.toSeconds() / 60;
  v.check(minutes < min || minutes > max, {
    prop,
    value: d.toHumanString(),
    allowed: `${min} minutes to ${max / 60} hours`,
    fix: `give a Duration in that range, e.g. Duration.hours(${prop === 'testTimeout' ? 1 : 2}).`,
  });
}

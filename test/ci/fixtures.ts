import { App, Stack } from 'aws-cdk-lib';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CiPipeline, CiPipelineProps, CiSource } from '../../src/ci';
import { IMlPipeline, MlPipeline } from '../../src/pipeline';
import { createSecureBucket, createSecureKey } from '../../src/private/secure-defaults';
import { testApp } from '../harness/compliance';

export const CONNECTION_ARN = 'arn:aws:codeconnections:us-east-1:123456789012:connection/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d';

/** A GitHub repository through CodeConnections. */
export function connectionSource(extra: { branch?: string; filePaths?: string[]; excludedFilePaths?: string[] } = {}): CiSource {
  return CiSource.connection({ connectionArn: CONNECTION_ARN, owner: 'acme-ml', repo: 'churn-model', ...extra });
}

/** A KMS-encrypted, TLS-only, versioned, access-logged bucket (as a user's compliant bucket would be). */
export function secureBucket(stack: Stack, id: string): s3.Bucket {
  return createSecureBucket(stack, id, { encryptionKey: createSecureKey(stack, `${id}Key`, { description: `${id} test key` }) });
}

/** A CodeCommit repository the user already has. */
export function existingRepository(stack: Stack): codecommit.IRepository {
  return codecommit.Repository.fromRepositoryName(stack, 'Repo', 'churn-model');
}

export interface Built {
  readonly app: App;
  readonly stack: Stack;
  readonly ci: CiPipeline;
  readonly mlPipeline: IMlPipeline;
}

/** A stack with a CI pipeline in front of an imported SageMaker pipeline `churn`. */
export function build(props: (stack: Stack) => Partial<CiPipelineProps> = () => ({})): Built {
  const app = testApp();
  const stack = new Stack(app, 'Ci', { env: { account: '123456789012', region: 'us-east-1' } });
  const mlPipeline = MlPipeline.fromPipelineName(stack, 'Ml', 'churn');
  const ci = new CiPipeline(stack, 'Ci', { pipeline: mlPipeline, source: connectionSource(), ...props(stack) });
  return { app, stack, ci, mlPipeline };
}

/** Every statement of the customer-managed policy whose description starts with `prefix`. */
export function policyStatements(template: Record<string, any>, prefix: string): any[] {
  const policies = Object.values<any>(template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::ManagedPolicy' && String(r.Properties.Description ?? '').startsWith(prefix));
  if (policies.length !== 1) {
    throw new Error(`expected one managed policy '${prefix}...', found ${policies.length}`);
  }
  return policies[0].Properties.PolicyDocument.Statement;
}

/** All actions the statements allow. */
export function actionsOf(statements: any[]): string[] {
  return statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}

/** The parsed buildspec of the project whose description starts with `prefix`. */
export function buildSpecOf(template: Record<string, any>, prefix: string): any {
  const project = Object.values<any>(template.Resources)
    .find((r) => r.Type === 'AWS::CodeBuild::Project' && String(r.Properties.Description).startsWith(prefix));
  if (!project) {
    throw new Error(`no project '${prefix}...'`);
  }
  return JSON.parse(joined(project.Properties.Source.BuildSpec));
}

/** A template string value with references written as `<LogicalId.Attribute>` / `<LogicalId>`. */
export function joined(value: any): string {
  if (typeof value === 'string') {
    return value;
  }
  if (value['Fn::Join']) {
    const [delimiter, parts] = value['Fn::Join'];
    return parts.map(joined).join(delimiter);
  }
  if (value['Fn::GetAtt']) {
    return `<${value['Fn::GetAtt'].join('.')}>`;
  }
  if (value.Ref) {
    return `<${value.Ref}>`;
  }
  throw new Error(`cannot join ${JSON.stringify(value)}`);
}

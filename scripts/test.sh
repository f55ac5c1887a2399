#!/usr/bin/env bash
# All tests: jsii compile, API shape, README and docs/ examples (jsii-rosetta)
# and the links of README and docs/, unit,
# compliance and reliability tests (jest: aws-cdk-lib assertions, the four
# cdk-nag packs, Control Tower controls), eslint, then the AWS contract checks
# over every template and definition the tests synthesized (API calls against
# botocore's service models, IAM statements against the Service Authorization
# Reference, pipeline definitions against the SageMaker Python SDK 2.x and
# 3.x), cfn-lint, checkov and parliament, then the pytest suites of the Python
# the library ships.
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export CDK_DISABLE_CLI_TELEMETRY=true AWS_EC2_METADATA_DISABLED=true
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
bash scripts/bootstrap.sh
rm -rf test-out && mkdir -p test-out/templates
echo "== jsii compile and public API shape"
npx jsii --silence-warnings=reserved-word
node scripts/check-api-shape.js
echo "== README and API doc examples compile (jsii-rosetta --strict)"
npx jsii-rosetta extract --strict
echo "== docs/ examples compile (jsii-rosetta --strict) and README/docs links resolve"
node scripts/check-doc-examples.js
node scripts/check-links.js
echo "== jest (unit, compliance) and eslint"
npx projen test
echo "== API calls vs botocore service models (Step Functions tasks, job requests; scripts/contracts)"
.venv-sdk2/bin/python -m pytest test/contracts/botocore -q -p no:cacheprovider
.venv-sdk2/bin/python scripts/contracts/check_botocore.py test-out/templates
echo "== IAM statements of every synthesized policy against the Service Authorization Reference (iam-data)"
npx ts-node --transpile-only --project tsconfig.dev.json test/contracts/iam/check-templates.ts test-out/templates
echo "== SDK oracle: pipeline definitions vs the SageMaker Python SDK 2.x and 3.x, step arguments vs botocore"
for v in sdk2 sdk3; do
  PYTHONDONTWRITEBYTECODE=1 ".venv-$v/bin/python" -m pytest test/contracts/sdk -q -p no:cacheprovider
done
echo "== cfn-lint and checkov over synthesized templates"
bash scripts/lint-templates.sh
echo "== parliament over every IAM policy of the synthesized templates"
.venv-reliability/bin/python scripts/parliament-lint.py test-out/templates
if compgen -G "test/python_assets/test_*.py" > /dev/null; then
  echo "== pytest (shipped Python)"
  bash scripts/test-python-assets.sh
fi
echo "== all tests passed"

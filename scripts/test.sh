#!/usr/bin/env bash
# All tests: jsii compile, API shape and README examples (jsii-rosetta), unit,
# compliance and reliability tests (jest: aws-cdk-lib assertions, the four
# cdk-nag packs, Control Tower controls), eslint, the SDK oracle (pytest with
# the SageMaker Python SDK 2.x and 3.x over the definitions jest wrote), then cfn-lint, checkov and
# parliament over every template the tests synthesized, then the pytest suites
# of the Python the library ships.
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
echo "== jest (unit, compliance) and eslint"
npx projen test
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

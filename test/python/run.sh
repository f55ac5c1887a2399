#!/usr/bin/env bash
# Python consumer tests: install the jsii-built wheel from dist/python with
# aws-cdk-lib from PyPI (the library's minimum version) into the repo venv and
# run pytest against it; then run every Python example of the README and docs/
# against the same wheel (test/docs/python/run.sh, its own venv).
# Build the wheel first: bash scripts/package.sh python
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${CDK_MLOPS_VENV:-.venv}"
wheel=$(ls dist/python/cdk_mlops-*.whl 2>/dev/null | head -1 || true)
if [ -z "$wheel" ]; then
  echo "test/python/run.sh: no wheel in dist/python; run: bash scripts/package.sh python" >&2
  exit 1
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r test/python/requirements.txt
"$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheel"
"$venv/bin/pip" install --quiet --disable-pip-version-check "$wheel"
"$venv/bin/python" -m pytest test/python -q -p no:cacheprovider "$@"
bash test/docs/python/run.sh

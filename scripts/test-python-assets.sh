#!/usr/bin/env bash
# pytest for the Python the library ships (assets/), in its own venv with the
# packages the SageMaker SKLearn image provides plus moto for S3/CloudWatch.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-assets
req=test/python_assets/requirements.txt
if [ ! -x "$venv/bin/pytest" ] || [ "$req" -nt "$venv/.installed" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  touch "$venv/.installed"
fi
AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
  "$venv/bin/python" -m pytest test/python_assets -q -p no:cacheprovider "$@"

#!/usr/bin/env bash
# Every Python example of the README and docs/, run against the built wheel as
# a new user runs it: a venv of its own (.venv-docs, or $CDK_MLOPS_DOCS_VENV)
# with the wheel and the newest aws-cdk-lib tested (requirements.txt here).
# Synth only, no AWS; fails on an error or a deprecation warning and prints
# how many blocks ran. Build the wheel first: bash scripts/package.sh python
set -euo pipefail
cd "$(dirname "$0")/../../.."
venv="${CDK_MLOPS_DOCS_VENV:-.venv-docs}"
req=test/docs/python/requirements.txt
wheel=$(ls dist/python/cdk_mlops-*.whl 2>/dev/null | head -1 || true)
if [ -z "$wheel" ]; then
  echo "test/docs/python/run.sh: no wheel in dist/python; run: bash scripts/package.sh python" >&2
  exit 1
fi
if [ ! -x "$venv/bin/python" ] || [ "$req" -nt "$venv/.installed" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  touch "$venv/.installed"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheel"
"$venv/bin/pip" install --quiet --disable-pip-version-check "$wheel" -r "$req"
"$venv/bin/python" -m pytest test/docs/python -q -p no:cacheprovider "$@"

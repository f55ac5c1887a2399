#!/usr/bin/env bash
# Installs what the example and the tests need, once: node modules (npm ci),
# the Python tools in .venv (requirements-dev.txt) and parliament in
# .venv-reliability (its own pins). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/jsii ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "bootstrap: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ ! -x .venv/bin/cfn-lint ] || [ requirements-dev.txt -nt .venv/.installed ]; then
  echo "bootstrap: python tools into .venv"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  touch .venv/.installed
fi
if [ ! -x .venv-reliability/bin/python ] || [ test/reliability/requirements.txt -nt .venv-reliability/.installed ]; then
  echo "bootstrap: parliament into .venv-reliability"
  python3 -m venv .venv-reliability
  .venv-reliability/bin/pip install --quiet --disable-pip-version-check -r test/reliability/requirements.txt
  touch .venv-reliability/.installed
fi

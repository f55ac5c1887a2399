#!/usr/bin/env bash
# Installs what the example and the tests need, once: node modules (npm ci),
# the Python tools in .venv (requirements-dev.txt) and parliament in
# .venv-reliability (its own pins), and the release tools: twine in .venv-release
# (requirements-release.txt) and projen's bump tool in the npx cache, so that
# `bash scripts/release.sh --dry-run` needs no network. Safe to run again.
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
# AWS's contracts as data: botocore's service models and the SageMaker Python SDK 2.x in
# .venv-sdk2, the SDK 3.x in .venv-sdk3 (test/contracts/requirements-*.txt, pinned).
for v in sdk2 sdk3; do
  req="test/contracts/requirements-$v.txt"
  if [ ! -x ".venv-$v/bin/python" ] || [ "$req" -nt ".venv-$v/.installed" ]; then
    echo "bootstrap: $req into .venv-$v"
    python3 -m venv ".venv-$v"
    ".venv-$v/bin/pip" install --quiet --disable-pip-version-check -r "$req"
    touch ".venv-$v/.installed"
  fi
done
# Release checkers (scripts/release.sh): twine in .venv-release.
if [ ! -x .venv-release/bin/twine ] || [ requirements-release.txt -nt .venv-release/.installed ]; then
  echo "bootstrap: requirements-release.txt into .venv-release"
  python3 -m venv .venv-release
  .venv-release/bin/pip install --quiet --disable-pip-version-check -r requirements-release.txt
  touch .venv-release/.installed
fi
# projen's bump tool, pinned in .projenrc.ts (BUMP_PACKAGE), runs through npx like in the
# hosted release; put it in the npx cache now so the dry run works offline.
bump_package=$(node -p "require('./.projen/tasks.json').tasks.bump.env.BUMP_PACKAGE")
if ! NPM_CONFIG_OFFLINE=true npx --yes "$bump_package" --version >/dev/null 2>&1; then
  echo "bootstrap: $bump_package into the npx cache"
  npx --yes "$bump_package" --version >/dev/null
fi

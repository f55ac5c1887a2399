#!/usr/bin/env bash
# Installs what the example and the tests need, once: node modules (npm ci),
# the Python environments (the tools, AWS's contracts as data, the drift check's
# packages, the release checkers) and projen's bump tool in the npx cache, so that
# `bash scripts/release.sh --dry-run` needs no network. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each environment below is independent: they install at the same time (mostly
# download and unpack), each logging to .venv-logs/<name>.log, and the
# script fails, printing that log, if any of them fails.
mkdir -p .venv-logs
declare -A jobs=()
# venv NAME REQUIREMENTS CHECK-EXECUTABLE: (re)creates .venv-NAME (or .venv) when
# missing or older than its requirements file.
venv() {
  local dir="$1" req="$2" exe="$3"
  if [ ! -x "$dir/bin/$exe" ] || [ "$req" -nt "$dir/.installed" ]; then
    echo "bootstrap: $req into $dir"
    (
      set -e
      python3 -m venv "$dir"
      "$dir/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
      "$dir/bin/pip" install --quiet --disable-pip-version-check -r "$req"
      touch "$dir/.installed"
    ) >".venv-logs/${dir#.}.log" 2>&1 &
    jobs["$dir"]=$!
  fi
}
# cfn-lint, checkov, pytest (requirements-dev.txt); parliament (its own pins);
# AWS's contracts as data: botocore's service models and the SageMaker Python SDK
# 2.x in .venv-sdk2, the SDK 3.x in .venv-sdk3 (test/contracts/requirements-*.txt,
# pinned); the drift check's image packages (test/python_assets); twine for the
# release checkers (scripts/release.sh).
venv .venv requirements-dev.txt cfn-lint
venv .venv-reliability test/reliability/requirements.txt python
venv .venv-sdk2 test/contracts/requirements-sdk2.txt python
venv .venv-sdk3 test/contracts/requirements-sdk3.txt python
venv .venv-assets test/python_assets/requirements.txt pytest
venv .venv-release requirements-release.txt twine
if [ ! -x node_modules/.bin/jsii ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "bootstrap: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
failed=0
for dir in "${!jobs[@]}"; do
  if ! wait "${jobs[$dir]}"; then
    echo "bootstrap: installing $dir failed:" >&2
    cat ".venv-logs/${dir#.}.log" >&2
    failed=1
  fi
done
[ "$failed" = 0 ] || exit 1
# projen's bump tool, pinned in .projenrc.ts (BUMP_PACKAGE), runs through npx like in the
# hosted release; put it in the npx cache now so the dry run works offline.
bump_package=$(node -p "require('./.projen/tasks.json').tasks.bump.env.BUMP_PACKAGE")
if ! NPM_CONFIG_OFFLINE=true npx --yes "$bump_package" --version >/dev/null 2>&1; then
  echo "bootstrap: $bump_package into the npx cache"
  npx --yes "$bump_package" --version >/dev/null
fi

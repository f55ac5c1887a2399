#!/usr/bin/env bash
# API compatibility: jsii-diff of this build against the last released build
# (npm:cdk-mlops, or the assembly given as $1). Breaking changes fail unless
# their key is listed, with a reason, in .compatignore. Run after `npx jsii`.
#
#   bash scripts/compat.sh                 # against the latest release on npm
#   bash scripts/compat.sh path/to/.jsii   # against a given assembly
set -euo pipefail
cd "$(dirname "$0")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
base="${1:-}"
if [ -z "$base" ]; then
  if ! released=$(npm view cdk-mlops version 2>/dev/null); then
    echo "compat: cdk-mlops has no release on npm yet; nothing to compare against"
    exit 0
  fi
  base="npm:cdk-mlops@$released"
fi
echo "compat: comparing $base with this build"
# every API is 'experimental' until 1.0; report all breaking changes as errors
npx jsii-diff "$base" . --keys --error-on all --ignore-file .compatignore

#!/usr/bin/env bash
# Build the jsii packages: bash scripts/package.sh [js|python|java|go|dotnet ...]
# (default: python). Compiles with jsii first; output in dist/<language>.
# go and dotnet are generated only (--code-only). The generated Go module names
# aws-cdk-go v2.258.0, whose dependency cloud-assembly-schema-go v54.26.0 the Go
# module proxy refuses (403: "This module version is not available"), so it is
# compiled by its consumer instead: test/go requires aws-cdk-go v2.277.0 and
# builds this module against it (bash test/go/run.sh). NuGet is not reachable,
# so .NET is generated only.
set -euo pipefail
cd "$(dirname "$0")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
targets=("$@")
[ "${#targets[@]}" -eq 0 ] && targets=(python)
npx jsii --silence-warnings=reserved-word
for t in "${targets[@]}"; do
  start=$(date +%s)
  case "$t" in
    go|dotnet) npx jsii-pacmak --target "$t" --code-only ;;
    *) npx jsii-pacmak --target "$t" ;;
  esac
  echo "package: $t built in $(( $(date +%s) - start ))s"
done

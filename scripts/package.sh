#!/usr/bin/env bash
# Build the jsii packages: bash scripts/package.sh [js|python|java|go|dotnet ...]
# (default: python). Compiles with jsii first; output in dist/<language>.
# go and dotnet are generated only (--code-only): the Go module proxy reachable
# here refuses a dependency of aws-cdk-go >= 2.258 (cloud-assembly-schema-go
# v54), and NuGet is not reachable, so neither can be compiled on this machine.
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

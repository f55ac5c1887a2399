#!/usr/bin/env bash
# Build the jsii packages: bash scripts/package.sh [js|python|java|go|dotnet ...]
# (default: python). Compiles with jsii first; output in dist/<language>.
set -euo pipefail
cd "$(dirname "$0")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
targets=("$@")
[ "${#targets[@]}" -eq 0 ] && targets=(python)
npx jsii --silence-warnings=reserved-word
for t in "${targets[@]}"; do
  start=$(date +%s)
  npx jsii-pacmak --target "$t"
  echo "package: $t built in $(( $(date +%s) - start ))s"
done

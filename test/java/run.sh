#!/usr/bin/env bash
# Java consumer tests: a Maven project that depends on the jsii-built package
# (dist/java, a local Maven repository) and aws-cdk-lib from Maven Central.
# Build the package first: bash scripts/release.sh --dry-run (the versioned release
# artifact) or bash scripts/package.sh java (version 0.0.0).
set -euo pipefail
cd "$(dirname "$0")"
versions=(../../dist/java/io/github/cdk-mlops/cdk-mlops/*/)
if [ ! -d "${versions[0]}" ]; then
  echo "test/java/run.sh: no package in dist/java; run: bash scripts/release.sh --dry-run" >&2
  exit 1
fi
if [ "${#versions[@]}" -ne 1 ]; then
  echo "test/java/run.sh: several versions in dist/java (${versions[*]}); remove dist/java and build again" >&2
  exit 1
fi
version=$(basename "${versions[0]}")
# a fresh copy of the local package each run (Maven caches it by version)
rm -rf "${HOME}/.m2/repository/io/github/cdk-mlops"
mvn -B -ntp -Dcdk-mlops.version="$version" test

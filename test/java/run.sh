#!/usr/bin/env bash
# Java consumer tests: a Maven project that depends on the jsii-built package
# (dist/java, a local Maven repository) and aws-cdk-lib from Maven Central.
# Build the package first: bash scripts/package.sh java
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d ../../dist/java/io/github/cdk-mlops ]; then
  echo "test/java/run.sh: no package in dist/java; run: bash scripts/package.sh java" >&2
  exit 1
fi
# a fresh copy of the local package each run (Maven caches it by version)
rm -rf "${HOME}/.m2/repository/io/github/cdk-mlops"
mvn -B -ntp test

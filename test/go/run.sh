#!/usr/bin/env bash
# Go consumer tests: a module that uses the jsii-built Go module (dist/go, by a
# replace directive) and aws-cdk-go v2.277.0 from the Go module proxy (minimal
# version selection builds the generated module against it). Fails on a test
# failure and on any aws-cdk-lib deprecation warning printed during synth (the
# Go run uses the aws-cdk-lib that aws-cdk-go embeds, newer than the npm one).
# Build it first: bash scripts/package.sh go
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d ../../dist/go/cdkmlops ]; then
  echo "test/go/run.sh: no module in dist/go; run: bash scripts/package.sh go" >&2
  exit 1
fi
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 JSII_DEPRECATED=warn
go mod tidy
go list -m github.com/aws/aws-cdk-go/awscdk/v2 github.com/aws/jsii-runtime-go \
  github.com/cdklabs/cloud-assembly-schema-go/awscdkcloudassemblyschema/v55
pattern='\[WARNING\].*is deprecated'
# the pattern catches the line aws-cdk-lib prints (positive control)
echo '[WARNING] aws-cdk-lib.CfnResource#addDependency is deprecated, and will be removed in the next major release.' \
  | grep -Eq "$pattern" || { echo "test/go/run.sh: the deprecation pattern is broken" >&2; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
go test -count=1 -v ./... 2>&1 | tee "$log" || status=$?
if grep -Eq "$pattern" "$log"; then
  echo "test/go/run.sh: aws-cdk-lib printed deprecation warnings during synth:" >&2
  grep -E "$pattern" "$log" | sort | uniq -c >&2
  exit 1
fi
exit "$status"

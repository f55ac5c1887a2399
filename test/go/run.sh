#!/usr/bin/env bash
# Go consumer tests: a module that uses the jsii-built Go module (dist/go) and
# aws-cdk-go from the Go module proxy. Build it first: bash scripts/package.sh go
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d ../../dist/go/cdkmlops ]; then
  echo "test/go/run.sh: no module in dist/go; run: bash scripts/package.sh go" >&2
  exit 1
fi
go mod tidy
go test -count=1 -v ./...

#!/usr/bin/env bash
# Checks the Go module a release publishes (dist/go/<package>, pushed to the Go module
# repository by publib): module path, version file, then `go vet` and `go build` of every
# package, from a scratch module that requires the release's module unchanged. (Not gofmt:
# jsii-pacmak's Go output differs from gofmt in blank lines only.)
#
# The module requires aws-cdk-go v2.258.0, whose dependency cloud-assembly-schema-go v54 the
# module proxy reachable here refuses. The scratch module also requires
# github.com/aws/aws-cdk-go/awscdk/v2 at $CDK_MLOPS_GO_AWSCDK (default v2.277.0, which the proxy
# serves), and minimal version selection builds the release's module against it, the way a
# Go user's own go.mod with a newer aws-cdk-go would.
#
#   bash scripts/release/check-go.sh DIST_GO MODULE_NAME VERSION
set -euo pipefail
dist_go=$(cd "$1" && pwd); module_root=$2; version=$3
awscdk=${CDK_MLOPS_GO_AWSCDK:-v2.277.0}
pkg_dir=$(find "$dist_go" -mindepth 1 -maxdepth 1 -type d | head -1)
[ -n "$pkg_dir" ] || { echo "go: FAIL no module in $dist_go" >&2; exit 1; }
module=$(awk '/^module /{print $2; exit}' "$pkg_dir/go.mod")
fail() { echo "go: FAIL $*" >&2; exit 1; }
[ "$module" = "$module_root/$(basename "$pkg_dir")" ] || fail "go.mod declares module $module, expected $module_root/$(basename "$pkg_dir")"
[ "$(cat "$pkg_dir/version" 2>/dev/null)" = "$version" ] || fail "$pkg_dir/version is '$(cat "$pkg_dir/version" 2>/dev/null)', expected $version"

work=$(mktemp -d "${TMPDIR:-/tmp}/check-go.XXXXXX")
trap 'rm -rf "$work"' EXIT
cat > "$work/go.mod" <<EOF
module cdkmlops.release/check

go 1.23

require (
	$module v$version
	github.com/aws/aws-cdk-go/awscdk/v2 $awscdk
)

replace $module => $pkg_dir
EOF
printf 'package check\n\nimport _ "%s"\n' "$module" > "$work/check.go"
cd "$work"
export GOFLAGS=-mod=mod
go mod tidy >"$work/tidy.log" 2>&1 || { cat "$work/tidy.log" >&2; fail "go mod tidy of the scratch module"; }
selected=$(go list -m -f '{{.Version}}' github.com/aws/aws-cdk-go/awscdk/v2 2>/dev/null || echo "not used")
packages=$(go list "$module/...")
go vet "$module/..." || fail "go vet $module/..."
go build "$module/..." || fail "go build $module/..."
echo "go: $module v$version: $(echo "$packages" | wc -l) packages, go vet and go build pass (aws-cdk-go $selected)"

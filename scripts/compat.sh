#!/usr/bin/env bash
# API compatibility: jsii-diff of this build against the previous release, or the assembly
# given as $1. Breaking changes fail unless their key is listed, with a reason, in
# .compatignore. Run after `npx jsii`.
#
# The previous release is the latest v* tag reachable from HEAD (the tags projen's release
# workflow creates; the same tags `projen bump` versions from), compared as published on npm.
# Without a tag, npm is asked: a package that was never published (E404) has nothing to
# compare with; any other failure to reach npm fails the check rather than skipping it.
#
#   bash scripts/compat.sh                 # against the previous release
#   bash scripts/compat.sh path/to/.jsii   # against a given assembly
set -euo pipefail
cd "$(dirname "$0")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
name=$(node -p "require('./package.json').name")
base="${1:-}"
if [ -z "$base" ]; then
  if tag=$(git describe --tags --abbrev=0 --match 'v[0-9]*' HEAD 2>/dev/null); then
    base="npm:$name@${tag#v}"
  else
    errors=$(mktemp)
    trap 'rm -f "$errors"' EXIT
    if released=$(npm view "$name" version 2>"$errors") && [ -n "$released" ]; then
      base="npm:$name@$released"
    elif grep -q "E404" "$errors"; then
      echo "compat: $name has no release yet (no v* tag, not on npm); nothing to compare against"
      exit 0
    else
      echo "compat: cannot tell which release to compare against (no v* tag, npm unreachable):" >&2
      cat "$errors" >&2
      exit 1
    fi
  fi
fi
echo "compat: comparing $base with this build"
# every API is 'experimental' until 1.0; report all breaking changes as errors
npx jsii-diff "$base" . --keys --error-on all --ignore-file .compatignore

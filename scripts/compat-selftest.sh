#!/usr/bin/env bash
# Positive control for scripts/compat.sh: a "released" assembly with one more
# prop than this build must fail the check, and pass once its key is allowed.
set -euo pipefail
cd "$(dirname "$0")/.."
# outside the repo (docgen and rosetta discover every .jsii below it), with
# the repo's node_modules so jsii-diff can load the dependencies
base=$(mktemp -d)/released
mkdir -p "$base"
ln -s "$PWD/node_modules" "$base/node_modules"
cp package.json "$base/package.json"
node -e "
const fs = require('fs');
const a = JSON.parse(fs.readFileSync('.jsii', 'utf8'));
a.types['cdk-mlops.SecureMlNetworkProps'].properties.push({ abstract: true, docs: { summary: 'removed since' },
  immutable: true, locationInModule: { filename: 'x.ts', line: 1 }, name: 'removedProp', optional: true, type: { primitive: 'string' } });
fs.writeFileSync('$base/.jsii', JSON.stringify(a));
"
if bash scripts/compat.sh "$base" > "$base/out.txt" 2>&1; then
  echo "compat self-test: a removed prop was NOT reported" >&2; cat "$base/out.txt" >&2; exit 1
fi
grep -q 'removed:cdk-mlops.SecureMlNetworkProps.removedProp' "$base/out.txt"
cp .compatignore "$base/.compatignore.bak"
trap 'cp "$base/.compatignore.bak" .compatignore' EXIT
echo 'removed:cdk-mlops.SecureMlNetworkProps.removedProp' >> .compatignore
bash scripts/compat.sh "$base" > "$base/out2.txt" 2>&1
echo "compat self-test: the removed prop fails the check and passes once allowed in .compatignore"

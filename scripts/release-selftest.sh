#!/usr/bin/env bash
# Positive controls for the gates scripts/release.sh runs: each must fail on a deliberately
# wrong input and pass on the corrected one. First, the versions projen's bump gives made-up
# commits (0.1.0 first; docs only: no release; feat: patch; breaking: minor, announced).
#   1. API compatibility: a released assembly with a prop this build lacks (compat-selftest.sh).
#   2. Licences: a scratch package whose runtime dependency is AGPL-3.0 (the repository's own
#      dev-only @cloud-copilot/iam-simulate, moved to "dependencies").
#   3. Maven Central: a bundle without <scm>, without a -sources.jar, with a stale checksum.
#   4. Go: a module that `go vet` rejects, and one whose version file is not the release's.
# (The npm tarball rules and the SBOM scoping are tested in test/release/*.test.ts.)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
tmp=$(mktemp -d "${TMPDIR:-/tmp}/release-selftest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
expect_failure() {
  # expect_failure NAME PATTERN CMD...: CMD must exit non-zero and print PATTERN
  local name=$1 pattern=$2; shift 2
  if "$@" >"$tmp/out.txt" 2>&1; then
    echo "release self-test: $name was NOT rejected" >&2; cat "$tmp/out.txt" >&2; exit 1
  fi
  grep -Eq -- "$pattern" "$tmp/out.txt" || { echo "release self-test: $name failed without naming /$pattern/:" >&2; cat "$tmp/out.txt" >&2; exit 1; }
  echo "release self-test: rejected as expected: $name"
}
expect_success() {
  local name=$1; shift
  "$@" >"$tmp/out.txt" 2>&1 || { echo "release self-test: $name was rejected:" >&2; cat "$tmp/out.txt" >&2; exit 1; }
  echo "release self-test: accepted as expected: $name"
}

# 0. versioning: projen's bump on a scratch clone with made-up commits (CONTRIBUTING.md,
#    "What the version numbers mean")
git clone --quiet --no-checkout --shared "$repo" "$tmp/versions"
git -C "$tmp/versions" checkout --quiet --detach "$(git rev-parse HEAD)"
# the committed release configuration may be older than the working tree's: use the latter
cp .projen/tasks.json "$tmp/versions/.projen/tasks.json"
ln -s "$repo/node_modules" "$tmp/versions/node_modules"
commit() { git -C "$tmp/versions" -c user.name=selftest -c user.email=selftest@example.com commit --quiet --allow-empty -m "$1" ${2:+-m "$2"}; }
bumped() {
  # the version and changelog entry `projen bump` produces for the commits so far
  (cd "$tmp/versions" && git checkout --quiet package.json && rm -rf dist \
    && NPM_CONFIG_PREFER_OFFLINE=true npx projen bump >"$tmp/bump.log" 2>&1) || { cat "$tmp/bump.log" >&2; return 1; }
  cat "$tmp/versions/dist/version.txt"
}
expect_version() {
  local want=$1 why=$2 got
  got=$(bumped)
  [ "$got" = "$want" ] || { echo "release self-test: $why: projen bump gave $got, expected $want" >&2; exit 1; }
  echo "release self-test: $why -> $got"
}
expect_version 0.1.0 "first release (no v* tag)"
git -C "$tmp/versions" tag v0.1.0
commit "docs: a documentation change"
expect_version 0.1.0 "only a docs commit since v0.1.0: nothing to release"
commit "feat(network): a new feature"
expect_version 0.1.1 "a feat in 0.x"
grep -q '^\* \*\*network:\*\* a new feature' "$tmp/versions/dist/changelog.md" || { echo "release self-test: the feature is not in the changelog entry" >&2; exit 1; }
git -C "$tmp/versions" tag v0.1.1
commit "refactor(pipeline): rename a prop" "BREAKING CHANGE: PipelineProps.foo is now bar"
expect_version 0.2.0 "a breaking change in 0.x"
grep -q 'BREAKING CHANGES' "$tmp/versions/dist/changelog.md" && grep -q 'PipelineProps.foo is now bar' "$tmp/versions/dist/changelog.md" \
  || { echo "release self-test: the breaking change is not announced in the changelog entry" >&2; cat "$tmp/versions/dist/changelog.md" >&2; exit 1; }

# 1. a breaking API change
bash scripts/compat-selftest.sh

# 2. a copyleft runtime dependency
mkdir -p "$tmp/pkg"
ln -s "$repo/node_modules" "$tmp/pkg/node_modules"
node -e "
const p = require('./package.json');
const fixture = { name: 'licence-fixture', version: '1.0.0', license: 'Apache-2.0', peerDependencies: p.peerDependencies };
require('fs').writeFileSync('$tmp/pkg/package.json', JSON.stringify(fixture));
fixture.dependencies = { '@cloud-copilot/iam-simulate': p.devDependencies['@cloud-copilot/iam-simulate'] };
require('fs').writeFileSync('$tmp/pkg/package.copyleft.json', JSON.stringify(fixture));
"
expect_success "a package with this library's peer dependencies only" node scripts/release/licenses.js --package "$tmp/pkg"
cp "$tmp/pkg/package.copyleft.json" "$tmp/pkg/package.json"
expect_failure "an AGPL-3.0 runtime dependency" '@cloud-copilot/iam-simulate@[0-9.]+ ships at runtime .*AGPL-3.0-or-later is network copyleft' \
  node scripts/release/licenses.js --package "$tmp/pkg"

# 3. a Maven bundle that Central would refuse
python3 - "$tmp/java" <<'EOF'
import hashlib, os, sys, zipfile
base = os.path.join(sys.argv[1], "io", "example", "fixture", "1.0.0")
os.makedirs(base)
stem = os.path.join(base, "fixture-1.0.0")
pom = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.example</groupId><artifactId>fixture</artifactId><version>1.0.0</version>
  <name>fixture</name><description>a fixture</description><url>https://example.com/fixture</url>
  <licenses><license><name>Apache-2.0</name><url>https://www.apache.org/licenses/LICENSE-2.0</url></license></licenses>
  <developers><developer><name>someone</name></developer></developers>
  <scm><connection>scm:git:https://example.com/fixture.git</connection><url>https://example.com/fixture</url></scm>
</project>
"""
open(stem + ".pom", "w").write(pom)
for suffix, entry in ((".jar", "io/example/Fixture.class"), ("-sources.jar", "io/example/Fixture.java"), ("-javadoc.jar", "index.html")):
    with zipfile.ZipFile(stem + suffix, "w") as z:
        z.writestr(entry, "x")
for suffix in (".pom", ".jar", "-sources.jar", "-javadoc.jar"):
    data = open(stem + suffix, "rb").read()
    for alg in ("md5", "sha1"):
        open(f"{stem}{suffix}.{alg}", "w").write(hashlib.new(alg, data).hexdigest())
EOF
fixture_pom="$tmp/java/io/example/fixture/1.0.0/fixture-1.0.0"
maven() { python3 scripts/release/check_maven.py "$tmp/java" io.example fixture 1.0.0; }
expect_success "a complete Maven bundle" maven
cp "$fixture_pom.pom" "$tmp/pom.bak"
sed -i 's#<scm>.*</scm>##' "$fixture_pom.pom"
expect_failure "a POM without <scm>" 'POM has no <scm>' maven
cp "$tmp/pom.bak" "$fixture_pom.pom"
expect_success "the same bundle with <scm> restored" maven
mv "$fixture_pom-sources.jar" "$tmp/sources.jar"
expect_failure "a bundle without a -sources.jar" 'fixture-1.0.0-sources.jar is missing' maven
mv "$tmp/sources.jar" "$fixture_pom-sources.jar"
echo "tampered" >> "$fixture_pom.jar"
expect_failure "a jar whose checksum is stale" 'fixture-1.0.0.jar.(md5|sha1) does not match' maven

# 4. a Go module that go vet rejects, or of another version
mkdir -p "$tmp/go/fixture"
printf 'module example.com/fixtures/fixture\n\ngo 1.23\n' > "$tmp/go/fixture/go.mod"
printf '1.0.0' > "$tmp/go/fixture/version"
printf 'package fixture\n\nimport "fmt"\n\n// Hello greets.\nfunc Hello() string { return fmt.Sprintf("%%s", "go vet accepts this") }\n' > "$tmp/go/fixture/fixture.go"
expect_success "a Go module go vet accepts" bash scripts/release/check-go.sh "$tmp/go" example.com/fixtures 1.0.0
expect_failure "a Go module of another version" 'version is .1\.0\.0., expected 1\.0\.1' bash scripts/release/check-go.sh "$tmp/go" example.com/fixtures 1.0.1
printf 'package fixture\n\nimport "fmt"\n\n// Hello greets.\nfunc Hello() string { return fmt.Sprintf("%%d", "not a number") }\n' > "$tmp/go/fixture/fixture.go"
expect_failure "a Go module go vet rejects" 'go vet example.com/fixtures/fixture' bash scripts/release/check-go.sh "$tmp/go" example.com/fixtures 1.0.0

echo "release self-test: every release gate rejects its wrong input and accepts the corrected one"

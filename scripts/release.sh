#!/usr/bin/env bash
# The release: version, gates, the four artifacts and their ecosystems' checkers, changelog
# entry, licences and SBOM. Nothing is uploaded here; the hosted release workflow publishes
# dist/ with publib afterwards (see CONTRIBUTING.md, "Releases").
#
#   bash scripts/release.sh --dry-run
#       In a scratch copy of this working tree (its committed history and tags, plus local
#       changes): `projen bump` computes the next version from the conventional commits since
#       the last release tag and writes the changelog entry. Then the same steps as a release.
#       Copies the results to dist/; the working tree's package.json and the git tags are not
#       touched. Works offline once scripts/bootstrap.sh has run (package caches only).
#   bash scripts/release.sh
#       The release job: `npx projen release` has bumped package.json (dist/version.txt) and
#       runs this in place, through .ci/run with RELEASE=true.
#
# Steps: API compatibility with the previous release (jsii-diff, .compatignore); jsii
# compile; jsii-pacmak js, python, java and go (once each); npm tarball (npm pack --dry-run
# list + package rules), wheel and sdist (twine check), Maven bundle (Central's
# requirements), Go module (go vet, go build); changelog entry; licence gate (no copyleft at
# runtime); CycloneDX SBOM. Artifacts in dist/{js,python,java,go}, plus dist/changelog.md,
# dist/version.txt, dist/releasetag.txt, dist/sbom.cdx.json, dist/licenses.json.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 CDK_DISABLE_CLI_TELEMETRY=true AWS_EC2_METADATA_DISABLED=true
export NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
mode=release
case "${1:-}" in
  --dry-run) mode=dry-run ;;
  "") ;;
  *) echo "usage: bash scripts/release.sh [--dry-run]" >&2; exit 2 ;;
esac
twine="$repo/.venv-release/bin/twine"
[ -x "$twine" ] || { echo "release: no $twine; run: bash scripts/bootstrap.sh" >&2; exit 1; }

declare -a timings=()
step() {
  local label=$1 started
  shift
  started=$(date +%s)
  echo "release: == $label"
  "$@"
  timings+=("$label: $(( $(date +%s) - started ))s")
}

if [ "$mode" = dry-run ]; then
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/cdk-mlops-release.XXXXXX")
  trap 'rm -rf "$scratch"' EXIT
  work="$scratch/repo"
  copy_tree() {
    # committed history and tags (shared objects), then the working tree's local changes
    git clone --quiet --no-checkout --shared "$repo" "$work"
    git -C "$work" checkout --quiet --detach "$(git -C "$repo" rev-parse HEAD)"
    git -C "$repo" ls-files -z --modified --others --exclude-standard | (cd "$repo" && tar --null -T - -cf -) | tar -xf - -C "$work"
    git -C "$repo" ls-files -z --deleted | (cd "$work" && xargs -0 -r rm -f --)
    ln -s "$repo/node_modules" "$work/node_modules"
  }
  bump() {
    # projen's bump: conventional commits since the last v* tag -> version + changelog entry.
    # Its bump tool (commit-and-tag-version, pinned in .projenrc.ts) comes from the npx cache
    # that scripts/bootstrap.sh fills.
    (cd "$work" && rm -rf dist && NPM_CONFIG_PREFER_OFFLINE=true npx projen bump)
    [ -s "$work/dist/version.txt" ] || { echo "release: projen bump wrote no version (is HEAD a chore(release) commit?)" >&2; return 1; }
  }
  step "scratch copy of the working tree" copy_tree
  step "version and changelog entry (projen bump)" bump
else
  work="$repo"
  [ -s dist/version.txt ] || { echo "release: no dist/version.txt: run through 'npx projen release' (it bumps first), or use --dry-run" >&2; exit 1; }
  [ "$(cat dist/version.txt)" = "$(node -p "require('./package.json').version")" ] || { echo "release: dist/version.txt and package.json disagree" >&2; exit 1; }
fi

cd "$work"
version=$(cat dist/version.txt)
name=$(node -p "require('./package.json').name")
echo "release: $name $version ($mode) in $work"

changelog_entry() {
  # the entry projen's bump generated for this version: dist/changelog.md, the release notes
  grep -Eq "^##+ \[?$(printf '%s' "$version" | sed 's/\./\\./g')\]?( |\()" dist/changelog.md \
    || { echo "release: dist/changelog.md has no entry for $version" >&2; return 1; }
  [ "$(cat dist/releasetag.txt)" = "v$version" ] || { echo "release: dist/releasetag.txt is not v$version" >&2; return 1; }
  echo "release: changelog entry: $(grep -Ec '^\* ' dist/changelog.md) change lines for $version"
}
compile() { npx jsii --silence-warnings=reserved-word; }
pacmak() {
  rm -rf dist/js dist/python dist/java dist/go
  npx jsii-pacmak --target js --target python --target java
  # Go: generated only; check-go.sh builds it (the module proxy here refuses aws-cdk-go 2.258's deps)
  npx jsii-pacmak --target go --code-only
}
check_npm() { node "$repo/scripts/release/check-npm.js" --tarball "dist/js/$name@$version.jsii.tgz" --version "$version"; }
check_python() {
  local dist_name; dist_name=$(node -p "require('./package.json').jsii.targets.python.distName.replace(/-/g, '_')")
  for f in "dist/python/$dist_name-$version-py3-none-any.whl" "dist/python/$dist_name-$version.tar.gz"; do
    [ -s "$f" ] || { echo "python: FAIL $f is missing" >&2; return 1; }
  done
  "$twine" check --strict dist/python/*
}
check_maven() {
  read -r group artifact < <(node -p "const m=require('./package.json').jsii.targets.java.maven; m.groupId + ' ' + m.artifactId")
  python3 "$repo/scripts/release/check_maven.py" dist/java "$group" "$artifact" "$version"
}
check_go() { bash "$repo/scripts/release/check-go.sh" dist/go "$(node -p "require('./package.json').jsii.targets.go.moduleName")" "$version"; }
licences() { node "$repo/scripts/release/licenses.js" --package . --report dist/licenses.json; }
sbom() { node "$repo/scripts/release/sbom.js" --package . --out dist/sbom.cdx.json; }

step "changelog entry" changelog_entry
step "jsii compile" compile
step "API compatibility with the previous release (jsii-diff)" bash scripts/compat.sh
step "licences of the runtime closure" licences
step "SBOM (CycloneDX)" sbom
step "artifacts (jsii-pacmak js, python, java; go generated)" pacmak
step "npm: tarball vs npm pack --dry-run, package rules" check_npm
step "PyPI: twine check (wheel, sdist)" check_python
step "Maven Central: POM, jars, checksums" check_maven
step "Go: go vet, go build" check_go

if [ "$mode" = dry-run ]; then
  mkdir -p "$repo/dist"
  for d in js python java go; do rm -rf "${repo:?}/dist/$d"; cp -r "dist/$d" "$repo/dist/$d"; done
  cp dist/changelog.md dist/version.txt dist/releasetag.txt dist/licenses.json dist/sbom.cdx.json "$repo/dist/"
fi

echo "release: $name $version ($mode): all checks passed; nothing was uploaded"
for t in "${timings[@]}"; do echo "release:   $t"; done
echo "release: artifacts in $( [ "$mode" = dry-run ] && echo "$repo/dist" || echo dist ):"
(cd "$( [ "$mode" = dry-run ] && echo "$repo" || echo . )" && ls -1 dist/js/*.tgz dist/python/* dist/java/*/*/*/*/*/*.pom dist/go/*/go.mod dist/changelog.md dist/sbom.cdx.json dist/licenses.json | sed 's/^/release:   /')

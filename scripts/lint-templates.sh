#!/usr/bin/env bash
# Runs cfn-lint and checkov over every template the tests synthesized
# (test-out/templates/, written by test/harness/compliance.ts).
# Zero errors and zero warnings; exceptions only from compliance/lint-exceptions.json.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${CDK_MLOPS_TEMPLATE_DIR:-test-out/templates}"
venv="${CDK_MLOPS_VENV:-.venv}"
shopt -s nullglob
templates=("$dir"/*.json)
if [ "${#templates[@]}" -eq 0 ]; then
  echo "lint-templates: no templates in $dir (run the jest tests first)" >&2
  exit 1
fi
read -r cfn_ignore checkov_skip < <(python3 - <<'PY'
import json
e = json.load(open('compliance/lint-exceptions.json'))
for item in e['cfnLint'] + e['checkov']:
    assert item.get('reason'), f"exception without a reason: {item}"
print(','.join(i['id'] for i in e['cfnLint']) or '-', ','.join(i['id'] for i in e['checkov']) or '-')
PY
)
echo "lint-templates: ${#templates[@]} templates"

cfn_args=()
[ "$cfn_ignore" != "-" ] && cfn_args+=(--ignore-checks "$cfn_ignore")
# cfn-lint exits non-zero on errors (2), warnings (4) and informational (8).
"$venv/bin/cfn-lint" "${cfn_args[@]}" -- "${templates[@]}"
echo "cfn-lint: 0 errors, 0 warnings"

checkov_args=(--framework cloudformation --compact --quiet --skip-download)
[ "$checkov_skip" != "-" ] && checkov_args+=(--skip-check "$checkov_skip")
report="$dir.checkov.json"
BC_SKIP_MAPPING=TRUE "$venv/bin/checkov" -d "$dir" "${checkov_args[@]}" -o json > "$report" || true
REPORT="$report" python3 - <<'PY'
import json, os, sys
data = json.load(open(os.environ['REPORT']))
reports = data if isinstance(data, list) else [data]
passed = failed = skipped = 0
for r in reports:
    s = r.get('summary', {})
    passed += s.get('passed', 0); failed += s.get('failed', 0); skipped += s.get('skipped', 0)
    for c in r.get('results', {}).get('failed_checks', []):
        print(f"  {c['check_id']} {c['check_name']}: {c['resource']} in {c['file_path']}")
print(f"checkov: {passed} passed, {failed} failed, {skipped} skipped by resource metadata")
if r is None or (passed == 0 and failed == 0):
    sys.exit("checkov ran no check")
sys.exit(1 if failed else 0)
PY

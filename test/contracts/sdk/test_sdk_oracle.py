"""The SageMaker Python SDK as the oracle of the pipeline definition format.

Run with each SDK major: `.venv-sdk2/bin/python -m pytest test/contracts/sdk`
and `.venv-sdk3/bin/python -m pytest test/contracts/sdk`. For every case of
cases.ts, the SDK builds the same pipeline from the same inputs
(cases_v2.py / cases_v3.py) and the two definitions must be equal after a
semantic normalisation that only ignores key order (and 2 == 2.0). Every
remaining difference must be explained by an entry of the `sdk` list of
test/contracts/divergences.json for this SDK major (`where` is
`sdk <majors>: <path glob> | ...`), and every such entry must explain at least
one difference: the list is exactly what is found.
"""
import importlib

from importlib.metadata import version

import pytest

from oracle_common import case_names, diff, explained, ours, sdk_divergences

SDK_VERSION = version("sagemaker")
MAJOR = "3.x" if SDK_VERSION.startswith("3.") else "2.x"
CASES = importlib.import_module("cases_v3" if MAJOR == "3.x" else "cases_v2").CASES
DIVERGENCES = sdk_divergences(MAJOR)
_seen = set()


def test_every_case_has_an_sdk_equivalent():
    assert sorted(CASES) == sorted(case_names())


@pytest.mark.parametrize("case", case_names())
def test_definition_equals_the_sdk_one(case):
    sdk = CASES[case]()
    unexplained = []
    for path, ours_value, sdk_value in diff(ours(case), sdk):
        reasons = explained(path, DIVERGENCES)
        _seen.update(reasons)
        if not reasons:
            unexplained.append(f"{path}: ours {ours_value!r} / sdk {MAJOR} {sdk_value!r}")
    assert unexplained == [], f"case {case}: differences from the SageMaker Python SDK {SDK_VERSION} not listed in divergences.json:\n" + "\n".join(unexplained)


def test_every_listed_divergence_is_found():
    # Runs after the cases (pytest keeps file order).
    listed = sorted(entry["what"] for entry, _ in DIVERGENCES)
    assert sorted(_seen) == listed


def test_diff_reports_a_not_written_with_expression():
    # Positive control: the form the service rejects must not pass as equal.
    condition = {"Type": "Not", "Condition": {"Type": "Equals", "LeftValue": 1, "RightValue": 2}}
    wrong = {"Type": "Not", "Expression": {"Type": "Equals", "LeftValue": 1, "RightValue": 2}}
    found = diff({"Steps": [{"Name": "C", "Type": "Condition", "Arguments": {"Conditions": [wrong]}}]},
                 {"Steps": [{"Name": "C", "Type": "Condition", "Arguments": {"Conditions": [condition]}}]})
    assert [p for p, _, _ in found] == ["Steps[Condition].Arguments.Conditions[0].Condition", "Steps[Condition].Arguments.Conditions[0].Expression"]
    assert all(not explained(p, DIVERGENCES) for p, _, _ in found)


def test_diff_ignores_key_order_only():
    assert diff({"a": 1, "b": [1.0, {"x": True}]}, {"b": [1, {"x": True}], "a": 1}) == []
    assert diff({"a": True}, {"a": 1}) == [("a", True, 1)]
    assert diff({"a": [1, 2]}, {"a": [2, 1]}) != []

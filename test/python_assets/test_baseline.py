"""Baselines: the program's own format and Model Monitor's statistics.json."""

import json
import os

import numpy as np
import pytest

from capture_gen import capture_line, hour_dir, write_csv, write_lines
from driftcheck.baseline import load_baseline, parse_baseline
from driftcheck.evaluate import Thresholds, evaluate
from driftcheck.profile import build_baseline
from driftcheck.scan import ScanConfig, scan_files

MODEL_MONITOR_STATISTICS = {
    "version": 0.0,
    "dataset": {"item_count": 1000},
    "features": [
        {"name": "age", "inferred_type": "Integral",
         "numerical_statistics": {
             "common": {"num_present": 990, "num_missing": 10},
             "mean": 40.1, "sum": 39699.0, "std_dev": 11.9, "min": 18.0, "max": 78.0,
             "distribution": {"kll": {
                 "buckets": [{"lower_bound": 18.0 + 6 * i, "upper_bound": 24.0 + 6 * i,
                              "count": c} for i, c in enumerate([60, 120, 180, 200, 170, 120, 70, 40, 20, 10])],
                 "sketch": {"parameters": {"c": 0.64, "k": 2048.0}, "data": [[18.0, 30.0, 45.0, 78.0]]}}}}},
        {"name": "income", "inferred_type": "Fractional",
         "numerical_statistics": {
             "common": {"num_present": 1000, "num_missing": 0},
             "mean": 5.0, "sum": 5000.0, "std_dev": 2.0, "min": 0.0, "max": 10.0,
             "distribution": {"kll": {"buckets": [
                 {"lower_bound": 0.0, "upper_bound": 5.0, "count": 500.0},
                 {"lower_bound": 5.0, "upper_bound": 10.0, "count": 500.0}]}}}},
        {"name": "city", "inferred_type": "String",
         "string_statistics": {
             "common": {"num_present": 1000, "num_missing": 0}, "distinct_count": 3.0,
             "distribution": {"categorical": {"buckets": [
                 {"value": "Paris", "count": 500}, {"value": "Lyon", "count": 300},
                 {"value": "Nice", "count": 150}]}}}},
        {"name": "notes", "inferred_type": "Unknown"},
    ],
}


def test_model_monitor_statistics_are_converted():
    base = parse_baseline(MODEL_MONITOR_STATISTICS)
    assert base.source_format == "sagemaker-model-monitor-statistics"
    assert base.names == ["age", "income", "city"]
    assert [s["name"] for s in base.skipped] == ["notes"]
    age, income, city = base.features
    # KLL buckets -> interior edges at the upper bounds of all but the last bucket
    assert age.edges.tolist() == [24.0 + 6 * i for i in range(9)]
    assert age.counts.tolist() == [60, 120, 180, 200, 170, 120, 70, 40, 20, 10]
    assert age.missing_rate == pytest.approx(10 / 1000)
    assert income.edges.tolist() == [5.0] and income.counts.tolist() == [500, 500]
    # categorical buckets + the remainder of num_present in <other>
    assert city.categories == ["Paris", "Lyon", "Nice"]
    assert city.counts.tolist() == [500, 300, 150, 50]
    assert age.moments["mean"] == pytest.approx(40.1)


def test_check_runs_against_a_model_monitor_baseline(tmp_path):
    path = tmp_path / "statistics.json"
    path.write_text(json.dumps(MODEL_MONITOR_STATISTICS))
    base = load_baseline(str(path))
    rng = np.random.default_rng(1)
    ages = np.repeat(18 + 6 * np.arange(10) + 3, [60, 120, 180, 200, 170, 120, 70, 40, 20, 10])
    lines = [capture_line("%d,%.2f,%s" % (a, rng.uniform(0, 10), rng.choice(["Paris", "Lyon", "Nice", "Metz"],
                                                                             p=[.5, .3, .15, .05])))
             for a in rng.permutation(ages)]
    capture = write_lines(os.path.join(hour_dir(str(tmp_path), 3), "a.jsonl"), lines)
    report = evaluate(base, scan_files([capture], base, ScanConfig()), Thresholds())
    assert report["status"] == "ok", report["violations"]
    assert report["features"][0]["metrics"]["psi"] == pytest.approx(0.0, abs=1e-9)
    # a shifted population is caught
    lines = [capture_line("%d,%.2f,Paris" % (a + 15, rng.uniform(0, 10))) for a in ages]
    capture = write_lines(os.path.join(hour_dir(str(tmp_path), 4), "b.jsonl"), lines)
    report = evaluate(base, scan_files([capture], base, ScanConfig()), Thresholds())
    assert set(report["drifted_features"]) == {"age", "city"}


def test_own_baseline_round_trips(tmp_path):
    rng = np.random.default_rng(2)
    rows = [[float(rng.normal()), int(rng.integers(0, 5)), str(rng.choice(["u", "v"])), int(rng.integers(0, 2))]
            for _ in range(5000)]
    data = write_csv(str(tmp_path / "train.csv"), ["a", "b", "c", "label"], rows)
    base = build_baseline(data, label_column="label", categorical=["b"])
    out = tmp_path / "baseline.json"
    out.write_text(json.dumps(base.to_dict()))
    again = load_baseline(str(out))
    assert again.names == ["a", "b", "c"]
    assert [f.kind for f in again.features] == ["numeric", "categorical", "categorical"]
    assert again.features[0].counts.tolist() == base.features[0].counts.tolist()
    assert again.features[0].present == 5000
    assert sorted(again.features[1].categories) == ["0", "1", "2", "3", "4"]
    assert again.item_count == 5000


def test_profile_reads_jsonl_and_skips_id_like_columns(tmp_path):
    path = tmp_path / "train.jsonl"
    with open(path, "w") as handle:
        for i in range(3000):
            handle.write(json.dumps({"id": "user-%d" % i, "x": i % 7 if i % 10 else None, "flag": i % 2 == 0}) + "\n")
    base = build_baseline(str(path), max_distinct=1000)
    assert base.names == ["x", "flag"]
    assert base.skipped[0]["name"] == "id"
    assert base.features[0].missing == 300
    # JSON booleans are numbers 1/0 (as they are when captured), so two bins hold all rows
    flag = base.features[1]
    assert flag.kind == "numeric"
    assert sorted(c for c in flag.counts.tolist() if c) == [1500, 1500]


def test_unrecognised_baseline_is_rejected():
    with pytest.raises(ValueError, match="unrecognised baseline"):
        parse_baseline({"hello": "world"})
    with pytest.raises(ValueError, match="strictly increasing"):
        parse_baseline({"format": "cdk-mlops-drift-baseline", "version": 1,
                        "features": [{"name": "x", "kind": "numeric", "edges": [2, 1], "counts": [1, 1, 1]}]})

"""Merging partial summaries: any split and any grouping equals one pass."""

import json
import os

import numpy as np
import pytest

from capture_gen import b64, capture_line, hour_dir, label_line, write_csv, write_lines
from driftcheck.baseline import load_baseline
from driftcheck.cli import main
from driftcheck.profile import build_baseline
from driftcheck.scan import ScanConfig, scan, scan_files
from driftcheck.summary import WindowSummary

CATS = ["red", "green", "blue"]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A baseline and eight capture files (mixed encodings, malformed lines) with labels."""
    root = tmp_path_factory.mktemp("merge")
    rng = np.random.default_rng(42)
    train = [[float(rng.normal()), float(rng.exponential()), str(rng.choice(CATS))] for _ in range(20000)]
    base_path = str(root / "baseline.json")
    base = build_baseline(write_csv(str(root / "train.csv"), ["a", "b", "c"], train))
    with open(base_path, "w") as handle:
        json.dump(base.to_dict(), handle)
    capture, labels = str(root / "capture"), str(root / "labels")
    event = 0
    for f in range(8):
        lines, label_lines = [], []
        for i in range(700):
            event += 1
            row = "%.4f,%.4f,%s" % (rng.normal(0.3 * (f % 2)), rng.exponential(), rng.choice(CATS + ["pink"]))
            y = int(rng.integers(0, 2))
            score = float(np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1))
            enc = ("CSV", "BASE64", "JSON")[i % 3]
            data = row if enc == "CSV" else b64(row) if enc == "BASE64" else json.dumps(
                dict(zip(["a", "b", "c"], row.split(","))))
            lines.append(capture_line(data, enc, "application/json" if enc == "JSON" else "text/csv",
                                      output="%.5f" % score, event_id="ev-%d" % event,
                                      inference_time="2026-01-01T%02d:%02d:00Z" % (f, i % 60)))
            if i % 5:
                label_lines.append(label_line("ev-%d" % event, y))
            if i % 97 == 0:
                lines.append("{garbage")
                lines.append(capture_line("x,y,z"))
        write_lines(os.path.join(hour_dir(capture, f), "part-%d.jsonl" % f), lines)
        write_lines(os.path.join(hour_dir(labels, f), "labels-%d.jsonl" % f), label_lines)
    return {"root": root, "baseline_path": base_path, "baseline": load_baseline(base_path),
            "capture": capture, "labels": labels}


def exact(summary: WindowSummary):
    """Everything in a summary that must merge exactly (counts), as plain data."""
    doc = summary.to_dict()
    moments = [f.pop("moments", None) for f in doc["features"]]
    doc.pop("shards")
    return doc, moments


def files_of(setup):
    from driftcheck.capture import list_capture_files

    return list_capture_files(setup["capture"])


def test_merge_of_shards_equals_single_pass_in_any_grouping(setup):
    base, files = setup["baseline"], files_of(setup)
    single = scan_files(files, base, ScanConfig())
    shards = [scan_files(files[k::3], base, ScanConfig()) for k in range(3)]

    def fresh(i):  # a copy through the JSON form, as partial files travel between instances
        return WindowSummary.from_dict(json.loads(json.dumps(shards[i].to_dict())), base)

    left = fresh(0).merge(fresh(1)).merge(fresh(2))
    right = fresh(0).merge(fresh(1).merge(fresh(2)))
    shuffled = fresh(2).merge(fresh(0)).merge(fresh(1))
    reference, ref_moments = exact(single)
    assert reference["rows"] == 8 * 700 and reference["malformed"]["bad_json"] > 0
    for merged in (left, right, shuffled):
        doc, moments = exact(merged)
        assert doc == reference
        for m, r in zip(moments, ref_moments):
            if r:
                assert m["n"] == r["n"] and m["min"] == r["min"] and m["max"] == r["max"]
                assert m["mean"] == pytest.approx(r["mean"], rel=1e-12)
                assert m["m2"] == pytest.approx(r["m2"], rel=1e-9)


def test_parallel_workers_equal_single_process(setup):
    base, files = setup["baseline"], files_of(setup)
    single = scan_files(files, base, ScanConfig())
    parallel = scan(files, base, setup["baseline_path"], ScanConfig(), workers=2)
    assert exact(parallel)[0] == exact(single)[0]


def test_merge_refuses_a_different_baseline(setup):
    base = setup["baseline"]
    other = WindowSummary(base)
    other.baseline_fingerprint = "something-else"
    with pytest.raises(ValueError, match="different baselines"):
        WindowSummary(base).merge(other)


def test_cli_summarize_then_merge_equals_check(setup, tmp_path):
    common = ["--baseline", setup["baseline_path"], "--labels", setup["labels"], "--problem-type", "binary"]
    shard_dirs = []
    for k in range(3):  # three "instances", each with its own share of the files (ShardedByS3Key)
        shard_capture = tmp_path / ("shard%d" % k)
        for path in files_of(setup)[k::3]:
            target = shard_capture / os.path.relpath(path, setup["capture"])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(open(path, "rb").read())
        assert main(["summarize", "--capture", str(shard_capture), "--partial-output", str(tmp_path / "partials"),
                     "--shard-id", "algo-%d" % (k + 1)] + common) == 0
        shard_dirs.append(shard_capture)
    assert sorted(os.listdir(tmp_path / "partials")) == ["partial-algo-1.json", "partial-algo-2.json",
                                                         "partial-algo-3.json"]
    code_merge = main(["merge", "--baseline", setup["baseline_path"], "--partials", str(tmp_path / "partials"),
                       "--output-dir", str(tmp_path / "merged")])
    code_check = main(["check", "--capture", setup["capture"], "--output-dir", str(tmp_path / "single")] + common)
    merged = json.load(open(tmp_path / "merged" / "drift_report.json"))
    single = json.load(open(tmp_path / "single" / "drift_report.json"))
    assert code_merge == code_check == 2  # feature a is shifted in every other hour
    assert merged["counts"]["shards"] == 3
    for key in ("status", "drifted_features", "violations", "window"):
        assert merged[key] == single[key]
    merged["counts"].pop("shards")
    single["counts"].pop("shards")
    assert merged["counts"] == single["counts"]
    for fm, fs in zip(merged["features"], single["features"]):
        assert (fm["rows"], fm["present"]) == (fs["rows"], fs["present"])
        for name, value in fs["metrics"].items():
            assert fm["metrics"][name] == pytest.approx(value, rel=1e-9, abs=1e-12), name
    mq, sq = merged["model_quality"], single["model_quality"]
    assert mq["labelled_rows"] == sq["labelled_rows"] == 8 * 700 * 4 // 5
    assert mq == sq

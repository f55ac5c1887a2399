"""Model quality from captured predictions joined with labels, against scikit-learn."""

import json
import os

import numpy as np
import pytest
from sklearn import metrics as skm

from capture_gen import capture_line, hour_dir, label_line, write_lines
from driftcheck.baseline import Baseline, NumericFeature
from driftcheck.cli import main


@pytest.fixture
def baseline_path(tmp_path):
    base = Baseline([NumericFeature("x", [0.0], [50, 50])], "test", 100)
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(base.to_dict()))
    return str(path)


def run(tmp_path, baseline_path, captures, labels, *extra):
    capture_dir, label_dir, out = (str(tmp_path / n) for n in ("capture", "labels", "out"))
    write_lines(os.path.join(hour_dir(capture_dir, 5), "c.jsonl"), captures)
    write_lines(os.path.join(hour_dir(label_dir, 5), "l.jsonl"), labels)
    code = main(["check", "--baseline", baseline_path, "--capture", capture_dir, "--labels", label_dir,
                 "--output-dir", out, "--join-partitions", "7"] + list(extra))
    report = json.load(open(os.path.join(out, "drift_report.json")))
    return code, report["model_quality"], report


def test_binary_accuracy_f1_auc_match_sklearn(tmp_path, baseline_path):
    rng = np.random.default_rng(0)
    n = 6000
    y = rng.integers(0, 2, n)
    score = np.clip(rng.normal(0.35 + 0.3 * y, 0.18), 0, 1)
    captures, labels, kept = [], [], []
    for i in range(n):
        # alternate CSV and JSON outputs; label only 90% of the events (join must skip the rest)
        output = ("%.6f" % score[i], "CSV") if i % 2 else (json.dumps({"predictions": [{"score": score[i]}]}), "JSON")
        captures.append(capture_line("%.3f" % rng.normal(), output=output[0], output_encoding=output[1],
                                     event_id="evt-%05d" % i))
        if i % 10:
            labels.append(label_line("evt-%05d" % i, int(y[i])))
            kept.append(i)
    code, q, _ = run(tmp_path, baseline_path, captures, labels)
    assert code == 0
    yk = y[kept]
    sk = np.array([float("%.6f" % score[i]) if i % 2 else score[i] for i in kept])
    pred = (sk >= 0.5).astype(int)
    assert q["labelled_rows"] == len(kept)
    assert q["accuracy"] == pytest.approx(skm.accuracy_score(yk, pred), abs=1e-12)
    assert q["f1"] == pytest.approx(skm.f1_score(yk, pred), abs=1e-12)
    assert q["precision"] == pytest.approx(skm.precision_score(yk, pred), abs=1e-12)
    assert q["recall"] == pytest.approx(skm.recall_score(yk, pred), abs=1e-12)
    exact_auc = skm.roc_auc_score(yk, sk)
    assert abs(q["auc"] - exact_auc) <= q["auc_error_bound"] + 1e-12
    assert q["auc_error_bound"] < 2e-3


def test_multiclass_accuracy_and_macro_f1_match_sklearn(tmp_path, baseline_path):
    rng = np.random.default_rng(1)
    classes = np.array(["cat", "dog", "bird"])
    y = rng.integers(0, 3, 3000)
    pred = np.where(rng.random(3000) < 0.7, y, rng.integers(0, 3, 3000))
    captures = [capture_line("%.3f" % rng.normal(), output=classes[pred[i]], event_id="m%d" % i,
                             inference_id="inf-%d" % i) for i in range(3000)]
    labels = [json.dumps({"groundTruthData": {"data": json.dumps(classes[y[i]]), "encoding": "JSON"},
                          "eventMetadata": {"eventId": "inf-%d" % i}, "eventVersion": "0"}) for i in range(3000)]
    code, q, _ = run(tmp_path, baseline_path, captures, labels, "--problem-type", "multiclass")
    assert code == 0
    assert q["labelled_rows"] == 3000  # joined on inferenceId, which the capture carries
    assert q["accuracy"] == pytest.approx(skm.accuracy_score(classes[y], classes[pred]), abs=1e-12)
    assert q["f1"] == pytest.approx(skm.f1_score(classes[y], classes[pred], average="macro"), abs=1e-12)


def test_regression_rmse_mae_match_sklearn_and_multirow_payloads_join_by_row(tmp_path, baseline_path):
    rng = np.random.default_rng(2)
    truth = rng.normal(100, 15, (1000, 3))
    preds = truth + rng.normal(0, 5, (1000, 3))
    captures = [capture_line("\n".join("%.3f" % v for v in rng.normal(size=3)),
                             output="\n".join("%.4f" % p for p in preds[i]), event_id="r%d" % i) for i in range(1000)]
    labels = [label_line("r%d" % i, "\n".join("%.4f" % t for t in truth[i])) for i in range(1000)]
    code, q, report = run(tmp_path, baseline_path, captures, labels, "--problem-type", "regression",
                     "--max-rmse", "4.0")
    yt = np.round(truth, 4).ravel()
    yp = np.round(preds, 4).ravel()
    assert q["labelled_rows"] == 3000
    assert q["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(yt, yp)), rel=1e-9)
    assert q["mae"] == pytest.approx(skm.mean_absolute_error(yt, yp), rel=1e-9)
    # RMSE ~5 is above the 4.0 limit: a model-quality violation (the inputs are stable), exit code 2
    assert code == 2
    assert [v["metric"] for v in report["violations"]] == ["rmse"]


def test_quality_threshold_violation_is_reported(tmp_path, baseline_path):
    rng = np.random.default_rng(3)
    captures = [capture_line("%.3f" % rng.normal(), output="0.9", event_id="q%d" % i) for i in range(200)]
    labels = [label_line("q%d" % i, i % 2) for i in range(200)]
    code, q, report = run(tmp_path, baseline_path, captures, labels, "--min-accuracy", "0.8")
    assert q["accuracy"] == pytest.approx(0.5)
    assert code == 2
    assert report["violations"] == [{"feature": "__model__", "metric": "accuracy", "value": 0.5,
                                     "threshold": 0.8, "comparison": "less_than"}]


def test_label_join_is_the_same_with_worker_processes(tmp_path, baseline_path):
    rng = np.random.default_rng(4)
    captures = [capture_line("%.3f" % rng.normal(), output="%.4f" % rng.random(), event_id="w%d" % i)
                for i in range(2000)]
    capture_dir, label_dir = str(tmp_path / "capture"), str(tmp_path / "labels")
    write_lines(os.path.join(hour_dir(capture_dir, 1), "a.jsonl"), captures[:1000])  # one file per worker
    write_lines(os.path.join(hour_dir(capture_dir, 2), "b.jsonl"), captures[1000:])
    write_lines(os.path.join(hour_dir(label_dir, 1), "l.jsonl"),
                [label_line("w%d" % i, int(rng.integers(0, 2))) for i in range(0, 2000, 2)])
    quality = []
    for workers in ("1", "2"):
        out = str(tmp_path / ("out" + workers))
        assert main(["check", "--baseline", baseline_path, "--capture", capture_dir, "--labels", label_dir,
                     "--output-dir", out, "--workers", workers]) == 0
        quality.append(json.load(open(os.path.join(out, "drift_report.json")))["model_quality"])
    assert quality[0]["labelled_rows"] == 1000
    assert quality[0] == quality[1]

"""Bias metrics per facet (bias.py): hand-computed values, then fairlearn as an independent oracle.

SageMaker Clarify's definitions (cited in bias.py): facet a = the rest, facet d = the sensitive
group; CI = (na - nd)/(na + nd); DPL = qa - qd (observed labels); DPPL = q'a - q'd (predicted);
DI = q'd / q'a; AD = ACCa - ACCd; RD = recall_a - recall_d.
"""

import json
import os

import numpy as np
import pytest
from fairlearn.metrics import (MetricFrame, accuracy_score_difference, count, demographic_parity_difference,
                               demographic_parity_ratio, equal_opportunity_difference, selection_rate,
                               true_positive_rate)
from sklearn.metrics import accuracy_score

from capture_gen import capture_line, hour_dir, label_line, write_csv, write_lines
from driftcheck import bias
from driftcheck.bias import Facet, parse_facets
from driftcheck.cli import main


def test_facet_text_forms_and_groups():
    assert [Facet("gender=F").group(v) for v in ("F", "M", "", None, "NA")] == ["d", "a", None, None, None]
    assert [Facet("age>40").group(v) for v in ("41", "40", "39.5", "x")] == ["d", "a", "a", None]
    assert [Facet("age>=40").group(v) for v in (40, 39)] == ["d", "a"]
    assert [Facet("age<=25").group(v) for v in ("25", "26")] == ["d", "a"]
    assert [Facet("age<25").group(v) for v in ("25", "24.9")] == ["a", "d"]
    assert [Facet("code=1|3").group(v) for v in ("1.0", 3, "2")] == ["d", "d", "a"]
    assert Facet(" region = north ").name == "region"
    for bad in ("gender", "=F", "age>", "age>abc", "age>=inf", "code=1|", "code=NA"):
        with pytest.raises(ValueError):
            Facet(bad)
    with pytest.raises(ValueError, match="given twice"):
        parse_facets(["gender=F", "gender=F"])


def test_pretraining_ci_and_dpl_by_hand():
    # 10 rows: facet d (gender=F) has 4 rows, 1 positive label; facet a has 6 rows, 3 positive
    gender = ["F", "F", "F", "F", "M", "M", "M", "M", "M", "M"]
    label = [1, 0, 0, 0, 1, 1, 1, 0, 0, 0]
    facets = parse_facets(["gender=F"])
    counts = bias.new_pretraining(facets)
    bias.add_pretraining(counts, facets, [gender], [y == 1 for y in label])
    m = bias.pretraining_metrics(facets, counts)[0]
    assert (m["na"], m["nd"]) == (6, 4)
    assert m["CI"] == pytest.approx((6 - 4) / 10)  # 0.2
    assert m["DPL"] == pytest.approx(3 / 6 - 1 / 4)  # 0.25


def test_posttraining_dppl_di_ad_rd_by_hand():
    facets = parse_facets(["age>40"])
    b = bias.new_posttraining(facets)
    # facet a (age <= 40): 5 rows, predicted positive 3 of them; facet d: 4 rows, predicted positive 1
    rows = [  # (age, predicted positive, actual positive)
        (30, True, True), (35, True, False), (22, True, True), (40, False, True), (28, False, False),
        (50, True, True), (61, False, True), (45, False, False), (70, False, True),
    ]
    for age, predicted, actual in rows:
        groups = [facets[0].group(age)]
        bias.add_prediction(b, groups, predicted)
        bias.add_labelled(b, groups, predicted, actual)
    m = bias.posttraining_metrics(facets, b)[0]
    assert m["DPPL"] == pytest.approx(3 / 5 - 1 / 4)  # 0.35
    assert m["DI"] == pytest.approx((1 / 4) / (3 / 5))  # 0.41667
    # a: TP 2 (30, 22), FP 1 (35), FN 1 (40), TN 1 (28) -> acc 3/5, recall 2/3
    # d: TP 1 (50), FN 2 (61, 70), TN 1 (45) -> acc 2/4, recall 1/3
    assert m["AD"] == pytest.approx(3 / 5 - 2 / 4)
    assert m["RD"] == pytest.approx(2 / 3 - 1 / 3)


def test_undefined_metrics_are_none_not_guesses():
    facets = parse_facets(["g=x"])
    b = bias.new_posttraining(facets)
    bias.add_prediction(b, ["a"], False)  # no member of d, a never predicted positive
    m = bias.posttraining_metrics(facets, b)[0]
    assert m["DPPL"] is None and m["DI"] is None and m["AD"] is None and m["RD"] is None
    counts = bias.new_pretraining(facets)
    assert bias.pretraining_metrics(facets, counts)[0]["CI"] is None


@pytest.fixture(scope="module")
def window(tmp_path_factory):
    """A training set and a labelled capture window with a biased model, written as files."""
    root = tmp_path_factory.mktemp("bias")
    rng = np.random.default_rng(11)
    n_train = 5000
    gender = rng.choice(["F", "M"], n_train, p=[0.35, 0.65])
    age = rng.integers(18, 80, n_train)
    income = rng.normal(50, 12, n_train).round(1)
    label = (rng.random(n_train) < np.where(gender == "F", 0.3, 0.45)).astype(int)
    write_csv(str(root / "train.csv"), ["gender", "age", "income", "label"], zip(gender, age, income, label))
    n = 3000
    g = rng.choice(["F", "M"], n, p=[0.4, 0.6])
    a = rng.integers(18, 80, n)
    inc = rng.normal(50, 12, n).round(1)
    y = (rng.random(n) < 0.4).astype(int)
    # scores favour M and older people; a third of the rows have no label yet
    score = np.clip(0.35 + 0.25 * y + np.where(g == "M", 0.12, -0.05) + (a - 50) / 400 + rng.normal(0, 0.15, n), 0, 1)
    captures = [capture_line("%s,%d,%.1f" % (g[i], a[i], inc[i]), output="%.4f" % score[i], event_id="ev%05d" % i,
                             inference_time="2026-01-01T05:%02d:%02dZ" % (i // 60 % 60, i % 60)) for i in range(n)]
    labelled = [i for i in range(n) if i % 3]
    write_lines(os.path.join(hour_dir(str(root / "capture"), 5), "c.jsonl"), captures)
    write_lines(os.path.join(hour_dir(str(root / "labels"), 6), "l.jsonl"), [label_line("ev%05d" % i, int(y[i]))
                                                                          for i in labelled])
    pred = (np.round(score, 4) >= 0.5).astype(int)
    return {"root": root, "train": (gender, age, label), "window": (g, a, y, pred), "labelled": np.array(labelled)}


def test_baseline_mode_keeps_ci_and_dpl_equal_to_fairlearn(window):
    root = window["root"]
    out = root / "baseline.json"
    assert main(["baseline", "--dataset", str(root / "train.csv"), "--label-column", "label",
                 "--facet", "gender=F", "--facet", "age>=60", "--output", str(out)]) == 0
    doc = json.load(open(out))
    gender, age, label = window["train"]
    assert [f["name"] for f in doc["features"]] == ["gender", "age", "income"]
    pre = {p["facet"]: p for p in doc["bias"]["pre_training"]}
    for facet, sensitive in (("gender=F", gender == "F"), ("age>=60", age >= 60)):
        group = np.where(sensitive, "d", "a")
        sizes = MetricFrame(metrics=count, y_true=label, y_pred=label, sensitive_features=group).by_group
        assert (pre[facet]["na"], pre[facet]["nd"]) == (sizes["a"], sizes["d"])
        assert pre[facet]["CI"] == pytest.approx((sizes["a"] - sizes["d"]) / len(label), abs=1e-12)
        # DPL is the demographic parity difference of the observed labels, signed a - d
        rates = MetricFrame(metrics=selection_rate, y_true=label, y_pred=label, sensitive_features=group).by_group
        assert pre[facet]["DPL"] == pytest.approx(rates["a"] - rates["d"], abs=1e-12)
        assert abs(pre[facet]["DPL"]) == pytest.approx(
            demographic_parity_difference(label, label, sensitive_features=group), abs=1e-12)


def test_check_mode_post_training_metrics_equal_fairlearn(window):
    root = window["root"]
    baseline = root / "baseline-q.json"
    assert main(["baseline", "--dataset", str(root / "train.csv"), "--label-column", "label",
                 "--facet", "gender=F", "--output", str(baseline)]) == 0
    out = root / "out"
    code = main(["check", "--baseline", str(baseline), "--capture", str(root / "capture"),
                 "--labels", str(root / "labels"), "--facet", "gender=F", "--facet", "age>=60",
                 "--max-abs-dppl", "0.05", "--min-di", "0.8", "--output-dir", str(out)])
    report = json.load(open(out / "drift_report.json"))
    got = {m["facet"]: m for m in report["bias"]}
    g, a, y, pred = window["window"]
    lab = window["labelled"]
    for facet, sensitive in (("gender=F", g == "F"), ("age>=60", a >= 60)):
        group = np.where(sensitive, "d", "a")
        # DPPL and DI: every captured row (labels are not needed)
        rates = MetricFrame(metrics=selection_rate, y_true=pred, y_pred=pred, sensitive_features=group).by_group
        assert got[facet]["DPPL"] == pytest.approx(rates["a"] - rates["d"], abs=1e-12)
        assert abs(got[facet]["DPPL"]) == pytest.approx(
            demographic_parity_difference(pred, pred, sensitive_features=group), abs=1e-12)
        assert got[facet]["DI"] == pytest.approx(rates["d"] / rates["a"], abs=1e-12)
        assert min(got[facet]["DI"], 1 / got[facet]["DI"]) == pytest.approx(
            demographic_parity_ratio(pred, pred, sensitive_features=group), abs=1e-12)
        # AD and RD: the labelled rows only
        yl, pl, gl = y[lab], pred[lab], group[lab]
        acc = MetricFrame(metrics=accuracy_score, y_true=yl, y_pred=pl, sensitive_features=gl).by_group
        tpr = MetricFrame(metrics=true_positive_rate, y_true=yl, y_pred=pl, sensitive_features=gl).by_group
        assert got[facet]["AD"] == pytest.approx(acc["a"] - acc["d"], abs=1e-12)
        assert abs(got[facet]["AD"]) == pytest.approx(accuracy_score_difference(yl, pl, sensitive_features=gl), abs=1e-12)
        assert got[facet]["RD"] == pytest.approx(tpr["a"] - tpr["d"], abs=1e-12)
        assert abs(got[facet]["RD"]) == pytest.approx(equal_opportunity_difference(yl, pl, sensitive_features=gl),
                                                      abs=1e-12)
        assert got[facet]["labelled_a"] + got[facet]["labelled_d"] == len(lab)
    # the baseline's pre-training metrics of the same facet travel into the report
    assert got["gender=F"]["CI"] is not None and got["age>=60"]["CI"] is None
    # the biased model crosses both thresholds for gender: violations, exit code 2
    flagged = {(v["feature"], v["metric"]) for v in report["violations"]}
    assert ("gender=F", "abs_dppl") in flagged and ("gender=F", "di") in flagged
    assert code == 2


def test_bias_metrics_are_published_per_facet_and_the_quality_set_leaves_drift_out(window):
    from driftcheck import metrics
    report = {"status": "ok", "drift_score": 0.3, "violations": [], "counts": {"rows": 10, "malformed": 0},
              "features": [{"name": "age", "drift_score": 0.2, "metrics": {}}],
              "model_quality": {"labelled_rows": 5, "accuracy": 0.8},
              "bias": [{"facet": "gender=F", "DPPL": 0.1, "DI": 0.7, "AD": None, "RD": -0.05}]}
    data = metrics.build_metric_data(report, "ep", "score", metric_set="quality")
    names = sorted({(d["MetricName"], tuple((x["Name"], x["Value"]) for x in d["Dimensions"])) for d in data})
    assert names == [("Accuracy", (("EndpointName", "ep"),)), ("DI", (("EndpointName", "ep"), ("Facet", "gender=F"))),
                     ("DPPL", (("EndpointName", "ep"), ("Facet", "gender=F"))), ("LabelledRows", (("EndpointName", "ep"),)),
                     ("RD", (("EndpointName", "ep"), ("Facet", "gender=F")))]
    every = {d["MetricName"] for d in metrics.build_metric_data(report, "ep", "score")}
    assert {"DriftScore", "FeatureDrift", "DPPL"} <= every


def test_facets_without_labels_give_dppl_and_di_and_bad_facets_are_usage_errors(window, tmp_path):
    root = window["root"]
    baseline = root / "baseline-q.json"
    if not baseline.exists():
        assert main(["baseline", "--dataset", str(root / "train.csv"), "--label-column", "label",
                     "--output", str(baseline)]) == 0
    out = tmp_path / "o"
    assert main(["check", "--baseline", str(baseline), "--capture", str(root / "capture"), "--facet", "gender=F",
                 "--output-dir", str(out), "--no-fail-on-violation"]) == 0
    report = json.load(open(out / "drift_report.json"))
    assert report["bias"][0]["DPPL"] is not None and report["bias"][0]["AD"] is None
    assert report["model_quality"]["labelled_rows"] == 0
    assert main(["check", "--baseline", str(baseline), "--capture", str(root / "capture"), "--facet", "zip=1",
                 "--output-dir", str(out)]) == 64  # not a captured column
    assert main(["check", "--baseline", str(baseline), "--capture", str(root / "capture"), "--facet", "age>x",
                 "--output-dir", str(out)]) == 64
    assert main(["check", "--baseline", str(baseline), "--capture", str(root / "capture"), "--facet", "gender=F",
                 "--problem-type", "regression", "--output-dir", str(out)]) == 64
    assert main(["baseline", "--dataset", str(root / "train.csv"), "--facet", "zip=1", "--output", str(out / "b.json")]) == 1


def test_bias_counts_are_the_same_with_worker_processes(window, tmp_path):
    root = window["root"]
    baseline = root / "baseline-w.json"
    assert main(["baseline", "--dataset", str(root / "train.csv"), "--label-column", "label", "--output", str(baseline)]) == 0
    # two capture files, so two workers each scan one and their bias counts are merged
    lines = open(os.path.join(hour_dir(str(root / "capture"), 5), "c.jsonl")).read().splitlines()
    split = tmp_path / "capture"
    write_lines(os.path.join(hour_dir(str(split), 5), "a.jsonl"), lines[:1700])
    write_lines(os.path.join(hour_dir(str(split), 5), "b.jsonl"), lines[1700:])
    reports = []
    for workers in ("1", "2"):
        out = tmp_path / ("out" + workers)
        main(["check", "--baseline", str(baseline), "--capture", str(split), "--labels", str(root / "labels"),
              "--facet", "gender=F", "--facet", "age>=60", "--workers", workers, "--output-dir", str(out),
              "--no-fail-on-violation"])
        reports.append(json.load(open(out / "drift_report.json")))
    assert reports[0]["bias"] == reports[1]["bias"]
    assert reports[0]["bias"][0]["na"] + reports[0]["bias"][0]["nd"] == 3000

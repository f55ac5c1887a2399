"""The drift check run exactly as the synthesized processing job requests say.

test/monitoring/drift-job-requests.test.ts evaluates the requests of the
DriftBaselineStep (pipeline definition) and of the check and quality jobs
(check workflow, JSONata evaluated for a scheduled time) and writes them to
test-out/drift-jobs/requests.json; when that file is missing this module runs
that jest test first. Each job here runs its request's entrypoint
(``python3 -c LAUNCHER MODE``), arguments and environment, with the
request's input and output paths; the only change is the root of the
processing paths, ``/opt/ml/processing`` -> a temporary folder, made
everywhere the container sees it: in the request and in the code (the
check's documented default paths). The code input is the drift check
directory zipped, as the CDK asset uploads it. CloudWatch is moto's.
"""

import json
import os
import subprocess
import sys
import zipfile

import boto3
import numpy as np
import pytest
from moto import mock_aws

from capture_gen import capture_line, label_line, write_csv, write_lines

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
ASSET = os.path.join(ROOT, "assets", "drift_check")
REQUESTS = os.path.join(ROOT, "test-out", "drift-jobs", "requests.json")
PROCESSING = "/opt/ml/processing"
FEATURES = ["age", "income", "plan", "tenure"]


@pytest.fixture(scope="module")
def requests():
    if not os.path.exists(REQUESTS):
        subprocess.run(["npx", "jest", "test/monitoring/drift-job-requests.test.ts", "--coverage=false"], cwd=ROOT,
                       check=True, capture_output=True, timeout=900)
    with open(REQUESTS, encoding="utf-8") as handle:
        return json.load(handle)


class Sandbox:
    """A processing container's file system under a temporary root."""

    def __init__(self, root):
        self.root = str(root)

    def path(self, text):
        return text.replace(PROCESSING, os.path.join(self.root, "processing"))

    def local(self, request, input_name):
        return self.path(next(i for i in request["inputs"] if i["name"] == input_name)["localPath"])

    def place_code(self, request):
        folder = self.local(request, "code")
        os.makedirs(folder, exist_ok=True)
        with zipfile.ZipFile(os.path.join(folder, "asset.zip"), "w") as archive:
            for directory, _, files in os.walk(ASSET):
                for name in files:
                    if "__pycache__" not in directory:
                        full = os.path.join(directory, name)
                        with open(full, "rb") as handle:
                            data = handle.read()
                        if name.endswith(".py"):
                            data = self.path(data.decode("utf-8")).encode("utf-8")
                        archive.writestr(os.path.relpath(full, ASSET), data)

    def run(self, request, monkeypatch):
        """Run the request's command in this process (moto sees its AWS calls); returns the exit code."""
        entrypoint = request["entrypoint"]
        assert entrypoint[:2] == ["python3", "-c"]
        self.place_code(request)
        for name, value in request["environment"].items():
            monkeypatch.setenv(name, self.path(value))
        monkeypatch.setattr(sys, "argv", ["-c"] + [self.path(a) for a in entrypoint[3:] + request["arguments"]])
        saved_path = list(sys.path)
        saved = {k: v for k, v in sys.modules.items() if k == "driftcheck" or k.startswith("driftcheck.")}
        for name in saved:
            del sys.modules[name]  # import the package from the zip, as the container does
        try:
            exec(compile(self.path(entrypoint[2]), "<ContainerEntrypoint>", "exec"), {"__name__": "__launcher__"})
            code = 0
        except SystemExit as exc:
            code = exc.code
        finally:
            sys.path[:] = saved_path
            for name in [k for k in sys.modules if k == "driftcheck" or k.startswith("driftcheck.")]:
                del sys.modules[name]
            sys.modules.update(saved)
        return code

    def output(self, request, name="report"):
        return self.path(next(o for o in request["outputs"] if o["name"] == name)["localPath"])


def draw(rng, n, drift=False):
    age = rng.integers(18, 80, n)
    income = rng.normal(60 + (15 if drift else 0), 12, n).round(1)
    plan = rng.choice(["basic", "plus", "pro"], n, p=[0.25, 0.5, 0.25] if drift else [0.5, 0.35, 0.15])
    tenure = rng.exponential(20, n).round(1)
    return age, income, plan, tenure


def times(window, n):
    start = window[0][:13]  # YYYY-MM-DDTHH (hourly windows)
    return ["%s:%02d:%02dZ" % (start, i // 60 % 60, i % 60) for i in range(n)]


@pytest.fixture(scope="module")
def baseline_file(requests, tmp_path_factory):
    """The DriftBaselineStep's job on a generated training set; its baseline.json."""
    sandbox = Sandbox(tmp_path_factory.mktemp("baseline-job"))
    request = requests["baseline"]
    rng = np.random.default_rng(5)
    age, income, plan, tenure = draw(rng, 20000)
    churn = (rng.random(20000) < np.where(plan == "basic", 0.35, 0.2)).astype(int)
    dataset = sandbox.local(request, "dataset")
    os.makedirs(dataset, exist_ok=True)
    write_csv(os.path.join(dataset, "train.csv"), FEATURES + ["churn"], zip(age, income, plan, tenure, churn))
    monkeypatch = pytest.MonkeyPatch()
    try:
        assert sandbox.run(request, monkeypatch) == 0
    finally:
        monkeypatch.undo()
    path = os.path.join(sandbox.output(request, "baseline"), "baseline.json")
    doc = json.load(open(path))
    assert [f["name"] for f in doc["features"]] == FEATURES
    pre = {p["facet"]: p for p in doc["bias"]["pre_training"]}
    sensitive = plan == "basic"
    assert pre["plan=basic"]["CI"] == pytest.approx(((~sensitive).sum() - sensitive.sum()) / 20000)
    assert pre["plan=basic"]["DPL"] == pytest.approx(churn[~sensitive].mean() - churn[sensitive].mean())
    assert pre["age>=60"]["CI"] == pytest.approx(((age < 60).sum() - (age >= 60).sum()) / 20000)
    return path


def place_baseline(sandbox, request, baseline_file):
    folder = sandbox.local(request, "baseline")  # the registered baseline.json, downloaded into the input folder
    os.makedirs(folder, exist_ok=True)
    with open(baseline_file, "rb") as src, open(os.path.join(folder, "baseline.json"), "wb") as dst:
        dst.write(src.read())


@pytest.mark.parametrize("drift", [False, True])
def test_check_job_flags_exactly_the_drifted_features(requests, baseline_file, tmp_path, monkeypatch, drift):
    sandbox = Sandbox(tmp_path)
    request = requests["check"]
    place_baseline(sandbox, request, baseline_file)
    rng = np.random.default_rng(8 + drift)
    n = 3000
    age, income, plan, tenure = draw(rng, n, drift)
    when = times(requests["windows"]["check"], n)
    lines = [capture_line("%d,%.1f,%s,%.1f" % (age[i], income[i], plan[i], tenure[i]), event_id="c%d" % i,
                          inference_time=when[i]) for i in range(n)]
    lines.append(capture_line("30,50.0,basic,3.0", inference_time="2026-01-01T00:00:00Z"))  # outside the window
    write_lines(os.path.join(sandbox.local(request, "capture0"), "capture.jsonl"), lines)
    with mock_aws():
        code = sandbox.run(request, monkeypatch)
        metrics = boto3.client("cloudwatch", region_name="us-east-1").list_metrics(Namespace="CdkMlops/Drift")["Metrics"]
    report = json.load(open(os.path.join(sandbox.output(request), "drift_report.json")))
    assert code == 0  # DRIFT_NO_FAIL_ON_VIOLATION: the job succeeds, the status is in the report and the metrics
    assert report["counts"]["rows"] == n and report["counts"]["outside_window"] == 1
    assert report["status"] == ("violations" if drift else "ok")
    assert sorted(report["drifted_features"]) == (["income", "plan"] if drift else [])
    names = {(m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"]))) for m in metrics}
    assert ("DriftScore", (("EndpointName", "churn-prod"),)) in names
    assert ("FeatureDrift", (("EndpointName", "churn-prod"), ("Feature", "income"))) in names


def test_quality_job_joins_late_labels_and_measures_quality_and_bias(requests, baseline_file, tmp_path, monkeypatch):
    sandbox = Sandbox(tmp_path)
    request = requests["quality"]
    place_baseline(sandbox, request, baseline_file)
    rng = np.random.default_rng(13)
    n = 4000
    age, income, plan, tenure = draw(rng, n)
    y = (rng.random(n) < 0.3).astype(int)
    score = np.clip(0.3 + 0.35 * y + np.where(plan == "basic", -0.12, 0.05) + rng.normal(0, 0.15, n), 0, 1).round(4)
    when = times(requests["windows"]["quality"], n)
    write_lines(os.path.join(sandbox.local(request, "capture0"), "capture.jsonl"),
                [capture_line("%d,%.1f,%s,%.1f" % (age[i], income[i], plan[i], tenure[i]), output="%.4f" % score[i],
                              event_id="q%05d" % i, inference_time=when[i]) for i in range(n)])
    # labels arrive over the two days the label folders cover; every fifth event never gets one
    labelled = np.array([i for i in range(n) if i % 5])
    write_lines(os.path.join(sandbox.local(request, "labels0"), "00", "labels.jsonl"),
                [label_line("q%05d" % i, int(y[i])) for i in labelled if i % 2])
    write_lines(os.path.join(sandbox.local(request, "labels1"), "09", "labels.jsonl"),
                [label_line("q%05d" % i, int(y[i])) for i in labelled if not i % 2])
    with mock_aws():
        code = sandbox.run(request, monkeypatch)
        metrics = boto3.client("cloudwatch", region_name="us-east-1").list_metrics(Namespace="CdkMlops/Drift")["Metrics"]
    report = json.load(open(os.path.join(sandbox.output(request), "quality_report.json")))
    assert code == 0
    pred = (score >= 0.5).astype(int)
    q = report["model_quality"]
    assert q["labelled_rows"] == len(labelled)
    assert q["accuracy"] == pytest.approx((pred[labelled] == y[labelled]).mean(), abs=1e-12)
    facets = {m["facet"]: m for m in report["bias"]}
    for facet, d in (("plan=basic", plan == "basic"), ("age>=60", age >= 60)):
        a = ~d
        assert facets[facet]["DPPL"] == pytest.approx(pred[a].mean() - pred[d].mean(), abs=1e-12)
        assert facets[facet]["DI"] == pytest.approx(pred[d].mean() / pred[a].mean(), abs=1e-12)
        la, ld = labelled[a[labelled]], labelled[d[labelled]]
        assert facets[facet]["AD"] == pytest.approx((pred[la] == y[la]).mean() - (pred[ld] == y[ld]).mean(), abs=1e-12)
        assert facets[facet]["RD"] == pytest.approx(pred[la][y[la] == 1].mean() - pred[ld][y[ld] == 1].mean(), abs=1e-12)
    assert facets["plan=basic"]["CI"] is not None  # the baseline's pre-training metrics of the same facet
    # the model favours plans other than basic: DPPL and DI cross their thresholds
    assert {(v["feature"], v["metric"]) for v in report["violations"]} >= {("plan=basic", "abs_dppl"), ("plan=basic", "di")}
    published = {m["MetricName"] for m in metrics}
    assert {"Accuracy", "DPPL", "DI", "AD", "RD", "LabelledRows"} <= published
    assert "DriftScore" not in published  # the quality job leaves the drift of that window alone

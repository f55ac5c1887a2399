"""Batch transform data capture as the drift check's window (driftcheck/batch.py).

The layout and format are AWS's (SageMaker Developer Guide, "Capture data
from batch transform job", "How to view data captured"): under the
transform job's ``DestinationS3Uri``, ``input/`` and ``output/`` hold
manifests -- ``[{"prefix": "s3://<input_S3_uri>/"}, "dummy_0.csv", ...]`` --
in ``yyyy/mm/dd/hh/`` folders of the hour the job started. The end-to-end
test builds that layout as S3 keys, downloads the window's folders as the
synthesized check job request says (an ``S3Prefix`` input in ``File`` mode
puts each object under ``LocalPath`` by its key relative to ``S3Uri``), and
runs the request's command with the transform input in moto's S3.
"""

import json
import os
import subprocess

import boto3
import numpy as np
import pytest
from moto import mock_aws

from capture_gen import write_csv
from driftcheck.baseline import load_baseline
from driftcheck.batch import capture_hour, manifest_uris, record_format, scan_batch, window_manifests
from driftcheck.capture import Malformed
from driftcheck.scan import Scanner, ScanConfig
from test_job_requests import FEATURES, ROOT, Sandbox, draw

BATCH_REQUESTS = os.path.join(ROOT, "test-out", "drift-jobs", "batch-requests.json")
UUID = "4e1b2c3d-0000-4000-8000-00000000000%d"


@pytest.fixture(scope="module")
def batch_requests():
    if not os.path.exists(BATCH_REQUESTS):
        subprocess.run(["npx", "jest", "test/monitoring/drift-job-requests.test.ts", "--coverage=false"], cwd=ROOT,
                       check=True, capture_output=True, timeout=900)
    with open(BATCH_REQUESTS, encoding="utf-8") as handle:
        return json.load(handle)


def documented_manifest(prefix, keys):
    """A manifest as the guide prints it: one JSON array, a line per element."""
    return "[\n" + ",\n".join(["    " + json.dumps({"prefix": prefix})] + ["    " + json.dumps(k) for k in keys]) + "\n]\n"


# ------------------------------------------------------------------ the format

def test_manifest_names_the_objects_under_its_prefix_in_both_written_forms():
    doc = documented_manifest("s3://churn-scoring/incoming/", ["dummy_0.csv", "sub/dummy_1.csv"])
    expected = ["s3://churn-scoring/incoming/dummy_0.csv", "s3://churn-scoring/incoming/sub/dummy_1.csv"]
    assert manifest_uris(doc) == expected
    # "Each manifest is a JSONL file": one JSON value per line reads the same
    lines = "\n".join(json.dumps(v) for v in [{"prefix": "s3://churn-scoring/incoming"}, "dummy_0.csv", "sub/dummy_1.csv"])
    assert manifest_uris(lines) == expected


@pytest.mark.parametrize("text", ["", "{}", "[]", '["dummy.csv"]', '[{"prefix": 3}, "a"]', "[{]"])
def test_fails_when_a_manifest_is_not_a_prefix_and_keys(text):
    with pytest.raises(Malformed) as info:
        manifest_uris(text)
    assert info.value.reason == "bad_manifest"


def test_capture_hour_comes_from_the_documented_time_path():
    # the guide: a job started at 2022-08-26 13:00 UTC is labelled 2022/08/26/13/
    assert capture_hour("data-capture/nightly/input/2022/08/26/13/abc.json") == "2022-08-26T13:00:00"
    assert capture_hour("/opt/ml/processing/input/capture/2022/08/26/13/abc.json") == "2022-08-26T13:00:00"
    assert capture_hour("/opt/ml/processing/input/capture/abc.json") is None


def test_content_types_are_csv_or_json_lines_only():
    assert record_format("text/csv") == "csv"
    assert record_format("application/jsonlines") == "jsonl"
    with pytest.raises(ValueError, match="application/x-parquet"):
        record_format("application/x-parquet")


def test_window_keeps_the_hours_that_start_in_it(tmp_path):
    for hour in (8, 9, 10):
        folder = tmp_path / "2026" / "03" / "02" / ("%02d" % hour)
        folder.mkdir(parents=True)
        (folder / "m.json").write_text(documented_manifest("s3://b/p/", ["x.csv"]))
    (tmp_path / "stray.json").write_text("[]")
    inside, outside, untimed = window_manifests(str(tmp_path), "2026-03-02T08:30:00", "2026-03-02T10:00:00")
    assert [hour for _, hour in inside] == ["2026-03-02T09:00:00"]
    assert (outside, untimed) == (2, 1)


def test_records_of_csv_and_json_lines_objects_become_rows(tmp_path):
    baseline = tmp_path / "baseline.json"
    rng = np.random.default_rng(1)
    age, income, plan, tenure = draw(rng, 500)
    write_csv(str(tmp_path / "train.csv"), FEATURES, zip(age, income, plan, tenure))
    from driftcheck.cli import main
    assert main(["baseline", "--dataset", str(tmp_path / "train.csv"), "--output", str(baseline)]) == 0
    folder = tmp_path / "capture" / "2026" / "03" / "02" / "09"
    folder.mkdir(parents=True)
    (folder / "m.json").write_text(documented_manifest("s3://in/p/", ["a", "b"]))
    objects = {
        "s3://in/p/a": [b"30,50.0,basic,3.0", b"", b"31,51.0,plus"],  # a blank line, a short row
        "s3://in/p/b": [b'{"age": 40, "income": 70.5, "plan": "pro", "tenure": 9.0}'],
    }
    loaded = load_baseline(str(baseline))
    scanner = Scanner(loaded, ScanConfig(), "t")
    csv_objects = {"s3://in/p/a": objects["s3://in/p/a"], "s3://in/p/b": [b"41,71.5,pro,9.0"]}
    scan_batch(scanner, str(tmp_path / "capture"), "text/csv", lambda uri: iter(csv_objects[uri]))
    summary = scanner.finish()
    # three records (the blank line is not one): two rows, one short row counted as malformed
    assert (summary.records, summary.rows, summary.malformed.get("column_count")) == (3, 2, 1)
    scanner = Scanner(loaded, ScanConfig(), "t")
    scan_batch(scanner, str(tmp_path / "capture"), "application/jsonlines", lambda uri: iter(objects["s3://in/p/b"]))
    summary = scanner.finish()
    assert summary.rows == 2 and summary.first_event == "2026-03-02T09:00:00"


# ------------------------------------------------------- the synthesized job

def place_capture(sandbox, request, destination, layout):
    """Download the request's capture inputs from ``layout`` ({S3 key: text}) as SageMaker does."""
    bucket, _, root = destination[5:].partition("/")
    count = 0
    for entry in request["inputs"]:
        if not entry["name"].startswith("capture"):
            continue
        uri = entry["uri"]
        assert uri.startswith("s3://%s/%s/input/" % (bucket, root))  # the manifests of the input, never output/
        prefix = uri[len("s3://%s/" % bucket):]
        for key, text in layout.items():
            if key.startswith(prefix):
                path = os.path.join(sandbox.path(entry["localPath"]), key[len(prefix):])
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(text)
                count += 1
    return count


@pytest.mark.parametrize("drift", [False, True])
def test_batch_check_job_flags_exactly_the_drifted_features(batch_requests, tmp_path, monkeypatch, drift):
    sandbox = Sandbox(tmp_path)
    request = batch_requests["check"]
    # the baseline the check compares against: the drift check's profile of a training set
    rng = np.random.default_rng(5)
    age, income, plan, tenure = draw(rng, 20000)
    train = str(tmp_path / "train.csv")
    write_csv(train, FEATURES, zip(age, income, plan, tenure))
    from driftcheck.cli import main
    folder = sandbox.local(request, "baseline")
    os.makedirs(folder, exist_ok=True)
    assert main(["baseline", "--dataset", train, "--output", os.path.join(folder, "baseline.json")]) == 0

    # two transform runs in the window's hour, one the hour before (another window), as SageMaker lays them out
    destination = batch_requests["captureDestination"]
    root = destination[5:].partition("/")[2]
    start = batch_requests["window"][0]
    hour = "%s/%s/%s/%s/" % (start[0:4], start[5:7], start[8:10], start[11:13])
    before = "%s/%s/%s/%02d/" % (start[0:4], start[5:7], start[8:10], int(start[11:13]) - 1)
    input_uri = batch_requests["transformInput"]
    bucket, _, input_prefix = input_uri[5:].partition("/")
    rng = np.random.default_rng(8 + drift)
    n = 1500
    objects = {}
    for run in range(2):
        a, i, p, t = draw(rng, n, drift)
        objects["%srun%d/part-0.csv" % (input_prefix, run)] = "".join(
            "%d,%.1f,%s,%.1f\n" % (a[k], i[k], p[k], t[k]) for k in range(n))
    objects[input_prefix + "old/part-0.csv"] = "30,50.0,basic,3.0\n"
    layout = {
        "%s/input/%s%s.json" % (root, hour, UUID % 0): documented_manifest(input_uri, ["run0/part-0.csv"]),
        "%s/input/%s%s.json" % (root, hour, UUID % 1): documented_manifest(input_uri, ["run1/part-0.csv"]),
        "%s/input/%s%s.json" % (root, before, UUID % 2): documented_manifest(input_uri, ["old/part-0.csv"]),
        "%s/output/%s%s.json" % (root, hour, UUID % 3): documented_manifest("s3://out/x/", ["run0/part-0.csv.out"]),
    }
    assert place_capture(sandbox, request, destination, layout) == 2  # the window's hour, input manifests only
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=bucket)
        for key, text in objects.items():
            s3.put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"))
        code = sandbox.run(request, monkeypatch)
        metrics = boto3.client("cloudwatch", region_name="us-east-1").list_metrics(Namespace="CdkMlops/Drift")["Metrics"]
    report = json.load(open(os.path.join(sandbox.output(request), "drift_report.json")))
    assert code == 0
    assert report["counts"]["rows"] == 2 * n
    assert report["status"] == ("violations" if drift else "ok")
    assert sorted(report["drifted_features"]) == (["income", "plan"] if drift else [])
    endpoint = request["environment"]["DRIFT_ENDPOINT_NAME"]
    names = {(m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"]))) for m in metrics}
    assert ("DriftScore", (("EndpointName", endpoint),)) in names

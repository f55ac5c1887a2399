"""S3 upload and CloudWatch metrics against moto (no network)."""

import json
import os

import boto3
import numpy as np
import pytest
from moto import mock_aws

from capture_gen import capture_line, hour_dir, write_csv, write_lines
from driftcheck import metrics
from driftcheck.cli import main
from driftcheck.profile import build_baseline


@pytest.fixture
def window(tmp_path):
    """A baseline of two features and a window where feature ``b`` drifted."""
    rng = np.random.default_rng(9)
    rows = [[float(rng.normal()), float(rng.normal())] for _ in range(5000)]
    base = build_baseline(write_csv(str(tmp_path / "train.csv"), ["a", "b"], rows))
    (tmp_path / "baseline.json").write_text(json.dumps(base.to_dict()))
    lines = [capture_line("%.4f,%.4f" % (rng.normal(), rng.normal(1.0))) for _ in range(1500)]
    lines.append("{broken")
    write_lines(os.path.join(hour_dir(str(tmp_path / "capture"), 7), "x.jsonl"), lines)
    return tmp_path


def _dims(metric):
    return {d["Name"]: d["Value"] for d in metric["Dimensions"]}


@mock_aws
def test_report_is_uploaded_and_metrics_are_published(window):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="reports")
    code = main(["check", "--baseline", str(window / "baseline.json"), "--capture", str(window / "capture"),
                 "--output-dir", str(window / "out"), "--endpoint-name", "churn-prod", "--publish-metrics",
                 "--namespace", "Test/Drift", "--report-s3-uri", "s3://reports/drift/2026-01-01T07/",
                 "--metric-dimension", "Stage=prod"])
    assert code == 2
    local = json.load(open(window / "out" / "drift_report.json"))
    body = s3.get_object(Bucket="reports", Key="drift/2026-01-01T07/drift_report.json")["Body"].read()
    assert json.loads(body) == local

    cw = boto3.client("cloudwatch", region_name="us-east-1")
    listed = cw.list_metrics(Namespace="Test/Drift")["Metrics"]
    names = {m["MetricName"] for m in listed}
    assert {"DriftScore", "DriftedFeatureShare", "Violations", "RowsAnalyzed", "MalformedRows", "EmptyWindow",
            "FeatureDrift"} <= names
    window_metric = next(m for m in listed if m["MetricName"] == "RowsAnalyzed")
    assert _dims(window_metric) == {"EndpointName": "churn-prod", "Stage": "prod"}
    features = sorted(_dims(m)["Feature"] for m in listed if m["MetricName"] == "FeatureDrift")
    assert features == ["a", "b"]
    stats = cw.get_metric_statistics(Namespace="Test/Drift", MetricName="MalformedRows",
                                     Dimensions=window_metric["Dimensions"], StartTime="2000-01-01T00:00:00Z",
                                     EndTime="2100-01-01T00:00:00Z", Period=60, Statistics=["Sum"])
    assert sum(p["Sum"] for p in stats["Datapoints"]) == 1.0


@mock_aws
def test_metrics_are_off_unless_asked(window):
    code = main(["check", "--baseline", str(window / "baseline.json"), "--capture", str(window / "capture"),
                 "--output-dir", str(window / "out"), "--endpoint-name", "ep"])
    assert code == 2
    assert boto3.client("cloudwatch", region_name="us-east-1").list_metrics()["Metrics"] == []


def test_metric_data_are_batched_within_put_metric_data_limits():
    features = [{"name": "f%04d" % i, "drift_score": 0.5, "metrics": {"psi": 0.01, "ks": 0.02,
                                                                       "missing_rate_delta": 0.0}}
                for i in range(600)]
    report = {"status": "ok", "drift_score": 0.5, "drifted_feature_share": 0.0, "violations": [],
              "counts": {"rows": 10, "malformed": 0}, "features": features, "model_quality": None}
    data = metrics.build_metric_data(report, "ep", "all")
    assert len(data) == 6 + 600 * 4  # js distance is absent for numeric features and left out

    class Recorder:
        def __init__(self):
            self.calls = []

        def put_metric_data(self, Namespace, MetricData):
            self.calls.append((Namespace, MetricData))

    client = Recorder()
    calls = metrics.publish(data, "NS", client)
    assert calls == len(client.calls) == 3
    assert all(len(batch) <= 1000 for _, batch in client.calls)
    assert sum(len(batch) for _, batch in client.calls) == len(data)
    # the byte budget splits too
    assert len(metrics.batches(data, max_bytes=50_000)) > 3


@mock_aws
def test_many_metrics_go_through_moto_in_batches():
    report = {"status": "ok", "drift_score": 0.1, "drifted_feature_share": 0.0, "violations": [],
              "counts": {"rows": 10, "malformed": 0}, "model_quality": None,
              "features": [{"name": "f%d" % i, "drift_score": 0.1, "metrics": {}} for i in range(1500)]}
    data = metrics.build_metric_data(report, "ep", "score")
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    sizes = []  # moto accepts any size, so check each request as botocore sends it
    cw.meta.events.register("provide-client-params.cloudwatch.PutMetricData",
                            lambda params, **_: sizes.append(len(params["MetricData"])))
    assert metrics.publish(data, "Big/NS", cw) == 2
    assert sizes == [1000, len(data) - 1000]
    pages = cw.get_paginator("list_metrics").paginate(Namespace="Big/NS", MetricName="FeatureDrift")
    assert sum(len(p["Metrics"]) for p in pages) == 1500


def test_non_finite_values_are_not_sent():
    report = {"status": "empty", "drift_score": None, "drifted_feature_share": None, "violations": [],
              "counts": {"rows": 0, "malformed": 0}, "features": [{"name": "x", "drift_score": float("nan"),
                                                                  "metrics": {}}],
              "model_quality": None}
    data = metrics.build_metric_data(report, "ep")
    assert {d["MetricName"]: d["Value"] for d in data} == {"Violations": 0.0, "RowsAnalyzed": 0.0,
                                                         "MalformedRows": 0.0, "EmptyWindow": 1.0}

"""Publishing the report's figures as CloudWatch metrics.

PutMetricData accepts at most 1,000 metric data per request and a 1 MB
request body; values must be finite (NaN and infinities are rejected), and a
metric may have up to 30 dimensions, each value up to 1,024 characters.
Data are sent in batches that respect those limits; non-finite values and
absent figures are left out rather than sent.

Window metrics carry the ``EndpointName`` dimension (plus any extra
dimensions given); per-feature metrics carry ``EndpointName`` and
``Feature``.
"""

import datetime
import json
import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

MAX_DATA_PER_CALL = 1000
MAX_BYTES_PER_CALL = 900_000  # below the 1 MB request limit, leaving room for encoding overhead
MAX_DIMENSION_VALUE = 1024

WINDOW_METRICS: Tuple[Tuple[str, str, str], ...] = (
    # (metric name, unit, how to read it from the report)
    ("DriftScore", "None", "drift_score"),
    ("DriftedFeatureShare", "None", "drifted_feature_share"),
    ("Violations", "Count", "violations"),
    ("RowsAnalyzed", "Count", "counts.rows"),
    ("MalformedRows", "Count", "counts.malformed"),
    ("EmptyWindow", "Count", "empty"),
)
QUALITY_METRICS = (("Accuracy", "accuracy"), ("F1", "f1"), ("AUC", "auc"), ("RMSE", "rmse"), ("MAE", "mae"),
                   ("LabelledRows", "labelled_rows"))
BIAS_METRICS = ("DPPL", "DI", "AD", "RD")
FEATURE_METRICS_ALL = (("FeaturePSI", "psi"), ("FeatureKS", "ks"), ("FeatureJSDistance", "js_distance"),
                       ("FeatureMissingRateDelta", "missing_rate_delta"))


def _finite(value: Any) -> Optional[float]:
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _window_value(report: Dict[str, Any], path: str) -> Optional[float]:
    if path == "violations":
        return float(len(report.get("violations") or []))
    if path == "empty":
        return 1.0 if report.get("status") == "empty" else 0.0
    node: Any = report
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return _finite(node)


def _dims(pairs: Sequence[Tuple[str, str]]) -> List[Dict[str, str]]:
    return [{"Name": name, "Value": str(value)[:MAX_DIMENSION_VALUE]} for name, value in pairs]


def build_metric_data(report: Dict[str, Any], endpoint_name: str, feature_metrics: str = "score",
                      extra_dimensions: Sequence[Tuple[str, str]] = (), metric_set: str = "all",
                      timestamp: Optional[datetime.datetime] = None) -> List[Dict[str, Any]]:
    """MetricData entries for a report. ``feature_metrics``: ``none``, ``score`` or ``all``;
    ``metric_set``: ``all``, or ``quality`` for model quality and bias only (a check of a
    past window whose labels have arrived must not publish that window's drift again)."""
    when = timestamp or datetime.datetime.now(datetime.timezone.utc)
    base = [("EndpointName", endpoint_name)] + list(extra_dimensions)
    data: List[Dict[str, Any]] = []

    def put(name: str, value: Optional[float], unit: str, dims) -> None:
        if value is not None:
            data.append({"MetricName": name, "Dimensions": _dims(dims), "Timestamp": when,
                         "Value": value, "Unit": unit})

    drift = metric_set == "all"
    if drift:
        for name, unit, path in WINDOW_METRICS:
            put(name, _window_value(report, path), unit, base)
    quality = report.get("model_quality") or {}
    if quality.get("labelled_rows"):
        for name, key in QUALITY_METRICS:
            put(name, _finite(quality.get(key)), "Count" if name == "LabelledRows" else "None", base)
    for facet in report.get("bias") or []:
        for name in BIAS_METRICS:
            put(name, _finite(facet.get(name)), "None", base + [("Facet", facet["facet"])])
    if drift and feature_metrics != "none":
        for feature in report.get("features") or []:
            dims = base + [("Feature", feature["name"])]
            put("FeatureDrift", _finite(feature.get("drift_score")), "None", dims)
            if feature_metrics == "all":
                for name, key in FEATURE_METRICS_ALL:
                    put(name, _finite(feature["metrics"].get(key)), "None", dims)
    return data


def _size(datum: Dict[str, Any]) -> int:
    # rough size of the query-encoded datum; generous so batches stay well below 1 MB
    return 2 * len(json.dumps(datum, default=str)) + 200


def batches(data: List[Dict[str, Any]], max_count: int = MAX_DATA_PER_CALL,
            max_bytes: int = MAX_BYTES_PER_CALL) -> List[List[Dict[str, Any]]]:
    """Split metric data into batches of at most ``max_count`` entries and ``max_bytes``."""
    out: List[List[Dict[str, Any]]] = []
    current: List[Dict[str, Any]] = []
    size = 0
    for datum in data:
        n = _size(datum)
        if current and (len(current) >= max_count or size + n > max_bytes):
            out.append(current)
            current, size = [], 0
        current.append(datum)
        size += n
    if current:
        out.append(current)
    return out


def publish(data: List[Dict[str, Any]], namespace: str, client=None) -> int:
    """Send metric data in batches; returns the number of PutMetricData calls."""
    if not data:
        return 0
    if client is None:
        import boto3

        client = boto3.client("cloudwatch")
    calls = 0
    for batch in batches(data):
        client.put_metric_data(Namespace=namespace, MetricData=batch)
        calls += 1
    return calls

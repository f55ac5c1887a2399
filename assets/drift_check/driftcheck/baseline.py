"""Baseline statistics: one internal representation, two file formats.

Internal representation
-----------------------
* :class:`NumericFeature` -- sorted interior cut points ``edges`` and
  ``counts`` over the ``len(edges) + 1`` bins ``(-inf, e0), [e0, e1), ...,
  [e_last, +inf)``, plus the missing count. Values are assigned with
  ``numpy.searchsorted(edges, x, side="right")``.
* :class:`CategoricalFeature` -- the list of known ``categories`` and
  ``counts`` over ``categories + [<other>]``, plus the missing count.

File formats read by :func:`load_baseline`
------------------------------------------
* ``cdk-mlops-drift-baseline`` (written by the ``baseline`` mode, see
  profile.py): stores exactly the representation above.
* SageMaker Model Monitor / QualityCheck ``statistics.json``: ``features[]``
  with ``inferred_type`` Integral/Fractional (``numerical_statistics`` with
  ``distribution.kll.buckets`` of ``lower_bound``/``upper_bound``/``count``)
  or String (``string_statistics`` with ``distribution.categorical.buckets``
  of ``value``/``count``), and ``common.num_present``/``num_missing``. The
  KLL buckets become the bins: their interior boundaries are the edges.
"""

import hashlib
import json
import math
from typing import Any, Dict, List, Optional, Union

import numpy as np

from . import stats

BASELINE_FORMAT = "cdk-mlops-drift-baseline"
BASELINE_VERSION = 1
#: Label of the bucket that collects categories unseen in the baseline.
OTHER = "__other__"


class NumericFeature:
    """Numeric feature: fixed bins from the baseline and its counts per bin."""

    kind = "numeric"

    def __init__(self, name: str, edges: List[float], counts: List[float], missing: float = 0.0,
                 moments: Optional[Dict[str, float]] = None):
        edges_arr = np.asarray(edges, dtype=np.float64)
        if edges_arr.ndim != 1 or np.any(~np.isfinite(edges_arr)):
            raise ValueError("feature %r: edges must be finite numbers" % name)
        if np.any(np.diff(edges_arr) <= 0):
            raise ValueError("feature %r: edges must be strictly increasing" % name)
        if len(counts) != len(edges_arr) + 1:
            raise ValueError("feature %r: %d edges need %d counts, got %d"
                             % (name, len(edges_arr), len(edges_arr) + 1, len(counts)))
        self.name = name
        self.edges = edges_arr
        self.counts = np.asarray(counts, dtype=np.float64)
        self.missing = float(missing)
        self.moments = dict(moments or {})
        self.psi_groups = stats.psi_groups(self.counts)

    @property
    def present(self) -> float:
        return float(self.counts.sum())

    @property
    def missing_rate(self) -> float:
        total = self.present + self.missing
        return self.missing / total if total > 0 else 0.0

    def to_dict(self) -> Dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "edges": self.edges.tolist(),
                "counts": self.counts.tolist(), "missing": self.missing, "moments": self.moments}


class CategoricalFeature:
    """Categorical feature: known categories (plus an <other> bucket) and counts."""

    kind = "categorical"

    def __init__(self, name: str, categories: List[str], counts: List[float], missing: float = 0.0):
        if len(set(categories)) != len(categories):
            raise ValueError("feature %r: duplicate categories" % name)
        if len(counts) != len(categories) + 1:
            raise ValueError("feature %r: %d categories need %d counts (last = other), got %d"
                             % (name, len(categories), len(categories) + 1, len(counts)))
        self.name = name
        self.categories = [str(c) for c in categories]
        self.counts = np.asarray(counts, dtype=np.float64)
        self.missing = float(missing)
        self.index = {c: i for i, c in enumerate(self.categories)}

    @property
    def present(self) -> float:
        return float(self.counts.sum())

    @property
    def missing_rate(self) -> float:
        total = self.present + self.missing
        return self.missing / total if total > 0 else 0.0

    def to_dict(self) -> Dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "categories": self.categories,
                "counts": self.counts.tolist(), "missing": self.missing}


Feature = Union[NumericFeature, CategoricalFeature]


class Baseline:
    """Ordered list of features plus provenance. Feature order = capture column order."""

    def __init__(self, features: List[Feature], source_format: str, item_count: Optional[float] = None,
                 fingerprint: str = "", skipped: Optional[List[Dict[str, str]]] = None,
                 bias: Optional[Dict[str, Any]] = None):
        names = [f.name for f in features]
        if len(set(names)) != len(names):
            raise ValueError("baseline has duplicate feature names")
        if not features:
            raise ValueError("baseline has no usable feature")
        self.features = features
        self.source_format = source_format
        self.item_count = item_count
        self.fingerprint = fingerprint
        self.skipped = list(skipped or [])
        # pre-training bias of the training data (bias.py), when the baseline mode was given facets
        self.bias = bias

    @property
    def names(self) -> List[str]:
        return [f.name for f in self.features]

    def to_dict(self) -> Dict[str, Any]:
        doc = {"format": BASELINE_FORMAT, "version": BASELINE_VERSION, "item_count": self.item_count,
               "features": [f.to_dict() for f in self.features], "skipped_features": self.skipped}
        if self.bias is not None:
            doc["bias"] = self.bias
        return doc


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def load_baseline(path: str) -> Baseline:
    """Read a baseline file in either supported format (detected from its fields)."""
    with open(path, "r", encoding="utf-8") as handle:
        text = handle.read()
    doc = json.loads(text)
    return parse_baseline(doc, fingerprint=_fingerprint(text))


def parse_baseline(doc: Dict[str, Any], fingerprint: str = "") -> Baseline:
    """Convert a parsed baseline document into a :class:`Baseline`."""
    if not isinstance(doc, dict):
        raise ValueError("baseline must be a JSON object")
    if not fingerprint:
        fingerprint = _fingerprint(json.dumps(doc, sort_keys=True))
    if doc.get("format") == BASELINE_FORMAT:
        return _parse_own(doc, fingerprint)
    if isinstance(doc.get("features"), list) and any("inferred_type" in f for f in doc["features"]):
        return _parse_model_monitor(doc, fingerprint)
    raise ValueError("unrecognised baseline: expected format=%r or a Model Monitor statistics.json "
                     "(features[] with inferred_type)" % BASELINE_FORMAT)


def _parse_own(doc: Dict[str, Any], fingerprint: str) -> Baseline:
    version = doc.get("version")
    if version != BASELINE_VERSION:
        raise ValueError("unsupported baseline version %r (this program reads %d)" % (version, BASELINE_VERSION))
    features: List[Feature] = []
    for item in doc["features"]:
        if item["kind"] == "numeric":
            features.append(NumericFeature(item["name"], item["edges"], item["counts"], item.get("missing", 0),
                                           item.get("moments")))
        elif item["kind"] == "categorical":
            features.append(CategoricalFeature(item["name"], item["categories"], item["counts"],
                                               item.get("missing", 0)))
        else:
            raise ValueError("feature %r: unknown kind %r" % (item.get("name"), item.get("kind")))
    return Baseline(features, BASELINE_FORMAT, doc.get("item_count"), fingerprint, doc.get("skipped_features"),
                    doc.get("bias"))


def _num(value: Any, default: float = 0.0) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return default
    return out if math.isfinite(out) else default


def _parse_model_monitor(doc: Dict[str, Any], fingerprint: str) -> Baseline:
    features: List[Feature] = []
    skipped: List[Dict[str, str]] = []
    for item in doc["features"]:
        name = str(item.get("name"))
        kind = item.get("inferred_type")
        if kind in ("Integral", "Fractional"):
            feature = _mm_numeric(name, item.get("numerical_statistics") or {})
        elif kind == "String":
            feature = _mm_categorical(name, item.get("string_statistics") or {})
        else:
            feature = None
        if feature is None:
            skipped.append({"name": name, "reason": "unsupported inferred_type %r or no distribution" % kind})
        else:
            features.append(feature)
    item_count = (doc.get("dataset") or {}).get("item_count")
    return Baseline(features, "sagemaker-model-monitor-statistics", item_count, fingerprint, skipped)


def _mm_numeric(name: str, numerical: Dict[str, Any]) -> Optional[NumericFeature]:
    common = numerical.get("common") or {}
    buckets = (((numerical.get("distribution") or {}).get("kll") or {}).get("buckets")) or []
    buckets = [b for b in buckets if isinstance(b, dict)]
    if not buckets:
        return None
    buckets.sort(key=lambda b: _num(b.get("lower_bound")))
    # interior boundaries: upper bound of every bucket but the last
    raw_edges = [_num(b.get("upper_bound")) for b in buckets[:-1]]
    counts = [_num(b.get("count")) for b in buckets]
    edges: List[float] = []
    merged: List[float] = [counts[0]]
    for edge, count in zip(raw_edges, counts[1:]):
        if edges and edge <= edges[-1]:
            merged[-1] += count  # degenerate (zero-width) bucket: fold into previous
            continue
        edges.append(edge)
        merged.append(count)
    # KLL buckets span [min, max]; the outer bins are open-ended, so one
    # bucket per side is enough (no extra empty bins are needed).
    moments = {k: _num(numerical.get(k), float("nan")) for k in ("mean", "std_dev", "min", "max")}
    moments = {k: v for k, v in moments.items() if math.isfinite(v)}
    return NumericFeature(name, edges, merged, _num(common.get("num_missing")), moments)


def _mm_categorical(name: str, string_stats: Dict[str, Any]) -> Optional[CategoricalFeature]:
    common = string_stats.get("common") or {}
    buckets = (((string_stats.get("distribution") or {}).get("categorical") or {}).get("buckets")) or []
    categories: List[str] = []
    counts: List[float] = []
    seen = {}
    for bucket in buckets:
        if not isinstance(bucket, dict) or "value" not in bucket:
            continue
        value = str(bucket["value"])
        if value in seen:
            counts[seen[value]] += _num(bucket.get("count"))
            continue
        seen[value] = len(categories)
        categories.append(value)
        counts.append(_num(bucket.get("count")))
    if not categories:
        return None
    present = _num(common.get("num_present"), sum(counts))
    other = max(present - sum(counts), 0.0)  # buckets may list only the top values
    return CategoricalFeature(name, categories, counts + [other], _num(common.get("num_missing")))

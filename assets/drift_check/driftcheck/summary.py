"""Mergeable window summaries.

A :class:`WindowSummary` is everything the check keeps about a window: per
feature, counts over the baseline's fixed bins (numeric) or categories
(categorical), a missing count and running moments; per window, row and
record counters, malformed counts by reason and the first/last event time;
optionally a model-quality summary. Its size depends on the baseline only,
never on the number of rows.

``merge`` adds counts, so merging the partial summaries of any split of the
input (in any order or grouping) gives exactly the counts of a single pass.
Moments are merged with Chan et al.'s parallel formula, exact up to
floating-point rounding.
"""

import math
from typing import Any, Dict, List, Optional

import numpy as np

from .baseline import Baseline, CategoricalFeature, NumericFeature
from .bias import merge_posttraining
from .stats import add_arrays, merge_counters

SUMMARY_FORMAT = "cdk-mlops-drift-partial"
SUMMARY_VERSION = 1


class FeatureCounts:
    """Counts for one feature over the baseline's bins (or categories + other)."""

    def __init__(self, bins: int):
        self.counts = np.zeros(bins, dtype=np.int64)
        self.missing = 0
        # moments of present finite values (numeric only): n, mean, M2, min, max
        self.n = 0
        self.mean = 0.0
        self.m2 = 0.0
        self.min = math.inf
        self.max = -math.inf

    def add_moments(self, values: np.ndarray) -> None:
        values = values[np.isfinite(values)]
        n_b = int(values.size)
        if n_b == 0:
            return
        mean_b = float(values.mean())
        m2_b = float(((values - mean_b) ** 2).sum())
        self._combine(n_b, mean_b, m2_b, float(values.min()), float(values.max()))

    def _combine(self, n_b: int, mean_b: float, m2_b: float, min_b: float, max_b: float) -> None:
        n_a = self.n
        n = n_a + n_b
        if n == 0:
            return
        delta = mean_b - self.mean
        self.mean = self.mean + delta * n_b / n
        self.m2 = self.m2 + m2_b + delta * delta * n_a * n_b / n
        self.n = n
        self.min = min(self.min, min_b)
        self.max = max(self.max, max_b)

    def merge(self, other: "FeatureCounts") -> None:
        if len(self.counts) != len(other.counts):
            raise ValueError("cannot merge feature counts with different bin counts")
        self.counts += other.counts
        self.missing += other.missing
        self._combine(other.n, other.mean, other.m2, other.min, other.max)

    @property
    def std(self) -> float:
        return math.sqrt(self.m2 / (self.n - 1)) if self.n > 1 else 0.0

    def to_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"counts": self.counts.tolist(), "missing": int(self.missing)}
        if self.n:
            out["moments"] = {"n": self.n, "mean": self.mean, "m2": self.m2, "min": self.min, "max": self.max}
        return out

    @classmethod
    def from_dict(cls, doc: Dict[str, Any]) -> "FeatureCounts":
        fc = cls(len(doc["counts"]))
        fc.counts = np.asarray(doc["counts"], dtype=np.int64)
        fc.missing = int(doc.get("missing", 0))
        m = doc.get("moments")
        if m:
            fc.n, fc.mean, fc.m2, fc.min, fc.max = int(m["n"]), m["mean"], m["m2"], m["min"], m["max"]
        return fc


class WindowSummary:
    """Counters and per-feature counts of one window (or one shard of it)."""

    def __init__(self, baseline: Baseline):
        self.baseline_fingerprint = baseline.fingerprint
        self.features = [FeatureCounts(len(f.counts)) for f in baseline.features]
        self.records = 0  # capture lines read (including malformed ones)
        self.rows = 0  # rows analysed
        self.outside_window = 0  # records skipped by the time filter
        self.files = 0
        self.malformed: Dict[str, int] = {}
        self.first_event: Optional[str] = None
        self.last_event: Optional[str] = None
        self.shards: List[str] = []
        self.window = {"start": None, "end": None}  # time filter the window was scanned with
        self.quality: Optional[Dict[str, Any]] = None
        # prediction spill counters of this process (not serialised; see quality.py)
        self.spill_stats: Optional[Dict[str, int]] = None

    # -------------------------------------------------------------- updates
    def count_malformed(self, reason: str, n: int = 1) -> None:
        if n:
            self.malformed[reason] = self.malformed.get(reason, 0) + n

    def see_time(self, key: str) -> None:
        if not key:
            return
        if self.first_event is None or key < self.first_event:
            self.first_event = key
        if self.last_event is None or key > self.last_event:
            self.last_event = key

    def add_numeric(self, j: int, feature: NumericFeature, values: np.ndarray) -> None:
        """Add float values (NaN = missing) of numeric feature ``j``."""
        fc = self.features[j]
        missing = np.isnan(values)
        n_missing = int(missing.sum())
        present = values[~missing] if n_missing else values
        fc.missing += n_missing
        if present.size:
            fc.counts += bin_counts(feature.edges, present)
            fc.add_moments(present)

    def add_categorical(self, j: int, codes: np.ndarray) -> None:
        """Add category codes of feature ``j`` (-1 = missing, last code = other)."""
        fc = self.features[j]
        missing = codes < 0
        n_missing = int(missing.sum())
        fc.missing += n_missing
        present = codes[~missing] if n_missing else codes
        if present.size:
            fc.counts += np.bincount(present, minlength=len(fc.counts))

    def add_category_counts(self, j: int, counts: np.ndarray) -> None:
        """Add counts per code of feature ``j`` (categories, other, then missing last)."""
        fc = self.features[j]
        fc.counts += counts[:-1]
        fc.missing += int(counts[-1])

    # ---------------------------------------------------------------- merge
    def merge(self, other: "WindowSummary") -> "WindowSummary":
        """Add ``other`` into this summary (in place) and return self."""
        if other.baseline_fingerprint != self.baseline_fingerprint:
            raise ValueError("cannot merge summaries made against different baselines (%s vs %s)"
                             % (self.baseline_fingerprint, other.baseline_fingerprint))
        if len(other.features) != len(self.features):
            raise ValueError("cannot merge summaries with different feature lists")
        if not self.shards and not self.records:
            self.window = dict(other.window)  # merging into an empty summary adopts the window
        elif other.window != self.window:
            raise ValueError("cannot merge summaries scanned with different windows (%s vs %s)"
                             % (self.window, other.window))
        for mine, theirs in zip(self.features, other.features):
            mine.merge(theirs)
        self.records += other.records
        self.rows += other.rows
        self.outside_window += other.outside_window
        self.files += other.files
        self.malformed = merge_counters(self.malformed, other.malformed)
        for key in (other.first_event, other.last_event):
            if key:
                self.see_time(key)
        self.shards = self.shards + other.shards
        if other.quality is not None:
            self.quality = other.quality if self.quality is None else merge_quality(self.quality, other.quality)
        return self

    # ------------------------------------------------------ serialisation
    def to_dict(self) -> Dict[str, Any]:
        return {"format": SUMMARY_FORMAT, "version": SUMMARY_VERSION,
                "baseline_fingerprint": self.baseline_fingerprint, "shards": self.shards,
                "records": self.records, "rows": self.rows, "outside_window": self.outside_window,
                "files": self.files, "malformed": dict(sorted(self.malformed.items())),
                "first_event": self.first_event, "last_event": self.last_event, "window": self.window,
                "features": [fc.to_dict() for fc in self.features], "quality": self.quality}

    @classmethod
    def from_dict(cls, doc: Dict[str, Any], baseline: Baseline) -> "WindowSummary":
        if doc.get("format") != SUMMARY_FORMAT or doc.get("version") != SUMMARY_VERSION:
            raise ValueError("not a %s v%d file" % (SUMMARY_FORMAT, SUMMARY_VERSION))
        summary = cls(baseline)
        summary.baseline_fingerprint = doc["baseline_fingerprint"]
        if len(doc["features"]) != len(baseline.features):
            raise ValueError("partial summary has %d features, baseline has %d"
                             % (len(doc["features"]), len(baseline.features)))
        summary.features = [FeatureCounts.from_dict(f) for f in doc["features"]]
        for fc, feature in zip(summary.features, baseline.features):
            if len(fc.counts) != len(feature.counts):
                raise ValueError("partial summary bins do not match baseline feature %r" % feature.name)
        for key in ("records", "rows", "outside_window", "files"):
            setattr(summary, key, int(doc.get(key, 0)))
        summary.malformed = dict(doc.get("malformed") or {})
        summary.first_event = doc.get("first_event")
        summary.last_event = doc.get("last_event")
        summary.shards = list(doc.get("shards") or [])
        summary.window = dict(doc.get("window") or {"start": None, "end": None})
        summary.quality = doc.get("quality")
        return summary


def bin_counts(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Counts of ``values`` (no NaN) over the bins ``(-inf, e0), [e0, e1), ..., [e_last, +inf)``.

    The same counts as ``bincount(searchsorted(edges, values, side="right"))``,
    computed the other way round: sort the values, then find each edge in
    them (``side="left"``: the values below it). Sorting a chunk and
    searching a hundred edges is several times faster than searching every
    value among the edges (tested to give identical counts).
    """
    ordered = np.sort(values)
    below = np.searchsorted(ordered, edges, side="left")
    return np.diff(below, prepend=0, append=ordered.size)


def merge_quality(a: Dict[str, Any], b: Dict[str, Any]) -> Dict[str, Any]:
    """Merge two model-quality summaries (see quality.py): add every count."""
    if a.get("config") != b.get("config"):
        raise ValueError("cannot merge model-quality summaries with different settings")
    out: Dict[str, Any] = {"config": a["config"]}
    for key in set(a) | set(b):
        if key == "config":
            continue
        x, y = a.get(key), b.get(key)
        if x is None or y is None:
            out[key] = x if y is None else y
        elif key == "bias":
            out[key] = merge_posttraining(x, y)
        elif isinstance(x, dict):
            out[key] = merge_counters(x, y)
        elif isinstance(x, list):
            out[key] = add_arrays(x, y)
        else:
            out[key] = x + y
    return out


def is_categorical(feature) -> bool:
    return isinstance(feature, CategoricalFeature)

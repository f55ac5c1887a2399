"""Model quality from captured predictions joined with ground-truth labels.

Labels use the Model Monitor ground-truth layout (JSON Lines)::

    {"groundTruthData": {"data": "1", "encoding": "CSV"},
     "eventMetadata": {"eventId": "<eventId or inferenceId of the capture>"},
     "eventVersion": "0"}

A capture record is keyed by its ``inferenceId`` when present, else its
``eventId``; a label by ``eventMetadata.inferenceId`` if given, else
``eventMetadata.eventId``. A payload with several rows joins row by row.

Bounded memory: the join is a partitioned hash join on local disk. While
the capture is scanned, each prediction is appended to one of ``P``
partition files by a stable hash of its key; labels are partitioned the
same way; then each partition is joined in memory. Memory is the size of
one label partition (about labelled rows / P), not of the window.

The result is a mergeable summary (plain counts):

* ``binary``     -- confusion counts at the probability threshold and
  histograms of scores for positives and negatives (``score_bins`` equal
  bins over ``score_range``) from which ROC AUC is computed with a stated
  error bound (see :func:`driftcheck.stats.auc_from_histograms`);
* ``multiclass`` -- the confusion matrix (accuracy, macro F1);
* ``regression`` -- count, sum of absolute and squared errors (MAE, RMSE).
"""

import json
import math
import os
import zlib
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from .bias import Facet, add_labelled, add_prediction, new_posttraining
from .capture import Malformed, list_capture_files, iter_lines
from .payload import decode_rows, prediction_values
from .stats import auc_from_histograms


def _float(value: Any) -> Optional[float]:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def canonical_label(value: Any) -> Optional[str]:
    """Class label as text; numbers are normalised so ``1``, ``1.0`` and ``"1"`` agree."""
    if value is None:
        return None
    number = _float(value)
    if number is not None:
        return str(int(number)) if number.is_integer() else repr(number)
    text = str(value).strip()
    return text or None


def default_config(problem_type: str, **kwargs) -> Dict[str, Any]:
    """Quality settings; part of every partial summary so merges can check them."""
    config = {"problem_type": problem_type, "positive_label": "1", "probability_threshold": 0.5,
              "score_bins": 1000, "score_range": [0.0, 1.0]}
    config.update({k: v for k, v in kwargs.items() if v is not None})
    config["positive_label"] = canonical_label(config["positive_label"])
    return config


def new_summary(config: Dict[str, Any]) -> Dict[str, Any]:
    kind = config["problem_type"]
    out: Dict[str, Any] = {"config": config, "predictions": 0, "matched": 0, "bad_prediction": 0,
                           "bad_label": 0}
    if kind == "binary":
        bins = int(config["score_bins"])
        out.update({"tp": 0, "fp": 0, "tn": 0, "fn": 0, "hist_pos": [0] * bins, "hist_neg": [0] * bins})
    elif kind == "multiclass":
        out["confusion"] = {}
    elif kind == "regression":
        out.update({"n": 0, "sum_abs_error": 0.0, "sum_sq_error": 0.0, "sum_error": 0.0})
    else:
        raise ValueError("problem type must be binary, multiclass or regression, got %r" % kind)
    return out


def _partition(key: str, partitions: int) -> int:
    return zlib.crc32(key.encode("utf-8")) % partitions


def predicted_positive(config: Dict[str, Any], prediction: Any) -> Optional[bool]:
    """Whether a prediction is the positive outcome (binary: score at or above the threshold;
    multiclass: the positive label); None when it cannot be read."""
    if config["problem_type"] == "binary":
        score = _float(prediction)
        return None if score is None else score >= float(config["probability_threshold"])
    label = canonical_label(prediction)
    return None if label is None else label == config["positive_label"]


class PredictionSpill:
    """Extract the predictions of each record during the scan: count them per facet group
    (bias), and append ``[key, row, prediction, groups]`` lines to partition files for the
    label join (``directory`` empty: no join, counts only)."""

    def __init__(self, directory: str, partitions: int, tag: str, key: Optional[str], index: int,
                 facets: Sequence[Facet] = (), names: Sequence[str] = (), config: Optional[Dict[str, Any]] = None):
        self.directory = directory
        self.partitions = partitions
        self.key = key
        self.index = index
        self.handles = []
        if directory:
            os.makedirs(directory, exist_ok=True)
            self.handles = [open(os.path.join(directory, "pred-%s-%03d.jsonl" % (tag, p)), "w", encoding="utf-8")
                            for p in range(partitions)]
        self.count = 0
        self.bad = 0
        self.facets = list(facets)
        self.names = list(names)
        self.facet_positions = [self.names.index(f.name) for f in self.facets]
        self.config = config
        self.bias = new_posttraining(self.facets) if self.facets else None

    def _groups(self, record, n: int) -> List[str]:
        """One string per prediction row: a character per facet, ``a``, ``d`` or ``-`` (unknown)."""
        unknown = "-" * len(self.facets)
        try:
            rows = decode_rows(record.input_data or "", record.input_encoding, record.input_content_type, self.names)
        except Malformed:
            return [unknown] * n
        if len(rows) != n:
            return [unknown] * n
        out = []
        for row in rows:
            fields = row.split(",") if isinstance(row, str) else row
            if len(fields) != len(self.names):
                out.append(unknown)
                continue
            out.append("".join(f.group(fields[p]) or "-" for f, p in zip(self.facets, self.facet_positions)))
        return out

    def add(self, record) -> None:
        record_key = record.inference_id or record.event_id
        if record.output_data is None or (self.handles and not record_key):
            self.bad += 1
            return
        try:
            values = prediction_values(record.output_data, record.output_encoding, record.output_content_type,
                                       self.key, self.index)
        except Malformed:
            self.bad += 1
            return
        groups = self._groups(record, len(values)) if self.facets else [""] * len(values)
        if self.bias is not None:
            for value, g in zip(values, groups):
                positive = predicted_positive(self.config, value)
                if positive is not None:
                    add_prediction(self.bias, [None if c == "-" else c for c in g], positive)
        if self.handles:
            handle = self.handles[_partition(record_key, self.partitions)]
            for row, (value, g) in enumerate(zip(values, groups)):
                handle.write(json.dumps([record_key, row, value, g]) + "\n")
        self.count += len(values)

    def close(self) -> None:
        for handle in self.handles:
            handle.close()


def iter_labels(root: str) -> Iterator[Tuple[str, int, Any]]:
    """Yield ``(key, row, label)`` from ground-truth files; bad lines are skipped."""
    if not os.path.exists(root):
        return
    for path in list_capture_files(root):
        for line in iter_lines(path):
            try:
                doc = json.loads(line)
                data = doc["groundTruthData"]
                meta = doc.get("eventMetadata") or {}
                key = meta.get("inferenceId") or meta.get("eventId")
                values = prediction_values(str(data["data"]), str(data.get("encoding", "")), "", None, 0)
            except (ValueError, KeyError, TypeError, AttributeError, Malformed):
                continue
            if key:
                for row, value in enumerate(values):
                    yield str(key), row, value


def join_partitions(spill_dirs: List[str], labels_root: str, partitions: int, work_dir: str,
                    summary: Dict[str, Any]) -> Dict[str, Any]:
    """Join spilled predictions with labels partition by partition into ``summary``.

    A labels folder that does not exist holds no label (labels arrive late:
    an early window may have none yet)."""
    os.makedirs(work_dir, exist_ok=True)
    label_files = [open(os.path.join(work_dir, "labels-%03d.jsonl" % p), "w", encoding="utf-8")
                   for p in range(partitions)]
    for key, row, value in iter_labels(labels_root):
        label_files[_partition(key, partitions)].write(json.dumps([key, row, value]) + "\n")
    for handle in label_files:
        handle.close()
    for p in range(partitions):
        labels: Dict[Tuple[str, int], Any] = {}
        with open(os.path.join(work_dir, "labels-%03d.jsonl" % p), "r", encoding="utf-8") as handle:
            for line in handle:
                key, row, value = json.loads(line)
                labels[(key, row)] = value
        for directory in spill_dirs:
            for name in sorted(os.listdir(directory)):
                if name.startswith("pred-") and name.endswith("-%03d.jsonl" % p):
                    with open(os.path.join(directory, name), "r", encoding="utf-8") as handle:
                        for line in handle:
                            key, row, prediction, groups = json.loads(line)
                            label = labels.get((key, row))
                            if label is not None and add_pair(summary, prediction, label) and groups:
                                add_bias_pair(summary, prediction, label, groups)
    return summary


def add_pair(summary: Dict[str, Any], prediction: Any, label: Any) -> bool:
    """Add one (prediction, label) pair to a quality summary; False when either cannot be read."""
    config = summary["config"]
    kind = config["problem_type"]
    if kind == "regression":
        p, y = _float(prediction), _float(label)
        if p is None:
            summary["bad_prediction"] += 1
            return False
        if y is None:
            summary["bad_label"] += 1
            return False
        err = p - y
        summary["n"] += 1
        summary["sum_abs_error"] += abs(err)
        summary["sum_sq_error"] += err * err
        summary["sum_error"] += err
    elif kind == "binary":
        score = _float(prediction)
        truth = canonical_label(label)
        if score is None:
            summary["bad_prediction"] += 1
            return False
        if truth is None:
            summary["bad_label"] += 1
            return False
        positive = truth == config["positive_label"]
        predicted = score >= float(config["probability_threshold"])
        cell = ("tp" if predicted else "fn") if positive else ("fp" if predicted else "tn")
        summary[cell] += 1
        lo, hi = config["score_range"]
        bins = int(config["score_bins"])
        b = int((score - lo) / (hi - lo) * bins) if hi > lo else 0
        b = min(max(b, 0), bins - 1)
        summary["hist_pos" if positive else "hist_neg"][b] += 1
    else:
        p, y = canonical_label(prediction), canonical_label(label)
        if p is None:
            summary["bad_prediction"] += 1
            return False
        if y is None:
            summary["bad_label"] += 1
            return False
        cell = json.dumps([y, p])
        summary["confusion"][cell] = summary["confusion"].get(cell, 0) + 1
    summary["matched"] += 1
    return True


def add_bias_pair(summary: Dict[str, Any], prediction: Any, label: Any, groups: str) -> None:
    """Add a labelled pair to the per-facet confusion counts (AD, RD) of ``summary["bias"]``."""
    config = summary["config"]
    predicted = predicted_positive(config, prediction)
    if predicted is None or "bias" not in summary:
        return
    actual = canonical_label(label) == config["positive_label"]
    add_labelled(summary["bias"], [None if c == "-" else c for c in groups], predicted, actual)


def _nan_to_none(values: Dict[str, Any]) -> Dict[str, Any]:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in values.items()}


def quality_metrics(summary: Dict[str, Any]) -> Dict[str, Any]:
    """Final model-quality metrics from a (merged) quality summary."""
    kind = summary["config"]["problem_type"]
    out: Dict[str, Any] = {"problem_type": kind, "labelled_rows": summary["matched"],
                           "predictions": summary["predictions"], "bad_prediction": summary["bad_prediction"],
                           "bad_label": summary["bad_label"]}
    if kind == "regression":
        n = summary["n"]
        out["mae"] = summary["sum_abs_error"] / n if n else float("nan")
        out["rmse"] = math.sqrt(summary["sum_sq_error"] / n) if n else float("nan")
        out["mean_error"] = summary["sum_error"] / n if n else float("nan")
    elif kind == "binary":
        tp, fp, tn, fn = (summary[k] for k in ("tp", "fp", "tn", "fn"))
        n = tp + fp + tn + fn
        out["accuracy"] = (tp + tn) / n if n else float("nan")
        out["precision"] = tp / (tp + fp) if tp + fp else float("nan")
        out["recall"] = tp / (tp + fn) if tp + fn else float("nan")
        out["f1"] = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")
        out["auc"], out["auc_error_bound"] = auc_from_histograms(summary["hist_pos"], summary["hist_neg"])
        out["confusion"] = {"tp": tp, "fp": fp, "tn": tn, "fn": fn}
    else:
        pairs = [(tuple(json.loads(k)), v) for k, v in summary["confusion"].items()]
        n = sum(v for _, v in pairs)
        correct = sum(v for (y, p), v in pairs if y == p)
        out["accuracy"] = correct / n if n else float("nan")
        classes = sorted({y for (y, _), _ in pairs} | {p for (_, p), _ in pairs})
        f1s: List[float] = []
        for c in classes:
            tp = sum(v for (y, p), v in pairs if y == c and p == c)
            fp = sum(v for (y, p), v in pairs if y != c and p == c)
            fn = sum(v for (y, p), v in pairs if y == c and p != c)
            f1s.append(2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else 0.0)
        out["f1"] = float(np.mean(f1s)) if f1s else float("nan")
        out["classes"] = len(classes)
    return _nan_to_none(out)

"""``baseline`` mode: profile a training dataset into a baseline file, in bounded memory.

Input: CSV files with a header row (or ``feature_names`` for header-less
CSV), or JSON Lines with one object per line. A directory is read
recursively. Two passes, each a bounded chunk at a time:

1. per column: missing and non-numeric counts, exact category counts (up to
   ``max_distinct`` distinct values, beyond which the column is not
   categorical), and a uniform random sample of the numeric values
   (bottom-k sampling with random keys, ``sample_size`` values) whose
   quantiles give the bin edges;
2. numeric columns: exact counts per bin (``numpy.searchsorted``), exact
   moments.

Kinds: a column is numeric when at most 1% of its non-missing values fail
to parse as numbers (those are then ignored and reported as ``invalid``),
else categorical; ``numeric`` / ``categorical`` force a kind. Categorical
columns keep their ``max_categories`` most frequent values; the rest go to
the ``<other>`` bucket. Columns that are neither (free text, ids) are
listed under ``skipped_features``.
"""

import csv
import io
import json
from collections import Counter
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from .baseline import Baseline, CategoricalFeature, NumericFeature
from .bias import Facet, add_pretraining, canonical, new_pretraining, pretraining_metrics
from .capture import list_capture_files, open_binary
from .columns import is_missing_token, scalar_text, to_floats
from .summary import FeatureCounts

CHUNK = 8192


def _columns(width: int, text_rows: List[str], list_rows: List[List[Any]]) -> List[List[Any]]:
    """Columns of a chunk: unquoted rows split in one go and sliced, others transposed."""
    columns: List[List[Any]] = [[] for _ in range(width)]
    if text_rows:
        flat = ",".join(text_rows).split(",")
        columns = [flat[j::width] for j in range(width)]
    if list_rows:
        for j, values in enumerate(zip(*list_rows)):
            columns[j].extend(values)
    return columns


def _csv_chunks(path: str, names: Optional[List[str]]) -> Iterator[Tuple[List[str], List[List[Any]]]]:
    """CSV columns in chunks; unquoted lines are split directly, quoted ones by the csv module.

    ``names`` None: the first line is the header; an empty list: there is no
    header and the columns are named ``c0``, ``c1``, ... after the first row.
    """
    with open_binary(path) as raw:
        lines = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        header = names or None
        text_rows: List[str] = []
        list_rows: List[List[Any]] = []
        commas = len(header) - 1 if header else -1
        for line in lines:
            line = line.rstrip("\r\n")
            if not line:
                continue
            if header is None:
                first = next(csv.reader([line]))
                header = first if names is None else ["c%d" % i for i in range(len(first))]
                commas = len(header) - 1
                if names is None:
                    continue
            if '"' in line:
                row = next(csv.reader([line]))
                if len(row) == len(header):
                    list_rows.append(row)
            elif line.count(",") == commas:
                text_rows.append(line)
            # ragged rows are skipped
            if len(text_rows) + len(list_rows) >= CHUNK:
                yield header, _columns(len(header), text_rows, list_rows)
                text_rows, list_rows = [], []
        if text_rows or list_rows:
            yield header, _columns(len(header), text_rows, list_rows)


def _jsonl_chunks(path: str, names: Optional[List[str]]) -> Iterator[Tuple[List[str], List[List[Any]]]]:
    """JSON Lines objects as columns in chunks (keys of the first object, unless names are given)."""
    header = names
    chunk: List[List[Any]] = []
    with open_binary(path) as raw:
        for line in raw:
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if not isinstance(obj, dict):
                continue
            if header is None:
                header = list(obj.keys())
            chunk.append([obj.get(name) for name in header])
            if len(chunk) >= CHUNK:
                yield header, _columns(len(header), [], chunk)
                chunk = []
    if chunk and header is not None:
        yield header, _columns(len(header), [], chunk)


def dataset_chunks(root: str, fmt: str = "auto", names: Optional[List[str]] = None):
    """Yield ``(header, columns)`` chunks from every dataset file under ``root``."""
    for path in list_capture_files(root):
        kind = fmt
        if kind == "auto":
            stem = path[:-3] if path.endswith(".gz") else path
            kind = "jsonl" if stem.endswith((".jsonl", ".json")) else "csv"
        reader = _jsonl_chunks if kind == "jsonl" else _csv_chunks
        for header, columns in reader(path, (names or None) if kind == "jsonl" else names):
            yield header, columns


class _ColumnProfile:
    """Pass-1 statistics of one column (see module docstring)."""

    def __init__(self, max_distinct: int):
        self.numeric_possible = True
        self.missing_numeric = 0  # missing values, as seen by the numeric parse
        self.missing_text = 0  # missing values, as seen by the category count
        self.invalid = 0
        self.present_numeric = 0
        self.categories: Optional[Counter] = Counter()
        self.max_distinct = max_distinct
        self.sample = np.empty(0)
        self.sample_keys = np.empty(0)

    def add(self, column: Sequence[Any], rng: np.random.Generator, sample_size: int) -> None:
        if self.numeric_possible:
            self._add_numeric(column, rng, sample_size)
        if self.categories is not None:
            try:
                counted = Counter(column)  # C speed; keys are normalised below (few distinct values)
            except TypeError:  # unhashable JSON values (lists, objects)
                counted = Counter(json.dumps(v, sort_keys=True) if isinstance(v, (list, dict)) else v
                                  for v in column)
            for value, count in counted.items():
                text = value if isinstance(value, str) else scalar_text(value)
                if text is None or is_missing_token(text):
                    self.missing_text += count
                else:
                    self.categories[text] += count
            if len(self.categories) > self.max_distinct:
                self.categories = None  # too many distinct values to be categorical

    def _add_numeric(self, column: Sequence[Any], rng: np.random.Generator, sample_size: int) -> None:
        values, bad = to_floats(column)
        nan = np.isnan(values)
        n_bad = int(bad.sum()) if bad is not None else 0
        self.invalid += n_bad
        self.missing_numeric += int(nan.sum()) - n_bad
        good = values[~nan]
        self.present_numeric += int(good.size)
        if n_bad > 0 and self.invalid > 0.01 * (self.invalid + self.present_numeric):
            # clearly not numeric: stop parsing (and sampling) it as numbers
            self.numeric_possible = False
            self.sample = self.sample_keys = np.empty(0)
            return
        if good.size:
            keys = rng.random(good.size)
            all_keys = np.concatenate((self.sample_keys, keys))
            all_vals = np.concatenate((self.sample, good))
            if all_keys.size > sample_size:
                keep = np.argpartition(all_keys, sample_size)[:sample_size]
                all_keys, all_vals = all_keys[keep], all_vals[keep]
            self.sample_keys, self.sample = all_keys, all_vals


def build_baseline(root: str, fmt: str = "auto", names: Optional[List[str]] = None,
                   label_column: Optional[str] = None, drop: Sequence[str] = (),
                   numeric: Sequence[str] = (), categorical: Sequence[str] = (), bins: int = 100,
                   sample_size: int = 200_000, max_categories: int = 100, max_distinct: int = 10_000,
                   seed: int = 0, facets: Sequence[Facet] = (), positive_labels: Sequence[str] = ("1",)) -> Baseline:
    """Profile the dataset under ``root`` (see module docstring) into a :class:`Baseline`.

    With ``facets``, the pre-training bias metrics of each facet (CI, and DPL
    when ``label_column`` is given: a label is positive when it is one of
    ``positive_labels``) are computed in the same pass and kept in the baseline.
    """
    rng = np.random.default_rng(seed)
    header: Optional[List[str]] = None
    profiles: List[_ColumnProfile] = []
    rows = 0
    bias_counts = new_pretraining(facets)
    positive_set = {canonical(v) for v in positive_labels}
    for chunk_header, columns in dataset_chunks(root, fmt, names):
        if header is None:
            header = list(chunk_header)
            profiles = [_ColumnProfile(max_distinct) for _ in header]
            missing = [f.name for f in facets if f.name not in header]
            if missing:
                raise ValueError("facet feature(s) %s not among the dataset's columns %s" % (missing, header))
            if facets and label_column and label_column not in header:
                raise ValueError("label column %r not among the dataset's columns %s" % (label_column, header))
        elif list(chunk_header) != header:
            raise ValueError("dataset files have different columns: %s vs %s" % (chunk_header, header))
        for j, profile in enumerate(profiles):
            profile.add(columns[j], rng, sample_size)
        if facets:
            positives = None
            if label_column:
                positives = [None if c is None else c in positive_set
                             for c in map(canonical, columns[header.index(label_column)])]
            add_pretraining(bias_counts, facets, [columns[header.index(f.name)] for f in facets], positives)
        rows += len(columns[0])
    if header is None or rows == 0:
        raise ValueError("dataset %r has no rows" % root)
    excluded = set(drop) | ({label_column} if label_column else set())
    features: List[Any] = []
    skipped: List[Dict[str, str]] = []
    kinds: Dict[int, str] = {}
    for j, name in enumerate(header):
        if name in excluded:
            continue
        p = profiles[j]
        non_missing = p.present_numeric + p.invalid
        if name in numeric and not p.numeric_possible:
            raise ValueError("column %r was forced numeric but most of its values are not numbers" % name)
        if name in numeric or (name not in categorical and p.numeric_possible and non_missing):
            kinds[j] = "numeric"
        elif p.categories is not None:
            kinds[j] = "categorical"
        else:
            skipped.append({"name": name, "reason": "more than %d distinct non-numeric values" % max_distinct})
    # pass 2: exact counts over the fixed bins
    edges = {j: _edges(profiles[j].sample, bins) for j, kind in kinds.items() if kind == "numeric"}
    counters = {j: FeatureCounts(len(e) + 1) for j, e in edges.items()}
    if edges:
        for _, columns in dataset_chunks(root, fmt, names):
            for j, fc in counters.items():
                values, bad = to_floats(columns[j])
                if bad is not None:
                    values = values[~bad]
                values = values[~np.isnan(values)]
                fc.counts += np.bincount(np.searchsorted(edges[j], values, side="right"),
                                         minlength=len(fc.counts))
                fc.add_moments(values)
    for j, name in enumerate(header):
        if j not in kinds:
            continue
        p = profiles[j]
        if kinds[j] == "numeric":
            fc = counters[j]
            moments = {"mean": fc.mean, "std": fc.std, "min": fc.min, "max": fc.max} if fc.n else {}
            features.append(NumericFeature(name, edges[j].tolist(), fc.counts.tolist(), p.missing_numeric, moments))
        else:
            ranked = sorted(p.categories.items(), key=lambda kv: (-kv[1], kv[0]))
            top = ranked[:max_categories]
            other = sum(c for _, c in ranked[max_categories:])
            features.append(CategoricalFeature(name, [k for k, _ in top], [c for _, c in top] + [other],
                                               p.missing_text))
    bias = None
    if facets:
        bias = {"label_column": label_column, "positive_labels": sorted(positive_set - {None}),
                "facets": [f.text for f in facets], "counts": bias_counts,
                "pre_training": pretraining_metrics(facets, bias_counts)}
    return Baseline(features, "cdk-mlops-drift-baseline", rows, skipped=skipped, bias=bias)


def _edges(sample: np.ndarray, bins: int) -> np.ndarray:
    """Interior cut points at the sample's ``1/bins ... (bins-1)/bins`` quantiles (deduplicated)."""
    if sample.size == 0:
        return np.empty(0)
    levels = np.arange(1, bins) / float(bins)
    ordered = np.sort(sample)
    # inverted-CDF quantiles (the smallest sample value whose ECDF reaches the level),
    # written out so that old numpy releases without quantile(method=...) give the same edges
    index = np.clip(np.ceil(levels * ordered.size).astype(np.int64) - 1, 0, ordered.size - 1)
    cuts = np.unique(ordered[index])
    lo = float(sample.min())
    return cuts[cuts > lo] if cuts.size > 1 else cuts

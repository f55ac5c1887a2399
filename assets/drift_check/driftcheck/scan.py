"""Scanning a window of capture files into a :class:`WindowSummary`.

One pass, line by line. With ``workers > 1`` the files are split across
processes, each producing a partial summary that is merged here -- the same
merge that combines shards from several instances.
"""

import json
import multiprocessing
import os
from typing import Any, Dict, List, Optional, Tuple

from .baseline import Baseline, load_baseline
from .capture import Malformed, iter_lines, record_of, time_key
from .columns import RowAccumulator
from .payload import csv_rows, json_rows, payload_text
from .quality import PredictionSpill
from .summary import WindowSummary


class ScanConfig:
    """What a scan needs besides the baseline; plain attributes so it pickles."""

    def __init__(self, capture_columns: Optional[List[str]] = None, window_start: str = "",
                 window_end: str = "", chunk_rows: int = 8192,
                 spill_dir: str = "", join_partitions: int = 32, prediction_key: Optional[str] = None,
                 prediction_index: int = 0):
        self.capture_columns = capture_columns
        self.window_start = time_key(window_start) if window_start else ""
        self.window_end = time_key(window_end) if window_end else ""
        self.chunk_rows = chunk_rows
        self.spill_dir = spill_dir  # non-empty: spill predictions for the label join
        self.join_partitions = join_partitions
        self.prediction_key = prediction_key
        self.prediction_index = prediction_index


def column_positions(baseline: Baseline, capture_columns: Optional[List[str]]):
    """Positions of the baseline features in the captured rows, and the row width.

    By default captured rows hold exactly the baseline features, in order.
    ``capture_columns`` names every captured column instead (any name not in
    the baseline, e.g. ``_``, is ignored), for requests with extra columns or
    a different order.
    """
    if not capture_columns:
        return list(range(len(baseline.features))), len(baseline.features)
    where = {}
    for i, name in enumerate(capture_columns):
        where.setdefault(name, i)
    missing = [f.name for f in baseline.features if f.name not in where]
    if missing:
        raise ValueError("capture columns do not include baseline features: %s" % ", ".join(missing))
    return [where[f.name] for f in baseline.features], len(capture_columns)


def scan_files(files: List[str], baseline: Baseline, config: ScanConfig, tag: str = "0") -> WindowSummary:
    """Scan ``files`` in one process and return their summary.

    The loop is written for speed (locals, no per-record objects): a line is
    decoded once with ``json.loads``; a single unquoted CSV row -- the common
    case -- goes straight to the column buffer, every other payload through
    :mod:`driftcheck.payload`.
    """
    summary = WindowSummary(baseline)
    positions, width = column_positions(baseline, config.capture_columns)
    acc = RowAccumulator(baseline, summary, positions, width, config.chunk_rows)
    names = config.capture_columns or baseline.names
    spill = None
    if config.spill_dir:
        spill = PredictionSpill(config.spill_dir, config.join_partitions, tag, config.prediction_key,
                                config.prediction_index)
    start, end = config.window_start, config.window_end
    malformed = summary.count_malformed
    scan_once = json.JSONDecoder().scan_once  # the C scanner behind json.loads, minus its wrappers
    text_rows = acc.text_rows
    commas = acc.commas
    chunk = acc.chunk_rows
    records = outside = 0
    first = last = None
    for path in files:
        summary.files += 1
        for raw in iter_lines(path):
            records += 1
            try:
                line = raw.decode("utf-8").strip()
                doc, stop = scan_once(line, 0)
            except UnicodeDecodeError:
                malformed("bad_utf8")
                continue
            except (StopIteration, ValueError):
                malformed("bad_json")
                continue
            if stop != len(line) or type(doc) is not dict:
                malformed("bad_json")
                continue
            try:
                inp = doc["captureData"]["endpointInput"]
                data = inp["data"]
                encoding = inp.get("encoding", "")
            except (KeyError, TypeError, AttributeError):
                data = None
            if type(data) is not str:
                malformed("missing_input")
                continue
            meta = doc.get("eventMetadata")
            when = meta.get("inferenceTime") if type(meta) is dict else None
            if when and type(when) is str:
                when = when[:19]
                if (start and when < start) or (end and when >= end):
                    outside += 1
                    continue
                if first is None or when < first:
                    first = when
                if last is None or when > last:
                    last = when
            if spill is not None:
                spill.add(record_of(doc))
            # hot path: a single unquoted CSV row
            if encoding == "CSV" and '"' not in data and "\n" not in data and "\r" not in data:
                if not data:
                    malformed("empty_payload")
                elif data.count(",") != commas:
                    malformed("column_count")
                else:
                    text_rows.append(data)
                    if len(text_rows) >= chunk:
                        acc.flush()
                continue
            try:
                fmt, text = payload_text(data, encoding if type(encoding) is str else "",
                                         str(inp.get("observedContentType") or ""))
                rows = csv_rows(text) if fmt == "csv" else json_rows(text, names)
            except Malformed as exc:
                malformed(exc.reason)
                continue
            if rows:
                acc.add_rows(rows)
            else:
                malformed("empty_payload")
    acc.flush()
    summary.window = {"start": start or None, "end": end or None}
    summary.records = records
    summary.outside_window = outside
    summary.first_event, summary.last_event = first, last
    if spill is not None:
        spill.close()
        summary.spill_stats = {"predictions": spill.count, "bad_prediction": spill.bad}
    return summary


def _worker(args) -> Tuple[Dict[str, Any], Optional[Dict[str, int]]]:
    """Pool entry point: scan a group of files; returns the summary as a dict and spill counters."""
    files, baseline_path, config, tag = args
    baseline = load_baseline(baseline_path)
    summary = scan_files(files, baseline, config, tag)
    return summary.to_dict(), summary.spill_stats


def split_files(files: List[str], parts: int) -> List[List[str]]:
    """Split files into ``parts`` groups of similar total size (greedy, largest first)."""
    sized = sorted(((os.path.getsize(f) if os.path.exists(f) else 0, f) for f in files), reverse=True)
    groups: List[List[str]] = [[] for _ in range(parts)]
    loads = [0] * parts
    for size, path in sized:
        k = loads.index(min(loads))
        groups[k].append(path)
        loads[k] += size
    return [sorted(g) for g in groups if g]


def scan(files: List[str], baseline: Baseline, baseline_path: str, config: ScanConfig,
         workers: int = 1) -> WindowSummary:
    """Scan files with ``workers`` processes and merge their partial summaries."""
    if workers <= 1 or len(files) < 2:
        return scan_files(files, baseline, config)
    groups = split_files(files, workers)
    jobs = [(group, baseline_path, config, "w%d" % i) for i, group in enumerate(groups)]
    with multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
        parts = pool.map(_worker, jobs)
    summary = WindowSummary(baseline)
    summary.window = {"start": config.window_start or None, "end": config.window_end or None}
    for part, stats in parts:
        summary.merge(WindowSummary.from_dict(part, baseline))
        if stats is not None:
            mine = summary.spill_stats or {}
            summary.spill_stats = {k: mine.get(k, 0) + v for k, v in stats.items()}
    return summary

"""Scanning a window of capture files into a :class:`WindowSummary`.

One pass, line by line. With ``workers > 1`` the files are split across
processes, each producing a partial summary that is merged here -- the same
merge that combines shards from several instances.
"""

import json
import multiprocessing
import os
from itertools import repeat
from typing import Any, Dict, List, Optional, Tuple

from .baseline import Baseline, load_baseline
from .bias import merge_posttraining, parse_facets
from .capture import Malformed, iter_lines, record_of, time_key
from .columns import RowAccumulator
from .fastscan import capture_line_pattern, iter_blocks, plain_lines, quick_pattern
from .payload import csv_rows, json_rows, payload_text
from .quality import PredictionSpill
from .summary import WindowSummary


class ScanConfig:
    """What a scan needs besides the baseline; plain attributes so it pickles."""

    def __init__(self, capture_columns: Optional[List[str]] = None, window_start: str = "",
                 window_end: str = "", chunk_rows: int = 4096,
                 spill_dir: str = "", join_partitions: int = 32, prediction_key: Optional[str] = None,
                 prediction_index: int = 0, fast_path: bool = True, facets: Optional[List[str]] = None,
                 quality: Optional[Dict[str, Any]] = None):
        self.capture_columns = capture_columns
        self.window_start = time_key(window_start) if window_start else ""
        self.window_end = time_key(window_end) if window_end else ""
        self.chunk_rows = chunk_rows
        self.spill_dir = spill_dir  # non-empty: spill predictions for the label join
        self.join_partitions = join_partitions
        self.prediction_key = prediction_key
        self.prediction_index = prediction_index
        self.fast_path = fast_path  # False: every line through the JSON decoder (tests compare both)
        self.facets = list(facets or [])  # bias facets (bias.py), as text
        self.quality = quality  # model-quality settings (quality.default_config), with labels or facets


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


_QUICK = quick_pattern()


class _Scanner:
    """The scan of one process: the general path line by line, the fast path block by block."""

    def __init__(self, baseline: Baseline, config: ScanConfig, tag: str):
        self.summary = WindowSummary(baseline)
        positions, width = column_positions(baseline, config.capture_columns)
        self.acc = RowAccumulator(baseline, self.summary, positions, width, config.chunk_rows,
                                   vectorized=config.fast_path)
        self.names = config.capture_columns or baseline.names
        self.spill = None
        if config.spill_dir or config.facets:
            self.spill = PredictionSpill(config.spill_dir, config.join_partitions, tag, config.prediction_key,
                                         config.prediction_index, parse_facets(config.facets), self.names,
                                         config.quality)
        # The label join needs every record's ids and output: the general path only.
        self.fast = capture_line_pattern(width) if self.spill is None and config.fast_path else None
        self.start, self.end = config.window_start, config.window_end
        self.scan_once = json.JSONDecoder().scan_once  # the C scanner behind json.loads, minus its wrappers
        self.records = self.outside = 0
        self.first: Optional[str] = None
        self.last: Optional[str] = None

    def line(self, line: str) -> None:
        """The general path: one capture line (decoded, not blank), as described in capture.py."""
        self.records += 1
        malformed = self.summary.count_malformed
        line = line.strip()
        try:
            doc, stop = self.scan_once(line, 0)
        except (StopIteration, ValueError):
            malformed("bad_json")
            return
        if stop != len(line) or type(doc) is not dict:
            malformed("bad_json")
            return
        try:
            inp = doc["captureData"]["endpointInput"]
            data = inp["data"]
            encoding = inp.get("encoding", "")
        except (KeyError, TypeError, AttributeError):
            data = None
        if type(data) is not str:
            malformed("missing_input")
            return
        meta = doc.get("eventMetadata")
        when = meta.get("inferenceTime") if type(meta) is dict else None
        if when and type(when) is str:
            when = when[:19]
            if (self.start and when < self.start) or (self.end and when >= self.end):
                self.outside += 1
                return
            if self.first is None or when < self.first:
                self.first = when
            if self.last is None or when > self.last:
                self.last = when
        if self.spill is not None:
            self.spill.add(record_of(doc))
        acc = self.acc
        # a single unquoted CSV row goes straight to the column buffer
        if encoding == "CSV" and '"' not in data and "\n" not in data and "\r" not in data:
            if not data:
                malformed("empty_payload")
            elif data.count(",") != acc.commas:
                malformed("column_count")
            else:
                acc.text_rows.append(data)
                if len(acc.text_rows) >= acc.chunk_rows:
                    acc.flush()
            return
        try:
            fmt, text = payload_text(data, encoding if type(encoding) is str else "",
                                     str(inp.get("observedContentType") or ""))
            rows = csv_rows(text) if fmt == "csv" else json_rows(text, self.names)
        except Malformed as exc:
            malformed(exc.reason)
            return
        if rows:
            acc.add_rows(rows)
        else:
            malformed("empty_payload")

    def raw_line(self, raw: bytes) -> None:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            self.records += 1
            self.summary.count_malformed("bad_utf8")
            return
        self.line(text)

    def block(self, block: bytes) -> None:
        """The fast path over a block of whole lines (see fastscan.py)."""
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError:
            for raw in block.split(b"\n"):
                if raw and not raw.isspace():
                    self.raw_line(raw)
            return
        matched = None
        lines = plain_lines(block)
        if lines:
            found = _QUICK.findall(text)
            if len(found) == lines:  # else a line did not match, a match ran across lines, or a line was empty
                rows, times = zip(*found)
                # the quick expression leaves the column count to this check
                if set(map(str.count, rows, repeat(","))) == {self.acc.commas}:
                    matched = rows, times, ()
        if matched is None:
            matched = _split(self.fast.findall(text))
        if matched is None:
            return
        rows, times, others = matched
        for other in others:
            if not other.isspace():
                self.line(other)
        if not rows:
            return
        self.records += len(rows)
        lo, hi = min(times), max(times)
        start, end = self.start, self.end
        if (start and lo < start) or (end and hi >= end):
            kept = [(r, t) for r, t in zip(rows, times) if not (start and t < start) and not (end and t >= end)]
            self.outside += len(rows) - len(kept)
            if not kept:
                return
            rows, times = zip(*kept)
            lo, hi = min(times), max(times)
        # whole-string order = order of the first 19 characters (see capture.time_key)
        lo, hi = lo[:19], hi[:19]
        if self.first is None or lo < self.first:
            self.first = lo
        if self.last is None or hi > self.last:
            self.last = hi
        acc = self.acc
        acc.text_rows.extend(rows)
        if len(acc.text_rows) >= acc.chunk_rows:
            acc.flush()

    def file(self, path: str) -> None:
        self.summary.files += 1
        if self.fast is None:
            for raw in iter_lines(path):
                self.raw_line(raw)
        else:
            for block in iter_blocks(path):
                self.block(block)

    def finish(self) -> WindowSummary:
        self.acc.flush()
        summary = self.summary
        summary.window = {"start": self.start or None, "end": self.end or None}
        summary.records = self.records
        summary.outside_window = self.outside
        summary.first_event, summary.last_event = self.first, self.last
        if self.spill is not None:
            self.spill.close()
            summary.spill_stats = {"predictions": self.spill.count, "bad_prediction": self.spill.bad,
                                   "bias": self.spill.bias}
        return summary


def _split(found: List[Tuple[str, str, str]]):
    """``findall`` results as (fast rows, their times, other lines); None when there is nothing."""
    if not found:
        return None
    rows, times, others = zip(*found)
    others = list(filter(None, others))
    if len(others) == len(found):
        return [], [], others
    if not others:
        return rows, times, others
    return list(filter(None, rows)), list(filter(None, times)), others


_heap_tuned = False


def keep_buffers_on_the_heap() -> None:
    """Ask glibc to serve numpy's chunk-sized temporaries from the heap (once per process).

    A chunk's temporaries (fastcolumns.py: about 1 MB each) are above
    glibc's default mmap threshold (128 KiB, adaptive), so each was mapped,
    page-faulted in and unmapped again: about 120,000 page faults per
    200,000 rows, a quarter of the scan's time. With the threshold at 32 MiB
    (glibc's maximum) and the top of the heap trimmed only above 64 MiB, the
    freed blocks are reused; memory stays bounded by one chunk's working
    set. Elsewhere than glibc (no ``mallopt``) this does nothing.
    """
    global _heap_tuned
    if _heap_tuned:
        return
    _heap_tuned = True
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 64 << 20)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass


def scan_files(files: List[str], baseline: Baseline, config: ScanConfig, tag: str = "0") -> WindowSummary:
    """Scan ``files`` in one process and return their summary.

    Lines in SageMaker's own layout with a single CSV row take the fast path
    (fastscan.py: a block of lines per regular-expression call, rows
    buffered without decoding each line); every other line is decoded with
    the JSON decoder and goes through :mod:`driftcheck.payload`. Both give
    the same counts.
    """
    keep_buffers_on_the_heap()
    scanner = _Scanner(baseline, config, tag)
    for path in files:
        scanner.file(path)
    return scanner.finish()


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
            mine = summary.spill_stats
            summary.spill_stats = stats if mine is None else {
                "predictions": mine["predictions"] + stats["predictions"],
                "bad_prediction": mine["bad_prediction"] + stats["bad_prediction"],
                "bias": None if stats["bias"] is None else merge_posttraining(mine["bias"], stats["bias"])}
    return summary

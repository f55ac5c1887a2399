"""The fast path of the scan (fastscan.py) gives exactly the counts of the general path (JSON decoder)."""

import base64
import gzip
import json
import os
import re

import numpy as np
import pytest

from capture_gen import b64, capture_line, hour_dir
from driftcheck.baseline import Baseline, CategoricalFeature, NumericFeature
from driftcheck.fastscan import capture_line_pattern, iter_blocks, plain_lines, quick_pattern
from driftcheck.scan import ScanConfig, scan_files
from driftcheck.summary import bin_counts


@pytest.fixture
def baseline():
    features = [NumericFeature("x", [0.0, 1.0, 2.0], [10, 20, 30, 40], 0),
                NumericFeature("y", [0.0], [50, 50], 0),
                CategoricalFeature("c", ["a", "b"], [60, 40, 0], 0)]
    return Baseline(features, "test", 100, "fp")


def write_raw(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def comparable(summary):
    """A summary as a dict; moments rounded (rows arrive in other chunks, so sums round differently)."""
    doc = summary.to_dict()
    for feature in doc["features"]:
        if "moments" in feature:
            feature["moments"] = {k: round(v, 9) for k, v in feature["moments"].items()}
    return doc


def both(paths, baseline, **config):
    """(fast, general) summaries of the same files, as comparable dicts."""
    return [comparable(scan_files(paths, baseline, ScanConfig(fast_path=fast, **config))) for fast in (True, False)]


def tricky_lines():
    good = capture_line("0.5,1,a", inference_time="2026-01-01T05:00:01Z")
    json_output = capture_line("1.5,-1,b", output=json.dumps({"score": 0.9, "label": "yes"}),
                               output_encoding="JSON", inference_time="2026-01-01T05:00:02Z")
    with_id = capture_line("2.5,0,z", inference_id="inf-1", inference_time="2026-01-01T05:59:59.999Z")
    return [
        good, json_output, with_id,
        capture_line("0.5,,a"),  # missing value in a numeric column
        capture_line(",1,"),  # missing numeric and categorical
        capture_line("NaN,null,NA"),
        capture_line("0.5,1"),  # wrong column count
        capture_line("0.5,1,a,b"),
        capture_line("abc,1,a"),  # non-numeric
        capture_line(""),  # empty payload
        capture_line("0.5,1,\u00e9t\u00e9"),  # non-ASCII category, raw in the line
        json.dumps(json.loads(good), ensure_ascii=True).replace("0.5,1,a", "0.5,1,\\u0061"),  # escaped 'a'
        capture_line('1.5,"2",a'),  # quoted CSV
        capture_line("1.5,2,a\n0.5,1,b"),  # two rows
        capture_line(b64("1.5,2,a"), "BASE64", "text/csv"),
        capture_line(json.dumps({"x": 1.5, "y": 2, "c": "a"}), "JSON", "application/json"),
        capture_line("1.5,2,a", output=None),  # no endpointOutput
        good[:-1],  # truncated: not JSON
        good + " ",  # trailing space: JSON after strip
        " " + good,  # leading space
        good.replace('"mode":"INPUT"', '"mode": "INPUT"'),  # other spacing: valid JSON, general path
        good.replace("0.5,1,a", "0.5,1,a\t"),  # raw tab in a string: invalid JSON
        good.replace("0.5,1,a", "0.5,\x01,a"),  # raw control character: invalid JSON
        good + "\r",  # CRLF line ending
        good.replace('"encoding":"CSV"', '"encoding":"JSON"', 1),  # JSON encoding of a CSV-looking row
        '{"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT","data":"0.5,1',  # cut ...
        'a","encoding":"CSV"}},"eventMetadata":{"eventId":"e","inferenceTime":"2026-01-01T05:00:00Z"},'
        '"eventVersion":"0"}',  # ... and its tail on the next line: two bad lines, never one record
        "",  # empty line
        "   ",  # blank line
        "[1, 2, 3]",
        capture_line("0.5,1,a", inference_time="2026-01-01T04:59:59Z"),  # before the window below
        capture_line("0.5,1,a", inference_time="2026-01-01T06:00:00Z"),  # at its end (exclusive)
        capture_line("0.5,1,a", inference_time=""),  # no time: never filtered
    ]


@pytest.mark.parametrize("window", [{}, {"window_start": "2026-01-01T05:00:00Z", "window_end": "2026-01-01T06:00:00Z"}])
def test_fast_and_general_paths_count_every_kind_of_line_the_same(tmp_path, baseline, window):
    lines = tricky_lines()
    paths = [write_raw(os.path.join(hour_dir(str(tmp_path), 5), "mixed.jsonl"), "\n".join(lines) + "\n"),
             # a plain file (fast path end to end) and one without a final newline
             write_raw(os.path.join(hour_dir(str(tmp_path), 6), "plain.jsonl"),
                       "\n".join(capture_line("%.2f,%d,%s" % (i / 7.0, i % 3 - 1, "abz"[i % 3]),
                                              inference_time="2026-01-01T05:%02d:00Z" % (i % 60))
                                 for i in range(500))),
             # plain (the quick expression) but for a line cut in two and an empty line: the count check
             write_raw(os.path.join(hour_dir(str(tmp_path), 8), "span.jsonl"),
                       "\n".join(lines[:3] + lines[25:27] + [""] + lines[:2]) + "\n"),
             write_raw(os.path.join(hour_dir(str(tmp_path), 7), "bytes.jsonl"),
                       lines[0].encode() + b"\n" + b'{"captureData":"\xff\xfe"}\n' + lines[1].encode() + b"\n")]
    fast, general = both(paths, baseline, **window)
    assert fast == general
    assert fast["rows"] > 500
    assert fast["malformed"]["bad_json"] >= 5
    assert fast["malformed"]["bad_utf8"] == 1
    if window:
        assert fast["outside_window"] >= 2 and fast["first_event"] >= "2026-01-01T05:00:00"


def test_blocks_cut_at_newlines_and_give_the_same_counts_at_any_block_size(tmp_path, baseline, monkeypatch):
    lines = tricky_lines() * 3
    path = write_raw(os.path.join(hour_dir(str(tmp_path), 1), "c.jsonl"), "\n".join(lines) + "\n")
    reference = comparable(scan_files([path], baseline, ScanConfig(fast_path=False)))
    gz = os.path.join(str(tmp_path), "c.jsonl.gz")
    with open(path, "rb") as src, gzip.open(gz, "wb") as dst:
        dst.write(src.read())
    unterminated = write_raw(os.path.join(str(tmp_path), "u.jsonl"), "\n".join(lines))
    empty = write_raw(os.path.join(str(tmp_path), "e.jsonl"), "")
    for size in (1, 97, 1000, 1 << 20):
        for name in (path, gz):  # memory-mapped, and read through gzip
            blocks = list(iter_blocks(name, size))
            assert b"".join(blocks) == open(path, "rb").read()
            assert all(b.endswith(b"\n") for b in blocks)
        blocks = list(iter_blocks(unterminated, size))
        assert b"".join(blocks) == open(unterminated, "rb").read() and all(b.endswith(b"\n") for b in blocks[:-1])
        assert list(iter_blocks(empty, size)) == []
    import driftcheck.fastscan as fastscan
    for size in (333, 4096):
        monkeypatch.setattr(fastscan, "BLOCK_BYTES", size)
        assert comparable(scan_files([path], baseline, ScanConfig())) == reference


def test_the_expressions_accept_only_valid_json_of_the_sagemaker_layout():
    careful = capture_line_pattern(3)
    quick = quick_pattern()
    good = capture_line("0.5,1,a", output=json.dumps([0.1, 0.9]), output_encoding="JSON", inference_id="i")
    row, when, other = careful.findall(good)[0]
    assert (row, when, other) == ("0.5,1,a", "2026-01-01T00:00:00Z", "")
    assert json.loads(good)["captureData"]["endpointInput"]["data"] == row
    # the output holds escaped quotes: the careful expression reads them as a JSON string
    assert '\\"' not in good or careful.findall(good)[0][0] == "0.5,1,a"
    escaped_output = capture_line("0.5,1,a", output='{"p": "\\u00e9\\n"}', output_encoding="JSON")
    assert careful.findall(escaped_output)[0][0] == "0.5,1,a"
    assert not plain_lines(escaped_output.encode())  # a backslash: the quick expression is not used
    for bad in (good[:-1], good + "x", good.replace('":"0.5', '": "0.5'), good.replace("0.5,1,a", "0.5,1"),
                good.replace("0.5,1,a", "0.5,\\u0031,a"), good.replace('"INPUT"', '"IN\\qPUT"')):
        assert careful.findall(bad)[0][0] == "", bad
    # on a plain block the quick expression returns the same groups
    plain = "\n".join(capture_line("%d,1,a" % i) for i in range(5)) + "\n"
    assert plain_lines(plain.encode()) == 5
    assert quick.findall(plain) == [(row, when) for row, when, _ in careful.findall(plain)]
    assert not plain_lines(b"x\ty\n") and not plain_lines(b"x\\y\n") and plain_lines("\u00e9\nb".encode()) == 2


def test_bin_counts_equal_searchsorted_bincount_with_ties_and_infinities():
    rng = np.random.default_rng(9)
    edges = np.array([-1.0, 0.0, 0.5, 2.0])
    values = np.concatenate([rng.normal(0, 1, 5000), edges, edges, [np.inf, -np.inf, 0.5, 2.0]])
    expected = np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)
    assert bin_counts(edges, values).tolist() == expected.tolist()
    assert bin_counts(np.empty(0), values).tolist() == [len(values)]


def test_the_fast_path_keeps_memory_bounded_by_the_block(tmp_path, baseline):
    # many small blocks: counts are still exact (rows are buffered and flushed per chunk)
    path = write_raw(os.path.join(hour_dir(str(tmp_path), 1), "c.jsonl"),
                     "\n".join(capture_line("%d,1,a" % (i % 4)) for i in range(20000)) + "\n")
    summary = scan_files([path], baseline, ScanConfig(chunk_rows=1000))
    assert summary.rows == 20000
    assert summary.features[0].counts.tolist() == [0, 5000, 5000, 10000]


def test_the_quick_expression_matches_the_same_with_or_without_possessive_repeats():
    # Python 3.11+ builds it with possessive repeats (faster); older Pythons (the SKLearn image's) without
    from driftcheck.fastscan import _quick
    lines = [capture_line("%d,1,a" % i, output=json.dumps([0.1, i]), output_encoding="JSON", inference_id="i%d" % i)
             for i in range(50)] + [capture_line("0.5,1,a", output=None), capture_line("1,2,3,4,5")]
    block = "\n".join(lines + ['{"captureData":{}}', capture_line("7,1,b")]) + "\n"
    assert _quick("").findall(block) == _quick("+").findall(block)
    assert len(_quick("+").findall(block)) == len(lines) + 1

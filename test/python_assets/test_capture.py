"""Reading data capture: encodings, payload shapes, malformed lines, empty windows."""

import base64
import json
import os

import numpy as np
import pytest

from capture_gen import b64, capture_line, hour_dir, write_lines
from driftcheck.baseline import Baseline, CategoricalFeature, NumericFeature
from driftcheck.evaluate import Thresholds, evaluate
from driftcheck.payload import decode_rows, prediction_values
from driftcheck.scan import ScanConfig, scan_files
from driftcheck.capture import Malformed


@pytest.fixture
def baseline():
    features = [NumericFeature("x", [0.0, 1.0, 2.0], [10, 20, 30, 40], 0),
                NumericFeature("y", [0.0], [50, 50], 0),
                CategoricalFeature("c", ["a", "b"], [60, 40, 0], 0)]
    return Baseline(features, "test", 100, "fp")


def scan_lines(tmp_path, baseline, lines, **config):
    path = write_lines(os.path.join(hour_dir(str(tmp_path), 0), "capture.jsonl"), lines)
    return scan_files([path], baseline, ScanConfig(**config))


def counts(summary):
    return [fc.counts.tolist() for fc in summary.features], [fc.missing for fc in summary.features]


def test_csv_json_and_base64_payloads_give_the_same_counts(tmp_path, baseline):
    rows = [(0.5, -1.0, "a"), (1.5, 2.0, "b"), (2.5, 0.0, "a"), (-3.0, 1.0, "z")]
    csv = [capture_line("%s,%s,%s" % r) for r in rows]
    as_b64 = [capture_line(b64("%s,%s,%s" % r), "BASE64", "text/csv") for r in rows]
    as_obj = [capture_line(json.dumps({"x": r[0], "y": r[1], "c": r[2]}), "JSON", "application/json") for r in rows]
    as_list = [capture_line(json.dumps([list(r) for r in rows]), "JSON", "application/json")]
    as_instances = [capture_line(json.dumps({"instances": [{"features": list(r)} for r in rows]}),
                                 "JSON", "application/json")]
    as_multirow = [capture_line("\n".join("%s,%s,%s" % r for r in rows) + "\n")]
    json_b64 = [capture_line(b64(json.dumps([{"x": r[0], "y": r[1], "c": r[2]} for r in rows])), "BASE64",
                             "application/json")]
    reference = counts(scan_lines(tmp_path / "csv", baseline, csv))
    assert reference[0][0] == [1, 1, 1, 1]  # -3 below first edge, 0.5, 1.5, 2.5
    assert reference[0][2] == [2, 1, 1]  # a, b, other (z)
    for lines in (as_b64, as_obj, as_list, as_instances, as_multirow, json_b64):
        summary = scan_lines(tmp_path / str(len(os.listdir(tmp_path))), baseline, lines)
        assert counts(summary) == reference
        assert summary.rows == 4
        assert summary.malformed == {}


def test_quoted_csv_and_missing_values(tmp_path, baseline):
    lines = [capture_line('1.5,,"a"'), capture_line("NaN,1,"), capture_line(json.dumps({"x": None, "c": "b"}),
                                                                          "JSON", "application/json")]
    summary = scan_lines(tmp_path, baseline, lines)
    assert summary.rows == 3
    assert summary.malformed == {}
    assert [fc.missing for fc in summary.features] == [2, 2, 1]


def test_malformed_lines_are_counted_by_reason_and_skipped(tmp_path, baseline):
    good = capture_line("0.5,1,a")
    lines = [
        good,
        "{not json",
        good[: len(good) // 2],  # truncated line
        "[1, 2, 3]",  # JSON but not an object
        json.dumps({"captureData": {"endpointOutput": {"data": "1"}}}),  # no input
        capture_line("0.5,1"),  # wrong column count
        capture_line("0.5,1,a,extra"),
        capture_line("abc,1,a"),  # non-numeric in a numeric column
        capture_line("%%%not-base64", "BASE64", "text/csv"),
        capture_line(base64.b64encode(b"\xff\xfe\x00").decode(), "BASE64", "text/csv"),  # not UTF-8 inside
        capture_line("{broken", "JSON", "application/json"),
        capture_line(json.dumps({"unrelated": 1}), "JSON", "application/json"),
        capture_line("1,2,3", "GZIP", "text/csv"),
        capture_line(""),
        good,
    ]
    path = write_lines(os.path.join(hour_dir(str(tmp_path), 0), "capture.jsonl"), lines)
    with open(path, "ab") as handle:
        handle.write(b"\xff\xfe not utf-8 \n")
    summary = scan_files([path], baseline, ScanConfig())
    assert summary.rows == 2
    assert summary.records == len(lines) + 1
    assert summary.malformed == {"bad_json": 3, "missing_input": 1, "column_count": 2, "non_numeric": 1,
                                 "bad_base64": 2, "bad_payload_json": 1, "unknown_payload_shape": 1,
                                 "unsupported_encoding": 1, "empty_payload": 1, "bad_utf8": 1}
    report = evaluate(baseline, summary, Thresholds(min_rows=1))
    assert report["counts"]["malformed"] == 14
    # 14 of 16 rows malformed: the window is flagged as a data-integrity problem, not as empty
    assert report["status"] == "violations"
    assert report["violations"][-1]["metric"] == "malformed_share"


def test_malformed_row_inside_a_multirow_payload_skips_only_that_row(tmp_path, baseline):
    summary = scan_lines(tmp_path, baseline, [capture_line("0.5,1,a\nbad,1,a\n1.5,0,b")])
    assert summary.rows == 2
    assert summary.malformed == {"non_numeric": 1}


def test_empty_window_is_reported_as_empty(tmp_path, baseline):
    summary = scan_files([], baseline, ScanConfig())
    report = evaluate(baseline, summary, Thresholds())
    assert report["status"] == "empty"
    assert report["violations"] == []
    assert report["drift_score"] is None


def test_window_filter_uses_inference_time(tmp_path, baseline):
    lines = [capture_line("0.5,1,a", inference_time="2026-01-01T00:59:59.999Z"),
             capture_line("0.5,1,a", inference_time="2026-01-01T01:00:00Z"),
             capture_line("0.5,1,a", inference_time="2026-01-01T01:30:00.5Z"),
             capture_line("0.5,1,a", inference_time="2026-01-01T02:00:00Z")]
    summary = scan_lines(tmp_path, baseline, lines, window_start="2026-01-01T01:00:00Z",
                         window_end="2026-01-01T02:00:00Z")
    assert (summary.rows, summary.outside_window) == (2, 2)
    assert (summary.first_event, summary.last_event) == ("2026-01-01T01:00:00", "2026-01-01T01:30:00")
    # everything outside the window: empty, not drift
    summary = scan_lines(tmp_path / "later", baseline, lines, window_start="2027-01-01T00:00:00Z")
    assert evaluate(baseline, summary, Thresholds())["status"] == "empty"


def test_capture_columns_select_and_reorder(tmp_path, baseline):
    summary = scan_lines(tmp_path, baseline, [capture_line("id-1,a,0.5,1")],
                         capture_columns=["_", "c", "x", "y"])
    assert summary.rows == 1
    assert counts(summary)[0] == [[0, 1, 0, 0], [0, 1], [1, 0, 0]]


def test_gzip_capture_files_are_read(tmp_path, baseline):
    import gzip

    path = os.path.join(hour_dir(str(tmp_path), 0), "capture.jsonl.gz")
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(capture_line("0.5,1,a") + "\n")
    assert scan_files([path], baseline, ScanConfig()).rows == 1


def test_json_payload_shapes_and_output_predictions():
    names = ["x", "y", "c"]
    assert decode_rows('{"x": 1, "c": "a"}', "JSON", "", names) == [[1, None, "a"]]
    assert decode_rows("[1, 2, \"a\"]", "JSON", "", names) == [[1, 2, "a"]]
    assert decode_rows('{"instances": [[1, 2, "a"], [3, 4, "b"]]}', "JSON", "", names) == [[1, 2, "a"], [3, 4, "b"]]
    with pytest.raises(Malformed):
        decode_rows("[1, {\"x\": 1}]", "JSON", "", names)
    assert prediction_values("0.9\n0.1", "CSV", "text/csv") == ["0.9", "0.1"]
    assert prediction_values('{"predictions": [{"score": 0.8}, {"score": 0.3}]}', "JSON", "") == [0.8, 0.3]
    assert prediction_values("[0.2, 0.7]", "JSON", "") == [0.2, 0.7]
    assert prediction_values(b64("1,0.77"), "BASE64", "text/csv", index=1) == ["0.77"]


def test_memory_is_bounded_by_the_chunk_not_the_window(tmp_path, baseline):
    """The accumulator never buffers more than chunk_rows rows."""
    from driftcheck.columns import RowAccumulator
    from driftcheck.summary import WindowSummary

    summary = WindowSummary(baseline)
    acc = RowAccumulator(baseline, summary, chunk_rows=100)
    peak = 0
    for i in range(2500):
        acc.add_rows(["%f,1,a" % (i % 3)])
        peak = max(peak, len(acc.text_rows))
    acc.flush()
    assert peak < 100
    assert summary.rows == 2500
    assert int(np.sum(summary.features[0].counts)) == 2500

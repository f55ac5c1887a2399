"""The vectorized conversion of buffered CSV rows (fastcolumns.py) gives exactly the careful path's values.

The careful path (columns.py) splits rows into one ``str`` per field and
converts each with ``float()`` / a ``Counter``; it is the oracle here, with
``float()`` itself for the numbers.
"""

import gzip
import math
import os
import random

import numpy as np
import pytest

from capture_gen import capture_line, hour_dir
from driftcheck.baseline import Baseline, CategoricalFeature, NumericFeature
from driftcheck.columns import CategoryCoder, RowAccumulator, to_floats
from driftcheck.fastcolumns import FieldTable
from driftcheck.scan import ScanConfig, scan_files
from driftcheck.summary import WindowSummary

# Fields the careful path treats in every way it can: plain decimals (the vectorized kind), and
# everything that must take float() one by one.
ODD_NUMBERS = ["", "NaN", "nan", "NA", "n/a", "null", "None", "inf", "-Infinity", "1e5", "1E-5", "-2.5e+3", "1e",
               "1e500", "1e-400", "1_000", " 1.5", "1.5 ", "\u0661\u0662", "\u00a01", "0x10", "1.2.3", "--1", "+-1",
               "-", "+", ".", "-.", "1-2", "abc", "\u00e9", "12345678901234", "123456789012345", "1234567890123456",
               "0.000000000000001", "99999999999999.9", "-0", "-0.0", "+0.5", ".5", "5.", "-.5", "007",
               "0.1000000000000000055"]


def number_field(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.55:  # plain: sign, up to 16 digits, a dot anywhere
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 16)))
        dot = rng.randint(0, len(digits))
        text = digits if rng.random() < 0.3 else digits[:dot] + "." + digits[dot:]
        return rng.choice(["", "", "-", "+"]) + text
    if r < 0.7:
        return repr(rng.uniform(-1, 1) * 10 ** rng.randint(-20, 20))
    if r < 0.85:
        return rng.choice(ODD_NUMBERS)
    return "".join(rng.choice("0123456789+-.eE nNaA_") for _ in range(rng.randint(0, 18)))


def same_floats(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit for bit, NaN included (as NaN), the sign of zero included."""
    both_nan = np.isnan(a) & np.isnan(b)
    return bool(((a == b) | both_nan).all() and (np.signbit(a) == np.signbit(b))[~both_nan].all())


def careful_bad_rows(columns):
    bad_rows = None
    for column in columns:
        _, bad = to_floats(list(column))
        if bad is not None:
            bad_rows = bad if bad_rows is None else (bad_rows | bad)
    return bad_rows


@pytest.mark.parametrize("seed", range(6))
def test_numbers_equal_float_value_for_value(seed):
    rng = random.Random(seed)
    width = rng.randint(1, 7)
    rows = [",".join(number_field(rng) for _ in range(width)) for _ in range(rng.randint(1, 3000))]
    table = FieldTable.of(rows, width)
    matrix, bad = table.floats(list(range(width)))
    columns = list(zip(*[row.split(",") for row in rows]))
    for p in range(width):
        expected, _ = to_floats(list(columns[p]))
        assert same_floats(matrix[:, p], expected), p
    expected_bad = careful_bad_rows(columns)
    assert (bad is None) == (expected_bad is None)
    if bad is not None:
        assert bad.tolist() == expected_bad.tolist()


def test_plain_decimals_are_correctly_rounded_like_float():
    # many digits, all positions of the dot, the largest plain mantissas, the smallest fractions
    rng = np.random.default_rng(3)
    scales = 10.0 ** rng.integers(-6, 8, 20000)
    fields = ["%.*f" % (int(d), v) for d, v in zip(rng.integers(0, 14, 20000), rng.normal(0, scales))]
    fields += ["99999999999999", "-9999999.9999999", ".00000000000001", "0.30000000000000", "1.7976931348623"]
    fields = [f for f in fields if sum(c.isdigit() for c in f) <= 14]
    table = FieldTable.of(fields, 1)
    values, bad = table.floats([0])
    assert bad is None
    assert same_floats(values[:, 0], np.array([float(f) for f in fields]))


def test_columns_are_picked_by_position_among_others():
    rows = ["a,1.5,x,-2", "b,,y,3.25", "c,NA,z,1e3"]
    values, bad = FieldTable.of(rows, 4).floats([3, 1])
    assert same_floats(values[:, 0], np.array([-2.0, 3.25, 1000.0]))
    assert same_floats(values[:, 1], np.array([1.5, np.nan, np.nan]))
    assert bad is None
    values, bad = FieldTable.of(["1,x", "2,3"], 2).floats([0, 1])
    assert bad.tolist() == [True, False]


CATEGORIES = ["a", "b", "", "NA", "nan", "None", "abcdefgh", "abcdefghi", "abcdefghijklmnop", "abcdefghijklmnopq",
              "\u00e9t\u00e9", "\u65e5\u672c", " a", "a ", "1", "1.0", "other", "z" * 40]


@pytest.mark.parametrize("known", [["a", "b", "abcdefghi", "\u00e9t\u00e9"], ["nan", "a"], ["z" * 40, "", "1"]])
def test_category_counts_and_codes_equal_the_coder(known):
    rng = random.Random(len(known))
    feature = CategoricalFeature("c", known, [1] * (len(known) + 1), 0)
    coder = CategoryCoder(feature)
    short, medium = ([c for c in CATEGORIES if len(c.encode()) <= n] for n in (8, 16))  # the two key kinds
    for pool in (CATEGORIES, short, medium):
        rows = ["%d,%s" % (i, rng.choice(pool)) for i in range(2000)]
        table = FieldTable.of(rows, 2)
        column = [row.split(",", 1)[1] for row in rows]
        assert table.category_counts(1, coder).tolist() == coder.count(column).tolist()
        assert table.category_codes(1, coder).tolist() == coder.encode(column).tolist()


def test_rows_it_cannot_read_are_refused():
    assert FieldTable.of([], 1) is None
    assert FieldTable.of(["1,a\x00"], 2) is None  # NUL: the windows are padded with NUL
    assert FieldTable.of(["1,\ud800"], 2) is None  # a lone surrogate (a JSON escape) has no UTF-8
    assert FieldTable.of(["1,2,3", "4"], 2) is None  # separators do not add up
    assert FieldTable.of(["1,\t", "2,\u00e9"], 2) is not None


def baseline():
    features = [NumericFeature("x", [-1.0, 0.0, 0.5, 2.0], [10, 20, 30, 20, 20], 0),
                CategoricalFeature("c", ["a", "b", "\u00e9"], [50, 30, 10, 10], 0),
                NumericFeature("y", [10.0], [50, 50], 0),
                CategoricalFeature("d", ["long-category-name", "x"], [60, 30, 10], 0)]
    return Baseline(features, "test", 100, "fp")


def summary_of(rows, vectorized, chunk_rows):
    b = baseline()
    summary = WindowSummary(b)
    acc = RowAccumulator(b, summary, chunk_rows=chunk_rows, vectorized=vectorized)
    acc.add_rows(rows)
    acc.flush()
    return summary.to_dict()


def generated_rows(rng: random.Random, n: int):
    cats = ["a", "b", "\u00e9", "", "NA", "zz", "long-category-name", "x" * 20]
    return ["%s,%s,%s,%s" % (number_field(rng), rng.choice(cats), number_field(rng), rng.choice(cats))
            for _ in range(n)]


@pytest.mark.parametrize("chunk_rows", [1, 7, 4096])
def test_the_accumulator_gives_the_careful_summary_exactly(chunk_rows):
    # the same chunks both ways: counts, malformed counts and moments are equal, not just close
    rows = generated_rows(random.Random(chunk_rows), 3000)
    fast, careful = (summary_of(rows, vectorized, chunk_rows) for vectorized in (True, False))
    assert fast == careful
    assert careful["malformed"].get("non_numeric", 0) > 0 and careful["rows"] > 1000


def test_fails_when_the_vectorized_conversion_is_wrong():
    # positive control: the comparison above catches one value off by one unit in the last place
    rows = ["0.1,a,1,x", "0.3,b,2,x"]
    table = FieldTable.of(rows, 4)
    values, _ = table.floats([0])
    wrong = values[:, 0].copy()
    wrong[1] = np.nextafter(wrong[1], 1.0)
    assert not same_floats(wrong, np.array([0.1, 0.3]))
    assert same_floats(values[:, 0], np.array([0.1, 0.3]))


def write(path, text, compress=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = text.encode("utf-8")
    with (gzip.open if compress else open)(path, "wb") as handle:
        handle.write(data)
    return path


def test_scan_counts_equal_on_generated_capture_with_every_edge(tmp_path):
    rng = random.Random(11)
    rows = generated_rows(rng, 6000)
    lines = [capture_line(row, inference_time="2026-01-01T05:%02d:%02dZ" % (i // 60 % 60, i % 60))
             for i, row in enumerate(rows)]
    lines[10] = capture_line('1.5,"a",2,x')  # quoted CSV: careful path
    lines[11] = capture_line("1.5,a,2,x").replace('"data":"1.5', '"data":"\\u0031.5')  # escaped: careful path
    lines[12] = capture_line('{"x": 1.5, "c": "a", "y": 2, "d": "x"}', "JSON", "application/json")
    lines[13] = capture_line("1.5,a,2")  # wrong column count
    root = str(tmp_path)
    paths = [write(os.path.join(hour_dir(root, 5), "plain.jsonl"), "\n".join(lines[:3000]) + "\n"),
             write(os.path.join(hour_dir(root, 6), "zipped.jsonl.gz"), "\n".join(lines[3000:5000]) + "\n",
                   compress=True),
             write(os.path.join(hour_dir(root, 7), "unterminated.jsonl"), "\n".join(lines[5000:])),
             write(os.path.join(hour_dir(root, 8), "empty.jsonl"), "")]
    b = baseline()
    fast, careful = (scan_files(paths, b, ScanConfig(fast_path=flag)).to_dict() for flag in (True, False))
    moments = [[f.pop("moments", None) for f in doc["features"]] for doc in (fast, careful)]
    assert fast == careful  # every count exactly
    for mine, theirs in zip(*moments):  # rows arrive in other chunks, so the sums round differently
        assert (mine is None) == (theirs is None)
        if mine:
            assert mine.keys() == theirs.keys() and all(math.isclose(mine[k], theirs[k], rel_tol=1e-12) for k in mine)
    assert careful["records"] == 6000 and careful["files"] == 4
    assert careful["malformed"]["column_count"] == 1 and careful["malformed"]["non_numeric"] > 100

"""Turning buffered rows into per-feature bin counts, a bounded chunk at a time.

:class:`RowAccumulator` buffers at most ``chunk_rows`` rows, then converts
them column by column with numpy and adds the result to a
:class:`~driftcheck.summary.WindowSummary`. Memory is bounded by the chunk
size, whatever the window size.

Validation per row, each failure counted once under its reason and the row
skipped for every feature:

* ``column_count``  -- the row does not have the expected number of columns;
* ``non_numeric``   -- a numeric feature holds a value that is neither a
  number nor a missing-value token.

Missing-value tokens (case-insensitive): empty string, ``NA``, ``N/A``,
``NaN``, ``null``, ``None``; JSON ``null`` and absent JSON keys are missing
too.
"""

import math
from collections import Counter
from itertools import repeat
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from .baseline import Baseline, CategoricalFeature, NumericFeature
from .summary import WindowSummary

MISSING_TOKENS = frozenset(["", "na", "n/a", "nan", "null", "none"])


def is_missing_token(value: str) -> bool:
    return value.strip().lower() in MISSING_TOKENS


def scalar_text(value: Any) -> Optional[str]:
    """Categorical text of a JSON value; ``None`` if missing.

    Integral floats are written without a fraction (``1.0`` -> ``"1"``) so a
    JSON number matches the same value written in CSV.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    return None if value == [] else str(value)


def text_float(text: str) -> Tuple[float, bool]:
    """One text value as float: ``(value, bad)``; missing-value tokens are NaN and not bad.

    ``float()`` semantics (numpy converts ``str`` with ``float()`` too), so
    a column converted at once and value by value gives the same values.
    """
    try:
        return float(text), False
    except ValueError:
        return math.nan, not is_missing_token(text)


def to_floats(column: Sequence[Any]):
    """Convert a column to float64; returns ``(values, bad_mask_or_None)``.

    Missing values become NaN. The whole column is tried at C speed first;
    only if that fails is it converted value by value.
    """
    empty = "" in column  # the usual CSV missing value: straight to the second try
    try:
        if not empty:
            values = np.array(column, dtype=np.float64)
            if values.ndim == 1:
                return values, None
    except (ValueError, TypeError):
        pass
    try:  # second try at C speed: empty strings -> None -> NaN
        values = np.array([v if v != "" else None for v in column], dtype=np.float64)
        if values.ndim == 1:
            return values, None
    except (ValueError, TypeError):
        pass
    n = len(column)
    values = np.empty(n, dtype=np.float64)
    bad = np.zeros(n, dtype=bool)
    for i, item in enumerate(column):
        if item is None:
            values[i] = np.nan
        elif isinstance(item, str):
            values[i], bad[i] = text_float(item)
        elif isinstance(item, (int, float)):
            values[i] = float(item)
        else:
            values[i] = np.nan
            bad[i] = True
    return values, (bad if bad.any() else None)


class CategoryCoder:
    """Map categorical values to codes: known index, ``other``, or -1 (missing)."""

    def __init__(self, feature: CategoricalFeature):
        self.other = len(feature.categories)
        self.lookup = dict(feature.index)
        for token in ("", "NA", "na", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "none"):
            if token not in self.lookup:
                self.lookup[token] = -1

    def code(self, text: str) -> int:
        """The code of one text value."""
        code = self.lookup.get(text)
        return self._slow(text) if code is None else code

    def _slow(self, value: Any) -> int:
        text = value if isinstance(value, str) else scalar_text(value)
        if text is None:
            return -1
        code = self.lookup.get(text)
        if code is not None:
            return code
        return -1 if is_missing_token(text) else self.other

    def count(self, column: Sequence[Any]) -> np.ndarray:
        """Counts per code of a column: known categories, then ``other``, then missing (last)."""
        counts = np.zeros(self.other + 2, dtype=np.int64)
        try:
            tally = Counter(column)
        except TypeError:  # unhashable JSON values (lists, objects)
            codes = self.encode(column)
            counts[:-1] = np.bincount(codes[codes >= 0], minlength=self.other + 1)
            counts[-1] = int((codes < 0).sum())
            return counts
        lookup = self.lookup
        for value, n in tally.items():
            code = lookup.get(value) if type(value) is str else None
            if code is None:
                code = self._slow(value)
            counts[code] += n  # -1 (missing) is the last slot
        return counts

    def encode(self, column: Sequence[Any]) -> np.ndarray:
        try:
            codes = np.fromiter(map(self.lookup.get, column, repeat(-2)), dtype=np.int64, count=len(column))
        except TypeError:  # unhashable JSON values (lists, objects)
            codes = np.full(len(column), -2, dtype=np.int64)
        for i in np.flatnonzero(codes == -2):
            codes[i] = self._slow(column[i])
        return codes


class RowAccumulator:
    """Buffer rows of one window and fold them into a summary chunk by chunk."""

    def __init__(self, baseline: Baseline, summary: WindowSummary, positions: Optional[List[int]] = None,
                 n_columns: Optional[int] = None, chunk_rows: int = 4096, vectorized: bool = True):
        from .fastcolumns import FieldTable  # not at the top: fastcolumns uses this module

        self.table_of = FieldTable.of if vectorized else None  # None: every chunk converted value by value
        self.baseline = baseline
        self.summary = summary
        self.positions = positions if positions is not None else list(range(len(baseline.features)))
        self.n_columns = n_columns if n_columns is not None else len(self.positions)
        self.chunk_rows = chunk_rows
        self.coders = [CategoryCoder(f) if isinstance(f, CategoricalFeature) else None
                       for f in baseline.features]
        self.text_rows: List[str] = []  # unquoted CSV rows, split column-wise at flush
        self._list_rows: List[List[Any]] = []
        self.commas = self.n_columns - 1

    def add_rows(self, rows) -> None:
        """Add decoded rows (``str`` CSV rows or value lists, see payload.py)."""
        for row in rows:
            if type(row) is str:
                if row.count(",") != self.commas:
                    self.summary.count_malformed("column_count")
                    continue
                self.text_rows.append(row)
            else:
                if len(row) != self.n_columns:
                    self.summary.count_malformed("column_count")
                    continue
                self._list_rows.append(row)
        if len(self.text_rows) + len(self._list_rows) >= self.chunk_rows:
            self.flush()

    def _columns(self) -> List[List[Any]]:
        width = self.n_columns
        columns: List[List[Any]] = [[] for _ in self.positions]
        if self.text_rows:
            flat = ",".join(self.text_rows).split(",")
            for j, p in enumerate(self.positions):
                columns[j] = flat[p::width]
        if self._list_rows:
            transposed = list(zip(*self._list_rows))
            for j, p in enumerate(self.positions):
                columns[j].extend(transposed[p])
        return columns

    def flush(self) -> None:
        """Convert the buffered rows and add them to the summary.

        CSV rows alone go to :class:`~driftcheck.fastcolumns.FieldTable`
        (numpy over their bytes); rows decoded from JSON, or CSV rows it
        refuses, are split into values and converted one by one. Both give
        the same values and counts.
        """
        n = len(self.text_rows) + len(self._list_rows)
        if n == 0:
            return
        table = self.table_of(self.text_rows, self.n_columns) if self.table_of and not self._list_rows else None
        columns = self._columns() if table is None else None
        del self.text_rows[:]  # cleared in place: the scan loop holds a reference
        self._list_rows = []
        features = self.baseline.features
        numeric = {}
        bad_rows = None
        numeric_j = [j for j, f in enumerate(features) if isinstance(f, NumericFeature)]
        if table is not None and numeric_j:
            matrix, bad_rows = table.floats([self.positions[j] for j in numeric_j])
            numeric = {j: matrix[:, i] for i, j in enumerate(numeric_j)}
        elif columns is not None:
            for j in numeric_j:
                values, bad = to_floats(columns[j])
                numeric[j] = values
                if bad is not None:
                    bad_rows = bad if bad_rows is None else (bad_rows | bad)
        keep = None
        if bad_rows is not None:
            self.summary.count_malformed("non_numeric", int(bad_rows.sum()))
            keep = ~bad_rows
        for j, feature in enumerate(features):
            if isinstance(feature, NumericFeature):
                values = numeric[j] if keep is None else numeric[j][keep]
                self.summary.add_numeric(j, feature, values)
            elif keep is None:
                counts = (self.coders[j].count(columns[j]) if table is None
                          else table.category_counts(self.positions[j], self.coders[j]))
                self.summary.add_category_counts(j, counts)
            else:
                codes = (self.coders[j].encode(columns[j]) if table is None
                         else table.category_codes(self.positions[j], self.coders[j]))
                self.summary.add_categorical(j, codes[keep])
        self.summary.rows += n if keep is None else int(keep.sum())

"""Buffered CSV rows split into columns and converted with numpy, without a Python object per value.

The careful conversion (columns.py) splits the rows into one ``str`` per
field and converts each with ``float()`` or counts it in a ``Counter``:
about 0.1 us per value, most of the check's time. :class:`FieldTable` does
the same work on the rows' bytes:

* the rows are joined into one buffer, a newline after each; the
  separators (commas and newlines) give every field's end and length, and
  must be ``width - 1`` commas then a newline for every row;
* a field is read through a 16-byte window that ends at its separator
  (an overlapping view of the buffer: one 16-byte copy per field), so the
  field is right-aligned in its window;
* a **numeric** field of the plain decimal form ``[+-]digits[.digits]``
  (at most 14 digits) is parsed with integer arithmetic: the 16 cells are
  read as two 8-digit numbers (SWAR multiplications on ``uint64``), the
  dot's cell as a 0 digit; that hole is closed with exact steps, and the
  value is ``mantissa / 10**fraction_digits``. Both operands are exact
  doubles (mantissa < 10**14 < 2**53, power <= 10**14), so the one IEEE
  division is the correctly rounded value of the decimal -- the value
  ``float()`` returns (Clinger's fast path). An empty field is missing (NaN), as in the careful
  path. Every other field (exponent, ``NaN``, ``NA``, spaces, more digits,
  anything else) goes through ``float()`` and the missing-value tokens one
  by one, as in the careful path;
* a **categorical** column's windows are compared as 16-byte strings:
  ``numpy.unique`` gives each distinct value once with its count, and only
  those few values are decoded and looked up.

:meth:`FieldTable.of` returns ``None`` when the rows cannot be read this way
(text that does not encode to UTF-8, a NUL character, a separator count
that does not match); the caller then converts them carefully. The results
are the careful path's, value for value (tested against it, with random
fields of every kind).
"""

from typing import List, Optional, Sequence, Tuple

import numpy as np

from .columns import CategoryCoder, text_float

#: Width of the window a field is read through; longer fields take the per-value path.
WINDOW = 16
_P10 = np.array([float(10 ** i) for i in range(WINDOW + 1)])
#: Digits of a plain numeric field: mantissa and the dot's hole stay below 10**15 < 2**53.
MAX_DIGITS = 14
#: Row l: the last l of WINDOW cells (a field of length l) 1, the others 0, as one 16-byte item.
_INSIDE = np.array([[0] * (WINDOW - n) + [1] * n for n in range(WINDOW + 1)], dtype=np.uint8)
_INSIDE = _INSIDE.view("V%d" % WINDOW).ravel()
#: Row l: a mask of the last l bytes of a little-endian uint64 (a field of l bytes that ends the word).
_LAST_BYTES = np.array([((1 << (8 * n)) - 1) << (8 * (8 - n)) for n in range(9)], dtype=np.uint64)
_ONES = np.uint64(0x0101010101010101)
#: Multipliers that turn a word holding one byte 1 (the dot) into the cells after it in its top byte:
#: a dot in cell i of the first word has 15 - i cells after it, in cell 8 + i of the second word 7 - i.
_AFTER = [np.uint64(sum((8 + j) << (8 * j) for j in range(8))), np.uint64(sum(j << (8 * j) for j in range(8)))]
_U8_MASKS = [np.uint64(m) for m in (0x0F0F0F0F0F0F0F0F, 0x00FF00FF00FF00FF, 0x0000FFFF0000FFFF)]
_U8_MULS = [np.uint64(m) for m in (2561, 6553601, 42949672960001)]
_U8_SHIFTS = [np.uint64(s) for s in (8, 16, 32)]


def _inside(lengths: np.ndarray) -> np.ndarray:
    """(fields, WINDOW) booleans: which cells of each field's window are the field."""
    return _INSIDE[np.minimum(lengths, WINDOW)].view(np.bool_).reshape(-1, WINDOW)


def _byte_sum(flags: np.ndarray) -> np.ndarray:
    """Per row of a (rows, 16) array of bytes 0/1: how many are 1 (one multiplication per 8 bytes)."""
    words = flags.view("<u8")
    return ((words[:, 0] * _ONES) >> np.uint64(56)) + ((words[:, 1] * _ONES) >> np.uint64(56))


def _eight_digits(words: np.ndarray) -> np.ndarray:
    """The numbers written by 8 digit values (0..9, most significant at the lowest address) per ``uint64``."""
    for mask, mul, shift in zip(_U8_MASKS, _U8_MULS, _U8_SHIFTS):
        words = ((words & mask) * mul) >> shift
    return words


class FieldTable:
    """The fields of ``n`` buffered CSV rows of ``width`` columns, as byte offsets into one buffer."""

    def __init__(self, data: bytes, ends: np.ndarray, rows: int, width: int):
        self.data = data
        self.rows = rows
        self.ends = ends.reshape(rows, width)  # separator index of every field
        starts = np.empty_like(ends)
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
        self.lengths = (ends - starts).reshape(rows, width)
        padded = np.zeros(len(data) + WINDOW, dtype=np.uint8)
        padded[WINDOW:] = np.frombuffer(data, dtype=np.uint8)
        step = padded.strides[0]
        self.buffer = padded[WINDOW:]
        # words[e + 8] = the 8 bytes before index e of data, as a little-endian uint64 (unaligned view)
        self.words = np.ndarray(shape=(padded.size - 7,), dtype="<u8", buffer=padded, strides=(step,))
        # windows[e] = the WINDOW bytes before index e of data, as one 16-byte item (unaligned view)
        self.windows = np.ndarray(shape=(len(data) + 1,), dtype="V%d" % WINDOW, buffer=padded, strides=(step,))

    @classmethod
    def of(cls, rows: Sequence[str], width: int) -> Optional["FieldTable"]:
        """The table of ``rows`` (``width - 1`` commas each), or None if they must be converted carefully."""
        if not rows:
            return None
        text = "\n".join(rows)
        if "\x00" in text:  # windows are padded with NUL
            return None
        try:
            data = (text + "\n").encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates from JSON escapes
            return None
        raw = np.frombuffer(data, dtype=np.uint8)
        ends = np.flatnonzero((raw == 44) | (raw == 10))
        if ends.size != len(rows) * width:
            return None
        kinds = raw[ends].reshape(len(rows), width)  # every row: width - 1 commas, then its newline
        if not ((kinds[:, -1] == 10).all() and (kinds[:, :-1] == 44).all()):
            return None
        return cls(data, ends, len(rows), width)

    def _cells(self, ends: np.ndarray) -> np.ndarray:
        """(fields, WINDOW) bytes: the window of each field end."""
        return self.windows[ends].view(np.uint8).reshape(-1, WINDOW)

    def _text(self, end: int, length: int) -> str:
        return self.data[end - length:end].decode("utf-8")

    def floats(self, positions: List[int]) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """Columns ``positions`` as float64, shape (rows, len(positions)), and the mask of bad rows (or None)."""
        ends = self.ends[:, positions].ravel()
        lengths = self.lengths[:, positions].ravel()
        cells = self._cells(ends)  # each field right-aligned
        cells *= _inside(lengths)  # bytes before the field: 0, neither digit nor dot
        dots = cells == 46
        digit_values = cells - np.uint8(48)
        digits = digit_values < 10
        digit_values *= digits  # other cells 0: the dot leaves a hole, read as a 0 digit
        n_dots = _byte_sum(dots)
        n_digits = _byte_sum(digits)
        first = self.buffer[ends - lengths]  # the separator itself for an empty field
        negative = first == 45
        # every byte a digit, a dot or the leading sign; 1 to MAX_DIGITS digits (so at most WINDOW bytes)
        plain = ((n_digits + n_dots + (negative | (first == 43)) == lengths) & (n_dots <= 1)
                 & (n_digits - np.uint64(1) < np.uint64(MAX_DIGITS)))
        words = _eight_digits(digit_values.view("<u8"))
        # < 10**15 (at most 14 digits and the hole): exact in float64, and so is every step below
        holed = (words[:, 0] * np.uint64(100000000) + words[:, 1]).astype(np.float64)
        # digits after the dot, from the dot's cell (one dot at most: the product has one term)
        dot_words = dots.view("<u8")
        after = ((dot_words[:, 0] * _AFTER[0]) >> np.uint64(56)) + ((dot_words[:, 1] * _AFTER[1]) >> np.uint64(56))
        np.minimum(after, np.uint64(WINDOW - 1), out=after)  # more dots: not plain, any value will do
        power = _P10[after]
        # holed = integer * 10**(after + 1) + fraction (fraction < 10**after): close the hole, exactly
        scale = _P10[after + np.minimum(n_dots, np.uint64(1))]  # 10**(after + 1), or 1 without a dot
        integer = np.floor(holed / scale)  # holed / scale < integer + 0.1, far from integer + 1: floor is exact
        mantissa = holed - integer * (scale - power)
        out = mantissa / power  # exact / exact: one rounding, the correctly rounded decimal
        np.negative(out, out=out, where=negative)
        out[lengths == 0] = np.nan
        bad = None
        for i in np.flatnonzero(~plain & (lengths > 0)):
            out[i], wrong = text_float(self._text(int(ends[i]), int(lengths[i])))
            if wrong:
                if bad is None:
                    bad = np.zeros(out.size, dtype=bool)
                bad[i] = True
        shape = (self.rows, len(positions))
        return out.reshape(shape), (None if bad is None else bad.reshape(shape).any(axis=1))

    def _keys(self, position: int):
        """A column's fields as keys that are equal exactly when the fields are: ``uint64`` for fields of
        at most 8 bytes, 16-byte strings up to WINDOW bytes; None for longer fields."""
        ends = self.ends[:, position]
        lengths = self.lengths[:, position]
        longest = int(lengths.max())
        if longest <= 8:
            return self.words[ends + 8] & _LAST_BYTES[lengths]
        if longest <= WINDOW:
            cells = self._cells(ends) * _inside(lengths)
            return cells.view("S%d" % WINDOW).ravel()
        return None

    @staticmethod
    def _key_text(key) -> str:
        raw = key.to_bytes(8, "little") if isinstance(key, int) else key
        return raw.lstrip(b"\x00").decode("utf-8")

    def category_counts(self, position: int, coder: CategoryCoder) -> np.ndarray:
        """Counts per code of a column, as :meth:`CategoryCoder.count` gives them."""
        keys = self._keys(position)
        if keys is None:
            return coder.count(self.texts(position))
        counts = np.zeros(coder.other + 2, dtype=np.int64)
        values, tally = np.unique(keys, return_counts=True)
        for value, n in zip(values.tolist(), tally.tolist()):
            counts[coder.code(self._key_text(value))] += n  # -1 (missing) is the last slot
        return counts

    def category_codes(self, position: int, coder: CategoryCoder) -> np.ndarray:
        """Codes of a column, as :meth:`CategoryCoder.encode` gives them."""
        keys = self._keys(position)
        if keys is None:
            return coder.encode(self.texts(position))
        values, where = np.unique(keys, return_inverse=True)
        codes = np.array([coder.code(self._key_text(v)) for v in values.tolist()], dtype=np.int64)
        return codes[where.ravel()]

    def texts(self, position: int) -> List[str]:
        """A column as text, one ``str`` per field (the careful path's input)."""
        return [self._text(int(e), int(n)) for e, n in zip(self.ends[:, position], self.lengths[:, position])]

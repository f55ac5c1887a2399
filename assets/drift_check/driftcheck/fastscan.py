"""The fast path of the scan: whole blocks of capture lines matched by one regular expression.

Most capture lines have exactly the layout SageMaker data capture writes
(compact JSON, keys in a fixed order) and a single CSV row as input::

    {"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT",
     "data":"1.0,2.0,abc","encoding":"CSV"},"endpointOutput":{...}},
     "eventMetadata":{"eventId":"...","inferenceTime":"2026-01-01T00:00:00Z"},"eventVersion":"0"}

For those, decoding every line with the JSON decoder costs more than the
rest of the check together. :func:`capture_line_pattern` builds a regular
expression that accepts *only* such lines, and accepts them only when they
are valid JSON:

* every structural character and key is spelled out, so the line is one
  JSON object of that shape and nothing else (no leading space, no
  trailing garbage; a trailing ``\\r`` is allowed);
* strings that are not extracted follow the JSON string grammar (escapes
  included), so a JSON model output such as ``{\\"score\\": 0.9}`` still
  matches;
* the two extracted strings -- the CSV row and ``inferenceTime`` -- must
  contain no backslash, no quote and no control character, so their JSON
  value is exactly their text (no unescaping is needed);
* the CSV row must hold exactly ``columns - 1`` commas (the check's column
  count) and no quote, and must not be empty.

A line that the expression does not accept (another key order, pretty
printing, escapes in the row, JSON or BASE64 input, a wrong column count,
broken JSON, ...) is handed to the general path in scan.py line by line,
which decodes it with the JSON decoder and counts it exactly as before.
So the fast path changes speed, never results (tested on every malformed
kind against the general path).

A block is a run of whole lines of a file (``BLOCK_BYTES`` at a time), so
memory stays bounded whatever the file size. A block that is not valid
UTF-8 goes line by line through the general path (``bad_utf8`` is counted
per line there).
"""

import re
from typing import Iterator, Optional

from .capture import open_binary

#: Bytes read from a capture file at a time (cut at the last newline).
BLOCK_BYTES = 128 << 10

# Content of a JSON string: any character but quote, backslash and control
# characters, or an escape (the "unrolled loop" form, fast for escape-free text).
_PLAIN = r'[^"\\\x00-\x1f]'
_JSON_STRING = _PLAIN + r'*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})' + _PLAIN + r'*)*'
# An extracted string: no escapes at all, so its text is its value.
_RAW = _PLAIN + '+'
# One CSV field of the fast path: no quote (no CSV quoting), no comma, nothing that needs escaping.
_FIELD = r'[^",\\\x00-\x1f]'


def _line(row: str, string: str, raw: str) -> str:
    s = string
    return (
        r'\{"captureData":\{"endpointInput":\{"observedContentType":"' + s + '","mode":"' + s + '",'
        r'"data":"(' + row + r')","encoding":"CSV"\}'
        r'(?:,"endpointOutput":\{"observedContentType":"' + s + '","mode":"' + s + '","data":"' + s + '",'
        r'"encoding":"' + s + r'"\})?\},'
        r'"eventMetadata":\{"eventId":"' + s + '"(?:,"inferenceId":"' + s + '")?,'
        r'"inferenceTime":"(' + raw + r')"(?:,"inferenceId":"' + s + r'")?\}(?:,"eventVersion":"' + s + r'")?\}'
    )


def capture_line_pattern(columns: int) -> "re.Pattern[str]":
    """The careful expression of a fast-path line with a CSV row of ``columns`` fields.

    Use with ``findall`` on a block: every match is ``(row, inference_time,
    other_line)``; for a fast-path line the first two are set and the third
    is empty, for any other non-empty line only the third is set (the whole
    line, handed to the general path). Empty lines give no match.
    """
    if columns < 1:
        raise ValueError("a capture row has at least one column")
    row = (_FIELD + "*" + ("(?:," + _FIELD + "*){%d}" % (columns - 1))) if columns > 1 else _FIELD + "+"
    return re.compile(r'^(?:' + _line(row, _JSON_STRING, _RAW) + r'\r?|([^\n]+))$', re.M)


#: The quick expression, for a block that :func:`plain_lines` accepted: strings are ``[^"]*``
#: (much faster to match than a character class), no alternative for other lines (a block
#: with any other line is matched again with the careful expression), groups (row, time).
#: The row's comma count is checked apart.
def _quick(possessive: str) -> "re.Pattern[str]":
    p = possessive
    return re.compile(r'^' + _line('[^"]+' + p, '[^"]*' + p, '[^"]+' + p) + r'$', re.M)


try:  # possessive repeats (Python 3.11+) match the same here (a quote always follows) and run faster
    _QUICK = _quick("+")
except re.error:
    _QUICK = _quick("")
#: Bytes of a plain block besides newlines and control characters: printable ASCII but the
#: backslash, and all non-ASCII bytes.
_PLAIN_BYTES = bytes(b for b in range(256) if b >= 0x20 and b != 0x5C)


def quick_pattern() -> "re.Pattern[str]":
    """The quick expression: ``findall`` gives ``(row, inference_time)`` per fast-path line, row unchecked.

    Valid only on a block that :func:`plain_lines` accepted and only if the
    number of matches equals the number of lines it returned: with no
    backslash and no control character but newlines in the block, every
    ``[^"]*`` is a valid JSON string whose value is its text; the count
    shows that every line matched, that no match ran across a newline (a
    string cannot hold a raw newline) and that there was no empty line
    (which gives no match).
    """
    return _QUICK


def plain_lines(block: bytes) -> int:
    """The number of lines of a block that has no backslash and no control character but
    newlines; 0 for any other block. (The last line may lack its newline.)"""
    rest = block.translate(None, _PLAIN_BYTES)  # what is left: newlines, control characters, backslashes
    newlines = rest.count(b"\n")
    if newlines != len(rest):
        return 0
    return newlines + (0 if block.endswith(b"\n") else 1)


def iter_blocks(path: str, block_bytes: Optional[int] = None) -> Iterator[bytes]:
    """Whole lines of a (possibly gzipped) file, about ``block_bytes`` (default ``BLOCK_BYTES``) at a time."""
    size = block_bytes or BLOCK_BYTES
    with open_binary(path) as handle:
        rest = b""
        while True:
            chunk = handle.read(size)
            if not chunk:
                break
            buf = rest + chunk if rest else chunk
            cut = buf.rfind(b"\n")
            if cut < 0:
                rest = buf
                continue
            yield buf[: cut + 1]
            rest = buf[cut + 1:]
        if rest:
            yield rest

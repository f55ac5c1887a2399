"""Reading SageMaker endpoint data-capture files, one line at a time.

Data capture writes JSON Lines under
``<prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/<file>.jsonl``; each line is::

    {"captureData": {
        "endpointInput":  {"observedContentType": "text/csv", "mode": "INPUT",
                           "data": "1.0,2.0,abc", "encoding": "CSV"},
        "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT",
                           "data": "0.87", "encoding": "CSV"}},
     "eventMetadata": {"eventId": "...", "inferenceId": "...", "inferenceTime": "2026-01-01T00:00:00Z"},
     "eventVersion": "0"}

Every line is decoded by CPython's C JSON scanner (the scan loop in
scan.py calls it without the ``json.loads`` wrappers; a hand-written
extractor for the few fields needed was measured and was not faster). A
line that is not UTF-8 is counted as ``bad_utf8``, one that is not exactly
one JSON object as ``bad_json``, one without a string
``captureData.endpointInput.data`` as ``missing_input``.
"""

import gzip
import os
from typing import Iterator, List, NamedTuple, Optional


class CaptureRecord(NamedTuple):
    """The fields of one capture line that the check uses."""

    input_data: Optional[str]
    input_encoding: str
    input_content_type: str
    output_data: Optional[str]
    output_encoding: str
    output_content_type: str
    event_id: str
    inference_id: str
    inference_time: str


class Malformed(Exception):
    """A line or payload that cannot be used; ``reason`` is a short counter key."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def list_capture_files(root: str) -> List[str]:
    """All data files under ``root`` (recursive), sorted; hidden files are skipped.

    ``root`` may also be a single file. Files ending in ``.gz`` are read
    through gzip.
    """
    if os.path.isfile(root):
        return [root]
    if not os.path.isdir(root):
        raise FileNotFoundError("capture input %r does not exist" % root)
    found = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        for name in files:
            if not name.startswith(".") and not name.startswith("_"):
                found.append(os.path.join(directory, name))
    return sorted(found)


def open_binary(path: str):
    """Open ``path`` for binary line iteration, transparently un-gzipping."""
    if path.endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def iter_lines(path: str) -> Iterator[bytes]:
    """Yield the lines of a file that are not blank (whitespace only), as bytes."""
    with open_binary(path) as handle:
        for raw in handle:
            if not raw.isspace():
                yield raw


def _str(obj: dict, key: str) -> str:
    value = obj.get(key)
    return value if isinstance(value, str) else ""


def record_of(doc: dict) -> CaptureRecord:
    """The :class:`CaptureRecord` of a decoded capture line; raises :class:`Malformed`."""
    capture = doc.get("captureData")
    inp = capture.get("endpointInput") if isinstance(capture, dict) else None
    if not isinstance(inp, dict) or not isinstance(inp.get("data"), str):
        raise Malformed("missing_input")
    out = capture.get("endpointOutput")
    out = out if isinstance(out, dict) else {}
    meta = doc.get("eventMetadata")
    meta = meta if isinstance(meta, dict) else {}
    output_data = out.get("data") if isinstance(out.get("data"), str) else None
    return CaptureRecord(inp["data"], _str(inp, "encoding"), _str(inp, "observedContentType"),
                         output_data, _str(out, "encoding"), _str(out, "observedContentType"),
                         _str(meta, "eventId"), _str(meta, "inferenceId"), _str(meta, "inferenceTime"))


def time_key(timestamp: str) -> str:
    """Second-resolution sortable key of an ISO-8601 time (``YYYY-MM-DDTHH:MM:SS``).

    Capture times are UTC with a ``Z`` suffix and optional fractional
    seconds; the first 19 characters compare correctly as strings.
    """
    key = timestamp.strip().replace(" ", "T")[:19]
    return key

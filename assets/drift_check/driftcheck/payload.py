"""Decoding captured payloads (CSV, JSON, BASE64) into rows.

A captured ``data`` string is first un-wrapped according to its
``encoding``: ``CSV`` and ``JSON`` are stored as text, ``BASE64`` holds the
raw request bytes (SageMaker's default when the content type is not listed
as CSV or JSON). The text is then read as CSV or JSON, chosen by the
encoding, else by ``observedContentType``, else by its first character.

Rows come back in one of two shapes, so the hot CSV path stays cheap:

* ``str``  -- one CSV row without quotes (split later, column-wise);
* ``list`` -- already split values (quoted CSV, JSON rows), in capture
  column order, ``None`` for a missing value.

JSON shapes understood: an object (one row, keyed by feature name), a list
of objects, a list of lists (positional rows), a flat list of scalars (one
positional row), ``{"instances": [...]}`` wrapping any of those, and
objects of the form ``{"features": [...]}`` (positional).
"""

import base64
import binascii
import csv
import io
import json
from typing import Any, List, Optional, Sequence, Union

from .capture import Malformed

Row = Union[str, List[Any]]


def payload_text(data: str, encoding: str, content_type: str):
    """Return ``(format, text)`` with format ``"csv"`` or ``"json"``; raises :class:`Malformed`."""
    enc = encoding.upper()
    if enc == "BASE64":
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise Malformed("bad_base64")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Malformed("bad_base64")
    elif enc in ("CSV", "JSON", ""):
        text = data
    else:
        raise Malformed("unsupported_encoding")
    if enc == "CSV":
        return "csv", text
    if enc == "JSON":
        return "json", text
    ctype = content_type.lower()
    if "json" in ctype:
        return "json", text
    if "csv" in ctype:
        return "csv", text
    head = text.lstrip()[:1]
    return ("json", text) if head in ("{", "[") else ("csv", text)


def csv_rows(text: str) -> List[Row]:
    """Split CSV text into rows; unquoted rows stay as strings for the fast path."""
    if '"' in text:
        return [row for row in csv.reader(io.StringIO(text)) if row]
    if "\n" not in text and "\r" not in text:
        return [text] if text else []
    return [line for line in text.replace("\r", "").split("\n") if line]


def _named_row(obj: dict, names: Sequence[str]) -> List[Any]:
    features = obj.get("features")
    if isinstance(features, list) and not any(name in obj for name in names):
        return list(features)
    if not any(name in obj for name in names):
        raise Malformed("unknown_payload_shape")
    return [obj.get(name) for name in names]


def json_rows(text: str, names: Sequence[str]) -> List[Row]:
    """Decode JSON text into positional rows (lists); raises :class:`Malformed`."""
    try:
        doc = json.loads(text)
    except ValueError:
        raise Malformed("bad_payload_json")
    if isinstance(doc, dict) and "instances" in doc and not any(n in doc for n in names):
        doc = doc["instances"]
    if isinstance(doc, dict):
        return [_named_row(doc, names)]
    if not isinstance(doc, list):
        raise Malformed("unknown_payload_shape")
    if not doc:
        return []
    if all(isinstance(item, dict) for item in doc):
        return [_named_row(item, names) for item in doc]
    if all(isinstance(item, list) for item in doc):
        return [list(item) for item in doc]
    if not any(isinstance(item, (dict, list)) for item in doc):
        return [list(doc)]
    raise Malformed("unknown_payload_shape")


def decode_rows(data: str, encoding: str, content_type: str, names: Sequence[str]) -> List[Row]:
    """Rows of one captured payload (see module docstring)."""
    fmt, text = payload_text(data, encoding, content_type)
    if fmt == "csv":
        return csv_rows(text)
    return json_rows(text, names)


# ------------------------------------------------------------ model outputs

_PREDICTION_KEYS = ("score", "probability", "prediction", "predicted_label", "label")


def _pick(item: Any, key: Optional[str], index: int) -> Any:
    if isinstance(item, dict):
        if key is not None:
            return item.get(key)
        for candidate in _PREDICTION_KEYS:
            if candidate in item:
                return item[candidate]
        return None
    if isinstance(item, list):
        return item[index] if -len(item) <= index < len(item) else None
    return item


def prediction_values(data: str, encoding: str, content_type: str, key: Optional[str] = None,
                      index: int = 0) -> List[Any]:
    """One prediction per row of a captured model output (or label) payload.

    CSV: column ``index`` of every row. JSON: a scalar, a list of scalars
    (one per row), a list of lists (element ``index``), a list of objects or
    ``{"predictions": [...]}`` (field ``key``, else the first of score,
    probability, prediction, predicted_label, label), or a single object.
    """
    fmt, text = payload_text(data, encoding, content_type)
    if fmt == "csv":
        out = []
        for row in csv_rows(text):
            fields = row.split(",") if isinstance(row, str) else row
            out.append(fields[index] if -len(fields) <= index < len(fields) else None)
        return out
    try:
        doc = json.loads(text)
    except ValueError:
        raise Malformed("bad_payload_json")
    if isinstance(doc, dict) and isinstance(doc.get("predictions"), list):
        doc = doc["predictions"]
    if isinstance(doc, list):
        return [_pick(item, key, index) for item in doc]
    return [_pick(doc, key, index)]

"""Reading SageMaker batch transform data capture as a drift window.

A transform job with a ``DataCaptureConfig`` does not copy its records:
under its ``DestinationS3Uri`` it writes the folders ``input/`` and
``output/`` of *manifests*, each naming the transform's source objects, and
labels them with a ``yyyy/mm/dd/hh/`` prefix of the hour (UTC) the job
started. A manifest looks like::

    [{"prefix": "s3://<input_S3_uri>/"}, "dummy_0.csv", "dummy_1.csv"]

(SageMaker Developer Guide, "Capture data from batch transform job", section
"How to view data captured"; the prefix-then-relative-keys format is the
``ManifestFile`` format of ``TransformS3DataSource``, SageMaker API
Reference.) The guide calls the file JSONL while showing one JSON array, so
both one array and one JSON value per line are read.

The check gets the window's ``input/`` hour (or day) folders as its capture
input, the ``yyyy/mm/dd/hh`` path kept; a manifest belongs to the window
when its hour *starts* in [window start, window end), so each hour of runs
falls in exactly one window of a schedule whose windows follow each other.
Manifests of other hours are skipped unread and counted as
``outside_window``. The objects a manifest names are read from S3 (the
job's role reads the transform input) and split into records by the
transform's content type: CSV (one row per line) or JSON Lines (one object
or array per line, as endpoint payloads are decoded).
"""

import json
import re
from typing import Callable, Iterator, List, Optional, Tuple

from .capture import Malformed, list_capture_files
from .payload import csv_rows, json_rows

_HOUR_PATH = re.compile(r"(?:^|/)(\d{4})/(\d{2})/(\d{2})/(\d{2})/[^/]+$")

CSV_TYPES = ("text/csv",)
JSONL_TYPES = ("application/jsonlines", "application/x-jsonlines", "application/jsonl")


def record_format(content_type: str) -> str:
    """``csv`` or ``jsonl`` for a transform content type; raises ValueError otherwise."""
    ctype = content_type.split(";")[0].strip().lower()
    if ctype in CSV_TYPES:
        return "csv"
    if ctype in JSONL_TYPES:
        return "jsonl"
    raise ValueError("batch content type %r is not CSV (%s) or JSON Lines (%s)"
                     % (content_type, ", ".join(CSV_TYPES), ", ".join(JSONL_TYPES)))


def capture_hour(path: str) -> Optional[str]:
    """``YYYY-MM-DDTHH:00:00`` of a manifest from its ``yyyy/mm/dd/hh/<file>`` path, or None."""
    m = _HOUR_PATH.search(path.replace("\\", "/"))
    if not m:
        return None
    return "%s-%s-%sT%s:00:00" % m.groups()


def _join(prefix: str, key: str) -> str:
    if not key:
        return prefix.rstrip("/")
    return prefix + key if prefix.endswith("/") else prefix + "/" + key


def manifest_uris(text: str) -> List[str]:
    """The S3 URIs a capture manifest names; raises :class:`Malformed` (``bad_manifest``)."""
    try:
        items = json.loads(text)
    except ValueError:
        items = []
        try:
            for line in text.splitlines():
                if line.strip():
                    value = json.loads(line)
                    items.extend(value if isinstance(value, list) else [value])
        except ValueError:
            raise Malformed("bad_manifest")
    if not isinstance(items, list) or not items:
        raise Malformed("bad_manifest")
    prefix = None
    uris = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("prefix"), str):
            prefix = item["prefix"]
        elif isinstance(item, str) and prefix is not None:
            uris.append(_join(prefix, item))
        else:
            raise Malformed("bad_manifest")
    return uris


def split_uri(uri: str) -> Tuple[str, str]:
    """``(bucket, key)`` of an ``s3://`` URI."""
    if not uri.startswith("s3://"):
        raise ValueError("not an S3 URI: %r" % uri)
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def s3_lines(client) -> Callable[[str], Iterator[bytes]]:
    """A reader of an S3 object's lines (streamed) with a boto3 S3 client."""
    def read(uri: str) -> Iterator[bytes]:
        bucket, key = split_uri(uri)
        body = client.get_object(Bucket=bucket, Key=key)["Body"]
        for line in body.iter_lines():
            yield line
    return read


def window_manifests(root: str, start: str, end: str) -> Tuple[List[Tuple[str, str]], int, int]:
    """Manifests under ``root`` in the window: ``([(path, hour)], outside, untimed)``."""
    files = list_capture_files(root)
    inside, outside, untimed = [], 0, 0
    for path in files:
        hour = capture_hour(path)
        if hour is None:
            untimed += 1
        elif (start and hour < start) or (end and hour >= end):
            outside += 1
        else:
            inside.append((path, hour))
    return inside, outside, untimed


def scan_batch(scanner, root: str, content_type: str, read_lines: Callable[[str], Iterator[bytes]]) -> None:
    """Feed the records of the window's batch capture under ``root`` into a scan.Scanner."""
    fmt = record_format(content_type)
    malformed = scanner.summary.count_malformed
    manifests, outside, untimed = window_manifests(root, scanner.start, scanner.end)
    scanner.outside += outside
    for _ in range(untimed):
        malformed("no_capture_hour")
    for path, hour in manifests:
        scanner.summary.files += 1
        try:
            with open(path, encoding="utf-8") as handle:
                uris = manifest_uris(handle.read())
        except (Malformed, UnicodeDecodeError) as exc:
            malformed(getattr(exc, "reason", "bad_manifest"))
            continue
        if scanner.first is None or hour < scanner.first:
            scanner.first = hour
        if scanner.last is None or hour > scanner.last:
            scanner.last = hour
        for uri in uris:
            for raw in read_lines(uri):
                if not raw or raw.isspace():
                    continue
                scanner.records += 1
                try:
                    line = raw.decode("utf-8").strip()
                except UnicodeDecodeError:
                    malformed("bad_utf8")
                    continue
                try:
                    rows = csv_rows(line) if fmt == "csv" else json_rows(line, scanner.names)
                except Malformed as exc:
                    malformed(exc.reason)
                    continue
                scanner.acc.add_rows(rows)

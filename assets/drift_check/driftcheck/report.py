"""Writing the report file and, optionally, uploading it to S3."""

import datetime
import json
import os
from typing import Any, Dict, Optional, Tuple

from . import __version__

REPORT_FORMAT = "cdk-mlops-drift-report"
REPORT_VERSION = 1
REPORT_FILE = "drift_report.json"


def utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_report(body: Dict[str, Any], endpoint_name: str, baseline_info: Dict[str, Any],
                 window: Dict[str, Any]) -> Dict[str, Any]:
    """Add provenance (program version, endpoint, baseline, window) to an evaluation body."""
    report = {"format": REPORT_FORMAT, "version": REPORT_VERSION, "program_version": __version__,
              "created": utc_now(), "endpoint_name": endpoint_name, "baseline": baseline_info,
              "window": window}
    report.update(body)
    return report


def write_json(path: str, doc: Dict[str, Any]) -> str:
    """Write ``doc`` atomically (temp file + rename) and return the path."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(doc, handle, indent=2, sort_keys=False, allow_nan=False)
        handle.write("\n")
    os.replace(tmp, path)
    return path


def parse_s3_uri(uri: str) -> Tuple[str, str]:
    """Split ``s3://bucket/key`` into ``(bucket, key)``."""
    if not uri.startswith("s3://"):
        raise ValueError("not an S3 URI: %r (expected s3://bucket/key)" % uri)
    bucket, _, key = uri[5:].partition("/")
    if not bucket:
        raise ValueError("S3 URI %r has no bucket" % uri)
    return bucket, key


def upload_report(path: str, uri: str, client=None, kms_key_id: Optional[str] = None) -> str:
    """Upload the report file; a URI ending in ``/`` is a prefix (the file name is appended)."""
    bucket, key = parse_s3_uri(uri)
    if not key or key.endswith("/"):
        key = key + os.path.basename(path)
    if client is None:
        import boto3

        client = boto3.client("s3")
    extra: Dict[str, Any] = {"ContentType": "application/json"}
    if kms_key_id:
        extra.update({"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id})
    with open(path, "rb") as handle:
        client.put_object(Bucket=bucket, Key=key, Body=handle.read(), **extra)
    return "s3://%s/%s" % (bucket, key)

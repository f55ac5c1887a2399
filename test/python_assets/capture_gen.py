"""Builders for data-capture lines, ground-truth lines and datasets used by the tests."""

import base64
import json
import os
from typing import Any, Dict, Iterable, List, Optional


def capture_line(data: str, encoding: str = "CSV", content_type: str = "text/csv",
                 output: Optional[str] = "0.5", output_encoding: str = "CSV", event_id: str = "e",
                 inference_time: str = "2026-01-01T00:00:00Z", inference_id: Optional[str] = None) -> str:
    """One capture line in the documented SageMaker shape."""
    capture: Dict[str, Any] = {"endpointInput": {"observedContentType": content_type, "mode": "INPUT",
                                                 "data": data, "encoding": encoding}}
    if output is not None:
        capture["endpointOutput"] = {"observedContentType": "text/csv" if output_encoding == "CSV"
                                     else "application/json", "mode": "OUTPUT", "data": output,
                                     "encoding": output_encoding}
    meta = {"eventId": event_id, "inferenceTime": inference_time}
    if inference_id:
        meta["inferenceId"] = inference_id
    return json.dumps({"captureData": capture, "eventMetadata": meta, "eventVersion": "0"},
                      separators=(",", ":"))


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def label_line(event_id: str, label: Any, encoding: str = "CSV") -> str:
    """One ground-truth line in the Model Monitor shape."""
    return json.dumps({"groundTruthData": {"data": str(label), "encoding": encoding},
                       "eventMetadata": {"eventId": event_id}, "eventVersion": "0"})


def hour_dir(root: str, hour: int, endpoint: str = "ep", variant: str = "AllTraffic", day: int = 1) -> str:
    """``root/endpoint/variant/yyyy/mm/dd/hh`` as data capture lays it out."""
    path = os.path.join(root, endpoint, variant, "2026", "01", "%02d" % day, "%02d" % hour)
    os.makedirs(path, exist_ok=True)
    return path


def write_lines(path: str, lines: Iterable[str]) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line + "\n")
    return path


def csv_row(values: List[Any]) -> str:
    return ",".join("" if v is None else (("%.6g" % v) if isinstance(v, float) else str(v)) for v in values)


def write_csv(path: str, header: List[str], rows: Iterable[List[Any]]) -> str:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(",".join(header) + "\n")
        for row in rows:
            handle.write(csv_row(row) + "\n")
    return path

"""Command line: ``baseline``, ``check``, ``summarize`` and ``merge`` modes.

Every option can also be set through an environment variable named
``DRIFT_`` + the option in upper case with ``-`` as ``_`` (e.g.
``--psi-threshold`` <- ``DRIFT_PSI_THRESHOLD``); the command line wins.
See README.md for the full contract.
"""

import argparse
import json
import os
import shutil
import socket
import sys
import tempfile
import time
from typing import List, Optional

from .baseline import Baseline, load_baseline
from .bias import parse_facets
from .batch import record_format, s3_lines, scan_batch
from .capture import list_capture_files
from .evaluate import Thresholds, evaluate
from .metrics import build_metric_data, publish
from .profile import build_baseline
from .quality import default_config, join_partitions, new_summary
from .report import REPORT_FILE, build_report, upload_report, write_json
from .scan import Scanner, ScanConfig, scan
from .summary import WindowSummary

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_VIOLATIONS = 2
EXIT_EMPTY = 3
EXIT_USAGE = 64

PROCESSING = "/opt/ml/processing"
RESOURCE_CONFIG = "/opt/ml/config/resourceconfig.json"


class UsageError(Exception):
    """Invalid combination of arguments (exit code 64)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits 2 by default, which is our "violations" code
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, "%s: error: %s\n" % (self.prog, message))


def _env(option: str, default):
    return os.environ.get("DRIFT_" + option.lstrip("-").upper().replace("-", "_"), default)


def _flag(parser, option: str, help_text: str) -> None:
    raw = str(_env(option, "")).strip().lower()
    parser.add_argument(option, action="store_true", default=raw in ("1", "true", "yes", "on"), help=help_text)


def _opt(parser, option: str, help_text: str, **kwargs) -> None:
    kwargs["default"] = _env(option, kwargs.get("default"))
    parser.add_argument(option, help=help_text, **kwargs)


def _facet_list(parser, option: str, help_text: str) -> None:
    """A repeatable option; from the environment as a ``;``-separated list."""
    raw = str(_env(option, "") or "")
    default = [part.strip() for part in raw.split(";") if part.strip()]
    parser.add_argument(option, action="append", default=None, help=help_text + " (repeatable)")
    parser.set_defaults(**{option.lstrip("-").replace("-", "_") + "_env": default})


class _JoinLists(argparse.Action):
    """``--x a,b --x c`` -> ``[a, b, c]`` (one processing job argument holds at most 256 characters)."""

    def __call__(self, parser, namespace, values, option_string=None):
        current = getattr(namespace, self.dest, None)
        if current is None or current is self.default:
            current = []
        setattr(namespace, self.dest, list(current) + list(values))


def _list_opt(parser, option: str, help_text: str) -> None:
    raw = _env(option, "")
    parser.add_argument(option, action=_JoinLists, type=_csv_list, default=_csv_list(raw) if raw else None, help=help_text)


def _facets(args) -> List[str]:
    return args.facet if args.facet else list(getattr(args, "facet_env", []) or [])


def _csv_list(text: str) -> List[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class _ContinuedList(argparse.Action):
    """A list option that may be repeated (each value is limited in length where it is passed, e.g. a
    container argument): repeats continue the list; the command line replaces the environment's value."""

    def __call__(self, parser, namespace, values, option_string=None):
        seen = "_given_" + self.dest
        before = getattr(namespace, self.dest) if getattr(namespace, seen, False) else []
        setattr(namespace, seen, True)
        setattr(namespace, self.dest, list(before) + list(values))


def _optional_float(text: str) -> Optional[float]:
    return None if str(text).strip().lower() in ("", "none", "off") else float(text)


def _scan_options(p) -> None:
    _opt(p, "--baseline", "baseline file, or a directory holding exactly one .json", default=PROCESSING + "/input/baseline")
    _opt(p, "--capture", "data-capture directory (searched recursively) or file", default=PROCESSING + "/input/capture")
    _opt(p, "--capture-columns", "comma-separated names of every captured column, if they differ from the baseline features; "
         "repeat to continue the list", type=_csv_list, action=_ContinuedList)
    _opt(p, "--capture-format", "endpoint: endpoint capture JSON Lines; batch: batch transform capture manifests (batch.py)",
         choices=("endpoint", "batch"), default="endpoint")
    _opt(p, "--batch-content-type", "batch: the transform input's content type (text/csv or application/jsonlines)",
         default="text/csv")
    _opt(p, "--window-start", "ignore records with inferenceTime before this UTC time (inclusive bound)", default="")
    _opt(p, "--window-end", "ignore records with inferenceTime at or after this UTC time", default="")
    _opt(p, "--workers", "processes to scan with (0 = one per CPU)", type=int, default=1)
    _opt(p, "--labels", "ground-truth directory (Model Monitor groundTruth JSON Lines); enables model quality", default="")
    _opt(p, "--problem-type", "model type for quality metrics", choices=("binary", "multiclass", "regression"), default="binary")
    _opt(p, "--positive-label", "binary: label value of the positive class", default="1")
    _opt(p, "--probability-threshold", "binary: score at or above which the prediction is positive", type=float, default=0.5)
    _opt(p, "--score-bins", "binary: histogram bins for AUC over the score range", type=int, default=1000)
    _opt(p, "--prediction-key", "JSON output field holding the prediction", default=None)
    _opt(p, "--prediction-index", "CSV output column (or list element) holding the prediction", type=int, default=0)
    _opt(p, "--join-partitions", "partitions of the on-disk label join", type=int, default=32)
    _facet_list(p, "--facet", "bias facet: feature=value[|value] or feature>t, >=t, <t, <=t (sensitive group d)")
    _opt(p, "--work-dir", "scratch directory for the label join", default="")


def _report_options(p) -> None:
    _opt(p, "--output-dir", "where the report is written", default=PROCESSING + "/output")
    _opt(p, "--report-name", "report file name", default=REPORT_FILE)
    _opt(p, "--endpoint-name", "endpoint name (report and EndpointName metric dimension)", default="")
    _opt(p, "--psi-threshold", "PSI threshold ('off' disables)", type=_optional_float, default="0.2")
    _opt(p, "--ks-threshold", "KS threshold, numeric features", type=_optional_float, default="0.1")
    _opt(p, "--js-threshold", "Jensen-Shannon distance threshold, categorical features", type=_optional_float, default="0.1")
    _opt(p, "--missing-threshold", "absolute change in missing-value rate", type=_optional_float, default="0.05")
    _opt(p, "--chi2-pvalue", "chi-squared p-value below which a categorical feature is flagged (off by default)", type=_optional_float, default="off")
    _opt(p, "--min-rows", "present values a feature needs before it is judged", type=int, default=100)
    _opt(p, "--max-malformed-share", "share of malformed rows that is itself a violation", type=_optional_float, default="0.1")
    for name, text in (("--min-accuracy", "minimum accuracy"), ("--min-f1", "minimum F1"), ("--min-auc", "minimum ROC AUC"),
                       ("--max-rmse", "maximum RMSE"), ("--max-mae", "maximum MAE")):
        _opt(p, name, text + " (model quality; off by default)", type=_optional_float, default="off")
    for name, text in (("--max-abs-dppl", "largest |DPPL|"), ("--min-di", "smallest disparate impact"),
                       ("--max-di", "largest disparate impact"), ("--max-abs-ad", "largest |accuracy difference|"),
                       ("--max-abs-rd", "largest |recall difference|")):
        _opt(p, name, text + " of every facet (bias; off by default)", type=_optional_float, default="off")
    _opt(p, "--metric-set", "which metrics to publish: all, or only model quality and bias", choices=("all", "quality"),
         default="all")
    _flag(p, "--publish-metrics", "publish CloudWatch metrics (off unless given)")
    _opt(p, "--namespace", "CloudWatch namespace", default="CdkMlops/Drift")
    _opt(p, "--feature-metrics", "per-feature metrics to publish", choices=("none", "score", "all"), default="score")
    _opt(p, "--metric-dimension", "extra dimension Name=Value on every metric (comma-separated list)", type=_csv_list, default="")
    _opt(p, "--report-s3-uri", "also upload the report here (s3://bucket/key, or a prefix ending in /)", default="")
    _opt(p, "--s3-kms-key-id", "KMS key for the S3 upload", default="")
    _flag(p, "--no-fail-on-violation", "exit 0 on violations and on an empty window (status stays in the report)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="drift_check", description="Streaming, mergeable drift check over SageMaker data capture.")
    modes = parser.add_subparsers(dest="mode", metavar="MODE", parser_class=_Parser)
    modes.required = True
    b = modes.add_parser("baseline", help="profile a training dataset into a baseline file")
    _opt(b, "--dataset", "CSV (with header) or JSON Lines file or directory", default=PROCESSING + "/input/dataset")
    _opt(b, "--dataset-format", "dataset format", choices=("auto", "csv", "jsonl"), default="auto")
    _list_opt(b, "--feature-names", "column names of a CSV without header, in order (repeatable: the lists join)")
    _flag(b, "--no-header", "the CSV files have no header row (columns are c0, c1, ... unless --feature-names)")
    _opt(b, "--label-column", "column to leave out (the target)", default=None)
    _list_opt(b, "--drop-columns", "columns to leave out (repeatable)")
    _opt(b, "--numeric", "columns forced numeric", type=_csv_list, default="")
    _opt(b, "--categorical", "columns forced categorical", type=_csv_list, default="")
    _opt(b, "--bins", "fine bins per numeric feature (baseline quantiles)", type=int, default=100)
    _opt(b, "--max-categories", "categories kept per feature (rest -> other)", type=int, default=100)
    _opt(b, "--sample-size", "values sampled per numeric column for the bin edges", type=int, default=200000)
    _opt(b, "--output", "baseline file to write", default=PROCESSING + "/output/baseline.json")
    _facet_list(b, "--facet", "bias facet for the pre-training metrics CI and DPL (see check)")
    _opt(b, "--positive-label", "label value(s) of the positive outcome, |-separated (DPL)", default="1")
    c = modes.add_parser("check", help="scan a window and report (single instance)")
    _scan_options(c)
    _report_options(c)
    s = modes.add_parser("summarize", help="scan a shard of the window into a partial summary")
    _scan_options(s)
    _opt(s, "--partial-output", "partial summary file (*.json), or a directory for partial-<shard>.json", default=PROCESSING + "/output")
    _opt(s, "--shard-id", "shard name ('auto': current_host of the processing job)", default="auto")
    m = modes.add_parser("merge", help="merge partial summaries and report")
    _opt(m, "--baseline", "baseline file or directory", default=PROCESSING + "/input/baseline")
    _opt(m, "--partials", "directory with the partial summaries (searched recursively)", default=PROCESSING + "/input/partials")
    _report_options(m)
    return parser


def resolve_baseline_path(path: str) -> str:
    """A file, or a directory holding one ``.json`` (``statistics.json`` / ``baseline.json`` preferred)."""
    if os.path.isfile(path):
        return path
    if not os.path.isdir(path):
        raise UsageError("baseline %r does not exist" % path)
    found = [os.path.join(d, f) for d, _, files in os.walk(path) for f in files if f.endswith(".json")]
    for preferred in ("baseline.json", "statistics.json"):
        named = [f for f in found if os.path.basename(f) == preferred]
        if len(named) == 1:
            return named[0]
    if len(found) != 1:
        raise UsageError("baseline directory %r must hold exactly one .json file, found %d" % (path, len(found)))
    return found[0]


def shard_name(value: str) -> str:
    if value and value != "auto":
        return value
    try:
        with open(RESOURCE_CONFIG, "r", encoding="utf-8") as handle:
            return str(json.load(handle)["current_host"])
    except (OSError, ValueError, KeyError):
        return "%s-%d" % (socket.gethostname(), os.getpid())


def quality_config(args):
    """The model-quality settings of a scan, or None when neither labels nor facets are given."""
    facets = _facets(args)
    if not args.labels and not facets:
        return None
    if facets and args.problem_type == "regression":
        raise UsageError("bias facets need a binary or multiclass problem type (a positive predicted outcome)")
    try:
        parsed = parse_facets(facets)
    except ValueError as exc:
        raise UsageError(str(exc))
    config = default_config(args.problem_type, positive_label=args.positive_label,
                            probability_threshold=args.probability_threshold, score_bins=args.score_bins)
    if parsed:
        config["facets"] = [f.text for f in parsed]
    return config


def run_batch_scan(args, baseline: Baseline) -> WindowSummary:
    """Scan the window of a batch transform's capture manifests (batch.py); drift only."""
    if args.labels or _facets(args):
        raise UsageError("--labels and --facet need endpoint capture (--capture-format endpoint)")
    try:
        record_format(args.batch_content_type)
    except ValueError as exc:
        raise UsageError(str(exc))
    scanner = Scanner(baseline, ScanConfig(args.capture_columns, args.window_start, args.window_end), "batch")
    if os.path.exists(args.capture):
        import boto3

        scan_batch(scanner, args.capture, args.batch_content_type, s3_lines(boto3.client("s3")))
    return scanner.finish()


def run_scan(args, baseline: Baseline, baseline_path: str, shard: str) -> WindowSummary:
    """Scan the capture (and join labels) into a summary for this process's shard."""
    if args.capture_format == "batch":
        summary = run_batch_scan(args, baseline)
        summary.shards = [shard]
        return summary
    files = list_capture_files(args.capture) if os.path.exists(args.capture) else []
    config = quality_config(args)
    facets = (config or {}).get("facets", [])
    names = args.capture_columns or baseline.names
    unknown = [f for f in parse_facets(facets) if f.name not in names]
    if unknown:
        raise UsageError("facet feature(s) %s are not captured columns (%s); name them in --capture-columns"
                         % (", ".join(f.name for f in unknown), ", ".join(names)))
    work = tempfile.mkdtemp(prefix="drift-", dir=args.work_dir or None)
    try:
        scan_config = ScanConfig(args.capture_columns, args.window_start, args.window_end,
                                 spill_dir=os.path.join(work, "spill") if args.labels else "",
                                 join_partitions=args.join_partitions, prediction_key=args.prediction_key,
                                 prediction_index=args.prediction_index, facets=facets, quality=config)
        workers = args.workers if args.workers > 0 else (os.cpu_count() or 1)
        summary = scan(files, baseline, baseline_path, scan_config, workers)
        summary.shards = [shard]
        if config is not None:
            quality = new_summary(config)
            stats = summary.spill_stats or {}
            quality["predictions"] = stats.get("predictions", 0)
            quality["bad_prediction"] = stats.get("bad_prediction", 0)
            if facets:
                quality["bias"] = stats.get("bias")
            if args.labels:
                spill = scan_config.spill_dir
                quality = join_partitions([spill] if os.path.isdir(spill) else [], args.labels,
                                          args.join_partitions, os.path.join(work, "labels"), quality)
            summary.quality = quality
        return summary
    finally:
        shutil.rmtree(work, ignore_errors=True)


def thresholds_from(args) -> Thresholds:
    return Thresholds(psi=args.psi_threshold, ks=args.ks_threshold, js=args.js_threshold,
                      missing_delta=args.missing_threshold, chi2_pvalue=args.chi2_pvalue, min_rows=args.min_rows,
                      max_malformed_share=args.max_malformed_share, min_accuracy=args.min_accuracy,
                      min_f1=args.min_f1, min_auc=args.min_auc, max_rmse=args.max_rmse, max_mae=args.max_mae,
                      max_abs_dppl=args.max_abs_dppl, min_di=args.min_di, max_di=args.max_di,
                      max_abs_ad=args.max_abs_ad, max_abs_rd=args.max_abs_rd)


def finish(args, baseline: Baseline, baseline_path: str, summary: WindowSummary) -> int:
    """Evaluate, write/upload the report, publish metrics, and return the exit code."""
    extra_dims = []
    for item in args.metric_dimension or []:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise UsageError("--metric-dimension needs Name=Value, got %r" % item)
        extra_dims.append((name, value))
    if args.publish_metrics and not args.endpoint_name:
        raise UsageError("--publish-metrics needs --endpoint-name (the EndpointName dimension)")
    body = evaluate(baseline, summary, thresholds_from(args))
    baseline_info = {"path": baseline_path, "format": baseline.source_format, "fingerprint": baseline.fingerprint,
                     "features": len(baseline.features), "skipped_features": baseline.skipped}
    window = {"start": summary.window.get("start"), "end": summary.window.get("end"),
              "first_event": summary.first_event, "last_event": summary.last_event}
    report = build_report(body, args.endpoint_name, baseline_info, window)
    path = write_json(os.path.join(args.output_dir, args.report_name), report)
    print("drift_check: status=%s rows=%d malformed=%d drift_score=%s violations=%d report=%s"
          % (report["status"], report["counts"]["rows"], report["counts"]["malformed"], report["drift_score"],
             len(report["violations"]), path))
    if args.report_s3_uri:
        print("drift_check: uploaded report to %s" % upload_report(path, args.report_s3_uri, None,
                                                                   args.s3_kms_key_id or None))
    if args.publish_metrics:
        data = build_metric_data(report, args.endpoint_name, args.feature_metrics, extra_dims, args.metric_set)
        calls = publish(data, args.namespace)
        print("drift_check: published %d metric data in %d call(s) to %s" % (len(data), calls, args.namespace))
    if args.no_fail_on_violation:
        return EXIT_OK
    if report["status"] == "empty":
        return EXIT_EMPTY
    return EXIT_VIOLATIONS if report["violations"] else EXIT_OK


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.time()
    try:
        if args.mode == "baseline":
            try:
                facets = parse_facets(_facets(args))
            except ValueError as exc:
                raise UsageError(str(exc))
            positives = [v for v in str(args.positive_label).split("|") if v.strip()]
            names = args.feature_names
            if names is not None and not args.no_header:
                raise UsageError("--feature-names names the columns of a CSV without header: add --no-header")
            baseline = build_baseline(args.dataset, args.dataset_format, names if names else ([] if args.no_header else None),
                                      args.label_column,
                                      args.drop_columns or [], args.numeric or [], args.categorical or [],
                                      args.bins, args.sample_size, args.max_categories, facets=facets,
                                      positive_labels=positives or ["1"])
            write_json(args.output, baseline.to_dict())
            print("drift_check: baseline of %d rows, %d features (%d skipped) -> %s"
                  % (baseline.item_count, len(baseline.features), len(baseline.skipped), args.output))
            return EXIT_OK
        baseline_path = resolve_baseline_path(args.baseline)
        baseline = load_baseline(baseline_path)
        if args.mode == "merge":
            summary = WindowSummary(baseline)
            paths = [p for p in list_capture_files(args.partials) if p.endswith(".json")]
            if not paths:
                raise FileNotFoundError("no partial summaries (*.json) under %r" % args.partials)
            for path in paths:
                with open(path, "r", encoding="utf-8") as handle:
                    summary.merge(WindowSummary.from_dict(json.load(handle), baseline))
            code = finish(args, baseline, baseline_path, summary)
        else:
            shard = shard_name(getattr(args, "shard_id", "single"))
            summary = run_scan(args, baseline, baseline_path, shard if args.mode == "summarize" else "single")
            if args.mode == "summarize":
                target = args.partial_output
                if not target.endswith(".json"):  # a directory: one file per shard
                    target = os.path.join(target, "partial-%s.json" % shard)
                write_json(target, summary.to_dict())
                print("drift_check: partial summary of %d rows -> %s" % (summary.rows, target))
                return EXIT_OK
            code = finish(args, baseline, baseline_path, summary)
        print("drift_check: done in %.1fs, exit code %d" % (time.time() - started, code))
        return code
    except UsageError as exc:
        print("drift_check: usage error: %s" % exc, file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - every other failure is a real error (exit 1)
        import traceback

        traceback.print_exc()
        print("drift_check: error: %s" % exc, file=sys.stderr)
        return EXIT_ERROR

"""From a merged window summary and the baseline to metrics, violations and a status.

Per feature (only judged when the window has at least ``min_rows`` present
values for it; the missing-rate check needs ``min_rows`` rows in total):

* numeric     -- PSI on ~10 baseline-decile groups, KS (lower and upper
  bound from the fine bins, see stats.ks_bounds), missing-rate change;
* categorical -- PSI and Jensen-Shannon distance over the baseline's
  categories plus an ``<other>`` bucket, chi-squared homogeneity test
  (p-value thresholded only if ``chi2_pvalue`` is set), missing-rate change.

A metric is *violated* when it is strictly greater than its threshold
(chi-squared: p-value strictly below). A feature's drift score is the largest
``value / threshold`` over its judged metrics, so a score >= 1 means at least
one threshold is reached. The window's ``drift_score`` is the largest feature
score; ``drifted_feature_share`` the share of judged features with a violation.
"""

import math
from typing import Any, Dict, List, Optional

import numpy as np

from . import stats
from .baseline import Baseline, NumericFeature
from .bias import parse_facets, posttraining_metrics
from .quality import quality_metrics
from .summary import FeatureCounts, WindowSummary


class Thresholds:
    """Decision thresholds; ``None`` disables a check."""

    def __init__(self, psi: Optional[float] = 0.2, ks: Optional[float] = 0.1, js: Optional[float] = 0.1,
                 missing_delta: Optional[float] = 0.05, chi2_pvalue: Optional[float] = None,
                 min_rows: int = 100, max_malformed_share: Optional[float] = 0.1, psi_bins: int = 10,
                 min_accuracy: Optional[float] = None, min_f1: Optional[float] = None,
                 min_auc: Optional[float] = None, max_rmse: Optional[float] = None,
                 max_mae: Optional[float] = None, max_abs_dppl: Optional[float] = None,
                 min_di: Optional[float] = None, max_di: Optional[float] = None,
                 max_abs_ad: Optional[float] = None, max_abs_rd: Optional[float] = None):
        self.psi = psi
        self.ks = ks
        self.js = js
        self.missing_delta = missing_delta
        self.chi2_pvalue = chi2_pvalue
        self.min_rows = min_rows
        self.max_malformed_share = max_malformed_share
        self.psi_bins = psi_bins
        self.min_accuracy = min_accuracy
        self.min_f1 = min_f1
        self.min_auc = min_auc
        self.max_rmse = max_rmse
        self.max_mae = max_mae
        self.max_abs_dppl = max_abs_dppl
        self.min_di = min_di
        self.max_di = max_di
        self.max_abs_ad = max_abs_ad
        self.max_abs_rd = max_abs_rd

    def to_dict(self) -> Dict[str, Any]:
        return dict(self.__dict__)


def _clean(value: Any) -> Any:
    """JSON-safe number: NaN and infinities become ``None``."""
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


def _judge(metric: str, value: Optional[float], threshold: Optional[float], feature: str,
           out: List[Dict[str, Any]], scores: List[float], below: bool = False) -> None:
    if threshold is None or value is None or not math.isfinite(value):
        return
    if below:  # smaller is worse (p-values, accuracy)
        crossed = value < threshold
        scores.append(threshold / value if value > 0 else math.inf)
    else:
        crossed = value > threshold
        scores.append(value / threshold if threshold > 0 else math.inf)
    if crossed:
        out.append({"feature": feature, "metric": metric, "value": _clean(value), "threshold": threshold,
                    "comparison": "less_than" if below else "greater_than"})


def _feature_report(feature, counts: FeatureCounts, t: Thresholds) -> Dict[str, Any]:
    current = counts.counts.astype(np.float64)
    present = float(current.sum())
    total = present + counts.missing
    base_present = feature.present
    metrics: Dict[str, Any] = {}
    missing_rate = counts.missing / total if total else 0.0
    metrics["missing_rate"] = missing_rate
    metrics["baseline_missing_rate"] = feature.missing_rate
    metrics["missing_rate_delta"] = abs(missing_rate - feature.missing_rate) if total else None
    if isinstance(feature, NumericFeature):
        groups = feature.psi_groups
        b_grouped = stats.regroup(feature.counts, groups)
        metrics["psi"] = stats.psi(b_grouped, stats.regroup(current, groups)) if present else None
        lower, upper = stats.ks_bounds(feature.counts, current)
        metrics["ks"] = lower if present else None
        metrics["ks_upper_bound"] = upper if present else None
        metrics["ks_pvalue"] = stats.ks_pvalue(lower, base_present, present) if present else None
        metrics["psi_noise_floor"] = stats.psi_noise_floor(len(b_grouped), base_present, present)
        if counts.n:
            metrics.update({"mean": counts.mean, "std": counts.std, "min": counts.min, "max": counts.max})
        for key, name in (("mean", "baseline_mean"), ("std_dev", "baseline_std"), ("std", "baseline_std")):
            if key in feature.moments:
                metrics[name] = feature.moments[key]
    else:
        metrics["psi"] = stats.psi(feature.counts, current) if present else None
        metrics["js_distance"] = stats.js_distance(feature.counts, current) if present else None
        chi2, pvalue, dof = stats.chi_squared(feature.counts, current)
        metrics.update({"chi2": chi2, "chi2_pvalue": pvalue, "chi2_dof": dof} if present else {})
        metrics["unseen_share"] = float(current[-1] / present) if present else None
        metrics["psi_noise_floor"] = stats.psi_noise_floor(len(current), base_present, present)
    violations: List[Dict[str, Any]] = []
    scores: List[float] = []
    enough = present >= t.min_rows
    if enough:
        _judge("psi", metrics.get("psi"), t.psi, feature.name, violations, scores)
        if isinstance(feature, NumericFeature):
            _judge("ks", metrics.get("ks"), t.ks, feature.name, violations, scores)
        else:
            _judge("js_distance", metrics.get("js_distance"), t.js, feature.name, violations, scores)
            _judge("chi2_pvalue", metrics.get("chi2_pvalue"), t.chi2_pvalue, feature.name, violations, scores,
                   below=True)
    if total >= t.min_rows:
        _judge("missing_rate_delta", metrics["missing_rate_delta"], t.missing_delta, feature.name,
               violations, scores)
    return {"name": feature.name, "kind": feature.kind, "rows": int(total), "present": int(present),
            "judged": bool(scores), "insufficient_data": not enough,
            "drift_score": _clean(max(scores)) if scores else None, "drifted": bool(violations),
            "metrics": {k: _clean(v) for k, v in metrics.items()}, "violations": violations}


def _quality_section(summary: WindowSummary, t: Thresholds, violations: List[Dict[str, Any]]):
    if summary.quality is None:
        return None
    q = quality_metrics(summary.quality)
    if q["labelled_rows"]:
        scores: List[float] = []
        for metric, threshold, below in (("accuracy", t.min_accuracy, True), ("f1", t.min_f1, True),
                                         ("auc", t.min_auc, True), ("rmse", t.max_rmse, False),
                                         ("mae", t.max_mae, False)):
            _judge(metric, q.get(metric), threshold, "__model__", violations, scores, below=below)
    return q


def _bias_section(baseline: Baseline, summary: WindowSummary, t: Thresholds,
                  violations: List[Dict[str, Any]]) -> Optional[List[Dict[str, Any]]]:
    """Post-training bias per facet (bias.py), judged against the thresholds, with the
    baseline's pre-training CI and DPL of the same facet when it has them."""
    quality = summary.quality
    if quality is None or not quality["config"].get("facets") or quality.get("bias") is None:
        return None
    facets = parse_facets(quality["config"]["facets"])
    pre = {p["spec"]: p for p in ((baseline.bias or {}).get("pre_training") or [])}
    out = []
    for facet, m in zip(facets, posttraining_metrics(facets, quality["bias"])):
        before = pre.get(facet.spec) or {}
        m["CI"], m["DPL"] = before.get("CI"), before.get("DPL")
        scores: List[float] = []
        for metric, value, threshold, below in (
                ("abs_dppl", None if m["DPPL"] is None else abs(m["DPPL"]), t.max_abs_dppl, False),
                ("di", m["DI"], t.min_di, True), ("di", m["DI"], t.max_di, False),
                ("abs_ad", None if m["AD"] is None else abs(m["AD"]), t.max_abs_ad, False),
                ("abs_rd", None if m["RD"] is None else abs(m["RD"]), t.max_abs_rd, False)):
            _judge(metric, value, threshold, facet.text, violations, scores, below=below)
        out.append({k: _clean(v) for k, v in m.items()})
    return out


def evaluate(baseline: Baseline, summary: WindowSummary, t: Thresholds) -> Dict[str, Any]:
    """Build the report body (everything but provenance) for a merged summary."""
    features = [_feature_report(f, c, t) for f, c in zip(baseline.features, summary.features)]
    violations: List[Dict[str, Any]] = [v for f in features for v in f["violations"]]
    malformed = sum(summary.malformed.values())
    considered = summary.rows + malformed
    malformed_share = malformed / considered if considered else 0.0
    if t.max_malformed_share is not None and considered and malformed_share > t.max_malformed_share:
        violations.append({"feature": "__window__", "metric": "malformed_share", "value": malformed_share,
                           "threshold": t.max_malformed_share, "comparison": "greater_than"})
    quality = _quality_section(summary, t, violations)
    bias = _bias_section(baseline, summary, t, violations)
    judged = [f for f in features if f["judged"]]
    scores = [f["drift_score"] for f in judged if f["drift_score"] is not None]
    if summary.rows == 0 and malformed == 0:
        status = "empty"
    else:
        status = "violations" if violations else "ok"
    return {
        "status": status,
        "drift_score": _clean(max(scores)) if scores else (0.0 if status != "empty" else None),
        "drifted_feature_share": (sum(1 for f in judged if f["drifted"]) / len(judged)) if judged else None,
        "drifted_features": [f["name"] for f in features if f["drifted"]],
        "counts": {"records": summary.records, "rows": summary.rows, "malformed": malformed,
                   "malformed_share": malformed_share, "malformed_by_reason": dict(sorted(summary.malformed.items())),
                   "outside_window": summary.outside_window, "files": summary.files,
                   "shards": len(summary.shards) or 1},
        "thresholds": t.to_dict(),
        "features": features,
        "violations": violations,
        "model_quality": quality,
        "bias": bias,
    }

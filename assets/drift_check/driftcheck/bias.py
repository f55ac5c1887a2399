"""Bias metrics per facet, as SageMaker Clarify defines them, from mergeable counts.

A *facet* is a feature and the values (or threshold) that mark its sensitive
group *d*; every other row with a value for the feature is in group *a*
(rows without a value are in neither). Facets are given as text:

* ``name=v1|v2``  -- categorical: *d* when the value is one of the listed ones
  (numbers compare as numbers, so ``=1`` matches ``1.0``);
* ``name>t``, ``name>=t``, ``name<t``, ``name<=t`` -- numeric: *d* when the
  comparison holds.

Definitions (SageMaker Clarify, Amazon SageMaker AI Developer Guide):

* Class imbalance, ``CI = (na - nd) / (na + nd)`` -- "Class Imbalance (CI)",
  https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-bias-metric-class-imbalance.html
* Difference in proportions of labels, ``DPL = qa - qd`` with ``qa = na(1)/na``
  and ``qd = nd(1)/nd`` (observed positive labels) -- "Difference in
  Proportions of Labels (DPL)",
  https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-data-bias-metric-true-label-imbalance.html
* Difference in positive proportions in predicted labels,
  ``DPPL = q'a - q'd`` with ``q'a = n'a(1)/na`` (predicted positive) --
  https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-post-training-bias-metric-dppl.html
* Disparate impact, ``DI = q'd / q'a`` --
  https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-post-training-bias-metric-di.html
* Accuracy difference, ``AD = ACCa - ACCd`` with ``ACC = (TP + TN) / (TP + TN + FP + FN)``
  per facet -- https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-post-training-bias-metric-ad.html
* Recall difference, ``RD = TPa / (TPa + FNa) - TPd / (TPd + FNd)`` --
  https://docs.aws.amazon.com/sagemaker/latest/dg/clarify-post-training-bias-metric-rd.html

CI and DPL are pre-training metrics: the ``baseline`` mode computes them on
the training data (facet columns and the label column). DPPL and DI need
predictions only: the ``check`` mode computes them on every captured row of
the window that has a prediction and a facet value. AD and RD need the
ground truth: they are computed on the rows that joined with a label. A
metric whose denominator is zero is ``None`` (not defined), never a guess.

Counts are plain lists, so summaries of shards add up exactly.
"""

import math
import re
from typing import Any, Dict, List, Optional, Sequence

#: Comparison operators of a facet, longest first (so ">=" is not read as ">").
_FACET = re.compile(r"^(?P<name>[^=<>]+?)(?P<op>>=|<=|=|>|<)(?P<value>.*)$")


def _number(value: Any) -> Optional[float]:
    if value is None or isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def canonical(value: Any) -> Optional[str]:
    """Text of a categorical value; numbers normalised (``1``, ``1.0`` and ``"1"`` agree)."""
    if value is None:
        return None
    number = _number(value)
    if number is not None:
        return str(int(number)) if number.is_integer() else repr(number)
    text = str(value).strip()
    if not text or text.lower() in ("na", "n/a", "nan", "null", "none"):
        return None
    return text


class Facet:
    """A feature and how its sensitive group *d* is recognised."""

    def __init__(self, spec: str):
        self.text = spec.strip()  # as given: the Facet dimension of the published metrics
        match = _FACET.match(self.text)
        if not match or not match.group("name").strip() or match.group("value").strip() == "":
            raise ValueError("facet %r: expected name=value[|value...] or name>t, name>=t, name<t, name<=t" % spec)
        self.name = match.group("name").strip()
        self.op = match.group("op")
        raw = match.group("value").strip()
        if self.op == "=":
            values = [canonical(v) for v in raw.split("|")]
            if any(v is None for v in values):
                raise ValueError("facet %r: empty or missing-value token among the sensitive values" % spec)
            self.values = frozenset(values)
            self.threshold = None
        else:
            self.threshold = _number(raw)
            if self.threshold is None:
                raise ValueError("facet %r: the threshold %r is not a finite number" % (spec, raw))
            self.values = frozenset()
        self.spec = "%s%s%s" % (self.name, self.op, "|".join(sorted(self.values)) if self.op == "=" else raw)

    def group(self, value: Any) -> Optional[str]:
        """``"d"`` (sensitive), ``"a"`` (the rest) or ``None`` (no usable value)."""
        if self.op == "=":
            text = canonical(value)
            if text is None:
                return None
            return "d" if text in self.values else "a"
        number = _number(value)
        if number is None:
            return None
        t = self.threshold
        hit = (number > t if self.op == ">" else number >= t if self.op == ">=" else
               number < t if self.op == "<" else number <= t)
        return "d" if hit else "a"


def parse_facets(specs: Sequence[str]) -> List[Facet]:
    facets = [Facet(s) for s in specs]
    names = [f.spec for f in facets]
    if len(set(names)) != len(names):
        raise ValueError("facets given twice: %s" % ", ".join(sorted({n for n in names if names.count(n) > 1})))
    return facets


def _ratio(num: float, den: float) -> Optional[float]:
    return num / den if den else None


def _diff(x: Optional[float], y: Optional[float]) -> Optional[float]:
    return None if x is None or y is None else x - y


# ----------------------------------------------------------- pre-training

def new_pretraining(facets: Sequence[Facet]) -> List[List[int]]:
    """Per facet ``[na, nd, na(1), nd(1), na_labelled, nd_labelled]``."""
    return [[0] * 6 for _ in facets]


def add_pretraining(counts: List[List[int]], facets: Sequence[Facet], facet_columns: Sequence[Sequence[Any]],
                    positives: Optional[Sequence[bool]]) -> None:
    """Add a chunk: one column of values per facet, and whether each row's label is positive
    (``None`` for no label column; an entry ``None`` for a row without a label)."""
    for facet, column, c in zip(facets, facet_columns, counts):
        for i, value in enumerate(column):
            g = facet.group(value)
            if g is None:
                continue
            d = 1 if g == "d" else 0
            c[d] += 1
            if positives is not None and positives[i] is not None:
                c[4 + d] += 1
                if positives[i]:
                    c[2 + d] += 1


def pretraining_metrics(facets: Sequence[Facet], counts: List[List[int]]) -> List[Dict[str, Any]]:
    out = []
    for facet, (na, nd, na1, nd1, nal, ndl) in zip(facets, counts):
        qa, qd = _ratio(na1, nal), _ratio(nd1, ndl)
        out.append({"facet": facet.text, "spec": facet.spec, "feature": facet.name, "na": na, "nd": nd,
                    "CI": _ratio(na - nd, na + nd), "DPL": _diff(qa, qd)})
    return out


# ---------------------------------------------------------- post-training

def new_posttraining(facets: Sequence[Facet]) -> Dict[str, Any]:
    """Per facet: predictions ``[na, nd, n'a(1), n'd(1)]`` and labelled confusion counts
    ``[TPa, FPa, TNa, FNa, TPd, FPd, TNd, FNd]``."""
    return {"predicted": [[0] * 4 for _ in facets], "labelled": [[0] * 8 for _ in facets]}


def add_prediction(bias: Dict[str, Any], groups: Sequence[Optional[str]], positive: bool) -> None:
    for c, g in zip(bias["predicted"], groups):
        if g is not None:
            d = 1 if g == "d" else 0
            c[d] += 1
            if positive:
                c[2 + d] += 1


def add_labelled(bias: Dict[str, Any], groups: Sequence[Optional[str]], predicted: bool, actual: bool) -> None:
    cell = (0 if predicted else 3) if actual else (1 if predicted else 2)  # TP, FP, TN, FN
    for c, g in zip(bias["labelled"], groups):
        if g is not None:
            c[(4 if g == "d" else 0) + cell] += 1


def merge_posttraining(a: Dict[str, Any], b: Dict[str, Any]) -> Dict[str, Any]:
    def add(x, y):
        if len(x) != len(y):
            raise ValueError("cannot merge bias counts of different facets")
        return [[p + q for p, q in zip(u, v)] for u, v in zip(x, y)]
    return {"predicted": add(a["predicted"], b["predicted"]), "labelled": add(a["labelled"], b["labelled"])}


def posttraining_metrics(facets: Sequence[Facet], bias: Dict[str, Any]) -> List[Dict[str, Any]]:
    out = []
    for facet, (na, nd, na1, nd1), conf in zip(facets, bias["predicted"], bias["labelled"]):
        tpa, fpa, tna, fna, tpd, fpd, tnd, fnd = conf
        qa, qd = _ratio(na1, na), _ratio(nd1, nd)
        acc_a = _ratio(tpa + tna, tpa + fpa + tna + fna)
        acc_d = _ratio(tpd + tnd, tpd + fpd + tnd + fnd)
        out.append({
            "facet": facet.text, "spec": facet.spec, "feature": facet.name, "na": na, "nd": nd,
            "labelled_a": tpa + fpa + tna + fna, "labelled_d": tpd + fpd + tnd + fnd,
            "DPPL": _diff(qa, qd),
            "DI": None if qa is None or qd is None or qa == 0 else qd / qa,
            "AD": _diff(acc_a, acc_d),
            "RD": _diff(_ratio(tpa, tpa + fna), _ratio(tpd, tpd + fnd)),
        })
    return out

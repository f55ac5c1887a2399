"""Drift statistics computed from binned counts.

Every function here takes *counts* (or proportions) over a fixed set of bins
that the baseline defines, never raw values. That is what makes the check
streaming and mergeable: a window is reduced to counts per bin, and counts
from several shards add up.

Conventions
-----------
* ``baseline`` and ``current`` are 1-D arrays of non-negative counts over the
  same bins. They need not sum to the same total.
* Logarithms are natural for PSI and base 2 for Jensen-Shannon (so the JS
  distance lies in [0, 1]).
"""

import math
from typing import Dict, List, Sequence, Tuple

import numpy as np

#: Proportions below this floor are raised to it before taking logarithms in
#: PSI (and before computing expected counts in chi-squared). Without a floor a
#: bin that is empty on one side makes PSI infinite. 1e-4 is the customary
#: choice; it caps the contribution of one empty bin at about p * ln(p / 1e-4).
PSI_EPSILON = 1e-4


def proportions(counts: Sequence[float]) -> np.ndarray:
    """Return ``counts`` normalised to sum to 1 (all zeros if the total is 0)."""
    arr = np.asarray(counts, dtype=np.float64)
    total = arr.sum()
    if total <= 0:
        return np.zeros_like(arr)
    return arr / total


def psi(baseline: Sequence[float], current: Sequence[float], epsilon: float = PSI_EPSILON) -> float:
    """Population stability index ``sum((c - b) * ln(c / b))`` over bins.

    Both sides are normalised to proportions and floored at ``epsilon``.
    """
    b = np.maximum(proportions(baseline), epsilon)
    c = np.maximum(proportions(current), epsilon)
    return float(np.sum((c - b) * np.log(c / b)))


def psi_groups(baseline_counts: Sequence[float], target_bins: int = 10) -> np.ndarray:
    """Map fine bins to about ``target_bins`` groups of roughly equal baseline mass.

    PSI is conventionally computed on ~10 bins of equal baseline mass
    (deciles). The baseline stores finer bins (for KS), so PSI merges them:
    walking the fine bins in order, a group is closed once its baseline mass
    reaches ``1 / target_bins`` (less a rounding tolerance). A last group
    lighter than half that joins the previous one, and fine bins with no
    baseline mass (e.g. the open-ended outer bins) join a neighbour, so no
    group is empty on the baseline side. The mapping depends only on the
    baseline, so every shard and the merge use the same groups.

    Returns an integer array ``g`` with ``g[i]`` the group of fine bin ``i``.
    """
    p = proportions(baseline_counts)
    n = len(p)
    groups = np.zeros(n, dtype=np.int64)
    if n == 0 or p.sum() == 0:
        return groups
    step = 1.0 / max(int(target_bins), 1)
    group = 0
    mass = 0.0
    for i in range(n):
        groups[i] = group
        mass += p[i]
        if mass >= step * (1.0 - 1e-6):
            group += 1
            mass = 0.0
    # bins after the last closed group: keep as a group only if heavy enough
    if mass < 0.5 * step and group > 0:
        groups[groups == group] = group - 1
    return groups


def regroup(counts: Sequence[float], groups: np.ndarray) -> np.ndarray:
    """Sum fine-bin ``counts`` into the groups given by :func:`psi_groups`."""
    arr = np.asarray(counts, dtype=np.float64)
    if len(arr) == 0:
        return arr
    return np.bincount(groups, weights=arr, minlength=int(groups.max()) + 1)


def ks_bounds(baseline: Sequence[float], current: Sequence[float]) -> Tuple[float, float]:
    """Kolmogorov-Smirnov statistic from counts over ordered bins, with a bound.

    Let ``B[k]`` and ``C[k]`` be the cumulative proportions of the first ``k``
    bins (``B[0] = C[0] = 0``, ``B[K] = C[K] = 1``). These are the two
    empirical CDFs evaluated at the bin edges, so::

        lower = max_k |B[k] - C[k]|

    is the KS distance restricted to the edges and never exceeds the exact
    statistic. Inside bin ``k`` both CDFs are monotone between their values at
    the two edges, hence for every x in the bin
    ``|Fb(x) - Fc(x)| <= max(B[k+1] - C[k], C[k+1] - B[k])`` and::

        upper = max_k max(B[k+1] - C[k], C[k+1] - B[k])

    bounds the exact statistic from above. ``upper - lower`` is at most the
    largest bin mass on either side: with 100 baseline-quantile bins the
    baseline side contributes at most ~0.01. Returns ``(lower, upper)``.
    """
    b = proportions(baseline)
    c = proportions(current)
    if b.sum() == 0 or c.sum() == 0:
        return 0.0, 0.0
    B = np.concatenate(([0.0], np.cumsum(b)))
    C = np.concatenate(([0.0], np.cumsum(c)))
    B[-1] = 1.0
    C[-1] = 1.0
    lower = float(np.max(np.abs(B - C)))
    upper = float(max(np.max(B[1:] - C[:-1]), np.max(C[1:] - B[:-1])))
    return lower, max(lower, upper)


def ks_pvalue(statistic: float, n_baseline: float, n_current: float) -> float:
    """Asymptotic two-sample KS p-value (Kolmogorov distribution), informational."""
    if n_baseline <= 0 or n_current <= 0:
        return 1.0
    from scipy.special import kolmogorov  # survival function of the Kolmogorov distribution

    n_eff = n_baseline * n_current / (n_baseline + n_current)
    return float(kolmogorov(statistic * math.sqrt(n_eff)))


def js_distance(baseline: Sequence[float], current: Sequence[float]) -> float:
    """Jensen-Shannon distance (square root of the JS divergence, base 2), in [0, 1]."""
    p = proportions(baseline)
    q = proportions(current)
    if p.sum() == 0 or q.sum() == 0:
        return 0.0
    m = 0.5 * (p + q)

    def _kl(a: np.ndarray) -> float:
        mask = a > 0
        return float(np.sum(a[mask] * np.log2(a[mask] / m[mask])))

    divergence = 0.5 * _kl(p) + 0.5 * _kl(q)
    return math.sqrt(max(divergence, 0.0))


def chi_squared(baseline: Sequence[float], current: Sequence[float]) -> Tuple[float, float, int]:
    """Pearson chi-squared test of homogeneity on the 2 x k table (baseline, current).

    Bins empty on both sides are dropped. Returns ``(statistic, p_value,
    degrees_of_freedom)``; equals ``scipy.stats.chi2_contingency`` without
    Yates' correction.
    """
    b = np.asarray(baseline, dtype=np.float64)
    c = np.asarray(current, dtype=np.float64)
    keep = (b + c) > 0
    b, c = b[keep], c[keep]
    nb, nc = b.sum(), c.sum()
    k = len(b)
    if k < 2 or nb <= 0 or nc <= 0:
        return 0.0, 1.0, 0
    col = b + c
    total = nb + nc
    exp_b = col * nb / total
    exp_c = col * nc / total
    stat = float(np.sum((b - exp_b) ** 2 / exp_b) + np.sum((c - exp_c) ** 2 / exp_c))
    from scipy.special import chdtrc  # chi-squared survival function (scipy.stats costs ~50 MB more)

    dof = k - 1
    return stat, float(chdtrc(dof, stat)), dof


def psi_noise_floor(bins: int, n_baseline: float, n_current: float) -> float:
    """Expected PSI between two samples of the *same* distribution.

    Under no drift, PSI behaves like ``(1/n_b + 1/n_c) * chi2(bins - 1)``, so
    its mean is ``(bins - 1) * (1/n_b + 1/n_c)``. Reported so that a reader
    can judge a small window.
    """
    if n_baseline <= 0 or n_current <= 0 or bins < 2:
        return 0.0
    return (bins - 1) * (1.0 / n_baseline + 1.0 / n_current)


def auc_from_histograms(pos: Sequence[float], neg: Sequence[float]) -> Tuple[float, float]:
    """ROC AUC from score histograms of positives and negatives over the same bins.

    ``AUC = P(score_pos > score_neg) + 0.5 * P(tie)``. Pairs in different
    bins are ordered exactly; pairs that share a bin are counted as ties
    (one half). The exact AUC therefore lies within ``0.5 * sum_b pos_b *
    neg_b / (P * N)`` of the returned value; that bound is returned too.
    Returns ``(nan, nan)`` if one class is absent.
    """
    p = np.asarray(pos, dtype=np.float64)
    n = np.asarray(neg, dtype=np.float64)
    P, N = p.sum(), n.sum()
    if P <= 0 or N <= 0:
        return float("nan"), float("nan")
    neg_below = np.concatenate(([0.0], np.cumsum(n)[:-1]))
    auc = float(np.sum(p * (neg_below + 0.5 * n)) / (P * N))
    bound = float(0.5 * np.sum(p * n) / (P * N))
    return auc, bound


def merge_counters(a: Dict[str, int], b: Dict[str, int]) -> Dict[str, int]:
    """Return the key-wise sum of two counters (plain dicts)."""
    out = dict(a)
    for key, value in b.items():
        out[key] = out.get(key, 0) + value
    return out


def add_arrays(a: List[float], b: List[float]) -> List[float]:
    """Element-wise sum of two equally long lists (raises if lengths differ)."""
    if len(a) != len(b):
        raise ValueError("cannot merge summaries with different bin counts (%d vs %d)" % (len(a), len(b)))
    return [x + y for x, y in zip(a, b)]

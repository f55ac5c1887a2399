"""Drift statistics against scipy and hand-computed values."""

import math

import numpy as np
import pytest
from scipy import stats as sps
from scipy.spatial.distance import jensenshannon

from driftcheck import stats


def test_psi_matches_hand_computation():
    # GIVEN two distributions over three bins (counts, different totals)
    baseline = [50, 30, 20]
    current = [20, 30, 50]
    # WHEN / THEN: sum((c-b) ln(c/b)) on proportions
    expected = (0.2 - 0.5) * math.log(0.2 / 0.5) + 0 + (0.5 - 0.2) * math.log(0.5 / 0.2)
    assert stats.psi(baseline, [2 * c for c in current]) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(0.5497744391, rel=1e-9)


def test_psi_floors_empty_bins():
    value = stats.psi([1, 1, 0], [1, 1, 2])
    b = np.array([0.5, 0.5, 1e-4])
    c = np.array([0.25, 0.25, 0.5])
    assert value == pytest.approx(float(np.sum((c - b) * np.log(c / b))))
    assert math.isfinite(value)


def test_psi_of_identical_distributions_is_zero():
    assert stats.psi([3, 4, 5], [30, 40, 50]) == pytest.approx(0.0, abs=1e-15)


def test_psi_groups_make_deciles_from_percentile_bins():
    counts = np.full(100, 10.0)
    groups = stats.psi_groups(counts, 10)
    assert list(np.bincount(groups)) == [10] * 10
    # zero-mass outer bins join their neighbours; a heavy bin stays one group
    groups = stats.psi_groups([0, 5, 5, 80, 5, 5, 0], 10)
    assert groups[0] == groups[1]
    assert groups[-1] == groups[-2]
    assert len(set(groups.tolist())) >= 3


def test_ks_is_exact_when_every_value_has_its_own_bin():
    # GIVEN two samples whose distinct values are all bin edges
    rng = np.random.default_rng(3)
    a = rng.integers(0, 40, size=500).astype(float)
    b = rng.integers(5, 45, size=300).astype(float)
    edges = np.unique(np.concatenate((a, b)))[1:]  # interior cut points
    ca = np.bincount(np.searchsorted(edges, a, side="right"), minlength=len(edges) + 1)
    cb = np.bincount(np.searchsorted(edges, b, side="right"), minlength=len(edges) + 1)
    # WHEN
    lower, upper = stats.ks_bounds(ca, cb)
    # THEN the binned statistic is scipy's two-sample statistic
    assert lower == pytest.approx(sps.ks_2samp(a, b).statistic, abs=1e-12)
    assert upper >= lower


def test_ks_bounds_bracket_scipy_on_continuous_data():
    rng = np.random.default_rng(4)
    base = rng.normal(size=20000)
    for shift in (0.0, 0.1, 0.5):
        cur = rng.normal(loc=shift, size=3000)
        edges = np.quantile(base, np.arange(1, 100) / 100.0)
        cb = np.bincount(np.searchsorted(edges, base, side="right"), minlength=100)
        cc = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=100)
        lower, upper = stats.ks_bounds(cb, cc)
        exact = sps.ks_2samp(base, cur).statistic
        assert lower <= exact + 1e-12 <= upper + 2e-12
        # the gap is at most the largest bin mass on either side
        assert upper - lower <= max(cb.max() / cb.sum(), cc.max() / cc.sum()) + 1e-12


def test_js_distance_matches_scipy():
    p = [10, 20, 30, 0, 40]
    q = [25, 25, 10, 5, 35]
    assert stats.js_distance(p, q) == pytest.approx(jensenshannon(p, q, base=2), abs=1e-12)
    assert stats.js_distance(p, p) == pytest.approx(0.0, abs=1e-7)
    assert stats.js_distance([1, 0], [0, 1]) == pytest.approx(1.0)


def test_chi_squared_matches_scipy_contingency():
    b = [120, 80, 40, 0, 10]
    c = [30, 25, 20, 0, 9]
    stat, p, dof = stats.chi_squared(b, c)
    table = np.array([[120, 80, 40, 10], [30, 25, 20, 9]])
    ref = sps.chi2_contingency(table, correction=False)
    assert stat == pytest.approx(ref.statistic, rel=1e-12)
    assert p == pytest.approx(ref.pvalue, rel=1e-9)
    assert dof == ref.dof == 3


def test_ks_pvalue_matches_asymptotic_kolmogorov():
    n, m, d = 5000.0, 2000.0, 0.04
    expected = sps.kstwobign.sf(d * math.sqrt(n * m / (n + m)))
    assert stats.ks_pvalue(d, n, m) == pytest.approx(expected)


def test_auc_from_histograms_is_exact_without_shared_bins_and_bounded_otherwise():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 4000)
    scores = np.clip(rng.normal(0.4 + 0.2 * y, 0.15), 0, 1)
    bins = 1000
    idx = np.minimum((scores * bins).astype(int), bins - 1)
    pos = np.bincount(idx[y == 1], minlength=bins)
    neg = np.bincount(idx[y == 0], minlength=bins)
    auc, bound = stats.auc_from_histograms(pos, neg)
    assert abs(auc - roc_auc_score(y, scores)) <= bound + 1e-12
    assert bound < 2e-3
    # scores already on the bin grid: the histogram AUC is exact (ties are ties)
    grid = (idx + 0.5) / bins
    assert auc == pytest.approx(roc_auc_score(y, grid), abs=1e-12)


def test_noise_floor_formula():
    assert stats.psi_noise_floor(10, 1e5, 2000) == pytest.approx(9 * (1e-5 + 1 / 2000))

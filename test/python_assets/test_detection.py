"""False-alarm rate on stable data and detection rate of a PSI ~ 0.2 shift.

Windows of 2,000 rows (a realistic hourly window at modest traffic) are
generated directly as arrays and fed through the same summary -> evaluate
path the CLI uses (the capture parsing in front of it is tested elsewhere).

Why the default thresholds hold at 2,000 rows: under no drift PSI behaves
like chi2(bins-1) * (1/n_b + 1/n_c), about 0.0045 on average for 10 bins
and below 0.02 in 99.99% of windows -- an order of magnitude under 0.2. The
KS statistic's 1% critical value is 1.63/sqrt(n_eff) ~ 0.037 < 0.1, JS
distance stays below ~0.06 for up to a dozen categories, and a missing-rate
change of 0.05 is ten standard errors at a 5% missing rate.
"""

import numpy as np
import pytest
from scipy import optimize
from scipy.stats import norm

from capture_gen import write_csv
from driftcheck import stats
from driftcheck.evaluate import Thresholds, evaluate
from driftcheck.profile import build_baseline
from driftcheck.summary import WindowSummary

WINDOW = 2000
SMALL = ["a", "b", "c", "d", "e"]
SMALL_P = np.array([0.40, 0.25, 0.15, 0.12, 0.08])
BIG = ["k%02d" % i for i in range(12)]
BIG_P = (1.0 / np.arange(1, 13)) / (1.0 / np.arange(1, 13)).sum()
NAMES = ["x_norm", "x_lognorm", "x_count", "x_unif", "c_small", "c_big"]


def sample(rng, n, shift=0.0, small_p=SMALL_P):
    """Columns of n rows; x_unif has 5% missing, c_big 2% missing."""
    x_unif = rng.uniform(0, 10, n)
    x_unif[rng.random(n) < 0.05] = np.nan
    c_big = rng.choice(len(BIG), n, p=BIG_P)
    c_big[rng.random(n) < 0.02] = -1
    return {"x_norm": rng.normal(shift, 1.0, n), "x_lognorm": rng.lognormal(0.0, 0.75, n),
            "x_count": rng.poisson(3.0, n).astype(float), "x_unif": x_unif,
            "c_small": rng.choice(len(SMALL), n, p=small_p), "c_big": c_big}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    rng = np.random.default_rng(2024)
    cols = sample(rng, 100_000)
    rows = zip(cols["x_norm"], cols["x_lognorm"], cols["x_count"].astype(int), cols["x_unif"],
               (SMALL[i] for i in cols["c_small"]), (BIG[i] if i >= 0 else "" for i in cols["c_big"]))
    path = write_csv(str(tmp_path_factory.mktemp("train") / "train.csv"), NAMES,
                     ([a, b, int(c), None if np.isnan(d) else float(d), e, f] for a, b, c, d, e, f in rows))
    base = build_baseline(path)
    base.fingerprint = "test"
    return base


def window_summary(baseline, cols, w=None):
    """Summary of one window; ``w`` selects a row of 2-D column arrays."""
    summary = WindowSummary(baseline)
    n = None
    for j, feature in enumerate(baseline.features):
        col = cols[feature.name] if w is None else cols[feature.name][w]
        n = len(col)
        if feature.kind == "numeric":
            summary.add_numeric(j, feature, np.asarray(col, dtype=float))
        else:
            labels = SMALL if feature.name == "c_small" else BIG
            lookup = np.array([feature.index[c] for c in labels] + [-1])
            summary.add_categorical(j, lookup[col])  # code -1 indexes the trailing -1 (missing)
    summary.rows = n
    return summary


def test_baseline_profiles_kinds_and_missing(baseline):
    kinds = {f.name: f.kind for f in baseline.features}
    assert kinds == {"x_norm": "numeric", "x_lognorm": "numeric", "x_count": "numeric", "x_unif": "numeric",
                     "c_small": "categorical", "c_big": "categorical"}
    x_unif = baseline.features[3]
    assert x_unif.missing_rate == pytest.approx(0.05, abs=0.003)
    assert len(baseline.features[0].edges) == 99  # 100 quantile bins


def test_false_alarms_at_most_one_percent_over_1000_stable_windows(baseline):
    rng = np.random.default_rng(7)
    windows = 1000
    cols = {k: v.reshape(windows, WINDOW) for k, v in sample(rng, windows * WINDOW).items()}
    thresholds = Thresholds()
    alarms, worst = 0, 0.0
    for w in range(windows):
        report = evaluate(baseline, window_summary(baseline, cols, w), thresholds)
        alarms += report["status"] == "violations"
        worst = max(worst, report["drift_score"])
    assert alarms <= windows // 100
    # and with room to spare: the worst window stays well below every threshold
    assert worst < 0.8, worst


def _true_psi_of_shift(feature, mu):
    """Exact PSI between N(0,1) and N(mu,1) over the feature's PSI groups."""
    groups = feature.psi_groups
    # boundaries between groups are the edges where the group index changes
    cuts = [feature.edges[i] for i in range(len(feature.edges)) if groups[i + 1] != groups[i]]
    bounds = np.concatenate(([-np.inf], cuts, [np.inf]))
    p = np.diff(norm.cdf(bounds))
    q = np.diff(norm.cdf(bounds, loc=mu))
    return stats.psi(p, q)


def test_injected_numeric_shift_of_psi_02_is_detected_95_percent(baseline):
    feature = baseline.features[0]
    mu = optimize.brentq(lambda m: _true_psi_of_shift(feature, m) - 0.2, 0.0, 2.0)
    assert _true_psi_of_shift(feature, mu) == pytest.approx(0.2, abs=1e-9)
    rng = np.random.default_rng(11)
    # the injected shift really is PSI ~ 0.2 on a large sample through the baseline's own bins
    big = window_summary(baseline, sample(rng, 1_000_000, shift=mu))
    report = evaluate(baseline, big, Thresholds())
    assert report["features"][0]["metrics"]["psi"] == pytest.approx(0.2, abs=0.01)
    windows = 500
    cols = {k: v.reshape(windows, WINDOW) for k, v in sample(rng, windows * WINDOW, shift=mu).items()}
    detected, psis, others = 0, [], 0
    for w in range(windows):
        report = evaluate(baseline, window_summary(baseline, cols, w), Thresholds())
        detected += "x_norm" in report["drifted_features"]
        others += len([f for f in report["drifted_features"] if f != "x_norm"])
        psis.append(report["features"][0]["metrics"]["psi"])
    assert detected / windows >= 0.95
    assert others == 0  # the unshifted features stay quiet
    assert np.mean(psis) == pytest.approx(0.2, abs=0.02)


def test_injected_categorical_shift_of_psi_02_is_detected_95_percent(baseline):
    def shifted(t):
        q = SMALL_P.copy()
        q[0] -= t
        q[4] += t
        return q

    t = optimize.brentq(lambda x: stats.psi(SMALL_P, shifted(x)) - 0.2, 0.0, 0.3)
    assert stats.psi(SMALL_P, shifted(t)) == pytest.approx(0.2, abs=1e-9)
    rng = np.random.default_rng(13)
    windows = 500
    cols = {k: v.reshape(windows, WINDOW) for k, v in
            sample(rng, windows * WINDOW, small_p=shifted(t)).items()}
    detected = sum("c_small" in evaluate(baseline, window_summary(baseline, cols, w), Thresholds())
                   ["drifted_features"] for w in range(windows))
    assert detected / windows >= 0.95


def test_missing_rate_jump_is_flagged(baseline):
    rng = np.random.default_rng(17)
    cols = sample(rng, WINDOW)
    cols["x_unif"][rng.random(WINDOW) < 0.10] = np.nan  # 5% -> ~14.5% missing
    report = evaluate(baseline, window_summary(baseline, cols), Thresholds())
    assert [v["metric"] for v in report["violations"]] == ["missing_rate_delta"]
    assert report["violations"][0]["feature"] == "x_unif"


def test_small_windows_are_not_judged(baseline):
    rng = np.random.default_rng(19)
    report = evaluate(baseline, window_summary(baseline, sample(rng, 50, shift=3.0)), Thresholds())
    assert report["violations"] == []
    assert all(f["insufficient_data"] for f in report["features"])
    assert report["status"] == "ok"

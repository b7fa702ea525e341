"""sncore.analysis against closed forms, hand-computed cases and statistical bands derived
from the estimators' standard errors (fixed seeds; bands are 4-5 standard errors)."""

import brainunit as u
import numpy as np
import pytest

from sncore import SncoreError
from sncore import analysis as sa

ms = u.ms


def poisson_train(rate_hz, t_stop_ms, rng):
    n = rng.poisson(rate_hz * t_stop_ms * 1e-3)
    return np.sort(rng.uniform(0, t_stop_ms, n))


# ---------------------------------------------------------------- trains: input normalisation

def test_units_are_converted_and_bare_numbers_need_unit():
    np.testing.assert_allclose(sa.spike_train(np.array([0.5, 1.0]) * u.second), [500.0, 1000.0])
    np.testing.assert_allclose(sa.spike_train([0.5, 1.0], unit="s"), [500.0, 1000.0])
    np.testing.assert_allclose(sa.spike_train([0.5, 1.0], unit=u.ms), [0.5, 1.0])
    with pytest.raises(SncoreError, match="bare numbers.*unit='ms'"):
        sa.spike_train([1.0, 2.0])
    with pytest.raises(SncoreError, match="must be a time.*mV"):
        sa.spike_train([1.0, 2.0] * u.mV)
    with pytest.raises(SncoreError, match="not a time unit"):
        sa.spike_train([1.0], unit="mV")
    with pytest.raises(SncoreError, match="t_stop"):   # bare window bound without unit
        sa.firing_rate([1.0] * ms, 0 * ms, 10)


def test_unsorted_nonfinite_and_single_train_errors():
    with pytest.raises(SncoreError, match=r"not sorted: time\[2\] = 1 ms < time\[1\] = 3 ms"):
        sa.spike_train([2.0, 3.0, 1.0] * ms)
    for f in (sa.cv, sa.cv2, sa.lv, sa.isi):                 # order matters: error
        with pytest.raises(SncoreError, match="not sorted"):
            f([2.0, 3.0, 1.0, 7.0] * ms)
    # order does not matter for counts and distances: sorted silently
    assert float(sa.firing_rate([9.0, 1.0] * ms, 0 * ms, 10 * ms).to_decimal(u.Hz)) == 200.0
    assert sa.van_rossum([9.0, 1.0] * ms, [1.0, 9.0] * ms, 5 * ms) == 0.0
    assert sa.victor_purpura([9.0, 1.0] * ms, [1.0, 9.0] * ms, 1 / ms) == 0.0
    np.testing.assert_allclose(sa.spike_train([2.0, 3.0, 1.0] * ms, sort=True), [1, 2, 3])
    with pytest.raises(SncoreError, match="finite"):
        sa.spike_train([1.0, np.nan] * ms)
    with pytest.raises(SncoreError, match=r"wrap it: \[train\]"):
        sa.firing_rates([1.0, 2.0] * ms, 0 * ms, 10 * ms)
    with pytest.raises(SncoreError, match="t_stop must be > t_start"):
        sa.firing_rate([1.0] * ms, 5 * ms, 5 * ms)
    with pytest.raises(SncoreError, match="whole number of bins"):
        sa.binned_counts([[1.0] * ms], 0 * ms, 10 * ms, 3 * ms)


def test_split_by_sender_groups_sorts_and_keeps_silent_neurons():
    t = [3.0, 1.0, 2.0, 4.0, 5.0] * ms
    s = np.array([2, 2, 1, 9, 2])
    trains = sa.split_by_sender(t, s, ids=[1, 2, 3])
    assert [tr.to_decimal(ms).tolist() for tr in trains] == [[2.0], [1.0, 3.0, 5.0], []]
    assert [len(tr) for tr in sa.split_by_sender(t, s)] == [1, 3, 1]   # default: unique senders
    with pytest.raises(SncoreError, match="equal length"):
        sa.split_by_sender(t, s[:3])


def test_binned_counts_histogram_convention_by_hand():
    # bins [0,1) [1,2) [2,3]; 1.0 goes up, 3.0 (= t_stop) is in the closed last bin, 3.5 is out;
    # 0.1 * 30 = 3.0000000000000004 and 0.1 * 10 = 1.0 by float round-off stay on their edges
    tr = [[0.0, 0.5, 1.0, 2.99, 3.0, 3.5] * ms, [0.1 * 10, 0.1 * 30] * ms, [] * ms]
    c = sa.binned_counts(tr, 0 * ms, 3 * ms, 1 * ms)
    np.testing.assert_array_equal(c, [[2, 1, 2], [0, 1, 1], [0, 0, 0]])


# ---------------------------------------------------------------- rates

def test_firing_rates_by_hand():
    r = sa.firing_rates([[10.0, 20.0, 1000.0] * ms, [] * ms, [0.5] * u.second], 0 * ms, 1 * u.second)
    np.testing.assert_allclose(r.to_decimal(u.Hz), [3.0, 0.0, 1.0])
    assert float(sa.firing_rate([10.0, 20.0] * ms, 0 * ms, 20 * ms).to_decimal(u.Hz)) == 100.0


@pytest.mark.parametrize("kernel", sa.KERNELS)
def test_kernel_rate_integrates_to_spike_count(kernel):
    rng = np.random.default_rng(1)
    train = np.sort(rng.uniform(100, 300, 37))
    w = 4.0
    # grid covering every kernel's mass (alpha/exponential tails e^-40 ~ 4e-18)
    dt = 0.005
    grid = np.arange(-100.0, 500.0, dt) + dt / 2     # midpoint rule
    r = sa.kernel_rate(train * ms, grid * ms, kernel, w * ms).to_decimal(u.Hz)
    np.testing.assert_allclose(np.sum(r) * dt * 1e-3, 37, rtol=1e-3)
    assert np.all(r >= 0)


def test_kernel_shapes_closed_form():
    s = np.array([-3.0, -1.0, 0.0, 1.0, 2.0])
    np.testing.assert_allclose(sa.kernel("rectangular", s, 2.0), [0, 0.5, 0.5, 0, 0])
    np.testing.assert_allclose(sa.kernel("gaussian", s, 2.0), np.exp(-s**2 / 8) / np.sqrt(8 * np.pi))
    np.testing.assert_allclose(sa.kernel("exponential", s, 2.0), [0, 0, 0.5, 0.5 * np.exp(-0.5), 0.5 / np.e])
    np.testing.assert_allclose(sa.kernel("alpha", s, 2.0), [0, 0, 0, np.exp(-0.5) / 4, 0.5 / np.e])
    with pytest.raises(SncoreError, match="kernel='box'"):
        sa.kernel_rate([1.0] * ms, [1.0] * ms, "box", 1 * ms)


def test_population_rate_and_psth_by_hand():
    trials = [[1.0, 12.0] * ms, [3.0, 4.0] * ms, [19.0, 20.0] * ms]
    p = sa.psth(trials, 0 * ms, 20 * ms, 10 * ms)
    np.testing.assert_array_equal(p.counts, [3, 3])
    np.testing.assert_allclose(p.rate.to_decimal(u.Hz), [100.0, 100.0])  # 3 / (3 * 10 ms)
    np.testing.assert_allclose(p.edges.to_decimal(ms), [0, 10, 20])
    p = sa.psth(trials, 0 * ms, 20 * ms, 5 * ms)
    np.testing.assert_array_equal(p.counts, [3, 0, 1, 2])
    c, r = sa.population_rate(trials, 0 * ms, 20 * ms, 5 * ms)
    np.testing.assert_allclose(c.to_decimal(ms), [2.5, 7.5, 12.5, 17.5])
    np.testing.assert_allclose(r.to_decimal(u.Hz), np.array([3, 0, 1, 2]) / (3 * 5e-3))
    # kernel version: pooled kernel rate / N, e.g. rectangular width 5 at centres
    _, rk = sa.population_rate(trials, 0 * ms, 20 * ms, 5 * ms, kernel="rectangular", width=5 * ms)
    np.testing.assert_allclose(rk.to_decimal(u.Hz), np.array([3, 0, 1, 2]) / 5e-3 / 3)


# ---------------------------------------------------------------- variability

N_ISI = 20000


def _poisson_isi_train(seed, n=N_ISI, rate_hz=50.0):
    isis = np.random.default_rng(seed).exponential(1e3 / rate_hz, n)
    return np.concatenate([[0.0], np.cumsum(isis)]) * ms


def test_cv_cv2_lv_of_poisson_are_one_within_standard_error():
    train = _poisson_isi_train(2)
    # delta method for exponential ISIs: SE(CV) = 1/sqrt(n). CV2 and LV average 1-dependent terms
    # of variance 1/3 (CV2: 2|2U-1|, U uniform) and 4/5 (LV: 3(2U-1)^2); Cauchy-Schwarz bounds the
    # variance of their mean by 3 sigma^2 / n.
    assert abs(sa.cv(train) - 1) < 4 / np.sqrt(N_ISI)
    assert abs(sa.cv2(train) - 1) < 4 * np.sqrt(1.0 / N_ISI)
    assert abs(sa.lv(train) - 1) < 4 * np.sqrt(2.4 / N_ISI)


def test_cv_cv2_lv_of_regular_train_are_zero_and_hand_values():
    regular = np.arange(0, 1000, 0.1) * ms            # float spacing: ISIs equal to ~1e-13
    for f in (sa.cv, sa.cv2, sa.lv):
        assert f(regular) == pytest.approx(0, abs=1e-9)
    # ISIs 10, 20, 10 (mean 40/3)
    t = [0, 10, 30, 40] * ms
    d = np.array([10.0, 20.0, 10.0])
    assert sa.cv(t) == pytest.approx(np.sqrt(np.mean((d - 40 / 3) ** 2)) / (40 / 3))
    assert sa.cv2(t) == pytest.approx((2 * 10 / 30 + 2 * 10 / 30) / 2)      # 2/3
    assert sa.lv(t) == pytest.approx(3 * ((1 / 3) ** 2 + (1 / 3) ** 2) / 2)  # 1/3
    np.testing.assert_allclose(sa.isi(t).to_decimal(ms), d)


def test_variability_nan_rule_for_short_trains():
    for f in (sa.cv, sa.cv2, sa.lv):
        assert np.isnan(f([] * ms)) and np.isnan(f([1.0] * ms)) and np.isnan(f([1.0, 5.0] * ms))
        assert np.isfinite(f([1.0, 5.0, 6.0] * ms))
        assert np.isnan(f([2.0, 2.0, 2.0] * ms))                  # coincident spikes: 0 / 0
        out = f([[1.0, 2.0] * ms, [1.0, 2.0, 4.0] * ms])           # list -> one value per train
        assert out.shape == (2,) and np.isnan(out[0]) and np.isfinite(out[1])
    assert np.isnan(sa.fano_factor([] * ms, 0 * ms, 100 * ms, 10 * ms))            # mean count 0
    assert np.isnan(sa.fano_factor([5.0] * ms, 0 * ms, 100 * ms))                  # one window


def test_fano_factor_poisson_one_regular_zero():
    rng = np.random.default_rng(3)
    train = poisson_train(100.0, 200_000.0, rng) * ms    # 2000 windows of 100 ms, ~10 spikes each
    # Poisson counts: Var(F_hat) ~ 2/n (delta method with the Poisson moments)
    assert abs(sa.fano_factor(train, 0 * ms, 200 * u.second, 100 * ms) - 1) < 4 * np.sqrt(2 / 2000)
    regular = (np.arange(2000) + 0.5) * ms                # exactly 10 spikes per 10 ms window
    assert sa.fano_factor(regular, 0 * ms, 2000 * ms, 10 * ms) == 0.0
    # across trials (window=None): counts 2, 4, 3 -> var 1, mean 3
    trials = [[1.0, 2.0] * ms, [1.0, 2.0, 3.0, 4.0] * ms, [5.0, 6.0, 7.0] * ms]
    assert sa.fano_factor(trials, 0 * ms, 10 * ms) == pytest.approx(1 / 3)


def test_isi_distribution_by_hand():
    edges, p = sa.isi_distribution([0.0, 1.0, 3.0, 3.5, 10.0] * ms, 1 * ms, 4 * ms)  # ISIs 1, 2, .5, 6.5
    np.testing.assert_allclose(edges.to_decimal(ms), [0, 1, 2, 3, 4])
    np.testing.assert_allclose(p.to_decimal(u.kHz), [0.25, 0.25, 0.25, 0.0])


# ---------------------------------------------------------------- correlation

def _thinned_pair(p, mother_hz, t_stop_ms, seed):
    rng = np.random.default_rng(seed)
    mother = poisson_train(mother_hz, t_stop_ms, rng)
    return mother[rng.random(mother.size) < p], mother[rng.random(mother.size) < p]


def _r_standard_error(alpha, beta, n):
    """Asymptotic SE of Pearson's r for X = A + B, Y = A + C with independent Poisson A (mean
    alpha) and B, C (mean beta): the delta-method formula with the exact central moments
    (mu20 = lam, mu11 = alpha, mu40 = lam + 3 lam^2, mu22 = alpha + lam^2 + 2 alpha^2,
    mu31 = alpha + 3 lam alpha)."""
    lam = alpha + beta
    rho = alpha / lam
    m40, m22, m31 = lam + 3 * lam**2, alpha + lam**2 + 2 * alpha**2, alpha + 3 * lam * alpha
    bracket = 2 * m40 / lam**2 + 2 * m22 / lam**2 + 4 * m22 / alpha**2 - 8 * m31 / (alpha * lam)
    return np.sqrt(rho**2 / (4 * n) * bracket)


def test_count_correlation_identical_independent_and_thinned_mother():
    rng = np.random.default_rng(4)
    a, b = poisson_train(50.0, 100_000.0, rng), poisson_train(50.0, 100_000.0, rng)
    win = (0 * ms, 100 * u.second, 20 * ms)                       # n = 5000 bins
    assert sa.correlation_coefficient(a * ms, a * ms, *win) == pytest.approx(1.0, abs=1e-12)
    assert abs(sa.correlation_coefficient(a * ms, b * ms, *win)) < 4 / np.sqrt(5000)
    p, mother_hz = 0.3, 200.0
    x, y = _thinned_pair(p, mother_hz, 100_000.0, seed=5)
    lam_m = mother_hz * 20e-3                                   # mother spikes per bin
    se = _r_standard_error(p * p * lam_m, p * (1 - p) * lam_m, 5000)
    assert abs(sa.correlation_coefficient(x * ms, y * ms, *win) - p) < 4 * se
    c = sa.correlation_matrix([x * ms, y * ms, [] * ms], *win)
    assert c[0, 0] == 1.0 and c[0, 1] == c[1, 0] and np.all(np.isnan(c[2])) and np.all(np.isnan(c[:, 2]))


def test_r_standard_error_reduces_to_normal_theory():
    # large counts: (1 - rho^2) / sqrt(n)
    assert _r_standard_error(3e6, 7e6, 100) == pytest.approx((1 - 0.09) / 10, rel=1e-3)


def test_cross_correlogram_by_hand_and_shifted_copy():
    a = [1.0, 5.0, 12.0] * ms
    lags, c = sa.cross_correlogram(a, [4.0, 8.0, 15.0] * ms, 1 * ms, 5 * ms)
    # lags t_b - t_a within 5 ms: 3 (1->4), -1 (5->4), 3 (5->8), -4 (12->8), 3 (12->15)
    np.testing.assert_allclose(lags.to_decimal(ms), np.arange(-5, 6))
    expected = np.zeros(11, int)
    expected[[1, 4, 8]] = [1, 1, 3]
    np.testing.assert_array_equal(c, expected)
    rng = np.random.default_rng(6)
    t = poisson_train(20.0, 20_000.0, rng)
    lags, c = sa.cross_correlogram(t * ms, (t + 7.0) * ms, 0.5 * ms, 20 * ms)
    assert lags.to_decimal(ms)[np.argmax(c)] == 7.0
    # dense oracle: every pairwise lag, rounded to the nearest bin centre
    d = (t[None, :] + 7.0) - t[:, None]
    k = np.round(d[np.abs(d) < 20.25] / 0.5).astype(int) + 40
    np.testing.assert_array_equal(c, np.bincount(k, minlength=81))
    assert c[54] >= t.size                     # every spike with its own copy, plus chance pairs
    lags, c = sa.cross_correlogram((t + 7.0) * ms, t * ms, 0.5 * ms, 20 * ms)
    assert lags.to_decimal(ms)[np.argmax(c)] == -7.0
    with pytest.raises(SncoreError, match="whole multiple of bin_size"):
        sa.cross_correlogram(a, a, 2 * ms, 5 * ms)


def test_synchrony_chi_identical_one_independent_inverse_sqrt_n():
    rng = np.random.default_rng(7)
    one = poisson_train(20.0, 10_000.0, rng) * ms
    assert sa.synchrony([one] * 8, 0 * ms, 10 * u.second, 5 * ms) == pytest.approx(1.0)
    assert sa.synchrony([one] * 8, 0 * ms, 10 * u.second, 5 * ms, kernel="gaussian", width=3 * ms) \
        == pytest.approx(1.0)
    n, bins, lam = 25, 10_000, 50.0 * 5e-3
    trains = [poisson_train(50.0, 50_000.0, rng) * ms for _ in range(n)]
    chi = sa.synchrony(trains, 0 * ms, 50 * u.second, 5 * ms)
    # chi^2 = var of the mean / mean var: relative SE of the numerator's sample variance is
    # sqrt((2 + excess kurtosis) / bins), excess kurtosis of a mean of n Poisson counts 1/(n lam);
    # chi = sqrt(chi^2) halves the relative error
    rel_se = 0.5 * np.sqrt((2 + 1 / (n * lam)) / bins)
    assert abs(chi * np.sqrt(n) - 1) < 4 * rel_se
    assert np.isnan(sa.synchrony([[] * ms, [] * ms], 0 * ms, 10 * ms, 1 * ms))


# ---------------------------------------------------------------- distances

def _vp_oracle(a, b, q):
    """Plain double-loop Victor-Purpura dynamic program."""
    g = np.zeros((len(a) + 1, len(b) + 1))
    g[:, 0], g[0, :] = np.arange(len(a) + 1), np.arange(len(b) + 1)
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            g[i, j] = min(g[i - 1, j] + 1, g[i, j - 1] + 1, g[i - 1, j - 1] + q * abs(a[i - 1] - b[j - 1]))
    return g[-1, -1]


def test_victor_purpura_closed_cases():
    a, b = [1.0, 5.0, 9.0, 20.0] * ms, [2.0, 30.0] * ms
    assert sa.victor_purpura(a, b, 0 / ms) == 2.0                      # |n - m|
    assert sa.victor_purpura(a, b, 1e6 / ms) == 6.0                    # n + m
    assert sa.victor_purpura(a, b, float("inf") / ms) == 6.0
    assert sa.victor_purpura([3.0, 4.0] * ms, [3.0, 9.0] * ms, float("inf") / ms) == 2.0  # one coincident
    for d in (0.5, 3.0, 10.0, -7.0):
        for q in (0.1, 0.5, 2.0):
            got = sa.victor_purpura([50.0] * ms, [50.0 + d] * ms, q / ms)
            assert got == pytest.approx(min(q * abs(d), 2.0))
    assert sa.victor_purpura([1.0] * ms, [] * ms, 1 / ms) == 1.0
    assert sa.victor_purpura([] * ms, [] * ms, 1 / ms) == 0.0
    # q as a rate: 100 Hz = 0.1 / ms; bare q read in 1/unit
    assert sa.victor_purpura([0.0] * ms, [5.0] * ms, 100 * u.Hz) == pytest.approx(0.5)
    assert sa.victor_purpura([0.0], [5.0], 0.1, unit="ms") == pytest.approx(0.5)
    with pytest.raises(SncoreError, match="cost per time"):
        sa.victor_purpura([0.0] * ms, [5.0] * ms, 0.1 * ms)
    with pytest.raises(SncoreError, match="bare number"):
        sa.victor_purpura([0.0] * ms, [5.0] * ms, 0.1)


def test_victor_purpura_matches_double_loop_oracle():
    rng = np.random.default_rng(8)
    for q in (0.0, 0.05, 0.3, 2.0):
        a, b = np.sort(rng.uniform(0, 100, 17)), np.sort(rng.uniform(0, 100, 11))
        assert sa.victor_purpura(a * ms, b * ms, q / ms) == pytest.approx(_vp_oracle(a, b, q), abs=1e-12)
    m = sa.victor_purpura_matrix([a * ms, b * ms, [] * ms], 0.3 / ms)
    np.testing.assert_allclose(m, [[0, _vp_oracle(a, b, 0.3), 17], [_vp_oracle(a, b, 0.3), 0, 11], [17, 11, 0]])


def _vr_grid(a, b, tau, t_end, dt):
    """(1/tau) int (f_a - f_b)^2 dt by the midpoint rule (spikes on multiples of dt)."""
    t = np.arange(0.0, t_end, dt) + dt / 2
    f = np.zeros_like(t)
    for s, sign in [(a, 1.0), (b, -1.0)]:
        for x in s:
            f += sign * np.where(t >= x, np.exp(-np.maximum(t - x, 0) / tau), 0.0)
    return np.sqrt(np.sum(f**2) * dt / tau)


def test_van_rossum_vs_fine_grid_integral_and_closed_values():
    rng = np.random.default_rng(9)
    tau = 5.0
    a = np.sort(rng.choice(1000, 12, replace=False)) * 0.1      # distinct spikes on a 0.1 ms grid
    b = np.sort(rng.choice(1000, 8, replace=False)) * 0.1
    ref = _vr_grid(a, b, tau, 100 + 30 * tau, 0.0025)
    assert sa.van_rossum(a * ms, b * ms, tau * ms) == pytest.approx(ref, rel=1e-3)
    # direct O(n m) closed form with all pairwise exponentials
    def s(x, y):
        return np.exp(-np.abs(x[:, None] - y[None, :]) / tau).sum()
    direct = np.sqrt(0.5 * (s(a, a) + s(b, b) - 2 * s(a, b)))
    assert sa.van_rossum(a * ms, b * ms, tau * u.ms) == pytest.approx(direct, rel=1e-12)
    assert sa.van_rossum([10.0] * ms, [] * ms, tau * ms) == pytest.approx(np.sqrt(0.5))
    far = np.arange(5) * 1000.0                                      # 5 separated spikes
    assert sa.van_rossum(far * ms, [] * ms, tau * ms) == pytest.approx(np.sqrt(5 / 2))
    for d in (0.5, 5.0, 40.0):
        assert sa.van_rossum([10.0] * ms, [10.0 + d] * ms, tau * ms) == pytest.approx(np.sqrt(1 - np.exp(-d / tau)))
    assert sa.van_rossum(a * ms, a * ms, tau * ms) == 0.0
    assert sa.van_rossum([1.0, 1.0] * ms, [] * ms, tau * ms) == pytest.approx(np.sqrt(2.0))  # double spike: 4/2
    m = sa.van_rossum_matrix([a * ms, b * ms], tau * ms)
    np.testing.assert_allclose(m, [[0, direct], [direct, 0]], rtol=1e-12)
    with pytest.raises(SncoreError, match="'tau' must be > 0"):
        sa.van_rossum(a * ms, b * ms, 0 * ms)


# ---------------------------------------------------------------- neo export

def test_neo_missing_raises_importerror_naming_the_pip_package(monkeypatch):
    import sys

    from sncore.analysis import neo as sneo
    monkeypatch.setitem(sys.modules, "neo", None)        # makes `import neo` fail
    with pytest.raises(ImportError, match="pip install neo"):
        sneo.to_neo([1.0] * ms, 0 * ms, 10 * ms)


def test_neo_round_trip():
    pytest.importorskip("neo", reason="neo not installed (pip install neo); export untested here")
    from sncore.analysis import neo as sneo
    st = sneo.to_neo([[1.0, 2.5] * ms, [] * ms], 0 * ms, 1 * u.second, ids=[4, 7])
    assert len(st) == 2 and float(st[0].t_stop.rescale("ms").magnitude) == 1000.0
    assert st[0].annotations["sender"] == 4 and st[1].size == 0
    np.testing.assert_allclose(sneo.from_neo(st[0]).to_decimal(ms), [1.0, 2.5])
    one = sneo.to_neo([0.5] * u.second, 0 * ms, 1 * u.second)
    np.testing.assert_allclose(one.rescale("ms").magnitude, [500.0])
    with pytest.raises(SncoreError, match="outside"):
        sneo.to_neo([[20.0] * ms], 0 * ms, 10 * ms)


# ---------------------------------------------------------------- integration with a simulation

def test_analysis_of_a_simulated_population_agrees_with_result_rates():
    import sncore as sn

    sim = sn.Simulator(dt=0.1 * ms, seed=3)
    pop = sim.create("iaf_psc_delta", 50, params={"tau_m": 10 * ms, "V_th": 15 * u.mV, "E_L": 0 * u.mV,
                                                  "V_reset": 0 * u.mV, "t_ref": 2 * ms},
                     init={"V_m": 0 * u.mV})
    noise = sim.create("poisson_generator", params={"rate": 30000 * u.Hz})
    sim.connect(noise, pop, weight=0.1 * u.mV, delay=1.0 * ms)
    rec = sim.create("spike_recorder")
    sim.connect(pop, rec)
    res = sim.simulate(200 * ms)
    times, senders = res.spikes(rec)
    trains = sa.split_by_sender(times, senders, ids=pop)
    assert len(trains) == 50 and sum(len(t) for t in trains) == len(times)
    t0, t1 = res.t_start * ms, res.t_stop * ms
    expected = res.rates(pop).to_decimal(u.Hz)
    assert expected.mean() > 5                                   # the population fires
    np.testing.assert_allclose(sa.firing_rates(trains, t0, t1).to_decimal(u.Hz), expected)
    _, pr = sa.population_rate(trains, t0, t1, 10 * ms)
    assert pr.to_decimal(u.Hz).mean() == pytest.approx(expected.mean())
    cvs = sa.cv(trains)                                          # per neuron, NaN below 3 spikes
    n = np.array([len(t) for t in trains])
    assert np.all(np.isnan(cvs[n < 3])) and np.all((cvs[n >= 3] >= 0) & (cvs[n >= 3] < 2))
    c = sa.correlation_matrix(trains, t0, t1, 5 * ms)
    assert c.shape == (50, 50) and np.allclose(c, c.T, equal_nan=True)
    try:
        import neo  # noqa: F401
    except ImportError:
        return
    sts = sa.result_to_neo(res, rec, ids=pop)
    assert [st.size for st in sts] == n.tolist()

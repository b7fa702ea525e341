"""Golomb's chi from sampled traces (sncore.analysis.synchrony_traces) against closed forms."""

import brainunit as u
import numpy as np
import pytest

from sncore import SncoreError
from sncore import analysis as sa


def test_chi_traces_identical_one_constant_nan_units_free():
    t = np.linspace(0, 1, 500)
    v = np.sin(2 * np.pi * 5 * t)[:, None] * np.ones((1, 7))
    assert sa.synchrony_traces(v) == pytest.approx(1.0)
    w = v + 0.5 * np.random.default_rng(0).standard_normal(v.shape)
    assert sa.synchrony_traces(w * u.mV) == pytest.approx(sa.synchrony_traces(w * 1e-3 * u.volt), rel=1e-12)
    assert sa.synchrony_traces(w * u.mV) == pytest.approx(sa.synchrony_traces(w), rel=1e-12)
    # identical up to an offset per neuron: still 1 (chi ignores the means)
    assert sa.synchrony_traces(v + np.arange(7)) == pytest.approx(1.0)
    assert np.isnan(sa.synchrony_traces(np.ones((10, 3))))


def test_chi_traces_common_plus_private_noise_closed_form():
    # x_i = s + n_i with var(s) = S, var(n_i) = V:  chi^2 = (S + V / N) / (S + V).
    # Relative standard error of a sample variance of T Gaussian samples: sqrt(2 / T); the
    # ratio's error is below that of its numerator + denominator: 4 * 2 * sqrt(2 / T).
    rng = np.random.default_rng(5)
    T, N = 40_000, 20
    for S, V in [(1.0, 0.0), (1.0, 1.0), (0.25, 4.0), (0.0, 1.0)]:
        x = np.sqrt(S) * rng.standard_normal((T, 1)) + np.sqrt(V) * rng.standard_normal((T, N))
        chi2 = (S + V / N) / (S + V)
        assert sa.synchrony_traces(x) ** 2 == pytest.approx(chi2, rel=8 * np.sqrt(2 / T)), (S, V)


def test_chi_traces_of_anti_phase_pairs_is_zero():
    t = np.linspace(0, 1, 1000, endpoint=False)
    s = np.sin(2 * np.pi * 3 * t)
    assert sa.synchrony_traces(np.stack([s, -s, s, -s], axis=1)) == pytest.approx(0.0, abs=1e-7)


def test_chi_traces_bad_input():
    with pytest.raises(SncoreError, match=r"\[T, N\].*shape \(5,\)"):
        sa.synchrony_traces(np.zeros(5))
    with pytest.raises(SncoreError, match="T >= 2"):
        sa.synchrony_traces(np.zeros((1, 4)))
    with pytest.raises(SncoreError, match="non-finite"):
        sa.synchrony_traces(np.array([[0.0, 1.0], [np.nan, 2.0]]))


def test_empty_inputs_give_the_documented_results():
    ms = u.ms
    lags, c = sa.cross_correlogram([] * ms, [1.0, 2.0] * ms, 1 * ms, 5 * ms)      # no pairs: all zero
    assert lags.to_decimal(ms).tolist() == list(range(-5, 6)) and not c.any()
    edges, p = sa.isi_distribution([[] * ms, [3.0] * ms], 1 * ms, 4 * ms)       # no ISI: NaN density
    assert len(edges) == 5 and np.all(np.isnan(p.to_decimal(u.kHz)))
    np.testing.assert_array_equal(sa.kernel_rate([] * ms, [1.0, 2.0] * ms, "gaussian", 2 * ms).to_decimal(u.Hz), 0)
    assert sa.correlation_matrix([], 0 * ms, 10 * ms, 1 * ms).shape == (0, 0)
    for f in (lambda: sa.population_rate([], 0 * ms, 10 * ms, 1 * ms), lambda: sa.psth([], 0 * ms, 10 * ms, 1 * ms),
              lambda: sa.fano_factor([], 0 * ms, 10 * ms), lambda: sa.synchrony([], 0 * ms, 10 * ms, 1 * ms)):
        with pytest.raises(SncoreError, match="at least one"):
            f()

"""Pairwise and population correlations: spike-count correlations, cross-correlograms, and
the population synchrony measure chi (Golomb 2007).

* **Spike-count correlation** of trains ``a``, ``b`` with counts ``x_k``, ``y_k`` in bins of
  ``bin_size`` tiling ``[t_start, t_stop]``: the Pearson coefficient
  ``rho = cov(x, y) / sqrt(var(x) var(y))``. NaN when a train's counts are constant (e.g. an
  empty train), where rho is undefined. For two trains made by independently keeping each spike
  of a Poisson "mother" train with probability ``p``, ``rho = p`` for every bin size.
* **Cross-correlogram**: the histogram of all lags ``t_b - t_a`` (every spike of ``a`` with
  every spike of ``b``) with ``|lag| <= max_lag``, in bins of ``bin_size`` centred on
  ``k * bin_size``, ``k = -K .. K``, ``K = max_lag / bin_size`` (bin ``k`` holds lags in
  ``[(k - 1/2) bin, (k + 1/2) bin)``). A train ``b = a + d`` peaks at lag ``+d``.
* **Synchrony** (Golomb 2007, Scholarpedia 2(1):1347; Golomb & Rinzel 1993): for signals
  ``x_i(t)``, ``i = 1 .. N``, and their population average ``X(t) = mean_i x_i(t)``,

      chi^2 = var_t(X) / mean_i var_t(x_i).

  Golomb uses membrane potentials: :func:`synchrony_traces` takes sampled traces ``x_i(t)``
  (e.g. ``res.traces(mm)["V_m"]``). :func:`synchrony` uses the binned spike counts of each
  train (default) or, with ``kernel=``, the kernel rates sampled at the bin centres (see
  :mod:`~sncore.analysis.rates`). ``chi = 1`` for identical signals, ``chi ~ 1/sqrt(N)`` for
  ``N`` independent ones, and for ``x_i = s + n_i`` (common part of variance ``S``,
  independent parts of variance ``V``) ``chi^2 = (S + V/N) / (S + V)``. NaN when no signal
  varies. The count-based chi of neurons firing irregularly at low rates stays small even when
  their population rate oscillates (single-neuron count variance ~ rate x bin dominates the
  denominator); the trace-based chi does not have this floor.

Example:
    >>> import brainunit as u, numpy as np
    >>> a = [1.0, 5.0, 12.0] * u.ms
    >>> correlation_coefficient(a, a, 0 * u.ms, 20 * u.ms, 2 * u.ms)
    1.0
    >>> lags, c = cross_correlogram(a, a + 3 * u.ms, 1 * u.ms, 5 * u.ms)   # peak at +3 ms
"""

from __future__ import annotations

from typing import Any

import brainunit as u
import numpy as np

from ..units import SncoreError
from .rates import KERNELS, _kernel_sum
from .trains import (
    _EDGE_EPS,
    _positive,
    binned_counts,
    spike_train,
    spike_trains,
    to_ms,
)

__all__ = ["correlation_coefficient", "correlation_matrix", "cross_correlogram", "synchrony", "synchrony_traces"]


def _corr(x: np.ndarray) -> np.ndarray:
    """Pearson matrix of the rows of ``x``; rows with zero variance give NaN rows/columns."""
    x = x.astype(np.float64)
    x = x - x.mean(axis=1, keepdims=True)
    sd = np.sqrt(np.mean(x**2, axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(sd[:, None] > 0, x / sd[:, None], np.nan)
    return z @ z.T / x.shape[1]


def correlation_matrix(trains: Any, t_start: Any, t_stop: Any, bin_size: Any, *, unit: Any = None) -> np.ndarray:
    """Spike-count correlation coefficients of all pairs, ``[N, N]``.

    Args:
        trains: list of trains (time).
        t_start, t_stop: window (time), a whole number of bins.
        bin_size: counting bin (time, > 0).
        unit: unit of bare time arguments.

    Returns:
        float array; the diagonal is 1 and rows/columns of trains with constant counts NaN.
    """
    c = _corr(binned_counts(trains, t_start, t_stop, bin_size, unit=unit))
    d = np.isfinite(np.diag(c))
    c[d, d] = 1.0          # exact diagonal (round-off of z @ z.T / K)
    return np.clip(c, -1.0, 1.0)


def correlation_coefficient(a: Any, b: Any, t_start: Any, t_stop: Any, bin_size: Any, *, unit: Any = None) -> float:
    """Spike-count correlation coefficient of two trains (see :func:`correlation_matrix`)."""
    return float(correlation_matrix([a, b], t_start, t_stop, bin_size, unit=unit)[0, 1])


def cross_correlogram(a: Any, b: Any, bin_size: Any, max_lag: Any, *, unit: Any = None) -> tuple[Any, np.ndarray]:
    """Histogram of lags ``t_b - t_a`` over all spike pairs with ``|lag| <= max_lag``.

    Args:
        a, b: spike trains (time); ``a`` is the reference (pass ``b = a`` for an auto-correlogram,
            whose zero-lag bin then includes every spike paired with itself).
        bin_size: lag bin (time, > 0); bins are centred on multiples of ``bin_size``.
        max_lag: largest lag (time), a whole multiple of ``bin_size``.
        unit: unit of bare time arguments.

    Returns:
        ``(lags, counts)``: bin centres (Quantity, ms, ``[2K+1]``) and pair counts (int64).
        ``counts / (len(a) * bin_size)`` is the rate of ``b`` conditioned on a spike of ``a``.
    """
    ta, tb = spike_train(a, unit=unit, sort=True, name="a"), spike_train(b, unit=unit, sort=True, name="b")
    w = _positive(bin_size, unit, "bin_size")
    m = float(to_ms(max_lag, unit=unit, name="max_lag"))
    k = round(m / w)
    if m < 0 or abs(k * w - m) > 1e-9 * max(m, w):
        raise SncoreError(f"max_lag = {m:g} ms must be >= 0 and a whole multiple of bin_size = {w:g} ms.")
    half = (k + 0.5) * w
    lo = np.searchsorted(tb, ta - half, side="left")
    hi = np.searchsorted(tb, ta + half, side="left")
    n = hi - lo
    counts = np.zeros(2 * k + 1, dtype=np.int64)
    if n.sum():
        ia = np.repeat(np.arange(ta.size), n)
        ib = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n) + np.repeat(lo, n)
        idx = np.floor((tb[ib] - ta[ia]) / w + 0.5 + _EDGE_EPS).astype(np.int64) + k
        idx = idx[(idx >= 0) & (idx <= 2 * k)]
        counts = np.bincount(idx, minlength=2 * k + 1)
    return u.Quantity(w * np.arange(-k, k + 1), unit=u.ms), counts


def synchrony(trains: Any, t_start: Any, t_stop: Any, bin_size: Any, *, kernel: str | None = None,
              width: Any = None, unit: Any = None) -> float:
    """Population synchrony ``chi = sqrt(var_t(mean_i x_i) / mean_i var_t(x_i))`` (Golomb 2007).

    Args:
        trains: list of ``N`` trains (time).
        t_start, t_stop: window (time), a whole number of bins.
        bin_size: bin (time, > 0): counting bin, or the sampling step of the kernel rates.
        kernel, width: optional kernel (one of ``KERNELS``) and width (time): use smoothed
            rates instead of counts.
        unit: unit of bare time arguments.

    Returns:
        float in [0, 1]; NaN if no train varies.
    """
    x = binned_counts(trains, t_start, t_stop, bin_size, unit=unit).astype(np.float64)
    if kernel is not None:
        if kernel not in KERNELS or width is None:
            raise SncoreError(f"synchrony with kernel= needs one of {KERNELS} and width=.")
        w = _positive(width, unit, "width")
        a = float(to_ms(t_start, unit=unit, name="t_start"))
        b = _positive(bin_size, unit, "bin_size")
        centres = a + b * (np.arange(x.shape[1]) + 0.5)
        x = np.stack([_kernel_sum(t, centres, kernel, w) for t in spike_trains(trains, unit=unit, sort=True)])
    if x.shape[0] == 0:
        raise SncoreError("synchrony needs at least one train, got an empty list.")
    den = x.var(axis=1).mean()
    if not den > 0:
        return float("nan")
    return float(np.sqrt(x.mean(axis=0).var() / den))


def synchrony_traces(x: Any, *, unit: Any = None) -> float:
    """Golomb's (2007) synchrony ``chi = sqrt(var_t(mean_i x_i) / mean_i var_t(x_i))`` of traces.

    Args:
        x: samples ``[T, N]`` (one column per neuron, the layout of ``Result.traces``): a
            Quantity (any unit; chi is dimensionless) or a bare array. Samples are equally
            weighted, so they should be equally spaced in time.
        unit: ignored for Quantities; accepted for symmetry with the other functions.

    Returns:
        float in [0, 1]; NaN if no trace varies.

    Raises:
        SncoreError: not a 2-D array with at least 2 samples and 1 column, or non-finite samples.

    Example:
        >>> tr = res.traces(mm)                      # multimeter recording V_m
        >>> synchrony_traces(tr["V_m"][tr["times"] >= 100 * u.ms])
    """
    del unit
    a = np.asarray(x.mantissa if isinstance(x, u.Quantity) else x, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] < 2 or a.shape[1] < 1:
        raise SncoreError(f"synchrony_traces needs samples [T, N] with T >= 2 and N >= 1, got shape {a.shape}.")
    if not np.all(np.isfinite(a)):
        raise SncoreError("synchrony_traces got non-finite samples (NaN or inf).")
    den = a.var(axis=0).mean()
    if not den > 0:
        return float("nan")
    return float(min(1.0, np.sqrt(a.mean(axis=1).var() / den)))

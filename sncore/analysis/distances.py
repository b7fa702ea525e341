"""Spike-train distances: Victor-Purpura (edit cost) and van Rossum (filtered L2), both exact.

**Victor-Purpura** (Victor & Purpura 1996, J. Neurophysiol. 76:1310): the least total cost of
turning train ``a`` (``n`` spikes) into ``b`` (``m`` spikes) by deleting or inserting a spike
(cost 1 each) or moving one by ``dt`` (cost ``q |dt|``). Computed by the dynamic program

    G[i, 0] = i,   G[0, j] = j,
    G[i, j] = min(G[i-1, j] + 1,  G[i, j-1] + 1,  G[i-1, j-1] + q |a_i - b_j|),

``D_VP = G[n, m]``, in ``O(n m)`` time (one vectorised row at a time). ``q = 0`` gives
``|n - m|``, ``q -> inf`` gives ``n + m`` (minus twice the exactly coincident spikes); a single
spike moved by ``d`` costs ``min(q |d|, 2)``.

**van Rossum** (van Rossum 2001, Neural Comput. 13:751): each train is filtered with a causal
exponential of unit height, ``f(t) = sum_i H(t - t_i) exp(-(t - t_i) / tau)``, and

    D_vR^2 = (1 / tau) int (f_a(t) - f_b(t))^2 dt
           = (1/2) [ sum_ij e^{-|a_i - a_j|/tau} + sum_ij e^{-|b_i - b_j|/tau} - 2 sum_ij e^{-|a_i - b_j|/tau} ],

using ``int_{max(s, t)}^inf e^{-(x - s)/tau} e^{-(x - t)/tau} dx = (tau/2) e^{-|s - t|/tau}``. With
this normalisation one spike against none gives ``D = sqrt(1/2)``, ``n`` well separated
spikes against none ``sqrt(n/2)``, and one spike moved by ``d`` gives ``D^2 = 1 - e^{-|d|/tau}``.
The double sums are evaluated exactly in ``O(n + m)`` with running exponential sums over the
sorted trains (every exponent ``<= 0``, so no overflow), not on a time grid.

Example:
    >>> import brainunit as u
    >>> victor_purpura([10.0] * u.ms, [12.0] * u.ms, q=0.25 / u.ms)          # 0.25 * 2 ms
    0.5
    >>> van_rossum([10.0] * u.ms, [] * u.ms, tau=5 * u.ms)                   # sqrt(1/2)
    0.7071...
"""

from __future__ import annotations

from typing import Any

import brainunit as u
import numpy as np

from ..units import SncoreError
from .trains import _factor, _positive, spike_train, spike_trains

__all__ = ["van_rossum", "van_rossum_matrix", "victor_purpura", "victor_purpura_matrix"]


def _cost_per_ms(q: Any, unit: Any) -> float:
    """The VP cost ``q`` (1/time) in 1/ms; bare ``q`` is read in 1/``unit``."""
    if isinstance(q, u.Quantity):
        if u.get_dim(q) != u.get_dim(u.Hz):
            raise SncoreError(f"q must be a cost per time (e.g. `0.5 / u.ms` or `100 * u.Hz`), got a quantity "
                              f"in {q.unit}.")
        v = float(q.to_decimal(u.kHz))
    elif unit is None:
        raise SncoreError("q was given as a bare number; pass a cost per time (`q=0.5 / u.ms`) or say unit='ms' "
                          "to read q in 1/ms.")
    else:
        v = float(q) / _factor(unit, "q")
    if not v >= 0:
        raise SncoreError(f"q must be >= 0 (per ms), got {v:g}.")
    return v


def _vp(a: np.ndarray, b: np.ndarray, q: float) -> float:
    n, m = a.size, b.size
    if n == 0 or m == 0:
        return float(n + m)
    j = np.arange(m + 1, dtype=np.float64)
    g = j.copy()                                           # row 0
    for i in range(1, n + 1):
        d = np.abs(a[i - 1] - b)
        move = np.where(d == 0, 0.0, np.inf) if np.isinf(q) else q * d
        t = np.minimum(g[1:] + 1.0, g[:-1] + move)         # from above or diagonal, j = 1..m
        cand = np.concatenate(([float(i)], t))
        g = np.minimum.accumulate(cand - j) + j            # then insertions from the left
    return float(g[m])


def victor_purpura(a: Any, b: Any, q: Any, *, unit: Any = None) -> float:
    """Victor-Purpura distance between two trains (the module docstring gives the recursion).

    Args:
        a, b: spike trains (time; bare with ``unit``).
        q: cost per unit of moved time, dimension 1/time (``0.5 / u.ms``, ``100 * u.Hz``), >= 0;
            ``float('inf') / u.ms`` allows no moves.
        unit: unit of bare times; a bare ``q`` is then in ``1/unit``.

    Returns:
        float, dimensionless (a number of spike operations).
    """
    qv = _cost_per_ms(q, unit)
    return _vp(spike_train(a, unit=unit, sort=True, name="a"), spike_train(b, unit=unit, sort=True, name="b"), qv)


def _forward(y: np.ndarray, tau: float) -> np.ndarray:
    """``Q_j = sum_{l <= j} e^{-(y_j - y_l)/tau}`` by ``Q_j = 1 + e^{-(y_j - y_{j-1})/tau} Q_{j-1}``."""
    e = np.exp(-np.diff(y) / tau)
    out = np.ones(y.size)
    for j in range(1, y.size):
        out[j] += e[j - 1] * out[j - 1]
    return out


def _exp_sum(x: np.ndarray, y: np.ndarray, tau: float) -> float:
    """``sum_ij exp(-|x_i - y_j| / tau)`` for sorted ``x``, ``y``, exactly, in O(n + m)."""
    if x.size == 0 or y.size == 0:
        return 0.0
    past = _forward(y, tau)                     # sums over y_l <= y_j
    future = _forward(-y[::-1], tau)[::-1]      # sums over y_l >= y_j
    jp = np.searchsorted(y, x, side="right") - 1   # last y <= x_i
    jf = jp + 1                                    # first y > x_i
    s = 0.0
    ok = jp >= 0
    s += np.sum(np.exp(-(x[ok] - y[jp[ok]]) / tau) * past[jp[ok]])
    ok = jf < y.size
    s += np.sum(np.exp(-(y[jf[ok]] - x[ok]) / tau) * future[jf[ok]])
    return float(s)


def _vr(a: np.ndarray, b: np.ndarray, tau: float) -> float:
    d2 = 0.5 * (_exp_sum(a, a, tau) + _exp_sum(b, b, tau) - 2.0 * _exp_sum(a, b, tau))
    return float(np.sqrt(max(d2, 0.0)))


def van_rossum(a: Any, b: Any, tau: Any, *, unit: Any = None) -> float:
    """van Rossum distance ``sqrt((1/tau) int (f_a - f_b)^2 dt)`` (closed form, module docstring).

    Args:
        a, b: spike trains (time; bare with ``unit``).
        tau: filter time constant (time, > 0).
        unit: unit of bare time arguments.

    Returns:
        float, dimensionless.
    """
    t = _positive(tau, unit, "tau")
    return _vr(spike_train(a, unit=unit, sort=True, name="a"), spike_train(b, unit=unit, sort=True, name="b"), t)


def _matrix(tr: list[np.ndarray], f, p: float) -> np.ndarray:
    n = len(tr)
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            out[i, j] = out[j, i] = f(tr[i], tr[j], p)
    return out


def victor_purpura_matrix(trains: Any, q: Any, *, unit: Any = None) -> np.ndarray:
    """Victor-Purpura distances of all pairs of a list of trains, ``[N, N]`` (symmetric, zero diagonal)."""
    return _matrix(spike_trains(trains, unit=unit, sort=True), _vp, _cost_per_ms(q, unit))


def van_rossum_matrix(trains: Any, tau: Any, *, unit: Any = None) -> np.ndarray:
    """van Rossum distances of all pairs of a list of trains, ``[N, N]`` (symmetric, zero diagonal)."""
    return _matrix(spike_trains(trains, unit=unit, sort=True), _vr, _positive(tau, unit, "tau"))

"""Spike-train variability: ISI distribution, CV, CV2, local variation LV, Fano factor.

With inter-spike intervals ``I_i = t_{i+1} - t_i`` (``i = 1 .. n``, ``n`` = spikes - 1):

* coefficient of variation ``CV = std(I) / mean(I)`` (population std, ``ddof = 0``);
* ``CV2 = (1 / (n-1)) sum_i 2 |I_{i+1} - I_i| / (I_{i+1} + I_i)`` (Holt et al. 1996,
  J. Neurophysiol. 75:1806), a local measure insensitive to slow rate changes;
* ``LV = (3 / (n-1)) sum_i ((I_i - I_{i+1}) / (I_i + I_{i+1}))^2`` (Shinomoto et al. 2003,
  Neural Comput. 15:2823);
* Fano factor ``F = var(N) / mean(N)`` of spike counts ``N`` in windows (``ddof = 1``).

For a Poisson process ``CV = CV2 = LV = F = 1`` (CV2 and LV exactly in expectation: for
i.i.d. exponential ISIs ``I_i / (I_i + I_{i+1})`` is uniform on [0, 1]); for a regular train
all four are 0.

**NaN rule.** A statistic is NaN (never an exception) when its input is too short or
degenerate: CV, CV2 and LV need at least 3 spikes (2 ISIs), and are NaN when a denominator
is zero (coincident spikes: mean ISI 0, or ``I_i + I_{i+1} = 0``); the Fano factor is NaN
with fewer than 2 windows or a mean count of 0. Functions given a list of trains return one
value per train.

Example:
    >>> import brainunit as u, numpy as np
    >>> cv(np.arange(0, 100, 10.0) * u.ms)                  # regular
    0.0
    >>> lv([0, 10, 30, 40] * u.ms)                         # (3/2) * 2 * (1/3)^2 = 1/3
    0.333...
"""

from __future__ import annotations

from typing import Any

import brainunit as u
import numpy as np

from ..units import SncoreError
from .trains import (
    _counts,
    _is_one_train,
    _positive,
    _window,
    bin_edges,
    spike_train,
    spike_trains,
)

__all__ = ["cv", "cv2", "fano_factor", "isi", "isi_distribution", "lv"]


def isi(train: Any, *, unit: Any = None) -> Any:
    """Inter-spike intervals ``t_{i+1} - t_i`` of one train (Quantity, ms; empty below 2 spikes)."""
    return u.Quantity(np.diff(spike_train(train, unit=unit)), unit=u.ms)


def _per_train(stat):
    def wrapper(train: Any, *, unit: Any = None) -> Any:
        if _is_one_train(train):
            return stat(np.diff(spike_train(train, unit=unit)))
        return np.array([stat(np.diff(t)) for t in spike_trains(train, unit=unit)])

    wrapper.__name__, wrapper.__qualname__, wrapper.__doc__ = stat.__name__, stat.__qualname__, stat.__doc__
    return wrapper


@_per_train
def cv(d: np.ndarray) -> float:
    """Coefficient of variation ``std(I) / mean(I)`` of the ISIs (``ddof = 0``).

    Args:
        train: spike times (Quantity; bare with ``unit=``), or a list of trains.

    Returns:
        float (array for a list); NaN for fewer than 3 spikes or a zero mean ISI.
    """
    if d.size < 2:
        return float("nan")
    m = d.mean()
    return float(d.std() / m) if m > 0 else float("nan")


def _pair_terms(d: np.ndarray) -> np.ndarray | None:
    if d.size < 2:
        return None
    s = d[1:] + d[:-1]
    if np.any(s <= 0):
        return None
    return (d[1:] - d[:-1]) / s


@_per_train
def cv2(d: np.ndarray) -> float:
    """CV2 (Holt et al. 1996): mean of ``2 |I_{i+1} - I_i| / (I_{i+1} + I_i)``.

    Args:
        train: spike times (Quantity; bare with ``unit=``), or a list of trains.

    Returns:
        float (array for a list); NaN for fewer than 3 spikes or coincident spike triples.
    """
    x = _pair_terms(d)
    return float("nan") if x is None else float(np.mean(2 * np.abs(x)))


@_per_train
def lv(d: np.ndarray) -> float:
    """Local variation LV (Shinomoto et al. 2003): ``3 * mean(((I_i - I_{i+1}) / (I_i + I_{i+1}))^2)``.

    Args:
        train: spike times (Quantity; bare with ``unit=``), or a list of trains.

    Returns:
        float (array for a list); NaN for fewer than 3 spikes or coincident spike triples.
    """
    x = _pair_terms(d)
    return float("nan") if x is None else float(3 * np.mean(x**2))


def isi_distribution(trains: Any, bin_size: Any, max_isi: Any, *, unit: Any = None) -> tuple[Any, Any]:
    """Histogram density of the ISIs of one train or pooled over a list of trains.

    Args:
        trains: one train or a list of trains (time).
        bin_size: histogram bin (time); ``max_isi`` must be a whole number of bins.
        max_isi: upper end of the histogram (time); longer ISIs count in the normalisation
            but in no bin, so the density integrates to the fraction of ISIs ``<= max_isi``.
        unit: unit of bare time arguments.

    Returns:
        ``(edges, density)``: edges (Quantity, ms, ``[K+1]``) and ``p_k = n_k / (n * bin)``
        (Quantity in 1/ms, i.e. kHz); all NaN when there is no ISI.
    """
    tr = [spike_train(trains, unit=unit)] if _is_one_train(trains) else spike_trains(trains, unit=unit)
    edges = bin_edges(0 * u.ms, max_isi, bin_size, unit=unit)
    d = np.concatenate([np.diff(t) for t in tr]) if tr else np.zeros(0)
    w, k = edges[1] - edges[0], len(edges) - 1
    dens = _counts(np.sort(d), 0.0, w, k) / (d.size * w) if d.size else np.full(k, np.nan)
    return u.Quantity(edges, unit=u.ms), u.Quantity(dens, unit=u.kHz)


def fano_factor(trains: Any, t_start: Any, t_stop: Any, window: Any = None, *, unit: Any = None) -> float:
    """Fano factor ``var(N) / mean(N)`` (``ddof = 1``) of spike counts in windows.

    The counts are those of one train in consecutive windows of length ``window`` tiling
    ``[t_start, t_stop]``, or, for a list of trains (e.g. trials), of every train in every
    window, pooled. With ``window=None`` the whole interval is one window (Fano factor
    across trials). For a Poisson process ``E[F] = 1`` with standard error ``~ sqrt(2 / n)``
    for ``n`` windows.

    Args:
        trains: one train or a list of trains (time).
        t_start, t_stop: interval (time); ``window`` must divide it.
        window: counting window (time) or None.
        unit: unit of bare time arguments.

    Returns:
        float; NaN for fewer than 2 counts or a mean count of 0.
    """
    tr = [spike_train(trains, unit=unit, sort=True)] if _is_one_train(trains) else spike_trains(trains, unit=unit, sort=True)
    if window is None:
        a, b = _window(t_start, t_stop, unit)
        w, k = b - a, 1
    else:
        _positive(window, unit, "window")
        edges = bin_edges(t_start, t_stop, window, unit=unit)
        a, w, k = edges[0], edges[1] - edges[0], len(edges) - 1
    if not tr:
        raise SncoreError("fano_factor needs at least one train, got an empty list.")
    n = np.concatenate([_counts(t, a, w, k) for t in tr]).astype(np.float64)
    if n.size < 2 or n.mean() == 0:
        return float("nan")
    return float(n.var(ddof=1) / n.mean())

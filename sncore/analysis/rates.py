"""Firing rates: per neuron, per population, time-resolved with kernels, and PSTHs.

Definitions (times in ms, rates returned as Quantities in Hz):

* mean rate of a train over ``[t_start, t_stop]``: ``nu = n / (t_stop - t_start)`` with ``n``
  the spikes in the closed window (see :mod:`sncore.analysis.trains` for the convention);
* kernel (time-resolved) rate: ``r(t) = sum_i K(t - t_i)`` with a kernel of unit area,
  ``int K(s) ds = 1``, so that ``int r(t) dt = n`` for every train: the estimate moves spikes
  in time but neither creates nor loses them (over the whole real line; a finite evaluation
  window cuts off the kernel tails of spikes near its edges). Kernels, ``w = width``:

  ============== ====================================================== ===============
  kernel         ``K(s)``                                               ``w`` is
  ============== ====================================================== ===============
  rectangular    ``1/w`` for ``-w/2 <= s < w/2``, else 0                 the full width
  gaussian       ``exp(-s^2 / (2 w^2)) / (sqrt(2 pi) w)``               the std. dev.
  exponential    ``exp(-s/w) / w`` for ``s >= 0`` (causal)              the time const.
  alpha          ``s exp(-s/w) / w^2`` for ``s >= 0`` (causal)          the time const.
  ============== ====================================================== ===============

* population rate: spikes of all ``N`` neurons per bin divided by ``N * bin_size`` (or the
  kernel rate of the pooled spikes divided by ``N``);
* PSTH over trials: spikes of all ``M`` trials per bin divided by ``M * bin_size``.

Example:
    >>> import brainunit as u, numpy as np
    >>> firing_rate([10, 20, 30] * u.ms, 0 * u.ms, 1 * u.second)
    Quantity(3., "Hz")
    >>> r = kernel_rate([50.0] * u.ms, np.arange(0, 100, 0.1) * u.ms, "gaussian", 5 * u.ms)
"""

from __future__ import annotations

from typing import Any, NamedTuple

import brainunit as u
import numpy as np

from ..units import SncoreError
from .trains import (
    _counts,
    _positive,
    _window,
    bin_edges,
    count_in_window,
    spike_train,
    spike_trains,
    to_ms,
)

__all__ = ["KERNELS", "PSTH", "firing_rate", "firing_rates", "kernel", "kernel_rate", "population_rate", "psth"]

KERNELS = ("rectangular", "gaussian", "exponential", "alpha")
_CHUNK = 1 << 22  # kernel evaluations per chunk (memory bound of kernel_rate)


def _hz(per_ms: Any) -> Any:
    return u.Quantity(np.asarray(per_ms, dtype=np.float64) * 1e3, unit=u.Hz)


def firing_rate(train: Any, t_start: Any, t_stop: Any, *, unit: Any = None) -> Any:
    """Mean rate ``n / (t_stop - t_start)`` (Hz) of one train over the closed window.

    Args:
        train: spike times (Quantity; bare with ``unit``).
        t_start, t_stop: window bounds (time).
        unit: unit of bare time arguments (see :mod:`~sncore.analysis.trains`).
    """
    a, b = _window(t_start, t_stop, unit)
    return _hz(count_in_window(spike_train(train, unit=unit, sort=True), a, b) / (b - a))


def firing_rates(trains: Any, t_start: Any, t_stop: Any, *, unit: Any = None) -> Any:
    """Mean rate (Hz) of each train over ``[t_start, t_stop]``, shape ``[N]``.

    Agrees with ``res.rates(nodes)`` for ``split_by_sender(*res.spikes(rec), ids=nodes)`` and
    the window ``[res.t_start, res.t_stop]`` ms.
    """
    a, b = _window(t_start, t_stop, unit)
    n = [count_in_window(t, a, b) for t in spike_trains(trains, unit=unit, sort=True)]
    return _hz(np.asarray(n, dtype=np.float64) / (b - a))


def kernel(name: str, s: np.ndarray, width: float) -> np.ndarray:
    """Kernel ``K(s)`` in 1/ms for lags ``s`` (ms, plain array) and ``width`` (ms); unit area."""
    s = np.asarray(s, dtype=np.float64)
    w = float(width)
    if name == "rectangular":
        return np.where((s >= -w / 2) & (s < w / 2), 1.0 / w, 0.0)
    if name == "gaussian":
        return np.exp(-0.5 * (s / w) ** 2) / (np.sqrt(2 * np.pi) * w)
    pos = np.maximum(s, 0.0)
    if name == "exponential":
        return np.where(s >= 0, np.exp(-pos / w) / w, 0.0)
    if name == "alpha":
        return np.where(s >= 0, pos / w**2 * np.exp(-pos / w), 0.0)
    raise SncoreError(f"kernel={name!r} is not known; use one of {KERNELS}.")


def _kernel_sum(t: np.ndarray, grid: np.ndarray, name: str, w: float) -> np.ndarray:
    out = np.zeros(grid.shape, dtype=np.float64)
    step = max(1, _CHUNK // max(grid.size, 1))
    for i in range(0, t.size, step):
        out += kernel(name, grid[:, None] - t[None, i:i + step], w).sum(axis=1)
    return out


def kernel_rate(train: Any, times: Any, kernel: str = "gaussian", width: Any = None, *, unit: Any = None) -> Any:
    """Time-resolved rate ``r(t) = sum_i K(t - t_i)`` (Hz) evaluated at ``times``.

    Args:
        train: spike times (Quantity; bare with ``unit``).
        times: evaluation times, any 1-D grid (time).
        kernel: one of :data:`KERNELS` (table in the module docstring).
        width: kernel width ``w`` (time, > 0).
        unit: unit of bare time arguments.

    Returns:
        Quantity in Hz, shape of ``times``. ``int r(t) dt`` over the real line equals the
        spike count (unit-area kernels).
    """
    if width is None:
        raise SncoreError("kernel_rate needs width=, e.g. width=5 * u.ms.")
    w = _positive(width, unit, "width")
    t = spike_train(train, unit=unit, sort=True)
    grid = np.atleast_1d(to_ms(times, unit=unit, name="times"))
    if kernel not in KERNELS:
        raise SncoreError(f"kernel={kernel!r} is not known; use one of {KERNELS}.")
    return _hz(_kernel_sum(t, grid, kernel, w))


def population_rate(trains: Any, t_start: Any, t_stop: Any, bin_size: Any, *, kernel: str | None = None,
                    width: Any = None, unit: Any = None) -> tuple[Any, Any]:
    """Population-averaged rate (Hz per neuron) in bins, optionally kernel-smoothed.

    Without ``kernel``: ``r_k = (spikes of all N trains in bin k) / (N * bin_size)``.
    With ``kernel`` and ``width``: the kernel rate of the pooled spikes divided by ``N``,
    evaluated at the bin centres (spikes outside the window contribute their kernel tails).

    Returns:
        ``(centres, rate)``: bin centres (Quantity, ms) and the rate (Quantity, Hz), ``[K]``.
    """
    edges = bin_edges(t_start, t_stop, bin_size, unit=unit)
    tr = spike_trains(trains, unit=unit, sort=True)
    if not tr:
        raise SncoreError("population_rate needs at least one train, got an empty list.")
    w, k = edges[1] - edges[0], len(edges) - 1
    centres = edges[:-1] + w / 2
    if kernel is None:
        rate = sum(_counts(t, edges[0], w, k) for t in tr) / (len(tr) * w)
    else:
        if kernel not in KERNELS or width is None:
            raise SncoreError(f"population_rate with kernel= needs one of {KERNELS} and width=.")
        pooled = np.sort(np.concatenate(tr))
        rate = _kernel_sum(pooled, centres, kernel, _positive(width, unit, "width")) / len(tr)
    return u.Quantity(centres, unit=u.ms), _hz(rate)


class PSTH(NamedTuple):
    """Peri-stimulus time histogram: ``edges`` (ms, ``[K+1]``), ``counts`` (spikes of all
    trials per bin, ``[K]``), ``rate`` (Hz, ``counts / (n_trials * bin_size)``)."""

    edges: Any
    counts: np.ndarray
    rate: Any


def psth(trials: Any, t_start: Any, t_stop: Any, bin_size: Any, *, unit: Any = None) -> PSTH:
    """PSTH of one neuron (or one pooled group) over ``M`` trials.

    Args:
        trials: list of trains, one per trial, times relative to the stimulus (time).
        t_start, t_stop: window (time); ``t_stop - t_start`` must be a multiple of ``bin_size``.
        bin_size: bin width (time, > 0).
        unit: unit of bare time arguments.

    Example:
        >>> p = psth([[1, 12] * u.ms, [3, 4] * u.ms], 0 * u.ms, 20 * u.ms, 10 * u.ms)
        >>> p.counts, p.rate                      # [3, 1] spikes; 3/(2 * 10 ms) = 150 Hz
        (array([3, 1]), Quantity([150.  50.], "Hz"))
    """
    edges = bin_edges(t_start, t_stop, bin_size, unit=unit)
    tr = spike_trains(trials, unit=unit, sort=True, name="trials")
    if not tr:
        raise SncoreError("psth needs at least one trial, got an empty list.")
    w, k = edges[1] - edges[0], len(edges) - 1
    counts = np.sum([_counts(t, edges[0], w, k) for t in tr], axis=0)
    return PSTH(u.Quantity(edges, unit=u.ms), counts, _hz(counts / (len(tr) * w)))


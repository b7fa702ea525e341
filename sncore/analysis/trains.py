"""Input normalisation for spike-train statistics: times -> sorted float64 arrays in ms.

Every function of :mod:`sncore.analysis` accepts spike times as

* a brainunit Quantity with the dimension of time (``u.ms``, ``u.second``, ...), converted
  to ms; or
* a bare number / array / list **only together with** ``unit=`` (``"ms"``, ``"s"`` or a
  brainunit time unit such as ``u.second``). A bare array without ``unit=`` is rejected,
  because ``[1.5, 2.0]`` could mean ms or s and a silent factor of 1000 is the worst kind
  of error. ``unit=`` applies to every bare time argument of that call (trains, window
  bounds, bin sizes, kernel widths); Quantities always carry their own unit.

A *spike train* is a 1-D array of finite spike times. **Order rule:** where the order of
the given times matters, i.e. for the ISI statistics (``isi``, ``isi_distribution``, ``cv``,
``cv2``, ``lv``: an unsorted train would give negative intervals, which is almost always a
bug upstream), a train that decreases somewhere raises an error naming the first bad index.
Everywhere else (rates, counts, PSTH, Fano factor, correlations, distances, Neo export) a
train is a set of times and is sorted silently. An empty train is valid; statistics that
need more spikes than a train has return NaN as documented per function.

Recorded spikes in sncore's layout, ``times, senders = res.spikes(rec)``, are a set of
events; :func:`split_by_sender` groups them into one train per neuron (sorted per neuron,
whatever the order of the events).

Counting windows follow ``numpy.histogram``: the window ``[t_start, t_stop]`` is closed at
both ends, bins ``[e_k, e_{k+1})`` are half-open except the last, which is closed. So a spike
stamped at the end of the last simulation step (sncore, like NEST, stamps a spike at the end
of its step, in ``(t_start, t_stop]``) is counted, and rates agree with ``Result.rates``.
A time within ``1e-9`` bin widths below an edge counts in the upper bin (float round-off of
``k * dt``).

Example:
    >>> import brainunit as u, numpy as np
    >>> spike_train(np.array([1.0, 2.5]) * u.second)
    array([1000., 2500.])
    >>> spike_train([1.0, 2.5], unit="ms")
    array([1. , 2.5])
    >>> trains = split_by_sender([1.0, 2.0, 3.0] * u.ms, [2, 1, 2], ids=[1, 2, 3])
    >>> trains
    [Quantity([2.], "ms"), Quantity([1. 3.], "ms"), Quantity([], "ms")]
"""

from __future__ import annotations

from typing import Any

import brainunit as u
import numpy as np

from ..units import SncoreError

__all__ = [
    "bin_edges",
    "binned_counts",
    "count_in_window",
    "spike_train",
    "spike_trains",
    "split_by_sender",
    "to_ms",
]

_EDGE_EPS = 1e-9
_NAMED = {"ms": 1.0, "s": 1000.0, "us": 1e-3}


def _factor(unit: Any, name: str) -> float:
    """Factor that converts a bare number in ``unit`` to ms."""
    if isinstance(unit, str):
        if unit not in _NAMED:
            raise SncoreError(f"unit={unit!r} for {name!r} is not a time unit; use one of {sorted(_NAMED)} "
                              f"or a brainunit time unit such as u.ms.")
        return _NAMED[unit]
    if isinstance(unit, u.Unit) and u.get_dim(unit) == u.get_dim(u.ms):
        return float((1.0 * unit).to_decimal(u.ms))
    raise SncoreError(f"unit={unit!r} for {name!r} is not a time unit; use 'ms', 's' or e.g. u.ms.")


def to_ms(value: Any, *, unit: Any = None, name: str = "times") -> np.ndarray:
    """Times (any shape) as a float64 array in ms.

    Args:
        value: Quantity with the dimension of time, or bare numbers when ``unit`` is given.
        unit: unit of bare numbers (``"ms"``, ``"s"``, ``"us"`` or a brainunit time unit);
            ``None`` (default) rejects bare numbers.
        name: argument name used in error messages.

    Raises:
        SncoreError: bare numbers without ``unit``, a Quantity of another dimension, or a
            non-finite time.
    """
    if isinstance(value, u.Quantity):
        if u.get_dim(value) != u.get_dim(u.ms):
            raise SncoreError(f"{name!r} must be a time (e.g. `* u.ms`), got a quantity in {value.unit}.")
        arr = np.asarray(value.to_decimal(u.ms), dtype=np.float64)
    else:
        if isinstance(value, (str, bytes)):
            raise SncoreError(f"{name!r} must be spike times, got the string {value!r}.")
        if unit is None:
            raise SncoreError(
                f"{name!r} was given as bare numbers; spike-train analysis needs the time unit. "
                f"Pass a quantity (`times * u.ms` with `import brainunit as u`) or say `unit='ms'` "
                f"(or 's') in the call.")
        try:
            arr = np.asarray(value, dtype=np.float64) * _factor(unit, name)
        except (TypeError, ValueError) as e:
            raise SncoreError(f"{name!r} must be numbers, got {type(value).__name__}: {e}") from None
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)].ravel()[0]
        raise SncoreError(f"{name!r} must be finite, got {bad!r}.")
    return arr


def spike_train(times: Any, *, unit: Any = None, sort: bool = False, name: str = "train") -> np.ndarray:
    """One spike train as a sorted 1-D float64 array in ms.

    Args:
        times: spike times (Quantity, or bare numbers with ``unit``); 0-d is one spike.
        unit: unit of bare numbers, see :func:`to_ms`.
        sort: sort an unsorted train instead of raising.
        name: argument name used in error messages.

    Raises:
        SncoreError: wrong units (see :func:`to_ms`), more than one dimension, or times that
            decrease somewhere and ``sort`` is false (the message gives the first index).
    """
    t = np.atleast_1d(to_ms(times, unit=unit, name=name))
    if t.ndim != 1:
        raise SncoreError(f"{name!r} must be one spike train (1-D), got shape {t.shape}; "
                          f"pass several trains as a list.")
    d = np.diff(t)
    if np.any(d < 0):
        if sort:
            return np.sort(t)
        i = int(np.argmax(d < 0))
        raise SncoreError(f"{name!r} is not sorted: time[{i + 1}] = {t[i + 1]:g} ms < time[{i}] = {t[i]:g} ms. "
                          f"Sort it (np.sort) or pass sort=True.")
    return t


def _is_one_train(x: Any) -> bool:
    if isinstance(x, (u.Quantity, np.ndarray)):
        return np.ndim(x) <= 1
    if isinstance(x, (list, tuple)):
        return all(np.ndim(v) == 0 and not isinstance(v, (list, tuple)) for v in x) and len(x) > 0
    return np.ndim(x) == 0


def spike_trains(trains: Any, *, unit: Any = None, sort: bool = False, name: str = "trains") -> list[np.ndarray]:
    """A list of trains (each as in :func:`spike_train`).

    ``trains`` is a sequence of trains (a list of Quantities, of arrays with ``unit``, or a
    2-D Quantity, one row per train). A single 1-D train is rejected here with a hint to wrap
    it in a list, so that a train is never silently read as many one-spike trains.
    """
    if isinstance(trains, (u.Quantity, np.ndarray)) and np.ndim(trains) == 2:
        trains = list(trains)
    elif _is_one_train(trains):
        raise SncoreError(f"{name!r} must be a list of spike trains, got a single train; wrap it: [train].")
    return [spike_train(t, unit=unit, sort=sort, name=f"{name}[{i}]") for i, t in enumerate(trains)]


def split_by_sender(times: Any, senders: Any, ids: Any = None, *, unit: Any = None) -> list[Any]:
    """Group recorded events ``(times, senders)`` into one train per neuron.

    Args:
        times: event times (Quantity, e.g. from ``res.spikes(rec)``; bare with ``unit``).
        senders: global id of the sender of each event (same length as ``times``).
        ids: neurons to return, in order: a sequence of global ids or a NodeCollection
            (its ``global_ids``). Neurons without events get an empty train; events of
            senders not in ``ids`` are ignored. Default: the sorted unique senders.
        unit: unit of bare ``times``.

    Returns:
        list of Quantities in ms, one sorted train per id.

    Example:
        >>> times, senders = res.spikes(rec)
        >>> trains = split_by_sender(times, senders, ids=pop)   # pop: the recorded NodeCollection
    """
    t = np.atleast_1d(to_ms(times, unit=unit, name="times"))
    s = np.atleast_1d(np.asarray(senders))
    if t.ndim != 1 or s.shape != t.shape:
        raise SncoreError(f"times and senders must be 1-D of equal length, got shapes {t.shape} and {s.shape}.")
    if s.size and not np.issubdtype(s.dtype, np.integer):
        if not np.all(s == np.round(s)):
            raise SncoreError("senders must be integer neuron ids.")
        s = s.astype(np.int64)
    ids = getattr(ids, "global_ids", ids)
    ids = np.unique(s) if ids is None else np.asarray(ids, dtype=np.int64).ravel()
    order = np.lexsort((t, s))
    t, s = t[order], s[order]
    lo = np.searchsorted(s, ids, side="left")
    hi = np.searchsorted(s, ids, side="right")
    return [u.Quantity(t[a:b].copy(), unit=u.ms) for a, b in zip(lo, hi)]


def _window(t_start: Any, t_stop: Any, unit: Any) -> tuple[float, float]:
    a = float(to_ms(t_start, unit=unit, name="t_start"))
    b = float(to_ms(t_stop, unit=unit, name="t_stop"))
    if not b > a:
        raise SncoreError(f"t_stop must be > t_start, got t_start = {a:g} ms, t_stop = {b:g} ms.")
    return a, b


def _positive(value: Any, unit: Any, name: str) -> float:
    v = float(to_ms(value, unit=unit, name=name))
    if not v > 0:
        raise SncoreError(f"{name!r} must be > 0 ms, got {v:g} ms.")
    return v


def bin_edges(t_start: Any, t_stop: Any, bin_size: Any, *, unit: Any = None) -> np.ndarray:
    """Bin edges ``t_start + k * bin_size`` (ms) for ``k = 0 .. K``.

    Raises:
        SncoreError: if ``t_stop - t_start`` is not a whole number of bins (to 1e-9 relative).
    """
    a, b = _window(t_start, t_stop, unit)
    w = _positive(bin_size, unit, "bin_size")
    k = round((b - a) / w)
    if k < 1 or abs(k * w - (b - a)) > 1e-9 * (b - a):
        raise SncoreError(f"the window [{a:g}, {b:g}] ms is not a whole number of bins of {w:g} ms; "
                          f"choose bin_size dividing t_stop - t_start.")
    return a + w * np.arange(k + 1)


def _counts(t: np.ndarray, a: float, w: float, k: int) -> np.ndarray:
    """Counts of sorted ``t`` (ms) in ``k`` bins of width ``w`` from ``a`` (histogram convention)."""
    x = (t - a) / w + _EDGE_EPS
    idx = np.floor(x).astype(np.int64)
    idx[(idx == k) & (x <= k + 2 * _EDGE_EPS)] = k - 1       # t == t_stop: last bin is closed
    idx = idx[(idx >= 0) & (idx < k)]
    return np.bincount(idx, minlength=k)


def binned_counts(trains: Any, t_start: Any, t_stop: Any, bin_size: Any, *, unit: Any = None) -> np.ndarray:
    """Spike counts per train and bin, ``[N, K]`` (int64), ``K = (t_stop - t_start) / bin_size``.

    Example:
        >>> binned_counts([[0.5, 1.5, 1.7] * u.ms, [] * u.ms], 0 * u.ms, 2 * u.ms, 1 * u.ms)
        array([[1, 2],
               [0, 0]])
    """
    edges = bin_edges(t_start, t_stop, bin_size, unit=unit)
    tr = spike_trains(trains, unit=unit, sort=True)
    w, k = edges[1] - edges[0], len(edges) - 1
    out = np.zeros((len(tr), k), dtype=np.int64)
    for i, t in enumerate(tr):
        out[i] = _counts(t, edges[0], w, k)
    return out


def count_in_window(train: np.ndarray, a: float, b: float) -> int:
    """Spikes of a normalised train (ms) in the closed window ``[a, b]`` (ms)."""
    return int(_counts(train, a, b - a, 1)[0])

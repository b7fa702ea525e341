"""Host-side schedules of time-varying generators and the per-chunk input the scan reads.

* ``step_current_generator`` (NEST): ``amplitude_times`` / ``amplitude_values``; the current
  is ``amplitude_values[i]`` from the step whose end is ``amplitude_times[i]`` on, i.e. the
  generator sends value ``i`` in the steps ``t >= amplitude_times[i]/dt - 1`` (NEST changes
  the amplitude "one step ahead"), and only while active (the ``dc_generator`` window).
* ``inhomogeneous_poisson_generator`` (NEST): ``rate_times`` / ``rate_values`` with the same
  rule: the Poisson count drawn in step ``t`` (spike stamp ``(t+1) dt``) uses the rate of the
  last change time ``<= (t+1) dt``; so a spike stamped exactly at a change time already
  has the new rate.
* ``timed_current`` (Brian2's ``TimedArray``, not a NEST model): ``values`` [T] or
  [T, n_targets] in pA with the table step ``dt`` (alias ``interval``; default the
  resolution). The generator sends ``values[floor(t_k / dt_table)]`` in step ``k``
  (``t_k = k dt``); after the end of the table the last value is held (as TimedArray does).
  With a 2-D table, column ``j`` drives the ``j``-th node of the ``post`` collection of each
  ``connect`` call (so ``len(post)`` must equal ``n_targets``).

Every connection from such a device adds ``weight x value(k - delay)`` to the target's input
current in step ``k`` (weights are dimensionless factors, as for ``dc_generator``). The values
of the current devices are computed here, per chunk, as the dense ``[L, n_columns]`` array
that the scan reads as ``xs`` (one column per device, table column and delay); they do not
depend on how a run is chunked.

Example:
    >>> sg = sim.create("step_current_generator", params={
    ...     "amplitude_times": [10.0, 20.0] * u.ms, "amplitude_values": [300.0, -50.0] * u.pA})
    >>> tc = sim.create("timed_current", params={"values": np.sin(np.arange(100) / 10) * 200 * u.pA,
    ...                                          "dt": 1 * u.ms})
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..units import TIC, SncoreError, to_canonical

__all__ = ["Columns", "StepSchedule", "TimedTable", "step_schedule", "timed_table"]


@dataclass(frozen=True, eq=False)
class StepSchedule:
    """A piecewise constant value: ``values[i]`` from generator step ``change[i]`` on, 0 before."""

    change: np.ndarray   # int64, strictly increasing
    values: np.ndarray   # float

    def index(self, t: np.ndarray) -> np.ndarray:
        """Which value holds in generator step ``t``: ``-1`` (before the first change) .. m-1."""
        return np.searchsorted(self.change, t, side="right") - 1

    def at(self, t: np.ndarray, j: int = 0) -> np.ndarray:
        i = self.index(t)
        if self.values.size == 0:
            return np.zeros(np.shape(t))
        return np.where(i >= 0, self.values[np.maximum(i, 0)], 0.0)


@dataclass(frozen=True, eq=False)
class TimedTable:
    """``values[floor(t dt / dt_table), j]``, the last row held after the end, 0 for ``t < 0``."""

    values: np.ndarray   # [T, m]
    ratio: float         # dt_table / dt

    def at(self, t: np.ndarray, j: int = 0) -> np.ndarray:
        t = np.asarray(t)
        idx = np.floor(t / self.ratio + 1e-9).astype(np.int64)
        idx = np.clip(idx, 0, self.values.shape[0] - 1)
        return np.where(t >= 0, self.values[idx, j], 0.0)


def _grid_steps(raw: np.ndarray, name: str, owner: str, dt: float, offgrid: bool) -> np.ndarray:
    """NEST's rule for change times: > 0, on the dt grid (or, with ``allow_offgrid_times``,
    moved up to the end of the step that contains them), strictly increasing after that."""
    if not np.all(np.isfinite(raw)):
        raise SncoreError(f"{owner} parameter {name!r} must be finite, got {raw.tolist()}.")
    if raw.size and raw.min() <= 0:
        raise SncoreError(f"{owner} parameter {name!r} contains {float(raw.min()):g} ms; "
                          "allowed: times > 0 ms.")
    m = raw / dt
    on_grid = np.abs(m - np.round(m)) * dt < TIC / 2
    if not offgrid and not on_grid.all():
        bad = raw[~on_grid][0]
        raise SncoreError(f"{owner} parameter {name!r} contains {float(bad):g} ms, which is not a "
                          f"multiple of dt = {dt} ms; allowed: grid times, or pass "
                          "allow_offgrid_times=True to move times up to the end of their step.")
    steps = np.where(on_grid, np.round(m), np.ceil(m)).astype(np.int64)
    if np.any(np.diff(steps) <= 0):
        i = int(np.nonzero(np.diff(steps) <= 0)[0][0])
        raise SncoreError(f"{owner} parameter {name!r} must be strictly increasing (after moving "
                          f"to the grid), got {float(raw[i]):g} ms followed by {float(raw[i + 1]):g} ms.")
    return steps


def step_schedule(owner: str, other: dict, dt: float, times_name: str, values_name: str,
                  unit: str) -> StepSchedule:
    """Validated :class:`StepSchedule` of a step_current_generator (``amplitude_*``, pA) or an
    inhomogeneous_poisson_generator (``rate_*``, Hz, rates >= 0)."""
    has_t, has_v = times_name in other, values_name in other
    if has_t != has_v:
        given, missing = (times_name, values_name) if has_t else (values_name, times_name)
        raise SncoreError(f"{owner}: {given!r} given without {missing!r}; allowed: both or neither.")
    raw = np.zeros(0)
    vals = np.zeros(0)
    if has_t:
        raw = np.asarray(to_canonical(other[times_name], "ms", times_name, owner=owner), float).reshape(-1)
        vals = np.asarray(to_canonical(other[values_name], unit, values_name, owner=owner), float).reshape(-1)
    if raw.size != vals.size:
        raise SncoreError(f"{owner}: {times_name!r} has {raw.size} entries and {values_name!r} has "
                          f"{vals.size}; allowed: the same number.")
    if not np.all(np.isfinite(vals)):
        raise SncoreError(f"{owner} parameter {values_name!r} must be finite, got {vals.tolist()}.")
    if unit == "Hz" and np.any(vals < 0):
        raise SncoreError(f"{owner} parameter {values_name!r} contains {float(vals.min()):g} Hz; "
                          "allowed: rates >= 0 Hz.")
    offgrid = other.get("allow_offgrid_times", False)
    if not isinstance(offgrid, (bool, np.bool_)):
        raise SncoreError(f"{owner} parameter 'allow_offgrid_times' must be True or False, got {offgrid!r}.")
    steps = _grid_steps(raw, times_name, owner, dt, bool(offgrid))
    return StepSchedule(steps - 1, vals)


def timed_table(other: dict, table_dt: float, dt: float) -> TimedTable:
    """Validated :class:`TimedTable` of a timed_current (``values`` [T] or [T, m] in pA)."""
    if "values" not in other:
        raise SncoreError("timed_current needs 'values': a pA Quantity array of shape [T] or "
                          "[T, n_targets], e.g. params={'values': np.zeros(100) * u.pA, 'dt': 1 * u.ms}.")
    vals = np.asarray(to_canonical(other["values"], "pA", "values", owner="timed_current"), float)
    if vals.ndim == 1:
        vals = vals[:, None]
    if vals.ndim != 2 or vals.shape[0] == 0:
        raise SncoreError(f"timed_current parameter 'values' must have shape [T] or [T, n_targets] "
                          f"with T >= 1, got shape {vals.shape}.")
    if not np.all(np.isfinite(vals)):
        raise SncoreError("timed_current parameter 'values' must be finite.")
    return TimedTable(vals, table_dt / dt)


class Columns:
    """The columns of the per-chunk current input: one per (schedule, table column, delay,
    window); :meth:`chunk` evaluates them for the target steps ``k0 .. k0+L-1``."""

    def __init__(self):
        self.cols: list[tuple] = []
        self._index: dict[tuple, int] = {}

    def __len__(self) -> int:
        return len(self.cols)

    def add(self, sched, j: int, delay: int, first: int, last: int) -> int:
        key = (id(sched), int(j), int(delay), int(first), int(last))
        if key not in self._index:
            self._index[key] = len(self.cols)
            self.cols.append((sched, int(j), int(delay), int(first), int(last)))
        return self._index[key]

    def chunk(self, k0: int, L: int, dtype) -> np.ndarray:
        out = np.zeros((L, len(self.cols)), dtype=dtype)
        k = np.arange(k0, k0 + L, dtype=np.int64)
        for c, (sched, j, d, first, last) in enumerate(self.cols):
            t = k - d
            out[:, c] = np.where((t >= first) & (t < last), sched.at(t, j), 0.0)
        return out

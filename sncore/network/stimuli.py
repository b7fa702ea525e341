"""Host-side schedules of spike generators: spike times -> (step, value) lists, and the
dense per-chunk input that the scan reads as ``xs``."""

from __future__ import annotations

import numpy as np

from ..units import TIC, SncoreError, to_canonical

__all__ = ["sg_chunk", "spike_generator_steps"]


def spike_generator_steps(other: dict, vals: dict, n: int, dt: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each of ``n`` spike generators, ``(steps, values)``: a spike at time ``t`` is emitted
    in step ``t/dt - 1`` (time stamp ``t``); ``value = weight x multiplicity`` scales the
    connection weight.

    Rules (NEST): times must be sorted; a time must lie on the dt grid unless
    ``allow_offgrid_times=True``, which moves it *up* to the next grid point; only spikes in
    ``(origin + start, origin + stop]`` are emitted; t <= 0 raises unless
    ``shift_now_spikes=True`` (then such spikes go out at t = dt).
    """
    times = other.get("spike_times", None)
    if times is None:
        raw = np.zeros(0)
    else:
        raw = to_canonical(times, "ms", "spike_times", owner="spike_generator").reshape(-1)
    if raw.size and np.any(np.diff(raw) < 0):
        raise SncoreError("spike_generator parameter 'spike_times' must be sorted in "
                          f"non-decreasing order, got {raw[:8].tolist()}...")
    if not np.all(np.isfinite(raw)):
        raise SncoreError("spike_generator parameter 'spike_times' must be finite.")
    m = raw / dt
    # NEST's tolerance: a time within half a tic (tic = 1 us) of the grid is on the grid
    on_grid = np.abs(m - np.round(m)) * dt < TIC / 2
    if other.get("precise_times", False):
        raise SncoreError("spike_generator: precise_times=True is not supported (sncore has no "
                          "precise-spike-time models); use allow_offgrid_times=True.")
    if not other.get("allow_offgrid_times", False) and not on_grid.all():
        bad = raw[~on_grid][0]
        raise SncoreError(f"spike_generator parameter 'spike_times' contains {float(bad):g} ms, which is "
                          f"not a multiple of dt = {dt} ms; allowed: grid times, or pass "
                          "allow_offgrid_times=True to move times up to the next grid point.")
    steps = np.where(on_grid, np.round(m), np.ceil(m)).astype(np.int64)
    if np.any(steps <= 0):
        if not other.get("shift_now_spikes", False):
            raise SncoreError("spike_generator parameter 'spike_times' must be > 0 ms, got "
                              f"{float(raw[steps <= 0][0]):g} ms; pass shift_now_spikes=True to move "
                              f"spikes at t = 0 to t = dt.")
        steps = np.maximum(steps, 1)
    w = np.ones(raw.size)
    if "spike_weights" in other and len(other["spike_weights"]):
        w = np.asarray(other["spike_weights"], float).reshape(-1)
        if w.size != raw.size:
            raise SncoreError(f"spike_generator: 'spike_weights' has {w.size} entries, "
                              f"'spike_times' has {raw.size}; they must match.")
    if "spike_multiplicities" in other and len(other["spike_multiplicities"]):
        mult = np.asarray(other["spike_multiplicities"], float).reshape(-1)
        if mult.size != raw.size:
            raise SncoreError(f"spike_generator: 'spike_multiplicities' has {mult.size} entries, "
                              f"'spike_times' has {raw.size}; they must match.")
        w = w * mult
    out = []
    for i in range(n):
        lo = np.round((vals["origin"][i] + vals["start"][i]) / dt)
        hi = (vals["origin"][i] + vals["stop"][i]) / dt
        keep = (steps > lo) & (steps <= hi) & (steps >= 1)
        out.append((steps[keep] - 1, w[keep]))
    return out


def sg_chunk(trains_by_offset: list[tuple[int, list]], n_sg: int, k0: int, L: int, dtype) -> np.ndarray:
    """Dense ``[L, n_sg]`` spike values of all spike generators for steps ``k0 .. k0+L-1``."""
    xs = np.zeros((L, n_sg), dtype=dtype)
    for offset, trains in trains_by_offset:
        for i, (steps, w) in enumerate(trains):
            sel = (steps >= k0) & (steps < k0 + L)
            np.add.at(xs, (steps[sel] - k0, offset + i), w[sel])
    return xs

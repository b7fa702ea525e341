"""Devices with NEST's names, parameters and defaults.

Generators (sources): ``poisson_generator``, ``dc_generator``, ``spike_generator``,
``step_current_generator``, ``noise_generator``, ``inhomogeneous_poisson_generator`` and the
Brian2-style ``timed_current`` (host-side schedules in :mod:`sncore.network.currents`).
Recorders: ``spike_recorder`` (connect neurons -> recorder), ``multimeter`` (connect
multimeter -> neurons).

Activity windows follow NEST (times relative to ``origin``):

* ``poisson_generator``: draws in the steps ``s < k <= e`` with ``s = (origin + start)/dt``,
  ``e = (origin + stop)/dt`` (NEST's ``is_active``; its spikes carry stamps in
  ``[start + 2 dt, stop + dt]``); a count drawn in step k reaches the target in step k + d;
* ``dc_generator``: sends in the steps ``s - 1 <= k <= e - 2``; with delay d and the
  neuron's one-step current lag the membrane first feels it in the sample stamped
  ``start + delay + dt`` (as NEST 3.10 does);
* ``spike_generator``: emits the spikes with ``origin + start < t <= origin + stop``;
  a spike at time ``t`` is emitted in step ``t/dt - 1`` (time stamp ``t``) and changes
  the target at ``t + delay``;
* ``step_current_generator``, ``noise_generator``: the ``dc_generator`` window (NEST's
  current generators); ``inhomogeneous_poisson_generator``: the ``poisson_generator`` window;
  ``timed_current`` has no window (its table defines the current at every step);
* ``spike_recorder``: records spikes with time stamp in ``(origin + start, origin + stop]``;
* ``multimeter``: samples the state at times ``t = m * interval + offset`` (``t > 0``)
  within ``(origin + start, origin + stop]``; the sample stamped ``t`` is the state after the
  step that ends at ``t``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..neurons import Param
from ..units import SncoreError, to_canonical

__all__ = ["CURRENT_DEVICES", "DEVICES", "SOURCE_DEVICES", "DeviceSpec", "device_params", "window_steps"]


@dataclass(frozen=True)
class DeviceSpec:
    name: str
    role: str                     # "generator" or "recorder"
    params: dict[str, Param]
    #: unit of the connection weight from this device ("model" = target's weight unit)
    weight_unit: str = "model"
    doc: str = ""


_WINDOW = {
    "start": Param(0.0, "ms", "nonneg", "activation time relative to origin"),
    "stop": Param(float("inf"), "ms", "nonneg", "deactivation time relative to origin"),
    "origin": Param(0.0, "ms", "nonneg", "time origin of start and stop"),
}

DEVICES: dict[str, DeviceSpec] = {
    "poisson_generator": DeviceSpec(
        "poisson_generator", "generator",
        {"rate": Param(0.0, "Hz", "nonneg", "mean firing rate"), **_WINDOW},
        doc="an independent Poisson spike train for every target connection"),
    "dc_generator": DeviceSpec(
        "dc_generator", "generator",
        {"amplitude": Param(0.0, "pA", doc="current amplitude"), **_WINDOW},
        weight_unit="1", doc="a constant current (weight: dimensionless factor)"),
    "spike_generator": DeviceSpec(
        "spike_generator", "generator", dict(_WINDOW),
        doc="spikes at given times (spike_times, spike_weights, spike_multiplicities)"),
    "step_current_generator": DeviceSpec(
        "step_current_generator", "generator", dict(_WINDOW), weight_unit="1",
        doc="a piecewise constant current (amplitude_times, amplitude_values; weight: factor)"),
    "noise_generator": DeviceSpec(
        "noise_generator", "generator",
        {"mean": Param(0.0, "pA", doc="mean current"),
         "std": Param(0.0, "pA", "nonneg", "standard deviation of the current"),
         "dt": Param(float("nan"), "ms", "strict", "interval between new draws (default 10 dt)"),
         "std_mod": Param(0.0, "pA", "nonneg", "modulation of the standard deviation"),
         "frequency": Param(0.0, "Hz", doc="frequency of the modulation"),
         "phase": Param(0.0, "1", doc="phase of the modulation (degrees)"), **_WINDOW},
        weight_unit="1", doc="a piecewise constant Gaussian current, independent per target"),
    "inhomogeneous_poisson_generator": DeviceSpec(
        "inhomogeneous_poisson_generator", "generator", dict(_WINDOW),
        doc="an independent Poisson train per target with a piecewise constant rate"),
    "timed_current": DeviceSpec(
        "timed_current", "generator",
        {"dt": Param(float("nan"), "ms", "strict", "time step of the table (default: the resolution)")},
        weight_unit="1", doc="a current read from a table (Brian2's TimedArray; not a NEST model)"),
    "spike_recorder": DeviceSpec("spike_recorder", "recorder", dict(_WINDOW)),
    "multimeter": DeviceSpec(
        "multimeter", "recorder",
        {"interval": Param(1.0, "ms", "strict", "sampling interval"),
         "offset": Param(0.0, "ms", "nonneg", "first sampling time"), **_WINDOW}),
}

_LIST_PARAMS = {
    "spike_generator": {"spike_times", "spike_weights", "spike_multiplicities",
                        "allow_offgrid_times", "precise_times", "shift_now_spikes"},
    "multimeter": {"record_from"},
    "step_current_generator": {"amplitude_times", "amplitude_values", "allow_offgrid_times"},
    "inhomogeneous_poisson_generator": {"rate_times", "rate_values", "allow_offgrid_times"},
    "timed_current": {"values", "interval"},
}

#: generators whose output is a current (weights are dimensionless factors)
CURRENT_DEVICES = ("dc_generator", "step_current_generator", "noise_generator", "timed_current")
#: generators connected to neurons without a ring buffer (the engine computes their input)
SOURCE_DEVICES = ("poisson_generator", "inhomogeneous_poisson_generator", *CURRENT_DEVICES)


def device_params(name: str, n: int, given: dict[str, Any], dt: float) -> tuple[dict, dict]:
    """Canonical numeric parameters ``[n]`` and the non-numeric ones (lists, flags)."""
    spec = DEVICES[name]
    if name == "timed_current" and "interval" in given:  # alias of the table's dt
        if "dt" in given:
            raise SncoreError("timed_current: give the table's time step once, as 'dt' or as 'interval'.")
        given = {**{k: v for k, v in given.items() if k != "interval"}, "dt": given["interval"]}
    extra_names = _LIST_PARAMS.get(name, set())
    unknown = set(given) - set(spec.params) - extra_names
    if unknown:
        allowed = sorted(set(spec.params) | extra_names)
        raise SncoreError(f"{name} has no parameter {sorted(unknown)[0]!r}; allowed: {allowed}.")
    vals: dict[str, np.ndarray] = {}
    for pname, p in spec.params.items():
        if pname == "dt" and pname not in given:  # noise_generator: 10 dt; timed_current: dt
            v = np.full(n, (10.0 if name == "noise_generator" else 1.0) * dt)
        elif pname in given:
            v = np.broadcast_to(to_canonical(given[pname], p.unit, pname, owner=name), (n,)).astype(float)
        else:
            v = np.full(n, p.default)
        if p.positive == "strict" and np.any(~(v > 0)):
            raise SncoreError(f"{name} parameter {pname!r} must be > 0 {p.unit}, got {float(v.min()):g} {p.unit}.")
        if p.positive == "nonneg" and np.any(~(v >= 0)):
            raise SncoreError(f"{name} parameter {pname!r} must be >= 0 {p.unit}, got {float(v.min()):g} {p.unit}.")
        vals[pname] = v
    if "stop" in vals and np.any(vals["stop"] < vals["start"]):
        raise SncoreError(f"{name}: 'stop' must be >= 'start', got start={float(vals['start'].max()):g} ms, "
                          f"stop={float(vals['stop'].min()):g} ms.")
    for key in ("interval", "dt"):
        if key in vals and name != "timed_current":
            ratio = vals[key] / dt
            if np.any(np.abs(ratio - np.round(ratio)) > 1e-9 * ratio):
                raise SncoreError(f"{name} parameter {key!r} must be a multiple of dt = {dt} ms, "
                                  f"got {float(vals[key][0]):g} ms.")
    if name == "noise_generator" and np.any(vals["std_mod"] > vals["std"]):
        raise SncoreError(f"noise_generator parameter 'std_mod' must be <= 'std', got std_mod = "
                          f"{float(vals['std_mod'].max()):g} pA, std = {float(vals['std'].min()):g} pA.")
    other = {k: v for k, v in given.items() if k in extra_names}
    return vals, other


def window_steps(vals: dict[str, np.ndarray], dt: float, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """``(first, last)`` step bounds ``[first, last)`` of a generator's active steps (int32,
    saturating at 2**31 - 1: the step counter's range, so ``stop = inf`` never ends)."""
    shift = 1 if kind in ("poisson_generator", "inhomogeneous_poisson_generator") else -1
    lo = (vals["origin"] + vals["start"]) / dt
    hi = (vals["origin"] + vals["stop"]) / dt
    big = 2.0**31 - 1
    first = np.floor(np.minimum(lo, big) + 0.5).astype(np.int64)
    last = np.where(np.isfinite(hi), np.floor(np.minimum(hi, big) + 0.5), big).astype(np.int64)
    first = np.minimum(first + shift, big)
    last = np.where(last >= big, big, np.minimum(last + shift, big))
    return first.astype(np.int32), last.astype(np.int32)

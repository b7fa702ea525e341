"""Monitors of the object API: a ``spike_recorder`` or a ``multimeter`` read back like Brian2.

Every ``Network.run`` appends its recordings, so a monitor holds the whole history:

* :class:`SpikeMonitor`: ``mon.t`` (Quantity, ms) and ``mon.i`` (index of the neuron within the
  monitored selection, 0-based) sorted by time, then index; ``mon.spikes == (mon.t, mon.i)``;
  ``mon.count`` spikes per neuron; ``mon.rates`` per-neuron rates (Hz) over all runs so far,
  ``mon.rate`` their mean; ``mon.spike_trains()`` ``{i: times}``; ``mon.senders`` the
  Simulator's global ids.
* :class:`StateMonitor`: ``mon.t`` (ms, ``[T]``) and one attribute per variable, ``mon.V_m``
  a Quantity ``[n, T]`` (row ``j`` = neuron ``j`` of the selection, as Brian2's ``mon.v``).

Times follow NEST, not Brian2: a spike emitted in the step ``(t - dt, t]`` is stamped ``t`` (Brian2
stamps ``t - dt``), and the sample stamped ``t`` is the state after that step (Brian2 records the
state at the start of a step, starting at 0). StateMonitor's ``interval`` defaults to every step
(Brian2's default; NEST's multimeter default is 1 ms).

Example:
    >>> mon = SpikeMonitor(E[:50]); vm = StateMonitor(E[:3], "V_m")
    >>> net = Network(E, ..., mon, vm); net.run(100 * u.ms)
    >>> mon.t[:5], mon.i[:5], vm.V_m.shape      # (.., .., (3, 1000))
"""

from __future__ import annotations

from typing import Any

import brainunit as u
import numpy as np

from ..neurons import MODELS
from ..units import SncoreError, to_canonical, to_quantity
from .nodes import Nodes

__all__ = ["SpikeMonitor", "StateMonitor"]


def _source(value: Any, owner: str) -> Nodes:
    if isinstance(value, Nodes) and len(value):
        return value
    what = "an empty selection" if isinstance(value, Nodes) else f"a {type(value).__name__}"
    raise SncoreError(f"{owner} records a Population or a selection of one (pop, pop[:50], e + i), got {what}: "
                      f"{value!r}. Projections and inputs are not recordable; record their targets.")


def _local_index(gids: np.ndarray, senders: np.ndarray) -> np.ndarray:
    order = np.argsort(gids, kind="stable")
    return order[np.searchsorted(gids[order], senders)]


class SpikeMonitor:
    """Spikes of a Population or selection (Brian2's ``SpikeMonitor``; a NEST spike_recorder)."""

    def __init__(self, source: Nodes, name: str | None = None):
        self.source = _source(source, "SpikeMonitor")
        self.name = name or f"SpikeMonitor({self.source!r})"
        self.network = None
        self.recorder = None
        self._gids = None
        self._t: list[np.ndarray] = []
        self._i: list[np.ndarray] = []
        self._s: list[np.ndarray] = []
        self._duration = 0.0  # ms recorded (all runs)

    def __repr__(self) -> str:
        return self.name

    def _targets(self) -> tuple[Nodes, ...]:
        return (self.source,)

    def _build(self, sim, nodes_of) -> None:
        nodes = self.source.collection(nodes_of)
        self.recorder = sim.create("spike_recorder")
        sim.connect(nodes, self.recorder)
        self._gids = nodes.global_ids

    def _collect(self, res) -> None:
        t, s = res.spikes(self.recorder)
        self._t.append(np.asarray(t.to_decimal(u.ms)))
        self._s.append(s)
        self._i.append(_local_index(self._gids, s))
        self._duration += res.t_stop - res.t_start

    @property
    def t(self) -> Any:
        """Spike times (Quantity, ms), sorted by time, then neuron."""
        return to_quantity(np.concatenate(self._t) if self._t else np.zeros(0), "ms")

    @property
    def i(self) -> np.ndarray:
        """Index of the spiking neuron within the monitored selection."""
        return np.concatenate(self._i) if self._i else np.zeros(0, np.int64)

    @property
    def senders(self) -> np.ndarray:
        """Global ids of the spiking neurons (the Simulator face's ``senders``)."""
        return np.concatenate(self._s) if self._s else np.zeros(0, np.int64)

    @property
    def spikes(self) -> tuple[Any, np.ndarray]:
        """``(t, i)``."""
        return self.t, self.i

    @property
    def num_spikes(self) -> int:
        return int(sum(len(x) for x in self._i))

    @property
    def count(self) -> np.ndarray:
        """Spikes per neuron of the selection."""
        return np.bincount(self.i, minlength=len(self.source))

    @property
    def rates(self) -> Any:
        """Per-neuron firing rates (Hz) over everything run so far."""
        T = self._duration
        if T <= 0:
            raise SncoreError(f"{self!r}: rates are defined after a Network.run() of nonzero duration.")
        return to_quantity(self.count / (T * 1e-3), "Hz")

    @property
    def rate(self) -> Any:
        """Mean firing rate (Hz) of the selection."""
        return u.math.mean(self.rates)

    def spike_trains(self) -> dict[int, Any]:
        """``{i: spike times (Quantity, ms)}`` for every neuron of the selection."""
        t, i = np.concatenate(self._t) if self._t else np.zeros(0), self.i
        return {j: to_quantity(t[i == j], "ms") for j in range(len(self.source))}


class StateMonitor:
    """State variables of a Population or selection (Brian2's ``StateMonitor``; a NEST multimeter).

    Args:
        source: Population or selection.
        variables: a name or a list of names (``"V_m"``, ...; the model's recordables).
        interval: sampling interval (Quantity, a multiple of dt; default every step).
    """

    def __init__(self, source: Nodes, variables: Any = "V_m", interval: Any = None, name: str | None = None):
        self.source = _source(source, "StateMonitor")
        names = [variables] if isinstance(variables, str) else list(variables)
        if not names or not all(isinstance(v, str) for v in names):
            raise SncoreError(f"StateMonitor parameter 'variables' must be a name or a list of names, "
                              f"got {variables!r}.")
        for pop in self.source.populations:
            allowed = MODELS[pop.model].recordables()
            bad = [v for v in names if v not in allowed]
            if bad:
                raise SncoreError(f"StateMonitor: {pop.model} ({pop.name!r}) has no variable {bad[0]!r} to "
                                  f"record; allowed: {list(allowed)}.")
        if interval is not None:
            to_canonical(interval, "ms", "interval", owner="StateMonitor")
        self.variables, self.interval = tuple(names), interval
        self.name = name or f"StateMonitor({self.source!r}, {list(names)})"
        self.network = None
        self.meter = None
        self._gids = None
        self._units: dict[str, str] = {}
        self._t: list[np.ndarray] = []
        self._v: dict[str, list[np.ndarray]] = {v: [] for v in names}

    def __repr__(self) -> str:
        return self.name

    def _targets(self) -> tuple[Nodes, ...]:
        return (self.source,)

    def _build(self, sim, nodes_of) -> None:
        nodes = self.source.collection(nodes_of)
        interval = sim.dt * u.ms if self.interval is None else self.interval
        self.meter = sim.create("multimeter", params={"record_from": list(self.variables), "interval": interval})
        sim.connect(self.meter, nodes)
        self._gids = nodes.global_ids
        for v in self.variables:
            cls = MODELS[self.source.populations[0].model]
            self._units[v] = {**cls.STATES, **cls.DERIVED}[v].unit

    def _collect(self, res) -> None:
        ev = res.meters[self.meter.groups[0].index]
        times = np.unique(ev["times"])
        row = np.searchsorted(times, ev["times"])
        col = _local_index(self._gids, ev["senders"])
        self._t.append(times)
        for v in self.variables:
            a = np.full((len(self._gids), len(times)), np.nan)
            a[col, row] = ev[v]
            self._v[v].append(a)

    @property
    def t(self) -> Any:
        """Sample times (Quantity, ms)."""
        return to_quantity(np.concatenate(self._t) if self._t else np.zeros(0), "ms")

    def get(self, var: str) -> Any:
        """Samples of ``var``: Quantity ``[n_neurons, T]``."""
        if var not in self._v:
            raise SncoreError(f"{self!r} records {list(self.variables)}, not {var!r}.")
        parts = self._v[var]
        a = np.concatenate(parts, axis=1) if parts else np.zeros((len(self.source), 0))
        return to_quantity(a, self._units.get(var, "1"))

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("_") and name in self.__dict__.get("_v", {}):
            return self.get(name)
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}"
                             + (f"; recorded variables: {list(self.__dict__['_v'])}" if "_v" in self.__dict__ else ""))

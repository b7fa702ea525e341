"""What a ``simulate`` call returns: rates, recorded spikes and multimeter samples."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import brainunit as u
import numpy as np

from ..units import SncoreError, to_quantity
from .nodes import NodeCollection

__all__ = ["Result"]


@dataclass
class Result:
    """Recordings of one ``simulate`` call (times ``[t_start, t_stop)`` in ms).

    Attributes:
        t_start, t_stop: simulated interval (ms, plain floats).
        counts: spike count per neuron and model block during the interval.
        recorders: per spike_recorder group index, ``(times_ms, senders)``.
        meters: per multimeter group index, ``{"times", "senders", var: ...}`` (NEST layout).
        capacity_retries: how often a chunk was re-run with a larger event capacity.
    """

    t_start: float
    t_stop: float
    counts: dict[str, np.ndarray]
    recorders: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    meters: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    units: dict[int, dict[str, str]] = field(default_factory=dict)
    capacity_retries: int = 0
    compile_s: float = 0.0
    run_s: float = 0.0

    @property
    def duration(self):
        return (self.t_stop - self.t_start) * u.ms

    def rate(self, nodes: NodeCollection) -> Any:
        """Mean firing rate (Hz) over the neurons of ``nodes`` during this call."""
        return u.math.mean(self.rates(nodes)) if len(nodes) else 0.0 * u.Hz

    def rates(self, nodes: NodeCollection) -> Any:
        """Per-neuron firing rates (Hz) of ``nodes`` during this call, in collection order."""
        if nodes.kind != "neuron":
            raise SncoreError(f"rate() takes neurons, got a collection of {nodes.kind!r} nodes.")
        T = (self.t_stop - self.t_start) * 1e-3
        if T <= 0:
            raise SncoreError("rate() is undefined for a simulate() call of zero duration.")
        c = np.concatenate([self.counts[g.block][g.offset + p] for g, p in nodes.parts])
        return to_quantity(c / T, "Hz")

    def _group(self, dev: NodeCollection, table: dict, kind: str):
        if not isinstance(dev, NodeCollection) or len(dev.groups) != 1 or dev.kind != kind:
            raise SncoreError(f"expected a {kind} created with sim.create({kind!r}), got {dev!r}.")
        return table[dev.groups[0].index]

    def spikes(self, recorder: NodeCollection):
        """``(times, senders)`` recorded by a spike_recorder: times (Quantity, ms; the end
        of the step in which the spike was emitted) and global sender ids, sorted by time,
        then sender."""
        t, s = self._group(recorder, self.recorders, "spike_recorder")
        return to_quantity(t, "ms"), s

    def events(self, device: NodeCollection) -> dict[str, Any]:
        """NEST-style events dict of a spike_recorder or multimeter (Quantities with units)."""
        g = device.groups[0] if isinstance(device, NodeCollection) and device.groups else None
        if g is not None and g.kind == "spike_recorder":
            t, s = self.spikes(device)
            return {"times": t, "senders": s}
        ev = self._group(device, self.meters, "multimeter")
        units = self.units.get(g.index, {})
        return {k: (v if k == "senders" else to_quantity(v, units.get(k, "ms")))
                for k, v in ev.items()}

    def traces(self, meter: NodeCollection) -> dict[str, Any]:
        """Multimeter samples as ``{"times": [T], var: [T, n]}`` (one column per neuron)."""
        ev = self._group(meter, self.meters, "multimeter")
        n = len(np.unique(ev["senders"])) if len(ev["senders"]) else 1
        units = self.units.get(meter.groups[0].index, {})
        out = {"times": to_quantity(ev["times"][::n], "ms")}
        for k, v in ev.items():
            if k not in ("times", "senders"):
                out[k] = to_quantity(v.reshape(-1, n), units.get(k, "1"))
        return out

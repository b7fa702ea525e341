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
        capacity_retries: how often a chunk was re-run with a larger event capacity (or, for
            procedural connectivity, a larger row capacity).
        fixed_point: for ``simulate(..., fixed_point=...)``: quantisation, membranes, coverage
            and accuracy report (:mod:`sncore.hdl.fixed`); None for float runs.
        connectivity: per ``connect`` call index (``Synapses.call``) the mode that ran:
            ``"procedural"`` (regenerated rows, 0 bytes per synapse), ``"event-ell"``,
            ``"event-csr"``, ``"dense"``, ``"bcoo"``, ``"plastic"`` or ``"device"``.
        event_kernel: ``"native"`` when the event projections ran the native CPU kernel
            (:mod:`sncore.native`, bit-identical), ``"xla"`` otherwise (``Simulator(kernels=)``).
    """

    t_start: float
    t_stop: float
    counts: dict[str, np.ndarray]
    recorders: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    meters: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    units: dict[int, dict[str, str]] = field(default_factory=dict)
    capacity_retries: int = 0
    connectivity: dict[int, str] = field(default_factory=dict)
    compile_s: float = 0.0
    run_s: float = 0.0
    event_kernel: str = "xla"
    #: fixed-point runs only (``simulate(..., fixed_point=...)``, :mod:`sncore.hdl.fixed`)
    fixed_point: dict[str, Any] | None = None

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

    # ------------------------------------------------------------------ plotting
    def _recorded(self, rec: NodeCollection) -> list[tuple[str, np.ndarray]]:
        """Default groups of a spike_recorder: one group of every neuron connected to it."""
        self._group(rec, self.recorders, "spike_recorder")
        srcs = rec.groups[0].extra.get("sources", [])
        ids = np.unique(np.concatenate([c.global_ids for c in srcs])) if srcs else np.zeros(0, np.int64)
        return [("spikes", ids)]

    def plot_raster(self, rec: NodeCollection, ax: Any = None, groups: Any = None, **kw: Any) -> Any:
        """Raster of a spike_recorder's spikes (:func:`sncore.plot.raster`); returns the Axes.

        Args:
            rec: the spike_recorder.
            ax: matplotlib Axes, or None for a new figure.
            groups: ``[(label, ids), ...]`` or ``{label: ids}`` (NodeCollections or global ids)
                to colour populations; default one group of every recorded neuron (silent ones
                keep their empty row).
            **kw: passed to :func:`sncore.plot.raster` (``colors``, ``ms``, ``legend``).

        Example:
            >>> ax = res.plot_raster(rec, groups={"E": ne[:50], "I": ni[:50]})
        """
        from ..plot import raster

        t, s = self.spikes(rec)
        ax = raster(ax, t, s, groups if groups else self._recorded(rec), **kw)
        ax.set_xlim(self.t_start, self.t_stop)
        return ax

    def plot_rates(self, rec: NodeCollection, ax: Any = None, groups: Any = None, bin_size: Any = 5 * u.ms, *,
                   kernel: str | None = None, width: Any = None, **kw: Any) -> Any:
        """Population rates over ``[t_start, t_stop]`` of this call (:func:`sncore.plot.rates`).

        Args:
            rec: the spike_recorder.
            ax: Axes or None.
            groups: populations as in :meth:`plot_raster` (default every recorded neuron).
            bin_size: bin width (time; must divide the simulated interval).
            kernel, width: optional smoothing (``"gaussian"``, ... and a time).
            **kw: passed to :func:`sncore.plot.rates` (``legend``).

        Example:
            >>> ax = res.plot_rates(rec, groups={"E": ne[:50]}, kernel="gaussian", width=5 * u.ms)
        """
        from ..plot import rates

        t, s = self.spikes(rec)
        return rates(ax, t, s, groups if groups else self._recorded(rec), self.t_start * u.ms,
                     self.t_stop * u.ms, bin_size, kernel=kernel, width=width, **kw)

    def plot_traces(self, meter: NodeCollection, var: str = "V_m", ax: Any = None, **kw: Any) -> Any:
        """A multimeter's ``var``, one line per neuron (:func:`sncore.plot.traces`).

        Args:
            meter: the multimeter.
            var: recorded variable; an unknown name raises an error listing the recorded ones.
            ax: Axes or None.
            **kw: passed to :func:`sncore.plot.traces` (``senders``, ``threshold``, ``legend``).

        Example:
            >>> ax = res.plot_traces(mm, "V_m", threshold=20 * u.mV)
        """
        from ..plot import traces

        return traces(ax, self.events(meter), var, **kw)

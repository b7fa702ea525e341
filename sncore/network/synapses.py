"""The handle a ``connect`` call returns: :class:`Synapses` (NEST's SynapseCollection, reduced)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import jax.numpy as jnp
import numpy as np

from ..units import SncoreError
from .engine import SG

if TYPE_CHECKING:
    from .simulator import Simulator

__all__ = ["Synapses", "global_ids", "unit_of"]


class Synapses:
    """The connections made by one ``connect`` call (NEST's SynapseCollection, reduced).

    ``get(name)`` returns a per-connection array in the order of the rule's pairs:
    ``"weight"`` (Quantity; the current value for plastic synapses), ``"delay"`` (ms),
    ``"source"`` / ``"target"`` (global ids), or a per-synapse state variable of the synapse
    model (e.g. ``"u"``, ``"x"``). For ``path="procedural"`` the synapses are regenerated on
    demand (bit-identical to those delivered). They are ordered by source, then row slot.
    ``set(plasticity=False)`` stops (``True`` resumes) long-term weight changes between
    ``simulate()`` calls; traces and short-term state keep evolving.
    """

    def __init__(self, sim: Simulator, call: int, n: int | None, weight_unit: str, model):
        self.sim, self.call, self._n, self.weight_unit, self.model = sim, call, n, weight_unit, model
        self._proc = next((pc for pc in sim.procedural if pc.call == call), None)
        self._cache = None

    @property
    def n(self) -> int:
        """Number of connections (for ``path="procedural"``: counted by regenerating them)."""
        if self._n is None:
            self._n = len(self._materialised()[0])
        return self._n

    def __len__(self) -> int:
        return self.n

    @property
    def mode(self) -> str:
        """How these connections are propagated: ``"procedural"`` (regenerated, 0 bytes per synapse),
        ``"event-ell"``, ``"event-csr"``, ``"dense"``, ``"bcoo"``, ``"plastic"`` or ``"device"``
        (several, joined by ``+``, when the call spans model blocks); stored modes are known once
        the network is built (after the first ``simulate``)."""
        if self._proc is not None:
            return "procedural"
        if self.sim.engine is None:
            raise SncoreError("Synapses.mode: the network is not built yet; call simulate() first.")
        return self.sim.engine.modes.get(self.call, "device")

    def _materialised(self):
        """``(i_pre, i_post, w, d_steps)`` of a procedural call, regenerated once and cached."""
        if self._cache is None:
            from ..conn.procedural import materialise

            pc = self._proc
            self._cache = materialise(pc, jnp.asarray(pc.w_par, self.sim.dtype), self.sim.dtype)
        return self._cache

    def __repr__(self) -> str:
        kind = self.model.NAME if self.model is not None else "static_synapse"
        return f"Synapses({self.n} x {kind})"

    def _conns(self):
        return [c for c in self.sim.connections if c.call == self.call]

    def get(self, name: str = "weight"):
        import brainunit as u

        if self._proc is not None:
            return self._get_procedural(name)
        out = np.zeros(self.n)
        if name in ("source", "target"):
            out = np.zeros(self.n, np.int64)
            for c in self._conns():
                out[c.index] = global_ids(self.sim, c.src_block if name == "source" else c.tgt_block,
                                           c.src if name == "source" else c.tgt, c.device)
            return out
        if name == "delay":
            for c in self._conns():
                out[c.index] = c.delay * self.sim.dt
            return out * u.ms
        eng = self.sim.engine
        plans = [] if eng is None else [(i, pp) for i, pp in enumerate(eng.plastic) if pp.call == self.call]
        state_names = set()
        if plans:
            state_names = {k for k, v in self.sim.state["plastic"][plans[0][0]].items()
                           if np.ndim(v) == 1 and v.shape[0] == len(plans[0][1].index)} - {"w", "w0", "last"}
        if name != "weight" and name not in state_names:
            allowed = ["weight", "delay", "source", "target", *sorted(state_names)]
            raise SncoreError(f"Synapses.get: unknown variable {name!r}; allowed: {allowed}.")
        if plans:
            for i, pp in plans:
                out[pp.index] = np.asarray(self.sim.state["plastic"][i]["w" if name == "weight" else name])
        else:
            for c in self._conns():
                out[c.index] = c.weight
        if name != "weight":
            return out
        return out * unit_of(self.weight_unit) if self.weight_unit != "1" else out

    def _get_procedural(self, name: str):
        import brainunit as u

        i_pre, i_post, w, d = self._materialised()
        pc = self._proc
        if name == "source":
            return global_ids(self.sim, pc.src_block, pc.src_pos[i_pre], None)
        if name == "target":
            return global_ids(self.sim, pc.tgt_block, pc.tgt_pos[i_post], None)
        if name == "delay":
            return np.asarray(d, float) * self.sim.dt * u.ms
        if name != "weight":
            raise SncoreError(f"Synapses.get: unknown variable {name!r}; allowed: ['weight', 'delay', 'source', "
                              "'target'].")
        w = np.asarray(w, float)
        return w * unit_of(self.weight_unit) if self.weight_unit != "1" else w

    def set(self, plasticity: bool) -> None:
        if self.model is None or not self.model.PLASTIC_WEIGHT:
            raise SncoreError(f"Synapses.set(plasticity=...) needs a long-term plastic synapse model, "
                              f"these are {self!r}.")
        if not isinstance(plasticity, bool):
            raise SncoreError(f"Synapses.set parameter 'plasticity' must be True or False, got {plasticity!r}.")
        self.sim._plasticity[self.call] = plasticity
        if self.sim.engine is not None:
            for i, pp in enumerate(self.sim.engine.plastic):
                if pp.call == self.call:
                    self.sim.params["plastic"][i]["on"] = jnp.asarray(float(plasticity), self.sim.dtype)


def global_ids(sim: Simulator, block: str, pos: np.ndarray, device) -> np.ndarray:
    """Global ids of block positions (or of a device's local indices)."""
    pos = np.asarray(pos, np.int64)
    if device is not None:
        return device.first_id + pos
    out = np.zeros(len(pos), np.int64)
    for g in sim.groups:
        if g.kind == "neuron" and g.block == block:
            off = g.offset
        elif g.kind == "spike_generator" and block == SG:
            off = g.extra["sg_offset"]
        else:
            continue
        m = (pos >= off) & (pos < off + g.n)
        out[m] = g.first_id + pos[m] - off
    return out


def unit_of(name):
    from ..units import UNITS

    return UNITS[name]



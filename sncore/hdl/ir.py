"""A small network description for lowering to hardware: :class:`NetworkIR`.

Float semantics (the reference the fixed-point model approximates; ``V`` is measured
relative to the resting potential, in mV, as NEST's ``iaf_psc_delta`` with delta synapses)::

    a_i(t)   = sum of the weights w (mV) of spikes arriving in step t   (emitted at t - d)
    refractory (r_i > 0):  V_i <- V_i,  r_i <- r_i - 1                  (arriving input discarded)
    otherwise:             V_i <- P33 V_i + a_i(t) + b_i,   P33 = exp(-dt / tau_m)
                           spike if V_i >= V_th (or > for compare=">");
                           on a spike V_i <- V_reset ("value") or V_i - V_th ("subtract"),
                           r_i <- t_ref steps

A spike of neuron ``j`` (or of input channel ``j``) emitted in step ``t`` with an integer delay
``d >= 1`` (steps) arrives in step ``t + d``.  ``b_i`` is a constant drive per step (mV; for
``iaf_psc_delta`` ``b = P30 I_e``).

============  ======================================================  ========
field         meaning                                                  unit
============  ======================================================  ========
dt            time step                                                ms
populations   :class:`Population` (LIF neurons, per-population params) -
projections   :class:`Projection` (sparse pairs, weight, delay)        mV, steps
inputs        :class:`InputStream` (spike trains ``[T, n]``) or            -
              :class:`~sncore.hdl.lfsr_inputs.LfsrInput` (Bernoulli
              channels from on-chip LFSRs)
============  ======================================================  ========

Example:
    >>> net = demo_network(seed=0)
    >>> net.n_neurons, net.n_inputs
    (24, 8)
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..units import SncoreError
from .lfsr_inputs import LfsrInput, poisson_inputs

__all__ = ["InputStream", "LfsrInput", "NetworkIR", "Population", "Projection", "demo_network", "from_simulator"]


@dataclasses.dataclass
class Population:
    """``n`` LIF neurons sharing parameters (potentials relative to rest, mV; times in ms)."""

    name: str
    n: int
    tau_m: float = 10.0
    v_th: float = 15.0
    v_reset: float = 0.0
    t_ref: float = 2.0
    bias: float = 0.0        # constant drive per step (mV)
    v_init: float | np.ndarray = 0.0


@dataclasses.dataclass
class InputStream:
    """``n`` input channels; ``spikes[t, k]`` is True when channel ``k`` spikes in step ``t``."""

    name: str
    spikes: np.ndarray

    @property
    def n(self) -> int:
        return int(np.asarray(self.spikes).shape[1])


@dataclasses.dataclass
class Projection:
    """Sparse connections ``src[c] -> tgt[c]`` (local indices) with ``weight`` (mV) and
    ``delay`` (integer steps >= 1). ``src_name`` names a population or an input stream."""

    src_name: str
    tgt_name: str
    src: np.ndarray
    tgt: np.ndarray
    weight: np.ndarray
    delay: np.ndarray


@dataclasses.dataclass
class NetworkIR:
    """Populations, projections and input streams on a time grid ``dt`` (ms)."""

    dt: float
    populations: list[Population]
    projections: list[Projection]
    inputs: list[InputStream] = dataclasses.field(default_factory=list)

    @property
    def n_neurons(self) -> int:
        return sum(p.n for p in self.populations)

    @property
    def n_inputs(self) -> int:
        return sum(s.n for s in self.inputs)

    def offsets(self) -> dict[str, int]:
        """Global source index of the first node of each population / input stream: neurons
        ``0 .. N-1`` in population order, then input channels ``N .. N+M-1``."""
        out, k = {}, 0
        for p in self.populations:
            out[p.name] = k
            k += p.n
        for s in self.inputs:
            out[s.name] = k
            k += s.n
        return out

    def validate(self) -> None:
        """Raise :class:`SncoreError` for inconsistent sizes, names, delays or weights."""
        if not (self.dt > 0 and math.isfinite(self.dt)):
            raise SncoreError(f"NetworkIR parameter 'dt' must be > 0 ms, got {self.dt!r}.")
        names = [p.name for p in self.populations] + [s.name for s in self.inputs]
        if len(set(names)) != len(names):
            raise SncoreError(f"NetworkIR: population / input names must be unique, got {names}.")
        if not self.populations:
            raise SncoreError("NetworkIR: at least one population is needed.")
        sizes = {p.name: p.n for p in self.populations} | {s.name: s.n for s in self.inputs}
        for s in self.inputs:
            if isinstance(s, LfsrInput):
                s.validate()
            elif np.asarray(s.spikes).ndim != 2:
                raise SncoreError(f"input {s.name!r}: 'spikes' must be [T, n], got shape {np.shape(s.spikes)}.")
        for p in self.populations:
            if p.n < 1 or p.tau_m <= 0 or p.t_ref < 0:
                raise SncoreError(f"population {p.name!r}: need n >= 1, tau_m > 0, t_ref >= 0; got "
                                  f"n={p.n}, tau_m={p.tau_m}, t_ref={p.t_ref}.")
        for j in self.projections:
            if j.tgt_name not in {p.name for p in self.populations}:
                raise SncoreError(f"projection target {j.tgt_name!r} is not a population; allowed: "
                                  f"{[p.name for p in self.populations]}.")
            if j.src_name not in sizes:
                raise SncoreError(f"projection source {j.src_name!r} is unknown; allowed: {names}.")
            n = len(j.src)
            if not (len(j.tgt) == len(j.weight) == len(j.delay) == n):
                raise SncoreError(f"projection {j.src_name}->{j.tgt_name}: src, tgt, weight, delay "
                                  "must have the same length.")
            if n and (np.min(j.src) < 0 or np.max(j.src) >= sizes[j.src_name] or np.min(j.tgt) < 0
                      or np.max(j.tgt) >= sizes[j.tgt_name]):
                raise SncoreError(f"projection {j.src_name}->{j.tgt_name}: indices out of range.")
            d = np.asarray(j.delay)
            if n and (np.any(d < 1) or np.any(d != np.round(d))):
                raise SncoreError(f"projection {j.src_name}->{j.tgt_name}: delays must be integer steps "
                                  f">= 1, got min {d.min()}.")
            if n and not np.all(np.isfinite(j.weight)):
                raise SncoreError(f"projection {j.src_name}->{j.tgt_name}: weights must be finite.")

    def stimulus(self, steps: int) -> np.ndarray:
        """Input spikes ``[steps, M]`` (bool): the streams concatenated, cut or zero-padded."""
        x = np.zeros((steps, max(self.n_inputs, 0)), bool)
        k = 0
        for s in self.inputs:
            sp = s.spikes(steps) if isinstance(s, LfsrInput) else np.asarray(s.spikes, bool)
            t = min(steps, sp.shape[0])
            x[:t, k:k + s.n] = sp[:t]
            k += s.n
        return x


def demo_network(seed: int = 0, steps: int = 2000, dt: float = 1.0) -> NetworkIR:
    """A random 3-population network (E, I, R) with sparse projections, delays 1..4 steps and
    8 Bernoulli input channels (p = 0.1 per step)."""
    rng = np.random.default_rng(seed)
    pops = [Population("E", 12, tau_m=16.0, v_th=15.0, v_reset=0.0, t_ref=2.0),
            Population("I", 6, tau_m=8.0, v_th=12.0, v_reset=0.0, t_ref=1.0),
            Population("R", 6, tau_m=4.0, v_th=10.0, v_reset=0.0, t_ref=0.0, bias=0.5)]
    inp = InputStream("X", np.random.default_rng([seed, 1]).random((steps, 8)) < 0.1)  # independent of steps

    def sparse(src, ns, tgt, nt, p, wlo, whi):
        m = rng.random((ns, nt)) < p
        s, t = np.nonzero(m)
        return Projection(src, tgt, s, t, rng.uniform(wlo, whi, len(s)), rng.integers(1, 5, len(s)))

    projs = [sparse("X", 8, "E", 12, 0.5, 4.0, 9.0), sparse("X", 8, "R", 6, 0.4, 2.0, 6.0),
             sparse("E", 12, "E", 12, 0.2, 0.5, 3.0), sparse("E", 12, "I", 6, 0.4, 2.0, 5.0),
             sparse("I", 6, "E", 12, 0.4, -8.0, -3.0), sparse("R", 6, "I", 6, 0.5, 1.0, 4.0),
             sparse("I", 6, "R", 6, 0.5, -6.0, -2.0)]
    return NetworkIR(dt=dt, populations=pops, projections=projs, inputs=[inp])


def from_simulator(sim, steps: int | None = None, *, lfsr_width: int = 24, p_max: float = 0.1,
                   split: bool = True, max_split: int = 64, lfsr_seed: int = 0) -> NetworkIR:
    """Convert a :class:`sncore.Simulator` of ``iaf_psc_delta`` neurons (delta synapses, weights
    in mV) driven by ``spike_generator`` s and ``poisson_generator`` s into a :class:`NetworkIR`.

    Every ``poisson_generator -> neuron`` connection element becomes ``S = ceil(rate dt / p_max)``
    independent Bernoulli channels of ``p = rate dt / S`` generated on chip by LFSRs of
    ``lfsr_width`` bits with distinct seeds drawn from ``lfsr_seed`` (an
    :class:`~sncore.hdl.lfsr_inputs.LfsrInput` per connection and target population; see
    :mod:`sncore.hdl.lfsr_inputs` for the approximation, ``split``, ``max_split``).  The trains
    are not NEST's or sncore's Poisson trains, only equal in distribution up to that approximation.

    ``P30 I_e`` becomes the per-step drive ``bias``; ``V_m - E_L`` the initial state; ``t_ref``
    is rounded up to whole steps as in NEST.  Recorders are ignored.  Anything else (other
    models, current generators, Poisson generators with a start/stop window, finite ``V_min``, plastic synapses, spike
    multiplicities) raises :class:`SncoreError`.
    """
    from ..network.engine import SG

    dt = float(sim.dt)
    pops, inputs, names = [], [], {}
    rng, taken = np.random.default_rng(lfsr_seed), set()
    for g in sim.groups:
        if g.kind == "neuron":
            if g.model != "iaf_psc_delta":
                raise SncoreError(f"hdl lowering: model {g.model!r} is not supported; allowed: 'iaf_psc_delta'.")
            P = g.params
            for k in ("tau_m", "V_th", "V_reset", "t_ref", "E_L", "C_m", "I_e"):
                if np.ptp(P[k]) != 0:
                    raise SncoreError(f"hdl lowering: parameter {k!r} must be uniform within a population.")
            if np.isfinite(P["V_min"]).any():
                raise SncoreError("hdl lowering: a finite V_min is not supported (the lower rail is the "
                                  "state format's minimum).")
            el, tau = float(P["E_L"][0]), float(P["tau_m"][0])
            p30 = -tau / float(P["C_m"][0]) * math.expm1(-dt / tau)
            name = f"pop{g.index}"
            names[g.index] = name
            pops.append(Population(name, g.n, tau_m=tau, v_th=float(P["V_th"][0]) - el,
                                   v_reset=float(P["V_reset"][0]) - el, t_ref=float(P["t_ref"][0]),
                                   bias=p30 * float(P["I_e"][0]), v_init=g.init["V_m"] - el))
        elif g.kind == "spike_generator":
            trains = g.extra["trains"]
            T = steps if steps is not None else max([int(s.max()) + 1 for s, _ in trains if len(s)] + [1])
            x = np.zeros((T, g.n), bool)
            for i, (s, w) in enumerate(trains):
                if np.any(w != 1):
                    raise SncoreError("hdl lowering: spike_generator weights/multiplicities != 1 are not supported.")
                x[s[s < T], i] = True
            names[g.index] = f"sg{g.index}"
            inputs.append(InputStream(f"sg{g.index}", x))
        elif g.kind not in ("spike_recorder", "multimeter", "poisson_generator"):
            raise SncoreError(f"hdl lowering: device {g.kind!r} is not supported; allowed: spike_generator "
                              "(deterministic inputs), poisson_generator (LFSR inputs), spike_recorder, multimeter.")
    if getattr(sim, "procedural", None):
        raise SncoreError("hdl lowering: procedural connectivity (path='procedural') is not supported; "
                          "connect with path='event' to lower a network.")
    projs = []
    for ci, c in enumerate(sim.connections):
        if c.synapse is not None:
            raise SncoreError("hdl lowering: plastic synapses are not supported.")
        tgt_groups = [g for g in sim.groups if g.kind == "neuron" and g.block == c.tgt_block]
        if c.device is not None and c.device.kind == "poisson_generator":
            for tg in tgt_groups:
                name = f"pg{c.device.index}_c{ci}_{names[tg.index]}"
                got = poisson_inputs(c, tg, dt, name, rng, taken, width=lfsr_width, p_max=p_max, split=split,
                                     max_split=max_split)
                if got is not None:
                    inputs.append(got[0])
                    projs.append(Projection(name, names[tg.index], *got[1]))
            continue
        if c.device is not None and c.device.kind != "spike_generator":
            raise SncoreError(f"hdl lowering: device {c.device.kind!r} is not supported.")
        for tg in tgt_groups:
            mt = (c.tgt >= tg.offset) & (c.tgt < tg.offset + tg.n)
            parts = []
            for sg in sim.groups:
                if sg.kind == "spike_generator" and c.src_block == SG:
                    off = sg.extra["sg_offset"]
                elif sg.kind == "neuron" and sg.block == c.src_block:
                    off = sg.offset
                else:
                    continue
                parts.append((sg, mt & (c.src >= off) & (c.src < off + sg.n), c.src - off))
            for sg, m, loc in parts:
                if m.any():
                    projs.append(Projection(names[sg.index], names[tg.index], loc[m], c.tgt[m] - tg.offset,
                                            np.asarray(c.weight[m], float), np.asarray(c.delay[m], int)))
    net = NetworkIR(dt=dt, populations=pops, projections=projs, inputs=inputs)
    net.validate()
    return net

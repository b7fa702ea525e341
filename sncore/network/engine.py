"""The compiled network: one step function and its one ``lax.scan``.

:class:`Engine` is built by the Simulator from its populations, projections and devices.
It owns a static *plan* (shapes, delays, which path each projection takes) and splits
everything that is a number into two pytrees:

* ``params`` — model parameters per block, synaptic weights, device amplitudes: traceable,
  so the run can be differentiated and ``vmap``-ped over parameter sets;
* ``state`` — neuron states per block, delay ring buffers ``[D, N]`` per block and
  receptor, spike counts, the step counter ``k`` and the random key.

One step ``k`` (see DESIGN.md, "One time step"):

1. per block: ``syn = ring[k mod D]`` (then cleared) + Poisson drive (homogeneous and
   inhomogeneous); ``current`` = active dc generators + noise generators + the scheduled
   currents (step_current_generator, timed_current) of step k; ``state, spike = vmap(model.step)``;
2. spike-generator spikes and scheduled currents for step k come in as the scan's ``xs``;
3. every projection delivers its source spikes into its target ring at ``(k + d) mod D``;
   connections with a synapse model (:mod:`sncore.conn.plasticity`) first update their
   weights and synaptic state from the spikes of step k, then transmit;
4. the step emits recorded spikes (bit-packed) and multimeter samples.

:meth:`Engine.run_chunk` runs ``n`` steps in one jitted ``lax.scan``; the Simulator calls it
chunk by chunk, moving outputs to the host in between.

On several devices (:mod:`sncore.dist`) every device runs this same step on its shard of each
block; the ``exchange`` hook all-gathers the spikes between 2. and 3. (and the multimeter
samples), and the plans' ``ctr`` / ``start`` fields keep the random counters global.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..conn.plasticity import SynapseModel, SynArrays, deliver_synapses
from ..conn.procedural import deliver_procedural
from ..conn.propagate import (
    NATIVE,
    EventSpec,
    deliver_bcoo,
    deliver_dense,
    deliver_event,
)
from ..neurons import Input, NeuronModel, vmap_init, vmap_step
from ..random import (
    normal_from_bits,
    poisson_from_bits,
    threefry2x32,
    uniform01,
    uniform_bits,
)

__all__ = [
    "BlockPlan",
    "CurrentPlan",
    "DrivePlan",
    "Engine",
    "InhomPlan",
    "MeterPlan",
    "NoisePlan",
    "PlasticPlan",
    "ProjPlan",
    "SchedPlan",
]

SG = "__spike_generators__"


@dataclass
class BlockPlan:
    name: str
    model: NeuronModel          # parameters as leaves of shape [n]
    n: int
    D: int                      # ring-buffer depth (max delay in steps, >= 1)
    n_receptors: int
    rec_pos: np.ndarray         # positions whose spikes are recorded
    init: dict = field(default_factory=dict)  # user-visible initial state, canonical [n]
    start: Any = 0              # global position of the first neuron (random counters; sncore.dist)


@dataclass
class ProjPlan:
    src: str                    # block name or SG
    tgt: str
    receptor: int
    path: str                   # "event", "dense", "bcoo" or "procedural"
    data: Any                   # CSR, DelayGroups, or (ProcData, weight parameters)
    spec: EventSpec | None = None
    src_sign: int = 0           # +1 / -1: only positive / negative source values (spike
                                # weights of spike generators onto sign-routed models)


@dataclass
class PlasticPlan:
    """A connection with a synapse model (plasticity): synapses in connection order."""

    src: str
    tgt: str
    receptor: int
    model: SynapseModel
    src_pos: np.ndarray
    tgt_pos: np.ndarray
    delay: np.ndarray           # steps
    weight: np.ndarray          # initial weights
    H: int                      # history depth of the rule
    call: int                   # connect-call index
    index: np.ndarray           # positions of these synapses in the call's connection list


@dataclass
class DrivePlan:
    """Poisson drive: connection c gives target ``pos[c]`` ``w[c]`` x Poisson(lam[c]) per step,
    in the steps ``k`` with ``first[c] <= k - delay[c] < last[c]``."""

    tgt: str
    receptor: int
    pos: np.ndarray
    w: np.ndarray
    delay: np.ndarray
    first: np.ndarray
    last: np.ndarray
    tables: list[tuple[np.ndarray, np.ndarray]]  # (connection indices, uint32 CDF table)
    stream: int
    contiguous: bool = False    # pos == arange(pos[0], pos[0] + len(pos))
    group: int = -1             # index of the poisson_generator's Group (sim.groups)
    src: np.ndarray | None = None  # generator-local index per connection
    ctr: Any = None             # random counter per connection (None: arange; sncore.dist)


@dataclass
class CurrentPlan:
    tgt: str
    pos: np.ndarray
    amp: np.ndarray             # amplitude x weight, pA
    delay: np.ndarray
    first: np.ndarray
    last: np.ndarray


@dataclass
class SchedPlan:
    """Scheduled currents: target ``pos[c]`` gets ``w[c] x xs["cur"][col[c]]`` in each step."""

    tgt: str
    pos: np.ndarray
    col: np.ndarray
    w: np.ndarray


@dataclass
class NoisePlan:
    """noise_generator: connection c gives ``w (mean + sigma z)``; ``z`` ~ N(0, 1) is drawn from
    the counter ``(m, c)`` with ``m = (t - a) // n_dt`` the draw index of generator step
    ``t = k - delay`` and ``a`` the first active step; ``sigma^2 = std^2 + sin(omega (t_m + 1)
    + phase) std_mod^2`` at the draw step ``t_m`` (omega in rad per step)."""

    tgt: str
    pos: np.ndarray
    delay: np.ndarray
    first: np.ndarray
    last: np.ndarray
    a: np.ndarray
    n_dt: np.ndarray
    omega: np.ndarray
    phase: np.ndarray
    p: dict                      # mean, std, std_mod, w: per connection
    stream: int
    ctr: Any = None              # random counter per connection (None: arange; sncore.dist)


@dataclass
class InhomPlan:
    """inhomogeneous_poisson_generator: Poisson counts with the table row of the rate that
    holds in generator step ``t = k - delay`` (row 0: before the first change, rate 0)."""

    tgt: str
    receptor: int
    pos: np.ndarray
    w: np.ndarray
    delay: np.ndarray
    first: np.ndarray
    last: np.ndarray
    change: np.ndarray           # generator steps of the rate changes
    tables: np.ndarray           # [R + 1, Lmax] uint32 CDF thresholds
    lens: np.ndarray             # [R + 1] valid entries per row
    stream: int
    ctr: Any = None              # random counter per connection (None: arange; sncore.dist)


@dataclass
class MeterPlan:
    block: str
    pos: np.ndarray
    variables: tuple[str, ...]
    interval: int               # steps
    offset: int                 # steps
    sel: Any = None             # rows of the exchanged samples in meter order (sncore.dist)


@dataclass(eq=False)
class Engine:
    dt: float
    dtype: Any
    blocks: dict[str, BlockPlan]
    projs: list[ProjPlan]
    drives: list[DrivePlan]
    currents: list[CurrentPlan]
    meters: list[MeterPlan]
    n_sg: int
    plastic: list[PlasticPlan] = field(default_factory=list)
    scheds: list[SchedPlan] = field(default_factory=list)
    noises: list[NoisePlan] = field(default_factory=list)
    inhoms: list[InhomPlan] = field(default_factory=list)
    columns: Any = None          # sncore.network.currents.Columns: host side of xs["cur"]
    # multi-device hook (sncore.dist): all_gather of a device's rows; None on one device
    exchange: Any = None
    modes: dict = field(default_factory=dict)  # connect-call index -> propagation mode

    # ----------------------------------------------------------------- pytrees
    def init_params(self) -> dict:
        """The traceable numbers of the network (see module docstring)."""
        f = lambda a: jnp.asarray(a, self.dtype)
        return {
            "models": {b: p.model for b, p in self.blocks.items()},
            "proj": [p.data if p.path != "procedural" else f(p.data[1]) for p in self.projs],
            "drive_w": [f(d.w) for d in self.drives],
            "dc_amp": [f(c.amp) for c in self.currents],
            "sched_w": [f(c.w) for c in self.scheds],
            "noise": [{k: f(v) for k, v in nz.p.items()} for nz in self.noises],
            "inhom_w": [f(d.w) for d in self.inhoms],
            "plastic": [{"p": pp.model.params(self.dtype), "on": jnp.ones((), self.dtype),
                         "syn": SynArrays(*(jnp.asarray(a, jnp.int32) for a in
                                            (pp.src_pos, pp.tgt_pos, pp.delay)))}
                        for pp in self.plastic],
        }

    def init_state(self, key: np.ndarray) -> dict:
        neurons = {}
        for b, p in self.blocks.items():
            st = vmap_init(p.model, p.n, self.dt)
            neurons[b] = st._replace(**{k: jnp.asarray(v, self.dtype) for k, v in p.init.items()})
        rings = {b: tuple(jnp.zeros((p.D, p.n), self.dtype) for _ in range(p.n_receptors))
                 for b, p in self.blocks.items()}
        counts = {b: jnp.zeros((p.n,), jnp.int32) for b, p in self.blocks.items()}
        plastic = [pp.model.init(pp.weight, self.blocks[pp.src].n, self.blocks[pp.tgt].n, pp.H,
                                 self.dtype) for pp in self.plastic]
        return {"neurons": neurons, "rings": rings, "counts": counts, "plastic": plastic,
                "k": jnp.zeros((), jnp.int32), "key": jnp.asarray(key, jnp.uint32)}

    # ----------------------------------------------------------------- one step
    def _inputs(self, params, state, k, x):
        syn, cur, rings = {}, {}, {}
        for b, p in self.blocks.items():
            slot = k % p.D
            syn[b] = [r[slot] for r in state["rings"][b]]
            rings[b] = list(state["rings"][b])
            cur[b] = None  # no current source writes this block (yet): see _add_current
        k_u = k.astype(jnp.uint32)
        tabs = params.get("drive_tab")  # compile(): CDF tables as parameters (sncore.network.batch)
        for i, d in enumerate(self.drives):
            key = threefry2x32(state["key"], jnp.uint32(d.stream), jnp.uint32(0x5EED))
            bits = uniform_bits(key, k_u, len(d.pos), d.ctr)
            counts = jnp.zeros((len(d.pos),), jnp.int32)
            if tabs is not None:
                tab, n_ok = tabs[i]["tab"], tabs[i]["len"]
                ok = jnp.arange(tab.shape[-1]) < n_ok[..., None]
                counts = jnp.sum((bits[:, None] >= tab) & ok, axis=-1, dtype=jnp.int32)
            for idx, table in d.tables if tabs is None else ():
                if len(idx) == len(d.pos):
                    counts = poisson_from_bits(bits, table)
                else:
                    counts = counts.at[idx].set(poisson_from_bits(bits[idx], table))
            t = k - jnp.asarray(d.delay)
            on = (t >= d.first) & (t < d.last)
            val = jnp.where(on, counts.astype(self.dtype) * params["drive_w"][i], 0)
            r = d.receptor
            if d.contiguous:
                syn[d.tgt][r] = syn[d.tgt][r].at[d.pos[0]:d.pos[0] + len(d.pos)].add(val)
            else:
                syn[d.tgt][r] = syn[d.tgt][r].at[d.pos].add(val)
        for i, c in enumerate(self.currents):
            t = k - jnp.asarray(c.delay)
            on = (t >= c.first) & (t < c.last)
            self._add_current(cur, c.tgt, c.pos, jnp.where(on, params["dc_amp"][i], 0))
        for i, c in enumerate(self.scheds):
            self._add_current(cur, c.tgt, c.pos, params["sched_w"][i] * x["cur"][c.col])
        for i, nz in enumerate(self.noises):
            self._add_current(cur, nz.tgt, nz.pos, self._noise(nz, params["noise"][i], state["key"], k))
        for i, d in enumerate(self.inhoms):
            key = threefry2x32(state["key"], jnp.uint32(d.stream), jnp.uint32(0x5EED))
            bits = uniform_bits(key, k_u, len(d.pos), d.ctr)
            t = k - jnp.asarray(d.delay)
            row = jnp.searchsorted(jnp.asarray(d.change), t, side="right")
            tab = jnp.asarray(d.tables)[row]
            ok = jnp.arange(d.tables.shape[1]) < jnp.asarray(d.lens)[row][..., None]
            counts = jnp.sum((bits[:, None] >= tab) & ok, axis=-1, dtype=jnp.int32)
            on = (t >= d.first) & (t < d.last)
            val = jnp.where(on, counts.astype(self.dtype) * params["inhom_w"][i], 0)
            syn[d.tgt][d.receptor] = syn[d.tgt][d.receptor].at[d.pos].add(val)
        return syn, cur, rings

    def _add_current(self, cur: dict, b, pos, val) -> None:
        """``cur[b][pos] += val``; ``cur[b]`` starts as zeros on the first write (None before:
        a block that no current source writes passes no current array through the loop)."""
        base = jnp.zeros((self.blocks[b].n,), self.dtype) if cur[b] is None else cur[b]
        cur[b] = base.at[pos].add(val)

    def _noise(self, nz: NoisePlan, P: dict, run_key, k):
        t = k - jnp.asarray(nz.delay)
        on = (t >= nz.first) & (t < nz.last)
        m = jnp.maximum(t - nz.a, 0) // nz.n_dt
        t_m = nz.a + m * nz.n_dt
        n = len(nz.pos)
        key = threefry2x32(run_key, jnp.uint32(nz.stream), jnp.uint32(0x401E))
        ctr = jnp.arange(n, dtype=jnp.uint32) if nz.ctr is None else jnp.asarray(nz.ctr, jnp.uint32)
        b0, b1 = threefry2x32(key, jnp.broadcast_to(m, (n,)).astype(jnp.uint32), ctr)
        z = normal_from_bits(b0, b1, self.dtype)
        y1 = jnp.sin(jnp.asarray(nz.omega, self.dtype) * (t_m + 1).astype(self.dtype) + nz.phase)
        var = P["std"] ** 2 + y1 * P["std_mod"] ** 2
        pos = var > 0  # sqrt with a finite gradient at std = 0
        sigma = jnp.where(pos, jnp.sqrt(jnp.where(pos, var, 1)), 0)
        return jnp.where(on, P["w"] * (P["mean"] + sigma * z), 0)

    def step(self, params, state, x, capacities, native: bool = False):
        """One step of the whole network. ``native``: models with a native CPU kernel
        (:mod:`sncore.native.neurons`) run it instead of ``vmap_step``."""
        if native:
            from ..native.neurons import native_step
        k = state["k"]
        syn, cur, rings = self._inputs(params, state, k, x)
        cleared_by = self._native_clears(capacities)
        spikes, neurons, counts = {}, {}, {}
        for bi, (b, p) in enumerate(self.blocks.items()):
            # the slot read this step is cleared now: it is next written for delay D
            slot = k % p.D
            rings[b] = [r if (b, ri) in cleared_by else r.at[slot].set(0) for ri, r in enumerate(rings[b])]
            u = None
            if type(p.model).RANDOM:  # escape noise: one uniform per neuron and step
                bkey = threefry2x32(state["key"], jnp.uint32(bi), jnp.uint32(0xB10C))
                ctr = None if isinstance(p.start, int) and p.start == 0 else \
                    jnp.asarray(p.start, jnp.uint32) + jnp.arange(p.n, dtype=jnp.uint32)
                u = uniform01(uniform_bits(bkey, k.astype(jnp.uint32), p.n, ctr), self.dtype)
            step_fn = native_step(type(p.model)) if native else vmap_step
            current = cur[b]
            if current is None:  # a native step takes one shared zero; vmap_step one per neuron
                current = jnp.zeros((p.n if step_fn is vmap_step else 1,), self.dtype)
            inp = Input(syn=jnp.stack(syn[b], axis=-1), current=current, u=u)
            neurons[b], spikes[b] = step_fn(params["models"][b], state["neurons"][b], inp, self.dt)
            n_spk = jnp.round(spikes[b]) if type(p.model).MULTIPLICITY else spikes[b] > 0
            counts[b] = state["counts"][b] + n_spk.astype(jnp.int32)
        if self.exchange is not None:  # several devices: every device sees every block's spikes
            spikes = {b: self.exchange(s, b) for b, s in spikes.items()}
        if self.n_sg:
            spikes[SG] = x["sg"]
        n_active = []
        ci = 0
        for i, pr in enumerate(self.projs):
            ring = rings[pr.tgt][pr.receptor]
            src = spikes[pr.src]
            if pr.src_sign:
                src = jnp.where(src * pr.src_sign > 0, src, 0)
            if pr.path == "procedural":
                rs, cnt = deliver_procedural([rings[pr.tgt][r] for r in pr.spec.receptors], src, pr.data[0],
                                             pr.spec, params["proj"][i], k, capacities[ci])
                for r, ring_r in zip(pr.spec.receptors, rs):
                    rings[pr.tgt][r] = ring_r
                n_active.append(cnt)
                ci += 1
                continue
            if pr.path == "event":
                # a native call updates the ring in place: it must follow every read of this
                # step's slot, all of which feed the target's new neuron state (else XLA may
                # schedule such a read, fused into the neuron update, after the call and copy
                # the whole ring each step to keep it: 4 x 17 MB per step, full microcircuit)
                after = tuple(jax.tree.leaves(neurons[pr.tgt])) if pr.tgt in neurons else ()
                ring, cnt = deliver_event(ring, src, params["proj"][i], pr.spec, k,
                                          capacities[ci], clear=cleared_by.get((pr.tgt, pr.receptor)) == i,
                                          after=after)
                n_active.append(cnt)
                ci += 1
            elif pr.path == "dense":
                ring = deliver_dense(ring, src, params["proj"][i], k)
            else:
                ring = deliver_bcoo(ring, src, params["proj"][i], k)
            rings[pr.tgt][pr.receptor] = ring
        plastic = []
        for i, pp in enumerate(self.plastic):  # synapse models: update, then transmit
            P = params["plastic"][i]
            st, w_eff = pp.model.step(P["p"], state["plastic"][i], P["syn"], spikes[pp.src],
                                      spikes[pp.tgt], k, self.dt, P["on"])
            plastic.append(st)
            rings[pp.tgt][pp.receptor] = deliver_synapses(rings[pp.tgt][pp.receptor], spikes[pp.src],
                                                          w_eff, P["syn"], k)
        rings = {b: tuple(r) for b, r in rings.items()}
        new_state = {"neurons": neurons, "rings": rings, "counts": counts, "plastic": plastic,
                     "k": k + 1, "key": state["key"]}
        out = {
            "spk": {b: jnp.packbits(spikes[b][p.rec_pos] > 0) for b, p in self.blocks.items()
                    if len(p.rec_pos) and not type(p.model).MULTIPLICITY},
            # models whose spikes carry a multiplicity (parrot_neuron): the counts themselves
            "spkn": {b: jnp.round(spikes[b][p.rec_pos]).astype(jnp.int32) for b, p in self.blocks.items()
                     if len(p.rec_pos) and type(p.model).MULTIPLICITY},
            "mm": [self._sample(neurons, m) for m in self.meters],
        }
        return new_state, out, n_active

    def _native_clears(self, capacities) -> dict:
        """``{(block, receptor): projection index}``: rings whose first writer in the step is a
        native event projection, which zeroes the slot read this step itself (in place: no
        copy of the ring per step); the other rings are cleared by XLA."""
        out, first, ci = {}, set(), 0
        for i, pr in enumerate(self.projs):
            keys = [(pr.tgt, r) for r in pr.spec.receptors] if pr.path == "procedural" else [(pr.tgt, pr.receptor)]
            if pr.path == "event" and capacities[ci] == NATIVE and keys[0] not in first:
                out[keys[0]] = i
            first.update(keys)
            ci += pr.path in ("event", "procedural")
        return out

    def _sample(self, neurons, m: MeterPlan):
        rows = jnp.stack([getattr(neurons[m.block], v)[m.pos].astype(self.dtype) for v in m.variables], -1)
        if self.exchange is not None:  # each device sampled its own neurons
            rows = self.exchange(rows, None)[m.sel]
        return rows

    # ----------------------------------------------------------------- the loop
    def run_chunk(self, params, state, xs, n_steps: int, capacities: tuple[tuple[int, ...], ...],
                  native: bool = False):
        """Run ``n_steps`` steps in one ``lax.scan`` (pure; jitted by the caller with
        ``n_steps`` and ``capacities`` static). ``xs``: the per-step input of the chunk,
        ``{"sg": [n, n_sg] spike values, "cur": [n, n_columns] scheduled currents}`` (keys
        present when the network has them; see :meth:`chunk_xs`).

        Returns ``(state, outputs, stats)``: outputs hold per-step packed spikes and the
        multimeter samples of this chunk (``rows`` and ``valid`` per meter); ``stats`` gives
        per event projection the largest number of spiking sources in a step: above the
        top capacity the chunk must be re-run. ``native``: see :meth:`step` (``simulate`` on
        CPU; never ``compile()`` or batches: the kernels have no gradient).
        """
        k0 = state["k"]
        # per-dt constants once per chunk, outside the loop (still differentiable)
        params = dict(params, models={b: m.prepare(self.dt) for b, m in params["models"].items()})

        def body(carry, x):
            st, mx = carry
            st, out, n_active = self.step(params, st, x, capacities, native)
            mx = tuple(jnp.maximum(m, a) for m, a in zip(mx, n_active))
            return (st, mx), out

        mx0 = tuple(jnp.zeros((), jnp.int32) for _ in capacities)
        (state, mx), outs = jax.lax.scan(body, (state, mx0), xs, length=n_steps)
        mm = []
        for m, ys in zip(self.meters, outs["mm"]):
            # sample stamped t = (k+1) dt with (k + 1 - offset) % interval == 0, k + 1 >= offset
            n_rows = -(-n_steps // m.interval)
            first = (m.offset - 1 - k0) % m.interval
            ks = first + m.interval * jnp.arange(n_rows)
            valid = (ks < n_steps) & (k0 + ks + 1 >= max(m.offset, 1))
            mm.append((ys[jnp.minimum(ks, n_steps - 1)], k0 + ks, valid))
        outs = {"spk": outs["spk"], "spkn": outs["spkn"], "mm": mm}
        return state, outs, mx

"""Turn a Simulator's description into an :class:`~sncore.network.engine.Engine` plan.

Connections that share (source block, target block, receptor, path) are merged into one
projection (one event pass per step); ``path="auto"`` picks the dense product for small
projections, where it is cheaper than gathering events, and the event path otherwise.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import jax.numpy as jnp
import numpy as np

from ..conn.propagate import build_csr_parts, build_delay_groups
from ..neurons import MODELS
from ..random import poisson_table
from ..units import SncoreError
from .currents import Columns
from .devices import window_steps
from .engine import (
    SG,
    BlockPlan,
    CurrentPlan,
    DrivePlan,
    Engine,
    InhomPlan,
    MeterPlan,
    NoisePlan,
    PlasticPlan,
    ProjPlan,
    SchedPlan,
)

if TYPE_CHECKING:
    from .simulator import Simulator

__all__ = ["DENSE_MAX", "build_engine"]

#: "auto" uses the dense path when n_src * n_tgt * (distinct delays) is at most this
DENSE_MAX = 1 << 14


def _shared(values: np.ndarray, dtype):
    """A parameter equal for the whole block is stored as a scalar (read once per step
    instead of once per neuron: 2.7x faster neuron updates at 12,500 neurons)."""
    if values.size and np.all(values == values[0]):
        return jnp.asarray(values[0], dtype)
    return jnp.asarray(values, dtype)


def _squeeze(a: np.ndarray) -> np.ndarray:
    """A per-connection array whose entries are all equal becomes a 0-d array (a scalar
    in the step instead of an [n] array)."""
    return np.asarray(a[0]) if a.size and np.all(a == a[0]) else a


def _block_models(sim: Simulator):
    groups: dict[str, list] = {}
    for g in sim.groups:
        if g.kind == "neuron":
            groups.setdefault(g.block, []).append(g)
    out = {}
    for b, gs in groups.items():
        cls = MODELS[gs[0].model]
        fields = {k: _shared(np.concatenate([g.params[k] for g in gs]), sim.dtype)
                  for k in cls.PARAMS}
        init = {k: np.concatenate([g.init[k] for g in gs]) for k in cls.STATES}
        out[b] = (cls(**fields, **gs[0].extra.get("options", {})), init, sum(g.n for g in gs))
    return out


def _route_by_sign(conns: list) -> list[tuple[int, object]]:
    """NEST's sign convention for models with excitatory and inhibitory synapses
    (``SIGN_ROUTED``): weights >= 0 go to receptor 0, negative weights to receptor 1.
    Returns ``(stream id, connection)`` pairs; the id names the connection's random stream."""
    out = []
    for i, c in enumerate(conns):
        routed = (c.device is None or c.device.kind in ("poisson_generator", "inhomogeneous_poisson_generator")) and \
            MODELS[c.tgt_block].SIGN_ROUTED
        if not routed:
            out.append((1 + 2 * i, c))
            continue
        neg = c.weight < 0
        if not neg.any() or neg.all():  # one sign: no copy of the synapse arrays
            out.append((1 + 2 * i + int(neg.any()), replace(c, receptor=int(neg.any()))))
            continue
        for receptor, m in ((0, ~neg), (1, neg)):
            if m.any():
                out.append((1 + 2 * i + receptor, replace(
                    c, src=c.src[m], tgt=c.tgt[m], weight=c.weight[m], delay=c.delay[m],
                    receptor=receptor, index=None if c.index is None else c.index[m])))
    return out


def build_engine(sim: Simulator) -> Engine:
    models = _block_models(sim)
    conns = _route_by_sign(sim.connections)
    ring_conns = [c for _, c in conns if c.device is None]
    # spike recording: union of recorded positions per block
    rec: dict[str, list] = {b: [] for b in models}
    for g in sim.groups:
        if g.kind == "spike_recorder":
            for src in g.extra.get("sources", []):
                for b, pos in src.block_positions().items():
                    rec[b].append(pos)
    blocks = {}
    for b, (model, init, n) in models.items():
        D = max([1] + [int(c.delay.max()) for c in ring_conns if c.tgt_block == b]
                + [_proc_max_delay(pc) for pc in sim.procedural if pc.tgt_block == b])
        rp = np.unique(np.concatenate(rec[b])) if rec[b] else np.zeros(0, np.int64)
        blocks[b] = BlockPlan(b, model, n, D, len(type(model).RECEPTORS), rp, init)
    n_sg = sim._block_sizes.get(SG, 0)
    sizes = {**{b: p.n for b, p in blocks.items()}, SG: n_sg}

    # spike generators with negative spike weights onto sign-routed models: the sign of
    # (spike value x weight) picks the receptor at run time, so such a connection is split
    # into a positive-value part (receptor by the weight's sign) and a negative-value part
    # (the other receptor)
    sg_negative = any(np.any(w < 0) for g in sim.groups if g.kind == "spike_generator"
                      for _, w in g.extra["trains"])
    modes: dict[int, set] = {}
    for c in (c for _, c in conns if c.device is not None):
        modes.setdefault(c.call, set()).add("device")
    plastic = []
    for c in ring_conns:
        if c.synapse is not None and MODELS[c.tgt_block].WEIGHTLESS and c.receptor == 0:
            raise SncoreError(f"connect: synapse model {c.synapse.NAME!r} onto {c.tgt_block} receptor 0 is not "
                              "supported (its weights would be ignored); connect plastic synapses onto "
                              "receptor=1, where spikes are accepted and not repeated (as in NEST).")
        if c.synapse is not None:
            modes.setdefault(c.call, set()).add("plastic")
            plastic.append(PlasticPlan(c.src_block, c.tgt_block, c.receptor, c.synapse, c.src, c.tgt,
                                       c.delay, c.weight, c.synapse.history(int(c.delay.max()), sim.dt),
                                       c.call, c.index))
    ring_conns_static = [c for c in ring_conns if c.synapse is None]
    merged: dict[tuple, list] = {}
    for c in ring_conns_static:
        if c.src_block == SG and sg_negative and MODELS[c.tgt_block].SIGN_ROUTED:
            merged.setdefault((c.src_block, c.tgt_block, c.receptor, c.path, 1), []).append(c)
            merged.setdefault((c.src_block, c.tgt_block, 1 - c.receptor, c.path, -1), []).append(c)
        else:
            merged.setdefault((c.src_block, c.tgt_block, c.receptor, c.path, 0), []).append(c)
    projs = []
    for (sb, tb, r, path, sign), cs in merged.items():
        weightless = MODELS[tb].WEIGHTLESS  # parrot_neuron: spikes count, weights are ignored
        n_s, n_t = sizes[sb], sizes[tb]
        if path == "auto":
            small = n_s * n_t <= DENSE_MAX  # only then count the distinct delays (a sort)
            n_delays = len(np.unique(np.concatenate([np.unique(c.delay) for c in cs]))) if small else 1
            path = "dense" if small and n_s * n_t * n_delays <= DENSE_MAX else "event"
        if path == "event":  # rows filled connection by connection: no concatenated copy
            parts = [(c.src, c.tgt, np.ones_like(c.weight) if weightless else c.weight, c.delay) for c in cs]
            csr, spec = build_csr_parts(parts, n_s, n_t, sim.dtype, D=blocks[tb].D, layout="auto")
            del parts
            projs.append(ProjPlan(sb, tb, r, "event", csr, spec, sign))
            mode = f"event-{spec.layout}"
        else:
            src = np.concatenate([c.src for c in cs])
            tgt = np.concatenate([c.tgt for c in cs])
            w = np.concatenate([c.weight for c in cs])
            if weightless:
                w = np.ones_like(w)
            d = np.concatenate([c.delay for c in cs])
            groups = build_delay_groups(src, tgt, w, d, n_s, n_t, sim.dtype, path)
            projs.append(ProjPlan(sb, tb, r, path, groups, None, sign))
            mode = path
        for c in cs:
            modes.setdefault(c.call, set()).add(mode)
    for pc in sim.procedural:  # regenerated rows, nothing stored per synapse
        spec, data = pc.spec(sizes[pc.src_block], _proc_receptors(pc))
        if blocks[pc.tgt_block].D * sizes[pc.tgt_block] * 2 >= 2**31:
            raise SncoreError(f"connect: path='procedural' onto {pc.tgt_block}: a ring buffer of "
                              f"{blocks[pc.tgt_block].D} x {sizes[pc.tgt_block]} entries exceeds int32 indexing; "
                              "use shorter delays or a coarser dt.")
        projs.append(ProjPlan(pc.src_block, pc.tgt_block, spec.receptors[0], "procedural",
                              (data, np.asarray(pc.w_par, float)), spec))
        modes.setdefault(pc.call, set()).add("procedural")

    drives, currents = [], []
    scheds, noises, inhoms, columns = [], [], [], Columns()
    for stream, c in conns:
        if c.device is None:
            continue
        kind = c.device.kind
        if kind in ("step_current_generator", "timed_current"):
            scheds.append(_sched_plan(c, columns, sim.dt))
            continue
        if kind == "noise_generator":
            noises.append(_noise_plan(c, stream, sim.dt))
            continue
        if kind == "inhomogeneous_poisson_generator":
            inhoms.append(_inhom_plan(c, stream, sim.dt))
            continue
        first, last = window_steps(c.device.params, sim.dt, c.device.kind)
        first, last, delay = _squeeze(first[c.src]), _squeeze(last[c.src]), _squeeze(c.delay)
        if c.device.kind == "poisson_generator":
            lam = c.device.params["rate"][c.src] * sim.dt * 1e-3
            tables = [(np.nonzero(lam == v)[0], poisson_table(float(v))) for v in np.unique(lam)]
            contiguous = len(np.unique(c.tgt)) == len(c.tgt) and bool(
                np.array_equal(c.tgt, np.arange(c.tgt[0], c.tgt[0] + len(c.tgt))))
            w = np.ones_like(c.weight) if MODELS[c.tgt_block].WEIGHTLESS else c.weight
            drives.append(DrivePlan(c.tgt_block, c.receptor, c.tgt, w, delay, first, last,
                                    tables, stream=stream, contiguous=contiguous,
                                    group=c.device.index, src=np.asarray(c.src)))
        else:
            amp = c.device.params["amplitude"][c.src] * c.weight
            currents.append(CurrentPlan(c.tgt_block, c.tgt, amp, delay, first, last))

    meters = []
    for g in sim.groups:
        if g.kind != "multimeter":
            continue
        iv = int(round(g.params["interval"][0] / sim.dt))
        off = int(round(g.params["offset"][0] / sim.dt))
        g.extra["meter_index"] = []
        for tgt in g.extra.get("targets", []):
            for b, pos in tgt.block_positions().items():
                g.extra["meter_index"].append(len(meters))
                meters.append(MeterPlan(b, pos, g.extra["record_from"], iv, off))
    return Engine(sim.dt, sim.dtype, blocks, projs, drives, currents, meters, n_sg, plastic,
                  scheds=scheds, noises=noises, inhoms=inhoms, columns=columns,
                  modes={k: "+".join(sorted(v)) for k, v in sorted(modes.items())})


def _proc_max_delay(pc) -> int:
    if pc.d_kind == "const":
        return pc.d_par[0]
    t = round(pc.d_par[1] / 1e-3)
    return (2 * t + pc.d_par[2]) // (2 * pc.d_par[2])


def _proc_receptors(pc) -> tuple[int, ...]:
    """Receptors a procedural projection writes to: its own, or on a sign-routed model the one(s)
    its weights' signs can select (``(0, 1)``: each generated weight is routed by its sign)."""
    if not MODELS[pc.tgt_block].SIGN_ROUTED:
        return (pc.receptor,)
    a, b, c = pc.w_par
    signs = {"const": (a >= 0, a < 0), "uniform": (b > 0 or a >= 0, a < 0),
             "normal": (a >= 0 or b > 0, a < 0 or b > 0), "lognormal": (c >= 0, c < 0),
             "exponential": (a >= 0, a < 0)}[pc.w_kind]
    return tuple(r for r, possible in zip((0, 1), signs) if possible)


def _sched_plan(c, columns: Columns, dt: float) -> SchedPlan:
    """step_current_generator / timed_current: one xs column per (device, table column, delay)."""
    sched = c.device.extra["schedule"]
    if c.device.kind == "timed_current":
        n_dev = c.device.n
        first, last = np.full(n_dev, -2**31), np.full(n_dev, 2**31 - 1)
        j = c.post_index if sched.values.shape[1] > 1 else np.zeros(len(c.src), np.int64)
    else:
        first, last = window_steps(c.device.params, dt, c.device.kind)
        j = np.zeros(len(c.src), np.int64)
    keys = np.stack([c.src, j, c.delay], axis=1)
    uniq, inv = np.unique(keys, axis=0, return_inverse=True)
    cols = np.array([columns.add(sched, jj, d, first[s], last[s]) for s, jj, d in uniq], np.int64)
    return SchedPlan(c.tgt_block, c.tgt, cols[inv.reshape(-1)], c.weight)


def _noise_plan(c, stream: int, dt: float) -> NoisePlan:
    P = c.device.params
    first, last = window_steps(P, dt, "noise_generator")
    n_dt = np.round(P["dt"] / dt).astype(np.int64)
    s = c.src
    p = {"mean": P["mean"][s], "std": P["std"][s], "std_mod": P["std_mod"][s], "w": c.weight}
    return NoisePlan(c.tgt_block, c.tgt, _squeeze(c.delay), _squeeze(first[s]), _squeeze(last[s]),
                     _squeeze(np.maximum(first[s], 0)), _squeeze(n_dt[s]),
                     _squeeze(2 * np.pi * P["frequency"][s] * 1e-3 * dt), _squeeze(np.deg2rad(P["phase"][s])),
                     {k: _squeeze(np.asarray(v, float)) for k, v in p.items()}, stream)


def _inhom_plan(c, stream: int, dt: float) -> InhomPlan:
    sched = c.device.extra["schedule"]
    first, last = window_steps(c.device.params, dt, "inhomogeneous_poisson_generator")
    tabs = [np.zeros(0, np.uint32)]
    for r in sched.values:
        try:
            tabs.append(poisson_table(float(r) * dt * 1e-3))
        except ValueError:
            raise SncoreError(f"inhomogeneous_poisson_generator parameter 'rate_values' contains {float(r):g} Hz; "
                              f"allowed: at most {1000 / (dt * 1e-3):g} Hz at dt = {dt} ms "
                              "(a mean of 1000 spikes per step).") from None
    width = max(1, max(len(t) for t in tabs))
    tables = np.zeros((len(tabs), width), np.uint32)
    for i, t in enumerate(tabs):
        tables[i, :len(t)] = t
    lens = np.array([len(t) for t in tabs], np.int32)
    return InhomPlan(c.tgt_block, c.receptor, c.tgt, c.weight, _squeeze(c.delay), _squeeze(first[c.src]),
                     _squeeze(last[c.src]), sched.change.astype(np.int32), tables, lens, stream)

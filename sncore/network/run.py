"""The chunked driver around the one scan: compile once per chunk shape, run chunk by chunk,
re-run a chunk whose spike count exceeded an event capacity, move recordings to the host.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from typing import TYPE_CHECKING

import jax
import numpy as np

from ..conn.propagate import NATIVE, capacity_ladder
from .result import Result
from .stimuli import sg_chunk

if TYPE_CHECKING:
    from .simulator import Simulator

__all__ = ["chunk_xs", "grow_capacity", "initial_capacities", "run_steps", "to_host"]

_CHUNK_BYTES = 64 << 20
_MAX_STEPS_I32 = 2**31 - 1


def grow_capacity(ladder: tuple[int, ...], seen: int, n_src: int) -> tuple[int, ...]:
    """A ladder whose top rung holds ``seen`` spiking sources (25 % headroom, a multiple
    of 8, at most the number of sources)."""
    top = int(min(n_src, -(-int(seen * 1.25) // 8) * 8))
    return capacity_ladder(top, ladder[0], beyond=8)


#: the top rung holds at most this many gathered synapses per step
_LARGE_BUDGET = 1 << 22


def initial_capacities(n_src: int, max_out: int) -> tuple[int, ...]:
    """Ladder up to a whole population spiking at once, or as many sources as fit the
    gathered-synapse budget (beyond it a chunk is re-run with a taller ladder). Small
    projections (<= 2**17 synapse slots) use rungs 4..64 and then the whole population:
    their steps have few events, where the per-event cost of a larger rung shows
    (order-100 Brunel: 21.5 -> 16 us per step); bursts above 64 take the top rung."""
    top = int(max(8, min(n_src, _LARGE_BUDGET // max(max_out, 1))))
    if n_src * max_out <= 2**17:
        return capacity_ladder(top, smallest=4, last=64)
    return capacity_ladder(top, beyond=8)


def chunk_xs(sim: Simulator, k0: int, L: int) -> dict:
    """The scan's per-step input for steps ``k0 .. k0+L-1``: spike-generator values
    (``"sg"``) and scheduled currents (``"cur"``), each only when the network has them."""
    eng = sim.engine
    xs = {}
    if eng.n_sg:
        sg = [(g.extra["sg_offset"], g.extra["trains"]) for g in sim.groups if g.kind == "spike_generator"]
        xs["sg"] = sg_chunk(sg, eng.n_sg, k0, L, sim.dtype)
    if eng.columns is not None and len(eng.columns):
        xs["cur"] = eng.columns.chunk(k0, L, sim.dtype)
    return xs


def _chunk_len(sim: Simulator) -> int:
    if sim.chunk:
        return int(sim.chunk)
    eng = sim.engine
    per_step = sum((len(b.rec_pos) + 7) // 8 for b in eng.blocks.values())
    per_step += sum(len(m.pos) * len(m.variables) * 8 for m in eng.meters) + eng.n_sg * 8
    per_step += 8 * (len(eng.columns) if eng.columns is not None else 0)
    return int(np.clip(_CHUNK_BYTES // max(per_step, 1), 100, 10_000))


def _compiled(sim: Simulator, L: int, caps: tuple[int, ...], xs):
    cache = sim.__dict__.setdefault("_compiled", {})
    native = sim.native
    key = (L, caps, native)
    if key not in cache:
        fn = jax.jit(type(sim.engine).run_chunk, static_argnums=(0, 4, 5, 6))
        cache[key] = fn.lower(sim.engine, sim.params, sim.state, xs, L, caps, native).compile()
        return cache[key], True
    return cache[key], False


def run_steps(sim: Simulator, n: int, progress: bool | None) -> Result:
    eng = sim.engine
    if sim.steps + n > _MAX_STEPS_I32:
        raise OverflowError(f"a run longer than {_MAX_STEPS_I32} steps overflows the int32 step "
                            "counter; use a coarser dt or fewer steps.")
    k_start = sim.steps
    counts0 = {b: to_host(c)[:eng.blocks[b].n] for b, c in sim.state["counts"].items()}
    L_max = _chunk_len(sim)
    show = (sys.stderr.isatty() and n > L_max) if progress is None else progress
    rec_spikes: dict[str, list] = {b: [] for b in eng.blocks}
    meter_rows: list[list] = [[] for _ in eng.meters]
    compile_s = run_s = 0.0
    retries = 0
    done = 0
    event_srcs = [p.spec.n_src if p.path == "event" else p.spec.n_pre for p in eng.projs
                  if p.path in ("event", "procedural")]
    while done < n:
        L = min(L_max, n - done)
        k0 = k_start + done
        xs = chunk_xs(sim, k0, L)
        while True:
            t = time.perf_counter()
            fn, fresh = _compiled(sim, L, sim.capacities, xs)
            if fresh:
                compile_s += time.perf_counter() - t
            t = time.perf_counter()
            state, outs, stats = jax.block_until_ready(fn(sim.params, sim.state, xs))
            stats = [int(m) for m in stats]
            run_s += time.perf_counter() - t
            over = [i for i, c in enumerate(sim.capacities) if c != NATIVE and stats[i] > c[-1]]
            if not over:
                break
            retries += 1
            if any(stats[i] == ROW_OVERFLOW for i in over):  # a procedural row exceeded its capacity
                _grow_rows(sim, [i for i in over if stats[i] == ROW_OVERFLOW])
                continue
            sim.capacities = tuple(grow_capacity(c, stats[i], event_srcs[i]) if i in over else c
                                   for i, c in enumerate(sim.capacities))
        t = time.perf_counter()
        outs = jax.device_get(outs)
        sim.state = state
        run_s += time.perf_counter() - t
        for b, packed in outs["spk"].items():
            bits = np.unpackbits(packed, axis=1, count=len(eng.blocks[b].rec_pos))
            step, j = np.nonzero(bits)
            rec_spikes[b].append((k0 + step, eng.blocks[b].rec_pos[j]))
        for b, mult in outs.get("spkn", {}).items():  # a spike of multiplicity n: n events
            step, j = np.nonzero(mult > 0)
            reps = mult[step, j]
            rec_spikes[b].append((np.repeat(k0 + step, reps), np.repeat(eng.blocks[b].rec_pos[j], reps)))
        for i, (rows, ks, valid) in enumerate(outs["mm"]):
            meter_rows[i].append((rows[valid], ks[valid]))
        done += L
        if show:
            frac = done / n
            bar = "#" * int(30 * frac)
            sys.stderr.write(f"\r[{bar:<30}] {100 * frac:5.1f}%  {(k_start + done) * sim.dt:.1f} ms")
            sys.stderr.flush()
    if show:
        sys.stderr.write("\n")
    sim.steps += n
    sim.t = sim.steps * sim.dt
    counts = {b: to_host(sim.state["counts"][b])[:eng.blocks[b].n] - counts0[b] for b in eng.blocks}
    res = Result(k_start * sim.dt, sim.steps * sim.dt, counts, capacity_retries=retries,
                 compile_s=compile_s, run_s=run_s, connectivity=dict(getattr(sim.engine, "modes", {})),
                 event_kernel="native" if sim.native else "xla")
    _assemble(sim, res, rec_spikes, meter_rows)
    return res


#: the count a procedural projection reports when a generated row exceeded its capacity
ROW_OVERFLOW = 2**31 - 1


def _grow_rows(sim: Simulator, which: list[int]) -> None:
    """Double the row capacity of the procedural projections ``which`` (indices among the
    event and procedural projections); the chunk is then re-run (recompiled), nothing is lost."""
    eng = sim.engine
    ev = [i for i, p in enumerate(eng.projs) if p.path in ("event", "procedural")]
    projs = list(eng.projs)
    for w in which:
        p = projs[ev[w]]
        projs[ev[w]] = replace(p, spec=p.spec._replace(R=min(2 * p.spec.R, p.spec.n_post)))
    sim.engine = replace(eng, projs=projs)
    sim.__dict__["_compiled"] = {}


def to_host(a) -> np.ndarray:
    """An array on the host; a sharded one spanning several processes (sncore.dist) is gathered."""
    if isinstance(a, jax.Array) and not a.is_fully_addressable and not a.is_fully_replicated:
        from jax.experimental import multihost_utils

        return np.asarray(multihost_utils.process_allgather(a, tiled=True))
    return np.asarray(a)


def _gid_map(sim: Simulator) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for g in sim.groups:
        if g.kind == "neuron":
            m = out.setdefault(g.block, np.zeros(sim.engine.blocks[g.block].n, np.int64))
            m[g.offset:g.offset + g.n] = g.first_id + np.arange(g.n)
    return out


def _assemble(sim, res: Result, rec_spikes, meter_rows) -> None:
    dt = sim.dt
    gids = _gid_map(sim)
    all_t, all_s = [], []
    for b, parts in rec_spikes.items():
        for steps, pos in parts:
            all_t.append(steps)
            all_s.append(gids[b][pos])
    steps = np.concatenate(all_t) if all_t else np.zeros(0, np.int64)
    senders = np.concatenate(all_s) if all_s else np.zeros(0, np.int64)
    order = np.lexsort((senders, steps))
    steps, senders = steps[order], senders[order]
    fill_recorders(sim, res, (steps + 1) * dt, senders)
    for g in sim.groups:
        if g.kind == "multimeter":
            _assemble_meter(sim, res, g, meter_rows, gids)


def fill_recorders(sim, res: Result, stamp: np.ndarray, senders: np.ndarray) -> None:
    """Give each spike_recorder the events ``(stamp ms, sender gid)`` (sorted by time, then
    sender) of its sources inside its ``(origin + start, origin + stop]`` window (NEST's rule)."""
    dt = sim.dt
    for g in sim.groups:
        if g.kind == "spike_recorder":
            src = np.concatenate([c.global_ids for c in g.extra.get("sources", [])] or [np.zeros(0, np.int64)])
            lo = g.params["origin"][0] + g.params["start"][0]
            hi = g.params["origin"][0] + g.params["stop"][0]
            m = np.isin(senders, src) & (stamp > lo + 1e-9 * dt) & (stamp <= hi + 1e-9 * dt)
            res.recorders[g.index] = (stamp[m], senders[m])


def _assemble_meter(sim, res, g, meter_rows, gids) -> None:
    from ..neurons import MODELS

    dt = sim.dt
    idx = g.extra.get("meter_index", [])
    lo = g.params["origin"][0] + g.params["start"][0]
    hi = g.params["origin"][0] + g.params["stop"][0]
    names = g.extra["record_from"]
    times, senders, vals = [], [], {v: [] for v in names}
    for i in idx:
        mp = sim.engine.meters[i]
        for rows, ks in meter_rows[i]:
            stamp = (ks + 1) * dt
            m = (stamp > lo + 1e-9 * dt) & (stamp <= hi + 1e-9 * dt)
            rows, stamp = rows[m], stamp[m]
            times.append(np.repeat(stamp, len(mp.pos)))
            senders.append(np.tile(gids[mp.block][mp.pos], len(stamp)))
            for j, v in enumerate(names):
                vals[v].append(rows[:, :, j].reshape(-1))
    ev = {"times": np.concatenate(times) if times else np.zeros(0),
          "senders": np.concatenate(senders) if senders else np.zeros(0, np.int64)}
    order = np.argsort(ev["times"], kind="stable")
    ev = {k: v[order] for k, v in ev.items()}
    for v in names:
        ev[v] = (np.concatenate(vals[v]) if vals[v] else np.zeros(0))[order]
    res.meters[g.index] = ev
    units = {"times": "ms"}
    for t in g.extra.get("targets", []):
        for grp in t.groups:
            for v in names:
                cls = MODELS[grp.model]
                units[v] = {**cls.STATES, **cls.DERIVED}[v].unit
    res.units[g.index] = units

"""Host side of the multi-device partition: split an :class:`~sncore.network.engine.Engine`'s
plan by target neuron into ``k`` equal-shaped per-device plans (see docs/distributed.md).

Every neuron block of ``n`` neurons becomes ``k`` contiguous shards of ``n_loc = ceil(n / k)``
neurons (``n_pad = k n_loc``; the pad neurons at the end of the block receive nothing and
send nothing). Everything that differs between devices is returned *stacked*, with a leading
axis of length ``k``, so that ``shard_map`` hands each device its slice:

* projections: the synapses whose target lies in the shard, indexed by the *global* source
  position and the *local* target position (event path: an ELL table; dense path: the
  shard's columns; BCOO path: the shard's entries);
* generator connections (Poisson, inhomogeneous Poisson, noise, dc, scheduled currents): the
  connections onto the shard, with their global connection index as random counter;
* multimeters: the shard's sampled positions and where its rows go in the meter's order.

Padding entries point at target ``n_loc`` (outside the shard: dropped by the scatter), carry
weight 0 and an empty activity window.

Example (Brunel, order 50: 250 neurons, 25 synapses in per neuron):
    >>> sim = brunel(order=50).sim; sim._ensure_engine()
    >>> parts = partition(sim.engine, sim.params, k=4)
    >>> parts.n_loc["iaf_psc_delta"], parts.params["proj"][0].targets.shape
    (63, (4, 253, 16))
"""

from __future__ import annotations

from dataclasses import dataclass, field

import jax
import numpy as np
from jax.experimental import sparse

from ..conn.propagate import CSR, DelayGroups, EventSpec
from ..network.engine import SG, Engine, ProjPlan
from ..units import SncoreError

__all__ = ["CONN_FIELDS", "Partition", "partition"]

#: per-connection fields of the generator plans, with the fill value of padding entries
CONN_FIELDS = {
    "drives": {"pos": None, "delay": 0, "first": 0, "last": 0},
    "currents": {"pos": None, "delay": 0, "first": 0, "last": 0},
    "scheds": {"pos": None, "col": 0},
    "noises": {"pos": None, "delay": 0, "first": 0, "last": 0, "a": 0, "n_dt": 1, "omega": 0.0, "phase": 0.0},
    "inhoms": {"pos": None, "delay": 0, "first": 0, "last": 0},
}
#: the params entry holding each plan kind's per-connection traceable values
_PARAM_OF = {"drives": "drive_w", "currents": "dc_amp", "scheds": "sched_w", "noises": "noise", "inhoms": "inhom_w"}


@dataclass
class Partition:
    k: int
    n: dict[str, int]                  # real neurons per block
    n_loc: dict[str, int]              # neurons per device per block
    specs: list                        # per projection: the local EventSpec (event path) or None
    params: dict                       # stacked per-device values (leading axis k)
    plan: dict = field(default_factory=dict)  # stacked per-device plan arrays, by plan kind
    static: dict = field(default_factory=dict)  # per plan kind: static fields of the local plans


def _stack(trees: list):
    return jax.tree.map(lambda *xs: np.stack([np.asarray(x) for x in xs]), *trees)


def _rows(pr: ProjPlan, D: int):
    """The synapses ``(src, tgt, w, d)`` of an event projection in stored order (by source,
    then connection order)."""
    c, spec = pr.data, pr.spec
    if spec.layout == "csr":
        rp = np.asarray(c.row_ptr)
        src = np.repeat(np.arange(len(rp) - 1), np.diff(rp))
        tgt = np.asarray(c.targets)
        sel = slice(None)
    else:
        t = np.asarray(c.targets)
        valid = t < D * spec.n_tgt
        src = np.nonzero(valid)[0]
        tgt = t[valid]
        sel = valid
    w = np.asarray(c.weights)
    w = w[src] if spec.per_source else w[sel]
    d = np.full(len(src), spec.hom_delay) if c.delays is None else np.asarray(c.delays)[sel]
    return src, tgt, w, d


def _event_shards(pr: ProjPlan, D: int, k: int, n_loc: int, n_src: int):
    """Per-device ELL tables (stacked) and their common EventSpec."""
    src, tgt, w, d = _rows(pr, D)
    spec = pr.spec
    shard = tgt // n_loc
    sel = [np.nonzero(shard == s)[0] for s in range(k)]
    counts = [np.bincount(src[m], minlength=n_src + 1) for m in sel]
    max_out = int(max(c.max() for c in counts))
    T = np.full((k, n_src + 1, max_out), D * n_loc, np.int64)
    W = np.zeros((k, n_src + 1) if spec.per_source else (k, n_src + 1, max_out))
    Dl = None if pr.data.delays is None else np.zeros((k, n_src + 1, max_out), np.int64)
    if spec.per_source:
        wg = np.asarray(pr.data.weights)
        W[:, :len(wg) - 1] = wg[:-1]
    for s, m in enumerate(sel):
        ss = src[m]  # ascending (stable order of the global table)
        start = np.concatenate([[0], np.cumsum(counts[s])])[ss]
        col = np.arange(len(ss)) - start
        T[s, ss, col] = tgt[m] - s * n_loc
        if not spec.per_source:
            W[s, ss, col] = w[m]
        if Dl is not None:
            Dl[s, ss, col] = d[m]
    dtype = np.asarray(pr.data.weights).dtype
    csr = CSR(None, T.astype(np.int32), W.astype(dtype), None if Dl is None else Dl.astype(np.int32))
    return csr, EventSpec(n_src, n_loc, max_out, spec.hom_delay, "ell", spec.per_source)


def _matrix_shards(groups: DelayGroups, path: str, k: int, n_loc: int, n_src: int, n_tgt: int):
    """Per-device column blocks of each delay group's matrix (dense) or entries (BCOO)."""
    mats = []
    for mat in groups.mats:
        if path == "dense":
            a = np.zeros((n_src, k * n_loc), np.asarray(mat).dtype)
            a[:mat.shape[0], :n_tgt] = np.asarray(mat)
            mats.append(np.stack(np.split(a, k, axis=1)))
            continue
        data, idx = np.asarray(mat.data), np.asarray(mat.indices)
        parts = [np.nonzero(idx[:, 1] // n_loc == s)[0] for s in range(k)]
        L = max(1, max(len(p) for p in parts))
        dd = np.zeros((k, L), data.dtype)
        ii = np.zeros((k, L, 2), idx.dtype)
        for s, p in enumerate(parts):
            dd[s, :len(p)] = data[p]
            ii[s, :len(p)] = idx[p] - np.array([0, s * n_loc])
        mats.append((dd, ii))
    return mats


def _bcoo(dd, ii, shape):
    return [sparse.BCOO((d, i), shape=shape) for d, i in zip(dd, ii)]


def _conn_shards(plan, kind: str, values, k: int, n_loc: int):
    """Split one generator plan's connections by target shard: the stacked per-connection plan
    arrays (``pos`` local; ``ctr`` the global connection index) and the stacked parameter values."""
    pos = np.asarray(plan.pos)
    sel = [np.nonzero(pos // n_loc == s)[0] for s in range(k)]
    L = max(1, max(len(m) for m in sel))

    def take(a, m, s, fill):  # fill None: a target position (local; padding at n_loc)
        a = np.asarray(a)
        out = np.full((L,) + a.shape[1:], n_loc if fill is None else fill, a.dtype)
        out[:len(m)] = a[m] - (s * n_loc if fill is None else 0)
        return out

    fields = {}
    for name, fill in CONN_FIELDS[kind].items():
        a = np.asarray(getattr(plan, name))
        if a.ndim == 0:
            continue  # the same for every connection: stays a static scalar of the plan
        fields[name] = np.stack([take(a, m, s, fill) for s, m in enumerate(sel)])
    if kind in ("drives", "noises", "inhoms"):
        fields["ctr"] = np.stack([take(np.arange(len(pos), dtype=np.uint32), m, s, 0) for s, m in enumerate(sel)])

    def split(v):
        v = np.asarray(v)
        if v.ndim == 0:
            return np.broadcast_to(v, (k,)).copy()
        return np.stack([take(v, m, s, 0) for s, m in enumerate(sel)])

    return fields, jax.tree.map(split, values), sel, L


def _drive_tables(d, sel, L: int):
    """Per-connection Poisson CDF tables (as ``params["drive_tab"]`` of ``sim.compile``)."""
    W = max([1] + [len(t) for _, t in d.tables])
    tab = np.zeros((len(d.pos), W), np.uint32)
    n_ok = np.zeros(len(d.pos), np.int32)
    for idx, t in d.tables:
        tab[idx, :len(t)] = t
        n_ok[idx] = len(t)
    T = np.zeros((len(sel), L, W), np.uint32)
    N = np.zeros((len(sel), L), np.int32)
    for s, m in enumerate(sel):
        T[s, :len(m)] = tab[m]
        N[s, :len(m)] = n_ok[m]
    return {"tab": T, "len": N}


def partition(eng: Engine, params: dict, k: int) -> Partition:
    """Split ``eng`` (with its ``params``: current weights) over ``k`` devices."""
    if eng.plastic:
        raise SncoreError("simulate on several devices: plastic synapses (connect(..., synapse=...)) are not "
                          "supported yet; run this network on one device (devices=None).")
    n = {b: p.n for b, p in eng.blocks.items()}
    n_loc = {b: -(-p.n // k) for b, p in eng.blocks.items()}
    n_src = {**{b: k * v for b, v in n_loc.items()}, SG: eng.n_sg}
    specs, proj = [], []
    for i, pr in enumerate(eng.projs):
        D = eng.blocks[pr.tgt].D
        if pr.path == "event":
            pr = ProjPlan(pr.src, pr.tgt, pr.receptor, pr.path, params["proj"][i], pr.spec, pr.src_sign)
            csr, spec = _event_shards(pr, D, k, n_loc[pr.tgt], n_src[pr.src])
            specs.append(spec)
            proj.append(csr)
        else:
            mats = _matrix_shards(params["proj"][i], pr.path, k, n_loc[pr.tgt], n_src[pr.src], n[pr.tgt])
            specs.append(None)
            if pr.path == "bcoo":
                shape = (n_src[pr.src], n_loc[pr.tgt])
                mats = [_stack(_bcoo(dd, ii, shape)) for dd, ii in mats]
            proj.append(DelayGroups(tuple(mats), pr.data.delays))
    out = {"proj": proj, "plastic": []}
    plan, static = {}, {}
    for kind, pkey in _PARAM_OF.items():
        out[pkey], plan[kind] = [], []
        for i, pl in enumerate(getattr(eng, kind)):
            fields, vals, sel, L = _conn_shards(pl, kind, params[pkey][i], k, n_loc[pl.tgt])
            out[pkey].append(vals)
            plan[kind].append(fields)
            static.setdefault(kind, []).append({})
            if kind == "drives":
                out.setdefault("drive_tab", []).append(_drive_tables(pl, sel, L))
                static[kind][-1] = {"tables": [], "contiguous": False}
                if pl.contiguous and pl.pos[0] == 0 and len(pl.pos) == n[pl.tgt]:
                    # one connection per neuron of the block, in order: on every device one per
                    # local neuron (pads: weight 0), added as a slice like the one-device run
                    # (a scatter instead rounds differently after XLA's fusion)
                    del fields["pos"]
                    static[kind][-1] = {"tables": [], "contiguous": True, "pos": np.arange(n_loc[pl.tgt])}
    plan["meters"] = []
    for m in eng.meters:
        nl = n_loc[m.block]
        pos = np.asarray(m.pos)
        sel = [np.nonzero(pos // nl == s)[0] for s in range(k)]
        L = max(1, max(len(x) for x in sel))
        P = np.zeros((k, L), np.int64)
        order = np.zeros(len(pos), np.int64)
        for s, x in enumerate(sel):
            P[s, :len(x)] = pos[x] - s * nl
            order[x] = s * L + np.arange(len(x))
        plan["meters"].append({"pos": P, "sel": order})
    return Partition(k, n, n_loc, specs, out, plan, static)

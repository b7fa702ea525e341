"""Spike propagation into delay ring buffers: event-driven (CSR), dense, and BCOO paths.

All paths compute the same thing. For a source spike vector ``s[N_src]`` (spike
multiplicities, usually 0/1) emitted in step ``k`` and synapses ``(i, j, w, d)``::

    ring[(k + d) mod D, j] += w * s[i]

``ring`` is a target's ``[D, N_tgt]`` buffer; slot ``k mod D`` is read (and cleared) by the
target at step ``k``, so a spike emitted in step ``k`` with delay ``d >= 1`` steps is read
in step ``k + d`` (NEST's delivery rule). ``D = max delay`` suffices because the slot
being written for ``d = D`` was cleared earlier in the same step.

* :func:`deliver_event` — work ∝ (spike capacity) x (max fan-out): the indices of spiking
  sources are compacted into a static-size list of ``capacity`` entries, each spiking
  source's CSR row is gathered and scatter-added. It returns the true spike count; a count
  above ``capacity`` means spikes were not delivered and the caller must re-run the step
  range with a larger capacity (the Simulator does this automatically, nothing is lost).
* :func:`deliver_dense` — one dense matrix product per distinct delay (reference path, and
  the fast path for small or dense projections and for training).
* :func:`deliver_bcoo` — the same with ``jax.experimental.sparse.BCOO`` matrices
  (differentiable in weights and spikes; cost ∝ synapses).
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import sparse

__all__ = [
    "CSR",
    "NATIVE",
    "DelayGroups",
    "build_csr",
    "build_csr_parts",
    "build_delay_groups",
    "capacity_ladder",
    "compact",
    "deliver_bcoo",
    "deliver_dense",
    "deliver_event",
]


class CSR(NamedTuple):
    """Outgoing synapses by source, in one of two layouts (``EventSpec.layout``):

    * ``"csr"``: row ``i`` is ``targets[row_ptr[i]:row_ptr[i+1]]`` (no padding);
      ``row_ptr`` has ``N_src + 2`` entries, the extra empty row ``N_src`` being the
      padding row of the compacted spike list;
    * ``"ell"``: ``targets`` is ``[N_src + 1, max_out]``, rows padded with the index
      ``D * N_tgt`` (outside the ring buffer, so padded entries are dropped by the scatter);
      row gathers are contiguous copies. ``row_ptr`` is None.

    ``weights`` matches ``targets``, or is ``[N_src + 1]`` when every synapse of a source
    has the same weight (``EventSpec.per_source``: 4 bytes per synapse saved). ``delays``
    matches ``targets``, or is None when every synapse has the same delay (in the spec).
    """

    row_ptr: jax.Array | None   # int32 [N_src + 2] (csr) or None (ell)
    targets: jax.Array          # int32 [nnz] (csr) or [N_src + 1, max_out] (ell)
    weights: jax.Array          # float, like targets, or [N_src + 1] per source
    delays: jax.Array | None    # int32 like targets (steps), or None


class EventSpec(NamedTuple):
    """Static facts of an event projection (hashable, part of the compiled program)."""

    n_src: int
    n_tgt: int
    max_out: int
    hom_delay: int  # the common delay in steps, or 0 when heterogeneous
    layout: str = "csr"
    per_source: bool = False


def build_csr(src: np.ndarray, tgt: np.ndarray, w: np.ndarray, d: np.ndarray, n_src: int,
              n_tgt: int, dtype, D: int | None = None, layout: str = "csr") -> tuple[CSR, EventSpec]:
    """Sort synapses by source (stable, so order within a row is connection order) and lay
    them out as ``"csr"``, ``"ell"`` or ``"auto"`` (ELL unless padding would more than
    double the storage). ``D`` (ring depth, default the largest delay) sets the ELL pad."""
    return build_csr_parts([(src, tgt, w, d)], n_src, n_tgt, dtype, D, layout)


def build_csr_parts(parts, n_src: int, n_tgt: int, dtype, D: int | None = None,
                    layout: str = "csr") -> tuple[CSR, EventSpec]:
    """:func:`build_csr` of the concatenation of ``parts`` (a list of ``(src, tgt, w, d)``
    arrays), without concatenating them: rows are filled part by part, so the host memory
    beyond the result is that of the largest part (about 40 bytes per synapse), not of the
    whole projection. The result equals ``build_csr`` of the concatenated arrays (tested)."""
    parts = [(np.asarray(s_), np.asarray(t_), np.asarray(w_), np.asarray(d_)) for s_, t_, w_, d_ in parts]
    counts = np.zeros(n_src, np.int64)
    for s_, *_ in parts:
        counts += np.bincount(s_, minlength=n_src)[:n_src]
    nnz = int(counts.sum())
    row_ptr = np.zeros(n_src + 2, np.int64)
    row_ptr[1:n_src + 1] = np.cumsum(counts)
    row_ptr[n_src + 1] = row_ptr[n_src]
    if nnz >= 2**31:
        raise ValueError(f"{nnz} synapses in one projection exceed int32 indexing")
    max_out = int(counts.max(initial=0))
    if layout == "auto":
        layout = "ell" if (n_src + 1) * max_out <= 2 * nnz + 1024 else "csr"
    ds = [d_ for *_, d_ in parts if len(d_)]
    hom = bool(ds) and all(bool(np.all(d_ == ds[0][0])) for d_ in ds)
    d_max = max((int(d_.max()) for d_ in ds), default=1)
    # one weight per source when every row is constant: the first weight of each row
    first = np.zeros(n_src + 1)
    seen = np.zeros(n_src, bool)
    per_source = nnz > 0
    for s_, _, w_, _ in parts:  # stops at the first part with a row of unequal weights
        if not per_source:
            break
        at = np.full(n_src, len(s_), np.int64)
        np.minimum.at(at, s_, np.arange(len(s_)))  # first index of each source in this part
        new = ~seen & (at < len(s_))
        first[:n_src][new] = w_[at[new]]
        seen |= new
        per_source = bool(np.all(w_ == first[s_]))
    spec = EventSpec(n_src, n_tgt, max_out, int(ds[0][0]) if hom else 0, layout, per_source)
    wdt = np.dtype(jnp.dtype(dtype).name)
    if layout == "csr":
        shape, pad_t = (nnz,), 0
    else:
        D = d_max if D is None else int(D)
        if D * n_tgt * 2 >= 2**31:
            raise ValueError(f"ring buffer of {D} x {n_tgt} entries exceeds int32 indexing")
        shape, pad_t = (n_src + 1, max_out), D * n_tgt
    out_t = np.full(shape, pad_t, np.int32)
    out_w = None if per_source else np.zeros(shape, wdt)
    out_d = None if hom else np.zeros(shape, np.int32)
    fill = np.zeros(n_src + 1, np.int64)  # synapses of each row placed so far
    for s_, t_, w_, d_ in parts:
        if not len(s_):
            continue
        key = s_.astype(np.uint16) if n_src < 2**16 else s_  # numpy radix-sorts 16-bit keys
        order = np.argsort(key, kind="stable")
        ss = s_[order]
        c_ = np.bincount(ss, minlength=n_src)
        start = np.cumsum(c_) - c_  # first index of each row within this part
        col = np.arange(len(ss)) - start[ss] + fill[ss]
        at = (row_ptr[ss] + col,) if layout == "csr" else (ss, col)
        out_t[at] = t_[order]
        if out_w is not None:
            out_w[at] = w_[order]
        if out_d is not None:
            out_d[at] = d_[order]
        fill[:n_src] += c_
        del order, ss, col, at
    w_arr = first.astype(wdt) if per_source else out_w
    row = jnp.asarray(row_ptr, jnp.int32) if layout == "csr" else None
    csr = CSR(row, jnp.asarray(out_t), jnp.asarray(w_arr, dtype), None if out_d is None else jnp.asarray(out_d))
    return csr, spec


def _prefix(cnt: jax.Array) -> jax.Array:
    """Inclusive prefix sum; one fused masked reduction for short vectors (XLA's CPU cumsum
    is a chain of reduce-window kernels)."""
    nb = cnt.shape[0]
    if nb > 256:
        return jnp.cumsum(cnt)
    i = jnp.arange(nb)
    return jnp.sum(jnp.where(i[None, :] <= i[:, None], cnt[None, :], 0), axis=1)


def compact(active: jax.Array, capacity: int) -> jax.Array:
    """Indices of the first ``capacity`` true entries of ``active`` in increasing order,
    padded with ``len(active)``; equal to ``jnp.nonzero(active, size=capacity,
    fill_value=len(active))[0]`` (tested) at a fraction of its cost on CPU, where XLA's
    cumsum over all entries is slow.

    Two levels: the entries are packed into 32-bit words; the word holding the j-th true
    entry is found by comparing j with the prefix sums of the words' popcounts, the entry
    inside it by popcounts of the word masked below each bit.
    """
    n = active.shape[0]
    nb = -(-n // 32)
    bits = jnp.pad(active, (0, nb * 32 - n)).reshape(nb, 32).astype(jnp.uint32)
    words = jnp.sum(bits << jnp.arange(32, dtype=jnp.uint32), axis=1, dtype=jnp.uint32)
    cnt = jax.lax.population_count(words).astype(jnp.int32)
    P = _prefix(cnt)
    j = jnp.arange(capacity, dtype=jnp.int32)
    if nb > 256:  # binary search: O(capacity log nb) instead of a capacity x nb comparison
        blk = jnp.minimum(jnp.searchsorted(P, j, side="right", method="scan"), nb - 1)
    else:
        blk = jnp.minimum(jnp.sum(P[None, :] <= j[:, None], axis=1), nb - 1)
    rank = j - (P[blk] - cnt[blk])
    # bits of the word at or below bit b: mask (2 << b) - 1 (all ones for b = 31)
    b = jnp.arange(32, dtype=jnp.uint32)
    masks = jnp.where(b == 31, jnp.uint32(0xFFFFFFFF), (jnp.uint32(2) << b) - jnp.uint32(1))
    below = jax.lax.population_count(words[blk][:, None] & masks[None, :]).astype(jnp.int32)
    idx = blk * 32 + jnp.sum(below <= rank[:, None], axis=1)
    return jnp.where(j < P[-1], idx, n).astype(jnp.int32)


def capacity_ladder(large: int, smallest: int = 16, last: int = 256, beyond: int = 1) -> tuple[int, ...]:
    """Capacities ``smallest, 2*smallest, ...`` up to ``last``, then (``beyond > 1``)
    ``beyond`` times larger rungs, then ``large`` (included).

    Each rung is a compiled branch (~0.4 s of compile time on the 2-core CPU), so the ladder
    doubles only through the spike counts of ordinary steps. With ``beyond = 1`` (or ``large <
    128 last``) bursts above ``last`` take the top rung; large networks, whose ordinary steps exceed ``last`` sources
    (COBA at 400k neurons: ~700 per step), need ``beyond > 1`` or every step pays for the top
    rung (measured: 0.5 s instead of a few ms per step)."""
    caps = []
    c = max(1, min(smallest, large))
    while c < large and c <= last:
        caps.append(c)
        c *= 2
    if beyond > 1 and large >= 128 * last:  # only large populations: smaller ones keep their compile time
        c = caps[-1] * beyond if caps else c
        while c < large:
            caps.append(c)
            c *= beyond
    return tuple(caps) + (large,)


#: the capacity "ladder" that selects the native CPU kernel (:mod:`sncore.native`)
NATIVE = "native"


def deliver_event(ring: jax.Array, spikes: jax.Array, csr: CSR, spec: EventSpec, k,
                  capacity: tuple[int, ...] | str, clear: bool = False,
                  after: tuple = ()) -> tuple[jax.Array, jax.Array]:
    """Scatter the events of ``spikes`` (step ``k``) into ``ring`` ``[D, N_tgt]``; with
    ``clear``, slot ``k % D`` is zeroed first (the slot the target read this step).

    ``capacity == NATIVE``: one call of the native CPU kernel
    (:func:`sncore.native.deliver_native`, bit-identical, no capacity limit), which runs
    after the arrays ``after`` are computed (it updates ``ring`` in place).

    ``capacity`` is an increasing ladder of static spike capacities (see
    :func:`capacity_ladder`); each step runs the smallest rung that holds its spiking
    sources (a ``lax.switch``: one branch executes), so up to the last doubling rung the
    work is less than twice ``n_spiking x max_out``. Returns ``(ring, n_spiking)``; if ``n_spiking > capacity[-1]``
    only the first ``capacity[-1]`` sources were delivered and the caller must retry with a
    larger capacity (the Simulator does).
    """
    if capacity == NATIVE:
        if spec.max_out > 0 and csr.weights.dtype == ring.dtype:
            from ..native import deliver_native
            return deliver_native(ring, spikes, csr, spec, k, clear, after)
        capacity = (spec.n_src,)  # the whole population: no overflow either
    if clear:
        ring = ring.at[k % ring.shape[0]].set(0)
    active = spikes != 0
    count = jnp.sum(active, dtype=jnp.int32)
    if spec.max_out == 0:
        return ring, count
    D, n = ring.shape
    if len(capacity) == 1:
        contrib = _contribution(D, n, spikes, active, csr, spec, k, capacity[0])
    else:
        rung = jnp.sum(count > jnp.asarray(capacity[:-1], jnp.int32))
        contrib = jax.lax.switch(rung, [
            lambda c=c: _contribution(D, n, spikes, active, csr, spec, k, c) for c in capacity])
    # the ring stays outside the switch: a branch that wrote into it would copy it each step
    if csr.delays is None:
        ring = ring.at[(k + spec.hom_delay) % D].add(contrib.astype(ring.dtype))
    else:
        ring = ring + contrib.reshape(D, n).astype(ring.dtype)
    return ring, count


def _contribution(D, n, spikes, active, csr: CSR, spec: EventSpec, k, capacity: int):
    """This step's events as a ring-row ``[n]`` (one delay) or a flat ``[D * n]`` block."""
    idx = compact(active, capacity)
    mult = jnp.concatenate([spikes, jnp.zeros((1,), spikes.dtype)])[idx].astype(csr.weights.dtype)
    if spec.layout == "ell":
        tgt = csr.targets[idx]                       # [capacity, max_out] row copies
        valid = None                                 # pads (D * n) lie past any row: dropped
        pos = idx
    else:
        start = csr.row_ptr[idx]
        length = csr.row_ptr[idx + 1] - start
        j = jnp.arange(spec.max_out, dtype=jnp.int32)
        valid = j[None, :] < length[:, None]
        pos = jnp.where(valid, start[:, None] + j[None, :], 0)
        tgt = jnp.where(valid, csr.targets[pos], D * n)
    if spec.per_source:
        w = jnp.broadcast_to((csr.weights[idx] * mult)[:, None], tgt.shape)
    else:
        w = csr.weights[pos] * mult[:, None]
    if csr.delays is None:
        return jnp.zeros((n,), w.dtype).at[tgt.reshape(-1)].add(w.reshape(-1), mode="drop")
    flat = ((k + csr.delays[pos]) % D) * n + tgt
    if valid is not None:
        flat = jnp.where(valid, flat, D * n)
    return jnp.zeros((D * n,), w.dtype).at[flat.reshape(-1)].add(w.reshape(-1), mode="drop")


class DelayGroups(eqx.Module):
    """Per distinct delay ``delays[g]`` (static), a weight matrix ``mats[g]`` ``[N_src, N_tgt]``
    (dense array or BCOO) holding the summed weights of the synapses with that delay."""

    mats: tuple
    delays: tuple[int, ...] = eqx.field(static=True)


def build_delay_groups(src, tgt, w, d, n_src, n_tgt, dtype, kind: str) -> DelayGroups:
    mats, ds = [], []
    for dv in np.unique(d):
        m = d == dv
        if kind == "dense":
            mat = np.zeros((n_src, n_tgt))
            np.add.at(mat, (src[m], tgt[m]), w[m])
            mats.append(jnp.asarray(mat, dtype))
        else:
            idx = jnp.asarray(np.stack([src[m], tgt[m]], 1), jnp.int32)
            mats.append(sparse.BCOO((jnp.asarray(w[m], dtype), idx), shape=(n_src, n_tgt)))
        ds.append(int(dv))
    return DelayGroups(tuple(mats), tuple(ds))


def _deliver_matrix(ring, spikes, groups: DelayGroups, k, matvec):
    D = ring.shape[0]
    for mat, dv in zip(groups.mats, groups.delays):
        contrib = matvec(spikes.astype(ring.dtype), mat)
        ring = ring.at[(k + dv) % D].add(contrib)
    return ring


def deliver_dense(ring, spikes, groups: DelayGroups, k):
    """Dense reference: ``ring[(k+d) % D] += spikes @ W_d`` for every delay group."""
    return _deliver_matrix(ring, spikes, groups, k, lambda s, m: s @ m)


def deliver_bcoo(ring, spikes, groups: DelayGroups, k):
    """Sparse-matrix path: as :func:`deliver_dense` with BCOO matrices."""
    return _deliver_matrix(ring, spikes, groups, k, lambda s, m: sparse.bcoo_dot_general(
        m, s, dimension_numbers=(([0], [0]), ([], []))))

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

__all__ = ["CSR", "DelayGroups", "build_csr", "build_delay_groups", "deliver_event",
           "deliver_dense", "deliver_bcoo", "compact", "capacity_ladder"]


class CSR(NamedTuple):
    """Synapses sorted by source: row ``i`` is ``row_ptr[i]:row_ptr[i+1]``.

    ``row_ptr`` has ``N_src + 2`` entries: the extra empty row ``N_src`` is the padding
    row of the compacted spike list. ``delays`` is ``None`` when every synapse has the same
    delay (then stored in :class:`EventSpec`), saving 4 bytes per synapse.
    """

    row_ptr: jax.Array   # int32 [N_src + 2]
    targets: jax.Array   # int32 [nnz]
    weights: jax.Array   # float [nnz]
    delays: jax.Array | None  # int32 [nnz] (steps) or None


class EventSpec(NamedTuple):
    """Static facts of an event projection (hashable, part of the compiled program)."""

    n_src: int
    n_tgt: int
    max_out: int
    hom_delay: int  # the common delay in steps, or 0 when heterogeneous


def build_csr(src: np.ndarray, tgt: np.ndarray, w: np.ndarray, d: np.ndarray, n_src: int,
              n_tgt: int, dtype) -> tuple[CSR, EventSpec]:
    """Sort synapses by source (stable, so order within a row is connection order)."""
    order = np.argsort(src, kind="stable")
    counts = np.bincount(src, minlength=n_src) if len(src) else np.zeros(n_src, np.int64)
    row_ptr = np.zeros(n_src + 2, np.int64)
    row_ptr[1:n_src + 1] = np.cumsum(counts)
    row_ptr[n_src + 1] = row_ptr[n_src]
    if row_ptr[-1] >= 2**31:
        raise ValueError(f"{row_ptr[-1]} synapses in one projection exceed int32 indexing")
    hom = len(d) > 0 and bool(np.all(d == d[0]))
    csr = CSR(
        row_ptr=jnp.asarray(row_ptr, jnp.int32),
        targets=jnp.asarray(tgt[order], jnp.int32),
        weights=jnp.asarray(w[order], dtype),
        delays=None if hom else jnp.asarray(d[order], jnp.int32),
    )
    spec = EventSpec(n_src, n_tgt, int(counts.max(initial=0)), int(d[0]) if hom else 0)
    return csr, spec


_B = 32


def _inclusive_prefix(x: jax.Array) -> jax.Array:
    """Inclusive prefix sum of a float vector as small triangular matrix products.

    XLA's CPU cumsum costs ~10 ns per element; blocks of 32 through a ``[32, 32]``
    upper-triangular product (recursively over block totals) cost a fraction of that.
    Exact for integer-valued float32 inputs below 2**24.
    """
    n = x.shape[0]
    if n <= _B:
        return x @ jnp.triu(jnp.ones((n, n), x.dtype))
    nb = -(-n // _B)
    loc = jnp.pad(x, (0, nb * _B - n)).reshape(nb, _B) @ jnp.triu(jnp.ones((_B, _B), x.dtype))
    tot = _inclusive_prefix(loc[:, -1])
    return (loc + (tot - loc[:, -1])[:, None]).reshape(-1)[:n]


def compact(active: jax.Array, capacity: int) -> jax.Array:
    """Indices of the first ``capacity`` true entries of ``active`` in increasing order,
    padded with ``len(active)``; equal to ``jnp.nonzero(active, size=capacity,
    fill_value=len(active))[0]`` (tested) at a fraction of its cost on CPU.

    Two levels: per block of 32 entries a count, the block holding the j-th true entry
    by comparison with the block prefix sums, then the rank inside that block.
    """
    n = active.shape[0]
    if n >= 2**24:
        return jnp.nonzero(active, size=capacity, fill_value=n)[0].astype(jnp.int32)
    nb = -(-n // _B)
    sp = jnp.pad(active, (0, nb * _B - n)).reshape(nb, _B).astype(jnp.float32)
    cnt = sp.sum(1)
    P = _inclusive_prefix(cnt)
    j = jnp.arange(capacity, dtype=jnp.float32)
    blk = jnp.minimum(jnp.sum(P[None, :] <= j[:, None], axis=1), nb - 1)
    rank = j - (P[blk] - cnt[blk])
    local = sp[blk] @ jnp.triu(jnp.ones((_B, _B), jnp.float32))
    idx = blk * _B + jnp.sum(local <= rank[:, None], axis=1)
    return jnp.where(j < P[-1], idx, n).astype(jnp.int32)


def capacity_ladder(large: int, smallest: int = 8) -> tuple[int, ...]:
    """Capacities ``smallest, 4*smallest, 16*smallest, ...`` up to ``large`` (included)."""
    caps = []
    c = max(1, min(smallest, large))
    while c < large:
        caps.append(c)
        c *= 4
    return tuple(caps) + (large,)


def deliver_event(ring: jax.Array, spikes: jax.Array, csr: CSR, spec: EventSpec, k,
                  capacity: tuple[int, ...]) -> tuple[jax.Array, jax.Array]:
    """Scatter the events of ``spikes`` (step ``k``) into ``ring`` ``[D, N_tgt]``.

    ``capacity`` is an increasing ladder of static spike capacities (see
    :func:`capacity_ladder`); each step runs the smallest rung that holds its spiking
    sources (a ``lax.switch``: one branch executes), so the work is at most four times
    ``n_spiking x max_out``. Returns ``(ring, n_spiking)``; if ``n_spiking > capacity[-1]``
    only the first ``capacity[-1]`` sources were delivered and the caller must retry with a
    larger capacity (the Simulator does).
    """
    active = spikes != 0
    count = jnp.sum(active, dtype=jnp.int32)
    if spec.max_out == 0:
        return ring, count
    if len(capacity) == 1:
        return _deliver(ring, spikes, active, csr, spec, k, capacity[0]), count
    rung = jnp.sum(count > jnp.asarray(capacity[:-1], jnp.int32))
    branches = [lambda r, c=c: _deliver(r, spikes, active, csr, spec, k, c) for c in capacity]
    return jax.lax.switch(rung, branches, ring), count


def _deliver(ring, spikes, active, csr: CSR, spec: EventSpec, k, capacity: int):
    D, n = ring.shape
    idx = compact(active, capacity)
    start = csr.row_ptr[idx]
    length = csr.row_ptr[idx + 1] - start
    mult = jnp.concatenate([spikes, jnp.zeros((1,), spikes.dtype)])[idx]
    j = jnp.arange(spec.max_out, dtype=jnp.int32)
    valid = j[None, :] < length[:, None]
    pos = jnp.where(valid, start[:, None] + j[None, :], 0)
    w = csr.weights[pos] * mult[:, None].astype(csr.weights.dtype)
    delay = spec.hom_delay if csr.delays is None else csr.delays[pos]
    slot = (k + delay) % D
    flat = jnp.where(valid, slot * n + csr.targets[pos], D * n)
    out = ring.reshape(-1).at[flat.reshape(-1)].add(w.reshape(-1), mode="drop")
    return out.reshape(D, n)


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

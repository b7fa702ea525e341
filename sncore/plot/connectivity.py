"""Connectivity matrices and weight histograms.

A projection is given as a :class:`~sncore.network.simulator.Synapses` handle (what
``sim.connect`` returns; its current weights, so plastic weights after learning), as
``Connection`` objects of ``sim.connections`` together with ``sim=``, or as a tuple
``(sources, targets, weights)`` of global ids and weights (arrays or a Quantity).

The dense matrix ``W[i, j]`` sums the weights of every connection from ``pre[i]`` to
``post[j]`` (multapses add up; no connection: 0). It is drawn with a diverging colour map
whose limits are ``+-max|W|``, so 0 is the middle colour and excitation and inhibition get
opposite hues. **Large populations**: a matrix larger than ``max_size`` on an axis is
binned into blocks of ``ceil(n / max_size)`` neurons; a pixel is the mean of ``W`` over
its block (zeros included), i.e. the summed weight of the block divided by its number of
neuron pairs (edge blocks may be smaller). Nothing is sampled away.

Example:
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from sncore import plot
    >>> syn = sim.connect(ne, ne + ni, rule=sn.conn.fixed_indegree(40), weight=0.1 * u.mV)
    >>> ax = plot.connectivity(None, syn, pre=ne, post=ne + ni)
    >>> w0 = syn.get("weight"); res = sim.simulate(1 * u.second)
    >>> ax = plot.weight_histogram(None, w0, syn.get("weight"))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..units import SncoreError
from ._util import get_ax, ids_of, in_unit, value_and_unit

__all__ = ["connection_arrays", "connectivity", "weight_histogram", "weight_matrix"]


def _block_ids(sim: Any, c: Any, pos: np.ndarray, src: bool) -> np.ndarray:
    """Global ids of block positions ``pos`` on one side of a Connection."""
    from ..network.engine import SG

    block = c.src_block if src else c.tgt_block
    if src and c.device is not None:
        return c.device.first_id + np.asarray(pos, np.int64)
    out = np.full(len(pos), -1, np.int64)
    for g in sim.groups:
        if block == SG and g.kind == "spike_generator":
            off = g.extra["sg_offset"]
        elif g.kind == "neuron" and g.block == block:
            off = g.offset
        else:
            continue
        m = (pos >= off) & (pos < off + g.n)
        out[m] = g.first_id + pos[m] - off
    return out


def connection_arrays(conn: Any, sim: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """``(sources, targets, weights, unit)``: global ids, plain weights and the weight unit's
    name ('' if bare) of a Synapses handle, Connection(s) with ``sim=``, or a 3-tuple."""
    from ..network.simulator import Connection, Synapses

    if isinstance(conn, Synapses):
        w, unit = value_and_unit(conn.get("weight"))
        src, tgt = np.zeros(len(conn), np.int64), np.zeros(len(conn), np.int64)
        for c in conn._conns():
            src[c.index] = _block_ids(conn.sim, c, c.src, True)
            tgt[c.index] = _block_ids(conn.sim, c, c.tgt, False)
        return src, tgt, w, unit
    if isinstance(conn, Connection) or (isinstance(conn, list) and conn and
                                        all(isinstance(c, Connection) for c in conn)):
        if sim is None:
            raise SncoreError("Connection objects need the Simulator they belong to: pass sim=sim.")
        cs = [conn] if isinstance(conn, Connection) else conn
        src = np.concatenate([_block_ids(sim, c, c.src, True) for c in cs])
        tgt = np.concatenate([_block_ids(sim, c, c.tgt, False) for c in cs])
        return src, tgt, np.concatenate([np.asarray(c.weight, np.float64) for c in cs]), ""
    if isinstance(conn, tuple) and len(conn) == 3:
        src, tgt = ids_of(conn[0], "sources"), ids_of(conn[1], "targets")
        w, unit = value_and_unit(conn[2])
        w = np.broadcast_to(np.atleast_1d(w), src.shape) if np.ndim(w) == 0 else np.atleast_1d(w)
        if not (src.shape == tgt.shape == w.shape):
            raise SncoreError(f"(sources, targets, weights) must have equal lengths, got {src.shape}, "
                              f"{tgt.shape} and {w.shape}.")
        return src, tgt, w, unit
    raise SncoreError(f"expected a Synapses handle (sim.connect's result), Connection(s) with sim=, or a "
                      f"tuple (sources, targets, weights); got {type(conn).__name__}.")


def weight_matrix(conn: Any, pre: Any = None, post: Any = None, *, sim: Any = None) -> tuple[np.ndarray, np.ndarray,
                                                                                              np.ndarray]:
    """Dense summed-weight matrix ``W[i, j]`` from ``pre[i]`` to ``post[j]``.

    Args:
        conn: a Synapses handle, Connection(s) with ``sim=``, or ``(sources, targets, weights)``.
        pre, post: row and column neurons (NodeCollection or global ids, in order); default
            the sorted unique sources / targets. Connections outside them are left out.

    Returns:
        ``(W, pre_ids, post_ids)``, W plain floats in the weight unit, shape ``[len(pre), len(post)]``.

    Example:
        >>> W, rows, cols = weight_matrix(([1, 1, 2], [3, 3, 4], [0.5, 0.25, -1.0]))
        >>> W                                     # rows 1, 2; columns 3, 4
        array([[ 0.75,  0.  ],
               [ 0.  , -1.  ]])
    """
    src, tgt, w, _ = connection_arrays(conn, sim)
    rows = np.unique(src) if pre is None else ids_of(pre, "pre")
    cols = np.unique(tgt) if post is None else ids_of(post, "post")
    for name, ids in (("pre", rows), ("post", cols)):
        if np.unique(ids).size != ids.size:
            raise SncoreError(f"weight_matrix: {name} repeats a neuron id.")
    W = np.zeros((rows.size, cols.size))
    ro, co = np.argsort(rows), np.argsort(cols)
    i = np.searchsorted(rows[ro], src).clip(0, max(rows.size - 1, 0))
    j = np.searchsorted(cols[co], tgt).clip(0, max(cols.size - 1, 0))
    if rows.size and cols.size:
        keep = (rows[ro][i] == src) & (cols[co][j] == tgt)
        np.add.at(W, (ro[i[keep]], co[j[keep]]), w[keep])
    return W, rows, cols


def _bin(W: np.ndarray, max_size: int) -> tuple[np.ndarray, int, int]:
    """Block means of ``W`` so that no side exceeds ``max_size``; returns (matrix, row factor, column factor)."""
    fr, fc = -(-W.shape[0] // max_size), -(-W.shape[1] // max_size)
    if fr == 1 and fc == 1:
        return W, 1, 1
    ri, ci = np.arange(W.shape[0]) // fr, np.arange(W.shape[1]) // fc
    tot = np.zeros((ri[-1] + 1, ci[-1] + 1))
    np.add.at(tot, (ri[:, None], ci[None, :]), W)
    cells = np.bincount(ri)[:, None] * np.bincount(ci)[None, :]
    return tot / cells, fr, fc


def connectivity(ax: Any, conn: Any, pre: Any = None, post: Any = None, *, sim: Any = None, max_size: int = 200,
                 cmap: str = "RdBu_r", colorbar: bool = True) -> Any:
    """Image of the connectivity matrix (rows: presynaptic, columns: postsynaptic neurons).

    Args:
        ax: Axes or None.
        conn: a Synapses handle, Connection(s) with ``sim=``, or ``(sources, targets, weights)``.
        pre, post: row / column neurons (NodeCollection or ids; default the connected ones).
        sim: the Simulator, for Connection objects.
        max_size: largest number of pixels per side; larger matrices are binned (block means,
            see the module docstring) and the axis labels say so.
        cmap: a diverging colour map, centred at 0 (limits ``+-max|W|``).
        colorbar: add a colour bar labelled with the weight unit.

    Returns:
        the Axes; ``ax.images[0].get_array()`` is the (binned) matrix.

    Example:
        >>> ax = connectivity(None, syn, pre=ne, post=ne + ni, max_size=100)
    """
    if isinstance(max_size, bool) or not isinstance(max_size, (int, np.integer)) or max_size < 1:
        raise SncoreError(f"connectivity parameter 'max_size' must be an integer >= 1, got {max_size!r}.")
    W, rows, cols = weight_matrix(conn, pre, post, sim=sim)
    if W.size == 0:
        raise SncoreError(f"connectivity: the matrix is empty ({rows.size} pre x {cols.size} post neurons).")
    unit = connection_arrays(conn, sim)[3]
    W, fr, fc = _bin(W, max_size)
    lim = float(np.max(np.abs(W))) or 1.0
    ax = get_ax(ax)
    im = ax.imshow(W, cmap=cmap, vmin=-lim, vmax=lim, aspect="auto", interpolation="nearest")
    ax.set_ylabel("presynaptic neuron" + (f" (blocks of {fr})" if fr > 1 else ""))
    ax.set_xlabel("postsynaptic neuron" + (f" (blocks of {fc})" if fc > 1 else ""))
    if colorbar:
        label = "mean weight per pair" if fr > 1 or fc > 1 else "weight"
        ax.figure.colorbar(im, ax=ax, label=f"{label} ({unit})" if unit else label)
    return ax


def weight_histogram(ax: Any, before: Any, after: Any = None, bins: int = 30, *,
                     labels: tuple[str, str] = ("before", "after"), alpha: float = 0.5) -> Any:
    """Overlaid histograms of weights before and after plasticity, on shared bins.

    Args:
        ax: Axes or None.
        before: weights (array, Quantity, or a Synapses handle: its current weights).
        after: optional second set (same kinds; a Quantity must match ``before``'s unit).
        bins: number of equal bins spanning both sets.
        labels: legend labels of the two sets.
        alpha: bar transparency.

    Returns:
        the Axes; ``ax.containers[0]`` (and ``[1]``) are the bars of ``before`` (``after``).

    Example:
        >>> w0 = syn.get("weight"); sim.simulate(10 * u.second)
        >>> ax = weight_histogram(None, w0, syn.get("weight"))
    """
    from ..network.simulator import Synapses

    sets = [x.get("weight") if isinstance(x, Synapses) else x for x in (before, after) if x is not None]
    b, unit = value_and_unit(sets[0])
    vals = [np.atleast_1d(b).ravel()]
    if len(sets) == 2:
        vals.append(np.atleast_1d(in_unit(sets[1], sets[0], "after")).ravel())
    for name, v in zip(("before", "after"), vals):
        if v.size == 0:
            raise SncoreError(f"weight_histogram: {name} holds no weights.")
        if not np.all(np.isfinite(v)):
            raise SncoreError(f"weight_histogram: {name} holds non-finite weights.")
    edges = np.histogram_bin_edges(np.concatenate(vals), bins)
    ax = get_ax(ax)
    for v, label in zip(vals, labels):
        ax.hist(v, bins=edges, alpha=alpha, label=label)
    ax.set_xlabel(f"weight ({unit})" if unit else "weight")
    ax.set_ylabel("synapses")
    if len(vals) == 2:
        ax.legend(fontsize="small")
    return ax

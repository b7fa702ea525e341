"""Graph topologies as connection rules: ring lattice, Watts-Strogatz small world,
Barabasi-Albert scale-free graph and 2-D grid neighbourhoods.

These rules are not NEST connection rules; they sit beside them and are used the same way::

    sim.connect(pop, pop, rule=sn.conn.small_world(k=10, p=0.1), weight=0.1 * u.mV)

Nodes are *positions* in the collections: the i-th neuron of ``pre`` and the i-th neuron of
``post`` are graph node i. ``pre`` and ``post`` must therefore have the same size; usually they
are the same collection (a recurrent network). Two different, equally sized collections are
allowed (node i of ``pre`` projects to the neighbours of node i in ``post``), but a neuron that
is in both collections must sit at the same position in both, otherwise the graph would be
ambiguous and a :class:`~sncore.units.SncoreError` is raised.

=================================== ========== =========================================
rule                                 directed?  connections (n nodes)
=================================== ========== =========================================
``ring(k)`` / ``ring(radius=r)``     symmetric  i -> i +- 1..r (mod n); n * 2r
``small_world(k, p)``                symmetric  ring(k), each edge rewired with prob. p;
                                                n * k
``scale_free(m)``                    symmetric  Barabasi-Albert graph; 2 * (m(m+1)/2 +
                                                m(n - m - 1))
``grid(shape, radius, ...)``         symmetric  all nodes within ``radius`` on a 2-D grid
=================================== ========== =========================================

*Symmetric* means the rule builds an undirected graph and every undirected edge {i, j}
becomes **two** connections, i -> j and j -> i; in- and out-degree of each neuron equal its
graph degree. ``ring``, ``small_world`` and ``scale_free`` never make autapses or multapses
(whatever ``allow_autapses`` / ``allow_multapses`` say). ``grid`` is a spatial rule with
NEST's spatial semantics: a neuron is at distance 0 from itself, so it connects to itself when
``allow_autapses=True`` (NEST's default); pass ``allow_autapses=False`` to exclude it. It never
makes multapses.

All randomness is drawn from the ``numpy.random.Generator`` the simulator passes in (seeded
from the simulator seed and the connect-call index), so the graphs are reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..units import SncoreError
from .rules import Rule, _self_index

__all__ = ["barabasi_albert_edges", "grid", "ring", "scale_free", "small_world", "watts_strogatz_edges"]

_METRICS = ("euclidean", "chebyshev", "manhattan")


# ---------------------------------------------------------------------------- helpers
def _node_count(rule: str, src: np.ndarray, tgt: np.ndarray) -> int:
    """Check that ``src`` and ``tgt`` can be one node set; return the number of nodes."""
    if len(src) != len(tgt):
        raise SncoreError(
            f"rule {rule!r} builds one graph on the positions of pre and post, which must have the "
            f"same size; got {len(src)} sources and {len(tgt)} targets. Connect a population to "
            "itself (sim.connect(pop, pop, ...)) or two populations of equal size."
        )
    pos = _self_index(src, tgt)
    bad = (pos >= 0) & (pos != np.arange(len(tgt)))
    if bad.any():
        j = int(np.nonzero(bad)[0][0])
        raise SncoreError(
            f"rule {rule!r}: neuron {int(tgt[j])} is at position {int(pos[j])} of pre but at "
            f"position {j} of post; a neuron in both collections must sit at the same position. "
            "Pass the same collection (same ids, same order) as pre and post."
        )
    return len(src)


def _int(value, name: str, rule: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise SncoreError(f"{rule} parameter {name!r} must be an integer >= {low}, got {value!r}.")
    return int(value)


def _both_ways(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Undirected edges {u, v} -> connections u->v and v->u, sorted by (source, target)."""
    s = np.concatenate([u, v]).astype(np.int64)
    t = np.concatenate([v, u]).astype(np.int64)
    order = np.lexsort((t, s))
    return s[order], t[order]


# ---------------------------------------------------------------------------- ring
@dataclass(frozen=True, init=False)
class ring(Rule):
    """Periodic ring lattice: neuron i connects to i +- 1, ..., i +- r (mod n).

    Give either the number of neighbours ``k`` (even, ``k/2`` on each side) or the ``radius``
    ``r = k/2``. Every neuron gets exactly ``2r`` outgoing and ``2r`` incoming connections, no
    autapses; ``2r < n`` is required so that no neighbour is counted twice. ``ring(k)`` is
    ``small_world(k, 0)``.

    Parameters:
        k: number of neighbours, even integer >= 0.
        radius: neighbours on each side, integer >= 0 (keyword only).

    Pairs come source-major; for each source the targets follow the offsets
    ``-r, ..., -1, +1, ..., +r``, so a weight array may also have shape ``(n, 2r)``.

    Example::

        pop = sim.create("iaf_psc_delta", 100)
        sim.connect(pop, pop, rule=sn.conn.ring(radius=2), weight=0.5 * u.mV)  # 400 connections
    """

    radius: int
    name = "ring"

    def __init__(self, k: int | None = None, *, radius: int | None = None):
        if (k is None) == (radius is None):
            raise SncoreError(f"ring needs exactly one of k (neighbours) or radius, got k={k!r}, "
                              f"radius={radius!r}; e.g. ring(4) or ring(radius=2).")
        if k is not None:
            k = _int(k, "k", "ring", 0)
            if k % 2:
                raise SncoreError(f"ring parameter 'k' must be even (k/2 neighbours on each side), "
                                  f"got {k}; or give radius=r.")
            radius = k // 2
        object.__setattr__(self, "radius", _int(radius, "radius", "ring", 0))

    def array_shape(self, n_src, n_tgt):
        return (n_src, 2 * self.radius)

    def pairs(self, src, tgt, rng, autapses, multapses):
        n = _node_count(self.name, src, tgt)
        r = self.radius
        if 2 * r >= n:
            raise SncoreError(f"ring radius={r} (k={2 * r}) needs 2*radius < n = {n} nodes so that "
                              f"no neighbour is reached twice; allowed: radius <= {(n - 1) // 2}.")
        off = np.concatenate([np.arange(-r, 0), np.arange(1, r + 1)]).astype(np.int64)
        i = np.arange(n, dtype=np.int64)
        return np.repeat(i, 2 * r), ((i[:, None] + off[None, :]) % n).ravel()


# ---------------------------------------------------------------------------- small world
def watts_strogatz_edges(n: int, k: int, p: float, rng: np.random.Generator):
    """Undirected Watts-Strogatz edges ``(u, v, n_rewired)``; see :class:`small_world`."""
    h = k // 2
    u = np.tile(np.arange(n, dtype=np.int64), h)                 # lap j = 1..h, node i = 0..n-1
    v = (u + np.repeat(np.arange(1, h + 1, dtype=np.int64), n)) % n
    flip = np.nonzero(rng.random(n * h) < p)[0]
    if len(flip) == 0:
        return u, v, 0
    adj = [set() for _ in range(n)]
    for a, b in zip(u.tolist(), v.tolist()):
        adj[a].add(b)
        adj[b].add(a)
    pool = rng.integers(0, n, size=2 * len(flip) + 64)
    used = 0
    rewired = 0
    for e in flip.tolist():
        a, b = int(u[e]), int(v[e])
        if len(adj[a]) >= n - 1:        # a already reaches every node: keep the edge
            continue
        while True:
            if used == len(pool):
                pool, used = rng.integers(0, n, size=len(pool)), 0
            w = int(pool[used])
            used += 1
            if w != a and w not in adj[a]:
                break
        adj[a].discard(b)
        adj[b].discard(a)
        adj[a].add(w)
        adj[w].add(a)
        v[e] = w
        rewired += 1
    return u, v, rewired


@dataclass(frozen=True)
class small_world(Rule):
    """Watts-Strogatz small-world graph (Watts & Strogatz 1998, Nature 393:440).

    Algorithm: start from the ring lattice where node i is joined to its ``k/2`` nearest
    neighbours on each side (``n k / 2`` undirected edges). Then visit the lattice edges
    (i, i + j mod n) lap by lap, j = 1, ..., k/2, and within a lap i = 0, ..., n-1; with
    probability ``p`` the edge's far end is replaced by a node drawn uniformly from the nodes
    that are neither i nor already joined to i (so no autapses and no duplicates). The edge
    count stays ``n k / 2``; every undirected edge becomes connections in both directions, so
    there are ``n k`` connections and each neuron's in-degree equals its out-degree.

    ``p = 0`` is the ring lattice (clustering coefficient ``3(k-2) / (4(k-1))``), ``p = 1`` is
    close to a random graph (clustering ~ k/n); in between the clustering stays high while the
    path length drops (Barrat & Weigt 2000: ``C(p) ~ C(0) (1-p)^3``).

    Parameters:
        k: neighbours in the initial lattice, even integer with ``0 <= k < n``.
        p: rewiring probability in [0, 1].

    Example::

        pop = sim.create("iaf_psc_delta", 1000)
        sim.connect(pop, pop, rule=sn.conn.small_world(10, 0.1), weight=0.2 * u.mV,
                    delay=1.5 * u.ms)                      # 10000 connections
    """

    k: int
    p: float
    name = "small_world"

    def __post_init__(self):
        k = _int(self.k, "k", "small_world", 0)
        if k % 2:
            raise SncoreError(f"small_world parameter 'k' must be even (k/2 neighbours on each side), got {k}.")
        p = self.p
        if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) or \
                not 0.0 <= float(p) <= 1.0:
            raise SncoreError(f"small_world parameter 'p' (rewiring probability) must be a number in "
                              f"[0, 1], got {p!r}.")

    def pairs(self, src, tgt, rng, autapses, multapses):
        n = _node_count(self.name, src, tgt)
        if self.k >= n:
            raise SncoreError(f"small_world k={self.k} must be smaller than the number of nodes "
                              f"n = {n}; allowed: even k <= {n - 1 - (n - 1) % 2}.")
        u, v, _ = watts_strogatz_edges(n, self.k, float(self.p), rng)
        return _both_ways(u, v)


# ---------------------------------------------------------------------------- scale free
def barabasi_albert_edges(n: int, m: int, rng: np.random.Generator):
    """Undirected Barabasi-Albert edges ``(u, v)``; see :class:`scale_free`."""
    a, b = np.triu_indices(m + 1, 1)
    n_edges = len(a) + m * (n - m - 1)
    u = np.empty(n_edges, np.int64)
    v = np.empty(n_edges, np.int64)
    u[:len(a)], v[:len(a)] = a, b
    stubs = np.empty(2 * n_edges, np.int64)       # each node listed once per edge end
    stubs[:len(a)], stubs[len(a):2 * len(a)] = a, b
    fill, e = 2 * len(a), len(a)
    for t in range(m + 1, n):
        chosen: list[int] = []
        while len(chosen) < m:
            for c in stubs[rng.integers(0, fill, size=2 * m)].tolist():
                if c not in chosen:
                    chosen.append(c)
                    if len(chosen) == m:
                        break
        u[e:e + m], v[e:e + m] = t, chosen
        stubs[fill:fill + m] = chosen
        stubs[fill + m:fill + 2 * m] = t
        fill += 2 * m
        e += m
    return u, v


@dataclass(frozen=True)
class scale_free(Rule):
    """Barabasi-Albert preferential-attachment graph (Barabasi & Albert 1999, Science 286:509).

    Algorithm: start from the complete graph on nodes 0..m (each of degree m). Nodes
    t = m+1, ..., n-1 are added in order; each joins ``m`` *distinct* earlier nodes, each
    chosen with probability proportional to its current degree (draws from the list of edge
    ends, repeated until m distinct nodes are found). The graph is **undirected**; every edge
    becomes connections in both directions. Hence

    * undirected edges: ``m (m + 1) / 2 + m (n - m - 1)``; connections: twice that;
    * every node has degree >= m; no autapses, no multapses;
    * degree distribution -> ``P(d) = 2 m (m + 1) / (d (d + 1) (d + 2))`` for large n
      (a power-law tail ~ d^-3).

    Parameters:
        m: edges per new node, integer with ``1 <= m < n``.

    Example::

        pop = sim.create("iaf_psc_delta", 1000)
        sim.connect(pop, pop, rule=sn.conn.scale_free(3), weight=0.1 * u.mV)  # 5988 connections
    """

    m: int
    name = "scale_free"

    def __post_init__(self):
        _int(self.m, "m", "scale_free", 1)

    def pairs(self, src, tgt, rng, autapses, multapses):
        n = _node_count(self.name, src, tgt)
        if self.m >= n:
            raise SncoreError(f"scale_free m={self.m} must be smaller than the number of nodes "
                              f"n = {n}; allowed: 1 <= m <= {n - 1}.")
        return _both_ways(*barabasi_albert_edges(n, int(self.m), rng))


# ---------------------------------------------------------------------------- grid
def _offsets(size: int, reach: int, periodic: bool) -> np.ndarray:
    """Offsets along one axis: each reachable position once, by its shortest offset."""
    if periodic:
        lo, hi = -((size - 1) // 2), size // 2     # one representative per residue mod size
        return np.arange(max(lo, -reach), min(hi, reach) + 1, dtype=np.int64)
    r = min(reach, size - 1)
    return np.arange(-r, r + 1, dtype=np.int64)


@dataclass(frozen=True)
class grid(Rule):
    """Neurons on a 2-D grid (row-major order); each connects to all neurons within ``radius``.

    Neuron i sits at row ``i // cols``, column ``i % cols``. For two neurons with row and
    column differences (dr, dc) -- with ``periodic=True`` the shorter way round the torus,
    ``min(|dr|, rows - |dr|)`` -- the distance is

    * ``"euclidean"``: ``sqrt(dr^2 + dc^2)``;
    * ``"chebyshev"``: ``max(|dr|, |dc|)`` (square neighbourhood);
    * ``"manhattan"``: ``|dr| + |dc|`` (diamond).

    A connection i -> j is made for every j with ``distance <= radius`` (inclusive), each pair
    once. The neuron itself is at distance 0: like NEST's spatial connections it is included
    when ``allow_autapses=True`` (NEST's default) and excluded with ``allow_autapses=False``.

    Parameters:
        shape: ``(rows, cols)``, positive integers with ``rows * cols = n``.
        radius: number >= 0, in grid spacings.
        periodic: wrap both axes (torus); default False.
        metric: ``"euclidean"`` (default), ``"chebyshev"`` or ``"manhattan"``.

    Pairs come source-major, targets in order of row then column offset.

    Example::

        pop = sim.create("iaf_psc_delta", 400)
        sim.connect(pop, pop, rule=sn.conn.grid((20, 20), radius=1.5, periodic=True),
                    allow_autapses=False, weight=0.2 * u.mV)   # 8 neighbours each: 3200
    """

    shape: tuple
    radius: float
    periodic: bool = False
    metric: str = "euclidean"
    name = "grid"

    def __post_init__(self):
        s = self.shape
        if not isinstance(s, (tuple, list)) or len(s) != 2 or any(
                isinstance(x, bool) or not isinstance(x, (int, np.integer)) or x < 1 for x in s):
            raise SncoreError(f"grid parameter 'shape' must be (rows, cols) with positive integers, "
                              f"got {s!r}.")
        object.__setattr__(self, "shape", (int(s[0]), int(s[1])))
        r = self.radius
        if isinstance(r, bool) or not isinstance(r, (int, float, np.integer, np.floating)) or \
                not np.isfinite(r) or r < 0:
            raise SncoreError(f"grid parameter 'radius' must be a finite number >= 0 (grid spacings), "
                              f"got {r!r}.")
        if not isinstance(self.periodic, (bool, np.bool_)):
            raise SncoreError(f"grid parameter 'periodic' must be True or False, got {self.periodic!r}.")
        if self.metric not in _METRICS:
            raise SncoreError(f"grid parameter 'metric' must be one of {list(_METRICS)}, got {self.metric!r}.")

    def offsets(self) -> tuple[np.ndarray, np.ndarray]:
        """Row and column offsets (dr, dc) of all neighbours within ``radius`` (incl. (0, 0))."""
        rows, cols = self.shape
        reach = int(np.floor(self.radius))
        dr, dc = np.meshgrid(_offsets(rows, reach, self.periodic), _offsets(cols, reach, self.periodic),
                             indexing="ij")
        dr, dc = dr.ravel(), dc.ravel()
        a, b = np.abs(dr), np.abs(dc)
        if self.metric == "euclidean":
            d = np.sqrt(a * a + b * b)
        elif self.metric == "chebyshev":
            d = np.maximum(a, b)
        else:
            d = a + b
        keep = d <= self.radius
        return dr[keep], dc[keep]

    def pairs(self, src, tgt, rng, autapses, multapses):
        n = _node_count(self.name, src, tgt)
        rows, cols = self.shape
        if rows * cols != n:
            raise SncoreError(f"grid shape={self.shape} holds {rows * cols} neurons but pre and post "
                              f"have n = {n}; allowed: rows * cols == {n}.")
        dr, dc = self.offsets()
        i = np.arange(n, dtype=np.int64)
        r = (i // cols)[:, None] + dr[None, :]
        c = (i % cols)[:, None] + dc[None, :]
        if self.periodic:
            r, c = r % rows, c % cols
            ok = np.ones(r.shape, bool)
        else:
            ok = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
        j = r * cols + c
        if not autapses:
            ok &= ~((j == i[:, None]) & (src == tgt)[:, None])
        i_src = np.broadcast_to(i[:, None], j.shape)[ok]
        return i_src.astype(np.int64), j[ok].astype(np.int64)

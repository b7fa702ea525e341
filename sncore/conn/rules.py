"""Connection rules (NEST names and semantics), evaluated once on the host with numpy.

A rule turns a source and a target collection (unique global ids, in collection order)
into arrays of local positions ``(i_src, i_tgt)`` (positions in the two collections). Autapses are pairs whose
global ids are equal; ``allow_autapses`` / ``allow_multapses`` follow NEST (both default
``True``). Every rule draws from the ``numpy.random.Generator`` it is given, which the
Simulator seeds from ``(seed, connect-call index)``, so connectivity is reproducible.

The order of the returned pairs is NEST's natural order for each rule (target-major for
``all_to_all`` and ``fixed_indegree``, source-major for ``fixed_outdegree``), which is the
order in which an *array* of weights or delays is matched to the connections.

=========================== ===============================================================
rule                         connections
=========================== ===============================================================
``"all_to_all"``             every (source, target) pair
``"one_to_one"``             i-th source to i-th target (sizes must match)
``fixed_indegree(K)``        each target draws K sources uniformly
``fixed_outdegree(K)``       each source draws K targets uniformly
``fixed_probability(p)``     each pair independently with probability p (NEST
                             ``pairwise_bernoulli``)
``fixed_total_number(N)``    N pairs drawn uniformly from all allowed pairs
=========================== ===============================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..units import SncoreError

__all__ = [
    "AllToAll",
    "OneToOne",
    "Rule",
    "fixed_indegree",
    "fixed_outdegree",
    "fixed_probability",
    "fixed_total_number",
    "pairwise_bernoulli",
    "resolve_rule",
]

_BLOCK = 1 << 22  # elements per random block for rules that need a random key per pair


class Rule:
    """Base class of connection rules: ``pairs(src_ids, tgt_ids, rng, autapses, multapses)``."""

    name = "rule"
    #: shape an array of weights must have, as a function of (n_src, n_tgt); None = (n_conn,)
    def array_shape(self, n_src: int, n_tgt: int) -> tuple[int, ...] | None:
        return None

    def pairs(self, src: np.ndarray, tgt: np.ndarray, rng: np.random.Generator,
              autapses: bool, multapses: bool) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError


def _self_index(src: np.ndarray, tgt: np.ndarray) -> np.ndarray:
    """For each entry of ``tgt``, its position in ``src`` (unique ids, any order), or -1."""
    order = np.argsort(src, kind="stable")
    s = src[order]
    pos = np.minimum(np.searchsorted(s, tgt), len(s) - 1)
    return np.where(s[pos] == tgt, order[pos], -1)


@dataclass(frozen=True)
class AllToAll(Rule):
    name = "all_to_all"

    def array_shape(self, n_src, n_tgt):
        return (n_tgt, n_src)

    def pairs(self, src, tgt, rng, autapses, multapses):
        i_tgt, i_src = np.divmod(np.arange(len(src) * len(tgt), dtype=np.int64), len(src))
        if not autapses:
            keep = src[i_src] != tgt[i_tgt]
            i_src, i_tgt = i_src[keep], i_tgt[keep]
        return i_src, i_tgt


@dataclass(frozen=True)
class OneToOne(Rule):
    name = "one_to_one"

    def pairs(self, src, tgt, rng, autapses, multapses):
        if len(src) != len(tgt):
            raise SncoreError(
                f"rule 'one_to_one' needs sources and targets of equal size, got {len(src)} "
                f"sources and {len(tgt)} targets."
            )
        i = np.arange(len(src), dtype=np.int64)
        if not autapses:
            i = i[src != tgt]
        return i, i.copy()


def _draw_k(n_pool: int, self_pos: np.ndarray, k: int, rng, autapses: bool, multapses: bool,
            what: str) -> np.ndarray:
    """For each row (one per element of ``self_pos``) draw k positions in ``range(n_pool)``.

    ``self_pos[r]`` is the position of the row's own node in the pool (-1 if absent); it is
    excluded when autapses are not allowed. Returns int64 ``[rows, k]``.
    """
    rows = len(self_pos)
    excl = (self_pos >= 0) & (not autapses)
    avail = n_pool - excl.astype(np.int64)
    if not multapses and k > avail.min(initial=n_pool):
        raise SncoreError(
            f"{what}={k} is larger than the {int(avail.min())} available "
            f"{'sources' if what == 'indegree' else 'targets'} without multapses; allowed: "
            f"{what} <= {int(avail.min())}, or pass allow_multapses=True."
        )
    if k == 0 or rows == 0:
        return np.zeros((rows, k), dtype=np.int64)
    if multapses:
        draws = rng.integers(0, avail[:, None], size=(rows, k), dtype=np.int64)
        return draws + (excl[:, None] & (draws >= self_pos[:, None]))
    out = np.empty((rows, k), dtype=np.int64)
    step = max(1, _BLOCK // max(n_pool, 1))
    for a in range(0, rows, step):
        b = min(rows, a + step)
        keys = rng.random((b - a, n_pool))
        r = np.nonzero(excl[a:b])[0]
        keys[r, self_pos[a:b][r]] = np.inf
        out[a:b] = np.argpartition(keys, k - 1, axis=1)[:, :k] if k < n_pool else np.argsort(keys, 1)[:, :k]
    return out


@dataclass(frozen=True)
class fixed_indegree(Rule):
    """Each target receives exactly ``indegree`` connections from uniformly drawn sources."""

    indegree: int
    name = "fixed_indegree"

    def __post_init__(self):
        _check_count(self.indegree, "indegree")

    def array_shape(self, n_src, n_tgt):
        return (n_tgt, self.indegree)

    def pairs(self, src, tgt, rng, autapses, multapses):
        self_pos = _self_index(src, tgt)
        d = _draw_k(len(src), self_pos, self.indegree, rng, autapses, multapses, "indegree")
        i_tgt = np.repeat(np.arange(len(tgt), dtype=np.int64), self.indegree)
        return d.ravel(), i_tgt


@dataclass(frozen=True)
class fixed_outdegree(Rule):
    """Each source makes exactly ``outdegree`` connections to uniformly drawn targets."""

    outdegree: int
    name = "fixed_outdegree"

    def __post_init__(self):
        _check_count(self.outdegree, "outdegree")

    def array_shape(self, n_src, n_tgt):
        return (n_src, self.outdegree)

    def pairs(self, src, tgt, rng, autapses, multapses):
        self_pos = _self_index(tgt, src)
        d = _draw_k(len(tgt), self_pos, self.outdegree, rng, autapses, multapses, "outdegree")
        i_src = np.repeat(np.arange(len(src), dtype=np.int64), self.outdegree)
        return i_src, d.ravel()


@dataclass(frozen=True)
class fixed_probability(Rule):
    """Each (source, target) pair is connected independently with probability ``p``
    (NEST ``pairwise_bernoulli``; multapses cannot occur)."""

    p: float
    name = "pairwise_bernoulli"

    def __post_init__(self):
        p = self.p
        if not (isinstance(p, (int, float, np.floating)) and 0.0 <= float(p) <= 1.0):
            raise SncoreError(f"fixed_probability parameter 'p' must be a number in [0, 1], got {p!r}.")

    def pairs(self, src, tgt, rng, autapses, multapses):
        n_s, n_t = len(src), len(tgt)
        if n_s * n_t > _DENSE_PAIRS and 0.0 < self.p <= 0.25:
            i_src, i_tgt = _bernoulli_skip(n_s, n_t, float(self.p), rng)
            if not autapses:
                keep = src[i_src] != tgt[i_tgt]
                i_src, i_tgt = i_src[keep], i_tgt[keep]
            return i_src, i_tgt
        parts_s, parts_t = [], []
        step = max(1, _BLOCK // max(n_s, 1))
        for a in range(0, n_t, step):
            b = min(n_t, a + step)
            hit = rng.random((b - a, n_s)) < self.p
            t, s = np.nonzero(hit)
            parts_s.append(s)
            parts_t.append(t + a)
        i_src = np.concatenate(parts_s).astype(np.int64) if parts_s else np.zeros(0, np.int64)
        i_tgt = np.concatenate(parts_t).astype(np.int64) if parts_t else np.zeros(0, np.int64)
        if not autapses:
            keep = src[i_src] != tgt[i_tgt]
            i_src, i_tgt = i_src[keep], i_tgt[keep]
        return i_src, i_tgt


pairwise_bernoulli = fixed_probability

#: above this many (source, target) pairs a sparse fixed_probability is sampled by geometric
#: skips (cost ~ synapses) instead of one uniform per pair (cost ~ pairs; COBA at 400k
#: neurons: 1.3e11 pairs). Both give independent Bernoulli(p) pairs (tested); the two are
#: different random streams, so the realisation for a given seed depends on which one ran.
_DENSE_PAIRS = 1 << 26


def _bernoulli_skip(n_s: int, n_t: int, p: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """Independent Bernoulli(p) (target, source) pairs by geometric skips along each target's
    row: the gap to the next connected source is Geometric(p), so positions are exactly the
    successes of n_s Bernoulli(p) trials. Returns target-major pairs, sources ascending (the
    order of the dense sampler)."""
    mean, sd = n_s * p, math.sqrt(n_s * p * (1 - p))
    m = int(mean + 8 * sd + 16)              # gaps per row drawn at once; rows that need more continue
    rows = max(1, _BLOCK // m)
    out_s, out_t = [], []
    for a in range(0, n_t, rows):
        b = min(n_t, a + rows)
        pos = np.cumsum(rng.geometric(p, (b - a, m)), axis=1) - 1      # int64
        last = pos[:, -1]
        t_idx, c_idx = np.nonzero(pos < n_s)
        s_list, t_list = [pos[t_idx, c_idx]], [t_idx + a]
        todo = np.nonzero(last < n_s)[0]     # rows not yet past the end (rare)
        while len(todo):
            more = last[todo, None] + np.cumsum(rng.geometric(p, (len(todo), m)), axis=1)
            last[todo] = more[:, -1]
            ti, ci = np.nonzero(more < n_s)
            s_list.append(more[ti, ci])
            t_list.append(todo[ti] + a)
            todo = todo[last[todo] < n_s]
        s_blk, t_blk = np.concatenate(s_list), np.concatenate(t_list)
        order = np.lexsort((s_blk, t_blk))
        out_s.append(s_blk[order])
        out_t.append(t_blk[order])
    return (np.concatenate(out_s).astype(np.int64) if out_s else np.zeros(0, np.int64),
            np.concatenate(out_t).astype(np.int64) if out_t else np.zeros(0, np.int64))


@dataclass(frozen=True)
class fixed_total_number(Rule):
    """Exactly ``N`` connections, each pair drawn uniformly from all allowed pairs."""

    N: int
    name = "fixed_total_number"

    def __post_init__(self):
        _check_count(self.N, "N")

    def pairs(self, src, tgt, rng, autapses, multapses):
        n_s, n_t = len(src), len(tgt)
        n_self = int(np.sum(_self_index(src, tgt) >= 0))
        n_allowed = n_s * n_t - (0 if autapses else n_self)
        if not multapses and self.N > n_allowed:
            raise SncoreError(
                f"fixed_total_number N={self.N} exceeds the {n_allowed} allowed pairs without "
                f"multapses; allowed: N <= {n_allowed}, or pass allow_multapses=True."
            )
        if self.N > 0 and n_allowed == 0:
            raise SncoreError("fixed_total_number: no allowed (source, target) pair.")
        got_s: list[np.ndarray] = [np.zeros(0, np.int64)]
        got_t: list[np.ndarray] = [np.zeros(0, np.int64)]
        need = self.N
        seen: set[int] = set()
        while need > 0:
            m = max(need * 2, 16)
            s = rng.integers(0, n_s, m)
            t = rng.integers(0, n_t, m)
            ok = np.ones(m, bool) if autapses else src[s] != tgt[t]
            s, t = s[ok], t[ok]
            if not multapses:
                key = s * n_t + t
                _, first = np.unique(key, return_index=True)
                first = np.sort(first)
                fresh = np.array([k not in seen for k in key[first].tolist()], bool)
                first = first[fresh]
                s, t = s[first], t[first]
                seen.update((s * n_t + t).tolist())
            s, t = s[:need], t[:need]
            got_s.append(s)
            got_t.append(t)
            need -= len(s)
        return np.concatenate(got_s).astype(np.int64), np.concatenate(got_t).astype(np.int64)


def _check_count(k, name):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise SncoreError(f"connection rule parameter {name!r} must be an integer >= 0, got {k!r}.")


_NAMED = {"all_to_all": AllToAll(), "one_to_one": OneToOne()}


def resolve_rule(rule) -> Rule:
    """Accept a rule object or one of the names ``"all_to_all"``, ``"one_to_one"``."""
    if isinstance(rule, Rule):
        return rule
    if isinstance(rule, str) and rule in _NAMED:
        return _NAMED[rule]
    raise SncoreError(
        f"rule={rule!r} is not a connection rule; allowed: 'all_to_all', 'one_to_one', "
        "sn.conn.fixed_indegree(K), sn.conn.fixed_outdegree(K), sn.conn.fixed_probability(p), "
        "sn.conn.fixed_total_number(N), or a topology: sn.conn.small_world(k, p), "
        "sn.conn.scale_free(m), sn.conn.ring(k), sn.conn.grid(shape, radius)."
    )

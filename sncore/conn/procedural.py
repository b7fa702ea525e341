"""Procedural connectivity: synapses regenerated from a counter-based RNG, never stored.

For ``connect(..., rule=fixed_probability(p) | fixed_outdegree(k), path="procedural")`` no
synapse is stored (0 bytes per synapse). Whenever source ``j`` (its position in ``pre``) spikes,
its outgoing row is regenerated from Threefry-2x32 (:mod:`sncore.random`) under keys derived from
``(seed, connect-call index)`` on the counter ``(j, m)``, ``m`` the slot in the row. The counter
does not contain the step, so a source's row is the same every time it spikes (as GeNN's
procedural connectivity). Per projection only O(neurons) integers are kept: the map from source
block positions to ``pre`` positions, the target positions, and each source's own position in
``post`` (for ``allow_autapses=False``).

Rows, with ``A`` the number of allowed targets of the source (``len(post)``, minus one for its
own node when autapses are excluded):

* ``fixed_outdegree(k)``: slot ``m < k`` draws ``floor(b * A / 2^32)`` from a 32-bit word ``b``
  (exact integer multiply-high: non-uniformity below ``A / 2^32``), with replacement
  (multapses; ``allow_multapses=False`` is not supported procedurally and raises);
* ``fixed_probability(p)``: the gaps between successive targets are Geometric(p),
  ``g = floor(ln u / ln(1 - p))`` with ``u`` in ``(0, 1)`` from two words (resolution
  ``2^-48``, so the tail of ``g`` is exact up to probability ~``e^-33``); target ``m`` is at
  ``sum_{i<=m} (g_i + 1) - 1`` while that is ``< A`` (GeNN's skip-ahead method). A row has a
  static capacity ``R`` chosen with a Chernoff bound so that ``P(any row of the projection > R)
  < 1e-12``; slot ``R`` is generated too, and if a row does not end inside its ``R`` slots the
  chunk is re-run with ``R`` doubled (:class:`~sncore.network.result.Result` counts it in
  ``capacity_retries``). Nothing is ever truncated.

When autapses are excluded a draw ``x`` becomes ``x + (x >= s)``, ``s`` the source's own
position in ``post`` (uniform over the other targets; ascending rows stay ascending).

Weights and delays per synapse come from two more keys on the same counter: a Quantity, or
:func:`~sncore.conn.values.uniform`, :func:`~sncore.conn.values.normal` (Box-Muller),
:func:`~sncore.conn.values.lognormal`, :func:`~sncore.conn.values.exponential` for weights;
a Quantity or ``uniform`` for delays, rounded like stored delays (1 us tics, then
``floor(d/dt + 0.5)``). On models whose receptor is chosen by the weight's sign (``SIGN_ROUTED``)
each generated weight is routed by its sign, as stored weights are.

Work per step is ∝ (spiking sources) x (row length): the spiking sources are compacted with the
event path's capacity ladder (:func:`~sncore.conn.propagate.compact`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..random import normal_from_bits, stream_key, threefry2x32, uniform01
from ..units import TIC, SncoreError
from .propagate import compact
from .rules import fixed_outdegree, fixed_probability
from .values import Distribution, exponential, lognormal, normal, uniform

__all__ = ["ProcConnection", "ProcSpec", "materialise", "proc_rows", "row_capacity"]

#: the probability that any row of a fixed_probability projection exceeds its capacity
ROW_EPS = 1e-12
#: stream ids of procedural connections (far from the per-connection device streams)
_STREAM = 0x50C00000

_W_KINDS = {uniform: "uniform", normal: "normal", lognormal: "lognormal", exponential: "exponential"}


def row_capacity(n_avail: int, p: float, n_rows: int, eps: float = ROW_EPS) -> int:
    """Smallest ``R`` with ``n_rows * P(Binomial(n_avail, p) > R) <= eps`` by the Chernoff bound
    ``P(X >= a) <= exp(-n KL(a/n || p))`` (conservative: a few percent above the exact quantile)."""
    n = int(n_avail)
    if n <= 0 or p <= 0:
        return 1
    if p >= 1:
        return n

    def bound(a: int) -> float:  # P(X >= a), a > n p
        if a > n:
            return 0.0
        q = a / n
        kl = q * math.log(q / p) + (0.0 if q >= 1 else (1 - q) * math.log((1 - q) / (1 - p)))
        return n_rows * math.exp(-n * kl)

    lo, hi = max(math.ceil(n * p), 0), n  # P(X > R) = P(X >= R + 1)
    while lo < hi:
        mid = (lo + hi) // 2
        if bound(mid + 1) <= eps:
            hi = mid
        else:
            lo = mid + 1
    return max(1, lo)


class ProcSpec(NamedTuple):
    """Static facts of a procedural projection (hashable, part of the compiled program)."""

    rule: str                 # "fixed_outdegree" | "fixed_probability"
    n_src: int                # size of the source block (length of its spike vector)
    n_pre: int
    n_post: int
    k: int                    # outdegree
    log_q: float              # ln(1 - p) (fixed_probability)
    R: int                    # slots per row delivered (k, or the row capacity)
    keys: tuple               # ((k0, k1) targets, (k0, k1) weights, (k0, k1) delays)
    no_autapses: bool         # some source is also a target and autapses are excluded
    w_kind: str               # "const" | "uniform" | "normal" | "lognormal" | "exponential"
    d_kind: str               # "const" | "uniform"
    d_par: tuple              # (steps,) or (lo ms, hi ms, dt in tics)
    receptors: tuple          # (r,) one receptor, or (0, 1): routed by the weight's sign
    src_off: int              # pre == block[src_off : src_off + n_pre] when src_map is None
    tgt_off: int              # likewise for post and tgt_map

    @property
    def max_delay(self) -> int:
        if self.d_kind == "const":
            return self.d_par[0]
        return _steps_np(self.d_par[1], self.d_par[2])


class ProcData(NamedTuple):
    """The O(neurons) integer arrays of a procedural projection (None: contiguous)."""

    src_map: np.ndarray | None    # int32 [n_src + 1]: pre position of a block position, or n_pre
    tgt_map: np.ndarray | None    # int32 [n_post]: block position of a post position
    self_t: np.ndarray | None     # int32 [n_pre + 1]: own position in post, or -1


def _steps_np(d_ms: float, dt_tics: int) -> int:
    t = round(d_ms / TIC)
    return (2 * t + dt_tics) // (2 * dt_tics)


@dataclass
class ProcConnection:
    """A ``connect(..., path="procedural")`` call: the rule, never its synapses."""

    call: int
    src_block: str
    tgt_block: str
    src_pos: np.ndarray       # block positions of pre, in collection order
    tgt_pos: np.ndarray       # block positions of post
    self_t: np.ndarray        # [n_pre] own position in post, or -1 (only used without autapses)
    rule: Any                 # fixed_outdegree | fixed_probability
    autapses: bool
    w_kind: str
    w_par: tuple              # canonical floats
    d_kind: str
    d_par: tuple
    receptor: int
    weight_unit: str
    keys: tuple
    R: int
    dt: float

    def describe(self) -> str:
        r = self.rule
        what = f"fixed_outdegree({r.outdegree})" if isinstance(r, fixed_outdegree) else f"fixed_probability({r.p})"
        return (f"{what}:{self.autapses}:{self.w_kind}{self.w_par}:{self.d_kind}{self.d_par}:"
                f"r{self.receptor}:{self.keys}")

    def spec(self, n_src: int, receptors: tuple) -> tuple[ProcSpec, ProcData]:
        n_pre, n_post = len(self.src_pos), len(self.tgt_pos)
        contiguous = lambda a: len(a) == 0 or bool(np.array_equal(a, np.arange(a[0], a[0] + len(a))))
        src_map = None
        if not contiguous(self.src_pos):
            src_map = np.full(n_src + 1, n_pre, np.int32)
            src_map[self.src_pos] = np.arange(n_pre, dtype=np.int32)
        tgt_map = None if contiguous(self.tgt_pos) else self.tgt_pos.astype(np.int32)
        no_aut = (not self.autapses) and bool(np.any(self.self_t >= 0))
        self_t = np.concatenate([self.self_t, [-1]]).astype(np.int32) if no_aut else None
        outdeg = isinstance(self.rule, fixed_outdegree)
        spec = ProcSpec("fixed_outdegree" if outdeg else "fixed_probability", n_src, n_pre, n_post,
                        self.rule.outdegree if outdeg else 0,
                        0.0 if outdeg else (math.log1p(-self.rule.p) if self.rule.p < 1 else -math.inf),
                        self.R, self.keys, no_aut, self.w_kind, self.d_kind, self.d_par, receptors,
                        int(self.src_pos[0]) if src_map is None else 0,
                        int(self.tgt_pos[0]) if tgt_map is None else 0)
        return spec, ProcData(src_map, tgt_map, self_t)


def check_procedural(rule, weight, delay, synapse, autapses: bool, multapses: bool, pre_kind: str) -> None:
    """Raise for every combination ``path="procedural"`` does not support."""
    if not isinstance(rule, (fixed_probability, fixed_outdegree)):
        raise SncoreError(f"connect: path='procedural' needs rule=sn.conn.fixed_probability(p) or "
                          f"sn.conn.fixed_outdegree(k), got rule={rule!r}; other rules need path='auto', "
                          "'event', 'dense' or 'bcoo'.")
    if isinstance(rule, fixed_outdegree) and not multapses:
        raise SncoreError("connect: path='procedural' with fixed_outdegree needs allow_multapses=True (targets "
                          "are drawn with replacement); for allow_multapses=False use path='event'.")
    if synapse is not None:
        raise SncoreError(f"connect: path='procedural' supports static synapses only, got synapse model "
                          f"{synapse.NAME!r}; plastic synapses need stored connections (path='auto').")
    if pre_kind != "neuron":
        raise SncoreError(f"connect: path='procedural' needs neuron sources, got a {pre_kind}; connect devices "
                          "with path='auto'.")
    for name, v, allowed in (("weight", weight, "a scalar Quantity or sn.conn.uniform/normal/lognormal/exponential"),
                             ("delay", delay, "a scalar Quantity or sn.conn.uniform(min, max)")):
        if v is None or isinstance(v, Distribution):
            if name == "delay" and v is not None and not isinstance(v, uniform):
                raise SncoreError(f"connect: path='procedural' parameter 'delay' must be {allowed}, got "
                                  f"{type(v).__name__} (a delay that can fall below dt cannot be drawn per "
                                  "spike); use path='event' for it.")
            continue
        if np.ndim(getattr(v, "mantissa", v)) != 0:
            raise SncoreError(f"connect: path='procedural' parameter {name!r} must be {allowed}, got an "
                              f"array of shape {np.shape(getattr(v, 'mantissa', v))}; per-connection arrays "
                              "need stored connections (path='event').")


def make_keys(seed: int, call: int) -> tuple:
    return tuple(tuple(int(x) for x in stream_key(seed, _STREAM + 4 * call + c)) for c in range(3))


def _mulhi(a, b):
    """``floor(a * b / 2^32)`` for uint32 ``a`` and ``b`` (exact, 16-bit halves)."""
    m16 = jnp.uint32(0xFFFF)
    a0, a1 = a & m16, a >> 16
    b0, b1 = b & m16, b >> 16
    t = a0 * b0
    mid1 = a1 * b0 + (t >> 16)
    mid2 = a0 * b1 + (mid1 & m16)
    return a1 * b1 + (mid1 >> 16) + (mid2 >> 16)


def _prefix_sum(a, block: int = 32):
    """Inclusive prefix sums along axis 1 as products with a triangular matrix of ones, blockwise
    and recursively over block totals (exact for integer values whose sums stay below 2^24; full
    float32 precision requested, so no TF32). On CPU 0.2 ms where ``jnp.cumsum`` takes 5 ms per
    [16, 41] call, and faster to compile."""
    C, S = a.shape
    nb = -(-S // block)
    a = jnp.pad(a, ((0, 0), (0, nb * block - S))).reshape(C, nb, block)
    tri = jnp.asarray(np.triu(np.ones((block, block), np.float32)))
    inner = jnp.matmul(a, tri, precision=jax.lax.Precision.HIGHEST)
    if nb > 1:
        tot = inner[:, :, -1]
        inner = inner + (_prefix_sum(tot, block) - tot)[:, :, None]
    return inner.reshape(C, nb * block)[:, :S]


def _bits(key, j, m):
    j, m = jnp.broadcast_arrays(j, m)
    return threefry2x32((jnp.uint32(key[0]), jnp.uint32(key[1])), j, m)


def _weights(spec: ProcSpec, wpar, y0, y1, dtype):
    a, b, c = wpar[0], wpar[1], wpar[2]
    if spec.w_kind == "const":
        return jnp.broadcast_to(a, y0.shape).astype(dtype)
    if spec.w_kind == "uniform":
        return a + uniform01(y0, dtype) * (b - a)
    if spec.w_kind == "normal":
        return a + b * normal_from_bits(y0, y1, dtype)
    if spec.w_kind == "lognormal":
        return c * jnp.exp(a + b * normal_from_bits(y0, y1, dtype))
    return -a * jnp.log(1 - uniform01(y0, dtype))  # exponential with mean a


def _delays(spec: ProcSpec, y0):
    if spec.d_kind == "const":
        return None
    lo, hi, dtt = spec.d_par
    d = jnp.float32(lo) + uniform01(y0, jnp.float32) * jnp.float32(hi - lo)
    t = jnp.round(d / jnp.float32(TIC)).astype(jnp.int32)
    return (2 * t + dtt) // (2 * dtt)


def proc_rows(spec: ProcSpec, j, self_t, wpar, dtype):
    """Rows of the pre positions ``j`` (int32 ``[C]``; out-of-range entries give empty rows).

    Returns ``(tgt, valid, w, d, overflow)``: post positions ``[C, R]``, a mask, weights, delays in
    steps (None when homogeneous) and per row whether it exceeded its ``R`` slots."""
    ok = (j >= 0) & (j < spec.n_pre)
    ju = jnp.where(ok, j, 0).astype(jnp.uint32)[:, None]
    S = spec.R if spec.rule == "fixed_outdegree" else spec.R + 1
    m = jnp.arange(S, dtype=jnp.uint32)[None, :]
    y0, y1 = _bits(spec.keys[0], ju, m)
    excl = (self_t >= 0) if self_t is not None else jnp.zeros(j.shape, bool)
    avail = spec.n_post - excl.astype(jnp.int32)
    if spec.rule == "fixed_outdegree":
        x = _mulhi(y0, avail.astype(jnp.uint32)[:, None]).astype(jnp.int32)
        valid = jnp.broadcast_to(ok[:, None], x.shape)
        overflow = jnp.zeros(j.shape, bool)
    else:
        u = (y0 >> 8).astype(jnp.float32) * jnp.float32(2.0**-24) + \
            ((y1 >> 8).astype(jnp.float32) + 1) * jnp.float32(2.0**-48)
        cap = avail[:, None]
        if spec.log_q == 0:  # p = 0: every row is empty
            g = jnp.broadcast_to(cap, u.shape).astype(jnp.float32)
        else:
            g = jnp.floor(jnp.log(u) / jnp.float32(spec.log_q))
        # float32 prefix sums are exact integers below 2^24 > A, and rounding is monotone, so an
        # entry is < A exactly when the true position is (n_post < 2^24 is checked at connect)
        pos = _prefix_sum(jnp.minimum(g, cap.astype(jnp.float32)) + 1)
        x = jnp.minimum(pos - 1, cap.astype(jnp.float32)).astype(jnp.int32)
        valid = ok[:, None] & (x < cap)
        overflow = ok & valid[:, -1]
        x, valid = x[:, :spec.R], valid[:, :spec.R]
        y0, m = y0[:, :spec.R], m[:, :spec.R]
    if self_t is not None:
        x = x + (excl[:, None] & (x >= self_t[:, None])).astype(jnp.int32)
    x = jnp.where(valid, x, 0)
    d = None
    if spec.w_kind == "const":
        w = jnp.broadcast_to(wpar[0], x.shape).astype(dtype)
    else:
        w0, w1 = _bits(spec.keys[1], ju, m)
        w = _weights(spec, wpar, w0, w1, dtype)
    if spec.d_kind != "const":
        d = _delays(spec, _bits(spec.keys[2], ju, m)[0])
    return x, valid, w, d, overflow


def deliver_procedural(rings: list, spikes, data: ProcData, spec: ProcSpec, wpar, k, capacity: tuple[int, ...]):
    """Scatter the events of ``spikes`` into ``rings`` (one per receptor of ``spec.receptors``).

    Returns ``(rings, count)``: ``count`` is the number of spiking sources of ``pre``, or
    ``2**31 - 1`` when a generated row exceeded its capacity (the caller re-runs with a larger
    ``R``)."""
    D, n = rings[0].shape
    if data.src_map is not None:
        active = (spikes != 0) & (jnp.asarray(data.src_map[:-1]) < spec.n_pre)
    else:
        active = jnp.zeros(spikes.shape, bool).at[spec.src_off:spec.src_off + spec.n_pre].set(
            spikes[spec.src_off:spec.src_off + spec.n_pre] != 0)
    count = jnp.sum(active, dtype=jnp.int32)

    def contribution(c):
        idx = compact(active, c)
        mult = jnp.concatenate([spikes, jnp.zeros((1,), spikes.dtype)])[idx].astype(rings[0].dtype)
        j = jnp.asarray(data.src_map)[idx] if data.src_map is not None else \
            jnp.where(idx < spec.n_src, idx - spec.src_off, spec.n_pre)
        self_t = None if data.self_t is None else jnp.asarray(data.self_t)[jnp.minimum(j, spec.n_pre)]
        x, valid, w, d, over = proc_rows(spec, j, self_t, wpar, rings[0].dtype)
        tgt = (jnp.asarray(data.tgt_map)[x] if data.tgt_map is not None else x + spec.tgt_off)
        w = w * mult[:, None]
        if d is None:
            flat, size = jnp.where(valid, tgt, n), n
        else:
            flat, size = jnp.where(valid, ((k + d) % D) * n + tgt, D * n), D * n
        outs = []
        for r in spec.receptors:
            wr = w if len(spec.receptors) == 1 else jnp.where((w >= 0) if r == 0 else (w < 0), w, 0)
            outs.append(jnp.zeros((size,), w.dtype).at[flat.reshape(-1)].add(wr.reshape(-1), mode="drop"))
        return tuple(outs), jnp.any(over)

    if len(capacity) == 1:
        contribs, over = contribution(capacity[0])
    else:
        rung = jnp.sum(count > jnp.asarray(capacity[:-1], jnp.int32))
        contribs, over = jax.lax.switch(rung, [lambda c=c: contribution(c) for c in capacity])
    out = []
    for ring, c in zip(rings, contribs):
        if spec.d_kind == "const":
            out.append(ring.at[(k + spec.d_par[0]) % D].add(c.astype(ring.dtype)))
        else:
            out.append(ring + c.reshape(D, n).astype(ring.dtype))
    return out, jnp.where(over, jnp.int32(2**31 - 1), count)


def materialise(pc: ProcConnection, wpar, dtype, sources=None, batch_slots: int = 1 << 22):
    """The synapses of a procedural connection as host arrays ``(i_pre, i_post, w, d_steps)``
    (positions in ``pre`` / ``post``), regenerated with the function the simulation uses, so they
    are bit-identical to what is delivered. ``sources``: only these pre positions (default all).
    Order: by source (in ``sources`` order), then slot (ascending targets for fixed_probability)."""
    spec, data = pc.spec(int(pc.src_pos.max(initial=0)) + 1, (0,))
    R = spec.R
    while True:
        fn = jax.jit(partial(proc_rows, spec), static_argnums=3)
        srcs = np.arange(spec.n_pre) if sources is None else np.asarray(sources, np.int64)
        B = max(1, batch_slots // (R + 1))
        parts, overflow = [], False
        for a in range(0, len(srcs), B):
            j = srcs[a:a + B]
            jj = np.full(B, spec.n_pre, np.int32)
            jj[:len(j)] = j
            st = None if data.self_t is None else jnp.asarray(data.self_t[np.minimum(jj, spec.n_pre)])
            x, valid, w, d, over = jax.device_get(fn(jnp.asarray(jj), st, wpar, dtype))
            if over.any():
                overflow = True
                break
            r, c = np.nonzero(valid[:len(j)])
            dd = np.full(len(r), spec.d_par[0]) if d is None else d[r, c]
            parts.append((j[r], x[r, c], w[r, c], dd))
        if not overflow:
            break
        R *= 2
        spec = spec._replace(R=min(R, spec.n_post))
    if not parts:
        z = np.zeros(0, np.int64)
        return z, z, np.zeros(0), z
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(4))

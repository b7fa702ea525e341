"""Bitstream synapses: probabilistic transmission (``AND``) and stochastic STDP on integer weights.

**Bitstream synapse** (:class:`BitstreamSynapse`).  A weight ``w_ij`` in ``[0, 1]`` is a
probability; it is encoded as a weight stream ``W_ij`` and the synapse passes the presynaptic
spike stream ``X_j`` through an ``AND`` gate:

.. math::  Y_{ij}[t] = X_j[t] \\wedge W_{ij}[t], \\qquad E[Y_{ij}[t]] = w_{ij}\\, P(X_j[t])

for a weight stream independent of the spikes (Bernoulli from a key, or an LFSR/Sobol
stream of another generator).

**Stochastic STDP** (:class:`StochasticSTDP`).  Integer weights ``w_ij`` in ``0..w_max``
(post ``i``, pre ``j``), nearest-spike pairing within a window of ``W`` steps, and
increments gated by random bits ``g+``, ``g-`` with ``P(g+ = 1) = p_plus``,
``P(g- = 1) = p_minus``.  Per step ``t``, in this order:

1. ages (steps since the last spike, saturating at ``W + 1`` = "none"; initially ``W + 1``):
   ``a_j <- 0 if pre_j[t] else min(a_j + 1, W + 1)``, and the same for ``b_i`` with ``post_i[t]``;
2. potentiation (pre before or with post): ``ltp_ij = post_i[t] and a_j <= W - 1``, i.e. the
   last pre spike was ``d = 0..W-1`` steps ago;
3. depression (post before pre): ``ltd_ij = pre_j[t] and not post_i[t] and 1 <= b_i <= W``,
   i.e. the last post spike was ``d = 1..W`` steps ago;
4. ``w_ij <- clip(w_ij + [ltp_ij and g+_ij[t]] - [ltd_ij and g-_ij[t]], 0, w_max)``.

The expected update per pairing is ``+p_plus`` / ``-p_minus`` weight levels; the effective
transmission probability of a synapse is ``w / w_max`` (:meth:`StochasticSTDP.probability`).
Gates come from :func:`stdp_gates` (Bernoulli, independent per synapse and step),
:func:`lfsr_gates` (one LFSR comparator per sign, shared by all synapses) or any other bit
source of the same shape.

Example:
    >>> import jax, jax.numpy as jnp
    >>> stdp = StochasticSTDP(w_max=15, window=4, p_plus=0.5, p_minus=0.25)
    >>> pre = jax.random.bernoulli(jax.random.key(0), 0.1, (200, 3))
    >>> post = jax.random.bernoulli(jax.random.key(1), 0.1, (200, 2))
    >>> gp, gm = stdp_gates(jax.random.key(2), 200, (2, 3), 0.5, 0.25)
    >>> w_trace = stdp.run(jnp.full((2, 3), 8), pre, post, gp, gm)   # [T, 2, 3]
"""

from __future__ import annotations

from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..units import SncoreError
from ._checks import check_int_range, check_unit_interval, is_concrete
from .bernoulli import bernoulli_encode
from .lfsr import LfsrSpec, lfsr_encode

__all__ = ["BitstreamSynapse", "StdpState", "StochasticSTDP", "lfsr_gates", "stdp_gates"]


class BitstreamSynapse(eqx.Module):
    """Synapses ``[n_post, n_pre]`` whose weights are transmission probabilities in ``[0, 1]``."""

    weight: jax.Array

    def __init__(self, weight: Any):
        check_unit_interval(weight, "weight")
        self.weight = jnp.asarray(weight, jnp.float32)

    @staticmethod
    def apply(pre: jax.Array, weight_streams: jax.Array) -> jax.Array:
        """``pre [n_pre, W] & weight_streams [n_post, n_pre, W]`` (packed words) -> ``[n_post, n_pre, W]``."""
        return jnp.asarray(pre, jnp.uint32)[None] & jnp.asarray(weight_streams, jnp.uint32)

    def weight_streams(self, key: jax.Array, length: int) -> jax.Array:
        """Independent Bernoulli weight streams ``[n_post, n_pre, length/32]``."""
        return bernoulli_encode(key, self.weight, length)

    def __call__(self, pre: jax.Array, key: jax.Array) -> jax.Array:
        """Gate packed presynaptic spike streams ``pre [n_pre, W]`` with fresh weight streams."""
        pre = jnp.asarray(pre, jnp.uint32)
        return self.apply(pre, self.weight_streams(key, 32 * pre.shape[-1]))


def stdp_gates(key: jax.Array, steps: int, shape: tuple[int, ...], p_plus: float, p_minus: float):
    """Bernoulli gate bits ``(g_plus, g_minus)``, each bool ``[steps, *shape]``."""
    check_unit_interval(p_plus, "p_plus")
    check_unit_interval(p_minus, "p_minus")
    kp, km = jax.random.split(key)
    return (
        jax.random.uniform(kp, (steps, *shape)) < p_plus,
        jax.random.uniform(km, (steps, *shape)) < p_minus,
    )


def lfsr_gates(spec_plus: LfsrSpec, spec_minus: LfsrSpec, steps: int, shape: tuple[int, ...], p_plus: float,
               p_minus: float):
    """LFSR gate bits ``(g_plus, g_minus)``, bool ``[steps, *shape]``: one comparator per sign,
    ``g[t] = (s_t <= T(p))`` (:func:`sncore.sc.lfsr_encode`), shared by all synapses at step ``t``
    (the cheap hardware variant; use distinct specs for the two signs)."""
    gp = lfsr_encode(spec_plus, p_plus, steps, packed=False)
    gm = lfsr_encode(spec_minus, p_minus, steps, packed=False)
    full = (steps, *shape)
    return (jnp.broadcast_to(gp.reshape(steps, *([1] * len(shape))), full),
            jnp.broadcast_to(gm.reshape(steps, *([1] * len(shape))), full))


class StdpState(NamedTuple):
    """Weights ``w [n_post, n_pre]`` and spike ages ``a_pre [n_pre]``, ``a_post [n_post]`` (int32)."""

    w: jax.Array
    a_pre: jax.Array
    a_post: jax.Array


class StochasticSTDP(eqx.Module):
    """Stochastic nearest-spike STDP on integer weights (rule in the module docstring).

    ========  ======================================  =======
    field     meaning                                 allowed
    ========  ======================================  =======
    w_max     upper weight bound (lower bound 0)      1..2^30
    window    pairing window ``W`` in steps           1..2^20
    p_plus    gate probability of potentiation        [0, 1]
    p_minus   gate probability of depression          [0, 1]
    ========  ======================================  =======
    """

    w_max: int = eqx.field(static=True)
    window: int = eqx.field(static=True)
    p_plus: float = eqx.field(static=True)
    p_minus: float = eqx.field(static=True)

    def __init__(self, w_max: int = 15, window: int = 4, p_plus: float = 0.5, p_minus: float = 0.5):
        self.w_max = check_int_range(w_max, "w_max", 1, 2**30)
        self.window = check_int_range(window, "window", 1, 2**20)
        check_unit_interval(p_plus, "p_plus")
        check_unit_interval(p_minus, "p_minus")
        self.p_plus, self.p_minus = float(p_plus), float(p_minus)

    def probability(self, w: jax.Array) -> jax.Array:
        """Transmission probability ``w / w_max`` for a :class:`BitstreamSynapse`."""
        return jnp.asarray(w, jnp.float32) / self.w_max

    def init(self, w0: Any) -> StdpState:
        w0 = jnp.asarray(w0)
        if is_concrete(w0):
            arr = np.asarray(w0)
            if arr.ndim != 2 or ((arr < 0) | (arr > self.w_max)).any() or (arr != np.round(arr)).any():
                raise SncoreError(
                    f"parameter 'w0': got {arr.ravel()[:4]!r}... with shape {arr.shape}; allowed: integers in "
                    f"[0, {self.w_max}] of shape [n_post, n_pre]"
                )
        n_post, n_pre = w0.shape
        none = self.window + 1
        return StdpState(w0.astype(jnp.int32), jnp.full(n_pre, none, jnp.int32), jnp.full(n_post, none, jnp.int32))

    def step(self, s: StdpState, pre: Any, post: Any, g_plus: Any, g_minus: Any) -> StdpState:
        """One step with spikes ``pre [n_pre]``, ``post [n_post]`` and gates ``[n_post, n_pre]``."""
        pre, post = jnp.asarray(pre, bool), jnp.asarray(post, bool)
        none = self.window + 1
        a_pre = jnp.where(pre, 0, jnp.minimum(s.a_pre + 1, none))
        a_post = jnp.where(post, 0, jnp.minimum(s.a_post + 1, none))
        ltp = post[:, None] & (a_pre[None, :] <= self.window - 1)
        ltd = pre[None, :] & ~post[:, None] & (a_post[:, None] >= 1) & (a_post[:, None] <= self.window)
        dw = (ltp & jnp.asarray(g_plus, bool)).astype(jnp.int32) - (ltd & jnp.asarray(g_minus, bool)).astype(jnp.int32)
        return StdpState(jnp.clip(s.w + dw, 0, self.w_max), a_pre, a_post)

    def run(self, w0: Any, pre: Any, post: Any, g_plus: Any, g_minus: Any) -> jax.Array:
        """Weights after every step, int32 ``[T, n_post, n_pre]``, for time-major spikes and gates."""

        def body(s, xs):
            s = self.step(s, *xs)
            return s, s.w

        _, w = lax.scan(body, self.init(w0), (jnp.asarray(pre), jnp.asarray(post), g_plus, g_minus))
        return w

"""Stochastic-computing arithmetic on packed uint32 bitstreams ``[..., L/32]``.

For streams with bit probabilities ``p_a``, ``p_b`` (values: unipolar ``a = p_a``; bipolar
``x_a = 2 p_a - 1``) and *uncorrelated* bits (SCC = 0):

=====================  ==========================  =================================================
operation              gate                        expected output value
=====================  ==========================  =================================================
:func:`mul`            ``a & b``                   ``a b`` (unipolar); ``min(a, b)`` if SCC = +1
:func:`mul_bipolar`    ``~(a ^ b)`` (XNOR)         ``x_a x_b`` (bipolar)
:func:`mux_add`        ``sel ? b : a``             ``(1 - s) a + s b``, ``s = P(sel)``; ``(a+b)/2`` at ``s = 1/2``
:func:`apc`            per-bit count               ``sum_j bit_{j,t}`` exactly (integer)
=====================  ==========================  =================================================

``mux_add`` is correct in either polarity (the MUX output probability is the same convex
combination of the input probabilities, and ``2((1-s) p_a + s p_b) - 1 = (1-s) x_a + s x_b``)
and needs ``sel`` independent of ``a`` and ``b`` only.

:func:`scc` is the stochastic cross-correlation of Alaghi & Hayes (2013), with
``n_11, n_10, n_01, n_00`` the counts of bit pairs and ``N = L``:

.. math::

    \\mathrm{SCC} = \\begin{cases}
      \\dfrac{n_{11} n_{00} - n_{10} n_{01}}{N \\min(n_{1\\cdot}, n_{\\cdot 1}) - n_{1\\cdot} n_{\\cdot 1}}
        & n_{11} n_{00} > n_{10} n_{01} \\\\[2ex]
      \\dfrac{n_{11} n_{00} - n_{10} n_{01}}{n_{1\\cdot} n_{\\cdot 1} - N \\max(n_{11} - n_{00}, 0)}
        & \\text{otherwise}
    \\end{cases}

(``n_1. = n_11 + n_10``, ``n_.1 = n_11 + n_01``); ``+1`` means maximal overlap (``AND`` =
``min``), ``-1`` minimal overlap, ``0`` the product.  Evaluated on probabilities in float32
(``n_11 n_00 - n_10 n_01 = N n_11 - n_1. n_.1``); defined as 0 when the denominator is 0
(a constant stream).

Example:
    >>> import jax
    >>> from sncore.sc import bernoulli_encode, decode
    >>> a = bernoulli_encode(jax.random.key(1), 0.5, 2**14)
    >>> b = bernoulli_encode(jax.random.key(2), 0.4, 2**14)
    >>> round(float(decode(mul(a, b))), 1), round(float(decode(mul(a, a))), 1)
    (0.2, 0.5)
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from ..units import SncoreError
from .packing import _as_words, popcount, stream_length, unpack

__all__ = ["apc", "apc_total", "mul", "mul_bipolar", "mux_add", "scc"]


def _pair(a: Any, b: Any) -> tuple[jax.Array, jax.Array]:
    a, b = _as_words(a), _as_words(b)
    if a.shape[-1] != b.shape[-1]:
        raise SncoreError(
            f"parameter 'b': got {32 * b.shape[-1]} bits; allowed: the same stream length as 'a' "
            f"({32 * a.shape[-1]} bits)"
        )
    return a, b


def mul(a: Any, b: Any) -> jax.Array:
    """Unipolar multiply: ``a & b`` (value ``p_a p_b`` for uncorrelated streams)."""
    return _and(*_pair(a, b))


def mul_bipolar(a: Any, b: Any) -> jax.Array:
    """Bipolar multiply: ``XNOR(a, b) = ~(a ^ b)`` (value ``x_a x_b`` for uncorrelated streams)."""
    return _xnor(*_pair(a, b))


def mux_add(a: Any, b: Any, sel: Any) -> jax.Array:
    """Scaled addition by a 2:1 MUX: bit = ``b`` where ``sel`` is 1, else ``a``.

    Value ``(1 - s) a + s b`` with ``s`` the probability of ``sel``; ``(a + b) / 2`` for ``s = 1/2``.
    """
    a, b = _pair(a, b)
    a, sel = _pair(a, sel)
    return _mux(a, b, sel)


def apc(streams: Any, axis: int = 0) -> jax.Array:
    """Accumulative parallel counter: the exact number of ones per bit position.

    Args:
        streams: packed words ``[..., W]`` with the ``n`` streams to add along ``axis``
            (not the last axis).

    Returns:
        int32 counts ``[..., 32 W]`` (``axis`` removed): ``c_t = sum_j bit_{j,t}`` in ``0..n``.
    """
    words = _as_words(streams)
    ax = axis % words.ndim
    if ax == words.ndim - 1:
        raise SncoreError(f"parameter 'axis': got {axis}; allowed: any axis but the last (the word axis)")
    return jnp.sum(unpack(words).astype(jnp.int32), axis=ax)


def apc_total(streams: Any, axis: int = 0) -> jax.Array:
    """Sum of :func:`apc` over time: ``sum_j popcount(stream_j)`` (int32); ``/ L`` estimates ``sum_j p_j``."""
    words = _as_words(streams)
    ax = axis % words.ndim
    if ax == words.ndim - 1:
        raise SncoreError(f"parameter 'axis': got {axis}; allowed: any axis but the last (the word axis)")
    return jnp.sum(popcount(words), axis=ax)


def scc(a: Any, b: Any) -> jax.Array:
    """Stochastic cross-correlation (Alaghi & Hayes 2013) of packed streams, float32 ``[...]``."""
    return _scc(*_pair(a, b))


@jax.jit
def _and(a: jax.Array, b: jax.Array) -> jax.Array:
    return a & b


@jax.jit
def _xnor(a: jax.Array, b: jax.Array) -> jax.Array:
    return ~(a ^ b)


@jax.jit
def _mux(a: jax.Array, b: jax.Array, sel: jax.Array) -> jax.Array:
    return (a & ~sel) | (b & sel)


@jax.jit
def _scc(a: jax.Array, b: jax.Array) -> jax.Array:
    n = float(stream_length(a))
    p11 = popcount(a & b) / n
    pa = popcount(a) / n
    pb = popcount(b) / n
    num = p11 - pa * pb
    den_pos = jnp.minimum(pa, pb) - pa * pb
    den_neg = pa * pb - jnp.maximum(pa + pb - 1.0, 0.0)
    den = jnp.where(num > 0, den_pos, den_neg)
    safe = jnp.where(den == 0, 1.0, den)
    return jnp.where(den == 0, 0.0, num / safe).astype(jnp.float32)

"""Sobol low-discrepancy sequences (Gray-code order, uint32) and the Sobol bitstream encoder.

Direction numbers for dimension ``d`` come from a primitive polynomial of degree ``s`` with
inner coefficients ``a`` (bits ``a_1 .. a_{s-1}``) and initial odd integers ``m_1 .. m_s``
(Joe & Kuo, ``new-joe-kuo-6.21201``; dimension 1 is van der Corput, all ``m_k = 1``):

.. math::

    v_k = m_k \\, 2^{32-k} \\;(k \\le s), \\qquad
    v_k = v_{k-s} \\oplus (v_{k-s} \\gg s) \\oplus \\bigoplus_{j=1}^{s-1} a_j v_{k-j} \\;(k > s),

and point ``i`` (``i = 0, 1, ...``) in Gray-code order is

.. math::

    x_i = \\bigoplus_{k \\ge 1} g_{k-1}(i)\\, v_k, \\qquad g(i) = i \\oplus (i \\gg 1),

a uint32 whose value ``x_i / 2^32`` is the point in ``[0, 1)``.  The first ``2^m`` points of
one dimension are exactly the multiples of ``2^{-m}``; pairs of dimensions form ``(0, m, 2)``
nets, so SC products of different dimensions converge like ``O(log L / L)``.

**Comparison rule** (:func:`sobol_encode`, resolution ``w`` bits, 1..31):
``r_t = x_t >> (32 - w)`` and ``bit_t = (r_t < T)`` with ``T = round_half_up(p 2^w)``
(:func:`sobol_threshold`, ``0 <= T <= 2^w``).  For ``L = 2^m <= 2^w`` the stream holds
``ceil(T / 2^(w-m))`` ones.

Example:
    >>> [float(x) / 2**32 for x in sobol_sequence(1, 8)]
    [0.0, 0.5, 0.75, 0.25, 0.375, 0.875, 0.625, 0.125]
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ._checks import check_int_range, check_length, check_unit_interval, quantize
from .packing import pack

__all__ = ["MAX_DIM", "SOBOL_PARAMS", "direction_numbers", "sobol_encode", "sobol_sequence", "sobol_threshold"]

#: dimension -> (degree s, coefficient bits a, initial m_1..m_s); new-joe-kuo-6.21201, dims 1..10
SOBOL_PARAMS: dict[int, tuple[int, int, tuple[int, ...]]] = {
    1: (0, 0, ()),
    2: (1, 0, (1,)),
    3: (2, 1, (1, 3)),
    4: (3, 1, (1, 3, 1)),
    5: (3, 2, (1, 1, 1)),
    6: (4, 1, (1, 1, 3, 3)),
    7: (4, 4, (1, 3, 5, 13)),
    8: (5, 2, (1, 1, 5, 5, 17)),
    9: (5, 4, (1, 1, 5, 5, 5)),
    10: (5, 7, (1, 1, 7, 11, 19)),
}
MAX_DIM = max(SOBOL_PARAMS)


def direction_numbers(dim: int) -> np.ndarray:
    """The 32 direction numbers ``v_1 .. v_32`` of dimension ``dim`` (1-based) as uint32."""
    check_int_range(dim, "dim", 1, MAX_DIM)
    s, a, m = SOBOL_PARAMS[dim]
    if dim == 1:
        return np.array([1 << (32 - k) for k in range(1, 33)], dtype=np.uint32)
    v = [0] * 33  # 1-based
    for k in range(1, s + 1):
        v[k] = m[k - 1] << (32 - k)
    for k in range(s + 1, 33):
        x = v[k - s] ^ (v[k - s] >> s)
        for j in range(1, s):
            if (a >> (s - 1 - j)) & 1:
                x ^= v[k - j]
        v[k] = x
    return np.array(v[1:], dtype=np.uint32)


_TABLE = np.stack([direction_numbers(d) for d in range(1, MAX_DIM + 1)])  # [MAX_DIM, 32]


def sobol_sequence(dim: int, n: int, start: Any = 0) -> jax.Array:
    """Points ``x_start .. x_{start+n-1}`` of dimension ``dim`` as uint32 (value = ``x / 2^32``).

    ``start`` may be traced (e.g. to continue a stream); the construction is the direct
    Gray-code XOR, so any index costs the same.
    """
    check_int_range(dim, "dim", 1, MAX_DIM)
    check_int_range(n, "n", 0, 2**32)
    return _sequence(jnp.int32(dim - 1), n, start)


@partial(jax.jit, static_argnums=1)
def _sequence(row: jax.Array, n: int, start: Any) -> jax.Array:
    v = jnp.asarray(_TABLE)[row]
    i = jnp.asarray(start, jnp.uint32) + jnp.arange(n, dtype=jnp.uint32)
    g = i ^ (i >> jnp.uint32(1))
    x = jnp.zeros(n, jnp.uint32)
    for k in range(32):
        x = x ^ jnp.where((g >> jnp.uint32(k)) & jnp.uint32(1), v[k], jnp.uint32(0))
    return x


def sobol_threshold(p: Any, width: int = 24) -> jax.Array:
    """``T = round_half_up(p 2^w)`` as uint32, ``0 <= T <= 2^w`` (``w`` in 1..31)."""
    check_int_range(width, "width", 1, 31)
    check_unit_interval(p, "p")
    return quantize(p, 1 << width)


def sobol_encode(p: Any, length: int, *, dim: int = 1, width: int = 24, start: Any = 0, packed: bool = True):
    """Encode ``p[...]`` as Sobol bitstreams of dimension ``dim``: ``bit_t = (x_t >> (32-w)) < T(p)``.

    Streams from the same dimension are maximally correlated (``AND`` = ``min``); streams of
    different dimensions are nearly uncorrelated and multiply with error ``~ 1/L``.

    Returns:
        packed uint32 ``[..., length/32]`` or, with ``packed=False``, bool ``[..., length]``.

    Example:
        >>> from sncore.sc import decode
        >>> float(decode(sobol_encode(0.3, 1024)))   # ceil(T / 2^14) = 308 ones of 1024
        0.30078125
    """
    n = check_length(length, packed=packed)
    check_int_range(width, "width", 1, 31)
    check_int_range(dim, "dim", 1, MAX_DIM)
    check_unit_interval(p, "p")
    return _sobol_encode(p, n, dim, width, start, packed)


@partial(jax.jit, static_argnums=(1, 2, 3, 5))
def _sobol_encode(p: Any, n: int, dim: int, width: int, start: Any, packed: bool) -> jax.Array:
    t = quantize(p, 1 << width)
    r = _sequence(jnp.int32(dim - 1), n, start) >> jnp.uint32(32 - width)
    bits = r < t[..., None]
    return pack(bits) if packed else bits

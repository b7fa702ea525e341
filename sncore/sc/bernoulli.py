"""Bernoulli (pseudo-random) bitstreams from a JAX key.

Each bit is an independent draw

.. math::

    u_t \\sim U[0, 1) \\;(\\text{float32, } \\texttt{jax.random.uniform}), \\qquad
    \\text{bit}_t = (u_t < p),

so ``P(bit_t = 1) = p`` up to the float32 resolution of ``u`` (``2^-24``), and the decoded
value ``ones / L`` has variance ``p (1 - p) / L`` (error ``~ 1/sqrt(L)``).  Streams from
different keys (or different entries of ``p``) are independent; the same key and shape
give the same uniforms, so two entries of ``p`` encoded in one call share nothing, but two
calls with the same key are maximally correlated (``AND`` gives ``min``).

Example:
    >>> import jax
    >>> words = bernoulli_encode(jax.random.key(0), jnp.array([0.2, 0.7]), 4096)
    >>> words.shape
    (2, 128)
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp

from ._checks import check_length, check_unit_interval
from .packing import pack

__all__ = ["bernoulli_bits", "bernoulli_encode"]


def bernoulli_bits(key: jax.Array, p: Any, length: int) -> jax.Array:
    """Unpacked Bernoulli bits ``[..., length]`` with ``bit = (uniform(key) < p)``."""
    n = check_length(length, packed=False)
    check_unit_interval(p, "p")
    return _bits(key, p, n)


@partial(jax.jit, static_argnums=2)
def _bits(key: jax.Array, p: Any, length: int) -> jax.Array:
    p = jnp.asarray(p, jnp.float32)
    u = jax.random.uniform(key, (*p.shape, length), jnp.float32)
    return u < p[..., None]


def bernoulli_encode(key: jax.Array, p: Any, length: int, *, packed: bool = True) -> jax.Array:
    """Encode ``p[...]`` as independent Bernoulli bitstreams (packed uint32 ``[..., length/32]``).

    Raises:
        SncoreError: if a concrete ``p`` is outside ``[0, 1]`` or ``length`` is not a multiple of
            32 for packed output.
    """
    n = check_length(length, packed=packed)
    check_unit_interval(p, "p")
    return _encode(key, p, n, packed)


@partial(jax.jit, static_argnums=(2, 3))
def _encode(key: jax.Array, p: Any, n: int, packed: bool) -> jax.Array:
    bits = _bits(key, p, n)
    return pack(bits) if packed else bits

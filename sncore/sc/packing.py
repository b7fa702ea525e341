"""Packed uint32 bitstreams: ``pack``, ``unpack``, ``popcount``, ``decode``.

A stream of ``L`` bits (``L`` a multiple of 32) is stored as ``L/32`` uint32 words on the last
axis, ``[..., L/32]``, in this bit order:

.. math::

    \\text{bit}_i = (\\text{word}_{\\lfloor i/32 \\rfloor} \\gg (i \\bmod 32)) \\,\\&\\, 1,

i.e. bit ``i`` of the stream is bit ``i % 32`` (LSB = 0) of word ``i // 32``; the first clock
cycle is the LSB of word 0.  A unipolar stream encodes ``p = ones / L``
(:func:`decode`); a bipolar stream encodes ``x = 2 ones / L - 1`` (:func:`decode_bipolar`).

Example:
    >>> import jax.numpy as jnp
    >>> w = pack(jnp.arange(64) % 4 == 0)
    >>> w, int(popcount(w)), float(decode(w))
    (Array([286331153, 286331153], dtype=uint32), 16, 0.25)
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from ..units import SncoreError

__all__ = ["decode", "decode_bipolar", "pack", "popcount", "stream_length", "unpack"]

_SHIFTS = jnp.arange(32, dtype=jnp.uint32)


def pack(bits: Any) -> jax.Array:
    """Pack bits ``[..., L]`` (bool or 0/1 integers) into uint32 words ``[..., L/32]``.

    Raises:
        SncoreError: if ``L`` is not a multiple of 32.
    """
    bits = jnp.asarray(bits)
    n = bits.shape[-1] if bits.ndim else 0
    if bits.ndim == 0 or n % 32:
        raise SncoreError(
            f"parameter 'bits': got last-axis length {n}; allowed: a multiple of 32 (pad the stream "
            f"or keep it unpacked)"
        )
    return _pack(bits)


@jax.jit
def _pack(bits: jax.Array) -> jax.Array:
    b = (bits != 0).astype(jnp.uint32).reshape(*bits.shape[:-1], bits.shape[-1] // 32, 32)
    return jnp.sum(b << _SHIFTS, axis=-1, dtype=jnp.uint32)


def unpack(words: Any) -> jax.Array:
    """Unpack uint32 words ``[..., W]`` into bool bits ``[..., 32 W]`` (inverse of :func:`pack`)."""
    return _unpack(_as_words(words))


@jax.jit
def _unpack(words: jax.Array) -> jax.Array:
    b = ((words[..., None] >> _SHIFTS) & jnp.uint32(1)).astype(bool)
    return b.reshape(*words.shape[:-1], words.shape[-1] * 32)


def popcount(words: Any) -> jax.Array:
    """Number of ones in each packed stream: ``sum over words of population_count``, int32 ``[...]``."""
    return _popcount(_as_words(words))


@jax.jit
def _popcount(words: jax.Array) -> jax.Array:
    return jnp.sum(lax.population_count(words).astype(jnp.int32), axis=-1)


def stream_length(words: Any) -> int:
    """``L = 32 * W`` for packed words ``[..., W]``."""
    return 32 * jnp.shape(words)[-1]


def decode(words: Any) -> jax.Array:
    """Unipolar value ``p = popcount / L`` of packed streams, float32 ``[...]``."""
    return _decode(_as_words(words))


@jax.jit
def _decode(words: jax.Array) -> jax.Array:
    return _popcount(words).astype(jnp.float32) / stream_length(words)


def decode_bipolar(words: Any) -> jax.Array:
    """Bipolar value ``x = 2 popcount / L - 1`` of packed streams, float32 ``[...]``."""
    return _decode_bipolar(_as_words(words))


@jax.jit
def _decode_bipolar(words: jax.Array) -> jax.Array:
    return 2.0 * _decode(words) - 1.0


def _as_words(words: Any) -> jax.Array:
    words = jnp.asarray(words)
    if words.dtype != jnp.uint32 or words.ndim == 0:
        raise SncoreError(
            f"parameter 'words': got dtype {words.dtype} with shape {words.shape}; allowed: uint32 words "
            f"[..., L/32] as made by sncore.sc.pack"
        )
    return words

"""Counter-based random numbers for the time step.

Every random number in a simulation is a pure function of ``(seed, stream, step, index)``:
Threefry-2x32 with 20 rounds (Salmon et al., SC'11 — the generator behind ``jax.random``)
evaluated on the counter ``(step, index)`` under a key derived from ``(seed, stream)``.
Written with plain ``uint32`` array ops so XLA fuses it into one vectorised loop: on the
2-core CPU this is ~10x faster per value than ``jax.random.bits`` inside a ``lax.scan``
step (benchmarks/README.md), and it is bit-identical to ``jax.extend.random.threefry_2x32``
(tested). Results therefore never depend on how a run is chunked, batched or sharded.

Poisson counts use inversion on one 32-bit uniform against an integer CDF table: the
probability of each count is exact up to the 2^-32 resolution of the uniform; the table
ends where the tail mass drops below 2^-32 (so no reachable count is cut off).
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

__all__ = [
    "normal_from_bits",
    "poisson_from_bits",
    "poisson_table",
    "stream_key",
    "threefry2x32",
    "uniform01",
    "uniform_bits",
]

_ROT = (13, 15, 26, 6, 17, 29, 16, 24)


def _rotl(x, r: int):
    return (x << jnp.uint32(r)) | (x >> jnp.uint32(32 - r))


def threefry2x32(key, x0, x1):
    """Threefry-2x32-20 block function.

    Args:
        key: ``(k0, k1)`` uint32 scalars or arrays (broadcast against the counters).
        x0, x1: uint32 counter words.

    Returns:
        ``(y0, y1)``: two uint32 arrays of random bits.
    """
    k0, k1 = jnp.asarray(key[0], jnp.uint32), jnp.asarray(key[1], jnp.uint32)
    x0 = jnp.asarray(x0, jnp.uint32)
    x1 = jnp.asarray(x1, jnp.uint32)
    ks = (k0, k1, k0 ^ k1 ^ jnp.uint32(0x1BD11BDA))
    x0 = x0 + ks[0]
    x1 = x1 + ks[1]
    for i in range(5):
        for r in _ROT[:4] if i % 2 == 0 else _ROT[4:]:
            x0 = x0 + x1
            x1 = _rotl(x1, r) ^ x0
        x0 = x0 + ks[(i + 1) % 3]
        x1 = x1 + ks[(i + 2) % 3] + jnp.uint32(i + 1)
    return x0, x1


def stream_key(seed: int, stream: int) -> np.ndarray:
    """A 2x32-bit key for one random stream of a run (host-side, numpy)."""
    s = np.uint64(seed) & np.uint64(0xFFFFFFFFFFFFFFFF)
    k = threefry2x32(
        (np.uint32(s & np.uint64(0xFFFFFFFF)), np.uint32(s >> np.uint64(32))),
        np.uint32(stream),
        np.uint32(0x5EED),
    )
    return np.array([np.asarray(k[0]), np.asarray(k[1])], dtype=np.uint32)


def uniform_bits(key, step, n: int, ctr=None):
    """``n`` uint32 random words for time step ``step`` of the stream with ``key``: the
    first output word of Threefry on the counters ``(step, j)``, ``j < n`` (or ``j`` in
    ``ctr``, ``n`` counters: a device's part of a sharded stream, :mod:`sncore.dist`).

    Using one word per counter costs twice the block evaluations of using both, but keeps
    the computation one elementwise loop that XLA fuses with its consumer; joining the two
    words (a concatenate) measured 5x slower on CPU (benchmarks/README.md).
    """
    j = jnp.arange(n, dtype=jnp.uint32) if ctr is None else jnp.asarray(ctr, jnp.uint32)
    return threefry2x32(key, jnp.full((n,), step, jnp.uint32), j)[0]


def uniform01(bits, dtype):
    """Uniform floats in ``[0, 1)`` from uint32 words: the top 24 bits for float32 (exactly
    representable), all 32 bits for float64."""
    if jnp.dtype(dtype) == jnp.float64:
        return bits.astype(jnp.float64) * 2.0**-32
    return (bits >> jnp.uint32(8)).astype(jnp.float32) * jnp.float32(2.0**-24)


def normal_from_bits(b0, b1, dtype):
    """Standard normal floats from two uint32 words (Box-Muller, cosine branch):
    ``sqrt(-2 ln u1) cos(2 pi u2)`` with ``u1`` in ``(0, 1]`` (no log of 0) and ``u2`` in ``[0, 1)``."""
    u1 = 1 - uniform01(b0, dtype)
    u2 = uniform01(b1, dtype)
    return jnp.sqrt(-2 * jnp.log(u1)) * jnp.cos(2 * jnp.pi * u2)


def poisson_table(lam: float) -> np.ndarray:
    """Integer thresholds ``t_j = floor(P(X <= j) * 2^32)`` for X ~ Poisson(lam).

    ``count = sum_j (bits >= t_j)`` then has P(count = n) equal to the Poisson pmf up to
    2^-32. The table stops at the first j whose threshold reaches 2^32 (tail < 2^-32).
    Raises for lam > 1000 (table too long: use a Gaussian approximation instead).
    """
    if not (lam >= 0 and math.isfinite(lam)):
        raise ValueError(f"Poisson mean must be finite and >= 0, got {lam!r}")
    if lam > 1000:
        raise ValueError(f"Poisson mean per step {lam} > 1000 is not supported by inversion")
    if lam == 0:
        return np.zeros(0, dtype=np.uint32)
    thr = []
    # log-space pmf recursion in float64
    logp = -lam
    cdf = 0.0
    j = 0
    while True:
        cdf += math.exp(logp)
        t = math.floor(cdf * 2**32)
        if t >= 2**32 or (j > lam and math.exp(logp) * 2**32 < 1e-3):
            break
        thr.append(t)
        j += 1
        logp += math.log(lam) - math.log(j)
    return np.asarray(thr, dtype=np.uint32)


def poisson_from_bits(bits, table):
    """Poisson counts (int32) from uint32 ``bits`` by inversion against ``poisson_table``."""
    if table.shape[0] == 0:
        return jnp.zeros(bits.shape, jnp.int32)
    t = jnp.asarray(table, jnp.uint32)
    return jnp.sum(bits[..., None] >= t, axis=-1, dtype=jnp.int32)

"""Input checks and the one threshold-quantisation rule shared by the SC encoders.

Every encoder turns a probability ``p`` into an integer threshold ``T`` and compares it with
an integer random (or low-discrepancy) number ``r_t`` each clock cycle.  The quantisation is
written once, here:

.. math::

    T = \\operatorname{round\\_half\\_up}(\\mathrm{fl}(p \\cdot M)) = \\lfloor \\mathrm{fl}(p M) + 1/2 \\rfloor,
    \\qquad 0 \\le T \\le M,

where ``fl`` is the product rounded in the floating dtype of ``p`` (float32 unless x64 is on)
and ``M`` is the number of levels of the generator (``2^w - 1`` for an LFSR, ``2^w`` for
Sobol).  The half-up rounding is evaluated without the ``x + 0.5`` addition (which float32
cannot do exactly above ``2^23``) as ``f = floor(x); T = f + (x - f >= 1/2)``.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..units import SncoreError

__all__ = ["check_int_range", "check_length", "check_unit_interval", "is_concrete", "quantize"]

#: largest float32 strictly below 2^32 (4294967040); used to cast safely to uint32
_F32_BELOW_2_32 = 4294967040.0


def is_concrete(x: Any) -> bool:
    """True when ``x`` has a value now (not a JAX tracer inside ``jit``/``vmap``)."""
    return not isinstance(x, jax.core.Tracer)


def check_unit_interval(p: Any, name: str, lo: float = 0.0, hi: float = 1.0) -> None:
    """Raise :class:`SncoreError` when a concrete ``p`` has an entry outside ``[lo, hi]`` or NaN.

    Traced values (inside ``jit``) cannot be inspected; the encoders clip them to ``[lo, hi]``.
    """
    if not is_concrete(p):
        return
    arr = np.asarray(p, dtype=np.float64)
    bad = ~((arr >= lo) & (arr <= hi))
    if bad.any():
        value = arr[bad].ravel()[0]
        raise SncoreError(
            f"parameter {name!r}: got {value!r}; allowed: values in [{lo:g}, {hi:g}]"
            + (" (a probability)" if (lo, hi) == (0.0, 1.0) else "")
        )


def check_int_range(value: Any, name: str, lo: int, hi: int) -> int:
    """Check that ``value`` is a Python/numpy integer in ``[lo, hi]`` and return it as ``int``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise SncoreError(f"parameter {name!r}: got {value!r}; allowed: an integer in [{lo}, {hi}]")
    if not lo <= int(value) <= hi:
        raise SncoreError(f"parameter {name!r}: got {value!r}; allowed: an integer in [{lo}, {hi}]")
    return int(value)


def check_length(length: Any, name: str = "length", *, packed: bool = True) -> int:
    """Check a stream length: a positive integer, a multiple of 32 when the stream is packed."""
    n = check_int_range(length, name, 1, 2**31 - 1)
    if packed and n % 32:
        raise SncoreError(
            f"parameter {name!r}: got {n}; allowed: a positive multiple of 32 for packed uint32 "
            f"streams (e.g. {32 * max(1, round(n / 32))}), or packed=False"
        )
    return n


def quantize(p: Any, levels: int) -> jax.Array:
    """Threshold ``T = round_half_up(fl(p * levels))`` clipped to ``[0, levels]``, as uint32.

    Args:
        p: probabilities (any shape); integer inputs are converted to float32.
        levels: ``M``, at most ``2^32 - 1``.

    Example:
        >>> quantize(0.5, 255)   # 127.5 rounds half up
        Array(128, dtype=uint32)
    """
    p = jnp.asarray(p)
    if not jnp.issubdtype(p.dtype, jnp.floating):
        p = p.astype(jnp.float32)
    mf = jnp.asarray(float(levels), p.dtype)
    x = jnp.clip(p, 0.0, 1.0) * mf
    f = jnp.floor(x)
    t = jnp.minimum(f + (x - f >= 0.5).astype(p.dtype), mf)
    top = t >= mf
    safe = jnp.minimum(t, jnp.asarray(_F32_BELOW_2_32, p.dtype)).astype(jnp.uint32)
    return jnp.where(top, jnp.uint32(levels), safe)

"""Linear-feedback shift registers: one :class:`LfsrSpec` shared by the JAX generator and the RTL.

An LFSR of width ``w`` holds a state ``s`` in ``[1, 2^w - 1]`` (uint32; all-zero is the lock-up
state of the XOR form and is not allowed).  Taps are given as in Xilinx XAPP052: positions
``1..w`` of the register, always including ``w``.  From the taps the two masks

.. math::

    m_{lo} = \\sum_{t \\in taps} 2^{t-1}, \\qquad m_{hi} = \\sum_{t \\in taps} 2^{w-t}

(``m_hi`` is ``m_lo`` bit-reversed within ``w`` bits) define one clock step for each ``form``
and ``direction`` (``F = 2^w - 1``, ``parity`` = XOR of all bits, ``s_k`` = bit ``k``):

=============  ==========  ==================================================================
form           direction   next state
=============  ==========  ==================================================================
fibonacci      right       ``(s >> 1) | parity(s & m_hi) << (w-1)``
fibonacci      left        ``((s << 1) & F) | parity(s & m_lo)``
galois         right       ``(s >> 1) ^ (s_0 ? m_lo : 0)``
galois         left        ``((s << 1) & F) ^ (s_{w-1} ? m_hi : 0)``
=============  ==========  ==================================================================

(``fibonacci/right`` with taps 16,14,13,11 is the textbook ``bit = s ^ s>>2 ^ s>>3 ^ s>>5``;
``galois/right`` with the same taps XORs ``0xB400``.)  The "left" forms are the bit mirror of
the "right" forms, so all four have the same period, ``2^w - 1`` for the maximal taps in
:data:`MAXIMAL_TAPS`.

**Advance-then-compare rule.**  At clock cycle ``t = 0, 1, ...`` the comparator sees state
``s_t``.  With ``advance="after"`` (compare, then clock) ``s_0 = seed``; with
``advance="before"`` (clock, then compare) ``s_0 = step(seed)``.  In both cases
``s_{t+1} = step(s_t)``.

**Comparison rule** (:func:`lfsr_encode`): ``bit_t = (s_t <= T)`` with
``T = round_half_up(p (2^w - 1))`` (:func:`lfsr_threshold`, a ``w``-bit constant).  Over one full
period the LFSR visits every state ``1..2^w-1`` once, so the stream holds exactly ``T`` ones:
the encoded probability is ``T / (2^w - 1)``, ``p = 0`` gives all zeros and ``p = 1`` all ones.

Example:
    >>> spec = LfsrSpec.maximal(4, seed=1)
    >>> lfsr_sequence(spec, 4)
    Array([1, 8, 4, 2], dtype=uint32)
    >>> int(lfsr_period(spec))
    15
"""

from __future__ import annotations

import dataclasses
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..units import SncoreError
from ._checks import check_int_range, check_length, check_unit_interval, quantize
from .packing import pack

__all__ = [
    "MAXIMAL_TAPS",
    "LfsrSpec",
    "lfsr_encode",
    "lfsr_is_maximal",
    "lfsr_period",
    "lfsr_sequence",
    "lfsr_step",
    "lfsr_threshold",
]

#: maximal-length taps (XAPP052 numbering, Xilinx application note XAPP052 table 3), widths 2..32
MAXIMAL_TAPS: dict[int, tuple[int, ...]] = {
    2: (2, 1),
    3: (3, 2),
    4: (4, 3),
    5: (5, 3),
    6: (6, 5),
    7: (7, 6),
    8: (8, 6, 5, 4),
    9: (9, 5),
    10: (10, 7),
    11: (11, 9),
    12: (12, 6, 4, 1),
    13: (13, 4, 3, 1),
    14: (14, 5, 3, 1),
    15: (15, 14),
    16: (16, 15, 13, 4),
    17: (17, 14),
    18: (18, 11),
    19: (19, 6, 2, 1),
    20: (20, 17),
    21: (21, 19),
    22: (22, 21),
    23: (23, 18),
    24: (24, 23, 22, 17),
    25: (25, 22),
    26: (26, 6, 2, 1),
    27: (27, 5, 2, 1),
    28: (28, 25),
    29: (29, 27),
    30: (30, 6, 4, 1),
    31: (31, 28),
    32: (32, 22, 2, 1),
}

_FORMS = ("fibonacci", "galois")
_DIRECTIONS = ("right", "left")
_ADVANCE = ("after", "before")


@dataclasses.dataclass(frozen=True)
class LfsrSpec:
    """The complete description of one LFSR bitstream generator (hashable, usable as a static arg).

    ============  =========================================  ==========================
    field         meaning                                    allowed
    ============  =========================================  ==========================
    width         register width ``w``                       2..32
    taps          XAPP052 tap positions, must include ``w``  distinct ints in 1..w
    seed          initial state                              1..2^w - 1
    form          ``"fibonacci"`` or ``"galois"``            see module table
    direction     shift direction ``"right"`` or ``"left"``  see module table
    advance       clock ``"after"`` or ``"before"`` compare  see module docstring
    check         (init only) prove the taps maximal         bool
    ============  =========================================  ==========================

    Example:
        >>> LfsrSpec(width=16, taps=(16, 15, 13, 4), seed=0xACE1, form="galois").rtl_params()["TAP_MASK"]
        "16'hd008"
    """

    width: int
    taps: tuple[int, ...]
    seed: int = 1
    form: str = "fibonacci"
    direction: str = "right"
    advance: str = "after"
    check: dataclasses.InitVar[bool] = False

    def __post_init__(self, check: bool) -> None:
        w = check_int_range(self.width, "width", 2, 32)
        taps = tuple(self.taps) if not isinstance(self.taps, int) else (self.taps,)
        if (
            len(taps) < 1
            or any(isinstance(t, bool) or not isinstance(t, int) or not 1 <= t <= w for t in taps)
            or len(set(taps)) != len(taps)
            or w not in taps
        ):
            raise SncoreError(
                f"parameter 'taps': got {self.taps!r}; allowed: distinct XAPP052 positions in 1..{w} "
                f"that include {w}, e.g. {MAXIMAL_TAPS[w]}"
            )
        object.__setattr__(self, "taps", tuple(sorted(taps, reverse=True)))
        check_int_range(self.seed, "seed", 1, 2**w - 1)
        for name, allowed in (("form", _FORMS), ("direction", _DIRECTIONS), ("advance", _ADVANCE)):
            if getattr(self, name) not in allowed:
                raise SncoreError(f"parameter {name!r}: got {getattr(self, name)!r}; allowed: {allowed}")
        if check and not lfsr_is_maximal(self):
            raise SncoreError(
                f"parameter 'taps': got {self.taps!r} for width {w}, which is not maximal-length "
                f"(period < 2^{w} - 1); allowed: maximal taps such as {MAXIMAL_TAPS[w]}"
            )

    @classmethod
    def maximal(cls, width: int, **kwargs: Any) -> LfsrSpec:
        """The spec with the XAPP052 maximal taps for ``width`` (other fields as keywords)."""
        check_int_range(width, "width", 2, 32)
        return cls(width=width, taps=MAXIMAL_TAPS[width], **kwargs)

    @property
    def full(self) -> int:
        """``2^w - 1``: the all-ones mask and the number of non-zero states."""
        return (1 << self.width) - 1

    @property
    def mask_lo(self) -> int:
        """``sum 2^(t-1)``: tap mask of fibonacci/left and galois/right."""
        return sum(1 << (t - 1) for t in self.taps)

    @property
    def mask_hi(self) -> int:
        """``sum 2^(w-t)``: tap mask of fibonacci/right and galois/left."""
        return sum(1 << (self.width - t) for t in self.taps)

    @property
    def mask(self) -> int:
        """The tap mask this spec's form and direction use (the RTL ``TAP_MASK``)."""
        right = self.direction == "right"
        return self.mask_hi if (self.form == "fibonacci") == right else self.mask_lo

    def rtl_params(self) -> dict[str, Any]:
        """Verilog parameters for the matching RTL generator (values as Verilog literals)."""
        w = self.width
        return {
            "WIDTH": w,
            "TAP_MASK": f"{w}'h{self.mask:x}",
            "SEED": f"{w}'h{self.seed:x}",
            "GALOIS": int(self.form == "galois"),
            "SHIFT_RIGHT": int(self.direction == "right"),
            "ADVANCE_BEFORE": int(self.advance == "before"),
            "COMPARE": "bit = (state <= threshold)",
        }


def _py_step(spec: LfsrSpec, s: int) -> int:
    """One clock step on a Python int (used by :func:`lfsr_is_maximal`)."""
    w, m, full = spec.width, spec.mask, spec.full
    if spec.form == "fibonacci":
        fb = (s & m).bit_count() & 1
        return (s >> 1) | (fb << (w - 1)) if spec.direction == "right" else ((s << 1) & full) | fb
    if spec.direction == "right":
        return (s >> 1) ^ (m if s & 1 else 0)
    return ((s << 1) & full) ^ (m if (s >> (w - 1)) & 1 else 0)


def lfsr_step(spec: LfsrSpec, s: jax.Array) -> jax.Array:
    """One clock step of ``spec`` on uint32 states of any shape (see the module table)."""
    s = jnp.asarray(s, jnp.uint32)
    w, m, full = spec.width, jnp.uint32(spec.mask), jnp.uint32(spec.full)
    one = jnp.uint32(1)
    if spec.form == "fibonacci":
        fb = lax.population_count(s & m) & one
        if spec.direction == "right":
            return (s >> one) | (fb << jnp.uint32(w - 1))
        return ((s << one) & full) | fb
    if spec.direction == "right":
        return (s >> one) ^ jnp.where((s & one) == one, m, jnp.uint32(0))
    top = (s >> jnp.uint32(w - 1)) & one
    return ((s << one) & full) ^ jnp.where(top == one, m, jnp.uint32(0))


def lfsr_sequence(spec: LfsrSpec, n: int, seed: Any = None) -> jax.Array:
    """The states ``s_0 .. s_{n-1}`` the comparator sees (advance rule applied), uint32 ``[n]``.

    ``seed`` overrides ``spec.seed`` and may be traced (e.g. ``vmap`` over seeds); it must be a
    non-zero ``w``-bit value (not checked when traced).
    """
    if seed is None:
        seed = spec.seed
    elif not isinstance(seed, jax.core.Tracer):
        for s in np.asarray(seed).ravel():
            check_int_range(int(s), "seed", 1, spec.full)
    return _sequence(spec, n, jnp.asarray(seed, jnp.uint32))


@partial(jax.jit, static_argnums=(0, 1))
def _sequence(spec: LfsrSpec, n: int, seed: jax.Array) -> jax.Array:
    s0 = seed
    if spec.advance == "before":
        s0 = lfsr_step(spec, s0)

    def body(s, _):
        return lfsr_step(spec, s), s

    _, states = lax.scan(body, s0, None, length=n)
    return jnp.moveaxis(states, 0, -1)


@partial(jax.jit, static_argnums=(0, 1))
def _period(spec: LfsrSpec, max_steps: int) -> jax.Array:
    seed = jnp.uint32(spec.seed)

    def cond(c):
        s, k = c
        return (k == 0) | ((s != seed) & (k < max_steps))

    def body(c):
        s, k = c
        return lfsr_step(spec, s), k + 1

    s, k = lax.while_loop(cond, body, (seed, jnp.int32(0)))
    return jnp.where(s == seed, k, 0)


def lfsr_period(spec: LfsrSpec, max_steps: int | None = None) -> jax.Array:
    """Number of steps until the state returns to the seed, by stepping (0 if > ``max_steps``).

    ``max_steps`` defaults to ``2^w`` (capped at ``2^30``); use :func:`lfsr_is_maximal` for a cheap
    proof at large widths.
    """
    cap = min(1 << spec.width, 1 << 30) if max_steps is None else int(max_steps)
    return _period(spec, cap)


def _prime_factors(n: int) -> list[int]:
    out, d = [], 2
    while d * d <= n:
        if n % d == 0:
            out.append(d)
            while n % d == 0:
                n //= d
        d += 1
    if n > 1:
        out.append(n)
    return out


def lfsr_is_maximal(spec: LfsrSpec) -> bool:
    """Prove or refute period ``2^w - 1`` without stepping through it.

    The step is linear over GF(2): ``s' = A s`` with column ``i`` of ``A`` = ``step(2^i)``.
    The period is ``N = 2^w - 1`` for every non-zero seed iff ``A^N = I`` and ``A^(N/q) != I`` for
    every prime ``q | N`` (the order of ``A`` is then exactly ``N``; a non-zero orbit of an
    invertible map of order ``N`` on ``2^w - 1`` states covers them all because the minimal
    polynomial is then primitive).  Cost ``O(w^3 log N)`` bit operations.
    """
    w = spec.width
    cols = [_py_step(spec, 1 << i) for i in range(w)]

    def apply(a: list[int], v: int) -> int:
        r, i = 0, 0
        while v:
            if v & 1:
                r ^= a[i]
            v >>= 1
            i += 1
        return r

    def power(e: int) -> list[int]:
        result = [1 << i for i in range(w)]
        base = cols
        while e:
            if e & 1:
                result = [apply(base, c) for c in result]
            base = [apply(base, c) for c in base]
            e >>= 1
        return result

    n = (1 << w) - 1
    ident = [1 << i for i in range(w)]
    if power(n) != ident:
        return False
    return all(power(n // q) != ident for q in _prime_factors(n))


def lfsr_threshold(p: Any, width: int) -> jax.Array:
    """``T = round_half_up(p (2^w - 1))`` as uint32 (see :func:`sncore.sc._checks.quantize`).

    Raises:
        SncoreError: if a concrete ``p`` is outside ``[0, 1]`` or ``width`` is outside 2..32.
    """
    check_int_range(width, "width", 2, 32)
    check_unit_interval(p, "p")
    return quantize(p, (1 << width) - 1)


def lfsr_encode(spec: LfsrSpec, p: Any, length: int, *, packed: bool = True, seed: Any = None) -> jax.Array:
    """Encode probabilities ``p[...]`` as LFSR bitstreams: ``bit_t = (s_t <= T(p))``.

    All entries of ``p`` share the same state sequence (so their streams are maximally
    correlated: ``AND`` gives ``min``).  Use distinct specs/seeds for independent streams;
    ``seed`` (an int or a traced scalar) overrides ``spec.seed``.

    Returns:
        packed uint32 ``[..., length/32]`` (bit ``t`` is bit ``t % 32`` of word ``t // 32``) or,
        with ``packed=False``, bool ``[..., length]``.

    Example:
        >>> words = lfsr_encode(LfsrSpec.maximal(8), 0.25, 255 * 32)
    """
    n = check_length(length, packed=packed)
    check_unit_interval(p, "p")
    if seed is None:
        seed = spec.seed
    elif not isinstance(seed, jax.core.Tracer):
        check_int_range(int(seed), "seed", 1, spec.full)
    return _lfsr_encode(spec, p, n, packed, jnp.asarray(seed, jnp.uint32))


@partial(jax.jit, static_argnums=(0, 2, 3))
def _lfsr_encode(spec: LfsrSpec, p: Any, n: int, packed: bool, seed: jax.Array) -> jax.Array:
    t = quantize(p, spec.full)
    bits = _sequence(spec, n, seed) <= t[..., None]
    return pack(bits) if packed else bits

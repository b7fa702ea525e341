"""An integer (fixed-point) stochastic LIF neuron fed by bitstreams, and a packed spike recorder.

:class:`StochasticLIF` is a population of ``n`` neurons with integer weights ``w [n, n_in]``
driven by ``n_in`` input bitstreams (the stochasticity is in the streams: Bernoulli, LFSR or
Sobol spikes, or SC synapse outputs).  All arithmetic is int32, one clock step per bit,
in this order (``>>`` is the arithmetic shift, i.e. floor division by ``2^k``):

.. math::

    v &\\leftarrow v - (v \\gg k)                      && \\text{leak by shift} \\\\
    v &\\leftarrow v + \\textstyle\\sum_j w_{ij}\\, b_j[t]   && \\text{input bits of step } t \\\\
    v &\\leftarrow \\min(\\max(v, v_{min}), v_{max})        && \\text{saturate} \\\\
    s &= (v \\ge \\theta)                               && \\text{threshold (inclusive)} \\\\
    v &\\leftarrow v_{reset} \\text{ where } s            && \\text{reset to a value, same step}

The recorded membrane is ``v`` after the reset.  ``v_min, v_max, v_reset, theta`` lie in
``[-2^29, 2^29]``, ``|w| <= 2^15`` and ``n_in <= 2^14``, so no int32 intermediate overflows.

=============  =====================================  ===============
parameter      meaning                                default
=============  =====================================  ===============
weight         int weights ``[n, n_in]``              (required)
leak_shift     ``k`` in 1..30 (``v`` decays by 2^-k)  4
theta          threshold (spike if ``v >= theta``)     64
v_reset        value after a spike                    0
v_min, v_max   saturation rails                       -256, 255
=============  =====================================  ===============

:class:`SpikeRecorder` packs spikes into uint32 words online, bit ``t`` of neuron ``i`` going
to bit ``t % 32`` of ``words[i, t // 32]`` (the :mod:`sncore.sc.packing` order); steps at or
beyond ``length`` are dropped.

Example:
    >>> import jax, jax.numpy as jnp
    >>> from sncore.sc import bernoulli_bits
    >>> lif = StochasticLIF(jnp.array([[20, -5, 12]]), leak_shift=3, theta=40)
    >>> bits = bernoulli_bits(jax.random.key(0), jnp.array([0.5, 0.3, 0.8]), 256).T   # [T, n_in]
    >>> v, spikes = lif.run(bits)
    >>> v_, words = lif.run_recorded(bits)    # spikes packed: [n, T/32] uint32
"""

from __future__ import annotations

from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..units import SncoreError
from ._checks import check_int_range, check_length, is_concrete
from .packing import unpack

__all__ = ["RecorderState", "SpikeRecorder", "StochasticLIF"]

_VLIM = 2**29


class RecorderState(NamedTuple):
    """Packed spikes ``words [n, length/32]`` and the next step index ``t``."""

    words: jax.Array
    t: jax.Array


class SpikeRecorder(eqx.Module):
    """Online packer of ``n`` spike trains of ``length`` steps into uint32 words ``[n, length/32]``."""

    n: int = eqx.field(static=True)
    length: int = eqx.field(static=True)

    def __init__(self, n: int, length: int):
        self.n = check_int_range(n, "n", 1, 2**31 - 1)
        self.length = check_length(length)

    def init(self) -> RecorderState:
        return RecorderState(jnp.zeros((self.n, self.length // 32), jnp.uint32), jnp.int32(0))

    def record(self, state: RecorderState, spike: jax.Array) -> RecorderState:
        """Set bit ``t % 32`` of word ``t // 32`` for every neuron that spiked; advance ``t``."""
        t = state.t
        word = t // 32
        bit = jnp.asarray(spike, bool).astype(jnp.uint32) << (t % 32).astype(jnp.uint32)
        inside = t < self.length
        col = jnp.where(inside, state.words[:, jnp.minimum(word, self.length // 32 - 1)] | bit, 0)
        words = state.words.at[:, word].set(col, mode="drop")
        return RecorderState(words, t + 1)


class StochasticLIF(eqx.Module):
    """Integer LIF population driven by input bitstreams (equations in the module docstring)."""

    weight: jax.Array
    leak_shift: int = eqx.field(static=True)
    theta: int = eqx.field(static=True)
    v_reset: int = eqx.field(static=True)
    v_min: int = eqx.field(static=True)
    v_max: int = eqx.field(static=True)

    def __init__(
        self,
        weight: Any,
        leak_shift: int = 4,
        theta: int = 64,
        v_reset: int = 0,
        v_min: int = -256,
        v_max: int = 255,
    ):
        w = jnp.asarray(weight)
        if w.ndim != 2 or not (jnp.issubdtype(w.dtype, jnp.integer) or jnp.issubdtype(w.dtype, jnp.bool_)):
            raise SncoreError(
                f"parameter 'weight': got dtype {w.dtype} with shape {w.shape}; allowed: an integer matrix [n, n_in]"
            )
        check_int_range(w.shape[1], "n_in", 1, 2**14)
        if is_concrete(weight) and np.abs(np.asarray(weight, np.int64)).max(initial=0) > 2**15:
            bad = int(np.asarray(weight, np.int64).ravel()[np.abs(np.asarray(weight, np.int64)).argmax()])
            raise SncoreError(f"parameter 'weight': got {bad}; allowed: integers with |w| <= 2^15")
        self.weight = w.astype(jnp.int32)
        self.leak_shift = check_int_range(leak_shift, "leak_shift", 1, 30)
        self.v_min = check_int_range(v_min, "v_min", -_VLIM, _VLIM)
        self.v_max = check_int_range(v_max, "v_max", self.v_min, _VLIM)
        self.theta = check_int_range(theta, "theta", -_VLIM, _VLIM)
        self.v_reset = check_int_range(v_reset, "v_reset", -_VLIM, _VLIM)

    @property
    def n(self) -> int:
        return self.weight.shape[0]

    def init(self) -> jax.Array:
        """Membranes at rest: ``v = 0`` (clipped to the rails), int32 ``[n]``."""
        return jnp.full((self.n,), min(max(0, self.v_min), self.v_max), jnp.int32)

    def step(self, v: jax.Array, bits: jax.Array) -> tuple[jax.Array, jax.Array]:
        """One clock step: ``(v, bits [n_in]) -> (v', spike [n])``."""
        v = v - (v >> self.leak_shift)
        v = v + jnp.sum(self.weight * jnp.asarray(bits, jnp.int32), axis=-1, dtype=jnp.int32)
        v = jnp.clip(v, self.v_min, self.v_max)
        spike = v >= self.theta
        return jnp.where(spike, jnp.int32(self.v_reset), v), spike

    def run(self, bits: Any, v0: Any = None) -> tuple[jax.Array, jax.Array]:
        """Run over bits ``[T, n_in]`` (time-major); returns ``(v [T, n] int32, spikes [T, n] bool)``."""
        v0 = self.init() if v0 is None else jnp.asarray(v0, jnp.int32)

        def body(v, b):
            v, s = self.step(v, b)
            return v, (v, s)

        _, (v, s) = lax.scan(body, v0, jnp.asarray(bits))
        return v, s

    def run_packed(self, words: Any, v0: Any = None) -> tuple[jax.Array, jax.Array]:
        """As :meth:`run`, with the inputs as packed streams ``[n_in, T/32]``."""
        return self.run(unpack(words).T, v0)

    def run_recorded(self, bits: Any, v0: Any = None) -> tuple[jax.Array, jax.Array]:
        """Run and record spikes with a :class:`SpikeRecorder`: ``(v [T, n], words [n, T/32])``."""
        bits = jnp.asarray(bits)
        rec = SpikeRecorder(self.n, bits.shape[0])
        v0 = self.init() if v0 is None else jnp.asarray(v0, jnp.int32)

        def body(carry, b):
            v, r = carry
            v, s = self.step(v, b)
            return (v, rec.record(r, s)), v

        (_, r), v = lax.scan(body, (v0, rec.init()), bits)
        return v, r.words

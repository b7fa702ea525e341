"""``memory_report``: XLA's temporary memory of one BPTT gradient for each checkpoint option.

For a :class:`~sncore.nn.SpikingDense` layer of ``n -> n`` neurons, batch ``B`` and ``T``
steps, the gradient of ``sum(spikes)`` with respect to all parameters is compiled with
``jax.jit(...).lower(...).compile()`` and ``memory_analysis().temp_size_in_bytes`` is read
(nothing is run). Per option the report gives the temp bytes, bytes per neuron-step
(``temp / (n B T)``) and the bytes per neuron-step saved against the plain scan.

Example:
    >>> rep = memory_report(n=64, batch=4, steps=50, options=(None, "step", 10))
    >>> rep["step"]["temp_bytes"] < rep[None]["temp_bytes"]
    True
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from .layers import SpikingDense

__all__ = ["grad_temp_bytes", "memory_report"]


def grad_temp_bytes(model, x, checkpoint) -> int:
    """Temp bytes XLA allocates for ``grad(sum(model(x, checkpoint=...)))`` (compiled, not run)."""

    params, static = eqx.partition(model, eqx.is_array)

    def loss(p, xs):
        return jnp.sum(eqx.combine(p, static)(xs, checkpoint=checkpoint))

    mem = jax.jit(jax.grad(loss)).lower(params, x).compile().memory_analysis()
    if mem is None:  # pragma: no cover - backends without memory analysis
        raise RuntimeError("this JAX backend gives no memory_analysis(); run memory_report on CPU or GPU")
    return int(mem.temp_size_in_bytes)


def memory_report(n: int = 1024, batch: int = 16, steps: int = 500, neuron: str = "lif",
                  options=(None, "step", 10, 25, 50), *, dtype=jnp.float32) -> dict:
    """Compile one BPTT gradient per checkpoint option; return ``{option: {"temp_bytes",
    "bytes_per_neuron_step", "saved_per_neuron_step"}}`` (``saved`` relative to ``None``,
    which is always measured)."""
    model = SpikingDense(n, n, neuron=neuron, dtype=dtype, key=jax.random.key(0))
    x = jax.ShapeDtypeStruct((steps, batch, n), dtype)
    opts = (None,) + tuple(o for o in options if o is not None)
    units = n * batch * steps
    out = {}
    for o in opts:
        b = grad_temp_bytes(model, x, o)
        out[o] = {"temp_bytes": b, "bytes_per_neuron_step": b / units}
    for o in opts:
        out[o]["saved_per_neuron_step"] = out[None]["bytes_per_neuron_step"] - out[o]["bytes_per_neuron_step"]
    return out

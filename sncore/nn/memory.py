"""``memory_report``: what one BPTT gradient keeps in memory, for each checkpoint option.

For a :class:`~sncore.nn.SpikingDense` layer of ``n -> n`` neurons, batch ``B`` and ``T``
steps and the gradient of ``sum(spikes)`` with respect to all parameters, two measurements
per option (nothing is run; both work on abstract shapes):

* **residuals** (:func:`saved_residuals`): the arrays reverse mode keeps from the forward
  pass for the backward pass, read from the jaxpr of ``jax.vjp`` (the closure's leaves,
  traced back to the operation that made each one). Arguments (input spikes, parameters)
  and reshapes of them are views the caller holds anyway and are not counted. Reported as
  ``residual_bytes`` and ``residual_values_per_neuron_step`` = residual elements ``/ (n B T)``.
  This is the "saved values per neuron-step" figure (snnTorch/Norse keep about 6-14).
* **XLA temp** (:func:`grad_temp_bytes`): ``jax.jit(grad).lower(...).compile()
  .memory_analysis().temp_size_in_bytes``, the peak scratch memory of the compiled
  gradient: residuals plus the forward and backward pass's temporaries (input currents,
  cotangents). ``bytes_per_neuron_step = temp / (n B T)``, ``saved_per_neuron_step`` =
  the plain scan's minus this option's.

For a lif layer (float32, the scan's inputs hoisted, see :mod:`sncore.nn._scan`) the
residuals are: ``None`` one value per neuron-step (the state before the spike), ``"step"``
two (carry and input current of each step), ``k`` one carry per chunk (``1/k``); hand-counted
in tests/test_nn_hoist.py.

Example:
    >>> rep = memory_report(n=64, batch=4, steps=50, options=(None, "step", 10))
    >>> round(rep[10]["residual_values_per_neuron_step"], 2)      # one lif carry per 10 steps
    0.1
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.extend.core as jex_core
import jax.numpy as jnp
import numpy as np

from .layers import SpikingDense

__all__ = ["grad_temp_bytes", "memory_report", "saved_residuals"]


def saved_residuals(fun, *args) -> list[tuple[tuple, jnp.dtype, str]]:
    """The arrays ``jax.vjp(fun, *args)`` keeps for the backward pass, as ``(shape, dtype,
    origin)`` with ``origin`` one of ``"argument"`` (an input leaf itself), ``"argument view"``
    (a reshape of one, no new memory) or ``"computed"``. ``args`` may be
    ``jax.ShapeDtypeStruct``; nothing is run."""
    closed, shapes = jax.make_jaxpr(lambda *a: jax.vjp(fun, *a), return_shape=True)(*args)
    jaxpr = closed.jaxpr
    n_res = len(jax.tree.leaves(shapes[1]))
    res = jaxpr.outvars[len(jaxpr.outvars) - n_res:]
    invars = set(jaxpr.invars)
    views = {e.outvars[0] for e in jaxpr.eqns if e.primitive.name == "reshape" and e.invars[0] in invars}
    out, seen = [], set()
    for v in res:
        if isinstance(v, jex_core.Literal) or v in seen:     # literals (scalars) and repeats
            continue
        seen.add(v)
        origin = "argument" if v in invars else "argument view" if v in views else "computed"
        out.append((tuple(v.aval.shape), v.aval.dtype, origin))
    return out


def _residual_bytes(model, x, checkpoint) -> int:
    params, static = eqx.partition(model, eqx.is_array)

    def loss(p, xs):
        return jnp.sum(eqx.combine(p, static)(xs, checkpoint=checkpoint))

    return sum(int(np.prod(shape)) * np.dtype(dt).itemsize
               for shape, dt, origin in saved_residuals(loss, params, x) if origin == "computed")


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
    """Trace and compile one BPTT gradient per checkpoint option; return ``{option:
    {"residual_bytes", "residual_values_per_neuron_step", "temp_bytes", "bytes_per_neuron_step",
    "saved_per_neuron_step"}}`` (module docstring; ``saved`` relative to ``None``, which is
    always measured)."""
    model = SpikingDense(n, n, neuron=neuron, dtype=dtype, key=jax.random.key(0))
    x = jax.ShapeDtypeStruct((steps, batch, n), dtype)
    opts = (None,) + tuple(o for o in options if o is not None)
    units = n * batch * steps
    out = {}
    for o in opts:
        r = _residual_bytes(model, x, o)
        b = grad_temp_bytes(model, x, o)
        out[o] = {"residual_bytes": r, "residual_values_per_neuron_step": r / np.dtype(dtype).itemsize / units,
                  "temp_bytes": b, "bytes_per_neuron_step": b / units}
    for o in opts:
        out[o]["saved_per_neuron_step"] = out[None]["bytes_per_neuron_step"] - out[o]["bytes_per_neuron_step"]
    return out

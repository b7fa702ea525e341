"""The one spike nonlinearity: a Heaviside step with a surrogate gradient.

Forward: ``spike(x) = 1.0 if x >= 0 else 0.0`` (NEST's threshold test ``V_m >= V_th`` with
``x = V_m - V_th``). Backward: the derivative of a smooth surrogate, chosen per call.
Every neuron model emits spikes through :func:`spike_fn`, so training reuses the models.

Surrogates (``slope`` = beta, in 1/mV for a voltage argument):

* ``"fast_sigmoid"`` (SuperSpike, Zenke & Ganguli 2018): ``1 / (1 + beta |x|)^2``
* ``"arctan"``: ``1 / (1 + (pi/2 * beta * x)^2)``
* ``"triangle"``: ``max(0, 1 - beta |x|)``
* ``"straight_through"``: ``1``
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

__all__ = ["spike_fn", "SURROGATES"]

SURROGATES = {
    "fast_sigmoid": lambda x, b: 1.0 / (1.0 + b * jnp.abs(x)) ** 2,
    "arctan": lambda x, b: 1.0 / (1.0 + (jnp.pi / 2 * b * x) ** 2),
    "triangle": lambda x, b: jnp.maximum(0.0, 1.0 - b * jnp.abs(x)),
    "straight_through": lambda x, b: jnp.ones_like(x),
}


@partial(jax.custom_jvp, nondiff_argnums=(1, 2))
def spike_fn(x, surrogate: str = "fast_sigmoid", slope: float = 1.0):
    """Heaviside ``x >= 0`` in the dtype of ``x``, differentiable through a surrogate.

    Example:
        >>> jax.grad(lambda v: spike_fn(v - 1.0))(0.5)   # fast sigmoid at -0.5
        Array(0.44444445, dtype=float32, weak_type=True)
    """
    return (x >= 0).astype(jnp.result_type(x, jnp.float32))


@spike_fn.defjvp
def _spike_jvp(surrogate, slope, primals, tangents):
    (x,), (dx,) = primals, tangents
    if surrogate not in SURROGATES:
        raise ValueError(f"surrogate={surrogate!r} is unknown; allowed: {sorted(SURROGATES)}")
    y = spike_fn(x, surrogate, slope)
    return y, SURROGATES[surrogate](x, slope).astype(y.dtype) * dx

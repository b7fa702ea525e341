"""The one spike nonlinearity: a Heaviside step with a surrogate gradient.

Forward: ``spike(x) = 1.0 if x >= 0 else 0.0`` (NEST's threshold test ``V_m >= V_th`` with
``x = V_m - V_th``). Backward: the derivative ``g(x, beta)`` of a smooth surrogate ``F``,
chosen per call. Every neuron model emits spikes through :func:`spike_fn`, so training reuses
the models.

Built-in surrogates (``slope`` = beta, in 1/mV for a voltage argument), each the derivative
of a smooth primitive ``F`` (tested against central differences of ``F``):

==================== ================================== =========================================
name                 g(x) = dF/dx                       F(x)
==================== ================================== =========================================
``fast_sigmoid``     ``1 / (1 + beta |x|)^2``           ``x / (1 + beta |x|)`` (SuperSpike,
                                                        Zenke & Ganguli 2018)
``arctan``           ``1 / (1 + (pi/2 beta x)^2)``      ``2/(pi beta) arctan(pi/2 beta x)``
``triangle``         ``max(0, 1 - beta |x|)``           ``x - beta x|x|/2`` for ``|x| < 1/beta``,
                                                        ``sign(x) / (2 beta)`` outside
``straight_through`` ``1``                              ``x``
==================== ================================== =========================================

A user-supplied surrogate is any callable ``g(x, slope) -> array`` (same shape as ``x``):
pass it directly as ``spike_fn(x, g, slope)`` or as a neuron's ``surrogate`` field, or give
it a name with :func:`register_surrogate`. :func:`check_surrogate` validates a surrogate
where a layer or model is built, so that a typo fails there and not deep inside a trace.

Example:
    >>> register_surrogate("gauss", lambda x, b: jnp.exp(-(b * x) ** 2))
    >>> jax.grad(lambda v: spike_fn(v, "gauss", 2.0))(0.5)
    Array(0.36787945, dtype=float32, weak_type=True)
    >>> jax.grad(lambda v: spike_fn(v, lambda x, b: 1 / (1 + b * x * x), 1.0))(1.0)
    Array(0.5, dtype=float32, weak_type=True)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import jax
import jax.numpy as jnp

from ..units import SncoreError

__all__ = ["SURROGATES", "check_surrogate", "register_surrogate", "spike_fn", "surrogate_grad"]

Surrogate = str | Callable

SURROGATES: dict[str, Callable] = {
    "fast_sigmoid": lambda x, b: 1.0 / (1.0 + b * jnp.abs(x)) ** 2,
    "arctan": lambda x, b: 1.0 / (1.0 + (jnp.pi / 2 * b * x) ** 2),
    "triangle": lambda x, b: jnp.maximum(0.0, 1.0 - b * jnp.abs(x)),
    "straight_through": lambda x, b: jnp.ones_like(x),
}
_BUILTIN = frozenset(SURROGATES)


def register_surrogate(name: str, fn: Callable, *, overwrite: bool = False) -> Callable:
    """Add a named surrogate derivative ``fn(x, slope)``; returns ``fn``.

    Raises :class:`~sncore.units.SncoreError` for a non-string name, a non-callable ``fn``,
    a built-in name, or an existing name without ``overwrite=True``."""
    if not isinstance(name, str) or not name:
        raise SncoreError(f"register_surrogate: 'name' must be a non-empty string, got {name!r}.")
    if not callable(fn):
        raise SncoreError(f"register_surrogate({name!r}, fn): fn must be a callable g(x, slope), "
                          f"got {type(fn).__name__}.")
    if name in _BUILTIN:
        raise SncoreError(f"register_surrogate: {name!r} is a built-in surrogate and cannot be replaced; "
                          f"choose another name.")
    if name in SURROGATES and not overwrite:
        raise SncoreError(f"register_surrogate: {name!r} is already registered; pass overwrite=True to replace it.")
    SURROGATES[name] = fn
    return fn


def check_surrogate(surrogate: Surrogate, where: str = "surrogate") -> None:
    """Raise :class:`~sncore.units.SncoreError` unless ``surrogate`` is a registered name or a
    callable ``g(x, slope)``; the message names the value and the allowed names."""
    if callable(surrogate):
        return
    if not isinstance(surrogate, str) or surrogate not in SURROGATES:
        raise SncoreError(f"{where}={surrogate!r} is unknown; allowed: one of {sorted(SURROGATES)} "
                          f"or a callable g(x, slope) (see sncore.neurons.register_surrogate).")


def surrogate_grad(surrogate: Surrogate) -> Callable:
    """The derivative function ``g(x, slope)`` of a surrogate given by name or callable."""
    check_surrogate(surrogate)
    return surrogate if callable(surrogate) else SURROGATES[surrogate]


@partial(jax.custom_jvp, nondiff_argnums=(1, 2))
def spike_fn(x, surrogate: Surrogate = "fast_sigmoid", slope: float = 1.0):
    """Heaviside ``x >= 0`` in the dtype of ``x``, differentiable through a surrogate
    (a name in :data:`SURROGATES` or a callable ``g(x, slope)``).

    Example:
        >>> jax.grad(lambda v: spike_fn(v - 1.0))(0.5)   # fast sigmoid at -0.5
        Array(0.44444445, dtype=float32, weak_type=True)
    """
    x = jnp.asarray(x)
    return (x >= 0).astype(jnp.result_type(x, jnp.float32))


@spike_fn.defjvp
def _spike_jvp(surrogate, slope, primals, tangents):
    (x,), (dx,) = primals, tangents
    x = jnp.asarray(x)
    g = surrogate_grad(surrogate)
    y = spike_fn(x, surrogate, slope)
    return y, jnp.asarray(g(x, slope)).astype(y.dtype) * dx

"""Fixed-step Runge-Kutta integration inside one simulation step, for the nonlinear and
conductance-based models (NEST integrates those with GSL's adaptive RKF45).

``rk4(f, y, h, n_sub)`` advances the pytree ``y`` over one simulation step ``h`` with
``n_sub`` classical Runge-Kutta substeps of length ``h / n_sub``::

    k1 = f(t, y);  k2 = f(t + s/2, y + s/2 k1);  k3 = f(t + s/2, y + s/2 k2);  k4 = f(t + s, y + s k3)
    y <- y + s/6 (k1 + 2 k2 + 2 k3 + k4),      s = h / n_sub

``f(t, y)`` gets the time since the start of the step (so exactly known inputs such as
decaying conductances may be evaluated in closed form). The substep loop is unrolled in
Python (``n_sub`` is static), so the step stays a single fused elementwise computation,
differentiable in forward and reverse mode and vmappable. Local error is O(s^5).

Example:
    >>> y1 = rk4(lambda t, v: -v / 10.0, jnp.float64(1.0), 0.1, 2)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

__all__ = ["rk4", "rk4_substep"]


def _axpy(a, x, y):
    return jax.tree.map(lambda xi, yi: yi + a * xi, x, y)


def rk4_substep(f: Callable[[Any, Any], Any], t, y, s):
    """One classical RK4 substep of length ``s`` from time ``t``."""
    k1 = f(t, y)
    k2 = f(t + 0.5 * s, _axpy(0.5 * s, k1, y))
    k3 = f(t + 0.5 * s, _axpy(0.5 * s, k2, y))
    k4 = f(t + s, _axpy(s, k3, y))
    return jax.tree.map(lambda yi, a, b, c, d: yi + (s / 6.0) * (a + 2.0 * b + 2.0 * c + d),
                        y, k1, k2, k3, k4)


def rk4(f: Callable[[Any, Any], Any], y, h, n_sub: int = 1):
    """Advance ``y`` by ``h`` with ``n_sub`` (static) RK4 substeps (see module doc)."""
    s = h / n_sub
    for i in range(n_sub):
        y = rk4_substep(f, i * s, y, s)
    return y

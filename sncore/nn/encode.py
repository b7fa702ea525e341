"""Encoders: static inputs ``x [B, F]`` -> time-major spike trains ``[T, B, F]``.

* :func:`rate_encode` (Bernoulli / discrete-time Poisson): ``s[t, b, f] ~ Bernoulli(p[b, f])``,
  independent over steps; with ``p = rate dt`` this is a Poisson process of that rate on the
  step grid (at most one spike per step). Draws come from ``key`` only (reproducible).
* :func:`latency_encode`, time to first spike, one spike at most per input:

  - ``method="linear"``: ``k = floor(T (1 - x))`` for ``x`` in ``[0, 1]``: ``x = 1`` fires in
    step 0, smaller inputs later, ``x = 0`` (``k = T``) never;
  - ``method="log"`` (RC charging, snnTorch's default shape): the input ``x`` charges
    ``tau dV/dt = -V + x`` from 0 and the spike time is when ``V`` reaches ``threshold``:
    ``t* = tau ln(x / (x - threshold))`` for ``x > threshold`` (never otherwise), in step
    ``k = floor(t* / dt)`` if ``k < T``.

Example:
    >>> x = jnp.array([[0.0, 0.5, 1.0]])
    >>> latency_encode(x, 4)[:, 0]          # steps 4 (none), 2, 0
    Array([[0., 0., 1.], [0., 0., 0.], [0., 1., 0.], [0., 0., 0.]], dtype=float32)
    >>> rate_encode(jax.random.key(0), jnp.full((8, 100), 0.2), 50).mean()   # ~ 0.2
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..units import SncoreError

__all__ = ["latency_encode", "latency_steps", "poisson_encode", "rate_encode"]


def _concrete(x):
    if isinstance(x, jax.core.Tracer):  # under jit: no value check possible
        return None
    return np.asarray(x)


def _check_steps(num_steps, where):
    if not (isinstance(num_steps, (int, np.integer)) and not isinstance(num_steps, bool) and num_steps >= 1):
        raise SncoreError(f"{where}: num_steps={num_steps!r} must be a positive int.")


def rate_encode(key, prob, num_steps: int, *, dtype=None) -> jax.Array:
    """Bernoulli spike trains ``[T, B, F]`` with per-step spike probability ``prob`` ``[B, F]``
    (values in ``[0, 1]``; checked when not traced)."""
    _check_steps(num_steps, "rate_encode")
    p = jnp.asarray(prob)
    c = _concrete(prob)
    if c is not None and c.size and (c.min() < 0 or c.max() > 1):
        raise SncoreError(f"rate_encode: prob must lie in [0, 1] (a probability per step), got values in "
                          f"[{c.min():g}, {c.max():g}]; for a rate r use prob = r * dt.")
    dtype = dtype or jnp.result_type(p.dtype, jnp.float32)
    u = jax.random.uniform(key, (num_steps,) + p.shape, dtype=dtype)
    return (u < p).astype(dtype)


def poisson_encode(key, rate_hz, num_steps: int, dt_ms: float = 1.0, *, dtype=None) -> jax.Array:
    """:func:`rate_encode` with ``prob = rate * dt`` (rate in Hz, dt in ms)."""
    return rate_encode(key, jnp.asarray(rate_hz) * (dt_ms * 1e-3), num_steps, dtype=dtype)


def latency_steps(x, num_steps: int, *, method: str = "linear", tau: float = 5.0, threshold: float = 0.01,
                  dt: float = 1.0) -> jax.Array:
    """The spike step of each input (int32, ``num_steps`` meaning no spike); see the module docstring."""
    _check_steps(num_steps, "latency_encode")
    x = jnp.asarray(x)
    c = _concrete(x)
    if method == "linear":
        if c is not None and c.size and (c.min() < 0 or c.max() > 1):
            raise SncoreError(f"latency_encode(method='linear'): x must lie in [0, 1], got values in "
                              f"[{c.min():g}, {c.max():g}]; normalise the input first.")
        k = jnp.floor(num_steps * (1.0 - x))
    elif method == "log":
        if not (tau > 0 and threshold > 0 and dt > 0):
            raise SncoreError(f"latency_encode(method='log'): tau, threshold and dt must be > 0, got "
                              f"tau={tau!r}, threshold={threshold!r}, dt={dt!r}.")
        above = x > threshold
        safe = jnp.where(above, x, 2.0 * threshold)
        t = tau * jnp.log(safe / (safe - threshold))
        k = jnp.where(above, jnp.floor(t / dt), num_steps)
    else:
        raise SncoreError(f"latency_encode: method={method!r} is unknown; allowed: 'linear', 'log'.")
    return jnp.minimum(k, num_steps).astype(jnp.int32)


def latency_encode(x, num_steps: int, *, method: str = "linear", tau: float = 5.0, threshold: float = 0.01,
                   dt: float = 1.0, dtype=None) -> jax.Array:
    """One spike per input at its latency step: ``[B, F] -> [T, B, F]`` (see the module docstring)."""
    k = latency_steps(x, num_steps, method=method, tau=tau, threshold=threshold, dt=dt)
    dtype = dtype or jnp.result_type(jnp.asarray(x).dtype, jnp.float32)
    t = jnp.arange(num_steps).reshape((num_steps,) + (1,) * k.ndim)
    return (t == k[None]).astype(dtype)

"""Weights and delays of a ``connect`` call: a scalar, an array, or a distribution.

* a scalar Quantity gives every connection the same value;
* an array Quantity gives one value per connection, shaped as NEST expects for the rule
  (``[n_tgt, n_src]`` for all_to_all, ``[n_tgt, K]`` for fixed_indegree,
  ``[n_src, K]`` for fixed_outdegree, ``[n]`` otherwise);
* a distribution (:func:`uniform`, :func:`normal`, :func:`lognormal`, :func:`exponential`)
  draws one independent value per connection from the connect call's generator.

Delays are converted to whole steps by NEST's rule ``steps = floor(delay / dt + 0.5)``
(round half up); a delay below ``dt`` is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..units import TIC, SncoreError, to_canonical

__all__ = [
    "Distribution",
    "delay_to_steps",
    "exponential",
    "lognormal",
    "normal",
    "resolve_values",
    "uniform",
]


class Distribution:
    """A distribution of per-connection values (parameters are Quantities)."""

    def sample(self, rng: np.random.Generator, n: int, unit: str, name: str) -> np.ndarray:
        raise NotImplementedError


def _c(q, unit, name, dist):
    return float(to_canonical(q, unit, name, owner=dist))


@dataclass(frozen=True)
class uniform(Distribution):
    """Uniform on ``[min, max)``. Example: ``sn.conn.uniform(0.5 * u.ms, 2.5 * u.ms)``."""

    min: Any
    max: Any

    def sample(self, rng, n, unit, name):
        lo, hi = _c(self.min, unit, "min", "uniform"), _c(self.max, unit, "max", "uniform")
        if not hi >= lo:
            raise SncoreError(f"uniform needs min <= max, got min={lo} {unit}, max={hi} {unit}.")
        return rng.uniform(lo, hi, n)


@dataclass(frozen=True)
class normal(Distribution):
    """Gaussian with ``mean`` and standard deviation ``std`` (same unit)."""

    mean: Any
    std: Any

    def sample(self, rng, n, unit, name):
        m, s = _c(self.mean, unit, "mean", "normal"), _c(self.std, unit, "std", "normal")
        if not s >= 0:
            raise SncoreError(f"normal parameter 'std' must be >= 0, got {s} {unit}.")
        return rng.normal(m, s, n)


@dataclass(frozen=True)
class lognormal(Distribution):
    """``scale * exp(N(mu, sigma))`` with dimensionless ``mu``, ``sigma`` and a unit ``scale``."""

    mu: float
    sigma: float
    scale: Any

    def sample(self, rng, n, unit, name):
        return _c(self.scale, unit, "scale", "lognormal") * rng.lognormal(self.mu, self.sigma, n)


@dataclass(frozen=True)
class exponential(Distribution):
    """Exponential with mean ``beta``."""

    beta: Any

    def sample(self, rng, n, unit, name):
        return rng.exponential(_c(self.beta, unit, "beta", "exponential"), n)


def resolve_values(spec: Any, n: int, shape: tuple[int, ...] | None, unit: str, name: str,
                   rng: np.random.Generator) -> np.ndarray:
    """Per-connection values (float64, canonical unit) for ``n`` connections.

    ``shape`` is the rule's array layout (None: ``(n,)``). Raises on a wrong size, a wrong
    unit, or a non-finite value.
    """
    if isinstance(spec, Distribution):
        vals = np.asarray(spec.sample(rng, n, unit, name), dtype=float)
    else:
        vals = to_canonical(spec, unit, name, owner="connect")
        if vals.ndim == 0:
            vals = np.full(n, float(vals))
        else:
            allowed = {(n,)} | ({tuple(shape)} if shape is not None else set())
            if vals.shape not in allowed:
                raise SncoreError(
                    f"connect parameter {name!r}: an array of shape {vals.shape} does not match "
                    f"the {n} connections; allowed shapes: {sorted(allowed)}."
                )
            vals = vals.reshape(-1)
    bad = ~np.isfinite(vals)
    if bad.any():
        raise SncoreError(
            f"connect parameter {name!r} must be finite, got {float(vals[bad][0]):g} {unit}."
        )
    return vals


def delay_to_steps(delay_ms: np.ndarray, dt: float) -> np.ndarray:
    """NEST's rule: the delay is rounded to whole tics (1 us), then
    ``steps = floor(delay / dt + 0.5)`` (round half up); raises for any delay < dt
    (NEST accepts delays down to dt/2 and rounds them up to dt; sncore rejects them)."""
    d = np.round(np.asarray(delay_ms, dtype=float) / TIC) * TIC
    tol = TIC / 2
    if d.size and d.min() < dt - tol:
        raise SncoreError(
            f"connect parameter 'delay' must be >= dt = {dt} ms (the minimum delay), got "
            f"{float(d.min()):g} ms."
        )
    return np.floor(d / dt + 0.5 + 1e-9).astype(np.int32)



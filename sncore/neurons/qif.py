"""``qif``: quadratic integrate-and-fire neuron, integrated exactly.

Dimensionless (``V_m`` in the units of ``V_c - V_rest``, time constants in ms)::

    tau_mem dV/dt = (V - V_rest)(V - V_c) / (V_c - V_rest) + I_e + I

``V_rest`` is the stable rest and ``V_c`` the critical (unstable) point of the unforced
neuron; a spike is emitted when ``V`` reaches ``V_peak``, after which ``V = V_reset``. With
``x = V - m``, ``m = (V_rest + V_c)/2``, ``k = 1/(V_c - V_rest)`` and the constant drive
``J = I_e + I``, the equation is the Riccati equation ``tau dx/dt = k x^2 + b`` with
``b = J - k (V_c - V_rest)^2 / 4``, whose exact solution over a step ``h`` is the Moebius map

    x(h) = N / D,   N = x C + b s S,   D = C - k x s S,    s = h / tau_mem,  z = k b s^2
    C = cos(sqrt z), S = sin(sqrt z)/sqrt z  (z > 0);   C = cosh(sqrt -z), S = sinh(sqrt -z)/sqrt -z  (z < 0)

(``C, S`` are entire in ``z``; a Taylor series is used for ``|z| < 1e-2``). So the update is
exact for piecewise-constant ``J``, at any ``dt``. For ``b > 0`` (``J`` above the rheobase
``(V_c - V_rest)/4``) the time from ``V_0`` to the peak is
``tau/sqrt(k b) [atan(x_p sqrt(k/b)) - atan(x_0 sqrt(k/b))]`` with the branch in
``(0, pi)``, the closed form the tests compare with. Per step:

1. ``x <- N / D`` with the drive ``J`` of the step (dc_generator current: one-step lag);
2. add the arriving weights: ``V <- V + sum_k w_k``;
3. spike if the trajectory reached ``V_peak`` in the step: ``N - (x_p - w) D >= 0`` (this also
   catches a blow-up inside the step, ``D <= 0``), through ``spike_fn`` (surrogate
   gradient); then ``V = V_reset``.

The neuron fires at most once per step (valid while the firing period exceeds ``dt``, i.e.
``sqrt(k b) dt / tau_mem < pi``).

=========== ====== ========= ==================================================
parameter   unit   default   meaning
=========== ====== ========= ==================================================
tau_mem     ms     10.0      membrane time constant (> 0)
V_rest      1      0.0       stable resting point
V_c         1      1.0       critical point (> V_rest)
V_peak      1      10.0      spike cut-off (> V_c)
V_reset     1      0.0       reset value (< V_peak)
I_e         1      0.0       constant drive (tonic firing above (V_c - V_rest)/4)
=========== ====== ========= ==================================================

Static options: ``surrogate``, ``slope``. State: ``V_m`` (1, 0: starts at 0 whatever ``V_rest``; set ``init``), buffered drive ``I``.
Weights dimensionless (jumps of ``V``); dc_generator amplitudes enter as numbers (pA value).

Example:
    >>> sim = sn.Simulator(dt=0.1 * u.ms, seed=0)
    >>> n = sim.create("qif", 5, params={"I_e": 0.5})
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp

from ..units import SncoreError
from ._base import Input, NeuronModel, Param
from ._spike import spike_fn

__all__ = ["QIF", "QIFState", "riccati_cs"]


def riccati_cs(z):
    """``C(z) = cos(sqrt z)``, ``S(z) = sin(sqrt z)/sqrt z`` continued to ``z < 0`` (cosh,
    sinh), with a Taylor series near 0 (safe in value and gradient at every ``z``)."""
    small = jnp.abs(z) < 1e-2
    zt = jnp.where(small, z, 0.0)
    c_t = 1 - zt / 2 * (1 - zt / 12 * (1 - zt / 30 * (1 - zt / 56 * (1 - zt / 90))))
    s_t = 1 - zt / 6 * (1 - zt / 20 * (1 - zt / 42 * (1 - zt / 72 * (1 - zt / 110))))
    pos = z > 0
    r = jnp.sqrt(jnp.where(small, 1.0, jnp.abs(z)))
    c_l = jnp.where(pos, jnp.cos(r), jnp.cosh(r))
    s_l = jnp.where(pos, jnp.sin(r), jnp.sinh(r)) / r
    return jnp.where(small, c_t, c_l), jnp.where(small, s_t, s_l)


class QIFState(NamedTuple):
    V_m: jax.Array
    I: jax.Array


class QIF(NeuronModel):
    """Quadratic integrate-and-fire with exact (Riccati) integration (see the module docstring)."""

    tau_mem: jax.Array = 10.0
    V_rest: jax.Array = 0.0
    V_c: jax.Array = 1.0
    V_peak: jax.Array = 10.0
    V_reset: jax.Array = 0.0
    I_e: jax.Array = 0.0
    surrogate: str = eqx.field(default="fast_sigmoid", static=True)
    slope: float = eqx.field(default=1.0, static=True)

    WEIGHT_UNIT = "1"
    RECEPTORS = ("spikes",)
    PARAMS = {
        "tau_mem": Param(10.0, "ms", "strict", "membrane time constant"),
        "V_rest": Param(0.0, "1", doc="stable resting point"),
        "V_c": Param(1.0, "1", doc="critical (unstable) point"),
        "V_peak": Param(10.0, "1", doc="spike cut-off"),
        "V_reset": Param(0.0, "1", doc="reset value"),
        "I_e": Param(0.0, "1", doc="constant drive"),
    }
    STATES = {"V_m": Param(0.0, "1", doc="membrane potential")}

    @classmethod
    def check(cls, values):
        for lo, hi in (("V_rest", "V_c"), ("V_c", "V_peak"), ("V_reset", "V_peak")):
            bad = values[lo] >= values[hi]
            if bad.any():
                i = int(bad.argmax())
                raise SncoreError(f"qif parameter {lo!r} must be < {hi}, got {lo}={values[lo][i]:g}, "
                                  f"{hi}={values[hi][i]:g}.")

    def init(self, dt: float) -> QIFState:
        z = jnp.zeros_like(jnp.asarray(self.tau_mem))
        return QIFState(V_m=z, I=z)

    def step(self, state: QIFState, inp: Input, dt: float):
        width = self.V_c - self.V_rest
        k = 1.0 / width
        m = 0.5 * (self.V_rest + self.V_c)
        b = self.I_e + state.I - 0.25 * width
        s = dt / self.tau_mem
        C, S = riccati_cs(k * b * s * s)
        x = state.V_m - m
        N = x * C + b * s * S
        D = C - k * x * s * S
        w = inp.syn[0]
        spike = spike_fn(N - (self.V_peak - m - w) * D, self.surrogate, self.slope)
        fired = spike > 0
        V = m + N / jnp.where(fired, 1.0, D) + w
        V = jnp.where(fired, self.V_reset, V)
        return QIFState(V, inp.current.astype(V.dtype)), spike

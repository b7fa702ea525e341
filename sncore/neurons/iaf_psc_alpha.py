"""``iaf_psc_alpha``: leaky integrate-and-fire neuron with alpha-shaped post-synaptic currents.

NEST semantics (nest-simulator ``models/iaf_psc_alpha.cpp``), exact integration. With
``V = V_m - E_L`` and, per receptor x in {ex, in}, the current ``I_x`` and its derivative
state ``dI_x``::

    dV/dt    = -V / tau_m + (I_ex + I_in + I_e + I) / C_m
    dI_x/dt  = dI_x - I_x / tau_syn_x,     d(dI_x)/dt = -dI_x / tau_syn_x

A spike of weight ``w`` (pA) adds ``e / tau_syn_x * w`` to ``dI_x``, so ``I_x`` follows
``w t/tau_s exp(1 - t/tau_s)`` and peaks at ``w`` after ``tau_s``. Per step h::

    V    <- P33 V + P31x dI_x + P32x I_x + P30 (I_e + I)      (if not refractory; V >= V_min)
    I_x  <- P21x dI_x + P22x I_x;   dI_x <- P11x dI_x + e/tau_s * (weights arriving)
    P11 = P22 = exp(-h/tau_s),  P21 = h exp(-h/tau_s),  P33 = exp(-h/tau_m)
    P30 = tau_m/C_m (1 - P33),  P32 = exp(-h/tau_m)/C_m (1 - exp(-a h))/a
    P31 = exp(-h/tau_m)/C_m (1 - exp(-a h)(1 + a h))/a^2,   a = 1/tau_s - 1/tau_m

(series forms near ``a = 0``). Threshold ``V_m >= V_th``, reset, ``ceil(t_ref/h)``
refractory steps (currents keep integrating), weight sign selects the receptor, one-step
lag of external currents — as in NEST.

=========== ======= ========= ===========================================
parameter   unit    default   meaning
=========== ======= ========= ===========================================
E_L         mV      -70.0     resting potential
C_m         pF      250.0     membrane capacitance (> 0)
tau_m       ms      10.0      membrane time constant (> 0)
tau_syn_ex  ms      2.0       rise time of the excitatory PSC (> 0)
tau_syn_in  ms      2.0       rise time of the inhibitory PSC (> 0)
t_ref       ms      2.0       refractory period (>= 0)
V_th        mV      -55.0     spike threshold
V_reset     mV      -70.0     reset potential (< V_th)
V_min       mV      -inf      lower bound of V_m
I_e         pA      0.0       constant external current
=========== ======= ========= ===========================================

State: ``V_m`` (mV, -70), ``I_syn_ex``, ``I_syn_in`` (pA, 0) and their derivatives
``dI_ex``, ``dI_in`` (internal). Weights in pA; the sign selects the receptor, as in NEST.

Example:
    >>> n = sim.create("iaf_psc_alpha", 10, params={"tau_syn_ex": 0.5 * u.ms})
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp

from ._base import Input, NeuronModel
from ._lif import (
    LIF_PARAMS,
    PSC_STATES,
    check_reset_below_threshold,
    fire_and_reset,
    refractory_steps,
    syn_params,
)
from .iaf_psc_exp import psc_exp_p21

__all__ = ["IafPscAlpha", "IafPscAlphaState", "psc_alpha_p31"]


def psc_alpha_p31(tau_s, tau_m, C, h):
    """Exact propagator from the alpha-current derivative state to V over one step."""
    a = 1.0 / tau_s - 1.0 / tau_m
    x = a * h
    small = jnp.abs(x) < 1e-4
    xs = jnp.where(small, 1.0, x)
    f = jnp.where(small, 0.5 - x / 3.0 + x * x / 8.0, -(jnp.expm1(-xs) + xs * jnp.exp(-xs)) / xs**2)
    return jnp.exp(-h / tau_m) / C * h * h * f


class IafPscAlphaState(NamedTuple):
    V_m: jax.Array
    I_syn_ex: jax.Array
    I_syn_in: jax.Array
    dI_ex: jax.Array
    dI_in: jax.Array
    r: jax.Array
    I: jax.Array


class IafPscAlpha(NeuronModel):
    """Leaky integrate-and-fire, alpha PSCs, NEST ``iaf_psc_alpha`` (see module doc)."""

    E_L: jax.Array = -70.0
    C_m: jax.Array = 250.0
    tau_m: jax.Array = 10.0
    tau_syn_ex: jax.Array = 2.0
    tau_syn_in: jax.Array = 2.0
    t_ref: jax.Array = 2.0
    V_th: jax.Array = -55.0
    V_reset: jax.Array = -70.0
    V_min: jax.Array = -jnp.inf
    I_e: jax.Array = 0.0
    consts: tuple | None = None
    surrogate: str = eqx.field(default="fast_sigmoid", static=True)
    slope: float = eqx.field(default=1.0, static=True)

    NEST_NAME = "iaf_psc_alpha"
    WEIGHT_UNIT = "pA"
    RECEPTORS = ("ex", "in")
    SIGN_ROUTED = True
    PARAMS = {**LIF_PARAMS, **syn_params("PSC rise time")}
    STATES = PSC_STATES

    @classmethod
    def check(cls, values):
        check_reset_below_threshold(cls.NEST_NAME, values)

    def _constants(self, h):
        out = []
        for ts in (self.tau_syn_ex, self.tau_syn_in):
            P11 = jnp.exp(-h / ts)
            out.append((P11, h * P11, psc_alpha_p31(ts, self.tau_m, self.C_m, h),
                        psc_exp_p21(ts, self.tau_m, self.C_m, h), jnp.e / ts))
        P33 = jnp.exp(-h / self.tau_m)
        P30 = -self.tau_m / self.C_m * jnp.expm1(-h / self.tau_m)
        return (tuple(out[0]), tuple(out[1]), P33, P30,
                refractory_steps(self.t_ref, h))

    def init(self, dt: float) -> IafPscAlphaState:
        v = jnp.asarray(self.E_L)
        z = jnp.zeros_like(v)
        return IafPscAlphaState(v, z, z, z, z, jnp.zeros(v.shape, jnp.int32), z)

    def step(self, state: IafPscAlphaState, inp: Input, dt: float):
        ex, inh, P33, P30, ref_steps = self._constants(dt) if self.consts is None else self.consts
        refractory = state.r > 0
        integrated = (self.E_L + P33 * (state.V_m - self.E_L) + P30 * (self.I_e + state.I)
                      + ex[2] * state.dI_ex + ex[3] * state.I_syn_ex
                      + inh[2] * state.dI_in + inh[3] * state.I_syn_in)
        integrated = jnp.maximum(integrated, self.V_min)
        V_m = jnp.where(refractory, state.V_m, integrated)
        r = jnp.where(refractory, state.r - 1, state.r)
        I_ex = ex[1] * state.dI_ex + ex[0] * state.I_syn_ex
        I_in = inh[1] * state.dI_in + inh[0] * state.I_syn_in
        dI_ex = ex[0] * state.dI_ex + ex[4] * inp.syn[0]
        dI_in = inh[0] * state.dI_in + inh[4] * inp.syn[1]
        V_m, r, spike = fire_and_reset(self, V_m, r, ref_steps)
        return IafPscAlphaState(V_m, I_ex, I_in, dI_ex, dI_in, r,
                                inp.current.astype(V_m.dtype)), spike

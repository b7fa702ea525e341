"""``iaf_psc_exp``: leaky integrate-and-fire neuron with exponential post-synaptic currents.

NEST semantics (nest-simulator ``models/iaf_psc_exp.cpp``, deterministic threshold),
exact integration. With ``V = V_m - E_L``::

    dV/dt = -V / tau_m + (I_ex + I_in + I_e + I) / C_m
    dI_ex/dt = -I_ex / tau_syn_ex,  dI_in/dt = -I_in / tau_syn_in

Per step (propagators for step h)::

    V   <- P22 V + P21ex I_ex + P21in I_in + P20 (I_e + I)     (if not refractory)
    I_x <- P11x I_x + (weights arriving this step on receptor x)
    P22 = exp(-h/tau_m),  P11x = exp(-h/tau_syn_x),  P20 = tau_m/C_m (1 - P22)
    P21x = exp(-h/tau_m) / C_m * (1 - exp(-h a)) / a,   a = 1/tau_syn_x - 1/tau_m

(``P21x -> h exp(-h/tau_m) / C_m`` for ``tau_syn_x = tau_m``: the form above is the
numerically stable one). A spike of weight ``w`` (pA) read in step k raises ``I_ex``
(``w >= 0``) or ``I_in`` (``w < 0``) at the end of that step, so ``V`` starts to move in
the next step — at ``t_spike + delay`` on the grid — following
``w/C_m * tau_m tau_s/(tau_m - tau_s) (exp(-t/tau_m) - exp(-t/tau_s))``. During
refractoriness ``V`` is clamped but the synaptic currents keep integrating their input
(NEST). Threshold test ``V_m >= V_th``, reset to ``V_reset``, ``ceil(t_ref/h)`` refractory
steps; external current ``I`` (``dc_generator``) with the one-step lag of NEST.

=========== ======= ========= ===========================================
parameter   unit    default   meaning
=========== ======= ========= ===========================================
E_L         mV      -70.0     resting potential
C_m         pF      250.0     membrane capacitance (> 0)
tau_m       ms      10.0      membrane time constant (> 0)
tau_syn_ex  ms      2.0       excitatory synaptic time constant (> 0)
tau_syn_in  ms      2.0       inhibitory synaptic time constant (> 0)
t_ref       ms      2.0       refractory period (>= 0)
V_th        mV      -55.0     spike threshold
V_reset     mV      -70.0     reset potential (< V_th)
I_e         pA      0.0       constant external current
=========== ======= ========= ===========================================

State: ``V_m`` (mV, -70), ``I_syn_ex``, ``I_syn_in`` (pA, 0). Weights in pA; the sign
selects the receptor, as in NEST.

Example:
    >>> sim = sn.Simulator(dt=0.1 * u.ms, seed=1)
    >>> n = sim.create("iaf_psc_exp", 10, params={"tau_syn_ex": 5 * u.ms})
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

__all__ = ["IafPscExp", "IafPscExpState", "psc_exp_p21"]


def psc_exp_p21(tau_s, tau_m, C, h):
    """Exact propagator from an exponential current to V over one step (stable form)."""
    a = 1.0 / tau_s - 1.0 / tau_m
    small = jnp.abs(a * h) < 1e-6
    a_safe = jnp.where(small, 1.0, a)
    frac = jnp.where(small, h * (1.0 - 0.5 * a * h), -jnp.expm1(-h * a_safe) / a_safe)
    return jnp.exp(-h / tau_m) / C * frac


class IafPscExpState(NamedTuple):
    V_m: jax.Array
    I_syn_ex: jax.Array
    I_syn_in: jax.Array
    r: jax.Array
    I: jax.Array


class IafPscExp(NeuronModel):
    """Leaky integrate-and-fire, exponential PSCs, NEST ``iaf_psc_exp`` (see module doc)."""

    E_L: jax.Array = -70.0
    C_m: jax.Array = 250.0
    tau_m: jax.Array = 10.0
    tau_syn_ex: jax.Array = 2.0
    tau_syn_in: jax.Array = 2.0
    t_ref: jax.Array = 2.0
    V_th: jax.Array = -55.0
    V_reset: jax.Array = -70.0
    I_e: jax.Array = 0.0
    consts: tuple | None = None
    surrogate: str = eqx.field(default="fast_sigmoid", static=True)
    slope: float = eqx.field(default=1.0, static=True)

    NEST_NAME = "iaf_psc_exp"
    WEIGHT_UNIT = "pA"
    RECEPTORS = ("ex", "in")
    SIGN_ROUTED = True
    PARAMS = {k: v for k, v in LIF_PARAMS.items() if k != "V_min"} | syn_params("synaptic time constant")
    STATES = PSC_STATES

    @classmethod
    def check(cls, values):
        check_reset_below_threshold(cls.NEST_NAME, values)

    def _constants(self, h):
        P22 = jnp.exp(-h / self.tau_m)
        return (P22, jnp.exp(-h / self.tau_syn_ex), jnp.exp(-h / self.tau_syn_in),
                psc_exp_p21(self.tau_syn_ex, self.tau_m, self.C_m, h),
                psc_exp_p21(self.tau_syn_in, self.tau_m, self.C_m, h),
                -self.tau_m / self.C_m * jnp.expm1(-h / self.tau_m),
                refractory_steps(self.t_ref, h))

    def init(self, dt: float) -> IafPscExpState:
        v = jnp.asarray(self.E_L)
        z = jnp.zeros_like(v)
        return IafPscExpState(V_m=v, I_syn_ex=z, I_syn_in=z, r=jnp.zeros(v.shape, jnp.int32), I=z)

    def step(self, state: IafPscExpState, inp: Input, dt: float):
        P22, P11e, P11i, P21e, P21i, P20, ref_steps = (
            self._constants(dt) if self.consts is None else self.consts)
        refractory = state.r > 0
        integrated = (self.E_L + P22 * (state.V_m - self.E_L) + P21e * state.I_syn_ex
                      + P21i * state.I_syn_in + P20 * (self.I_e + state.I))
        V_m = jnp.where(refractory, state.V_m, integrated)
        r = jnp.where(refractory, state.r - 1, state.r)
        I_ex = P11e * state.I_syn_ex + inp.syn[0]
        I_in = P11i * state.I_syn_in + inp.syn[1]
        V_m, r, spike = fire_and_reset(self, V_m, r, ref_steps)
        return IafPscExpState(V_m, I_ex, I_in, r, inp.current.astype(V_m.dtype)), spike

"""``iaf_psc_delta``: leaky integrate-and-fire neuron with delta-shaped synaptic input.

NEST semantics (nest-simulator ``models/iaf_psc_delta.cpp``), exact integration.

Subthreshold dynamics, with ``V = V_m - E_L``::

    dV/dt = -V / tau_m + (I_syn + I_e) / C_m
    V(t+h) = P33 * V(t) + P30 * (I(t) + I_e) + sum_k w_k        (exact for piecewise constant I)
    P33 = exp(-h / tau_m),   P30 = -(tau_m / C_m) * expm1(-h / tau_m)

A spike of weight ``w`` (mV) arriving in a step makes V jump by ``w`` at the end of that step.
The external current ``I`` (pA, e.g. from a ``dc_generator``) that arrives in step k is
applied from step k+1 on (NEST's one-step current lag). Each step, in this order:

1. if not refractory: integrate as above, then clamp ``V >= V_min``;
   if refractory: discard the arriving spikes and count the refractory steps down;
2. if ``V_m >= V_th``: emit a spike (time stamp: end of the step), set ``V_m = V_reset`` and
   the refractory counter to ``ceil(t_ref / h)`` steps (NEST rounds up);
3. store this step's arriving current for the next step.

=========== ======= ========= ===========================================
parameter   unit    default   meaning
=========== ======= ========= ===========================================
E_L         mV      -70.0     resting potential
C_m         pF      250.0     membrane capacitance (> 0)
tau_m       ms      10.0      membrane time constant (> 0)
t_ref       ms      2.0       absolute refractory period (>= 0)
V_th        mV      -55.0     spike threshold
V_reset     mV      -70.0     reset potential (< V_th)
V_min       mV      -inf      lower bound of V_m
I_e         pA      0.0       constant external current
=========== ======= ========= ===========================================

State: ``V_m`` (mV, default -70.0), refractory step counter ``r``, buffered current ``I`` (pA).
Synaptic weights are in mV. Spikes arriving during refractoriness are discarded (NEST's
default ``refractory_input = False``).

Example:
    >>> import brainunit as u, sncore as sn
    >>> sim = sn.Simulator(dt=0.1 * u.ms, seed=1)
    >>> n = sim.create("iaf_psc_delta", 10, params={"I_e": 400.0 * u.pA})
    >>> res = sim.simulate(100 * u.ms)
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp

from ._base import Input, NeuronModel, Param
from ._lif import (
    LIF_PARAMS,
    check_reset_below_threshold,
    fire_and_reset,
    refractory_steps,
)

__all__ = ["IafPscDelta", "IafPscDeltaState"]


class IafPscDeltaState(NamedTuple):
    V_m: jax.Array
    r: jax.Array  # refractory steps left (int32)
    I: jax.Array  # current (pA) applied during the next step


class IafPscDelta(NeuronModel):
    """Leaky integrate-and-fire, delta synapses, NEST ``iaf_psc_delta`` (see module doc)."""

    E_L: jax.Array = -70.0
    C_m: jax.Array = 250.0
    tau_m: jax.Array = 10.0
    t_ref: jax.Array = 2.0
    V_th: jax.Array = -55.0
    V_reset: jax.Array = -70.0
    V_min: jax.Array = -jnp.inf
    I_e: jax.Array = 0.0
    consts: tuple | None = None  # per-dt constants filled by prepare(dt)
    surrogate: str = eqx.field(default="fast_sigmoid", static=True)
    slope: float = eqx.field(default=1.0, static=True)

    NEST_NAME = "iaf_psc_delta"
    WEIGHT_UNIT = "mV"
    RECEPTORS = ("spikes",)
    PARAMS = dict(LIF_PARAMS)
    STATES = {"V_m": Param(-70.0, "mV", doc="membrane potential")}

    @classmethod
    def check(cls, values):
        check_reset_below_threshold(cls.NEST_NAME, values)

    def init(self, dt: float) -> IafPscDeltaState:
        v = jnp.asarray(self.E_L)
        return IafPscDeltaState(V_m=v, r=jnp.zeros(v.shape, jnp.int32), I=jnp.zeros_like(v))

    def _constants(self, dt):
        P33 = jnp.exp(-dt / self.tau_m)
        P30 = -self.tau_m / self.C_m * jnp.expm1(-dt / self.tau_m)
        return P33, P30, refractory_steps(self.t_ref, dt)

    def step(self, state: IafPscDeltaState, inp: Input, dt: float):
        P33, P30, ref_steps = self._constants(dt) if self.consts is None else self.consts
        # absolute potentials: E_L + P33 (V - E_L) + ... is the relative update of NEST
        integrated = self.E_L + P30 * (state.I + self.I_e) + P33 * (state.V_m - self.E_L) + inp.syn[0]
        integrated = jnp.maximum(integrated, self.V_min)
        refractory = state.r > 0
        V_m = jnp.where(refractory, state.V_m, integrated)
        r = jnp.where(refractory, state.r - 1, state.r)
        V_m, r, spike = fire_and_reset(self, V_m, r, ref_steps)
        return IafPscDeltaState(V_m=V_m, r=r, I=inp.current.astype(V_m.dtype)), spike

"""``mat2_psc_exp``: non-resetting leaky integrate-and-fire neuron with a multi-timescale
adaptive threshold (MAT, Kobayashi, Tsubo & Shinomoto 2009) and exponential PSCs.

NEST semantics (nest-simulator ``models/mat2_psc_exp.cpp``), exact integration. With
``V = V_m - E_L``::

    dV/dt     = -V / tau_m + (I_ex + I_in + I_e + I) / C_m
    dI_x/dt   = -I_x / tau_syn_x                      (a spike of weight w: I_x += w, pA)
    V_th      = omega + V_th_alpha_1 + V_th_alpha_2   (absolute; omega is absolute too)
    dV_th_alpha_k/dt = -V_th_alpha_k / tau_k          (k = 1, 2)

Per step h, in NEST's order:

1. ``V <- V + expm1(-h/tau_m) V + P21ex I_ex + P21in I_in + P20 (I_e + I)`` with
   ``P20 = -tau_m/C_m expm1(-h/tau_m)`` and
   ``P21x = -tau_m / (C_m (1 - tau_m/tau_syn_x)) exp(-h/tau_syn_x) expm1(h (1/tau_syn_x - 1/tau_m))``;
2. ``V_th_alpha_k *= exp(-h/tau_k)``; ``I_x <- exp(-h/tau_syn_x) I_x + (weights arriving)``;
3. if not refractory and ``V_m >= V_th``: spike, ``V_th_alpha_1 += alpha_1``,
   ``V_th_alpha_2 += alpha_2``, and ``ceil(t_ref/h)`` refractory steps in which no spike
   can be emitted (otherwise count them down). **V_m is not reset** and keeps integrating;
4. the current of this step is applied in the next one (NEST's one-step lag).

Weights >= 0 go to the excitatory, < 0 to the inhibitory synapse (pA).

=========== ======= ========= ======================================================
parameter   unit    default   meaning
=========== ======= ========= ======================================================
E_L         mV      -70.0     resting potential
C_m         pF      100.0     membrane capacitance (> 0)
tau_m       ms      5.0       membrane time constant (> 0, != tau_syn_ex, tau_syn_in)
tau_syn_ex  ms      1.0       excitatory PSC time constant (> 0)
tau_syn_in  ms      3.0       inhibitory PSC time constant (> 0)
t_ref       ms      2.0       total refractory period (> 0; NEST: at least one step)
I_e         pA      0.0       constant external current
tau_1       ms      10.0      short time constant of the threshold (> 0)
tau_2       ms      200.0     long time constant of the threshold (> 0)
alpha_1     mV      37.0      short-time threshold jump per spike
alpha_2     mV      2.0       long-time threshold jump per spike
omega       mV      -51.0     resting threshold (absolute, not relative to E_L)
=========== ======= ========= ======================================================

State: ``V_m`` (mV, -70.0), ``V_th_alpha_1``, ``V_th_alpha_2`` (mV, 0.0); a multimeter may
also record ``V_th`` (the threshold ``omega + V_th_alpha_1 + V_th_alpha_2``).

Example:
    >>> import brainunit as u, sncore as sn
    >>> sim = sn.Simulator(dt=0.1 * u.ms)
    >>> n = sim.create("mat2_psc_exp", params={"I_e": 400 * u.pA})
    >>> res = sim.simulate(200 * u.ms)
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp

from ..units import SncoreError
from ._base import Input, NeuronModel, Param
from ._lif import refractory_steps
from ._spike import spike_fn

__all__ = ["Mat2PscExp", "Mat2PscExpState"]


class Mat2PscExpState(NamedTuple):
    V_m: jax.Array
    V_th_alpha_1: jax.Array
    V_th_alpha_2: jax.Array
    V_th: jax.Array  # omega + V_th_alpha_1 + V_th_alpha_2 (recordable, derived)
    I_syn_ex: jax.Array
    I_syn_in: jax.Array
    r: jax.Array  # refractory steps left (int32)
    I: jax.Array  # current (pA) applied during the next step


class Mat2PscExp(NeuronModel):
    """Multi-timescale adaptive threshold neuron, NEST ``mat2_psc_exp`` (see module doc)."""

    E_L: jax.Array = -70.0
    C_m: jax.Array = 100.0
    tau_m: jax.Array = 5.0
    tau_syn_ex: jax.Array = 1.0
    tau_syn_in: jax.Array = 3.0
    t_ref: jax.Array = 2.0
    I_e: jax.Array = 0.0
    tau_1: jax.Array = 10.0
    tau_2: jax.Array = 200.0
    alpha_1: jax.Array = 37.0
    alpha_2: jax.Array = 2.0
    omega: jax.Array = -51.0
    consts: tuple | None = None
    surrogate: str = eqx.field(default="fast_sigmoid", static=True)
    slope: float = eqx.field(default=1.0, static=True)

    NEST_NAME = "mat2_psc_exp"
    WEIGHT_UNIT = "pA"
    RECEPTORS = ("ex", "in")
    SIGN_ROUTED = True
    PARAMS: ClassVar[dict[str, Param]] = {
        "E_L": Param(-70.0, "mV", doc="resting potential"),
        "C_m": Param(100.0, "pF", "strict", "membrane capacitance"),
        "tau_m": Param(5.0, "ms", "strict", "membrane time constant"),
        "tau_syn_ex": Param(1.0, "ms", "strict", "excitatory PSC time constant"),
        "tau_syn_in": Param(3.0, "ms", "strict", "inhibitory PSC time constant"),
        "t_ref": Param(2.0, "ms", "strict", "total refractory period"),
        "I_e": Param(0.0, "pA", doc="constant external current"),
        "tau_1": Param(10.0, "ms", "strict", "short time constant of the adaptive threshold"),
        "tau_2": Param(200.0, "ms", "strict", "long time constant of the adaptive threshold"),
        "alpha_1": Param(37.0, "mV", doc="amplitude of the short-time threshold adaptation"),
        "alpha_2": Param(2.0, "mV", doc="amplitude of the long-time threshold adaptation"),
        "omega": Param(-51.0, "mV", doc="resting spike threshold (absolute)"),
    }
    STATES: ClassVar[dict[str, Param]] = {
        "V_m": Param(-70.0, "mV", doc="non-resetting membrane potential"),
        "V_th_alpha_1": Param(0.0, "mV", doc="short-time threshold component"),
        "V_th_alpha_2": Param(0.0, "mV", doc="long-time threshold component"),
    }

    @classmethod
    def check(cls, values):
        for x in ("tau_syn_ex", "tau_syn_in"):
            if (values["tau_m"] == values[x]).any():
                raise SncoreError(f"{cls.NEST_NAME} parameter {x!r} must differ from tau_m (the exact "
                                  f"propagator is degenerate there), got {x}=tau_m="
                                  f"{float(values[x][values['tau_m'] == values[x]][0]):g} ms.")

    DERIVED: ClassVar[dict[str, Param]] = {
        "V_th": Param(-51.0, "mV", doc="adaptive threshold omega + V_th_alpha_1 + V_th_alpha_2"),
        "I_syn_ex": Param(0.0, "pA", doc="excitatory synaptic current"),
        "I_syn_in": Param(0.0, "pA", doc="inhibitory synaptic current"),
    }

    def _constants(self, h):
        P22_expm1 = jnp.expm1(-h / self.tau_m)

        def p21(ts):
            return (-self.tau_m / (self.C_m * (1.0 - self.tau_m / ts)) * jnp.exp(-h / ts)
                    * jnp.expm1(h * (1.0 / ts - 1.0 / self.tau_m)))

        return (P22_expm1, p21(self.tau_syn_ex), p21(self.tau_syn_in), -self.tau_m / self.C_m * P22_expm1,
                jnp.exp(-h / self.tau_syn_ex), jnp.exp(-h / self.tau_syn_in),
                jnp.exp(-h / self.tau_1), jnp.exp(-h / self.tau_2),
                refractory_steps(self.t_ref, h))

    def init(self, dt: float) -> Mat2PscExpState:
        v = jnp.full(jnp.shape(self.E_L), -70.0, jnp.result_type(self.E_L, float))
        z = jnp.zeros_like(v)
        return Mat2PscExpState(v, z, z, z + self.omega, z, z, jnp.zeros(v.shape, jnp.int32), z)

    def step(self, state: Mat2PscExpState, inp: Input, dt: float):
        P22m1, P21ex, P21in, P20, P11ex, P11in, P11th, P22th, ref_steps = (
            self._constants(dt) if self.consts is None else self.consts)
        V = state.V_m - self.E_L
        V = V * P22m1 + V + state.I_syn_ex * P21ex + state.I_syn_in * P21in + (self.I_e + state.I) * P20
        th1 = state.V_th_alpha_1 * P11th
        th2 = state.V_th_alpha_2 * P22th
        I_ex = state.I_syn_ex * P11ex + inp.syn[0]
        I_in = state.I_syn_in * P11in + inp.syn[1]
        free = state.r == 0
        V_m = V + self.E_L
        # NEST's comparison, relative to E_L: V >= omega_rel + V_th_2 + V_th_1
        spike = spike_fn(V - ((self.omega - self.E_L) + th2 + th1), self.surrogate, self.slope) * free.astype(V.dtype)
        fired = spike > 0
        th1 = jnp.where(fired, th1 + self.alpha_1, th1)
        th2 = jnp.where(fired, th2 + self.alpha_2, th2)
        r = jnp.where(free, jnp.where(fired, ref_steps, 0), state.r - 1)
        return Mat2PscExpState(V_m, th1, th2, self.omega + th1 + th2, I_ex, I_in, r,
                               inp.current.astype(V.dtype)), spike

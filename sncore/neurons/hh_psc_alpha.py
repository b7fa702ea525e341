"""``hh_psc_alpha``: Hodgkin-Huxley neuron with alpha-shaped post-synaptic currents.

NEST semantics (nest-simulator ``models/hh_psc_alpha.cpp``)::

    C_m dV/dt = -(I_Na + I_K + I_L) + I + I_e + I_ex + I_in
    I_Na = g_Na m^3 h (V - E_Na),   I_K = g_K n^4 (V - E_K),   I_L = g_L (V - E_L)
    dx/dt = alpha_x(V) (1 - x) - beta_x(V) x            for x in {m, h, n}
    alpha_n = 0.01 (V + 55) / (1 - exp(-(V + 55)/10)),   beta_n = 0.125 exp(-(V + 65)/80)
    alpha_m = 0.1 (V + 40) / (1 - exp(-(V + 40)/10)),    beta_m = 4 exp(-(V + 65)/18)
    alpha_h = 0.07 exp(-(V + 65)/20),                    beta_h = 1 / (1 + exp(-(V + 35)/10))
    dI_x/dt = dI'_x - I_x / tau_syn_x,   d(dI'_x)/dt = -dI'_x / tau_syn_x     (x in {ex, in})

(V in mV, rates in 1/ms; ``alpha_n`` and ``alpha_m`` take their limits 0.1 and 1 at
V = -55 and -40 mV, where NEST's formula is 0/0). Each step h, as in NEST:

1. integrate the 8 ODEs over the step with the current ``I`` of the previous step;
2. add ``e / tau_syn_x x (weights arriving this step)`` (pA) to ``dI'_x`` (weight >= 0:
   excitatory, < 0: inhibitory; an alpha PSC of weight w peaks at w pA);
3. if refractory, count down; otherwise emit a spike when ``V_m >= 0`` and V fell in this
   step (``V_old > V_m``: the maximum of the action potential has just passed), and start
   ``t_ref`` of *detection* refractoriness (``ceil(t_ref / h)`` steps). There is no reset:
   the HH currents repolarise the membrane.

Integrator: NEST uses GSL's adaptive RKF45 with absolute error 1e-3 per step; sncore uses
classical RK4 with ``n_substeps`` (static, default 10) fixed substeps per step
(:func:`sncore.neurons._ode.rk4`, one substep per iteration of a ``lax.fori_loop``). At
h = 0.1 ms that is s = 0.01 ms and keeps V within 3e-4 mV of a float64 solution with 200
substeps over a spiking trace (tested below 5e-4 mV in tests/test_nonlinear_models.py, with
4th-order convergence), while NEST's own RKF45 trace is up to 1.2e-3 mV away from that
solution in the reference protocol.

=========== ======= ========== ===========================================
parameter   unit    default    meaning
=========== ======= ========== ===========================================
E_L         mV      -54.402    leak reversal potential
C_m         pF      100.0      membrane capacitance (> 0)
g_L         nS      30.0       leak conductance (>= 0)
g_Na        nS      12000.0    sodium peak conductance (>= 0)
g_K         nS      3600.0     potassium peak conductance (>= 0)
E_Na        mV      50.0       sodium reversal potential
E_K         mV      -77.0      potassium reversal potential
tau_syn_ex  ms      0.2        rise time of the excitatory alpha PSC (> 0)
tau_syn_in  ms      2.0        rise time of the inhibitory alpha PSC (> 0)
t_ref       ms      2.0        refractory period of spike detection (>= 0)
I_e         pA      0.0        constant external current
=========== ======= ========== ===========================================

State: ``V_m`` (mV, -65.0), ``Act_m``, ``Inact_h``, ``Act_n`` (NEST's equilibrium values at
-65 mV: 0.0529325, 0.5961208, 0.3176769), ``I_syn_ex``, ``I_syn_in`` (pA). Weight unit: pA.

Example:
    >>> import brainunit as u, sncore as sn
    >>> sim = sn.Simulator(dt=0.1 * u.ms)
    >>> n = sim.create("hh_psc_alpha", params={"I_e": 700 * u.pA})
    >>> res = sim.simulate(100 * u.ms)
"""

from __future__ import annotations

import math
from typing import ClassVar, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp

from ._base import Input, NeuronModel, Param
from ._lif import refractory_steps
from ._ode import rk4
from ._spike import spike_fn

__all__ = ["HhPscAlpha", "HhPscAlphaState", "hh_equilibrium", "hh_rates"]


def _xexp(x, scale):
    """``x / (1 - exp(-x / scale))`` with its limit ``scale`` at x = 0 (safe gradients)."""
    small = jnp.abs(x) < 1e-7
    xs = jnp.where(small, 1.0, x)
    return jnp.where(small, scale + 0.5 * x, xs / -jnp.expm1(-xs / scale))


def hh_rates(V):
    """``(alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n)`` in 1/ms at V (mV)."""
    return (0.1 * _xexp(V + 40.0, 10.0), 4.0 * jnp.exp(-(V + 65.0) / 18.0),
            0.07 * jnp.exp(-(V + 65.0) / 20.0), 1.0 / (1.0 + jnp.exp(-(V + 35.0) / 10.0)),
            0.01 * _xexp(V + 55.0, 10.0), 0.125 * jnp.exp(-(V + 65.0) / 80.0))


def hh_equilibrium(V):
    """Steady-state ``(m, h, n)`` at V, NEST's initial gating values (at V = -65 mV)."""
    am, bm, ah, bh, an, bn = hh_rates(V)
    return am / (am + bm), ah / (ah + bh), an / (an + bn)


def _rest_gating(V=-65.0):
    """NEST's initial (m, h, n): the equilibrium at -65 mV, in float64 whatever JAX's mode."""
    am, bm = 0.1 * (V + 40.0) / -math.expm1(-(V + 40.0) / 10.0), 4.0 * math.exp(-(V + 65.0) / 18.0)
    ah, bh = 0.07 * math.exp(-(V + 65.0) / 20.0), 1.0 / (1.0 + math.exp(-(V + 35.0) / 10.0))
    an, bn = 0.01 * (V + 55.0) / -math.expm1(-(V + 55.0) / 10.0), 0.125 * math.exp(-(V + 65.0) / 80.0)
    return am / (am + bm), ah / (ah + bh), an / (an + bn)


_M0, _H0, _N0 = _rest_gating()


class HhPscAlphaState(NamedTuple):
    V_m: jax.Array
    Act_m: jax.Array
    Inact_h: jax.Array
    Act_n: jax.Array
    I_syn_ex: jax.Array
    I_syn_in: jax.Array
    dI_ex: jax.Array
    dI_in: jax.Array
    r: jax.Array  # refractory steps left (int32)
    I: jax.Array  # current (pA) applied during the next step


class HhPscAlpha(NeuronModel):
    """Hodgkin-Huxley with alpha PSCs, NEST ``hh_psc_alpha`` (see module doc)."""

    E_L: jax.Array = -54.402
    C_m: jax.Array = 100.0
    g_L: jax.Array = 30.0
    g_Na: jax.Array = 12000.0
    g_K: jax.Array = 3600.0
    E_Na: jax.Array = 50.0
    E_K: jax.Array = -77.0
    tau_syn_ex: jax.Array = 0.2
    tau_syn_in: jax.Array = 2.0
    t_ref: jax.Array = 2.0
    I_e: jax.Array = 0.0
    n_substeps: int = eqx.field(default=10, static=True)
    surrogate: str = eqx.field(default="fast_sigmoid", static=True)
    slope: float = eqx.field(default=1.0, static=True)

    NEST_NAME = "hh_psc_alpha"
    WEIGHT_UNIT = "pA"
    RECEPTORS = ("ex", "in")
    SIGN_ROUTED = True
    PARAMS: ClassVar[dict[str, Param]] = {
        "E_L": Param(-54.402, "mV", doc="leak reversal potential"),
        "C_m": Param(100.0, "pF", "strict", "membrane capacitance"),
        "g_L": Param(30.0, "nS", "nonneg", "leak conductance"),
        "g_Na": Param(12000.0, "nS", "nonneg", "sodium peak conductance"),
        "g_K": Param(3600.0, "nS", "nonneg", "potassium peak conductance"),
        "E_Na": Param(50.0, "mV", doc="sodium reversal potential"),
        "E_K": Param(-77.0, "mV", doc="potassium reversal potential"),
        "tau_syn_ex": Param(0.2, "ms", "strict", "rise time of the excitatory alpha PSC"),
        "tau_syn_in": Param(2.0, "ms", "strict", "rise time of the inhibitory alpha PSC"),
        "t_ref": Param(2.0, "ms", "nonneg", "refractory period of spike detection"),
        "I_e": Param(0.0, "pA", doc="constant external current"),
    }
    STATES: ClassVar[dict[str, Param]] = {
        "V_m": Param(-65.0, "mV", doc="membrane potential"),
        "Act_m": Param(_M0, "1", doc="sodium activation m"),
        "Inact_h": Param(_H0, "1", doc="sodium inactivation h"),
        "Act_n": Param(_N0, "1", doc="potassium activation n"),
        "I_syn_ex": Param(0.0, "pA", doc="excitatory synaptic current"),
        "I_syn_in": Param(0.0, "pA", doc="inhibitory synaptic current"),
    }

    def init(self, dt: float) -> HhPscAlphaState:
        v = jnp.full(jnp.shape(self.E_L), -65.0, jnp.result_type(self.E_L, float))
        z = jnp.zeros_like(v)
        return HhPscAlphaState(v, z + _M0, z + _H0, z + _N0, z, z, z, z, jnp.zeros(v.shape, jnp.int32), z)

    def derivatives(self, y, I_stim):
        """Right-hand side of the 8 ODEs (NEST's ``hh_psc_alpha_dynamics``)."""
        V, m, h, n, I_ex, I_in, dI_ex, dI_in = y
        am, bm, ah, bh, an, bn = hh_rates(V)
        I_Na = self.g_Na * m * m * m * h * (V - self.E_Na)
        I_K = self.g_K * n * n * n * n * (V - self.E_K)
        I_L = self.g_L * (V - self.E_L)
        dV = (-(I_Na + I_K + I_L) + I_stim + self.I_e + I_ex + I_in) / self.C_m
        return (dV, am * (1.0 - m) - bm * m, ah * (1.0 - h) - bh * h, an * (1.0 - n) - bn * n,
                dI_ex - I_ex / self.tau_syn_ex, dI_in - I_in / self.tau_syn_in,
                -dI_ex / self.tau_syn_ex, -dI_in / self.tau_syn_in)

    def step(self, state: HhPscAlphaState, inp: Input, dt: float):
        y0 = (state.V_m, state.Act_m, state.Inact_h, state.Act_n, state.I_syn_ex, state.I_syn_in,
              state.dI_ex, state.dI_in)
        s = dt / self.n_substeps
        # one RK4 substep per loop iteration: the compiled step holds a single substep
        # (unrolling 10 substeps of the 8 HH equations makes XLA compile for minutes)
        y = jax.lax.fori_loop(0, self.n_substeps,
                              lambda i, y: rk4(lambda t, y: self.derivatives(y, state.I), y, s, 1), y0)
        V, m, h, n, I_ex, I_in, dI_ex, dI_in = y
        dI_ex = dI_ex + math.e / self.tau_syn_ex * inp.syn[0]
        dI_in = dI_in + math.e / self.tau_syn_in * inp.syn[1]
        refractory = state.r > 0
        # threshold (V >= 0) through the surrogate; the local maximum (V fell) as a mask
        falling = (state.V_m > V) & ~refractory
        spike = spike_fn(V, self.surrogate, self.slope) * falling.astype(V.dtype)
        ref_steps = refractory_steps(self.t_ref, dt)
        r = jnp.where(refractory, state.r - 1, jnp.where(spike > 0, ref_steps, state.r))
        return HhPscAlphaState(V, m, h, n, I_ex, I_in, dI_ex, dI_in, r, inp.current.astype(V.dtype)), spike

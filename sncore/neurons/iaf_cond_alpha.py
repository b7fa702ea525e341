"""``iaf_cond_alpha``: leaky integrate-and-fire neuron with alpha-shaped synaptic conductances.

NEST semantics (nest-simulator ``models/iaf_cond_alpha.cpp``)::

    C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I
    d(dg_x)/dt = -dg_x / tau_syn_x,   dg_x/dt = dg_x - g_x / tau_syn_x     (x = ex, in)

so a weight w gives ``g_x(t) = w t/tau_syn_x exp(1 - t/tau_syn_x)`` (peak ``w`` at ``t = tau_syn_x``). ``V`` is replaced by ``min(V, V_th)`` on the
right-hand side (as NEST does). Per step h:

1. integrate ``V`` over the step with the state at its start (conductances in closed form,
   ``g(t) = (g(0) + dg(0) t) exp(-t/tau)``; external current ``I`` from the previous step, NEST's
   one-step lag of ``dc_generator`` input);
2. refractory: ``V = V_reset`` and count down; else if ``V >= V_th``: spike, ``V = V_reset``,
   ``ceil(t_ref/h)`` refractory steps;
3. add the weights read this step: ``dg_ex += w e/tau_syn_ex`` for ``w >= 0``,
   ``dg_in += |w| e/tau_syn_in`` for ``w < 0``.

Integrator: NEST uses GSL's adaptive RKF45 (absolute tolerance 1e-3). Here ``V`` is
integrated by classical RK4 with ``n_sub`` static substeps per step (default 2, unrolled;
the conductances are exact at the stage times from precomputed decay factors). Errors
(tests/test_cond_models.py, tests/test_nest_reference.py): below 1e-5 mV against a 100-substep
float64 RK4 of the full ODE system with NEST's default tau_syn_ex = 0.2 ms; 5e-7 mV against
NEST 3.10 on the reference protocol (band 1e-3 mV), identical spike times.

=========== ======= ========= ===========================================
parameter   unit    default   meaning
=========== ======= ========= ===========================================
V_th        mV      -55.0     spike threshold
V_reset     mV      -60.0     reset potential (< V_th)
t_ref       ms      2.0       refractory period (>= 0)
g_L         nS      16.6667   leak conductance (> 0)
C_m         pF      250.0     membrane capacitance (> 0)
E_ex        mV      0.0       excitatory reversal potential
E_in        mV      -85.0     inhibitory reversal potential
E_L         mV      -70.0     leak reversal potential
tau_syn_ex  ms      0.2       excitatory conductance rise time (> 0)
tau_syn_in  ms      2.0       inhibitory conductance rise time (> 0)
I_e         pA      0.0       constant external current
=========== ======= ========= ===========================================

State: ``V_m`` (mV, -70), ``g_ex``, ``g_in`` (nS, 0); internal ``dg_ex``, ``dg_in`` (nS/ms). Weights in nS; the sign selects the
receptor, as in NEST.

Example:
    >>> sim = sn.Simulator(dt=0.1 * u.ms, seed=1)
    >>> n = sim.create("iaf_cond_alpha", 10, params={"g_L": 10 * u.nS, "E_in": -80 * u.mV})
    >>> sim.connect(n, n, weight=-5 * u.nS)     # inhibitory: g_in peaks at 5 nS
"""

from __future__ import annotations

from typing import NamedTuple

import jax

from ._cond_models import IafCondBase

__all__ = ["IafCondAlpha", "IafCondAlphaState"]


class IafCondAlphaState(NamedTuple):
    V_m: jax.Array
    g_ex: jax.Array
    g_in: jax.Array
    dg_ex: jax.Array
    dg_in: jax.Array
    r: jax.Array
    I: jax.Array


class IafCondAlpha(IafCondBase):
    """Leaky integrate-and-fire, alpha conductances, NEST ``iaf_cond_alpha`` (see module doc)."""

    NEST_NAME = "iaf_cond_alpha"
    ALPHA = True
    STATE = IafCondAlphaState

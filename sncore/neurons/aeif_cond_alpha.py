"""``aeif_cond_alpha``: adaptive exponential integrate-and-fire neuron (Brette & Gerstner 2005)
with alpha-shaped synaptic conductances.

NEST semantics (nest-simulator ``models/aeif_cond_alpha.cpp``)::

    C_m dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_th)/Delta_T)
                - g_ex (V - E_ex) - g_in (V - E_in) - w + I_e + I
    tau_w dw/dt = a (V - E_L) - w
    d(dg_x)/dt = -dg_x / tau_syn_x,   dg_x/dt = dg_x - g_x / tau_syn_x     (x = ex, in)

with ``V`` replaced by ``min(V, V_peak)`` on the right-hand side (so the exponential stays
finite at spike time) and by ``V_reset`` while refractory (then ``dV/dt = 0``; ``w`` keeps
integrating). ``Delta_T = 0`` drops the exponential and makes ``V_th`` the spike threshold.
Per step h:

1. integrate ``(V, w)`` over the step in ``n_sub`` substeps; after each substep, as NEST does
   after each of its adaptive substeps: refractory -> ``V = V_reset``; else if
   ``V >= V_peak`` (``V_th`` if ``Delta_T = 0``): spike, ``V = V_reset``, ``w += b``, refractory
   for the rest of the step plus ``ceil(t_ref/h)`` steps;
2. count the refractory steps down; add the weights read this step: ``dg_ex += w e/tau_syn_ex``
   for ``w >= 0``, ``dg_in += |w| e/tau_syn_in`` for ``w < 0`` (conductance peak ``|w|`` at
   ``tau_syn``); external current ``I`` takes effect next step.

Integrator: NEST uses GSL's adaptive RKF45 (tolerance 1e-6), whose substeps shrink in the
upstroke so that its spike falls close to the true crossing. Here classical RK4 with ``n_sub``
static substeps per step (default 20, 0.005 ms at h = 0.1 ms; ``lax.fori_loop``, so compile
time does not grow with it), conductances in closed form (``g(t) = (g(0) + dg(0) t) exp(-t/tau)``).
The first ``V_peak`` crossing of a step is located inside its substep by bisection (8 halvings)
and the rest of the step is integrated again from there (``w`` exactly while refractory; ``V``
and ``w`` from ``V_reset`` by RK4 if ``t_ref = 0``), so ``w += b`` lands at the crossing time.
Errors (tests/test_cond_models.py, tests/test_nest_reference.py): subthreshold < 1e-7 mV
against a 100-substep float64 RK4 of the full ODE system; spiking within 1e-3 mV of a
400-substep one; against NEST 3.10, identical spike times and 6.2e-4 mV (5.5e-3 mV in the
upstroke: the last sample before a spike, ``V_m > V_th + 5 Delta_T``, where a difference of
1e-4 mV grows about 100-fold in one step). The spike-time gradient flows through the
surrogate of the substep test.

=========== ======= ========= ===========================================
parameter   unit    default   meaning
=========== ======= ========= ===========================================
V_peak      mV      0.0       spike detection threshold (>= V_th)
V_reset     mV      -60.0     reset potential (< V_peak)
t_ref       ms      0.0       refractory period (>= 0)
g_L         nS      30.0      leak conductance (> 0)
C_m         pF      281.0     membrane capacitance (> 0)
E_ex        mV      0.0       excitatory reversal potential
E_in        mV      -85.0     inhibitory reversal potential
E_L         mV      -70.6     leak reversal potential
Delta_T     mV      2.0       slope factor (>= 0)
tau_w       ms      144.0     adaptation time constant (> 0)
a           nS      4.0       subthreshold adaptation
b           pA      80.5      spike-triggered adaptation
V_th        mV      -50.4     spike initiation threshold
tau_syn_ex  ms      0.2       excitatory conductance rise time (> 0)
tau_syn_in  ms      2.0       inhibitory conductance rise time (> 0)
I_e         pA      0.0       constant external current
=========== ======= ========= ===========================================

State: ``V_m`` (mV, -70.6), ``g_ex``, ``g_in`` (nS, 0), ``w`` (pA, 0); internal ``dg_ex``, ``dg_in`` (nS/ms). Weights in nS; the
sign selects the receptor, as in NEST.

Example:
    >>> sim = sn.Simulator(dt=0.1 * u.ms, seed=1)
    >>> n = sim.create("aeif_cond_alpha", 10, params={"I_e": 700 * u.pA, "t_ref": 2 * u.ms})
"""

from __future__ import annotations

from typing import NamedTuple

import jax

from ._cond_models import AeifCondBase

__all__ = ["AeifCondAlpha", "AeifCondAlphaState"]


class AeifCondAlphaState(NamedTuple):
    V_m: jax.Array
    g_ex: jax.Array
    g_in: jax.Array
    dg_ex: jax.Array
    dg_in: jax.Array
    w: jax.Array
    r: jax.Array
    I: jax.Array


class AeifCondAlpha(AeifCondBase):
    """Adaptive exponential IF, alpha conductances, NEST ``aeif_cond_alpha`` (see module doc)."""

    NEST_NAME = "aeif_cond_alpha"
    ALPHA = True
    STATE = AeifCondAlphaState

"""COBA network of Vogels & Abbott (2005) in the form of the Brette et al. (2007) benchmark
as BrainPy and Brian2 run it: 3200 excitatory + 800 inhibitory LIF neurons with
exponential conductances, a constant input current, random connectivity of probability
0.02 (in-degree 80 on average), self-sustained irregular activity.

The BrainPy form ``tau dV/dt = (V_rest - V) + g_e (E_e - V) + g_i (E_i - V) + I`` with
dimensionless conductances (in units of the leak) is NEST's ``iaf_cond_exp`` with
``g_L = 10 nS``, ``C_m = tau g_L = 200 pF`` and conductances and current scaled by ``g_L``:

=========== ============================================================================
neurons     iaf_cond_exp: E_L = V_reset = -60 mV, V_th = -50 mV, tau = 20 ms
            (C_m 200 pF, g_L 10 nS), t_ref 5 ms, I_e = 20 mV x g_L = 200 pA,
            V_m(0) ~ Normal(-55 mV, 5 mV)
synapses    E: g 0.6 x g_L = 6 nS, tau_syn_ex 5 ms, E_ex 0 mV;
            I: g 6.7 x g_L = 67 nS, tau_syn_in 10 ms, E_in -80 mV; delay 0.1 ms (= dt)
connections fixed_probability(p), p = 80 / N (0.02 at N = 4000; ``scale`` keeps the
            in-degree at 80), autapses allowed as in the benchmark scripts
=========== ============================================================================

Example:
    >>> net = coba(scale=1.0, seed=1)
    >>> res = net.sim.simulate(1000 * u.ms)
    >>> res.rate(net.exc), res.rate(net.inh)
"""

from __future__ import annotations

from dataclasses import dataclass

import brainunit as u
import numpy as np

from .. import conn
from ..network import NodeCollection, Simulator

__all__ = ["COBA", "CobaNetwork", "coba"]


def _neuron_params(c: dict) -> dict:
    """iaf_cond_exp parameters of the benchmark (Quantities)."""
    gL = c["g_L"]
    return {"E_L": c["V_rest"] * u.mV, "V_reset": c["V_reset"] * u.mV, "V_th": c["V_th"] * u.mV,
            "C_m": c["tau"] * gL * u.pF, "g_L": gL * u.nS, "t_ref": c["t_ref"] * u.ms,
            "E_ex": c["E_e"] * u.mV, "E_in": c["E_i"] * u.mV, "tau_syn_ex": c["tau_e"] * u.ms,
            "tau_syn_in": c["tau_i"] * u.ms, "I_e": c["I"] * gL * u.pA}

#: the benchmark's parameters in its own (BrainPy) units: mV, ms, dimensionless g
COBA = {"tau": 20.0, "V_rest": -60.0, "V_th": -50.0, "V_reset": -60.0, "t_ref": 5.0,
        "tau_e": 5.0, "tau_i": 10.0, "E_e": 0.0, "E_i": -80.0, "w_e": 0.6, "w_i": 6.7, "I": 20.0,
        "V0_mean": -55.0, "V0_std": 5.0, "in_degree": 80.0, "g_L": 10.0}


@dataclass
class CobaNetwork:
    sim: Simulator
    exc: NodeCollection
    inh: NodeCollection
    recorder: NodeCollection

    @property
    def populations(self) -> dict[str, NodeCollection]:
        """Population name -> neurons (rates and raster rows in this order)."""
        return {"E": self.exc, "I": self.inh}


def coba(scale: float = 1.0, seed: int = 1, n_record: int | None = None, dt: float = 0.1,
         n_sub: int = 1, **sim_kwargs) -> CobaNetwork:
    """Build the COBA network (see module docstring).

    Args:
        scale: N = 4000 scale neurons (3200 scale E, 800 scale I); in-degree kept at 80.
        seed: Simulator seed (connectivity, initial potentials).
        n_record: neurons per population recorded by the spike recorder (default all; 0: none).
        dt: resolution in ms (the benchmark's 0.1 ms).
        n_sub: RK4 substeps per step of ``iaf_cond_exp`` (default 1, one RK4 step per dt as
            in the Brian2 benchmark; NEST's model default is 2, for its tau_syn_ex = 0.2 ms).
            With this network's time constants (tau_syn 5 / 10 ms, tau_m 20 ms) one substep
            is within 1e-6 mV of a 100-substep float64 integration
            (tests/test_cond_models.py::test_coba_single_substep_matches_oracle).
    """
    c = COBA
    ne, ni = int(round(3200 * scale)), int(round(800 * scale))
    if ne < 1 or ni < 1:
        from ..units import SncoreError
        raise SncoreError(f"coba parameter 'scale' must give at least one neuron per population, got {scale!r}.")
    n = ne + ni
    p = min(1.0, c["in_degree"] / n)
    gL = c["g_L"]
    sim = Simulator(dt=dt * u.ms, seed=seed, **sim_kwargs)
    params = {**_neuron_params(c), "n_sub": int(n_sub)}
    rng = np.random.default_rng([seed, 0xC0BA])
    v0 = rng.normal(c["V0_mean"], c["V0_std"], n)
    exc = sim.create("iaf_cond_exp", ne, params=params, init={"V_m": v0[:ne] * u.mV})
    inh = sim.create("iaf_cond_exp", ni, params=params, init={"V_m": v0[ne:] * u.mV})
    d = dt * u.ms
    rule = conn.fixed_probability(p)
    sim.connect(exc, exc + inh, rule=rule, weight=c["w_e"] * gL * u.nS, delay=d)
    sim.connect(inh, exc + inh, rule=rule, weight=-c["w_i"] * gL * u.nS, delay=d)
    rec = sim.create("spike_recorder")
    k = n_record
    if k is None or k > 0:
        sim.connect((exc + inh) if k is None else (exc[:k] + inh[:k]), rec)
    return CobaNetwork(sim, exc, inh, rec)

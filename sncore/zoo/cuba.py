"""CUBA network: Vogels & Abbott (2005) current-based benchmark in the form of Brette et al.
(2007), benchmark 2, as Brian2's ``CUBA`` example writes it: 3200 excitatory + 800
inhibitory LIF neurons with exponentially decaying synaptic *potentials*, random
connectivity of probability 0.02, no external input (El above threshold keeps it going).

Brian2's equations (voltages; ``ge``, ``gi`` in mV)::

    taum dv/dt = ge + gi - (v - El)          (unless refractory)
    taue dge/dt = -ge,  taui dgi/dt = -gi    ; a spike adds we (E) or wi (I) to ge / gi

map exactly onto NEST's ``iaf_psc_exp`` (``C_m dV/dt = -(V - E_L) C_m / tau_m + I_syn``,
``I_syn`` jumps by the weight and decays with ``tau_syn_ex`` / ``tau_syn_in``) with the
current ``I = C_m ge / taum``. A jump of ``we`` mV in ``ge`` is therefore a weight of
``C_m we / taum`` pA; with ``C_m = 200 pF`` and ``taum = 20 ms`` (10 pA per mV):

=========== ==============================================================================
neurons     iaf_psc_exp: tau_m 20 ms, C_m 200 pF (any value; weights scale with it),
            E_L -49 mV, V_th -50 mV, V_reset -60 mV, t_ref 5 ms, I_e 0,
            V_m(0) ~ Uniform(-60 mV, -50 mV) (Brian2: ``Vr + rand() (Vt - Vr)``)
synapses    E: we = 60 x 0.27 / 10 mV = 1.62 mV -> 16.2 pA, tau_syn_ex 5 ms;
            I: wi = -20 x 4.5 / 10 mV = -9 mV -> -90 pA, tau_syn_in 10 ms;
            delay 0.1 ms (= dt; Brian2's example has none, sncore's minimum is one step)
connections fixed_probability(p), p = 80 / N (0.02 at N = 4000; ``scale`` keeps the
            in-degree at 80), autapses allowed as in Brian2's ``connect(p=0.02)``
=========== ==============================================================================

Brian2 2.11 on these equations (tests/reference/make_brian2_cuba.py, seeds 1-5, 1 s):
E 5.3-6.3 Hz, I 5.5-5.8 Hz.

Example:
    >>> net = cuba(scale=1.0, seed=1)
    >>> res = net.sim.simulate(1000 * u.ms)
    >>> res.rate(net.exc), res.rate(net.inh)       # ~5.6 Hz each
"""

from __future__ import annotations

from dataclasses import dataclass

import brainunit as u
import numpy as np

from .. import conn
from ..network import NodeCollection, Simulator
from ..units import SncoreError

__all__ = ["CUBA", "CubaNetwork", "cuba"]

#: Brian2's CUBA example in its own units (mV, ms) plus the capacitance chosen for the mapping (pF)
CUBA = {"taum": 20.0, "taue": 5.0, "taui": 10.0, "Vt": -50.0, "Vr": -60.0, "El": -49.0, "t_ref": 5.0,
        "we": 60 * 0.27 / 10, "wi": -20 * 4.5 / 10, "in_degree": 80.0, "C_m": 200.0}


@dataclass
class CubaNetwork:
    sim: Simulator
    exc: NodeCollection
    inh: NodeCollection
    recorder: NodeCollection
    w_e: float  # pA
    w_i: float  # pA

    @property
    def populations(self) -> dict[str, NodeCollection]:
        """Population name -> neurons (rates and raster rows in this order)."""
        return {"E": self.exc, "I": self.inh}


def cuba(scale: float = 1.0, seed: int = 1, n_record: int | None = None, dt: float = 0.1,
         **sim_kwargs) -> CubaNetwork:
    """Build the CUBA network (see module docstring).

    Args:
        scale: N = 4000 scale neurons (3200 scale E, 800 scale I); in-degree kept at 80.
        seed: Simulator seed (connectivity, initial potentials).
        n_record: neurons per population recorded by the spike recorder (default all; 0: none).
        dt: resolution in ms (Brian2's example: 0.1 ms).
    """
    c = CUBA
    ne, ni = round(3200 * scale), round(800 * scale)
    if ne < 1 or ni < 1:
        raise SncoreError(f"cuba parameter 'scale' must give at least one neuron per population, got {scale!r}.")
    n = ne + ni
    p = min(1.0, c["in_degree"] / n)
    pa_per_mv = c["C_m"] / c["taum"]  # pF / ms = pA per mV of Brian2's ge
    w_e, w_i = c["we"] * pa_per_mv, c["wi"] * pa_per_mv
    sim = Simulator(dt=dt * u.ms, seed=seed, **sim_kwargs)
    params = {"C_m": c["C_m"] * u.pF, "tau_m": c["taum"] * u.ms, "E_L": c["El"] * u.mV, "V_th": c["Vt"] * u.mV,
              "V_reset": c["Vr"] * u.mV, "t_ref": c["t_ref"] * u.ms, "tau_syn_ex": c["taue"] * u.ms,
              "tau_syn_in": c["taui"] * u.ms, "I_e": 0.0 * u.pA}
    rng = np.random.default_rng([seed, 0xC0BA])
    v0 = c["Vr"] + rng.random(n) * (c["Vt"] - c["Vr"])
    exc = sim.create("iaf_psc_exp", ne, params=params, init={"V_m": v0[:ne] * u.mV})
    inh = sim.create("iaf_psc_exp", ni, params=params, init={"V_m": v0[ne:] * u.mV})
    d = dt * u.ms
    rule = conn.fixed_probability(p)
    sim.connect(exc, exc + inh, rule=rule, weight=w_e * u.pA, delay=d)
    sim.connect(inh, exc + inh, rule=rule, weight=w_i * u.pA, delay=d)
    rec = sim.create("spike_recorder")
    k = n_record
    if k is None or k > 0:
        sim.connect((exc + inh) if k is None else (exc[:k] + inh[:k]), rec)
    return CubaNetwork(sim, exc, inh, rec, w_e, w_i)

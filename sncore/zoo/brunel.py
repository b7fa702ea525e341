"""Brunel (2000) sparse E/I network of ``iaf_psc_delta`` neurons (NEST's
``brunel_delta_nest.py``), in the asynchronous-irregular regime by default.

=========== =====================================================================
order       NE = 4 order excitatory, NI = order inhibitory neurons
neurons     iaf_psc_delta, C_m 1 pF, tau_m 20 ms, t_ref 2 ms, E_L = V_reset = 0 mV,
            V_th 20 mV, V_m(0) = 0 mV
in-degrees  CE = 0.1 NE, CI = 0.1 NI (fixed_indegree, autapses and multapses allowed)
weights     J = 0.1 mV (E), -g J (I) with g = 5; delay D = 1.5 ms everywhere
drive       poisson_generator, all_to_all (independent trains), rate
            eta * nu_th * CE with nu_th = V_th / (J CE tau_m), eta = 2
=========== =====================================================================

Example:
    >>> net = brunel(order=100, seed=1)
    >>> res = net.sim.simulate(1000 * u.ms)
    >>> res.rate(net.exc), res.rate(net.inh)      # ~60 Hz each (NEST: 60.3 / 60.4 Hz)
"""

from __future__ import annotations

from dataclasses import dataclass

import brainunit as u

from .. import conn
from ..network import NodeCollection, Simulator

__all__ = ["brunel", "BrunelNetwork"]


@dataclass
class BrunelNetwork:
    sim: Simulator
    exc: NodeCollection
    inh: NodeCollection
    noise: NodeCollection
    recorder: NodeCollection
    p_rate: float  # Hz

    @property
    def populations(self) -> dict[str, NodeCollection]:
        """Population name -> neurons (rates and raster rows in this order)."""
        return {"E": self.exc, "I": self.inh}


def brunel(order: int = 100, seed: int = 1, g: float = 5.0, eta: float = 2.0,
           J: float = 0.1, delay: float = 1.5, n_record: int | None = None,
           dt: float = 0.1, **sim_kwargs) -> BrunelNetwork:
    """Build the Brunel network (see module docstring).

    Args:
        order: network size parameter (NE = 4 order, NI = order).
        seed: Simulator seed.
        g: relative inhibitory strength; eta: external rate relative to threshold rate.
        J: excitatory weight in mV; delay: synaptic delay in ms; dt: resolution in ms.
        n_record: neurons per population recorded by the spike recorder (default all;
            0: none).
    """
    NE, NI = 4 * order, order
    CE, CI = max(1, NE // 10), max(1, NI // 10)
    tau_m, V_th = 20.0, 20.0
    nu_th = V_th / (J * CE * tau_m)  # 1/ms
    p_rate = 1000.0 * eta * nu_th * CE  # Hz
    sim = Simulator(dt=dt * u.ms, seed=seed, **sim_kwargs)
    params = {"C_m": 1.0 * u.pF, "tau_m": tau_m * u.ms, "t_ref": 2.0 * u.ms, "E_L": 0.0 * u.mV,
              "V_reset": 0.0 * u.mV, "V_th": V_th * u.mV}
    exc = sim.create("iaf_psc_delta", NE, params=params, init={"V_m": 0.0 * u.mV})
    inh = sim.create("iaf_psc_delta", NI, params=params, init={"V_m": 0.0 * u.mV})
    noise = sim.create("poisson_generator", params={"rate": p_rate * u.Hz})
    d = delay * u.ms
    sim.connect(noise, exc + inh, weight=J * u.mV, delay=d)
    sim.connect(exc, exc + inh, rule=conn.fixed_indegree(CE), weight=J * u.mV, delay=d)
    sim.connect(inh, exc + inh, rule=conn.fixed_indegree(CI), weight=-g * J * u.mV, delay=d)
    rec = sim.create("spike_recorder")
    n = n_record
    if n is None or n > 0:
        sim.connect((exc + inh) if n is None else (exc[:n] + inh[:n]), rec)
    return BrunelNetwork(sim, exc, inh, noise, rec, p_rate)

"""Brunel (2000) sparse E/I network of ``iaf_psc_delta`` neurons (NEST's
``brunel_delta_nest.py``), in the asynchronous-irregular regime by default, or in one of the
four states of Brunel (2000), Fig. 8, with ``regime=``.

Model (Brunel 2000, J. Comput. Neurosci. 8:183-208): leaky integrate-and-fire neurons
``tau_m dV/dt = -V + R I`` (E_L = 0), threshold ``V_th``, reset ``V_reset``, refractory
``t_ref``; every neuron receives ``CE`` excitatory (+J) and ``CI`` inhibitory (-g J) inputs
with delay ``D`` plus ``CE`` independent Poisson trains at ``nu_ext = eta nu_th``,
``nu_th = V_th / (J CE tau_m)``.

=========== =====================================================================
order       NE = 4 order excitatory, NI = order inhibitory neurons
neurons     iaf_psc_delta, C_m 1 pF, tau_m 20 ms, t_ref 2 ms, E_L 0 mV,
            V_th 20 mV, V_reset 0 mV (NEST example) or 10 mV (paper, with ``regime``),
            V_m(0) = 0 mV
in-degrees  CE = 0.1 NE, CI = 0.1 NI (fixed_indegree, autapses and multapses allowed)
weights     J = 0.1 mV (E), -g J (I), g = 5; delay D = 1.5 ms everywhere
drive       poisson_generator, all_to_all (independent trains), rate
            eta * nu_th * CE, eta = 2
=========== =====================================================================

Regimes (``regime=``; Brunel 2000, Fig. 8 and its caption; V_reset = 10 mV as in the paper):

========= ===== ===== ==========================================================
regime    g     eta   state in the paper
========= ===== ===== ==========================================================
``SR``    3     2     synchronous regular: neurons fire regularly at high rates
``AI``    5     2     asynchronous irregular: irregular firing, stationary activity
``SI-fast`` 6   4     synchronous irregular, fast global oscillation (176-189 Hz at order 2500)
``SI-slow`` 4.5 0.9   synchronous irregular, slow oscillation, low rates
========= ===== ===== ==========================================================

The paper's network is ``order=2500`` (NE 10000, NI 2500, CE 1000, CI 250) with J = 0.1 mV;
with a ``regime`` and CE >= 1000 that is the default weight, so ``brunel(order=2500,
regime=...)`` is exactly the network of Fig. 8. Measured there (seed 1, 200-1000 ms;
tests/test_zoo_brunel_regimes.py, which compares with Brian2 2.11 on the same network; chi_V
is Golomb's synchrony of 100 membrane traces, :func:`sncore.analysis.synchrony_traces`):
SR fires clock-like (CV 0.001) at 333 Hz in two alternating synchronous clusters
(spike-count chi 0.50, population peak 666 Hz); AI is irregular (CV 0.43) and the least
synchronous (chi_V 0.23, spike-count chi 0.12) at 37 Hz; SI-fast has a fast global
oscillation (peak 189 Hz; Brian2 176 Hz; chi_V 0.46) with irregular neurons (CV 0.75) at 58 Hz; SI-slow
fires at 5.7 Hz with a slow (35 Hz) population rhythm (chi_V 0.45).

Reduced networks (CE < 1000) cannot keep both the paper's mean coupling ``CE J`` = 100 mV
and its input fluctuations ``J sqrt(CE)`` = 3.2 mV. With a ``regime`` the default weight
there is the heuristic ``J = 5 mV / sqrt(CE)`` (0.5 mV at CE = 100), with which the
fluctuation-driven states keep their signatures at order 250 (AI irregular and asynchronous,
SI-fast's ~180 Hz rhythm, SI-slow's low rate and slow rhythm) while SR fires regularly at
high rate but does *not* synchronise (spike-count chi ~ 0.12, like AI). SR is mean-driven:
with the paper's coupling ``J = 100 mV / CE`` (``J=1.0`` at order 250) it synchronises as in
the paper (spike-count chi 0.48, 326 Hz), but that weight destroys the irregular states. Pass ``J=``
explicitly to override the default (and ``g``, ``eta`` likewise).

Example:
    >>> net = brunel(order=100, seed=1)
    >>> res = net.sim.simulate(1000 * u.ms)
    >>> res.rate(net.exc), res.rate(net.inh)      # ~60 Hz each (NEST: 60.3 / 60.4 Hz)
    >>> net = brunel(order=250, regime="SI-fast")  # ~180 Hz population oscillation
    >>> net = brunel(order=2500, regime="SR")      # Brunel (2000) Fig. 8A, the paper's network
"""

from __future__ import annotations

from dataclasses import dataclass

import brainunit as u

from .. import conn
from ..network import NodeCollection, Simulator
from ..units import SncoreError

__all__ = ["REGIMES", "BrunelNetwork", "brunel"]

#: Brunel (2000), Fig. 8: regime -> (g, eta)
REGIMES = {"SR": (3.0, 2.0), "AI": (5.0, 2.0), "SI-fast": (6.0, 4.0), "SI-slow": (4.5, 0.9)}


@dataclass
class BrunelNetwork:
    sim: Simulator
    exc: NodeCollection
    inh: NodeCollection
    noise: NodeCollection
    recorder: NodeCollection
    p_rate: float  # Hz
    g: float = 5.0
    eta: float = 2.0
    J: float = 0.1  # mV

    @property
    def populations(self) -> dict[str, NodeCollection]:
        """Population name -> neurons (rates and raster rows in this order)."""
        return {"E": self.exc, "I": self.inh}


def brunel(order: int = 100, seed: int = 1, g: float | None = None, eta: float | None = None,
           J: float | None = None, delay: float = 1.5, n_record: int | None = None,
           dt: float = 0.1, regime: str | None = None, **sim_kwargs) -> BrunelNetwork:
    """Build the Brunel network (see module docstring).

    Args:
        order: network size parameter (NE = 4 order, NI = order).
        seed: Simulator seed.
        g: relative inhibitory strength; eta: external rate relative to threshold rate
            (defaults 5 and 2, or the regime's values).
        J: excitatory weight in mV (default 0.1; with a regime 0.1 for CE >= 1000, the
            paper's network, and 5 / sqrt(CE) below);
            delay: synaptic delay in ms; dt: resolution in ms.
        n_record: neurons per population recorded by the spike recorder (default all;
            0: none).
        regime: None (NEST's example), or ``"AI"``, ``"SR"``, ``"SI-fast"``, ``"SI-slow"``
            (Brunel 2000, Fig. 8; V_reset 10 mV as in the paper).
    """
    if regime in (None, "none"):
        regime = None
    elif regime not in REGIMES:
        raise SncoreError(f"brunel parameter 'regime' must be one of {[None, *REGIMES]}, got {regime!r}.")
    if int(order) < 1:
        raise SncoreError(f"brunel parameter 'order' must be >= 1, got {order!r}.")
    NE, NI = 4 * order, order
    CE, CI = max(1, NE // 10), max(1, NI // 10)
    g0, eta0 = REGIMES[regime] if regime else (5.0, 2.0)
    g = g0 if g is None else g
    eta = eta0 if eta is None else eta
    if J is None:
        J = (0.1 if CE >= 1000 else 5.0 / CE**0.5) if regime else 0.1
    V_reset = 10.0 if regime else 0.0
    tau_m, V_th = 20.0, 20.0
    nu_th = V_th / (J * CE * tau_m)  # 1/ms
    p_rate = 1000.0 * eta * nu_th * CE  # Hz
    sim = Simulator(dt=dt * u.ms, seed=seed, **sim_kwargs)
    params = {"C_m": 1.0 * u.pF, "tau_m": tau_m * u.ms, "t_ref": 2.0 * u.ms, "E_L": 0.0 * u.mV,
              "V_reset": V_reset * u.mV, "V_th": V_th * u.mV}
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
    return BrunelNetwork(sim, exc, inh, noise, rec, p_rate, g, eta, J)

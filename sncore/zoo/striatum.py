"""Striatum microcircuit with switchable anti-Hebbian plasticity (after the striatal network of
AghilZadeh's spiking-network-simulator; behaviour reference only, own parameters).

Three populations of conductance-based LIF neurons (NEST's ``iaf_cond_exp``)
``C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e``, exponential
conductances, driven by a Poisson "cortex" relayed through ``parrot_neuron`` s (so that
cortico-striatal synapses can be plastic):

* **dSPN / iSPN** (direct / indirect pathway spiny projection neurons): hyperpolarised
  rest, far from threshold, so they fire sparsely (Wilson & Kawaguchi 1996, J. Neurosci.
  16:2397: down-state near -80 mV).
* **FSI** (fast-spiking interneurons): short membrane time constant and refractory period,
  closer to threshold (Tepper, Koos & Wilson 2004, TINS 27:662).
* **FSI -> SPN** feedforward inhibition: few but strong synapses (Koos & Tepper 1999, Nat.
  Neurosci. 2:467: one FSI inhibits many SPNs, unitary IPSPs several times larger than
  SPN-SPN ones); **SPN -> SPN** lateral inhibition: weak (Tunstall et al. 2002, J.
  Neurophysiol. 88:1263; Taverna et al. 2008, J. Neurosci. 28:5504).
* **plasticity**: the ``anti_hebbian`` synapse model (:mod:`sncore.conn.plasticity`) on the
  cortico-striatal (``plastic="cortical"``, default) or the lateral SPN -> SPN synapses
  (``plastic="lateral"``); the network's ``plastic`` handle switches it between
  ``simulate()`` calls with ``net.plastic.set(plasticity=False / True)``.

================ =========================================================================
populations      dSPN, iSPN: 200 scale each; FSI: 40 scale; cortex: 200 scale parrots,
                 each relaying an independent Poisson train at ``ctx_rate`` (10 Hz)
SPN              C_m 200 pF, g_L 10 nS (tau_m 20 ms), E_L -80 mV, V_th -50 mV,
                 V_reset -65 mV, t_ref 2 ms
FSI              C_m 100 pF, g_L 10 nS (tau_m 10 ms), E_L -70 mV, V_th -50 mV,
                 V_reset -60 mV, t_ref 1 ms
synapses         E_ex 0 mV, tau_syn_ex 5 ms; E_in -80 mV, tau_syn_in 10 ms; delay 1 ms
cortex -> SPN    fixed_indegree 20, 6.0 nS (plastic with ``plastic="cortical"``)
cortex -> FSI    fixed_indegree 20, 3.5 nS
FSI -> SPN       fixed_indegree 10, 6.0 nS (inhibitory)
SPN -> SPN       fixed_indegree 20 from dSPN + iSPN, 1.0 nS (inhibitory; plastic with
                 ``plastic="lateral"``)
anti_hebbian     rate 100 Hz, window 20 ms, f_minus 2, f_plus 0.5 (the model's defaults)
================ =========================================================================

The weights and ``ctx_rate`` are this module's own choices, set so that SPNs fire at the
low rates reported in vivo (about 0.1-5 Hz; Berke et al. 2004, Neuron 43:883; Mallet et
al. 2006, J. Neurosci. 26:3875) and FSIs an order of magnitude faster (about 10-30 Hz;
Berke et al. 2004).

Example:
    >>> net = striatum(scale=1.0, seed=1, plasticity=True)
    >>> res = net.sim.simulate(200 * u.ms)
    >>> w1 = net.plastic.get("weight")
    >>> net.plastic.set(plasticity=False)   # frozen from here on
    >>> res = net.sim.simulate(200 * u.ms)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import brainunit as u

from .. import conn
from ..network import NodeCollection, Simulator
from ..units import SncoreError

__all__ = ["STRIATUM", "StriatumNetwork", "striatum"]

#: sizes at scale 1, weights (nS), in-degrees
STRIATUM = {"n_spn": 200, "n_fsi": 40, "n_ctx": 200, "ctx_rate": 10.0, "k_ctx": 20, "w_ctx_spn": 6.0,
            "w_ctx_fsi": 3.5, "k_fsi": 10, "w_fsi_spn": 6.0, "k_spn": 20, "w_spn_spn": 1.0, "delay": 1.0}


@dataclass
class StriatumNetwork:
    sim: Simulator
    dspn: NodeCollection
    ispn: NodeCollection
    fsi: NodeCollection
    cortex: NodeCollection
    recorder: NodeCollection | None
    plastic: Any  # Synapses handle of the anti-Hebbian connections

    @property
    def populations(self) -> dict[str, NodeCollection]:
        """Population name -> neurons (rates and raster rows in this order)."""
        return {"dSPN": self.dspn, "iSPN": self.ispn, "FSI": self.fsi}


def striatum(scale: float = 1.0, seed: int = 1, n_record: int | None = None, plasticity: bool | str = True,
             plastic: str = "cortical", ctx_rate: float | None = None, dt: float = 0.1,
             **sim_kwargs) -> StriatumNetwork:
    """Build the striatum network (see module docstring).

    Args:
        scale: size factor (dSPN, iSPN 200 scale; FSI 40 scale; cortex 200 scale).
        seed: Simulator seed.
        n_record: neurons per population recorded (default all; 0: none).
        plasticity: anti-Hebbian weight changes on at the start (True / "on") or off
            (False / "off"); switch later with ``net.plastic.set(plasticity=...)``.
        plastic: which synapses are anti-Hebbian: ``"cortical"`` (cortex -> SPN) or
            ``"lateral"`` (SPN -> SPN).
        ctx_rate: cortical Poisson rate in Hz (default 10).
        dt: resolution in ms.
    """
    if plasticity in ("on", "off"):
        plasticity = plasticity == "on"
    if not isinstance(plasticity, bool):
        raise SncoreError(f"striatum parameter 'plasticity' must be True/False or 'on'/'off', got {plasticity!r}.")
    if plastic not in ("cortical", "lateral"):
        raise SncoreError(f"striatum parameter 'plastic' must be 'cortical' or 'lateral', got {plastic!r}.")
    c = STRIATUM
    n_spn, n_fsi, n_ctx = (max(1, round(c[k] * scale)) for k in ("n_spn", "n_fsi", "n_ctx"))
    rate = c["ctx_rate"] if ctx_rate is None else float(ctx_rate)
    sim = Simulator(dt=dt * u.ms, seed=seed, **sim_kwargs)
    syn = {"E_ex": 0.0 * u.mV, "E_in": -80.0 * u.mV, "tau_syn_ex": 5.0 * u.ms, "tau_syn_in": 10.0 * u.ms}
    spn_p = {"C_m": 200.0 * u.pF, "g_L": 10.0 * u.nS, "E_L": -80.0 * u.mV, "V_th": -50.0 * u.mV,
             "V_reset": -65.0 * u.mV, "t_ref": 2.0 * u.ms, **syn}
    fsi_p = {"C_m": 100.0 * u.pF, "g_L": 10.0 * u.nS, "E_L": -70.0 * u.mV, "V_th": -50.0 * u.mV,
             "V_reset": -60.0 * u.mV, "t_ref": 1.0 * u.ms, **syn}
    dspn = sim.create("iaf_cond_exp", n_spn, params=spn_p, init={"V_m": -80.0 * u.mV})
    ispn = sim.create("iaf_cond_exp", n_spn, params=spn_p, init={"V_m": -80.0 * u.mV})
    fsi = sim.create("iaf_cond_exp", n_fsi, params=fsi_p, init={"V_m": -70.0 * u.mV})
    cortex = sim.create("parrot_neuron", n_ctx)
    sim.connect(sim.create("poisson_generator", params={"rate": rate * u.Hz}), cortex)
    d = c["delay"] * u.ms
    anti = {"synapse_model": "anti_hebbian"}
    spn = dspn + ispn
    h_ctx = sim.connect(cortex, spn, rule=conn.fixed_indegree(min(c["k_ctx"], n_ctx)), weight=c["w_ctx_spn"] * u.nS,
                        delay=d, synapse=anti if plastic == "cortical" else None)
    sim.connect(cortex, fsi, rule=conn.fixed_indegree(min(c["k_ctx"], n_ctx)), weight=c["w_ctx_fsi"] * u.nS, delay=d)
    sim.connect(fsi, spn, rule=conn.fixed_indegree(min(c["k_fsi"], n_fsi)), weight=-c["w_fsi_spn"] * u.nS, delay=d)
    h_lat = sim.connect(spn, spn, rule=conn.fixed_indegree(min(c["k_spn"], 2 * n_spn)), weight=-c["w_spn_spn"] * u.nS,
                        delay=d, allow_autapses=False, synapse=anti if plastic == "lateral" else None)
    handle = h_ctx if plastic == "cortical" else h_lat
    handle.set(plasticity=plasticity)
    rec = None
    k = n_record
    if k is None or k > 0:
        rec = sim.create("spike_recorder")
        sim.connect((spn + fsi) if k is None else (dspn[:k] + ispn[:k] + fsi[:k]), rec)
    return StriatumNetwork(sim, dspn, ispn, fsi, cortex, rec, handle)

"""Reduced Wang (2002) decision-making network: two selective excitatory pools (A, B), a
non-selective excitatory pool and an inhibitory pool, conductance-based LIF neurons
(``iaf_cond_exp``) with fast (AMPA-like) recurrent excitation and shared inhibition.

Model (Wang 2002, Neuron 36:955; Brunel & Wang 2001 for the cell parameters)::

    C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in),   tau dg/dt = -g

with spikes adding their weight (nS) to ``g_ex`` (AMPA-like, 2 ms) or ``g_in`` (GABA_A,
5 ms). A fraction ``f`` of the excitatory cells forms each selective pool; recurrent
excitation within a pool is scaled by ``w_plus``, between selective pools and from the
non-selective pool by ``w_minus = 1 - f (w_plus - 1) / (1 - f)`` (Wang 2002), so the mean
excitation is unchanged. Every neuron receives background Poisson input; during the
stimulus the pools receive extra Poisson input at ``mu0 (1 + c)`` (A) and ``mu0 (1 - c)``
(B) per neuron, ``c`` = coherence in [0, 1].

Simplification: NEST-style ``iaf_cond_exp`` has no NMDA (slow, saturating, voltage-gated)
synapse, so the slow reverberation that gives Wang's network its persistent activity and
slow (~1 s) integration is replaced by fast recurrent AMPA-like excitation, strengthened
(``w_plus`` 3.0 instead of 1.7, strong shared inhibition) so that pools compete. What
remains: biased competition through shared inhibition -- the pool with the stronger input
wins in most trials and suppresses the other one during the stimulus, and at low coherence
the winner is random. What is lost: persistent activity after stimulus offset, the slow
ramping time course and the reaction times of the original.

=============== ==========================================================================
sizes           NE = 400 scale (pools A, B: f = 0.15 each; non-selective 0.7),
                NI = 100 scale; all-to-all connections (no autapses), delay 0.5 ms
E cells         C_m 500 pF, g_L 25 nS, E_L -70 mV, V_th -50 mV, V_reset -55 mV, t_ref 2 ms
I cells         C_m 200 pF, g_L 20 nS, E_L -70 mV, V_th -50 mV, V_reset -55 mV, t_ref 1 ms
synapses        E_ex 0 mV, tau_syn_ex 2 ms; E_in -70 mV, tau_syn_in 5 ms
E -> E          g_EE / NE per synapse (x w_plus / w_minus), g_EE = 170 nS, w_plus 3.0
E -> I          g_EI / NE per synapse, g_EI = 130 nS
I -> E, I       g_IE / NI = 620 nS / NI, g_II = 400 nS / NI
background      Poisson 2400 Hz per neuron, 2.1 nS (E), 1.62 nS (I) (Wang 2002)
stimulus        Poisson mu0 (1 +- c) per neuron of A / B, mu0 = 500 Hz at 2.1 nS
                (``stim_on`` to ``stim_off`` ms)
=============== ==========================================================================

The recurrent weights, ``w_plus`` and ``mu0`` are this module's own, tuned at scale 0.5
(NE 200, NI 50). Measured there (seed 1, 5 trials, 200-600 ms after onset): spontaneous
rates 0-1 Hz; c = 0.5: A 73-137 Hz, B < 1 Hz in 5 of 5 trials; c = 0: one pool wins
(ratio >= 2) in 4 of 5 trials, A and B both win sometimes.

Example:
    >>> net = wang(coherence=0.5, seed=1)
    >>> res = net.sim.simulate(800 * u.ms)
    >>> res.rate(net.populations["A"]), res.rate(net.populations["B"])   # A wins
"""

from __future__ import annotations

from dataclasses import dataclass

import brainunit as u
import numpy as np

from ..network import NodeCollection, Simulator
from ..units import SncoreError

__all__ = ["WANG", "WangNetwork", "wang"]

#: parameters (nS, pF, mV, ms, Hz)
WANG = {"NE": 400, "NI": 100, "f": 0.15, "w_plus": 3.0, "g_EE": 170.0, "g_EI": 130.0, "g_IE": 620.0,
        "g_II": 400.0, "bg_rate": 2400.0, "g_bg_E": 2.1, "g_bg_I": 1.62, "mu0": 500.0, "g_stim": 2.1,
        "delay": 0.5}


@dataclass
class WangNetwork:
    sim: Simulator
    pools: dict[str, NodeCollection]
    recorder: NodeCollection | None
    n_trials: int = 1

    @property
    def populations(self) -> dict[str, NodeCollection]:
        """Population name -> neurons (A, B, NS, I; all trials together)."""
        return self.pools

    def trial(self, t: int) -> dict[str, NodeCollection]:
        """The populations of trial ``t`` (each pool holds the trials one after another)."""
        out = {}
        for k, p in self.pools.items():
            n = len(p) // self.n_trials
            out[k] = p[t * n:(t + 1) * n]
        return out


def _weights(na: int, nn: int, ni: int, trials: int) -> np.ndarray:
    """Signed weight matrix (targets x sources, nS) of the recurrent connections, over the
    neurons ordered A, B, NS, I (each pool: its trials one after another); zero between
    trials and on the diagonal (no autapses)."""
    c = WANG
    ne = 2 * na + nn
    f = na / ne
    w_minus = 1.0 - f * (c["w_plus"] - 1.0) / (1.0 - f)
    w = c["g_EE"] / ne
    kind = np.concatenate([np.full(na * trials, 0), np.full(na * trials, 1), np.full(nn * trials, 2),
                           np.full(ni * trials, 3)])
    trial = np.concatenate([np.repeat(np.arange(trials), n) for n in (na, na, nn, ni)])
    # rows: target kind, columns: source kind (A, B, NS, I)
    table = np.array([[c["w_plus"] * w, w_minus * w, w_minus * w, -c["g_IE"] / ni],
                      [w_minus * w, c["w_plus"] * w, w_minus * w, -c["g_IE"] / ni],
                      [w, w, w, -c["g_IE"] / ni],
                      [c["g_EI"] / ne, c["g_EI"] / ne, c["g_EI"] / ne, -c["g_II"] / ni]])
    W = table[kind[:, None], kind[None, :]]
    W[trial[:, None] != trial[None, :]] = 0.0
    np.fill_diagonal(W, 0.0)
    return W


def wang(scale: float = 1.0, seed: int = 1, n_record: int | None = None, coherence: float = 0.5,
         stim_on: float = 100.0, stim_off: float = 1.0e9, trials: int = 1, dt: float = 0.1,
         **sim_kwargs) -> WangNetwork:
    """Build the decision network (see module docstring).

    Args:
        scale: NE = 400 scale, NI = 100 scale (weights scale as 1/N: same total conductance).
        seed: Simulator seed (Poisson trains; V_m(0) = -60 mV).
        n_record: neurons per population recorded (default all; 0: none).
        coherence: c in [0, 1]; pool A gets mu0 (1 + c), pool B mu0 (1 - c).
        stim_on, stim_off: stimulus window in ms (default: from 100 ms to the end).
        trials: independent copies of the circuit in one simulation (uncoupled, with
            independent Poisson input: one trial each; ``net.trial(t)``). One dense
            recurrent connection serves all copies, so the cost grows as trials^2.
        dt: resolution in ms.
    """
    if not 0.0 <= coherence <= 1.0:
        raise SncoreError(f"wang parameter 'coherence' must be in [0, 1], got {coherence!r}.")
    if not scale > 0 or int(trials) < 1:
        raise SncoreError(f"wang needs scale > 0 and trials >= 1, got scale={scale!r}, trials={trials!r}.")
    c, T = WANG, int(trials)
    ne, ni = max(3, round(c["NE"] * scale)), max(1, round(c["NI"] * scale))
    na = max(1, round(c["f"] * ne))
    nn = max(1, ne - 2 * na)
    sim = Simulator(dt=dt * u.ms, seed=seed, **sim_kwargs)
    syn = {"E_ex": 0.0 * u.mV, "E_in": -70.0 * u.mV, "tau_syn_ex": 2.0 * u.ms, "tau_syn_in": 5.0 * u.ms,
           "E_L": -70.0 * u.mV, "V_th": -50.0 * u.mV, "V_reset": -55.0 * u.mV}
    pe = {"C_m": 500.0 * u.pF, "g_L": 25.0 * u.nS, "t_ref": 2.0 * u.ms, **syn}
    pi = {"C_m": 200.0 * u.pF, "g_L": 20.0 * u.nS, "t_ref": 1.0 * u.ms, **syn}
    init = {"V_m": -60.0 * u.mV}
    pools = {"A": sim.create("iaf_cond_exp", na * T, params=pe, init=init),
             "B": sim.create("iaf_cond_exp", na * T, params=pe, init=init),
             "NS": sim.create("iaf_cond_exp", nn * T, params=pe, init=init),
             "I": sim.create("iaf_cond_exp", ni * T, params=pi, init=init)}
    A, B, NS, inh = pools.values()
    every = A + B + NS + inh
    d = c["delay"] * u.ms
    sim.connect(every, every, weight=_weights(na, nn, ni, T) * u.nS, delay=d)
    bg = sim.create("poisson_generator", params={"rate": c["bg_rate"] * u.Hz})
    w_bg = np.concatenate([np.full((2 * na + nn) * T, c["g_bg_E"]), np.full(ni * T, c["g_bg_I"])])
    sim.connect(bg, every, weight=w_bg[:, None] * u.nS, delay=d)
    for pool, sign in ((A, 1.0), (B, -1.0)):
        st = sim.create("poisson_generator", params={"rate": c["mu0"] * (1 + sign * coherence) * u.Hz,
                                                     "start": stim_on * u.ms, "stop": stim_off * u.ms})
        sim.connect(st, pool, weight=c["g_stim"] * u.nS, delay=d)
    rec = None
    if n_record is None or n_record > 0:
        rec = sim.create("spike_recorder")
        sel = every if n_record is None else [p[:n_record] for p in pools.values()]
        if n_record is not None:
            sel = sel[0] + sel[1] + sel[2] + sel[3]
        sim.connect(sel, rec)
    return WangNetwork(sim, pools, rec, T)

"""A two-layer cortical column (L2/3 and L5, each an E/I pair) and a two-area hierarchy of
two such columns, with ``iaf_psc_exp`` neurons in an asynchronous-irregular state.

Behaviour reference only (SC-NeuroCore's multi-scale tutorial: columns with feedforward and
feedback paths, areas linked bottom-up and top-down); the parameters are this module's own,
in the style of Potjans & Diesmann (2014, Cereb. Cortex 24:785): NEST's ``iaf_psc_exp`` with
exponential currents, 87.8 pA excitatory weights (0.15 mV PSPs), inhibition ``g`` times
stronger, and Poisson background drive.

Model: ``C_m dV/dt = -(V - E_L) C_m / tau_m + I_ex + I_in``, ``tau_syn dI/dt = -I``; each
spike adds its weight (pA) to ``I_ex`` or ``I_in``.

=============== ================================================================================
layer           NE = 400 scale excitatory, NI = 100 scale inhibitory neurons, for L2/3 and L5
neurons         iaf_psc_exp: C_m 250 pF, tau_m 10 ms, tau_syn_ex = tau_syn_in 0.5 ms,
                E_L = V_reset -65 mV, V_th -50 mV, t_ref 2 ms, V_m(0) ~ U(-65, -50) mV
recurrent       within each layer: E -> E, I fixed_indegree 0.1 NE, J = 87.8 pA; I -> E, I
                fixed_indegree 0.1 NI, -g J with g = 5; delays 1.5 ms (E), 0.8 ms (I)
feedforward     L2/3 E -> L5 E, L5 I: fixed_indegree 0.05 NE, J
feedback        L5 E -> L2/3 E: fixed_indegree 0.025 NE, J
background      poisson_generator per layer, rate eta nu_th with nu_th = (V_th - E_L) /
                (J tau_syn tau_m / C_m) (the rate that alone brings the mean to threshold),
                eta = 0.9 (L2/3) and 0.85 (L5, which also receives L2/3 input)
inter-area      (``hierarchy``) feedforward: area-1 L2/3 E -> area-2 L2/3 E and I,
                fixed_indegree 0.05 NE, J, delay 3 ms; feedback: area-2 L5 E -> area-1
                L2/3 E and L5 E, fixed_indegree 0.025 NE, J, delay 3 ms
stimulus        optional extra Poisson input (inhomogeneous_poisson_generator) to the
                L2/3 E of the (first) column: ``stim_rate`` Hz from ``stim_onset`` ms on
=============== ================================================================================

Example:
    >>> net = hierarchy(scale=0.5, seed=1, stim_onset=300.0, stim_rate=3000.0)
    >>> res = net.sim.simulate(600 * u.ms)
    >>> net.populations.keys()   # A1_L23E, A1_L23I, A1_L5E, A1_L5I, A2_L23E, ...
"""

from __future__ import annotations

from dataclasses import dataclass

import brainunit as u
import numpy as np

from .. import conn
from ..network import NodeCollection, Simulator
from ..units import SncoreError

__all__ = ["COLUMN", "ColumnNetwork", "column", "hierarchy"]

#: parameters of a column (pA, ms, mV) and its paths
COLUMN = {"NE": 400, "NI": 100, "J": 87.8, "g": 5.0, "eps": 0.1, "eps_ff": 0.05, "eps_fb": 0.025,
          "d_E": 1.5, "d_I": 0.8, "d_area": 3.0, "eta_L23": 0.9, "eta_L5": 0.85,
          "C_m": 250.0, "tau_m": 10.0, "tau_syn": 0.5, "E_L": -65.0, "V_th": -50.0, "t_ref": 2.0}


@dataclass
class ColumnNetwork:
    sim: Simulator
    pops: dict[str, NodeCollection]
    recorder: NodeCollection | None
    stimulus: NodeCollection | None

    @property
    def populations(self) -> dict[str, NodeCollection]:
        """Population name -> neurons (rates and raster rows in this order)."""
        return self.pops


def _k(frac: float, n: int) -> int:
    return max(1, round(frac * n))


def _column(sim: Simulator, prefix: str, ne: int, ni: int, rng) -> dict[str, NodeCollection]:
    c = COLUMN
    params = {"C_m": c["C_m"] * u.pF, "tau_m": c["tau_m"] * u.ms, "tau_syn_ex": c["tau_syn"] * u.ms,
              "tau_syn_in": c["tau_syn"] * u.ms, "E_L": c["E_L"] * u.mV, "V_reset": c["E_L"] * u.mV,
              "V_th": c["V_th"] * u.mV, "t_ref": c["t_ref"] * u.ms}
    J, g = c["J"], c["g"]
    nu_th = (c["V_th"] - c["E_L"]) / (J * c["tau_syn"] * c["tau_m"] / c["C_m"]) * 1000.0  # Hz
    pops = {}
    for layer in ("L23", "L5"):
        for kind, n in (("E", ne), ("I", ni)):
            v0 = rng.uniform(c["E_L"], c["V_th"], n)
            pops[f"{prefix}{layer}{kind}"] = sim.create("iaf_psc_exp", n, params=params, init={"V_m": v0 * u.mV})
    for layer in ("L23", "L5"):
        e, i = pops[f"{prefix}{layer}E"], pops[f"{prefix}{layer}I"]
        bg = sim.create("poisson_generator", params={"rate": c[f"eta_{layer}"] * nu_th * u.Hz})
        sim.connect(bg, e + i, weight=J * u.pA, delay=c["d_E"] * u.ms)
        sim.connect(e, e + i, rule=conn.fixed_indegree(_k(c["eps"], ne)), weight=J * u.pA, delay=c["d_E"] * u.ms)
        sim.connect(i, e + i, rule=conn.fixed_indegree(_k(c["eps"], ni)), weight=-g * J * u.pA,
                    delay=c["d_I"] * u.ms)
    sim.connect(pops[f"{prefix}L23E"], pops[f"{prefix}L5E"] + pops[f"{prefix}L5I"],
                rule=conn.fixed_indegree(_k(c["eps_ff"], ne)), weight=J * u.pA, delay=c["d_E"] * u.ms)
    sim.connect(pops[f"{prefix}L5E"], pops[f"{prefix}L23E"], rule=conn.fixed_indegree(_k(c["eps_fb"], ne)),
                weight=J * u.pA, delay=c["d_E"] * u.ms)
    return pops


def _finish(sim, pops, n_record, stim_onset, stim_rate, target) -> ColumnNetwork:
    stim = None
    if stim_rate > 0:
        stim = sim.create("inhomogeneous_poisson_generator",
                          params={"rate_times": [stim_onset] * u.ms, "rate_values": [stim_rate] * u.Hz})
        sim.connect(stim, target, weight=COLUMN["J"] * u.pA, delay=COLUMN["d_E"] * u.ms)
    rec = None
    if n_record is None or n_record > 0:
        rec = sim.create("spike_recorder")
        sel = list(pops.values()) if n_record is None else [p[:n_record] for p in pops.values()]
        allp = sel[0]
        for p in sel[1:]:
            allp = allp + p
        sim.connect(allp, rec)
    return ColumnNetwork(sim, pops, rec, stim)


def _sizes(scale):
    if not scale > 0:
        raise SncoreError(f"column parameter 'scale' must be > 0, got {scale!r}.")
    return max(1, round(COLUMN["NE"] * scale)), max(1, round(COLUMN["NI"] * scale))


def column(scale: float = 1.0, seed: int = 1, n_record: int | None = None, stim_onset: float = 0.0,
           stim_rate: float = 0.0, dt: float = 0.1, **sim_kwargs) -> ColumnNetwork:
    """One column: populations ``L23E, L23I, L5E, L5I`` (see module docstring).

    Args:
        scale: NE = 400 scale, NI = 100 scale per layer; in-degrees scale with the sizes.
        seed: Simulator seed (connectivity, V_m(0), Poisson trains).
        n_record: neurons per population recorded (default all; 0: none).
        stim_onset, stim_rate: extra Poisson input (Hz per neuron) to L2/3 E from ``stim_onset`` ms
            on (0 Hz: no stimulus).
        dt: resolution in ms.
    """
    ne, ni = _sizes(scale)
    sim = Simulator(dt=dt * u.ms, seed=seed, **sim_kwargs)
    pops = _column(sim, "", ne, ni, np.random.default_rng([seed, 23]))
    return _finish(sim, pops, n_record, stim_onset, stim_rate, pops["L23E"])


def hierarchy(scale: float = 1.0, seed: int = 1, n_record: int | None = None, stim_onset: float = 0.0,
              stim_rate: float = 0.0, dt: float = 0.1, **sim_kwargs) -> ColumnNetwork:
    """Two columns ``A1_*`` and ``A2_*`` with inter-area feedforward (A1 L2/3 E -> A2 L2/3)
    and feedback (A2 L5 E -> A1 L2/3 E, L5 E); the stimulus goes to A1 L2/3 E (see module
    docstring; arguments as :func:`column`)."""
    c = COLUMN
    ne, ni = _sizes(scale)
    sim = Simulator(dt=dt * u.ms, seed=seed, **sim_kwargs)
    rng = np.random.default_rng([seed, 23])
    pops = {**_column(sim, "A1_", ne, ni, rng), **_column(sim, "A2_", ne, ni, rng)}
    d, J = c["d_area"] * u.ms, c["J"] * u.pA
    sim.connect(pops["A1_L23E"], pops["A2_L23E"] + pops["A2_L23I"], rule=conn.fixed_indegree(_k(c["eps_ff"], ne)),
                weight=J, delay=d)
    sim.connect(pops["A2_L5E"], pops["A1_L23E"] + pops["A1_L5E"], rule=conn.fixed_indegree(_k(c["eps_fb"], ne)),
                weight=J, delay=d)
    return _finish(sim, pops, n_record, stim_onset, stim_rate, pops["A1_L23E"])

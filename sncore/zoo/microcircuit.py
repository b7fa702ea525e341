"""The cortical microcircuit of Potjans & Diesmann (2014), as NEST's PyNEST example
``pynest/examples/Potjans_2014`` defines it: 8 populations of ``iaf_psc_exp`` neurons in
four layers (77,169 neurons and ~3 x 10^8 synapses at full scale under 1 mm^2 of cortex).

=============== ==========================================================================
populations     L23E, L23I, L4E, L4I, L5E, L5I, L6E, L6I: ``N_FULL`` x ``scale`` neurons
                (20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948 at scale 1)
neurons         iaf_psc_exp: C_m 250 pF, tau_m 10 ms, tau_syn_ex = tau_syn_in 0.5 ms,
                t_ref 2 ms, E_L = V_reset = -65 mV, V_th -50 mV
V_m(0)          Normal per population: ``"optimized"`` means/stds of NEST's example
                (default), or ``"original"``: Normal(-58 mV, 10 mV) for all
synapses        for target i and source j, ``fixed_total_number`` (multapses allowed)
                with ``K_ij = round(scale x log(1 - p_ij) / log(1 - 1 / (N_i N_j)))``
                computed with the *full-scale* sizes and ``CONN_PROBS``: the number
                of synapses per target neuron (in-degree) is the full-scale one at any
                ``scale`` (see "Scaling" below)
weights         PSC amplitude w = PSP x PSC_OVER_PSP with PSP 0.15 mV (E sources),
                -4 x 0.15 mV (I sources), 0.3 mV for L4E -> L23E; per synapse
                Normal(w, 0.1 |w|) redrawn until its sign is that of w
delays          Normal(1.5 ms, 0.75 ms) from E, Normal(0.75 ms, 0.375 ms) from I, redrawn
                below dt (NEST's ``nest.math.redraw(..., min=resolution)``), then
                rounded to whole steps
drive           ``"poisson"``: one poisson_generator per population, rate 8 Hz x K_ext
                (K_ext = 1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100), weight
                w_ext = 0.15 mV x PSC_OVER_PSP, delay 1.5 ms; ``"dc"``: the mean of that
                input as a constant current I_e = 8 Hz x K_ext x w_ext x tau_syn x 1e-3
=============== ==========================================================================

``PSC_OVER_PSP`` (585.4 pA / mV; 87.8 pA for a 0.15 mV PSP) turns the peak of the PSP of an exponential current into
its amplitude: with ``a = 1 / (tau_s - tau_m)``, ``f = (tau_m / tau_s) ** a``,
``PSP / PSC = tau_m tau_s a / C_m (f**tau_m - f**tau_s)``.

Scaling: ``scale`` multiplies the neuron numbers and keeps the full-scale in-degrees
(NEST's ``N_scaling = scale`` with ``K_scaling = 1``), so a neuron sees the input statistics
of the full model and the population rates stay close to the full-scale ones (van Albada,
Helias & Diesmann 2015, PLoS Comput Biol 11:e1004490); what changes is the shared input,
so correlations grow as the network shrinks. Sources may be fewer than the in-degree
(L5I -> L5E at scale 0.01); multapses make that legal. ``k_scaling < 1`` (builder argument,
not on the command line) additionally scales the in-degrees as NEST's example does:
weights are divided by ``sqrt(k_scaling)`` and the lost mean input is added as a DC current
computed from ``FULL_MEAN_RATES``.

Example:
    >>> net = microcircuit(scale=0.05, seed=1, n_record=0)
    >>> net.sim.simulate(200 * u.ms)               # initial transient
    >>> res = net.sim.simulate(1000 * u.ms)
    >>> {k: res.rate(p) for k, p in net.populations.items()}   # ~1, 3, 4, 6, 8, 9, 1, 8 Hz
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import brainunit as u
import numpy as np

from .. import conn
from ..conn.values import Distribution
from ..network import NodeCollection, Simulator
from ..units import SncoreError

__all__ = [
    "CONN_PROBS",
    "FULL_MEAN_RATES",
    "K_EXT",
    "N_FULL",
    "POPULATIONS",
    "PSC_OVER_PSP",
    "MicrocircuitNetwork",
    "dc_drive",
    "full_num_synapses",
    "microcircuit",
    "num_synapses",
    "psc_over_psp",
    "weight_matrix",
]

POPULATIONS = ("L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I")
N_FULL = np.array([20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948])
#: connection probabilities, [target, source]
CONN_PROBS = np.array([
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443]])
K_EXT = np.array([1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100])
#: full-scale rates (spikes/s) of NEST's example (12 MPI processes, N_scaling = K_scaling = 1)
FULL_MEAN_RATES = np.array([0.943, 3.026, 4.368, 5.882, 7.733, 8.664, 1.096, 7.851])
V0_OPTIMIZED = (np.array([-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43]),
                np.array([5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48]))
NEURON = {"C_m": 250.0, "tau_m": 10.0, "tau_syn": 0.5, "t_ref": 2.0, "E_L": -65.0, "V_reset": -65.0,
          "V_th": -50.0}
PSP_E, G, W_REL_STD = 0.15, -4.0, 0.1
DELAY_E, DELAY_I, DELAY_REL_STD, DELAY_POISSON = 1.5, 0.75, 0.5, 1.5
BG_RATE = 8.0


def psc_over_psp(C_m: float, tau_m: float, tau_syn: float) -> float:
    """PSC amplitude (pA) per mV of PSP peak for an exponential current into a LIF membrane."""
    a = 1.0 / (tau_syn - tau_m)
    f = (tau_m / tau_syn) ** a
    return 1.0 / (tau_m * tau_syn * a / C_m * (f ** tau_m - f ** tau_syn))


PSC_OVER_PSP = psc_over_psp(NEURON["C_m"], NEURON["tau_m"], NEURON["tau_syn"])


def full_num_synapses() -> np.ndarray:
    """Total synapse numbers [target, source] of the full-scale model:
    ``log(1 - p) / log(1 - 1 / (N_i N_j))`` (Potjans & Diesmann 2014, eq. 1), as floats."""
    prod = np.outer(N_FULL, N_FULL).astype(float)
    return np.log(1.0 - CONN_PROBS) / np.log((prod - 1.0) / prod)


def num_synapses(scale: float, k_scaling: float = 1.0) -> np.ndarray:
    """Synapse numbers [target, source] at ``scale`` (NEST: ``round(full x N_scaling x K_scaling)``)."""
    return np.round(full_num_synapses() * scale * k_scaling).astype(np.int64)


def weight_matrix() -> np.ndarray:
    """Mean PSC amplitudes (pA) [target, source]: E columns 0.15 mV, I columns -4 x 0.15 mV,
    L4E -> L23E doubled; times :data:`PSC_OVER_PSP`."""
    psp = np.where(np.arange(8) % 2 == 0, PSP_E, G * PSP_E)[None, :].repeat(8, 0)
    psp[0, 2] = 2.0 * PSP_E
    return psp * PSC_OVER_PSP


def dc_drive(k_scaling: float = 1.0, poisson: bool = False) -> np.ndarray:
    """I_e (pA) per population: the mean of the missing Poisson input when ``poisson`` is False
    (``bg_rate K_ext w_ext tau_syn 1e-3``), plus NEST's compensation for in-degrees scaled by
    ``k_scaling < 1``: ``(1 - sqrt(k)) tau_syn 1e-3 (sum_j w_ij K_ij nu_j + [w_ext K_ext bg])``."""
    tau = NEURON["tau_syn"]
    w_ext = PSP_E * PSC_OVER_PSP
    dc = np.zeros(8) if poisson else BG_RATE * K_EXT * w_ext * tau * 1e-3
    if k_scaling != 1.0:
        indeg = full_num_synapses() / N_FULL[:, None]
        rec = np.sum(weight_matrix() * indeg * FULL_MEAN_RATES, axis=1)
        ext = w_ext * K_EXT * BG_RATE if poisson else 0.0
        dc = dc + 1e-3 * tau * (1.0 - np.sqrt(k_scaling)) * (rec + ext)
    return dc


@dataclass(frozen=True)
class _redraw_normal(Distribution):
    """Normal(mean, std) redrawn until inside [lo, hi] (NEST's ``nest.math.redraw``);
    parameters are plain numbers in the canonical unit of the value drawn (pA, ms)."""

    mean: float
    std: float
    lo: float
    hi: float

    def sample(self, rng, n, unit, name):
        x = rng.normal(self.mean, self.std, n)
        bad = np.nonzero((x < self.lo) | (x > self.hi))[0]
        while bad.size:
            x[bad] = rng.normal(self.mean, self.std, bad.size)
            bad = bad[(x[bad] < self.lo) | (x[bad] > self.hi)]
        return x


@dataclass
class MicrocircuitNetwork:
    sim: Simulator
    pops: dict[str, NodeCollection]
    recorder: NodeCollection | None
    #: (target, source) population names -> Synapses handle of that projection
    projections: dict[tuple[str, str], Any] = field(default_factory=dict)
    #: I_e (pA) of each population
    I_e: np.ndarray = field(default_factory=lambda: np.zeros(8))

    @property
    def populations(self) -> dict[str, NodeCollection]:
        """Population name -> neurons (rates and raster rows in this order)."""
        return self.pops


def microcircuit(scale: float = 0.1, seed: int = 1, n_record: int | None = None, drive: str = "poisson",
                 V0: str = "optimized", k_scaling: float = 1.0, dt: float = 0.1,
                 **sim_kwargs) -> MicrocircuitNetwork:
    """Build the microcircuit (see module docstring).

    Args:
        scale: neuron numbers N_FULL x scale (rounded); in-degrees stay full-scale.
        seed: Simulator seed (connectivity, weights, delays, V_m(0), drive).
        n_record: neurons per population recorded by the spike recorder (default all; 0: none).
        drive: ``"poisson"`` (background spike trains) or ``"dc"`` (their mean as I_e).
        V0: ``"optimized"`` (per-population V_m(0), NEST's default) or ``"original"``.
        k_scaling: in-degree factor (1 = full in-degrees); below 1, NEST's weight and DC
            compensation.
        dt: resolution in ms (the example's 0.1 ms).
    """
    if not (isinstance(scale, (int, float)) and scale > 0 and np.all(np.round(N_FULL * scale) >= 1)):
        raise SncoreError(f"microcircuit parameter 'scale' must give at least one neuron per population "
                          f"(scale >= {0.5 / N_FULL.min():.2g}), got {scale!r}.")
    if drive not in ("poisson", "dc"):
        raise SncoreError(f"microcircuit parameter 'drive' must be 'poisson' or 'dc', got {drive!r}.")
    if V0 not in ("optimized", "original"):
        raise SncoreError(f"microcircuit parameter 'V0' must be 'optimized' or 'original', got {V0!r}.")
    if not (isinstance(k_scaling, (int, float)) and 0 < k_scaling <= 1):
        raise SncoreError(f"microcircuit parameter 'k_scaling' must be in (0, 1], got {k_scaling!r}.")
    n = np.round(N_FULL * scale).astype(int)
    K = num_synapses(scale, k_scaling)
    W = weight_matrix() / np.sqrt(k_scaling)
    w_ext = PSP_E * PSC_OVER_PSP / np.sqrt(k_scaling)
    I_e = dc_drive(k_scaling, poisson=drive == "poisson")
    sim = Simulator(dt=dt * u.ms, seed=seed, **sim_kwargs)
    rng = np.random.default_rng([seed, 0x9D14])
    base = {"C_m": NEURON["C_m"] * u.pF, "tau_m": NEURON["tau_m"] * u.ms, "t_ref": NEURON["t_ref"] * u.ms,
            "tau_syn_ex": NEURON["tau_syn"] * u.ms, "tau_syn_in": NEURON["tau_syn"] * u.ms,
            "E_L": NEURON["E_L"] * u.mV, "V_reset": NEURON["V_reset"] * u.mV, "V_th": NEURON["V_th"] * u.mV}
    pops = {}
    for i, name in enumerate(POPULATIONS):
        m, s = (V0_OPTIMIZED[0][i], V0_OPTIMIZED[1][i]) if V0 == "optimized" else (-58.0, 10.0)
        pops[name] = sim.create("iaf_psc_exp", int(n[i]), params={**base, "I_e": I_e[i] * u.pA},
                                init={"V_m": rng.normal(m, s, n[i]) * u.mV})
    projections = {}
    for i, tgt in enumerate(POPULATIONS):
        for j, src in enumerate(POPULATIONS):
            if K[i, j] == 0:
                continue
            w, d = W[i, j], DELAY_E if j % 2 == 0 else DELAY_I
            lo, hi = (0.0, np.inf) if w >= 0 else (-np.inf, 0.0)
            projections[tgt, src] = sim.connect(
                pops[src], pops[tgt], rule=conn.fixed_total_number(int(K[i, j])),
                weight=_redraw_normal(w, abs(w) * W_REL_STD, lo, hi),
                delay=_redraw_normal(d, d * DELAY_REL_STD, dt, np.inf))
    if drive == "poisson":
        for i, name in enumerate(POPULATIONS):
            gen = sim.create("poisson_generator", params={"rate": BG_RATE * np.round(K_EXT[i] * k_scaling) * u.Hz})
            sim.connect(gen, pops[name], weight=w_ext * u.pA, delay=DELAY_POISSON * u.ms)
    rec = sim.create("spike_recorder")
    k = n_record
    if k is None or k > 0:
        for p in pops.values():
            sim.connect(p if k is None else p[:k], rec)
    return MicrocircuitNetwork(sim, pops, rec, projections, I_e)


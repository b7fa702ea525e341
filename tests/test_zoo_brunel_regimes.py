"""Brunel (2000), Fig. 8: the qualitative state of the four regimes (irregularity by CV,
synchrony by chi), at the paper's size against Brian2 on the same network (slow), and the
synchrony of SR against AI in reduced networks (default suite).

Statistics over ``[T0, T]`` (defined as in tests/reference/make_brian2_brunel_regimes.py,
which computes them independently with numpy): ``rate`` (all E neurons), ``cv`` (mean ISI CV
of the first 200 E neurons with >= 3 spikes), ``chi_V`` (Golomb 2007: chi of the membrane
potentials of the first 100 E neurons sampled every 0.5 ms, sncore.analysis.synchrony_traces),
``chi_spk`` (chi of their 1 ms spike counts, sncore.analysis.synchrony) and ``f_peak`` (largest
peak of the power spectrum of their population rate in 0.5 ms bins).

What the paper says (Brunel 2000, abstract, Sect. 4 and Fig. 8; regime (g, eta)): "synchronous
states in which neurons fire regularly" -- SR (3, 2), at high rates; "asynchronous states with
stationary global activity and very irregular individual cell activity" -- AI (5, 2); "states
in which the global activity oscillates but individual cells fire irregularly, typically at
rates lower than the global oscillation frequency" -- SI-fast (6, 4), a fast oscillation, and
SI-slow (4.5, 0.9), a slow one at low rates. Numbers (rates, chi, peak frequencies) come from
Brian2 on the same network, not from the paper.
"""

import json
import pathlib

import brainunit as u
import numpy as np
import pytest

from sncore import analysis as sa
from sncore.zoo import brunel


def regime_stats(regime, order, T, T0, seed=1, J=None):
    net = brunel(order=order, seed=seed, regime=regime, J=J, n_record=200)
    sim = net.sim
    mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": 0.5 * u.ms})
    sim.connect(mm, net.exc[:100])
    sim.simulate(T0 * u.ms, progress=False)                       # transient, left out
    res = sim.simulate((T - T0) * u.ms, progress=False)
    a, b = T0 * u.ms, T * u.ms
    trains = sa.split_by_sender(*res.spikes(net.recorder), ids=net.exc[:200])
    tr = res.traces(mm)
    _, r = sa.population_rate(trains, a, b, 0.5 * u.ms)
    r = np.asarray(r.to_decimal(u.Hz))
    p = np.abs(np.fft.rfft(r - r.mean())) ** 2
    f = np.fft.rfftfreq(r.size, 0.5e-3)
    return {"rate": float(res.rate(net.exc).to_decimal(u.Hz)), "cv": float(np.nanmean(sa.cv(trains))),
            "chi_V": sa.synchrony_traces(tr["V_m"]), "chi_spk": sa.synchrony(trains, a, b, 1 * u.ms),
            "f_peak": float(f[1:][np.argmax(p[1:])])}


# ---------------------------------------------------------------- reduced networks (default suite)

def test_sr_synchronises_with_the_papers_coupling_ai_stays_asynchronous():
    # order 250 (CE 100). SR with the paper's mean coupling CE J = 100 mV (J = 1 mV): regular
    # (CV well below the 1 of Poisson firing), near the paper-size rate (~325 Hz, sncore and Brian2
    # on the paper's network, below), and synchronous: chi of 1 ms counts > 0.4, where the paper-size
    # network gives ~0.5 (below) and independent trains ~1/sqrt(200) = 0.07. AI with the zoo's
    # reduced-size default (J = 0.5 mV) stays asynchronous (chi < 0.2) and irregular (CV > 0.5).
    # Measured at seed 1: SR 322 Hz, CV 0.09, chi 0.48; AI chi 0.13, CV 0.76.
    sr = regime_stats("SR", 250, 400.0, 100.0, J=1.0)
    assert sr["cv"] < 0.2 and sr["rate"] > 250 and sr["chi_spk"] > 0.4, sr
    ai = regime_stats("AI", 250, 400.0, 100.0)
    assert ai["chi_spk"] < 0.2 and ai["cv"] > 0.5, ai


# ---------------------------------------------------------------- the paper's network (slow)
# order 2500: NE 10000, NI 2500, CE 1000, CI 250, J 0.1 mV (the zoo's default with a regime
# at this size), 1 s, statistics over [200, 1000] ms, seed 1. Reference: Brian2 2.11 on the
# same network (tests/reference/make_brian2_brunel_regimes.py; its own connectivity and Poisson
# draws, so only realisation-level agreement is expected): rates within 10 % (population rates
# of 10000 neurons), CV within 0.1, chi within 0.1 (chi_V: 100 traces) and 0.05 (chi_spk).
# Brian2's synaptic delay is 1.4 ms: it applies a delayed spike after the threshold test of
# its arrival step, one step later than NEST's iaf_psc_delta (which sncore follows), so D - dt
# there gives NEST's 1.5 ms spike -> spike loop (see the generator's docstring). With Brian2's
# own convention (delay 1.5 ms) SR's two alternating clusters fire every 3.2 ms instead of
# 3.0 ms (312 Hz, peak 625 Hz, chi_V 0.66: outside the bands); the other regimes stay within them.
# Measured at seed 1 (sncore / Brian2): SR 333.1 / 333.7 Hz, CV 0.0008 / 0.0006, chi_V
# 0.47 / 0.52, chi_spk 0.50 / 0.50, peak 666 / 666 Hz; AI 37.4 / 37.6 Hz, CV 0.43 / 0.41,
# chi_V 0.23 / 0.24, chi_spk 0.12 / 0.12; SI-fast 58.0 / 58.4 Hz, CV 0.75 / 0.83, chi_V
# 0.46 / 0.50, chi_spk 0.21 / 0.22, peak 189 / 176 Hz; SI-slow 5.65 / 5.55 Hz, CV 0.50 / 0.48,
# chi_V 0.45 / 0.44, chi_spk 0.15 / 0.14, peak 35 / 20 Hz.

T_PAPER, T0_PAPER = 1000.0, 200.0


@pytest.fixture(scope="module")
def paper():
    ref = json.loads((pathlib.Path(__file__).parent / "reference" / "brian2_brunel_regimes.json").read_text())
    assert (ref["T_ms"], ref["T0_ms"]) == (T_PAPER, T0_PAPER)
    assert brunel(order=2500, regime="AI", n_record=0).J == 0.1          # the paper's weight
    ours = {r: regime_stats(r, 2500, T_PAPER, T0_PAPER) for r in ("SR", "AI", "SI-fast", "SI-slow")}
    return ours, {r["regime"]: r for r in ref["runs"]}


@pytest.mark.slow
@pytest.mark.parametrize("regime", ["SR", "AI", "SI-fast", "SI-slow"])
def test_paper_network_matches_brian2(paper, regime):
    ours, ref = paper
    s, b = ours[regime], ref[regime]
    assert s["rate"] == pytest.approx(b["rate_E"], rel=0.1), (s, b)
    assert abs(s["cv"] - b["cv"]) < 0.1, (s, b)
    assert abs(s["chi_V"] - b["chi_V"]) < 0.1 and abs(s["chi_spk"] - b["chi_spk"]) < 0.05, (s, b)
    if regime in ("SR", "SI-fast"):       # a clear spectral peak: within 20 Hz (~10 % of SI-fast's)
        assert abs(s["f_peak"] - b["f_peak"]) <= 20, (s, b)


@pytest.mark.slow
def test_paper_network_qualitative_states(paper):
    st, _ = paper
    sr, ai, fast, slow = st["SR"], st["AI"], st["SI-fast"], st["SI-slow"]
    # SR: clock-like firing at high rate, the most synchronous spike counts
    assert sr["cv"] < 0.05 and sr["rate"] > 250, sr
    assert sr["chi_spk"] > 0.4 and sr["chi_spk"] == max(x["chi_spk"] for x in st.values()), st
    # AI: irregular and the least synchronous of the four by both measures
    assert ai["cv"] > 0.3 and ai["chi_V"] < 0.35, ai
    assert ai["chi_V"] == min(x["chi_V"] for x in st.values()), st
    assert ai["chi_spk"] == min(x["chi_spk"] for x in st.values()), st
    # SI-fast: a fast global oscillation (> 100 Hz; Brian2's peak in the reference JSON), irregular neurons
    # firing at rates below its frequency
    assert fast["f_peak"] > 100 and fast["rate"] < fast["f_peak"] and fast["cv"] > 0.5, fast
    assert fast["chi_V"] > 1.5 * ai["chi_V"], (fast, ai)
    # SI-slow: low rates and a slow (< 50 Hz) global rhythm, synchronous membrane potentials
    assert slow["rate"] < 10 and slow["f_peak"] < 50 and slow["chi_V"] > 1.5 * ai["chi_V"], (slow, ai)

"""The fixed-point simulation mode (``sim.simulate(T, fixed_point=...)``, sncore.hdl.fixed):
a scripted network run in the golden model's integer arithmetic. Compared with sncore's own
float simulation of the same network (spike for spike with a fine format whose leak and
weights are exact in fixed point; membranes within the format's rounding), and checked not to
touch the float state."""

import math

import brainunit as u
import numpy as np
import pytest

import sncore as sn
from sncore.hdl import FixedFormat, QuantConfig
from sncore.units import SncoreError

DT = 0.1
K = 7                                         # leak by shift: exp(-dt/tau) = 1 - 2^-7 exactly
TAU = -DT / math.log1p(-2.0 ** -K)            # 12.75 ms
FINE = QuantConfig(state=FixedFormat(24, 12), weight=FixedFormat(8, 3))


def _build(meter: bool = False, seed: int = 3):
    rng = np.random.default_rng(seed)
    sim = sn.Simulator(dt=DT * u.ms, seed=seed)
    par = {"tau_m": TAU * u.ms, "E_L": -70 * u.mV, "V_th": -55 * u.mV, "V_reset": -70 * u.mV,
           "t_ref": 2 * u.ms, "C_m": 250 * u.pF}
    e = sim.create("iaf_psc_delta", 30, params=par)
    i = sim.create("iaf_psc_delta", 10, params=par)
    trains = [np.unique(np.round(rng.uniform(1, 199, 25), 1)) for _ in range(20)]
    gen = sim.create("spike_generator", params={"spike_times": trains[0] * u.ms})
    for t in trains[1:]:
        gen = gen + sim.create("spike_generator", params={"spike_times": t * u.ms})
    sim.connect(gen, e + i, rule=sn.conn.fixed_indegree(8), weight=2.0 * u.mV, delay=0.1 * u.ms)
    sim.connect(e, e + i, rule=sn.conn.fixed_indegree(6), weight=0.5 * u.mV, delay=1.0 * u.ms)
    sim.connect(i, e + i, rule=sn.conn.fixed_indegree(4), weight=-2.5 * u.mV, delay=0.5 * u.ms)
    rec = sim.create("spike_recorder")
    sim.connect(e + i, rec)
    mm = None
    if meter:
        mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": DT * u.ms})
        sim.connect(mm, e + i)
    return sim, e, i, rec, mm


def test_fixed_point_run_follows_the_float_simulation_with_an_exact_format():
    """Leak and weights are exact in the fine format; the only difference is the leak's floor
    (``v >>> k``), an error in [0, 1) LSB per step whose steady-state effect is below
    ``2^K`` LSBs = 2^-5 mV. Until the first spike that differs, every membrane of every step is
    within that bound; a near-threshold crossing may move a few spikes by a step."""
    sim, e, _, rec, _ = _build()
    fx = sim.simulate(200 * u.ms, fixed_point=FINE)
    fsim, fe, _, frec, mm = _build(meter=True)
    fl = fsim.simulate(200 * u.ms)
    t_fx, s_fx = fx.spikes(rec)
    t_fl, s_fl = fl.spikes(frec)
    assert len(t_fl) > 100                              # the network is active (~60 Hz)
    n_fx, n_fl = fx.counts["iaf_psc_delta"], fl.counts["iaf_psc_delta"]
    assert np.abs(n_fx - n_fl).max() <= 1
    assert float(fx.rate(e) / u.Hz) == pytest.approx(float(fl.rate(fe) / u.Hz), abs=5.0)
    gid0 = int(fx.fixed_point["gids"][0])
    raster_fx, raster_fl = np.zeros((2000, 40), bool), np.zeros((2000, 40), bool)
    raster_fx[np.round(t_fx / u.ms / DT).astype(int) - 1, s_fx - gid0] = True
    raster_fl[np.round(t_fl / u.ms / DT).astype(int) - 1, s_fl - gid0] = True
    assert (raster_fx == raster_fl).mean() > 0.999
    assert fx.fixed_point["accuracy"]["spike_agreement"] > 0.999   # vs the IR's float64 reference
    # membranes: every neuron, every step up to the first differing spike
    ev = fl.events(mm)
    steps = np.round(ev["times"] / u.ms / DT).astype(int) - 1
    v_float = np.zeros((2000, 40))
    v_float[steps, ev["senders"] - gid0] = ev["V_m"] / u.mV
    diff = np.nonzero((raster_fx != raster_fl).any(1))[0]
    upto = int(diff[0]) if len(diff) else 2000
    assert upto > 200                                   # well into the run
    err = np.abs(fx.fixed_point["V_m"][:upto] - v_float[:upto])
    assert 0 < err.max() < 2.0 ** (K - 12) + 1e-4       # a different arithmetic, within its bound


def test_fixed_point_run_leaves_the_float_state_alone():
    sim = _build()[0]
    sim.simulate(50 * u.ms, fixed_point=True)           # default QuantConfig
    assert sim.steps == 0
    a = sim.simulate(100 * u.ms)
    b = _build()[0].simulate(100 * u.ms)
    np.testing.assert_array_equal(a.counts["iaf_psc_delta"], b.counts["iaf_psc_delta"])


def test_coarse_format_reports_its_error():
    """The accuracy report measures the quantisation: 2 fraction bits (0.25 mV steps, weights in
    0.5 mV steps) must be further from the float64 reference than the exact 12-bit format."""
    sim, *_ = _build()
    coarse = sim.simulate(200 * u.ms, fixed_point=QuantConfig(state=FixedFormat(10, 2), weight=FixedFormat(6, 1)))
    fine = sim.simulate(200 * u.ms, fixed_point=FINE)
    a, b = coarse.fixed_point["accuracy"], fine.fixed_point["accuracy"]
    assert a["v_rmse_mV"] > 2 * b["v_rmse_mV"] > 0     # measured 6.1 vs 0.48 mV (fine: spike shifts)
    assert a["spike_agreement"] < b["spike_agreement"]
    assert coarse.fixed_point["coverage"]["refractory"] > 0


def test_fixed_point_errors():
    sim, *_ = _build(meter=True)
    with pytest.raises(SncoreError, match="multimeter"):
        sim.simulate(10 * u.ms, fixed_point=True)
    sim, *_ = _build()
    with pytest.raises(SncoreError, match="fixed_point"):
        sim.simulate(10 * u.ms, fixed_point="int16")
    s2 = sn.Simulator(dt=DT * u.ms)
    s2.create("iaf_psc_exp", 3)
    with pytest.raises(SncoreError, match="not supported"):
        s2.simulate(10 * u.ms, fixed_point=True)

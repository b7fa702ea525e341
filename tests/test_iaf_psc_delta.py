"""iaf_psc_delta against closed-form solutions in float64 (relative error <= 1e-9),
for dt in {0.1, 0.05, 0.025} ms, driven through the whole Simulator."""

import math

import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

import sncore as sn

DTS = [0.1, 0.05, 0.025]
TAU, C, EL = 10.0, 250.0, -70.0  # NEST defaults
R = TAU / C  # GOhm -> mV per pA


def _sim(dt, **params):
    sim = sn.Simulator(dt=dt * u.ms, seed=0, dtype=jnp.float64)
    n = sim.create("iaf_psc_delta", 1, params=params)
    mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": dt * u.ms})
    sim.connect(mm, n)
    return sim, n, mm


@pytest.mark.parametrize("dt", DTS)
def test_dc_response_matches_closed_form(x64, dt):
    I = 300.0
    sim, n, mm = _sim(dt, I_e=I * u.pA, V_th=1000.0 * u.mV)
    res = sim.simulate(50 * u.ms)
    ev = res.events(mm)
    t = ev["times"].to_decimal(u.ms)
    v = ev["V_m"].to_decimal(u.mV)
    expect = EL + I * R * (1 - np.exp(-t / TAU))
    assert len(t) == round(50 / dt)  # a sample at every step end, t = dt .. 50 ms
    np.testing.assert_allclose(t, dt * np.arange(1, len(t) + 1), rtol=1e-12)
    np.testing.assert_allclose(v, expect, rtol=1e-9)


@pytest.mark.parametrize("dt", DTS)
def test_spike_input_jump_and_decay(x64, dt):
    """A spike at t_s with delay d makes V jump by w at t_s + d, then decay with tau_m."""
    sim, n, mm = _sim(dt, V_th=1000.0 * u.mV, I_e=100.0 * u.pA)
    sg = sim.create("spike_generator", params={"spike_times": [2.0, 7.5] * u.ms})
    w, d = 3.0, 1.5
    sim.connect(sg, n, weight=w * u.mV, delay=d * u.ms)
    res = sim.simulate(30 * u.ms)
    ev = res.events(mm)
    t = ev["times"].to_decimal(u.ms)
    v = ev["V_m"].to_decimal(u.mV)
    expect = EL + 100.0 * R * (1 - np.exp(-t / TAU))
    for ts in (2.0, 7.5):
        on = t >= ts + d - 1e-9
        expect = expect + np.where(on, w * np.exp(-(t - ts - d) / TAU), 0.0)
    np.testing.assert_allclose(v, expect, rtol=1e-9)
    # the jump appears exactly at the step ending at t_s + d, not one step earlier
    i = int(round((2.0 + d) / dt)) - 1
    assert v[i] - v[i - 1] > 0.9 * w


def _first_passage(v0, I, vth):
    """Time for V to go from v0 to vth (relative to E_L) under constant current I."""
    vinf = I * R
    return -TAU * math.log((vinf - vth) / (vinf - v0))


@pytest.mark.parametrize("dt", DTS)
def test_spike_times_are_first_passage_on_grid(x64, dt):
    I, vth, vreset, tref = 500.0, -55.0, -70.0, 2.0
    sim, n, mm = _sim(dt, I_e=I * u.pA)
    rec = sim.create("spike_recorder")
    sim.connect(n, rec)
    res = sim.simulate(100 * u.ms)
    t, s = res.spikes(rec)
    t = t.to_decimal(u.ms)
    steps_ref = round(tref / dt)
    # analytic: start at E_L; first step whose end-of-step V >= V_th fires (stamp = end)
    expected = []
    start, v0 = 0.0, 0.0
    while True:
        tp = _first_passage(v0, I, vth - EL)
        stamp = start + math.ceil(tp / dt - 1e-9) * dt
        if stamp > 100 + 1e-9:
            break
        expected.append(stamp)
        # refractory steps hold V at reset, integration resumes after them
        start, v0 = stamp + steps_ref * dt, vreset - EL
    assert len(t) == len(expected) > 3
    np.testing.assert_allclose(t, expected, atol=1e-9)
    assert set(s.tolist()) == {int(n.global_ids[0])}


def test_spikes_during_refractoriness_are_discarded(x64):
    dt = 0.1
    sim, n, mm = _sim(dt, t_ref=5.0 * u.ms)
    sg = sim.create("spike_generator", params={"spike_times": [1.0, 2.0, 9.0] * u.ms})
    # first spike makes the neuron fire (jump 20 mV > 15 mV to threshold), second arrives
    # during the 5 ms refractory period and is lost, third arrives after it
    sim.connect(sg, n, weight=20.0 * u.mV, delay=1.0 * u.ms)
    rec = sim.create("spike_recorder")
    sim.connect(n, rec)
    res = sim.simulate(12 * u.ms)
    t, _ = res.spikes(rec)
    np.testing.assert_allclose(t.to_decimal(u.ms), [2.0, 10.0], atol=1e-9)
    v = res.events(mm)["V_m"].to_decimal(u.mV)
    assert np.all(v[19:70] == -70.0)  # held at V_reset for the 50 refractory steps


def test_v_min_bounds_the_membrane(x64):
    sim, n, mm = _sim(0.1, V_min=-75.0 * u.mV)
    sg = sim.create("spike_generator", params={"spike_times": [1.0] * u.ms})
    sim.connect(sg, n, weight=-20.0 * u.mV, delay=1.0 * u.ms)
    res = sim.simulate(5 * u.ms)
    v = res.events(mm)["V_m"].to_decimal(u.mV)
    assert v.min() == pytest.approx(-75.0)


def test_float32_default_tracks_float64():
    sim = sn.Simulator(dt=0.1 * u.ms, seed=0)
    n = sim.create("iaf_psc_delta", 1, params={"I_e": 300.0 * u.pA, "V_th": 1000.0 * u.mV})
    mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": 0.1 * u.ms})
    sim.connect(mm, n)
    ev = sim.simulate(50 * u.ms).events(mm)
    t = ev["times"].to_decimal(u.ms)
    np.testing.assert_allclose(ev["V_m"].to_decimal(u.mV), EL + 300 * R * (1 - np.exp(-t / TAU)),
                               rtol=1e-5)

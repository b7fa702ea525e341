"""iaf_psc_exp against closed-form solutions in float64 (relative error <= 1e-9)."""

import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

import sncore as sn
from sncore.neurons.iaf_psc_exp import psc_exp_p21

DTS = [0.1, 0.05, 0.025]
TAU, C, EL = 10.0, 250.0, -70.0


def _sim(dt, **params):
    sim = sn.Simulator(dt=dt * u.ms, seed=0, dtype=jnp.float64)
    n = sim.create("iaf_psc_exp", 1, params={"V_th": 1000.0 * u.mV, **params})
    mm = sim.create("multimeter", params={"record_from": ["V_m", "I_syn_ex", "I_syn_in"],
                                          "interval": dt * u.ms})
    sim.connect(mm, n)
    return sim, n, mm


def _psp(t, w, tau_s):
    """V - E_L after a current jump w (pA) at t = 0 decaying with tau_s."""
    tt = np.maximum(t, 0.0)
    out = w / C * TAU * tau_s / (TAU - tau_s) * (np.exp(-tt / TAU) - np.exp(-tt / tau_s))
    return np.where(t >= 0, out, 0.0)


@pytest.mark.parametrize("dt", DTS)
def test_psc_and_psp_of_excitatory_and_inhibitory_spikes(x64, dt):
    tau_ex, tau_in = 2.0, 5.0
    sim, n, mm = _sim(dt, tau_syn_ex=tau_ex * u.ms, tau_syn_in=tau_in * u.ms, I_e=50.0 * u.pA)
    sg = sim.create("spike_generator", params={"spike_times": [2.0, 6.0] * u.ms,
                                               "spike_weights": [1.0, -2.0]})
    w, d = 300.0, 1.0
    sim.connect(sg, n, weight=w * u.pA, delay=d * u.ms)
    ev = sim.simulate(40 * u.ms).events(mm)
    t = ev["times"].to_decimal(u.ms)
    v = ev["V_m"].to_decimal(u.mV)
    # currents jump at t_spike + delay (the end of the step that reads the spike) ...
    Iex = np.where(t >= 3.0 - 1e-9, w * np.exp(-(t - 3.0) / tau_ex), 0.0)
    Iin = np.where(t >= 7.0 - 1e-9, -2 * w * np.exp(-(t - 7.0) / tau_in), 0.0)
    np.testing.assert_allclose(ev["I_syn_ex"].to_decimal(u.pA), Iex, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(ev["I_syn_in"].to_decimal(u.pA), Iin, rtol=1e-9, atol=1e-9)
    # ... and V follows the exact PSP shape from there (superposed on the I_e response)
    expect = EL + 50.0 * TAU / C * (1 - np.exp(-t / TAU)) + _psp(t - 3.0, w, tau_ex) + \
        _psp(t - 7.0, -2 * w, tau_in)
    np.testing.assert_allclose(v, expect, rtol=1e-9)


def test_equal_time_constants_use_the_limit(x64):
    h, tau = 0.1, 10.0
    p = float(psc_exp_p21(jnp.float64(tau), jnp.float64(tau), jnp.float64(C), h))
    assert p == pytest.approx(h * np.exp(-h / tau) / C, rel=1e-12)
    near = float(psc_exp_p21(jnp.float64(tau * (1 + 1e-9)), jnp.float64(tau), jnp.float64(C), h))
    assert near == pytest.approx(p, rel=1e-8)


def test_receptor_argument_is_checked():
    sim = sn.Simulator()
    n = sim.create("iaf_psc_exp", 2)
    with pytest.raises(sn.SncoreError, match=r"'receptor' must be an integer in \[0, 1\) for iaf_psc_exp"):
        sim.connect(n, n, weight=1 * u.pA, receptor=1)
    with pytest.raises(sn.SncoreError, match="needs a quantity with the dimension of pA"):
        sim.connect(n, n, weight=1 * u.mV)


def test_psc_exp_network_runs_with_mixed_signs():
    sim = sn.Simulator(seed=3)
    e = sim.create("iaf_psc_exp", 80, params={"I_e": 450 * u.pA})  # 18 mV > 15 mV to threshold
    sim.connect(e, e, rule=sn.conn.fixed_indegree(10),
                weight=sn.conn.normal(0 * u.pA, 50 * u.pA), delay=1.5 * u.ms)
    pg = sim.create("poisson_generator", params={"rate": 2000 * u.Hz})
    sim.connect(pg, e, weight=-20 * u.pA)  # inhibitory drive lands on I_syn_in
    mm = sim.create("multimeter", params={"record_from": ["I_syn_ex", "I_syn_in"]})
    sim.connect(mm, e[:5])
    res = sim.simulate(100 * u.ms)
    ev = res.events(mm)
    assert np.all(ev["I_syn_in"].to_decimal(u.pA) <= 0) and np.all(ev["I_syn_ex"].to_decimal(u.pA) >= 0)
    assert ev["I_syn_in"].to_decimal(u.pA).min() < -50
    assert 0 < float(res.rate(e).to_decimal(u.Hz)) < 200

"""parrot_neuron, izhikevich, hh_psc_alpha, mat2_psc_exp, gif_cond_exp: behaviour that the
NEST trace protocol (tests/test_nest_reference.py) does not cover: spike relaying and
multiplicity, integrator error against fine-step float64 references, and parameter errors."""

import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

import sncore as sn
from sncore.units import SncoreError

# ----------------------------------------------------------------------------- parrot_neuron
SG_TIMES = [1.0, 3.0, 3.0, 5.5]  # two spikes at 3.0 ms: one parrot spike of multiplicity 2


def _parrot_net(w_in=0.3, d_in=1.2, via_parrot=True, T=10.0):
    sim = sn.Simulator(dt=0.1 * u.ms, seed=1, dtype=jnp.float64)
    sg = sim.create("spike_generator", params={"spike_times": SG_TIMES * u.ms})
    n = sim.create("iaf_psc_delta")
    rec = sim.create("spike_recorder")
    if via_parrot:
        p = sim.create("parrot_neuron")
        sim.connect(sg, p, weight=w_in, delay=d_in * u.ms)
        sim.connect(p, n, weight=2.0 * u.mV, delay=1.0 * u.ms)
        sim.connect(p, rec)
    else:  # the same network without the parrot: delays add up
        sim.connect(sg, n, weight=2.0 * u.mV, delay=(d_in + 1.0) * u.ms)
    mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": 0.1 * u.ms})
    sim.connect(mm, n)
    res = sim.simulate(T * u.ms)
    return res, rec, mm


def test_parrot_relays_train_shifted_by_delay_with_multiplicity(x64):
    res, rec, _ = _parrot_net()
    t, senders = res.spikes(rec)
    # NEST 3.10 (same network): times [2.2, 4.2, 4.2, 6.7], the double spike recorded twice
    np.testing.assert_allclose(t.to_decimal(u.ms), np.asarray(SG_TIMES) + 1.2, atol=1e-9)
    assert len(set(senders.tolist())) == 1
    assert int(res.counts["parrot_neuron"][0]) == 4


def test_parrot_to_iaf_psc_delta_gets_the_psps(x64):
    res, _, mm = _parrot_net()
    ev = res.events(mm)
    v = ev["V_m"].to_decimal(u.mV)
    t = ev["times"].to_decimal(u.ms)
    dv = np.diff(v)
    jumps = np.abs(dv) > 0.5
    # NEST 3.10 on the same network: jumps of V_m and their sample times
    np.testing.assert_allclose(t[1:][jumps], [3.2, 5.2, 7.7], atol=1e-9)
    np.testing.assert_allclose(dv[jumps], [2.0, 3.98354324, 1.95587515], atol=1e-7)
    # and identical to the network without the parrot (delays 1.2 + 1.0 ms in one connection)
    res2, _, mm2 = _parrot_net(via_parrot=False)
    np.testing.assert_allclose(v, res2.events(mm2)["V_m"].to_decimal(u.mV), atol=1e-12)


def test_parrot_ignores_incoming_weights(x64):
    a = _parrot_net(w_in=0.3)
    b = _parrot_net(w_in=-7.0)
    np.testing.assert_array_equal(a[0].spikes(a[1])[0].to_decimal(u.ms), b[0].spikes(b[1])[0].to_decimal(u.ms))
    np.testing.assert_array_equal(a[0].events(a[2])["V_m"].to_decimal(u.mV),
                                  b[0].events(b[2])["V_m"].to_decimal(u.mV))


def test_parrot_poisson_weights_ignored_and_receptor_1_not_repeated():
    out = []
    for w in (1.0, 3.5):
        sim = sn.Simulator(dt=0.1 * u.ms, seed=3)
        pg = sim.create("poisson_generator", params={"rate": 2000 * u.Hz})
        p = sim.create("parrot_neuron", 2)
        sim.connect(pg, p[0], weight=w)
        sim.connect(pg, p[1], weight=w, receptor=1)  # port 1: accepted, not repeated
        rec = sim.create("spike_recorder")
        sim.connect(p, rec)
        res = sim.simulate(50 * u.ms)
        out.append(res.counts["parrot_neuron"].copy())
        t, _ = res.spikes(rec)
        assert len(t) == out[-1].sum()  # multiplicities are recorded as repeated events
    np.testing.assert_array_equal(out[0], out[1])
    assert out[0][0] > 50 and out[0][1] == 0  # ~100 expected


def test_parrot_errors():
    sim = sn.Simulator(dt=0.1 * u.ms)
    p = sim.create("parrot_neuron")
    mm = sim.create("multimeter", params={"record_from": ["V_m"]})
    with pytest.raises(SncoreError, match="no state variables"):
        sim.connect(mm, p)
    dc = sim.create("dc_generator", params={"amplitude": 100 * u.pA})
    with pytest.raises(SncoreError, match="accepts no currents"):
        sim.connect(dc, p)
    with pytest.raises(SncoreError, match="no parameter"):
        sim.create("parrot_neuron", params={"V_th": 1 * u.mV})
    src = sim.create("parrot_neuron")
    sim.connect(src, p, synapse="stdp_synapse")
    with pytest.raises(SncoreError, match="receptor=1"):
        sim.simulate(1 * u.ms)

"""Simulator behaviour: reproducibility, continuation, chunking, devices with NEST timing."""

import brainunit as u
import numpy as np
import pytest
from scipy import stats

import sncore as sn
from sncore.zoo import brunel


def _spikes(order=20, seed=1, chunk=None, durations=(200,)):
    net = brunel(order=order, seed=seed, chunk=chunk)
    ts, ss = [], []
    for d in durations:
        t, s = net.sim.simulate(d * u.ms, progress=False).spikes(net.recorder)
        ts.append(t.to_decimal(u.ms))
        ss.append(s)
    return np.concatenate(ts), np.concatenate(ss)


def test_same_seed_same_spikes_other_seed_other_spikes():
    t1, s1 = _spikes(seed=4)
    t2, s2 = _spikes(seed=4)
    t3, s3 = _spikes(seed=5)
    assert len(t1) > 100
    np.testing.assert_array_equal(t1, t2)
    np.testing.assert_array_equal(s1, s2)
    assert len(t1) != len(t3) or not np.array_equal(s1, s3)


def test_continuation_and_chunking_do_not_change_the_run():
    t1, s1 = _spikes(durations=(200,))
    t2, s2 = _spikes(durations=(50, 100, 50))   # simulate() called three times
    t3, s3 = _spikes(chunk=128, durations=(200,))  # uneven chunks
    np.testing.assert_allclose(t1, t2, atol=1e-9)
    np.testing.assert_array_equal(s1, s2)
    np.testing.assert_allclose(t1, t3, atol=1e-9)
    np.testing.assert_array_equal(s1, s3)


def _free_neurons(n, **extra):
    sim = sn.Simulator(dt=0.1 * u.ms, seed=2)
    pop = sim.create("iaf_psc_delta", n, params={"V_th": 1e9 * u.mV, "tau_m": 1e9 * u.ms,
                                                  "E_L": 0 * u.mV}, init={"V_m": 0 * u.mV})
    return sim, pop


def test_poisson_generator_gives_independent_trains_with_nest_window():
    """With tau_m -> inf, V_m counts the delivered input: V = w * (number of events)."""
    sim, pop = _free_neurons(400)
    rate, w = 5000.0, 0.1
    pg = sim.create("poisson_generator", params={"rate": rate * u.Hz, "start": 10 * u.ms,
                                                 "stop": 60 * u.ms})
    sim.connect(pg, pop, weight=w * u.mV, delay=1.0 * u.ms)
    mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": 0.1 * u.ms})
    sim.connect(mm, pop)
    tr = sim.simulate(80 * u.ms).traces(mm)
    t = tr["times"].to_decimal(u.ms)
    V = tr["V_m"].to_decimal(u.mV)
    counts = np.rint(V / w)
    # NEST: drawn in steps s < k <= e (s = 100, e = 600), read one delay (10 steps) later
    assert np.all(counts[t <= 11.1 + 1e-9] == 0)
    assert np.all(counts[-1] == counts[t >= 61.1 - 1e-9][0])
    total = counts[-1]
    lam = rate * 1e-3 * 50.0  # expected events per target over 500 steps
    assert abs(total.mean() - lam) < 5 * np.sqrt(lam / len(total))
    # Poisson dispersion test: sum (x - mean)^2 / mean ~ chi2(n - 1)
    disp = ((total - total.mean()) ** 2).sum() / total.mean()
    p = stats.chi2.sf(disp, len(total) - 1)
    assert 1e-4 < p < 1 - 1e-4
    # independent trains: per-step increments of different targets are uncorrelated
    inc = np.diff(counts, axis=0)[110:600]
    c = np.corrcoef(inc.T)[np.triu_indices(400, 1)]
    assert abs(c.mean()) < 0.01


def test_dc_generator_onset_is_start_plus_delay_plus_dt():
    sim = sn.Simulator(dt=0.1 * u.ms, seed=0)
    n = sim.create("iaf_psc_delta", 1, params={"V_th": 1e9 * u.mV})
    dc = sim.create("dc_generator", params={"amplitude": 100 * u.pA, "start": 1.0 * u.ms,
                                            "stop": 3.0 * u.ms})
    sim.connect(dc, n, delay=1.0 * u.ms)
    mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": 0.1 * u.ms})
    sim.connect(mm, n)
    ev = sim.simulate(8 * u.ms).events(mm)
    t, v = ev["times"].to_decimal(u.ms), ev["V_m"].to_decimal(u.mV)
    moved = t[v != -70.0]
    assert moved[0] == pytest.approx(2.1)      # start + delay + dt (NEST 3.10)
    rise = np.diff(v) > 0
    last_rise = t[1:][rise][-1]
    assert last_rise == pytest.approx(4.0)     # stop + delay: current on for 20 steps


def test_spike_recorder_window_and_senders():
    sim = sn.Simulator(dt=0.1 * u.ms, seed=0)
    pop = sim.create("iaf_psc_delta", 3, params={"I_e": np.array([0, 400, 800]) * u.pA})
    rec = sim.create("spike_recorder", params={"start": 20 * u.ms, "stop": 60 * u.ms})
    sim.connect(pop[1:], rec)
    t, s = sim.simulate(100 * u.ms).spikes(rec)
    t = t.to_decimal(u.ms)
    assert t.min() > 20 and t.max() <= 60
    assert set(s.tolist()) == set(pop.global_ids[1:].tolist())
    assert np.all(np.diff(t) >= 0)


def test_multimeter_defaults_sample_every_ms_from_interval():
    sim = sn.Simulator(dt=0.1 * u.ms, seed=0)
    pop = sim.create("iaf_psc_delta", 2)
    mm = sim.create("multimeter", params={"record_from": ["V_m"]})
    sim.connect(mm, pop)
    ev = sim.simulate(10 * u.ms).events(mm)
    t = ev["times"].to_decimal(u.ms)
    np.testing.assert_allclose(t, np.repeat(np.arange(1, 11), 2), atol=1e-9)
    np.testing.assert_array_equal(ev["senders"], np.tile(pop.global_ids, 10))
    ev2 = sim.simulate(5 * u.ms).events(mm)   # continuation keeps the sampling grid
    np.testing.assert_allclose(ev2["times"].to_decimal(u.ms), np.repeat(np.arange(11, 16), 2))


def test_node_collections_slice_and_add():
    sim = sn.Simulator()
    a = sim.create("iaf_psc_delta", 10)
    b = sim.create("iaf_psc_delta", 5)
    assert len(a + b) == 15 and len(a[:3]) == 3 and len(a[2]) == 1
    np.testing.assert_array_equal((a[8:] + b[:2]).global_ids, [9, 10, 11, 12])
    with pytest.raises(sn.SncoreError, match="overlapping"):
        a + a[:2]


def test_rate_is_spikes_over_time_per_neuron():
    sim = sn.Simulator(dt=0.1 * u.ms, seed=0)
    pop = sim.create("iaf_psc_delta", 2, params={"I_e": 1000 * u.pA})
    rec = sim.create("spike_recorder")
    sim.connect(pop, rec)
    res = sim.simulate(500 * u.ms)
    t, s = res.spikes(rec)
    assert float(res.rate(pop).to_decimal(u.Hz)) == pytest.approx(len(t) / 2 / 0.5)


def test_get_and_set_like_nest():
    sim = sn.Simulator(dt=0.1 * u.ms, seed=0)
    a = sim.create("iaf_psc_delta", 4)
    b = sim.create("iaf_psc_exp", 2)
    np.testing.assert_allclose(a.get("tau_m").to_decimal(u.ms), 10.0)
    a[1:3].set(I_e=np.array([500.0, 600.0]) * u.pA, V_m=-60 * u.mV)
    np.testing.assert_allclose(a.get("I_e").to_decimal(u.pA), [0, 500, 600, 0])
    np.testing.assert_allclose(a.get("V_m").to_decimal(u.mV), [-70, -60, -60, -70])
    np.testing.assert_allclose((a + b).get("V_th").to_decimal(u.mV), -55.0)
    with pytest.raises(sn.SncoreError, match="'tau_m' must be finite and > 0"):
        a.set(tau_m=-1 * u.ms)
    with pytest.raises(sn.SncoreError, match="'V_reset' must be < V_th"):
        a.set(V_reset=-50 * u.mV)
    with pytest.raises(sn.SncoreError, match="no parameter or state 'foo'"):
        a.get("foo")
    sim.simulate(20 * u.ms)
    v = a.get("V_m").to_decimal(u.mV)
    assert v[0] == -70.0 and v[1] != -60.0   # the driven neurons moved
    with pytest.raises(sn.SncoreError, match="after simulate"):
        a.set(I_e=0 * u.pA)

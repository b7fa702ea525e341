"""Static model options through ``sim.create`` (surrogate, slope, substeps, reset): applied to
the compiled model, validated with clear errors, shared by every population of a model."""

import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

import sncore as sn


def _trace(x64_model_opts, T=40.0):
    sim = sn.Simulator(dt=0.1 * u.ms, seed=1, dtype=jnp.float64)
    n = sim.create("iaf_cond_exp", 1, params={"I_e": 500 * u.pA, **x64_model_opts})
    mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": 0.1 * u.ms})
    sim.connect(mm, n)
    res = sim.simulate(T * u.ms)
    return sim, np.asarray(res.events(mm)["V_m"].to_decimal(u.mV))


def test_substeps_reach_the_compiled_model(x64):
    sim2, v2 = _trace({})
    sim8, v8 = _trace({"n_sub": 8})
    assert sim2.params["models"]["iaf_cond_exp"].n_sub == 2
    assert sim8.params["models"]["iaf_cond_exp"].n_sub == 8
    diff = np.abs(v2 - v8)
    assert 0 < diff.max() < 1e-3  # a different integration, both inside NEST's band


def test_reset_and_surrogate_options_of_lif():
    out = {}
    for reset in ("subtract", "zero"):
        sim = sn.Simulator(dt=0.1 * u.ms, seed=1)
        n = sim.create("lif", 1, params={"I_e": 1.7, "reset": reset, "surrogate": "arctan", "slope": 5.0})
        mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": 0.1 * u.ms})
        sim.connect(mm, n)
        rec = sim.create("spike_recorder")
        sim.connect(n, rec)
        res = sim.simulate(50 * u.ms)
        m = sim.params["models"]["lif"]
        assert (m.reset, m.surrogate, m.slope) == (reset, "arctan", 5.0)
        t, _ = res.spikes(rec)
        ev = res.events(mm)
        v = np.asarray(ev["V_m"])
        ts = np.asarray(ev["times"].to_decimal(u.ms))
        at_spike = v[np.isin(np.round(ts, 6), np.round(np.asarray(t.to_decimal(u.ms)), 6))]
        assert len(at_spike) >= 2
        out[reset] = at_spike
    np.testing.assert_array_equal(out["zero"], 0.0)      # reset to zero in the spiking step
    assert np.all(out["subtract"] > 0.0)                  # the overshoot is kept


@pytest.mark.parametrize("opts,match", [
    ({"surrogate": "sigmoidd"}, r"lif option 'surrogate'='sigmoidd' is unknown; allowed: one of"),
    ({"slope": -1.0}, r"lif option 'slope' must be a finite number > 0, got -1.0"),
    ({"reset": "bogus"}, r"reset"),
])
def test_bad_options(opts, match):
    sim = sn.Simulator(dt=0.1 * u.ms)
    with pytest.raises(sn.SncoreError, match=match):
        sim.create("lif", 2, params=opts)
    assert sim.groups == []


def test_bad_substeps_and_conflicting_populations():
    sim = sn.Simulator(dt=0.1 * u.ms)
    for bad in (0, 2.5, True):
        with pytest.raises(sn.SncoreError, match=r"iaf_cond_exp option 'n_sub' must be an integer >= 1"):
            sim.create("iaf_cond_exp", 2, params={"n_sub": bad})
    sim.create("iaf_cond_exp", 2, params={"n_sub": 4})
    sim.create("iaf_cond_exp", 3, params={"n_sub": 4})  # the same options: fine
    with pytest.raises(sn.SncoreError, match=r"every population of a model shares its static options.*n_sub=2"):
        sim.create("iaf_cond_exp", 2)
    with pytest.raises(sn.SncoreError, match=r"allowed: .*and the options \['n_sub', 'slope', 'surrogate'\]"):
        sn.Simulator(dt=0.1 * u.ms).create("iaf_cond_exp", 2, params={"n_subs": 4})

"""Bad input: a clear error naming the parameter, the value given and what is allowed;
nothing is changed by a call that fails."""

import brainunit as u
import numpy as np
import pytest

import sncore as sn


@pytest.fixture
def sim():
    return sn.Simulator(dt=0.1 * u.ms, seed=1)


def test_bare_number_for_dimensional_parameter(sim):
    with pytest.raises(sn.SncoreError, match=r"'tau_m' needs a quantity in ms, got 20 .*bare number"):
        sim.create("iaf_psc_delta", 2, params={"tau_m": 20})


def test_wrong_dimension(sim):
    with pytest.raises(sn.SncoreError, match=r"'V_th' needs a quantity with the dimension of mV, got 20.* ms"):
        sim.create("iaf_psc_delta", 2, params={"V_th": 20 * u.ms})
    with pytest.raises(sn.SncoreError, match="'dt'"):
        sn.Simulator(dt=0.1)


def test_unknown_model_and_parameter(sim):
    with pytest.raises(sn.SncoreError, match=r"unknown model 'iaf_psc_deltaa'; allowed: .*'iaf_psc_delta'"):
        sim.create("iaf_psc_deltaa", 2)
    with pytest.raises(sn.SncoreError, match=r"has no parameter 'tau'; allowed: .*'tau_m'"):
        sim.create("iaf_psc_delta", 2, params={"tau": 20 * u.ms})
    with pytest.raises(sn.SncoreError, match=r"has no parameter 'rte'; allowed: .*'rate'"):
        sim.create("poisson_generator", params={"rte": 20 * u.Hz})


@pytest.mark.parametrize("name,value", [("tau_m", 0 * u.ms), ("tau_m", -5 * u.ms),
                                        ("C_m", 0 * u.pF), ("C_m", -1 * u.pF)])
def test_nonpositive_tau_m_and_C_m(sim, name, value):
    with pytest.raises(sn.SncoreError, match=rf"'{name}' must be finite and > 0 .*got -?[0-9.]+"):
        sim.create("iaf_psc_delta", 2, params={name: value})


def test_reset_above_threshold(sim):
    with pytest.raises(sn.SncoreError, match="'V_reset' must be < V_th"):
        sim.create("iaf_psc_delta", 1, params={"V_reset": -50 * u.mV})


def test_delay_below_dt(sim):
    a = sim.create("iaf_psc_delta", 5)
    with pytest.raises(sn.SncoreError, match=r"'delay' must be >= dt = 0.1 ms.*got 0.05"):
        sim.connect(a, a, delay=0.05 * u.ms)
    assert sim.connections == []


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_weight(sim, bad):
    a = sim.create("iaf_psc_delta", 5)
    with pytest.raises(sn.SncoreError, match=r"'weight' must be finite, got"):
        sim.connect(a, a, weight=bad * u.mV)
    w = np.ones(25)
    w[3] = bad
    with pytest.raises(sn.SncoreError, match="'weight' must be finite"):
        sim.connect(a, a, weight=w * u.mV)


def test_recorders_wrong_way_round(sim):
    a = sim.create("iaf_psc_delta", 5)
    rec = sim.create("spike_recorder")
    mm = sim.create("multimeter", params={"record_from": ["V_m"]})
    with pytest.raises(sn.SncoreError, match=r"wrong way round.*sim.connect\(neurons, recorder\)"):
        sim.connect(rec, a)
    with pytest.raises(sn.SncoreError, match=r"wrong way round.*sim.connect\(multimeter, neurons\)"):
        sim.connect(a, mm)
    with pytest.raises(sn.SncoreError, match="record_from contains 'g_ex'.*allowed"):
        mm2 = sim.create("multimeter", params={"record_from": ["g_ex"]})
        sim.connect(mm2, a)


def test_indegree_larger_than_sources_without_multapses(sim):
    a = sim.create("iaf_psc_delta", 10)
    b = sim.create("iaf_psc_delta", 10)
    with pytest.raises(sn.SncoreError, match=r"indegree=11 is larger than the 10 available sources.*allow_multapses=True"):
        sim.connect(a, b, rule=sn.conn.fixed_indegree(11), allow_multapses=False)
    sim.connect(a, b, rule=sn.conn.fixed_indegree(11))  # fine with multapses


def test_negative_or_offgrid_duration(sim):
    sim.create("iaf_psc_delta", 1)
    with pytest.raises(sn.SncoreError, match=r"'duration' must be finite and >= 0 ms, got -5"):
        sim.simulate(-5 * u.ms)
    with pytest.raises(sn.SncoreError, match=r"'duration' must be a multiple of dt = 0.1 ms, got 1.05"):
        sim.simulate(1.05 * u.ms)
    with pytest.raises(sn.SncoreError, match="'duration' needs a quantity in ms"):
        sim.simulate(100)


def test_spike_generator_bad_times(sim):
    with pytest.raises(sn.SncoreError, match="not a multiple of dt"):
        sim.create("spike_generator", params={"spike_times": [1.04] * u.ms})
    with pytest.raises(sn.SncoreError, match="sorted"):
        sim.create("spike_generator", params={"spike_times": [2.0, 1.0] * u.ms})
    with pytest.raises(sn.SncoreError, match="must be > 0 ms"):
        sim.create("spike_generator", params={"spike_times": [0.0] * u.ms})
    sg = sim.create("spike_generator", params={"spike_times": [1.04] * u.ms,
                                               "allow_offgrid_times": True})
    assert sg.groups[0].extra["trains"][0][0].tolist() == [10]  # moved up to 1.1 ms


def test_network_is_frozen_after_simulate(sim):
    sim.create("iaf_psc_delta", 2)
    sim.simulate(1 * u.ms)
    with pytest.raises(sn.SncoreError, match="cannot be changed after simulate"):
        sim.create("iaf_psc_delta", 2)


def test_float64_needs_x64():
    import jax

    if jax.config.jax_enable_x64:
        pytest.skip("x64 already enabled")
    with pytest.raises(sn.SncoreError, match="jax_enable_x64"):
        sn.Simulator(dtype="float64")

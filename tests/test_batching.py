"""Parameter sweeps through sim.compile(): neuron parameters and Poisson rates vmapped with one
compilation, spike for spike equal to separate Simulators built with each value."""

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import sncore as sn
from sncore.network.batch import poisson_thresholds
from sncore.random import poisson_table
from sncore.units import SncoreError

T = 30.0


def _net(tau_m=20.0, rate=8000.0, seed=3):
    sim = sn.Simulator(dt=0.1 * u.ms, seed=seed)
    pop = sim.create("iaf_psc_exp", 12, params={"tau_m": tau_m * u.ms, "I_e": 150.0 * u.pA})
    pg = sim.create("poisson_generator", params={"rate": rate * u.Hz})
    sim.connect(pg, pop, weight=70.0 * u.pA, delay=0.5 * u.ms)
    sim.connect(pop, pop, rule=sn.conn.fixed_indegree(3), weight=30.0 * u.pA,
                delay=sn.conn.uniform(0.5 * u.ms, 2.0 * u.ms), path="event")
    rec = sim.create("spike_recorder")
    sim.connect(pop, rec)
    return sim, pop, pg, rec


def _steps_from_packed(packed, n):
    bits = np.unpackbits(np.asarray(packed), axis=-1, count=n)
    return np.nonzero(bits)   # (step, neuron) pairs


@pytest.fixture(scope="module")
def compiled():
    sim, pop, pg, _ = _net()
    run = sim.compile(T * u.ms, max_rate=16000 * u.Hz)
    traces = []

    def counted(params, state, key):   # a Python side effect runs once per trace (compilation)
        traces.append(1)
        return run(params, state, key)

    return sim, pop, pg, run, counted, traces


def test_compile_params_reproduce_simulate(compiled):
    _sim, _pop, _pg, run, _, _ = compiled
    _, out = jax.jit(run)(run.params, run.state, jnp.array([3, 0], jnp.uint32))
    ref_sim, _, _, _rec = _net()
    res = ref_sim.simulate(T * u.ms)
    np.testing.assert_array_equal(np.asarray(out["counts"]["iaf_psc_exp"]), res.counts["iaf_psc_exp"])


def test_sweeps_of_rates_and_tau_m_compile_once_and_match_separate_runs(compiled):
    _sim, pop, pg, run, counted, traces = compiled
    key = jnp.array([3, 0], jnp.uint32)
    f = None
    for sweep in ([(5000.0, 10.0), (12000.0, 20.0)], [(8000.0, 30.0), (16000.0, 15.0)]):
        ps = [sn.set_param(sn.set_param(run.params, pg, "rate", r * u.Hz), pop, "tau_m", t * u.ms)
              for r, t in sweep]
        batch, axes = sn.batch_params(ps)
        if f is None:
            f = jax.jit(jax.vmap(counted, in_axes=(axes, None, None)))
        _, out = f(batch, run.state, key)
        for b, (r, t) in enumerate(sweep):
            s2, _, _, rec = _net(tau_m=t, rate=r)
            res = s2.simulate(T * u.ms)
            steps, j = _steps_from_packed(out["spk"]["iaf_psc_exp"][b], 12)
            times, senders = res.spikes(rec)
            assert len(times) > 20
            np.testing.assert_array_equal((steps + 1) * 0.1, np.asarray(times.to_decimal(u.ms)))
            np.testing.assert_array_equal(j + 1, senders)
            np.testing.assert_array_equal(np.asarray(out["counts"]["iaf_psc_exp"][b]), res.counts["iaf_psc_exp"])
    assert len(traces) == 1 and f._cache_size() == 1


def test_traced_tau_m_and_i_e_vmap_directly(compiled):
    _sim, pop, pg, run, _, _ = compiled
    key = jnp.array([3, 0], jnp.uint32)

    def counts(tau, i_e):   # plain traced values in canonical units (ms, pA)
        p = sn.set_param(sn.set_param(run.params, pop, "tau_m", tau), pop[:6], "I_e", i_e)
        return run(p, run.state, key)[1]["counts"]["iaf_psc_exp"]

    taus, ies = jnp.array([10.0, 25.0]), jnp.array([0.0, 300.0])
    c = np.asarray(jax.jit(jax.vmap(counts))(taus, ies))
    for b in range(2):
        ref, pop2, _pg2, _ = _net(tau_m=float(taus[b]))
        run2 = ref.compile(T * u.ms, max_rate=16000 * u.Hz)
        p2 = sn.set_param(run2.params, pop2[:6], "I_e", float(ies[b]) * u.pA)
        np.testing.assert_array_equal(c[b], np.asarray(jax.jit(run2)(p2, run2.state, key)[1]["counts"]["iaf_psc_exp"]))
    np.testing.assert_array_equal(np.asarray(sn.get_param(run.params, pop[4:8], "I_e")), [150.0] * 4)

    def total(rate):   # a traced rate: tables built in the graph
        return run(sn.set_param(run.params, pg, "rate", rate), run.state, key)[1]["counts"]["iaf_psc_exp"].sum()

    lo, hi = np.asarray(jax.jit(jax.vmap(total))(jnp.array([1000.0, 16000.0])))
    assert lo < hi


def test_traced_rate_tables_match_host_tables_and_poisson_mean():
    """In-graph float32 tables (traced rates) against the float64 host tables."""
    for lam in (0.0, 0.05, 0.8, 3.0, 20.0):
        host = poisson_table(lam).astype(np.int64)
        thr, n = poisson_thresholds(jnp.float32(lam), 64)
        thr, n = np.asarray(thr, np.int64), int(n)
        assert n <= len(host)
        # entries left out carry less than 2 / 2^32 of probability mass each
        assert np.all(host[n:] >= 2**32 - 2)
        # float32 CDF: a few ulp (2^-24) per term, times 2^32
        assert np.max(np.abs(thr[:n] - host[:n]), initial=0) <= 256 * (1 + lam)
        # E[count] = sum_j P(X > j) = lam
        mean = np.sum(1 - thr[:n] / 2**32)
        assert abs(mean - lam) <= 1e-6 * max(lam, 1.0)


def test_set_param_errors(compiled):
    sim, pop, pg, run, _, _ = compiled
    with pytest.raises(SncoreError, match="no parameter 'tau_x'"):
        sn.set_param(run.params, pop, "tau_x", 1.0)
    with pytest.raises(SncoreError, match="max_rate"):
        sn.set_param(run.params, pg, "rate", 50000 * u.Hz)
    with pytest.raises(SncoreError, match="tau_m"):
        sn.set_param(run.params, pop, "tau_m", -1.0 * u.ms)
    with pytest.raises(SncoreError, match="ms"):
        sn.set_param(run.params, pop, "tau_m", 1.0 * u.mV)
    with pytest.raises(SncoreError, match="compile"):
        sn.set_param(sim.params, pg, "rate", 10.0 * u.Hz)

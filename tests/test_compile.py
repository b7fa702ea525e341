"""sim.compile(): a pure function of (params, state, key) — jit, vmap over keys and
parameters, gradients in the weights — that reproduces simulate()."""

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np

import sncore as sn
from sncore.zoo import brunel


def test_compiled_run_equals_simulate_and_vmaps_over_keys():
    net = brunel(order=10, seed=3)
    run = net.sim.compile(100 * u.ms)
    key = jnp.array([3, 0], jnp.uint32)   # the Simulator's own key for seed 3
    _, out = jax.jit(run)(run.params, run.state, key)
    res = net.sim.simulate(100 * u.ms, progress=False)
    np.testing.assert_array_equal(np.asarray(out["counts"]["iaf_psc_delta"]),
                                  res.counts["iaf_psc_delta"])
    keys = jnp.array([[3, 0], [4, 0], [5, 0]], jnp.uint32)
    _, outs = jax.jit(jax.vmap(run, in_axes=(None, None, 0)))(run.params, run.state, keys)
    c = np.asarray(outs["counts"]["iaf_psc_delta"])
    np.testing.assert_array_equal(c[0], res.counts["iaf_psc_delta"])
    assert not np.array_equal(c[1], c[2])


def test_vmap_over_drive_weight_and_exact_gradient():
    net = brunel(order=10, seed=1, n_record=0)
    run = net.sim.compile(50 * u.ms)
    key = jnp.array([1, 0], jnp.uint32)

    def counts(w):
        p = dict(run.params, drive_w=[run.params["drive_w"][0] * w])
        return run(p, run.state, key)[1]["counts"]["iaf_psc_delta"].sum()

    c = jax.jit(jax.vmap(counts))(jnp.array([0.5, 1.0, 1.5]))
    assert c[0] < c[1] < c[2]   # more drive, more spikes

    # below threshold V_m is linear in the drive weight (E_L = V_m(0) = 0): dV/dw = V/w
    sim = sn.Simulator(dt=0.1 * u.ms, seed=2)
    pop = sim.create("iaf_psc_delta", 20, params={"E_L": 0 * u.mV, "V_reset": 0 * u.mV,
                                                  "V_th": 1e6 * u.mV}, init={"V_m": 0 * u.mV})
    pg = sim.create("poisson_generator", params={"rate": 10000 * u.Hz})
    sim.connect(pg, pop, weight=0.2 * u.mV)
    free = sim.compile(20 * u.ms)

    def mean_v(w):
        p = dict(free.params, drive_w=[free.params["drive_w"][0] * w])
        return free(p, free.state, jnp.array([2, 0], jnp.uint32))[0]["neurons"]["iaf_psc_delta"].V_m.mean()

    v, g = jax.value_and_grad(mean_v)(1.0)
    assert v > 1.0
    np.testing.assert_allclose(g, v, rtol=1e-5)

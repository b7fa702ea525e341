"""Gradients through ``sim.compile()`` of a scripted NEST-like network (delays, sparse
fixed_indegree connectivity, Poisson drive, two iaf_psc_exp populations).

* Fitting: the two populations' ``I_e`` are trained with optax adam so that their rates
  (surrogate spike counts, read from integrator "counter" neurons) hit targets.
* Exactness: in float64, with the surrogate switched off (spikes are constants for the
  backward pass), the gradient of a smooth function of the final state w.r.t. the synaptic
  weights equals central finite differences while no spike time moves.
"""

import dataclasses

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import optax

import sncore as sn

T_MS = 200.0
N_E, N_I = 40, 10


def counters(sim, pops):
    """One integrator neuron per population (no leak within float precision, never fires):
    its V_m at the end is the population's mean spike count, and the counts reach it as the
    spikes' values, so their surrogate gradients flow into it."""
    cnt = sim.create("iaf_psc_delta", len(pops), params={"tau_m": 1e9 * u.ms, "V_th": 1e9 * u.mV,
                                                         "E_L": 0 * u.mV, "V_reset": 0 * u.mV},
                     init={"V_m": 0 * u.mV})
    for i, p in enumerate(pops):
        sim.connect(p, cnt[i:i + 1], weight=1.0 / len(p) * u.mV, delay=sim.dt * u.ms)
    return cnt


def with_surrogate(params, model, surrogate, slope=None):
    """``params`` of a compiled run with another surrogate (static fields: a new program)."""
    m = params["models"][model]
    new = dataclasses.replace(m, surrogate=surrogate, slope=m.slope if slope is None else slope)
    return dict(params, models=dict(params["models"], **{model: new}))


def scaled_fast_sigmoid(height):
    # the height sets the loop gain of the backward pass through recurrent connections:
    # at dt = 0.1 ms the surrogate is summed over ~10x more steps than at 1 ms
    return lambda x, b: height / (1.0 + b * jnp.abs(x)) ** 2


def ei_network(seed=4):
    sim = sn.Simulator(dt=0.1 * u.ms, seed=seed)
    E = sim.create("iaf_psc_exp", N_E)
    I = sim.create("iaf_psc_exp", N_I)
    pg = sim.create("poisson_generator", params={"rate": 4000 * u.Hz})
    sim.connect(pg, E + I, weight=20.0 * u.pA, delay=0.1 * u.ms)
    sim.connect(E, E + I, rule=sn.conn.fixed_indegree(8), weight=30.0 * u.pA, delay=1.5 * u.ms)
    sim.connect(I, E + I, rule=sn.conn.fixed_indegree(3), weight=-60.0 * u.pA, delay=0.8 * u.ms)
    cnt = counters(sim, [E, I])
    return sim, E, I, cnt


def test_fit_population_rates_through_compiled_network():
    sim, E, I, _ = ei_network()
    run = sim.compile(T_MS * u.ms)
    params = with_surrogate(run.params, "iaf_psc_exp", scaled_fast_sigmoid(0.1), slope=5.0)
    keys = jnp.array([[4 + i, 0] for i in range(4)], jnp.uint32)   # 4 trials, vmapped
    target = jnp.array([12.0, 25.0])   # Hz

    def rates(theta):   # I_e = 100 pA x theta per population
        p = sn.set_param(params, E, "I_e", 100.0 * theta[0])
        p = sn.set_param(p, I, "I_e", 100.0 * theta[1])
        st, out = jax.vmap(run, in_axes=(None, None, 0))(p, run.state, keys)
        surrogate = st["neurons"]["iaf_psc_delta"].V_m.mean(0) / (T_MS * 1e-3)
        c = out["counts"]["iaf_psc_exp"]
        exact = jnp.stack([c[:, :N_E].mean(), c[:, N_E:].mean()]) / (T_MS * 1e-3)
        return surrogate, exact

    def loss(theta):
        r, exact = rates(theta)
        return jnp.sum(((r - target) / target) ** 2), exact

    step_fn = jax.jit(jax.value_and_grad(loss, has_aux=True))
    theta = jnp.array([1.5, 1.5])
    opt = optax.adam(optax.cosine_decay_schedule(0.05, 50, alpha=0.05))
    state = opt.init(theta)
    losses = []
    for _ in range(50):
        (val, exact), g = step_fn(theta)
        assert np.all(np.isfinite(np.asarray(g)))
        losses.append(float(val))
        upd, state = opt.update(g, state)
        theta = optax.apply_updates(theta, upd)
    (final, exact), _ = step_fn(theta)
    # the counter neurons count exactly what the simulator counts (spikes of the last step aside)
    r, _ = jax.jit(rates)(theta)
    np.testing.assert_allclose(np.asarray(r), np.asarray(exact), atol=1.0 / (4 * N_I * T_MS * 1e-3) + 1e-4)
    assert losses[0] > 0.3
    assert float(final) < losses[0] / 20
    # surrogate gradients are biased: descent settles near, not at, the target (measured:
    # 12.7 and 23.9 Hz for targets 12 and 25 Hz); the stated tolerance is 10 %
    np.testing.assert_allclose(np.asarray(exact), np.asarray(target), rtol=0.1)


def _tiny(dtype):
    sim = sn.Simulator(dt=0.1 * u.ms, seed=1, dtype=dtype)
    pop = sim.create("iaf_psc_exp", 6, params={"I_e": np.linspace(380.0, 460.0, 6) * u.pA,
                                                "tau_syn_in": 3.0 * u.ms})
    sim.connect(pop, pop, rule=sn.conn.fixed_indegree(3), weight=np.array([40., -25., 60.] * 6) * u.pA,
                delay=np.array([0.3, 1.2, 2.5] * 6) * u.ms, allow_autapses=False)
    return sim, pop


def test_weight_gradient_equals_finite_differences_float64(x64):
    sim, _pop = _tiny(jnp.float64)
    run = sim.compile(60 * u.ms)
    zero = lambda x, b: jnp.zeros_like(x)   # spikes are constants for the backward pass
    params = with_surrogate(run.params, "iaf_psc_exp", zero)
    key = jnp.array([1, 0], jnp.uint32)
    leaves, treedef = jax.tree_util.tree_flatten(params["proj"])
    is_w = [jnp.issubdtype(jnp.asarray(x).dtype, jnp.floating) for x in leaves]
    assert any(is_w)

    def f(scale):   # scale multiplies every recurrent weight: smooth in scale while no spike moves
        new = [x * scale if w else x for x, w in zip(leaves, is_w)]
        st, out = run(dict(params, proj=jax.tree_util.tree_unflatten(treedef, new)), run.state, key)
        n = st["neurons"]["iaf_psc_exp"]
        return jnp.sum(n.V_m) + 0.01 * jnp.sum(n.I_syn_ex - n.I_syn_in), out["counts"]["iaf_psc_exp"]

    (_v, counts), g = jax.jit(jax.value_and_grad(f, has_aux=True))(1.0)
    assert counts.sum() > 10                   # spikes do travel through the delays
    eps = 1e-6
    fj = jax.jit(f)
    (vp, cp), (vm, cm) = fj(1.0 + eps), fj(1.0 - eps)
    np.testing.assert_array_equal(np.asarray(cp), np.asarray(counts))
    np.testing.assert_array_equal(np.asarray(cm), np.asarray(counts))
    fd = (vp - vm) / (2 * eps)
    assert abs(float(g)) > 0.1
    np.testing.assert_allclose(float(g), float(fd), rtol=1e-6)


def test_tau_m_gradient_subthreshold_equals_finite_differences_float64(x64):
    """No spike reached: V_m is a smooth function of tau_m; the surrogate (default) plays no
    role because no recurrent connection exists, so the gradient is exact."""
    sim = sn.Simulator(dt=0.1 * u.ms, seed=1, dtype=jnp.float64)
    pop = sim.create("iaf_psc_exp", 3, params={"I_e": 200.0 * u.pA})
    pg = sim.create("poisson_generator", params={"rate": 2000 * u.Hz})
    sim.connect(pg, pop, weight=np.array([10.0, -15.0, 20.0]) * u.pA, delay=np.array([0.5, 1.0, 2.0]) * u.ms)
    run = sim.compile(30 * u.ms)
    key = jnp.array([1, 0], jnp.uint32)

    def f(tau):
        st, out = run(sn.set_param(run.params, pop, "tau_m", tau), run.state, key)
        return jnp.sum(st["neurons"]["iaf_psc_exp"].V_m), out["counts"]["iaf_psc_exp"]

    (_v, c), g = jax.jit(jax.value_and_grad(f, has_aux=True))(12.0)
    assert int(c.sum()) == 0
    eps = 1e-5
    fj = jax.jit(f)
    fd = (fj(12.0 + eps)[0] - fj(12.0 - eps)[0]) / (2 * eps)
    assert abs(float(g)) > 0.1
    np.testing.assert_allclose(float(g), float(fd), rtol=1e-7)

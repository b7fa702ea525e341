"""Shared conformance checks for every registered neuron model, and the spike function."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sncore.neurons import MODELS, SURROGATES, Input, spike_fn, vmap_step


def _population(cls, n=7):
    fields = {k: jnp.full((n,), p.default, jnp.float32) for k, p in cls.PARAMS.items()}
    model = cls(**fields)
    state = jax.vmap(lambda m: m.init(0.1), axis_size=n)(model)
    R = len(cls.RECEPTORS)
    rng = np.random.default_rng(0)
    inp = Input(syn=jnp.asarray(rng.normal(0, 5, (n, R)), jnp.float32),
                current=jnp.asarray(rng.normal(0, 300, n), jnp.float32),
                u=jnp.asarray(rng.uniform(size=n), jnp.float32) if cls.RANDOM else None)
    return model, state, inp


@pytest.mark.parametrize("name", sorted(MODELS))
def test_jit_equals_eager_and_vmap_equals_loop(name):
    cls = MODELS[name]
    model, state, inp = _population(cls)
    eager = vmap_step(model, state, inp, 0.1)
    jitted = jax.jit(vmap_step, static_argnums=3)(model, state, inp, 0.1)
    for a, b in zip(jax.tree.leaves(eager), jax.tree.leaves(jitted)):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    for i in range(3):  # single neuron == row i of the population
        one = jax.tree.map(lambda x: x[i], (model, state, inp))
        st, sp = one[0].step(one[1], one[2], 0.1)
        np.testing.assert_allclose(sp, eager[1][i])
        for a, b in zip(jax.tree.leaves(st), jax.tree.leaves(eager[0])):
            np.testing.assert_allclose(a, b[i], rtol=1e-6)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_dtype_preserved_and_gradients_finite(name):
    cls = MODELS[name]
    model, state, inp = _population(cls)
    st, sp = vmap_step(model, state, inp, 0.1)
    # parrot_neuron is the one model without a membrane (no V_m, no state at all): its
    # spikes alone carry the dtype and the gradient (the identity of the spike count)
    has_v = "V_m" in cls.STATES
    assert sp.dtype == jnp.float32 and (not has_v or st.V_m.dtype == jnp.float32)
    assert all(x.dtype in (jnp.float32, jnp.int32) for x in jax.tree.leaves(st))

    def loss(syn):
        def body(carry, _):
            s, total = carry
            s, spk = vmap_step(model, s, inp._replace(syn=syn), 0.1)
            return (s, total + spk.sum() + (1e-3 * s.V_m.sum() if has_v else 0.0)), None

        return jax.lax.scan(body, (state, jnp.float32(0.0)), None, length=5)[0][1]

    g = jax.jit(jax.grad(loss))(inp.syn * 4.0)
    assert np.all(np.isfinite(np.asarray(g))) and np.any(np.asarray(g) != 0)


@pytest.mark.parametrize("name", sorted(SURROGATES))
def test_surrogate_gradient_equals_its_definition(name):
    x = jnp.linspace(-2, 2, 41)
    g = jax.vmap(jax.grad(lambda v: spike_fn(v, name, 2.0)))(x)
    np.testing.assert_allclose(g, SURROGATES[name](x, 2.0), rtol=1e-6)
    np.testing.assert_array_equal(spike_fn(x, name, 2.0), (x >= 0).astype(jnp.float32))


def test_fast_sigmoid_is_derivative_of_smooth_function():
    """SuperSpike's surrogate 1/(1 + beta|x|)^2 is the derivative of x / (1 + beta|x|):
    compare with finite differences of that smooth function."""
    beta = 3.0
    smooth = lambda v: v / (1 + beta * np.abs(v))
    x = np.linspace(-1.5, 1.5, 12)  # avoids the kink at 0, where differences are O(beta h)
    h = 1e-3
    fd = (smooth(x + h) - smooth(x - h)) / (2 * h)
    g = jax.vmap(jax.grad(lambda v: spike_fn(v, "fast_sigmoid", beta)))(jnp.asarray(x, jnp.float32))
    np.testing.assert_allclose(np.asarray(g), fd, rtol=2e-3)

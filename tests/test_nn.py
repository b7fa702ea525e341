"""sncore.nn: surrogates vs finite differences of their primitives, layers vs a Python loop over
the neuron step (exact) and numpy oracles (delays, readout, threshold scaling), layout errors,
checkpointed BPTT (equal gradients, less memory), encoders' statistics, losses vs numpy, and a
tiny end-to-end optax training run."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import sncore.nn as snn
from sncore.neurons import Input, vmap_init, vmap_step
from sncore.neurons._spike import SURROGATES
from sncore.nn import loss as L
from sncore.units import SncoreError


def _spikes(key, shape, p=0.3, dtype=jnp.float64):
    return (jax.random.uniform(key, shape) < p).astype(dtype)


# ---------------------------------------------------------------- surrogates
# primitives F with F' = surrogate, derived by hand (module docstring of _spike.py)
PRIMITIVES = {
    "fast_sigmoid": lambda x, b: x / (1 + b * np.abs(x)),
    "arctan": lambda x, b: 2 / (np.pi * b) * np.arctan(np.pi / 2 * b * x),
    "triangle": lambda x, b: np.where(np.abs(x) < 1 / b, x - b * x * np.abs(x) / 2, np.sign(x) / (2 * b)),
    "straight_through": lambda x, b: x,
}


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
@pytest.mark.parametrize("beta", [0.7, 3.0])
def test_surrogate_is_the_derivative_of_its_primitive(x64, name, beta):
    x = np.linspace(-2.1, 2.1, 37)
    # away from the kinks of F' (triangle at |x| = 1/beta) and of F'' (at 0), where central
    # differences carry an O(beta h) error
    x = x[(np.abs(np.abs(x) - 1 / beta) > 1e-3) & (np.abs(x) > 1e-3)]
    h = 1e-6
    fd = (PRIMITIVES[name](x + h, beta) - PRIMITIVES[name](x - h, beta)) / (2 * h)
    g = jax.vmap(jax.grad(lambda v: snn.spike_fn(v, name, beta)))(jnp.asarray(x))
    np.testing.assert_allclose(np.asarray(g), fd, rtol=1e-7, atol=1e-8)
    if name == "straight_through":
        np.testing.assert_array_equal(np.asarray(g), 1.0)


@pytest.fixture
def gauss():
    fn = snn.register_surrogate("test_gauss", lambda x, b: jnp.exp(-(b * x) ** 2))
    yield fn
    del SURROGATES["test_gauss"]


def test_user_surrogate_by_callable_and_by_name_under_jit_grad_vmap(gauss):
    x = jnp.linspace(-1.5, 1.5, 11)
    want = np.exp(-(2.0 * np.asarray(x)) ** 2)
    for s in (gauss, "test_gauss"):
        g = jax.jit(jax.vmap(jax.grad(lambda v, s=s: snn.spike_fn(v, s, 2.0))))(x)
        np.testing.assert_allclose(np.asarray(g), want, rtol=1e-6)
        np.testing.assert_array_equal(jax.jit(lambda v, s=s: snn.spike_fn(v, s, 2.0))(x), (x >= 0).astype(float))
    # in a layer: a neuron whose surrogate is the callable trains (nonzero gradient)
    lay = snn.SpikingDense(3, 2, "lif", {"surrogate": gauss, "slope": 0.5}, weight_scale=3.0, key=jax.random.key(1))
    xs = _spikes(jax.random.key(2), (12, 2, 3), dtype=jnp.float32)
    g = eqx.filter_grad(lambda m: m(xs).sum())(lay)
    assert np.all(np.isfinite(g.weight)) and np.any(g.weight != 0)


def test_register_surrogate_and_layer_construction_errors(gauss):
    with pytest.raises(SncoreError, match="already registered"):
        snn.register_surrogate("test_gauss", gauss)
    with pytest.raises(SncoreError, match="built-in"):
        snn.register_surrogate("arctan", gauss, overwrite=True)
    with pytest.raises(SncoreError, match="callable"):
        snn.register_surrogate("x", 3.0)
    with pytest.raises(SncoreError, match=r"'sigmoidd'.*allowed.*fast_sigmoid.*test_gauss"):
        snn.SpikingDense(3, 2, "lif", {"surrogate": "sigmoidd"}, key=jax.random.key(0))


# ---------------------------------------------------------------- layers vs a loop over the neuron step
def _loop_reference(model, currents_fn, T, B, out, dt=1.0, recurrent=None):
    """Python loop over time and batch calling the population step ``vmap_step`` of ``model``
    (jit-compiled once, so the loop stays fast)."""
    states = [vmap_init(model, out, dt) for _ in range(B)]
    step = eqx.filter_jit(vmap_step)
    prev = np.zeros((B, out))
    spikes = np.zeros((T, B, out))
    for t in range(T):
        for b in range(B):
            i_t = currents_fn(t, b)
            if recurrent is not None:
                i_t = i_t + recurrent @ prev[b]
            states[b], s = step(model, states[b], Input(syn=jnp.asarray(i_t)[:, None],
                                                             current=jnp.zeros(out)), dt)
            spikes[t, b] = np.asarray(s)
        prev = spikes[t].copy()
    return spikes


@pytest.mark.parametrize("neuron", ["lif", "alif", "cuba_lif"])
def test_dense_equals_a_loop_over_the_neuron_step(x64, neuron):
    T, B, n_in, out = 15, 2, 4, 3
    params = {"cuba_lif": {"tau_syn": 3.0, "v_th": 0.5}, "alif": {"tau_adapt": 30.0}, "lif": {"reset": "zero"}}[neuron]
    lay = snn.SpikingDense(n_in, out, neuron, params, weight_scale=4.0, dt=0.5, dtype=jnp.float64,
                           key=jax.random.key(3))
    x = _spikes(jax.random.key(4), (T, B, n_in))
    W = np.asarray(lay.weight)
    ref = _loop_reference(lay.neurons.model, lambda t, b: W @ np.asarray(x[t, b]), T, B, out, dt=0.5)
    got = np.asarray(lay(x))
    assert ref.sum() > 3
    np.testing.assert_array_equal(got, ref)
    if neuron == "alif":                           # the checkpointed scans give the same spikes
        for ck in ("step", 4):
            np.testing.assert_array_equal(np.asarray(lay(x, checkpoint=ck)), ref)


def test_recurrent_equals_a_loop_over_the_neuron_step(x64):
    T, B, n_in, out = 15, 2, 3, 4
    lay = snn.SpikingRecurrent(n_in, out, "alif", weight_scale=4.0, recurrent_scale=3.0, dtype=jnp.float64,
                               key=jax.random.key(5))
    x = _spikes(jax.random.key(6), (T, B, n_in))
    W, V = np.asarray(lay.weight), np.asarray(lay.recurrent)
    ref = _loop_reference(lay.neurons.model, lambda t, b: W @ np.asarray(x[t, b]), T, B, out, recurrent=V)
    assert ref.sum() > 3
    np.testing.assert_array_equal(np.asarray(lay(x)), ref)


def test_conv_layers_equal_a_loop_over_frames_and_the_neuron_step(x64):
    T, B = 6, 2
    c1 = snn.SpikingConv1d(2, 3, kernel_size=3, padding=1, weight_scale=3.0, dtype=jnp.float64,
                           key=jax.random.key(7))
    x = _spikes(jax.random.key(8), (T, B, 2, 5), p=0.6)
    conv = eqx.filter_jit(c1.conv)                 # one frame at a time
    ref = _loop_reference(c1.neurons.model, lambda t, b: np.asarray(conv(x[t, b])).reshape(-1), T, B, 15)
    np.testing.assert_array_equal(np.asarray(c1(x)).reshape(T, B, 15), ref)
    assert ref.sum() > 0
    c2 = snn.SpikingConv2d(1, 2, kernel_size=2, stride=2, weight_scale=3.0, dtype=jnp.float64, key=jax.random.key(9))
    x2 = _spikes(jax.random.key(10), (T, B, 1, 4, 4), p=0.7)
    conv2 = eqx.filter_jit(c2.conv)
    ref2 = _loop_reference(c2.neurons.model, lambda t, b: np.asarray(conv2(x2[t, b])).reshape(-1), T, B, 8)
    np.testing.assert_array_equal(np.asarray(c2(x2)).reshape(T, B, 8), ref2)
    assert ref2.sum() > 0
    np.testing.assert_array_equal(np.asarray(c2(x2, checkpoint="step")).reshape(T, B, 8), ref2)


def _numpy_lif(I, tau, dt=1.0, theta=1.0):
    """Subtract-reset lif with threshold theta on currents I [T, B, N] (numpy oracle)."""
    beta = np.exp(-dt / tau)
    V = np.zeros(I.shape[1:])
    out = np.zeros_like(I)
    for t in range(I.shape[0]):
        V = beta * V + I[t]
        out[t] = V >= theta
        V = V - theta * out[t]
    return out


def test_dense_delays_equal_a_numpy_reference(x64):
    T, B, n_in, out = 20, 2, 5, 4
    rng = np.random.default_rng(0)
    d = rng.integers(0, 6, size=(out, n_in))
    lay = snn.SpikingDense(n_in, out, "lif", {"tau_mem": 8.0}, delays=d, weight_scale=3.0, dtype=jnp.float64,
                           key=jax.random.key(11))
    x = np.asarray(_spikes(jax.random.key(12), (T, B, n_in)))
    W = np.asarray(lay.weight)
    I = np.zeros((T, B, out))
    for t in range(T):
        for i in range(out):
            for j in range(n_in):
                if t - d[i, j] >= 0:
                    I[t, :, i] += W[i, j] * x[t - d[i, j], :, j]
    ref = _numpy_lif(I, 8.0)
    assert ref.sum() > 3
    np.testing.assert_array_equal(np.asarray(lay(jnp.asarray(x))), ref)
    np.testing.assert_array_equal(np.asarray(lay(jnp.asarray(x), checkpoint=7)), ref)
    with pytest.raises(SncoreError, match="delays"):
        snn.SpikingDense(n_in, out, delays=-d, key=jax.random.key(0))


def test_leaky_readout_and_learned_lif_threshold_equal_numpy(x64):
    T, B = 25, 3
    x = _spikes(jax.random.key(13), (T, B, 4))
    ro = snn.LeakyReadout(4, 2, tau_mem=7.0, dt=0.5, dtype=jnp.float64, key=jax.random.key(14))
    I = np.einsum("tbi,oi->tbo", np.asarray(x), np.asarray(ro.weight))
    V, v = np.zeros_like(I), np.zeros((B, 2))
    for t in range(T):
        v = np.exp(-0.5 / 7.0) * v + I[t]
        V[t] = v
    np.testing.assert_allclose(np.asarray(ro(x)), V, rtol=1e-12, atol=1e-12)
    # lif with a learned threshold theta = the lif equations with threshold theta
    lay = snn.SpikingDense(4, 3, "lif", weight_scale=12.0, learn_threshold=True, dtype=jnp.float64,
                           key=jax.random.key(15))
    theta = np.array([0.7, 1.3, 2.1])
    lay = eqx.tree_at(lambda m: m.neurons.log_threshold, lay, jnp.log(jnp.asarray(theta)))
    I = np.einsum("tbi,oi->tbo", np.asarray(x), np.asarray(lay.weight))
    ref = _numpy_lif(I, 10.0, theta=theta)
    assert 3 < ref.sum() < ref.size
    np.testing.assert_array_equal(np.asarray(lay(x)), ref)


# ---------------------------------------------------------------- layouts and errors
def test_time_major_checks_and_batch_major_flag():
    lay = snn.SpikingDense(5, 3, weight_scale=4.0, key=jax.random.key(0))
    x = _spikes(jax.random.key(1), (9, 2, 5), dtype=jnp.float32)
    with pytest.raises(SncoreError, match=r"one time step.*x\[None\]"):
        lay(x[0])
    with pytest.raises(SncoreError, match=r"feature size 5 is on axis 1"):
        lay(jnp.swapaxes(x, 1, 2))                       # [T, F, B]
    with pytest.raises(SncoreError, match=r"expected \[T, B, 5\]"):
        lay(jnp.zeros((9, 2, 4)))
    bm = snn.SpikingDense(5, 3, weight_scale=4.0, batch_major=True, key=jax.random.key(0))
    np.testing.assert_array_equal(bm(jnp.swapaxes(x, 0, 1)), jnp.swapaxes(lay(x), 0, 1))
    # batch-major data [B=2, T=9, F] given to the time-major layer runs (the shapes allow it),
    # and the loss against B labels names the mismatch
    wrong = snn.loss.logits_count(lay(jnp.swapaxes(x, 0, 1)))  # [9, 3]: read as batch 9
    with pytest.raises(SncoreError, match=r"logits \(9, 3\) and labels \(2,\).*batch_major=True"):
        snn.loss.cross_entropy(wrong, jnp.array([0, 1]))
    assert jnp.isfinite(snn.loss.cross_entropy(snn.loss.logits_count(lay(x)), jnp.array([0, 1])))
    with pytest.raises(SncoreError, match=r"neuron='iaf'.*allowed"):
        snn.SpikingDense(5, 3, "iaf", key=jax.random.key(0))
    with pytest.raises(SncoreError, match=r"checkpoint=0"):
        snn.SpikingDense(5, 3, checkpoint=0, key=jax.random.key(0))
    with pytest.raises(SncoreError, match=r"checkpoint='steps'"):
        lay(x, checkpoint="steps")
    with pytest.raises(SncoreError, match=r"'tau_m'.*allowed keys.*'tau_mem'"):
        snn.SpikingDense(5, 3, "lif", {"tau_m": 3.0}, key=jax.random.key(0))
    with pytest.raises(SncoreError, match=r"\[2, 4, 4\]|\(2, None, None\)|C_in|2, \*, \*"):
        snn.SpikingConv2d(2, 3, 3, key=jax.random.key(0))(jnp.zeros((4, 2, 3, 8, 8)))


def test_input_dtypes_bool_and_int_spikes_are_cast_others_raise():
    lay = snn.SpikingDense(5, 3, weight_scale=4.0, dtype=jnp.float32, key=jax.random.key(0))
    net = snn.SpikingNetwork([snn.Flatten((5,)), lay])
    x = jax.random.uniform(jax.random.key(1), (9, 2, 5)) < 0.4
    ref = np.asarray(lay(x.astype(jnp.float32)))
    assert ref.sum() > 3
    for dt in (jnp.bool_, jnp.int32, jnp.uint8, jnp.float16):
        for m in (lay, net):
            y = m(x.astype(dt))
            assert y.dtype == jnp.float32
            np.testing.assert_array_equal(np.asarray(y), ref)
    for m, name in ((lay, "SpikingDense"), (net, "SpikingNetwork")):
        with pytest.raises(SncoreError, match=rf"{name}: input dtype complex64 is not allowed.*float32"):
            m(x.astype(jnp.complex64))


def test_network_chains_layers_batch_major_and_return_all():
    k = jax.random.split(jax.random.key(0), 2)
    d, r = snn.SpikingDense(4, 6, weight_scale=4.0, key=k[0]), snn.LeakyReadout(6, 2, key=k[1])
    x = _spikes(jax.random.key(1), (10, 3, 4), dtype=jnp.float32)
    net = snn.SpikingNetwork([d, r], checkpoint=3)
    hid, out = net(x, return_all=True)
    np.testing.assert_array_equal(hid, d(x))
    np.testing.assert_allclose(out, r(d(x)), rtol=1e-6, atol=1e-6)
    nbm = snn.SpikingNetwork([d, r], batch_major=True)
    np.testing.assert_allclose(nbm(jnp.swapaxes(x, 0, 1)), jnp.swapaxes(out, 0, 1), rtol=1e-6, atol=1e-6)
    with pytest.raises(SncoreError, match="layers\\[1\\]"):
        snn.SpikingNetwork([d, "relu"])


# ---------------------------------------------------------------- memory-lean BPTT
NETWORKS = {
    # lif with learned tau/threshold and delays -> recurrent alif -> readout with learned tau
    "dense_recurrent": lambda k: snn.SpikingNetwork([
        snn.SpikingDense(4, 5, "lif", learn_tau=True, learn_threshold=True, delays=np.arange(20).reshape(5, 4) % 3,
                         weight_scale=4.0, dtype=jnp.float64, key=k[0]),
        snn.SpikingRecurrent(5, 4, "alif", learn_tau=True, weight_scale=4.0, dtype=jnp.float64, key=k[1]),
        snn.LeakyReadout(4, 2, learn_tau=True, dtype=jnp.float64, key=k[2])]),
    # cuba_lif convolution -> readout
    "conv": lambda k: snn.SpikingNetwork([
        snn.SpikingConv1d(4, 2, 3, "cuba_lif", {"v_th": 0.3}, learn_tau=True, learn_threshold=True,
                          weight_scale=3.0, dtype=jnp.float64, key=k[0]),
        snn.Flatten((2, 3)), snn.LeakyReadout(6, 2, learn_tau=True, dtype=jnp.float64, key=k[1])]),
}


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_checkpoint_options_give_the_plain_scans_gradients(x64, name):
    net = NETWORKS[name](jax.random.split(jax.random.key(20), 3))
    shape = (13, 2, 4, 5) if name == "conv" else (13, 2, 4)
    x = _spikes(jax.random.key(22), shape, p=0.5)

    @eqx.filter_jit
    def grads(model):                            # all options in one program: one compile
        def loss(m, ck):
            outs = m(x, checkpoint=ck, return_all=True)
            return L.ce_max_membrane_loss(outs[-1], jnp.array([0, 1])) + 0.01 * sum(o.sum() for o in outs)
        # 13 steps = 3 chunks of 4 + a remainder of 1
        return [eqx.filter_grad(loss)(model, ck) for ck in (None, "step", 4)]

    ref, *others = (jax.tree.leaves(g) for g in grads(net))
    assert all(np.all(np.isfinite(g)) for g in ref) and all(float(jnp.abs(g).sum()) > 0 for g in ref)
    for got in others:
        for a, b in zip(got, ref, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_checkpointing_lowers_compiled_temp_memory():
    # alif: "step" keeps carry + input current (3 values) in place of the plain scan's residuals;
    # for lif "step" saves nothing since the projection left the loop (tests/test_nn_hoist.py)
    rep = snn.memory_report(n=16, batch=2, steps=40, neuron="alif", options=(None, "step", 5))
    assert rep["step"]["temp_bytes"] < rep[None]["temp_bytes"]
    assert rep[5]["temp_bytes"] < rep["step"]["temp_bytes"]
    assert rep[5]["saved_per_neuron_step"] > 0


@pytest.mark.parametrize("neuron", ["lif", "alif", "cuba_lif"])
def test_learned_tau_and_threshold_have_finite_gradients_and_stay_positive(neuron):
    lay = snn.SpikingDense(4, 5, neuron, {"v_th": 0.4} if neuron == "cuba_lif" else None, learn_tau=True,
                           learn_threshold=True, weight_scale=4.0, key=jax.random.key(30))
    x = _spikes(jax.random.key(31), (20, 3, 4), p=0.5, dtype=jnp.float32)
    g = eqx.filter_grad(lambda m: m(x).sum())(lay)
    for leaf in (*g.neurons.log_tau.values(), g.neurons.log_threshold):
        assert np.all(np.isfinite(leaf)) and np.any(leaf != 0)
    # not-learned parameters (the model template) get no gradient
    assert all(np.all(np.asarray(v) == 0) for v in jax.tree.leaves(eqx.filter(g.neurons.model, eqx.is_array)))
    big = eqx.tree_at(lambda m: m.neurons.log_tau, lay, {k: v - 50.0 for k, v in lay.neurons.log_tau.items()})
    model, _ = big.neurons.resolve()
    assert all(np.all(np.asarray(getattr(model, k)) > 0) for k in lay.neurons.log_tau)


# ---------------------------------------------------------------- encoders
def test_rate_encoding_is_bernoulli_within_a_binomial_band():
    p = jnp.tile(jnp.array([0.0, 0.05, 0.3, 0.8, 1.0]), (40, 1))      # [B=40, F=5]
    s = np.asarray(snn.rate_encode(jax.random.key(0), p, 200))
    assert s.shape == (200, 40, 5)
    n = 200 * 40
    for f, pf in enumerate([0.0, 0.05, 0.3, 0.8, 1.0]):
        k = s[:, :, f].sum()
        assert abs(k - n * pf) <= 4.5 * np.sqrt(n * pf * (1 - pf)) + 1e-9, (pf, k / n)
    # successive steps independent: the lag-1 coincidence rate is p^2 within its band
    c = (s[1:, :, 2] * s[:-1, :, 2]).mean()
    assert abs(c - 0.09) < 4.5 * np.sqrt(0.09 * 0.91 / (199 * 40))
    with pytest.raises(SncoreError, match=r"\[0, 1\]"):
        snn.rate_encode(jax.random.key(0), jnp.array([[1.5]]), 5)


def test_latency_encoding_matches_the_closed_forms(x64):
    x = np.array([[0.0, 0.01, 0.26, 0.5, 0.999, 1.0], [0.1, 0.2, 0.3, 0.4, 0.6, 0.75]])
    T = 8
    s = np.asarray(snn.latency_encode(jnp.asarray(x), T))
    k = np.floor(T * (1 - x))
    for b, f in np.ndindex(*x.shape):
        want = np.zeros(T)
        if k[b, f] < T:
            want[int(k[b, f])] = 1
        np.testing.assert_array_equal(s[:, b, f], want)
    tau, th, dt = 4.0, 0.2, 0.5
    s = np.asarray(snn.latency_encode(jnp.asarray(x), 30, method="log", tau=tau, threshold=th, dt=dt))
    assert np.all(s.sum(0) == (x > th))
    fired = x > th
    t_star = tau * np.log(x[fired] / (x[fired] - th))
    np.testing.assert_array_equal(s.argmax(0)[fired], np.floor(t_star / dt))
    with pytest.raises(SncoreError, match="method"):
        snn.latency_encode(jnp.asarray(x), T, method="exp")


# ---------------------------------------------------------------- losses and metrics
def _log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def test_losses_and_regularisers_equal_numpy(x64):
    rng = np.random.default_rng(1)
    V = rng.normal(size=(7, 4, 3))
    S = (rng.random((7, 4, 3)) < 0.4).astype(float)
    y = np.array([0, 2, 1, 2])
    ce = lambda z: -_log_softmax(z)[np.arange(4), y].mean()
    np.testing.assert_allclose(L.ce_count_loss(S, y), ce(S.sum(0)), rtol=1e-12)
    np.testing.assert_allclose(L.ce_max_membrane_loss(V, y), ce(V.max(0)), rtol=1e-12)
    np.testing.assert_allclose(L.ce_mean_membrane_loss(V, y), ce(V.mean(0)), rtol=1e-12)
    c = S.sum(0)
    np.testing.assert_allclose(L.count_l1(S), c.mean(), rtol=1e-12)
    np.testing.assert_allclose(L.count_l2(S), (c ** 2).mean(), rtol=1e-12)
    np.testing.assert_allclose(L.rate_lower_bound(S, 3.0), (np.maximum(0, 3.0 - c) ** 2).mean(), rtol=1e-12)
    np.testing.assert_allclose(L.rate_upper_bound(S, 2.0), (np.maximum(0, c.mean(-1) - 2.0) ** 2).mean(), rtol=1e-12)
    np.testing.assert_allclose(L.accuracy(V.max(0), y), (V.max(0).argmax(-1) == y).mean())
    with pytest.raises(SncoreError, match=r"\[T, B, C\]"):
        L.ce_count_loss(S[0], y)


def test_van_rossum_distance_equals_numpy_and_is_differentiable(x64):
    rng = np.random.default_rng(2)
    a = (rng.random((60, 3)) < 0.2).astype(float)
    b = (rng.random((60, 3)) < 0.2).astype(float)
    tau, dt = 5.0, 0.5
    t = np.arange(60)
    kern = np.exp(-(t[:, None] - t[None, :]) * dt / tau) * (t[:, None] >= t[None, :])    # [t, t']
    f, g = kern @ a, kern @ b
    d2 = dt / tau * ((f - g) ** 2).sum(0)
    np.testing.assert_allclose(L.van_rossum_distance(a, b, tau, dt, squared=True), d2, rtol=1e-12)
    np.testing.assert_allclose(L.van_rossum_distance(a, b, tau, dt), np.sqrt(d2), rtol=1e-12)
    # one spike against none, long window: D^2 = (dt/tau) / (1 - exp(-2 dt/tau))
    one = np.zeros((400, 1))
    one[3] = 1
    np.testing.assert_allclose(L.van_rossum_distance(one, 0 * one, tau, dt, squared=True),
                               [dt / tau / (1 - np.exp(-2 * dt / tau))], rtol=1e-12)
    # gradient w.r.t. a (relaxed) train equals central differences
    fn = lambda z: L.van_rossum_distance(z, jnp.asarray(b), tau, dt, squared=True).sum()
    gr = np.asarray(jax.grad(fn)(jnp.asarray(a)))
    e = np.zeros_like(a)
    e[10, 1] = 1e-6
    fd = (fn(jnp.asarray(a + e)) - fn(jnp.asarray(a - e))) / 2e-6
    np.testing.assert_allclose(gr[10, 1], fd, rtol=1e-6)


# ---------------------------------------------------------------- end to end
def test_tiny_training_run_learns_a_separable_task():
    T, B, F = 20, 16, 10
    k = jax.random.split(jax.random.key(0), 4)
    y = jnp.arange(B) % 2
    p = jnp.where((jnp.arange(F)[None] < F // 2) == (y[:, None] == 0), 0.6, 0.05)      # [B, F]
    x = snn.rate_encode(k[0], p, T)
    net = snn.SpikingNetwork([snn.SpikingDense(F, 16, "lif", weight_scale=3.0, learn_tau=True, key=k[1]),
                              snn.LeakyReadout(16, 2, key=k[2])], checkpoint="step")
    opt = optax.adam(3e-2)
    opt_state = opt.init(eqx.filter(net, eqx.is_inexact_array))
    losses = []
    for _ in range(30):
        net, opt_state, loss = snn.train_step(net, opt_state, (x, y), opt)
        losses.append(float(loss))
    assert losses[-1] < 0.5 * losses[0]
    x_test = snn.rate_encode(k[3], p, T)
    assert float(L.accuracy(L.logits_max_membrane(net(x_test)), y)) == 1.0

"""The stateless input projection outside the scan (sncore.nn._scan.scan_projected) against the
per-step form it replaced (projection inside the, possibly checkpointed, scan body; per-synapse
delays through a ring buffer in the carry): same outputs and gradients in float64 for every
layer kind and checkpoint option. And the residuals reverse mode keeps per checkpoint option,
counted from the jaxpr of jax.vjp, against a hand count on a tiny lif layer."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import sncore.nn as snn
from sncore.nn import conv as conv_mod
from sncore.nn import layers as layers_mod
from sncore.nn._scan import time_scan
from sncore.nn.memory import memory_report, saved_residuals

CALLS = []


def _per_step(project, body, carry, x, checkpoint=None):
    """The former form: ``project(x_t)`` inside the scanned (and checkpointed) body."""
    CALLS.append("per_step")
    return time_scan(lambda c, x_t: body(c, project(x_t)), carry, x, checkpoint)


def _ring_forward(self, x, checkpoint=None):
    """The former per-synapse-delay path of SpikingDense: a ring of future inputs in the carry."""
    CALLS.append("ring")
    resolved = self.neurons.resolve()
    state = self.neurons.init(x.shape[1], (self.out_features,), x.dtype)
    bias = 0.0 if self.bias is None else self.bias
    D = self.max_delay + 1
    w_d = (self.delays[None] == jnp.arange(D)[:, None, None]).astype(x.dtype) * self.weight[None]
    ring = jnp.zeros((D, x.shape[1], self.out_features), x.dtype)

    def body(carry, x_t):
        s, ring = carry
        ring = ring + jnp.einsum("bi,doi->dbo", x_t, w_d)
        s, spk = self.neurons.step(resolved, s, ring[0] + bias)
        return (s, jnp.concatenate([ring[1:], jnp.zeros_like(ring[:1])], axis=0)), spk

    return time_scan(body, (state, ring), x, checkpoint)[1]


def _spikes(key, shape, p=0.4):
    return (jax.random.uniform(key, shape) < p).astype(jnp.float64)


def _networks():
    k = jax.random.split(jax.random.key(40), 6)
    d = np.random.default_rng(1).integers(0, 4, size=(7, 4))
    return {
        "dense_rec_readout": (snn.SpikingNetwork([
            snn.SpikingDense(4, 7, "lif", learn_tau=True, use_bias=True, weight_scale=4.0,
                             dtype=jnp.float64, key=k[0]),
            snn.SpikingRecurrent(7, 5, "alif", learn_threshold=True, weight_scale=4.0,
                                 recurrent_scale=2.0, use_bias=True, dtype=jnp.float64, key=k[1]),
            snn.LeakyReadout(5, 3, learn_tau=True, use_bias=True, dtype=jnp.float64, key=k[2])]), (13, 2, 4)),
        "delays": (snn.SpikingNetwork([
            snn.SpikingDense(4, 7, "lif", {"tau_mem": 6.0}, delays=d, use_bias=True, weight_scale=4.0,
                             learn_threshold=True, dtype=jnp.float64, key=k[3]),
            snn.LeakyReadout(7, 3, dtype=jnp.float64, key=k[4])]), (13, 2, 4)),
        "conv": (snn.SpikingNetwork([
            snn.SpikingConv1d(3, 2, 3, "lif", padding=1, learn_tau=True, use_bias=True, weight_scale=3.0,
                              dtype=jnp.float64, key=k[5]),
            snn.Flatten((2, 5)), snn.LeakyReadout(10, 3, dtype=jnp.float64, key=k[0])]), (13, 2, 3, 5)),
    }


def _run(net, x, w):
    """Outputs, loss and gradients (model and input) for each checkpoint option, in one program."""
    def loss(mx, ck):
        outs = mx[0](mx[1], checkpoint=ck, return_all=True)
        return sum(jnp.sum(o * wi) for o, wi in zip(outs, w, strict=True)), outs

    @eqx.filter_jit
    def all_options(m, xs):
        res = []
        for ck in (None, "step", 4):                          # 13 steps: 3 chunks of 4 + a remainder of 1
            (val, outs), (g, gx) = eqx.filter_value_and_grad(loss, has_aux=True)((m, xs), ck)
            res.append((val, outs, g, gx))
        return res

    return all_options(net, x)


@pytest.mark.parametrize("name", ["dense_rec_readout", "delays", "conv"])
def test_hoisted_projection_equals_the_per_step_form(x64, monkeypatch, name):
    net, shape = _networks()[name]
    x = _spikes(jax.random.key(41), shape)
    outs = jax.eval_shape(lambda: net(x, return_all=True))
    w = [jax.random.normal(jax.random.key(50 + i), o.shape, jnp.float64) for i, o in enumerate(outs)]
    got = _run(net, x, w)
    with monkeypatch.context() as mp:
        mp.setattr(layers_mod, "scan_projected", _per_step)
        mp.setattr(conv_mod, "scan_projected", _per_step)
        mp.setattr(layers_mod.SpikingDense, "forward",
                   lambda self, x, ck=None, f=layers_mod.SpikingDense.forward:
                   f(self, x, ck) if self.delays is None else _ring_forward(self, x, ck))
        CALLS.clear()
        ref = _run(net, x, w)
        assert CALLS and ("ring" in CALLS) == (name == "delays")          # the reference path was traced
    for (val, outs, g, gx), (rval, routs, rg, rgx) in zip(got, ref, strict=True):
        assert sum(float(o.sum()) for o in outs[:-1]) > 5              # hidden layers do spike
        for o, r in zip(outs[:-1], routs[:-1], strict=True):            # spikes: identical
            np.testing.assert_array_equal(np.asarray(o), np.asarray(r))
        np.testing.assert_allclose(np.asarray(outs[-1]), np.asarray(routs[-1]), rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(float(val), float(rval), rtol=1e-12)
        leaves = jax.tree.leaves(eqx.filter(g, eqx.is_array))
        rleaves = jax.tree.leaves(eqx.filter(rg, eqx.is_array))
        assert len(leaves) == len(rleaves) and sum(float(jnp.abs(a).sum()) > 0 for a in leaves) >= 3
        for a, b in zip(leaves, rleaves, strict=True):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-10, atol=1e-12)
        assert float(jnp.abs(gx).sum()) > 0
        np.testing.assert_allclose(np.asarray(gx), np.asarray(rgx), rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- residuals, hand count
N, B, T = 8, 2, 12          # [T, B, N] = 192 values; W^T = 64 values


def _residuals(checkpoint, neuron="lif"):
    lay = snn.SpikingDense(N, N, neuron, dtype=jnp.float32, key=jax.random.key(0))
    p, static = eqx.partition(lay, eqx.is_array)
    x = jax.ShapeDtypeStruct((T, B, N), jnp.float32)
    res = saved_residuals(lambda p, xs: eqx.combine(p, static)(xs, checkpoint=checkpoint).sum(), p, x)
    return sorted((s, o) for s, _, o in res if s != ())                 # scalars (parameters) aside


def test_saved_residuals_of_a_lif_layer_match_a_hand_count():
    # lif: V <- beta V + I_t, s = H(V - 1), V <- V - s.  Backward needs, per step, only the
    # surrogate's argument V (the rest is linear), and W for dx: the plain scan keeps one value
    # per neuron-step (plus W^T and the caller's x).
    assert _residuals(None) == sorted([((T, B, N), "argument"), ((N, N), "computed"), ((T, B, N), "computed")])
    # "step": the checkpointed step keeps its inputs: carry V_{t-1} and current I_t (two values)
    assert _residuals("step") == sorted([((T, B, N), "argument"), ((N, N), "computed"),
                                         ((T, B, N), "computed"), ((T, B, N), "computed")])
    # k = 4: the carry at each of the 3 chunk starts; x (as chunks, a view) and W to recompute I
    assert _residuals(4) == sorted([((3, 4, B, N), "argument view"), ((N, N), "argument"), ((3, B, N), "computed")])
    # alif (V and the adaptation a in the carry): per chunk two carries
    assert [s for s, o in _residuals(4, "alif") if o == "computed"] == [(3, B, N), (3, B, N)]


def test_memory_report_gives_the_counted_residuals_and_less_temp_memory_with_chunks():
    rep = memory_report(n=N, batch=B, steps=T, options=(None, "step", 4))
    units = N * B * T
    assert rep[None]["residual_bytes"] == 4 * (units + N * N) + 4            # + one scalar (beta)
    assert rep[None]["residual_values_per_neuron_step"] == pytest.approx(1 + 64 / 192 + 1 / 192)
    assert rep["step"]["residual_values_per_neuron_step"] == pytest.approx(2 + 64 / 192 + 2 / 192)
    assert rep[4]["residual_values_per_neuron_step"] == pytest.approx(3 * B * N / units + 2 / 192)
    assert rep[4]["temp_bytes"] < rep[None]["temp_bytes"] and rep[4]["saved_per_neuron_step"] > 0

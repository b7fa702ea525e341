"""NIR export / import (sncore.nn.nir): round trip, and a hand-built NIR graph simulated by
sncore against a numpy solution of NIR's ODEs (exact between spikes, unit-area Dirac spikes
at step ends; see the sncore.nn.nir docstring)."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.linalg import expm

nir = pytest.importorskip("nir", reason="the optional 'nir' package is needed (pip install nir)")

import sncore.nn as snn
from sncore.nn.nir import from_nir, to_nir
from sncore.units import SncoreError


def _net(key):
    k = jax.random.split(key, 3)
    return snn.SpikingNetwork([
        snn.SpikingDense(6, 10, "lif", {"tau_mem": 15.0, "reset": "zero"}, use_bias=True, weight_scale=3.0,
                         key=k[0]),
        snn.SpikingDense(10, 8, "cuba_lif", {"tau_mem": 12.0, "tau_syn": 4.0, "v_leak": 0.1}, weight_scale=4.0,
                         key=k[1]),
        snn.LeakyReadout(8, 3, tau_mem=20.0, use_bias=True, key=k[2])])


def test_round_trip_gives_identical_outputs(tmp_path):
    net = _net(jax.random.key(0))
    net = eqx.tree_at(lambda m: (m.layers[0].bias, m.layers[2].bias), net,
                      (jnp.full(10, 0.05), jnp.array([0.1, -0.2, 0.3])))
    x = (jax.random.uniform(jax.random.key(1), (60, 4, 6)) < 0.3).astype(jnp.float32)
    g = to_nir(net, dt=1.0)
    assert [type(n).__name__ for n in g.nodes.values()] == ["Input", "Affine", "LIF", "Linear", "CubaLIF",
                                                           "Affine", "LI", "Output"]
    path = tmp_path / "net.nir"
    nir.write(path, g)
    back = from_nir(nir.read(path), dt=1.0)
    run = eqx.filter_jit(lambda m, x: m(x, return_all=True))
    h1, h2 = run(net, x), run(back, x)
    assert float(h1[0].sum()) > 10 and float(h1[1].sum()) > 10     # spikes in both hidden layers
    for a, b in zip(h1, h2):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-5)


def _oracle(graph, x, dt):
    """numpy: NIR's linear ODEs solved exactly between steps (matrix exponential), unit Dirac
    inputs at step ends, spike if v > v_threshold, reset to v_reset."""
    chain, n = [], "input"
    nxt = dict(graph.edges)
    while nxt[n] != "output":
        n = nxt[n]
        chain.append(graph.nodes[n])
    T, B, _ = x.shape
    state = []
    for node in chain[1::2]:
        shape = (B, len(np.atleast_1d(node.tau_mem if hasattr(node, "tau_mem") else node.tau)))
        state.append({"v": np.zeros(shape), "I": np.zeros(shape)})
    out = []
    for t in range(T):
        s = x[t]
        for (syn, neu), st in zip(zip(chain[0::2], chain[1::2]), state):
            inp = s @ syn.weight.T
            b = getattr(syn, "bias", None)
            kind = type(neu).__name__
            if kind == "CubaLIF":
                new_v, new_I = np.empty_like(st["v"]), np.empty_like(st["I"])
                for j in range(st["v"].shape[1]):
                    ts, tm, r, vl = neu.tau_syn[j], neu.tau_mem[j], neu.r[j], neu.v_leak[j]
                    A = np.array([[-1 / ts, 0, 0], [r / tm, -1 / tm, vl / tm], [0, 0, 0]])   # (I, v, 1)
                    P = expm(A * dt)
                    z = np.stack([st["I"][:, j], st["v"][:, j], np.ones(B)])
                    z = P @ z
                    new_I[:, j], new_v[:, j] = z[0] + neu.w_in[j] * inp[:, j] / ts, z[1]
                st["I"], v = new_I, new_v
            else:
                tau, r, vl = neu.tau, neu.r, neu.v_leak
                decay = np.exp(-dt / tau)
                v = vl + (st["v"] - vl) * decay
                if b is not None:   # constant current b over the step, exact
                    v = v + r * b * (1 - decay)
                v = v + r * inp / tau
            if kind == "LI":
                st["v"] = v
                s = v
                continue
            spk = (v > neu.v_threshold).astype(float)
            st["v"] = np.where(spk > 0, neu.v_reset, v)
            s = spk
        out.append(s)
    return np.stack(out)


def test_hand_built_graph_matches_numpy_ode_solution(x64):
    rng = np.random.default_rng(0)
    n_in, n_h, n_c, n_o = 5, 7, 4, 2
    tau = rng.uniform(5, 20, n_h)
    g = nir.NIRGraph(nodes={
        "input": nir.Input(input_type=np.array([n_in])),
        "aff": nir.Affine(weight=rng.uniform(0.5, 2.5, (n_h, n_in)), bias=rng.uniform(0.0, 0.05, n_h)),
        "lif": nir.LIF(tau=tau, r=rng.uniform(5, 15, n_h), v_leak=np.zeros(n_h),
                       v_threshold=rng.uniform(0.8, 1.5, n_h), v_reset=np.zeros(n_h)),
        "lin": nir.Linear(weight=rng.uniform(-1.0, 6.0, (n_c, n_h))),
        "cuba": nir.CubaLIF(tau_syn=rng.uniform(2, 6, n_c), tau_mem=rng.uniform(8, 20, n_c),
                            r=rng.uniform(0.8, 1.5, n_c), v_leak=rng.uniform(-0.1, 0.2, n_c),
                            v_threshold=np.full(n_c, 0.6), v_reset=rng.uniform(-0.2, 0.1, n_c),
                            w_in=rng.uniform(0.5, 1.5, n_c)),
        "lin2": nir.Linear(weight=rng.normal(0, 1, (n_o, n_c))),
        "li": nir.LI(tau=np.array([10.0, 30.0]), r=np.array([1.0, 2.0]), v_leak=np.zeros(n_o)),
        "output": nir.Output(output_type=np.array([n_o])),
    }, edges=[("input", "aff"), ("aff", "lif"), ("lif", "lin"), ("lin", "cuba"), ("cuba", "lin2"),
              ("lin2", "li"), ("li", "output")], type_check=False)
    dt = 0.5
    x = (rng.uniform(size=(120, 3, n_in)) < 0.15).astype(np.float64)
    ref = _oracle(g, x, dt)
    net = from_nir(g, dt=dt, dtype=jnp.float64)
    hid = eqx.filter_jit(lambda m, x: m(x, return_all=True))(net, jnp.asarray(x))
    # hidden spikes identical step for step, readout to float64 precision
    ref_lif = _oracle(_truncate(g, "lif"), x, dt)
    ref_cuba = _oracle(_truncate(g, "cuba"), x, dt)
    assert ref_lif.sum() > 20 and ref_cuba.sum() > 5
    np.testing.assert_array_equal(np.asarray(hid[0]), ref_lif)
    np.testing.assert_array_equal(np.asarray(hid[1]), ref_cuba)
    np.testing.assert_allclose(np.asarray(hid[2]), ref, rtol=1e-9, atol=1e-12)


def _truncate(g, last):
    edges, n = [], "input"
    nxt = dict(g.edges)
    while n != last:
        edges.append((n, nxt[n]))
        n = nxt[n]
    edges.append((last, "output"))
    nodes = {k: g.nodes[k] for k in [e[0] for e in edges]}
    nodes["output"] = nir.Output(output_type=np.array([1]))
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)


def test_unsupported_layers_are_refused_with_a_clear_error():
    k = jax.random.key(0)
    sub = snn.SpikingNetwork([snn.SpikingDense(3, 4, "lif", key=k), snn.LeakyReadout(4, 2, key=k)])
    with pytest.raises(SncoreError, match="reset='subtract' has no NIR"):
        to_nir(sub)
    rec = snn.SpikingNetwork([snn.SpikingRecurrent(3, 4, key=k)])
    with pytest.raises(SncoreError, match="SpikingRecurrent"):
        to_nir(rec)


def test_conv_round_trip_gives_identical_outputs():
    k = jax.random.split(jax.random.key(2), 4)
    net = snn.SpikingNetwork([
        snn.SpikingConv2d(2, 4, 3, "lif", {"tau_mem": 10.0, "reset": "zero"}, padding=1, use_bias=True,
                          weight_scale=3.0, key=k[0]),
        snn.SpikingConv2d(4, 3, 3, "cuba_lif", {"tau_syn": 3.0}, stride=2, weight_scale=20.0, key=k[1]),
        snn.Flatten((3, 2, 2)),
        snn.LeakyReadout(12, 2, key=k[2])])
    net = eqx.tree_at(lambda m: m.layers[0].conv.bias, net, jnp.full((4, 1, 1), 0.05))
    x = (jax.random.uniform(k[3], (40, 3, 2, 6, 6)) < 0.3).astype(jnp.float32)
    g = to_nir(net, dt=1.0, input_shape=(2, 6, 6))
    assert [type(n).__name__ for n in g.nodes.values()] == ["Input", "Conv2d", "LIF", "Conv2d", "CubaLIF",
                                                           "Flatten", "Linear", "LI", "Output"]
    back = from_nir(g, dt=1.0)
    run = eqx.filter_jit(lambda m, x: m(x, return_all=True))
    h1, h2 = run(net, x), run(back, x)
    assert float(h1[0].sum()) > 10 and float(h1[1].sum()) > 10
    for a, b in zip(h1, h2):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-5)
    with pytest.raises(SncoreError, match="input_shape"):
        to_nir(net)

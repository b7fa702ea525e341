"""Every propagation path (event, dense, BCOO) against a float64 numpy reference, under jit,
with heterogeneous delays, multiplicities and multapses; bursts beyond capacity lose nothing."""

import itertools

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import sncore as sn
from sncore.conn.propagate import (
    build_csr,
    build_csr_parts,
    build_delay_groups,
    compact,
    deliver_bcoo,
    deliver_dense,
    deliver_event,
)


def _random_net(seed, n_src=37, n_tgt=23, n_syn=300, max_d=6):
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n_src, n_syn)
    tgt = rng.integers(0, n_tgt, n_syn)   # multapses occur
    w = rng.normal(0, 1, n_syn)
    d = rng.integers(1, max_d + 1, n_syn)
    spikes = (rng.random((40, n_src)) < 0.2) * rng.integers(1, 3, (40, n_src))  # multiplicity 1-2
    return src, tgt, w, d, spikes.astype(float)


def _reference(src, tgt, w, d, spikes, n_tgt):
    """What each target reads at each step: sum of w * s over spikes emitted d steps before."""
    T = spikes.shape[0]
    out = np.zeros((T + d.max() + 1, n_tgt))
    for k in range(T):
        for i, j, wi, di in zip(src, tgt, w, d):
            out[k + di, j] += wi * spikes[k, i]
    return out[:T]


def _run(path, src, tgt, w, d, spikes, n_src, n_tgt, capacity=(4, 64)):
    capacity = tuple(capacity)
    D = int(d.max())
    if path in ("event", "csr", "ell"):
        layout = "csr" if path == "event" else path
        path = "event"
        data, spec = build_csr(src, tgt, w, d, n_src, n_tgt, jnp.float32, layout=layout)
    else:
        data = build_delay_groups(src, tgt, w, d, n_src, n_tgt, jnp.float32, path)

    @jax.jit
    def run(data, spikes):
        def body(ring, x):
            k, s = x
            read = ring[k % D]
            ring = ring.at[k % D].set(0)
            if path == "event":
                ring, cnt = deliver_event(ring, s, data, spec, k, capacity)
            elif path == "dense":
                ring, cnt = deliver_dense(ring, s, data, k), 0
            else:
                ring, cnt = deliver_bcoo(ring, s, data, k), 0
            return ring, (read, cnt)
        return jax.lax.scan(body, jnp.zeros((D, n_tgt)), (jnp.arange(len(spikes)), spikes))[1]

    read, cnt = run(data, jnp.asarray(spikes, jnp.float32))
    return np.asarray(read), np.asarray(cnt)


@pytest.mark.parametrize("path", ["csr", "ell", "dense", "bcoo"])
@pytest.mark.parametrize("seed", [0, 1])
def test_paths_equal_reference(path, seed):
    src, tgt, w, d, spikes = _random_net(seed)
    ref = _reference(src, tgt, w, d, spikes, 23)
    got, cnt = _run(path, src, tgt, w, d, spikes, 37, 23, capacity=(2, 4, 8, 37))
    np.testing.assert_allclose(got, ref, atol=2e-5)


@pytest.mark.parametrize("layout", ["csr", "ell"])
def test_homogeneous_delay_and_per_source_weight(layout):
    src, tgt, _, _, spikes = _random_net(3)
    d = np.full(len(src), 3)
    w = np.linspace(-1, 1, 37)[src]  # one weight per source: stored once per source
    data, spec = build_csr(src, tgt, w, d, 37, 23, jnp.float32, layout=layout)
    assert spec.per_source and data.delays is None and data.weights.shape == (38,)
    got, _ = _run(layout, src, tgt, w, d, spikes, 37, 23, capacity=(2, 37))
    np.testing.assert_allclose(got, _reference(src, tgt, w, d, spikes, 23), atol=2e-5)


@pytest.mark.parametrize("layout", ["csr", "ell", "auto"])
@pytest.mark.parametrize("kind", ["random", "per_source_hom"])
def test_build_from_parts_equals_concatenation(layout, kind):
    """Rows filled part by part (no concatenation, the microcircuit's memory path) give the
    arrays of the concatenated build: connection order inside each row, padding, dtypes."""
    src, tgt, w, d, _ = _random_net(5, n_syn=500)
    if kind == "per_source_hom":
        w, d = np.linspace(-1, 1, 37)[src], np.full(len(src), 2)
    whole, spec = build_csr(src, tgt, w, d, 37, 23, jnp.float32, layout=layout)
    cuts = [0, 0, 120, 121, 390, 500]  # empty, one-synapse and uneven parts
    parts = [(src[a:b], tgt[a:b], w[a:b], d[a:b]) for a, b in itertools.pairwise(cuts)]
    got, spec_p = build_csr_parts(parts, 37, 23, jnp.float32, layout=layout)
    assert spec_p == spec and spec.per_source == (kind == "per_source_hom")
    for x, y in zip(got, whole):
        assert (x is None) == (y is None)
        if x is not None:
            assert x.dtype == y.dtype
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
    # and row i holds exactly source i's synapses in connection order
    order = np.argsort(src, kind="stable")
    if spec.layout == "csr":
        np.testing.assert_array_equal(np.asarray(got.targets), tgt[order])


def test_event_reports_overflow_beyond_large_capacity():
    src, tgt, w, d, spikes = _random_net(4)
    _, cnt = _run("event", src, tgt, w, d, spikes, 37, 23, capacity=(2, 3))
    assert cnt.max() > 3  # the caller sees that more sources spiked than were delivered
    np.testing.assert_array_equal(cnt, (spikes != 0).sum(1))


@pytest.mark.parametrize("n,cap", [(1, 1), (31, 8), (33, 40), (1000, 64), (20000, 300)])
def test_compact_equals_nonzero(n, cap):
    """Both word searches: comparison (<= 256 words) and binary search (20000 entries: 625 words)."""
    rng = np.random.default_rng(n)
    rows = 300 if n < 10000 else 40
    dens = rng.choice([0.0, 0.001, 0.01, 0.1, 0.5, 1.0], rows)
    a = jnp.asarray(rng.random((rows, n)) < dens[:, None])
    ref = jax.vmap(lambda x: jnp.nonzero(x, size=cap, fill_value=n)[0])(a)
    got = jax.jit(jax.vmap(lambda x: compact(x, cap)))(a)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(ref))


def test_capacity_ladder_large_populations_get_intermediate_rungs():
    """Populations of >= 128 x 256 sources get x8 rungs above 256, so ordinary steps with a few
    hundred spiking sources do not pay for the top rung; smaller ones keep their ladder (and
    their compile time: each rung is a compiled branch)."""
    from sncore.conn.propagate import capacity_ladder

    assert capacity_ladder(80576, beyond=8) == (16, 32, 64, 128, 256, 2048, 16384, 80576)
    assert capacity_ladder(32000, beyond=8) == capacity_ladder(32000) == (16, 32, 64, 128, 256, 32000)
    assert capacity_ladder(500, smallest=4, last=64) == (4, 8, 16, 32, 64, 500)


def test_paths_have_gradients_wrt_weights():
    src, tgt, w, d, spikes = _random_net(5)
    groups = build_delay_groups(src, tgt, w, d, 37, 23, jnp.float32, "dense")
    csr, spec = build_csr(src, tgt, w, d, 37, 23, jnp.float32)
    s = jnp.asarray(spikes[0], jnp.float32)

    def loss_dense(g):
        return jnp.sum(deliver_dense(jnp.zeros((6, 23)), s, g, 0) ** 2)

    def loss_event(w):
        c = csr._replace(weights=w)
        return jnp.sum(deliver_event(jnp.zeros((6, 23)), s, c, spec, 0, (37, 37))[0] ** 2)

    gd = jax.grad(loss_dense)(groups)
    ge = jax.grad(loss_event)(csr.weights)
    # chain rule by hand: dL/dw_syn = 2 * ring[d, tgt] * s[src]
    ring = np.asarray(deliver_dense(jnp.zeros((6, 23)), s, groups, 0))
    order = np.argsort(src, kind="stable")
    expect = 2 * ring[d % 6, tgt] * spikes[0][src]
    np.testing.assert_allclose(np.asarray(ge), expect[order], rtol=1e-5, atol=1e-6)
    assert np.isfinite(np.asarray(gd.mats[0])).all()


def _burst_net(path, capacity=None):
    sim = sn.Simulator(dt=0.1 * u.ms, seed=3, event_capacity=capacity)
    sg = sim.create("spike_generator", 120, params={"spike_times": [1.0, 1.1, 3.0] * u.ms})
    n = sim.create("iaf_psc_delta", 30, params={"V_th": 1e6 * u.mV})
    sim.connect(sg, n, rule=sn.conn.fixed_outdegree(5), weight=sn.conn.normal(0.5 * u.mV, 0.2 * u.mV),
                delay=sn.conn.uniform(0.1 * u.ms, 0.6 * u.ms), path=path)
    mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": 0.1 * u.ms})
    sim.connect(mm, n)
    return sim, mm


def test_burst_beyond_capacity_loses_no_spike():
    sim, mm = _burst_net("event", capacity=4)  # 120 sources spike in one step
    res = sim.simulate(5 * u.ms)
    assert res.capacity_retries >= 1
    assert sim.capacities[0][-1] >= 120
    ref_sim, ref_mm = _burst_net("dense")
    ref = ref_sim.simulate(5 * u.ms)
    np.testing.assert_allclose(res.events(mm)["V_m"].to_decimal(u.mV),
                               ref.events(ref_mm)["V_m"].to_decimal(u.mV), rtol=1e-5, atol=1e-4)

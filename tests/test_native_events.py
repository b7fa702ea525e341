"""The native CPU event kernel (sncore.native) against the XLA event path: bit-identical
ring buffers and spike counts over random projections (both layouts, one or many delays,
per-synapse or per-source weights, spike multiplicities, float32 and float64), and whole
networks run with ``kernels="native"`` vs ``kernels="xla"`` give identical spikes (Brunel with
iaf_psc_delta and one delay, COBA with iaf_cond_exp and two sign-routed projections)."""

from __future__ import annotations

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sncore import native
from sncore.conn.propagate import NATIVE, build_csr, capacity_ladder, deliver_event

# skipped only without a C++ compiler; a compiler whose build fails is a failure (native_cpu)
pytestmark = [pytest.mark.skipif(native.build._compiler() is None, reason="no C++ compiler"),
              pytest.mark.usefixtures("native_cpu")]


def _projection(rng, n_src, n_tgt, n_syn, D, hom, per_source, layout, dtype):
    src = rng.integers(0, n_src, n_syn)
    tgt = rng.integers(0, n_tgt, n_syn)
    if per_source:
        w = rng.normal(0, 1, n_src)[src]
    else:
        w = rng.normal(0, 1, n_syn)
    d = np.full(n_syn, D) if hom else rng.integers(1, D + 1, n_syn)
    return build_csr(src, tgt, w, d, n_src, n_tgt, dtype, D=D, layout=layout)


@pytest.mark.parametrize("layout", ["csr", "ell"])
@pytest.mark.parametrize("hom", [True, False])
@pytest.mark.parametrize("per_source", [True, False])
@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_native_equals_xla_path(layout, hom, per_source, dtype, request):
    if dtype == jnp.float64:
        request.getfixturevalue("x64")
    rng = np.random.default_rng([3, hom, per_source, layout == "ell"])
    n_src, n_tgt, D = 300, 200, 5
    csr, spec = _projection(rng, n_src, n_tgt, 6000, D, hom, per_source, layout, dtype)
    assert spec.per_source == per_source and (spec.hom_delay > 0) == hom
    ladder = capacity_ladder(n_src)
    ring_x = ring_n = jnp.asarray(rng.normal(0, 1, (D, n_tgt)), dtype)
    xla = jax.jit(lambda r, s, k: deliver_event(r, s, csr, spec, k, ladder))
    nat = jax.jit(lambda r, s, k: deliver_event(r, s, csr, spec, k, NATIVE))
    for k in range(12):
        p = [0.0, 0.01, 0.1, 0.5, 1.0][k % 5]
        spikes = (rng.random(n_src) < p) * rng.integers(1, 3, n_src)  # multiplicities 1 and 2
        s = jnp.asarray(spikes, dtype)
        ring_x, cx = xla(ring_x, s, k)
        ring_n, cn = nat(ring_n, s, k)
        assert int(cx) == int(cn) == int(np.count_nonzero(spikes))
        np.testing.assert_array_equal(np.asarray(ring_n), np.asarray(ring_x))
    assert np.any(np.asarray(ring_n) != 0)


@pytest.mark.parametrize("layout", ["csr", "ell"])
@pytest.mark.parametrize("delay", ["D", "2", "many"])
@pytest.mark.parametrize("per_source", [True, False])
def test_native_clearing_writer_equals_xla_path(layout, delay, per_source):
    """With ``clear`` (the ring's first writer zeroes slot k mod D): one delay equal to D
    writes into that very slot, where the kernel sums into the ring row directly; one delay
    of 2 and many delays take the accumulator. All bit-identical to the XLA path."""
    rng = np.random.default_rng([4, per_source, layout == "ell", len(delay)])
    n_src, n_tgt, D, n_syn = 300, 200, 5, 6000
    src, tgt = rng.integers(0, n_src, n_syn), rng.integers(0, n_tgt, n_syn)
    w = rng.normal(0, 1, n_src)[src] if per_source else rng.normal(0, 1, n_syn)
    d = rng.integers(1, D + 1, n_syn) if delay == "many" else np.full(n_syn, D if delay == "D" else 2)
    csr, spec = build_csr(src, tgt, w, d, n_src, n_tgt, jnp.float32, D=D, layout=layout)
    ring_x = ring_n = jnp.asarray(rng.normal(0, 1, (D, n_tgt)), jnp.float32)
    ladder = capacity_ladder(n_src)
    xla = jax.jit(lambda r, s, k: deliver_event(r, s, csr, spec, k, ladder, clear=True))
    nat = jax.jit(lambda r, s, k: deliver_event(r, s, csr, spec, k, NATIVE, clear=True))
    for k in range(12):
        p = [0.0, 0.01, 0.1, 0.5, 1.0][k % 5]
        s = jnp.asarray((rng.random(n_src) < p) * rng.integers(1, 3, n_src), jnp.float32)
        ring_x, cx = xla(ring_x, s, k)
        ring_n, cn = nat(ring_n, s, k)
        assert int(cx) == int(cn)
        np.testing.assert_array_equal(np.asarray(ring_n), np.asarray(ring_x))
    assert np.any(np.asarray(ring_n) != 0)


def test_native_bool_and_empty_spikes():
    rng = np.random.default_rng(0)
    csr, spec = _projection(rng, 50, 40, 400, 3, False, False, "csr", jnp.float32)
    ring = jnp.zeros((3, 40), jnp.float32)
    s = jnp.asarray(rng.random(50) < 0.3)
    r_x, c_x = deliver_event(ring, s, csr, spec, 7, capacity_ladder(50))
    r_n, c_n = deliver_event(ring, s, csr, spec, 7, NATIVE)
    np.testing.assert_array_equal(np.asarray(r_n), np.asarray(r_x))
    assert int(c_n) == int(c_x)
    r_e, c_e = deliver_event(ring, jnp.zeros(50, bool), csr, spec, 7, NATIVE)
    assert int(c_e) == 0 and not np.any(np.asarray(r_e))


def test_events_native_network_equals_xla():
    """A Brunel network (iaf_psc_delta, one delay of 15 steps) gives the same spike counts
    with kernels='native' and 'xla', bit for bit."""
    from sncore.zoo import brunel

    out = {}
    for kernels in ("xla", "native"):
        net = brunel(order=100, seed=2, kernels=kernels, backend="cpu")
        r = net.sim.simulate(200 * u.ms, progress=False)
        assert r.event_kernel == kernels
        out[kernels] = r
    for b in out["xla"].counts:
        np.testing.assert_array_equal(out["native"].counts[b], out["xla"].counts[b])
    assert sum(int(c.sum()) for c in out["xla"].counts.values()) > 1000


def _plain(spikes):
    times, senders = spikes
    return np.asarray(times / u.ms if hasattr(times, "unit") else times), np.asarray(senders)


def test_coba_native_equals_xla(monkeypatch):
    """COBA at 1/4 scale (iaf_cond_exp, two sign-routed projections), 300 ms: the native
    event kernel reproduces the XLA run spike for spike. The native neuron step (equal only
    to rounding, tests/test_native_neurons.py) is switched off, so only the events differ."""
    from sncore.native import neurons
    from sncore.zoo import coba

    monkeypatch.setattr(neurons, "NATIVE_STEPS", {})

    res = {}
    for kernels in ("xla", "native"):
        net = coba(scale=0.25, seed=3, n_record=None, kernels=kernels, backend="cpu")
        res[kernels] = (net.sim.simulate(300 * u.ms, progress=False), net)
    (rx, net_x), (rn, _) = res["xla"], res["native"]
    assert rx.event_kernel == "xla" and rn.event_kernel == "native"
    (tx, sx), (tn, sn) = (_plain(r.spikes(net_x.recorder)) for r in (rx, rn))
    assert len(tx) > 5000
    np.testing.assert_array_equal(tn, tx)
    np.testing.assert_array_equal(sn, sx)


def test_kernel_choice_and_errors():
    """``kernels=`` is checked; ``auto`` keeps the XLA path when ``event_capacity`` sizes it;
    ``native`` refuses what it cannot run, naming the reason."""
    import sncore as sn

    with pytest.raises(sn.SncoreError, match="'kernels' must be one of"):
        sn.Simulator(kernels="fast")

    def run(**kw):
        sim = sn.Simulator(seed=1, backend="cpu", **kw)
        a = sim.create("iaf_psc_delta", 20, params={"I_e": 500 * u.pA})
        sim.connect(a, a, rule=sn.conn.fixed_indegree(5), weight=0.5 * u.mV)
        return sim.simulate(5 * u.ms, progress=False)

    assert run().event_kernel == "native"
    assert run(kernels="xla").event_kernel == "xla"
    assert run(event_capacity=4).event_kernel == "xla"
    assert run(event_capacity=4, kernels="native").event_kernel == "native"
    with pytest.raises(sn.SncoreError, match="several devices"):
        run(kernels="native", devices=jax.devices("cpu")[:1])


@pytest.mark.parametrize("first", ["dense", "procedural", "event"])
def test_mixed_paths_into_one_ring(first):
    """A ring written by another path before a native projection in the same step: the
    native kernel must not clear the slot (it clears only rings whose first writer it is).
    The first projection has the ring's largest delay D, so it writes into slot (k + D) mod
    D = k mod D, the slot cleared this step. Spike counts equal the XLA run exactly."""
    import sncore as sn

    def run(kernels):
        sim = sn.Simulator(seed=4, kernels=kernels, backend="cpu")
        v0 = np.random.default_rng(0).uniform(-70, -55, 200) * u.mV  # asynchronous regular firing
        a = sim.create("iaf_psc_delta", 200, params={"I_e": 500 * u.pA}, init={"V_m": v0})
        b = sim.create("iaf_psc_delta", 100, params={"I_e": 340 * u.pA})  # V_inf -56.4 mV: input-driven
        rule = sn.conn.fixed_probability(0.1) if first == "procedural" else sn.conn.fixed_indegree(10)
        sim.connect(a, b, rule=rule, weight=1.0 * u.mV, delay=2.0 * u.ms, path=first)
        sim.connect(a, b, rule=sn.conn.fixed_indegree(10), weight=-0.3 * u.mV,
                    delay=sn.conn.uniform(0.5 * u.ms, 1.5 * u.ms), path="event")
        sim.connect(b, b, rule=sn.conn.fixed_indegree(5), weight=0.2 * u.mV, delay=0.1 * u.ms, path="event")
        r = sim.simulate(100 * u.ms, progress=False)
        assert r.event_kernel == kernels
        return r.counts

    x, n = run("xla"), run("native")
    assert sum(int(c.sum()) for c in x.values()) > 1000
    for blk in x:
        np.testing.assert_array_equal(n[blk], x[blk])


def _loop_body(hlo: str) -> str:
    """The text of the while loop's body computation in an optimized HLO module."""
    import re

    body = re.search(r"while\(.*?body=%([\w.\-]+)", hlo).group(1)
    start = hlo.index(f"%{body} (")
    return hlo[start:hlo.index("\n}", start)]


def test_native_rings_not_copied_per_step():
    """The native kernel updates a ring in place, after every read of the step's slot (its
    ``after`` operands). Without that order XLA scheduled iaf_psc_exp's fused slot read after
    the kernel and copied each whole ring twice per step; the compiled loop body must hold no
    copy of a ring-shaped array."""
    from sncore.zoo import microcircuit

    net = microcircuit(scale=0.01, seed=1, n_record=0, kernels="native", backend="cpu")
    sim = net.sim
    sim.simulate(2 * u.ms, progress=False)
    rings = [r for rs in sim.state["rings"].values() for r in rs]
    assert rings and all(r.shape[0] > 1 for r in rings)  # several delay slots: a real ring
    body = _loop_body(next(iter(sim._compiled.values())).as_text())
    assert "sncore_deliver" in body
    copies = [line for line in body.splitlines() if " copy(" in line]
    for r in rings:
        shape = f"{jnp.dtype(r.dtype).name[0]}{jnp.dtype(r.dtype).itemsize * 8}[{r.shape[0]},{r.shape[1]}]"
        assert not [c for c in copies if shape in c], (shape, copies)

"""Checkpoints: save/load of the full state resumes bit for bit; other networks and damaged
files are refused with errors naming what differs."""

import json
import zipfile

import brainunit as u
import jax
import numpy as np
import pytest

import sncore as sn
from sncore.units import SncoreError


def _net(seed=4, n=30, dt=0.1, rate=9000.0, indeg=6):
    """Poisson drive, heterogeneous delays, an stdp_synapse projection, a noise_generator,
    a spike recorder and a multimeter. One chunk length (50 steps): one compilation per run."""
    sim = sn.Simulator(dt=dt * u.ms, seed=seed, chunk=50)
    e = sim.create("iaf_psc_exp", n, params={"I_e": 200.0 * u.pA})
    i = sim.create("iaf_psc_delta", n // 3)
    pg = sim.create("poisson_generator", params={"rate": rate * u.Hz})
    sim.connect(pg, e, weight=60.0 * u.pA, delay=1.0 * u.ms)
    sim.connect(pg, i, weight=0.5 * u.mV)
    noise = sim.create("noise_generator", params={"mean": 50.0 * u.pA, "std": 100.0 * u.pA, "dt": 1.0 * u.ms})
    sim.connect(noise, e)
    sim.connect(e, e, rule=sn.conn.fixed_indegree(indeg), weight=80.0 * u.pA,
                delay=sn.conn.uniform(0.5 * u.ms, 3.0 * u.ms),
                synapse={"synapse_model": "stdp_synapse", "Wmax": 200.0 * u.pA})
    sim.connect(e, i, rule=sn.conn.fixed_indegree(5), weight=0.4 * u.mV,
                delay=sn.conn.uniform(0.5 * u.ms, 2.0 * u.ms))
    sim.connect(i, e, rule=sn.conn.fixed_indegree(3), weight=-100.0 * u.pA, delay=1.2 * u.ms)
    rec = sim.create("spike_recorder")
    sim.connect(e + i, rec)
    mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": 0.4 * u.ms})
    sim.connect(mm, e[:4])
    return sim, rec, mm


def _leaves(state):
    return [np.asarray(x) for x in jax.tree_util.tree_leaves(state)]


def _check_same(ra, rb, rec, mm, t1):
    """The part of run ``ra`` after ``t1`` ms equals run ``rb``, bit for bit."""
    ta, sa = ra.spikes(rec)
    ta = np.asarray(ta.to_decimal(u.ms))
    tb, sb = rb.spikes(rec)
    m = ta > t1 + 1e-9
    assert m.sum() > 50   # the network is active after the checkpoint
    np.testing.assert_array_equal(ta[m], np.asarray(tb.to_decimal(u.ms)))
    np.testing.assert_array_equal(sa[m], sb)
    ea, eb = ra.events(mm), rb.events(mm)
    m = np.asarray(ea["times"].to_decimal(u.ms)) > t1 + 1e-9
    assert m.sum() > 100
    for k in ("times", "senders", "V_m"):
        np.testing.assert_array_equal(np.asarray(u.get_magnitude(ea[k]))[m], np.asarray(u.get_magnitude(eb[k])))


def test_resume_is_bit_identical(tmp_path):
    sim_a, rec, mm = _net()
    ref = sim_a.simulate(75 * u.ms)   # run A: T1 + T2 in one call

    sim_b, _, _ = _net()
    sim_b.simulate(40 * u.ms)         # run B: T1, save ...
    sim_b.save_checkpoint(tmp_path / "ck.npz")
    for warm in (False, True):        # ... load into a new Simulator built by the same script
        sim_c, _, _ = _net()
        if warm:  # one that has already run: its state is overwritten
            sim_c.simulate(5 * u.ms)
        sim_c.load_checkpoint(tmp_path / "ck.npz")   # warm=False: before the first simulate
        assert sim_c.steps == 400 and sim_c.t == pytest.approx(40.0)
        res = sim_c.simulate(35 * u.ms)               # ... and run T2
        _check_same(ref, res, rec, mm, 40.0)
        for a, b in zip(_leaves(sim_a.state), _leaves(sim_c.state)):
            np.testing.assert_array_equal(a, b)
    # plastic weights really changed, so the test covers their restoration
    w = np.asarray(sim_c.state["plastic"][0]["w"])
    assert not np.all(w == w[0])


def test_file_is_plain_arrays_with_manifest(tmp_path):
    sim, _, _ = _net()
    sim.steps, sim.t = 50, 5.0        # as after simulate(5 ms), without compiling
    sim.store(tmp_path / "ck.npz")   # Brian2-style alias
    with np.load(tmp_path / "ck.npz", allow_pickle=False) as z:
        man = json.loads(bytes(z["__manifest__"]).decode())
        assert man["format"] == 1 and man["steps"] == 50
        fp = man["fingerprint"]
        assert fp["dt"] == 0.1 and fp["seed"] == 4 and fp["models"] == {"iaf_psc_exp": 30, "iaf_psc_delta": 10}
        assert len(man["arrays"]) == len(z.files) - 1
        k = [v["leaf"] for v in man["arrays"].values()]
        assert "['k']" in k and any("V_m" in x for x in k) and any("['rings']" in x for x in k)
    sim2, _, _ = _net()
    sim2.restore(tmp_path / "ck.npz")
    assert sim2.steps == 50


@pytest.mark.parametrize("kw,what", [
    ({"seed": 5}, "seed"), ({"dt": 0.2}, "dt"), ({"n": 33}, "models"),
    ({"rate": 8000.0}, "device parameters hash"), ({"indeg": 7}, "connection counts"),
])
def test_other_network_is_refused_naming_the_difference(tmp_path, kw, what):
    sim, _, _ = _net()
    sim.save_checkpoint(tmp_path / "ck.npz")   # before any simulate: the initial state
    other, _, _ = _net(**kw)
    with pytest.raises(SncoreError, match=what):
        other.load_checkpoint(tmp_path / "ck.npz")
    assert other.steps == 0


def test_same_shapes_other_connectivity_is_refused(tmp_path):
    """Same sizes, counts and dt: only the connectivity hash can tell the networks apart."""
    def build(w):
        sim = sn.Simulator(seed=1)
        a = sim.create("iaf_psc_delta", 5)
        sim.connect(a, a, rule=sn.conn.fixed_indegree(2), weight=w * u.mV)
        return sim
    build(0.5).save_checkpoint(tmp_path / "ck.npz")
    build(0.5).load_checkpoint(tmp_path / "ck.npz")
    with pytest.raises(SncoreError, match="connectivity hash"):
        build(0.6).load_checkpoint(tmp_path / "ck.npz")


def _rewrite(src, dst, change):
    with np.load(src, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    change(arrays)
    np.savez(dst, **arrays)


@pytest.mark.parametrize("damage,msg", [
    ("truncate", "damaged"), ("missing", "missing"), ("dtype", "expected"), ("shape", "expected"),
    ("flip", "sha256"), ("nomanifest", "not an sncore checkpoint"), ("format", "format"),
])
def test_damaged_file_is_refused(tmp_path, damage, msg):
    sim, _, _ = _net()
    good = tmp_path / "ck.npz"
    sim.save_checkpoint(good)
    bad = tmp_path / "bad.npz"
    with np.load(good, allow_pickle=False) as z:
        man = json.loads(bytes(z["__manifest__"]).decode())
    key = next(k for k, v in man["arrays"].items() if "V_m" in v["leaf"])
    if damage == "truncate":
        data = good.read_bytes()
        bad.write_bytes(data[: len(data) // 2])
    elif damage == "missing":
        _rewrite(good, bad, lambda a: a.pop(key))
    elif damage == "dtype":
        _rewrite(good, bad, lambda a: a.__setitem__(key, a[key].astype(np.float64)))
    elif damage == "shape":
        _rewrite(good, bad, lambda a: a.__setitem__(key, a[key][:-1]))
    elif damage == "flip":
        def flip(a):
            v = a[key].copy()
            v[0] += 1.0
            a[key] = v
        _rewrite(good, bad, flip)
    elif damage == "nomanifest":
        _rewrite(good, bad, lambda a: a.pop("__manifest__"))
    else:
        man["format"] = 99
        _rewrite(good, bad, lambda a: a.__setitem__(
            "__manifest__", np.frombuffer(json.dumps(man).encode(), np.uint8)))
    fresh, _, _ = _net()
    with pytest.raises(SncoreError, match=msg):
        fresh.load_checkpoint(bad)
    assert fresh.steps == 0
    assert zipfile.is_zipfile(good)

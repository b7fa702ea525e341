"""Procedural connectivity (``path="procedural"``): rows regenerated from threefry, 0 bytes per synapse.

* statistics: degrees (chi-squared against the binomial / the exact out-degree), target uniformity,
  weights (KS against the distribution), delays (chi-squared against the exact step
  probabilities), each also computed for the stored rule, and each check shown to reject a
  slightly wrong distribution;
* exactness: a network run procedurally equals, spike for spike, the run in which the materialised
  synapses are given to the stored event path as explicit pairs (dense-oracle comparison);
* same network rates (stored vs procedural, several seeds), row-capacity overflow (re-run, nothing
  truncated), a 1.25e9-synapse projection, errors, checkpoint fingerprints.
"""

import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

import sncore as sn
from sncore.conn.procedural import materialise, row_capacity
from sncore.conn.rules import Rule
from sncore.units import SncoreError

P_MIN = 1e-3  # a correct distribution is rejected with probability 1e-3 per check


class Explicit(Rule):
    """Given pairs (positions in pre / post), in order."""

    name = "explicit"

    def __init__(self, s, t):
        self.s, self.t = np.asarray(s), np.asarray(t)

    def pairs(self, src, tgt, rng, autapses, multapses):
        return self.s, self.t


def _pos(ids, x):
    """Positions of the global ids ``x`` in a collection with global ids ``ids`` (any order)."""
    order = np.argsort(ids)
    return order[np.searchsorted(ids[order], x)]


def _pairs(sim, syn, pre, post):
    return _pos(pre.global_ids, syn.get("source")), _pos(post.global_ids, syn.get("target"))


def _chi2_counts(observed, probs):
    """Chi-squared p-value of integer samples' histogram against probabilities over 0..len-1,
    tail bins pooled until each expected count is >= 5."""
    n = observed.size
    obs = np.bincount(observed, minlength=len(probs))[:len(probs)].astype(float)
    exp = np.asarray(probs) * n
    assert observed.max(initial=0) < len(probs)
    o, e, acc_o, acc_e = [], [], 0.0, 0.0
    for oi, ei in zip(obs, exp):
        acc_o, acc_e = acc_o + oi, acc_e + ei
        if acc_e >= 5:
            o.append(acc_o)
            e.append(acc_e)
            acc_o = acc_e = 0.0
    o[-1] += acc_o
    e[-1] += acc_e
    e = np.asarray(e) * (sum(o) / sum(e))
    return stats.chisquare(o, e).pvalue


def _net(seed, rule, path, n_pre=1500, n_post=400, same=False, **kw):
    sim = sn.Simulator(seed=seed)
    pre = sim.create("iaf_psc_delta", n_pre)
    post = pre if same else sim.create("iaf_psc_delta", n_post)
    syn = sim.connect(pre, post, rule, path=path, **kw)
    return sim, pre, post, syn


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fixed_probability_degrees_match_binomial_and_stored_rule(seed):
    p, n_pre, n_post = 0.05, 1500, 400
    out = {}
    for path in ("procedural", "event"):
        sim, pre, post, syn = _net(seed, sn.conn.fixed_probability(p), path)
        s, t = _pairs(sim, syn, pre, post)
        assert len(np.unique(s * n_post + t)) == len(s)  # no multapses
        out[path] = (np.bincount(s, minlength=n_pre), np.bincount(t, minlength=n_post))
        assert _chi2_counts(out[path][0], stats.binom.pmf(np.arange(n_post + 1), n_post, p)) > P_MIN
        assert _chi2_counts(out[path][1], stats.binom.pmf(np.arange(n_pre + 1), n_pre, p)) > P_MIN
    # the same check rejects a 10 % wrong probability
    assert _chi2_counts(out["procedural"][0], stats.binom.pmf(np.arange(n_post + 1), n_post, 1.1 * p)) < P_MIN
    # two-sample: procedural and stored out-degrees from one distribution
    lo, hi = 8, 33
    table = [np.bincount(np.clip(out[k][0], lo, hi) - lo, minlength=hi - lo + 1) for k in out]
    assert stats.chi2_contingency(table).pvalue > P_MIN


@pytest.mark.parametrize("seed", [3, 4])
def test_fixed_probability_without_autapses(seed):
    n, p = 600, 0.1
    sim, pre, post, syn = _net(seed, sn.conn.fixed_probability(p), "procedural", n_pre=n, same=True,
                               allow_autapses=False)
    s, t = _pairs(sim, syn, pre, post)
    assert not np.any(s == t)
    assert _chi2_counts(np.bincount(s, minlength=n), stats.binom.pmf(np.arange(n), n - 1, p)) > P_MIN
    # targets uniform over the other n - 1 neurons: offsets (t - s) mod n uniform on 1..n-1
    off = (t - s) % n
    assert _chi2_counts(off - 1, np.full(n - 1, 1 / (n - 1))) > P_MIN
    assert stats.chisquare(np.bincount(t, minlength=n)).pvalue > P_MIN


@pytest.mark.parametrize("seed,autapses", [(0, True), (1, False), (2, True)])
def test_fixed_outdegree_exact_degree_uniform_targets(seed, autapses):
    k, n = 30, 500
    out = {}
    for path in ("procedural", "event"):
        sim, pre, post, syn = _net(seed, sn.conn.fixed_outdegree(k), path, n_pre=n, same=True,
                                   allow_autapses=autapses)
        s, t = _pairs(sim, syn, pre, post)
        assert np.all(np.bincount(s, minlength=n) == k)
        if not autapses:
            assert not np.any(s == t)
        avail = n if autapses else n - 1
        off = (t - s) % n if not autapses else t
        probs = np.full(avail, 1 / avail)
        assert _chi2_counts(off - (0 if autapses else 1), probs) > P_MIN
        out[path] = np.bincount(t, minlength=n)
        assert stats.chisquare(out[path]).pvalue > P_MIN  # in-degrees ~ Multinomial(uniform)
    skew = np.linspace(0.8, 1.2, n)
    assert stats.chisquare(out["procedural"], skew / skew.sum() * out["procedural"].sum()).pvalue < P_MIN


_W = [
    (sn.conn.uniform(0.1 * u.mV, 0.5 * u.mV), lambda f: stats.uniform(0.1, 0.4 * f)),
    (sn.conn.normal(0.2 * u.mV, 0.1 * u.mV), lambda f: stats.norm(0.2, 0.1 * f)),
    (sn.conn.lognormal(0.0, 0.5, 0.1 * u.mV), lambda f: stats.lognorm(0.5 * f, scale=0.1)),
    (sn.conn.exponential(0.3 * u.mV), lambda f: stats.expon(scale=0.3 * f)),
]


@pytest.mark.parametrize("dist,ref", _W, ids=["uniform", "normal", "lognormal", "exponential"])
def test_weight_distributions_ks(dist, ref):
    for seed in (5, 6):
        _, _, _, syn = _net(seed, sn.conn.fixed_probability(0.05), "procedural", weight=dist)
        w = np.asarray(syn.get("weight").to_decimal(u.mV))
        assert len(w) > 25000
        assert stats.kstest(w, ref(1.0).cdf).pvalue > P_MIN
        assert stats.kstest(w, ref(1.1).cdf).pvalue < P_MIN  # a 10 % wrong parameter is rejected
        _sim, _pre, _post, syn_s = _net(seed, sn.conn.fixed_probability(0.05), "event", weight=dist)
        assert stats.ks_2samp(w, np.asarray(syn_s.get("weight").to_decimal(u.mV))).pvalue > P_MIN


def test_uniform_delays_exact_step_probabilities():
    lo, hi, dt = 0.8, 3.3, 0.1
    steps = np.arange(0, 40)
    a, b = np.maximum((steps - 0.5) * dt, lo), np.minimum((steps + 0.5) * dt, hi)
    probs = np.clip(b - a, 0, None) / (hi - lo)
    for path in ("procedural", "event"):
        _sim, _pre, _post, syn = _net(7, sn.conn.fixed_outdegree(40), path,
                                   delay=sn.conn.uniform(lo * u.ms, hi * u.ms))
        d = np.round(np.asarray(syn.get("delay").to_decimal(u.ms)) / dt).astype(int)
        assert d.min() == 8 and d.max() == 33
        assert _chi2_counts(d, probs) > P_MIN
    shifted = np.roll(probs, 1)
    assert _chi2_counts(np.clip(d, 0, 38), shifted) < P_MIN


def _exact_net(proc=None, seed=1, T=200.0):
    sim = sn.Simulator(seed=seed, event_capacity=16)  # one compiled rung per projection (test time)
    a = sim.create("iaf_psc_delta", 150)
    b = sim.create("iaf_psc_exp", 60)  # sign-routed: excitatory / inhibitory by the weight's sign
    pg = sim.create("poisson_generator", params={"rate": 20000 * u.Hz})
    sim.connect(pg, a, weight=0.12 * u.mV)
    sim.connect(pg, b, weight=30 * u.pA)
    specs = [(a, a, sn.conn.fixed_probability(0.1), sn.conn.normal(0.05 * u.mV, 0.3 * u.mV),
              sn.conn.uniform(0.8 * u.ms, 3.3 * u.ms), False),
             (a, b, sn.conn.fixed_outdegree(9), sn.conn.normal(0 * u.pA, 40 * u.pA), 1.0 * u.ms, True),
             (b, a[50:120], sn.conn.fixed_probability(0.3), -0.4 * u.mV, sn.conn.uniform(1 * u.ms, 2 * u.ms), True),
             # non-contiguous, overlapping pre and post without autapses
             (a[::2], a[1::3] + a[2::6], sn.conn.fixed_outdegree(6), sn.conn.uniform(-0.2 * u.mV, 0.5 * u.mV),
              2.0 * u.ms, False)]
    syns = []
    for i, (p, q, r, w, d, aut) in enumerate(specs):
        if proc is None:
            syns.append(sim.connect(p, q, r, weight=w, delay=d, allow_autapses=aut, path="procedural"))
        else:
            s, t = _pairs(sim, proc[i], p, q)
            syns.append(sim.connect(p, q, Explicit(s, t), weight=proc[i].get("weight"),
                                    delay=proc[i].get("delay"), path="event"))
    rec = sim.create("spike_recorder")
    sim.connect(a + b, rec)
    res = sim.simulate(T * u.ms)
    t, s = res.spikes(rec)
    return np.asarray(t.to_decimal(u.ms)), s, syns, res


def test_procedural_run_equals_stored_run_of_its_materialised_synapses():
    t1, s1, syns, r1 = _exact_net()
    t2, s2, _, r2 = _exact_net(syns)
    assert r1.connectivity == {0: "device", 1: "device", 2: "procedural", 3: "procedural", 4: "procedural",
                               5: "procedural"}
    assert set(r2.connectivity.values()) <= {"device", "event-ell", "event-csr"}
    assert [sy.mode for sy in syns] == ["procedural"] * 4
    assert not np.any(syns[3].get("source") == syns[3].get("target"))  # no autapses on the overlap
    assert len(s1) > 1000
    np.testing.assert_array_equal(s1, s2)
    np.testing.assert_array_equal(t1, t2)


def _brunel(sim, path):
    p = {"tau_m": 20 * u.ms, "V_th": 20 * u.mV, "V_reset": 10 * u.mV, "E_L": 0 * u.mV, "t_ref": 2 * u.ms}
    e = sim.create("iaf_psc_delta", 400, params=p)
    i = sim.create("iaf_psc_delta", 100, params=p)
    pg = sim.create("poisson_generator", params={"rate": 15000 * u.Hz})
    sim.connect(pg, e + i, weight=0.1 * u.mV, delay=1.5 * u.ms)
    sim.connect(e, e + i, sn.conn.fixed_probability(0.1), weight=0.1 * u.mV, delay=1.5 * u.ms, path=path)
    sim.connect(i, e + i, sn.conn.fixed_probability(0.1), weight=-0.5 * u.mV, delay=1.5 * u.ms, path=path)
    return e, i


def test_brunel_rates_stored_vs_procedural():
    # three independent realisations of each (every connect call has its own random streams, as a
    # different seed would give), all in one Simulator: one compile
    sim = sn.Simulator(seed=11)
    nets = [(path, _brunel(sim, path)) for path in ("event", "procedural") * 3]
    sim._ensure_engine()
    # two rungs per projection (8 spiking sources, all of them): two compiled branches each (test time)
    sim.capacities = tuple((8, p.spec.n_src if p.path == "event" else p.spec.n_pre) for p in sim.engine.projs
                           if p.path in ("event", "procedural"))
    res = sim.simulate(200 * u.ms)
    assert res.capacity_retries == 0
    r = {"event": [], "procedural": []}
    for path, (e, i) in nets:
        r[path].append([float(res.rate(e).to_decimal(u.Hz)), float(res.rate(i).to_decimal(u.Hz))])
    r = {k: np.array(v) for k, v in r.items()}
    assert np.all(r["event"] > 1) and np.all(r["procedural"] > 1)
    for pop in (0, 1):  # Welch's t-test over realisations
        assert stats.ttest_ind(r["event"][:, pop], r["procedural"][:, pop], equal_var=False).pvalue > P_MIN


def test_row_capacity_bound_holds():
    for n, p, rows in [(400, 0.05, 1500), (50_000, 0.5, 50_000), (1000, 0.001, 10), (100, 0.9, 100)]:
        R = row_capacity(n, p, rows)
        r = np.arange(n + 1)
        exact = r[rows * stats.binom.sf(r, n, p) <= 1e-12][0]  # the smallest capacity that holds
        assert exact <= R <= exact + np.sqrt(n * p * (1 - p)) + 1  # Chernoff: within one sd of it
    assert row_capacity(10, 0.0, 5) == 1 and row_capacity(10, 1.0, 5) == 10


def test_row_overflow_is_rerun_not_truncated():
    def run(shrink):
        sim = sn.Simulator(seed=2)
        a = sim.create("iaf_psc_delta", 120, params={"I_e": 380 * u.pA})
        sim.connect(a, a, sn.conn.fixed_probability(0.2), weight=sn.conn.uniform(0.1 * u.mV, 0.4 * u.mV),
                    delay=1.0 * u.ms, path="procedural")
        rec = sim.create("spike_recorder")
        sim.connect(a, rec)
        sim._ensure_engine()
        sim.capacities = ((120,),)  # one rung: every spike count fits (one compile per row capacity)
        R0 = sim.engine.projs[0].spec.R
        if shrink:  # rows of ~24 targets in 20 slots: many spiking rows overflow
            sim.engine.projs[0].spec = sim.engine.projs[0].spec._replace(R=20)
        res = sim.simulate(50 * u.ms)
        return res, res.spikes(rec)[1], sim.engine.projs[0].spec.R, R0

    ref, s_ref, R_ref, R0 = run(False)
    res, s, R, _ = run(True)
    assert R_ref == R0  # the Chernoff capacity held
    assert ref.capacity_retries == 0 and res.capacity_retries >= 1 and R > 20
    assert len(s_ref) > 100
    np.testing.assert_array_equal(s, s_ref)


def test_materialise_regrows_small_capacity():
    sim, _pre, _post, _syn = _net(0, sn.conn.fixed_probability(0.2), "procedural", n_pre=50, n_post=300)
    pc = sim.procedural[0]
    full = materialise(pc, jnp.asarray(pc.w_par, jnp.float32), jnp.float32)
    pc.R = 30  # rows of ~60: regrown to 60, then 120
    small = materialise(pc, jnp.asarray(pc.w_par, jnp.float32), jnp.float32)
    for x, y in zip(full, small):
        np.testing.assert_array_equal(x, y)


def test_billion_synapse_projection_runs_with_no_synapse_memory():
    n, w = 50_000, 0.01
    sim = sn.Simulator(seed=9, event_capacity=16)
    pop = sim.create("iaf_psc_delta", 2 * n, init={"V_m": np.r_[np.full(10, -50.0), np.full(2 * n - 10, -70.0)] * u.mV})
    pre, post = pop[:n], pop[n:]
    syn = sim.connect(pre, post, sn.conn.fixed_probability(0.5), weight=w * u.mV, delay=1.0 * u.ms,
                      path="procedural")
    sim.simulate(1.1 * u.ms)  # sources 0..9 spike in step 0; their rows arrive in step 10
    stored = sum(np.asarray(a).nbytes for a in sim.engine.projs[0].data[0] if a is not None)
    stored += sum(np.asarray(x).nbytes for x in sim.params["proj"])
    assert stored < 1000  # nothing per synapse (expected 1.25e9 synapses)
    pc = sim.procedural[0]
    i_pre, i_post, _ww, _ = materialise(pc, jnp.asarray(pc.w_par, jnp.float32), jnp.float32, sources=range(10))
    assert abs(len(i_pre) - 10 * n * 0.5) < 6 * np.sqrt(10 * n * 0.25)  # Binomial(10 n, 1/2): within 6 sd
    hits = np.bincount(i_post, minlength=n)
    v = np.asarray(sim.neuron_state()["iaf_psc_delta"].V_m[n:]) + 70.0
    np.testing.assert_allclose(v, hits * w, atol=1e-4)
    assert syn.mode == "procedural"


@pytest.mark.parametrize("kw,match", [
    ({"rule": "all_to_all"}, "needs rule"),
    ({"rule": sn.conn.fixed_indegree(3)}, "needs rule"),
    ({"allow_multapses": False}, "allow_multapses=True"),
    ({"synapse": "stdp_synapse"}, "static synapses only"),
    ({"weight": np.ones(5) * u.mV}, "array of shape"),
    ({"delay": sn.conn.normal(2 * u.ms, 1 * u.ms)}, "delay"),
    ({"delay": 0.05 * u.ms}, ">= dt"),
    ({"weight": 1.0 * u.ms}, "weight"),
    ({"path": "sparse"}, "'procedural'"),
])
def test_bad_input_errors(kw, match):
    sim = sn.Simulator()
    a = sim.create("iaf_psc_delta", 5)
    args = {"rule": sn.conn.fixed_outdegree(2), "path": "procedural", **kw}
    with pytest.raises(SncoreError, match=match):
        sim.connect(a, a, **args)


def test_unsupported_combinations():
    sim = sn.Simulator()
    a = sim.create("iaf_psc_delta", 5)
    b = sim.create("iaf_psc_exp", 5)
    pg = sim.create("poisson_generator")
    with pytest.raises(SncoreError, match="neuron sources"):
        sim.connect(pg, a, sn.conn.fixed_outdegree(2), path="procedural")
    with pytest.raises(SncoreError, match="one neuron model"):
        sim.connect(a + b, a, sn.conn.fixed_outdegree(2), path="procedural")
    sim.connect(a, a, sn.conn.fixed_outdegree(2), path="procedural")
    with pytest.raises(SncoreError, match="compile"):
        sim.compile(1 * u.ms)


def test_checkpoint_fingerprint_names_the_mode(tmp_path):
    def build(path):
        sim = sn.Simulator(seed=1)
        a = sim.create("iaf_psc_delta", 50)
        sim.connect(a, a, sn.conn.fixed_outdegree(5), path=path)
        return sim

    build("event").save_checkpoint(tmp_path / "stored.npz")
    build("procedural").save_checkpoint(tmp_path / "proc.npz")
    with pytest.raises(SncoreError, match="procedural connections"):
        build("procedural").load_checkpoint(tmp_path / "stored.npz")
    with pytest.raises(SncoreError, match="procedural connections"):
        build("event").load_checkpoint(tmp_path / "proc.npz")
    build("procedural").load_checkpoint(tmp_path / "proc.npz")

"""Connection rules, weights and delays of ``Simulator.connect`` (NEST semantics).

Statistical tests follow NEST's ``connect_test_base.py``: for each of 20 seeds a Pearson
chi-squared goodness-of-fit test of a degree or node histogram against its exact expected
distribution, then a Kolmogorov-Smirnov test of the 20 p-values against U(0, 1); the
assertion is ``KS p > 0.01``. The seeds are fixed, so the tests are deterministic.

Where draws are *without* replacement the histogram is not multinomial but has a covariance
that is the multinomial one times a finite-population factor ``f`` (derived at each use);
the Pearson statistic is divided by ``f`` so that it is asymptotically chi2(cells - 1).
"""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

import brainunit as u
import numpy as np
import pytest
from scipy import stats

import sncore as sn
from sncore import SncoreError

MODEL = "iaf_psc_delta"   # weights in mV
SEEDS = range(1, 21)
ALPHA = 0.01


# ---------------------------------------------------------------------------- helpers
def new_sim(seed=0, dt=0.1):
    return sn.Simulator(dt=dt * u.ms, seed=seed)


def _gid_of_pos(sim):
    """Block position -> global id (every population here is one neuron model)."""
    n = sum(g.n for g in sim.groups)
    out = np.full(n, -1, np.int64)
    for g in sim.groups:
        assert g.kind == "neuron" and g.block == MODEL
        out[g.offset + np.arange(g.n)] = g.first_id + np.arange(g.n)
    return out


def connect(sim, pre, post, **kw):
    """Run ``sim.connect`` and return the new connections with *global ids* for src/tgt."""
    n0 = len(sim.connections)
    sim.connect(pre, post, **kw)
    new = sim.connections[n0:]
    for c in new:
        assert c.src_block == MODEL and c.tgt_block == MODEL
    g = _gid_of_pos(sim)

    def cat(field, dtype):
        return np.concatenate([getattr(c, field) for c in new]) if new else np.zeros(0, dtype)

    return SimpleNamespace(src=g[cat("src", np.int64)], tgt=g[cat("tgt", np.int64)],
                           weight=cat("weight", float), delay=cat("delay", np.int64))


def index_in(coll, gids):
    """Positions of ``gids`` in the node collection ``coll`` (collection order)."""
    ids = coll.global_ids
    order = np.argsort(ids)
    pos = np.searchsorted(ids[order], gids)
    assert np.all(ids[order][np.minimum(pos, len(ids) - 1)] == gids), "gid not in collection"
    return order[pos]


def pearson_p(observed, expected, f=1.0):
    """Pearson chi-squared p-value (df = cells - 1), statistic divided by ``f``."""
    o = np.asarray(observed, float)
    e = np.asarray(expected, float)
    assert np.isclose(o.sum(), e.sum(), rtol=1e-9)
    assert e.min() >= 5, "expected counts too small for the chi-squared approximation"
    stat = np.sum((o - e) ** 2 / e) / f
    return stats.chi2.sf(stat, len(o) - 1)


def binom_degree_p(degrees, n, p):
    """Chi-squared of a degree histogram against Binomial(n, p); adjacent degrees are
    merged so that every bin expects >= 5 nodes (as NEST's helpers do)."""
    degrees = np.asarray(degrees)
    exp = len(degrees) * stats.binom.pmf(np.arange(n + 1), n, p)
    obs = np.bincount(degrees, minlength=n + 1)
    assert len(obs) == n + 1
    bo, be, co, ce = [], [], 0.0, 0.0
    for o, e in zip(obs, exp):
        co += o
        ce += e
        if ce >= 5:
            bo.append(co)
            be.append(ce)
            co = ce = 0.0
    bo[-1] += co
    be[-1] += ce
    be = np.asarray(be) * len(degrees) / np.sum(be)  # pmf sums to 1 up to rounding
    return pearson_p(bo, be)


def assert_ks_uniform(pvalues):
    ks = stats.kstest(pvalues, "uniform").pvalue
    assert ks > ALPHA, f"KS p={ks:.3g} over chi-squared p-values {np.round(pvalues, 3)}"


def pairs_set(r):
    return set(zip(r.src.tolist(), r.tgt.tolist()))


def has_duplicates(r):
    return len(pairs_set(r)) < len(r.src)


def overlapping_cases(sim):
    """(pre, post) pairs whose global ids overlap, built from one or two populations."""
    a = sim.create(MODEL, 40)
    b = sim.create(MODEL, 10)
    return {
        "self": (a, a),
        "slices": (a[:30], a[20:]),
        "sum": (a + b, b + a[35:]),
        "unsorted": (b + a[10:], a),
    }


# ---------------------------------------------------------------------------- rule API
def test_rules_work_on_global_ids_not_positions():
    """``pairs`` gets sorted unique ids; autapses are equal *ids* (positions differ here)."""
    src = np.array([1, 3, 5, 7, 9], np.int64)
    tgt = np.array([3, 4, 5], np.int64)       # ids 3 and 5 are positions 1/0 and 2/2
    rules = [sn.conn.AllToAll(), sn.conn.fixed_indegree(4), sn.conn.fixed_outdegree(2),
             sn.conn.fixed_probability(1.0), sn.conn.fixed_total_number(13)]
    for rule in rules:
        i_s, i_t = rule.pairs(src, tgt, np.random.default_rng(0), False, False)
        assert i_s.dtype.kind == "i" and i_t.dtype.kind == "i"
        assert np.all((0 <= i_s) & (i_s < len(src))) and np.all((0 <= i_t) & (i_t < len(tgt)))
        assert not np.any(src[i_s] == tgt[i_t]), rule
        assert len(set(zip(i_s.tolist(), i_t.tolist()))) == len(i_s), rule
    # all allowed pairs: 15 - 2 autapses
    i_s, i_t = sn.conn.AllToAll().pairs(src, tgt, None, False, True)
    assert len(i_s) == 13
    i_s, i_t = sn.conn.fixed_total_number(13).pairs(src, tgt, np.random.default_rng(0), False, False)
    assert len(i_s) == 13
    with pytest.raises(SncoreError):
        sn.conn.fixed_total_number(14).pairs(src, tgt, np.random.default_rng(0), False, False)


# ---------------------------------------------------------------------------- exact counts
def test_all_to_all_every_pair_once():
    sim = new_sim()
    a, b = sim.create(MODEL, 7), sim.create(MODEL, 5)
    r = connect(sim, a, b, rule="all_to_all")
    assert len(r.src) == 35
    assert pairs_set(r) == {(s, t) for s in a.global_ids for t in b.global_ids}
    # all_to_all is the default rule
    r2 = connect(sim, a, b)
    assert pairs_set(r2) == pairs_set(r) and len(r2.src) == 35


@pytest.mark.parametrize("case", ["self", "slices", "sum", "unsorted"])
def test_all_to_all_autapses(case):
    sim = new_sim()
    pre, post = overlapping_cases(sim)[case]
    n_overlap = len(np.intersect1d(pre.global_ids, post.global_ids))
    assert n_overlap > 0
    full = {(s, t) for s in pre.global_ids.tolist() for t in post.global_ids.tolist()}
    r = connect(sim, pre, post, rule="all_to_all", allow_autapses=True)
    assert len(r.src) == len(pre) * len(post) and pairs_set(r) == full
    r = connect(sim, pre, post, rule="all_to_all", allow_autapses=False)
    assert len(r.src) == len(pre) * len(post) - n_overlap
    assert pairs_set(r) == {p for p in full if p[0] != p[1]}


def test_one_to_one_pairs_and_size_mismatch():
    sim = new_sim()
    a, b, c = sim.create(MODEL, 10), sim.create(MODEL, 10), sim.create(MODEL, 7)
    r = connect(sim, a, b, rule="one_to_one")
    assert list(zip(r.src.tolist(), r.tgt.tolist())) == list(zip(a.global_ids.tolist(),
                                                                 b.global_ids.tolist()))
    n_before = len(sim.connections)
    with pytest.raises(SncoreError, match="one_to_one") as e:
        sim.connect(a, c, rule="one_to_one")
    assert "10" in str(e.value) and "7" in str(e.value)
    assert len(sim.connections) == n_before


def test_one_to_one_autapses():
    sim = new_sim()
    a, b = sim.create(MODEL, 10), sim.create(MODEL, 10)
    assert len(connect(sim, a, a, rule="one_to_one", allow_autapses=False).src) == 0
    r = connect(sim, a, a, rule="one_to_one", allow_autapses=True)
    assert np.array_equal(r.src, r.tgt) and len(r.src) == 10
    # first 5 pairs are autapses, the last 5 are a[5:] -> b[:5]
    r = connect(sim, a, a[:5] + b[:5], rule="one_to_one", allow_autapses=False)
    assert pairs_set(r) == set(zip(a.global_ids[5:].tolist(), b.global_ids[:5].tolist()))


def test_one_to_one_follows_collection_order():
    """The i-th node of ``pre`` (as the collection reports it) connects to the i-th of
    ``post``, also when a collection is not in id order."""
    sim = new_sim()
    a, b, c = sim.create(MODEL, 5), sim.create(MODEL, 5), sim.create(MODEL, 10)
    for pre, post in [(b + a, c), (a[[2, 0, 1]], b[:3]), (a, c[7:] + b[:2])]:
        r = connect(sim, pre, post, rule="one_to_one")
        expected = list(zip(pre.global_ids.tolist(), post.global_ids.tolist()))
        assert sorted(zip(r.src.tolist(), r.tgt.tolist())) == sorted(expected), (pre, post)


@pytest.mark.parametrize("autapses", [True, False])
@pytest.mark.parametrize("multapses", [True, False])
def test_fixed_indegree_exact(autapses, multapses):
    sim = new_sim(seed=3)
    a, b = sim.create(MODEL, 30), sim.create(MODEL, 20)
    for pre, post in [(a, b), (a, a), (a + b, b[5:] + a[:10])]:
        r = connect(sim, pre, post, rule=sn.conn.fixed_indegree(7),
                    allow_autapses=autapses, allow_multapses=multapses)
        assert len(r.src) == 7 * len(post)
        assert np.array_equal(np.bincount(index_in(post, r.tgt), minlength=len(post)),
                              np.full(len(post), 7))
        assert np.isin(r.src, pre.global_ids).all()
        if not autapses:
            assert not np.any(r.src == r.tgt)
        if not multapses:
            assert not has_duplicates(r)


@pytest.mark.parametrize("autapses", [True, False])
@pytest.mark.parametrize("multapses", [True, False])
def test_fixed_outdegree_exact(autapses, multapses):
    sim = new_sim(seed=4)
    a, b = sim.create(MODEL, 20), sim.create(MODEL, 30)
    for pre, post in [(a, b), (b, b), (a + b, b[5:] + a[:10])]:
        r = connect(sim, pre, post, rule=sn.conn.fixed_outdegree(9),
                    allow_autapses=autapses, allow_multapses=multapses)
        assert len(r.src) == 9 * len(pre)
        assert np.array_equal(np.bincount(index_in(pre, r.src), minlength=len(pre)),
                              np.full(len(pre), 9))
        assert np.isin(r.tgt, post.global_ids).all()
        if not autapses:
            assert not np.any(r.src == r.tgt)
        if not multapses:
            assert not has_duplicates(r)


@pytest.mark.parametrize("autapses", [True, False])
@pytest.mark.parametrize("multapses", [True, False])
def test_fixed_total_number_exact(autapses, multapses):
    sim = new_sim(seed=5)
    a, b = sim.create(MODEL, 15), sim.create(MODEL, 12)
    for pre, post, n in [(a, b, 100), (a, a, 200), (a + b, b[2:] + a[:4], 150)]:
        r = connect(sim, pre, post, rule=sn.conn.fixed_total_number(n),
                    allow_autapses=autapses, allow_multapses=multapses)
        assert len(r.src) == n
        assert np.isin(r.src, pre.global_ids).all() and np.isin(r.tgt, post.global_ids).all()
        if not autapses:
            assert not np.any(r.src == r.tgt)
        if not multapses:
            assert not has_duplicates(r)


@pytest.mark.parametrize("rule", [sn.conn.fixed_indegree(0), sn.conn.fixed_outdegree(0),
                                  sn.conn.fixed_total_number(0), sn.conn.fixed_probability(0.0)],
                         ids=["indegree", "outdegree", "total_number", "probability"])
@pytest.mark.parametrize("multapses", [True, False])
def test_zero_connections(rule, multapses):
    """K = 0, N = 0 and p = 0 are valid parameters that make no connection."""
    sim = new_sim()
    a, b = sim.create(MODEL, 12), sim.create(MODEL, 8)
    assert len(connect(sim, a, b, rule=rule, allow_multapses=multapses).src) == 0


def test_probability_one_and_numpy_counts():
    sim = new_sim()
    a, b = sim.create(MODEL, 12), sim.create(MODEL, 8)
    r = connect(sim, a, b, rule=sn.conn.fixed_probability(1.0))
    assert pairs_set(r) == {(s, t) for s in a.global_ids for t in b.global_ids}
    assert len(r.src) == 96
    r = connect(sim, a, a, rule=sn.conn.pairwise_bernoulli(1.0), allow_autapses=False)
    assert len(r.src) == 12 * 11 and not np.any(r.src == r.tgt) and not has_duplicates(r)
    # numpy integers are valid counts
    assert len(connect(sim, a, b, rule=sn.conn.fixed_indegree(np.int64(3))).src) == 24
    assert len(connect(sim, a, b, rule=sn.conn.fixed_total_number(np.int32(7))).src) == 7


@pytest.fixture(params=["per_pair", "skip"])
def bernoulli_sampler(request, monkeypatch):
    """Both samplers of fixed_probability: one uniform per pair (small networks) and geometric
    skips (forced here with a zero size threshold; used above 2^26 pairs)."""
    from sncore.conn import rules

    if request.param == "skip":
        monkeypatch.setattr(rules, "_DENSE_PAIRS", 0)
    return request.param


def test_fixed_probability_total_count_within_5_sigma(bernoulli_sampler):
    """Total count ~ Binomial(allowed pairs, p); every seed within mean +- 5 sd."""
    p = 0.1
    for seed in SEEDS:
        sim = new_sim(seed)
        a, b = sim.create(MODEL, 100), sim.create(MODEL, 200)
        for pre, post, autapses, m in [(a, b, True, 100 * 200), (b, b, False, 200 * 199),
                                      (a + b[:50], b, False, 150 * 200 - 50)]:
            r = connect(sim, pre, post, rule=sn.conn.fixed_probability(p), allow_autapses=autapses)
            mean, sd = m * p, np.sqrt(m * p * (1 - p))
            assert abs(len(r.src) - mean) < 5 * sd, (seed, len(r.src), mean, sd)
            assert not has_duplicates(r)
            if not autapses:
                assert not np.any(r.src == r.tgt)


# ---------------------------------------------------------------------------- statistics
@pytest.mark.parametrize("autapses", [True, False])
def test_fixed_probability_degree_distributions(autapses, bernoulli_sampler):
    """In-degrees ~ Binomial(n_src, p) and out-degrees ~ Binomial(n_tgt, p) (minus one
    eligible partner for a population connected to itself without autapses)."""
    p, n_src, n_tgt = 0.1, 100, 150
    pin, pout = [], []
    for seed in SEEDS:
        sim = new_sim(seed)
        if autapses:
            pre, post = sim.create(MODEL, n_src), sim.create(MODEL, n_tgt)
            ns, nt = n_src, n_tgt
        else:
            pre = post = sim.create(MODEL, n_tgt)
            ns = nt = n_tgt - 1
        r = connect(sim, pre, post, rule=sn.conn.fixed_probability(p), allow_autapses=autapses)
        pin.append(binom_degree_p(np.bincount(index_in(post, r.tgt), minlength=len(post)), ns, p))
        pout.append(binom_degree_p(np.bincount(index_in(pre, r.src), minlength=len(pre)), nt, p))
    assert_ks_uniform(pin)
    assert_ks_uniform(pout)


def test_skip_sampler_pairs_are_bernoulli():
    """The geometric-skip sampler directly: target-major, sources ascending and distinct;
    per-row counts ~ Binomial(n_s, p) (chi-squared on the count histogram) and sources
    uniform; a sampler with the wrong p is rejected by the same check."""
    from scipy import stats

    from sncore.conn.rules import _bernoulli_skip

    n_s, n_t, p = 400, 3000, 0.03
    s_, t_ = _bernoulli_skip(n_s, n_t, p, np.random.default_rng(7))
    key = t_ * n_s + s_
    assert np.all(np.diff(key) > 0) and s_.min() >= 0 and s_.max() < n_s

    def pvalue(q):
        deg = np.bincount(t_, minlength=n_t)
        ks = np.arange(0, 31)
        expect = stats.binom.pmf(ks, n_s, q) * n_t
        expect[-1] += stats.binom.sf(30, n_s, q) * n_t
        obs = np.bincount(np.minimum(deg, 30), minlength=31).astype(float)
        keep = expect > 5
        e, o = expect[keep], obs[keep]
        return stats.chisquare(o, e * o.sum() / e.sum()).pvalue

    assert pvalue(p) > 1e-3
    assert pvalue(1.15 * p) < 1e-6                    # the check can fail
    assert stats.chisquare(np.bincount(s_, minlength=n_s)).pvalue > 1e-3


# For fixed_indegree (and, swapping roles, fixed_outdegree) the source histogram C is a sum
# over targets of independent draws X_t:
#  * multapses, distinct populations: K iid uniform draws -> C is multinomial, f = 1;
#  * no multapses, distinct populations: X_t = indicator of a uniform K-subset of n; its
#    covariance is the multinomial one times (n - K) / (n - 1);
#  * a population of N connected to itself without autapses (each target draws from the
#    other m = N - 1): Cov(C) = c (N I - 1 1^T) with c = K (N - 2) / (N - 1)^2 (multapses)
#    or c = q (1 - q), q = K / (N - 1) (no multapses), against (K / N)(N I - 1 1^T) for the
#    multinomial with N K draws: f = N (N - 2) / (N - 1)^2, resp. N (N - 1 - K) / (N - 1)^2.
DEGREE_CASES = [  # (self-connected, multapses)
    (False, True), (False, False), (True, True), (True, False)]


def _fpc_degree(self_conn, multapses, n, k):
    if not self_conn:
        return 1.0 if multapses else (n - k) / (n - 1)
    return n * (n - 2) / (n - 1) ** 2 if multapses else n * (n - 1 - k) / (n - 1) ** 2


@pytest.mark.parametrize("self_conn,multapses", DEGREE_CASES)
def test_fixed_indegree_sources_uniform(self_conn, multapses):
    k = 10
    pvals = []
    for seed in SEEDS:
        sim = new_sim(seed)
        if self_conn:
            pre = post = sim.create(MODEL, 60)
        else:
            pre, post = sim.create(MODEL, 50), sim.create(MODEL, 100)
        r = connect(sim, pre, post, rule=sn.conn.fixed_indegree(k),
                    allow_autapses=not self_conn, allow_multapses=multapses)
        counts = np.bincount(index_in(pre, r.src), minlength=len(pre))
        expected = np.full(len(pre), k * len(post) / len(pre))
        pvals.append(pearson_p(counts, expected, _fpc_degree(self_conn, multapses, len(pre), k)))
    assert_ks_uniform(pvals)


@pytest.mark.parametrize("self_conn,multapses", DEGREE_CASES)
def test_fixed_outdegree_targets_uniform(self_conn, multapses):
    k = 10
    pvals = []
    for seed in SEEDS:
        sim = new_sim(seed)
        if self_conn:
            pre = post = sim.create(MODEL, 60)
        else:
            pre, post = sim.create(MODEL, 100), sim.create(MODEL, 50)
        r = connect(sim, pre, post, rule=sn.conn.fixed_outdegree(k),
                    allow_autapses=not self_conn, allow_multapses=multapses)
        counts = np.bincount(index_in(post, r.tgt), minlength=len(post))
        expected = np.full(len(post), k * len(pre) / len(post))
        pvals.append(pearson_p(counts, expected, _fpc_degree(self_conn, multapses, len(post), k)))
    assert_ks_uniform(pvals)


@pytest.mark.parametrize("self_conn", [False, True])
def test_fixed_total_number_pairs_uniform_with_multapses(self_conn):
    """With multapses every connection is an iid uniform draw from the allowed pairs, so
    the histogram over allowed pairs is multinomial."""
    pvals, p_rows, p_cols = [], [], []
    for seed in SEEDS:
        sim = new_sim(seed)
        if self_conn:
            pre = post = sim.create(MODEL, 11)
        else:
            pre, post = sim.create(MODEL, 10), sim.create(MODEL, 12)
        allowed = np.ones((len(pre), len(post)), bool)
        if self_conn:
            np.fill_diagonal(allowed, False)
        n = 10 * int(allowed.sum())
        r = connect(sim, pre, post, rule=sn.conn.fixed_total_number(n),
                    allow_autapses=not self_conn, allow_multapses=True)
        counts = np.zeros(allowed.shape, np.int64)
        np.add.at(counts, (index_in(pre, r.src), index_in(post, r.tgt)), 1)
        assert counts[~allowed].sum() == 0
        pvals.append(pearson_p(counts[allowed], np.full(allowed.sum(), 10.0)))
        # marginals: multinomial over sources (targets) with probability row (column)
        # share of the allowed pairs
        p_rows.append(pearson_p(counts.sum(1), n * allowed.sum(1) / allowed.sum()))
        p_cols.append(pearson_p(counts.sum(0), n * allowed.sum(0) / allowed.sum()))
    assert_ks_uniform(pvals)
    assert_ks_uniform(p_rows)
    assert_ks_uniform(p_cols)


@pytest.mark.parametrize("self_conn", [False, True])
def test_fixed_total_number_pairs_uniform_without_multapses(self_conn):
    """Without multapses N pairs are drawn without replacement from the M allowed pairs:
    counts over any partition of the pairs into equal-sized classes are multivariate
    hypergeometric, i.e. multinomial covariance times f = (M - N) / (M - 1). Checked for
    rows (sources), columns (targets) and 4 x 4 blocks of the pair matrix."""
    p_rows, p_cols, p_blocks = [], [], []
    for seed in SEEDS:
        sim = new_sim(seed)
        if self_conn:
            pre = post = sim.create(MODEL, 40)
            n_pairs = 40 * 39
        else:
            pre, post = sim.create(MODEL, 40), sim.create(MODEL, 48)
            n_pairs = 40 * 48
        n = 500
        f = (n_pairs - n) / (n_pairs - 1)
        r = connect(sim, pre, post, rule=sn.conn.fixed_total_number(n),
                    allow_autapses=not self_conn, allow_multapses=False)
        i_s, i_t = index_in(pre, r.src), index_in(post, r.tgt)
        p_rows.append(pearson_p(np.bincount(i_s, minlength=len(pre)),
                                np.full(len(pre), n / len(pre)), f))
        p_cols.append(pearson_p(np.bincount(i_t, minlength=len(post)),
                                np.full(len(post), n / len(post)), f))
        if not self_conn:  # blocks of 10 x 12 pairs (with autapses removed they are unequal)
            blocks = (i_s // 10) * 4 + i_t // 12
            p_blocks.append(pearson_p(np.bincount(blocks, minlength=16), np.full(16, n / 16), f))
    assert_ks_uniform(p_rows)
    assert_ks_uniform(p_cols)
    if p_blocks:
        assert_ks_uniform(p_blocks)


# ---------------------------------------------------------------------------- multapses
def test_no_multapses_at_the_limit():
    """K = number of allowed partners: every allowed pair exactly once."""
    sim = new_sim(seed=2)
    a, b = sim.create(MODEL, 20), sim.create(MODEL, 15)
    full = {(s, t) for s in a.global_ids.tolist() for t in b.global_ids.tolist()}
    no_self = {(s, t) for s in a.global_ids.tolist() for t in a.global_ids.tolist() if s != t}
    for rule, pre, post, autapses, want in [
        (sn.conn.fixed_indegree(20), a, b, True, full),
        (sn.conn.fixed_outdegree(15), a, b, True, full),
        (sn.conn.fixed_total_number(300), a, b, True, full),
        (sn.conn.fixed_indegree(19), a, a, False, no_self),
        (sn.conn.fixed_outdegree(19), a, a, False, no_self),
        (sn.conn.fixed_total_number(380), a, a, False, no_self),
    ]:
        r = connect(sim, pre, post, rule=rule, allow_autapses=autapses, allow_multapses=False)
        assert len(r.src) == len(want) and pairs_set(r) == want, rule
    # one below the limit: still no duplicates
    for rule in [sn.conn.fixed_indegree(19), sn.conn.fixed_outdegree(14),
                 sn.conn.fixed_total_number(299)]:
        r = connect(sim, a, b, rule=rule, allow_multapses=False)
        assert not has_duplicates(r), rule


def test_multapses_occur_when_allowed():
    """With multapses and K close to n, P(no duplicate anywhere) is astronomically small."""
    n_src, n_tgt, k = 20, 30, 15
    # P(K iid uniform draws from n are all distinct) = prod_{i<K} (1 - i/n), per row
    p_distinct = np.prod(1 - np.arange(k) / n_src)
    assert p_distinct ** n_tgt < 1e-12
    sim = new_sim(seed=7)
    a, b = sim.create(MODEL, n_src), sim.create(MODEL, n_tgt)
    assert has_duplicates(connect(sim, a, b, rule=sn.conn.fixed_indegree(k)))
    c = sim.create(MODEL, n_src)  # fixed_outdegree: each of 30 sources draws 15 of 20 targets
    assert has_duplicates(connect(sim, b, c, rule=sn.conn.fixed_outdegree(k)))
    # fixed_total_number: N = M = 100 iid pairs; P(all distinct) = 100! / 100^100 < 1e-40
    assert np.exp(np.sum(np.log(np.arange(1, 101) / 100))) < 1e-40
    assert has_duplicates(connect(sim, a[:10], b[:10], rule=sn.conn.fixed_total_number(100)))
    # indegree above n_src is allowed with multapses
    r = connect(sim, a, b, rule=sn.conn.fixed_indegree(n_src + 5))
    assert len(r.src) == (n_src + 5) * n_tgt and has_duplicates(r)


def test_multapse_draws_are_with_replacement():
    """With multapses each target's K sources are iid uniform: the number of distinct
    sources D per target has the occupancy mean n (1 - (1 - 1/n)^K) and variance
    n (n-1) (1 - 2/n)^K + n (1 - 1/n)^K - n^2 (1 - 1/n)^(2K); the mean over targets must
    lie within 5 standard errors."""
    n, k, n_tgt = 20, 15, 400
    mean = n * (1 - (1 - 1 / n) ** k)
    var = n * (n - 1) * (1 - 2 / n) ** k + n * (1 - 1 / n) ** k - n ** 2 * (1 - 1 / n) ** (2 * k)
    sim = new_sim(seed=11)
    a, b = sim.create(MODEL, n), sim.create(MODEL, n_tgt)
    r = connect(sim, a, b, rule=sn.conn.fixed_indegree(k))
    d = np.array([len(np.unique(r.src[r.tgt == t])) for t in b.global_ids])
    assert abs(d.mean() - mean) < 5 * np.sqrt(var / n_tgt), (d.mean(), mean)


# ---------------------------------------------------------------------------- errors
def _raises(fn, *fragments):
    with pytest.raises(SncoreError) as e:
        fn()
    msg = str(e.value)
    for frag in fragments:
        assert frag in msg, f"{frag!r} not in {msg!r}"
    return msg


def test_degree_larger_than_pool_without_multapses():
    sim = new_sim()
    a, b = sim.create(MODEL, 30), sim.create(MODEL, 25)
    n0 = len(sim.connections)
    _raises(lambda: sim.connect(a, b, rule=sn.conn.fixed_indegree(31), allow_multapses=False),
            "indegree", "31", "30")
    _raises(lambda: sim.connect(a, b, rule=sn.conn.fixed_outdegree(26), allow_multapses=False),
            "outdegree", "26", "25")
    # without autapses a self-connected population offers n - 1 partners
    _raises(lambda: sim.connect(a, a, rule=sn.conn.fixed_indegree(30), allow_autapses=False,
                                allow_multapses=False), "indegree", "30", "29")
    _raises(lambda: sim.connect(a, a, rule=sn.conn.fixed_outdegree(30), allow_autapses=False,
                                allow_multapses=False), "outdegree", "30", "29")
    assert len(sim.connections) == n0


def test_total_number_larger_than_allowed_pairs():
    sim = new_sim()
    a, b = sim.create(MODEL, 10), sim.create(MODEL, 12)
    _raises(lambda: sim.connect(a, b, rule=sn.conn.fixed_total_number(121),
                                allow_multapses=False), "N", "121", "120")
    _raises(lambda: sim.connect(a, a, rule=sn.conn.fixed_total_number(91), allow_autapses=False,
                                allow_multapses=False), "N", "91", "90")
    # with multapses any N is fine
    assert len(connect(sim, a, b, rule=sn.conn.fixed_total_number(500)).src) == 500


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan"), float("inf"), "0.5", None])
def test_probability_out_of_range(p):
    _raises(lambda: sn.conn.fixed_probability(p), "'p'", repr(p), "[0, 1]")


@pytest.mark.parametrize("cls,name", [(sn.conn.fixed_indegree, "indegree"),
                                      (sn.conn.fixed_outdegree, "outdegree"),
                                      (sn.conn.fixed_total_number, "N")])
@pytest.mark.parametrize("k", [-1, 2.5, 3.0, True, "3", None])
def test_counts_must_be_non_negative_integers(cls, name, k):
    _raises(lambda: cls(k), repr(name), repr(k), ">= 0")


@pytest.mark.parametrize("rule", ["fixed_in", "pairwise_bernoulli", "All_to_all", 5, None])
def test_unknown_rule(rule):
    sim = new_sim()
    a = sim.create(MODEL, 4)
    _raises(lambda: sim.connect(a, a, rule=rule), repr(rule), "all_to_all", "one_to_one")
    assert sim.connections == []


# ---------------------------------------------------------------------------- seeding
RANDOM_RULES = [
    lambda: sn.conn.fixed_indegree(5), lambda: sn.conn.fixed_outdegree(5),
    lambda: sn.conn.fixed_probability(0.2), lambda: sn.conn.fixed_total_number(200),
]


def _random_network(seed):
    sim = new_sim(seed)
    a, b = sim.create(MODEL, 40), sim.create(MODEL, 30)
    out = []
    for mk in RANDOM_RULES:
        for multapses in (True, False):
            out.append(connect(sim, a, b, rule=mk(), allow_multapses=multapses,
                               weight=sn.conn.normal(0.5 * u.mV, 0.1 * u.mV),
                               delay=sn.conn.uniform(0.5 * u.ms, 3.0 * u.ms)))
    return out


def test_same_seed_same_connections_different_seed_different():
    x, y, z = _random_network(5), _random_network(5), _random_network(6)
    for rx, ry, rz in zip(x, y, z):
        for f in ("src", "tgt", "weight", "delay"):
            assert np.array_equal(getattr(rx, f), getattr(ry, f))
        assert not (len(rx.src) == len(rz.src) and np.array_equal(rx.src, rz.src)
                    and np.array_equal(rx.tgt, rz.tgt))
        assert not np.array_equal(rx.weight[:10], rz.weight[:10])


def test_successive_connect_calls_draw_differently():
    sim = new_sim(seed=9)
    a, b = sim.create(MODEL, 40), sim.create(MODEL, 30)
    r1 = connect(sim, a, b, rule=sn.conn.fixed_indegree(5))
    r2 = connect(sim, a, b, rule=sn.conn.fixed_indegree(5))
    assert np.array_equal(r1.tgt, r2.tgt) and not np.array_equal(r1.src, r2.src)


# ---------------------------------------------------------------------------- weights
def test_scalar_weight_and_delay_with_unit_conversion():
    sim = new_sim()
    a, b = sim.create(MODEL, 6), sim.create(MODEL, 4)
    r = connect(sim, a, b, weight=100.0 * u.uvolt, delay=0.0015 * u.second)
    assert len(r.src) == 24
    np.testing.assert_allclose(r.weight, 0.1, rtol=1e-12)
    assert np.all(r.delay == 15)
    # NEST defaults: weight 1 (mV here), delay 1 ms
    r = connect(sim, a, b, rule=sn.conn.fixed_indegree(2))
    assert np.all(r.weight == 1.0) and np.all(r.delay == 10)


def test_all_to_all_weight_array_layout():
    """Array of shape [n_tgt, n_src]: W[j, i] is the weight of pre[i] -> post[j]; the flat
    array of shape (n_tgt * n_src,) is the same in target-major order."""
    sim = new_sim()
    a, b = sim.create(MODEL, 7), sim.create(MODEL, 5)
    W = 1.0 + np.arange(35, dtype=float).reshape(5, 7)          # unique values
    D = 0.1 * (1 + np.arange(35)).reshape(5, 7)
    r = connect(sim, a, b, weight=W * u.mV, delay=D * u.ms)
    i_s, i_t = index_in(a, r.src), index_in(b, r.tgt)
    np.testing.assert_array_equal(r.weight, W[i_t, i_s])
    np.testing.assert_array_equal(r.delay, (1 + np.arange(35)).reshape(5, 7)[i_t, i_s])
    r = connect(sim, a, b, weight=W.ravel() * u.mV)
    np.testing.assert_array_equal(r.weight, W[index_in(b, r.tgt), index_in(a, r.src)])


@pytest.mark.parametrize("rule_name", ["all_to_all", "fixed_indegree", "fixed_outdegree"])
def test_weight_array_follows_collection_order(rule_name):
    """The array layout indexes nodes by their position in the collections, also when a
    collection is not in id order."""
    sim = new_sim(seed=1)
    a, b, c = sim.create(MODEL, 4), sim.create(MODEL, 3), sim.create(MODEL, 5)
    pre, post = b + a, c[3:] + c[:3]
    if rule_name == "all_to_all":
        rule, W = "all_to_all", 1.0 + np.arange(5 * 7, dtype=float).reshape(5, 7)
    elif rule_name == "fixed_indegree":
        rule, W = sn.conn.fixed_indegree(2), 1.0 + np.arange(5 * 2, dtype=float).reshape(5, 2)
    else:
        rule, W = sn.conn.fixed_outdegree(2), 1.0 + np.arange(7 * 2, dtype=float).reshape(7, 2)
    r = connect(sim, pre, post, rule=rule, weight=W * u.mV)
    i_s, i_t = index_in(pre, r.src), index_in(post, r.tgt)
    if rule_name == "all_to_all":
        np.testing.assert_array_equal(r.weight, W[i_t, i_s])
    elif rule_name == "fixed_indegree":
        np.testing.assert_array_equal(np.floor((r.weight - 1) / 2), i_t)  # row = target
    else:
        np.testing.assert_array_equal(np.floor((r.weight - 1) / 2), i_s)  # row = source


@pytest.mark.parametrize("multapses", [True, False])
def test_fixed_indegree_and_outdegree_array_layout(multapses):
    """fixed_indegree: [n_tgt, K], row j holds the weights of the K connections into
    post[j]; fixed_outdegree: [n_src, K], row i those out of pre[i]. Every entry is used
    exactly once."""
    sim = new_sim(seed=2)
    a, b = sim.create(MODEL, 30), sim.create(MODEL, 20)
    k = 6
    W = 1.0 + np.arange(20 * k, dtype=float).reshape(20, k)
    D = 0.1 * (10 + np.arange(20))[:, None] * np.ones((1, k))    # row j: 10 + j steps
    r = connect(sim, a, b, rule=sn.conn.fixed_indegree(k), weight=W * u.mV, delay=D * u.ms,
                allow_multapses=multapses)
    i_t = index_in(b, r.tgt)
    np.testing.assert_array_equal(np.sort(r.weight), W.ravel())
    np.testing.assert_array_equal((r.weight - 1) // k, i_t)
    np.testing.assert_array_equal(r.delay, 10 + i_t)

    W = 1.0 + np.arange(30 * k, dtype=float).reshape(30, k)
    r = connect(sim, a, b, rule=sn.conn.fixed_outdegree(k), weight=W * u.mV,
                allow_multapses=multapses)
    np.testing.assert_array_equal(np.sort(r.weight), W.ravel())
    np.testing.assert_array_equal((r.weight - 1) // k, index_in(a, r.src))


def test_one_to_one_and_total_number_arrays():
    sim = new_sim(seed=3)
    a, b = sim.create(MODEL, 8), sim.create(MODEL, 8)
    w = 0.1 * (1 + np.arange(8))
    r = connect(sim, a, b, rule="one_to_one", weight=w * u.mV, delay=(0.1 * (1 + np.arange(8))) * u.ms)
    i = index_in(a, r.src)
    np.testing.assert_array_equal(index_in(b, r.tgt), i)
    np.testing.assert_allclose(r.weight, w[i], rtol=1e-12)
    np.testing.assert_array_equal(r.delay, 1 + i)
    w = 1.0 + np.arange(25, dtype=float)
    r = connect(sim, a, b, rule=sn.conn.fixed_total_number(25), weight=w * u.mV)
    np.testing.assert_array_equal(np.sort(r.weight), w)


@pytest.mark.parametrize("shape", [(3,), (7, 5), (35, 1), (5, 6)])
def test_weight_array_wrong_shape(shape):
    sim = new_sim()
    a, b = sim.create(MODEL, 7), sim.create(MODEL, 5)
    msg = _raises(lambda: sim.connect(a, b, weight=np.ones(shape) * u.mV), "'weight'",
                  str(shape))
    assert "35" in msg
    _raises(lambda: sim.connect(a, b, rule=sn.conn.fixed_indegree(3),
                                delay=np.ones((3, 5)) * u.ms), "'delay'", "(3, 5)")
    assert sim.connections == []


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_weight_or_delay(bad):
    sim = new_sim()
    a, b = sim.create(MODEL, 3), sim.create(MODEL, 2)
    _raises(lambda: sim.connect(a, b, weight=bad * u.mV), "'weight'", "finite")
    arr = np.ones((2, 3))
    arr[1, 2] = bad
    _raises(lambda: sim.connect(a, b, weight=arr * u.mV), "'weight'", "finite")
    _raises(lambda: sim.connect(a, b, delay=arr * u.ms), "'delay'")
    assert sim.connections == []


def test_weight_and_delay_need_units_of_the_right_dimension():
    sim = new_sim()
    a, b = sim.create(MODEL, 3), sim.create(MODEL, 2)
    _raises(lambda: sim.connect(a, b, weight=0.1), "'weight'", "mV", "0.1")
    _raises(lambda: sim.connect(a, b, weight=np.ones((2, 3))), "'weight'", "mV")
    _raises(lambda: sim.connect(a, b, delay=1.5), "'delay'", "ms", "1.5")
    _raises(lambda: sim.connect(a, b, weight=1.0 * u.ms), "'weight'", "mV")
    _raises(lambda: sim.connect(a, b, weight=1.0 * u.pA), "'weight'", "mV")
    _raises(lambda: sim.connect(a, b, delay=1.0 * u.mV), "'delay'", "ms")
    _raises(lambda: sim.connect(a, b, weight=sn.conn.uniform(0 * u.ms, 1 * u.ms)), "mV")
    _raises(lambda: sim.connect(a, b, delay=sn.conn.normal(1.0, 0.1)), "ms")
    assert sim.connections == []


# ---------------------------------------------------------------------------- delays
def _nest_steps(d: str, dt: str) -> int:
    """floor(d / dt + 1/2) in exact decimal arithmetic."""
    x = Fraction(d) / Fraction(dt) + Fraction(1, 2)
    return x.numerator // x.denominator


@pytest.mark.parametrize("dt,delays", [
    ("0.1", ["0.1", "0.14", "0.15", "0.25", "1.0", "1.24", "1.25", "1.26", "1.5", "2.05", "12.35"]),
    ("0.25", ["0.25", "0.3", "0.375", "0.5", "0.6", "0.625", "1.124", "1.125"]),
])
def test_delay_rounding(dt, delays):
    sim = new_sim(dt=float(dt))
    a, b = sim.create(MODEL, len(delays)), sim.create(MODEL, len(delays))
    r = connect(sim, a, b, rule="one_to_one", delay=np.array([float(d) for d in delays]) * u.ms)
    want = np.array([_nest_steps(d, dt) for d in delays])
    np.testing.assert_array_equal(r.delay[index_in(a, r.src)], want)


def test_delay_rounding_brief_examples():
    assert (_nest_steps("1.25", "0.1"), _nest_steps("1.24", "0.1"), _nest_steps("1.0", "0.1")) \
        == (13, 12, 10)
    sim = new_sim()
    a, b = sim.create(MODEL, 1), sim.create(MODEL, 1)
    for d, steps in [(1.25, 13), (1.24, 12), (1.0, 10), (0.1, 1)]:
        assert connect(sim, a, b, delay=d * u.ms).delay.tolist() == [steps]


def test_delay_below_dt_raises():
    sim = new_sim()
    a, b = sim.create(MODEL, 3), sim.create(MODEL, 2)
    _raises(lambda: sim.connect(a, b, delay=0.05 * u.ms), "'delay'", "dt", "0.1", "0.05")
    _raises(lambda: sim.connect(a, b, delay=0.0 * u.ms), "'delay'", "dt")
    _raises(lambda: sim.connect(a, b, delay=-1.0 * u.ms), "'delay'", "dt")
    arr = np.full((2, 3), 1.0)
    arr[0, 1] = 0.09
    _raises(lambda: sim.connect(a, b, delay=arr * u.ms), "'delay'", "0.09")
    assert sim.connections == []


# ---------------------------------------------------------------------------- distributions
def test_weight_distributions_mean_and_std():
    """10^4 draws: sample mean within 5 SE (sigma / sqrt(n)); sample std within 5 SE of
    the std, SE^2 = (mu4 - sigma^4) / (4 sigma^2 n): sigma^2 / (2 n) for a normal,
    (b - a)^2 / (60 n) for U(a, b) (mu4 = (b - a)^4 / 80)."""
    sim = new_sim(seed=13)
    a, b = sim.create(MODEL, 100), sim.create(MODEL, 100)
    n = 100 * 100
    lo, hi = 0.2, 0.8
    r = connect(sim, a, b, weight=sn.conn.uniform(lo * u.mV, hi * u.mV))
    assert len(r.weight) == n and r.weight.min() >= lo and r.weight.max() < hi
    sd = (hi - lo) / np.sqrt(12)
    assert abs(r.weight.mean() - (lo + hi) / 2) < 5 * sd / np.sqrt(n)
    assert abs(r.weight.std() - sd) < 5 * (hi - lo) / np.sqrt(60 * n)

    mu, sigma = -0.5, 0.25
    r = connect(sim, a, b, weight=sn.conn.normal(mu * 1000 * u.uvolt, sigma * u.mV))
    assert len(r.weight) == n
    assert abs(r.weight.mean() - mu) < 5 * sigma / np.sqrt(n)
    assert abs(r.weight.std() - sigma) < 5 * sigma / np.sqrt(2 * n)

    r = connect(sim, a, b, weight=sn.conn.normal(1.0 * u.mV, 0.0 * u.mV))
    assert np.all(r.weight == 1.0)


def test_weight_distributions_goodness_of_fit():
    """Per seed a KS test of the drawn weights against the distribution; KS over seeds."""
    p_u, p_n = [], []
    for seed in SEEDS:
        sim = new_sim(seed)
        a, b = sim.create(MODEL, 40), sim.create(MODEL, 50)
        r = connect(sim, a, b, rule=sn.conn.fixed_indegree(20),
                    weight=sn.conn.uniform(-1.0 * u.mV, 3.0 * u.mV))
        p_u.append(stats.kstest(r.weight, stats.uniform(-1.0, 4.0).cdf).pvalue)
        r = connect(sim, a, b, rule=sn.conn.fixed_probability(0.5),
                    weight=sn.conn.normal(2.0 * u.mV, 0.5 * u.mV))
        p_n.append(stats.kstest(r.weight, stats.norm(2.0, 0.5).cdf).pvalue)
    assert_ks_uniform(p_u)
    assert_ks_uniform(p_n)


def test_uniform_delay_distribution_in_steps():
    """d ~ U(0.5, 2.5) ms at dt = 0.1 ms -> steps floor(d / dt + 1/2) in 5..25, with
    probability 0.05 / 2 for steps 5 and 25 (half bins) and 0.1 / 2 for the others."""
    steps = np.arange(5, 26)
    prob = np.full(len(steps), 0.1 / 2.0)
    prob[0] = prob[-1] = 0.05 / 2.0
    assert np.isclose(prob.sum(), 1.0)
    pvals = []
    for seed in SEEDS:
        sim = new_sim(seed)
        a, b = sim.create(MODEL, 40), sim.create(MODEL, 50)
        r = connect(sim, a, b, delay=sn.conn.uniform(0.5 * u.ms, 2.5 * u.ms))
        assert r.delay.min() >= 5 and r.delay.max() <= 25
        obs = np.bincount(r.delay - 5, minlength=len(steps))
        pvals.append(pearson_p(obs, len(r.delay) * prob))
    assert_ks_uniform(pvals)


def test_distribution_parameter_errors():
    sim = new_sim()
    a, b = sim.create(MODEL, 3), sim.create(MODEL, 2)
    _raises(lambda: sim.connect(a, b, weight=sn.conn.uniform(1.0 * u.mV, 0.5 * u.mV)),
            "min", "max")
    _raises(lambda: sim.connect(a, b, weight=sn.conn.normal(1.0 * u.mV, -0.5 * u.mV)),
            "'std'", "-0.5")
    # a distribution reaching below dt yields delays < dt
    _raises(lambda: sim.connect(a, b, delay=sn.conn.uniform(0.01 * u.ms, 0.05 * u.ms)),
            "'delay'", "dt")
    assert sim.connections == []

"""Graph-topology rules (``sncore/conn/topology.py``) against numpy oracles and closed forms.

* ring / grid: exact neighbourhoods against a brute-force distance matrix;
* small_world: p = 0 is the ring lattice with clustering 3(k-2)/(4(k-1)) exactly; the number
  of rewired edges is Binomial(nk/2, p); surviving lattice triangles have the exact mean
  T0 (1-p)^3 and variance computed from the lattice's triangle/edge incidences; at p = 1 the
  triangle count is that of a configuration-model random graph with the same degrees;
* scale_free: exact edge count and minimum degree; the mean degree histogram against the
  finite-n Barabasi-Albert rate equation (itself checked against the analytic
  P(d) = 2m(m+1)/(d(d+1)(d+2))), bin by bin; the log-log CCDF slope against the analytic one.
"""

from __future__ import annotations

import brainunit as u
import numpy as np
import pytest
from scipy import sparse, stats
from test_conn_rules import MODEL, connect, new_sim

import sncore as sn
from sncore import SncoreError
from sncore.conn.topology import barabasi_albert_edges, watts_strogatz_edges


def ids(n, start=1):
    return np.arange(start, start + n, dtype=np.int64)


def run_rule(rule, n, seed=0, autapses=True, src=None, tgt=None):
    src = ids(n) if src is None else src
    tgt = src if tgt is None else tgt
    return rule.pairs(src, tgt, np.random.default_rng(seed), autapses, True)


def as_set(s, t):
    return set(zip(s.tolist(), t.tolist()))


def adjacency(s, t, n):
    return sparse.csr_matrix((np.ones(len(s)), (s, t)), shape=(n, n))


def assert_simple_symmetric(s, t, n):
    assert np.all(s != t), "autapse"
    assert len(as_set(s, t)) == len(s), "duplicate connection"
    assert as_set(s, t) == as_set(t, s), "graph is not symmetric"


def triangles_and_triples(s, t, n):
    """(triangles, connected triples) of the undirected simple graph given both ways."""
    a = adjacency(s, t, n)
    deg = np.asarray(a.sum(1)).ravel()
    tri = (a @ a).multiply(a).sum() / 6.0
    return tri, float(np.sum(deg * (deg - 1)) / 2.0)


def ring_edges(n, h):
    """Undirected lattice edges (i, i+j mod n), j = 1..h, as a set of sorted tuples."""
    i = np.arange(n)
    return {tuple(sorted(e)) for j in range(1, h + 1) for e in zip(i.tolist(), ((i + j) % n).tolist())}


def undirected(s, t):
    keep = s < t
    return set(zip(s[keep].tolist(), t[keep].tolist()))


# ---------------------------------------------------------------------------- ring
@pytest.mark.parametrize("n,r", [(10, 1), (11, 5), (200, 3), (7, 0)])
def test_ring_exact_neighbourhood_and_order(n, r):
    s, t = run_rule(sn.conn.ring(radius=r), n)
    off = [d for d in range(-r, r + 1) if d != 0]
    exp_s = np.repeat(np.arange(n), 2 * r)
    exp_t = np.array([(i + d) % n for i in range(n) for d in off], dtype=np.int64)
    np.testing.assert_array_equal(s, exp_s)
    np.testing.assert_array_equal(t, exp_t)
    if r:
        assert_simple_symmetric(s, t, n)


def test_ring_k_equals_radius_and_small_world_p0():
    a = run_rule(sn.conn.ring(6), 50)
    b = run_rule(sn.conn.ring(radius=3), 50)
    c = run_rule(sn.conn.small_world(6, 0.0), 50)
    assert as_set(*a) == as_set(*b) == as_set(*c)


def test_ring_weight_array_by_offset():
    sim = new_sim()
    pop = sim.create(MODEL, 12)
    w = (np.arange(12)[:, None] * 10 + np.arange(4)[None, :]).astype(float)  # [source, offset]
    r = connect(sim, pop, pop, rule=sn.conn.ring(radius=2), weight=w * u.mV)
    i = r.src - pop.global_ids[0]
    off = (r.tgt - r.src + 6) % 12 - 6                       # -2, -1, 1, 2
    col = np.where(off < 0, off + 2, off + 1)
    np.testing.assert_array_equal(r.weight, w[i, col])


# ---------------------------------------------------------------------------- grid
def brute_grid(rows, cols, radius, periodic, metric, autapses):
    n = rows * cols
    r, c = np.divmod(np.arange(n), cols)
    dr = np.abs(r[:, None] - r[None, :])
    dc = np.abs(c[:, None] - c[None, :])
    if periodic:
        dr, dc = np.minimum(dr, rows - dr), np.minimum(dc, cols - dc)
    d = {"euclidean": np.sqrt(dr ** 2 + dc ** 2), "chebyshev": np.maximum(dr, dc),
         "manhattan": dr + dc}[metric]
    hit = d <= radius
    if not autapses:
        np.fill_diagonal(hit, False)
    return set(zip(*[x.tolist() for x in np.nonzero(hit)]))


@pytest.mark.parametrize("metric", ["euclidean", "chebyshev", "manhattan"])
@pytest.mark.parametrize("periodic", [False, True])
@pytest.mark.parametrize("shape", [(5, 7), (6, 6), (1, 9), (4, 1)])
@pytest.mark.parametrize("radius", [0, 1, 1.5, np.sqrt(2), 2, 2.9, 10])
def test_grid_matches_brute_force(metric, periodic, shape, radius):
    for autapses in (True, False):
        rule = sn.conn.grid(shape, radius, periodic=periodic, metric=metric)
        s, t = run_rule(rule, shape[0] * shape[1], autapses=autapses)
        assert len(as_set(s, t)) == len(s), "duplicate connection"
        assert as_set(s, t) == brute_grid(*shape, radius, periodic, metric, autapses)


@pytest.mark.parametrize("metric,corner,edge,inner", [
    ("euclidean", 2, 3, 4), ("manhattan", 2, 3, 4), ("chebyshev", 3, 5, 8)])
def test_grid_corner_edge_interior_degrees(metric, corner, edge, inner):
    rows, cols = 6, 8
    s, _ = run_rule(sn.conn.grid((rows, cols), 1, metric=metric), rows * cols, autapses=False)
    deg = np.bincount(s, minlength=rows * cols).reshape(rows, cols)
    assert deg[0, 0] == deg[0, -1] == deg[-1, 0] == deg[-1, -1] == corner
    assert np.all(deg[0, 1:-1] == edge) and np.all(deg[1:-1, 0] == edge)
    assert np.all(deg[1:-1, 1:-1] == inner)
    sp, _ = run_rule(sn.conn.grid((rows, cols), 1, periodic=True, metric=metric), rows * cols, autapses=False)
    assert np.all(np.bincount(sp) == inner)
    sa, _ = run_rule(sn.conn.grid((rows, cols), 1, periodic=True, metric=metric), rows * cols)
    assert np.all(np.bincount(sa) == inner + 1)          # allow_autapses=True (default): itself too


def test_grid_between_two_populations_keeps_colocated_pair():
    """Position i -> i is not an autapse when pre and post are different neurons."""
    s, t = run_rule(sn.conn.grid((3, 4), 1), 12, autapses=False, src=ids(12), tgt=ids(12, 100))
    assert as_set(s, t) == brute_grid(3, 4, 1, False, "euclidean", True)


def test_grid_one_row_periodic_is_ring_without_self():
    g = run_rule(sn.conn.grid((1, 30), 4, periodic=True), 30, autapses=False)
    assert as_set(*g) == as_set(*run_rule(sn.conn.ring(radius=4), 30))


# ---------------------------------------------------------------------------- small world
@pytest.mark.parametrize("n,k", [(200, 4), (200, 6), (500, 10), (30, 2)])
def test_small_world_p0_is_ring_lattice_with_exact_clustering(n, k):
    s, t = run_rule(sn.conn.small_world(k, 0.0), n)
    assert undirected(s, t) == ring_edges(n, k // 2)
    assert np.all(np.bincount(s, minlength=n) == k) and np.all(np.bincount(t, minlength=n) == k)
    tri, triples = triangles_and_triples(s, t, n)
    c_exact = 3 * (k - 2) / (4 * (k - 1))
    assert 3 * tri / triples == pytest.approx(c_exact, abs=1e-12)
    a = adjacency(s, t, n)
    local = (a @ a).multiply(a).sum(1).A.ravel() / (k * (k - 1))
    np.testing.assert_allclose(local, c_exact, atol=1e-12)   # every node alike


@pytest.mark.parametrize("p", [0.05, 0.3, 1.0])
def test_small_world_simple_symmetric_count(p):
    n, k = 300, 8
    s, t = run_rule(sn.conn.small_world(k, p), n, seed=3)
    assert len(s) == n * k
    assert_simple_symmetric(s, t, n)
    np.testing.assert_array_equal(np.bincount(s, minlength=n), np.bincount(t, minlength=n))


@pytest.mark.parametrize("p", [0.1, 0.4])
def test_small_world_rewired_fraction_is_binomial(p):
    """Rewired edges ~ Binomial(nk/2, p) per seed (z-scores of 20 seeds: their sum ~ N(0, 20),
    KS against N(0, 1)); the edges off the lattice in the rule's output are the rewired ones
    minus those that happened to land on a vacant lattice slot (probability <= k/(n-k-1) each)."""
    n, k = 1000, 10
    e = n * k // 2
    z = []
    for seed in range(20):
        s, t = run_rule(sn.conn.small_world(k, p), n, seed=seed)
        _, _, rewired = watts_strogatz_edges(n, k, p, np.random.default_rng(seed))
        z.append((rewired - e * p) / np.sqrt(e * p * (1 - p)))
        off = len(undirected(s, t) - ring_edges(n, k // 2))
        back = rewired - off
        bound = rewired * k / (n - k - 1)
        assert 0 <= back <= bound + 4 * np.sqrt(bound) + 1
    assert abs(np.sum(z)) / np.sqrt(20) < 3.5
    assert stats.kstest(z, "norm").pvalue > 0.01


@pytest.mark.parametrize("p", [0.1, 0.3])
def test_small_world_lattice_triangles_survive_as_1_minus_p_cubed(p):
    """A lattice triangle survives iff none of its three edges is rewired: mean T0 q^3
    (q = 1 - p). Two triangles sharing one edge survive together with prob q^5, so
    Var = T0 q^3 (1 - q^3) + 2 P (q^5 - q^6), P = pairs of triangles sharing an edge."""
    n, k = 1000, 10
    h = k // 2
    lat = ring_edges(n, h)
    ls, lt = zip(*lat)
    a0 = adjacency(np.r_[ls, lt], np.r_[lt, ls], n)
    t_e = (a0 @ a0).multiply(a0)                          # triangles through each lattice edge
    t0 = t_e.sum() / 6.0
    pairs = np.sum(t_e.data * (t_e.data - 1) / 2) / 2.0   # each undirected edge counted twice
    q = 1.0 - p
    mean = t0 * q ** 3
    var = t0 * q ** 3 * (1 - q ** 3) + 2 * pairs * (q ** 5 - q ** 6)
    z, c_obs, c_bw = [], [], []
    for seed in range(10):
        s, t = run_rule(sn.conn.small_world(k, p), n, seed=seed)
        keep = np.array([tuple(sorted(x)) in lat for x in zip(s.tolist(), t.tolist())])
        a = adjacency(s[keep], t[keep], n)
        z.append(((a @ a).multiply(a).sum() / 6.0 - mean) / np.sqrt(var))
        tri, triples = triangles_and_triples(s, t, n)
        c_obs.append(3 * tri / triples)
        c_bw.append(3 * mean / triples)     # Barrat-Weigt C(0) q^3, with the actual triple count
    assert abs(np.mean(z)) * np.sqrt(len(z)) < 3.5, z
    # transitivity: lattice triangles dominate; triangles through rewired edges add O(k^3) to
    # O(n k^2) (here under 2 %)
    tol = 4 * 3 * np.sqrt(var / len(z)) / triples + 0.02 * np.mean(c_bw)
    assert abs(np.mean(c_obs) - np.mean(c_bw)) < tol, (np.mean(c_obs), np.mean(c_bw))


def test_small_world_p1_clustering_of_a_random_graph():
    """At p = 1 the triangle count matches a configuration-model random graph with the same
    degrees: E[T] = ((<d^2> - <d>) / <d>)^3 / 6, Poisson distributed; transitivity ~ k/n."""
    n, k = 2000, 10
    total, lam = 0.0, 0.0
    for seed in range(5):
        s, t = run_rule(sn.conn.small_world(k, 1.0), n, seed=seed)
        d = np.bincount(s, minlength=n).astype(float)
        lam += ((np.mean(d ** 2) - d.mean()) / d.mean()) ** 3 / 6.0
        tri, triples = triangles_and_triples(s, t, n)
        total += tri
        assert 3 * tri / triples < 3 * k / n                # vs 0.67 for the lattice
    assert abs(total - lam) < 4 * np.sqrt(lam), (total, lam)


# ---------------------------------------------------------------------------- scale free
@pytest.mark.parametrize("n,m", [(200, 1), (500, 3), (10, 9), (300, 5)])
def test_scale_free_edge_count_min_degree_simple(n, m):
    s, t = run_rule(sn.conn.scale_free(m), n, seed=1)
    assert len(s) == 2 * (m * (m + 1) // 2 + m * (n - m - 1))
    assert_simple_symmetric(s, t, n)
    deg = np.bincount(s, minlength=n)
    assert deg.min() == m and deg[-1] == m                 # the last node joined m others
    u, v = barabasi_albert_edges(n, m, np.random.default_rng(1))
    assert np.all((u > v) | (np.maximum(u, v) <= m))      # each new node joins earlier nodes


def ba_expected_counts(n, m, dmax):
    """Expected number of nodes of each degree (index = degree) after growing to n nodes:
    E[N_d] += m((d-1) N_{d-1} - d N_d) / (2E) per added node (+1 at d = m), from K_{m+1}."""
    nd = np.zeros(dmax + 2)
    nd[m] = m + 1
    d = np.arange(dmax + 2)
    edges = m * (m + 1) / 2
    for _ in range(m + 1, n):
        flow = m * d * nd / (2 * edges)
        nd = nd - flow
        nd[1:] += flow[:-1]
        nd[m] += 1
        edges += m
    return nd


def test_ba_rate_equation_tends_to_analytic_distribution():
    m, n = 3, 20000
    nd = ba_expected_counts(n, m, 400) / n
    d = np.arange(m, m + 15)
    analytic = 2 * m * (m + 1) / (d * (d + 1) * (d + 2))
    np.testing.assert_allclose(nd[d], analytic, rtol=0.02)


@pytest.mark.parametrize("m", [1, 3])
def test_scale_free_degree_histogram_matches_rate_equation(m):
    """Mean degree histogram over 30 seeds vs the rate equation, bin by bin (Student t with the
    seed-to-seed spread, Bonferroni over bins). A per-seed Pearson chi-squared would assume
    multinomial bins, but BA degree counts are under-dispersed (the degree sum is fixed), so
    its p-values pile up near 1."""
    n, seeds = 2000, 30
    e = ba_expected_counts(n, m, 3000)
    cut = m + int(np.nonzero(e[m:] < 10)[0][0])            # degrees m..cut-1, then the tail
    exp = np.r_[e[m:cut], n - e[m:cut].sum()]
    obs = []
    for seed in range(seeds):
        s, _ = run_rule(sn.conn.scale_free(m), n, seed=seed)
        deg = np.bincount(s, minlength=n)
        obs.append(np.r_[np.bincount(deg, minlength=cut)[m:cut], np.sum(deg >= cut)])
    obs = np.array(obs, float)
    t = (obs.mean(0) - exp) / (obs.std(0, ddof=1) / np.sqrt(seeds))
    p = 2 * stats.t.sf(np.abs(t), seeds - 1)
    assert p.min() * len(p) > 0.001, np.round(t, 2)
    # the bins hold the bulk of the distribution, not just the first few degrees
    assert cut >= 4 * m and exp[-1] < 0.1 * n


def test_scale_free_tail_exponent_about_3():
    """Pooled CCDF slope on log-log axes over degrees 3m..15m: analytic slope of
    m(m+1)/(d(d+1)) there is about -1.95 (exponent ~3 of the density)."""
    m, n = 2, 2000
    deg = np.concatenate([np.bincount(run_rule(sn.conn.scale_free(m), n, seed=s)[0]) for s in range(10)])
    d = np.arange(3 * m, 15 * m + 1)
    ccdf = np.array([np.mean(deg >= x) for x in d])
    slope = np.polyfit(np.log(d), np.log(ccdf), 1)[0]
    ana = np.polyfit(np.log(d), np.log(m * (m + 1) / (d * (d + 1.0))), 1)[0]
    assert abs(slope - ana) < 0.15 and -2.3 < slope < -1.7, (slope, ana)


# ---------------------------------------------------------------------------- simulator
def test_small_world_in_a_simulation():
    sim = new_sim(seed=4)
    pop = sim.create(MODEL, 100)
    r = connect(sim, pop, pop, rule=sn.conn.small_world(4, 0.1), weight=0.5 * u.mV, delay=1.5 * u.ms)
    assert len(r.src) == 400 and np.all(r.src != r.tgt)
    assert np.all(r.weight == 0.5) and np.all(r.delay == 15)
    assert as_set(r.src, r.tgt) == as_set(r.tgt, r.src)
    rec = sim.create("spike_recorder")
    sim.connect(pop, rec)
    sim.simulate(5 * u.ms)


def test_ring_wave_travels_one_hop_per_delay():
    """One kicked neuron on ring(radius=2) with suprathreshold weights: the first spike of a
    neuron at ring distance x comes ceil(x/2) delays after the kicked neuron's spike."""
    n, r, delay = 40, 2, 1.5
    sim = new_sim(seed=0)
    pop = sim.create(MODEL, n, params={"t_ref": 10.0 * u.ms})
    sim.connect(pop, pop, rule=sn.conn.ring(radius=r), weight=20.0 * u.mV, delay=delay * u.ms)
    gen = sim.create("spike_generator", params={"spike_times": [1.0] * u.ms})
    sim.connect(gen, pop[0], weight=20.0 * u.mV)
    rec = sim.create("spike_recorder")
    sim.connect(pop, rec)
    t, snd = sim.simulate(20 * u.ms).spikes(rec)
    t = np.asarray(t.to_decimal(u.ms))
    snd = np.asarray(snd) - pop.global_ids[0]
    assert len(np.unique(snd)) == n and len(t) == n        # each neuron once (t_ref > 2 delays)
    first = np.full(n, np.inf)
    np.minimum.at(first, snd, t)
    x = np.minimum(np.arange(n), n - np.arange(n))
    np.testing.assert_allclose(first - first[0], np.ceil(x / r) * delay, atol=1e-9)


@pytest.mark.parametrize("rule", [lambda: sn.conn.small_world(6, 0.2), lambda: sn.conn.scale_free(2)])
def test_reproducible_from_simulator_seed(rule):
    def build(seed):
        sim = new_sim(seed)
        pop = sim.create(MODEL, 150)
        return connect(sim, pop, pop, rule=rule())
    a, b, c = build(11), build(11), build(12)
    assert np.array_equal(a.src, b.src) and np.array_equal(a.tgt, b.tgt)
    assert as_set(a.src, a.tgt) != as_set(c.src, c.tgt)


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize("make,fragments", [
    (lambda: sn.conn.small_world(3, 0.1), ["small_world", "'k'", "even", "3"]),
    (lambda: sn.conn.small_world(-2, 0.1), ["small_world", "'k'", ">= 0"]),
    (lambda: sn.conn.small_world(4, 1.5), ["small_world", "'p'", "[0, 1]", "1.5"]),
    (lambda: sn.conn.small_world(4, -0.1), ["'p'", "-0.1"]),
    (lambda: sn.conn.small_world(4.0, 0.1), ["'k'", "integer"]),
    (lambda: sn.conn.scale_free(0), ["scale_free", "'m'", ">= 1", "0"]),
    (lambda: sn.conn.ring(3), ["ring", "'k'", "even"]),
    (lambda: sn.conn.ring(radius=-1), ["ring", "'radius'", "-1"]),
    (lambda: sn.conn.ring(), ["ring", "exactly one"]),
    (lambda: sn.conn.ring(4, radius=2), ["exactly one"]),
    (lambda: sn.conn.grid((3, 4), -1), ["grid", "'radius'", "-1"]),
    (lambda: sn.conn.grid((3, 0), 1), ["grid", "'shape'", "(3, 0)"]),
    (lambda: sn.conn.grid(12, 1), ["grid", "'shape'", "(rows, cols)"]),
    (lambda: sn.conn.grid((3, 4), 1, metric="cosine"), ["'metric'", "cosine", "manhattan"]),
])
def test_bad_parameters(make, fragments):
    with pytest.raises(SncoreError) as e:
        make()
    for f in fragments:
        assert f in str(e.value), (f, str(e.value))


@pytest.mark.parametrize("rule,n,fragments", [
    (sn.conn.small_world(10, 0.1), 10, ["small_world", "k=10", "n = 10", "k <= 8"]),
    (sn.conn.scale_free(5), 5, ["scale_free", "m=5", "n = 5", "m <= 4"]),
    (sn.conn.ring(radius=5), 10, ["ring", "radius=5", "n = 10", "radius <= 4"]),
    (sn.conn.grid((3, 4), 1), 10, ["grid", "(3, 4)", "12", "n = 10"]),
])
def test_parameters_too_large_for_the_population(rule, n, fragments):
    with pytest.raises(SncoreError) as e:
        run_rule(rule, n)
    for f in fragments:
        assert f in str(e.value), (f, str(e.value))


@pytest.mark.parametrize("rule", [sn.conn.small_world(2, 0.1), sn.conn.scale_free(1), sn.conn.ring(2),
                                  sn.conn.grid((2, 5), 1)])
def test_pre_and_post_must_match(rule):
    sim = new_sim()
    a, b = sim.create(MODEL, 10), sim.create(MODEL, 12)
    with pytest.raises(SncoreError, match=rf"rule '{rule.name}'.*10 sources and 12 targets"):
        sim.connect(a, b, rule=rule)
    with pytest.raises(SncoreError, match="same position"):
        sim.connect(a, a[5:] + a[:5], rule=rule)
    connect(sim, a, b[:10], rule=rule)                     # equal size, different neurons: fine


def test_unknown_rule_names_topologies():
    sim = new_sim()
    a = sim.create(MODEL, 10)
    with pytest.raises(SncoreError, match="small_world"):
        sim.connect(a, a, rule="small_world")

"""Stimulus devices: step_current_generator, timed_current, inhomogeneous_poisson_generator,
noise_generator. Deterministic devices against NEST 3.10 traces (1e-6 mV, identical spikes);
random devices against NEST by the steps at which things change (exact) and by statistics
(data: tests/reference/make_nest_stimuli.py; no NEST needed here)."""

import json
import pathlib

import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

import sncore as sn
from sncore.units import SncoreError

REF = json.loads((pathlib.Path(__file__).parent / "reference" / "nest_stimuli.json").read_text())
P = REF["protocol"]
DT = P["dt"]
N_STD = P["noise"]["std"]


def _counters(sim, n):
    """iaf_psc_delta with tau_m -> inf and C_m = 1 pF: V_m integrates its input
    (a current I adds I dt mV per step, a spike of weight w adds w)."""
    c = {k: v * (u.ms if k in ("tau_m", "t_ref") else u.pF if k == "C_m" else u.mV)
         for k, v in REF["counter"].items() if k != "V_m"}
    return sim.create("iaf_psc_delta", n, params=c, init={"V_m": 0 * u.mV})


def _trace(sim, pop, T, chunks=None):
    mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": DT * u.ms})
    sim.connect(mm, pop)
    parts = []
    for d in (chunks or [T]):
        ev = sim.simulate(d * u.ms).events(mm)
        parts.append((ev["times"].to_decimal(u.ms), ev["V_m"].to_decimal(u.mV)))
    t = np.concatenate([p[0] for p in parts]).reshape(-1, len(pop))[:, 0]
    v = np.concatenate([p[1] for p in parts]).reshape(-1, len(pop))
    return t, v


# ----------------------------------------------------------------- step_current_generator
@pytest.mark.parametrize("model", sorted(P["step_current"]["models"]))
def test_step_current_matches_nest(x64, model):
    S = P["step_current"]
    table = sn.neurons.MODELS[model].PARAMS
    params = {k: v * getattr(u, table[k].unit) for k, v in S["models"][model].items()}
    sim = sn.Simulator(dt=DT * u.ms, seed=0, dtype=jnp.float64)
    n = sim.create(model, 2, params=params)
    g = sim.create("step_current_generator", params={
        "amplitude_times": S["times"] * u.ms, "amplitude_values": S["values"] * u.pA,
        "start": S["start"] * u.ms, "stop": S["stop"] * u.ms})
    sim.connect(g, n[0], weight=S["weight"], delay=S["delay"] * u.ms)
    o = S["offgrid"]
    g2 = sim.create("step_current_generator", params={
        "allow_offgrid_times": True, "amplitude_times": o["times"] * u.ms, "amplitude_values": o["values"] * u.pA})
    sim.connect(g2, n[1], delay=o["delay"] * u.ms)
    rec = sim.create("spike_recorder")
    sim.connect(n, rec)
    mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": DT * u.ms})
    sim.connect(mm, n)
    res = sim.simulate(S["T"] * u.ms)
    ev = res.events(mm)
    v = ev["V_m"].to_decimal(u.mV).reshape(-1, 2)
    ref = REF["step_current"][model]
    m = len(ref["times"])
    np.testing.assert_allclose(ev["times"].to_decimal(u.ms)[::2][:m], ref["times"], atol=1e-9)
    np.testing.assert_allclose(v[:m].T, ref["V_m"], atol=1e-6, rtol=0)
    t, s = res.spikes(rec)
    for i, node in enumerate(n.global_ids):
        np.testing.assert_allclose(t.to_decimal(u.ms)[s == node], ref["spike_times"][i], atol=1e-9)
    assert len(ref["spike_times"][0]) >= 3


def test_step_current_is_chunking_invariant():
    def run(chunk, chunks):
        sim = sn.Simulator(dt=DT * u.ms, seed=0, chunk=chunk)
        pop = _counters(sim, 2)
        g = sim.create("step_current_generator", params={
            "amplitude_times": [0.5, 1.7, 2.9] * u.ms, "amplitude_values": [3.0, -2.0, 5.0] * u.pA})
        sim.connect(g, pop, weight=np.array([1.0, 2.0]), delay=np.array([0.1, 0.4]) * u.ms)
        return _trace(sim, pop, 4.0, chunks)[1]
    np.testing.assert_array_equal(run(None, None), run(7, [1.3, 2.7]))


@pytest.mark.parametrize("params, match", [
    ({"amplitude_times": [2.0, 1.0] * u.ms, "amplitude_values": [1.0, 2.0] * u.pA}, "strictly increasing"),
    ({"amplitude_times": [1.0, 1.0] * u.ms, "amplitude_values": [1.0, 2.0] * u.pA}, "strictly increasing"),
    ({"amplitude_times": [1.0, 2.0] * u.ms, "amplitude_values": [1.0] * u.pA}, "same number"),
    ({"amplitude_times": [1.0] * u.ms}, "without 'amplitude_values'"),
    ({"amplitude_times": [1.05] * u.ms, "amplitude_values": [1.0] * u.pA}, "1.05 ms.*allow_offgrid_times"),
    ({"amplitude_times": [0.0] * u.ms, "amplitude_values": [1.0] * u.pA}, "> 0 ms"),
    ({"amplitude_times": [1.0] * u.ms, "amplitude_values": [1.0] * u.mV}, "amplitude_values"),
    # off-grid times moved up to the grid may collide
    ({"amplitude_times": [1.01, 1.05] * u.ms, "amplitude_values": [1.0, 2.0] * u.pA,
      "allow_offgrid_times": True}, "strictly increasing"),
])
def test_step_current_bad_input(params, match):
    sim = sn.Simulator()
    with pytest.raises(SncoreError, match=match):
        sim.create("step_current_generator", params=params)


# ----------------------------------------------------------------- timed_current
def test_timed_current_equals_step_current_and_holds_last_value(x64):
    """values[floor(t_k / dt_table)] sent in step k == a step current changing at the
    stamps (i R + 1) dt; after the table the last value holds."""
    vals = np.array([50.0, -20.0, 80.0, 10.0])
    R = 3  # table step 0.3 ms
    def run(kind):
        sim = sn.Simulator(dt=DT * u.ms, seed=0, dtype=jnp.float64)
        pop = sim.create("iaf_psc_exp", 1, params={"V_th": 1e9 * u.mV})
        if kind == "timed":
            g = sim.create("timed_current", params={"values": vals * u.pA, "interval": R * DT * u.ms})
        else:
            g = sim.create("step_current_generator", params={
                "amplitude_times": (np.arange(4) * R + 1) * DT * u.ms, "amplitude_values": vals * u.pA})
        sim.connect(g, pop, weight=1.5, delay=0.2 * u.ms)
        return _trace(sim, pop, 3.0)[1][:, 0]
    np.testing.assert_allclose(run("timed"), run("step"), atol=1e-12, rtol=0)


def test_timed_current_2d_table_numpy_oracle():
    """Counter neurons integrate the current: V(t) = sum of w * values[...] dt (numpy oracle),
    column j to the j-th target of the connect call; chunking does not matter."""
    rng = np.random.default_rng(0)
    table = rng.normal(0, 5, size=(7, 3))
    tdt, delay, w = 0.2, 2, np.array([1.0, -0.5, 2.0])
    def run(chunk, chunks):
        sim = sn.Simulator(dt=DT * u.ms, seed=0, chunk=chunk)
        pop = _counters(sim, 3)
        g = sim.create("timed_current", params={"values": table * u.pA, "dt": tdt * u.ms})
        sim.connect(g, pop, weight=w, delay=delay * DT * u.ms)
        return _trace(sim, pop, 2.5, chunks)[1]
    # all_to_all with one device: target j of post gets column j
    k = np.arange(25)
    t = k - delay                                   # generator step of the value read in step k
    idx = np.clip(np.floor(t * DT / tdt + 1e-9).astype(int), 0, 6)
    cur = np.where(t[:, None] >= 0, table[idx] * w, 0.0)
    expect = np.cumsum(np.vstack([np.zeros(3), cur[:-1]]), axis=0)[:25] * DT  # one-step current lag
    v1 = run(None, None)
    np.testing.assert_allclose(v1, expect, atol=1e-4)
    np.testing.assert_array_equal(v1, run(4, [0.7, 1.8]))


def test_timed_current_bad_input():
    sim = sn.Simulator()
    with pytest.raises(SncoreError, match="needs 'values'"):
        sim.create("timed_current")
    with pytest.raises(SncoreError, match="once"):
        sim.create("timed_current", params={"values": [1.0] * u.pA, "dt": 1 * u.ms, "interval": 1 * u.ms})
    with pytest.raises(SncoreError, match="'dt' must be > 0"):
        sim.create("timed_current", params={"values": [1.0] * u.pA, "dt": 0 * u.ms})
    g = sim.create("timed_current", params={"values": np.zeros((5, 3)) * u.pA})
    pop = sim.create("iaf_psc_delta", 2)
    with pytest.raises(SncoreError, match="3 columns.*2 nodes"):
        sim.connect(g, pop)


# ----------------------------------------------------------------- inhomogeneous_poisson_generator
def _inhom_run(chunk=None, chunks=None, seed=3, n=None):
    Q = P["inhom"]
    sim = sn.Simulator(dt=DT * u.ms, seed=seed, chunk=chunk)
    pop = _counters(sim, n or Q["n"])
    g = sim.create("inhomogeneous_poisson_generator", params={
        "rate_times": Q["rate_times"] * u.ms, "rate_values": Q["rate_values"] * u.Hz,
        "start": Q["start"] * u.ms, "stop": Q["stop"] * u.ms})
    sim.connect(g, pop, weight=1 * u.mV, delay=Q["delay"] * u.ms)
    t, v = _trace(sim, pop, Q["T"], chunks)
    return t, np.rint(np.diff(np.vstack([np.zeros(v.shape[1]), v]), axis=0)).astype(int)


def _inhom_expected_rate(stamps):
    """Rate (Hz) behind the counts seen in the sample stamped ``stamps``: NEST's rule, written
    out independently: generator step t = stamp/dt - 1 - delay; active for s < t <= e; rate of
    the last change time <= (t + 1) dt."""
    Q = P["inhom"]
    t = np.rint(np.asarray(stamps) / DT).astype(int) - 1 - round(Q["delay"] / DT)
    active = (t > round(Q["start"] / DT)) & (t <= round(Q["stop"] / DT))
    rate = np.zeros(len(t))
    for tc, r in zip(Q["rate_times"], Q["rate_values"]):
        rate[(t + 1) >= round(tc / DT)] = r
    return np.where(active, rate, 0.0)


def test_inhom_poisson_steps_and_counts_match_nest():
    Q = P["inhom"]
    ref = REF["inhom"]
    t, counts = _inhom_run()
    m = len(ref["stamps"])
    np.testing.assert_allclose(t[:m], ref["stamps"], atol=1e-9)
    total = counts.sum(axis=1)[:m]
    nest_total = np.asarray(ref["total"])
    rate = _inhom_expected_rate(ref["stamps"])
    # the rule above reproduces NEST's support exactly (>= 100 expected spikes in every active step)
    np.testing.assert_array_equal(nest_total > 0, rate > 0)
    np.testing.assert_array_equal(total > 0, rate > 0)
    # per interval of constant rate: total count ~ Poisson(n rate dt len), for NEST and for sncore
    for r in np.unique(rate[rate > 0]):
        sel = rate == r
        lam = Q["n"] * r * DT * 1e-3 * sel.sum()
        for tot in (total, nest_total):
            assert abs(tot[sel].sum() - lam) < 4 * np.sqrt(lam), (r, tot[sel].sum(), lam)


def test_inhom_poisson_independent_trains_and_dispersion():
    _, counts = _inhom_run(n=300)
    rate = _inhom_expected_rate(np.arange(1, counts.shape[0] + 1) * DT)
    sel = rate == 5000.0
    per_target = counts[sel].sum(axis=0)
    lam = 5000.0 * DT * 1e-3 * sel.sum()
    disp = ((per_target - lam) ** 2 / lam).sum()       # Poisson dispersion, chi2(n)
    p = stats.chi2.sf(disp, len(per_target))
    assert 1e-3 < p < 1 - 1e-3
    c = np.corrcoef(counts[sel].T)[np.triu_indices(300, 1)]
    assert abs(c.mean()) < 0.01


def test_inhom_poisson_chunking_and_seed():
    _, a = _inhom_run(n=20)
    _, b = _inhom_run(n=20, chunk=37, chunks=[11.3, 18.7])
    _, c = _inhom_run(n=20, seed=4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("params, match", [
    ({"rate_times": [1.0, 2.0] * u.ms, "rate_values": [10.0, -5.0] * u.Hz}, "-5 Hz.*>= 0 Hz"),
    ({"rate_times": [3.0, 2.0] * u.ms, "rate_values": [10.0, 5.0] * u.Hz}, "strictly increasing"),
    ({"rate_times": [1.0] * u.ms, "rate_values": [10.0, 5.0] * u.Hz}, "same number"),
    ({"rate_values": [10.0] * u.Hz}, "without 'rate_times'"),
    ({"rate_times": [1.04] * u.ms, "rate_values": [10.0] * u.Hz}, "1.04 ms.*allow_offgrid_times"),
])
def test_inhom_poisson_bad_input(params, match):
    with pytest.raises(SncoreError, match=match):
        sn.Simulator().create("inhomogeneous_poisson_generator", params=params)


# ----------------------------------------------------------------- noise_generator
def _noise_counters(dtype=jnp.float32, chunk=None, chunks=None, seed=5, **extra):
    N = P["noise"]
    sim = sn.Simulator(dt=DT * u.ms, seed=seed, dtype=dtype, chunk=chunk)
    pop = _counters(sim, N["n_counter"])
    g = sim.create("noise_generator", params={
        "mean": N["mean"] * u.pA, "std": N["std"] * u.pA, "dt": N["dt"] * u.ms,
        "start": N["start"] * u.ms, "stop": N["stop"] * u.ms, **extra})
    sim.connect(g, pop, delay=N["delay"] * u.ms)
    t, v = _trace(sim, pop, N["T_counter"], chunks)
    return t, np.diff(np.vstack([np.zeros(v.shape[1]), v]), axis=0) / DT  # pA (C_m = 1 pF)


def test_noise_change_times_and_interval_statistics_match_nest(x64):
    N = P["noise"]
    ref = REF["noise"]
    t, cur = _noise_counters(jnp.float64)
    change = np.nonzero(np.any(np.abs(np.diff(cur, axis=0)) > 1e-6, axis=1))[0] + 1
    on = np.nonzero(np.any(np.abs(cur) > 1e-3, axis=1))[0]
    np.testing.assert_allclose(t[change], ref["change_stamps"], atol=1e-9)  # same grid as NEST
    assert t[on[0]] == pytest.approx(ref["on_first"]) and t[on[-1]] == pytest.approx(ref["on_last"])
    bounds = np.concatenate([[on[0]], change[change > on[0]]])
    vals = cur[bounds[bounds <= on[-1]]]
    assert vals.size == ref["n_values"]
    # NEST's definition: every interval and target an independent N(mean, std^2)
    n = vals.size
    for mean, var in ((vals.mean(), vals.var(ddof=1)), (ref["interval_mean"], ref["interval_var"])):
        assert abs(mean - N["mean"]) < 4 * N["std"] / np.sqrt(n)
        p = stats.chi2.sf((n - 1) * var / N["std"] ** 2, n - 1)
        assert 1e-3 < p < 1 - 1e-3
    # piecewise constant: within an interval all steps carry the first step's value
    seg = np.searchsorted(bounds, np.arange(on[0], on[-1] + 1), side="right") - 1
    np.testing.assert_allclose(cur[on[0]:on[-1] + 1], cur[bounds[seg]], atol=1e-6)


def test_noise_free_membrane_variance_matches_nest():
    """V_m of free iaf_psc_exp neurons driven by noise: variance vs NEST's (F test)."""
    N = P["noise"]
    F = N["free_noise"]
    sim = sn.Simulator(dt=DT * u.ms, seed=7)
    fp = N["free_params"]
    pop = sim.create("iaf_psc_exp", N["n_free"], params={
        "tau_m": fp["tau_m"] * u.ms, "C_m": fp["C_m"] * u.pF, "V_th": fp["V_th"] * u.mV, "E_L": fp["E_L"] * u.mV},
        init={"V_m": fp["V_m"] * u.mV})
    g = sim.create("noise_generator", params={"mean": F["mean"] * u.pA, "std": F["std"] * u.pA, "dt": N["dt"] * u.ms})
    sim.connect(g, pop, delay=N["delay"] * u.ms)
    mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": 40 * u.ms})
    sim.connect(mm, pop)
    ev = sim.simulate(N["T_free"] * u.ms).events(mm)
    t = ev["times"].to_decimal(u.ms)
    v = ev["V_m"].to_decimal(u.mV)
    ours = np.concatenate([v[np.isclose(t, ts)] for ts in N["sample_times"]])
    theirs = np.concatenate(REF["noise"]["free_V"])
    assert ours.size == theirs.size == N["n_free"] * len(N["sample_times"])
    ratio = ours.var(ddof=1) / theirs.var(ddof=1)
    p = stats.f.cdf(ratio, ours.size - 1, theirs.size - 1)
    assert 1e-3 < p < 1 - 1e-3, ratio
    # and the NEST documentation's small-delta estimate dt tau_m std^2 / (2 C_m^2), within 15 %
    approx = N["dt"] * fp["tau_m"] * F["std"] ** 2 / (2 * fp["C_m"] ** 2)
    assert abs(ours.var() / approx - 1) < 0.15 and abs(theirs.var() / approx - 1) < 0.15
    assert abs(ours.mean()) < 4 * ours.std() / np.sqrt(ours.size)


def test_noise_is_reproducible_and_chunking_invariant():
    _, a = _noise_counters(seed=5)
    _, b = _noise_counters(seed=5, chunk=23, chunks=[7.7, 14.0, 10.3])
    _, c = _noise_counters(seed=6)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_noise_std_modulation():
    """sigma^2 = std^2 + sin(omega t + phase) std_mod^2 at the draw: frequency 0 and phase
    270 deg give no noise, phase 90 deg twice the variance."""
    _, flat = _noise_counters(std_mod=N_STD * u.pA, phase=270.0)
    on = np.abs(flat).max(axis=1) > 1e-3
    np.testing.assert_allclose(flat[on], P["noise"]["mean"], atol=2e-2)
    _, loud = _noise_counters(std_mod=N_STD * u.pA, phase=90.0)
    vals = loud[on][::5].reshape(-1)  # one step per 0.5 ms interval
    p = stats.chi2.sf((vals.size - 1) * vals.var(ddof=1) / (2 * N_STD ** 2), vals.size - 1)
    assert 1e-3 < p < 1 - 1e-3


def test_noise_gradient_through_compile():
    import jax

    sim = sn.Simulator(dt=DT * u.ms, seed=1)
    pop = sim.create("iaf_psc_exp", 4, params={"V_th": 1e9 * u.mV})
    g = sim.create("noise_generator", params={"mean": 10 * u.pA, "std": 50 * u.pA})
    sim.connect(g, pop, delay=0.1 * u.ms)
    run = sim.compile(5 * u.ms)

    def loss(std):
        params = dict(run.params, noise=[dict(run.params["noise"][0], std=std)])
        state, _ = run(params, run.state, np.array([1, 2], np.uint32))
        return jnp.sum(state["neurons"]["iaf_psc_exp"].V_m ** 2)

    gr = jax.grad(loss)(jnp.float32(50.0))
    assert np.isfinite(gr) and gr != 0
    assert np.isfinite(jax.grad(loss)(jnp.float32(0.0)))


@pytest.mark.parametrize("params, match", [
    ({"std": -1 * u.pA}, "'std' must be >= 0"),
    ({"std": 1 * u.pA, "std_mod": 2 * u.pA}, "'std_mod' must be <= 'std'"),
    ({"dt": 0.25 * u.ms}, "'dt' must be a multiple of dt"),
    ({"std": 1 * u.mV}, "std"),
])
def test_noise_bad_input(params, match):
    with pytest.raises(SncoreError, match=match):
        sn.Simulator().create("noise_generator", params=params)

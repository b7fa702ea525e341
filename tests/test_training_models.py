"""lif, alif, qif, cuba_lif against closed forms (float64), gradients against finite
differences, the Simulator with dimensionless weights, and bad parameters."""

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import sncore as sn
from sncore.neurons import ALIF, LIF, QIF, CubaLIF, Input


def _trace(model, syn, cur=None, state=None, dt=0.1):
    """Step one neuron over the inputs ``syn`` [T] (pure JAX): returns (states [T], spikes [T])."""
    syn = jnp.asarray(syn)
    cur = jnp.zeros_like(syn) if cur is None else jnp.asarray(cur)
    s = model.init(dt) if state is None else state

    def body(s, x):
        s, spk = model.step(s, Input(syn=x[0][None], current=x[1]), dt)
        return s, (s, spk)

    return jax.lax.scan(body, s, (syn, cur))[1]


def _run(model, T, syn=None, current=None, state=None, dt=0.1):
    """Step one neuron T times (float64); returns V_m [T], spikes [T] and the final state."""
    syn = np.zeros(T) if syn is None else np.asarray(syn, float)
    states, spk = _trace(model, syn, current, state, dt)
    return np.asarray(states.V_m), np.asarray(spk), jax.tree.map(lambda x: x[-1], states)


def f64(**kw):
    return {k: jnp.float64(v) for k, v in kw.items()}


# ---------------------------------------------------------------- lif
def test_lif_subthreshold_drive_is_the_geometric_series(x64):
    tau, dt, I, V0 = 15.0, 0.1, 0.9, 0.25
    m = LIF(**f64(tau_mem=tau, I_e=I))
    v, spk, _ = _run(m, 400, state=m.init(dt)._replace(V_m=jnp.float64(V0)), dt=dt)
    k = np.arange(1, 401)
    beta = np.exp(-dt / tau)
    np.testing.assert_allclose(v, I + beta ** k * (V0 - I), rtol=1e-12)
    assert spk.sum() == 0


@pytest.mark.parametrize("I", [1.1, 1.7, 4.0])
def test_lif_zero_reset_fires_with_the_closed_form_period(x64, I):
    tau, dt = 10.0, 0.1
    _, spk, _ = _run(LIF(**f64(tau_mem=tau, I_e=I), reset="zero"), 2000, dt=dt)
    # from 0: V_k = I (1 - beta^k) >= 1  <=>  k >= ln(1 - 1/I) / ln(beta)
    period = int(np.ceil(np.log(1 - 1 / I) / (-dt / tau) - 1e-9))
    steps = np.nonzero(spk)[0] + 1
    np.testing.assert_array_equal(steps, period * np.arange(1, len(steps) + 1))


def test_lif_subtract_reset_keeps_the_overshoot(x64):
    v, spk, _ = _run(LIF(**f64(tau_mem=10.0)), 3, syn=[1.7, 0.0, 0.0], dt=1.0)
    assert list(spk) == [1.0, 0.0, 0.0]
    np.testing.assert_allclose(v, 0.7 * np.exp(-np.arange(3) / 10.0), rtol=1e-12)


# ---------------------------------------------------------------- alif
@pytest.mark.parametrize("forced", [[0, 1, 2, 3], [2, 9, 30], [5]])
def test_alif_threshold_after_spikes_is_the_closed_form(x64, forced):
    dt, tau_a, beta_a, b0 = 1.0, 25.0, 1.8, 1.0
    m = ALIF(**f64(tau_mem=5.0, tau_adapt=tau_a, beta_a=beta_a, b0=b0), reset="zero")
    T = max(forced) + 4
    syn = np.zeros(T)
    syn[forced] = 50.0
    _, spk, s = _run(m, T, syn=syn, dt=dt)
    np.testing.assert_array_equal(np.nonzero(spk)[0], forced)
    rho = np.exp(-dt / tau_a)
    a = (1 - rho) * sum(rho ** (T - 1 - k) for k in forced)
    np.testing.assert_allclose(float(s.a), a, rtol=1e-12)
    A = b0 + beta_a * a  # the threshold of the next step uses a before its update
    # the next step fires iff V reaches exactly this threshold (V decays from its value)
    V_next = float(s.V_m) * np.exp(-dt / 5.0)
    for eps, want in ((-1e-9, 0.0), (1e-9, 1.0)):
        _, sp, _ = _run(m, 1, syn=[A - V_next + eps], state=s, dt=dt)
        assert sp[0] == want


def test_alif_n_spikes_in_a_row(x64):
    rho = np.exp(-1.0 / 40.0)
    _, _, s = _run(ALIF(**f64(tau_adapt=40.0), reset="zero"), 6, syn=[9.0] * 6, dt=1.0)
    np.testing.assert_allclose(float(s.a), 1 - rho ** 6, rtol=1e-12)


# ---------------------------------------------------------------- qif
def _qif_time_to_peak(V0, I, tau=10.0, Vr=0.0, Vc=1.0, Vp=10.0):
    k, mid = 1 / (Vc - Vr), 0.5 * (Vr + Vc)
    b = I - 0.25 * (Vc - Vr)
    x0, xp = V0 - mid, Vp - mid
    if b > 0:
        g = np.sqrt(k / b)
        return tau / np.sqrt(k * b) * (np.arctan(xp * g) - np.arctan(x0 * g))
    w = np.sqrt(-b / k)  # b < 0, x0 > w: (x - w)/(x + w) grows as exp(2 k w t / tau)
    return tau / (2 * k * w) * np.log((xp - w) / (xp + w) * (x0 + w) / (x0 - w))


@pytest.mark.parametrize("V0,I,dt", [(0.0, 0.5, 0.1), (-0.5, 2.0, 0.05), (3.0, 0.3, 0.1),
                                     (1.5, 0.0, 0.1), (0.9, 0.25, 0.1), (0.0, 20.0, 0.1)])
def test_qif_time_to_spike_is_the_analytic_formula(x64, V0, I, dt):
    m = QIF(**f64(tau_mem=10.0, V_rest=0.0, V_c=1.0, V_peak=10.0, V_reset=0.0, I_e=I))
    if I == 0.25:  # b = 0: x(t) = x0 / (1 - x0 t / tau)
        t_exp = 10.0 * (1 / (V0 - 0.5) - 1 / 9.5)
    else:
        t_exp = _qif_time_to_peak(V0, I)
    T = int(t_exp / dt) + 5
    _, spk, _ = _run(m, T, state=m.init(dt)._replace(V_m=jnp.float64(V0)), dt=dt)
    k = int(np.nonzero(spk)[0][0]) + 1  # the spike is stamped at the end of step k
    assert (k - 1) * dt < t_exp <= k * dt


@pytest.mark.parametrize("V0,I", [(0.0, 0.5), (0.3, 0.1), (0.99, -0.4)])
def test_qif_subthreshold_trajectory_is_exact(x64, V0, I):
    tau, dt = 10.0, 0.1
    m = QIF(**f64(tau_mem=tau, I_e=I, V_peak=1e6))
    v, _, _ = _run(m, 150, state=m.init(dt)._replace(V_m=jnp.float64(V0)), dt=dt)
    t = dt * np.arange(1, 151)
    x0, b = V0 - 0.5, I - 0.25
    if b > 0:
        x = np.sqrt(b) * np.tan(np.sqrt(b) * t / tau + np.arctan(x0 / np.sqrt(b)))
    else:
        w = np.sqrt(-b)
        K = (x0 - w) / (x0 + w) * np.exp(2 * w * t / tau)
        x = w * (1 + K) / (1 - K)
    np.testing.assert_allclose(v, 0.5 + x, rtol=1e-10, atol=1e-12)


def test_qif_in_simulator_spike_time(x64):
    dt = 0.1
    sim = sn.Simulator(dt=dt * u.ms, dtype=jnp.float64)
    n = sim.create("qif", 1, params={"I_e": 0.5, "tau_mem": 10 * u.ms})
    rec = sim.create("spike_recorder")
    sim.connect(n, rec)
    t = np.asarray(sim.simulate(100 * u.ms).spikes(rec)[0].to_decimal(u.ms))
    t1 = _qif_time_to_peak(0.0, 0.5)
    assert t1 <= t[0] < t1 + dt
    period = _qif_time_to_peak(0.0, 0.5)  # reset to 0 = the initial value: periodic up to the grid
    assert np.all(np.abs(np.diff(t) - period) < dt + 1e-9)


# ---------------------------------------------------------------- cuba_lif
@pytest.mark.parametrize("tau_syn", [2.0, 10.0])
def test_cuba_lif_psp_is_the_difference_of_exponentials(x64, tau_syn):
    dt, tau_m, R, w, vl = 0.1, 10.0, 2.0, 0.4, -0.2
    sim = sn.Simulator(dt=dt * u.ms, dtype=jnp.float64)
    n = sim.create("cuba_lif", 1, params={"tau_mem": tau_m * u.ms, "tau_syn": tau_syn * u.ms,
                                          "R": R, "v_leak": vl}, init={"V_m": vl})
    sg = sim.create("spike_generator", params={"spike_times": [2.0] * u.ms})
    sim.connect(sg, n, weight=w, delay=1.0 * u.ms)
    mm = sim.create("multimeter", params={"record_from": ["V_m", "I_syn"], "interval": dt * u.ms})
    sim.connect(mm, n)
    ev = sim.simulate(30 * u.ms).events(mm)
    t = np.asarray(ev["times"].to_decimal(u.ms)) - 3.0
    tt = np.maximum(t, 0.0)
    I = np.where(t > -1e-9, w * np.exp(-tt / tau_syn), 0.0)
    if tau_syn == tau_m:
        psp = R * w * tt / tau_m * np.exp(-tt / tau_m)
    else:
        psp = R * w * tau_syn / (tau_syn - tau_m) * (np.exp(-tt / tau_syn) - np.exp(-tt / tau_m))
    np.testing.assert_allclose(np.asarray(ev["I_syn"]).ravel(), I, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(np.asarray(ev["V_m"]).ravel(), vl + psp, rtol=1e-10, atol=1e-13)


def _fd_check(loss, params, names, rel=1e-6):
    g = jax.grad(loss)(params)
    for name in names:
        h = 1e-6 * max(1.0, abs(float(getattr(params, name))))
        plus = loss(eqx_set(params, name, getattr(params, name) + h))
        minus = loss(eqx_set(params, name, getattr(params, name) - h))
        fd = (plus - minus) / (2 * h)
        assert abs(float(getattr(g, name)) - float(fd)) <= rel * max(1.0, abs(float(fd))), name
        assert float(getattr(g, name)) != 0.0, name


def eqx_set(m, name, value):
    import equinox as eqx
    return eqx.tree_at(lambda x: getattr(x, name), m, value)


def test_cuba_lif_gradients_of_time_constants_match_finite_differences(x64):
    rng = np.random.default_rng(1)
    syn = rng.uniform(0.0, 0.1, 200)
    # a narrow triangle surrogate is exactly 0 away from threshold, so autodiff is the true gradient
    m = CubaLIF(**f64(tau_mem=12.0, tau_syn=4.0, R=1.3, v_leak=0.1, v_th=1.0, v_reset=0.0, I_e=0.2),
                surrogate="triangle", slope=1e3)

    def loss(model):
        return jnp.sum(_trace(model, syn, dt=0.5)[0].V_m)

    v = _run(m, 200, syn=syn, dt=0.5)[0]
    assert v.max() < 1.0 - 2e-3  # subthreshold and outside the surrogate's support: the loss is smooth
    _fd_check(jax.jit(loss), m, ["tau_mem", "tau_syn", "R", "v_leak", "I_e"])


def test_cuba_lif_threshold_gradient_through_subtractive_reset(x64):
    """With spikes and reset="subtract", v depends on v_th through the reset; a narrow triangle
    surrogate is exactly zero when v stays further than 1/slope from threshold, so autodiff
    then equals the true derivative of the (locally smooth) loss."""
    rng = np.random.default_rng(2)
    syn = rng.uniform(0.0, 0.5, 300)
    m = CubaLIF(**f64(tau_mem=8.0, tau_syn=3.0, R=1.0, v_leak=0.0, v_th=1.0, v_reset=0.0, I_e=0.0),
                reset="subtract", surrogate="triangle", slope=1e4)

    def loss(model):
        return jnp.sum(_trace(model, syn, dt=0.5)[0].V_m)

    v, sp, _ = _run(m, 300, syn=syn, dt=0.5)
    v_pre = v + sp * 1.0  # the pre-reset membrane value of each step must stay away from threshold
    assert np.min(np.abs(np.asarray(v_pre) - 1.0)) > 2e-4
    assert sum(np.asarray(v_pre) >= 1.0) >= 3  # several spikes
    _fd_check(jax.jit(loss), m, ["v_th", "tau_mem", "tau_syn", "v_reset"])


@pytest.mark.parametrize("cls,names", [(LIF, ["tau_mem", "I_e"]),
                                       (ALIF, ["tau_mem", "I_e"])])
def test_lif_alif_tau_gradients_match_finite_differences(x64, cls, names):
    syn = np.random.default_rng(3).uniform(0.0, 0.04, 150)
    m = cls(**{k: jnp.float64(p.default) for k, p in cls.PARAMS.items()} | {"I_e": jnp.float64(0.3)},
            surrogate="triangle", slope=1e3)
    assert _run(m, 150, syn=syn, dt=0.5)[0].max() < 1.0 - 2e-3

    def loss(model):
        return jnp.sum(_trace(model, syn, dt=0.5)[0].V_m)

    _fd_check(jax.jit(loss), m, names)


# ---------------------------------------------------------------- simulator
def test_lif_in_simulator_with_all_devices(x64):
    dt, tau, amp = 0.5, 20.0, 0.8
    sim = sn.Simulator(dt=dt * u.ms, seed=0, dtype=jnp.float64)
    n = sim.create("lif", 10, params={"tau_mem": tau * u.ms})
    pg = sim.create("poisson_generator", params={"rate": 200 * u.Hz})
    dc = sim.create("dc_generator", params={"amplitude": amp * u.pA})
    sg = sim.create("spike_generator", params={"spike_times": [5.0] * u.ms})
    sim.connect(pg, n[:5], weight=0.3)
    sim.connect(dc, n)
    sim.connect(sg, n[:5], weight=1.5, delay=1 * u.ms)
    rec = sim.create("spike_recorder")
    sim.connect(n, rec)
    mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": dt * u.ms})
    sim.connect(mm, n)
    res = sim.simulate(50 * u.ms)
    t, s = res.spikes(rec)
    t = np.asarray(t.to_decimal(u.ms))
    ids = np.asarray(n.global_ids)
    # the spike_generator kick (1.5 thresholds) fires n[:5] at 5 + 1 ms; n[5:] never fire
    assert set(s[np.isclose(t, 6.0)]) >= set(ids[:5])
    assert not set(s) & set(ids[5:])
    ev = res.events(mm)
    tm = np.asarray(ev["times"].to_decimal(u.ms)).reshape(-1, 10)[:, 5]
    v = np.asarray(ev["V_m"]).reshape(-1, 10)[:, 5]
    # dc only (default delay 1 ms; felt from the sample stamped delay + dt)
    expect = amp * (1 - np.exp(-np.maximum(tm - 1.0, 0.0) / tau))
    np.testing.assert_allclose(v, expect, rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("model,params,match", [
    ("lif", {"tau_mem": -1 * u.ms}, "'tau_mem' must be finite and > 0"),
    ("alif", {"tau_adapt": 0 * u.ms}, "'tau_adapt' must be finite and > 0"),
    ("alif", {"b0": 0.0}, "'b0' must be > 0"),
    ("qif", {"tau_mem": 0 * u.ms}, "'tau_mem'"),
    ("qif", {"V_c": -1.0}, "'V_rest' must be < V_c"),
    ("qif", {"V_peak": 0.5}, "'V_c' must be < V_peak"),
    ("qif", {"V_reset": 11.0}, "'V_reset' must be < V_peak"),
    ("cuba_lif", {"tau_syn": -2 * u.ms}, "'tau_syn'"),
    ("cuba_lif", {"v_th": 0.0}, "'v_th' must be > v_reset"),
    ("lif", {"tau_mem": 10.0}, "needs a quantity in ms"),
    ("lif", {"I_e": 1 * u.mV}, "'I_e' is dimensionless"),
])
def test_bad_parameters_name_the_parameter(model, params, match):
    with pytest.raises(sn.SncoreError, match=match):
        sn.Simulator().create(model, 2, params=params)


def test_bad_reset_option():
    with pytest.raises(sn.SncoreError, match="'reset' must be one of"):
        LIF(reset="hard")
    with pytest.raises(sn.SncoreError, match="'reset' must be 'value' or 'subtract'"):
        CubaLIF(reset="zero")


def test_dimensionless_weights_default_and_errors():
    sim = sn.Simulator()
    a, b = sim.create("lif", 2), sim.create("cuba_lif", 3)
    syn = sim.connect(a, a)
    np.testing.assert_array_equal(syn.get("weight"), np.ones(4))  # NEST's default weight 1
    np.testing.assert_array_equal(sim.connect(a, b, weight=np.arange(6.0)).get("weight"),
                                  np.arange(6.0))
    with pytest.raises(sn.SncoreError, match="'weight' is dimensionless"):
        sim.connect(a, b, weight=0.5 * u.mV)
    with pytest.raises(sn.SncoreError, match="different units"):
        sim.connect(a, b + sim.create("iaf_psc_delta", 1), weight=0.5)

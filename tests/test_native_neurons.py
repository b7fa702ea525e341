"""Native population steps (sncore.native.neurons) against the model's ``vmap_step``:
bit for bit equal to a NumPy evaluation of the kernel's expressions, and within rounding
(a few ulp per step, same spikes) of the XLA path, for random states and inputs, shared
or per-neuron parameters, several substep counts, float32 and float64; and a COBA network
with the native kernels keeps the XLA run's rates."""

from __future__ import annotations

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from sncore import native
from sncore.native.neurons import NATIVE_STEPS
from sncore.neurons._base import Input, vmap_step
from sncore.neurons.iaf_cond_exp import IafCondExp

# skipped only without a C++ compiler; a compiler whose build fails is a failure (native_cpu)
pytestmark = [pytest.mark.skipif(native.build._compiler() is None, reason="no C++ compiler"),
              pytest.mark.usefixtures("native_cpu")]


PARAMS = {"E_L": -60.0, "V_reset": -60.0, "V_th": -50.0, "C_m": 200.0, "g_L": 10.0, "t_ref": 5.0, "E_ex": 0.0,
          "E_in": -80.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0, "I_e": 200.0}


def _case(n, n_sub, per_neuron, dtype, seed):
    rng = np.random.default_rng(seed)
    vals = {k: (v * rng.uniform(0.8, 1.2, n) if per_neuron and k not in ("V_reset", "V_th", "E_L") else v)
            for k, v in PARAMS.items()}
    if per_neuron:
        vals["V_th"] = rng.uniform(-52, -48, n)
    m = IafCondExp(**{k: jnp.asarray(v, dtype) for k, v in vals.items()}, n_sub=n_sub).prepare(0.1)
    st = m.STATE(V_m=jnp.asarray(rng.uniform(-65, -48, n), dtype), g_ex=jnp.asarray(rng.uniform(0, 30, n), dtype),
                 g_in=jnp.asarray(rng.uniform(0, 60, n), dtype), r=jnp.asarray(rng.integers(0, 3, n), jnp.int32),
                 I=jnp.asarray(rng.normal(0, 100, n), dtype))
    # receptor 0 holds excitatory weights (>= 0), receptor 1 the inhibitory ones (<= 0, sign-routed)
    syn = np.stack([rng.uniform(0, 10, n), rng.uniform(-10, 0, n)], axis=1)
    inp = Input(jnp.asarray(syn, dtype), jnp.asarray(rng.normal(0, 50, n), dtype))
    return m, st, inp


def _fma(a, b, c):
    """a b + c rounded once to the dtype of ``a``: exact for float32 (the product of two
    float32 is exact in float64, and the float64 sum is rounded to float32 only where a
    float64 rounding could cross a float32 one, ~2^-29 of cases; the cases here are fixed).
    For float64 the sum is rounded twice (the test then compares with a tolerance)."""
    if a.dtype == np.float32:
        return (a.astype(np.float64) * np.float64(b) + np.float64(c)).astype(np.float32)
    return a * b + c


def _numpy_step(m, st, inp, dt):
    """The kernel's expressions (iaf_cond_exp.cc) in NumPy, one rounding per operation."""
    c = np.asarray
    V_th, V_reset, g_L, C_m, E_ex, E_in, E_L, I_e = (c(getattr(m, k)) for k in
                                                     ("V_th", "V_reset", "g_L", "C_m", "E_ex", "E_in", "E_L", "I_e"))
    tabs, _, ref = m.consts
    tex, tin = [c(t) for t in tabs[0]], [c(t) for t in tabs[1]]
    V, ge, gi, r, I = (c(getattr(st, k)) for k in ("V_m", "g_ex", "g_in", "r", "I"))
    dtype = V.dtype.type
    s = dt / m.n_sub
    a_half, a_full, s6, two = dtype(0.5 * s), dtype(s), dtype(s / 6.0), dtype(2.0)
    inv_C = dtype(1.0) / C_m
    cl = g_L * inv_C
    al = _fma(I, inv_C, (g_L * E_L + I_e) * inv_C)
    xe, xi = ge * inv_C, gi * inv_C
    G = [_fma(xi, tin[k], _fma(xe, tex[k], cl)) for k in range(len(tex))]
    A = [_fma(xi, E_in * tin[k], _fma(xe, E_ex * tex[k], al)) for k in range(len(tex))]

    def f(k, v):
        return _fma(-G[k], np.where(v < V_th, v, V_th), A[k])

    for i in range(m.n_sub):
        k1 = f(2 * i, V)
        k2 = f(2 * i + 1, _fma(a_half, k1, V))
        k3 = f(2 * i + 1, _fma(a_half, k2, V))
        k4 = f(2 * i + 2, _fma(a_full, k3, V))
        V = _fma(s6, _fma(two, k2 + k3, k1 + k4), V)
    refr = r > 0
    V = np.where(refr, V_reset, V)
    r = np.where(refr, r - 1, r)
    ge1 = ge * tex[-1] + c(inp.syn[:, 0])
    gi1 = gi * tin[-1] + (-c(inp.syn[:, 1]))
    fired = (V - V_th) >= 0
    return (np.where(fired, V_reset, V), ge1, gi1, np.where(fired, c(ref), r).astype(np.int32),
            c(inp.current)), fired.astype(V.dtype)


@pytest.mark.parametrize("n_sub", [1, 2, 3])
@pytest.mark.parametrize("per_neuron", [False, True])
@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_iaf_cond_exp_native(n_sub, per_neuron, dtype, request):
    if dtype == jnp.float64:
        request.getfixturevalue("x64")
    # 70000 neurons: more than 2 x kGrain, so the population is split over threads
    m, st, inp = _case(70000, n_sub, per_neuron, dtype, [n_sub, per_neuron])
    xla = jax.jit(lambda m, s, i: vmap_step(m, s, i, 0.1))
    nat = jax.jit(lambda m, s, i: NATIVE_STEPS[IafCondExp](m, s, i, 0.1))
    eps = float(jnp.finfo(dtype).eps)
    n_spikes = 0
    for _ in range(10):  # refractory counts, spikes and resets all occur
        want, want_spk = _numpy_step(m, st, inp, 0.1)
        (sa, ka), (sb, kb) = xla(m, st, inp), nat(m, st, inp)
        for name, w in zip(IafCondExp.STATE._fields, want):
            got = np.asarray(getattr(sb, name))
            if dtype == jnp.float32 or name != "V_m":
                np.testing.assert_array_equal(got, w, err_msg=f"native vs NumPy: {name}")
            else:  # float64: NumPy rounds each fma twice
                np.testing.assert_allclose(got, w, rtol=4 * eps, atol=0, err_msg=f"native vs NumPy: {name}")
            np.testing.assert_allclose(got, np.asarray(getattr(sa, name)), rtol=8 * eps, atol=0,
                                       err_msg=f"native vs XLA: {name}")
        np.testing.assert_array_equal(np.asarray(kb), want_spk)
        np.testing.assert_array_equal(np.asarray(kb), np.asarray(ka))
        n_spikes += int(want_spk.sum())
        st = sb
    assert 1000 < n_spikes < 10 * 70000


def test_native_step_does_not_touch_its_inputs():
    """The kernel updates its state in place: XLA must copy a state still used afterwards."""
    m, st, inp = _case(1000, 2, False, jnp.float32, 9)
    v0 = np.asarray(st.V_m).copy()
    f = jax.jit(lambda m, s, i: (NATIVE_STEPS[IafCondExp](m, s, i, 0.1)[0].V_m, s.V_m))
    v1, v_again = f(m, st, inp)
    np.testing.assert_array_equal(np.asarray(v_again), v0)
    np.testing.assert_array_equal(np.asarray(st.V_m), v0)
    assert not np.array_equal(np.asarray(v1), v0)


def test_native_step_shared_current():
    """A ``[1]`` current (what the engine passes when nothing drives the block) acts as that
    value for every neuron: the same result as the broadcast ``[n]`` array."""
    m, st, inp = _case(5000, 1, False, jnp.float32, 11)
    step = jax.jit(lambda m, s, i: NATIVE_STEPS[IafCondExp](m, s, i, 0.1))
    for value in (0.0, 37.5):
        one = inp._replace(current=jnp.full((1,), value, jnp.float32))
        full = inp._replace(current=jnp.full((5000,), value, jnp.float32))
        (s1, k1), (s2, k2) = step(m, st, one), step(m, st, full)
        for name in IafCondExp.STATE._fields:
            np.testing.assert_array_equal(np.asarray(getattr(s1, name)), np.asarray(getattr(s2, name)))
        np.testing.assert_array_equal(np.asarray(k1), np.asarray(k2))
        assert np.all(np.asarray(s1.I) == value)


def test_native_step_by_exact_model_class():
    """Every population of a model with a kernel takes it; a subclass (which may change the
    dynamics) keeps ``vmap_step``."""
    from sncore.native.neurons import native_step

    class Custom(IafCondExp):
        pass

    assert native_step(IafCondExp) is NATIVE_STEPS[IafCondExp]
    assert native_step(Custom) is vmap_step


def test_coba_native_neurons_keep_the_rates():
    """COBA with 8,000 neurons, 300 ms, native neuron and event kernels against the XLA
    path: rounding-level differences, which a chaotic network amplifies, keep the
    XLA run's population rates within 3 %, and the first 10 ms are identical spike for
    spike."""
    from sncore.zoo import coba

    res = {}
    for kernels in ("xla", "native"):
        net = coba(scale=2, seed=5, n_record=100, kernels=kernels, backend="cpu")
        res[kernels] = (net.sim.simulate(300 * u.ms, progress=False), net)
    (rx, net), (rn, _) = res["xla"], res["native"]
    (tx, sx), (tn, sn) = ((np.asarray(t / u.ms), np.asarray(s)) for t, s in
                          (rx.spikes(net.recorder), rn.spikes(net.recorder)))
    ex, en = tx < 10, tn < 10
    assert ex.sum() > 50
    np.testing.assert_array_equal(tn[en], tx[ex])
    np.testing.assert_array_equal(sn[en], sx[ex])
    for pop in (net.exc, net.inh):
        a, b = float(rx.rate(pop) / u.Hz), float(rn.rate(pop) / u.Hz)
        assert abs(a - b) <= 0.03 * a, (a, b)

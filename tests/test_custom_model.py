"""The user-defined-model recipe of docs/custom_models.md, followed literally: a
resonate-and-fire neuron defined here, registered, run in a Simulator and compared with a
plain numpy (complex arithmetic) loop of the same equations; vmap, jit and grad."""

import cmath
from typing import NamedTuple

import brainunit as u
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import sncore as sn
from sncore.neurons import Input, NeuronModel, Param, spike_fn


class RFState(NamedTuple):          # the state of one neuron: a NamedTuple of arrays
    V_m: jax.Array                  # voltage-like part (recordable)
    x: jax.Array                    # current-like part (recordable)
    I: jax.Array                    # dc current arriving last step (NEST's one-step lag)


class ResonateAndFire(NeuronModel):
    """Izhikevich's resonate-and-fire neuron, integrated exactly (dimensionless)."""

    tau: jax.Array = 10.0
    period: jax.Array = 5.0
    V_th: jax.Array = 1.0
    I_e: jax.Array = 0.0
    surrogate: str = eqx.field(default="fast_sigmoid", static=True)

    WEIGHT_UNIT = "1"
    RECEPTORS = ("spikes",)
    PARAMS = {
        "tau": Param(10.0, "ms", "strict", "damping time"),
        "period": Param(5.0, "ms", "strict", "oscillation period"),
        "V_th": Param(1.0, "1", doc="threshold"),
        "I_e": Param(0.0, "1", doc="constant drive"),
    }
    STATES = {
        "V_m": Param(0.0, "1", doc="voltage-like variable"),
        "x": Param(0.0, "1", doc="current-like variable"),
    }

    def init(self, dt):
        z = jnp.zeros_like(jnp.asarray(self.tau))
        return RFState(V_m=z, x=z, I=z)

    def step(self, state, inp: Input, dt):
        b, w = -1.0 / self.tau, 2 * jnp.pi / self.period
        er = jnp.exp(b * dt) * jnp.cos(w * dt)
        ei = jnp.exp(b * dt) * jnp.sin(w * dt)
        I = self.I_e + state.I
        n2 = b * b + w * w
        gr, gi = ((er - 1) * b + ei * w) / n2, (ei * b - (er - 1) * w) / n2
        x = er * state.x - ei * state.V_m + gr * I + inp.syn[0]
        V = ei * state.x + er * state.V_m + gi * I
        spike = spike_fn(V - self.V_th, self.surrogate)
        keep = 1.0 - spike
        return RFState(V * keep, x * keep, inp.current.astype(V.dtype)), spike


NAME = "resonate_and_fire_test"
if NAME not in sn.neurons.MODELS:  # the module may be imported twice by pytest
    sn.neurons.register(NAME, ResonateAndFire)


def _numpy_rf(T, dt, tau, period, amp, dc_from, kicks, V_th=1.0):
    """The same equations with Python complex numbers; the dc current arriving in step k
    (1-based, ending at k dt) is used in step k + 1; a kick (time, weight) arriving at
    ``time`` is added to x at the end of the step ending then. Returns spike steps."""
    lam = complex(-1.0 / tau, 2 * np.pi / period)
    e = cmath.exp(lam * dt)
    g = (e - 1) / lam
    z, I_buf, out = 0j, 0.0, []
    for k in range(1, T + 1):
        z = e * z + g * I_buf + sum(wt for t, wt in kicks if abs(t - k * dt) < 1e-9)
        I_buf = amp if k * dt >= dc_from - 1e-9 else 0.0
        if z.imag >= V_th:
            out.append(k)
            z = 0j
    return np.asarray(out)


@pytest.mark.parametrize("period,amp", [(5.0, 1.0), (4.0, 1.6), (7.0, 0.9)])
def test_spike_times_equal_a_numpy_loop(x64, period, amp):
    dt, tau, T = 0.1, 10.0, 1000
    sim = sn.Simulator(dt=dt * u.ms, seed=0, dtype=jnp.float64)
    n = sim.create(NAME, 1, params={"tau": tau * u.ms, "period": period * u.ms})
    dc = sim.create("dc_generator", params={"amplitude": amp * u.pA})
    sim.connect(dc, n, delay=1.0 * u.ms)
    sg = sim.create("spike_generator", params={"spike_times": [20.0, 22.5, 60.0] * u.ms})
    sim.connect(sg, n, weight=0.3, delay=2.0 * u.ms)
    rec = sim.create("spike_recorder")
    sim.connect(n, rec)
    t = np.asarray(sim.simulate(T * dt * u.ms).spikes(rec)[0].to_decimal(u.ms))
    ref = _numpy_rf(T, dt, tau, period, amp, 1.0, [(22.0, 0.3), (24.5, 0.3), (62.0, 0.3)])
    assert len(ref) >= 3
    np.testing.assert_array_equal(np.round(t / dt).astype(int), ref)


def test_multimeter_vmap_over_parameters_and_jit():
    sim = sn.Simulator(dt=0.1 * u.ms, seed=0)
    n = sim.create(NAME, 3, params={"period": [4.0, 5.0, 6.0] * u.ms, "I_e": 0.5})
    mm = sim.create("multimeter", params={"record_from": ["V_m", "x"], "interval": 0.1 * u.ms})
    sim.connect(mm, n)
    ev = sim.simulate(30 * u.ms).events(mm)
    V = np.asarray(ev["V_m"]).reshape(-1, 3)
    # subthreshold oscillation: V(t) = Im(z) with z = (e^(lambda t) - 1)/lambda * I_e exactly
    # (I_e acts from the first step)
    t = np.arange(1, 301) * 0.1
    for j, period in enumerate((4.0, 5.0, 6.0)):
        lam = complex(-0.1, 2 * np.pi / period)
        np.testing.assert_allclose(V[:, j], ((np.exp(lam * t) - 1) / lam * 0.5).imag, atol=2e-6)
    # the model alone: vmap of step over a population == one neuron at a time, under jit
    m = ResonateAndFire(tau=jnp.array([5.0, 10.0]), period=jnp.array([3.0, 8.0]),
                        V_th=jnp.ones(2), I_e=jnp.array([2.0, 3.0]))
    s = jax.vmap(lambda mm: mm.init(0.1))(m)
    inp = Input(syn=jnp.ones((2, 1)), current=jnp.zeros(2))
    step = jax.jit(sn.neurons.vmap_step, static_argnums=3)
    for _ in range(3):
        s2, _ = step(m, s, inp, 0.1)
        one = jax.tree.map(lambda a: a[1], (m, s, inp))
        np.testing.assert_allclose(one[0].step(one[1], one[2], 0.1)[0].x, s2.x[1], rtol=1e-6)
        s = s2


def _compiled_loss(amp, V_th=1.0, surrogate="fast_sigmoid", T=30.0):
    sim = sn.Simulator(dt=0.1 * u.ms, seed=0, dtype=jnp.float64)
    n = sim.create(NAME, 2, params={"V_th": V_th})
    dc = sim.create("dc_generator", params={"amplitude": amp * u.pA})
    sim.connect(dc, n)
    run = sim.compile(T * u.ms)

    def loss(tau):
        models = dict(run.params["models"])
        m = models[NAME]
        models[NAME] = ResonateAndFire(tau=tau, period=m.period, V_th=m.V_th, I_e=m.I_e, surrogate=surrogate)
        final, out = run(dict(run.params, models=models), run.state, jnp.array([0, 0], jnp.uint32))
        return final["neurons"][NAME].V_m.sum(), out["counts"][NAME].sum()

    return loss


def test_grad_through_compile_matches_finite_differences(x64):
    # far below threshold (|z| <= 2 |I/lambda| = 0.8 < V_th - 1) the triangle surrogate is exactly 0, so the
    # autodiff gradient is the true derivative of this smooth loss
    loss = _compiled_loss(0.5, V_th=5.0, surrogate="triangle")
    f = jax.jit(lambda tau: loss(tau)[0])
    tau = jnp.float64(10.0)
    assert int(loss(tau)[1]) == 0
    g = jax.grad(f)(tau)
    h = 1e-5
    fd = (f(tau + h) - f(tau - h)) / (2 * h)
    assert np.isfinite(g) and g != 0
    np.testing.assert_allclose(g, fd, rtol=1e-6)


def test_grad_through_compile_with_spikes_is_finite(x64):
    loss = _compiled_loss(1.5)
    assert int(loss(jnp.float64(10.0))[1]) > 2
    g = jax.grad(lambda tau: loss(tau)[0])(jnp.float64(10.0))
    assert np.isfinite(g) and g != 0


# ---------------------------------------------------------------- register errors
def test_register_rejects_duplicates_and_incomplete_classes():
    with pytest.raises(sn.SncoreError, match="taken by a built-in model"):
        sn.neurons.register("iaf_psc_delta", ResonateAndFire)
    with pytest.raises(sn.SncoreError, match="overwrite=True"):
        sn.neurons.register(NAME, ResonateAndFire)
    sn.neurons.register(NAME, ResonateAndFire, overwrite=True)

    class NoStep(NeuronModel):
        a: jax.Array = 1.0
        PARAMS = {"a": Param(1.0, "1")}
        STATES = {"V_m": Param(0.0, "1")}

        def init(self, dt):
            return RFState(0.0, 0.0, 0.0)

    with pytest.raises(sn.SncoreError, match=r"NoStep does not define step\(\)"):
        sn.neurons.register("nostep", NoStep)

    class NoParams(NeuronModel):
        def init(self, dt):
            return RFState(0.0, 0.0, 0.0)

        def step(self, state, inp, dt):
            return state, 0.0

    with pytest.raises(sn.SncoreError, match="NoParams does not define PARAMS"):
        sn.neurons.register("noparams", NoParams)

    class NotAField(ResonateAndFire):
        PARAMS = {**ResonateAndFire.PARAMS, "gain": Param(1.0, "1")}

    with pytest.raises(sn.SncoreError, match="'gain', which is not a field"):
        sn.neurons.register("notafield", NotAField)

    class BadUnit(ResonateAndFire):
        PARAMS = {**ResonateAndFire.PARAMS, "tau": Param(10.0, "s")}

    with pytest.raises(sn.SncoreError, match="has unit 's'"):
        sn.neurons.register("badunit", BadUnit)
    with pytest.raises(sn.SncoreError, match="subclass of sncore.neurons.NeuronModel"):
        sn.neurons.register("plain", object)
    for bad in ("nostep", "noparams", "notafield", "badunit", "plain"):
        assert bad not in sn.neurons.MODELS


def test_bad_parameter_of_a_user_model_names_it():
    with pytest.raises(sn.SncoreError, match="'period' must be finite and > 0"):
        sn.Simulator().create(NAME, 2, params={"period": 0 * u.ms})


def test_the_recipe_in_the_docs_runs():
    """docs/custom_models.md's code blocks, executed in order (so the page cannot rot)."""
    import pathlib
    import re

    text = (pathlib.Path(__file__).parents[1] / "docs" / "custom_models.md").read_text()
    code = "\n".join(re.findall(r"```python\n(.*?)```", text, re.DOTALL))
    ns: dict = {}
    if "resonate_and_fire" in sn.neurons.MODELS:  # a second run in the same process
        code = code.replace('sn.neurons.register("resonate_and_fire", ResonateAndFire)',
                            'sn.neurons.register("resonate_and_fire", ResonateAndFire, overwrite=True)')
    exec(compile(code, "custom_models.md", "exec"), ns)  # noqa: S102 - running the docs is the point
    assert len(ns["times"]) > 0 and set(np.asarray(ns["senders"])) == set(np.asarray(ns["n"].global_ids))
    assert np.isfinite(ns["jax"].grad(ns["loss"])(jnp.float32(10.0)))

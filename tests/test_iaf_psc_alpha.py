"""iaf_psc_alpha: the PSC is the closed-form alpha function (float64, 1e-9), peaking at w."""

import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

import sncore as sn
from sncore.neurons.iaf_psc_alpha import psc_alpha_p31


@pytest.mark.parametrize("dt", [0.1, 0.025])
def test_alpha_psc_closed_form(x64, dt):
    tau_s, w, ts, d = 1.5, 250.0, 2.0, 1.0
    sim = sn.Simulator(dt=dt * u.ms, dtype=jnp.float64)
    n = sim.create("iaf_psc_alpha", 1, params={"tau_syn_ex": tau_s * u.ms, "V_th": 1e3 * u.mV})
    sg = sim.create("spike_generator", params={"spike_times": [ts] * u.ms})
    sim.connect(sg, n, weight=w * u.pA, delay=d * u.ms)
    mm = sim.create("multimeter", params={"record_from": ["I_syn_ex"], "interval": dt * u.ms})
    sim.connect(mm, n)
    ev = sim.simulate(20 * u.ms).events(mm)
    t = ev["times"].to_decimal(u.ms)
    I = ev["I_syn_ex"].to_decimal(u.pA)
    s = np.maximum(t - (ts + d), 0.0) / tau_s   # dI jumps in the step ending at ts + d
    np.testing.assert_allclose(I, w * s * np.exp(1 - s), rtol=1e-9, atol=1e-9)
    assert I.max() == pytest.approx(w, rel=1e-3)


def test_p31_series_matches_exact_form(x64):
    h, C, tm = 0.1, 250.0, 10.0
    exact = psc_alpha_p31(jnp.float64(2.0), jnp.float64(tm), C, h)
    # direct quadrature of exp(-(h-t)/tau_m) t exp(-t/tau_s) / C over one step
    t = np.linspace(0, h, 200001)
    q = np.trapezoid(np.exp(-(h - t) / tm) * t * np.exp(-t / 2.0), t) / C
    assert float(exact) == pytest.approx(q, rel=1e-8)
    near = psc_alpha_p31(jnp.float64(tm * (1 + 1e-7)), jnp.float64(tm), C, h)
    limit = np.exp(-h / tm) / C * h * h / 2
    assert float(near) == pytest.approx(limit, rel=1e-6)

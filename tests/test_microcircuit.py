"""The Potjans & Diesmann (2014) microcircuit (sncore.zoo.microcircuit).

Fast tests check the built network against closed forms written out here independently of
the module: population sizes, synapse numbers per projection from the connection
probabilities (eq. 1 of the paper), the PSP -> PSC conversion (peak of the exact PSP of an
exponential current, found numerically), weight and delay statistics of the built
connections (sampling error bands), initial potentials and the DC drive.

Rates are compared with NEST 3.10 running the same network at the same scale
(tests/reference/make_nest_microcircuit.py -> nest_microcircuit.json): scale 0.05 through
the command line (fast), scale 0.1 over 1 s after a 200 ms transient (slow).
"""

import json
import math
import pathlib

import brainunit as u
import numpy as np
import pytest

from sncore.cli import main
from sncore.zoo import NETWORKS, microcircuit

NAMES = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
N_FULL = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
P = [[0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
     [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
     [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
     [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
     [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
     [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
     [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
     [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443]]
K_EXT = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100]
SCALE = 0.05
REF = json.loads((pathlib.Path(__file__).parent / "reference" / "nest_microcircuit.json").read_text())


def _psc_for_psp(psp_mV, C=250.0, tau_m=10.0, tau_s=0.5):
    """PSC amplitude (pA) whose PSP peaks at psp_mV: the exact PSP of I(t) = J exp(-t/tau_s)
    into C dV/dt = -V/tau_m + I is J tau_m tau_s / (C (tau_m - tau_s)) (e^-t/tau_m - e^-t/tau_s);
    its peak is found on a fine grid."""
    t = np.linspace(0.0, 10.0, 200001)
    v = tau_m * tau_s / (C * (tau_m - tau_s)) * (np.exp(-t / tau_m) - np.exp(-t / tau_s))
    return psp_mV / v.max()


@pytest.fixture(scope="module")
def net():
    return microcircuit(scale=SCALE, seed=3, n_record=0)


def test_population_sizes(net):
    assert list(net.populations) == NAMES
    for name, n in zip(NAMES, N_FULL):
        assert len(net.populations[name]) == round(n * SCALE)


def test_full_scale_synapse_total_is_3e8():
    # Potjans & Diesmann (2014): ~0.3 billion synapses in the full model
    tot = sum(math.log(1 - P[i][j]) / math.log(1 - 1 / (N_FULL[i] * N_FULL[j]))
              for i in range(8) for j in range(8))
    assert 2.9e8 < tot < 3.1e8


def test_synapse_numbers_per_projection(net):
    for i, tgt in enumerate(NAMES):
        for j, src in enumerate(NAMES):
            k_full = math.log1p(-P[i][j]) / math.log1p(-1 / (N_FULL[i] * N_FULL[j]))
            want = round(k_full * SCALE)
            got = len(net.projections[tgt, src]) if (tgt, src) in net.projections else 0
            assert got == want, (tgt, src, got, want)
    # full-scale in-degree preserved: synapses per target neuron as at scale 1
    n_l23e = len(net.populations["L23E"])
    k_in = sum(len(net.projections["L23E", s]) for s in NAMES if ("L23E", s) in net.projections) / n_l23e
    k_full = sum(math.log1p(-P[0][j]) / math.log1p(-1 / (N_FULL[0] * N_FULL[j])) for j in range(8)) / N_FULL[0]
    assert abs(k_in / k_full - 1) < 2e-3


def test_projection_endpoints_lie_in_their_populations(net):
    sim = net.sim
    syn = net.projections["L5E", "L5I"]
    conns = [c for c in sim.connections if c.call == syn.call]
    src_g, tgt_g = net.populations["L5I"].parts[0][0], net.populations["L5E"].parts[0][0]
    for c in conns:
        assert c.src.min() >= src_g.offset and c.src.max() < src_g.offset + src_g.n
        assert c.tgt.min() >= tgt_g.offset and c.tgt.max() < tgt_g.offset + tgt_g.n
    # the full-scale in-degree (~496) exceeds the 53 L5I neurons at this scale: multapses
    assert len(syn) / tgt_g.n > src_g.n


def test_weight_statistics(net):
    w_e = _psc_for_psp(0.15)
    assert abs(w_e - 87.81) < 0.01  # NEST example: 0.15 mV -> 87.81 pA
    for (tgt, src), syn in net.projections.items():
        w = np.asarray(syn.get("weight").to_decimal(u.pA))
        mean = w_e * (2.0 if (tgt, src) == ("L23E", "L4E") else 1.0) * (1.0 if src.endswith("E") else -4.0)
        n = len(w)
        assert np.all(np.sign(w) == np.sign(mean)), (tgt, src)
        se = 0.1 * abs(mean) / math.sqrt(n)
        assert abs(w.mean() - mean) < 5 * se + 1e-9 * abs(mean), (tgt, src, w.mean(), mean)
        if n >= 100:
            assert abs(w.std() / (0.1 * abs(mean)) - 1) < 5 / math.sqrt(2 * n), (tgt, src, w.std())


def _rounded_truncated_normal(mu, sd, dt=0.1, kmax=200):
    """Mean and std of floor(d/dt + 0.5) dt for d ~ Normal(mu, sd) redrawn below dt."""
    cdf = lambda x: 0.5 * (1 + math.erf((x - mu) / (sd * math.sqrt(2))))
    k = np.arange(1, kmax)
    lo = np.maximum((k - 0.5) * dt, dt)
    pk = np.array([cdf(b) - cdf(a) for a, b in zip(lo, (k + 0.5) * dt)])
    pk /= 1 - cdf(dt)
    m = np.sum(pk * k * dt)
    return m, math.sqrt(np.sum(pk * (k * dt - m) ** 2))


@pytest.mark.parametrize("kind", ["E", "I"])
def test_delay_statistics(net, kind):
    d = np.concatenate([np.asarray(s.get("delay").to_decimal(u.ms)) for (t, src), s in net.projections.items()
                        if src.endswith(kind)])
    mu = 1.5 if kind == "E" else 0.75
    m, s = _rounded_truncated_normal(mu, 0.5 * mu)
    assert d.min() >= 0.1 - 1e-9
    steps = d / 0.1
    assert np.allclose(steps, np.round(steps), atol=1e-6)
    assert abs(d.mean() - m) < 5 * s / math.sqrt(len(d)), (d.mean(), m)
    assert abs(d.std() / s - 1) < 5 / math.sqrt(2 * len(d)), (d.std(), s)
    # the redraw matters for I: Normal(0.75, 0.375) has 4 % of its mass below 0.1 ms
    if kind == "I":
        assert abs(np.mean(d == 0.1) - _p_first_step(mu, 0.5 * mu)) < 5 * math.sqrt(0.04 / len(d))


def _p_first_step(mu, sd, dt=0.1):
    cdf = lambda x: 0.5 * (1 + math.erf((x - mu) / (sd * math.sqrt(2))))
    return (cdf(1.5 * dt) - cdf(dt)) / (1 - cdf(dt))


def test_initial_potentials(net):
    means = [-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43]
    stds = [5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48]
    for name, m, s in zip(NAMES, means, stds):
        g = net.populations[name].parts[0][0]
        v = g.init["V_m"]
        assert abs(v.mean() - m) < 5 * s / math.sqrt(len(v)), name
        assert g.params["I_e"][0] == 0.0  # Poisson drive: no DC


def test_poisson_drive_rates(net):
    gens = [g for g in net.sim.groups if g.kind == "poisson_generator"]
    assert [float(g.params["rate"][0]) for g in gens] == [8.0 * k for k in K_EXT]


def test_dc_drive_current():
    net = microcircuit(scale=0.005, seed=1, n_record=0, drive="dc")
    w_ext = _psc_for_psp(0.15)
    assert not [g for g in net.sim.groups if g.kind == "poisson_generator"]
    for name, k in zip(NAMES, K_EXT):
        I_e = net.populations[name].parts[0][0].params["I_e"]
        # mean of K_ext Poisson trains at 8 Hz through exponential PSCs: nu K w tau_syn
        np.testing.assert_allclose(I_e, 8.0 * 1e-3 * k * w_ext * 0.5, rtol=1e-4)


def test_cli_registration_and_bad_scale(capsys):
    e = NETWORKS["microcircuit"]
    opts = {o.name: o for o in e.options}
    assert opts["scale"].type is float and opts["drive"].choices == ("poisson", "dc")
    with pytest.raises(SystemExit):
        main(["run", "microcircuit", "--scale", "1e-4"])
    assert "--scale must give at least one neuron" in capsys.readouterr().err


def _band(case, name):
    """NEST's mean rate over seeds and the band: 4 seed-to-seed standard deviations (different
    seeds: different connectivity, V_m(0) and drive), at least 0.5 Hz."""
    ref = np.array([r["rates"][name] for r in case["runs"]])
    return ref.mean(), max(4 * ref.std(ddof=1), 0.5)


def test_cli_rates_match_nest_at_scale_0_05(tmp_path, capsys):
    """`sncore run microcircuit --scale 0.05` (3,858 neurons, 1.5e7 synapses, full in-degrees)
    for 300 ms from t = 0 (transient included, as in the NEST runs) against NEST 3.10 on the
    same network, 6 seeds. At this scale shared input makes the rates seed-dependent and
    higher than at full scale (NEST: L2/3e 1.5-4.9 Hz), so the band is wide; it still catches
    a silent, runaway or mis-weighted circuit (e.g. L4E is 3.7-4.3 Hz in all NEST seeds)."""
    case = REF["cases"]["0.05"]
    out = tmp_path / "mc.png"
    assert main(["run", "microcircuit", "--scale", "0.05", "--duration", str(case["T_ms"]), "--record", "20",
                 "--seed", "11", "--out", str(out), "--quiet"]) == 0
    rec = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert list(rec["rates_Hz"]) == NAMES and rec["neurons"] == sum(round(n * 0.05) for n in N_FULL)
    assert out.exists()
    for name in NAMES:
        mean, band = _band(case, name)
        assert abs(rec["rates_Hz"][name] - mean) <= band, (name, rec["rates_Hz"][name], mean, band)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1])
def test_rates_match_nest_at_scale_0_1(seed):
    """Scale 0.1 (7,717 neurons, 3.0e7 synapses, full in-degrees), rates over [200, 1200) ms
    against NEST 3.10 on the same network (3 seeds, same interval). Band as in ``_band``.

    Not compared with the full-scale rates: with in-degrees kept, the 10x smaller circuit
    shares more of its input and NEST's own rates at this scale are above the full-scale
    ones (L2/3e 1.78 vs 0.94 Hz, L5e 10.1 vs 7.7 Hz; see docs/microcircuit.md)."""
    case = REF["cases"]["0.1"]
    net = microcircuit(scale=0.1, seed=seed, n_record=0)
    net.sim.simulate(case["T0_ms"] * u.ms)
    res = net.sim.simulate(case["T_ms"] * u.ms)
    for name in NAMES:
        got = float(res.rate(net.populations[name]).to_decimal(u.Hz))
        mean, band = _band(case, name)
        assert abs(got - mean) <= band, (name, got, mean, band)


#: published full-scale rates (spikes/s) quoted by the issue (Potjans & Diesmann 2014 network,
#: NEST): L2/3e, L2/3i, L4e, L4i, L5e, L5i, L6e, L6i
PUBLISHED_FULL = [0.90, 2.97, 4.41, 5.88, 7.57, 8.63, 1.10, 7.83]


def _mem_total_gb() -> float:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1e6
    except OSError:
        pass
    return 0.0


@pytest.mark.slow
@pytest.mark.skipif(_mem_total_gb() < 20, reason="the full-scale build peaks at ~17.5 GB of memory")
def test_full_scale_rates_match_published():
    """Full scale (77,169 neurons, 2.99e8 synapses; ~5 min and 17.5 GB on 2 cores): rates over
    [1000, 2000) ms within 10 % (at least 0.2 Hz) of the published full-scale rates. NEST's own
    full-scale seeds spread by a few percent (``FULL_MEAN_RATES`` of its example: 0.943 ...);
    measured here: 0.95, 3.03, 4.37, 5.88, 7.69, 8.67, 1.09, 7.86 (benchmarks/README.md)."""
    net = microcircuit(scale=1.0, seed=1, n_record=0)
    net.sim.simulate(1000 * u.ms)
    res = net.sim.simulate(1000 * u.ms)
    for name, want in zip(NAMES, PUBLISHED_FULL):
        got = float(res.rate(net.populations[name]).to_decimal(u.Hz))
        assert abs(got - want) <= max(0.1 * want, 0.2), (name, got, want)


def test_k_scaling_compensation():
    """In-degrees scaled by k (NEST's K_scaling): synapses x k, weights / sqrt(k), Poisson rates
    x k, and I_e = (1 - sqrt(k)) tau_syn 1e-3 (sum_j w_ij K_ij nu_j + w_ext K_ext nu_bg) with the
    full-scale in-degrees K_ij and NEST's full-scale rates nu_j."""
    k, scale = 0.25, 0.01
    net = microcircuit(scale=scale, seed=2, n_record=0, k_scaling=k)
    rates = [0.943, 3.026, 4.368, 5.882, 7.733, 8.664, 1.096, 7.851]
    w_e = _psc_for_psp(0.15)
    for i, tgt in enumerate(NAMES):
        rec = 0.0
        for j, src in enumerate(NAMES):
            k_full = math.log1p(-P[i][j]) / math.log1p(-1 / (N_FULL[i] * N_FULL[j]))
            w = w_e * (2.0 if (i, j) == (0, 2) else 1.0) * (1.0 if j % 2 == 0 else -4.0)
            rec += w * k_full / N_FULL[i] * rates[j]
            got = len(net.projections[tgt, src]) if (tgt, src) in net.projections else 0
            assert got == round(k_full * scale * k)
            if got >= 200:
                mean_w = float(np.mean(net.projections[tgt, src].get("weight").to_decimal(u.pA)))
                assert abs(mean_w / (w / math.sqrt(k)) - 1) < 5 * 0.1 / math.sqrt(got)
        want = (1 - math.sqrt(k)) * 0.5e-3 * (rec + w_e * K_EXT[i] * 8.0)
        I_e = net.populations[tgt].parts[0][0].params["I_e"][0]
        assert abs(I_e - want) < 1e-6 * abs(want) + 1e-9, (tgt, I_e, want)
    gens = [g for g in net.sim.groups if g.kind == "poisson_generator"]
    assert [float(g.params["rate"][0]) for g in gens] == [8.0 * round(kx * k) for kx in K_EXT]

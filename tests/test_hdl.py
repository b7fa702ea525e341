"""sncore.hdl: quantisation, golden integer model, Verilog co-simulation, LFSR RTL, mutants.

Oracles: a plain Python integer loop (golden model), sncore's own iaf_psc_delta simulation
(float reference of a converted Simulator), sncore.sc.lfsr_sequence (LFSR RTL), and the golden
model (RTL, every spike and every membrane every step).
"""

from __future__ import annotations

import shutil
import types
from pathlib import Path

import numpy as np
import pytest

from sncore.hdl import (
    FixedFormat,
    InputStream,
    NetworkIR,
    Population,
    Projection,
    QuantConfig,
    demo_network,
    from_simulator,
    quantize,
    run_float,
    run_golden,
)
from sncore.hdl.emit import TEMPLATES
from sncore.units import SncoreError

needs_iverilog = pytest.mark.skipif(shutil.which("iverilog") is None or shutil.which("vvp") is None,
                                    reason="iverilog not installed (apt-get install iverilog): RTL co-simulation "
                                           "tests skipped")
needs_verilator = pytest.mark.skipif(shutil.which("verilator") is None, reason="verilator not installed")
needs_yosys = pytest.mark.skipif(shutil.which("yosys") is None, reason="yosys not installed")


# ------------------------------------------------------------------ oracle and networks
def int_loop(q, x):
    """Plain Python-int reference of the integer semantics (synapses one by one)."""
    lo, hi = q.config.state.lo, q.config.state.hi
    sat = (lambda z: min(max(z, lo), hi))
    n, D = q.n, q.depth
    v, r = [int(a) for a in q.v0], [0] * n
    ring = [[0] * n for _ in range(D)]
    S, V = np.zeros((len(x), n), int), np.zeros((len(x), n), int)
    for t in range(len(x)):
        slot = t % D
        a, ring[slot] = ring[slot], [0] * n
        fire = [False] * n
        for i in range(n):
            if r[i] > 0:
                r[i] -= 1
                continue
            k = int(q.shift[i])
            s = sat(v[i] - (v[i] // 2 ** k if k else 0) + a[i] + int(q.bias[i]))
            th = int(q.thr[i])
            fire[i] = s > th if q.config.compare == ">" else s >= th
            if fire[i]:
                v[i] = sat(s - th) if q.config.reset == "subtract" else int(q.vreset[i])
                r[i] = int(q.tref[i])
            else:
                v[i] = s
        src = fire + [bool(b) for b in x[t]]
        for j, i, d, w in zip(q.syn_src, q.syn_tgt, q.syn_delay, q.syn_w):
            if src[j]:
                ring[(t + int(d)) % D][i] += int(w) << q.wshift
        S[t], V[t] = fire, v
    return S, V


def shaped_network(tau_m, t_ref, steps=1200, seed=3):
    """6 LIF neurons, 4 input channels: ch0 strong excitation, ch1 strong inhibition, ch2/ch3
    moderate; stimulus in 200-step periods: excitation burst (upper rail), quiet, inhibition
    burst (lower rail, negative membranes), random."""
    rng = np.random.default_rng(seed)
    x = np.zeros((-(-steps // 200) * 200, 4), bool)
    for t0 in range(0, len(x), 200):
        x[t0:t0 + 50, 0] = True
        x[t0:t0 + 50, 2] = rng.random(50) < 0.5
        x[t0 + 100:t0 + 150, 1] = True
        x[t0 + 100:t0 + 150, 3] = rng.random(50) < 0.3
        x[t0 + 150:t0 + 200] = rng.random((50, 4)) < 0.15
    all6 = np.arange(6)
    projs = [Projection("X", "P", np.zeros(6, int), all6, np.full(6, 30.0), np.ones(6, int)),
             Projection("X", "P", np.ones(6, int), all6, np.full(6, -30.0), np.ones(6, int)),
             Projection("X", "P", np.full(6, 2), all6, rng.uniform(5, 25, 6), rng.integers(1, 4, 6)),
             Projection("X", "P", np.full(6, 3), all6, rng.uniform(-25, 10, 6), rng.integers(1, 4, 6)),
             Projection("P", "P", rng.integers(0, 6, 8), rng.integers(0, 6, 8), rng.uniform(-8, 8, 8),
                        rng.integers(1, 5, 8))]
    x = x[:steps]
    pop = Population("P", 6, tau_m=tau_m, v_th=20.0, v_reset=-5.0, t_ref=t_ref, v_init=rng.uniform(-10, 10, 6))
    return NetworkIR(dt=1.0, populations=[pop], projections=projs, inputs=[InputStream("X", x)])


FMT = {"state": FixedFormat(10, 4), "weight": FixedFormat(8, 2)}
GRID = [  # (tau_m, t_ref, config)
    (16.0, 2.0, QuantConfig(**FMT, compare=">=", reset="value", rounding="nearest")),
    (4.0, 0.0, QuantConfig(**FMT, compare=">", reset="subtract", rounding="floor")),
    (np.inf, 1.0, QuantConfig(**FMT, compare=">=", reset="subtract", rounding="nearest")),
]


# ------------------------------------------------------------------ golden model
@pytest.mark.parametrize("tau_m,t_ref,cfg", GRID)
def test_golden_equals_python_int_loop(tau_m, t_ref, cfg):
    net = shaped_network(tau_m, t_ref, steps=400)
    q = quantize(net, cfg)
    x = net.stimulus(400)
    g = run_golden(q, x)
    S, V = int_loop(q, x)
    np.testing.assert_array_equal(g["spikes"], S)
    np.testing.assert_array_equal(g["v"], V)
    assert g["spikes"].sum() > 0


def test_golden_demo_network_equals_int_loop_and_tracks_float():
    net = demo_network(seed=1)
    q = quantize(net)
    x = net.stimulus(300)
    g = run_golden(q, x)
    S, V = int_loop(q, x)
    np.testing.assert_array_equal(g["v"], V)
    np.testing.assert_array_equal(g["spikes"], S)
    f = run_float(q, x)  # fixed point with leak by shift approximates the exact decay
    assert abs(int(g["spikes"].sum()) - int(f["spikes"].sum())) < 0.1 * f["spikes"].sum()


def test_from_simulator_float_reference_matches_sncore():
    import brainunit as u

    import sncore as sn

    sim = sn.Simulator(dt=1.0 * u.ms, seed=2)
    n = sim.create("iaf_psc_delta", 5, params={"tau_m": 16 * u.ms, "I_e": 200.0 * u.pA, "t_ref": 2.0 * u.ms})
    times = np.arange(3.0, 200.0, 7.0)
    sg = sim.create("spike_generator", 2, params={"spike_times": times * u.ms})
    sim.connect(sg, n, weight=4.0 * u.mV, delay=2.0 * u.ms)
    sim.connect(n, n, "all_to_all", weight=-1.5 * u.mV, delay=3.0 * u.ms)
    mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": 1.0 * u.ms})
    sim.connect(mm, n)
    tr = sim.simulate(200 * u.ms).traces(mm)
    v_ref = np.asarray(tr["V_m"].to_decimal(u.mV))
    net = from_simulator(sim, steps=200)
    q = quantize(net)
    f = run_float(q, net.stimulus(200))
    np.testing.assert_allclose(f["v"] - 70.0, v_ref, atol=2e-4)  # E_L = -70 mV; float32 sncore run
    assert f["spikes"].sum() > 0


# ------------------------------------------------------------------ errors
def test_bad_inputs_raise():
    net = shaped_network(16.0, 2.0, steps=10)
    with pytest.raises(SncoreError, match="intermediates overflow 32 bits"):
        quantize(net, QuantConfig(state=FixedFormat(31, 10), weight=FixedFormat(24, 10)))
    net.populations[0].tau_m = 5.5
    with pytest.raises(SncoreError, match=r"tau_m = 5.5 ms with dt = 1 ms.*nearest allowed tau_m: 3.476 ms \(k=2\)"):
        quantize(net, QuantConfig(**FMT, leak_tol=0.05))
    net.populations[0].tau_m = 16.0
    with pytest.raises(SncoreError, match="does not fit the format"):
        quantize(net, QuantConfig(state=FixedFormat(10, 4), weight=FixedFormat(6, 2), overflow="error"))
    with pytest.raises(SncoreError, match="allowed"):
        QuantConfig(reset="zero")
    net.projections[0].delay[:] = 0
    with pytest.raises(SncoreError, match="delays must be integer steps >= 1"):
        quantize(net)


# ------------------------------------------------------------------ RTL
def _mutant(src_dir: Path, dst: Path, name: str, old: str, new: str) -> Path:
    dst.mkdir(exist_ok=True)
    for f in src_dir.glob("*.v"):
        shutil.copyfile(f, dst / f.name)
    text = (dst / name).read_text()
    assert text.count(old) == 1, f"mutation site {old!r} not unique"
    (dst / name).write_text(text.replace(old, new))
    return dst


@needs_iverilog
@pytest.mark.parametrize("tau_m,t_ref,cfg", GRID)
def test_lif_core_cosim_shaped_stimulus(tau_m, t_ref, cfg, tmp_path):
    from sncore.hdl.cosim import cosim

    net = shaped_network(tau_m, t_ref)
    s = cosim(net, 1200, out_dir=tmp_path, config=cfg, simulators=("iverilog",))
    cov = s["coverage"]
    assert cov["sat_hi"] > 0 and cov["sat_lo"] > 0 and cov["negative"] > 0, cov
    assert t_ref == 0 or cov["refractory"] > 0
    r = s["simulators"]["iverilog"]
    assert r["steps_compared"] == 1200 and r["steps_missing"] == 0
    assert r["spike_mismatches"] == 0 and r["membrane_mismatches"] == 0, r
    assert s["golden_spikes"] > 50


@needs_iverilog
def test_random_network_cosim(tmp_path):
    from sncore.hdl.cosim import cosim

    s = cosim(demo_network(seed=7), 600, out_dir=tmp_path, simulators=("iverilog",))
    assert s["mismatches"] == 0 and s["simulators"]["iverilog"]["rtl_spikes"] == s["golden_spikes"] > 100
    assert s["params"]["D"] == 4 and s["synapses"] > 100


@needs_iverilog
def test_simulator_network_cosim(tmp_path):
    import brainunit as u

    import sncore as sn
    from sncore.hdl.cosim import cosim

    sim = sn.Simulator(dt=1.0 * u.ms, seed=4)
    a = sim.create("iaf_psc_delta", 4, params={"tau_m": 16 * u.ms, "I_e": 300.0 * u.pA})
    b = sim.create("iaf_psc_delta", 3, params={"tau_m": 8 * u.ms, "V_reset": -65.0 * u.mV})
    sg = sim.create("spike_generator", params={"spike_times": np.arange(5.0, 300.0, 11.0) * u.ms})
    sim.connect(sg, a, weight=6.0 * u.mV, delay=1.0 * u.ms)
    sim.connect(a, b, sn.conn.fixed_indegree(2), weight=9.0 * u.mV, delay=2.0 * u.ms)
    sim.connect(b, a, weight=-3.0 * u.mV, delay=3.0 * u.ms)
    s = cosim(from_simulator(sim, steps=300), 300, out_dir=tmp_path, simulators=("iverilog",))
    assert s["mismatches"] == 0 and s["golden_spikes"] > 10


@needs_iverilog
def test_mutant_rtl_threshold_compare_is_caught(tmp_path):
    from sncore.hdl.cosim import cosim

    # no leak, threshold 10 mV, two 5 mV inputs reach it exactly: '>=' fires, '>' does not
    x = np.zeros((60, 1), bool)
    x[::3] = True
    net = NetworkIR(1.0, [Population("P", 2, tau_m=np.inf, v_th=10.0, v_reset=0.0, t_ref=0.0)],
                    [Projection("X", "P", np.zeros(2, int), np.arange(2), np.full(2, 5.0), np.array([1, 2]))],
                    [InputStream("X", x)])
    ok = cosim(net, 60, out_dir=tmp_path / "ok", simulators=("iverilog",))
    assert ok["mismatches"] == 0 and ok["golden_spikes"] > 0
    mut = _mutant(TEMPLATES, tmp_path / "mut", "lif_core.v", "(s >= thr)", "(s > thr)")
    bad = cosim(net, 60, out_dir=tmp_path / "bad", templates=mut, simulators=("iverilog",))
    assert bad["simulators"]["iverilog"]["spike_mismatches"] > 0


@needs_iverilog
def test_mutant_golden_without_saturation_is_caught(tmp_path):
    from sncore.hdl import golden
    from sncore.hdl.cosim import cosim

    src = Path(golden.__file__).read_text()
    assert src.count("s = _sat(raw, lo, hi)") == 1
    mod = types.ModuleType("sncore.hdl._golden_mutant")
    mod.__package__ = "sncore.hdl"
    mutated = src.replace("s = _sat(raw, lo, hi)", "s = raw")
    exec(compile(mutated, "golden_mutant.py", "exec"), mod.__dict__)  # noqa: S102 (our own source, one-line mutant)
    tau_m, t_ref, cfg = GRID[0]
    s = cosim(shaped_network(tau_m, t_ref, steps=400), 400, out_dir=tmp_path, config=cfg,
              simulators=("iverilog",), golden_fn=mod.run_golden)
    assert s["simulators"]["iverilog"]["membrane_mismatches"] > 0


@needs_iverilog
@pytest.mark.parametrize("kw", [{"width": 16, "seed": 0xACE1}, {"width": 16, "seed": 0xACE1, "form": "galois"},
                                {"width": 7, "seed": 5, "direction": "left", "advance": "before"},
                                {"width": 32, "seed": 123456789, "form": "galois", "direction": "left"},
                                {"width": 5, "seed": 3, "form": "fibonacci", "direction": "left"}])
def test_lfsr_rtl_equals_lfsr_sequence(kw):
    from sncore.hdl.cosim import run_lfsr_rtl
    from sncore.sc.lfsr import LfsrSpec, lfsr_sequence

    kw = dict(kw)
    width = kw.pop("width")
    spec = LfsrSpec.maximal(width, **kw)
    thr = spec.full // 3
    r = run_lfsr_rtl(spec, 400, threshold=thr)
    ref = np.asarray(lfsr_sequence(spec, 400)).astype(np.int64)
    np.testing.assert_array_equal(r["states"], ref)
    np.testing.assert_array_equal(r["bits"], (ref <= thr).astype(int))


@needs_verilator
def test_templates_lint_clean(tmp_path):
    import subprocess

    from sncore.hdl.emit import emit, emit_lfsr
    from sncore.sc.lfsr import LfsrSpec

    net = demo_network()
    emit(quantize(net), tmp_path / "core", net.stimulus(10))
    emit_lfsr(LfsrSpec.maximal(12), tmp_path / "lfsr")
    for d, top, files in (("core", "snn_top", ["snn_top.v", "lif_core.v"]), ("lfsr", "lfsr_top", ["lfsr_top.v", "lfsr.v"])):
        r = subprocess.run(["verilator", "--lint-only", "-Wall", "--top-module", top, *files], cwd=tmp_path / d,
                           capture_output=True, text=True, check=False)
        assert r.returncode == 0 and "Warning" not in r.stderr, r.stderr


@needs_iverilog
def test_cli_cosim_and_lower(tmp_path, capsys):
    import json

    from sncore.cli import main

    assert main(["hdl", "cosim", "demo", "--steps", "150", "--simulator", "iverilog"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["mismatches"] == 0 and out["simulators"]["iverilog"]["steps_compared"] == 150
    f = tmp_path / "net.py"
    f.write_text("from sncore.hdl import demo_network\n\ndef build():\n    return demo_network(seed=5)\n")
    assert main(["hdl", "lower", str(f), "--out", str(tmp_path / "d"), "--steps", "50"]) == 0
    man = json.loads((tmp_path / "d" / "manifest.json").read_text())
    assert man["params"]["N"] == 24 and (tmp_path / "d" / "syn.hex").exists()
    assert main(["hdl", "cosim", str(tmp_path / "missing.py")]) == 2


@needs_yosys
def test_yosys_ice40_report_small(tmp_path):
    from sncore.hdl.emit import emit
    from sncore.hdl.report import resource_report

    net = shaped_network(16.0, 2.0, steps=10)
    emit(quantize(net, GRID[0][2]), tmp_path)
    rep = resource_report(tmp_path, targets=("ice40",))["ice40"]
    assert rep["lut"] > 20 and rep["ff"] > 20 and rep["lut"] < 5280, rep


@needs_yosys
def test_yosys_xc7_report(tmp_path):
    from sncore.hdl.emit import emit
    from sncore.hdl.report import resource_report

    net = demo_network()
    emit(quantize(net), tmp_path)
    rep = resource_report(tmp_path, targets=("xc7",))["xc7"]
    assert rep["lut"] > 50 and rep["ff"] > 20, rep


@needs_verilator
@needs_iverilog
def test_verilator_agrees(tmp_path):
    from sncore.hdl.cosim import cosim

    tau_m, t_ref, cfg = GRID[1]
    s = cosim(shaped_network(tau_m, t_ref, steps=1000), 1000, out_dir=tmp_path, config=cfg)
    assert set(s["simulators"]) == {"iverilog", "verilator"} and s["mismatches"] == 0


@needs_iverilog
def test_edge_cases_one_neuron_no_inputs_and_long_delay(tmp_path):
    from sncore.hdl.cosim import cosim

    lone = NetworkIR(1.0, [Population("A", 1, tau_m=8.0, v_th=10.0, bias=1.3, t_ref=3.0)], [])
    s = cosim(lone, 200, out_dir=tmp_path / "a", simulators=("iverilog",))
    assert s["mismatches"] == 0 and s["golden_spikes"] > 3 and s["params"]["M"] == 1
    two = NetworkIR(1.0, [Population("A", 3, tau_m=8.0, v_th=10.0, bias=1.3, t_ref=3.0),
                          Population("B", 2, tau_m=np.inf, v_th=5.0)],
                    [Projection("A", "B", np.array([0, 1, 2]), np.array([0, 1, 1]), np.array([2.0, 3.0, -1.0]),
                                np.array([7, 1, 3]))])
    s = cosim(two, 300, out_dir=tmp_path / "b", simulators=("iverilog",))
    assert s["mismatches"] == 0 and s["params"]["D"] == 7 and s["golden_spikes"] > 20


@pytest.mark.slow
@needs_yosys
def test_cli_report(tmp_path, capsys):
    import json

    from sncore.cli import main

    assert main(["hdl", "lower", "demo", "--out", str(tmp_path), "--steps", "20"]) == 0
    capsys.readouterr()
    assert main(["hdl", "report", str(tmp_path), "--target", "ice40"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["ice40"]["lut"] > 100 and rep["ice40"]["bram"] >= 1

"""The event-driven, pipelined LIF core (``templates/lif_core_ev.v``, ``sncore.hdl.event``).

Oracles: the golden integer model (every spike and every membrane of every step, itself checked
against a plain Python-int loop in tests/test_hdl.py) and, for the cycle counter, the cycle formula
of ``sncore.hdl.event`` plus hand-counted cases.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from test_hdl import (
    GRID,
    _mutant,
    needs_iverilog,
    needs_verilator,
    needs_yosys,
    shaped_network,
)

from sncore.hdl import (
    FixedFormat,
    InputStream,
    NetworkIR,
    Population,
    Projection,
    QuantConfig,
    demo_network,
    quantize,
)
from sncore.hdl.emit import TEMPLATES
from sncore.hdl.event import benchmark_network, cosim_event, cycles_event, emit_event

BYPASS = "wire                    fwd  = l_v && (l_ra == e2_ra);"


def _ok(s, steps):
    r = s["simulators"]["iverilog"]
    assert r["steps_compared"] == steps and r["steps_missing"] == 0, r
    assert r["spike_mismatches"] == 0 and r["membrane_mismatches"] == 0, r
    assert r["cycle_formula_errors"] == 0, r


@needs_iverilog
@pytest.mark.parametrize("tau_m,t_ref,cfg", GRID)
def test_event_core_shaped_stimulus(tau_m, t_ref, cfg, tmp_path):
    net = shaped_network(tau_m, t_ref)
    s = cosim_event(quantize(net, cfg), net.stimulus(1200), 1200, out_dir=tmp_path)
    cov = s["coverage"]
    assert cov["sat_hi"] > 0 and cov["sat_lo"] > 0 and cov["negative"] > 0, cov
    assert t_ref == 0 or cov["refractory"] > 0
    assert s["params"]["ROW_DELAY"] == 0 and s["golden_spikes"] > 50
    _ok(s, 1200)


@needs_iverilog
def test_event_core_demo_network(tmp_path):
    net = demo_network(seed=7)
    s = cosim_event(quantize(net), net.stimulus(600), 600, out_dir=tmp_path)
    _ok(s, 600)
    assert s["golden_spikes"] > 100 and s["params"]["D"] == 4 and s["synapses"] > 100


@needs_iverilog
def test_event_core_row_delay_recurrent(tmp_path):
    """Per-source delays in the row table (ROW_DELAY = 1), recurrent spikes, delays 1-4."""
    net = benchmark_network(seed=2, steps=400, n=16, m=4, fanout=10, p_in=0.3, w_rec=(-3.0, 6.0),
                            w_in=(1.0, 6.0))
    q = quantize(net)
    s = cosim_event(q, net.stimulus(400), 400, out_dir=tmp_path)
    _ok(s, 400)
    assert s["params"]["ROW_DELAY"] == 1 and s["params"]["SYW"] == 4 + 8
    assert s["golden_spikes"] > 200


def _hazard_net(steps=120):
    """One input with 40 synapses: runs of identical (target, delay) back to back, then
    alternating targets, and a neuron that relays onto itself with the same delay."""
    tgt = np.array([0] * 12 + [1, 1, 0, 0, 1, 1] + [2, 0] * 5 + [1] * 12)
    x = np.zeros((steps, 1), bool)
    x[::2] = True
    w = np.where(np.arange(len(tgt)) % 3 == 0, -0.75, 0.5)
    p = Population("P", 3, tau_m=np.inf, v_th=1e3, v_reset=0.0, t_ref=0.0)
    return NetworkIR(1.0, [p], [Projection("X", "P", np.zeros(len(tgt), int), tgt, w, np.full(len(tgt), 2))],
                     [InputStream("X", x)])


@needs_iverilog
def test_read_after_write_forwarding_and_mutant(tmp_path):
    cfg = QuantConfig(state=FixedFormat(16, 3), weight=FixedFormat(8, 2))
    net = _hazard_net()
    q = quantize(net, cfg)
    x = net.stimulus(120)
    s = cosim_event(q, x, 120, out_dir=tmp_path / "ok")
    _ok(s, 120)
    assert s["params"]["ROW_DELAY"] == 1
    mut = _mutant(TEMPLATES, tmp_path / "mut", "lif_core_ev.v", BYPASS,
                  "wire                    fwd  = 1'b0;")
    bad = cosim_event(q, x, 120, out_dir=tmp_path / "bad", templates=mut)
    assert bad["simulators"]["iverilog"]["membrane_mismatches"] > 100


@needs_iverilog
def test_cycle_count_by_hand(tmp_path):
    """3 neurons that never fire, one input with 5 synapses: N + 6 = 9 cycles per idle step,
    9 + (5 + 1) = 15 when the input spikes; dense count 9 + 6 + 3 * 2 (empty neuron rows) = 21."""
    x = np.zeros((20, 1), bool)
    x[[0, 3, 4, 10]] = True
    p = Population("P", 3, tau_m=np.inf, v_th=100.0, t_ref=0.0)
    net = NetworkIR(1.0, [p], [Projection("X", "P", np.zeros(5, int), np.array([0, 1, 2, 0, 1]),
                                          np.full(5, 1.0), np.full(5, 1))], [InputStream("X", x)])
    q = quantize(net)
    s = cosim_event(q, x, 20, out_dir=tmp_path)
    _ok(s, 20)
    from sncore.hdl.event import read_event_outputs

    cyc = read_event_outputs(tmp_path / "out.txt", 3)["cycles"]
    np.testing.assert_array_equal(cyc, np.where(x[:, 0], 15, 9))
    assert s["cycles_dense"] == 21
    assert cycles_event(q, np.zeros((20, 3)), x)["dense"] == 21


@needs_iverilog
@pytest.mark.parametrize("net", ["demo", "row_delay"])
def test_dense_build_walks_every_row(net, tmp_path):
    """EVENT = 0: bit-exact, and every step costs the constant dense count."""
    n = demo_network(seed=3) if net == "demo" else benchmark_network(seed=1, steps=300, n=16, m=4, fanout=10,
                                                                     p_in=0.3, w_rec=(-3.0, 6.0), w_in=(1.0, 6.0))
    q = quantize(n)
    s = cosim_event(q, n.stimulus(300), 300, out_dir=tmp_path, event=False)
    _ok(s, 300)
    assert s["params"]["EVENT"] == 0 and s["golden_spikes"] > 100
    assert s["simulators"]["iverilog"]["cycles_mean"] == s["cycles_dense"] == q.n + 6 + len(q.syn_w) + q.n + q.m


@needs_verilator
@pytest.mark.parametrize("net,event", [("demo", True), ("row_delay", True), ("demo", False)])
def test_event_core_lint_clean(net, event, tmp_path):
    n = demo_network() if net == "demo" else benchmark_network(steps=5, n=16, m=4, fanout=8)
    man = emit_event(quantize(n), tmp_path, n.stimulus(5), event=event)
    assert man["params"]["ROW_DELAY"] == int(net == "row_delay")
    r = subprocess.run(["verilator", "--lint-only", "-Wall", "--top-module", man["top"], *man["rtl"]], cwd=tmp_path,
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0 and "Warning" not in r.stderr, r.stderr


@pytest.mark.slow
@needs_verilator
@needs_iverilog
def test_event_core_verilator_agrees(tmp_path):
    tau_m, t_ref, cfg = GRID[1]
    net = shaped_network(tau_m, t_ref, steps=1000)
    s = cosim_event(quantize(net, cfg), net.stimulus(1000), 1000, out_dir=tmp_path,
                    simulators=("iverilog", "verilator"))
    assert set(s["simulators"]) == {"iverilog", "verilator"} and s["mismatches"] == 0
    assert s["cycle_formula_errors"] == 0


@pytest.mark.slow
@needs_iverilog
def test_benchmark_network_64k_cosim(tmp_path):
    """The 256-neuron, 64k-synapse network: 30 steps bit-exact, cycles == formula."""
    net = benchmark_network(steps=30)
    q = quantize(net)
    assert q.n == 256 and len(q.syn_w) == 65536
    s = cosim_event(q, net.stimulus(30), 30, out_dir=tmp_path)
    _ok(s, 30)
    assert s["params"]["ROW_DELAY"] == 1 and s["params"]["SYW"] == 16 and s["golden_spikes"] > 100


@pytest.mark.slow
@needs_yosys
def test_benchmark_network_fits_up5k(tmp_path):
    from sncore.hdl.report import resource_report

    net = benchmark_network(steps=5)
    emit_event(quantize(net), tmp_path, net.stimulus(5))
    rep = resource_report(tmp_path, targets=("ice40",), timeout=900)["ice40"]
    assert rep["cells"].get("SB_SPRAM256KA") == 4, rep["cells"]
    assert rep["lut"] < 5280 and rep["cells"].get("SB_RAM40_4K", 0) <= 30, rep


def test_cycles_formula_counts_rows():
    """Formula on the benchmark network: an all-silent step costs N + 6, the dense count walks
    all 65,536 synapses plus one selection cycle per source (256 + 32)."""
    net = benchmark_network(steps=3)
    q = quantize(net)
    c = cycles_event(q, np.zeros((3, 256)), np.zeros((3, 32), bool))
    np.testing.assert_array_equal(c["event"], 262)
    assert c["dense"] == 262 + 65536 + 288


@needs_iverilog
def test_cli_event_core(tmp_path, capsys):
    import json

    from sncore.cli import main

    assert main(["hdl", "cosim", "demo", "--steps", "120", "--simulator", "iverilog", "--core", "event"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["mismatches"] == 0 and out["cycle_formula_errors"] == 0 and out["params"]["ROW_DELAY"] == 0
    assert main(["hdl", "lower", "demo", "--out", str(tmp_path), "--steps", "20", "--core", "event"]) == 0
    man = json.loads((tmp_path / "manifest.json").read_text())
    assert man["top"] == "snn_ev_top" and (tmp_path / "row.hex").exists()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("nextpnr-ice40") is None or shutil.which("yosys") is None,
                    reason="nextpnr-ice40 or yosys not installed")
def test_pnr_report_small(tmp_path):
    from sncore.hdl.report import pnr_report

    n = demo_network()
    emit_event(quantize(n), tmp_path, n.stimulus(5))
    p = pnr_report(tmp_path)
    assert p["lc_total"] == 5280 and 50 < p["lc"] < 5280 and p["ram"] >= 3, p
    assert p["fmax_mhz"] is not None and p["fmax_mhz"] > 5, p


@needs_iverilog
def test_event_core_edge_cases_one_neuron_and_long_delay(tmp_path):
    lone = NetworkIR(1.0, [Population("A", 1, tau_m=8.0, v_th=10.0, bias=1.3, t_ref=3.0)], [])
    q = quantize(lone)
    s = cosim_event(q, lone.stimulus(200), 200, out_dir=tmp_path / "a")
    _ok(s, 200)
    assert s["golden_spikes"] > 3 and s["params"]["M"] == 1 and s["params"]["N"] == 1
    two = NetworkIR(1.0, [Population("A", 3, tau_m=8.0, v_th=10.0, bias=1.3, t_ref=3.0),
                          Population("B", 2, tau_m=np.inf, v_th=5.0)],
                    [Projection("A", "B", np.array([0, 1, 2]), np.array([0, 1, 1]), np.array([2.0, 3.0, -1.0]),
                                np.array([7, 1, 3]))])
    s = cosim_event(quantize(two), two.stimulus(300), 300, out_dir=tmp_path / "b")
    _ok(s, 300)
    assert s["params"]["D"] == 7 and s["params"]["ROW_DELAY"] == 1 and s["golden_spikes"] > 20

"""Bernoulli inputs from on-chip LFSRs (sncore.hdl.lfsr_inputs) and the zoo Brunel network lowered
with its Poisson drive as LFSR channels.

Oracles: the golden integer model (JAX) with input bits from sncore.sc.lfsr_sequence vs the RTL
whose LFSR channels ignore the testbench stimulus (so equal outputs prove the on-chip generators
equal the JAX sequence); binomial bounds for the channel rate; the closed-form mean / variance of
Binomial(S, lam/S) for the split Poisson drive.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest

from sncore.hdl import FixedFormat, QuantConfig, from_simulator, quantize, run_golden
from sncore.hdl.lfsr_inputs import LfsrInput, poisson_split
from sncore.units import SncoreError

needs_iverilog = pytest.mark.skipif(shutil.which("iverilog") is None or shutil.which("vvp") is None,
                                    reason="iverilog not installed")
needs_verilator = pytest.mark.skipif(shutil.which("verilator") is None, reason="verilator not installed")
CFG = QuantConfig(state=FixedFormat(16, 7), weight=FixedFormat(8, 7), leak_tol=0.25)
STEPS = 300


def _brunel_ir(order=1, steps=STEPS, **kw):
    from sncore.zoo import brunel

    return from_simulator(brunel(order=order, n_record=0).sim, steps, **kw)


@needs_iverilog
def test_brunel_lfsr_inputs_cosim_on_chip_generators(tmp_path):
    from sncore.hdl.cosim import compare, run_rtl
    from sncore.hdl.emit import emit

    net = _brunel_ir()
    assert net.n_neurons == 5 and all(isinstance(s, LfsrInput) for s in net.inputs)
    q = quantize(net, CFG)
    x = net.stimulus(STEPS)
    assert len(q.lfsr) == q.m == x.shape[1] == 5 * 20          # rate*dt = 2 -> 20 channels of p = 0.1
    man = emit(q, tmp_path, np.zeros_like(x))                   # the RTL sees no external stimulus
    gold = run_golden(q, x)
    res = compare(gold, run_rtl(tmp_path, man, STEPS))
    assert res["steps_compared"] == STEPS and res["spike_mismatches"] == 0 and res["membrane_mismatches"] == 0
    assert gold["spikes"].sum() > 0 and run_golden(q, np.zeros_like(x))["spikes"].sum() == 0
    # channel rate within 4 binomial standard errors of T / (2^24 - 1)
    p = net.inputs[0].thresholds()[0] / (2**24 - 1)
    n = x.size
    assert abs(x.mean() - p) < 4 * np.sqrt(p * (1 - p) / n)
    # successive steps of a channel are uncorrelated (the leap of w steps): lag-1 P(1, 1) ~ p^2
    both = (x[1:] & x[:-1]).mean()
    assert abs(both - p * p) < 4 * np.sqrt(p * p * (1 - p * p) / x[1:].size)


def test_split_poisson_count_has_binomial_mean_and_variance():
    S, p = poisson_split(20000.0, 0.1, p_max=0.1)
    assert int(S[0]) == 20 and np.isclose(p[0], 0.1)
    seeds = np.random.default_rng(3).choice(np.arange(1, 2**24), 20, replace=False)
    x = LfsrInput("x", np.full(20, p[0]), seeds).spikes(4000)
    k = x.sum(1)                                                 # spikes per step into one neuron
    lam, var = 2.0, 2.0 * (1 - 0.1)                             # Binomial(20, 0.1)
    assert abs(k.mean() - lam) < 4 * np.sqrt(var / len(k))
    assert abs(k.var() - var) < 0.25 * var                      # Poisson would give 2.0
    assert k.max() <= 20


def test_poisson_lowering_errors():
    import brainunit as u

    import sncore as sn

    with pytest.raises(SncoreError, match=r"rate\*dt = 2 spikes per step.*p_max"):
        _brunel_ir(split=False)
    with pytest.raises(SncoreError, match="max_split"):
        _brunel_ir(max_split=8)
    sim = sn.Simulator(dt=0.1 * u.ms)
    a = sim.create("iaf_psc_delta", 2)
    pg = sim.create("poisson_generator", params={"rate": 100.0 * u.Hz, "stop": 50.0 * u.ms})
    sim.connect(pg, a, weight=1.0 * u.mV, delay=1.0 * u.ms)
    with pytest.raises(SncoreError, match="'stop' must be inf"):
        from_simulator(sim, 10)
    with pytest.raises(SncoreError, match="distinct"):
        LfsrInput("x", [0.1, 0.1], [5, 5]).validate()


def test_cli_lower_brunel_writes_lfsr_design(tmp_path, capsys):
    from sncore.cli import main

    assert main(["hdl", "lower", "brunel", "--order", "1", "--steps", "50", "--out", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["input_summary"]["lfsr_channels"] == 100 and out["params"]["N"] == 5
    top = (tmp_path / "snn_top.v").read_text()
    assert top.count("lfsr #(") == 100 and (tmp_path / "lfsr.v").is_file()
    if shutil.which("verilator"):
        r = subprocess.run(["verilator", "--lint-only", "-Wall", "--top-module", "snn_top", "snn_top.v", "lif_core.v",
                            "lfsr.v"], check=False, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr


@needs_iverilog
@needs_verilator
@pytest.mark.slow
def test_cli_cosim_brunel_both_simulators(tmp_path, capsys):
    from sncore.cli import main

    rc = main(["hdl", "cosim", "brunel", "--order", "2", "--steps", "400", "--out", str(tmp_path)])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["mismatches"] == 0 and set(out["simulators"]) == {"iverilog", "verilator"}
    assert out["golden_spikes"] > 0


@pytest.mark.slow
def test_bernoulli_drive_rate_matches_sncore_poisson_brunel():
    """The IR's float reference (exact decay, LFSR Bernoulli drive) fires at the rate of sncore's own
    simulation of the same Brunel network with true Poisson drive (mean-driven regime, 100 ms)."""
    import brainunit as u

    from sncore.hdl import run_float
    from sncore.zoo import brunel

    b = brunel(order=2, seed=1)
    res = b.sim.simulate(100 * u.ms)
    ref = (8 * res.rate(b.exc).to_decimal(u.Hz) + 2 * res.rate(b.inh).to_decimal(u.Hz)) / 10   # 8 E + 2 I
    net = from_simulator(brunel(order=2, n_record=0).sim, 1000)
    f = run_float(quantize(net, CFG), net.stimulus(1000))
    rate = f["spikes"].mean() * 1e4   # per 0.1 ms step -> Hz
    assert ref > 40 and abs(rate - ref) <= 0.1 * ref, (rate, ref)


def test_cli_event_core_refuses_lfsr_inputs(tmp_path, capsys):
    from sncore.cli import main

    rc = main(["hdl", "lower", "brunel", "--order", "1", "--steps", "10", "--out", str(tmp_path), "--core", "event"])
    assert rc == 2 and "--core event does not support on-chip LFSR" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # nothing half-written

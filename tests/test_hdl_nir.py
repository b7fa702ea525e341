"""NIR graph -> NetworkIR (sncore.hdl.nir.from_nir).

Oracles: sncore's own import of the same NIR graph (sncore.nn.nir.from_nir, a float32
discrete-time simulation) for the IR's float reference (spike trains equal after the documented
lag of one step per layer); the golden integer model vs iverilog (0 mismatches).
"""

from __future__ import annotations

import itertools
import math
import shutil

import numpy as np
import pytest

from sncore.hdl import (
    FixedFormat,
    QuantConfig,
    accuracy_report,
    quantize,
    run_float,
    run_golden,
)
from sncore.hdl.nir import from_nir
from sncore.units import SncoreError

nir = pytest.importorskip("nir")
needs_iverilog = pytest.mark.skipif(shutil.which("iverilog") is None or shutil.which("vvp") is None,
                                    reason="iverilog not installed")
TAU = -1.0 / math.log1p(-1 / 8)   # decay 1 - 2^-3 per step at dt = 1 ms: the shift leak is exact
CFG = QuantConfig(state=FixedFormat(16, 8), weight=FixedFormat(8, 6))
T = 400


def _lif(n, rng, **kw):
    return nir.LIF(tau=np.full(n, TAU), r=rng.uniform(5, 10, n), v_leak=np.zeros(n), v_threshold=np.ones(n),
                   v_reset=np.zeros(n), **kw)


def _chain(seed=0, n_in=8, n1=6, n2=4):
    """Input -> Affine -> LIF -> Affine -> LIF -> Output (biases > 0, mixed-sign weights)."""
    rng = np.random.default_rng(seed)
    nodes = {"input": nir.Input(input_type=np.array([n_in])),
             "aff1": nir.Affine(weight=rng.uniform(-0.2, 1.0, (n1, n_in)), bias=np.full(n1, 0.01)),
             "lif1": _lif(n1, rng),
             "aff2": nir.Affine(weight=rng.uniform(-0.3, 0.8, (n2, n1)), bias=np.full(n2, 0.02)),
             "lif2": _lif(n2, rng),
             "output": nir.Output(output_type=np.array([n2]))}
    names = list(nodes)
    return nir.NIRGraph(nodes=nodes, edges=list(itertools.pairwise(names)), type_check=False)


def _x(n_in=8, seed=1):
    return np.random.default_rng(seed).random((T, n_in)) < 0.15


def test_float_reference_equals_sncore_nir_import_and_fixed_point_is_close():
    import jax.numpy as jnp

    from sncore.nn.nir import from_nir as nn_from_nir

    g, x = _chain(), _x()
    ir = from_nir(g, 1.0, spikes=x)
    assert ir.nir_lag == {"lif1": 1, "lif2": 2}
    q = quantize(ir, CFG)
    f = run_float(q, ir.stimulus(T))
    outs = nn_from_nir(g, dt=1.0)(jnp.asarray(x, jnp.float32)[:, None, :], return_all=True)
    s1, s2 = (np.asarray(o)[:, 0, :].astype(int) for o in outs)
    assert s1.sum() > 50 and s2.sum() > 20
    # IR population with lag L at step t + L == sncore's layer at step t, spike for spike
    np.testing.assert_array_equal(f["spikes"][1:, :6], s1[:-1])
    np.testing.assert_array_equal(f["spikes"][2:, 6:], s2[:-2])
    # the accuracy report's float side is therefore sncore's count (nothing fires in the lag window)
    rep = accuracy_report(q, ir.stimulus(T))
    assert rep["spikes_float"] == s1[:-1].sum() + s2[:-2].sum()
    # fixed point (16,8)/(8,6): an engineering requirement of 5 % on the spike count per layer
    g_spk = run_golden(q, ir.stimulus(T))["spikes"]
    assert rep["spikes_fixed"] == g_spk.sum()
    assert abs(int(g_spk[1:, :6].sum()) - int(s1[:-1].sum())) <= 0.05 * s1.sum()
    assert abs(int(g_spk[2:, 6:].sum()) - int(s2[:-2].sum())) <= 0.05 * s2.sum()


@needs_iverilog
def test_nir_chain_cosim(tmp_path):
    from sncore.hdl.cosim import cosim

    ir = from_nir(_chain(), 1.0, spikes=_x())
    s = cosim(ir, T, out_dir=tmp_path, config=CFG, simulators=("iverilog",))
    assert s["mismatches"] == 0 and s["golden_spikes"] > 50 and s["simulators"]["iverilog"]["steps_compared"] == T


@needs_iverilog
def test_nir_if_with_recurrent_linear_cosim(tmp_path):
    """IF (no leak) with a recurrent Linear (delivered in the next step), strict NIR threshold."""
    from sncore.hdl.cosim import cosim

    rng = np.random.default_rng(4)
    n = 5
    g = nir.NIRGraph(nodes={
        "input": nir.Input(input_type=np.array([8])),
        "aff": nir.Affine(weight=rng.uniform(0.0, 0.15, (n, 8)), bias=np.zeros(n)),
        "if": nir.IF(r=np.full(n, 2.0), v_threshold=np.full(n, 1.5), v_reset=np.full(n, 0.25)),
        "rec": nir.Linear(weight=rng.uniform(-0.3, 0.1, (n, n))),
        "output": nir.Output(output_type=np.array([n]))},
        edges=[("input", "aff"), ("aff", "if"), ("if", "rec"), ("rec", "if"), ("if", "output")], type_check=False)
    ir = from_nir(g, 1.0, spikes=_x())
    assert ir.populations[0].tau_m == math.inf and {p.src_name for p in ir.projections} == {"input", "if"}
    cfg = QuantConfig(state=FixedFormat(16, 8), weight=FixedFormat(8, 6), compare=">")
    s = cosim(ir, T, out_dir=tmp_path, config=cfg, simulators=("iverilog",))
    assert s["mismatches"] == 0 and s["golden_spikes"] > 20


def test_unsupported_nodes_raise_naming_node_and_type():
    rng = np.random.default_rng(0)
    base = {"input": nir.Input(input_type=np.array([3])), "lin": nir.Linear(weight=np.ones((2, 3))),
            "output": nir.Output(output_type=np.array([2]))}
    edges = [("input", "lin"), ("lin", "neu"), ("neu", "output")]
    cuba = nir.CubaLIF(tau_syn=np.full(2, 5.0), tau_mem=np.full(2, 10.0), r=np.ones(2), v_leak=np.zeros(2),
                       v_threshold=np.ones(2), v_reset=np.zeros(2), w_in=np.ones(2))
    with pytest.raises(SncoreError, match=r"'neu' of type CubaLIF.*tau_syn"):
        from_nir(nir.NIRGraph(nodes=base | {"neu": cuba}, edges=edges, type_check=False))
    with pytest.raises(SncoreError, match=r"'neu' of type LI "):
        from_nir(nir.NIRGraph(nodes=base | {"neu": nir.LI(tau=np.ones(2), r=np.ones(2), v_leak=np.zeros(2))},
                              edges=edges, type_check=False))
    lif = nir.LIF(tau=np.array([5.0, 6.0]), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2),
                  v_reset=np.zeros(2))
    with pytest.raises(SncoreError, match=r"'neu'.*'tau' varies"):
        from_nir(nir.NIRGraph(nodes=base | {"neu": lif}, edges=edges, type_check=False))
    with pytest.raises(SncoreError, match=r"\[T, 3\]"):
        from_nir(nir.NIRGraph(nodes=base | {"neu": _lif(2, rng)}, edges=edges, type_check=False),
                 spikes=np.zeros((5, 4), bool))


def test_cli_lower_nir_file(tmp_path, capsys):
    import json

    from sncore.cli import main

    nir.write(str(tmp_path / "g.nir"), _chain())
    assert main(["hdl", "lower", str(tmp_path / "g.nir"), "--steps", "50", "--state", "16,8", "--weight", "8,6",
                 "--out", str(tmp_path / "d")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["params"]["N"] == 10 and out["params"]["M"] == 8 and (tmp_path / "d" / "snn_top.v").is_file()

"""SC RTL (templates sobol.v, sc_unit.v, lfsr.v) co-simulated against sncore.sc bit for bit.

Oracles: sncore.sc (lfsr_sequence, sobol_sequence, mul, mul_bipolar, mux_add, apc, SCDense's
integer APC count), and closed forms (LFSR period 2^w - 1 visiting every non-zero state once;
the first 2^w Sobol points at w bits are a permutation of 0..2^w-1).
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from sncore.hdl.sc import (
    ScSource,
    emit_sc,
    lfsr_source,
    run_sc_rtl,
    sc_reference,
    sobol_source,
)
from sncore.sc import LfsrSpec
from sncore.units import SncoreError

needs_iverilog = pytest.mark.skipif(shutil.which("iverilog") is None or shutil.which("vvp") is None,
                                    reason="iverilog not installed")
needs_verilator = pytest.mark.skipif(shutil.which("verilator") is None, reason="verilator not installed")

W = 8
PERIOD = 2**W - 1
L = 32 * PERIOD  # 8160 cycles: 32 full LFSR periods, 31 full Sobol periods at 8 bits


def _sources(bipolar: bool = False):
    """2 inputs, 2 x 2 weights (LFSRs of all four form/direction variants and Sobol dims)."""
    lf = [LfsrSpec.maximal(W, seed=s, form=f, direction=d, advance=a)
          for s, f, d, a in ((1, "fibonacci", "right", "after"), (0x5A, "galois", "right", "before"),
                             (0x3C, "fibonacci", "left", "after"), (0xC3, "galois", "left", "after"))]
    return [sobol_source(0.3, dim=1, width=W), sobol_source(0.55, dim=2, width=W),  # x0, x1
            sobol_source(0.5, dim=3, width=W, start=7),                              # w00 (and mux select)
            lfsr_source(lf[0], 0.8), lfsr_source(lf[1], 0.25), lfsr_source(lf[2], 0.6),  # w01 w10 w11
            lfsr_source(lf[3], 0.1), sobol_source(1.0, dim=4, width=W), sobol_source(0.0, dim=5, width=W)]


@needs_iverilog
@pytest.mark.parametrize("bipolar", [False, True])
def test_sc_rtl_equals_sncore_sc_over_full_periods(bipolar, tmp_path):
    srcs = _sources()
    n = L if not bipolar else 2048    # the bipolar run changes only sc_dense: 8 periods suffice
    ref = sc_reference(srcs, n, n_in=2, n_out=2, bipolar=bipolar)
    rtl = run_sc_rtl(srcs, n, n_in=2, n_out=2, bipolar=bipolar, out_dir=tmp_path)
    for key in ("raw", "bits", "mul", "xnor", "mux", "cnt", "total", "dense"):
        np.testing.assert_array_equal(rtl[key], ref[key], err_msg=key)
    # closed forms: every LFSR visits all 2^w - 1 non-zero states once per period and repeats;
    for k in range(3, 7):
        s = rtl["raw"][:, k]
        assert sorted(s[:PERIOD]) == list(range(1, 2**W)) and np.array_equal(s[PERIOD:2 * PERIOD], s[:PERIOD])
        assert rtl["bits"][:PERIOD, k].sum() == srcs[k].threshold  # exactly T ones per period
    # the first 2^w Sobol points (start 0) are the multiples of 2^-w
    for k in (0, 1):
        assert sorted(rtl["raw"][:2**W, k] >> (32 - W)) == list(range(2**W))
    # constant streams: p = 1 is all ones, p = 0 all zeros
    assert rtl["bits"][:, 7].all() and not rtl["bits"][:, 8].any()
    assert rtl["dense"].min() > 0


@needs_iverilog
def test_sobol_rtl_32bit_points_and_start_offset(tmp_path):
    """All 10 dimensions at 16 bits, one with a start offset: the 32-bit points are equal."""
    srcs = [sobol_source(0.37, dim=d, width=16, start=(1000 if d == 4 else 0)) for d in range(1, 11)]
    n = 2048
    rtl = run_sc_rtl(srcs, n, n_in=1, n_out=1, out_dir=tmp_path)
    ref = sc_reference(srcs, n, n_in=1, n_out=1)
    np.testing.assert_array_equal(rtl["raw"], ref["raw"])
    np.testing.assert_array_equal(rtl["bits"], ref["bits"])


@needs_iverilog
def test_rtl_product_error_sobol_falls_faster_than_lfsr(tmp_path):
    """Unipolar products from the RTL's AND of Sobol dims 1 x 2: at every L = 2^m the error vs the
    quantised product is <= 2/L (a (0, m, 2)-net; Bernoulli streams would give ~sqrt(pq(1-pq)/L),
    e.g. 0.03 at L = 256, see tests/test_sc.py for the 1/sqrt(L) law)."""
    a, b = 0.625, 0.4
    sob = [sobol_source(a, dim=1, width=12), sobol_source(b, dim=2, width=12), sobol_source(0.5, dim=3, width=12)]
    r = run_sc_rtl(sob, 4096, out_dir=tmp_path / "s")
    cum = np.cumsum(r["mul"])
    for m in range(6, 13):
        n = 2**m
        # T_a = 2560, T_b = 1638 at 12 bits; exact value of the quantised product
        pa, pb = sob[0].threshold / 4096, sob[1].threshold / 4096
        assert abs(cum[n - 1] / n - pa * pb) <= 2.0 / n + 1e-12, m


@needs_verilator
@pytest.mark.slow
def test_sc_rtl_verilator(tmp_path):
    srcs = _sources()
    ref = sc_reference(srcs, 1024, n_in=2, n_out=2, bipolar=True)
    rtl = run_sc_rtl(srcs, 1024, n_in=2, n_out=2, bipolar=True, simulator="verilator", out_dir=tmp_path)
    for key in ("raw", "bits", "mul", "xnor", "mux", "cnt", "total", "dense"):
        np.testing.assert_array_equal(rtl[key], ref[key], err_msg=key)


@needs_verilator
def test_sc_templates_lint_clean(tmp_path):
    emit_sc(_sources(), tmp_path, n_in=2, n_out=2, length=L)
    r = subprocess.run(["verilator", "--lint-only", "-Wall", "--top-module", "sc_top", "sc_top.v", "sc_unit.v",
                        "lfsr.v", "sobol.v"], check=False, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


def test_emit_sc_rejects_bad_configurations(tmp_path):
    s = _sources()
    with pytest.raises(SncoreError, match=">= 3"):
        emit_sc(s[:2], tmp_path)
    with pytest.raises(SncoreError, match="n_in"):
        emit_sc(s[:4], tmp_path, n_in=2, n_out=2)
    with pytest.raises(SncoreError, match="kind"):
        emit_sc([ScSource("bernoulli", 3)] * 3, tmp_path)

"""Stochastic-computing RTL: LFSR / Sobol sources, comparators, SC arithmetic, co-simulation.

Hand-written templates (``templates/``): ``lfsr.v`` (:class:`~sncore.sc.LfsrSpec`),
``sobol.v`` (Gray-code Sobol source equal to :func:`sncore.sc.sobol_sequence`), ``sc_unit.v``
(``sc_cmp``, ``sc_and``, ``sc_xnor``, ``sc_mux``, ``sc_apc``, ``sc_dense``).  :func:`emit_sc`
writes only ``sc_top.v``: ``K`` sources, each a generator and a comparator, wired to

=========  ============================================  ===========================================
output     RTL                                           JAX reference (:func:`sc_reference`)
=========  ============================================  ===========================================
``s[k]``   ``sc_cmp`` of source ``k``                    ``lfsr_sequence <= T`` / ``(sobol >> (32-w)) < T``
``mul``    ``sc_and(s0, s1)``                            :func:`sncore.sc.mul`
``xnor``   ``sc_xnor(s0, s1)``                           :func:`sncore.sc.mul_bipolar`
``mux``    ``sc_mux(s0, s1, sel = s2)``                  :func:`sncore.sc.mux_add`
``cnt``    ``sc_apc`` over all ``K`` streams             :func:`sncore.sc.apc`; ``total``: cumulative sum
``dense``  ``sc_dense``: ``x = s[0:n_in]``,              ``SCDense(...).from_streams(xs, ws)`` times ``L``
           ``w = s[n_in : n_in + n_out n_in]`` row-major  (the integer APC count)
=========  ============================================  ===========================================

The comparison rules are those of :mod:`sncore.sc`: LFSR ``bit = (s <= T)``,
``T = lfsr_threshold(p, w)``; Sobol ``bit = (x >> (32 - w)) < T``, ``T = sobol_threshold(p, w)``.

Example:
    >>> from sncore.sc import LfsrSpec
    >>> srcs = [lfsr_source(LfsrSpec.maximal(8, seed=1), 0.5), sobol_source(0.25, dim=1, width=8),
    ...         sobol_source(0.5, dim=2, width=8)]
    >>> ref = sc_reference(srcs, 256, n_in=1, n_out=1)
    >>> rtl = run_sc_rtl(srcs, 256, n_in=1, n_out=1)      # iverilog
    >>> bool((ref["bits"] == rtl["bits"]).all())
    True
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

import jax.numpy as jnp
import numpy as np

from .. import sc
from ..sc.lfsr import LfsrSpec
from ..units import SncoreError
from .emit import TEMPLATES

__all__ = ["ScSource", "emit_sc", "lfsr_source", "run_sc_rtl", "sc_reference", "sobol_dirs_literal",
           "sobol_source"]


@dataclasses.dataclass(frozen=True)
class ScSource:
    """One bitstream source: an LFSR (``spec``) or a Sobol dimension (``dim``, ``width``, ``start``)
    and its integer comparator threshold ``threshold``."""

    kind: str
    threshold: int
    spec: LfsrSpec | None = None
    dim: int = 1
    width: int = 16
    start: int = 0

    @property
    def rwidth(self) -> int:
        """Width of the random number the comparator sees."""
        return self.spec.width if self.kind == "lfsr" else self.width

    def raw(self, n: int) -> np.ndarray:
        """Generator values of cycles ``0..n-1`` (LFSR states or 32-bit Sobol points), int64."""
        if self.kind == "lfsr":
            return np.asarray(sc.lfsr_sequence(self.spec, n)).astype(np.int64)
        return np.asarray(sc.sobol_sequence(self.dim, n, self.start)).astype(np.int64)

    def bits(self, n: int) -> np.ndarray:
        """Bits of cycles ``0..n-1`` by the comparison rule of :mod:`sncore.sc` (bool)."""
        r = self.raw(n)
        if self.kind == "lfsr":
            return r <= self.threshold
        return (r >> (32 - self.width)) < self.threshold


def lfsr_source(spec: LfsrSpec, p: float) -> ScSource:
    """LFSR source encoding ``p`` (``T = lfsr_threshold(p, w)``, ``bit = s <= T``)."""
    return ScSource("lfsr", int(sc.lfsr_threshold(p, spec.width)), spec=spec)


def sobol_source(p: float, dim: int = 1, width: int = 16, start: int = 0) -> ScSource:
    """Sobol source of dimension ``dim`` encoding ``p`` (``T = sobol_threshold(p, w)``, ``bit = r < T``)."""
    return ScSource("sobol", int(sc.sobol_threshold(p, width)), dim=dim, width=width, start=start)


def sobol_dirs_literal(dim: int) -> str:
    """The ``DIRS`` parameter of ``sobol.v``: ``v_32 .. v_1`` as one 1024-bit hex literal."""
    v = np.asarray(sc.sobol.direction_numbers(dim)).astype(np.int64)
    return "1024'h" + "".join(f"{int(x):08x}" for x in v[::-1])


def _check(sources, n_in: int, n_out: int) -> None:
    if len(sources) < 3:
        raise SncoreError(f"emit_sc: got {len(sources)} sources; allowed: >= 3 (mul/xnor use s0, s1; mux sel = s2).")
    if n_in < 1 or n_out < 1 or n_in + n_in * n_out > len(sources):
        raise SncoreError(f"emit_sc: n_in = {n_in}, n_out = {n_out} need n_in + n_in n_out = "
                          f"{n_in + n_in * n_out} sources; got {len(sources)}.")
    for s in sources:
        if s.kind not in ("lfsr", "sobol"):
            raise SncoreError(f"emit_sc: source kind {s.kind!r}; allowed: 'lfsr', 'sobol'.")


def _widths(k: int, n: int, n_in: int) -> tuple[int, int]:
    return max(1, k.bit_length()), max(2, (max(k, n_in) * n).bit_length() + 1)


def emit_sc(sources, out_dir, n_in: int = 1, n_out: int = 1, bipolar: bool = False, length: int = 1) -> dict:
    """Write ``sc_top.v`` (see the module docstring) and copy the templates into ``out_dir``.
    ``length`` (cycles) sizes the counters."""
    _check(sources, n_in, n_out)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    k = len(sources)
    nw, cw = _widths(k, length, n_in)
    inst = []
    for i, s in enumerate(sources):
        w = s.rwidth
        if s.kind == "lfsr":
            rp = s.spec.rtl_params()
            ps = ", ".join(f".{a}({rp[a]})" for a in ("WIDTH", "TAP_MASK", "SEED", "GALOIS", "SHIFT_RIGHT",
                                                       "ADVANCE_BEFORE"))
            inst.append(f"""    wire [{w - 1}:0] r{i};
    /* verilator lint_off UNUSEDSIGNAL */
    wire unused{i};
    /* verilator lint_on UNUSEDSIGNAL */
    lfsr #({ps}) g{i} (.clk(clk), .rst(rst), .en(en), .threshold({w}'h0), .state(r{i}), .bit_out(unused{i}));
    assign raw[{32 * i + 31}:{32 * i}] = {{{32 - w}'h0, r{i}}};
    sc_cmp #(.WIDTH({w}), .LE(1)) c{i} (.r(r{i}), .threshold({w + 1}'d{s.threshold}), .bit_out(sb[{i}]));""")
        else:
            inst.append(f"""    wire [{w - 1}:0] r{i};
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] idx{i};
    /* verilator lint_on UNUSEDSIGNAL */
    sobol #(.WIDTH({w}), .DIRS({sobol_dirs_literal(s.dim)}), .START(32'd{s.start})) g{i} (
        .clk(clk), .rst(rst), .en(en), .x(raw[{32 * i + 31}:{32 * i}]), .idx(idx{i}), .r(r{i}));
    sc_cmp #(.WIDTH({w}), .LE(0)) c{i} (.r(r{i}), .threshold({w + 1}'d{s.threshold}), .bit_out(sb[{i}]));""")
    nwt = n_in * n_out
    body = "\n".join(inst)
    top = f"""// generated by sncore.hdl.sc.emit_sc: {k} SC sources and the SC arithmetic units
`default_nettype none
module sc_top (
    input  wire clk, input wire rst, input wire en,
    output wire [{k - 1}:0] sb, output wire [{32 * k - 1}:0] raw,
    output wire mul, output wire xnor_, output wire mux,
    output wire [{nw - 1}:0] cnt, output wire [{cw - 1}:0] total, output wire [{n_out * cw - 1}:0] dense
);
{body}
    sc_and  u_and  (.a(sb[0]), .b(sb[1]), .y(mul));
    sc_xnor u_xnor (.a(sb[0]), .b(sb[1]), .y(xnor_));
    sc_mux  u_mux  (.a(sb[0]), .b(sb[1]), .sel(sb[2]), .y(mux));
    sc_apc #(.N({k}), .NW({nw}), .CW({cw})) u_apc (.clk(clk), .rst(rst), .en(en), .bits(sb), .cnt(cnt),
                                                 .total(total));
    sc_dense #(.N_IN({n_in}), .N_OUT({n_out}), .BIPOLAR({int(bipolar)}), .NW({max(2, n_in.bit_length() + 1)}),
               .CW({cw})) u_dense (.clk(clk), .rst(rst), .en(en), .x(sb[{n_in - 1}:0]),
               .w(sb[{n_in + nwt - 1}:{n_in}]), .counts(dense));
endmodule
`default_nettype wire
"""
    (out / "sc_top.v").write_text(top)
    rtl = ["sc_top.v", "sc_unit.v", "lfsr.v", "sobol.v"]
    for name in rtl[1:] + ["tb_sc.v"]:
        shutil.copyfile(TEMPLATES / name, out / name)
    return {"top": "sc_top", "rtl": rtl, "testbench": "tb_sc.v",
            "params": {"K": k, "NW": nw, "CW": cw, "NOUT": n_out}}


def run_sc_rtl(sources, n: int, n_in: int = 1, n_out: int = 1, bipolar: bool = False,
               simulator: str = "iverilog", out_dir=None) -> dict:
    """Simulate ``sc_top`` for ``n`` cycles; returns the per-cycle outputs (numpy) and ``dense``."""
    from .cosim import _simulate

    with tempfile.TemporaryDirectory(prefix="sncore_sc_") as tmp:
        d = Path(out_dir or tmp)
        man = emit_sc(sources, d, n_in, n_out, bipolar, length=n)
        _simulate(d, [man["testbench"], *man["rtl"]], man["params"] | {"T": n}, simulator, 300)
        lines = (d / "sc_out.txt").read_text().splitlines()
    rows = [ln.split() for ln in lines if ln.strip() and not ln.startswith("D")]
    k = len(sources)
    return {
        "bits": np.array([[c == "1" for c in r[0][::-1]] for r in rows]),
        "mul": np.array([int(r[1]) for r in rows]), "xnor": np.array([int(r[2]) for r in rows]),
        "mux": np.array([int(r[3]) for r in rows]), "cnt": np.array([int(r[4]) for r in rows]),
        "total": np.array([int(r[5]) for r in rows]),
        "raw": np.array([[int(x, 16) for x in r[6:6 + k]] for r in rows], dtype=np.int64),
        "dense": np.array([int(x) for x in lines[-1].split()[1:]]),
    }


def sc_reference(sources, n: int, n_in: int = 1, n_out: int = 1, bipolar: bool = False) -> dict:
    """The same outputs computed with :mod:`sncore.sc` on packed streams (``n`` a multiple of 32)."""
    _check(sources, n_in, n_out)
    bits = np.stack([s.bits(n) for s in sources], 1)        # [n, K]
    words = sc.pack(jnp.asarray(bits.T))                      # [K, n/32]
    un = (lambda w: np.asarray(sc.unpack(w)).astype(int))
    cnt = np.asarray(sc.apc(words))
    layer = sc.SCDense(np.zeros((n_out, n_in)), length=n, polarity="bipolar" if bipolar else "unipolar")
    ws = words[n_in:n_in + n_in * n_out].reshape(n_out, n_in, -1)
    y = np.asarray(layer.from_streams(words[:n_in], ws), np.float64)
    c = y * n if not bipolar else (y * n + n_in * n) / 2
    return {"bits": bits, "mul": un(sc.mul(words[0], words[1])), "xnor": un(sc.mul_bipolar(words[0], words[1])),
            "mux": un(sc.mux_add(words[0], words[1], words[2])), "cnt": cnt,
            "total": np.concatenate([[0], np.cumsum(cnt)[:-1]]),
            "raw": np.stack([s.raw(n) for s in sources], 1), "dense": np.rint(c).astype(np.int64)}

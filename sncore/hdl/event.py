"""The event-driven, pipelined LIF core (``templates/lif_core_ev.v``): emit, co-simulate, count cycles.

Same integer semantics as :mod:`sncore.hdl.golden` (bit-exact, every spike and membrane), but all
memories are synchronous-read block RAM / SPRAM and the synapse phase walks only the rows of the
sources that spiked, one synapse per cycle (pipeline ``synapse read -> ring read -> add/write``
with forwarding of the previous cycle's result on a same-address hit).

**Cycles per step** (``cycles`` output of the core, :func:`cycles_event`)::

    event = N + 6 + sum over spiking sources j of (max(len_j, 1) + 1)
    dense = N + 6 + sum over all sources j of (max(len_j, 1) + 1)      (EVENT = 0: every row walked)

``len_j`` is the number of synapses of source ``j`` (neurons that fired this step, input channels
with a spike).  ``N + 3`` cycles update the neurons (four-stage pipeline), one cycle makes the spike
FIFO readable, each row costs one selection cycle plus one cycle per synapse, and two cycles end
the step (empty selection, last accumulate).

**Synapse word.**  ``{tgt[IDX_W], delay[DLY_W], w[WW]}``; when every source's synapses share one
delay (``ROW_DELAY = 1``, chosen automatically) the delay moves into the row table and the word is
``{tgt, w}`` -- with 256 neurons and 8-bit weights exactly 16 bits, so 64k synapses fill the four
16k x 16 SPRAMs of an iCE40 UP5K.  SPRAM has no initial contents: the table is written through the
core's load port (``ld_en, ld_addr, ld_data``) before the first step (the testbench does this from
``syn.hex``).

Files written by :func:`emit_event`: ``snn_ev_top.v`` (the core with this network's parameters),
``lif_core_ev.v``, ``tb_core_ev.v``, ``param.hex`` (as :func:`sncore.hdl.emit.emit`), ``v0.hex``
(``{v0[W], r=0[R_W]}``), ``row.hex`` (``{start, end, delay}`` per source, inputs after neurons, padded with empty rows to
``2^SRC_W``),
``syn.hex``, ``stim.txt``, ``manifest.json``.

Example:
    >>> from sncore.hdl import demo_network, quantize
    >>> s = cosim_event(quantize(demo_network()), demo_network().stimulus(100), 100)
    >>> s["mismatches"], s["cycle_formula_errors"]
    (0, 0)
"""

from __future__ import annotations

import itertools
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from .cosim import _simulate, available, compare
from .emit import SH_W, _hex, _pack, hw_params, install
from .golden import run_golden
from .quant import QuantNet

__all__ = ["cosim_event", "cycles_event", "emit_event", "ev_params", "read_event_outputs", "row_lengths",
           "run_event_rtl"]

TOP = "snn_ev_top"
CORE = "lif_core_ev.v"
TB = "tb_core_ev.v"


def row_lengths(q: QuantNet, m: int | None = None) -> np.ndarray:
    """Synapses per source ``[N + M]`` (neurons, then input channels, padded to ``m`` channels)."""
    m = max(1, q.m) if m is None else m
    rp = q.row_ptr
    lens = np.diff(rp)
    return np.concatenate([lens, np.zeros(q.n + m - len(lens), np.int64)])


def _row_delay(q: QuantNet) -> int:
    """1 when each source's synapses share one delay (delay stored per row), else 0."""
    if not len(q.syn_w):
        return 1
    rp = q.row_ptr
    d = np.asarray(q.syn_delay)
    return int(all(np.all(d[a:b] == d[a]) for a, b in itertools.pairwise(rp) if b > a))


def ev_params(q: QuantNet, event: bool = True) -> dict:
    """Verilog parameters of ``lif_core_ev`` for ``q`` (``event=False``: the dense build)."""
    P = hw_params(q)
    P["EVENT"] = int(event)
    P["ROW_DELAY"] = _row_delay(q)
    P["SYW"] = P["IDX_W"] + P["WW"] + (0 if P["ROW_DELAY"] else P["DLY_W"])
    return P


def cycles_event(q: QuantNet, spikes: np.ndarray, stimulus: np.ndarray) -> dict:
    """Cycles per step from the formula: ``event [T]`` (only spiking sources walked) and the
    constant ``dense`` (every row walked), for golden ``spikes [T, N]`` and ``stimulus [T, M]``."""
    P = ev_params(q)
    lens = row_lengths(q, P["M"])
    x = np.zeros((len(stimulus), P["M"]), bool)
    x[:, :q.m] = np.asarray(stimulus, bool).reshape(len(stimulus), q.m)
    active = np.concatenate([np.asarray(spikes, bool), x], axis=1)
    per_row = np.maximum(lens, 1) + 1
    return {"event": q.n + 6 + active.astype(np.int64) @ per_row, "dense": int(q.n + 6 + per_row.sum())}


def emit_event(q: QuantNet, out_dir, stimulus: np.ndarray | None = None, templates=None,
               event: bool = True) -> dict:
    """Write the event-driven design for ``q`` into ``out_dir``; returns the manifest.
    ``templates`` overrides the RTL template folder (mutation tests); ``event=False`` builds the
    dense variant (``EVENT = 0``: every row walked, for cycle comparisons)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    P = ev_params(q, event)
    W, R_W, ptr_w = P["W"], P["R_W"], P["SYN_AW"] + 1
    lens = row_lengths(q, P["M"])
    lens_pad = np.concatenate([lens, np.zeros((1 << P["SRC_W"]) - len(lens), np.int64)])
    end = np.cumsum(lens_pad)
    start = end - lens_pad
    rp = q.row_ptr
    rdly = np.ones(len(lens_pad), np.int64)
    if P["ROW_DELAY"]:
        for j in range(q.n + q.m):
            if rp[j + 1] > rp[j]:
                rdly[j] = q.syn_delay[rp[j]]
    param = _pack([(q.thr, W), (q.vreset, W), (q.bias, W), (q.shift, SH_W), (q.tref, R_W)])
    fields = [(q.syn_tgt, P["IDX_W"])] + ([] if P["ROW_DELAY"] else [(q.syn_delay, P["DLY_W"])])
    syn = _pack(fields + [(q.syn_w, P["WW"])]) if len(q.syn_w) else [0]
    files = {
        "param.hex": _hex(param, 3 * W + SH_W + R_W),
        "v0.hex": _hex(_pack([(q.v0, W), (np.zeros(q.n, np.int64), R_W)]), W + R_W),
        "row.hex": _hex(_pack([(start, ptr_w), (end, ptr_w), (rdly % (1 << P["DLY_W"]), P["DLY_W"])]),
                        2 * ptr_w + P["DLY_W"]),
        "syn.hex": _hex(syn, P["SYW"]),
    }
    for name, text in files.items():
        (out / name).write_text(text)
    plist = ",\n".join(f"        .{k}({v})" for k, v in P.items())
    top = f"""// generated by sncore.hdl.event: the event-driven LIF core with this network's parameters
`default_nettype none
module {TOP} (
    input  wire clk, input wire rst, input wire start, input wire [{P["M"] - 1}:0] in_spk,
    input  wire ld_en, input wire [{P["SYN_AW"] - 1}:0] ld_addr, input wire [{P["SYW"] - 1}:0] ld_data,
    output wire done, output wire upd_valid, output wire upd_spike,
    output wire [{P["IDX_W"] - 1}:0] upd_idx, output wire signed [{W - 1}:0] upd_v, output wire [31:0] cycles
);
    lif_core_ev #(
{plist},
        .F_PARAM("param.hex"), .F_V0("v0.hex"), .F_ROW("row.hex")
    ) core (.clk(clk), .rst(rst), .start(start), .in_spk(in_spk), .ld_en(ld_en), .ld_addr(ld_addr),
            .ld_data(ld_data), .done(done), .upd_valid(upd_valid), .upd_spike(upd_spike), .upd_idx(upd_idx),
            .upd_v(upd_v), .cycles(cycles));
endmodule
`default_nettype wire
"""
    (out / f"{TOP}.v").write_text(top)
    steps = install(out, templates, (CORE, TB), stimulus, q, P["M"])
    manifest = {"top": TOP, "rtl": [f"{TOP}.v", CORE], "testbench": TB, "params": P, "steps": steps,
                "n_synapses": len(q.syn_w), "memories": sorted(files),
                "cycles_per_step_dense": int(q.n + 6 + (np.maximum(lens, 1) + 1).sum())}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def read_event_outputs(path, n: int) -> dict:
    """Parse ``out.txt`` (per step: N spikes, N membranes, cycles) -> spikes, v ``[T, N]``, cycles ``[T]``."""
    rows = [ln.split() for ln in Path(path).read_text().splitlines() if ln.strip()]
    a = np.array(rows, dtype=np.int64).reshape(len(rows), 2 * n + 1)
    return {"spikes": a[:, :n], "v": a[:, n:2 * n], "cycles": a[:, 2 * n]}


def run_event_rtl(design, manifest: dict, steps: int, simulator: str = "iverilog", timeout: float = 600) -> dict:
    """Simulate an emitted event design (``stim.txt`` present) for ``steps``; returns the outputs."""
    design = Path(design)
    P = manifest["params"]
    out = design / "out.txt"
    out.unlink(missing_ok=True)
    t0 = time.perf_counter()
    tbp = {k: P[k] for k in ("N", "M", "W", "IDX_W", "NSYN", "SYN_AW", "SYW")} | {"T": steps}
    _simulate(design, [manifest["testbench"], *manifest["rtl"]], tbp, simulator, timeout)
    res = read_event_outputs(out, P["N"])
    res["wall_s"] = time.perf_counter() - t0
    return res


def cosim_event(q: QuantNet, stimulus: np.ndarray, steps: int, out_dir=None, simulators=("iverilog",),
                templates=None, timeout: float = 600, event: bool = True) -> dict:
    """Emit, simulate and compare the event core with the golden model (every spike, every membrane,
    every step) and its cycle counts with :func:`cycles_event` (``event=False``: the dense build,
    whose count must be the constant dense formula).  Returns a summary dict:
    per simulator the mismatch counts, ``cycle_formula_errors`` (steps whose measured cycles differ
    from the formula), measured cycles (mean, max) and the dense count."""
    stimulus = np.asarray(stimulus, bool)[:steps]
    tmp = None
    if out_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="sncore_hdlev_")
        out_dir = tmp.name
    try:
        man = emit_event(q, out_dir, stimulus, templates=templates, event=event)
        gold = run_golden(q, stimulus)
        cyc = cycles_event(q, gold["spikes"], stimulus)
        summary = {"steps": int(steps), "neurons": q.n, "inputs": q.m, "synapses": len(q.syn_w),
                   "golden_spikes": int(gold["spikes"].sum()), "coverage": gold["coverage"],
                   "params": man["params"], "cycles_dense": cyc["dense"],
                   "cycles_event_formula_mean": float(cyc["event"].mean()), "simulators": {}, "skipped": []}
        errs = 0
        for sim in simulators:
            if not available(sim):
                summary["skipped"].append(sim)
                continue
            rtl = run_event_rtl(out_dir, man, steps, sim, timeout)
            c = rtl["cycles"]
            expect = cyc["event"] if event else np.full(steps, cyc["dense"])
            ce = int(np.sum(c != expect[:len(c)])) + steps - len(c)
            errs += ce
            summary["simulators"][sim] = compare(gold, rtl) | {
                "wall_s": round(rtl["wall_s"], 3), "cycle_formula_errors": ce,
                "cycles_mean": float(c.mean()) if len(c) else 0.0, "cycles_max": int(c.max(initial=0))}
        summary["mismatches"] = sum(s["spike_mismatches"] + s["membrane_mismatches"] + s["steps_missing"]
                                    for s in summary["simulators"].values())
        summary["cycle_formula_errors"] = errs
        return summary
    finally:
        if tmp is not None:
            tmp.cleanup()


def benchmark_network(seed: int = 0, steps: int = 200, n: int = 256, m: int = 32, fanout: int = 224,
                      p_in: float = 0.1, w_rec: tuple = (-1.3, 1.0), w_in: tuple = (0.5, 3.0)):
    """The 256-neuron, 64k-synapse benchmark network: ``n`` LIF neurons (tau_m 16 ms, threshold
    15 mV, t_ref 2 ms), each projecting to ``fanout`` distinct random neurons with one delay per
    source (1-4 steps), plus ``m`` Bernoulli(``p_in``) input channels projecting to all ``n``
    neurons; ``n * fanout + m * n`` = 65,536 synapses with the defaults.  Weights (mV) uniform in
    ``w_rec`` / ``w_in``; the defaults give about 10 % of the sources spiking per step."""
    from .ir import InputStream, NetworkIR, Population, Projection

    rng = np.random.default_rng(seed)
    src = np.repeat(np.arange(n), fanout)
    tgt = np.concatenate([rng.permutation(n)[:fanout] for _ in range(n)])
    d = np.repeat(rng.integers(1, 5, n), fanout)
    rec = Projection("P", "P", src, tgt, rng.uniform(*w_rec, n * fanout), d)
    isrc = np.repeat(np.arange(m), n)
    inp = Projection("X", "P", isrc, np.tile(np.arange(n), m), rng.uniform(*w_in, m * n),
                     np.repeat(rng.integers(1, 5, m), n))
    pop = Population("P", n, tau_m=16.0, v_th=15.0, v_reset=0.0, t_ref=2.0, v_init=rng.uniform(0, 15, n))
    x = rng.random((steps, m)) < p_in
    return NetworkIR(dt=1.0, populations=[pop], projections=[rec, inp], inputs=[InputStream("X", x)])

"""Co-simulation: run the generated RTL with iverilog (and verilator) and compare every spike and
every membrane of every step with the golden integer model.

Example:
    >>> from sncore.hdl import demo_network
    >>> summary = cosim(demo_network(), steps=200, out_dir="build/demo")
    >>> summary["simulators"]["iverilog"]["membrane_mismatches"]
    0
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from ..sc.lfsr import LfsrSpec
from ..units import SncoreError
from .emit import emit, emit_lfsr
from .golden import run_golden
from .ir import NetworkIR
from .quant import QuantConfig, QuantNet, quantize

__all__ = ["available", "compare", "cosim", "read_outputs", "run_lfsr_rtl", "run_rtl"]


def available(tool: str) -> bool:
    """Whether ``tool`` ("iverilog" or "verilator") is on the PATH."""
    return shutil.which(tool) is not None and (tool != "iverilog" or shutil.which("vvp") is not None)


def _run(cmd, cwd, timeout):
    r = subprocess.run(cmd, check=False, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise SncoreError(f"hdl: {' '.join(map(str, cmd[:3]))} ... failed ({r.returncode}):\n{r.stdout[-2000:]}"
                          f"\n{r.stderr[-2000:]}")
    return r


def _simulate(design: Path, sources: list[str], params: dict, simulator: str, timeout: float) -> None:
    """Compile and run testbench ``tb`` in ``design`` with integer parameters ``params``."""
    if not available(simulator):
        raise SncoreError(f"hdl: {simulator} is not installed (apt-get install {simulator}).")
    if simulator == "iverilog":
        ps = [f"-Ptb.{k}={v}" for k, v in params.items()]
        _run(["iverilog", "-g2005", *ps, "-o", "sim.vvp", *sources], design, timeout)
        _run(["vvp", "-n", "sim.vvp"], design, timeout)
    elif simulator == "verilator":
        ps = [f"-G{k}={v}" for k, v in params.items()]
        _run(["verilator", "--binary", "--timing", "-j", "1", "-Wno-fatal", "--top-module", "tb", "-Mdir", "obj_dir",
              *ps, *sources], design, timeout)
        _run(["./obj_dir/Vtb"], design, timeout)
    else:
        raise SncoreError(f"hdl: simulator {simulator!r} unknown; allowed: 'iverilog', 'verilator'.")


def run_rtl(design, manifest: dict, steps: int, simulator: str = "iverilog", timeout: float = 300) -> dict:
    """Simulate an emitted design (``stim.txt`` present) for ``steps``; returns the outputs."""
    design = Path(design)
    P = manifest["params"]
    out = design / "out.txt"
    out.unlink(missing_ok=True)
    t0 = time.perf_counter()
    _simulate(design, [manifest["testbench"], *manifest["rtl"]],
              {"N": P["N"], "M": P["M"], "W": P["W"], "IDX_W": P["IDX_W"], "T": steps}, simulator, timeout)
    res = read_outputs(out, P["N"])
    res["wall_s"] = time.perf_counter() - t0
    return res


def read_outputs(path, n: int) -> dict:
    """Parse ``out.txt`` (per step: N spikes, then N membranes) -> spikes, v ``[T, N]`` int."""
    rows = [ln.split() for ln in Path(path).read_text().splitlines() if ln.strip()]
    a = np.array(rows, dtype=np.int64).reshape(len(rows), 2 * n)
    return {"spikes": a[:, :n], "v": a[:, n:]}


def compare(golden: dict, rtl: dict) -> dict:
    """Mismatch counts of spikes and membranes (every neuron, every step) and the first one."""
    T = min(len(golden["spikes"]), len(rtl["spikes"]))
    ds = golden["spikes"][:T] != rtl["spikes"][:T]
    dv = golden["v"][:T] != rtl["v"][:T]
    bad = np.argwhere(ds | dv)
    return {"steps_compared": int(T), "steps_missing": int(len(golden["spikes"]) - T),
            "spike_mismatches": int(ds.sum()), "membrane_mismatches": int(dv.sum()),
            "first_mismatch": None if not len(bad) else [int(bad[0][0]), int(bad[0][1])],
            "rtl_spikes": int(rtl["spikes"].sum())}


def cosim(net: NetworkIR | QuantNet, steps: int, out_dir=None, config: QuantConfig | None = None,
          stimulus: np.ndarray | None = None, simulators=("iverilog", "verilator"), templates=None,
          golden_fn=run_golden, timeout: float = 300) -> dict:
    """Quantise (if needed), emit, simulate with each available simulator and compare with the
    golden model.  ``stimulus`` defaults to the network's input streams (``net.stimulus``).

    Returns a summary dict: per simulator the mismatch counts (:func:`compare`) and wall time,
    the golden model's coverage counters and spike count, and the design parameters.
    Simulators that are not installed are listed under ``"skipped"``.
    """
    q = net if isinstance(net, QuantNet) else quantize(net, config)
    if stimulus is None:
        if isinstance(net, QuantNet):
            raise SncoreError("cosim: pass 'stimulus' when giving a QuantNet.")
        stimulus = net.stimulus(steps)
    stimulus = np.asarray(stimulus, bool)[:steps]
    tmp = None
    if out_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="sncore_hdl_")
        out_dir = tmp.name
    try:
        manifest = emit(q, out_dir, stimulus, templates=templates)
        gold = golden_fn(q, stimulus)
        summary = {"steps": int(steps), "neurons": q.n, "inputs": q.m, "synapses": len(q.syn_w),
                   "golden_spikes": int(np.asarray(gold["spikes"]).sum()), "coverage": gold["coverage"],
                   "params": manifest["params"], "simulators": {}, "skipped": []}
        for sim in simulators:
            if not available(sim):
                summary["skipped"].append(sim)
                continue
            rtl = run_rtl(out_dir, manifest, steps, sim, timeout)
            summary["simulators"][sim] = compare(gold, rtl) | {"wall_s": round(rtl["wall_s"], 3)}
        summary["mismatches"] = sum(s["spike_mismatches"] + s["membrane_mismatches"] + s["steps_missing"]
                                    for s in summary["simulators"].values())
        return summary
    finally:
        if tmp is not None:
            tmp.cleanup()


def run_lfsr_rtl(spec: LfsrSpec, n: int, threshold: int = 0, simulator: str = "iverilog",
                 out_dir=None) -> dict:
    """Simulate the ``lfsr`` template for ``n`` cycles: states ``[n]`` (int) and bits ``[n]``."""
    with tempfile.TemporaryDirectory(prefix="sncore_lfsr_") as tmp:
        d = Path(out_dir or tmp)
        man = emit_lfsr(spec, d, threshold)
        _simulate(d, [man["testbench"], *man["rtl"]], {"WIDTH": spec.width, "T": n}, simulator, 120)
        rows = [ln.split() for ln in (d / "lfsr_out.txt").read_text().splitlines() if ln.strip()]
    return {"states": np.array([int(r[0], 16) for r in rows]), "bits": np.array([int(r[1]) for r in rows])}

"""HDL core benchmark (issue 6): the event-driven LIF core on a 256-neuron, 64k-synapse network.

The network is :func:`sncore.hdl.event.benchmark_network` (256 LIF neurons, each projecting to 224
random neurons, plus 32 Bernoulli(0.1) inputs to all 256: 65,536 synapses, about 10 % of the
sources spiking per step). Measured:

* cycles per step: from the cycle counter of the RTL in co-simulation (iverilog for ``--steps``
  steps, verilator for ``--vsteps`` steps, the dense build ``EVENT = 0`` for ``--dsteps``), checked against the formula of
  :mod:`sncore.hdl.event` and bit-exact against the golden model; the formula over ``--gsteps``
  golden-model steps; the dense count (every row walked) and the old ``lif_core``'s count;
* resources: yosys ``synth_ice40 -device u -spram`` (UP5K) and ``synth_xilinx -family xc7``;
* fmax: nextpnr-ice40 ``--up5k --package sg48`` (pin-limited wrapper), time per step at fmax.

Usage:
    python benchmarks/hdl_core.py                       # all, writes results/hdl_core.json
    python benchmarks/hdl_core.py --no-pnr --no-xc7 --steps 20
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from _harness import HERE, environment

from sncore.hdl import quantize
from sncore.hdl.cosim import available
from sncore.hdl.event import benchmark_network, cosim_event, cycles_event, emit_event
from sncore.hdl.golden import run_golden
from sncore.hdl.report import pnr_report, resource_report

UP5K = {"lut": 5280, "ebr": 30, "spram": 4}


def _stats(c) -> dict:
    c = np.asarray(c)
    return {"mean": round(float(c.mean()), 1), "p50": int(np.median(c)), "p95": int(np.percentile(c, 95)),
            "max": int(c.max())}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=100, help="iverilog co-simulation steps (default 100)")
    ap.add_argument("--vsteps", type=int, default=1000, help="verilator co-simulation steps (0: skip)")
    ap.add_argument("--gsteps", type=int, default=2000, help="golden-model steps for the cycle formula")
    ap.add_argument("--dsteps", type=int, default=3, help="iverilog steps of the dense build (EVENT=0; 0: skip)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-pnr", action="store_true")
    ap.add_argument("--no-xc7", action="store_true")
    ap.add_argument("--out", default=str(HERE / "results" / "hdl_core.json"))
    args = ap.parse_args(argv)

    T = max(args.steps, args.vsteps, args.gsteps)
    net = benchmark_network(seed=args.seed, steps=T)
    q = quantize(net)
    x = net.stimulus(T)
    g = run_golden(q, x[:args.gsteps])
    n_src = q.n + q.m
    act = (g["spikes"].sum(1) + x[:args.gsteps].sum(1)) / n_src
    cyc = cycles_event(q, g["spikes"], x[:args.gsteps])
    active_syn = np.concatenate([g["spikes"], x[:args.gsteps]], 1).astype(np.int64) @ np.diff(q.row_ptr)
    res = {"network": {"neurons": q.n, "inputs": q.m, "synapses": len(q.syn_w), "depth": q.depth,
                       "params": emit_event(q, tempfile.mkdtemp(prefix="hdl_core_"))["params"]},
           "activity": {"sources_spiking_mean": round(float(act.mean()), 4),
                        "neuron_rate_per_step": round(float(g["spikes"].mean()), 4)},
           "cycles_formula": {"steps": args.gsteps, "event": _stats(cyc["event"]), "dense": cyc["dense"],
                              "old_lif_core": _stats(q.n + n_src + 2 * active_syn + 2),
                              "old_lif_core_dense": int(q.n + n_src + 2 * len(q.syn_w) + 2)},
           "cosim": {}, "environment": environment()}
    with tempfile.TemporaryDirectory(prefix="hdl_core_") as tmp:
        for key, sim, steps in (("iverilog", "iverilog", args.steps), ("verilator", "verilator", args.vsteps),
                                ("iverilog_dense", "iverilog", args.dsteps)):
            if steps <= 0 or not available(sim):
                continue
            t0 = time.perf_counter()
            s = cosim_event(q, x[:steps], steps, out_dir=Path(tmp) / key, simulators=(sim,), timeout=3600,
                            event=key != "iverilog_dense")
            r = s["simulators"][sim]
            res["cosim"][key] = {"steps": steps, "spike_mismatches": r["spike_mismatches"],
                                 "membrane_mismatches": r["membrane_mismatches"],
                                 "cycle_formula_errors": r["cycle_formula_errors"],
                                 "cycles_mean": round(r["cycles_mean"], 1), "cycles_max": r["cycles_max"],
                                 "golden_spikes": s["golden_spikes"], "wall_s": round(time.perf_counter() - t0, 1)}
            print(key, json.dumps(res["cosim"][key]), flush=True)
        d = Path(tmp) / "synth"
        emit_event(q, d, x[:5])
        targets = ("ice40",) if args.no_xc7 else ("ice40", "xc7")
        rep = resource_report(d, targets=targets, timeout=3600)
        ice = rep["ice40"]["cells"]
        res["ice40_up5k"] = {"lut4": rep["ice40"]["lut"], "ff": rep["ice40"]["ff"],
                             "ebr": ice.get("SB_RAM40_4K", 0), "spram": ice.get("SB_SPRAM256KA", 0),
                             "carry": rep["ice40"]["carry"], "synth_s": rep["ice40"]["seconds"]}
        u = res["ice40_up5k"]
        u["fits"] = u["lut4"] <= UP5K["lut"] and u["ebr"] <= UP5K["ebr"] and u["spram"] <= UP5K["spram"]
        if "xc7" in rep:
            res["xc7"] = {k: rep["xc7"][k] for k in ("lut", "ff", "bram", "lutram", "carry", "seconds")}
        if not args.no_pnr:
            p = pnr_report(d, timeout=3600)
            p.pop("log")
            res["ice40_up5k_pnr"] = p
            f = p["fmax_mhz"]
            if f:
                ev = res["cycles_formula"]["event"]["mean"]
                res["time_per_step_us"] = {"event_mean": round(ev / f, 1),
                                           "dense": round(res["cycles_formula"]["dense"] / f, 1)}
    Path(args.out).write_text(json.dumps(res, indent=1))
    print(json.dumps({k: v for k, v in res.items() if k != "environment"}, indent=1))
    return res


if __name__ == "__main__":
    main()

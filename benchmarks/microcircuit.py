"""Potjans & Diesmann (2014) microcircuit benchmark: build, compile and simulate timed apart.

The network is ``sncore.zoo.microcircuit`` (``iaf_psc_exp``, 77,169 x scale neurons,
full-scale in-degrees: ~3,900 synapses per neuron, so ~3 x 10^8 x scale synapses; Poisson
background). Each repeat builds a fresh Simulator and times

* build: ``microcircuit(...)`` (create + connect on the host) plus ``Result.build_s`` of the
  first ``simulate`` (connections -> device arrays);
* compile: ``Result.compile_s`` of the first ``simulate``;
* 1st run / steady: ``Result.run_s`` of the first and of a second ``simulate(T)``;

and reports the medians over repeats and the real-time factor ``steady_run_s / T``
(below 1: faster than biological time). Rates (spikes/s) of the second simulate are
printed per population as a check that the network is the intended one.

Memory: peak RSS ~60-70 bytes per synapse (scale 0.1: 2.1 GB; full scale, 3 x 10^8
synapses: 17.3 GB measured on the 24 GiB machine).

Usage:
    python benchmarks/microcircuit.py --scale 0.05 --T 1000 --repeats 3
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

from _harness import HERE, Run, environment, medians

POPS = ("L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I")


def time_sncore(scale: float, seed: int, t_ms: float, drive: str, kernels: str = "auto") -> Run:
    import brainunit as u

    from sncore.zoo import microcircuit

    t0 = time.perf_counter()
    net = microcircuit(scale=scale, seed=seed, n_record=50, drive=drive, kernels=kernels)
    build_s = time.perf_counter() - t0
    n_syn = sum(len(s) for s in net.projections.values())
    first = net.sim.simulate(t_ms * u.ms, progress=False)
    second = net.sim.simulate(t_ms * u.ms, progress=False)
    run: Run = {
        "neurons": sum(len(p) for p in net.populations.values()), "synapses": n_syn,
        "build_s": build_s + first.build_s, "compile_s": first.compile_s, "run_s": first.run_s,
        "steady_run_s": second.run_s, "steady_compile_s": second.compile_s,
        "capacity_retries": first.capacity_retries + second.capacity_retries, "kernels": first.event_kernel,
        "rtf": second.run_s / (t_ms * 1e-3),
        **{f"rate_{k}": float(second.rate(p) / u.Hz) for k, p in net.populations.items()},
    }
    del net, first, second
    gc.collect()
    return run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Potjans-Diesmann microcircuit: sncore timings.")
    ap.add_argument("--scale", type=float, default=0.05, help="neuron-number factor (in-degrees full)")
    ap.add_argument("--T", type=float, default=1000.0, help="biological time per simulate (ms)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--drive", choices=("poisson", "dc"), default="poisson")
    ap.add_argument("--kernels", choices=("auto", "native", "xla"), default="auto",
                    help="sncore's CPU kernels (Simulator(kernels=...)); default auto")
    ap.add_argument("--json", type=Path, default=HERE / "results" / "microcircuit.json")
    a = ap.parse_args(argv)
    runs = []
    for r in range(a.repeats):
        print(f"[microcircuit] scale {a.scale:g}: run {r + 1}/{a.repeats}", file=sys.stderr)
        runs.append(time_sncore(a.scale, a.seed, a.T, a.drive, a.kernels))
    m = medians(runs)
    print(f"microcircuit scale {a.scale:g}: {m['neurons']} neurons, {m['synapses']:.4g} synapses, "
          f"T = {a.T:g} ms, median of {m['n_runs']}")
    print(f"  build {m['build_s']:.2f} s   compile {m['compile_s']:.2f} s   1st run {m['run_s']:.2f} s   "
          f"steady {m['steady_run_s']:.2f} s   real-time factor {m['rtf']:.2f}")
    print("  rates (Hz): " + ", ".join(f"{k} {m['rate_' + k]:.2f}" for k in POPS))
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps({"benchmark": "microcircuit", "scale": a.scale, "T_ms": a.T, "seed": a.seed,
                                  "drive": a.drive, "repeats": a.repeats, "environment": environment(),
                                  "median": m, "runs": runs}, indent=2) + "\n")
    print(f"wrote {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

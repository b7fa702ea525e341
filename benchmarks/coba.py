"""COBA benchmark (Vogels & Abbott 2005, BrainPy form): sncore against NEST and Brian2.

The network is ``sncore.zoo.coba`` (``iaf_cond_exp``, 4000 x scale neurons, in-degree 80,
delay 0.1 ms); the peers run the same equations (``benchmarks/peers/nest_coba.py``: NEST's
``iaf_cond_exp``; ``benchmarks/peers/brian2_coba.py``: the benchmark's equations in
Brian2 ``cpp_standalone`` with rk4). Timed per scale as in ``brunel.py``: sncore on fresh
Simulators (build, first simulate = engine build + compile + run, second simulate =
steady), each peer as a subprocess in its own environment with ``--threads`` threads.

Usage:
    python benchmarks/coba.py                         # scales 1 and 10 (4k, 40k), 3 repeats
    python benchmarks/coba.py --scales 1 --repeats 1 --no-peers
    python benchmarks/coba.py --scales 100 --repeats 1 --peers brian2 --json benchmarks/results/coba_400k.json
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path
from typing import Any

from _harness import HERE, Run, _fmt, environment, medians, run_script

PEERS = {"nest": (HERE / "peers" / "nest_coba.py", Path("/work/peers/nest/bin/python"), "NEST"),
         "brian2": (HERE / "peers" / "brian2_coba.py", Path("/work/peers/brian2/bin/python"),
                    "Brian2 cpp_standalone")}


def time_sncore(scale: float, seed: int, t_ms: float, kernels: str = "auto") -> Run:
    """One fresh Simulator: build, first simulate (compile + run), second simulate (steady)."""
    import brainunit as u

    from sncore.zoo import coba

    t0 = time.perf_counter()
    net = coba(scale=scale, seed=seed, n_record=50, kernels=kernels)
    build_s = time.perf_counter() - t0
    first = net.sim.simulate(t_ms * u.ms, progress=False)
    second = net.sim.simulate(t_ms * u.ms, progress=False)
    run: Run = {
        "build_s": build_s, "engine_build_s": first.build_s, "compile_s": first.compile_s,
        "run_s": first.run_s, "steady_run_s": second.run_s,
        "capacity_retries": first.capacity_retries + second.capacity_retries,
        "kernels": first.event_kernel,
        "rate_E": float(first.rate(net.exc) / u.Hz), "rate_I": float(first.rate(net.inh) / u.Hz),
        "steady_rate_E": float(second.rate(net.exc) / u.Hz),
        "steady_rate_I": float(second.rate(net.inh) / u.Hz),
    }
    del net, first, second
    gc.collect()
    return run


def print_table(results: list[dict[str, Any]]) -> None:
    head = (f"{'neurons':>8} {'simulator':<22} {'build s':>9} {'compile s':>10} {'1st run s':>10} "
            f"{'steady s':>9} {'rate E':>7} {'rate I':>7} {'sncore/peer':>12}")
    print(head)
    print("-" * len(head))
    for e in results:
        for name in ("sncore", "sncore_xla", *PEERS):
            if name not in e:
                continue
            m = e[name]["median"]
            label = {"sncore": f"sncore ({m.get('kernels', 'xla')})", "sncore_xla": "sncore (xla)"}.get(
                name, PEERS.get(name, ("", "", name))[2])
            if "error" in m:
                print(f"{e['neurons']:>8} {label:<22} failed: {m['error']}")
                continue
            print(f"{e['neurons']:>8} {label:<22} {_fmt(m['build_s'] + m.get('engine_build_s', 0.0), 9)} "
                  f"{_fmt(m['compile_s'], 10)} {_fmt(m['run_s'], 10)} {_fmt(m['steady_run_s'], 9)} "
                  f"{_fmt(m['rate_E'], 7, 2)} {_fmt(m['rate_I'], 7, 2)} "
                  f"{_fmt(e.get('ratio_simulate', {}).get(name), 12, 2)}")
    print("sncore/peer: ratio of the steady simulate times (< 1: sncore faster); sncore (native): the "
          "native CPU kernels (sncore.native), sncore (xla): the pure-XLA path (--xla).")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="COBA network: sncore vs NEST and Brian2.")
    ap.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--peer-repeats", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--T", type=float, default=1000.0, help="biological time per simulate (ms)")
    ap.add_argument("--threads", type=int, default=2, help="threads of each peer")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--xla", action="store_true", help="also time sncore's pure-XLA path (kernels='xla')")
    ap.add_argument("--peers", nargs="+", choices=sorted(PEERS), default=sorted(PEERS),
                    help="peers to run when installed (default all)")
    ap.add_argument("--peer-timeout", type=float, default=3600.0)
    ap.add_argument("--json", type=Path, default=HERE / "results" / "coba.json")
    a = ap.parse_args(argv)
    peers = [] if a.no_peers else [k for k, (_, py, _) in PEERS.items() if py.exists() and k in a.peers]
    results = []
    for scale in a.scales:
        e: dict[str, Any] = {"scale": scale, "neurons": int(round(3200 * scale)) + int(round(800 * scale))}
        runs = []
        for r in range(a.repeats):
            print(f"[coba] sncore scale {scale:g}: run {r + 1}/{a.repeats}", file=sys.stderr)
            runs.append(time_sncore(scale, a.seed, a.T))
        e["sncore"] = {"median": medians(runs), "runs": runs}
        if a.xla:
            xruns = [time_sncore(scale, a.seed, a.T, kernels="xla") for _ in range(a.repeats)]
            e["sncore_xla"] = {"median": medians(xruns), "runs": xruns}
        for name in peers:
            script, py, label = PEERS[name]
            pruns = []
            for r in range(a.peer_repeats):
                print(f"[coba] {label} scale {scale:g}: run {r + 1}/{a.peer_repeats}", file=sys.stderr)
                pruns.append(run_script(py, script, ["--scale", str(scale), "--seed", str(a.seed),
                                                      "--T", str(a.T), "--threads", str(a.threads)],
                                        a.peer_timeout))
            e[name] = {"median": medians(pruns), "runs": pruns}
        steady = e["sncore"]["median"]["steady_run_s"]
        e["ratio_simulate"] = {n: steady / e[n]["median"]["steady_run_s"] for n in peers
                               if "error" not in e[n]["median"]}
        if "sncore_xla" in e:  # the XLA path against the fastest peer
            best = min((e[n]["median"]["steady_run_s"] for n in peers if "error" not in e[n]["median"]),
                       default=None)
            if best:
                e["ratio_simulate"]["sncore_xla"] = e["sncore_xla"]["median"]["steady_run_s"] / best
        results.append(e)
    print_table(results)
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps({"benchmark": "coba", "T_ms": a.T, "seed": a.seed, "repeats": a.repeats,
                                  "peer_threads": a.threads, "environment": environment(),
                                  "results": results}, indent=2) + "\n")
    print(f"wrote {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

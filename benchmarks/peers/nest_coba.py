"""COBA network (Vogels & Abbott 2005, BrainPy benchmark form) in NEST with
``iaf_cond_exp``, exactly the parameters of ``sncore.zoo.coba``; timed in phases, prints
one JSON line. Run in NEST's own virtual environment; ``benchmarks/coba.py`` starts it.
Phases as in ``nest_brunel.py`` (build, Prepare, first Run, second Run = steady).
"""

from __future__ import annotations

import argparse
import json
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--T", type=float, default=1000.0, help="biological time per run (ms)")
    ap.add_argument("--dt", type=float, default=0.1, help="resolution (ms)")
    ap.add_argument("--threads", type=int, default=2, help="NEST local_num_threads")
    a = ap.parse_args()

    import nest
    import numpy as np

    if hasattr(nest, "VerbosityLevel"):
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:
        nest.set_verbosity("M_ERROR")
    n_e, n_i = int(round(3200 * a.scale)), int(round(800 * a.scale))
    n = n_e + n_i
    gL = 10.0
    t0 = time.perf_counter()
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": a.dt, "rng_seed": a.seed, "local_num_threads": a.threads})
    params = {"E_L": -60.0, "V_reset": -60.0, "V_th": -50.0, "C_m": 20.0 * gL, "g_L": gL,
              "t_ref": 5.0, "E_ex": 0.0, "E_in": -80.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0,
              "I_e": 20.0 * gL}
    ne = nest.Create("iaf_cond_exp", n_e, params=params)
    ni = nest.Create("iaf_cond_exp", n_i, params=params)
    v0 = np.random.default_rng(a.seed).normal(-55.0, 5.0, n)
    (ne + ni).set(V_m=list(v0))
    rule = {"rule": "pairwise_bernoulli", "p": 80.0 / n}
    nest.Connect(ne, ne + ni, rule, {"weight": 0.6 * gL, "delay": a.dt})
    nest.Connect(ni, ne + ni, rule, {"weight": -6.7 * gL, "delay": a.dt})
    rec_e, rec_i = nest.Create("spike_recorder"), nest.Create("spike_recorder")
    nest.Connect(ne, rec_e)
    nest.Connect(ni, rec_i)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    nest.Prepare()
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    nest.Run(a.T)
    run_s = time.perf_counter() - t0
    n_ev_e, n_ev_i = int(rec_e.get("n_events")), int(rec_i.get("n_events"))
    t0 = time.perf_counter()
    nest.Run(a.T)
    steady_run_s = time.perf_counter() - t0
    nest.Cleanup()
    print(json.dumps({
        "sim": "nest", "version": str(nest.__version__), "scale": a.scale, "neurons": n,
        "seed": a.seed, "threads": a.threads, "T_ms": a.T,
        "n_connections": int(nest.GetKernelStatus("num_connections")),
        "rate_E": n_ev_e / n_e / (a.T / 1000.0), "rate_I": n_ev_i / n_i / (a.T / 1000.0),
        "build_s": build_s, "compile_s": compile_s, "run_s": run_s, "steady_run_s": steady_run_s}))


if __name__ == "__main__":
    main()

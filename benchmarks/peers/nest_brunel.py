"""Brunel (2000) delta network in NEST, timed in phases; prints one JSON line.

Run in NEST's own virtual environment (see ``benchmarks/README.md``); ``benchmarks/brunel.py``
starts it as a subprocess. The network is the one of ``brunel.py`` (NEST's
``brunel_delta_nest.py``): ``iaf_psc_delta`` neurons, fixed in-degree E/I connectivity,
one ``poisson_generator`` driving every neuron, 1.5 ms delays, dt = 0.1 ms.

Phases, each timed with ``time.perf_counter``:

* ``build_s``: ``ResetKernel`` + kernel set-up + ``Create`` + ``Connect``;
* ``compile_s``: ``nest.Prepare()`` (NEST's counterpart of a compile step: it finalises
  the connection infrastructure and allocates buffers);
* ``run_s``: the first ``nest.Run(T)``; ``steady_run_s``: a second ``nest.Run(T)``.

Rates are over all neurons of each population during the first ``T``.
"""

from __future__ import annotations

import argparse
import json
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--order", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--T", type=float, default=1000.0, help="biological time per run (ms)")
    ap.add_argument("--dt", type=float, default=0.1, help="resolution (ms)")
    ap.add_argument("--threads", type=int, default=2, help="NEST local_num_threads")
    a = ap.parse_args()

    import nest

    if hasattr(nest, "VerbosityLevel"):  # NEST >= 3.10
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:
        nest.set_verbosity("M_ERROR")

    order = a.order
    n_e, n_i = 4 * order, order
    g, eta, epsilon = 5.0, 2.0, 0.1
    c_e, c_i = int(epsilon * n_e), int(epsilon * n_i)
    j_ex, delay, tau_m, theta = 0.1, 1.5, 20.0, 20.0
    j_in = -g * j_ex
    nu_th = theta / (j_ex * c_e * tau_m)
    p_rate = 1000.0 * eta * nu_th * c_e

    t0 = time.perf_counter()
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": a.dt, "rng_seed": a.seed,
                          "local_num_threads": a.threads, "print_time": False})
    neuron = {"C_m": 1.0, "tau_m": tau_m, "t_ref": 2.0, "E_L": 0.0, "V_reset": 0.0,
              "V_th": theta, "V_m": 0.0}
    ne = nest.Create("iaf_psc_delta", n_e, params=neuron)
    ni = nest.Create("iaf_psc_delta", n_i, params=neuron)
    noise = nest.Create("poisson_generator", params={"rate": p_rate})
    rec_e = nest.Create("spike_recorder")
    rec_i = nest.Create("spike_recorder")
    exc = {"synapse_model": "static_synapse", "weight": j_ex, "delay": delay}
    inh = {"synapse_model": "static_synapse", "weight": j_in, "delay": delay}
    nest.Connect(noise, ne + ni, syn_spec=exc)
    nest.Connect(ne, ne + ni, {"rule": "fixed_indegree", "indegree": c_e,
                               "allow_autapses": True, "allow_multapses": True}, exc)
    nest.Connect(ni, ne + ni, {"rule": "fixed_indegree", "indegree": c_i,
                               "allow_autapses": True, "allow_multapses": True}, inh)
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
        "sim": "nest", "version": str(nest.__version__), "order": order, "seed": a.seed,
        "threads": a.threads, "T_ms": a.T,
        "n_connections": int(nest.GetKernelStatus("num_connections")),
        "rate_E": n_ev_e / n_e / (a.T / 1000.0), "rate_I": n_ev_i / n_i / (a.T / 1000.0),
        "build_s": build_s, "compile_s": compile_s, "run_s": run_s,
        "steady_run_s": steady_run_s,
    }))


if __name__ == "__main__":
    main()

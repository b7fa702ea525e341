"""Brunel (2000) delta network in Brian2 ``cpp_standalone``, timed in phases; prints one
JSON line.

Run in Brian2's own virtual environment (see ``benchmarks/README.md``);
``benchmarks/brunel.py`` starts it as a subprocess. The network is the one of ``brunel.py``
with NEST's ``iaf_psc_delta`` semantics written out in Brian2's equations:

* ``dv/dt = -v/tau_m`` (E_L = 0) integrated exactly, threshold ``v >= V_th``, reset to 0,
  2 ms refractory period during which ``v`` is clamped;
* recurrent and external inputs jump ``v`` by their weight, and are discarded while the
  target is refractory (as in NEST);
* fixed in-degree connectivity (autapses and multapses allowed) drawn with Brian2's
  generator syntax, homogeneous 1.5 ms delay;
* the Poisson drive is a ``PoissonInput`` per neuron: ``Binomial(n, rate*dt/n)`` spikes per
  step with ``n = 100 * CE``, practically an independent Poisson train of the NEST rate.

Phases:

* ``build_s``: constructing the Python objects, plus the set-up part of the binary
  (synapse creation, initialisation: the binary's wall time minus its run loop);
* ``compile_s``: code generation and the C++ compile (``device.build``);
* ``run_s``: the network's run loop as timed by the binary itself
  (``device._last_run_time``). The binary is compiled ahead of time, so there is no warm-up
  inside it and this single run also stands for the steady-state time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--order", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--T", type=float, default=1000.0, help="biological time (ms)")
    ap.add_argument("--dt", type=float, default=0.1, help="resolution (ms)")
    ap.add_argument("--threads", type=int, default=2, help="OpenMP threads (0: none)")
    ap.add_argument("--workdir", default=None,
                    help="folder for the generated project (default: a temporary one, removed)")
    a = ap.parse_args()

    import brian2 as b2
    from brian2 import ms, mV

    workdir = a.workdir or tempfile.mkdtemp(prefix="brian2_brunel_")
    project = os.path.join(workdir, f"brunel_o{a.order}_s{a.seed}")
    shutil.rmtree(project, ignore_errors=True)
    b2.set_device("cpp_standalone", directory=project, build_on_run=False)
    if a.threads:
        b2.prefs.devices.cpp_standalone.openmp_threads = a.threads
    b2.prefs.logging.console_log_level = "WARNING"
    b2.defaultclock.dt = a.dt * ms
    b2.seed(a.seed)

    order = a.order
    n_e, n_i = 4 * order, order
    g, eta, epsilon = 5.0, 2.0, 0.1
    c_e, c_i = int(epsilon * n_e), int(epsilon * n_i)
    namespace = {
        "tau_m": 20.0 * ms, "theta": 20.0 * mV, "J_ex": 0.1 * mV, "J_in": -g * 0.1 * mV,
    }
    nu_th = namespace["theta"] / (namespace["J_ex"] * c_e * namespace["tau_m"])
    p_rate = eta * nu_th * c_e  # Hz

    t0 = time.perf_counter()
    neurons = b2.NeuronGroup(n_e + n_i, "dv/dt = -v/tau_m : volt (unless refractory)",
                             threshold="v >= theta", reset="v = 0*mV", refractory=2 * ms,
                             method="exact", namespace=namespace, name="neurons")
    neurons.v = 0 * mV
    exc, inh = neurons[:n_e], neurons[n_e:]
    syn_e = b2.Synapses(exc, neurons, on_pre="v_post += J_ex * int(not_refractory_post)",
                        delay=1.5 * ms, namespace=namespace, name="syn_e")
    syn_e.connect(i=f"int(rand() * N_pre) for _ in range({c_e})")
    syn_i = b2.Synapses(inh, neurons, on_pre="v_post += J_in * int(not_refractory_post)",
                        delay=1.5 * ms, namespace=namespace, name="syn_i")
    syn_i.connect(i=f"int(rand() * N_pre) for _ in range({c_i})")
    n_poisson = 100 * c_e
    drive = b2.PoissonInput(neurons, "v", N=n_poisson, rate=p_rate / n_poisson,
                            weight="J_ex * int(not_refractory)")
    mon_e = b2.SpikeMonitor(exc, name="mon_e")
    mon_i = b2.SpikeMonitor(inh, name="mon_i")
    net = b2.Network(neurons, syn_e, syn_i, drive, mon_e, mon_i)
    net.run(a.T * ms, namespace=namespace)  # only records the run in the standalone project
    construct_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    b2.device.build(directory=project, compile=True, run=False, with_output=False)
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    b2.device.run(directory=project, with_output=False)
    binary_s = time.perf_counter() - t0
    run_s = float(b2.device._last_run_time)

    result = {
        "sim": "brian2", "version": b2.__version__, "target": "cpp_standalone",
        "order": order, "seed": a.seed, "threads": a.threads, "T_ms": a.T,
        "n_connections": int(len(syn_e) + len(syn_i)),
        "rate_E": float(mon_e.num_spikes / n_e / (a.T / 1000.0)),
        "rate_I": float(mon_i.num_spikes / n_i / (a.T / 1000.0)),
        "build_s": construct_s + (binary_s - run_s), "compile_s": compile_s,
        "run_s": run_s, "steady_run_s": run_s,
    }
    if a.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

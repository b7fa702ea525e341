"""COBA network (Vogels & Abbott 2005, BrainPy/Brian2 benchmark form) in Brian2
``cpp_standalone``, timed in phases; prints one JSON line.

The equations are those of ``sncore.zoo.coba`` written out for Brian2 (dimensionless
conductances in units of the leak, as in the benchmark scripts)::

    dv/dt  = (ge (E_e - v) + gi (E_i - v) - (v - E_L) + I) / tau   (unless refractory)
    dge/dt = -ge / tau_e,  dgi/dt = -gi / tau_i

integrated with ``rk4``; threshold ``v > V_th`` (sncore/NEST test ``>=``: a measure-zero
difference), reset to -60 mV, 5 ms refractory period with ``v`` clamped; spikes add 0.6
(E) or 6.7 (I) to ``ge``/``gi`` with a delay of one step (sncore's minimum delay); random
connectivity with p = 80/N; v(0) ~ N(-55, 5) mV. Run in Brian2's own virtual environment;
``benchmarks/coba.py`` starts it. Phases as in ``brian2_brunel.py``.
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
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--T", type=float, default=1000.0, help="biological time (ms)")
    ap.add_argument("--dt", type=float, default=0.1, help="resolution (ms)")
    ap.add_argument("--threads", type=int, default=2, help="OpenMP threads (0: none)")
    a = ap.parse_args()

    import brian2 as b2
    import numpy as np
    from brian2 import ms, mV

    workdir = tempfile.mkdtemp(prefix="brian2_coba_")
    project = os.path.join(workdir, "coba")
    b2.set_device("cpp_standalone", directory=project, build_on_run=False)
    if a.threads:
        b2.prefs.devices.cpp_standalone.openmp_threads = a.threads
    b2.prefs.logging.console_log_level = "WARNING"
    b2.defaultclock.dt = a.dt * ms
    b2.seed(a.seed)
    n_e, n_i = int(round(3200 * a.scale)), int(round(800 * a.scale))
    n = n_e + n_i
    ns = {"tau": 20 * ms, "tau_e": 5 * ms, "tau_i": 10 * ms, "V_th": -50 * mV, "V_r": -60 * mV,
          "E_L": -60 * mV, "E_e": 0 * mV, "E_i": -80 * mV, "I": 20 * mV}

    t0 = time.perf_counter()
    eqs = """dv/dt = (ge*(E_e-v) + gi*(E_i-v) - (v-E_L) + I) / tau : volt (unless refractory)
             dge/dt = -ge/tau_e : 1
             dgi/dt = -gi/tau_i : 1"""
    P = b2.NeuronGroup(n, eqs, threshold="v > V_th", reset="v = V_r", refractory=5 * ms,
                       method="rk4", namespace=ns, name="neurons")
    P.v = (np.random.default_rng(a.seed).normal(-55.0, 5.0, n)) * mV
    ce = b2.Synapses(P[:n_e], P, on_pre="ge += 0.6", delay=a.dt * ms, name="ce")
    ci = b2.Synapses(P[n_e:], P, on_pre="gi += 6.7", delay=a.dt * ms, name="ci")
    ce.connect(p=80.0 / n)
    ci.connect(p=80.0 / n)
    me = b2.SpikeMonitor(P[:n_e], record=False, name="me")
    mi = b2.SpikeMonitor(P[n_e:], record=False, name="mi")
    b2.run(a.T * ms)
    objects_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    b2.device.build(directory=project, compile=True, run=False)
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    b2.device.run(directory=project)
    binary_s = time.perf_counter() - t0
    run_s = float(b2.device._last_run_time)
    out = {"sim": "brian2", "version": b2.__version__, "scale": a.scale, "neurons": n,
           "seed": a.seed, "threads": a.threads, "T_ms": a.T,
           "n_connections": int(len(ce) + len(ci)),
           "rate_E": float(me.num_spikes) / n_e / (a.T / 1000.0),
           "rate_I": float(mi.num_spikes) / n_i / (a.T / 1000.0),
           "build_s": objects_s + max(binary_s - run_s, 0.0), "compile_s": compile_s,
           "run_s": run_s, "steady_run_s": run_s}
    shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()

"""NEST 3.10 reference rates of the Potjans & Diesmann (2014) microcircuit at a reduced scale
with full in-degrees (NEST example semantics: N_scaling = scale, K_scaling = 1), for
tests/test_microcircuit.py.

Same network as ``sncore.zoo.microcircuit`` (parameters written out here, not imported,
so the reference does not depend on sncore): iaf_psc_exp, fixed_total_number with
``round(scale log(1-p)/log(1-1/(N_i N_j)))`` synapses, weights Normal(w, 0.1|w|) and delays
Normal(d, 0.5 d) both via ``nest.math.redraw``, optimized V_m(0), Poisson background
8 Hz x K_ext at 1.5 ms. Rates over [T0, T0 + T) per population, one run per seed; each scale is stored as a case
``cases["<scale>"]`` of the JSON (re-running one scale replaces only that case).

Run (the two cases the tests use):
    /work/peers/nest/bin/python tests/reference/make_nest_microcircuit.py --scale 0.1 --seeds 1 2 3
    /work/peers/nest/bin/python tests/reference/make_nest_microcircuit.py --scale 0.05 --T0 0 --T 300 \
        --seeds 1 2 3 4 5 6
"""

import argparse
import json
import pathlib
import time

import nest
import numpy as np

N_FULL = np.array([20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948])
P = np.array([[0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
              [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
              [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
              [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
              [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
              [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
              [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
              [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443]])
K_EXT = np.array([1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100])
V0 = ([-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43],
      [5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48])
NAMES = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]


def psc_over_psp(C=250.0, tau_m=10.0, tau_s=0.5):
    a = 1.0 / (tau_s - tau_m)
    f = (tau_m / tau_s) ** a
    return 1.0 / (tau_m * tau_s * a / C * (f ** tau_m - f ** tau_s))


def run(scale, seed, threads, T0, T, dt=0.1):
    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.ERROR
    nest.SetKernelStatus({"resolution": dt, "local_num_threads": threads, "rng_seed": seed})
    n = np.round(N_FULL * scale).astype(int)
    prod = np.outer(N_FULL, N_FULL).astype(float)
    K = np.round(np.log(1 - P) / np.log((prod - 1) / prod) * scale).astype(int)
    w = psc_over_psp() * np.where(np.arange(8) % 2 == 0, 0.15, -0.6)[None, :].repeat(8, 0)
    w[0, 2] *= 2
    pops = []
    for i in range(8):
        p = nest.Create("iaf_psc_exp", n[i], params={
            "C_m": 250.0, "tau_m": 10.0, "tau_syn_ex": 0.5, "tau_syn_in": 0.5, "t_ref": 2.0,
            "E_L": -65.0, "V_reset": -65.0, "V_th": -50.0, "I_e": 0.0})
        p.V_m = nest.random.normal(V0[0][i], V0[1][i])
        pops.append(p)
    t_build = time.time()
    for i in range(8):
        for j in range(8):
            if K[i, j] == 0:
                continue
            d = 1.5 if j % 2 == 0 else 0.75
            lo, hi = (0.0, np.inf) if w[i, j] >= 0 else (-np.inf, 0.0)
            nest.Connect(pops[j], pops[i], {"rule": "fixed_total_number", "N": int(K[i, j])},
                         {"synapse_model": "static_synapse",
                          "weight": nest.math.redraw(nest.random.normal(w[i, j], abs(w[i, j]) * 0.1), min=lo, max=hi),
                          "delay": nest.math.redraw(nest.random.normal(d, 0.5 * d), min=dt, max=np.inf)})
    for i in range(8):
        pg = nest.Create("poisson_generator", params={"rate": 8.0 * K_EXT[i]})
        nest.Connect(pg, pops[i], "all_to_all", {"weight": 0.15 * psc_over_psp(), "delay": 1.5})
    recs = []
    for p in pops:
        r = nest.Create("spike_recorder", params={"start": T0})
        nest.Connect(p, r)
        recs.append(r)
    t0 = time.time()
    nest.Simulate(T0 + T)
    t1 = time.time()
    rates = {NAMES[i]: float(recs[i].n_events / n[i] / (T * 1e-3)) for i in range(8)}
    return {"seed": seed, "rates": rates, "build_s": t0 - t_build, "sim_s": t1 - t0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--T0", type=float, default=200.0)
    ap.add_argument("--T", type=float, default=1000.0)
    ap.add_argument("--out", type=pathlib.Path,
                    default=pathlib.Path(__file__).parent / "nest_microcircuit.json")
    a = ap.parse_args()
    runs = []
    for s in a.seeds:
        runs.append(run(a.scale, s, a.threads, a.T0, a.T))
        print(json.dumps(runs[-1]), flush=True)
    data = json.loads(a.out.read_text()) if a.out.exists() else {}
    data.setdefault("simulator", f"NEST {nest.__version__}")
    data.setdefault("cases", {})[f"{a.scale:g}"] = {"scale": a.scale, "T0_ms": a.T0, "T_ms": a.T,
                                                    "threads": a.threads, "runs": runs}
    a.out.write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    main()

"""Regenerate the Brian2 reference rates of the CUBA network (tests/test_zoo.py).

Brian2's ``CUBA`` example (Vogels & Abbott 2005; Brette et al. 2007 benchmark 2) with its
own equations, integrated ``exact``::

    dv/dt  = (ge + gi - (v - El)) / taum   (unless refractory)
    dge/dt = -ge / taue,  dgi/dt = -gi / taui

taum 20 ms, taue 5 ms, taui 10 ms, Vt -50 mV, Vr -60 mV, El -49 mV, refractory 5 ms,
we = 60 * 0.27 / 10 mV, wi = -20 * 4.5 / 10 mV, p = 0.02 (4000 neurons, first 3200
excitatory), v(0) = Vr + rand() (Vt - Vr). One change: the synaptic delay is one step
(0.1 ms, sncore's minimum delay) instead of none. Writes tests/reference/brian2_cuba.json
with the per-seed E and I rates over 1 s:

    /work/peers/brian2/bin/python tests/reference/make_brian2_cuba.py [--seeds 1 2 3 4 5]
"""

import argparse
import json
import pathlib


def run(seed: int, T: float) -> dict:
    import brian2 as b2
    from brian2 import ms, mV

    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    b2.defaultclock.dt = 0.1 * ms
    b2.seed(seed)
    ns = {"taum": 20 * ms, "taue": 5 * ms, "taui": 10 * ms, "Vt": -50 * mV, "Vr": -60 * mV, "El": -49 * mV}
    eqs = """dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
             dge/dt = -ge / taue : volt
             dgi/dt = -gi / taui : volt"""
    P = b2.NeuronGroup(4000, eqs, threshold="v > Vt", reset="v = Vr", refractory=5 * ms, method="exact",
                       namespace=ns)
    P.v = "Vr + rand() * (Vt - Vr)"
    we, wi = (60 * 0.27 / 10) * mV, (-20 * 4.5 / 10) * mV
    ce = b2.Synapses(P, P, on_pre="ge += we", delay=0.1 * ms, namespace={"we": we})
    ci = b2.Synapses(P, P, on_pre="gi += wi", delay=0.1 * ms, namespace={"wi": wi})
    ce.connect("i < 3200", p=0.02)
    ci.connect("i >= 3200", p=0.02)
    me = b2.SpikeMonitor(P[:3200], record=False)
    mi = b2.SpikeMonitor(P[3200:], record=False)
    b2.run(T * ms)
    return {"seed": seed, "rate_E": float(me.num_spikes) / 3200 / (T / 1000.0),
            "rate_I": float(mi.num_spikes) / 800 / (T / 1000.0), "n_connections": int(len(ce) + len(ci)),
            "version": b2.__version__}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--T", type=float, default=1000.0)
    a = ap.parse_args()
    runs = []
    for seed in a.seeds:
        r = run(seed, a.T)
        runs.append({k: r[k] for k in ("seed", "rate_E", "rate_I", "n_connections")})
        print(runs[-1], flush=True)
    data = {"brian2_version": r["version"], "N": 4000, "T_ms": a.T, "dt_ms": 0.1,
            "method": "exact, numpy runtime", "runs": runs}
    path = pathlib.Path(__file__).with_name("brian2_cuba.json")
    path.write_text(json.dumps(data, indent=1))


if __name__ == "__main__":
    main()

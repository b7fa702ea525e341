"""Regenerate the Brian2 reference statistics of Brunel (2000), Fig. 8 (tests/test_zoo_brunel_regimes.py).

The paper's network, written in Brian2 2.11 with its own equations (``exact`` integration,
``numpy`` code generation), for the four regimes (g, eta) = SR (3, 2), AI (5, 2),
SI-fast (6, 4), SI-slow (4.5, 0.9)::

    dv/dt = -v / tau   (unless refractory)   ; v > theta -> v = V_r, refractory tau_rp

N_E 10000, N_I 2500, C_E 1000, C_I 250 (fixed in-degree drawn here with numpy, multapses
allowed, as NEST's fixed_indegree), J 0.1 mV, -g J, delay D 1.5 ms, tau 20 ms, theta 20 mV,
V_r 10 mV, tau_rp 2 ms, v(0) 0 mV, C_E independent Poisson inputs per neuron (PoissonInput)
at eta nu_thr, nu_thr = theta / (J C_E tau), dt 0.1 ms. As in the paper ("stays at V_r during
the refractory period") and NEST's iaf_psc_delta, input arriving during the refractory period
is discarded (explicitly, ``* int(not_refractory)``; Brian2 2.11 already holds a variable
marked ``(unless refractory)`` during the refractory period, and the results are identical).
One timing change: Brian2 applies a delayed spike after the threshold test of its arrival
step, so a spike -> input -> spike loop takes D + dt there and D in NEST (one neuron 0.05 mV
below threshold, input spike at 1.0 ms, delay 1.5 ms: Brian2 responds at 2.6 ms, NEST's
iaf_psc_delta in the step ending at 2.5 ms). The synaptic delay here is D - dt = 1.4 ms, so
that the loop is NEST's 1.5 ms (``--delay 1.5`` gives Brian2's own convention).

Statistics over [T0, T] (numpy, written here independently of sncore.analysis): mean E rate
(all 10000 E neurons), mean CV of the ISIs of the first 200 E neurons (neurons with >= 3
spikes), chi (Golomb 2007) of the membrane potentials of the first 100 E neurons sampled every
0.5 ms (``chi_V``) and of the 1 ms spike counts of the first 200 E neurons (``chi_spk``), and the
frequency of the largest peak of the power spectrum of their population rate (0.5 ms bins).
Writes tests/reference/brian2_brunel_regimes.json:

    /work/peers/brian2/bin/python tests/reference/make_brian2_brunel_regimes.py [--seed 1] [--T 1000]
"""

import argparse
import json
import pathlib

import numpy as np

REGIMES = {"SR": (3.0, 2.0), "AI": (5.0, 2.0), "SI-fast": (6.0, 4.0), "SI-slow": (4.5, 0.9)}
T0 = 200.0  # ms


def stats(trains: list, V: np.ndarray, T: float) -> dict:
    cvs = []
    for t in trains:
        d = np.diff(t)
        if d.size >= 2 and d.mean() > 0:
            cvs.append(d.std() / d.mean())
    chi_V = float(np.sqrt(V.mean(axis=1).var() / V.var(axis=0).mean()))
    edges = np.arange(T0, T + 0.5, 1.0)
    x = np.stack([np.histogram(t, edges)[0] for t in trains]).astype(float)
    chi_spk = float(np.sqrt(x.mean(axis=0).var() / x.var(axis=1).mean()))
    edges = np.arange(T0, T + 0.25, 0.5)
    r = np.histogram(np.concatenate(trains), edges)[0].astype(float)
    p = np.abs(np.fft.rfft(r - r.mean())) ** 2
    f = np.fft.rfftfreq(r.size, 0.5e-3)
    return {"cv": float(np.mean(cvs)), "n_cv": len(cvs), "chi_V": chi_V, "chi_spk": chi_spk,
            "f_peak": float(f[1:][np.argmax(p[1:])])}


def run(regime: str, seed: int, T: float, delay: float = 1.4) -> dict:
    import brian2 as b2
    from brian2 import ms, mV

    g, eta = REGIMES[regime]
    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    b2.defaultclock.dt = 0.1 * ms
    b2.seed(seed)
    rng = np.random.default_rng(seed)
    NE, NI, CE, CI = 10000, 2500, 1000, 250
    J, tau, theta = 0.1, 20.0, 20.0
    nu_thr = theta / (J * CE * tau) * 1000.0  # Hz
    P = b2.NeuronGroup(NE + NI, "dv/dt = -v / tau : volt (unless refractory)", threshold="v > theta",
                       reset="v = V_r", refractory=2 * ms, method="exact",
                       namespace={"tau": tau * ms, "theta": theta * mV, "V_r": 10 * mV, "J_ext": J * mV})
    P.v = 0 * mV
    N = NE + NI
    post = np.repeat(np.arange(N), CE)
    se = b2.Synapses(P, P, on_pre="v_post += w * int(not_refractory_post)", delay=delay * ms, namespace={"w": J * mV})
    se.connect(i=rng.integers(0, NE, N * CE), j=post)
    post = np.repeat(np.arange(N), CI)
    si = b2.Synapses(P, P, on_pre="v_post += w * int(not_refractory_post)", delay=delay * ms, namespace={"w": -g * J * mV})
    si.connect(i=NE + rng.integers(0, NI, N * CI), j=post)
    ext = b2.PoissonInput(P, "v", N=CE, rate=eta * nu_thr * b2.Hz, weight="J_ext * int(not_refractory)")
    sm = b2.SpikeMonitor(P[:NE])
    vm = b2.StateMonitor(P, "v", record=np.arange(100), dt=0.5 * ms)
    net = b2.Network(P, se, si, ext, sm, vm)
    net.run(T * ms)
    t, i = np.asarray(sm.t / ms), np.asarray(sm.i)
    keep = t >= T0
    rate = float(keep.sum()) / NE / ((T - T0) / 1000.0)
    trains = [np.sort(t[keep & (i == k)]) for k in range(200)]
    tv = np.asarray(vm.t / ms)
    V = np.asarray(vm.v / mV).T[tv >= T0]
    return {"regime": regime, "g": g, "eta": eta, "seed": seed, "delay_ms": delay, "rate_E": rate, **stats(trains, V, T),
            "version": b2.__version__}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--T", type=float, default=1000.0)
    ap.add_argument("--regimes", nargs="+", default=list(REGIMES))
    ap.add_argument("--delay", type=float, default=1.4, help="Brian2 synaptic delay (ms)")
    a = ap.parse_args()
    runs = []
    for reg in a.regimes:
        r = run(reg, a.seed, a.T, a.delay)
        print(r, flush=True)
        runs.append(r)
    out = pathlib.Path(__file__).parent / "brian2_brunel_regimes.json"
    out.write_text(json.dumps({"T_ms": a.T, "T0_ms": T0, "runs": runs}, indent=1) + "\n")


if __name__ == "__main__":
    main()

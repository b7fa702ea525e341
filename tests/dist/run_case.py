"""Run a test network on 1, 2 or 4 devices and write its spikes and final state (tests/test_dist.py).

Usage: python run_case.py CASE K[,K...] OUT.npz [CASE K[,K...] OUT.npz ...] [--distributed PORT PID NPROC]
K = 0 is the plain run; the process must see at least K devices
(XLA_FLAGS=--xla_force_host_platform_device_count=4). Keys of OUT: ``k{K}_{quantity}``.
"""

import sys

import numpy as np


def build(case: str, sn, u):
    if case == "brunel":
        from sncore.zoo.brunel import brunel

        net = brunel(order=50, seed=3, eta=2.0, delay=1.5)
        return net.sim, {"rec": net.recorder}
    sim = sn.Simulator(dt=0.1 * u.ms, seed=7, event_capacity=16)  # one rung: one compiled branch
    # an iaf_psc_exp block of two populations, an iaf_psc_alpha block, generators of every kind
    a = sim.create("iaf_psc_exp", 30, params={"I_e": 200.0 * u.pA}, init={"V_m": -60.0 * u.mV})
    b = sim.create("iaf_psc_exp", 13, params={"tau_syn_ex": 1.0 * u.ms})
    c = sim.create("iaf_psc_alpha", 21, params={"I_e": 300.0 * u.pA})
    pg = sim.create("poisson_generator", 2, params={"rate": [9000.0, 15000.0] * u.Hz})
    sim.connect(pg, a + b + c, weight=20.0 * u.pA, delay=1.0 * u.ms)  # all_to_all: 2 connections per target
    nz = sim.create("noise_generator", params={"mean": 50.0 * u.pA, "std": 100.0 * u.pA})
    sim.connect(nz, b)
    dc = sim.create("dc_generator", params={"amplitude": 100.0 * u.pA})
    sim.connect(dc, b[::2])
    sg = sim.create("spike_generator", params={"spike_times": [2.0, 5.0, 7.5] * u.ms})
    sim.connect(sg, a[:5], weight=500.0 * u.pA)
    # heterogeneous delays and weights of both signs: event path with per-synapse delays
    sim.connect(a + b, a + b + c, rule=sn.conn.fixed_indegree(6), weight=sn.conn.uniform(-80.0 * u.pA, 120.0 * u.pA),
                delay=sn.conn.uniform(0.2 * u.ms, 1.5 * u.ms), path="event")
    sim.connect(a, c, rule=sn.conn.fixed_outdegree(3), weight=90.0 * u.pA, delay=1.2 * u.ms, path="dense")
    sim.connect(c, a + b, rule=sn.conn.fixed_probability(0.2), weight=-150.0 * u.pA, delay=0.4 * u.ms, path="event")
    rec = sim.create("spike_recorder")
    sim.connect(a + b + c, rec)
    mm = sim.create("multimeter", params={"record_from": ["V_m"], "interval": 0.5 * u.ms})
    sim.connect(mm, b[3:9] + a[::7])
    return sim, {"rec": rec, "mm": mm}


def build_more(sn, u):
    """Escape noise (gif_cond_exp: one uniform per neuron and step), spike multiplicities
    (parrot_neuron), the BCOO path, inhomogeneous Poisson and scheduled currents."""
    sim = sn.Simulator(dt=0.1 * u.ms, seed=11, event_capacity=4)  # parrot bursts exceed it: a re-run
    g = sim.create("gif_cond_exp", 17, params={"I_e": 40.0 * u.pA})
    p = sim.create("parrot_neuron", 10)
    pg = sim.create("poisson_generator", 2, params={"rate": [3000.0, 6000.0] * u.Hz})
    sim.connect(pg, p)
    ip = sim.create("inhomogeneous_poisson_generator", params={
        "rate_times": [3.0, 12.0] * u.ms, "rate_values": [20000.0, 5000.0] * u.Hz})
    sim.connect(ip, g[2:15], weight=3.0 * u.nS, delay=0.5 * u.ms)
    sc = sim.create("step_current_generator", params={
        "amplitude_times": [5.0, 25.0] * u.ms, "amplitude_values": [60.0, -20.0] * u.pA})
    sim.connect(sc, g[::3])
    tc = sim.create("timed_current", params={"values": np.sin(np.arange(40) / 5.0) * 50.0 * u.pA, "dt": 1.0 * u.ms})
    sim.connect(tc, g[1::4], weight=2.0)
    sim.connect(p, g, rule=sn.conn.fixed_indegree(4), weight=2.0 * u.nS, delay=sn.conn.uniform(0.2 * u.ms, 2.0 * u.ms),
                path="event")
    sim.connect(g, g, rule=sn.conn.fixed_probability(0.3), weight=sn.conn.uniform(-4.0 * u.nS, 4.0 * u.nS),
                delay=0.8 * u.ms, path="bcoo")
    rec = sim.create("spike_recorder")
    sim.connect(g + p, rec)
    mm = sim.create("multimeter", params={"record_from": ["V_m", "g_ex"]})
    sim.connect(mm, g[::2])
    return sim, {"rec": rec, "mm": mm}


def run(case: str, k: int, sn, u, jax) -> dict:
    """Simulate ``case`` on the first ``k`` devices (0: the plain one-device run)."""
    sim, dev = build_more(sn, u) if case == "more" else build(case, sn, u)
    res = sim.simulate(20.0 * u.ms, devices=jax.devices()[:k] if k else None)
    res2 = sim.simulate(20.0 * u.ms)  # a second call continues from the sharded state
    data = {}
    for name, r in (("a", res), ("b", res2)):
        t, s = r.spikes(dev["rec"])
        data[f"{name}_times"] = np.asarray(t.to_decimal(u.ms))
        data[f"{name}_senders"] = np.asarray(s)
        data[f"{name}_retries"] = np.asarray(r.capacity_retries)
        data[f"{name}_counts"] = np.concatenate([np.asarray(c) for _, c in sorted(r.counts.items())])
        if "mm" in dev:
            ev = r.events(dev["mm"])
            data[f"{name}_mm_times"] = np.asarray(ev["times"].to_decimal(u.ms))
            data[f"{name}_mm_V"] = np.asarray(ev["V_m"].to_decimal(u.mV))
            data[f"{name}_mm_senders"] = np.asarray(ev["senders"])
    for b, st in sim.neuron_state().items():
        for f, v in st._asdict().items():
            data[f"state_{b}_{f}"] = np.asarray(v)
    return data


def main():
    args = sys.argv[1:]
    pid = 0
    if "--distributed" in sys.argv:
        i = sys.argv.index("--distributed")
        args = sys.argv[1:i]
        port, pid, nproc = sys.argv[i + 1], int(sys.argv[i + 2]), int(sys.argv[i + 3])
        import jax

        jax.distributed.initialize(coordinator_address=f"localhost:{port}", num_processes=nproc,
                                   process_id=pid)
    import brainunit as u
    import jax

    import sncore as sn

    for j in range(0, len(args), 3):  # CASE K[,K...] OUT triples
        case, ks, out = args[j], [int(k) for k in args[j + 1].split(",")], args[j + 2]
        data = {}
        for k in ks:
            data.update({f"k{k}_{name}": v for name, v in run(case, k, sn, u, jax).items()})
        np.savez(out if pid == 0 else f"{out}.{pid}.npz", **data)


if __name__ == "__main__":
    main()

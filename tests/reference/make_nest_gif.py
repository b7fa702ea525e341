"""Regenerate the NEST 3.10 reference data of gif_cond_exp (tests/test_nonlinear_models.py).

    /work/peers/nest/bin/python tests/reference/make_nest_gif.py

Three protocols, written to tests/reference/nest_gif.json:

* ``silent``: lambda_0 tiny (no spike in practice), so V_m is the deterministic
  subthreshold trace under a dc step and excitatory/inhibitory conductance spikes;
* ``forced``: lambda_0 and Delta_V huge, so the firing probability is exactly 1 whenever
  the neuron is not refractory: a deterministic spike train that exercises the reset
  clamp, the spike-triggered currents and the threshold kernels (V_m, I_stc, E_sfa traces);
* ``stats``: a population of independent neurons with moderate escape noise and
  adaptation; the per-neuron spike counts (sncore draws other random numbers, so only
  the statistics are compared).
"""

import json
import pathlib

import nest

DT = 0.1
KERNELS = {"tau_stc": [10.0, 100.0], "q_stc": [30.0, 5.0], "tau_sfa": [20.0, 200.0], "q_sfa": [8.0, 1.0]}
PROTOCOL = {
    "dt": DT,
    "silent": {"T": 100.0, "params": {"lambda_0": 1e-12, "I_e": 40.0, **KERNELS},
               "dc": {"amplitude": 60.0, "start": 20.0, "stop": 70.0, "delay": 1.0},
               "spikes": {"times": [10.0, 30.0, 50.0, 52.0, 80.0], "weights": [3.0, -2.0, 5.0, 4.0, -6.0],
                          "delay": 1.5}},
    "forced": {"T": 60.0, "params": {"lambda_0": 1e12, "Delta_V": 1000.0, "I_e": 100.0, "t_ref": 4.0,
                                     **KERNELS}},
    "stats": {"T": 1000.0, "n": 400, "seed": 12,
              "params": {"lambda_0": 100.0, "Delta_V": 2.0, "V_T_star": -52.0, "I_e": 90.0, **KERNELS}},
}


def _reset(seed=1):
    nest.ResetKernel()
    nest.set(resolution=DT, local_num_threads=1, rng_seed=seed)


def silent() -> dict:
    spec = PROTOCOL["silent"]
    _reset()
    n = nest.Create("gif_cond_exp", params=spec["params"])
    dc = spec["dc"]
    g = nest.Create("dc_generator", params={k: dc[k] for k in ("amplitude", "start", "stop")})
    nest.Connect(g, n, syn_spec={"delay": dc["delay"]})
    sp = spec["spikes"]
    for t, w in zip(sp["times"], sp["weights"]):
        sg = nest.Create("spike_generator", params={"spike_times": [t]})
        nest.Connect(sg, n, syn_spec={"weight": w, "delay": sp["delay"]})
    return _record(n, spec["T"], ["V_m", "g_ex", "g_in"])


def forced() -> dict:
    spec = PROTOCOL["forced"]
    _reset()
    n = nest.Create("gif_cond_exp", params=spec["params"])
    return _record(n, spec["T"], ["V_m", "I_stc", "E_sfa"])


def _record(n, T, names) -> dict:
    mm = nest.Create("multimeter", params={"record_from": names, "interval": DT})
    nest.Connect(mm, n)
    rec = nest.Create("spike_recorder")
    nest.Connect(n, rec)
    nest.Simulate(T)
    ev = mm.get("events")
    out = {k: [float(x) for x in ev[k]] for k in ["times", *names]}
    out["spike_times"] = [float(x) for x in rec.get("events")["times"]]
    return out


def stats() -> dict:
    spec = PROTOCOL["stats"]
    _reset(spec["seed"])
    n = nest.Create("gif_cond_exp", spec["n"], params=spec["params"])
    rec = nest.Create("spike_recorder")
    nest.Connect(n, rec)
    nest.Simulate(spec["T"])
    senders = rec.get("events")["senders"]
    first = n.global_id if spec["n"] == 1 else n[0].global_id
    counts = [0] * spec["n"]
    for s in senders:
        counts[int(s) - first] += 1
    return {"counts": counts}


def main() -> None:
    out = {"nest_version": nest.__version__, "protocol": PROTOCOL,
           "data": {"silent": silent(), "forced": forced(), "stats": stats()}}
    path = pathlib.Path(__file__).with_name("nest_gif.json")
    path.write_text(json.dumps(out, indent=1))
    d = out["data"]
    print("silent spikes", d["silent"]["spike_times"], "forced spikes", d["forced"]["spike_times"][:8])
    c = d["stats"]["counts"]
    print("stats mean count", sum(c) / len(c))


if __name__ == "__main__":
    main()

"""NEST 3.10 reference data for the stimulus devices (tests/test_stimuli.py).

Run with a Python that has NEST:

    /work/peers/nest/bin/python tests/reference/make_nest_stimuli.py

Writes tests/reference/nest_stimuli.json:

* ``step_current``: V_m every step and spike times of ``iaf_psc_exp`` and ``iaf_psc_delta``
  driven by a step_current_generator (several steps, a start/stop window, a weight and a
  delay) plus an off-grid schedule (``allow_offgrid_times``); sncore must match within 1e-6 mV.
* ``noise``: ``counter`` neurons (iaf_psc_delta with tau_m -> inf, so V_m integrates the
  current: ``dV = I dt / C_m``) give the steps at which NEST's noise current changes and the
  per-interval current statistics; ``free`` iaf_psc_exp neurons give samples of the
  free-membrane V_m for a variance comparison.
* ``inhom``: counter neurons (weight 1 mV per spike) give the per-step total spike count of
  an inhomogeneous_poisson_generator over many targets (rate schedule + start/stop window).

NEST's random streams differ from sncore's: the random parts are compared by statistics and
by the steps at which things change, not value by value.
"""

import json
import pathlib

import nest
import numpy as np

DT = 0.1
PROTOCOL = {
    "dt": DT,
    "step_current": {
        "T": 60.0,
        "times": [2.0, 8.0, 12.5, 20.0, 31.0, 40.0, 48.0],
        "values": [150.0, 420.0, -200.0, 650.0, 300.0, 900.0, 0.0],
        "start": 5.0, "stop": 45.0, "weight": 1.5, "delay": 1.3,
        "offgrid": {"times": [3.03, 9.15, 30.0], "values": [200.0, -100.0, 400.0], "delay": 0.1},
        "models": {
            "iaf_psc_exp": {"tau_m": 12.0, "t_ref": 2.5, "tau_syn_ex": 1.5, "tau_syn_in": 4.0},
            "iaf_psc_delta": {"tau_m": 12.0, "t_ref": 2.5},
        },
    },
    "noise": {
        "mean": 40.0, "std": 150.0, "dt": 0.5, "start": 2.0, "stop": 28.0, "delay": 1.0,
        "T_counter": 32.0, "n_counter": 200,
        "n_free": 1000, "T_free": 200.0, "sample_times": [80.0, 120.0, 160.0, 200.0],
        "free_params": {"tau_m": 10.0, "C_m": 250.0, "V_th": 1e9, "E_L": 0.0, "V_m": 0.0},
        "free_noise": {"mean": 0.0, "std": 200.0},
    },
    "inhom": {
        "rate_times": [4.0, 10.0, 16.3, 22.0], "rate_values": [2000.0, 0.0, 5000.0, 1000.0],
        "start": 7.0, "stop": 25.0, "delay": 1.0, "n": 1000, "T": 30.0,
    },
}
COUNTER = {"tau_m": 1e9, "V_th": 1e9, "E_L": 0.0, "V_m": 0.0, "C_m": 1.0, "t_ref": 0.1}


def _reset():
    nest.ResetKernel()
    nest.set(resolution=DT, local_num_threads=1, rng_seed=12345)


def _vm(mm, n):
    ev = mm.get("events")
    order = np.lexsort((ev["senders"], ev["times"]))
    t = np.asarray(ev["times"])[order].reshape(-1, n)[:, 0]
    return t, np.asarray(ev["V_m"])[order].reshape(-1, n)


def step_current(model: str, params: dict) -> dict:
    P = PROTOCOL["step_current"]
    _reset()
    n = nest.Create(model, 2, params=params)
    g = nest.Create("step_current_generator", params={
        "amplitude_times": P["times"], "amplitude_values": P["values"], "start": P["start"], "stop": P["stop"]})
    nest.Connect(g, n[0], syn_spec={"weight": P["weight"], "delay": P["delay"]})
    o = P["offgrid"]
    g2 = nest.Create("step_current_generator", params={
        "allow_offgrid_times": True, "amplitude_times": o["times"], "amplitude_values": o["values"]})
    nest.Connect(g2, n[1], syn_spec={"delay": o["delay"]})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": DT})
    nest.Connect(mm, n)
    rec = nest.Create("spike_recorder")
    nest.Connect(n, rec)
    nest.Simulate(P["T"])
    t, v = _vm(mm, 2)
    ev = rec.get("events")
    return {"times": t.tolist(), "V_m": v.T.tolist(),
            "spike_times": [[float(x) for x, s in zip(ev["times"], ev["senders"]) if s == i.global_id] for i in n]}


def noise() -> dict:
    P = PROTOCOL["noise"]
    _reset()
    n = nest.Create("iaf_psc_delta", P["n_counter"], params=COUNTER)
    g = nest.Create("noise_generator", params={k: P[k] for k in ("mean", "std", "dt", "start", "stop")})
    nest.Connect(g, n, syn_spec={"delay": P["delay"]})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": DT})
    nest.Connect(mm, n)
    nest.Simulate(P["T_counter"])
    t, v = _vm(mm, P["n_counter"])
    cur = np.diff(np.vstack([np.zeros(P["n_counter"]), v]), axis=0) / DT  # pA (C_m = 1 pF)
    change = np.nonzero(np.any(np.abs(np.diff(cur, axis=0)) > 1e-6, axis=1))[0] + 1
    on = np.nonzero(np.any(np.abs(cur) > 1e-3, axis=1))[0]
    # per-interval values: the current in the first step of each interval between changes
    bounds = np.concatenate([[on[0]], change[change > on[0]]])
    vals = cur[bounds[bounds <= on[-1]]]
    out = {"stamps": t.tolist(), "change_stamps": t[change].tolist(),
           "on_first": float(t[on[0]]), "on_last": float(t[on[-1]]),
           "interval_mean": float(vals.mean()), "interval_var": float(vals.var(ddof=1)),
           "n_values": int(vals.size)}
    _reset()
    F = P["free_noise"]
    n = nest.Create("iaf_psc_exp", P["n_free"], params=P["free_params"])
    g = nest.Create("noise_generator", params={"mean": F["mean"], "std": F["std"], "dt": P["dt"]})
    nest.Connect(g, n, syn_spec={"delay": P["delay"]})
    samples = []
    last = 0.0
    for ts in P["sample_times"]:
        nest.Simulate(ts - last)
        last = ts
        samples.append([float(x) for x in n.get("V_m")])
    out["free_V"] = samples
    return out


def inhom() -> dict:
    P = PROTOCOL["inhom"]
    _reset()
    n = nest.Create("iaf_psc_delta", P["n"], params=COUNTER)
    g = nest.Create("inhomogeneous_poisson_generator", params={
        k: P[k] for k in ("rate_times", "rate_values", "start", "stop")})
    nest.Connect(g, n, syn_spec={"weight": 1.0, "delay": P["delay"]})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": DT})
    nest.Connect(mm, n)
    nest.Simulate(P["T"])
    t, v = _vm(mm, P["n"])
    counts = np.rint(np.diff(np.vstack([np.zeros(P["n"]), v]), axis=0)).astype(int)
    return {"stamps": t.tolist(), "total": counts.sum(axis=1).tolist()}


def main() -> None:
    sc = PROTOCOL["step_current"]
    out = {"nest_version": nest.__version__, "protocol": PROTOCOL, "counter": COUNTER,
           "step_current": {m: step_current(m, p) for m, p in sc["models"].items()},
           "noise": noise(), "inhom": inhom()}
    path = pathlib.Path(__file__).with_name("nest_stimuli.json")
    path.write_text(json.dumps(out))
    for m, d in out["step_current"].items():
        print(m, "spikes", d["spike_times"])
    print("noise", {k: v for k, v in out["noise"].items() if k not in ("stamps", "free_V")})
    print("inhom nonzero", [out["inhom"]["stamps"][i] for i in np.nonzero(out["inhom"]["total"])[0][[0, -1]]])


if __name__ == "__main__":
    main()

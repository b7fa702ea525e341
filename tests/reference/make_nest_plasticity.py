"""Regenerate the NEST reference for synaptic plasticity (tests/test_plasticity.py).

Run with a Python that has NEST (see benchmarks/README.md, "Installing the peers"):

    /work/peers/nest/bin/python tests/reference/make_nest_plasticity.py

Spikes are placed exactly with relay neurons: a spike_generator drives an iaf_psc_delta
with a 100 mV weight, which fires in the step its input arrives (time t + delay). The same
network is built in sncore by the tests.

* STDP pairing: pair i has a pre relay and a post relay; the pre relay reaches the post
  relay through one stdp_synapse (dendritic delay 1.5 ms); pre fires at the pairing times
  ``T_k``, post at ``T_k + dt_i`` (dt_i from -50 to +50 ms), then a last pre spike lets
  NEST apply pending facilitation. Final weights per pair, for two parameter sets
  (multiplicative and additive).
* STP: a pre relay fires a regular 20 Hz train then a recovery spike; it drives an
  iaf_psc_exp (high threshold) through tsodyks_synapse / tsodyks2_synapse: the membrane
  trace carries the postsynaptic amplitudes; final u, x (, y) of the synapse.
"""

import json
import pathlib

import nest

DT = 0.1
RELAY = {"E_L": 0.0, "V_reset": 0.0, "V_th": 15.0, "V_m": 0.0, "tau_m": 10.0, "t_ref": 2.0}
SG_DELAY = 1.0
STDP = {
    "dts": [-50.0, -30.0, -20.0, -10.0, -5.0, -2.0, -1.0, 0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 50.0],
    "pair_times": [100.0, 300.0, 500.0, 700.0, 900.0],
    "final_pre": 1400.0,
    "T": 1500.0,
    "delay": 1.5,
    "w0": 5.0,
    "tau_minus": 30.0,
    "sets": {
        "multiplicative": {"tau_plus": 15.0, "lambda": 0.05, "alpha": 1.1, "mu_plus": 1.0,
                           "mu_minus": 1.0, "Wmax": 10.0},
        "additive": {"tau_plus": 15.0, "lambda": 0.02, "alpha": 1.2, "mu_plus": 0.0,
                     "mu_minus": 0.0, "Wmax": 10.0},
    },
}
STP = {
    "train": [50.0 + 50.0 * i for i in range(10)] + [1000.0],
    "T": 1100.0,
    "delay": 1.0,
    "target": {"E_L": 0.0, "V_m": 0.0, "V_th": 1e6, "tau_m": 20.0, "C_m": 250.0,
               "tau_syn_ex": 3.0, "tau_syn_in": 3.0},
    "models": {
        "tsodyks_synapse": {"weight": 500.0, "U": 0.3, "tau_psc": 3.0, "tau_rec": 400.0, "tau_fac": 100.0},
        "tsodyks2_synapse": {"weight": 500.0, "U": 0.3, "u": 0.3, "tau_rec": 400.0, "tau_fac": 100.0},
        "tsodyks2_depressing": {"weight": 500.0, "U": 0.6, "u": 0.6, "tau_rec": 200.0, "tau_fac": 0.0},
    },
}


def relay(times):
    sg = nest.Create("spike_generator", params={"spike_times": times})
    n = nest.Create("iaf_psc_delta", params=RELAY)
    nest.Connect(sg, n, syn_spec={"weight": 100.0, "delay": SG_DELAY})
    return n


def stdp_run(params: dict) -> list[float]:
    nest.ResetKernel()
    nest.set(resolution=DT, local_num_threads=1)
    weights = []
    conns = []
    for dt_i in STDP["dts"]:
        pre = relay(STDP["pair_times"] + [STDP["final_pre"]])
        post = relay([t + dt_i for t in STDP["pair_times"]])
        post.set(tau_minus=STDP["tau_minus"])
        nest.Connect(pre, post, syn_spec={"synapse_model": "stdp_synapse", "weight": STDP["w0"],
                                          "delay": STDP["delay"], **params})
        conns.append(nest.GetConnections(pre, post))
    nest.Simulate(STDP["T"])
    for c in conns:
        weights.append(float(c.get("weight")))
    return weights


def stp_run(name: str, params: dict) -> dict:
    nest.ResetKernel()
    nest.set(resolution=DT, local_num_threads=1)
    model = "tsodyks2_synapse" if name.startswith("tsodyks2") else name
    pre = relay(STP["train"])
    tgt = nest.Create("iaf_psc_exp", params=STP["target"])
    nest.Connect(pre, tgt, syn_spec={"synapse_model": model, "delay": STP["delay"], **params})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": DT})
    nest.Connect(mm, tgt)
    nest.Simulate(STP["T"])
    c = nest.GetConnections(pre, tgt)
    ev = mm.get("events")
    keys = ("u", "x", "y") if model == "tsodyks_synapse" else ("u", "x")
    return {"times": [float(x) for x in ev["times"]], "V_m": [float(x) for x in ev["V_m"]],
            "final": {k: float(c.get(k)) for k in keys}}


def main() -> None:
    out = {"nest_version": nest.__version__, "dt": DT, "relay": RELAY, "sg_delay": SG_DELAY,
           "stdp": STDP, "stp": STP,
           "stdp_weights": {k: stdp_run(p) for k, p in STDP["sets"].items()},
           "stp_data": {k: stp_run(k, p) for k, p in STP["models"].items()}}
    path = pathlib.Path(__file__).with_name("nest_plasticity.json")
    path.write_text(json.dumps(out, indent=1))
    for k, w in out["stdp_weights"].items():
        print(k, [round(x, 4) for x in w])
    for k, d in out["stp_data"].items():
        print(k, d["final"], max(d["V_m"]))


if __name__ == "__main__":
    main()

"""Brunel (2000) delta network benchmark: sncore against NEST and Brian2.

Builds the sparse E/I network of NEST's ``brunel_delta_nest.py`` (``iaf_psc_delta``,
order ``N``: 4N excitatory and N inhibitory neurons, in-degrees 0.1*4N and 0.1*N, one
Poisson generator driving every neuron, 1.5 ms delays, dt = 0.1 ms) and times, for each
order:

* sncore, in this process, on ``--repeats`` fresh Simulators: network build (create +
  connect), the first ``simulate(T)`` split into engine build, compile and run (its
  ``Result.build_s``, ``compile_s``, ``run_s``), and a second ``simulate(T)`` on the same
  Simulator, whose ``run_s`` is the steady-state simulate time. ``run_s`` is measured
  around ``jax.block_until_ready`` inside sncore, so it is finished work, not dispatch;
  it includes moving each chunk's recordings to the host.
* NEST and Brian2 (``cpp_standalone``), each as a subprocess in its own virtual
  environment, with 2 threads (``local_num_threads`` / ``openmp_threads``); a peer whose
  Python is missing is skipped. Their scripts are in ``benchmarks/peers/``.

Medians over the repeats are printed as a table with the ratio sncore/peer of the
steady-state simulate time, and written with every single run to a JSON file.

Usage:
    python benchmarks/brunel.py                       # orders 100 and 2500, 3 repeats
    python benchmarks/brunel.py --orders 100 --repeats 5 --no-peers
    python benchmarks/brunel.py --peer-env OMP_WAIT_POLICY=PASSIVE   # on a loaded machine
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from _harness import Run, _fmt, environment, medians, run_script

HERE = Path(__file__).resolve().parent
PEER_SCRIPTS = {"nest": HERE / "peers" / "nest_brunel.py",
                "brian2": HERE / "peers" / "brian2_brunel.py"}
PEER_LABELS = {"nest": "NEST", "brian2": "Brian2 cpp_standalone"}



@dataclass(frozen=True)
class Brunel:
    """Parameters of the Brunel delta network at a given order (plain floats: mV, ms, Hz)."""

    order: int
    g: float = 5.0
    eta: float = 2.0
    epsilon: float = 0.1
    J: float = 0.1          # mV, excitatory weight; inhibitory is -g*J
    delay: float = 1.5      # ms
    tau_m: float = 20.0     # ms
    theta: float = 20.0     # mV
    t_ref: float = 2.0      # ms

    @property
    def n_e(self) -> int:
        return 4 * self.order

    @property
    def n_i(self) -> int:
        return self.order

    @property
    def c_e(self) -> int:
        return int(self.epsilon * self.n_e)

    @property
    def c_i(self) -> int:
        return int(self.epsilon * self.n_i)

    @property
    def p_rate(self) -> float:
        """Rate of the Poisson drive (Hz): 1000 * eta * nu_th * CE, nu_th = theta/(J*CE*tau_m)."""
        nu_th = self.theta / (self.J * self.c_e * self.tau_m)
        return 1000.0 * self.eta * nu_th * self.c_e

    @property
    def n_recurrent(self) -> int:
        """Number of recurrent synapses, N * (CE + CI)."""
        return (self.n_e + self.n_i) * (self.c_e + self.c_i)

    def describe(self) -> dict[str, Any]:
        return {**asdict(self), "NE": self.n_e, "NI": self.n_i, "CE": self.c_e, "CI": self.c_i,
                "p_rate_Hz": self.p_rate, "n_recurrent": self.n_recurrent}


# ---------------------------------------------------------------------------------- sncore
def build_sncore(net: Brunel, seed: int, dt_ms: float, kernels: str = "auto"):
    """Create and connect the network in a fresh sncore Simulator.

    Returns ``(sim, ne, ni)``: the Simulator and the excitatory and inhibitory populations.
    """
    import brainunit as u

    import sncore as sn

    sim = sn.Simulator(dt=dt_ms * u.ms, seed=seed, kernels=kernels)
    params = {"C_m": 1 * u.pF, "tau_m": net.tau_m * u.ms, "t_ref": net.t_ref * u.ms,
              "E_L": 0 * u.mV, "V_reset": 0 * u.mV, "V_th": net.theta * u.mV}
    init = {"V_m": 0 * u.mV}
    ne = sim.create("iaf_psc_delta", net.n_e, params=params, init=init)
    ni = sim.create("iaf_psc_delta", net.n_i, params=params, init=init)
    noise = sim.create("poisson_generator", params={"rate": net.p_rate * u.Hz})
    delay = net.delay * u.ms
    sim.connect(noise, ne + ni, weight=net.J * u.mV, delay=delay)
    sim.connect(ne, ne + ni, rule=sn.conn.fixed_indegree(net.c_e),
                weight=net.J * u.mV, delay=delay)
    sim.connect(ni, ne + ni, rule=sn.conn.fixed_indegree(net.c_i),
                weight=-net.g * net.J * u.mV, delay=delay)
    rec = sim.create("spike_recorder")
    sim.connect(ne[:50], rec)
    return sim, ne, ni


def time_sncore(net: Brunel, seed: int, dt_ms: float, t_ms: float, kernels: str = "auto") -> Run:
    """One fresh Simulator: build, first simulate (compile + run), second simulate (steady)."""
    import brainunit as u

    t0 = time.perf_counter()
    sim, ne, ni = build_sncore(net, seed, dt_ms, kernels)
    build_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    first = sim.simulate(t_ms * u.ms, progress=False)
    first_wall_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    second = sim.simulate(t_ms * u.ms, progress=False)
    steady_wall_s = time.perf_counter() - t0

    run: Run = {
        "build_s": build_s,
        "engine_build_s": float(getattr(first, "build_s", 0.0)),
        "compile_s": first.compile_s,
        "run_s": first.run_s,
        "first_simulate_wall_s": first_wall_s,
        "steady_compile_s": second.compile_s,
        "steady_run_s": second.run_s,
        "steady_simulate_wall_s": steady_wall_s,
        "capacity_retries": first.capacity_retries + second.capacity_retries,
        "kernels": first.event_kernel,
        "rate_E": float(first.rate(ne) / u.Hz),
        "rate_I": float(first.rate(ni) / u.Hz),
        "steady_rate_E": float(second.rate(ne) / u.Hz),
        "steady_rate_I": float(second.rate(ni) / u.Hz),
    }
    del sim, first, second
    gc.collect()
    return run


# ----------------------------------------------------------------------------------- peers
def run_peer(name: str, python: Path, net: Brunel, seed: int, dt_ms: float, t_ms: float,
             threads: int, timeout_s: float, env: dict[str, str] | None = None) -> Run:
    """Run one peer script as a subprocess and return its JSON (or ``{"error": ...}``)."""
    args = ["--order", str(net.order), "--seed", str(seed), "--T", str(t_ms), "--dt", str(dt_ms),
            "--threads", str(threads)]
    return run_script(python, PEER_SCRIPTS[name], args, timeout_s, env)


def print_table(results: list[dict[str, Any]]) -> None:
    """Median timings per order and simulator, with the sncore/peer simulate-time ratio."""
    head = (f"{'order':>6} {'simulator':<22} {'build s':>9} {'compile s':>10} "
            f"{'1st run s':>10} {'steady s':>9} {'rate E':>7} {'rate I':>7} {'sncore/peer':>12}")
    print(head)
    print("-" * len(head))
    for entry in results:
        for name in ("sncore", "sncore_xla", "nest", "brian2"):
            if name not in entry:
                continue
            m = entry[name]["median"]
            label = {"sncore": f"sncore ({m.get('kernels', 'xla')})", "sncore_xla": "sncore (xla)"}.get(
                name, PEER_LABELS.get(name, name))
            if "error" in m:
                print(f"{entry['order']:>6} {label:<22} failed: {m['error']}")
                continue
            build = m["build_s"] + m.get("engine_build_s", 0.0)
            ratio = entry.get("ratio_simulate", {}).get(name)
            print(f"{entry['order']:>6} {label:<22} {_fmt(build, 9)} {_fmt(m['compile_s'], 10)} "
                  f"{_fmt(m['run_s'], 10)} {_fmt(m['steady_run_s'], 9)} "
                  f"{_fmt(m['rate_E'], 7, 2)} {_fmt(m['rate_I'], 7, 2)} "
                  f"{_fmt(ratio, 12, 2)}")
    print("build: sncore create+connect + engine build in the first simulate; NEST create+connect; "
          "Brian2 objects + binary set-up.\ncompile: sncore XLA compile; NEST Prepare(); "
          "Brian2 code generation + C++ compile.\nsteady: sncore second simulate(T) run_s; "
          "NEST second Run(T); Brian2 the binary's run loop.\n"
          "sncore/peer: ratio of the steady simulate times (< 1: sncore faster).")


# ------------------------------------------------------------------------------------- main
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Brunel delta network: sncore vs NEST and Brian2.")
    ap.add_argument("--orders", type=int, nargs="+", default=[100, 2500],
                    help="network orders (N = 5*order neurons); default: 100 2500")
    ap.add_argument("--repeats", type=int, default=3,
                    help="fresh sncore Simulators per order (medians reported); default 3")
    ap.add_argument("--peer-repeats", type=int, default=None,
                    help="runs of each peer per order (default: --repeats)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--T", type=float, default=1000.0, help="biological time per simulate (ms)")
    ap.add_argument("--dt", type=float, default=0.1, help="resolution (ms)")
    ap.add_argument("--threads", type=int, default=2, help="threads of each peer; default 2")
    ap.add_argument("--nest-python", type=Path, default=Path("/work/peers/nest/bin/python"))
    ap.add_argument("--brian2-python", type=Path, default=Path("/work/peers/brian2/bin/python"))
    ap.add_argument("--peer-env", action="append", default=[], metavar="KEY=VALUE",
                    help="environment variable for the peer subprocesses (repeatable); on a "
                         "shared, loaded machine OMP_WAIT_POLICY=PASSIVE keeps OpenMP's "
                         "spin-waiting from inflating the peers' times")
    ap.add_argument("--no-peers", action="store_true", help="time sncore only")
    ap.add_argument("--xla", action="store_true", help="also time sncore's pure-XLA path (kernels='xla')")
    ap.add_argument("--peer-timeout", type=float, default=1800.0,
                    help="seconds before a peer run is abandoned; default 1800")
    ap.add_argument("--json", type=Path, default=HERE / "results" / "brunel.json",
                    help="output file; default benchmarks/results/brunel.json")
    a = ap.parse_args(argv)
    if a.repeats < 1 or (a.peer_repeats is not None and a.peer_repeats < 1):
        ap.error("--repeats and --peer-repeats must be >= 1")
    bad = [kv for kv in a.peer_env if "=" not in kv or kv.startswith("=")]
    if bad:
        ap.error(f"--peer-env takes KEY=VALUE, got {bad[0]!r}")
    a.peer_env = dict(kv.split("=", 1) for kv in a.peer_env)
    return a


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    peer_repeats = a.repeats if a.peer_repeats is None else a.peer_repeats
    pythons = {"nest": a.nest_python, "brian2": a.brian2_python}
    peers: list[str] = []
    if not a.no_peers:
        for name, py in pythons.items():
            if py.exists():
                peers.append(name)
            else:
                print(f"[brunel] {PEER_LABELS[name]}: no Python at {py}; skipped", file=sys.stderr)

    results: list[dict[str, Any]] = []
    for order in a.orders:
        net = Brunel(order)
        entry: dict[str, Any] = {"order": order, "network": net.describe()}
        runs = []
        for r in range(a.repeats):
            print(f"[brunel] sncore order {order}: run {r + 1}/{a.repeats}", file=sys.stderr)
            runs.append(time_sncore(net, a.seed, a.dt, a.T))
        entry["sncore"] = {"median": medians(runs), "runs": runs}
        if a.xla:
            xruns = [time_sncore(net, a.seed, a.dt, a.T, kernels="xla") for _ in range(a.repeats)]
            entry["sncore_xla"] = {"median": medians(xruns), "runs": xruns}
        for name in peers:
            pruns = []
            for r in range(peer_repeats):
                print(f"[brunel] {PEER_LABELS[name]} order {order}: run {r + 1}/{peer_repeats}",
                      file=sys.stderr)
                pruns.append(run_peer(name, pythons[name], net, a.seed, a.dt, a.T, a.threads,
                                      a.peer_timeout, a.peer_env))
                if "error" in pruns[-1]:
                    print(f"[brunel]   failed: {pruns[-1]['error']}", file=sys.stderr)
            entry[name] = {"median": medians(pruns), "runs": pruns}
        sn_steady = entry["sncore"]["median"]["steady_run_s"]
        entry["ratio_simulate"] = {
            name: sn_steady / entry[name]["median"]["steady_run_s"]
            for name in peers if "error" not in entry[name]["median"]}
        if "sncore_xla" in entry:  # the XLA path against the fastest peer
            best = min((entry[n]["median"]["steady_run_s"] for n in peers if "error" not in entry[n]["median"]),
                       default=None)
            if best:
                entry["ratio_simulate"]["sncore_xla"] = entry["sncore_xla"]["median"]["steady_run_s"] / best
        results.append(entry)

    print_table(results)
    a.json.parent.mkdir(parents=True, exist_ok=True)
    doc = {"benchmark": "brunel_delta", "T_ms": a.T, "dt_ms": a.dt, "seed": a.seed,
           "repeats": a.repeats, "peer_repeats": peer_repeats, "peer_threads": a.threads,
           "peer_env": a.peer_env, "environment": environment(), "results": results}
    a.json.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``sncore hdl ...`` subcommands (registered by :mod:`sncore.cli`).

    sncore hdl lower NETWORK --out DIR [--steps N] [--core tm|event] [format options]
    sncore hdl cosim NETWORK --steps N [--core tm|event] [--simulator iverilog|verilator|all] [--out DIR]
    sncore hdl report DIR [--target ice40|xc7|all] [--pnr]

``NETWORK`` is ``demo`` (a random 3-population network, :func:`sncore.hdl.ir.demo_network`), a
zoo name (:data:`sncore.zoo.NETWORKS`, e.g. ``brunel --order 2``: converted by
:func:`~sncore.hdl.ir.from_simulator`, Poisson drive from on-chip LFSRs), or a Python file defining
``build()`` that returns a :class:`~sncore.hdl.ir.NetworkIR` or a ``sncore.Simulator``
(``iaf_psc_delta`` + ``spike_generator`` / ``poisson_generator``), or a ``.nir`` file
(:func:`~sncore.hdl.nir.from_nir`; ``dt`` from its metadata, default 1 ms; Bernoulli(0.1) inputs).  Format options left out take
the network's suggestion (:data:`SUGGESTED`) or the global defaults.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from ..units import SncoreError

__all__ = ["SUGGESTED", "add_parser", "run"]

#: quantisation defaults per zoo network (Brunel: J = 0.1 mV needs 7 fractional weight bits;
#: tau_m = 20 ms at dt = 0.1 ms is a shift of 8, i.e. a 22 % slower decay than exp(-dt/tau_m))
SUGGESTED = {"brunel": {"state": "16,7", "weight": "8,7", "leak_tol": 0.25}}
DEFAULTS = {"state": "16,6", "weight": "8,3", "leak_tol": 0.2}


def _fmt(text: str):
    from .quant import FixedFormat

    try:
        w, f = (int(x) for x in text.split(","))
    except ValueError:
        raise SncoreError(f"format must be WIDTH,FRAC (e.g. 16,6), got {text!r}.") from None
    return FixedFormat(w, f)


def load_network(name: str, steps: int, seed: int = 0, order: int | None = None, **lower):
    """``demo``, a zoo name or a Python file with ``build()`` -> NetworkIR.  ``order`` goes to zoo
    networks that take it; ``lower`` (``lfsr_width``, ``p_max``, ...) to :func:`from_simulator`."""
    from ..zoo import NETWORKS
    from .ir import NetworkIR, demo_network, from_simulator

    if name == "demo":
        return demo_network(seed=seed, steps=steps)
    if name in NETWORKS:
        entry = NETWORKS[name]
        kw = {"order": order} if order is not None and any(o.name == "order" for o in entry.options) else {}
        return from_simulator(entry.build(seed=seed + 1, n_record=0, **kw).sim, steps, lfsr_seed=seed, **lower)
    path = Path(name)
    if path.suffix == ".nir" and path.is_file():
        return _load_nir(path, steps, seed)
    if not path.is_file():
        raise SncoreError(f"hdl: NETWORK {name!r} is neither 'demo', a zoo network ({sorted(NETWORKS)}) nor a "
                          "Python file.")
    spec = importlib.util.spec_from_file_location(f"sncore_hdl_user_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    if not hasattr(mod, "build"):
        raise SncoreError(f"hdl: {name} defines no build() function.")
    net = mod.build()
    if isinstance(net, NetworkIR):
        return net
    if hasattr(net, "groups") and hasattr(net, "connections"):
        return from_simulator(net, steps, **lower)
    raise SncoreError(f"hdl: build() in {name} returned {type(net).__name__}; allowed: NetworkIR or Simulator.")


def _load_nir(path: Path, steps: int, seed: int):
    """A NIR file: ``dt`` from its metadata (default 1 ms), Bernoulli(0.1) input spikes from ``seed``."""
    import nir
    import numpy as np

    from .nir import from_nir

    graph = nir.read(str(path))
    dt = float(graph.metadata.get("dt", 1.0)) if getattr(graph, "metadata", None) else 1.0
    rng = np.random.default_rng(seed)
    spikes = {k: rng.random((steps, int(np.prod(np.asarray(v.input_type["input"]))))) < 0.1
              for k, v in graph.nodes.items() if type(v).__name__ == "Input"}
    return from_nir(graph, dt, spikes=spikes)


def _config(args):
    from .quant import QuantConfig

    sug = DEFAULTS | SUGGESTED.get(args.network, {})
    pick = (lambda key: sug[key] if getattr(args, key) is None else getattr(args, key))
    return QuantConfig(state=_fmt(pick("state")), weight=_fmt(pick("weight")), rounding=args.rounding,
                       overflow=args.overflow, compare=args.compare, reset=args.reset, leak_tol=pick("leak_tol"))


def _hz(acc: dict, dt: float) -> dict:
    """Add the mean rates in Hz to an accuracy report."""
    return acc | {"rate_fixed_Hz": acc["rate_fixed_per_step"] * 1e3 / dt,
                  "rate_float_Hz": acc["rate_float_per_step"] * 1e3 / dt}


def input_summary(net, q, x) -> dict:
    """Input channels; for LFSR channels the measured spike probability per step vs the mean ``p``
    and its binomial standard error."""
    import numpy as np

    out = {"channels": int(q.m), "lfsr_channels": len(q.lfsr)}
    if q.lfsr:
        from .lfsr_inputs import LfsrInput

        cols = [c[0] for c in q.lfsr]
        p = np.concatenate([s.p for s in net.inputs if isinstance(s, LfsrInput)])
        n = x.shape[0] * len(cols)
        out |= {"lfsr_rate_per_step": float(x[:, cols].mean()), "lfsr_p_mean": float(p.mean()),
                "lfsr_p_stderr": float(np.sqrt(np.sum(p * (1 - p)) * x.shape[0]) / n)}
    return out


def add_parser(sub) -> None:
    """Add ``hdl lower|cosim|report`` to the top-level subparsers."""
    h = sub.add_parser("hdl", help="lower a network to Verilog, co-simulate, report resources")
    hs = h.add_subparsers(dest="hdl_cmd", required=True)
    lower = hs.add_parser("lower", help="quantise and write the Verilog design, memory images, manifest")
    cos = hs.add_parser("cosim", help="simulate the RTL and compare every spike and membrane with the golden model")
    for q in (lower, cos):
        q.add_argument("network", help="'demo', a zoo network (e.g. brunel) or a Python file defining build()")
        q.add_argument("--steps", type=int, default=1000, help="time steps (default 1000)")
        q.add_argument("--seed", type=int, default=0, help="seed of the demo / zoo network and LFSR seeds (default 0)")
        q.add_argument("--order", type=int, default=None, help="zoo networks with an order (brunel): its size")
        q.add_argument("--lfsr-width", type=int, default=24, help="LFSR width of Poisson inputs (default 24)")
        q.add_argument("--p-max", type=float, default=0.1,
                       help="largest spike probability per step of one LFSR channel (default 0.1)")
        q.add_argument("--state", default=None, help="state format WIDTH,FRAC (default 16,6 or the network's)")
        q.add_argument("--weight", default=None, help="weight format WIDTH,FRAC (default 8,3 or the network's)")
        q.add_argument("--rounding", default="nearest", choices=("nearest", "floor"))
        q.add_argument("--overflow", default="saturate", choices=("saturate", "error"))
        q.add_argument("--compare", default=">=", choices=(">=", ">"))
        q.add_argument("--reset", default="value", choices=("value", "subtract"))
        q.add_argument("--leak-tol", type=float, default=None,
                       help="relative decay error allowed (default 0.2 or the network's)")
        q.add_argument("--core", default="tm", choices=("tm", "event"),
                       help="tm: time-multiplexed lif_core.v; event: event-driven lif_core_ev.v (default tm)")
    lower.add_argument("--out", required=True, help="output folder")
    cos.add_argument("--out", default=None, help="keep the design and outputs in this folder")
    cos.add_argument("--simulator", default="all", choices=("iverilog", "verilator", "all"))
    rep = hs.add_parser("report", help="yosys resource report (iCE40 UP5K, Xilinx 7-series)")
    rep.add_argument("dir", help="a folder written by `sncore hdl lower`")
    rep.add_argument("--target", default="all", choices=("ice40", "xc7", "all"))
    rep.add_argument("--pnr", action="store_true", help="also place and route for the UP5K (nextpnr-ice40): fmax")


def run(args) -> int:
    """Execute a parsed ``hdl`` command; prints a JSON summary."""
    if args.hdl_cmd == "report":
        from .report import resource_report

        targets = ("ice40", "xc7") if args.target == "all" else (args.target,)
        rep = resource_report(args.dir, targets)
        out = {t: {k: v for k, v in r.items() if k != "cells"} | {"cells": r["cells"]} for t, r in rep.items()}
        if getattr(args, "pnr", False):
            from .report import pnr_report

            out["ice40_pnr"] = pnr_report(args.dir)
        print(json.dumps(out))
        return 0
    if args.steps < 1:
        raise SncoreError(f"--steps must be >= 1, got {args.steps}.")
    from .golden import accuracy_report, run_golden
    from .quant import quantize

    net = load_network(args.network, args.steps, args.seed, args.order, lfsr_width=args.lfsr_width,
                       p_max=args.p_max)
    q = quantize(net, _config(args))
    x = net.stimulus(args.steps)
    event = getattr(args, "core", "tm") == "event"
    if event and q.lfsr:
        raise SncoreError("--core event does not support on-chip LFSR input channels (Poisson drive) yet; "
                          "use --core tm for this network.")
    if args.hdl_cmd == "lower":
        from .emit import emit
        from .event import emit_event

        man = (emit_event if event else emit)(q, args.out, x)
        acc = accuracy_report(q, x, run_golden(q, x))
        print(json.dumps({"out": args.out, "params": man["params"], "accuracy": _hz(acc, q.dt),
                          "input_summary": input_summary(net, q, x)}))
        return 0
    from .cosim import cosim

    sims = ("iverilog", "verilator") if args.simulator == "all" else (args.simulator,)
    if event:
        from .event import cosim_event

        s = cosim_event(q, x, args.steps, out_dir=args.out, simulators=sims)
        s["accuracy"] = _hz(accuracy_report(q, x), q.dt)
        print(json.dumps(s))
        return 1 if s["mismatches"] or s["cycle_formula_errors"] or not s["simulators"] else 0
    s = cosim(q, args.steps, out_dir=args.out, stimulus=x, simulators=sims)
    s["accuracy"] = _hz(accuracy_report(q, x), q.dt)
    s["input_summary"] = input_summary(net, q, x)
    print(json.dumps(s))
    return 1 if s["mismatches"] or not s["simulators"] else 0

"""``sncore hdl ...`` subcommands (registered by :mod:`sncore.cli`).

    sncore hdl lower NETWORK --out DIR [--steps N] [--core tm|event] [format options]
    sncore hdl cosim NETWORK --steps N [--core tm|event] [--simulator iverilog|verilator|all] [--out DIR]
    sncore hdl report DIR [--target ice40|xc7|all] [--pnr]

``NETWORK`` is ``demo`` (a random 3-population network, :func:`sncore.hdl.ir.demo_network`) or a
Python file defining ``build()`` that returns a :class:`~sncore.hdl.ir.NetworkIR` or a
``sncore.Simulator`` (``iaf_psc_delta`` + ``spike_generator``).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from ..units import SncoreError

__all__ = ["add_parser", "run"]


def _fmt(text: str):
    from .quant import FixedFormat

    try:
        w, f = (int(x) for x in text.split(","))
    except ValueError:
        raise SncoreError(f"format must be WIDTH,FRAC (e.g. 16,6), got {text!r}.") from None
    return FixedFormat(w, f)


def load_network(name: str, steps: int, seed: int = 0):
    """``demo`` or a Python file with ``build()`` -> NetworkIR."""
    from .ir import NetworkIR, demo_network, from_simulator

    if name == "demo":
        return demo_network(seed=seed, steps=steps)
    path = Path(name)
    if not path.is_file():
        raise SncoreError(f"hdl: NETWORK {name!r} is neither 'demo' nor a Python file.")
    spec = importlib.util.spec_from_file_location(f"sncore_hdl_user_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    if not hasattr(mod, "build"):
        raise SncoreError(f"hdl: {name} defines no build() function.")
    net = mod.build()
    if isinstance(net, NetworkIR):
        return net
    if hasattr(net, "groups") and hasattr(net, "connections"):
        return from_simulator(net, steps)
    raise SncoreError(f"hdl: build() in {name} returned {type(net).__name__}; allowed: NetworkIR or Simulator.")


def _config(args):
    from .quant import QuantConfig

    return QuantConfig(state=_fmt(args.state), weight=_fmt(args.weight), rounding=args.rounding,
                       overflow=args.overflow, compare=args.compare, reset=args.reset, leak_tol=args.leak_tol)


def add_parser(sub) -> None:
    """Add ``hdl lower|cosim|report`` to the top-level subparsers."""
    h = sub.add_parser("hdl", help="lower a network to Verilog, co-simulate, report resources")
    hs = h.add_subparsers(dest="hdl_cmd", required=True)
    lower = hs.add_parser("lower", help="quantise and write the Verilog design, memory images, manifest")
    cos = hs.add_parser("cosim", help="simulate the RTL and compare every spike and membrane with the golden model")
    for q in (lower, cos):
        q.add_argument("network", help="'demo' or a Python file defining build()")
        q.add_argument("--steps", type=int, default=1000, help="time steps (default 1000)")
        q.add_argument("--seed", type=int, default=0, help="seed of the demo network (default 0)")
        q.add_argument("--state", default="16,6", help="state format WIDTH,FRAC (default 16,6)")
        q.add_argument("--weight", default="8,3", help="weight format WIDTH,FRAC (default 8,3)")
        q.add_argument("--rounding", default="nearest", choices=("nearest", "floor"))
        q.add_argument("--overflow", default="saturate", choices=("saturate", "error"))
        q.add_argument("--compare", default=">=", choices=(">=", ">"))
        q.add_argument("--reset", default="value", choices=("value", "subtract"))
        q.add_argument("--leak-tol", type=float, default=0.2, help="relative decay error allowed (default 0.2)")
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

    net = load_network(args.network, args.steps, args.seed)
    q = quantize(net, _config(args))
    x = net.stimulus(args.steps)
    event = getattr(args, "core", "tm") == "event"
    if args.hdl_cmd == "lower":
        from .emit import emit
        from .event import emit_event

        man = (emit_event if event else emit)(q, args.out, x)
        acc = accuracy_report(q, x, run_golden(q, x))
        print(json.dumps({"out": args.out, "params": man["params"], "accuracy": acc}))
        return 0
    from .cosim import cosim

    sims = ("iverilog", "verilator") if args.simulator == "all" else (args.simulator,)
    if event:
        from .event import cosim_event

        s = cosim_event(q, x, args.steps, out_dir=args.out, simulators=sims)
        print(json.dumps(s))
        return 1 if s["mismatches"] or s["cycle_formula_errors"] or not s["simulators"] else 0
    s = cosim(q, args.steps, out_dir=args.out, stimulus=x, simulators=sims)
    print(json.dumps(s))
    return 1 if s["mismatches"] or not s["simulators"] else 0

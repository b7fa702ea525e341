"""The ``sncore`` command line.

    sncore run brunel [--order N] [--duration MS] [--seed S] [--out FILE.png]
    sncore run coba [--scale S] [--duration MS] [--seed S] [--out FILE.png]
    sncore hdl lower NETWORK --out DIR | hdl cosim NETWORK --steps N | hdl report DIR   (sncore/hdl/cli.py)
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def _build(args):
    """(network, title, description dict) for the chosen zoo network."""
    from .zoo import brunel, coba

    if args.network == "brunel":
        net = brunel(order=args.order, seed=args.seed, n_record=args.record)
        return net, f"Brunel order {args.order}", {"order": args.order, "neurons": 5 * args.order}
    net = coba(scale=args.scale, seed=args.seed, n_record=args.record)
    n = len(net.exc) + len(net.inh)
    return net, f"COBA scale {args.scale:g}", {"scale": args.scale, "neurons": n}


def _run(args) -> int:
    import brainunit as u
    import numpy as np

    from .plot import raster_and_rate

    t0 = time.perf_counter()
    net, title, desc = _build(args)
    build_s = time.perf_counter() - t0
    res = net.sim.simulate(args.duration * u.ms, progress=False if args.quiet else None)
    build_s += res.build_s  # turning connections into device arrays, in the first simulate
    rE = float(res.rate(net.exc).to_decimal(u.Hz))
    rI = float(res.rate(net.inh).to_decimal(u.Hz))
    t, s = res.spikes(net.recorder)
    t = np.asarray(t.to_decimal(u.ms))
    n = args.record
    groups = [("E", net.exc.global_ids[:n]), ("I", net.inh.global_ids[:n])]
    fig = raster_and_rate(t, s, groups, 0.0, args.duration, title=f"{title}: E {rE:.2f} Hz, I {rI:.2f} Hz")
    fig.savefig(args.out, dpi=120)
    out = {"network": args.network, **desc, "seed": args.seed,
           "duration_ms": args.duration, "rate_E_Hz": round(rE, 3), "rate_I_Hz": round(rI, 3),
           "build_s": round(build_s, 3), "compile_s": round(res.compile_s, 3),
           "simulate_s": round(res.run_s, 3), "figure": args.out}
    print(f"{title} ({desc['neurons']} neurons), {args.duration:g} ms, seed {args.seed}")
    print(f"  rate E: {rE:.2f} Hz   rate I: {rI:.2f} Hz")
    print(f"  build {build_s:.2f} s   compile {res.compile_s:.2f} s   simulate {res.run_s:.2f} s")
    print(f"  figure: {args.out}")
    print(json.dumps(out))
    return 0


def _common(q) -> None:
    q.add_argument("--duration", type=float, default=1000.0, help="biological time in ms (default 1000)")
    q.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    q.add_argument("--record", type=int, default=50, help="neurons recorded per population (default 50)")
    q.add_argument("--quiet", action="store_true", help="no progress bar")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="sncore", description="sncore: JAX spiking-network simulator")
    sub = p.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run a network from the zoo")
    nets = run.add_subparsers(dest="network", required=True)
    b = nets.add_parser("brunel", help="Brunel (2000) E/I network (iaf_psc_delta), AI regime")
    b.add_argument("--order", type=int, default=100, help="NE = 4 order, NI = order (default 100)")
    b.add_argument("--out", default="brunel.png", help="raster + rate figure (default brunel.png)")
    _common(b)
    c = nets.add_parser("coba", help="Vogels & Abbott (2005) COBA network (iaf_cond_exp), 4000 x scale neurons")
    c.add_argument("--scale", type=float, default=1.0, help="N = 4000 x scale, in-degree 80 (default 1)")
    c.add_argument("--out", default="coba.png", help="raster + rate figure (default coba.png)")
    _common(c)
    from .hdl.cli import add_parser as _hdl_parser

    _hdl_parser(sub)
    args = p.parse_args(argv)
    if args.cmd == "hdl":
        from .hdl.cli import run as _hdl_run
        from .units import SncoreError

        try:
            return _hdl_run(args)
        except SncoreError as e:
            print(f"sncore hdl: error: {e}", file=sys.stderr)
            return 2
    if args.cmd == "run":
        if args.duration <= 0:
            p.error(f"--duration must be > 0, got {args.duration}")
        if args.network == "brunel" and args.order < 1:
            p.error(f"--order must be >= 1, got {args.order}")
        if args.network == "coba" and not args.scale * 800 >= 1:
            p.error(f"--scale must give at least one neuron per population (scale >= 1/800), got {args.scale}")
        return _run(args)
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

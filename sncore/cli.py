"""The ``sncore`` command line.

    sncore run brunel [--order N] [--duration MS] [--seed S] [--out FILE.png]
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def _run_brunel(args) -> int:
    import brainunit as u
    import numpy as np

    from .plot import raster_and_rate
    from .zoo import brunel

    t0 = time.perf_counter()
    net = brunel(order=args.order, seed=args.seed, n_record=args.record)
    build_s = time.perf_counter() - t0
    res = net.sim.simulate(args.duration * u.ms, progress=False if args.quiet else None)
    build_s += res.build_s  # turning connections into device arrays, in the first simulate
    rE = float(res.rate(net.exc).to_decimal(u.Hz))
    rI = float(res.rate(net.inh).to_decimal(u.Hz))
    t, s = res.spikes(net.recorder)
    t = np.asarray(t.to_decimal(u.ms))
    n = args.record
    groups = [("E", net.exc.global_ids[:n]), ("I", net.inh.global_ids[:n])]
    fig = raster_and_rate(t, s, groups, 0.0, args.duration,
                          title=f"Brunel order {args.order}: E {rE:.2f} Hz, I {rI:.2f} Hz")
    fig.savefig(args.out, dpi=120)
    out = {"network": "brunel", "order": args.order, "neurons": 5 * args.order, "seed": args.seed,
           "duration_ms": args.duration, "rate_E_Hz": round(rE, 3), "rate_I_Hz": round(rI, 3),
           "build_s": round(build_s, 3), "compile_s": round(res.compile_s, 3),
           "simulate_s": round(res.run_s, 3), "figure": args.out}
    print(f"Brunel order {args.order} ({5 * args.order} neurons), {args.duration:g} ms, seed {args.seed}")
    print(f"  rate E: {rE:.2f} Hz   rate I: {rI:.2f} Hz")
    print(f"  build {build_s:.2f} s   compile {res.compile_s:.2f} s   simulate {res.run_s:.2f} s")
    print(f"  figure: {args.out}")
    print(json.dumps(out))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="sncore", description="sncore: JAX spiking-network simulator")
    sub = p.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run a network from the zoo")
    nets = run.add_subparsers(dest="network", required=True)
    b = nets.add_parser("brunel", help="Brunel (2000) E/I network (iaf_psc_delta), AI regime")
    b.add_argument("--order", type=int, default=100, help="NE = 4 order, NI = order (default 100)")
    b.add_argument("--duration", type=float, default=1000.0, help="biological time in ms (default 1000)")
    b.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    b.add_argument("--record", type=int, default=50, help="neurons recorded per population (default 50)")
    b.add_argument("--out", default="brunel.png", help="raster + rate figure (default brunel.png)")
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    if args.cmd == "run" and args.network == "brunel":
        if args.order < 1 or args.duration <= 0:
            p.error(f"--order must be >= 1 and --duration > 0, got {args.order} and {args.duration}")
        return _run_brunel(args)
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The ``sncore`` command line.

    sncore run NAME [network options] [--duration MS] [--seed S] [--record N] [--out FILE.png]
    sncore train TASK [--epochs E] [--seed S] [--batch-size B] [--out MODEL.eqx]

    sncore hdl lower NETWORK --out DIR | hdl cosim NETWORK --steps N | hdl report DIR   (sncore/hdl/cli.py)

``NAME`` is any network of the zoo (``sncore run --help`` lists them; each lists its own
options, e.g. ``sncore run brunel --order 2500``, ``sncore run coba --scale 10``). The run
prints the population rates and the build / compile / simulate times, writes a raster and
population-rate figure, and ends with one JSON line holding the same figures.

``TASK`` is ``digits`` or ``yinyang`` (:mod:`sncore.nn.tasks`): training prints one line per
epoch and ends with one JSON line (train / val / test accuracy, losses, time); ``--out``
saves the model (Equinox leaves + JSON, loadable with ``sncore.zoo.load_pretrained(path)``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def _run(entry, args) -> int:
    import brainunit as u
    import numpy as np

    from .plot import raster_and_rate

    opts = {o.name: getattr(args, o.name) for o in entry.options}
    t0 = time.perf_counter()
    net = entry.build(seed=args.seed, n_record=args.record, **opts)
    build_s = time.perf_counter() - t0
    res = net.sim.simulate(args.duration * u.ms, progress=False if args.quiet else None)
    build_s += res.build_s  # turning connections into device arrays, in the first simulate
    pops = net.populations
    rates = {k: float(res.rate(p).to_decimal(u.Hz)) for k, p in pops.items()}
    neurons = sum(len(p) for p in pops.values())
    desc = ", ".join(f"{k}={v:g}" if isinstance(v, (int, float)) else f"{k}={v}" for k, v in opts.items())
    title = f"{entry.name}" + (f" ({desc})" if desc else "")
    rate_txt = ", ".join(f"{k} {r:.2f} Hz" for k, r in rates.items())
    if net.recorder is not None:
        t, s = res.spikes(net.recorder)
        t = np.asarray(t.to_decimal(u.ms))
        n = args.record
        groups = [(k, p.global_ids[:n]) for k, p in pops.items()]
        fig = raster_and_rate(t, s, groups, 0.0, args.duration, title=f"{title}: {rate_txt}"[:110])
        fig.savefig(args.out, dpi=120)
    out = {"network": entry.name, **opts, "neurons": neurons, "seed": args.seed,
           "duration_ms": args.duration, "rates_Hz": {k: round(r, 3) for k, r in rates.items()},
           **{f"rate_{k}_Hz": round(r, 3) for k, r in rates.items() if k in ("E", "I")},
           "build_s": round(build_s, 3), "compile_s": round(res.compile_s, 3),
           "simulate_s": round(res.run_s, 3), "figure": args.out if net.recorder is not None else None}
    print(f"{title} ({neurons} neurons), {args.duration:g} ms, seed {args.seed}")
    for k, r in rates.items():
        print(f"  rate {k}: {r:.2f} Hz")
    print(f"  build {build_s:.2f} s   compile {res.compile_s:.2f} s   simulate {res.run_s:.2f} s")
    if net.recorder is not None:
        print(f"  figure: {args.out}")
    print(json.dumps(out))
    return 0


def _train(args) -> int:
    from .nn.tasks import TASKS, train_task
    from .zoo.pretrained import save_pretrained

    model, res = train_task(args.task, epochs=args.epochs, seed=args.seed, batch_size=args.batch_size,
                            subset=args.subset, log=print)
    cfg = TASKS[args.task]
    if args.out:
        info = {"task": args.task, "arch": cfg["arch"], "train": {"lr": cfg["lr"], "epochs": res["epochs"],
                "batch_size": res["batch_size"], "seed": args.seed, "subset": args.subset},
                "result": {k: v for k, v in res.items() if k != "history"}}
        save_pretrained(model, info, args.out)
    out = {k: (round(v, 5) if isinstance(v, float) else v) for k, v in res.items() if k != "history"}
    out["model"] = args.out
    print(f"{args.task}: test accuracy {res['test_acc']:.4f} (train {res['train_acc']:.4f}, "
          f"val {res['val_acc']:.4f}), {res['train_s']:.1f} s")
    print(json.dumps(out))
    return 0


def main(argv: list[str] | None = None) -> int:
    from .zoo import NETWORKS

    p = argparse.ArgumentParser(prog="sncore", description="sncore: JAX spiking-network simulator")
    sub = p.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run a network from the zoo")
    nets = run.add_subparsers(dest="network", required=True)
    for entry in NETWORKS.values():
        q = nets.add_parser(entry.name, help=entry.help, description=entry.help)
        for o in entry.options:
            kw = {"choices": o.choices} if o.choices else {}
            q.add_argument(f"--{o.name.replace('_', '-')}", dest=o.name, type=o.type, default=o.default,
                           help=f"{o.help} (default {o.default})", **kw)
        q.add_argument("--duration", type=float, default=1000.0, help="biological time in ms (default 1000)")
        q.add_argument("--seed", type=int, default=1, help="seed (default 1)")
        q.add_argument("--record", type=int, default=50, help="neurons recorded per population (default 50)")
        q.add_argument("--out", default=f"{entry.name}.png",
                       help=f"raster + rate figure (default {entry.name}.png)")
        q.add_argument("--quiet", action="store_true", help="no progress bar")
    tr = sub.add_parser("train", help="train a bundled task (digits, yinyang)")
    tasks = tr.add_subparsers(dest="task", required=True)
    for name, hlp in (("digits", "sklearn 8x8 digits, rate-coded, one hidden lif layer"),
                      ("yinyang", "Yin-Yang (Kriener et al. 2021), one hidden lif layer")):
        q = tasks.add_parser(name, help=hlp, description=hlp)
        q.add_argument("--epochs", type=int, default=None, help="epochs (default: the task's recipe)")
        q.add_argument("--seed", type=int, default=0, help="seed of weights, batches, encodings (default 0)")
        q.add_argument("--batch-size", type=int, default=None, help="batch size (default 32)")
        q.add_argument("--subset", type=int, default=None, help="train on the first N training samples only")
        q.add_argument("--out", default=None, help="save the model here (.eqx + .json)")
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
    if args.cmd == "train":
        for name in ("epochs", "batch_size", "subset"):
            v = getattr(args, name)
            if v is not None and v < 1:
                p.error(f"--{name.replace('_', '-')} must be >= 1, got {v}")
        return _train(args)
    if args.cmd == "run":
        entry = NETWORKS[args.network]
        if args.duration <= 0:
            p.error(f"--duration must be > 0, got {args.duration}")
        for name, (ok, msg) in entry.checks.items():
            if not ok(getattr(args, name)):
                p.error(f"{msg}, got {getattr(args, name)}")
        return _run(entry, args)
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

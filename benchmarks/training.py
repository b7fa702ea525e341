"""Training benchmark: forward + backward of one spiking dense layer, sncore.nn against snnTorch.

The workload is one ``Linear(n -> n)`` (no bias) feeding ``n`` leaky integrate-and-fire
neurons, batch ``B = 16``, ``T = 500`` steps, float32, and the gradient of
``loss = sum of the output spikes`` with respect to the weights (BPTT through all ``T``
steps). The neuron is the same on both sides: ``V <- beta V + W x_t``, ``beta = 0.95``,
``s_t = H(V - 1)``, reset by subtraction, fast-sigmoid surrogate of slope 25 (snnTorch's
``snn.Leaky`` defaults; in sncore ``SpikingDense(n, n, "lif")`` with
``tau_mem = -1 / ln 0.95`` ms at ``dt = 1`` ms). The input is the same Bernoulli spike
train on both sides (probability ``--p-in`` per input and step); the weights are drawn from
the same distribution (uniform in ``+-1/sqrt(n)``) but not the same numbers.

sncore, in this process, for each ``checkpoint`` option (``None``, ``"step"``, ``10``):

* ``compile_s``: ``jax.jit(jax.value_and_grad(loss)).lower(w, x).compile()``;
* ``first_run_s``: the first call of the compiled executable (to ``block_until_ready``);
* ``run_s``: median of ``--repeats`` further calls, each to ``block_until_ready``;
* ``peak_bytes``: from the compiled executable's ``memory_analysis()``: temp + argument +
  output bytes (XLA's static buffer assignment; nothing is sampled at run time);
  ``bytes_per_neuron_step = temp / (n B T)`` and ``saved_per_neuron_step`` against ``None``;
* ``residual_values_per_neuron_step``: the arrays ``jax.vjp`` keeps for the backward pass,
  counted from its jaxpr (``sncore.nn.saved_residuals``; inputs and parameters not counted),
  in float32 values per neuron-step (snnTorch's comparable figure: its saved tensors).

snnTorch (``peers/snntorch_training.py``), as a subprocess in its own virtual environment
with ``torch.set_num_threads(--threads)``: the same timing (first call and median of the
repeats), and two memory figures: the bytes autograd saves for the backward pass (a
``saved_tensors_hooks`` pack hook summing the distinct saved tensors) and the growth of the
process's peak RSS over the fwd+bwd (``ru_maxrss`` after minus RSS before).

The table prints medians and the ratio sncore/snnTorch of the fwd+bwd run time (target
<= 0.2). ``/proc/loadavg`` is recorded before and after: on a shared machine the times
are only comparable within one invocation.

Usage:
    python benchmarks/training.py                         # n = 1024 and 4096, 3 repeats
    python benchmarks/training.py --sizes 256 --repeats 2 --no-peers
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from _harness import Run, _fmt, environment, medians, run_script

HERE = Path(__file__).resolve().parent
PEER_SCRIPT = HERE / "peers" / "snntorch_training.py"
BETA = 0.95
SLOPE = 25.0


def loadavg() -> str | None:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return None


def _option_name(ck: Any) -> str:
    return "none" if ck is None else str(ck)


def _parse_option(s: str):
    if s.lower() == "none":
        return None
    if s == "step":
        return s
    return int(s)


def time_sncore(n: int, batch: int, steps: int, p_in: float, checkpoint, repeats: int, seed: int) -> Run:
    """Compile and time ``value_and_grad(sum(spikes))`` of ``SpikingDense(n, n, "lif")``."""
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    import sncore.nn as snn

    kw, kx = jax.random.split(jax.random.key(seed))
    layer = snn.SpikingDense(n, n, "lif", {"tau_mem": -1.0 / math.log(BETA), "surrogate": "fast_sigmoid",
                                           "slope": SLOPE}, dtype=jnp.float32, key=kw)
    x = jax.random.bernoulli(kx, p_in, (steps, batch, n)).astype(jnp.float32)
    params, static = eqx.partition(layer, eqx.is_inexact_array)

    def loss(p, xs):
        return jnp.sum(eqx.combine(p, static)(xs, checkpoint=checkpoint))

    t0 = time.perf_counter()
    compiled = jax.jit(jax.value_and_grad(loss)).lower(params, x).compile()
    compile_s = time.perf_counter() - t0
    mem = compiled.memory_analysis()

    t0 = time.perf_counter()
    val, grads = jax.block_until_ready(compiled(params, x))
    first_run_s = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(compiled(params, x))
        times.append(time.perf_counter() - t0)

    units = n * batch * steps
    resid = sum(math.prod(shape) * jnp.dtype(dt).itemsize
                for shape, dt, origin in snn.saved_residuals(loss, params, x) if origin == "computed")
    run: Run = {"residual_values_per_neuron_step": resid / 4 / units, "checkpoint": _option_name(checkpoint), "compile_s": compile_s, "first_run_s": first_run_s,
                "run_s": statistics.median(times),
                "run_s_all": times, "spikes": float(val),
                "grad_norm": float(jnp.linalg.norm(grads.weight))}
    if mem is not None:
        temp, arg, out = int(mem.temp_size_in_bytes), int(mem.argument_size_in_bytes), int(mem.output_size_in_bytes)
        run.update({"temp_bytes": temp, "argument_bytes": arg, "output_bytes": out,
                    "peak_bytes": temp + arg + out, "bytes_per_neuron_step": temp / units})
    del compiled, val, grads
    gc.collect()
    return run


def run_peer(python: Path, n: int, batch: int, steps: int, p_in: float, repeats: int, threads: int,
             seed: int, timeout_s: float) -> Run:
    args = ["--n", str(n), "--batch", str(batch), "--T", str(steps), "--p-in", str(p_in),
            "--repeats", str(repeats), "--threads", str(threads), "--seed", str(seed),
            "--beta", str(BETA), "--slope", str(SLOPE)]
    return run_script(python, PEER_SCRIPT, args, timeout_s)


def print_table(results: list[dict[str, Any]]) -> None:
    head = (f"{'n':>5} {'implementation':<24} {'compile s':>9} {'1st run s':>9} {'fwd+bwd s':>9} "
            f"{'peak MiB':>9} {'B/n-step':>8} {'saved B/n-step':>14} {'resid/n-step':>12} {'sncore/snnTorch':>15}")
    print(head)
    print("-" * len(head))
    mib = 2.0 ** 20
    for e in results:
        for opt, m in e["sncore"].items():
            label = f"sncore checkpoint={opt}"
            if "error" in m:
                print(f"{e['n']:>5} {label:<24} failed: {m['error']}")
                continue
            print(f"{e['n']:>5} {label:<24} {_fmt(m['compile_s'], 9)} {_fmt(m['first_run_s'], 9)} "
                  f"{_fmt(m['run_s'], 9)} {_fmt(m.get('peak_bytes', 0) / mib, 9, 1)} "
                  f"{_fmt(m.get('bytes_per_neuron_step'), 8, 2)} {_fmt(m.get('saved_per_neuron_step'), 14, 2)} "
                  f"{_fmt(m.get('residual_values_per_neuron_step'), 12, 2)} {_fmt(e.get('ratio', {}).get(opt), 15, 3)}")
        if "snntorch" in e:
            m = e["snntorch"]["median"]
            if "error" in m:
                print(f"{e['n']:>5} {'snnTorch':<24} failed: {m['error']}")
                continue
            print(f"{e['n']:>5} {'snnTorch':<24} {'-':>9} {_fmt(m['first_run_s'], 9)} {_fmt(m['run_s'], 9)} "
                  f"{_fmt(m['peak_rss_growth_bytes'] / mib, 9, 1)} "
                  f"{_fmt(m['saved_bytes'] / (e['n'] * e['batch'] * e['T']), 8, 2)} {'-':>14} "
                  f"{_fmt(m['saved_bytes'] / 4 / (e['n'] * e['batch'] * e['T']), 12, 2)} {'-':>15}")
    print("fwd+bwd: median over the repeats of one value_and_grad call (sncore: to block_until_ready).\n"
          "peak: sncore = temp + argument + output bytes of the compiled executable's memory_analysis();\n"
          "      snnTorch = growth of the process's peak RSS over one fwd+bwd.\n"
          "B/n-step: sncore temp bytes / (n B T); snnTorch bytes autograd saved for backward / (n B T).\n"
          "saved B/n-step: sncore bytes per neuron-step saved against checkpoint=None.\n"
          "resid/n-step: float32 values per neuron-step kept for the backward pass (sncore: jax.vjp's\n"
          "      residuals from its jaxpr, inputs and parameters not counted; snnTorch: saved tensors / 4).\n"
          "sncore/snnTorch: ratio of the fwd+bwd times (target <= 0.2).")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Training fwd+bwd: sncore.nn vs snnTorch.")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1024, 4096], help="layer widths n")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--T", type=int, default=500, help="time steps")
    ap.add_argument("--p-in", type=float, default=0.1, help="input spike probability per step")
    ap.add_argument("--checkpoints", nargs="+", default=["none", "step", "10"],
                    help="sncore checkpoint options: none, step or an int k")
    ap.add_argument("--repeats", type=int, default=3, help="timed calls after the first; median reported")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads of the peer")
    ap.add_argument("--snntorch-python", type=Path, default=Path("/work/peers/snntorch/bin/python"))
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--peer-timeout", type=float, default=1800.0)
    ap.add_argument("--json", type=Path, default=HERE / "results" / "training.json")
    a = ap.parse_args(argv)
    if a.repeats < 1:
        ap.error("--repeats must be >= 1")
    a.checkpoints = [_parse_option(s) for s in a.checkpoints]
    return a


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    peer = not a.no_peers and a.snntorch_python.exists()
    if not a.no_peers and not peer:
        print(f"[training] snnTorch: no Python at {a.snntorch_python}; skipped", file=sys.stderr)
    load_before = loadavg()
    results = []
    for n in a.sizes:
        entry: dict[str, Any] = {"n": n, "batch": a.batch, "T": a.T, "sncore": {}}
        runs = {}
        for ck in a.checkpoints:
            print(f"[training] sncore n={n} checkpoint={ck}", file=sys.stderr)
            runs[_option_name(ck)] = time_sncore(n, a.batch, a.T, a.p_in, ck, a.repeats, a.seed)
        base = runs.get("none", {}).get("bytes_per_neuron_step")
        for r in runs.values():
            if base is not None and "bytes_per_neuron_step" in r:
                r["saved_per_neuron_step"] = base - r["bytes_per_neuron_step"]
        entry["sncore"] = runs
        if peer:
            print(f"[training] snnTorch n={n}", file=sys.stderr)
            pr = run_peer(a.snntorch_python, n, a.batch, a.T, a.p_in, a.repeats, a.threads, a.seed,
                          a.peer_timeout)
            if "error" in pr:
                print(f"[training]   failed: {pr['error']}", file=sys.stderr)
            entry["snntorch"] = {"median": medians([pr]), "runs": [pr]}
            if "error" not in pr:
                entry["ratio"] = {opt: r["run_s"] / pr["run_s"] for opt, r in runs.items()}
        results.append(entry)
    load_after = loadavg()

    print_table(results)
    print(f"/proc/loadavg before: {load_before}; after: {load_after}")
    a.json.parent.mkdir(parents=True, exist_ok=True)
    doc = {"benchmark": "training_dense_lif", "batch": a.batch, "T": a.T, "p_in": a.p_in, "beta": BETA,
           "slope": SLOPE, "repeats": a.repeats, "peer_threads": a.threads, "dtype": "float32",
           "loadavg_before": load_before, "loadavg_after": load_after,
           "environment": environment(), "results": results}
    a.json.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

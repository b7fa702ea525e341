"""One spiking dense layer in snnTorch, forward + backward timed; prints one JSON line.

Run in snnTorch's own virtual environment (see ``benchmarks/README.md``);
``benchmarks/training.py`` starts it as a subprocess. The model is ``nn.Linear(n, n,
bias=False)`` followed by ``snn.Leaky(beta, spike_grad=surrogate.fast_sigmoid(slope))``
(threshold 1, reset by subtraction: snnTorch's defaults), stepped over ``T`` steps in a
Python loop as in snnTorch's tutorials; ``loss = sum of the output spikes``; the backward
pass is ``loss.backward()`` (gradients of the weights). Input: Bernoulli spikes with
probability ``p_in``, ``[T, B, n]``, float32.

Measured:

* ``first_run_s``: the first forward + backward (``time.perf_counter``; CPU torch is
  synchronous, so this is finished work); ``run_s``: median of ``repeats`` further ones;
* ``saved_bytes``: bytes of the distinct tensors autograd saves for the backward pass
  (a ``torch.autograd.graph.saved_tensors_hooks`` pack hook, counted once per storage);
* ``peak_rss_growth_bytes``: the process's peak RSS over the second forward + backward
  minus its RSS just before it (the kernel's ``VmHWM``, reset through
  ``/proc/self/clear_refs``; ``ru_maxrss`` where that is not allowed, which then also
  counts the first call's one-off initialisation). torch's CPU allocator is not seen by
  ``tracemalloc``, so the OS high-water mark is used.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) of this process; False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1024)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--T", type=int, default=500)
    ap.add_argument("--p-in", type=float, default=0.1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--beta", type=float, default=0.95)
    ap.add_argument("--slope", type=float, default=25.0)
    a = ap.parse_args()

    import snntorch as snn
    import torch
    from snntorch import surrogate
    from torch import nn

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    fc = nn.Linear(a.n, a.n, bias=False)
    lif = snn.Leaky(beta=a.beta, spike_grad=surrogate.fast_sigmoid(slope=a.slope))
    x = (torch.rand(a.T, a.batch, a.n) < a.p_in).float()

    def fwd_bwd() -> float:
        fc.zero_grad(set_to_none=True)
        mem = torch.zeros(a.batch, a.n)
        total = torch.zeros(())
        for t in range(a.T):
            spk, mem = lif(fc(x[t]), mem)
            total = total + spk.sum()
        total.backward()
        return float(total.detach())

    saved: dict[int, int] = {}

    def pack(t):
        key = t.untyped_storage().data_ptr()
        saved[key] = max(saved.get(key, 0), t.untyped_storage().nbytes())
        return t

    t0 = time.perf_counter()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        spikes = fwd_bwd()
    first_run_s = time.perf_counter() - t0
    times = []
    for r in range(a.repeats):
        if r == 0:  # peak RSS over the second fwd+bwd (the first one also loads and initialises torch's kernels)
            hwm_reset = reset_peak_rss()
            rss0 = _status_kib("VmRSS") * 1024
        t0 = time.perf_counter()
        fwd_bwd()
        times.append(time.perf_counter() - t0)
        if r == 0:
            peak = (_status_kib("VmHWM") * 1024 if hwm_reset
                    else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)

    print(json.dumps({
        "first_run_s": first_run_s, "run_s": statistics.median(times), "run_s_all": times,
        "spikes": spikes, "grad_norm": float(fc.weight.grad.norm()),
        "saved_bytes": sum(saved.values()), "peak_rss_growth_bytes": max(0, peak - rss0),
        "peak_rss_method": "VmHWM after clear_refs" if hwm_reset else "ru_maxrss",
        "threads": a.threads, "torch": torch.__version__, "snntorch": snn.__version__,
    }))


if __name__ == "__main__":
    main()

"""matplotlib figures of simulation results; each function takes and returns an ``ax``."""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["raster", "population_rate", "raster_and_rate"]


def raster(ax, times_ms: np.ndarray, senders: np.ndarray, groups: Sequence[tuple[str, np.ndarray]] = (),
           **kw):
    """Spike raster: one dot per spike; ``groups`` = ``[(label, global_ids), ...]`` colours
    the populations and stacks them (row = position of the sender in the groups)."""
    if not groups:
        groups = [("spikes", np.unique(senders))]
    row0 = 0
    for label, ids in groups:
        ids = np.asarray(ids)
        order = np.argsort(ids)
        m = np.isin(senders, ids)
        rows = row0 + order[np.searchsorted(ids[order], senders[m])]
        ax.plot(times_ms[m], rows, ".", ms=kw.get("ms", 1.5), label=label)
        row0 += len(ids)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron")
    if len(groups) > 1:
        ax.legend(loc="upper right", markerscale=5, fontsize="small")
    return ax


def population_rate(ax, times_ms: np.ndarray, n_neurons: int, t_start: float, t_stop: float,
                    bin_ms: float = 5.0, label: str | None = None):
    """Population rate (Hz) in bins of ``bin_ms`` from spike times of ``n_neurons`` neurons."""
    edges = np.arange(t_start, t_stop + bin_ms, bin_ms)
    counts, _ = np.histogram(times_ms, edges)
    ax.step(edges[:-1], counts / (max(n_neurons, 1) * bin_ms * 1e-3), where="post", label=label)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("rate (Hz)")
    return ax


def raster_and_rate(times_ms, senders, groups, t_start, t_stop, title="", bin_ms=5.0):
    """A two-panel figure (raster over population rates); returns the Figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(2, 1, figsize=(8, 6), sharex=True,
                                 gridspec_kw={"height_ratios": [3, 1]})
    raster(a1, times_ms, senders, groups)
    for label, ids in groups:
        population_rate(a2, times_ms[np.isin(senders, ids)], len(ids), t_start, t_stop, bin_ms, label)
    a2.legend(fontsize="small")
    a1.set_title(title)
    a1.set_xlim(t_start, t_stop)
    fig.tight_layout()
    return fig

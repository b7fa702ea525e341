"""Spike rasters and population rates.

Times are brainunit Quantities or bare numbers in ms (``res.spikes(rec)`` gives the former;
the ``sncore`` command passes the latter). Populations are ``groups``: ``[(label, ids), ...]``
or ``{label: ids}``, ids being global ids or NodeCollections; each group gets its own colour
(matplotlib's colour cycle unless ``colors=`` is given) and its own block of raster rows.

Example:
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from sncore import plot
    >>> t, s = res.spikes(rec)
    >>> ax = plot.raster(None, t, s, groups=[("E", ne), ("I", ni)])
    >>> ax = plot.rates(None, t, s, [("E", ne), ("I", ni)], 0 * u.ms, 200 * u.ms, kernel="gaussian",
    ...                 width=5 * u.ms)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..units import SncoreError
from ._util import get_ax, groups_of, spike_events
from ._util import ms as _ms

__all__ = ["population_rate", "raster", "raster_and_rate", "rates"]


def raster(ax: Any, times: Any, senders: Any, groups: Any = (), *, colors: Sequence[Any] | None = None,
           ms: float = 1.5, legend: bool | None = None, **kw: Any) -> Any:
    """Spike raster: one dot per spike, one row per neuron, one colour per population.

    Args:
        ax: matplotlib Axes, or None for a new figure.
        times: spike times (Quantity, or bare numbers in ms), ``[S]``.
        senders: global id of each spike's sender, ``[S]``.
        groups: ``[(label, ids), ...]`` or ``{label: ids}``; the rows of a group are its ids
            in the given order, groups stacked bottom-up; spikes of senders in no group are
            not drawn. Default: one group of the unique senders.
        colors: one matplotlib colour per group (default: the colour cycle).
        ms: marker size.
        legend: draw a legend (default: when there is more than one group).
        **kw: passed to ``ax.plot`` (e.g. ``alpha``).

    Returns:
        the Axes; ``ax.lines[k]`` holds the spikes of group ``k``. No spikes give an empty
        (but labelled) axis.

    Example:
        >>> ax = raster(None, [1.0, 2.5] * u.ms, [1, 2], groups=[("E", [1]), ("I", [2])])
    """
    ax = get_ax(ax)
    t, s = spike_events(times, senders)
    groups = groups_of(groups, s)
    if colors is not None and len(colors) != len(groups):
        raise SncoreError(f"raster: colors has {len(colors)} entries for {len(groups)} groups.")
    row0 = 0
    for k, (label, ids) in enumerate(groups):
        order = np.argsort(ids, kind="stable")
        m = np.isin(s, ids)
        rows = row0 + order[np.searchsorted(ids[order], s[m])] if len(ids) else np.zeros(0)
        style = {"color": colors[k]} if colors is not None else {}
        ax.plot(t[m], rows, ".", ms=ms, label=label, **style, **kw)
        row0 += len(ids)
    ax.set_ylim(-0.5, max(row0, 1) - 0.5)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron")
    if legend if legend is not None else len(groups) > 1:
        ax.legend(loc="upper right", markerscale=5, fontsize="small")
    return ax


def population_rate(ax: Any, times_ms: Any, n_neurons: int, t_start: Any, t_stop: Any, bin_ms: float = 5.0,
                    label: str | None = None) -> Any:
    """Population rate (Hz per neuron) in bins of ``bin_ms``, drawn as a step line.

    ``r_k = (spikes in bin k) / (n_neurons * bin_ms)`` with bins ``[t_start + k bin_ms, ...)``
    (the last bin may end after ``t_stop``). For rates per group from ``(times, senders)`` and
    kernel smoothing use :func:`rates`.

    Args:
        ax: Axes or None.
        times_ms: the spike times of the population (Quantity or bare ms).
        n_neurons: number of neurons of the population (>= 1 to be meaningful).
        t_start, t_stop: interval (Quantity or bare ms).
        bin_ms: bin width in ms.
        label: legend label.

    Example:
        >>> ax = population_rate(None, t[np.isin(s, ne.global_ids)], len(ne), 0, 200, 5.0, "E")
    """
    ax = get_ax(ax)
    t = np.atleast_1d(_ms(times_ms, "times_ms"))
    a, b = float(_ms(t_start, "t_start")), float(_ms(t_stop, "t_stop"))
    if not bin_ms > 0 or not b > a:
        raise SncoreError(f"population_rate needs bin_ms > 0 and t_stop > t_start, got bin_ms={bin_ms!r}, "
                          f"t_start={a:g} ms, t_stop={b:g} ms.")
    edges = np.arange(a, b + bin_ms, bin_ms)
    counts, _ = np.histogram(t, edges)
    ax.step(edges[:-1], counts / (max(n_neurons, 1) * bin_ms * 1e-3), where="post", label=label)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("rate (Hz)")
    return ax


def rates(ax: Any, times: Any, senders: Any, groups: Any, t_start: Any, t_stop: Any, bin_size: Any = 5.0, *,
          kernel: str | None = None, width: Any = None, legend: bool | None = None) -> Any:
    """Time-resolved population rate of each group (Hz per neuron), one line per group.

    Computed by :func:`sncore.analysis.population_rate` from the trains of each group's
    neurons (silent neurons count in ``N``): binned, ``r_k = spikes_k / (N * bin_size)``,
    drawn as a step line over the bin centres; or, with ``kernel`` (``"rectangular"``,
    ``"gaussian"``, ``"exponential"``, ``"alpha"``) and ``width``, the kernel rate of the
    pooled spikes divided by ``N``, evaluated at the bin centres, drawn as a line.

    Args:
        ax: Axes or None.
        times, senders: recorded spikes (``res.spikes(rec)``; bare times in ms).
        groups: ``[(label, ids), ...]`` or ``{label: ids}`` (ids or NodeCollections); every
            group must hold at least one neuron.
        t_start, t_stop: window (Quantity or bare ms); ``bin_size`` must divide it.
        bin_size: bin width / evaluation step (Quantity or bare ms; default 5 ms).
        kernel, width: optional smoothing kernel and its width (Quantity or bare ms).
        legend: draw a legend (default: more than one group).

    Returns:
        the Axes; ``ax.lines[k]`` is group ``k`` (x: bin centres in ms, y: Hz).

    Example:
        >>> ax = rates(None, *res.spikes(rec), {"E": ne, "I": ni}, 0 * u.ms, 1000 * u.ms, 10 * u.ms)
    """
    from .. import analysis as sa

    ax = get_ax(ax)
    t, s = spike_events(times, senders)
    groups = groups_of(groups, s)
    for label, ids in groups:
        if len(ids) == 0:
            raise SncoreError(f"rates: group {label!r} has no neurons; the rate per neuron is undefined.")
        trains = sa.split_by_sender(t, s, ids=ids, unit="ms")
        c, r = sa.population_rate(trains, _ms(t_start, "t_start"), _ms(t_stop, "t_stop"), _ms(bin_size, "bin_size"),
                                  kernel=kernel, width=None if width is None else _ms(width, "width"), unit="ms")
        x, y = np.asarray(c.mantissa), np.asarray(r.mantissa)
        if kernel is None:
            ax.step(x, y, where="mid", label=label)
        else:
            ax.plot(x, y, label=label)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("rate (Hz)")
    if legend if legend is not None else len(groups) > 1:
        ax.legend(fontsize="small")
    return ax


def raster_and_rate(times_ms: Any, senders: Any, groups: Any, t_start: float, t_stop: float, title: str = "",
                    bin_ms: float = 5.0) -> Any:
    """A two-panel figure (raster over the groups' binned population rates); returns the Figure.

    Uses the Agg backend (files only). Arguments as in :func:`raster` and
    :func:`population_rate`; ``t_start``/``t_stop`` are bare ms.

    Example:
        >>> fig = raster_and_rate(t, s, [("E", ne), ("I", ni)], 0.0, 1000.0, title="Brunel")
        >>> fig.savefig("brunel.png")
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t, s = spike_events(times_ms, senders)
    groups = groups_of(groups, s)
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(8, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    raster(a1, t, s, groups)
    for label, ids in groups:
        population_rate(a2, t[np.isin(s, ids)], len(ids), t_start, t_stop, bin_ms, label)
    a2.legend(fontsize="small")
    a1.set_title(title)
    a1.set_xlim(t_start, t_stop)
    fig.tight_layout()
    return fig

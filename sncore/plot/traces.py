"""Recorded state traces (membrane potentials) from a multimeter.

The input is NEST's flat events layout, as returned by ``res.events(mm)``: ``{"times": [K],
"senders": [K], "V_m": [K], ...}``, one entry per sample and recorded neuron (times as a
Quantity or bare ms, the variables as Quantities or bare numbers).

Example:
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from sncore import plot
    >>> ax = plot.traces(None, res.events(mm), "V_m", threshold=20 * u.mV)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..units import SncoreError
from ._util import get_ax, ids_of, in_unit, ms, value_and_unit

__all__ = ["traces"]


def _check_events(events: Any, var: str) -> None:
    if not isinstance(events, dict) or "times" not in events or "senders" not in events:
        got = sorted(events) if isinstance(events, dict) else type(events).__name__
        raise SncoreError(f"traces needs a multimeter events dict {{'times', 'senders', var, ...}} "
                          f"(res.events(mm)), got {got}.")
    if var not in events or var in ("times", "senders"):
        avail = sorted(k for k in events if k not in ("times", "senders"))
        raise SncoreError(f"traces: the events hold no variable {var!r}; available: {avail}.")


def traces(ax: Any, events: Any, var: str = "V_m", *, senders: Any = None, threshold: Any = None,
           legend: bool | None = None, **kw: Any) -> Any:
    """One line per recorded neuron of ``events[var]`` against time.

    Args:
        ax: Axes or None.
        events: multimeter events in NEST's layout (``res.events(mm)``).
        var: the recorded variable to draw (default ``"V_m"``); an unknown name raises an
            error listing the available ones.
        senders: global ids (or a NodeCollection) to draw, in order; default every recorded
            neuron in increasing id order.
        threshold: draw a dashed horizontal line at this value (Quantity in the unit of
            ``var``, or a bare number in the plotted unit), e.g. the neurons' ``V_th``.
        legend: label the lines ``id <sender>`` in a legend (default: up to 10 lines).
        **kw: passed to ``ax.plot`` (e.g. ``lw``).

    Returns:
        the Axes; ``ax.lines[k]`` is sender ``k`` (x: time in ms, y: ``var`` in its unit),
        the threshold line (if any) comes last.

    Example:
        >>> ax = traces(None, res.events(mm), "V_m", senders=ne[:3], threshold=20 * u.mV)
    """
    _check_events(events, var)
    t = np.atleast_1d(ms(events["times"], "events['times']"))
    s = ids_of(events["senders"], "events['senders']")
    raw = events[var]
    v, unit = value_and_unit(raw)
    v = np.atleast_1d(v)
    if not (t.ndim == s.ndim == v.ndim == 1) or not (t.shape == s.shape == v.shape):
        raise SncoreError(f"traces: events['times'], events['senders'] and events[{var!r}] must be 1-D of equal "
                          f"length (NEST's flat layout, one entry per sample and neuron), got shapes "
                          f"{t.shape}, {s.shape} and {v.shape}; res.traces(mm) gives a different, 2-D layout.")
    if t.size == 0:
        raise SncoreError("traces: the events hold no samples (is the multimeter connected to neurons, "
                          "and was the simulation longer than one interval?).")
    recorded = np.unique(s)
    show = recorded if senders is None else ids_of(senders, "senders")
    missing = np.setdiff1d(show, recorded)
    if missing.size:
        raise SncoreError(f"traces: senders {missing[:5].tolist()} were not recorded; recorded: "
                          f"{recorded[:20].tolist()}{' ...' if recorded.size > 20 else ''}.")
    ax = get_ax(ax)
    for sid in show:
        m = s == sid
        order = np.argsort(t[m], kind="stable")
        ax.plot(t[m][order], v[m][order], label=f"id {sid}", **kw)
    if threshold is not None:
        th = float(in_unit(threshold, raw, "threshold"))
        ax.axhline(th, ls="--", color="k", lw=1, label="threshold")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(f"{var} ({unit})" if unit else var)
    if legend if legend is not None else len(show) <= 10:
        ax.legend(fontsize="small")
    return ax

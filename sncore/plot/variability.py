"""Histograms of spike-train variability: pooled inter-spike intervals and per-neuron CVs.

Both take a list of trains (``sncore.analysis.split_by_sender(*res.spikes(rec), ids=pop)``;
Quantities, or bare numbers in ms) and use :mod:`sncore.analysis.variability`
(``isi``: ``I_i = t_{i+1} - t_i``; ``cv``: ``std(I) / mean(I)``, NaN below 3 spikes).

Example:
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from sncore import analysis as sa, plot
    >>> trains = sa.split_by_sender(*res.spikes(rec), ids=ne)
    >>> ax = plot.isi_histogram(None, trains, bins=40)
    >>> ax = plot.cv_histogram(None, trains)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..units import SncoreError
from ._util import get_ax, ms

__all__ = ["cv_histogram", "isi_histogram"]


def _trains(trains: Any) -> list[np.ndarray]:
    from ..analysis import spike_trains

    return spike_trains(trains, unit="ms")


def isi_histogram(ax: Any, trains: Any, bins: int = 50, *, max_isi: Any = None, density: bool = False,
                  **kw: Any) -> Any:
    """Histogram of the inter-spike intervals pooled over ``trains``.

    Args:
        ax: Axes or None.
        trains: list of spike trains (each sorted; Quantity or bare ms).
        bins: number of equal bins on ``[0, max_isi]``.
        max_isi: upper end (Quantity or bare ms; default the longest ISI); longer intervals
            are not drawn.
        density: normalise to a probability density (1/ms) instead of counts.
        **kw: passed to ``ax.hist``.

    Returns:
        the Axes; ``ax.patches`` are the bars (heights: ``numpy.histogram`` of the ISIs).

    Raises:
        SncoreError: no train has two spikes (no interval to show).

    Example:
        >>> ax = isi_histogram(None, [[1, 5, 12] * u.ms, [3, 40] * u.ms], bins=8, max_isi=40 * u.ms)
    """
    from ..analysis import isi

    tr = _trains(trains)
    d = np.concatenate([np.asarray(isi(t, unit="ms").mantissa) for t in tr]) if tr else np.zeros(0)
    if d.size == 0:
        raise SncoreError(f"isi_histogram: no inter-spike interval in {len(tr)} trains (each has fewer than "
                          "2 spikes); simulate longer or record more neurons.")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise SncoreError(f"isi_histogram parameter 'bins' must be an integer >= 1, got {bins!r}.")
    top = float(d.max()) if max_isi is None else float(ms(max_isi, "max_isi"))
    if not top > 0:
        raise SncoreError(f"isi_histogram: max_isi must be > 0 ms, got {top:g} ms.")
    ax = get_ax(ax)
    ax.hist(d, bins=np.linspace(0.0, top, bins + 1), density=density, **kw)
    ax.set_xlabel("inter-spike interval (ms)")
    ax.set_ylabel("density (1/ms)" if density else "count")
    return ax


def cv_histogram(ax: Any, trains: Any, bins: int = 20, *, range: tuple[float, float] | None = None,
                 poisson_line: bool = True, **kw: Any) -> Any:
    """Histogram of the coefficient of variation of the ISIs, one value per train.

    Trains with fewer than 3 spikes (CV undefined, NaN) are left out; the title says how
    many were used.

    Args:
        ax: Axes or None.
        trains: list of spike trains (Quantity or bare ms).
        bins: number of bins.
        range: ``(low, high)`` of the bins (default: the range of the CVs).
        poisson_line: draw a dotted vertical line at ``CV = 1`` (a Poisson process).
        **kw: passed to ``ax.hist``.

    Returns:
        the Axes; ``ax.patches`` are the bars (heights: ``numpy.histogram`` of the CVs).

    Raises:
        SncoreError: no train has 3 spikes.

    Example:
        >>> ax = cv_histogram(None, sa.split_by_sender(*res.spikes(rec), ids=ne), bins=15, range=(0, 2))
    """
    from ..analysis import cv

    tr = _trains(trains)
    c = np.asarray([cv(t, unit="ms") for t in tr], dtype=np.float64)
    ok = c[np.isfinite(c)]
    if ok.size == 0:
        raise SncoreError(f"cv_histogram: none of the {len(tr)} trains has the 3 spikes a CV needs; "
                          "simulate longer or record more neurons.")
    ax = get_ax(ax)
    ax.hist(ok, bins=np.histogram_bin_edges(ok, bins, range), **kw)
    if poisson_line:
        ax.axvline(1.0, ls=":", color="k", lw=1)
    ax.set_xlabel("CV of ISI")
    ax.set_ylabel("neurons")
    ax.set_title(f"{ok.size} of {len(tr)} trains (>= 3 spikes)", fontsize="small")
    return ax

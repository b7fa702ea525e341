"""Shared helpers of :mod:`sncore.plot`: axes creation and input normalisation."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..units import SncoreError


def get_ax(ax: Any = None) -> Any:
    """``ax`` itself, or the axes of a new figure (``plt.subplots()``) when ``ax`` is None."""
    if ax is not None:
        if not hasattr(ax, "plot") or not hasattr(ax, "figure"):
            raise SncoreError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}.")
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    return ax


def ms(x: Any, name: str) -> np.ndarray:
    """Times as float64 ms: a brainunit time Quantity, or bare numbers read as ms."""
    from ..analysis import to_ms

    return np.asarray(to_ms(x, unit="ms", name=name), dtype=np.float64)


def ids_of(x: Any, name: str) -> np.ndarray:
    """Global ids (int64, 1-D) from a NodeCollection or a sequence of integers."""
    x = getattr(x, "global_ids", x)
    a = np.atleast_1d(np.asarray(x))
    if a.ndim != 1:
        raise SncoreError(f"{name} must be a 1-D sequence of global ids or a NodeCollection, got shape {a.shape}.")
    if a.size == 0:
        return np.zeros(0, np.int64)
    if not np.issubdtype(a.dtype, np.number) or not np.all(a == np.round(a)):
        raise SncoreError(f"{name} must hold integer global ids, got {a[:5]!r}.")
    return a.astype(np.int64)


def spike_events(times: Any, senders: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(times_ms, senders)`` checked: 1-D, equal length, integer senders."""
    t = np.atleast_1d(ms(times, "times"))
    s = ids_of(senders, "senders")
    if t.ndim != 1 or t.shape != s.shape:
        raise SncoreError(f"times and senders must be 1-D of equal length (res.spikes(rec) layout), "
                          f"got shapes {t.shape} and {s.shape}.")
    return t, s


def value_and_unit(x: Any) -> tuple[np.ndarray, str]:
    """Plain float array and its unit's name ('' for bare numbers) of a Quantity or array."""
    import brainunit as u

    if isinstance(x, u.Quantity):
        unit = x.unit
        name = "" if unit.is_unitless else str(unit)
        return np.asarray(x.mantissa, dtype=np.float64), name
    try:
        return np.asarray(x, dtype=np.float64), ""
    except (TypeError, ValueError) as e:
        raise SncoreError(f"expected numbers or a Quantity, got {type(x).__name__}: {e}") from None


def in_unit(x: Any, like: Any, name: str) -> float | np.ndarray:
    """``x`` as plain numbers in the unit of the Quantity ``like`` (bare ``x`` is taken as is)."""
    import brainunit as u

    if not isinstance(x, u.Quantity):
        return np.asarray(x, dtype=np.float64)
    if not isinstance(like, u.Quantity):
        raise SncoreError(f"{name} is a Quantity ({x.unit}) but the data are bare numbers; pass a bare number.")
    if u.get_dim(x) != u.get_dim(like):
        raise SncoreError(f"{name} is in {x.unit}, which does not match the data's unit {like.unit}.")
    return np.asarray(x.to_decimal(like.unit), dtype=np.float64)


def groups_of(groups: Any, senders: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Normalise ``groups``: ``[(label, ids), ...]``, a dict ``{label: ids}`` or empty (one
    group of the unique senders). Ids may be NodeCollections; groups must not overlap."""
    if groups is None or (hasattr(groups, "__len__") and len(groups) == 0):
        return [("spikes", np.unique(senders))]
    items = list(groups.items()) if isinstance(groups, dict) else list(groups)
    out, seen = [], np.zeros(0, np.int64)
    for item in items:
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise SncoreError(f"groups must be [(label, ids), ...] or {{label: ids}}, got the item {item!r}.")
        label, ids = item
        ids = ids_of(ids, f"groups[{label!r}]")
        if np.intersect1d(ids, seen).size:
            raise SncoreError(f"groups overlap: group {label!r} repeats ids of an earlier group "
                              f"(e.g. {np.intersect1d(ids, seen)[0]}); a spike would be drawn twice.")
        seen = np.concatenate([seen, ids])
        out.append((str(label), ids))
    return out

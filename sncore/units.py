"""The canonical unit system and the one place where brainunit quantities are checked.

Inside sncore every array is a plain number in the canonical unit of its dimension:

========== ============
dimension  unit
========== ============
time       ms
voltage    mV
current    pA
capacitance pF
conductance nS
rate       Hz
========== ============

so that e.g. ``pA / pF = mV / ms`` and an exact propagator needs no conversion factors.
Builders call :func:`to_canonical` on every user value; kernels never see a Quantity.
"""

from __future__ import annotations

from typing import Any

import brainunit as u
import numpy as np

#: NEST's time base: 1 tic = 1 microsecond; times are compared on this grid
TIC = 1e-3  # ms

__all__ = ["TIC", "UNITS", "SncoreError", "check_positive", "to_canonical", "to_quantity"]

#: name used in parameter tables -> brainunit unit object
UNITS: dict[str, Any] = {
    "ms": u.ms,
    "mV": u.mV,
    "pA": u.pA,
    "pF": u.pF,
    "nS": u.nS,
    "Hz": u.Hz,
    "1": None,
}


class SncoreError(ValueError):
    """Raised for bad user input; the message names the parameter, the value and what is allowed."""


def _describe(value: Any) -> str:
    if isinstance(value, u.Quantity):
        m = np.asarray(value.mantissa)
        s = f"{m.item()!r} {value.unit}" if m.size == 1 else f"array of shape {m.shape} in {value.unit}"
        return s
    arr = np.asarray(value) if not isinstance(value, str) else value
    if isinstance(arr, np.ndarray) and arr.size > 1:
        return f"a bare array of shape {arr.shape}"
    return repr(value)


def to_canonical(value: Any, unit: str, name: str, *, owner: str = "") -> np.ndarray:
    """Check that ``value`` carries the dimension of ``unit`` and return it as a float array
    in that (canonical) unit.

    Args:
        value: a brainunit Quantity (scalar or array); for ``unit == "1"`` a plain number.
        unit: one of the keys of :data:`UNITS`.
        name: parameter name, used in the error message.
        owner: model or device the parameter belongs to, used in the error message.

    Raises:
        SncoreError: if ``value`` is a bare number for a dimensional parameter, or has the
            wrong dimension.

    Example:
        >>> to_canonical(1.5 * u.second, "ms", "delay")
        array(1500.)
    """
    where = f"{owner} parameter {name!r}" if owner else f"parameter {name!r}"
    target = UNITS[unit]
    if target is None:
        if isinstance(value, u.Quantity):
            if not u.get_dim(value) == u.DIMENSIONLESS:
                raise SncoreError(f"{where} is dimensionless, got {_describe(value)}.")
            value = value.to_decimal()
        return np.asarray(value, dtype=float)
    if not isinstance(value, u.Quantity):
        raise SncoreError(
            f"{where} needs a quantity in {unit}, got {_describe(value)} (a bare number). "
            f"Write e.g. `{name}={np.asarray(value).ravel()[0] if np.size(value) else 1} * u.{unit}` "
            f"with `import brainunit as u`."
        )
    if u.get_dim(value) != u.get_dim(target):
        raise SncoreError(
            f"{where} needs a quantity with the dimension of {unit}, got {_describe(value)}."
        )
    return np.asarray(value.to_decimal(target), dtype=float)


def to_quantity(value: Any, unit: str) -> Any:
    """Wrap a plain array in canonical ``unit`` as a brainunit Quantity (identity for "1")."""
    target = UNITS[unit]
    arr = np.asarray(value)
    return arr if target is None else u.Quantity(arr, unit=target)


def check_positive(arr: np.ndarray, name: str, owner: str, unit: str, *, strict: bool = True) -> None:
    """Raise if any entry of ``arr`` is not (strictly) positive or not finite."""
    a = np.asarray(arr, dtype=float)
    bad = ~np.isfinite(a) | ((a <= 0) if strict else (a < 0))
    if np.any(bad):
        v = a[bad].ravel()[0]
        rel = "> 0" if strict else ">= 0"
        raise SncoreError(
            f"{owner} parameter {name!r} must be finite and {rel} {unit}, got {float(v):g} {unit}."
        )

"""Static model options given to ``sim.create`` (fields that are not parameters arrays:
``surrogate``, ``slope``, the ODE substep count ``n_sub`` / ``n_substeps``, ``reset`` of the
training models).

They fix the compiled step, so one value holds for a whole model block: every population of
a model in one Simulator must use the same options (a clear error otherwise). Example::

    sim.create("iaf_cond_exp", 100, params={"n_sub": 4})
    sim.create("lif", 10, params={"reset": "zero", "surrogate": "arctan", "slope": 5.0})
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ..neurons._spike import check_surrogate
from ..units import SncoreError

__all__ = ["split_options", "static_options"]


def static_options(cls) -> dict[str, Any]:
    """The static fields of a model class and their defaults."""
    return {f.name: f.default for f in dataclasses.fields(cls) if f.metadata.get("static")}


def _check_one(model: str, name: str, value: Any) -> None:
    where = f"{model} option {name!r}"
    if name == "surrogate":
        check_surrogate(value, where=f"{model} option 'surrogate'")
    elif name == "slope":
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) or \
                not np.isfinite(value) or value <= 0:
            raise SncoreError(f"{where} must be a finite number > 0, got {value!r}.")
    elif name in ("n_sub", "n_substeps") and (
            isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1):
        raise SncoreError(f"{where} must be an integer >= 1 (RK4 substeps per step), got {value!r}.")


def split_options(model: str, cls, params: dict, earlier: list) -> tuple[dict, dict]:
    """Take the static options out of ``params``; return ``(params, options)`` where
    ``options`` holds every static field (given or default). ``earlier``: the options of the
    populations of this model created before (they must agree)."""
    defaults = static_options(cls)
    given = {k: params[k] for k in params if k in defaults}
    rest = {k: v for k, v in params.items() if k not in defaults}
    for k, v in given.items():
        _check_one(model, k, v)
    opts = {**defaults, **given}
    try:  # model-specific checks (e.g. the reset rule of the training models) run at construction
        cls(**{k: v for k, v in given.items()})
    except SncoreError:
        raise
    except (TypeError, ValueError) as e:
        raise SncoreError(f"{model}: invalid options {given}: {e}") from None
    for prev in earlier:
        if prev != opts:
            diff = sorted(k for k in opts if prev.get(k) != opts[k])
            raise SncoreError(
                f"{model}: every population of a model shares its static options (they fix the compiled "
                f"step); got {diff[0]}={opts[diff[0]]!r} here and {prev.get(diff[0])!r} for an earlier "
                f"population. Allowed: the same value, or use another Simulator.")
    return rest, opts

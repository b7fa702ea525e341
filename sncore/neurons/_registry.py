"""``register(name, cls)``: add a user-defined neuron model to ``MODELS``, so that
``sim.create(name, n)`` builds populations of it (see docs/custom_models.md).

Example:
    >>> class Mine(sn.neurons.NeuronModel):
    ...     ...                                        # PARAMS, STATES, init, step
    >>> sn.neurons.register("mine", Mine)
    >>> sim.create("mine", 10)
"""

from __future__ import annotations

import inspect

from ..units import UNITS, SncoreError
from ._base import NeuronModel, Param

__all__ = ["register"]


def _fail(name, msg):
    raise SncoreError(f"register({name!r}, ...): {msg}")


def _check_table(name, cls, table):
    tab = getattr(cls, table)
    if not isinstance(tab, dict) or not all(isinstance(k, str) and isinstance(v, Param) for k, v in tab.items()):
        _fail(name, f"{cls.__name__}.{table} must be a dict of name -> sncore.neurons.Param, got {tab!r}.")
    for k, p in tab.items():
        if p.unit not in UNITS:
            _fail(name, f"{cls.__name__}.{table}[{k!r}] has unit {p.unit!r}; allowed: {sorted(UNITS)}.")


def register(name: str, cls: type, *, overwrite: bool = False) -> type:
    """Register ``cls`` (a subclass of :class:`~sncore.neurons.NeuronModel`) under ``name``.

    Checks what the Simulator relies on: ``init`` and ``step`` overridden, ``PARAMS`` with a
    dataclass field per parameter (``name: jax.Array = default``), ``STATES`` non-empty (the
    state the multimeter records), a known ``WEIGHT_UNIT`` and at least one receptor.
    ``overwrite=True`` replaces an existing user model (built-in models cannot be replaced).
    Returns ``cls`` (so it also works as ``register("name", cls)`` after the class body).

    Raises:
        SncoreError: a taken name, a class that is not a NeuronModel subclass, or one that
            misses ``init`` / ``step`` / ``PARAMS`` / ``STATES``.
    """
    from . import MODELS

    if not isinstance(name, str) or not name.isidentifier():
        raise SncoreError(f"register: 'name' must be an identifier-like string, got {name!r}.")
    if not (inspect.isclass(cls) and issubclass(cls, NeuronModel)):
        _fail(name, f"the model must be a subclass of sncore.neurons.NeuronModel, got {cls!r}.")
    if name in MODELS and not (overwrite and MODELS[name] in _USER.values()):
        what = "a built-in model" if MODELS[name] not in _USER.values() else f"{MODELS[name].__name__}"
        _fail(name, f"the name is taken by {what}; choose another name"
              + ("" if MODELS[name] not in _USER.values() else " or pass overwrite=True") + ".")
    for meth in ("init", "step"):
        if getattr(cls, meth) is getattr(NeuronModel, meth):
            _fail(name, f"{cls.__name__} does not define {meth}(); a model needs init(dt) -> state and "
                  "step(state, inp, dt) -> (state, spike).")
    for table in ("PARAMS", "STATES"):
        if table not in {k for c in cls.__mro__ if c is not NeuronModel for k in vars(c)}:
            _fail(name, f"{cls.__name__} does not define {table} (a dict of name -> Param).")
        _check_table(name, cls, table)
    if not cls.STATES:
        _fail(name, f"{cls.__name__}.STATES is empty; list at least the membrane variable.")
    fields = set(getattr(cls, "__dataclass_fields__", {}))
    missing = [k for k in cls.PARAMS if k not in fields]
    if missing:
        _fail(name, f"{cls.__name__}.PARAMS names {missing[0]!r}, which is not a field of the class; "
              f"declare it as `{missing[0]}: jax.Array = default`.")
    if cls.WEIGHT_UNIT not in UNITS:
        _fail(name, f"{cls.__name__}.WEIGHT_UNIT is {cls.WEIGHT_UNIT!r}; allowed: {sorted(UNITS)}.")
    if not cls.RECEPTORS:
        _fail(name, f"{cls.__name__}.RECEPTORS is empty; a model needs at least one input channel.")
    MODELS[name] = cls
    _USER[name] = cls
    return cls


#: models added through register()
_USER: dict[str, type] = {}

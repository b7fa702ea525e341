"""Populations and selections of their neurons for the object API.

A :class:`Population` is ``n`` neurons of one NEST-named model (Brian2's ``NeuronGroup``,
BrainPy's ``DynamicalSystem`` population); ``pop[10:20]`` and ``e + i`` are :class:`Nodes`
selections, used wherever neurons are expected (projections, inputs, monitors). At the first
``Network.run`` each population becomes one ``sim.create(model, n, params, init)`` call and a
selection the matching sliced/added :class:`~sncore.network.NodeCollection`.

Parameters and the initial state are checked when the Population is made (the same checks and
messages as ``sim.create``), so a typo fails at once, not at the first run.

Example:
    >>> import brainunit as u, sncore as sn
    >>> E = sn.objects.Population(400, "iaf_psc_delta", params={"tau_m": 20 * u.ms}, name="E")
    >>> E[:50], len(E[:50])
    (Nodes(E[0..49]; 50 neurons), 50)
    >>> E.tau_m[:2]          # parameters and states read like Brian2's group attributes
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..network import NodeCollection, Simulator
from ..neurons import MODELS
from ..units import SncoreError

__all__ = ["Nodes", "Population", "as_nodes"]


class Nodes:
    """An ordered selection of neurons: ``parts`` is a tuple of ``(population, positions)``.

    Slice like a sequence (``sel[:10]``, ``sel[[0, 3]]``; positive steps only) and add
    disjoint selections (``e + i``).
    """

    def __init__(self, parts: tuple[tuple[Population, np.ndarray], ...]):
        self.parts = parts

    def __len__(self) -> int:
        return int(sum(len(p) for _, p in self.parts))

    @property
    def populations(self) -> tuple[Population, ...]:
        out: list[Population] = []
        for pop, _ in self.parts:
            if pop not in out:
                out.append(pop)
        return tuple(out)

    def __getitem__(self, key) -> Nodes:
        if isinstance(key, slice) and key.step is not None and key.step < 0:
            raise SncoreError("Population slices must have a positive step, got "
                              f"{key!r}; allowed: pop[a:b], pop[a:b:k] with k > 0, or an index array.")
        try:
            flat = np.atleast_1d(np.arange(len(self))[key])
        except IndexError as err:
            raise SncoreError(f"index {key!r} is out of range for a selection of {len(self)} neurons.") from err
        bounds = np.cumsum([0] + [len(p) for _, p in self.parts])
        parts = []
        for k, (pop, pos) in enumerate(self.parts):
            sel = flat[(flat >= bounds[k]) & (flat < bounds[k + 1])] - bounds[k]
            if len(sel):
                parts.append((pop, pos[sel]))
        return Nodes(tuple(parts))

    def __add__(self, other: Nodes) -> Nodes:
        if not isinstance(other, Nodes):
            return NotImplemented
        for pop, pos in other.parts:
            for mine, mpos in self.parts:
                if mine is pop and np.intersect1d(pos, mpos).size:
                    raise SncoreError(f"cannot add overlapping selections of {pop.name!r} (a neuron would "
                                      "appear twice).")
        return Nodes(self.parts + other.parts)

    def __repr__(self) -> str:
        desc = ", ".join(f"{p.name}[{q.min()}..{q.max()}]" for p, q in self.parts if len(q))
        return f"Nodes({desc}; {len(self)} neurons)"

    def collection(self, nodes_of) -> NodeCollection:
        """The Simulator's NodeCollection of this selection; ``nodes_of(pop)`` gives a built
        population's collection."""
        out = None
        for pop, pos in self.parts:
            c = nodes_of(pop)[pos]
            out = c if out is None else out + c
        return out


class Population(Nodes):
    """``n`` neurons of a NEST-named model.

    Args:
        n: number of neurons (int >= 1).
        model: a name from ``sncore.neurons.MODELS`` (default ``"iaf_psc_delta"``).
        params: parameter name -> Quantity (scalar or one value per neuron); missing ones take
            NEST's defaults. NEST state names (``V_m``) given here set the initial state.
        init: initial state, e.g. ``{"V_m": 0 * u.mV}``.
        name: label used in messages and reprs (default ``model#k``).
        current: a :class:`~sncore.objects.TimedArray` injected into every neuron (Brian2's
            ``I = ta(t)`` term); the same TimedArray may drive several populations.

    Attributes after the first run: ``pop.nodes`` (the Simulator's NodeCollection) and, as for
    ``NodeCollection.get``, ``pop.V_m`` / ``pop.get("V_m")`` give the current values.
    """

    _count = 0

    def __init__(self, n: int, model: str = "iaf_psc_delta", params: dict | None = None,
                 init: dict | None = None, name: str | None = None, current: Any = None):
        if isinstance(n, str):
            raise SncoreError(f"Population(n, model, ...): the first argument is the number of neurons, got the "
                              f"string {n!r}; write Population(100, {n!r}) (SC-NeuroCore's Population(model, n) "
                              "has the order swapped).")
        if not isinstance(model, str) or model not in MODELS:
            raise SncoreError(f"Population parameter 'model': unknown neuron model {model!r}; allowed: "
                              f"{sorted(MODELS)} (devices are objects: PoissonInput, StepCurrent, "
                              "TimedArray, SpikeMonitor, StateMonitor).")
        Population._count += 1
        self.model, self.n = model, n
        self.name = name if name is not None else f"{model}#{Population._count}"
        if not isinstance(self.name, str):
            raise SncoreError(f"Population parameter 'name' must be a string, got {name!r}.")
        self.params, self.init = dict(params or {}), dict(init or {})
        # the Simulator's own checks, on a scratch Simulator (neuron creation does not depend on dt)
        self._scratch = Simulator().create(model, n, params=self.params, init=self.init)
        super().__init__(((self, np.arange(n)),))
        self.network = None
        self.nodes: NodeCollection | None = None
        self.current = None
        if current is not None:
            from .inputs import TimedArray

            if not isinstance(current, TimedArray):
                raise SncoreError(f"Population parameter 'current' must be a TimedArray, got "
                                  f"{type(current).__name__}; use StepCurrent(pop, times, amplitudes) for a "
                                  "step current.")
            self.current = current.on(self)

    def __repr__(self) -> str:
        return f"Population({self.n} x {self.model}, name={self.name!r})"

    def get(self, name: str) -> Any:
        """Current value of a parameter or state variable of every neuron (Quantity array); the
        initial values before the first run."""
        return (self.nodes if self.nodes is not None else self._scratch).get(name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name in ("model", "n", "network", "nodes", "current", "parts"):
            raise AttributeError(name)
        cls = MODELS[self.model]
        if name in cls.PARAMS or name in cls.STATES:
            return self.get(name)
        raise AttributeError(f"{type(self).__name__} {self.name!r} ({self.model}) has no attribute {name!r}; "
                             f"parameters and states: {sorted(cls.PARAMS) + sorted(cls.STATES)}.")


def as_nodes(value: Any, owner: str, param: str) -> Nodes:
    """``value`` if it is a Population or a selection of one, else a SncoreError naming what is
    allowed."""
    if isinstance(value, Nodes):
        if len(value) == 0:
            raise SncoreError(f"{owner} parameter {param!r} is an empty selection.")
        return value
    raise SncoreError(f"{owner} parameter {param!r} must be a Population or a selection of one "
                      f"(pop[:50], e + i), got {type(value).__name__}: {value!r}.")

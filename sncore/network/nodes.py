"""Groups of nodes and NEST-like node collections.

``sim.create`` makes a :class:`Group` (one population of a neuron model, or a set of
devices) and returns a :class:`NodeCollection` over it. Collections slice like sequences
(``pop[:50]``, ``pop[3]``) and add (``ne + ni``); every node has a global id (1-based, in
creation order, as in NEST), and spike senders are reported as global ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..units import SncoreError

__all__ = ["Group", "NodeCollection"]


@dataclass(eq=False)
class Group:
    """One ``create`` call: ``n`` nodes of ``model`` with global ids ``first_id ...``.

    For neuron groups ``block`` is the model name and ``offset`` the position of the first
    node in that model's block (all populations of a model lie side by side).
    """

    index: int
    model: str
    kind: str            # "neuron" or the device name
    n: int
    first_id: int
    params: dict[str, np.ndarray] = field(default_factory=dict)  # canonical, shape [n]
    init: dict[str, np.ndarray] = field(default_factory=dict)
    block: str = ""
    offset: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class NodeCollection:
    """An ordered set of nodes: ``parts`` is a tuple of ``(group, local_positions)``.

    Example:
        >>> ne = sim.create("iaf_psc_delta", 400); ni = sim.create("iaf_psc_delta", 100)
        >>> both = ne + ni; len(both), len(ne[:50])
        (500, 50)
    """

    owner: Any
    parts: tuple[tuple[Group, np.ndarray], ...]

    def __len__(self) -> int:
        return int(sum(len(p) for _, p in self.parts))

    @property
    def global_ids(self) -> np.ndarray:
        """Global ids (int64) in collection order."""
        if not self.parts:
            return np.zeros(0, np.int64)
        return np.concatenate([g.first_id + p for g, p in self.parts]).astype(np.int64)

    @property
    def groups(self) -> tuple[Group, ...]:
        return tuple(g for g, _ in self.parts)

    @property
    def kind(self) -> str:
        kinds = {g.kind for g, _ in self.parts}
        return kinds.pop() if len(kinds) == 1 else "mixed"

    def __getitem__(self, key) -> NodeCollection:
        n = len(self)
        flat = np.arange(n)[key]
        flat = np.atleast_1d(flat)
        if isinstance(key, slice) and key.step is not None and key.step < 0:
            raise SncoreError("NodeCollection slices must have a positive step.")
        bounds = np.cumsum([0] + [len(p) for _, p in self.parts])
        parts = []
        for gi, (g, pos) in enumerate(self.parts):
            sel = flat[(flat >= bounds[gi]) & (flat < bounds[gi + 1])] - bounds[gi]
            if len(sel):
                parts.append((g, pos[sel]))
        return NodeCollection(self.owner, tuple(parts))

    def __add__(self, other: NodeCollection) -> NodeCollection:
        if not isinstance(other, NodeCollection):
            return NotImplemented
        if other.owner is not self.owner:
            raise SncoreError("cannot add node collections of different Simulators.")
        if np.intersect1d(self.global_ids, other.global_ids).size:
            raise SncoreError("cannot add overlapping node collections (a node would appear twice).")
        return NodeCollection(self.owner, self.parts + other.parts)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        desc = ", ".join(f"{g.model}[{p.min()}..{p.max()}]" if len(p) else g.model for g, p in self.parts)
        return f"NodeCollection({desc}; {len(self)} nodes)"

    def get(self, name: str) -> Any:
        """Current value of a parameter or state variable for every neuron (NEST's
        ``nodes.get``), as a Quantity array in collection order. Before the first
        ``simulate`` the state is the initial state."""
        from ..neurons import MODELS
        from ..units import to_quantity

        if self.kind != "neuron":
            raise SncoreError(f"get() reads neuron parameters and states, got {self.kind!r} nodes.")
        sim = self.owner
        out = []
        for g, p in self.parts:
            cls = MODELS[g.model]
            if name in cls.PARAMS:
                out.append((g.params[name][p], cls.PARAMS[name].unit))
            elif name in cls.STATES:
                if sim.state is None:
                    vals = g.init[name][p]
                else:
                    vals = np.asarray(getattr(sim.state["neurons"][g.block], name))[g.offset + p]
                out.append((vals, cls.STATES[name].unit))
            else:
                raise SncoreError(f"{g.model} has no parameter or state {name!r}; allowed: "
                                  f"{sorted(cls.PARAMS) + sorted(cls.STATES)}.")
        units = {unit for _, unit in out}
        if len(units) > 1:
            raise SncoreError(f"get({name!r}): the collection mixes units {sorted(units)}.")
        return to_quantity(np.concatenate([v for v, _ in out]), units.pop())

    def set(self, **values: Any) -> None:
        """Set parameters or initial states before the first ``simulate`` (NEST's
        ``nodes.set``); a value is a Quantity scalar or one value per node."""
        from ..neurons import MODELS
        from ..units import check_positive, to_canonical

        sim = self.owner
        if sim.engine is not None:
            raise SncoreError("set() after simulate() is not supported; build a new Simulator.")
        if self.kind != "neuron":
            raise SncoreError(f"set() changes neuron parameters and states, got {self.kind!r} nodes.")
        bounds = np.cumsum([0] + [len(p) for _, p in self.parts])
        for name, value in values.items():
            for i, (g, p) in enumerate(self.parts):
                cls = MODELS[g.model]
                spec = cls.PARAMS.get(name) or cls.STATES.get(name)
                if spec is None:
                    raise SncoreError(f"{g.model} has no parameter or state {name!r}; allowed: "
                                      f"{sorted(cls.PARAMS) + sorted(cls.STATES)}.")
                v = to_canonical(value, spec.unit, name, owner=g.model)
                if v.ndim:
                    if v.shape != (len(self),):
                        raise SncoreError(f"set({name}=...): array of shape {v.shape} does not "
                                          f"match the {len(self)} nodes.")
                    v = v[bounds[i]:bounds[i + 1]]
                if spec.positive:
                    check_positive(np.atleast_1d(v), name, g.model, spec.unit,
                                   strict=spec.positive == "strict")
                table = g.params if name in cls.PARAMS else g.init
                new = table[name].copy()
                new[p] = v
                trial = {**g.params, name: new} if table is g.params else g.params
                cls.check(trial)
                table[name] = new

    def block_positions(self) -> dict[str, np.ndarray]:
        """Neuron positions within each model block (for the compiled network)."""
        out: dict[str, list] = {}
        for g, p in self.parts:
            out.setdefault(g.block, []).append(g.offset + p)
        return {b: np.concatenate(v) for b, v in out.items()}

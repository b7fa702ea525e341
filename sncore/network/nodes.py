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

    def __getitem__(self, key) -> "NodeCollection":
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

    def __add__(self, other: "NodeCollection") -> "NodeCollection":
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

    def block_positions(self) -> dict[str, np.ndarray]:
        """Neuron positions within each model block (for the compiled network)."""
        out: dict[str, list] = {}
        for g, p in self.parts:
            out.setdefault(g.block, []).append(g.offset + p)
        return {b: np.concatenate(v) for b, v in out.items()}

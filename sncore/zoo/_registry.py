"""The zoo's registry: every ready-made network is a builder plus the command-line options
that ``sncore run NAME`` exposes for it.

A builder returns a network object with at least ``sim`` (the :class:`~sncore.Simulator`),
``recorder`` (a spike_recorder or None) and ``populations`` (name -> NodeCollection, in the
order rates are reported and raster rows are stacked). ``sncore run NAME`` builds it,
simulates ``--duration`` ms, prints the population rates as JSON and writes a raster PNG.

Example (a new zoo entry)::

    register_network(ZooEntry(
        name="mynet", help="my network", build=mynet,
        options=(Option("scale", float, 1.0, "size factor"),),
        size=lambda net: sum(len(p) for p in net.populations.values())))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..units import SncoreError

__all__ = ["NETWORKS", "Option", "ZooEntry", "register_network"]


@dataclass(frozen=True)
class Option:
    """One command-line option ``--name`` passed to the builder as the keyword ``name``."""

    name: str
    type: type
    default: Any
    help: str
    choices: tuple | None = None


@dataclass(frozen=True)
class ZooEntry:
    """A zoo network: ``build(seed=..., n_record=..., **options)`` returns the network."""

    name: str
    help: str
    build: Callable[..., Any]
    options: tuple[Option, ...] = ()
    #: checks on the parsed options: name -> (predicate, message for the error)
    checks: dict[str, tuple[Callable[[Any], bool], str]] = field(default_factory=dict)


#: name -> entry, in the order ``sncore run --help`` lists them
NETWORKS: dict[str, ZooEntry] = {}


def register_network(entry: ZooEntry) -> ZooEntry:
    """Add ``entry`` to :data:`NETWORKS` (a clear error if the name is taken)."""
    if entry.name in NETWORKS:
        raise SncoreError(f"zoo network {entry.name!r} is already registered; allowed: a new name.")
    NETWORKS[entry.name] = entry
    return entry

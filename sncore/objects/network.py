"""``Network``: the object API's container, translated to one :class:`sncore.Simulator`.

The objects are plain descriptions; at the first :meth:`Network.run` the Network makes a
Simulator and turns every object, in the order added, into its ``create``/``connect`` calls (a
Population used by an object before it was added is created at that point). There is no second
engine: runs, random streams and numerics are the Simulator's, so the same network written with
``sim.create``/``sim.connect`` in the same order and with the same seed gives identical spikes.
``run`` may be called again to continue; monitors accumulate.

Example:
    >>> import brainunit as u, sncore as sn
    >>> from sncore.objects import Network, Population, PoissonInput, Projection, SpikeMonitor
    >>> E = Population(80, params={"V_th": 20 * u.mV}, init={"V_m": 0 * u.mV}, name="E")
    >>> I = Population(20, params={"V_th": 20 * u.mV}, init={"V_m": 0 * u.mV}, name="I")
    >>> noise = PoissonInput(E + I, rate=8 * u.Hz, n=1000, weight=0.1 * u.mV, delay=1.5 * u.ms)
    >>> ee = Projection(E, E + I, rule=sn.conn.fixed_indegree(8), weight=0.1 * u.mV, delay=1.5 * u.ms)
    >>> ie = Projection(I, E + I, rule=sn.conn.fixed_indegree(2), weight=-0.5 * u.mV, delay=1.5 * u.ms)
    >>> mon = SpikeMonitor(E)
    >>> net = Network(E, I, noise, ee, ie, mon, dt=0.1 * u.ms, seed=1)
    >>> net.run(100 * u.ms); net.run(100 * u.ms)      # continues
    >>> mon.t, mon.i, mon.rate
    >>> net.simulator                                  # the NEST face of the same network
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from ..network import NodeCollection, Result, Simulator
from ..units import SncoreError, to_quantity
from .inputs import PoissonInput, Projection, StepCurrent, TimedArray
from .monitors import SpikeMonitor, StateMonitor
from .nodes import Nodes, Population

__all__ = ["Network"]

_KINDS = (Population, Projection, PoissonInput, StepCurrent, TimedArray, SpikeMonitor, StateMonitor)
_ALLOWED = [k.__name__ for k in _KINDS]


class Network:
    """A set of objects simulated together.

    Args:
        *objects: Population, Projection, PoissonInput, StepCurrent, TimedArray, SpikeMonitor,
            StateMonitor (more with :meth:`add` before the first run).
        dt: resolution (Quantity; default 0.1 ms).
        seed: integer seed (connectivity and every random stream).
        backend: ``"auto"`` (JAX's default backend), ``"cpu"``, ``"gpu"`` or ``"tpu"``; an
            explicit backend that this machine lacks raises SncoreError naming the available ones.
        dtype: ``jnp.float32`` (default) or ``jnp.float64`` (needs ``jax_enable_x64``; never
            changed silently).
        chunk: steps per scan chunk (see :class:`sncore.Simulator`).
    """

    def __init__(self, *objects: Any, dt: Any = None, seed: int = 0, backend: str = "auto",
                 dtype: Any = jnp.float32, chunk: int | None = None):
        self._kwargs = {"dt": dt, "seed": seed, "dtype": dtype, "chunk": chunk, "backend": backend}
        Simulator(**self._kwargs)  # the Simulator's checks of dt, seed, dtype, chunk, backend, now
        self.objects: list[Any] = []
        self._sim: Simulator | None = None
        self.add(*objects)

    def __repr__(self) -> str:
        return f"Network({len(self.objects)} objects, t={self.t})"

    def add(self, *objects: Any) -> None:
        """Add objects (before the first run)."""
        if self._sim is not None:
            raise SncoreError("Network.add after run(): the network is fixed once it has run; build a new "
                              "Network for a new network.")
        for obj in objects:
            if isinstance(obj, (list, tuple)):
                self.add(*obj)
                continue
            if not isinstance(obj, _KINDS):
                kind = "a selection of a Population (add the Population itself)" if isinstance(obj, Nodes) \
                    else f"a {type(obj).__name__}"
                raise SncoreError(f"Network.add: got {kind}: {obj!r}; allowed: {_ALLOWED}.")
            if obj.network is self:
                raise SncoreError(f"Network.add: {obj!r} was already added to this Network.")
            if obj.network is not None:
                raise SncoreError(f"Network.add: {obj!r} belongs to another Network; an object is part of one "
                                  "Network only (make a new one for this Network).")
            for sel in obj._targets() if not isinstance(obj, Population) else ():
                for pop in sel.populations:
                    if pop.network is not None and pop.network is not self:
                        raise SncoreError(f"Network.add: {obj!r} uses Population {pop.name!r}, which belongs to "
                                          "another Network; objects of one Network may only use its Populations.")
            obj.network = self
            self.objects.append(obj)

    # ------------------------------------------------------------------ build and run
    def _build(self) -> Simulator:
        sim = Simulator(**self._kwargs)
        built: dict[int, NodeCollection] = {}

        def nodes_of(pop: Population) -> NodeCollection:
            if id(pop) not in built:
                if pop.network is not self:
                    where = "another Network" if pop.network is not None else "no Network"
                    raise SncoreError(f"Population {pop.name!r} is used by this Network but belongs to {where}; "
                                      f"add it: Network({pop.name}, ...) or net.add({pop.name}).")
                built[id(pop)] = pop.nodes = sim.create(pop.model, pop.n, params=pop.params, init=pop.init)
                if pop.current is not None:
                    pop.current._build(sim, nodes_of)
            return built[id(pop)]

        for obj in self.objects:
            if isinstance(obj, Population):
                nodes_of(obj)
            else:
                obj._build(sim, nodes_of)
        return sim

    def build(self) -> Simulator:
        """Make the Simulator now (the first run does it otherwise); the network is fixed from then
        on. Returns it."""
        if self._sim is None:
            self._sim = self._build()
        return self._sim

    @property
    def simulator(self) -> Simulator:
        """The Simulator this Network translates to (built on first access)."""
        return self.build()

    @property
    def t(self) -> Any:
        """Time simulated so far (Quantity, ms)."""
        return to_quantity(0.0 if self._sim is None else self._sim.t, "ms")

    def run(self, duration: Any, progress: bool | None = None) -> Result:
        """Advance by ``duration`` (Quantity, a multiple of dt); again to continue. Returns the
        Simulator's :class:`~sncore.network.Result` of this interval; monitors accumulate."""
        res = self.build().simulate(duration, progress)
        for obj in self.objects:
            if isinstance(obj, (SpikeMonitor, StateMonitor)):
                obj._collect(res)
        return res

    def nodes(self, sel: Nodes) -> NodeCollection:
        """The Simulator's NodeCollection of a Population or selection of this Network."""
        self.build()
        for pop in sel.populations:
            if pop.network is not self or pop.nodes is None:
                raise SncoreError(f"Network.nodes: Population {pop.name!r} is not part of this Network.")
        return sel.collection(lambda p: p.nodes)

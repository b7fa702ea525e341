"""Connections and inputs of the object API, each one or two Simulator calls.

========================================================  =============================================
object                                                    Simulator calls at the first ``Network.run``
========================================================  =============================================
``Projection(pre, post, rule, weight, delay, ...)``       ``sim.connect(pre, post, rule, weight, delay, ...)``
``PoissonInput(target, rate, weight, n=1, delay)``        ``g = sim.create("poisson_generator", ...)``;
                                                          ``sim.connect(g, target, ...)``
``StepCurrent(target, times, amplitudes, delay)``         ``step_current_generator`` + connect (weight 1)
``TimedArray(values, dt, target, weight, delay)``         ``timed_current`` + connect
========================================================  =============================================

``PoissonInput`` follows Brian2: each target neuron receives ``n`` independent Poisson trains of
``rate`` (together one Poisson train of rate ``n * rate``, NEST's ``poisson_generator``: a new
independent train for every target). ``rate`` and ``n`` may also be given per target (arrays of
``len(target)``); then one generator per target is connected ``one_to_one``.

Delays default to NEST's 1 ms (``Projection``, ``PoissonInput``, ``StepCurrent``: the NEST
defaults of the underlying calls). ``TimedArray`` defaults to one step ``dt`` (the smallest
delay; Brian2's ``I = ta(t)`` has none): the current sent in step ``k`` is
``values[floor(k dt / dt_table)]`` and the neuron feels it in step ``k + 1``.

Example:
    >>> from sncore.objects import Population, Projection, PoissonInput, TimedArray
    >>> E = Population(80, params={"V_th": 20 * u.mV}); I = Population(20)
    >>> Projection(E, E + I, rule=sn.conn.fixed_indegree(8), weight=0.1 * u.mV, delay=1.5 * u.ms)
    >>> PoissonInput(E + I, rate=8 * u.Hz, n=1000, weight=0.1 * u.mV)
    >>> TimedArray(np.sin(np.arange(100) / 10) * 200 * u.pA, dt=1 * u.ms, target=E)
"""

from __future__ import annotations

from typing import Any

import brainunit as u
import numpy as np

from ..units import SncoreError, to_canonical
from .nodes import Nodes, as_nodes

__all__ = ["PoissonInput", "Projection", "StepCurrent", "TimedArray"]


class Projection:
    """Synapses from ``pre`` to ``post`` (a NEST ``connect`` call).

    Args: as :meth:`sncore.Simulator.connect` (``rule``, ``weight``, ``delay``, ``synapse``,
    ``receptor``, ``allow_autapses``, ``allow_multapses``, ``path``); ``pre`` and ``post`` are
    Populations or selections. After the first run ``proj.synapses`` is the Simulator's
    :class:`~sncore.network.simulator.Synapses` handle (``proj.get("weight")``).
    """

    def __init__(self, pre: Nodes, post: Nodes, rule: Any = "all_to_all", weight: Any = None,
                 delay: Any = None, synapse: Any = None, receptor: int = 0, *, allow_autapses: bool = True,
                 allow_multapses: bool = True, path: str = "auto", name: str | None = None):
        self.pre = as_nodes(pre, "Projection", "pre")
        self.post = as_nodes(post, "Projection", "post")
        self.rule, self.weight, self.delay, self.synapse, self.receptor = rule, weight, delay, synapse, receptor
        self.flags = {"allow_autapses": allow_autapses, "allow_multapses": allow_multapses, "path": path}
        self.name = name or f"Projection({self.pre!r} -> {self.post!r})"
        self.network = None
        self.synapses = None

    def __repr__(self) -> str:
        return self.name

    def _targets(self) -> tuple[Nodes, ...]:
        return (self.pre, self.post)

    def _build(self, sim, nodes_of) -> None:
        self.synapses = sim.connect(self.pre.collection(nodes_of), self.post.collection(nodes_of), self.rule,
                                    self.weight, self.delay, receptor=self.receptor, synapse=self.synapse,
                                    **self.flags)

    def get(self, name: str = "weight") -> Any:
        """Per-synapse ``"weight"``, ``"delay"`` or synapse state (after the first run)."""
        if self.synapses is None:
            raise SncoreError(f"{self!r}: synapses exist after the first Network.run(); call it first.")
        return self.synapses.get(name)


def _per_target(value: np.ndarray, n: int, owner: str, name: str) -> np.ndarray:
    if value.ndim and value.shape != (n,):
        raise SncoreError(f"{owner} parameter {name!r}: array of shape {value.shape} does not match the "
                          f"{n} target neurons; allowed: a scalar or shape ({n},).")
    return value


class PoissonInput:
    """``n`` independent Poisson trains of ``rate`` into every neuron of ``target``.

    Args:
        target: Population or selection.
        rate: Quantity (Hz), scalar or one per target neuron.
        weight: Quantity in the target's weight unit (mV for iaf_psc_delta), default 1 (NEST).
        n: trains per target (Brian2's ``N``), int >= 1 or one int per target (default 1).
        delay: Quantity (time), default 1 ms (NEST).
    """

    def __init__(self, target: Nodes, rate: Any, weight: Any = None, n: Any = 1, delay: Any = None,
                 name: str | None = None):
        self.target = as_nodes(target, "PoissonInput", "target")
        m = len(self.target)
        r = _per_target(np.asarray(to_canonical(rate, "Hz", "rate", owner="PoissonInput")), m, "PoissonInput",
                        "rate")
        if not np.all(np.isfinite(r)) or np.any(r < 0):
            raise SncoreError(f"PoissonInput parameter 'rate' must be finite and >= 0 Hz, got {r.min():g} Hz.")
        k = np.asarray(n)
        if k.dtype == bool or not np.issubdtype(k.dtype, np.integer) or np.any(k < 1):
            raise SncoreError(f"PoissonInput parameter 'n' (trains per target) must be an integer >= 1 or one "
                              f"such integer per target, got {n!r}.")
        k = _per_target(k, m, "PoissonInput", "n")
        self.total = r * k  # Hz per target: the sum of n independent trains is one Poisson train
        self.weight, self.delay = weight, delay
        self.name = name or f"PoissonInput({self.target!r})"
        self.network = None

    def __repr__(self) -> str:
        return self.name

    def _targets(self) -> tuple[Nodes, ...]:
        return (self.target,)

    def _build(self, sim, nodes_of) -> None:
        tgt = self.target.collection(nodes_of)
        shared = self.total.ndim == 0
        gen = sim.create("poisson_generator", 1 if shared else len(tgt), params={"rate": self.total * u.Hz})
        sim.connect(gen, tgt, "all_to_all" if shared else "one_to_one", self.weight, self.delay)


class StepCurrent:
    """A piecewise constant current (NEST's ``step_current_generator``): ``amplitudes[i]`` from
    ``times[i]`` on (times on the dt grid, > 0, increasing), into every neuron of ``target``.

    Args:
        target: Population or selection (models with current input).
        times: Quantity array (time).
        amplitudes: Quantity array (current), same length.
        delay: Quantity (time), default 1 ms (NEST).
        weight: dimensionless factor (default 1).
    """

    def __init__(self, target: Nodes, times: Any, amplitudes: Any, delay: Any = None, weight: Any = 1.0,
                 name: str | None = None):
        self.target = as_nodes(target, "StepCurrent", "target")
        t = np.asarray(to_canonical(times, "ms", "times", owner="StepCurrent")).reshape(-1)
        a = np.asarray(to_canonical(amplitudes, "pA", "amplitudes", owner="StepCurrent")).reshape(-1)
        if t.size != a.size:
            raise SncoreError(f"StepCurrent: 'times' has {t.size} entries and 'amplitudes' has {a.size}; "
                              "allowed: the same number.")
        self.times, self.amplitudes = times, amplitudes
        self.delay, self.weight = delay, weight
        self.name = name or f"StepCurrent({self.target!r})"
        self.network = None

    def __repr__(self) -> str:
        return self.name

    def _targets(self) -> tuple[Nodes, ...]:
        return (self.target,)

    def _build(self, sim, nodes_of) -> None:
        gen = sim.create("step_current_generator", params={"amplitude_times": self.times,
                                                           "amplitude_values": self.amplitudes})
        sim.connect(gen, self.target.collection(nodes_of), weight=self.weight, delay=self.delay)


class TimedArray:
    """A current read from a table (Brian2's ``TimedArray``): ``values[floor(t / dt)]`` at time
    ``t``, the last row held after the end.

    Args:
        values: Quantity (current), shape ``[T]`` (same current for every target) or
            ``[T, len(target)]`` (one column per target neuron).
        dt: the table's time step (Quantity; default: the Network's dt).
        target: Population or selection; or leave it None and pass the TimedArray as
            ``Population(..., current=ta)`` (then it may drive several populations).
        weight: dimensionless factor (default 1).
        delay: Quantity (time), default one step of the Network.
    """

    def __init__(self, values: Any, dt: Any = None, target: Nodes | None = None, weight: Any = 1.0,
                 delay: Any = None, name: str | None = None):
        v = np.asarray(to_canonical(values, "pA", "values", owner="TimedArray"))
        if v.ndim not in (1, 2) or v.shape[0] == 0:
            raise SncoreError(f"TimedArray parameter 'values' must have shape [T] or [T, n_targets] with T >= 1, "
                              f"got shape {v.shape}.")
        if dt is not None:
            to_canonical(dt, "ms", "dt", owner="TimedArray")
        self.values, self.dt, self.weight, self.delay = values, dt, weight, delay
        self.target = None if target is None else as_nodes(target, "TimedArray", "target")
        if self.target is not None and v.ndim == 2 and v.shape[1] not in (1, len(self.target)):
            raise SncoreError(f"TimedArray: the table has {v.shape[1]} columns but the target has "
                              f"{len(self.target)} neurons; allowed: one column, or one per target neuron.")
        self.name = name or f"TimedArray({v.shape[0]} steps)"
        self.network = None

    def __repr__(self) -> str:
        return self.name

    def on(self, target: Nodes) -> TimedArray:
        """A copy of this table that drives ``target``."""
        return TimedArray(self.values, self.dt, target, self.weight, self.delay, name=self.name)

    def _targets(self) -> tuple[Nodes, ...]:
        if self.target is None:
            raise SncoreError(f"{self!r} has no target: give TimedArray(values, dt, target=pop), or use it "
                              "as Population(..., current=ta) without adding it to the Network.")
        return (self.target,)

    def _build(self, sim, nodes_of) -> None:
        params = {"values": self.values, **({} if self.dt is None else {"dt": self.dt})}
        gen = sim.create("timed_current", params=params)
        delay = sim.dt * u.ms if self.delay is None else self.delay
        sim.connect(gen, self._targets()[0].collection(nodes_of), weight=self.weight, delay=delay)

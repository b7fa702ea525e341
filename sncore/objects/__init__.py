"""The object API: Brian2/BrainPy-style objects translated to the NEST-like Simulator.

``Population``, ``Projection``, ``PoissonInput``, ``StepCurrent``, ``TimedArray``,
``SpikeMonitor``, ``StateMonitor`` describe a network; ``Network(*objects, dt=..., seed=...,
backend=...)`` builds one :class:`sncore.Simulator` from them at the first ``run`` (same engine,
same random streams: the equivalent ``sim.create``/``sim.connect`` script gives identical
spikes). See docs/porting.md for the NEST / Brian2 / BrainPy / sncore correspondence.

Example:
    >>> import brainunit as u, sncore as sn
    >>> from sncore.objects import Network, Population, PoissonInput, SpikeMonitor
    >>> pop = Population(100, "iaf_psc_delta", params={"V_th": 20 * u.mV}, init={"V_m": 0 * u.mV})
    >>> mon = SpikeMonitor(pop)
    >>> net = Network(pop, PoissonInput(pop, rate=8 * u.Hz, n=1000, weight=0.1 * u.mV), mon, seed=1)
    >>> net.run(200 * u.ms); mon.rate
"""

from .inputs import PoissonInput as PoissonInput
from .inputs import Projection as Projection
from .inputs import StepCurrent as StepCurrent
from .inputs import TimedArray as TimedArray
from .monitors import SpikeMonitor as SpikeMonitor
from .monitors import StateMonitor as StateMonitor
from .network import Network as Network
from .nodes import Nodes as Nodes
from .nodes import Population as Population

__all__ = ["Network", "Nodes", "PoissonInput", "Population", "Projection", "SpikeMonitor", "StateMonitor",
           "StepCurrent", "TimedArray"]

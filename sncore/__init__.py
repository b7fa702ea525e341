"""sncore: a JAX-native, differentiable spiking-neural-network simulator.

Example:
    >>> import brainunit as u, sncore as sn
    >>> sim = sn.Simulator(dt=0.1 * u.ms, seed=1)
    >>> pop = sim.create("iaf_psc_delta", 100, params={"I_e": 400 * u.pA})
    >>> res = sim.simulate(100 * u.ms)
    >>> res.rate(pop)
"""

from . import analysis as analysis
from . import conn as conn
from . import hdl as hdl
from . import neurons as neurons
from . import nn as nn
from . import objects as objects
from . import sc as sc
from . import zoo as zoo
from .network import NodeCollection as NodeCollection
from .network import Result as Result
from .network import Simulator as Simulator
from .network import batch_params as batch_params
from .network import get_param as get_param
from .network import set_param as set_param
from .units import SncoreError as SncoreError

__version__ = "0.1.0"

__all__ = ["NodeCollection", "Result", "Simulator", "SncoreError", "__version__", "analysis", "batch_params",
           "conn", "get_param", "hdl", "neurons", "nn", "objects", "sc", "set_param", "zoo"]

"""Ready-made networks; each builder returns a configured Simulator and its handles.

``NETWORKS`` lists them with their command-line options (``sncore run NAME``)."""

from ._registry import NETWORKS as NETWORKS
from ._registry import Option as Option
from ._registry import ZooEntry as ZooEntry
from ._registry import register_network as register_network
from .brunel import BrunelNetwork as BrunelNetwork
from .brunel import brunel as brunel
from .coba import CobaNetwork as CobaNetwork
from .coba import coba as coba
from .microcircuit import MicrocircuitNetwork as MicrocircuitNetwork
from .microcircuit import microcircuit as microcircuit

register_network(ZooEntry(
    "brunel", "Brunel (2000) E/I network (iaf_psc_delta), AI regime", brunel,
    (Option("order", int, 100, "NE = 4 order, NI = order"),),
    {"order": (lambda v: v >= 1, "--order must be >= 1")}))
register_network(ZooEntry(
    "coba", "Vogels & Abbott (2005) COBA network (iaf_cond_exp), 4000 x scale neurons", coba,
    (Option("scale", float, 1.0, "N = 4000 x scale, in-degree 80"),),
    {"scale": (lambda v: v * 800 >= 1, "--scale must give at least one neuron per population (scale >= 1/800)")}))
register_network(ZooEntry(
    "microcircuit", "Potjans & Diesmann (2014) cortical microcircuit (iaf_psc_exp, 8 populations), "
    "77,169 x scale neurons with full-scale in-degrees", microcircuit,
    (Option("scale", float, 0.1, "neuron numbers x scale, in-degrees kept at full scale"),
     Option("drive", str, "poisson", "background input: Poisson spike trains or their mean as DC",
            choices=("poisson", "dc")),
     Option("V0", str, "optimized", "initial V_m: per-population (NEST's default) or N(-58, 10) mV",
            choices=("optimized", "original"))),
    {"scale": (lambda v: v * 1065 >= 0.5, "--scale must give at least one neuron per population (scale >= 4.7e-4)")}))

__all__ = [
    "NETWORKS",
    "BrunelNetwork",
    "CobaNetwork",
    "MicrocircuitNetwork",
    "Option",
    "ZooEntry",
    "brunel",
    "coba",
    "microcircuit",
    "register_network",
]

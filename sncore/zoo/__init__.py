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
from .pretrained import available as available_pretrained
from .pretrained import load_pretrained as load_pretrained
from .pretrained import save_pretrained as save_pretrained

register_network(ZooEntry(
    "brunel", "Brunel (2000) E/I network (iaf_psc_delta), AI regime", brunel,
    (Option("order", int, 100, "NE = 4 order, NI = order"),),
    {"order": (lambda v: v >= 1, "--order must be >= 1")}))
register_network(ZooEntry(
    "coba", "Vogels & Abbott (2005) COBA network (iaf_cond_exp), 4000 x scale neurons", coba,
    (Option("scale", float, 1.0, "N = 4000 x scale, in-degree 80"),),
    {"scale": (lambda v: v * 800 >= 1, "--scale must give at least one neuron per population (scale >= 1/800)")}))

__all__ = [
    "NETWORKS",
    "BrunelNetwork",
    "CobaNetwork",
    "Option",
    "ZooEntry",
    "available_pretrained",
    "brunel",
    "coba",
    "load_pretrained",
    "register_network",
    "save_pretrained",
]

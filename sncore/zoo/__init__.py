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
from .column import ColumnNetwork as ColumnNetwork
from .column import column as column
from .column import hierarchy as hierarchy
from .cuba import CubaNetwork as CubaNetwork
from .cuba import cuba as cuba
from .microcircuit import MicrocircuitNetwork as MicrocircuitNetwork
from .microcircuit import microcircuit as microcircuit
from .pretrained import available as available_pretrained
from .pretrained import load_pretrained as load_pretrained
from .pretrained import save_pretrained as save_pretrained
from .striatum import StriatumNetwork as StriatumNetwork
from .striatum import striatum as striatum
from .wang import WangNetwork as WangNetwork
from .wang import wang as wang

register_network(ZooEntry(
    "brunel", "Brunel (2000) E/I network (iaf_psc_delta), NEST's AI example or a Fig. 8 regime", brunel,
    (Option("order", int, 100, "NE = 4 order, NI = order"),
     Option("regime", str, "none", "Brunel 2000 Fig. 8 state (none: NEST's example)",
            ("none", "AI", "SR", "SI-fast", "SI-slow"))),
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

register_network(ZooEntry(
    "cuba", "Vogels & Abbott (2005) CUBA network (iaf_psc_exp; Brian2's CUBA example), 4000 x scale neurons",
    cuba, (Option("scale", float, 1.0, "N = 4000 x scale, in-degree 80"),),
    {"scale": (lambda v: v * 800 >= 0.5, "--scale must give at least one neuron per population (scale >= 1/1600)")}))

register_network(ZooEntry(
    "striatum", "striatum: dSPN, iSPN, FSI (iaf_cond_exp), Poisson cortex, anti-Hebbian plasticity", striatum,
    (Option("scale", float, 1.0, "dSPN, iSPN 200 x scale, FSI 40 x scale, cortex 200 x scale"),
     Option("plasticity", str, "on", "anti-Hebbian weight changes", ("on", "off")),
     Option("plastic", str, "cortical", "plastic synapses: cortex -> SPN or SPN -> SPN", ("cortical", "lateral"))),
    {"scale": (lambda v: v > 0, "--scale must be > 0")}))

_COLUMN_OPTS = (Option("scale", float, 1.0, "NE = 400 x scale, NI = 100 x scale per layer"),
                Option("stim_onset", float, 0.0, "onset of the extra Poisson input to L2/3 E (ms)"),
                Option("stim_rate", float, 0.0, "rate of the extra Poisson input (Hz; 0: none)"))
_COLUMN_CHECKS = {"scale": (lambda v: v > 0, "--scale must be > 0"),
                  "stim_rate": (lambda v: v >= 0, "--stim-rate must be >= 0"),
                  "stim_onset": (lambda v: v >= 0, "--stim-onset must be >= 0")}
register_network(ZooEntry(
    "column", "cortical column: L2/3 and L5 E/I (iaf_psc_exp) with feedforward and feedback paths", column,
    _COLUMN_OPTS, _COLUMN_CHECKS))
register_network(ZooEntry(
    "hierarchy", "two-area hierarchy of two columns with inter-area feedforward and feedback", hierarchy,
    _COLUMN_OPTS, _COLUMN_CHECKS))

register_network(ZooEntry(
    "wang", "reduced Wang (2002) decision network (iaf_cond_exp, AMPA-like recurrence, no NMDA)", wang,
    (Option("scale", float, 1.0, "NE = 400 x scale, NI = 100 x scale"),
     Option("coherence", float, 0.5, "c in [0, 1]: pool A gets mu0 (1 + c), pool B mu0 (1 - c)"),
     Option("trials", int, 1, "independent copies in one run")),
    {"scale": (lambda v: v > 0, "--scale must be > 0"),
     "coherence": (lambda v: 0 <= v <= 1, "--coherence must be in [0, 1]"),
     "trials": (lambda v: v >= 1, "--trials must be >= 1")}))

__all__ = [
    "NETWORKS",
    "BrunelNetwork",
    "CobaNetwork",
    "ColumnNetwork",
    "CubaNetwork",
    "MicrocircuitNetwork",
    "Option",
    "StriatumNetwork",
    "WangNetwork",
    "ZooEntry",
    "available_pretrained",
    "brunel",
    "coba",
    "column",
    "cuba",
    "hierarchy",
    "load_pretrained",
    "microcircuit",
    "register_network",
    "save_pretrained",
    "striatum",
    "wang",
]

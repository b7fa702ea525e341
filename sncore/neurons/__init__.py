"""Neuron models: pure single-neuron dynamics, vmapped over populations.

``MODELS`` maps NEST model names to model classes; ``sim.create(name, ...)`` looks them up.
"""

from ._base import Input as Input
from ._base import NeuronModel as NeuronModel
from ._base import Param as Param
from ._base import vmap_init as vmap_init
from ._base import vmap_step as vmap_step
from ._base import param_axes as param_axes
from ._spike import SURROGATES as SURROGATES
from ._spike import spike_fn as spike_fn
from .iaf_psc_delta import IafPscDelta as IafPscDelta
from .iaf_psc_alpha import IafPscAlpha as IafPscAlpha
from .iaf_psc_exp import IafPscExp as IafPscExp

#: NEST model name -> model class
MODELS: dict[str, type[NeuronModel]] = {
    "iaf_psc_delta": IafPscDelta,
    "iaf_psc_exp": IafPscExp,
    "iaf_psc_alpha": IafPscAlpha,
}

iaf_psc_delta = IafPscDelta
iaf_psc_exp = IafPscExp
iaf_psc_alpha = IafPscAlpha

__all__ = ["Input", "NeuronModel", "Param", "vmap_step", "vmap_init", "param_axes", "spike_fn", "SURROGATES",
           "IafPscDelta", "iaf_psc_delta", "IafPscExp", "iaf_psc_exp", "IafPscAlpha", "iaf_psc_alpha", "MODELS"]

# ---- dimensionless models for training and general use (not NEST-named), user registration
from ._registry import register as register
from .alif import ALIF as ALIF
from .cuba_lif import CubaLIF as CubaLIF
from .lif import LIF as LIF
from .qif import QIF as QIF

MODELS.update({"lif": LIF, "alif": ALIF, "qif": QIF, "cuba_lif": CubaLIF})
lif, alif, qif, cuba_lif = LIF, ALIF, QIF, CubaLIF
__all__ += ["ALIF", "LIF", "QIF", "CubaLIF", "alif", "cuba_lif", "lif", "qif", "register"]

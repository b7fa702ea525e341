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
from .iaf_cond_exp import IafCondExp as IafCondExp
from .iaf_cond_alpha import IafCondAlpha as IafCondAlpha
from .aeif_cond_exp import AeifCondExp as AeifCondExp
from .aeif_cond_alpha import AeifCondAlpha as AeifCondAlpha

#: NEST model name -> model class
MODELS: dict[str, type[NeuronModel]] = {
    "iaf_psc_delta": IafPscDelta,
    "iaf_psc_exp": IafPscExp,
    "iaf_psc_alpha": IafPscAlpha,
    "iaf_cond_exp": IafCondExp,
    "iaf_cond_alpha": IafCondAlpha,
    "aeif_cond_exp": AeifCondExp,
    "aeif_cond_alpha": AeifCondAlpha,
}

iaf_psc_delta = IafPscDelta
iaf_psc_exp = IafPscExp
iaf_psc_alpha = IafPscAlpha
iaf_cond_exp = IafCondExp
iaf_cond_alpha = IafCondAlpha
aeif_cond_exp = AeifCondExp
aeif_cond_alpha = AeifCondAlpha

__all__ = ["Input", "NeuronModel", "Param", "vmap_step", "vmap_init", "param_axes", "spike_fn", "SURROGATES",
           "IafPscDelta", "iaf_psc_delta", "IafPscExp", "iaf_psc_exp", "IafPscAlpha", "iaf_psc_alpha",
           "IafCondExp", "iaf_cond_exp", "IafCondAlpha", "iaf_cond_alpha", "AeifCondExp", "aeif_cond_exp",
           "AeifCondAlpha", "aeif_cond_alpha", "MODELS"]

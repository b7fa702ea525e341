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
from .parrot_neuron import ParrotNeuron as ParrotNeuron
from .izhikevich import Izhikevich as Izhikevich
from .hh_psc_alpha import HhPscAlpha as HhPscAlpha
from .mat2_psc_exp import Mat2PscExp as Mat2PscExp
from .gif_cond_exp import GifCondExp as GifCondExp

#: NEST model name -> model class
MODELS: dict[str, type[NeuronModel]] = {
    "iaf_psc_delta": IafPscDelta,
    "iaf_psc_exp": IafPscExp,
    "iaf_psc_alpha": IafPscAlpha,
    "parrot_neuron": ParrotNeuron,
    "izhikevich": Izhikevich,
    "hh_psc_alpha": HhPscAlpha,
    "mat2_psc_exp": Mat2PscExp,
    "gif_cond_exp": GifCondExp,
}

iaf_psc_delta = IafPscDelta
iaf_psc_exp = IafPscExp
iaf_psc_alpha = IafPscAlpha
parrot_neuron = ParrotNeuron
izhikevich = Izhikevich
hh_psc_alpha = HhPscAlpha
mat2_psc_exp = Mat2PscExp
gif_cond_exp = GifCondExp

__all__ = ["Input", "NeuronModel", "Param", "vmap_step", "vmap_init", "param_axes", "spike_fn", "SURROGATES",
           "IafPscDelta", "iaf_psc_delta", "IafPscExp", "iaf_psc_exp", "IafPscAlpha", "iaf_psc_alpha",
           "ParrotNeuron", "parrot_neuron",
           "Izhikevich", "izhikevich",
           "HhPscAlpha", "hh_psc_alpha",
           "Mat2PscExp", "mat2_psc_exp",
           "GifCondExp", "gif_cond_exp", "MODELS"]

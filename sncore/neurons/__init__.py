"""Neuron models: pure single-neuron dynamics, vmapped over populations.

``MODELS`` maps model names (NEST's names for the NEST models) to model classes;
``sim.create(name, ...)`` looks them up and :func:`register` adds user models.
"""

from ._base import Input as Input
from ._base import NeuronModel as NeuronModel
from ._base import Param as Param
from ._base import param_axes as param_axes
from ._base import vmap_init as vmap_init
from ._base import vmap_step as vmap_step
from ._registry import register as register
from ._spike import SURROGATES as SURROGATES
from ._spike import spike_fn as spike_fn
from .aeif_cond_alpha import AeifCondAlpha as AeifCondAlpha
from .aeif_cond_exp import AeifCondExp as AeifCondExp
from .alif import ALIF as ALIF
from .cuba_lif import CubaLIF as CubaLIF
from .gif_cond_exp import GifCondExp as GifCondExp
from .hh_psc_alpha import HhPscAlpha as HhPscAlpha
from .iaf_cond_alpha import IafCondAlpha as IafCondAlpha
from .iaf_cond_exp import IafCondExp as IafCondExp
from .iaf_psc_alpha import IafPscAlpha as IafPscAlpha
from .iaf_psc_delta import IafPscDelta as IafPscDelta
from .iaf_psc_exp import IafPscExp as IafPscExp
from .izhikevich import Izhikevich as Izhikevich
from .lif import LIF as LIF
from .mat2_psc_exp import Mat2PscExp as Mat2PscExp
from .parrot_neuron import ParrotNeuron as ParrotNeuron
from .qif import QIF as QIF

#: model name -> model class (NEST-named models first, then the dimensionless training models)
MODELS: dict[str, type[NeuronModel]] = {
    "iaf_psc_delta": IafPscDelta,
    "iaf_psc_exp": IafPscExp,
    "iaf_psc_alpha": IafPscAlpha,
    "iaf_cond_exp": IafCondExp,
    "iaf_cond_alpha": IafCondAlpha,
    "aeif_cond_exp": AeifCondExp,
    "aeif_cond_alpha": AeifCondAlpha,
    "parrot_neuron": ParrotNeuron,
    "izhikevich": Izhikevich,
    "hh_psc_alpha": HhPscAlpha,
    "mat2_psc_exp": Mat2PscExp,
    "gif_cond_exp": GifCondExp,
    # dimensionless models for training and general use (not NEST-named)
    "lif": LIF,
    "alif": ALIF,
    "qif": QIF,
    "cuba_lif": CubaLIF,
}

# lower-case aliases: ``sn.neurons.iaf_psc_delta(...)`` as in NEST's model names
iaf_psc_delta = IafPscDelta
iaf_psc_exp = IafPscExp
iaf_psc_alpha = IafPscAlpha
iaf_cond_exp = IafCondExp
iaf_cond_alpha = IafCondAlpha
aeif_cond_exp = AeifCondExp
aeif_cond_alpha = AeifCondAlpha
parrot_neuron = ParrotNeuron
izhikevich = Izhikevich
hh_psc_alpha = HhPscAlpha
mat2_psc_exp = Mat2PscExp
gif_cond_exp = GifCondExp
lif, alif, qif, cuba_lif = LIF, ALIF, QIF, CubaLIF

__all__ = [
    "ALIF",
    "LIF",
    "MODELS",
    "QIF",
    "SURROGATES",
    "AeifCondAlpha",
    "AeifCondExp",
    "CubaLIF",
    "GifCondExp",
    "HhPscAlpha",
    "IafCondAlpha",
    "IafCondExp",
    "IafPscAlpha",
    "IafPscDelta",
    "IafPscExp",
    "Input",
    "Izhikevich",
    "Mat2PscExp",
    "NeuronModel",
    "Param",
    "ParrotNeuron",
    "aeif_cond_alpha",
    "aeif_cond_exp",
    "alif",
    "cuba_lif",
    "gif_cond_exp",
    "hh_psc_alpha",
    "iaf_cond_alpha",
    "iaf_cond_exp",
    "iaf_psc_alpha",
    "iaf_psc_delta",
    "iaf_psc_exp",
    "izhikevich",
    "lif",
    "mat2_psc_exp",
    "param_axes",
    "parrot_neuron",
    "qif",
    "register",
    "spike_fn",
    "vmap_init",
    "vmap_step",
]

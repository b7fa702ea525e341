"""Training layer: Equinox spiking layers built from the neuron models' ``step`` functions,
encoders, losses and a training-step helper (optax).

All arrays are time-major ``[T, B, ...]`` (:mod:`sncore.nn.typing`). Each layer runs one
``lax.scan`` over time, with ``checkpoint=None | "step" | k`` for memory-lean BPTT
(:mod:`sncore.nn._scan`, :func:`memory_report`, docs/training.md).

Example:
    >>> import jax, optax, sncore.nn as snn
    >>> k1, k2 = jax.random.split(jax.random.key(0))
    >>> net = snn.SpikingNetwork([snn.SpikingDense(10, 32, key=k1), snn.LeakyReadout(32, 2, key=k2)])
    >>> opt = optax.adam(1e-2)
    >>> opt_state = opt.init(eqx.filter(net, eqx.is_inexact_array))
    >>> net, opt_state, loss = snn.train_step(net, opt_state, (x, y), opt)   # x [T, B, 10], y [B]
"""

from ..neurons._spike import SURROGATES as SURROGATES
from ..neurons._spike import check_surrogate as check_surrogate
from ..neurons._spike import register_surrogate as register_surrogate
from ..neurons._spike import spike_fn as spike_fn
from . import datasets as datasets
from . import encode as encode
from . import loss as loss
from . import tasks as tasks
from . import typing as typing
from ._neuron import NEURONS as NEURONS
from ._neuron import NeuronBlock as NeuronBlock
from ._scan import scan_projected as scan_projected
from ._scan import time_scan as time_scan
from .conv import Flatten as Flatten
from .conv import SpikingConv1d as SpikingConv1d
from .conv import SpikingConv2d as SpikingConv2d
from .encode import latency_encode as latency_encode
from .encode import rate_encode as rate_encode
from .layers import INHERIT as INHERIT
from .layers import LeakyReadout as LeakyReadout
from .layers import SpikingDense as SpikingDense
from .layers import SpikingRecurrent as SpikingRecurrent
from .memory import memory_report as memory_report
from .memory import saved_residuals as saved_residuals
from .network import SpikingNetwork as SpikingNetwork
from .train import train_step as train_step
from .typing import as_time_major as as_time_major

__all__ = [
    "INHERIT",
    "NEURONS",
    "SURROGATES",
    "Flatten",
    "LeakyReadout",
    "NeuronBlock",
    "SpikingConv1d",
    "SpikingConv2d",
    "SpikingDense",
    "SpikingNetwork",
    "SpikingRecurrent",
    "as_time_major",
    "check_surrogate",
    "datasets",
    "encode",
    "latency_encode",
    "loss",
    "memory_report",
    "rate_encode",
    "register_surrogate",
    "saved_residuals",
    "scan_projected",
    "spike_fn",
    "tasks",
    "time_scan",
    "train_step",
    "typing",
]

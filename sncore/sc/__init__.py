"""Stochastic computing (SC): bitstream encoders, packed-bit arithmetic and SC layers in JAX.

A value ``p`` in ``[0, 1]`` is carried by a stream of ``L`` bits with ``P(bit = 1) = p``
(unipolar) or ``x = 2 p - 1`` in ``[-1, 1]`` (bipolar).  Streams are packed 32 bits per uint32
word on the last axis, ``[..., L/32]`` (bit ``i`` = bit ``i % 32`` of word ``i // 32``).

======================  ===========================================================
module                  holds
======================  ===========================================================
:mod:`.lfsr`            :class:`LfsrSpec` (shared with the RTL), maximal taps, LFSR encoder
:mod:`.sobol`           Sobol low-discrepancy sequences and encoder
:mod:`.bernoulli`       Bernoulli streams from a JAX key
:mod:`.packing`         ``pack``, ``unpack``, ``popcount``, ``decode``
:mod:`.arith`           AND / XNOR multiply, MUX add, APC, SCC
:mod:`.layers`          :class:`SCDense` (equinox)
:mod:`.neuron`          integer stochastic LIF fed by bitstreams, packed spike recorder
:mod:`.synapse`         bitstream synapse, stochastic STDP
======================  ===========================================================

Every function is jittable and vmappable; specs and lengths are static.

Example:
    >>> import jax, sncore.sc as sc
    >>> a = sc.sobol_encode(0.5, 1024, dim=1)
    >>> b = sc.sobol_encode(0.25, 1024, dim=2)
    >>> float(sc.decode(sc.mul(a, b)))
    0.125
"""

from .arith import apc as apc
from .arith import apc_total as apc_total
from .arith import mul as mul
from .arith import mul_bipolar as mul_bipolar
from .arith import mux_add as mux_add
from .arith import scc as scc
from .bernoulli import bernoulli_bits as bernoulli_bits
from .bernoulli import bernoulli_encode as bernoulli_encode
from .layers import SCDense as SCDense
from .lfsr import MAXIMAL_TAPS as MAXIMAL_TAPS
from .lfsr import LfsrSpec as LfsrSpec
from .lfsr import lfsr_encode as lfsr_encode
from .lfsr import lfsr_is_maximal as lfsr_is_maximal
from .lfsr import lfsr_period as lfsr_period
from .lfsr import lfsr_sequence as lfsr_sequence
from .lfsr import lfsr_step as lfsr_step
from .lfsr import lfsr_threshold as lfsr_threshold
from .neuron import RecorderState as RecorderState
from .neuron import SpikeRecorder as SpikeRecorder
from .neuron import StochasticLIF as StochasticLIF
from .packing import decode as decode
from .packing import decode_bipolar as decode_bipolar
from .packing import pack as pack
from .packing import popcount as popcount
from .packing import unpack as unpack
from .sobol import sobol_encode as sobol_encode
from .sobol import sobol_sequence as sobol_sequence
from .sobol import sobol_threshold as sobol_threshold
from .synapse import BitstreamSynapse as BitstreamSynapse
from .synapse import StdpState as StdpState
from .synapse import StochasticSTDP as StochasticSTDP
from .synapse import lfsr_gates as lfsr_gates
from .synapse import stdp_gates as stdp_gates

__all__ = [
    "MAXIMAL_TAPS",
    "BitstreamSynapse",
    "LfsrSpec",
    "RecorderState",
    "SCDense",
    "SpikeRecorder",
    "StdpState",
    "StochasticLIF",
    "StochasticSTDP",
    "apc",
    "apc_total",
    "bernoulli_bits",
    "bernoulli_encode",
    "decode",
    "decode_bipolar",
    "lfsr_encode",
    "lfsr_gates",
    "lfsr_is_maximal",
    "lfsr_period",
    "lfsr_sequence",
    "lfsr_step",
    "lfsr_threshold",
    "mul",
    "mul_bipolar",
    "mux_add",
    "pack",
    "popcount",
    "scc",
    "sobol_encode",
    "sobol_sequence",
    "sobol_threshold",
    "stdp_gates",
    "unpack",
]

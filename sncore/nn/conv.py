"""Spiking convolutions: ``eqx.nn.Conv1d`` / ``Conv2d`` on every time step, then spiking neurons.

Shapes (time-major, channels first; see :mod:`sncore.nn.typing`)::

    SpikingConv1d:  [T, B, C_in, L]     -> spikes [T, B, C_out, L']
    SpikingConv2d:  [T, B, C_in, H, W]  -> spikes [T, B, C_out, H', W']

The convolution has no state, so it is applied to all ``T x B`` frames at once
(``jax.vmap`` over time and batch of the unbatched Equinox convolution), giving the synaptic
input ``I_t = conv(x_t)``; then one ``lax.scan`` over time steps the neurons (one per output
channel and position, ``vmap``-ed model ``step``). Weights are Equinox's initialisation
times ``weight_scale``. Learnable time constants / thresholds are
per output channel (shape ``[C_out, 1, ...]``, broadcast over positions).

:class:`Flatten` turns ``[T, B, C, *S]`` into ``[T, B, C * prod(S)]`` for a dense layer or
readout after a convolution.

Example:
    >>> conv = SpikingConv2d(2, 8, kernel_size=3, padding=1, neuron="lif", key=jax.random.key(0))
    >>> conv(jnp.zeros((20, 4, 2, 16, 16))).shape
    (20, 4, 8, 16, 16)
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from ._neuron import NeuronBlock
from ._scan import Checkpoint, check_checkpoint, scan_projected
from .layers import _check_size, _TimeLayer
from .typing import Spikes

__all__ = ["Flatten", "SpikingConv1d", "SpikingConv2d"]


class _SpikingConv(_TimeLayer):
    conv: eqx.nn.Conv
    neurons: NeuronBlock
    in_channels: int = eqx.field(static=True)
    out_channels: int = eqx.field(static=True)
    num_spatial_dims: int = eqx.field(static=True)
    checkpoint: Any = eqx.field(static=True)
    batch_major: bool = eqx.field(static=True)

    def __init__(self, in_channels: int, out_channels: int, kernel_size, neuron="lif",
                 neuron_params: dict | None = None, *, stride=1, padding=0, learn_tau: bool = False, learn_threshold: bool = False,
                 use_bias: bool = False, weight_scale: float = 1.0, dt: float = 1.0, checkpoint: Checkpoint = None, batch_major: bool = False,
                 dtype=None, key):
        name = type(self).__name__
        nd = self._nd()
        _check_size(name, in_channels=in_channels, out_channels=out_channels)
        check_checkpoint(checkpoint, f"{name}: checkpoint")
        dtype = dtype or jnp.result_type(float)
        self.conv = eqx.nn.Conv(nd, in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                                use_bias=use_bias, dtype=dtype, key=key)
        if weight_scale != 1.0:
            self.conv = eqx.tree_at(lambda c: c.weight, self.conv, self.conv.weight * weight_scale)
        self.neurons = NeuronBlock.build(neuron, (out_channels,) + (1,) * nd, neuron_params, learn_tau=learn_tau,
                                         learn_threshold=learn_threshold, dt=dt, layer=name, dtype=dtype)
        self.in_channels, self.out_channels, self.num_spatial_dims = int(in_channels), int(out_channels), nd
        self.checkpoint, self.batch_major = checkpoint, bool(batch_major)

    def _nd(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def _feature_shape(self) -> tuple:
        return (self.in_channels,) + (None,) * self.num_spatial_dims

    def forward(self, x: Spikes, checkpoint: Checkpoint = None) -> Spikes:
        """Time-major forward pass: ``[T, B, C_in, *S] -> [T, B, C_out, *S']``."""
        project = jax.vmap(self.conv)                    # [B, C_in, *S] -> [B, C_out, *S']
        out_shape = jax.eval_shape(project, x[0]).shape[1:]
        resolved = self.neurons.resolve()
        state = self.neurons.init(x.shape[1], out_shape, x.dtype)

        def body(s, i_t):
            return self.neurons.step(resolved, s, i_t)

        return scan_projected(project, body, state, x, checkpoint)[1]


class SpikingConv1d(_SpikingConv):
    """1-D spiking convolution ``[T, B, C_in, L] -> [T, B, C_out, L']`` (see the module docstring;
    arguments ``(in_channels, out_channels, kernel_size, neuron, neuron_params)``, keywords
    ``stride``, ``padding`` and those of :class:`SpikingDense`)."""

    def _nd(self) -> int:
        return 1


class SpikingConv2d(_SpikingConv):
    """2-D spiking convolution ``[T, B, C_in, H, W] -> [T, B, C_out, H', W']`` (see the module
    docstring; arguments ``(in_channels, out_channels, kernel_size, neuron, neuron_params)``, keywords
    ``stride``, ``padding`` and those of :class:`SpikingDense`)."""

    def _nd(self) -> int:
        return 2


class Flatten(_TimeLayer):
    """``[T, B, *in_shape] -> [T, B, prod(in_shape)]`` (no parameters, no scan)."""

    in_shape: tuple = eqx.field(static=True)
    checkpoint: Any = eqx.field(static=True, default=None)
    batch_major: bool = eqx.field(static=True, default=False)

    def __init__(self, in_shape, *, batch_major: bool = False):
        self.in_shape = tuple(int(s) for s in in_shape)
        _check_size("Flatten", **{f"in_shape[{i}]": s for i, s in enumerate(self.in_shape)})
        self.checkpoint, self.batch_major = None, bool(batch_major)

    def _feature_shape(self) -> tuple:
        return self.in_shape

    def forward(self, x: Spikes, checkpoint: Checkpoint = None) -> Spikes:
        return x.reshape(x.shape[0], x.shape[1], -1)

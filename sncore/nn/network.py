"""``SpikingNetwork``: layers applied in sequence, each with its one scan over time.

``net(x)`` feeds time-major ``x`` ``[T, B, ...]`` through the layers in order and returns the
last layer's output (``return_all=True``: the list of every layer's output, e.g. hidden spikes
for a rate regulariser). ``checkpoint`` (None, ``"step"`` or an int ``k``) applies to every
layer's scan (see :mod:`sncore.nn._scan`) unless it is ``INHERIT``, in which case each layer
keeps its own. ``batch_major=True`` transposes ``[B, T, ...]`` input once on entry and every
output back on exit; the layers inside always see time-major arrays.

Example:
    >>> k1, k2 = jax.random.split(jax.random.key(0))
    >>> net = SpikingNetwork([SpikingDense(10, 32, key=k1), LeakyReadout(32, 2, key=k2)],
    ...                      checkpoint=25)
    >>> net(jnp.zeros((100, 4, 10))).shape
    (100, 4, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import equinox as eqx
import jax.numpy as jnp

from ..units import SncoreError
from ._scan import Checkpoint, check_checkpoint
from .layers import INHERIT, _TimeLayer
from .typing import as_time_major

__all__ = ["SpikingNetwork"]


class SpikingNetwork(eqx.Module):
    """A sequence of :mod:`sncore.nn` layers (see the module docstring)."""

    layers: tuple
    checkpoint: Any = eqx.field(static=True)
    batch_major: bool = eqx.field(static=True)

    def __init__(self, layers: Sequence[_TimeLayer], *, checkpoint: Checkpoint = INHERIT, batch_major: bool = False):
        layers = tuple(layers)
        if not layers:
            raise SncoreError("SpikingNetwork: layers must be a non-empty sequence of sncore.nn layers.")
        for i, lay in enumerate(layers):
            if not isinstance(lay, _TimeLayer):
                raise SncoreError(f"SpikingNetwork: layers[{i}] is a {type(lay).__name__}; expected an sncore.nn "
                                  f"layer (SpikingDense, SpikingRecurrent, LeakyReadout, SpikingConv1d/2d).")
            if lay.batch_major:
                raise SncoreError(f"SpikingNetwork: layers[{i}] has batch_major=True; set batch_major on the "
                                  f"network instead (layers inside see time-major arrays).")
        if checkpoint != INHERIT:
            check_checkpoint(checkpoint, "SpikingNetwork: checkpoint")
        self.layers, self.checkpoint, self.batch_major = layers, checkpoint, bool(batch_major)

    def __call__(self, x, *, checkpoint: Checkpoint = INHERIT, return_all: bool = False):
        ck = self.checkpoint if checkpoint == INHERIT else checkpoint
        first = self.layers[0]
        x = as_time_major(x, first._feature_shape(), "SpikingNetwork", batch_major=self.batch_major,
                          dtype=next((d for d in (lay._param_dtype() for lay in self.layers) if d is not None), None))
        outs = []
        for lay in self.layers:
            c = lay.checkpoint if ck == INHERIT else ck
            check_checkpoint(c, f"SpikingNetwork: checkpoint of {type(lay).__name__}")
            x = lay.forward(as_time_major(x, lay._feature_shape(), type(lay).__name__), c)
            outs.append(x)
        if self.batch_major:
            outs = [jnp.swapaxes(o, 0, 1) for o in outs]
        return outs if return_all else outs[-1]

"""``train_step``: one optax update of an Equinox model (the example training loop).

The model's inexact array leaves (weights, learnable time constants and thresholds) are
trained; everything else (static options, integer delays) is left alone. Gradients come from
``eqx.filter_value_and_grad``; the optimiser is any ``optax.GradientTransformation``
(no home-made optimiser).

Example:
    >>> import optax
    >>> opt = optax.adam(1e-2)
    >>> opt_state = opt.init(eqx.filter(net, eqx.is_inexact_array))
    >>> for x, y in batches:                                    # x [T, B, F], y [B]
    ...     net, opt_state, loss = train_step(net, opt_state, (x, y), opt)
"""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx

from .loss import ce_max_membrane_loss

__all__ = ["default_loss", "train_step"]


def default_loss(model, x, y):
    """Cross-entropy on the maximum readout membrane of ``model(x)`` ``[T, B, C]``."""
    return ce_max_membrane_loss(model(x), y)


@eqx.filter_jit
def train_step(model, opt_state, batch, optimizer, loss_fn: Callable = default_loss):
    """One step: ``loss, grads = value_and_grad(loss_fn)(model, *batch)``, optax update, apply.

    Returns ``(model, opt_state, loss)``."""
    x, y = batch
    loss, grads = eqx.filter_value_and_grad(loss_fn)(model, x, y)
    params = eqx.filter(model, eqx.is_inexact_array)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    return eqx.apply_updates(model, updates), opt_state, loss

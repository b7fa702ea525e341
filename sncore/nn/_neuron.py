"""A block of spiking neurons for the layers: one model's ``step``, ``vmap``-ed over batch and
features, with optional learnable (positive) time constants and threshold.

Time constants and thresholds are **log-parametrised** when learned, so they stay positive
whatever the optimiser does::

    tau = exp(log_tau)                  (every "tau_*" parameter of the model, per neuron)
    theta = exp(log_threshold)          (distance from threshold to the reset value)

The threshold ``theta`` enters each model as:

* ``lif`` (threshold fixed at 1 in its units): the input and ``I_e`` are divided by ``theta``.
  This is the same neuron with threshold ``theta`` (``V' = V / theta`` obeys the lif equations),
  so the spikes are those of a lif with threshold ``theta``; the stored membrane is ``V / theta``.
* ``alif``: the baseline threshold ``b0 = theta``.
* ``cuba_lif``: ``v_th = v_reset + theta``.

Parameters that are not learned are wrapped in ``jax.lax.stop_gradient`` (their gradient is 0,
so an optimiser leaves them unchanged).

Example:
    >>> blk = NeuronBlock.build("alif", (10,), {"tau_adapt": 100.0}, learn_tau=True, layer="demo")
    >>> state = blk.init(batch=4, shape=(10,), dtype=jnp.float32)
    >>> state, spikes = blk.step(blk.resolve(), state, jnp.ones((4, 10)))
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from ..neurons import ALIF, LIF, CubaLIF, Input, NeuronModel
from ..neurons._base import param_axes
from ..neurons._spike import check_surrogate
from ..units import SncoreError

__all__ = ["NEURONS", "NeuronBlock"]

#: neuron names a layer accepts (a NeuronModel instance with one receptor is accepted too)
NEURONS: dict[str, type[NeuronModel]] = {"lif": LIF, "alif": ALIF, "cuba_lif": CubaLIF}


def _tau_names(model: NeuronModel) -> tuple[str, ...]:
    return tuple(n for n in type(model).PARAMS if n.startswith("tau"))


def _flat(p, shape, n):
    """A parameter broadcast to the feature shape and flattened to [N] (scalars stay scalars)."""
    p = jnp.asarray(p)
    return p if p.ndim == 0 else jnp.broadcast_to(p, shape).reshape(n)


def _has_drive(state) -> bool:
    return hasattr(state, "_replace") and "I" in getattr(state, "_fields", ())


def _drop_drive(state):
    return state._replace(I=None) if _has_drive(state) else state


class NeuronBlock(eqx.Module):
    """Neurons of one model with per-neuron learnable parameters (see the module docstring).

    ``param_shape`` is the shape learned parameters have: ``(F,)`` for dense layers,
    ``(C, 1, ...)`` (one per channel) for convolutions; it broadcasts to the feature shape."""

    model: NeuronModel
    log_tau: dict | None
    log_threshold: jax.Array | None
    param_shape: tuple = eqx.field(static=True)
    dt: float = eqx.field(static=True)

    @classmethod
    def build(cls, neuron: Any, param_shape: tuple, neuron_params: dict | None, *, learn_tau: bool = False,
              learn_threshold: bool = False, dt: float = 1.0, layer: str = "layer", dtype=None) -> NeuronBlock:
        params = dict(neuron_params or {})
        if isinstance(neuron, NeuronModel):
            if params:
                raise SncoreError(f"{layer}: neuron_params={params!r} given with a NeuronModel instance; "
                                  f"set the parameters on the instance instead.")
            model = neuron
        elif isinstance(neuron, str) and neuron in NEURONS:
            try:
                model = NEURONS[neuron](**params)
            except TypeError as e:
                allowed = sorted(NEURONS[neuron].PARAMS) + ["reset", "surrogate", "slope"]
                raise SncoreError(f"{layer}: neuron_params {sorted(params)} not accepted by {neuron!r} ({e}); "
                                  f"allowed keys: {allowed}.") from None
        else:
            raise SncoreError(f"{layer}: neuron={neuron!r} is unknown; allowed: {sorted(NEURONS)} or a "
                              f"sncore.neurons.NeuronModel instance with one receptor.")
        if len(type(model).RECEPTORS) != 1:
            raise SncoreError(f"{layer}: neuron model {type(model).__name__} has receptors "
                              f"{type(model).RECEPTORS}; layers need a model with one input receptor.")
        check_surrogate(model.surrogate, f"{layer}: surrogate")
        if not (isinstance(dt, (int, float)) and dt > 0):
            raise SncoreError(f"{layer}: dt={dt!r} must be a positive number of ms.")
        dtype = dtype or jnp.result_type(float)
        log_tau = None
        if learn_tau:
            log_tau = {}
            for name in _tau_names(model):
                tau = jnp.broadcast_to(jnp.asarray(getattr(model, name), dtype), param_shape)
                log_tau[name] = jnp.log(tau)
        log_threshold = None
        if learn_threshold:
            if isinstance(model, LIF):
                theta = 1.0
            elif isinstance(model, ALIF):
                theta = model.b0
            elif isinstance(model, CubaLIF):
                theta = jnp.asarray(model.v_th) - jnp.asarray(model.v_reset)
            else:
                raise SncoreError(f"{layer}: learn_threshold=True is supported for {sorted(NEURONS)}, "
                                  f"not {type(model).__name__}.")
            theta = jnp.broadcast_to(jnp.asarray(theta, dtype), param_shape)
            if bool(jnp.any(theta <= 0)):
                raise SncoreError(f"{layer}: learn_threshold needs a threshold above the reset value, got "
                                  f"a distance {float(theta.min()):g}.")
            log_threshold = jnp.log(theta)
        return cls(model, log_tau, log_threshold, tuple(param_shape), float(dt))

    def resolve(self) -> tuple[NeuronModel, Any]:
        """The model with learned values in place (others behind ``stop_gradient``), and the
        input scale (``1/theta`` for a lif with a learned threshold, else None)."""
        model = jax.tree.map(jax.lax.stop_gradient, self.model)
        scale = None
        if self.log_tau is not None:
            for name, lt in self.log_tau.items():
                model = eqx.tree_at(lambda m, n=name: getattr(m, n), model, jnp.exp(lt))
        if self.log_threshold is not None:
            theta = jnp.exp(self.log_threshold)
            if isinstance(model, LIF):
                scale = 1.0 / theta
                model = eqx.tree_at(lambda m: m.I_e, model, model.I_e * scale)
            elif isinstance(model, ALIF):
                model = eqx.tree_at(lambda m: m.b0, model, theta)
            else:
                model = eqx.tree_at(lambda m: m.v_th, model, model.v_reset + theta)
        return model, scale

    def _flat_model(self, model, shape):
        n = 1
        for s in shape:
            n *= s
        return jax.tree.map(lambda p: _flat(p, shape, n), model), n

    def init(self, batch: int, shape: tuple, dtype) -> Any:
        """State of ``batch`` x ``shape`` neurons, leaves ``[B, N]`` (``N = prod(shape)``).

        The models' buffered external drive ``I`` (a dc_generator's current, always 0 in a
        layer) is left out (``None``), so the scan carries only the dynamic state."""
        model, n = self._flat_model(self.resolve()[0], shape)
        single = jax.vmap(lambda m: m.init(self.dt), in_axes=(param_axes(model),), axis_size=n)(model)
        return _drop_drive(jax.tree.map(lambda s: jnp.broadcast_to(s, (batch, n)).astype(dtype), single))

    def step(self, resolved: tuple, state: Any, current: jax.Array):
        """One step of all neurons: ``current`` ``[B, *shape]`` -> (state, spikes ``[B, *shape]``)."""
        model, scale = resolved
        if scale is not None:
            current = current * jnp.broadcast_to(scale, current.shape[1:])
        shape = current.shape[1:]
        model, n = self._flat_model(model, shape)
        cur = current.reshape(current.shape[0], n)
        dt = self.dt

        def one(m, s, i):
            return m.step(s, Input(syn=i[None], current=jnp.zeros_like(i)), dt)

        per_neuron = jax.vmap(one, in_axes=(param_axes(model), 0, 0))
        if _has_drive(state):
            state = state._replace(I=jnp.zeros_like(cur))
        state, spikes = jax.vmap(per_neuron, in_axes=(None, 0, 0))(model, state, cur)
        return _drop_drive(state), spikes.astype(current.dtype).reshape(current.shape)

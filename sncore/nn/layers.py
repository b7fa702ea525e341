"""Spiking layers: dense, recurrent and a leaky readout (Equinox modules, time-major).

Every layer maps time-major input ``[T, B, in]`` to time-major output ``[T, B, out]``
(``batch_major=True``: ``[B, T, in] -> [B, T, out]``, see :mod:`sncore.nn.typing`) and runs
exactly one ``lax.scan`` over time (:func:`sncore.nn._scan.time_scan`, with the
``checkpoint`` option for memory-lean BPTT). The neurons are the models of
:mod:`sncore.neurons` (``"lif"``, ``"alif"``, ``"cuba_lif"``) stepped through their own
``step`` function, ``vmap``-ed over batch and features; their synaptic input for step ``t`` is

* :class:`SpikingDense`:      ``I_t = W x_t + b``  (or, with per-synapse delays ``d_ij`` in steps,
  ``I_t,i = sum_j W_ij x_{t - d_ij, j} + b_i``, ``x`` = 0 before step 0);
* :class:`SpikingRecurrent`:  ``I_t = W x_t + V s_{t-1} + b`` (``s_{-1} = 0``);

and the neuron turns it into spikes (for ``lif``: ``V <- beta V + I_t``, ``s_t = H(V - 1)``,
reset). :class:`LeakyReadout` is non-spiking: ``V_t = beta V_{t-1} + W x_t + b`` with
``beta = exp(-dt / tau_mem)``, output the membrane ``[T, B, out]``.

Weights start uniform in ``+-weight_scale / sqrt(fan_in)`` (Equinox's ``Linear`` scheme
times ``weight_scale``). Time constants and thresholds are learnable with ``learn_tau`` /
``learn_threshold`` (log-parametrised, always positive: :mod:`sncore.nn._neuron`).

Example:
    >>> k1, k2 = jax.random.split(jax.random.key(0))
    >>> hidden = SpikingDense(20, 64, neuron="alif", learn_tau=True, key=k1)
    >>> readout = LeakyReadout(64, 3, tau_mem=20.0, key=k2)
    >>> x = jnp.zeros((100, 8, 20))                     # [T, B, in]
    >>> readout(hidden(x, checkpoint="step")).shape     # [T, B, out]
    (100, 8, 3)
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..units import SncoreError
from ._neuron import NeuronBlock
from ._scan import Checkpoint, check_checkpoint, scan_projected, time_scan
from .typing import Membrane, Spikes, as_time_major

__all__ = ["INHERIT", "LeakyReadout", "SpikingDense", "SpikingRecurrent"]

#: ``layer(x, checkpoint=INHERIT)`` uses the layer's own ``checkpoint`` field
INHERIT = "inherit"


def _uniform(key, shape, fan_in, scale, dtype):
    lim = scale / np.sqrt(fan_in)
    return jax.random.uniform(key, shape, dtype, -lim, lim)


def _check_size(layer, **sizes):
    for name, v in sizes.items():
        if not (isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1):
            raise SncoreError(f"{layer}: {name}={v!r} must be a positive int.")


class _TimeLayer(eqx.Module):
    """Shared call logic: layout check, checkpoint choice, back to the caller's layout."""

    def __call__(self, x, *, checkpoint: Checkpoint = INHERIT):
        x = as_time_major(x, self._feature_shape(), type(self).__name__, batch_major=self.batch_major,
                          dtype=self._param_dtype())
        ck = self.checkpoint if checkpoint == INHERIT else checkpoint
        check_checkpoint(ck, f"{type(self).__name__}: checkpoint")
        y = self.forward(x, ck)
        return jnp.swapaxes(y, 0, 1) if self.batch_major else y

    def _feature_shape(self) -> tuple:
        return (self.in_features,)

    def _param_dtype(self):
        """The dtype the layer computes in (its weights'; None for a layer without weights)."""
        w = getattr(self, "weight", None)
        if w is None and hasattr(self, "conv"):
            w = self.conv.weight
        return None if w is None else w.dtype


class SpikingDense(_TimeLayer):
    """Dense synapses onto spiking neurons: ``[T, B, in] -> spikes [T, B, out]``.

    Args:
        in_features, out_features: sizes.
        neuron: ``"lif"``, ``"alif"``, ``"cuba_lif"`` or a ``NeuronModel`` instance.
        neuron_params: parameters / options of the named model (``{"tau_mem": 20.0,
            "reset": "zero", "surrogate": "arctan", "slope": 5.0}``).
        learn_tau, learn_threshold: make time constants / threshold per-neuron leaves.
        delays: optional integer array ``[out, in]`` of per-synapse delays in steps (>= 0);
            the delayed currents are formed before the scan (one matmul per delay value).
        use_bias, weight_scale, dt (ms), checkpoint, batch_major, dtype, key.
    """

    weight: jax.Array
    bias: jax.Array | None
    delays: jax.Array | None
    neurons: NeuronBlock
    in_features: int = eqx.field(static=True)
    out_features: int = eqx.field(static=True)
    max_delay: int = eqx.field(static=True)
    checkpoint: Any = eqx.field(static=True)
    batch_major: bool = eqx.field(static=True)

    def __init__(self, in_features: int, out_features: int, neuron="lif", neuron_params: dict | None = None, *,
                 learn_tau: bool = False, learn_threshold: bool = False, delays=None, use_bias: bool = False,
                 weight_scale: float = 1.0, dt: float = 1.0, checkpoint: Checkpoint = None,
                 batch_major: bool = False, dtype=None, key):
        name = type(self).__name__
        _check_size(name, in_features=in_features, out_features=out_features)
        check_checkpoint(checkpoint, f"{name}: checkpoint")
        dtype = dtype or jnp.result_type(float)
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = _uniform(key, (out_features, in_features), in_features, weight_scale, dtype)
        self.bias = jnp.zeros(out_features, dtype) if use_bias else None
        self.neurons = NeuronBlock.build(neuron, (out_features,), neuron_params, learn_tau=learn_tau,
                                         learn_threshold=learn_threshold, dt=dt, layer=name, dtype=dtype)
        if delays is None:
            self.delays, self.max_delay = None, 0
        else:
            d = np.asarray(delays)
            if d.shape != (out_features, in_features) or not np.issubdtype(d.dtype, np.integer) or (d < 0).any():
                raise SncoreError(f"{name}: delays must be an integer array [out, in] = "
                                  f"{(out_features, in_features)} of steps >= 0, got dtype {d.dtype}, "
                                  f"shape {d.shape}{', min ' + str(d.min()) if d.size else ''}.")
            self.delays, self.max_delay = jnp.asarray(d, jnp.int32), int(d.max())
        self.checkpoint, self.batch_major = checkpoint, bool(batch_major)

    def forward(self, x: Spikes, checkpoint: Checkpoint = None) -> Spikes:
        """Time-major forward pass (no layout handling): ``[T, B, in] -> [T, B, out]``."""
        resolved = self.neurons.resolve()
        state = self.neurons.init(x.shape[1], (self.out_features,), x.dtype)
        bias = 0.0 if self.bias is None else self.bias
        def body(s, i_t):
            return self.neurons.step(resolved, s, i_t)

        if self.delays is None:
            return scan_projected(lambda x_t: x_t @ self.weight.T + bias, body, state, x, checkpoint)[1]
        return time_scan(body, state, self._delayed_currents(x) + bias, checkpoint)[1]

    def _delayed_currents(self, x: Spikes) -> jax.Array:
        """``I_t,i = sum_j W_ij x_{t - d_ij, j}`` for all ``t`` (``x`` = 0 before step 0): one
        ``[T B, in] x [in, out]`` matmul per delay value ``d`` (the weights with ``d_ij = d``),
        shifted ``d`` steps later. Stateless, so outside the scan in every checkpoint mode."""
        T = x.shape[0]
        I = jnp.zeros((T, x.shape[1], self.out_features), x.dtype)
        for d in range(min(self.max_delay, T - 1) + 1):
            w_d = jnp.where(self.delays == d, self.weight, jnp.zeros((), self.weight.dtype))
            I = I.at[d:].add(x[: T - d] @ w_d.T)
        return I


class SpikingRecurrent(_TimeLayer):
    """Recurrent spiking layer: ``I_t = W x_t + V s_{t-1} + b``; ``[T, B, in] -> [T, B, out]``.

    Same arguments as :class:`SpikingDense` (no delays); ``V`` (``recurrent``, ``[out, out]``,
    autapses included) starts uniform in ``+-recurrent_scale / sqrt(out)``."""

    weight: jax.Array
    recurrent: jax.Array
    bias: jax.Array | None
    neurons: NeuronBlock
    in_features: int = eqx.field(static=True)
    out_features: int = eqx.field(static=True)
    checkpoint: Any = eqx.field(static=True)
    batch_major: bool = eqx.field(static=True)

    def __init__(self, in_features: int, out_features: int, neuron="lif", neuron_params: dict | None = None, *,
                 learn_tau: bool = False, learn_threshold: bool = False, use_bias: bool = False,
                 weight_scale: float = 1.0, recurrent_scale: float = 1.0, dt: float = 1.0,
                 checkpoint: Checkpoint = None, batch_major: bool = False, dtype=None, key):
        name = type(self).__name__
        _check_size(name, in_features=in_features, out_features=out_features)
        check_checkpoint(checkpoint, f"{name}: checkpoint")
        dtype = dtype or jnp.result_type(float)
        k1, k2 = jax.random.split(key)
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = _uniform(k1, (out_features, in_features), in_features, weight_scale, dtype)
        self.recurrent = _uniform(k2, (out_features, out_features), out_features, recurrent_scale, dtype)
        self.bias = jnp.zeros(out_features, dtype) if use_bias else None
        self.neurons = NeuronBlock.build(neuron, (out_features,), neuron_params, learn_tau=learn_tau,
                                         learn_threshold=learn_threshold, dt=dt, layer=name, dtype=dtype)
        self.checkpoint, self.batch_major = checkpoint, bool(batch_major)

    def forward(self, x: Spikes, checkpoint: Checkpoint = None) -> Spikes:
        resolved = self.neurons.resolve()
        B = x.shape[1]
        state = self.neurons.init(B, (self.out_features,), x.dtype)
        bias = 0.0 if self.bias is None else self.bias

        def body(carry, i_t):
            s, prev = carry
            s, spk = self.neurons.step(resolved, s, i_t + prev @ self.recurrent.T)
            return (s, spk), spk

        prev0 = jnp.zeros((B, self.out_features), x.dtype)
        return scan_projected(lambda x_t: x_t @ self.weight.T + bias, body, (state, prev0), x, checkpoint)[1]


class LeakyReadout(_TimeLayer):
    """Non-spiking leaky integrator: ``V_t = beta V_{t-1} + W x_t + b``, ``V_{-1} = 0``,
    ``beta = exp(-dt / tau_mem)`` (``tau_mem`` learnable, log-parametrised, with
    ``learn_tau``); ``[T, B, in] -> membrane [T, B, out]``."""

    weight: jax.Array
    bias: jax.Array | None
    log_tau: jax.Array
    learn_tau: bool = eqx.field(static=True)
    in_features: int = eqx.field(static=True)
    out_features: int = eqx.field(static=True)
    dt: float = eqx.field(static=True)
    checkpoint: Any = eqx.field(static=True)
    batch_major: bool = eqx.field(static=True)

    def __init__(self, in_features: int, out_features: int, *, tau_mem=10.0, learn_tau: bool = False,
                 use_bias: bool = False, weight_scale: float = 1.0, dt: float = 1.0,
                 checkpoint: Checkpoint = None, batch_major: bool = False, dtype=None, key):
        name = type(self).__name__
        _check_size(name, in_features=in_features, out_features=out_features)
        check_checkpoint(checkpoint, f"{name}: checkpoint")
        tau = np.asarray(tau_mem, float)
        if (tau <= 0).any():
            raise SncoreError(f"{name}: tau_mem={tau_mem!r} must be > 0 (ms).")
        dtype = dtype or jnp.result_type(float)
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = _uniform(key, (out_features, in_features), in_features, weight_scale, dtype)
        self.bias = jnp.zeros(out_features, dtype) if use_bias else None
        self.log_tau = jnp.log(jnp.broadcast_to(jnp.asarray(tau, dtype), (out_features,)))
        self.learn_tau, self.dt = bool(learn_tau), float(dt)
        self.checkpoint, self.batch_major = checkpoint, bool(batch_major)

    def forward(self, x: Spikes, checkpoint: Checkpoint = None) -> Membrane:
        log_tau = self.log_tau if self.learn_tau else jax.lax.stop_gradient(self.log_tau)
        beta = jnp.exp(-self.dt / jnp.exp(log_tau))
        bias = 0.0 if self.bias is None else self.bias

        def body(v, i_t):
            v = beta * v + i_t
            return v, v

        v0 = jnp.zeros((x.shape[1], self.out_features), x.dtype)
        return scan_projected(lambda x_t: x_t @ self.weight.T + bias, body, v0, x, checkpoint)[1]

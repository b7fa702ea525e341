"""Losses, regularisers and metrics on time-major outputs (``[T, B, C]``, labels ``[B]``).

Classification (softmax cross-entropy ``-log softmax(z)_y``, averaged over the batch) on logits
``z [B, C]`` reduced over time from

* :func:`ce_count_loss`:     ``z = sum_t s[t]``          (spike counts of the output layer)
* :func:`ce_max_membrane_loss`:  ``z = max_t V[t]``      (readout membrane, e.g. :class:`LeakyReadout`)
* :func:`ce_mean_membrane_loss`: ``z = mean_t V[t]``

Spike-count regularisers, with counts ``c[b, i] = sum_t s[t, b, i]``:

* :func:`count_l1` = ``mean_{b,i} c``, :func:`count_l2` = ``mean_{b,i} c^2``;
* :func:`rate_lower_bound` (per neuron, against silent neurons) =
  ``mean_{b,i} max(0, nu_lower - c[b, i])^2``;
* :func:`rate_upper_bound` (population, against runaway activity) =
  ``mean_b max(0, mean_i c[b, i] - nu_upper)^power``;

the two bounds as in Zenke & Vogels (2021, Neural Computation 33:899), with counts per
sample; scale them by strengths and add them to the loss.

:func:`van_rossum_distance` between spike trains in discrete time: each train is filtered
with ``f_t = alpha f_{t-1} + s_t`` (``alpha = exp(-dt/tau)``, ``f_{-1} = 0``; a spike leaves
``exp(-t/tau)``) and ``D^2 = (dt/tau) sum_t (f_t - g_t)^2`` over the time axis; it is a
smooth function of the trains, so it is differentiable (use ``squared=True`` in a loss: the
square root has no derivative at ``D = 0``).

Example:
    >>> V = readout(hidden(x))                       # [T, B, C]
    >>> loss = ce_max_membrane_loss(V, y) + 1e-3 * rate_upper_bound(hidden(x), 10.0)
    >>> acc = accuracy(logits_max_membrane(V), y)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from ..units import SncoreError

__all__ = [
    "accuracy",
    "ce_count_loss",
    "ce_max_membrane_loss",
    "ce_mean_membrane_loss",
    "count_l1",
    "count_l2",
    "cross_entropy",
    "logits_count",
    "logits_max_membrane",
    "logits_mean_membrane",
    "predict",
    "rate_lower_bound",
    "rate_upper_bound",
    "van_rossum_distance",
]


def _check3(x, where):
    if jnp.ndim(x) != 3:
        raise SncoreError(f"{where}: expected a time-major [T, B, C] array, got shape {jnp.shape(x)}.")


def cross_entropy(logits, labels) -> jax.Array:
    """Mean softmax cross-entropy of ``logits [B, C]`` against integer ``labels [B]``.

    A batch that does not match the labels (e.g. batch-major ``[B, T, F]`` data given to a
    time-major layer, which then returns ``[B, T, C]`` read as ``[T, B, C]``) raises
    :class:`SncoreError` naming both shapes."""
    if jnp.ndim(logits) != 2 or jnp.ndim(labels) != 1 or jnp.shape(logits)[0] != jnp.shape(labels)[0]:
        raise SncoreError(f"cross_entropy: logits must be [B, C] and labels [B] with the same B, got logits "
                          f"{jnp.shape(logits)} and labels {jnp.shape(labels)}; if the input was batch-major "
                          "[B, T, ...], transpose it to [T, B, ...] or pass batch_major=True.")
    return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(logits, labels))


def logits_count(spikes) -> jax.Array:
    _check3(spikes, "logits_count")
    return jnp.sum(spikes, axis=0)


def logits_max_membrane(v) -> jax.Array:
    _check3(v, "logits_max_membrane")
    return jnp.max(v, axis=0)


def logits_mean_membrane(v) -> jax.Array:
    _check3(v, "logits_mean_membrane")
    return jnp.mean(v, axis=0)


def ce_count_loss(spikes, labels) -> jax.Array:
    """Cross-entropy on summed output spikes ``[T, B, C]``."""
    return cross_entropy(logits_count(spikes), labels)


def ce_max_membrane_loss(v, labels) -> jax.Array:
    """Cross-entropy on the maximum over time of the readout membrane ``[T, B, C]``."""
    return cross_entropy(logits_max_membrane(v), labels)


def ce_mean_membrane_loss(v, labels) -> jax.Array:
    """Cross-entropy on the time-averaged readout membrane ``[T, B, C]``."""
    return cross_entropy(logits_mean_membrane(v), labels)


def count_l1(spikes) -> jax.Array:
    _check3(spikes, "count_l1")
    return jnp.mean(jnp.sum(spikes, axis=0))


def count_l2(spikes) -> jax.Array:
    _check3(spikes, "count_l2")
    return jnp.mean(jnp.sum(spikes, axis=0) ** 2)


def rate_lower_bound(spikes, nu_lower: float) -> jax.Array:
    """``mean_{b,i} max(0, nu_lower - c[b, i])^2`` (counts per neuron and sample)."""
    _check3(spikes, "rate_lower_bound")
    return jnp.mean(jnp.maximum(0.0, nu_lower - jnp.sum(spikes, axis=0)) ** 2)


def rate_upper_bound(spikes, nu_upper: float, power: int = 2) -> jax.Array:
    """``mean_b max(0, mean_i c[b, i] - nu_upper)^power`` (population mean count per sample)."""
    _check3(spikes, "rate_upper_bound")
    pop = jnp.mean(jnp.sum(spikes, axis=0), axis=-1)
    return jnp.mean(jnp.maximum(0.0, pop - nu_upper) ** power)


def van_rossum_distance(a, b, tau: float, dt: float = 1.0, *, squared: bool = False) -> jax.Array:
    """Discrete-time van Rossum distance between spike trains ``a, b`` ``[T, ...]`` (over axis 0;
    result of shape ``[...]``); see the module docstring."""
    if not (tau > 0 and dt > 0):
        raise SncoreError(f"van_rossum_distance: tau and dt must be > 0, got tau={tau!r}, dt={dt!r}.")
    a, b = jnp.asarray(a), jnp.asarray(b)
    if a.shape != b.shape:
        raise SncoreError(f"van_rossum_distance: trains must have the same shape, got {a.shape} and {b.shape}.")
    alpha = jnp.exp(-dt / tau)

    def body(f, d):
        f = alpha * f + d
        return f, f

    _, f = jax.lax.scan(body, jnp.zeros(a.shape[1:], jnp.result_type(a, b)), a - b)
    d2 = (dt / tau) * jnp.sum(f ** 2, axis=0)
    return d2 if squared else jnp.sqrt(d2)


def predict(logits) -> jax.Array:
    """Predicted class ``argmax_c logits [B, C]``."""
    return jnp.argmax(logits, axis=-1)


def accuracy(logits, labels) -> jax.Array:
    """Fraction of samples whose ``argmax`` logit is the label."""
    return jnp.mean(predict(logits) == jnp.asarray(labels))

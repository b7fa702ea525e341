"""The one statement of array layouts in :mod:`sncore.nn`: time-major ``[T, B, ...]``.

Every layer, encoder and loss takes and returns **time-major** arrays:

=============== ===================== =======================================================
alias           shape                 meaning
=============== ===================== =======================================================
``Spikes``      ``[T, B, F]``         spikes (0/1, float) of ``F`` features, ``T`` steps, ``B`` samples
``Membrane``    ``[T, B, F]``         membrane potentials (e.g. of a :class:`LeakyReadout`)
``Frames1d``    ``[T, B, C, L]``      channels-first frames for :class:`SpikingConv1d`
``Frames2d``    ``[T, B, C, H, W]``   channels-first frames for :class:`SpikingConv2d`
``Labels``      ``[B]``               integer class labels
``Logits``      ``[B, C]``            per-sample class scores (time already reduced)
=============== ===================== =======================================================

The aliases are plain ``jax.Array`` (no jaxtyping); they name the layout in signatures.

Batch-major data (``[B, T, F]``, as PyTorch/snnTorch datasets often are) cannot be told from
time-major data by shape alone when ``T`` and ``B`` differ arbitrarily. :func:`as_time_major`
therefore applies this documented heuristic, using what every layer knows (its feature
shape):

1. ``x.ndim`` must be ``2 + len(feature_shape)``: a missing time axis (``[B, F]``) is an error;
2. the trailing axes must equal ``feature_shape``; if they do not but the feature size sits
   on axis 1 or axis 2 of a 3-D input (``[T, F, B]``, ``[B, F, T]``) the error says so;
3. ``[B, T, F]`` versus ``[T, B, F]`` is ambiguous: it is accepted as ``[T, B, F]``. Pass
   ``batch_major=True`` to a layer (or to :func:`as_time_major`) to transpose axes 0 and 1.

Example:
    >>> x = jnp.zeros((16, 100, 8))                # [B, T, F] from a data loader
    >>> as_time_major(x, (8,), "SpikingDense", batch_major=True).shape
    (100, 16, 8)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ..units import SncoreError

__all__ = [
    "BATCH_AXIS",
    "TIME_AXIS",
    "Frames1d",
    "Frames2d",
    "Labels",
    "Logits",
    "Membrane",
    "Spikes",
    "as_time_major",
]

Spikes = jax.Array
Membrane = jax.Array
Frames1d = jax.Array
Frames2d = jax.Array
Labels = jax.Array
Logits = jax.Array

TIME_AXIS = 0
BATCH_AXIS = 1


def as_time_major(x, feature_shape: tuple, layer: str, *, batch_major: bool = False, dtype=None) -> jax.Array:
    """Check that ``x`` is ``[T, B, *feature_shape]`` (after transposing ``[B, T, ...]`` when
    ``batch_major``) and return it as a JAX array; raise :class:`SncoreError` otherwise.
    Entries ``None`` in ``feature_shape`` (spatial sizes of a convolution) match any size.

    With ``dtype`` (the layer's parameter dtype): bool and integer spikes are cast to it, a
    float input to the wider of the two float types; any other dtype (complex, ...) raises."""
    x = jnp.asarray(x)
    if dtype is not None:
        if jnp.issubdtype(x.dtype, jnp.bool_) or jnp.issubdtype(x.dtype, jnp.integer):
            x = x.astype(dtype)
        elif jnp.issubdtype(x.dtype, jnp.floating):
            x = x.astype(jnp.promote_types(x.dtype, dtype))
        else:
            raise SncoreError(f"{layer}: input dtype {x.dtype} is not allowed; give spikes or currents as "
                              f"bool, integer or float (the layer computes in {jnp.dtype(dtype)}).")
    want = 2 + len(feature_shape)
    layout = ("[B, T, " if batch_major else "[T, B, ") + ", ".join(
        "*" if f is None else str(f) for f in feature_shape) + "]"
    if x.ndim != want:
        hint = ""
        if x.ndim == want - 1 and all(f is None or f == s for f, s in zip(feature_shape, x.shape[1:])):
            hint = " It looks like one time step [B, ...]: add a time axis, x[None]."
        raise SncoreError(f"{layer}: input of shape {tuple(x.shape)} has {x.ndim} axes; expected {want} "
                          f"axes {layout} (time-major, see sncore.nn.typing).{hint}")
    if not all(f is None or f == s for f, s in zip(feature_shape, x.shape[2:])):
        hint = ""
        f0 = feature_shape[0]
        if len(feature_shape) == 1 and f0 in x.shape[:2]:
            ax = x.shape[:2].index(f0)
            hint = (f" The feature size {f0} is on axis {ax}: was the input "
                    f"{'[F, ., .]' if ax == 0 else '[T, F, B] or [B, F, T]'}? Transpose it to {layout}.")
        raise SncoreError(f"{layer}: input of shape {tuple(x.shape)} does not match the layer's feature shape "
                          f"{tuple(feature_shape)}; expected {layout}.{hint}")
    if batch_major:
        x = jnp.swapaxes(x, 0, 1)
    return x

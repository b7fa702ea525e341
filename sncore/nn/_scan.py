"""The one loop over time of every :mod:`sncore.nn` layer, with memory-lean BPTT options.

``time_scan(body, carry, xs, checkpoint)`` is ``jax.lax.scan(body, carry, xs)`` over the
leading (time) axis of ``xs``, with three ways to trade memory for recomputation in the
backward pass (backpropagation through time):

================ ======================================================================
``checkpoint``   what reverse mode stores for ``T`` steps
================ ======================================================================
``None``         plain scan: every residual of every step (``~ r T`` arrays of the state
                 size, ``r`` = residuals per step, typically several)
``"step"``       ``jax.checkpoint`` on the body: only the carry and the scanned input of
                 each step (``~ 2 T``); each step's forward is recomputed once in the
                 backward pass
``k`` (int)      nested scan: an outer scan over ``ceil(T/k)`` chunks, each chunk a
                 checkpointed inner scan of ``k`` steps: the carries at chunk boundaries
                 (``~ T/k``) plus one chunk's residuals (``~ r k``) live at a time;
                 ``k ~ sqrt(r T)`` minimises memory. A remainder ``T mod k`` runs as a last,
                 shorter checkpointed chunk.
================ ======================================================================

All three compute the same values and the same gradients (the recomputation repeats the
same operations; tested to 1e-9 in float64). Measured: :func:`sncore.nn.memory_report`
(XLA temp bytes) and :func:`sncore.nn.saved_residuals` (the arrays reverse
mode keeps, counted from the jaxpr), docs/training.md.

Example:
    >>> body = lambda c, x: (0.9 * c + x, c)
    >>> c, ys = time_scan(body, jnp.zeros(3), jnp.ones((100, 3)), checkpoint=10)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from ..units import SncoreError

__all__ = ["Checkpoint", "check_checkpoint", "scan_projected", "time_scan"]

Checkpoint = None | str | int


def check_checkpoint(checkpoint: Any, where: str = "checkpoint") -> None:
    """Raise :class:`SncoreError` unless ``checkpoint`` is None, ``"step"`` or an int >= 1."""
    if checkpoint is None or checkpoint == "step":
        return
    if isinstance(checkpoint, int) and not isinstance(checkpoint, bool) and checkpoint >= 1:
        return
    raise SncoreError(f"{where}={checkpoint!r} is not allowed; use None (plain scan), \"step\" "
                      f"(checkpoint every step) or an int k >= 1 (checkpointed chunks of k steps).")


def time_scan(body: Callable, carry: Any, xs: Any, checkpoint: Checkpoint = None, prepare: Callable | None = None):
    """``lax.scan(body, carry, prepare(xs))`` over axis 0 of ``xs`` with a checkpointing policy
    (see the module docstring). Returns ``(final carry, stacked outputs [T, ...])``.

    ``prepare`` (optional) maps a time slab ``xs[a:b]`` to the scanned inputs of those steps
    and must act on each step independently (e.g. a projection ``vmap``-ed over time). For an
    int ``k`` it is applied per chunk inside the checkpointed chunk (so its output is
    recomputed in the backward pass, not stored); otherwise once to all of ``xs``."""
    check_checkpoint(checkpoint)
    if checkpoint is None or checkpoint == "step":
        if prepare is not None:
            xs = prepare(xs)
        if checkpoint is None:
            return jax.lax.scan(body, carry, xs)
        return jax.lax.scan(jax.checkpoint(body, prevent_cse=False), carry, xs)
    k = int(checkpoint)
    T = jax.tree.leaves(xs)[0].shape[0]
    n, r = divmod(T, k)

    @jax.checkpoint
    def chunk(c, xc):
        return jax.lax.scan(body, c, xc if prepare is None else prepare(xc))

    ys_parts = []
    if n:
        head = jax.tree.map(lambda x: x[: n * k].reshape(n, k, *x.shape[1:]), xs)
        carry, ys = jax.lax.scan(chunk, carry, head)
        ys_parts.append(jax.tree.map(lambda y: y.reshape(n * k, *y.shape[2:]), ys))
    if r:
        carry, ys = chunk(carry, jax.tree.map(lambda x: x[n * k:], xs))
        ys_parts.append(ys)
    if len(ys_parts) == 1:
        return carry, ys_parts[0]
    return carry, jax.tree.map(lambda a, b: jnp.concatenate([a, b], axis=0), *ys_parts)


def scan_projected(project: Callable, body: Callable, carry: Any, x: jax.Array, checkpoint: Checkpoint = None):
    """``time_scan`` of ``body(carry, I_t)`` with the synaptic input ``I_t = project(x_t)``.

    The projection has no state, so it is taken out of the step-by-step loop and applied to
    many steps at once (``vmap`` over time: one ``[T' B, in] x [in, out]`` matmul, or one
    convolution over ``T' B`` frames); the scan runs only the neuron dynamics, and the
    checkpointing applies to the neuron state alone:

    * ``None`` and ``"step"``: ``I = vmap(project)(x)`` for all ``T`` steps before the scan
      (``T' = T``); reverse mode forms ``dW = sum_t dI_t^T x_t`` as one matmul after the scan.
      The ``[T, B, out]`` currents are stored for the backward pass (``"step"`` keeps them
      with the carries).
    * int ``k``: per chunk of ``k`` steps, inside the checkpointed chunk (``T' = k``): one
      matmul per chunk, recomputed in the backward pass (the currents are never stored for
      all ``T``), and the weight gradient accumulated once per chunk.

    Before, the checkpointed options projected each step inside the checkpointed body:
    ``T`` small ``[B, in] x [in, out]`` matmuls, repeated in the backward pass, plus an
    ``[out, in]`` weight-gradient update in the scan carry every step (5x slower than the
    plain scan at n = 4096, benchmarks/README.md). Values and gradients are the same
    (tested in float64 against that per-step form)."""
    return time_scan(body, carry, x, checkpoint, prepare=jax.vmap(project))

"""Native CPU kernels (XLA FFI): a fast path beside the pure-JAX reference path.

``deliver_native`` replaces :func:`sncore.conn.propagate.deliver_event` on CPU: one custom
call per projection and step instead of the compaction, gather and scatter kernels of the
XLA path (each a separate XLA:CPU kernel launch of ~0.3 us, which dominate small steps).
It is bit-identical to the XLA path (same values added in the same order; tested) and
needs no spike capacity, so a run never re-runs a chunk for a burst.

:mod:`sncore.native.neurons` holds native population steps (``iaf_cond_exp``), within
rounding of the model's ``vmap_step``.

The kernels are compiled on first use (:mod:`sncore.native.build`). They have no
gradient and no batching rule, so ``sim.compile()`` and batched runs always use the XLA
path; ``Simulator(kernels="xla")`` selects it for ``simulate`` too.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from . import build
from .build import load, unavailable_reason

__all__ = ["available", "build", "deliver_native", "unavailable_reason"]


def available() -> bool:
    """Whether the native kernels are built and registered (builds them on first call)."""
    return load() is not None


def deliver_native(ring: jax.Array, spikes: jax.Array, csr, spec, k, clear: bool = False,
                   after: tuple = ()) -> tuple[jax.Array, jax.Array]:
    """:func:`sncore.conn.propagate.deliver_event` as one native call (same arguments but
    no capacity; same results, bit for bit). ``clear``: zero the slot ``k % D`` first (the
    slot the target read this step). ``after``: arrays passed to the call unused, so that
    XLA computes them first: the call updates ``ring`` in place, and XLA copies the whole
    ring instead when a reader of the old ring may run after it. Returns
    ``(ring, n_spiking_sources)``."""
    if load() is None:
        raise RuntimeError(f"sncore native kernels are unavailable: {unavailable_reason()}")
    if csr.weights.dtype != ring.dtype:
        raise ValueError(f"deliver_native: weights ({csr.weights.dtype}) and ring ({ring.dtype}) dtypes differ")
    ell = spec.layout == "ell"
    dummy = jnp.zeros((1,), jnp.int32)
    spikes = spikes.astype(jnp.int32) if spikes.dtype not in (jnp.float32, jnp.float64, jnp.int32, jnp.bool_) \
        else spikes
    call = jax.ffi.ffi_call(
        "sncore_deliver",
        (jax.ShapeDtypeStruct(ring.shape, ring.dtype), jax.ShapeDtypeStruct((), jnp.int32)),
        input_output_aliases={0: 0},
        vmap_method="sequential",
    )
    return call(ring, spikes, csr.targets, dummy if ell else csr.row_ptr, csr.weights,
                dummy if csr.delays is None else csr.delays, jnp.asarray(k, jnp.int32), *after,
                ell=ell, per_source=bool(spec.per_source), has_delays=csr.delays is not None,
                hom_delay=int(spec.hom_delay), max_out=int(spec.max_out), clear=bool(clear))

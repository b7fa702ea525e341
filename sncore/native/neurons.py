"""Native population steps: a model class -> a function with the signature of
:func:`sncore.neurons._base.vmap_step` that updates the whole population in one FFI call,
in place (no copies of the state between steps), split over XLA's intra-op threads for
large populations.

A kernel evaluates the model's update with the same scheme and constants, its expressions
rearranged for speed (fused multiply-adds, see ``iaf_cond_exp.cc``), so the native and XLA
paths agree to a few ulp per step (tests/test_native_neurons.py) rather than bit for bit.
Models without an entry here run ``vmap_step`` on every path.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ..neurons._base import Input, vmap_step
from ..neurons._cond import cond_constants
from ..neurons.iaf_cond_exp import IafCondExp
from .build import load, unavailable_reason

__all__ = ["NATIVE_STEPS", "iaf_cond_exp_step", "native_step"]


def _pack(rows: list, n: int, dtype) -> jax.Array:
    """Rows of shared (0-d) or per-neuron ([n]) values as ``[R, 1]`` (all shared) or ``[R, n]``."""
    rows = [jnp.asarray(r, dtype) for r in rows]
    if all(r.ndim == 0 for r in rows):
        return jnp.stack(rows)[:, None]
    return jnp.stack([jnp.broadcast_to(r, (n,)) for r in rows])


def iaf_cond_exp_step(m: IafCondExp, state, inp: Input, dt: float):
    """``vmap_step`` of :class:`~sncore.neurons.iaf_cond_exp.IafCondExp` as one native call
    (see ``iaf_cond_exp.cc`` for the arithmetic). ``inp.current`` may be ``[1]``: one current
    for every neuron (the engine passes a single zero when no source drives the block)."""
    if load() is None:
        raise RuntimeError(f"sncore native kernels are unavailable: {unavailable_reason()}")
    tabs, _jumps, ref_steps = cond_constants(m, dt, alpha=False) if m.consts is None else m.consts
    V = state.V_m
    n, dtype = V.shape[0], V.dtype
    P = _pack([m.V_th, m.V_reset, m.g_L, m.C_m, m.E_ex, m.E_in, m.E_L, m.I_e, *tabs[0], *tabs[1]], n, dtype)
    ref = jnp.asarray(ref_steps, jnp.int32).reshape(-1)
    s = dt / m.n_sub
    f = jax.ShapeDtypeStruct((n,), dtype)
    i = jax.ShapeDtypeStruct((n,), jnp.int32)
    call = jax.ffi.ffi_call("sncore_iaf_cond_exp", (f, f, f, i, f, f), vmap_method="sequential",
                            input_output_aliases={5: 0, 6: 1, 7: 2, 8: 3, 9: 4})
    V1, ge, gi, r, I, spk = call(P, ref, inp.syn[:, 0].astype(dtype), inp.syn[:, 1].astype(dtype),
                                 inp.current.astype(dtype), V, state.g_ex, state.g_in, state.r, state.I,
                                 n_sub=int(m.n_sub), a_half=0.5 * s, a_full=s, s6=s / 6.0)
    return state._replace(V_m=V1, g_ex=ge, g_in=gi, r=r, I=I), spk


#: model class -> native population step (exact class match: subclasses keep the XLA path)
NATIVE_STEPS = {IafCondExp: iaf_cond_exp_step}


def native_step(cls):
    """The native step of model class ``cls``, or ``vmap_step`` when it has no kernel."""
    return NATIVE_STEPS.get(cls, vmap_step)

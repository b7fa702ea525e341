"""Pieces shared by the NEST integrate-and-fire models: parameter tables, the
reset-below-threshold check, and the threshold / reset / refractory tail of a step."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ..units import SncoreError
from ._base import Param
from ._spike import spike_fn

__all__ = [
    "LIF_PARAMS",
    "PSC_STATES",
    "check_reset_below_threshold",
    "fire_and_reset",
    "refractory_steps",
    "syn_params",
]

#: NEST's defaults shared by iaf_psc_delta / _exp / _alpha
LIF_PARAMS: dict[str, Param] = {
    "E_L": Param(-70.0, "mV", doc="resting potential"),
    "C_m": Param(250.0, "pF", "strict", "membrane capacitance"),
    "tau_m": Param(10.0, "ms", "strict", "membrane time constant"),
    "t_ref": Param(2.0, "ms", "nonneg", "refractory period"),
    "V_th": Param(-55.0, "mV", doc="spike threshold"),
    "V_reset": Param(-70.0, "mV", doc="reset potential"),
    "V_min": Param(-float("inf"), "mV", doc="lower bound of V_m"),
    "I_e": Param(0.0, "pA", doc="constant external current"),
}


#: user-visible state of the current-based models (V_m and one current per receptor)
PSC_STATES: dict[str, Param] = {
    "V_m": Param(-70.0, "mV", doc="membrane potential"),
    "I_syn_ex": Param(0.0, "pA", doc="excitatory synaptic current"),
    "I_syn_in": Param(0.0, "pA", doc="inhibitory synaptic current"),
}


def syn_params(what: str) -> dict[str, Param]:
    """``tau_syn_ex`` / ``tau_syn_in`` (NEST default 2 ms) described as ``what``."""
    return {f"tau_syn_{x}": Param(2.0, "ms", "strict", f"{name} {what}")
            for x, name in (("ex", "excitatory"), ("in", "inhibitory"))}


def check_reset_below_threshold(model: str, values) -> None:
    """NEST's "Reset potential must be smaller than threshold" as a clear error."""
    if (values["V_reset"] >= values["V_th"]).any():
        raise SncoreError(
            f"{model} parameter 'V_reset' must be < V_th, got "
            f"V_reset={float(values['V_reset'].max()):g} mV, V_th={float(values['V_th'].min()):g} mV.")


def refractory_steps(t_ref, h):
    """NEST rounds the refractory period up to whole steps."""
    return jnp.ceil(t_ref / h - 1e-9).astype(jnp.int32)


def fire_and_reset(model, V_m: jax.Array, r: jax.Array, ref_steps: jax.Array):
    """Threshold test ``V_m >= V_th`` through the surrogate spike function; on a spike,
    ``V_m = V_reset`` and ``ref_steps`` refractory steps. Returns ``(V_m, r, spike)``."""
    spike = spike_fn(V_m - model.V_th, model.surrogate, model.slope)
    fired = spike > 0
    return jnp.where(fired, model.V_reset, V_m), jnp.where(fired, ref_steps, r), spike

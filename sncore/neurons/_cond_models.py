"""The two model classes behind NEST's conductance-based integrate-and-fire models: the
fields (parameters with NEST's defaults), tables, checks and methods shared by the
exponential and alpha variants. ``iaf_cond_exp.py``, ``iaf_cond_alpha.py``,
``aeif_cond_exp.py`` and ``aeif_cond_alpha.py`` subclass them, set ``NEST_NAME``, the
conductance shape (``ALPHA``) and the state type, and carry the documentation."""

from __future__ import annotations

from typing import Any, ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp

from ._base import Input, NeuronModel
from ._cond import (
    AEIF_COND_PARAMS,
    AEIF_STATES,
    COND_STATES,
    IAF_COND_PARAMS,
    aeif_cond_step,
    check_aeif_cond,
    check_iaf_cond,
    cond_constants,
    iaf_cond_step,
)

__all__ = ["AeifCondBase", "IafCondBase"]


def _initial_state(state_cls, E_L):
    """``V_m = E_L``, the refractory counter ``r`` (int32) and everything else 0."""
    v = jnp.asarray(E_L)
    z = jnp.zeros_like(v)
    vals = {f: z for f in state_cls._fields}
    return state_cls(**{**vals, "V_m": v, "r": jnp.zeros(v.shape, jnp.int32)})


class IafCondBase(NeuronModel):
    """Leaky integrate-and-fire with conductance synapses (NEST ``iaf_cond_*``); abstract."""

    V_th: jax.Array = -55.0
    V_reset: jax.Array = -60.0
    t_ref: jax.Array = 2.0
    g_L: jax.Array = 16.6667
    C_m: jax.Array = 250.0
    E_ex: jax.Array = 0.0
    E_in: jax.Array = -85.0
    E_L: jax.Array = -70.0
    tau_syn_ex: jax.Array = 0.2
    tau_syn_in: jax.Array = 2.0
    I_e: jax.Array = 0.0
    consts: tuple | None = None
    n_sub: int = eqx.field(default=2, static=True)
    surrogate: str = eqx.field(default="fast_sigmoid", static=True)
    slope: float = eqx.field(default=1.0, static=True)

    ALPHA: ClassVar[bool] = False
    STATE: ClassVar[Any] = None
    WEIGHT_UNIT = "nS"
    RECEPTORS = ("ex", "in")
    SIGN_ROUTED = True
    PARAMS = IAF_COND_PARAMS
    STATES = COND_STATES

    @classmethod
    def check(cls, values):
        check_iaf_cond(cls.NEST_NAME, values)

    def _constants(self, h):
        return cond_constants(self, h, alpha=self.ALPHA)

    def init(self, dt: float):
        return _initial_state(self.STATE, self.E_L)

    def step(self, state, inp: Input, dt: float):
        return iaf_cond_step(self, state, inp, dt, alpha=self.ALPHA)


class AeifCondBase(NeuronModel):
    """Adaptive exponential integrate-and-fire with conductance synapses (NEST ``aeif_cond_*``);
    abstract."""

    V_peak: jax.Array = 0.0
    V_reset: jax.Array = -60.0
    t_ref: jax.Array = 0.0
    g_L: jax.Array = 30.0
    C_m: jax.Array = 281.0
    E_ex: jax.Array = 0.0
    E_in: jax.Array = -85.0
    E_L: jax.Array = -70.6
    Delta_T: jax.Array = 2.0
    tau_w: jax.Array = 144.0
    a: jax.Array = 4.0
    b: jax.Array = 80.5
    V_th: jax.Array = -50.4
    tau_syn_ex: jax.Array = 0.2
    tau_syn_in: jax.Array = 2.0
    I_e: jax.Array = 0.0
    consts: tuple | None = None
    n_sub: int = eqx.field(default=20, static=True)
    surrogate: str = eqx.field(default="fast_sigmoid", static=True)
    slope: float = eqx.field(default=1.0, static=True)

    ALPHA: ClassVar[bool] = False
    STATE: ClassVar[Any] = None
    WEIGHT_UNIT = "nS"
    RECEPTORS = ("ex", "in")
    SIGN_ROUTED = True
    PARAMS = AEIF_COND_PARAMS
    STATES = AEIF_STATES

    @classmethod
    def check(cls, values):
        check_aeif_cond(cls.NEST_NAME, values)

    def _constants(self, h):
        return cond_constants(self, h, alpha=self.ALPHA, tables=False)

    def init(self, dt: float):
        return _initial_state(self.STATE, self.E_L)

    def step(self, state, inp: Input, dt: float):
        return aeif_cond_step(self, state, inp, dt, alpha=self.ALPHA)

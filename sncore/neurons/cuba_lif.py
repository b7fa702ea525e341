"""``cuba_lif``: current-based LIF with a synaptic current state (NIR ``CubaLIF``).

Dimensionless, with trainable time constants and threshold (all parameters are array
leaves: ``jax.grad`` gives exact derivatives w.r.t. ``tau_mem``, ``tau_syn``, ``v_th`` ...).
The continuous-time dynamics are NIR's ``CubaLIF``::

    tau_syn dI/dt = -I                      (+ jumps I <- I + w for an input spike of weight w)
    tau_mem dv/dt = (v_leak - v) + R (I + I_e + I_dc)
    spike when v >= v_th, then v = v_reset  (reset="value", NIR)  or  v <- v - (v_th - v_reset)

Integrated exactly on the step grid, with ``alpha = exp(-dt/tau_syn)``,
``beta = exp(-dt/tau_mem)``, the exact current-to-voltage propagator
``P = R tau_syn/(tau_syn - tau_mem) (alpha - beta)`` (stable form, also at
``tau_syn = tau_mem``; it is :func:`~sncore.neurons.iaf_psc_exp.psc_exp_p21` with
``C = tau_mem / R``)::

    v <- v_leak + beta (v - v_leak) + P I + (1 - beta) R (I_e + I_dc)
    I <- alpha I + sum_k w_k
    spike = H(v - v_th)  (spike_fn: surrogate gradient), then the reset

So one input spike of weight ``w`` arriving in step 0 gives ``I_j = w alpha^j`` and the
difference of exponentials ``v_j - v_leak = R w tau_syn/(tau_syn - tau_mem)
(exp(-t/tau_syn) - exp(-t/tau_mem))`` at ``t = j dt`` exactly (tested). The synaptic
update ``I <- alpha I + w`` is snnTorch's ``Synaptic``/Norse's current jump; NIR writes the
input as ``w_in S(t)/tau_syn`` with Dirac spikes, i.e. NIR's ``w_in`` is ``w tau_syn`` here.
snnTorch's ``Synaptic`` (``U <- beta U + I_syn``) is the Euler-type discretisation of the
same equations; this one is exact, so results do not depend on ``dt`` beyond the grid.

=========== ====== ========= ==================================================
parameter   unit   default   meaning
=========== ====== ========= ==================================================
tau_mem     ms     10.0      membrane time constant (> 0)
tau_syn     ms     5.0       synaptic current time constant (> 0)
R           1      1.0       input resistance
v_leak      1      0.0       leak (resting) potential
v_th        1      1.0       threshold (> v_reset)
v_reset     1      0.0       reset value
I_e         1      0.0       constant drive
=========== ====== ========= ==================================================

Static options: ``reset`` ("value": ``v = v_reset``; "subtract": ``v -= v_th - v_reset``),
``surrogate``, ``slope``. State: ``V_m`` (1, 0: starts at 0 whatever ``v_leak``, as NEST's ``V_m``; set ``init``),
``I_syn`` (1, 0), buffered drive ``I``.
Weights dimensionless (jumps of ``I_syn``); dc_generator amplitudes enter as numbers.

Example:
    >>> sim = sn.Simulator(dt=1.0 * u.ms, seed=0)
    >>> n = sim.create("cuba_lif", 10, params={"tau_syn": 5 * u.ms, "v_th": 0.8})
    >>> m = sn.neurons.CubaLIF(tau_mem=jnp.full(10, 20.0))            # trainable leaves
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp

from ..units import SncoreError
from ._base import Input, NeuronModel, Param
from ._spike import spike_fn
from .iaf_psc_exp import psc_exp_p21

__all__ = ["CubaLIF", "CubaLIFState"]


class CubaLIFState(NamedTuple):
    V_m: jax.Array
    I_syn: jax.Array
    I: jax.Array


class CubaLIF(NeuronModel):
    """Current-based LIF with trainable time constants (NIR CubaLIF; see the module docstring)."""

    tau_mem: jax.Array = 10.0
    tau_syn: jax.Array = 5.0
    R: jax.Array = 1.0
    v_leak: jax.Array = 0.0
    v_th: jax.Array = 1.0
    v_reset: jax.Array = 0.0
    I_e: jax.Array = 0.0
    reset: str = eqx.field(default="value", static=True)
    surrogate: str = eqx.field(default="fast_sigmoid", static=True)
    slope: float = eqx.field(default=1.0, static=True)

    WEIGHT_UNIT = "1"
    RECEPTORS = ("spikes",)
    PARAMS = {
        "tau_mem": Param(10.0, "ms", "strict", "membrane time constant"),
        "tau_syn": Param(5.0, "ms", "strict", "synaptic current time constant"),
        "R": Param(1.0, "1", doc="input resistance"),
        "v_leak": Param(0.0, "1", doc="leak potential"),
        "v_th": Param(1.0, "1", doc="threshold"),
        "v_reset": Param(0.0, "1", doc="reset value"),
        "I_e": Param(0.0, "1", doc="constant drive"),
    }
    STATES = {
        "V_m": Param(0.0, "1", doc="membrane potential"),
        "I_syn": Param(0.0, "1", doc="synaptic current"),
    }

    def __check_init__(self):
        if self.reset not in ("value", "subtract"):
            raise SncoreError(f"cuba_lif option 'reset' must be 'value' or 'subtract', got {self.reset!r}.")

    @classmethod
    def check(cls, values):
        bad = values["v_th"] <= values["v_reset"]
        if bad.any():
            i = int(bad.argmax())
            raise SncoreError(f"cuba_lif parameter 'v_th' must be > v_reset, got v_th={values['v_th'][i]:g}, "
                              f"v_reset={values['v_reset'][i]:g}.")

    def init(self, dt: float) -> CubaLIFState:
        z = jnp.zeros_like(jnp.asarray(self.tau_mem))
        return CubaLIFState(V_m=z, I_syn=z, I=z)

    def step(self, state: CubaLIFState, inp: Input, dt: float):
        beta = jnp.exp(-dt / self.tau_mem)
        P = psc_exp_p21(self.tau_syn, self.tau_mem, self.tau_mem / self.R, dt)
        v = (self.v_leak + beta * (state.V_m - self.v_leak) + P * state.I_syn
             - jnp.expm1(-dt / self.tau_mem) * self.R * (self.I_e + state.I))
        I_syn = jnp.exp(-dt / self.tau_syn) * state.I_syn + inp.syn[0]
        spike = spike_fn(v - self.v_th, self.surrogate, self.slope)
        if self.reset == "value":
            v = v + spike * (self.v_reset - v)
        else:
            v = v - spike * (self.v_th - self.v_reset)
        return CubaLIFState(v, I_syn, inp.current.astype(v.dtype)), spike

"""``izhikevich``: Izhikevich (2003) simple spiking model with delta synapses.

NEST semantics (nest-simulator ``models/izhikevich.cpp``): NEST does not integrate this
model with an ODE solver but with its own explicit update, which sncore reproduces
operation by operation (so traces agree with NEST to rounding). The equations::

    dV_m/dt = 0.04 V_m^2 + 5 V_m + 140 - U_m + I + I_e
    dU_m/dt = a (b V_m - U_m)
    if V_m >= V_th:  V_m <- c,  U_m <- U_m + d       (spike; no refractory period)

Per step h (ms), with ``s`` the sum of the spike weights (mV) arriving in the step and
``I`` the external current of the previous step (NEST's one-step current lag):

* ``consistent_integration = True`` (NEST default): forward Euler on the old values::

      V_m <- V + h (0.04 V^2 + 5 V + 140 - U + I + I_e) + s
      U_m <- U + h a (b V - U)

* ``consistent_integration = False`` (the published scheme, for replicating Izhikevich 2003
  at h = 1 ms): two half steps of V with ``s`` inside the derivative, then U from the new V::

      V <- V + h/2 (0.04 V^2 + 5 V + 140 - U + I + I_e + s)      (twice)
      U <- U + h a (b V - U)

then ``V_m = max(V_m, V_min)``, and the threshold test / reset above (spike time stamped at
the end of the step). Currents and ``I_e`` enter dV/dt directly (NEST: "R = 1"), so they
are in pA by name but act in mV/ms; typical values are ~10 pA, not hundreds.

``consistent_integration`` is a number here (1.0 = True, 0.0 = False; bools are accepted),
so it may differ per neuron and stays a traced leaf like every other parameter.

====================== ======= ========= =================================================
parameter              unit    default   meaning
====================== ======= ========= =================================================
V_th                   mV      30.0      spike threshold
V_min                  mV      -inf      lower bound of V_m (NEST: -DBL_MAX)
I_e                    pA      0.0       constant input current (R = 1)
a                      1       0.02      time scale of the recovery variable (1/ms)
b                      1       0.2       sensitivity of the recovery variable
c                      mV      -65.0     after-spike reset of V_m
d                      mV      8.0       after-spike increment of U_m
consistent_integration 1       1.0       1: standard Euler; 0: published scheme
====================== ======= ========= =================================================

State: ``V_m`` (mV, default -65.0) and ``U_m`` (mV, default -13.0). Weight unit: mV.

Example:
    >>> import brainunit as u, sncore as sn
    >>> sim = sn.Simulator(dt=0.1 * u.ms)
    >>> n = sim.create("izhikevich", params={"I_e": 10 * u.pA, "c": -50 * u.mV, "d": 2 * u.mV})
    >>> res = sim.simulate(200 * u.ms)
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp

from ._base import Input, NeuronModel, Param
from ._spike import spike_fn

__all__ = ["Izhikevich", "IzhikevichState"]


class IzhikevichState(NamedTuple):
    V_m: jax.Array
    U_m: jax.Array
    I: jax.Array  # current (pA) applied during the next step


class Izhikevich(NeuronModel):
    """Izhikevich neuron, NEST ``izhikevich`` (see module doc)."""

    V_th: jax.Array = 30.0
    V_min: jax.Array = -jnp.inf
    I_e: jax.Array = 0.0
    a: jax.Array = 0.02
    b: jax.Array = 0.2
    c: jax.Array = -65.0
    d: jax.Array = 8.0
    consistent_integration: jax.Array = 1.0
    surrogate: str = eqx.field(default="fast_sigmoid", static=True)
    slope: float = eqx.field(default=1.0, static=True)

    NEST_NAME = "izhikevich"
    WEIGHT_UNIT = "mV"
    RECEPTORS = ("spikes",)
    PARAMS: ClassVar[dict[str, Param]] = {
        "V_th": Param(30.0, "mV", doc="spike threshold"),
        "V_min": Param(-float("inf"), "mV", doc="lower bound of V_m"),
        "I_e": Param(0.0, "pA", doc="constant input current (R = 1)"),
        "a": Param(0.02, "1", doc="time scale of the recovery variable (1/ms)"),
        "b": Param(0.2, "1", doc="sensitivity of the recovery variable"),
        "c": Param(-65.0, "mV", doc="after-spike reset value of V_m"),
        "d": Param(8.0, "mV", doc="after-spike increment of U_m"),
        "consistent_integration": Param(1.0, "1", doc="1: forward Euler (NEST default); 0: published scheme"),
    }
    STATES: ClassVar[dict[str, Param]] = {
        "V_m": Param(-65.0, "mV", doc="membrane potential"),
        "U_m": Param(-13.0, "mV", doc="membrane potential recovery variable"),
    }

    def init(self, dt: float) -> IzhikevichState:
        v = jnp.full(jnp.shape(self.c), -65.0, jnp.result_type(self.c, float))
        return IzhikevichState(V_m=v, U_m=jnp.full_like(v, -13.0), I=jnp.zeros_like(v))

    def step(self, state: IzhikevichState, inp: Input, dt: float):
        h = dt
        v, u = state.V_m, state.U_m
        drive = state.I + self.I_e
        s = inp.syn[0]
        # consistent_integration = True: forward Euler on the old values
        v_euler = v + h * (0.04 * v * v + 5.0 * v + 140.0 - u + drive) + s
        u_euler = u + h * self.a * (self.b * v - u)
        # consistent_integration = False: two half steps of V, then U from the new V
        v_pub = v + h * 0.5 * (0.04 * v * v + 5.0 * v + 140.0 - u + drive + s)
        v_pub = v_pub + h * 0.5 * (0.04 * v_pub * v_pub + 5.0 * v_pub + 140.0 - u + drive + s)
        u_pub = u + h * self.a * (self.b * v_pub - u)
        euler = self.consistent_integration != 0
        v = jnp.where(euler, v_euler, v_pub)
        u = jnp.where(euler, u_euler, u_pub)
        v = jnp.maximum(v, self.V_min)
        spike = spike_fn(v - self.V_th, self.surrogate, self.slope)
        fired = spike > 0
        v = jnp.where(fired, self.c, v)
        u = jnp.where(fired, u + self.d, u)
        return IzhikevichState(V_m=v, U_m=u, I=inp.current.astype(v.dtype)), spike

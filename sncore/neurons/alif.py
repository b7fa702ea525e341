"""``alif``: adaptive leaky integrate-and-fire neuron (Bellec et al. 2018, LSNN).

Dimensionless, like :mod:`sncore.neurons.lif` (``V_m`` and the threshold in the same units,
reset value 0, time constants in ms). The threshold ``A = b0 + beta_a a`` rises with an
adaptation variable ``a`` that decays with ``tau_adapt`` and jumps by ``1 - rho`` on each
spike (Bellec et al., "Long short-term memory and learning-to-learn in networks of spiking
neurons", NeurIPS 2018, eqs. 1-2). Per step (``beta = exp(-dt/tau_mem)``,
``rho = exp(-dt/tau_adapt)``)::

    V     <- beta V + (1 - beta) (I_e + I) + sum_k w_k           (as lif)
    A      = b0 + beta_a a                                        (threshold of this step)
    spike  = H(V - A)                                             (spike_fn: surrogate gradient)
    reset="subtract":  V <- V - A spike    (default, as in the LSNN)
    reset="zero":      V <- V (1 - spike)
    a     <- rho a + (1 - rho) spike

So after spikes in steps ``k_1 < ... < k_n`` the threshold in step ``K > k_n`` is
``b0 + beta_a (1 - rho) sum_i rho^(K - 1 - k_i)`` (tested), and with ``n`` spikes in a row
``a = 1 - rho^n``. The multimeter records ``a`` after its update.

=========== ====== ========= ==================================================
parameter   unit   default   meaning
=========== ====== ========= ==================================================
tau_mem     ms     20.0      membrane time constant (> 0)
tau_adapt   ms     200.0     adaptation time constant (> 0)
b0          1      1.0       baseline threshold (> 0 = the reset value)
beta_a      1      1.8       adaptation strength (>= 0; Bellec et al.: 1.8)
I_e         1      0.0       constant drive
=========== ====== ========= ==================================================

Static options: ``reset``, ``surrogate``, ``slope``. State: ``V_m`` (1, 0), ``a`` (1, 0),
buffered drive ``I``. Weights dimensionless; dc_generator amplitudes enter as numbers (pA
value), as for ``lif``.

Example:
    >>> sim = sn.Simulator(dt=1.0 * u.ms, seed=0)
    >>> n = sim.create("alif", 10, params={"tau_adapt": 500 * u.ms, "I_e": 2.0})
    >>> mm = sim.create("multimeter", params={"record_from": ["V_m", "a"]})
    >>> sim.connect(mm, n)
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp

from ..units import SncoreError
from ._base import Input, NeuronModel, Param
from ._spike import spike_fn
from .lif import apply_reset, check_reset_option

__all__ = ["ALIF", "ALIFState"]


class ALIFState(NamedTuple):
    V_m: jax.Array
    a: jax.Array
    I: jax.Array


class ALIF(NeuronModel):
    """Adaptive-threshold LIF of the LSNN (see the module docstring)."""

    tau_mem: jax.Array = 20.0
    tau_adapt: jax.Array = 200.0
    b0: jax.Array = 1.0
    beta_a: jax.Array = 1.8
    I_e: jax.Array = 0.0
    reset: str = eqx.field(default="subtract", static=True)
    surrogate: str = eqx.field(default="fast_sigmoid", static=True)
    slope: float = eqx.field(default=1.0, static=True)

    WEIGHT_UNIT = "1"
    RECEPTORS = ("spikes",)
    PARAMS = {
        "tau_mem": Param(20.0, "ms", "strict", "membrane time constant"),
        "tau_adapt": Param(200.0, "ms", "strict", "adaptation time constant"),
        "b0": Param(1.0, "1", doc="baseline threshold"),
        "beta_a": Param(1.8, "1", "nonneg", "adaptation strength"),
        "I_e": Param(0.0, "1", doc="constant drive"),
    }
    STATES = {
        "V_m": Param(0.0, "1", doc="membrane potential"),
        "a": Param(0.0, "1", doc="threshold adaptation variable"),
    }

    def __check_init__(self):
        check_reset_option("alif", self.reset)

    @classmethod
    def check(cls, values):
        b0 = values["b0"]
        if (b0 <= 0).any():
            raise SncoreError(f"alif parameter 'b0' must be > 0 (above the reset value 0), "
                              f"got b0={float(b0.min()):g}.")

    def threshold(self, a):
        """The adaptive threshold ``b0 + beta_a a``."""
        return self.b0 + self.beta_a * a

    def init(self, dt: float) -> ALIFState:
        z = jnp.zeros_like(jnp.asarray(self.tau_mem))
        return ALIFState(V_m=z, a=z, I=z)

    def step(self, state: ALIFState, inp: Input, dt: float):
        beta = jnp.exp(-dt / self.tau_mem)
        rho = jnp.exp(-dt / self.tau_adapt)
        V = beta * state.V_m - jnp.expm1(-dt / self.tau_mem) * (self.I_e + state.I) + inp.syn[0]
        A = self.threshold(state.a)
        spike = spike_fn(V - A, self.surrogate, self.slope)
        V = apply_reset(self.reset, V, spike, A)
        a = rho * state.a + (1.0 - rho) * spike
        return ALIFState(V, a, inp.current.astype(V.dtype)), spike

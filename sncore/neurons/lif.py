"""``lif``: the normalised leaky integrate-and-fire neuron used for training.

Dimensionless: ``V_m`` is measured in units of the threshold, so the threshold is 1 and the
reset value 0; time constants are in ms. The membrane obeys ``tau_mem dV/dt = -V + I`` between
input spikes, and a spike of weight ``w`` makes ``V`` jump by ``w``. Integrated exactly on the
step grid (``beta = exp(-dt / tau_mem)``)::

    V <- beta V + (1 - beta) (I_e + I) + sum_k w_k          (I: dc_generator current, one-step lag)
    spike = H(V - 1)                                          (through spike_fn: surrogate gradient)
    reset="subtract":  V <- V - spike                         (default; keeps the overshoot)
    reset="zero":      V <- V (1 - spike)

Convention: synaptic input enters as in snnTorch's ``Leaky`` (``U <- beta U + x``, weighted
input spikes ``x`` added without a ``(1 - beta)`` factor), so a network layer with weights ``W``
computes exactly ``V <- beta V + W s``. A constant drive (``I_e``, dc_generator) is the input
``I`` of the ODE above, integrated exactly (``(1 - beta)`` factor, as Norse's
``dt/tau_mem`` Euler form to first order): a constant ``I`` drives ``V`` towards ``I``, so the
neuron fires tonically iff ``I > 1``. The threshold test ``V >= 1`` (snnTorch: ``V > 1``) uses
the state after integration; the reset acts in the same step (the state holds the reset
value, as in NEST; snnTorch's default instead subtracts the threshold one step later). A ``dc_generator``'s amplitude
enters as a number: its value in pA is the dimensionless drive (``amplitude=1.5 * u.pA``
means ``I = 1.5``; the connection weight multiplies it).

Subthreshold response to a constant drive ``I`` from ``V_0`` is the geometric series
``V_k = I + beta^k (V_0 - I)`` (tested).

=========== ====== ========= ==================================================
parameter   unit   default   meaning
=========== ====== ========= ==================================================
tau_mem     ms     10.0      membrane time constant (> 0)
I_e         1      0.0       constant drive (fires tonically if > 1)
=========== ====== ========= ==================================================

Static options (fields; also accepted by ``sim.create`` params): ``reset`` ("subtract" or "zero"), ``surrogate`` and ``slope``
(see :mod:`sncore.neurons._spike`). State: ``V_m`` (1, default 0), buffered drive ``I``.
Weights are dimensionless (``weight=0.3``: a jump of 0.3 thresholds).

Example:
    >>> sim = sn.Simulator(dt=1.0 * u.ms, seed=0)
    >>> n = sim.create("lif", 10, params={"tau_mem": 20 * u.ms, "I_e": 1.2})
    >>> noise = sim.create("poisson_generator", params={"rate": 100 * u.Hz})
    >>> sim.connect(noise, n, weight=0.2)
    >>> lif = sn.neurons.LIF(tau_mem=20.0, reset="zero")        # as an object (training)
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp

from ..units import SncoreError
from ._base import Input, NeuronModel, Param
from ._spike import spike_fn

__all__ = ["LIF", "RESETS", "LIFState", "apply_reset", "check_reset_option"]

RESETS = ("subtract", "zero")


def check_reset_option(model: str, reset: str) -> None:
    if reset not in RESETS:
        raise SncoreError(f"{model} option 'reset' must be one of {RESETS}, got {reset!r}.")


def apply_reset(reset: str, V, spike, threshold, zero=0.0):
    """``V - threshold`` (subtract) or ``zero`` (to the reset value) where ``spike`` is 1;
    written with the spike as a factor so gradients flow through the reset."""
    if reset == "subtract":
        return V - spike * threshold
    return V + spike * (zero - V)


class LIFState(NamedTuple):
    V_m: jax.Array
    I: jax.Array


class LIF(NeuronModel):
    """Normalised leaky integrate-and-fire neuron (see the module docstring)."""

    tau_mem: jax.Array = 10.0
    I_e: jax.Array = 0.0
    reset: str = eqx.field(default="subtract", static=True)
    surrogate: str = eqx.field(default="fast_sigmoid", static=True)
    slope: float = eqx.field(default=1.0, static=True)

    WEIGHT_UNIT = "1"
    RECEPTORS = ("spikes",)
    PARAMS = {
        "tau_mem": Param(10.0, "ms", "strict", "membrane time constant"),
        "I_e": Param(0.0, "1", doc="constant drive in units of the threshold"),
    }
    STATES = {"V_m": Param(0.0, "1", doc="membrane potential in units of the threshold")}

    def __check_init__(self):
        check_reset_option("lif", self.reset)

    def init(self, dt: float) -> LIFState:
        z = jnp.zeros_like(jnp.asarray(self.tau_mem))
        return LIFState(V_m=z, I=z)

    def step(self, state: LIFState, inp: Input, dt: float):
        beta = jnp.exp(-dt / self.tau_mem)
        V = beta * state.V_m - jnp.expm1(-dt / self.tau_mem) * (self.I_e + state.I) + inp.syn[0]
        spike = spike_fn(V - 1.0, self.surrogate, self.slope)
        V = apply_reset(self.reset, V, spike, 1.0)
        return LIFState(V, inp.current.astype(V.dtype)), spike

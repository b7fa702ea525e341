"""``gif_cond_exp``: generalized integrate-and-fire neuron with escape noise, spike-triggered
currents, a moving threshold and exponential conductance synapses (Mensi et al. 2012,
Pozzorini et al. 2015).

NEST semantics (nest-simulator ``models/gif_cond_exp.cpp``)::

    C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) - I_stc + I + I_e
    dg_x/dt   = -g_x / tau_syn_x                  (a spike of weight w: g_ex += w, g_in += |w|)
    I_stc     = sum_k stc_k,    tau_stc_k dstc_k/dt = -stc_k,   stc_k += q_stc_k on a spike
    E_sfa     = V_T_star + sum_k sfa_k,   tau_sfa_k dsfa_k/dt = -sfa_k,   sfa_k += q_sfa_k on a spike
    lambda    = lambda_0 exp((V - E_sfa) / Delta_V)
    P(spike in a step) = 1 - exp(-lambda h)

Per step h, in NEST's order:

1. ``I_stc`` and ``E_sfa`` are summed from the elements, then the elements decay by
   ``exp(-h/tau)``;
2. V and the conductances are integrated over the step (current ``I`` of the previous step,
   ``I_stc`` constant). While refractory, ``dV/dt = 0``;
3. the weights arriving this step are added to ``g_ex`` / ``g_in`` (weight >= 0:
   excitatory, < 0: inhibitory with conductance ``-w``);
4. if not refractory: spike when ``u < 1 - exp(-lambda h)`` with ``lambda`` from the new V and
   this step's ``E_sfa`` (``u``: the engine's fresh uniform number per neuron and step); on a
   spike ``stc_k += q_stc_k``, ``sfa_k += q_sfa_k`` and ``ceil(t_ref/h)`` refractory steps
   start. V is **not** reset in the spike step; in each refractory step V is set to
   ``V_reset`` at the end (NEST clamps V there, so V_m reads V_reset during t_ref).

Integration: NEST uses GSL's adaptive RKF45 (``gsl_error_tol``, default 1e-3). sncore
integrates V with :func:`sncore.neurons._ode.rk4`, ``n_substeps`` (static, default 4) per
step, the conductances in closed form (``g(t) = g(0) exp(-t/tau)``, exact).

Spike-triggered currents and threshold kernels: NEST takes lists of any length; sncore
has fixed slots for up to three of each (``MAX_KERNELS = 3``). ``sim.create`` accepts
NEST's list form, ``"tau_stc": [10, 100] * u.ms, "q_stc": [20, 5] * u.pA`` (length 0 to 3,
the lengths of a tau / q pair must match, as in NEST), and stores them in the parameters
``tau_stc_1 .. tau_stc_3`` / ``q_stc_1 ..`` (unused slots: q = 0). ``q_stc`` enters dV/dt
as a current in pA (NEST's documentation says nA, its code adds the value to pA
currents), ``q_sfa`` is in mV. Randomness: a different stream than NEST's, so only
statistics are comparable (tests/reference/make_nest_gif.py).

=========== ======= ========= ===================================================
parameter   unit    default   meaning
=========== ======= ========= ===================================================
g_L         nS      4.0       leak conductance (> 0)
E_L         mV      -70.0     leak reversal potential
C_m         pF      80.0      membrane capacitance (> 0)
V_reset     mV      -55.0     potential during the refractory period
Delta_V     mV      0.5       stochasticity level (> 0)
V_T_star    mV      -35.0     base threshold
lambda_0    Hz      1.0       firing intensity at the threshold (>= 0)
t_ref       ms      4.0       refractory period (>= 0)
E_ex        mV      0.0       excitatory reversal potential
E_in        mV      -85.0     inhibitory reversal potential
tau_syn_ex  ms      2.0       excitatory conductance decay (> 0)
tau_syn_in  ms      2.0       inhibitory conductance decay (> 0)
I_e         pA      0.0       constant external current
tau_stc     ms      []        time constants of the spike-triggered currents (> 0)
q_stc       pA      []        jumps of the spike-triggered currents
tau_sfa     ms      []        time constants of the threshold kernels (> 0)
q_sfa       mV      []        jumps of the threshold kernels
=========== ======= ========= ===================================================

State: ``V_m`` (mV, -70.0), ``g_ex``, ``g_in`` (nS, 0.0); recordable as well: ``E_sfa`` (mV)
and ``I_stc`` (pA). Weight unit: nS.

Example:
    >>> import brainunit as u, sncore as sn
    >>> sim = sn.Simulator(dt=0.1 * u.ms, seed=1)
    >>> n = sim.create("gif_cond_exp", 100, params={
    ...     "I_e": 150 * u.pA, "lambda_0": 1000 * u.Hz, "Delta_V": 2 * u.mV, "V_T_star": -50 * u.mV,
    ...     "tau_stc": [10, 100] * u.ms, "q_stc": [20, 5] * u.pA,
    ...     "tau_sfa": [20, 200] * u.ms, "q_sfa": [5, 1] * u.mV})
    >>> res = sim.simulate(500 * u.ms)
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..units import SncoreError
from ._base import Input, NeuronModel, Param
from ._lif import refractory_steps
from ._ode import rk4
from ._spike import spike_fn

__all__ = ["MAX_KERNELS", "GifCondExp", "GifCondExpState"]

#: fixed number of slots for spike-triggered currents and for threshold kernels
MAX_KERNELS = 3
_KERNELS = {"stc": ("ms", "pA"), "sfa": ("ms", "mV")}


def _kernel_params() -> dict[str, Param]:
    out = {}
    for kind, (tu, qu) in _KERNELS.items():
        for i in range(1, MAX_KERNELS + 1):
            out[f"tau_{kind}_{i}"] = Param(1.0, tu, "strict", f"time constant of {kind} kernel {i}")
            out[f"q_{kind}_{i}"] = Param(0.0, qu, doc=f"jump of {kind} kernel {i} (0: slot unused)")
    return out


class GifCondExpState(NamedTuple):
    V_m: jax.Array
    g_ex: jax.Array
    g_in: jax.Array
    stc: jax.Array    # [MAX_KERNELS] spike-triggered current elements (pA)
    sfa: jax.Array    # [MAX_KERNELS] threshold elements (mV)
    I_stc: jax.Array  # sum of stc used in the last step (recordable)
    E_sfa: jax.Array  # V_T_star + sum of sfa used in the last step (recordable)
    r: jax.Array      # refractory steps left (int32)
    I: jax.Array      # current (pA) applied during the next step


class GifCondExp(NeuronModel):
    """Escape-noise GIF with conductance synapses, NEST ``gif_cond_exp`` (see module doc)."""

    g_L: jax.Array = 4.0
    E_L: jax.Array = -70.0
    C_m: jax.Array = 80.0
    V_reset: jax.Array = -55.0
    Delta_V: jax.Array = 0.5
    V_T_star: jax.Array = -35.0
    lambda_0: jax.Array = 1.0
    t_ref: jax.Array = 4.0
    E_ex: jax.Array = 0.0
    E_in: jax.Array = -85.0
    tau_syn_ex: jax.Array = 2.0
    tau_syn_in: jax.Array = 2.0
    I_e: jax.Array = 0.0
    tau_stc_1: jax.Array = 1.0
    q_stc_1: jax.Array = 0.0
    tau_stc_2: jax.Array = 1.0
    q_stc_2: jax.Array = 0.0
    tau_stc_3: jax.Array = 1.0
    q_stc_3: jax.Array = 0.0
    tau_sfa_1: jax.Array = 1.0
    q_sfa_1: jax.Array = 0.0
    tau_sfa_2: jax.Array = 1.0
    q_sfa_2: jax.Array = 0.0
    tau_sfa_3: jax.Array = 1.0
    q_sfa_3: jax.Array = 0.0
    n_substeps: int = eqx.field(default=4, static=True)
    surrogate: str = eqx.field(default="fast_sigmoid", static=True)
    slope: float = eqx.field(default=1.0, static=True)

    NEST_NAME = "gif_cond_exp"
    WEIGHT_UNIT = "nS"
    RECEPTORS = ("ex", "in")
    SIGN_ROUTED = True
    RANDOM = True
    PARAMS: ClassVar[dict[str, Param]] = {
        "g_L": Param(4.0, "nS", "strict", "leak conductance"),
        "E_L": Param(-70.0, "mV", doc="leak reversal potential"),
        "C_m": Param(80.0, "pF", "strict", "membrane capacitance"),
        "V_reset": Param(-55.0, "mV", doc="potential during the refractory period"),
        "Delta_V": Param(0.5, "mV", "strict", "stochasticity level"),
        "V_T_star": Param(-35.0, "mV", doc="base threshold"),
        "lambda_0": Param(1.0, "Hz", "nonneg", "firing intensity at the threshold"),
        "t_ref": Param(4.0, "ms", "nonneg", "refractory period"),
        "E_ex": Param(0.0, "mV", doc="excitatory reversal potential"),
        "E_in": Param(-85.0, "mV", doc="inhibitory reversal potential"),
        "tau_syn_ex": Param(2.0, "ms", "strict", "excitatory conductance decay time"),
        "tau_syn_in": Param(2.0, "ms", "strict", "inhibitory conductance decay time"),
        "I_e": Param(0.0, "pA", doc="constant external current"),
        **_kernel_params(),
    }
    STATES: ClassVar[dict[str, Param]] = {
        "V_m": Param(-70.0, "mV", doc="membrane potential"),
        "g_ex": Param(0.0, "nS", doc="excitatory conductance"),
        "g_in": Param(0.0, "nS", doc="inhibitory conductance"),
    }
    DERIVED: ClassVar[dict[str, Param]] = {
        "E_sfa": Param(-35.0, "mV", doc="moving threshold V_T_star + sum of sfa kernels"),
        "I_stc": Param(0.0, "pA", doc="sum of the spike-triggered currents"),
    }

    @classmethod
    def expand_params(cls, params: dict) -> dict:
        """NEST's list parameters ``tau_stc``, ``q_stc``, ``tau_sfa``, ``q_sfa`` (length 0 to
        ``MAX_KERNELS``, shape ``[k]`` or ``[n, k]``) -> the slot parameters ``tau_stc_1``..."""
        params = dict(params)
        for kind in _KERNELS:
            pair = {}
            for p in ("tau", "q"):
                name = f"{p}_{kind}"
                if name not in params:
                    continue
                if any(f"{name}_{i}" in params for i in range(1, MAX_KERNELS + 1)):
                    raise SncoreError(f"gif_cond_exp: give {name!r} either as a list or as {name}_1.., not both.")
                v = params.pop(name)
                shape = tuple(getattr(v, "shape", np.shape(v)))
                k = shape[-1] if len(shape) else -1
                if k < 0 or k > MAX_KERNELS:
                    raise SncoreError(f"gif_cond_exp parameter {name!r} must be a list of 0 to {MAX_KERNELS} "
                                      f"values (NEST's list form), got shape {shape}.")
                pair[p] = (v, k)
            if len(pair) == 1 or (len(pair) == 2 and pair["tau"][1] != pair["q"][1]):
                lt = pair["tau"][1] if "tau" in pair else 0
                lq = pair["q"][1] if "q" in pair else 0
                raise SncoreError(f"gif_cond_exp: 'tau_{kind}' and 'q_{kind}' need to have the same length, "
                                  f"got {lt} and {lq}.")
            for p, (v, k) in pair.items():
                for i in range(k):
                    params[f"{p}_{kind}_{i + 1}"] = v[..., i]
        return params

    def _kernels(self, kind):
        taus = jnp.stack([getattr(self, f"tau_{kind}_{i}") for i in range(1, MAX_KERNELS + 1)], -1)
        qs = jnp.stack([getattr(self, f"q_{kind}_{i}") for i in range(1, MAX_KERNELS + 1)], -1)
        return taus, qs

    def init(self, dt: float) -> GifCondExpState:
        v = jnp.full(jnp.shape(self.E_L), -70.0, jnp.result_type(self.E_L, float))
        z = jnp.zeros_like(v)
        k = jnp.zeros(v.shape + (MAX_KERNELS,), v.dtype)
        return GifCondExpState(v, z, z, k, k, z, z + self.V_T_star, jnp.zeros(v.shape, jnp.int32), z)

    def step(self, state: GifCondExpState, inp: Input, dt: float):
        h = dt
        tau_stc, q_stc = self._kernels("stc")
        tau_sfa, q_sfa = self._kernels("sfa")
        I_stc = jnp.sum(state.stc, -1)
        E_sfa = self.V_T_star + jnp.sum(state.sfa, -1)
        stc = state.stc * jnp.exp(-h / tau_stc)
        sfa = state.sfa * jnp.exp(-h / tau_sfa)
        refractory = state.r > 0
        g_ex0, g_in0 = state.g_ex, state.g_in
        drive = state.I + self.I_e - I_stc

        def dV(t, V):
            g_ex = g_ex0 * jnp.exp(-t / self.tau_syn_ex)
            g_in = g_in0 * jnp.exp(-t / self.tau_syn_in)
            return (-self.g_L * (V - self.E_L) - g_ex * (V - self.E_ex) - g_in * (V - self.E_in)
                    + drive) / self.C_m

        V = jnp.where(refractory, state.V_m, rk4(dV, state.V_m, h, self.n_substeps))
        g_ex = g_ex0 * jnp.exp(-h / self.tau_syn_ex) + inp.syn[0]
        g_in = g_in0 * jnp.exp(-h / self.tau_syn_in) - inp.syn[1]
        # escape noise: spike if u < 1 - exp(-lambda h), lambda in 1/ms
        lam = self.lambda_0 * 1e-3 * jnp.exp((V - E_sfa) / self.Delta_V)
        p = -jnp.expm1(-lam * h)
        u = inp.u if inp.u is not None else jnp.ones_like(V)  # no noise given: never fires
        go = (~refractory) & (u < p)
        spike = spike_fn(p - u, self.surrogate, self.slope) * go.astype(V.dtype)
        fired = spike > 0
        stc = jnp.where(fired[..., None], stc + q_stc, stc)
        sfa = jnp.where(fired[..., None], sfa + q_sfa, sfa)
        ref_steps = refractory_steps(self.t_ref, h)
        r = jnp.where(refractory, state.r - 1, jnp.where(fired, ref_steps, 0))
        V = jnp.where(refractory, self.V_reset, V)
        return GifCondExpState(V, g_ex, g_in, stc, sfa, I_stc, E_sfa, r, inp.current.astype(V.dtype)), spike

"""Pieces shared by NEST's conductance-based models ``iaf_cond_exp``, ``iaf_cond_alpha``,
``aeif_cond_exp`` and ``aeif_cond_alpha``: parameter tables with NEST's defaults, the
consistency checks NEST makes, the synaptic conductances in closed form, and the two step
functions (``iaf_cond_step``, ``aeif_cond_step``) the models call with themselves.

Synaptic conductances (nS) are linear and known exactly within a step, so the ODE
integrator only carries ``V_m`` (and ``w``) and reads the conductances at the RK stage
times ``t`` since the step start:

* exponential: ``g(t) = g(0) exp(-t/tau)``;
* alpha (NEST's pair ``dg' = -dg/tau``, ``g' = dg - g/tau``):
  ``g(t) = (g(0) + dg(0) t) exp(-t/tau)``, ``dg(t) = dg(0) exp(-t/tau)``.

For iaf_cond the decay factors ``exp(-t/tau)`` at the ``2 n_sub + 1`` half-substep times
are precomputed once per chunk (``consts``); aeif_cond (substeps in ``lax.fori_loop``)
evaluates them at the stage times. A spike of weight ``w`` read in step k is added
after the ODE step, as NEST does: ``g += w`` (exp) or ``dg += w e / tau`` (alpha); a
negative weight goes to the inhibitory conductance with its magnitude (``SIGN_ROUTED``).
"""

from __future__ import annotations

import math
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from ..units import SncoreError
from ._base import Param
from ._lif import check_reset_below_threshold, fire_and_reset, refractory_steps
from ._ode import rk4, rk4_substep
from ._spike import spike_fn

__all__ = [
    "AEIF_COND_PARAMS",
    "AEIF_STATES",
    "COND_STATES",
    "IAF_COND_PARAMS",
    "aeif_cond_step",
    "check_aeif_cond",
    "check_iaf_cond",
    "cond_constants",
    "iaf_cond_step",
]


def _syn(tau_ex: float) -> dict[str, Param]:
    return {"tau_syn_ex": Param(tau_ex, "ms", "strict", "excitatory synaptic time constant"),
            "tau_syn_in": Param(2.0, "ms", "strict", "inhibitory synaptic time constant")}


#: NEST's defaults of iaf_cond_exp / iaf_cond_alpha
IAF_COND_PARAMS: dict[str, Param] = {
    "V_th": Param(-55.0, "mV", doc="spike threshold"),
    "V_reset": Param(-60.0, "mV", doc="reset potential"),
    "t_ref": Param(2.0, "ms", "nonneg", "refractory period"),
    "g_L": Param(16.6667, "nS", "strict", "leak conductance"),
    "C_m": Param(250.0, "pF", "strict", "membrane capacitance"),
    "E_ex": Param(0.0, "mV", doc="excitatory reversal potential"),
    "E_in": Param(-85.0, "mV", doc="inhibitory reversal potential"),
    "E_L": Param(-70.0, "mV", doc="leak reversal potential"),
    **_syn(0.2),
    "I_e": Param(0.0, "pA", doc="constant external current"),
}

#: NEST's defaults of aeif_cond_exp / aeif_cond_alpha
AEIF_COND_PARAMS: dict[str, Param] = {
    "V_peak": Param(0.0, "mV", doc="spike detection threshold (V_th if Delta_T = 0)"),
    "V_reset": Param(-60.0, "mV", doc="reset potential"),
    "t_ref": Param(0.0, "ms", "nonneg", "refractory period"),
    "g_L": Param(30.0, "nS", "strict", "leak conductance"),
    "C_m": Param(281.0, "pF", "strict", "membrane capacitance"),
    "E_ex": Param(0.0, "mV", doc="excitatory reversal potential"),
    "E_in": Param(-85.0, "mV", doc="inhibitory reversal potential"),
    "E_L": Param(-70.6, "mV", doc="leak reversal potential"),
    "Delta_T": Param(2.0, "mV", "nonneg", "slope factor of the exponential"),
    "tau_w": Param(144.0, "ms", "strict", "adaptation time constant"),
    "a": Param(4.0, "nS", doc="subthreshold adaptation"),
    "b": Param(80.5, "pA", doc="spike-triggered adaptation"),
    "V_th": Param(-50.4, "mV", doc="spike initiation threshold"),
    **_syn(0.2),
    "I_e": Param(0.0, "pA", doc="constant external current"),
}

COND_STATES: dict[str, Param] = {
    "V_m": Param(-70.0, "mV", doc="membrane potential"),
    "g_ex": Param(0.0, "nS", doc="excitatory synaptic conductance"),
    "g_in": Param(0.0, "nS", doc="inhibitory synaptic conductance"),
}

AEIF_STATES: dict[str, Param] = {
    "V_m": Param(-70.6, "mV", doc="membrane potential"),
    "g_ex": Param(0.0, "nS", doc="excitatory synaptic conductance"),
    "g_in": Param(0.0, "nS", doc="inhibitory synaptic conductance"),
    "w": Param(0.0, "pA", doc="adaptation current"),
}

#: NEST's overflow guard: (V_peak - V_th) / Delta_T < log(DBL_MAX / 1e20)
_MAX_EXP_ARG = math.log(np.finfo(np.float64).max / 1e20)


def check_iaf_cond(model: str, values) -> None:
    check_reset_below_threshold(model, values)


def check_aeif_cond(model: str, values) -> None:
    """NEST's checks of aeif_cond_*: V_peak >= V_th, V_reset < V_peak, no overflow at spike time."""
    vp, vt, vr, dT = (np.asarray(values[k], float) for k in ("V_peak", "V_th", "V_reset", "Delta_T"))
    if np.any(vp < vt):
        i = int(np.argmax(vp < vt))
        raise SncoreError(f"{model} parameter 'V_peak' must be >= V_th, got V_peak={float(vp.flat[i]):g} mV, "
                          f"V_th={float(vt.flat[i]):g} mV.")
    if np.any(vr >= vp):
        i = int(np.argmax(vr >= vp))
        raise SncoreError(f"{model} parameter 'V_reset' must be < V_peak, got V_reset={float(vr.flat[i]):g} mV, "
                          f"V_peak={float(vp.flat[i]):g} mV.")
    pos = dT > 0
    arg = np.where(pos, (vp - vt) / np.where(pos, dT, 1.0), 0.0)
    if np.any(arg >= _MAX_EXP_ARG):
        raise SncoreError(f"{model}: (V_peak - V_th) / Delta_T = {float(arg.max()):g} would overflow exp() at "
                          f"spike time; allowed: < {_MAX_EXP_ARG:.1f} (raise Delta_T or lower V_peak).")


def cond_constants(model, h: float, alpha: bool, tables: bool = True):
    """Per-step constants: decay tables ``exp(-k s/2 / tau)`` for k = 0..2 n_sub (s = h / n_sub)
    per receptor (with ``tables``; else only the end-of-step factor), the alpha jump factors
    ``e / tau`` and the refractory step count."""
    half = h / model.n_sub / 2.0
    ks = range(2 * model.n_sub + 1) if tables else (2 * model.n_sub,)
    tabs = tuple(tuple(jnp.exp(-(k * half) / tau) for k in ks) for tau in (model.tau_syn_ex, model.tau_syn_in))
    jumps = (jnp.e / model.tau_syn_ex, jnp.e / model.tau_syn_in) if alpha else (1.0, 1.0)
    return tabs, jumps, refractory_steps(model.t_ref, h)


def _g_at(state, tabs, half: float, t: float, alpha: bool):
    """(g_ex(t), g_in(t)) at a stage time ``t`` (a multiple of ``half``) since the step start."""
    k = round(t / half)
    if alpha:
        return ((state.g_ex + state.dg_ex * t) * tabs[0][k], (state.g_in + state.dg_in * t) * tabs[1][k])
    return state.g_ex * tabs[0][k], state.g_in * tabs[1][k]


def _syn_end(state, tabs, jumps, inp, h: float, alpha: bool) -> dict:
    """Conductances at the end of the step plus this step's spikes (inhibitory weights are negative)."""
    add = (inp.syn[0] * jumps[0], -inp.syn[1] * jumps[1])
    if alpha:
        return {"g_ex": (state.g_ex + state.dg_ex * h) * tabs[0][-1],
                "g_in": (state.g_in + state.dg_in * h) * tabs[1][-1],
                "dg_ex": state.dg_ex * tabs[0][-1] + add[0], "dg_in": state.dg_in * tabs[1][-1] + add[1]}
    return {"g_ex": state.g_ex * tabs[0][-1] + add[0], "g_in": state.g_in * tabs[1][-1] + add[1]}


def iaf_cond_step(m, state, inp, h: float, alpha: bool):
    """One step of iaf_cond_exp / _alpha (NEST order: ODE over the step with the state at its
    start, spikes added to the conductances, refractory clamp or threshold test)."""
    tabs, jumps, ref_steps = cond_constants(m, h, alpha) if m.consts is None else m.consts
    half = h / m.n_sub / 2.0
    I_tot = m.I_e + state.I

    def f(t, V):
        g_ex, g_in = _g_at(state, tabs, half, t, alpha)
        Vc = jnp.minimum(V, m.V_th)  # NEST bounds V by V_th in the derivative
        return (-m.g_L * (Vc - m.E_L) - g_ex * (Vc - m.E_ex) - g_in * (Vc - m.E_in) + I_tot) / m.C_m

    refractory = state.r > 0
    V_m = jnp.where(refractory, m.V_reset, rk4(f, state.V_m, h, m.n_sub))
    r = jnp.where(refractory, state.r - 1, state.r)
    syn = _syn_end(state, tabs, jumps, inp, h, alpha)
    V_m, r, spike = fire_and_reset(m, V_m, r, ref_steps)
    return state._replace(V_m=V_m, r=r, I=inp.current.astype(V_m.dtype), **syn), spike


def _g_exact(state, m, t, alpha: bool):
    """(g_ex(t), g_in(t)) at any (traced) time ``t`` since the step start."""
    e_ex, e_in = jnp.exp(-t / m.tau_syn_ex), jnp.exp(-t / m.tau_syn_in)
    if alpha:
        return (state.g_ex + state.dg_ex * t) * e_ex, (state.g_in + state.dg_in * t) * e_in
    return state.g_ex * e_ex, state.g_in * e_in


#: bisection steps that locate the V_peak crossing inside a substep (to 2^-8 of it)
N_BISECT = 8


@partial(jax.jit, static_argnames=("h", "alpha"))  # inlined under an outer jit; caches eager calls
def aeif_cond_step(m, state, inp, h: float, alpha: bool):
    """One step of aeif_cond_exp / _alpha. As in NEST the spike test ``V_m >= V_peak`` (V_th
    if Delta_T = 0) follows every integrator substep: on a spike V_m = V_reset, w += b and the
    neuron is refractory for the rest of the step plus ceil(t_ref/h) steps (V clamped at
    V_reset, dV/dt = 0, w keeps integrating with V = V_reset).

    NEST's adaptive RKF45 takes tiny substeps in the upstroke, so its spike (and the jump of
    w) falls close to the true crossing time. Here the first crossing of a step is located
    inside its substep by bisection (``N_BISECT`` RK4 evaluations from the substep start), and
    the rest of the step is integrated again from there: ``w`` in closed form while refractory,
    ``(V, w)`` from ``V_reset`` by RK4 when ``t_ref = 0``."""
    tabs, jumps, ref_steps = cond_constants(m, h, alpha, tables=False) if m.consts is None else m.consts
    n = m.n_sub
    s = h / n
    dtype = jnp.result_type(state.V_m)
    cap = float(np.log(np.finfo(dtype).max)) - 23.0  # keeps exp() finite in any dtype
    has_exp = m.Delta_T > 0
    dT = jnp.where(has_exp, m.Delta_T, 1.0)
    V_spike = jnp.where(has_exp, m.V_peak, m.V_th)
    r_after = jnp.where(ref_steps > 0, ref_steps + 1, 0)
    I_tot = m.I_e + state.I

    def rhs(refractory, g_of_t):
        def f(t, y):
            V, w = y
            g_ex, g_in = g_of_t(t)
            Vc = jnp.where(refractory, m.V_reset, jnp.minimum(V, m.V_peak))
            I_spike = jnp.where(has_exp, m.g_L * m.Delta_T * jnp.exp(jnp.minimum((Vc - m.V_th) / dT, cap)), 0.0)
            dV = (-m.g_L * (Vc - m.E_L) + I_spike - g_ex * (Vc - m.E_ex) - g_in * (Vc - m.E_in) - w + I_tot) / m.C_m
            return jnp.where(refractory, 0.0, dV), (m.a * (Vc - m.E_L) - w) / m.tau_w
        return f

    def g_any(t):
        return _g_exact(state, m, t, alpha)

    f_free = rhs(False, g_any)

    def substep(i, c):  # fori_loops (not unrolled): compile time independent of n_sub
        V, w, r, spike, found, cV, cw, ct = c
        refractory = r > 0
        V1, w1 = rk4_substep(rhs(refractory, g_any), i * s, (V, w), s)
        V1 = jnp.where(refractory, m.V_reset, V1)
        sp = jnp.where(refractory, 0.0, spike_fn(V1 - V_spike, m.surrogate, m.slope)).astype(V.dtype)
        fired = sp > 0
        first = fired & ~found
        cV, cw, ct = jnp.where(first, V, cV), jnp.where(first, w, cw), jnp.where(first, i * s, ct)
        return (jnp.where(fired, m.V_reset, V1), jnp.where(fired, w1 + m.b, w1), jnp.where(fired, r_after, r),
                jnp.maximum(spike, sp), found | fired, cV, cw, ct)

    V, w, r = state.V_m, state.w, state.r
    zero = jnp.zeros_like(V)
    V, w, r, spike, found, cV, cw, ct = jax.lax.fori_loop(
        0, n, substep, (V, w, r, zero, jnp.zeros(V.shape, bool), V, w, zero))

    # the first crossing (state cV, cw at time ct), located inside its substep (piecewise
    # constant in the inputs: no gradient flows through the search)
    y_c = jax.lax.stop_gradient((cV, cw))
    f_c = rhs(False, lambda t: jax.lax.stop_gradient(g_any(t)))

    def bisect(_, c):
        lo, hi = c
        mid = 0.5 * (lo + hi)
        up = rk4_substep(f_c, ct, y_c, mid * s)[0] >= jax.lax.stop_gradient(V_spike)
        return jnp.where(up, lo, mid), jnp.where(up, mid, hi)

    lo, hi = jax.lax.fori_loop(0, N_BISECT, bisect, (zero, jnp.ones_like(V)))
    theta = 0.5 * (lo + hi)
    t_c = ct + theta * s
    w_c = rk4_substep(f_free, ct, (cV, cw), theta * s)[1] + m.b
    rest = h - t_c
    # refractory rest of the step: V = V_reset, tau_w dw/dt = a (V_reset - E_L) - w exactly
    w_inf = m.a * (m.V_reset - m.E_L)
    w_ref = w_inf + (w_c - w_inf) * jnp.exp(-rest / m.tau_w)

    # t_ref = 0: (V, w) integrate on from V_reset (further crossings at substep resolution)
    def after(j, c):
        Vf, wf = rk4_substep(f_free, t_c + j * rest / n, c, rest / n)
        again = Vf >= V_spike
        return jnp.where(again, m.V_reset, Vf), jnp.where(again, wf + m.b, wf)

    Vf, wf = jax.lax.fori_loop(0, n, after, (jnp.full_like(V, m.V_reset), w_c))
    V = jnp.where(found, jnp.where(ref_steps > 0, m.V_reset, Vf), V)
    w = jnp.where(found, jnp.where(ref_steps > 0, w_ref, wf), w)

    r = jnp.where(r > 0, r - 1, r)
    syn = _syn_end(state, tabs, jumps, inp, h, alpha)
    return state._replace(V_m=V, w=w, r=r, I=inp.current.astype(V.dtype), **syn), spike

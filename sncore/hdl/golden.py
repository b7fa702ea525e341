"""The golden integer model of the LIF core (JAX int32, ``lax.scan``) and its float reference.

Integer semantics, per step ``t`` (all arithmetic in int32, no float, no division;
``>>>`` is the arithmetic right shift, i.e. floor division by ``2^k``;
``sat(x) = min(max(x, lo), hi)`` with ``lo, hi`` the state format's range)::

    a_i    = ring[t mod D, i];  ring[t mod D, i] = 0          (input arriving this step)
    if r_i > 0:  v_i' = v_i;  r_i' = r_i - 1                  (refractory: input discarded)
    else:
        s_i  = sat(v_i - (k_i > 0 ? v_i >>> k_i : 0) + a_i + b_i)
        f_i  = s_i >= thr_i           (or s_i > thr_i with compare=">")
        v_i' = f_i ? (reset == "value" ? vreset_i : sat(s_i - thr_i)) : s_i
        r_i' = f_i ? tref_i : r_i
    for every synapse (j -> i, w, d) with source j spiking in step t
        (neurons: f_j; inputs: x_j(t)):  ring[(t + d) mod D, i] += w << WSHIFT

The ring holds ``D = max delay`` slots; a slot is cleared when it is read, before this step's
spikes are scattered, so ``d = D`` is allowed.  Accumulation cannot overflow (the accumulator
width is the worst-case sum, see :mod:`sncore.hdl.quant`), so its order does not matter.

Outputs: ``spikes [T, N]`` (int32 0/1) and ``v [T, N]`` (the membrane after the step) and
coverage counters (steps x neurons where the sum hit the upper / lower rail, where the membrane
is negative, where the neuron is refractory).

Example:
    >>> from sncore.hdl.ir import demo_network
    >>> from sncore.hdl.quant import quantize
    >>> q = quantize(demo_network())
    >>> out = run_golden(q, demo_network().stimulus(100))
    >>> out["spikes"].shape
    (100, 24)
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .quant import QuantNet

__all__ = ["accuracy_report", "run_float", "run_golden"]


def _sat(x, lo, hi):
    return jnp.minimum(jnp.maximum(x, lo), hi)


@partial(jax.jit, static_argnames=("depth", "n", "lo", "hi", "strict", "subtract", "wshift"))
def _golden(P, x, *, depth, n, lo, hi, strict, subtract, wshift):
    i32 = jnp.int32
    w_acc = P["syn_w"].astype(i32) << wshift

    def step(carry, xt):
        v, r, ring, t = carry
        slot = t % depth
        a = ring[slot]
        ring = ring.at[slot].set(0)
        refr = r > 0
        leak = jnp.where(P["shift"] > 0, v >> P["shift"], 0)
        raw = v - leak + a + P["bias"]
        s = _sat(raw, lo, hi)
        fire = ~refr & ((s > P["thr"]) if strict else (s >= P["thr"]))
        after = _sat(s - P["thr"], lo, hi) if subtract else P["vreset"]
        v_new = jnp.where(refr, v, jnp.where(fire, after, s))
        r_new = jnp.where(refr, r - 1, jnp.where(fire, P["tref"], r))
        src = jnp.concatenate([fire, xt])
        contrib = jnp.where(src[P["syn_src"]], w_acc, 0)
        ring = ring.at[(t + P["syn_delay"]) % depth, P["syn_tgt"]].add(contrib)
        cov = jnp.stack([jnp.sum(~refr & (raw > hi)), jnp.sum(~refr & (raw < lo)),
                         jnp.sum(v_new < 0), jnp.sum(refr)]).astype(i32)
        return (v_new, r_new, ring, t + 1), (fire.astype(i32), v_new, cov)

    init = (P["v0"], jnp.zeros(n, i32), jnp.zeros((depth, n), i32), jnp.int32(0))
    _, (spk, v, cov) = lax.scan(step, init, x)
    return spk, v, cov.sum(0)


def _int_params(q: QuantNet) -> dict:
    keys = ("thr", "vreset", "bias", "shift", "tref", "v0", "syn_tgt", "syn_delay", "syn_w")
    P = {k: jnp.asarray(getattr(q, k), jnp.int32) for k in keys}
    P["syn_src"] = jnp.asarray(q.syn_src, jnp.int32)
    return P


def run_golden(q: QuantNet, stimulus: np.ndarray) -> dict:
    """Run the integer model for ``len(stimulus)`` steps; ``stimulus`` is bool ``[T, M]``.

    Returns a dict of numpy arrays: ``spikes [T, N]``, ``v [T, N]`` (state LSBs) and
    ``coverage`` = {"sat_hi", "sat_lo", "negative", "refractory"} counts.
    """
    x = jnp.asarray(np.asarray(stimulus, bool).reshape(len(stimulus), q.m))
    st = q.config.state
    spk, v, cov = _golden(_int_params(q), x, depth=q.depth, n=q.n, lo=st.lo, hi=st.hi,
                          strict=q.config.compare == ">", subtract=q.config.reset == "subtract",
                          wshift=q.wshift)
    cov = np.asarray(cov)
    return {"spikes": np.asarray(spk), "v": np.asarray(v),
            "coverage": dict(zip(("sat_hi", "sat_lo", "negative", "refractory"), map(int, cov)))}


def run_float(q: QuantNet, stimulus: np.ndarray) -> dict:
    """The float64 (numpy) reference of the same network: exact decay ``P33 = exp(-dt/tau_m)``,
    unquantised weights and potentials, no saturation (see :mod:`sncore.hdl.ir`).
    Returns ``spikes [T, N]`` and ``v [T, N]`` in mV."""
    F = q.float_params
    x = np.asarray(stimulus, bool)
    T, n, D = len(x), q.n, q.depth
    strict, subtract = q.config.compare == ">", q.config.reset == "subtract"
    v, r = F["v0"].copy(), np.zeros(n, np.int64)
    ring = np.zeros((D, n))
    spikes, vs = np.zeros((T, n), np.int32), np.zeros((T, n))
    for t in range(T):
        a = ring[t % D].copy()
        ring[t % D] = 0
        refr = r > 0
        s = F["p33"] * v + a + F["bias"]
        fire = ~refr & ((s > F["thr"]) if strict else (s >= F["thr"]))
        v = np.where(refr, v, np.where(fire, s - F["thr"] if subtract else F["vreset"], s))
        r = np.where(refr, r - 1, np.where(fire, F["tref"], r))
        src = np.concatenate([fire, x[t]])
        on = src[q.syn_src]
        np.add.at(ring, ((t + q.syn_delay[on]) % D, q.syn_tgt[on]), F["syn_w"][on])
        spikes[t], vs[t] = fire, v
    return {"spikes": spikes, "v": vs}


def accuracy_report(q: QuantNet, stimulus: np.ndarray, golden: dict | None = None) -> dict:
    """Fixed point vs float: rates (spikes per neuron per step), spike agreement (fraction of
    (step, neuron) cells equal), total spike counts, membrane RMS error (mV)."""
    g = golden or run_golden(q, stimulus)
    f = run_float(q, stimulus)
    T = len(stimulus)
    rate_fix, rate_flt = g["spikes"].mean(0), f["spikes"].mean(0)
    return {
        "steps": T,
        "spikes_fixed": int(g["spikes"].sum()),
        "spikes_float": int(f["spikes"].sum()),
        "rate_fixed_per_step": float(rate_fix.mean()),
        "rate_float_per_step": float(rate_flt.mean()),
        "rate_abs_err_max": float(np.abs(rate_fix - rate_flt).max()) if q.n else 0.0,
        "spike_agreement": float((g["spikes"] == f["spikes"]).mean()),
        "v_rmse_mV": float(np.sqrt(np.mean((g["v"] * q.scale - f["v"]) ** 2))),
    }

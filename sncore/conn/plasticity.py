"""Synapse models with state: spike-timing-dependent and short-term plasticity, applied
inside the scan on the sparse (per-synapse) weights.

A plastic connection keeps its synapses as flat arrays in connection order — source
position ``src[j]``, target position ``tgt[j]``, delay ``d[j]`` (steps) — and its weights and
synaptic state in the scan carry. Each step ``k``, after the neurons have updated, the rule
sees the spikes of step ``k`` of its source and target blocks, updates its state, and
returns the weight each synapse transmits *now* (used where the source spiked); the
engine adds it into the target's ring buffer at slot ``(k + d[j]) mod D``. The cost per
step is proportional to the number of synapses (every synapse is visited; the static
paths are event-driven). Spike times are step stamps: a spike in step ``k`` has time
``(k + 1) dt``.

=================== ===========================================================================
model               rule
=================== ===========================================================================
``stdp_synapse``    NEST's pair-based STDP (Guetig et al. 2003 form) with all-to-all traces,
                    weight bound ``Wmax`` (same sign as the weight) and the delay treated as
                    dendritic (see :class:`Stdp`)
``tsodyks_synapse`` Tsodyks, Uziel & Markram (2000) three-state short-term plasticity
``tsodyks2_synapse`` Tsodyks & Markram (1997) / Fuhrmann et al. (2002) u-x form
``anti_hebbian``    the anti-Hebbian pairing rule of AghilZadeh's striatum simulator
=================== ===========================================================================

Plasticity can be switched off and on between ``simulate()`` calls
(:meth:`sncore.network.simulator.Synapses.set`): traces and short-term state keep evolving,
only the long-term weight changes stop (what setting ``lambda = 0`` does in NEST).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import jax.numpy as jnp
import numpy as np

from ..neurons import Param
from ..units import SncoreError, to_canonical

__all__ = [
    "SYNAPSES",
    "AntiHebbian",
    "Stdp",
    "SynArrays",
    "SynapseModel",
    "Tsodyks",
    "Tsodyks2",
    "deliver_synapses",
    "resolve_synapse",
]


@dataclass(frozen=True)
class SynapseModel:
    """A synapse rule: canonical parameter values (``values``, host floats) plus two pure
    functions on flat per-synapse arrays, ``init(w, n_src, n_tgt, H)`` and ``step``.

    ``PARAMS`` maps NEST's parameter names to :class:`~sncore.neurons.Param`; the unit
    ``"weight"`` stands for the target model's weight unit.
    """

    values: dict[str, float]
    NAME: ClassVar[str] = ""
    PARAMS: ClassVar[dict[str, Param]] = {}
    #: long-term plasticity (a weight that changes); short-term models keep ``w`` fixed
    PLASTIC_WEIGHT: ClassVar[bool] = True

    def check(self) -> None:
        """Model-specific checks on ``values`` (raise SncoreError)."""

    def history(self, max_delay: int, dt: float) -> int:
        """Depth of the spike/trace history the rule needs (steps)."""
        return 1

    def params(self, dtype) -> dict:
        return {k: jnp.asarray(v, dtype) for k, v in self.values.items()}

    def init(self, w: np.ndarray, n_src: int, n_tgt: int, H: int, dtype) -> dict:  # pragma: no cover
        raise NotImplementedError

    def step(self, p: dict, st: dict, syn: SynArrays, pre, post, k, dt, on):  # pragma: no cover
        raise NotImplementedError


class SynArrays(NamedTuple):
    """Per-synapse structure of a plastic connection (int32 arrays, connection order)."""

    src: Any
    tgt: Any
    d: Any


def _slot(k, d, H):
    return (k - d) % H


class Stdp(SynapseModel):
    """NEST ``stdp_synapse``: pair-based STDP with all-to-all spike pairing.

    With ``w~ = w / Wmax``, on a presynaptic spike at ``t_pre`` (NEST's order)::

        facilitation, for each post spike t_post in (t_last - d, t_pre - d]:
            w~ <- min(1, w~ + lambda (1 - w~)^mu_plus  K+(t_post + d))
        depression:  w~ <- max(0, w~ - alpha lambda w~^mu_minus  K-(t_pre - d))
        K+(t) = sum over pre spikes t_i < t of exp(-(t - t_i)/tau_plus)
        K-(t) = sum over post spikes t_i < t of exp(-(t - t_i)/tau_minus)

    and the updated weight is transmitted. sncore applies each facilitation at the step
    when ``t_post + d`` is reached (NEST defers it to the next presynaptic spike; the
    weight sequence at presynaptic spikes — all that is ever transmitted — is the same,
    but a weight *read* after post spikes and before the next pre spike already contains
    the facilitation). ``tau_minus`` belongs to the postsynaptic neuron in NEST; here it is
    a synapse parameter (NEST default 20 ms). A spike of multiplicity m counts once in the
    traces (as in NEST) and is transmitted m times.

    ============ ======= ======= ==========================================
    parameter    unit    default meaning
    ============ ======= ======= ==========================================
    tau_plus     ms      20.0    pre-trace time constant (> 0)
    tau_minus    ms      20.0    post-trace time constant (> 0)
    lambda       1       0.01    step size
    alpha        1       1.0     depression / facilitation ratio (>= 0)
    mu_plus      1       1.0     facilitation weight-dependence exponent
    mu_minus     1       1.0     depression weight-dependence exponent
    Wmax         weight  100.0   weight bound (same sign as every weight)
    ============ ======= ======= ==========================================

    Example:
        >>> sim.connect(pre, post, weight=20 * u.pA,
        ...             synapse={"synapse_model": "stdp_synapse", "Wmax": 50 * u.pA})
    """

    NAME = "stdp_synapse"
    PARAMS = {
        "tau_plus": Param(20.0, "ms", "strict", "pre-trace time constant"),
        "tau_minus": Param(20.0, "ms", "strict", "post-trace time constant"),
        "lambda": Param(0.01, "1", "nonneg", "step size"),
        "alpha": Param(1.0, "1", "nonneg", "depression / facilitation ratio"),
        "mu_plus": Param(1.0, "1", "nonneg", "facilitation exponent"),
        "mu_minus": Param(1.0, "1", "nonneg", "depression exponent"),
        "Wmax": Param(100.0, "weight", doc="weight bound"),
    }

    def check_weights(self, w: np.ndarray) -> None:
        wmax = self.values["Wmax"]
        if wmax == 0 or np.any(w * wmax < 0) or np.any(np.abs(w) > abs(wmax)):
            raise SncoreError(
                f"stdp_synapse: every weight must have the sign of Wmax and |weight| <= |Wmax| "
                f"(NEST: 'Weight and Wmax must have same sign'), got Wmax={wmax:g} and weights "
                f"in [{float(w.min()):g}, {float(w.max()):g}].")

    def history(self, max_delay, dt):
        return max_delay + 1

    def init(self, w, n_src, n_tgt, H, dtype):
        z = lambda *s: jnp.zeros(s, dtype)
        return {"w": jnp.asarray(w, dtype), "kplus": z(n_src), "kminus": z(n_tgt),
                "k_hist": z(H, n_tgt), "s_hist": z(H, n_tgt)}

    def step(self, p, st, syn, pre, post, k, dt, on):
        H = st["k_hist"].shape[0]
        x = st["kplus"] * jnp.exp(-dt / p["tau_plus"])      # K+ at (k+1) dt, spikes < (k+1) dt
        y = st["kminus"] * jnp.exp(-dt / p["tau_minus"])    # K- at (k+1) dt, spikes < (k+1) dt
        post_sp = (post > 0).astype(y.dtype)
        k_hist = st["k_hist"].at[k % H].set(y)
        s_hist = st["s_hist"].at[k % H].set(post_sp)
        slot = _slot(k, syn.d, H)
        arrived = s_hist[slot, syn.tgt] > 0                 # post spike of step k - d reaches the synapse
        pre_sp = pre[syn.src] > 0
        wmax = p["Wmax"]
        w = st["w"]
        wn = w / wmax
        fac = jnp.minimum(wn + p["lambda"] * jnp.power(jnp.maximum(1 - wn, 0), p["mu_plus"]) * x[syn.src], 1.0)
        wn = jnp.where(arrived, fac, wn)
        dep = jnp.maximum(wn - p["alpha"] * p["lambda"] * jnp.power(jnp.maximum(wn, 0), p["mu_minus"])
                          * k_hist[slot, syn.tgt], 0.0)
        wn = jnp.where(pre_sp, dep, wn)
        w = jnp.where(on > 0, wn * wmax, w)
        new = {"w": w, "kplus": x + (pre > 0).astype(x.dtype), "kminus": y + post_sp,
               "k_hist": k_hist, "s_hist": s_hist}
        return new, w


class Tsodyks2(SynapseModel):
    """NEST ``tsodyks2_synapse``: short-term depression and facilitation (u-x form).

    On each presynaptic spike, with ``h`` the time since the previous one (none before the
    first spike, which sees the initial ``u``, ``x``)::

        x <- 1 + (x - x u - 1) exp(-h / tau_rec)
        u <- U + u (1 - U) exp(-h / tau_fac)          (0 for tau_fac = 0)
        transmitted weight = weight * u * x

    ====== ====== ======= =========================================
    param  unit   default meaning
    ====== ====== ======= =========================================
    U      1      0.5     increment of u per spike, in [0, 1]
    u      1      0.5     initial release probability, in [0, 1]
    x      1      1.0     initial available resources, in [0, 1]
    tau_rec ms    800.0   recovery time constant (> 0)
    tau_fac ms    0.0     facilitation time constant (>= 0; 0 = none)
    ====== ====== ======= =========================================
    """

    NAME = "tsodyks2_synapse"
    PLASTIC_WEIGHT = False
    PARAMS = {
        "U": Param(0.5, "1", "nonneg", "utilisation increment"),
        "u": Param(0.5, "1", "nonneg", "initial utilisation"),
        "x": Param(1.0, "1", "nonneg", "initial resources"),
        "tau_rec": Param(800.0, "ms", "strict", "recovery time constant"),
        "tau_fac": Param(0.0, "ms", "nonneg", "facilitation time constant"),
    }

    def check(self):
        for name in ("U", "u", "x"):
            _unit_interval(self.NAME, name, self.values[name])

    def init(self, w, n_src, n_tgt, H, dtype):
        n = len(w)
        return {"w": jnp.asarray(w, dtype), "u": jnp.full((n,), self.values["u"], dtype),
                "x": jnp.full((n,), self.values["x"], dtype), "last": jnp.full((n,), -1, jnp.int32)}

    def step(self, p, st, syn, pre, post, k, dt, on):
        spk = pre[syn.src] > 0
        h = (k + 1 - st["last"]).astype(st["x"].dtype) * dt
        first = st["last"] < 0
        xd = jnp.exp(-h / p["tau_rec"])
        ud = jnp.where(p["tau_fac"] > 0, jnp.exp(-h / jnp.where(p["tau_fac"] > 0, p["tau_fac"], 1.0)), 0.0)
        x_new = jnp.where(first, st["x"], 1 + (st["x"] - st["x"] * st["u"] - 1) * xd)
        u_new = jnp.where(first, st["u"], p["U"] + st["u"] * (1 - p["U"]) * ud)
        x = jnp.where(spk, x_new, st["x"])
        u = jnp.where(spk, u_new, st["u"])
        last = jnp.where(spk, k + 1, st["last"])
        return {"w": st["w"], "u": u, "x": x, "last": last}, st["w"] * u * x


class Tsodyks(SynapseModel):
    """NEST ``tsodyks_synapse``: Tsodyks, Uziel & Markram (2000) with recovered (x), active
    (y) and inactive (z = 1 - x - y) resources. Between spikes (``h`` since the previous
    spike; the first is measured from t = 0, as in NEST)::

        u <- u exp(-h/tau_fac)   (0 if tau_fac = 0)
        x <- x + Pxy y + (1 - exp(-h/tau_rec)) z,   y <- y exp(-h/tau_psc)
        Pxy = ((exp(-h/tau_rec) - 1) tau_rec - (exp(-h/tau_psc) - 1) tau_psc) / (tau_psc - tau_rec)

    then at the spike ``u <- u + U (1 - u)``, ``dy = u x``, ``x -= dy``, ``y += dy`` and the
    transmitted weight is ``weight * dy``. ``tau_psc`` should equal the target's synaptic
    time constant (NEST's advice) and must differ from ``tau_rec``.

    ======= ==== ======= ============================
    param   unit default meaning
    ======= ==== ======= ============================
    U       1    0.5     utilisation increment [0, 1]
    tau_psc ms   3.0     PSC time constant (> 0)
    tau_rec ms   800.0   recovery time constant (> 0)
    tau_fac ms   0.0     facilitation (>= 0; 0 = none)
    x       1    1.0     initial recovered resources
    y       1    0.0     initial active resources (x + y <= 1)
    u       1    0.0     initial utilisation
    ======= ==== ======= ============================
    """

    NAME = "tsodyks_synapse"
    PLASTIC_WEIGHT = False
    PARAMS = {
        "U": Param(0.5, "1", "nonneg", "utilisation increment"),
        "tau_psc": Param(3.0, "ms", "strict", "PSC time constant"),
        "tau_rec": Param(800.0, "ms", "strict", "recovery time constant"),
        "tau_fac": Param(0.0, "ms", "nonneg", "facilitation time constant"),
        "x": Param(1.0, "1", "nonneg", "initial recovered resources"),
        "y": Param(0.0, "1", "nonneg", "initial active resources"),
        "u": Param(0.0, "1", "nonneg", "initial utilisation"),
    }

    def check(self):
        v = self.values
        for name in ("U", "u", "x", "y"):
            _unit_interval(self.NAME, name, v[name])
        if v["x"] + v["y"] > 1:
            raise SncoreError(f"tsodyks_synapse: 'x' + 'y' must be <= 1, got x={v['x']:g}, y={v['y']:g}.")
        if v["tau_psc"] == v["tau_rec"]:
            raise SncoreError(f"tsodyks_synapse: 'tau_psc' must differ from 'tau_rec', both {v['tau_rec']:g} ms.")

    def init(self, w, n_src, n_tgt, H, dtype):
        n = len(w)
        f = lambda name: jnp.full((n,), self.values[name], dtype)
        return {"w": jnp.asarray(w, dtype), "u": f("u"), "x": f("x"), "y": f("y"),
                "last": jnp.zeros((n,), jnp.int32)}

    def step(self, p, st, syn, pre, post, k, dt, on):
        spk = pre[syn.src] > 0
        h = (k + 1 - st["last"]).astype(st["x"].dtype) * dt
        Puu = jnp.where(p["tau_fac"] > 0, jnp.exp(-h / jnp.where(p["tau_fac"] > 0, p["tau_fac"], 1.0)), 0.0)
        Pyy = jnp.exp(-h / p["tau_psc"])
        Pzz = jnp.exp(-h / p["tau_rec"])
        Pxy = ((Pzz - 1) * p["tau_rec"] - (Pyy - 1) * p["tau_psc"]) / (p["tau_psc"] - p["tau_rec"])
        x, y, u = st["x"], st["y"], st["u"]
        z = 1 - x - y
        u1 = u * Puu
        x1 = x + Pxy * y + (1 - Pzz) * z
        y1 = y * Pyy
        u1 = u1 + p["U"] * (1 - u1)
        dy = u1 * x1
        new = {"w": st["w"], "u": jnp.where(spk, u1, u), "x": jnp.where(spk, x1 - dy, x),
               "y": jnp.where(spk, y1 + dy, y), "last": jnp.where(spk, k + 1, st["last"])}
        return new, st["w"] * dy


class AntiHebbian(SynapseModel):
    """The anti-Hebbian pairing rule of AghilZadeh's striatum model (re-implemented from its
    published behaviour). In every step where the source or the target spikes::

        w <- w - rate dt (w - T),
        T = f_minus w0 * (post spikes in the last M steps, if the source spikes now)
          + f_plus  w0 * (pre spikes in the last M steps, if the target spikes now)

    with ``M = round(window / dt)`` and ``w0`` the synapse's initial weight: a target spike
    *before* a source spike (post-pre, anti-causal) pulls the weight towards ``f_minus w0``
    (default 2 w0, potentiation), a source spike before a target spike (causal) towards
    ``f_plus w0`` (default w0 / 2, depression); a spike with no partner in the window decays
    the weight towards 0. Coincident spikes pair with kernel 0. Weights keep the sign of
    ``w0`` (requires ``rate dt < 1``).

    ======== ==== ======= ========================================
    param    unit default meaning
    ======== ==== ======= ========================================
    rate     Hz   100.0   relaxation rate (0.1 per ms)
    window   ms   20.0    pairing half-window
    f_minus  1    2.0     anti-causal target factor (x w0)
    f_plus   1    0.5     causal target factor (x w0)
    ======== ==== ======= ========================================
    """

    NAME = "anti_hebbian"
    PARAMS = {
        "rate": Param(100.0, "Hz", "nonneg", "relaxation rate"),
        "window": Param(20.0, "ms", "strict", "pairing half-window"),
        "f_minus": Param(2.0, "1", "nonneg", "anti-causal target factor"),
        "f_plus": Param(0.5, "1", "nonneg", "causal target factor"),
    }

    def history(self, max_delay, dt):
        return max(1, int(round(self.values["window"] / dt)))

    def params(self, dtype):
        return {k: jnp.asarray(v, dtype) for k, v in self.values.items() if k != "window"}

    def init(self, w, n_src, n_tgt, H, dtype):
        z = lambda *s: jnp.zeros(s, dtype)
        return {"w": jnp.asarray(w, dtype), "w0": jnp.asarray(w, dtype), "pre_hist": z(H, n_src),
                "post_hist": z(H, n_tgt), "n_pre": z(n_src), "n_post": z(n_tgt)}

    def step(self, p, st, syn, pre, post, k, dt, on):
        H = st["pre_hist"].shape[0]
        s_pre = (pre > 0).astype(st["w"].dtype)
        s_post = (post > 0).astype(st["w"].dtype)
        a, b = s_pre[syn.src], s_post[syn.tgt]
        T = st["w0"] * (p["f_minus"] * a * st["n_post"][syn.tgt] + p["f_plus"] * b * st["n_pre"][syn.src])
        w = st["w"]
        w_new = w - p["rate"] * 1e-3 * dt * (w - T)
        w = jnp.where((on > 0) & ((a > 0) | (b > 0)), w_new, w)
        slot = k % H
        new = {"w": w, "w0": st["w0"],
               "n_pre": st["n_pre"] + s_pre - st["pre_hist"][slot],
               "n_post": st["n_post"] + s_post - st["post_hist"][slot],
               "pre_hist": st["pre_hist"].at[slot].set(s_pre),
               "post_hist": st["post_hist"].at[slot].set(s_post)}
        return new, w


def deliver_synapses(ring, pre, w_eff, syn: SynArrays, k):
    """``ring[(k + d_j) % D, tgt_j] += pre[src_j] * w_eff_j`` for every synapse (a spike
    value > 1 is a multiplicity)."""
    D, N = ring.shape
    idx = ((k + syn.d) % D) * N + syn.tgt
    return ring.reshape(-1).at[idx].add(pre[syn.src] * w_eff).reshape(D, N)


SYNAPSES: dict[str, type[SynapseModel]] = {
    m.NAME: m for m in (Stdp, Tsodyks, Tsodyks2, AntiHebbian)}


def _unit_interval(model, name, v):
    if not 0 <= v <= 1:
        raise SncoreError(f"{model} parameter {name!r} must be in [0, 1], got {v:g}.")


def resolve_synapse(spec: Any, weight_unit: str) -> SynapseModel | None:
    """``"static_synapse"`` / None -> None; a model name or a NEST-style syn_spec dict
    ``{"synapse_model": name, **params}`` (Quantities) -> a :class:`SynapseModel`."""
    if spec is None or spec == "static_synapse":
        return None
    if isinstance(spec, str):
        spec = {"synapse_model": spec}
    if not isinstance(spec, dict) or "synapse_model" not in spec:
        raise SncoreError(f"connect parameter 'synapse' must be a synapse model name or a dict "
                          f"with 'synapse_model', got {spec!r}; allowed models: "
                          f"{['static_synapse', *sorted(SYNAPSES)]}.")
    name = spec["synapse_model"]
    if name == "static_synapse" and len(spec) == 1:
        return None
    if name not in SYNAPSES:
        raise SncoreError(f"unknown synapse model {name!r}; allowed: {['static_synapse', *sorted(SYNAPSES)]}.")
    cls = SYNAPSES[name]
    given = {k: v for k, v in spec.items() if k != "synapse_model"}
    unknown = set(given) - set(cls.PARAMS)
    if unknown:
        raise SncoreError(f"{name} has no parameter {sorted(unknown)[0]!r}; allowed: {sorted(cls.PARAMS)} "
                          "(weight and delay are connect() arguments).")
    values = {}
    for pname, prm in cls.PARAMS.items():
        unit = weight_unit if prm.unit == "weight" else prm.unit
        if pname in given:
            v = to_canonical(given[pname], unit, pname, owner=name)
            if np.ndim(v):
                raise SncoreError(f"{name} parameter {pname!r} must be a scalar, got shape {np.shape(v)}.")
            v = float(v)
        else:
            v = prm.default
        if prm.positive == "strict" and not v > 0:
            raise SncoreError(f"{name} parameter {pname!r} must be > 0 {unit}, got {v:g}.")
        if prm.positive == "nonneg" and not v >= 0:
            raise SncoreError(f"{name} parameter {pname!r} must be >= 0 {unit}, got {v:g}.")
        values[pname] = v
    model = cls(values)
    model.check()
    return model

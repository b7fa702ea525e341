"""Parameter sweeps over a compiled run: neuron parameters and Poisson rates as parameters.

``run = sim.compile(T)`` gives ``run(params, state, key) -> (state, outputs)``. Its
``run.params`` pytree holds, by name:

* ``params["models"][model]``: the neuron parameters of every population of that model (an
  ``eqx.Module``; each field a scalar when equal for the whole block, else ``[n]``);
* ``params["drive_tab"][i]``: the ``poisson_generator`` drives, one entry per drive: ``"rate"``
  (Hz per connection), ``"tab"`` (``uint32 [n_conn, W]`` CDF thresholds of the Poisson count
  per step, as :func:`sncore.random.poisson_table`) and ``"len"`` (valid entries per row);
* weights (``drive_w``, ``proj``, ``plastic``, ...), see :mod:`sncore.network.engine`.

:func:`set_param` changes a parameter of some nodes *by name*, without recompiling (shapes
stay fixed: ``W`` is the table width of ``compile(..., max_rate=...)``):

* a **concrete** value (number, numpy array, Quantity) is checked and, for ``rate``, turned into
  exact float64 tables on the host: the run is then spike for spike the run of a Simulator
  built with that value;
* a **traced** value (inside ``jit``/``vmap``/``grad``, canonical units: ms, mV, pA, pF, nS, Hz)
  is used as is; a traced ``rate`` builds its tables in the graph in the run's dtype
  (:func:`poisson_thresholds`), exact in distribution up to the float precision (~1e-7 per
  count for float32) but not bit-identical to the host tables.

:func:`batch_params` stacks a list of such pytrees for ``jax.vmap`` and says which leaves vary.

Example:
    >>> run = sim.compile(100 * u.ms, max_rate=20000 * u.Hz)
    >>> ps = [sn.set_param(sn.set_param(run.params, pg, "rate", r * u.Hz), pop, "tau_m", t * u.ms)
    ...       for r, t in [(5000, 10), (8000, 20)]]
    >>> batch, axes = sn.batch_params(ps)
    >>> f = jax.jit(jax.vmap(run, in_axes=(axes, None, None)))
    >>> _, out = f(batch, run.state, key)          # out["counts"]: [2, n] per model
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..conn.propagate import capacity_ladder
from ..neurons import MODELS
from ..random import poisson_table
from ..units import UNITS, SncoreError, check_positive, to_canonical

if TYPE_CHECKING:
    from .nodes import NodeCollection
    from .simulator import Simulator

__all__ = ["CompiledRun", "batch_params", "compile_run", "drive_tables", "get_param", "poisson_thresholds", "set_param", "table_width"]


@dataclass(eq=False)
class CompiledRun:
    """``fn(params, state, key) -> (state, outputs)`` plus the network's current pytrees."""

    fn: Any
    params: Any
    state: Any

    def __call__(self, params, state, key):
        return self.fn(params, state, key)


def compile_run(sim: Simulator, n: int, max_rate: Any = None) -> CompiledRun:
    """The body of ``Simulator.compile`` for ``n`` steps (see its docstring)."""
    from .run import chunk_xs

    sim._ensure_engine()
    eng = sim.engine
    params = dict(sim.params, drive_tab=drive_tables(sim, table_width(sim, max_rate)))
    caps = tuple(capacity_ladder(p.spec.n_src) for p in eng.projs if p.path == "event")
    xs = {k: jnp.asarray(v) for k, v in chunk_xs(sim, sim.steps, n).items()}

    def run(params, state, key):
        if jnp.issubdtype(jnp.asarray(key).dtype, jax.dtypes.prng_key):
            key = jax.random.key_data(key)
        state = dict(state, key=jnp.asarray(key, jnp.uint32).reshape(2),
                     counts=jax.tree.map(jnp.zeros_like, state["counts"]))
        state, outs, _ = eng.run_chunk(params, state, xs, n, caps)
        return state, {"counts": state["counts"], "spk": outs["spk"], "spkn": outs["spkn"]}

    return CompiledRun(run, params, sim.state)


def _lam(rate, dt: float):
    return rate * dt * 1e-3


def table_width(sim: Simulator, max_rate: Any = None) -> int:
    """Static width ``W`` of the Poisson tables: the table length at the largest rate among the
    network's poisson_generators and ``max_rate`` (Quantity, Hz)."""
    rates = [float(np.max(g.params["rate"])) for g in sim.groups if g.kind == "poisson_generator"]
    if max_rate is not None:
        rates.append(float(to_canonical(max_rate, "Hz", "max_rate", owner="compile")))
    lam = _lam(max(rates, default=0.0), sim.dt)
    try:
        return max(1, len(poisson_table(lam)))
    except ValueError:
        raise SncoreError(f"compile parameter 'max_rate': {max(rates):g} Hz is more than the "
                          f"{1e6 / sim.dt:g} Hz (a mean of 1000 spikes per step) allowed at dt = {sim.dt} ms.") from None


def _host_tables(lam: np.ndarray, width: int, owner: str) -> tuple[np.ndarray, np.ndarray]:
    tab = np.zeros((len(lam), width), np.uint32)
    n_ok = np.zeros(len(lam), np.int32)
    for v in np.unique(lam):
        t = poisson_table(float(v))
        if len(t) > width:
            raise SncoreError(f"{owner}: a rate of {float(v) * 1e3:g} spikes per ms of simulation step needs "
                              f"a Poisson table of {len(t)} entries, the compiled run holds {width}; allowed: "
                              "rates up to compile(..., max_rate=...).")
        m = lam == v
        tab[m, :len(t)] = t
        n_ok[m] = len(t)
    return tab, n_ok


def drive_tables(sim: Simulator, width: int) -> list[dict]:
    """The ``params["drive_tab"]`` entries of the network's current rates (host tables)."""
    out = []
    for d in sim.engine.drives:
        rate = np.broadcast_to(sim.groups[d.group].params["rate"][d.src], (len(d.pos),)).astype(float)
        tab, n_ok = _host_tables(_lam(rate, sim.dt), width, "poisson_generator")
        out.append({"rate": jnp.asarray(rate, sim.dtype), "tab": jnp.asarray(tab), "len": jnp.asarray(n_ok)})
    return out


def poisson_thresholds(lam, width: int):
    """Traceable CDF thresholds ``floor(P(X <= j) 2^32)``, ``j < width``, of ``X ~ Poisson(lam)``
    (``lam`` an array of means per step) and the number of valid entries, as
    ``(uint32 [..., W], int32 [...])``. The valid entries follow :func:`sncore.random.poisson_table`
    (up to the first threshold that reaches 2^32, or beyond the mean once the pmf is below
    ``1e-3 / 2^32``); thresholds above the median come from the tail ``P(X > j)`` summed from the
    end, so that they keep the float precision of the tail rather than that of 1."""
    lam = jnp.asarray(lam)
    lam = lam if jnp.issubdtype(lam.dtype, jnp.floating) else lam.astype(jnp.float32)
    j = jnp.arange(width, dtype=lam.dtype)
    log_fact = jnp.cumsum(jnp.log(jnp.maximum(j, 1)))   # log j!, exactly 0 for j = 0, 1
    pmf = jnp.exp(-lam[..., None] + jax.scipy.special.xlogy(j, lam[..., None]) - log_fact)
    cdf = jnp.cumsum(pmf, axis=-1)
    tail = jnp.cumsum(pmf[..., ::-1], axis=-1)[..., ::-1]            # P(j <= X < width)
    surv = jnp.concatenate([tail[..., 1:], jnp.zeros_like(tail[..., :1])], axis=-1)  # P(X > j)
    low = jnp.floor(cdf * 2.0**32).astype(jnp.uint32)
    high = jnp.uint32(0) - jnp.ceil(surv * 2.0**32).astype(jnp.uint32)   # 2^32 - ceil(S 2^32)
    thr = jnp.where(surv > 0.5, low, high)
    keep = (surv * 2.0**32 >= 1) & ((j <= lam[..., None]) | (pmf * 2.0**32 >= 1e-3))
    n_ok = jnp.sum(jnp.cumprod(keep, axis=-1), axis=-1, dtype=jnp.int32)
    return thr, n_ok


def _traced(x) -> bool:
    return any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree_util.tree_leaves(x))


def _canonical(value, unit: str, name: str, owner: str):
    """A Quantity -> float array in ``unit`` (also traced); a plain value is taken as canonical."""
    import brainunit as u

    if isinstance(value, u.Quantity):
        if _traced(value.mantissa):
            try:
                return value.to_decimal(UNITS[unit]) if UNITS[unit] is not None else value.mantissa
            except (u.UnitMismatchError, TypeError, ValueError) as e:
                raise SncoreError(f"{owner} parameter {name!r} needs a quantity in {unit}: {e}") from None
        return to_canonical(value, unit, name, owner=owner)
    return value if _traced(value) else np.asarray(value, float)


def _parts(nodes: NodeCollection, kind: str):
    if kind not in {g.kind for g, _ in nodes.parts}:
        kinds = sorted({g.kind for g, _ in nodes.parts})
        raise SncoreError(f"set_param: the nodes are {kinds}, not {kind}.")
    i = 0
    for g, p in nodes.parts:
        yield g, np.asarray(p), slice(i, i + len(p))
        i += len(p)


def set_param(params: dict, nodes: NodeCollection, name: str, value: Any) -> dict:
    """A copy of ``params`` (from ``sim.compile(...)``) with parameter ``name`` of ``nodes`` set to
    ``value`` (scalar, or one value per node of ``nodes``). ``name``: a neuron model parameter
    (``"tau_m"``, ``"V_th"``, ``"I_e"``, ...) or ``"rate"`` of poisson_generators. Values: a
    Quantity, or a plain/traced array in the canonical unit. See the module docstring."""
    sim = nodes.owner
    kinds = {g.kind for g, _ in nodes.parts}
    if kinds == {"poisson_generator"}:
        if name != "rate":
            raise SncoreError(f"set_param: poisson_generator parameter {name!r} is not a run parameter; allowed: 'rate'.")
        return _set_rate(params, sim, nodes, _canonical(value, "Hz", name, "poisson_generator"))
    if kinds != {"neuron"}:
        raise SncoreError(f"set_param: allowed nodes are neurons or poisson_generators, got {sorted(kinds)}.")
    models = dict(params["models"])
    for g, p, sl in _parts(nodes, "neuron"):
        cls = MODELS[g.model]
        if name not in cls.PARAMS:
            raise SncoreError(f"set_param: {g.model} has no parameter {name!r}; allowed: {sorted(cls.PARAMS)}.")
        unit = cls.PARAMS[name].unit
        v = _canonical(value, unit, name, g.model)
        v = v if jnp.ndim(v) == 0 else v[sl]
        if not _traced(v) and cls.PARAMS[name].positive:
            check_positive(np.atleast_1d(v), name, g.model, unit, strict=cls.PARAMS[name].positive == "strict")
        m = models[g.block]
        n = sim.engine.blocks[g.block].n
        pos = g.offset + p
        whole = len(pos) == n and np.array_equal(pos, np.arange(n))
        if whole and jnp.ndim(v) == 0:   # a scalar for the whole block, as the Simulator stores it
            new = jnp.asarray(v, sim.dtype)
        else:
            new = jnp.broadcast_to(jnp.asarray(getattr(m, name), sim.dtype), (n,)).at[pos].set(
                jnp.asarray(v, sim.dtype))
        models[g.block] = eqx.tree_at(lambda mod: getattr(mod, name), m, new)
    return dict(params, models=models)


def _set_rate(params, sim, nodes, value) -> dict:
    if "drive_tab" not in params:
        raise SncoreError("set_param: Poisson rates are run parameters only in the params of sim.compile(...).")
    if not _traced(value) and np.any(~(np.asarray(value) >= 0)):
        raise SncoreError(f"set_param: poisson_generator 'rate' must be >= 0 Hz, got {np.asarray(value).min():g} Hz.")
    tabs = list(params["drive_tab"])
    for g, p, sl in _parts(nodes, "poisson_generator"):
        per_node = jnp.broadcast_to(value, (len(nodes),))[sl] if _traced(value) else \
            np.broadcast_to(value, (len(nodes),))[sl]
        for i, d in enumerate(sim.engine.drives):
            if d.group != g.index:
                continue
            hit = np.isin(d.src, p)
            if not hit.any():
                continue
            where = np.searchsorted(np.sort(p), d.src[hit])
            new_vals = per_node[np.argsort(p)][where]
            old = tabs[i]["rate"]
            traced = _traced(new_vals) or _traced(old)
            rate = (jnp.asarray(old) if traced else np.asarray(old, float).copy())
            rate = rate.at[np.nonzero(hit)[0]].set(new_vals) if traced else _np_set(rate, hit, new_vals)
            W = tabs[i]["tab"].shape[-1]
            if traced:
                tab, n_ok = poisson_thresholds(jnp.asarray(rate, sim.dtype) * (sim.dt * 1e-3), W)
            else:
                tab, n_ok = (jnp.asarray(a) for a in _host_tables(_lam(rate, sim.dt), W, "poisson_generator"))
            tabs[i] = {"rate": jnp.asarray(rate, sim.dtype), "tab": tab, "len": n_ok}
    return dict(params, drive_tab=tabs)


def _np_set(a: np.ndarray, m: np.ndarray, v) -> np.ndarray:
    a[m] = v
    return a


def get_param(params: dict, nodes: NodeCollection, name: str) -> np.ndarray | jax.Array:
    """The values of parameter ``name`` for ``nodes`` (canonical unit), one per node."""
    out = []
    for g, p in nodes.parts:
        if g.kind == "neuron":
            leaf = getattr(params["models"][g.block], name)
            out.append(jnp.broadcast_to(leaf, (nodes.owner.engine.blocks[g.block].n,))[g.offset + p])
        elif g.kind == "poisson_generator" and name == "rate":
            vals = np.asarray(g.params["rate"], float).copy()
            for i, d in enumerate(nodes.owner.engine.drives):
                if d.group == g.index:
                    vals[d.src] = np.asarray(params["drive_tab"][i]["rate"])
            out.append(vals[p])
        else:
            raise SncoreError(f"get_param: no run parameter {name!r} for a {g.kind}.")
    return jnp.concatenate([jnp.atleast_1d(o) for o in out])


def batch_params(params_list: list) -> tuple[Any, Any]:
    """Stack pytrees that differ only in values for ``jax.vmap``: returns ``(batch, in_axes)``
    where leaves equal in all entries are kept once (axis ``None``) and the others are
    stacked along a new leading axis (axis 0)."""
    if not params_list:
        raise SncoreError("batch_params: the list of parameter pytrees is empty.")
    flat = [jax.tree_util.tree_flatten(p) for p in params_list]
    treedef = flat[0][1]
    for leaves, td in flat[1:]:
        if td != treedef:
            raise SncoreError("batch_params: the parameter pytrees differ in structure (e.g. a parameter scalar in "
                              "one and per-neuron in another); set the same parameters in every entry.")
    out, axes = [], []
    for col in zip(*(leaves for leaves, _ in flat)):
        same = all(x is col[0] for x in col) or all(
            np.shape(x) == np.shape(col[0]) and np.array_equal(np.asarray(x), np.asarray(col[0])) for x in col)
        out.append(col[0] if same else jnp.stack([jnp.asarray(x) for x in col]))
        axes.append(None if same else 0)
    return jax.tree_util.tree_unflatten(treedef, out), jax.tree_util.tree_unflatten(treedef, axes)

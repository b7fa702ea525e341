"""The NEST-like ``Simulator`` facade: create, connect, simulate.

Units are checked here (brainunit quantities in, plain canonical arrays to the engine).

Example:
    >>> import brainunit as u, sncore as sn
    >>> sim = sn.Simulator(dt=0.1 * u.ms, seed=1)
    >>> ne = sim.create("iaf_psc_delta", 400, params={"tau_m": 20 * u.ms})
    >>> noise = sim.create("poisson_generator", params={"rate": 8000 * u.Hz})
    >>> sim.connect(noise, ne, weight=0.1 * u.mV, delay=1.5 * u.ms)
    >>> rec = sim.create("spike_recorder"); sim.connect(ne[:50], rec)
    >>> res = sim.simulate(100 * u.ms); res.rate(ne)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..conn.plasticity import resolve_synapse
from ..conn.propagate import NATIVE, capacity_ladder
from ..conn.rules import resolve_rule
from ..conn.values import delay_to_steps, resolve_values
from ..neurons import MODELS
from ..units import TIC, SncoreError, check_positive, to_canonical
from .backend import check_kernels, resolve_backend, use_native
from .batch import CompiledRun, compile_run
from .build import build_engine
from .currents import step_schedule, timed_table
from .devices import CURRENT_DEVICES, DEVICES, SOURCE_DEVICES, device_params
from .engine import SG
from .nodes import Group, NodeCollection
from .options import split_options
from .result import Result
from .run import initial_capacities, run_steps
from .stimuli import spike_generator_steps
from .synapses import Synapses
from .synapses import unit_of as _unit

__all__ = ["CompiledRun", "Connection", "Simulator", "Synapses"]


@dataclass
class Connection:
    """One connect call between neurons (or a spike_generator and neurons), resolved to
    block positions; or between a generator/recorder and neurons (``device`` set)."""

    src_block: str
    tgt_block: str
    src: np.ndarray      # positions in the source block (or device-local index)
    tgt: np.ndarray      # positions in the target block
    weight: np.ndarray   # canonical unit of the target model
    delay: np.ndarray    # steps
    receptor: int = 0
    path: str = "auto"
    device: Group | None = None
    synapse: Any = None  # a sncore.conn.plasticity.SynapseModel, None = static
    call: int = -1       # connect-call index
    index: np.ndarray | None = None  # positions of these pairs in the call's connection list
    post_index: np.ndarray | None = None  # positions of the targets in the call's ``post``


class Simulator:
    """A network under construction and its simulation state.

    Args:
        dt: resolution (Quantity, time; default 0.1 ms as in NEST).
        seed: integer seed for connectivity and every random stream of the run.
        dtype: ``jnp.float32`` (default) or ``jnp.float64`` (needs ``jax_enable_x64``).
        chunk: steps per scan chunk (recordings move to the host after each chunk);
            default chosen so a chunk's recordings fit in 64 MiB.
        event_capacity: the largest number of spiking sources per step an event-driven
            projection handles before a chunk is re-run with a larger capacity (default:
            a whole population, or what fits 4 M gathered synapses). No spike is lost.
        backend: ``"auto"`` (default: JAX's default backend), ``"cpu"``, ``"gpu"`` or ``"tpu"``;
            an explicit backend that is not available raises (see :mod:`sncore.network.backend`).
        devices: run on these devices (e.g. ``jax.devices()[:4]``; with ``jax.distributed``
            all processes' devices): every neuron block is split into contiguous shards, one
            per device, with identical results (:mod:`sncore.dist`, docs/distributed.md).
        kernels: kernels of ``simulate`` on CPU: ``"auto"`` (default: the native kernels of
            :mod:`sncore.native` when they build, the run is on CPU on one device and no
            ``event_capacity`` is given; else the XLA path), ``"native"`` (required: an error
            when they cannot run) or ``"xla"``. Native event delivery is bit-identical to
            XLA's; native neuron steps (``iaf_cond_exp``) agree to rounding.
            ``Result.event_kernel`` says which ran; ``compile()`` and batches use XLA.

    Example: see the module docstring.
    """

    def __init__(self, dt: Any = None, seed: int = 0, dtype=jnp.float32, chunk: int | None = None,
                 event_capacity: int | None = None, backend: str = "auto", devices: Any = None,
                 kernels: str = "auto"):
        import brainunit as u

        dt = 0.1 * u.ms if dt is None else dt
        self.dt = float(to_canonical(dt, "ms", "dt", owner="Simulator"))
        check_positive(np.asarray(self.dt), "dt", "Simulator", "ms")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise SncoreError(f"Simulator parameter 'seed' must be an integer >= 0, got {seed!r}.")
        self.seed = int(seed)
        self.dtype = jnp.dtype(dtype)
        if self.dtype not in (jnp.float32, jnp.float64):
            raise SncoreError(f"Simulator parameter 'dtype' must be float32 or float64, got {dtype!r}.")
        if self.dtype == jnp.float64 and not jax.config.jax_enable_x64:
            raise SncoreError("dtype=float64 needs 64-bit JAX: call "
                              "jax.config.update('jax_enable_x64', True) first.")
        if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer))
                                  or chunk < 1):
            raise SncoreError(f"Simulator parameter 'chunk' must be an integer >= 1, got {chunk!r}.")
        self.chunk = chunk
        if event_capacity is not None and (isinstance(event_capacity, bool) or not isinstance(
                event_capacity, (int, np.integer)) or event_capacity < 1):
            raise SncoreError("Simulator parameter 'event_capacity' must be an integer >= 1, "
                              f"got {event_capacity!r}.")
        self.event_capacity = event_capacity
        self.backend, self.device = backend, resolve_backend(backend)
        self.kernels = check_kernels(kernels)
        self.devices = None if devices is None else list(devices)
        self.groups: list[Group] = []
        self.connections: list[Connection] = []
        self.procedural: list = []  # sncore.conn.procedural.ProcConnection, one per connect call
        self._block_sizes: dict[str, int] = {}
        self._next_id = 1
        self._n_connect = 0
        self._plasticity: dict[int, bool] = {}
        self.engine = None
        self.params = None
        self.state = None
        self.capacities: tuple[int, ...] = ()
        self.native = False  # simulate runs the native kernels (set with the engine)
        self.t = 0.0  # ms simulated so far
        self.steps = 0
        self.progress = None

    # ------------------------------------------------------------------ create
    def create(self, model: str, n: int = 1, params: dict | None = None,
               init: dict | None = None) -> NodeCollection:
        """Create ``n`` neurons of a NEST-named model, or ``n`` devices.

        Args:
            model: e.g. ``"iaf_psc_delta"``, ``"poisson_generator"``, ``"spike_recorder"``.
            n: number of nodes.
            params: parameter name -> Quantity (scalar or array of length n); missing
                parameters take NEST's defaults.
            init: initial state, e.g. ``{"V_m": -70 * u.mV}`` (scalar or array).
        """
        self._check_mutable()
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise SncoreError(f"create parameter 'n' must be an integer >= 1, got {n!r}.")
        params = dict(params or {})
        if model in MODELS:
            return self._create_neurons(model, int(n), params, dict(init or {}))
        if model in DEVICES:
            if init:
                raise SncoreError(f"{model} has no state to initialise; got init={sorted(init)}.")
            return self._create_device(model, int(n), params)
        raise SncoreError(
            f"unknown model {model!r}; allowed: {sorted(MODELS) + sorted(DEVICES)}."
        )

    def _new_group(self, model, kind, n, **kw) -> NodeCollection:
        g = Group(index=len(self.groups), model=model, kind=kind, n=n, first_id=self._next_id, **kw)
        self._next_id += n
        self.groups.append(g)
        return NodeCollection(self, ((g, np.arange(n)),))

    def _create_neurons(self, model, n, params, init):
        cls = MODELS[model]
        if hasattr(cls, "expand_params"):  # NEST list parameters -> fixed slots (gif_cond_exp)
            params = cls.expand_params(params)
        # NEST accepts state variables (V_m, ...) among the parameters: they set the initial state
        both = set(params) & set(init) & set(cls.STATES)
        if both:
            raise SncoreError(f"{model}: {sorted(both)[0]!r} given both in params and in init; give it once.")
        init = {**init, **{k: v for k, v in params.items() if k in cls.STATES and k not in cls.PARAMS}}
        params = {k: v for k, v in params.items() if k not in init}
        earlier = [g.extra["options"] for g in self.groups if g.kind == "neuron" and g.block == model]
        params, options = split_options(model, cls, params, earlier)
        unknown = set(params) - set(cls.PARAMS)
        if unknown:
            raise SncoreError(f"{model} has no parameter {sorted(unknown)[0]!r}; "
                              f"allowed: {sorted(cls.PARAMS)} and the options {sorted(options)}.")
        vals = {}
        for name, p in cls.PARAMS.items():
            v = to_canonical(params[name], p.unit, name, owner=model) if name in params else p.default
            v = np.asarray(v, float)
            if v.ndim and v.shape != (n,):
                raise SncoreError(f"{model} parameter {name!r}: array of shape {v.shape} does not "
                                  f"match the {n} neurons; allowed: a scalar or shape ({n},).")
            v = np.broadcast_to(v, (n,)).copy()
            if p.positive:
                check_positive(v, name, model, p.unit, strict=p.positive == "strict")
            vals[name] = v
        cls.check(vals)
        unknown = set(init) - set(cls.STATES)
        if unknown:
            raise SncoreError(f"{model} has no state variable {sorted(unknown)[0]!r} to "
                              f"initialise; allowed: {sorted(cls.STATES)}.")
        ini = {}
        for name, p in cls.STATES.items():
            v = to_canonical(init[name], p.unit, name, owner=model) if name in init else None
            if v is None:  # NEST keeps the default V_m even when E_L is changed
                v = np.asarray(p.default)
            ini[name] = np.broadcast_to(np.asarray(v, float), (n,)).copy()
        offset = self._block_sizes.get(model, 0)
        self._block_sizes[model] = offset + n
        nodes = self._new_group(model, "neuron", n, params=vals, init=ini, block=model, offset=offset)
        nodes.parts[0][0].extra["options"] = options
        return nodes

    def _create_device(self, model, n, params):
        vals, other = device_params(model, n, params, self.dt)
        g = self._new_group(model, model, n, params=vals)
        grp = g.groups[0]
        if model == "spike_generator":
            grp.extra["trains"] = spike_generator_steps(other, vals, n, self.dt)
            grp.extra["sg_offset"] = self._block_sizes.get(SG, 0)
            self._block_sizes[SG] = grp.extra["sg_offset"] + n
        if model == "step_current_generator":
            grp.extra["schedule"] = step_schedule(model, other, self.dt, "amplitude_times", "amplitude_values", "pA")
        if model == "inhomogeneous_poisson_generator":
            grp.extra["schedule"] = step_schedule(model, other, self.dt, "rate_times", "rate_values", "Hz")
        if model == "timed_current":
            grp.extra["schedule"] = timed_table(other, float(vals["dt"][0]), self.dt)
        if model == "multimeter":
            rf = other.get("record_from", [])
            if isinstance(rf, str) or not all(isinstance(x, str) for x in rf):
                raise SncoreError(f"multimeter parameter 'record_from' must be a list of state "
                                  f"names, got {rf!r}.")
            grp.extra["record_from"] = tuple(rf)
        return g

    # ------------------------------------------------------------------ connect
    def connect(self, pre: NodeCollection, post: NodeCollection, rule: Any = "all_to_all",
                weight: Any = None, delay: Any = None, *, allow_autapses: bool = True,
                allow_multapses: bool = True, receptor: int = 0, path: str = "auto",
                synapse: Any = None) -> Synapses | None:
        """Connect ``pre`` to ``post`` with a NEST rule.

        Args:
            pre, post: node collections (``sim.create`` results, sliced or added).
            rule: ``"all_to_all"`` (default), ``"one_to_one"`` or a rule object from
                :mod:`sncore.conn` (NEST rules, or topologies such as
                ``sn.conn.small_world(k, p)``, ``sn.conn.grid(shape, radius)``).
            weight: Quantity in the target model's weight unit (mV for iaf_psc_delta),
                a per-connection array, or a distribution; default 1 (NEST's default).
            delay: Quantity (time), array or distribution; default 1 ms; rounded to whole
                steps with ``floor(d/dt + 0.5)``; must be >= dt.
            allow_autapses, allow_multapses: NEST's flags (both default True).
            receptor: receptor port of the target model.
            path: ``"auto"``, ``"event"``, ``"dense"`` or ``"bcoo"`` propagation of stored
                synapses, or ``"procedural"``. With ``"procedural"``, nothing is stored per
                synapse (0 bytes). Each spiking source's row is regenerated from a
                counter-based RNG keyed by ``(seed, connect call, source)``. This needs
                ``rule=fixed_probability(p)`` or ``fixed_outdegree(k)`` (with
                ``allow_multapses=True``), neuron sources, and a weight that is a scalar or
                ``uniform``/``normal``/``lognormal``/``exponential``. The delay must be a
                scalar or ``uniform``. Static synapses only; no ``compile()``. The statistics
                are those of the stored rule; see docs/procedural.md. Example:
                ``sim.connect(e, e + i, sn.conn.fixed_probability(0.1), weight=0.1 * u.mV,
                path="procedural")``. ``Result.connectivity`` and ``Synapses.mode`` say
                which mode ran.
            synapse: ``"static_synapse"`` (default), a synapse model name
                (``"stdp_synapse"``, ``"tsodyks_synapse"``, ``"tsodyks2_synapse"``,
                ``"anti_hebbian"``) or a NEST-style dict ``{"synapse_model": name, **params}``
                with Quantities (see :mod:`sncore.conn.plasticity`). Synapse models need
                neuron sources (relay generator spikes through a ``parrot_neuron``).

        Returns:
            a :class:`Synapses` handle on the new connections (``get("weight")``,
            ``set(plasticity=...)``), or None for recorder/multimeter connections.
        """
        import brainunit as u

        self._check_mutable()
        for name, c in (("pre", pre), ("post", post)):
            if not isinstance(c, NodeCollection) or c.owner is not self:
                raise SncoreError(f"connect parameter {name!r} must be a node collection of this "
                                  f"Simulator, got {c!r}.")
            if len(c) == 0:
                raise SncoreError(f"connect parameter {name!r} is empty.")
        if path not in ("auto", "event", "dense", "bcoo", "procedural"):
            raise SncoreError(f"connect parameter 'path' must be 'auto', 'event', 'dense', 'bcoo' or "
                              f"'procedural', got {path!r}.")
        pk, qk = pre.kind, post.kind
        if "mixed" in (pk, qk):
            raise SncoreError("connect: a collection mixing neurons and devices cannot be connected.")
        if pk == "spike_recorder" or qk == "multimeter":
            raise SncoreError(
                f"connect({pk}, {qk}) is the wrong way round: spikes flow from neurons to a "
                "spike_recorder (sim.connect(neurons, recorder)) and a multimeter connects to the "
                "neurons it samples (sim.connect(multimeter, neurons)).")
        if qk != "neuron" and qk != "spike_recorder":
            raise SncoreError(f"connect: a {qk} cannot receive connections.")
        if qk == "spike_recorder":
            if pk != "neuron":
                raise SncoreError(f"connect: a spike_recorder records neurons, got a {pk}.")
            for g in post.groups:
                g.extra.setdefault("sources", []).append(pre)
            return
        if pk == "multimeter":
            self._connect_multimeter(pre, post)
            return
        # weights in the target's unit
        units = {MODELS[g.model].WEIGHT_UNIT for g in post.groups}
        if len(units) > 1:
            raise SncoreError(f"connect: targets need weights in different units {sorted(units)}; "
                              "connect each model separately.")
        wunit = units.pop()
        for g in post.groups:
            cls = MODELS[g.model]
            n_rec = 1 if cls.SIGN_ROUTED else len(cls.RECEPTORS)
            if isinstance(receptor, bool) or not isinstance(receptor, (int, np.integer)) or \
                    not 0 <= receptor < n_rec:
                extra = " (the weight's sign selects excitatory or inhibitory synapses)" \
                    if cls.SIGN_ROUTED else ""
                raise SncoreError(f"connect parameter 'receptor' must be an integer in "
                                  f"[0, {n_rec}) for {g.model}{extra}, got {receptor!r}.")
        if pk in CURRENT_DEVICES:
            for g in post.groups:
                if not MODELS[g.model].CURRENT_INPUT:
                    raise SncoreError(f"connect: {g.model} accepts no currents (as in NEST); a {pk} "
                                      "cannot be connected to it.")
            wunit = DEVICES[pk].weight_unit
        if pk == "timed_current":
            m_cols = pre.groups[0].extra["schedule"].values.shape[1]
            if m_cols > 1 and len(post) != m_cols:
                raise SncoreError(f"connect: the timed_current table has {m_cols} columns (one per target) "
                                  f"but 'post' has {len(post)} nodes; allowed: len(post) == {m_cols}, "
                                  "or a 1-D table shared by all targets.")
        syn_model = resolve_synapse(synapse, wunit)
        if syn_model is not None and pk != "neuron":
            raise SncoreError(f"connect: synapse model {syn_model.NAME!r} needs neuron sources, got a "
                              f"{pk}; relay generator spikes through a parrot_neuron.")
        rule = resolve_rule(rule)
        if path == "procedural":
            return self._connect_procedural(pre, post, rule, weight, delay, allow_autapses, allow_multapses,
                                            receptor, syn_model, wunit)
        rng = np.random.default_rng([self.seed, self._n_connect, 0xC0])
        i_s, i_t = rule.pairs(pre.global_ids, post.global_ids, rng, allow_autapses, allow_multapses)
        shape = rule.array_shape(len(pre), len(post))  # None: only (n_conn,) arrays
        n = len(i_s)
        w = resolve_values(1.0 if weight is None and wunit == "1" else
                           (1.0 * _unit(wunit) if weight is None else weight), n, shape, wunit, "weight", rng)
        d_ms = resolve_values(1.0 * u.ms if delay is None else delay, n, shape, "ms", "delay", rng)
        d = delay_to_steps(d_ms, self.dt)
        if syn_model is not None and hasattr(syn_model, "check_weights"):
            syn_model.check_weights(w)
        s_names, s_code, s_all = _positions(pre)
        t_names, t_code, t_all = _positions(post)
        s_block, s_pos = s_code[i_s], s_all[i_s]
        t_block, t_pos = t_code[i_t], t_all[i_t]
        device = pre.groups[0] if pk in SOURCE_DEVICES else None
        if device is not None and len(pre.groups) != 1:
            raise SncoreError(f"connect: connect each {pk} group separately.")
        for sb in range(len(s_names)):
            for tb in range(len(t_names)):
                m = (s_block == sb) & (t_block == tb)
                if len(s_names) == 1 and len(t_names) == 1:
                    m = np.ones(n, bool)
                elif not m.any():
                    continue
                self.connections.append(Connection(
                    src_block=s_names[sb], tgt_block=t_names[tb], src=s_pos[m].astype(np.int32),
                    tgt=t_pos[m].astype(np.int32), weight=w[m], delay=d[m], receptor=receptor, path=path,
                    device=device, synapse=syn_model, call=self._n_connect,
                    index=np.nonzero(m)[0].astype(np.int32),
                    post_index=i_t[m] if device is not None else None))
        call = self._n_connect
        self._n_connect += 1  # only successful calls advance the connectivity streams
        return Synapses(self, call, n, wunit, syn_model)

    def _connect_procedural(self, pre, post, rule, weight, delay, autapses, multapses, receptor, syn_model,
                            wunit) -> Synapses:
        import brainunit as u

        from ..conn.procedural import (
            ProcConnection,
            check_procedural,
            make_keys,
            row_capacity,
        )
        from ..conn.rules import _self_index, fixed_outdegree

        check_procedural(rule, weight, delay, syn_model, autapses, multapses, pre.kind)
        s_names, _, s_pos = _positions(pre)
        t_names, _, t_pos = _positions(post)
        if len(s_names) != 1 or len(t_names) != 1:
            raise SncoreError(f"connect: path='procedural' needs 'pre' and 'post' each of one neuron model, got "
                              f"{s_names} -> {t_names}; connect each model separately.")
        w_kind, w_par = _proc_values(1.0 if weight is None and wunit == "1" else
                                     (1.0 * _unit(wunit) if weight is None else weight), wunit, "weight")
        if MODELS[t_names[0]].WEIGHTLESS:  # parrot_neuron: spikes count, weights are ignored
            w_kind, w_par = "const", (1.0, 0.0, 0.0)
        d_kind, d_par = _proc_values(1.0 * u.ms if delay is None else delay, "ms", "delay")
        if d_kind == "const":
            d_par = (int(delay_to_steps(np.array([d_par[0]]), self.dt)[0]),)
        else:
            lo, hi = d_par[0], d_par[1]
            delay_to_steps(np.array([lo, hi]), self.dt)  # raises for a delay below dt
            dt_tics = round(self.dt / TIC)
            if abs(dt_tics * TIC - self.dt) > 1e-9 * self.dt:
                raise SncoreError(f"connect: path='procedural' with a delay distribution needs dt to be a whole "
                                  f"number of 1 us tics, got dt = {self.dt} ms.")
            d_par = (lo, hi, dt_tics)
        self_t = _self_index(post.global_ids, pre.global_ids)
        n_pre, n_post = len(pre), len(post)
        no_aut = not autapses and bool(np.any(self_t >= 0))
        if isinstance(rule, fixed_outdegree):
            if rule.outdegree > 0 and no_aut and n_post == 1:
                raise SncoreError("connect: fixed_outdegree without autapses has no allowed target for a source "
                                  "that is the only node of 'post'.")
            R = rule.outdegree
        else:
            if n_post >= 2**24:
                raise SncoreError(f"connect: path='procedural' with fixed_probability supports up to 2^24 - 1 "
                                  f"targets per projection, got len(post) = {n_post}; split 'post'.")
            R = row_capacity(n_post, float(rule.p), n_pre)
        call = self._n_connect
        self.procedural.append(ProcConnection(
            call, s_names[0], t_names[0], s_pos.astype(np.int64), t_pos.astype(np.int64), self_t, rule,
            autapses, w_kind, w_par, d_kind, d_par, receptor, wunit, make_keys(self.seed, call), R, self.dt))
        self._n_connect += 1
        return Synapses(self, call, None, wunit, None)

    def _connect_multimeter(self, mm, post):
        if post.kind != "neuron":
            raise SncoreError(f"connect: a multimeter samples neurons, got a {post.kind}.")
        for g in mm.groups:
            for tg in post.groups:
                allowed = MODELS[tg.model].recordables()
                if not allowed:
                    raise SncoreError(f"connect: {tg.model} has no state variables, so a multimeter has "
                                      f"nothing to record from it (record_from={list(g.extra['record_from'])}).")
                bad = [v for v in g.extra["record_from"] if v not in allowed]
                if bad:
                    raise SncoreError(f"multimeter record_from contains {bad[0]!r}, which "
                                      f"{tg.model} does not have; allowed: {list(allowed)}.")
            g.extra.setdefault("targets", []).append(post)

    def _check_mutable(self):
        if self.engine is not None:
            raise SncoreError("the network cannot be changed after simulate(); build a new "
                              "Simulator for a new network.")

    # ------------------------------------------------------------------ simulate
    def simulate(self, duration: Any, progress: bool | None = None, devices: Any = None, *,
                 fixed_point: Any = None) -> Result:
        """Advance the network by ``duration`` (Quantity, time, a multiple of dt) and return
        the recordings of this interval. Call again to continue from the final state.

        ``progress``: print a progress bar to stderr (default: when stderr is a terminal and
        the run takes more than one chunk). ``devices``: as the constructor's, on the first call.
        ``fixed_point``: ``True`` or a :class:`sncore.hdl.QuantConfig` runs the network in the
        hardware's integer arithmetic instead (the golden model of the Verilog lowering) over
        ``[0, duration)`` from the initial state, without touching the float state; see
        :mod:`sncore.hdl.fixed` (``result.fixed_point`` holds membranes and the accuracy
        report against the float reference).
        """
        n = self._steps(duration, "simulate")
        if fixed_point is not None and fixed_point is not False:
            from ..hdl.fixed import simulate_fixed

            return simulate_fixed(self, n, None if fixed_point is True else fixed_point)
        if devices is not None:
            if self.engine is not None and list(devices) != self.devices:
                raise SncoreError("simulate parameter 'devices' can only be given before the first simulate(); "
                                  "the network is already placed on " + repr(self.devices) + ".")
            self.devices = list(devices)
        t0 = time.perf_counter()
        with jax.default_device(self.device):
            self._ensure_engine()
            if self.device is not None and self.devices is None:
                self.params, self.state = jax.device_put((self.params, self.state), self.device)
            res = run_steps(self, n, progress)
        res.build_s = time.perf_counter() - t0 - res.compile_s - res.run_s
        return res

    def save_checkpoint(self, path) -> None:
        """Write the full simulation state to ``path`` (``.npz``, no pickle) so that a Simulator
        built by the same script can resume with identical results (see
        :mod:`sncore.network.checkpoint`). Alias: ``store`` (Brian2's name)."""
        from .checkpoint import save_checkpoint

        if self.devices is not None:
            raise SncoreError("save_checkpoint is not supported on several devices (Simulator(devices=...)) yet.")
        save_checkpoint(self, path)

    def load_checkpoint(self, path) -> None:
        """Resume from a checkpoint written by :meth:`save_checkpoint` (also before the first
        ``simulate``); raises SncoreError naming what differs if the file was written by another
        network (shapes, dt, seed, connectivity, parameters) or is damaged. Alias: ``restore``."""
        from .checkpoint import load_checkpoint

        if self.devices is not None:
            raise SncoreError("load_checkpoint is not supported on several devices (Simulator(devices=...)) yet.")
        load_checkpoint(self, path)

    def neuron_state(self) -> dict:
        """The neuron states on the host, ``{model block: NamedTuple of [n] numpy arrays}`` (on
        several devices: gathered, pad neurons dropped)."""
        self._ensure_engine()
        if hasattr(self.engine, "local_state"):
            return self.engine.local_state(self.state)
        return {b: jax.tree.map(np.asarray, s) for b, s in self.state["neurons"].items()}

    store = save_checkpoint
    restore = load_checkpoint

    def _steps(self, duration: Any, what: str) -> int:
        T = float(to_canonical(duration, "ms", "duration", owner=what))
        if not np.isfinite(T) or T < 0:
            raise SncoreError(f"{what} parameter 'duration' must be finite and >= 0 ms, got {T!r} ms.")
        n = T / self.dt
        if abs(n - round(n)) * self.dt >= TIC / 2:
            raise SncoreError(f"{what} parameter 'duration' must be a multiple of dt = {self.dt} ms, "
                              f"got {T!r} ms.")
        return int(round(n))

    def _ensure_engine(self) -> None:
        if self.engine is not None:
            return
        if self.devices is not None and self.procedural:
            raise SncoreError("connect(..., path='procedural') is not supported on several devices "
                              "(Simulator(devices=...)) yet; use path='auto' there.")
        self.engine = build_engine(self)
        self.params = self.engine.init_params()
        for i, pp in enumerate(self.engine.plastic):
            if not self._plasticity.get(pp.call, True):
                self.params["plastic"][i]["on"] = jnp.zeros((), self.dtype)
        key = np.array([self.seed & 0xFFFFFFFF, (self.seed >> 32) & 0xFFFFFFFF], np.uint32)
        if self.devices is not None:  # several devices: the scale layer wraps the plan
            from ..dist import shard_engine

            eng = shard_engine(self.engine, self.params, self.devices)
            self.engine, self.params, self.state = eng, eng.init_params(self.params), eng.init_state(key)
        else:
            self.state = self.engine.init_state(key)
        self.native = use_native(self.kernels, self.device, self.devices, self.event_capacity)
        self.capacities = tuple(
            NATIVE if self.native and p.path == "event"
            else capacity_ladder(self.event_capacity) if self.event_capacity
            else initial_capacities(p.spec.n_src, p.spec.max_out) if p.path == "event"
            else initial_capacities(p.spec.n_pre, p.spec.R)
            for p in self.engine.projs if p.path in ("event", "procedural"))

    def compile(self, duration: Any, max_rate: Any = None) -> CompiledRun:
        """A pure function for ``duration`` of simulation from the current time.

        Returns a :class:`CompiledRun` ``run`` with ``run.params`` and ``run.state``
        (pytrees) such that ``run(params, state, key) -> (state, outputs)`` is jittable,
        ``vmap``-pable over parameter sets and keys, and differentiable in the float
        parameters. ``key`` is a ``uint32[2]`` (or a ``jax.random`` key) that replaces the
        seed of every random stream. ``outputs["counts"]`` holds the spike count of every
        neuron per model block; ``outputs["spk"]`` the bit-packed recorded spikes per step
        (``outputs["spkn"]``: the spike multiplicities of ``parrot_neuron`` blocks).
        Event capacities are a whole population, so no overflow can occur inside ``run``.

        Vmappable without recompiling (same shapes, other values): neuron parameters
        (``params["models"]``: ``tau_m``, ``V_th``, ``I_e``, ... of every model), ``poisson_generator``
        rates (``params["drive_tab"]``: CDF tables of a static width fixed by ``max_rate``, a
        Quantity in Hz, default the largest rate of the network), weights (``drive_w``, ``proj``,
        ``plastic``, ``dc_amp``, ``noise``, ...) and the key. Change them by name with
        ``sn.set_param(run.params, nodes, name, value)`` and stack sweeps with
        ``sn.batch_params`` (see :mod:`sncore.network.batch`).
        """
        if self.devices is not None:
            raise SncoreError("compile() is not supported on several devices (Simulator(devices=...)); "
                              "build the Simulator without devices to compile it.")
        if self.procedural:
            raise SncoreError("compile() is not supported with connect(..., path='procedural') (a row that "
                              "outgrows its capacity could not be re-run inside the compiled function); "
                              "use path='event' for compiled runs and gradients.")
        return compile_run(self, self._steps(duration, "compile"), max_rate)


def _proc_values(spec, unit: str, name: str) -> tuple[str, tuple]:
    """(kind, canonical parameters) of a procedural weight or delay."""
    from ..conn.procedural import _W_KINDS
    from ..conn.values import Distribution

    if isinstance(spec, Distribution):
        kind = _W_KINDS.get(type(spec))
        if kind is None:
            raise SncoreError(f"connect: path='procedural' cannot draw {name} from {spec!r}; allowed: "
                              "sn.conn.uniform, normal, lognormal, exponential.")
        c = lambda q, n: float(to_canonical(q, unit, n, owner=kind))
        if kind == "uniform":
            par = (c(spec.min, "min"), c(spec.max, "max"), 0.0)
            if not par[1] >= par[0]:
                raise SncoreError(f"uniform needs min <= max, got min={par[0]} {unit}, max={par[1]} {unit}.")
        elif kind == "normal":
            par = (c(spec.mean, "mean"), c(spec.std, "std"), 0.0)
            if not par[1] >= 0:
                raise SncoreError(f"normal parameter 'std' must be >= 0, got {par[1]} {unit}.")
        elif kind == "lognormal":
            par = (float(spec.mu), float(spec.sigma), c(spec.scale, "scale"))
        else:
            par = (c(spec.beta, "beta"), 0.0, 0.0)
        if not all(np.isfinite(par)):
            raise SncoreError(f"connect parameter {name!r}: the parameters of {kind} must be finite, got {par}.")
        return kind, par
    v = float(np.asarray(to_canonical(spec, unit, name, owner="connect")))
    if not np.isfinite(v):
        raise SncoreError(f"connect parameter {name!r} must be finite, got {v:g} {unit}.")
    return "const", (v, 0.0, 0.0)


def _positions(c: NodeCollection) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Block names, and per node of a collection (in order) its block code (index into the
    names) and position in the block."""
    names: list[str] = []
    codes, pos = [], []
    for g, p in c.parts:
        if g.kind == "neuron":
            name, q = g.block, g.offset + p
        elif g.kind == "spike_generator":
            name, q = SG, g.extra["sg_offset"] + p
        else:
            name, q = g.kind, p
        if name not in names:
            names.append(name)
        codes.append(np.full(len(p), names.index(name), np.int32))
        pos.append(q)
    return names, np.concatenate(codes), np.concatenate(pos)

"""The sharded engine: the network's one ``lax.scan`` (``Engine.run_chunk``) run inside
``jax.shard_map`` over a 1-D device mesh (axis ``"d"``), one shard of every neuron block per
device (see docs/distributed.md).

:class:`ShardedEngine` looks like an :class:`~sncore.network.engine.Engine` to the chunked
driver (:func:`sncore.network.run.run_steps`): the same ``blocks``, ``projs``, ``meters``,
``n_sg`` and ``columns`` (those of the one-device plan), and a ``run_chunk`` with the same
signature and outputs. Inside, each device runs the engine's own step on a *local plan*: its
neurons, its ring buffers, the synapses onto its neurons; the engine's ``exchange`` hook
all-gathers the spike vectors after the neuron update, so projections and the spike recording
see every neuron's spikes.

Example:
    >>> sim = sn.Simulator(dt=0.1 * u.ms, seed=1, devices=jax.devices()[:4])
    >>> ...; res = sim.simulate(100 * u.ms)    # equal to the one-device run, spike for spike
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from ..network.engine import BlockPlan, Engine, ProjPlan
from ..network.run import to_host
from ..units import SncoreError
from .partition import CONN_FIELDS, Partition, partition

__all__ = ["ShardedEngine", "shard_engine", "to_host"]

AXIS = "d"


def _pad(a, n: int, n_pad: int):
    """Pad a per-neuron array ``[n, ...]`` to ``[n_pad, ...]`` with copies of the last neuron."""
    a = np.asarray(a)
    if a.ndim == 0 or a.shape[0] != n or n_pad == n:
        return a
    return np.concatenate([a, np.repeat(a[-1:], n_pad - n, axis=0)])


@dataclass(eq=False)
class ShardedEngine:
    base: Engine                # the one-device plan (global positions, unpadded)
    parts: Partition
    mesh: Mesh

    def __getattr__(self, name):  # blocks, projs, meters, n_sg, columns, dt, dtype
        if name in ("base", "parts", "mesh"):
            raise AttributeError(name)
        return getattr(self.base, name)

    @property
    def k(self) -> int:
        return self.parts.k

    # ----------------------------------------------------------------- pytrees
    def _padded(self) -> Engine:
        blocks = {}
        for b, p in self.base.blocks.items():
            n_pad = self.k * self.parts.n_loc[b]
            model = jax.tree.map(lambda a, n=p.n, m=n_pad: jnp.asarray(_pad(a, n, m), a.dtype), p.model)
            init = {v: _pad(x, p.n, n_pad) for v, x in p.init.items()}
            blocks[b] = replace(p, model=model, n=n_pad, init=init)
        return replace(self.base, blocks=blocks)

    def _place(self, tree, specs):
        """Global arrays from host values (every process passes the whole value)."""
        def put(x, spec):
            x = np.asarray(x)
            sh = NamedSharding(self.mesh, spec)
            return jax.make_array_from_callback(x.shape, sh, lambda idx: x[idx])
        return jax.tree.map(put, tree, specs)

    def param_specs(self, params):
        models = jax.tree.map(lambda a: P(AXIS) if np.ndim(a) else P(), params["models"])
        return {k: (models if k == "models" else jax.tree.map(lambda _: P(AXIS), v)) for k, v in params.items()}

    def state_specs(self, state):
        return {"neurons": jax.tree.map(lambda _: P(AXIS), state["neurons"]),
                "rings": jax.tree.map(lambda _: P(None, AXIS), state["rings"]),
                "counts": jax.tree.map(lambda _: P(AXIS), state["counts"]),
                "plastic": [], "k": P(), "key": P()}

    def init_params(self, params: dict) -> dict:
        """The sharded parameters from the one-device ``params`` (current weights)."""
        pad = self._padded()
        out = dict(self.parts.params, models={b: pad.blocks[b].model for b in pad.blocks})
        out["plan"] = {kind: [{f: v for f, v in d.items() if f != "sel"} for d in lst]  # sel: static
                       for kind, lst in self.parts.plan.items()}
        return self._place(out, self.param_specs(out))

    def init_state(self, key) -> dict:
        st = self._padded().init_state(key)
        host = jax.tree.map(np.asarray, st)
        return self._place(host, self.state_specs(host))

    def local_state(self, state) -> dict:
        """The neuron states on the host without pad neurons, ``{block: NamedTuple of [n]}``."""
        return {b: jax.tree.map(lambda a, n=self.parts.n[b]: to_host(a)[:n], s)
                for b, s in state["neurons"].items()}

    # ----------------------------------------------------------------- one device's plan
    def _local(self, plan: dict) -> Engine:
        base, parts = self.base, self.parts
        blocks = {b: BlockPlan(p.name, p.model, parts.n_loc[b], p.D, p.n_receptors, p.rec_pos,
                               start=jax.lax.axis_index(AXIS) * parts.n_loc[b])
                  for b, p in base.blocks.items()}
        projs = [ProjPlan(p.src, p.tgt, p.receptor, p.path, None, spec, p.src_sign)
                 for p, spec in zip(base.projs, parts.specs)]
        masks = {b: jnp.arange(self.k * parts.n_loc[b]) < p.n for b, p in base.blocks.items()}

        def exchange(x, block):
            if block is None or type(base.blocks[block].model).MULTIPLICITY:
                g = jax.lax.all_gather(x, AXIS, tiled=True)
            else:  # 0/1 spikes (spike_fn): one bit per neuron on the wire (no gradient passes)
                n_loc = parts.n_loc[block]
                g = jax.lax.all_gather(jnp.packbits(x > 0), AXIS)            # [k, ceil(n_loc / 8)]
                g = jnp.unpackbits(g, axis=1, count=n_loc).reshape(-1).astype(x.dtype)
            return g if block is None else jnp.where(masks[block], g, jnp.zeros((), g.dtype))

        lists = {}
        for kind in CONN_FIELDS:
            lists[kind] = [replace(pl, **plan[kind][i], **parts.static[kind][i])
                           for i, pl in enumerate(getattr(base, kind))]
        meters = [replace(m, pos=plan["meters"][i]["pos"], sel=self.parts.plan["meters"][i]["sel"])
                  for i, m in enumerate(base.meters)]
        return replace(base, blocks=blocks, projs=projs, meters=meters, exchange=exchange, **lists)

    # ----------------------------------------------------------------- the loop
    def run_chunk(self, params, state, xs, n_steps: int, capacities, native: bool = False):
        """``Engine.run_chunk`` on every device at once (same arguments and outputs; the
        outputs are replicated, the state stays sharded)."""
        p_specs, s_specs = self.param_specs(params), self.state_specs(state)
        x_specs = jax.tree.map(lambda _: P(), xs)

        def body(params, state, xs):
            loc = {k: (v if k == "models" else jax.tree.map(lambda a: a[0], v)) for k, v in params.items()}
            plan = loc.pop("plan")
            return self._local(plan).run_chunk(loc, state, xs, n_steps, capacities, native)

        f = jax.shard_map(body, mesh=self.mesh, in_specs=(p_specs, s_specs, x_specs),
                          out_specs=(s_specs, P(), P()), check_vma=False)
        return f(params, state, xs)


def shard_engine(eng: Engine, params: dict, devices: Any) -> ShardedEngine:
    """Partition ``eng`` over ``devices`` (a sequence of ``jax.Device``)."""
    devices = list(devices)
    if not devices or not all(isinstance(d, jax.Device) for d in devices):
        raise SncoreError(f"Simulator parameter 'devices' must be a non-empty list of jax devices, e.g. "
                          f"jax.devices()[:4], got {devices!r}.")
    mesh = Mesh(np.array(devices), (AXIS,))
    return ShardedEngine(eng, partition(eng, params, len(devices)), mesh)

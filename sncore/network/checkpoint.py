"""Checkpoints: the full simulation state in one ``.npz`` file, and resume with identical results.

``sim.save_checkpoint(path)`` writes every leaf of the scan carry (neuron states per block,
delay ring buffers, plastic weights and traces, spike counts, the step counter ``k`` — which
is also the position of every random stream, since random numbers are a pure function of
``(seed, stream, step, index)`` — and the run key) as plain arrays (``np.savez``, no pickle),
together with a JSON manifest stored as the ``uint8`` array ``__manifest__``:

* ``format`` (:data:`FORMAT`), ``sncore`` version, ``t`` (ms), ``steps``, event ``capacities``,
  plasticity switches (``Synapses.set(plasticity=...)``);
* a *fingerprint* of the network: ``dt``, ``seed``, ``dtype``, the model blocks and their sizes,
  the connection count of every ``connect`` call, the state's pytree structure with the
  name, shape and dtype of every leaf, and sha256 hashes of the connectivity (sources,
  targets, weights, delays, receptors, synapse models), of the neuron parameters and of the
  devices' parameters;
* the sha256 of every stored array.

``sim.load_checkpoint(path)`` builds the engine if needed (so it works before the first
``simulate``), compares the fingerprint with the loading Simulator's own and raises
:class:`~sncore.units.SncoreError` naming the first entry that differs; a damaged file
(truncated, missing array, wrong shape/dtype, checksum mismatch) raises too. Then it
replaces the state, the time and the step counter: ``simulate(T1); save; load into a new
Simulator built by the same script; simulate(T2)`` gives exactly (bit for bit) the spikes,
samples and final state of ``simulate(T1 + T2)``.

Example:
    >>> sim.simulate(500 * u.ms); sim.save_checkpoint("run.npz")
    >>> sim2 = build()                       # the same script
    >>> sim2.load_checkpoint("run.npz"); res = sim2.simulate(500 * u.ms)
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np

from ..units import SncoreError

if TYPE_CHECKING:
    from .simulator import Simulator

__all__ = ["FORMAT", "fingerprint", "load_checkpoint", "save_checkpoint"]

#: checkpoint format version (bumped when the layout changes)
FORMAT = 1
_MANIFEST = "__manifest__"


def _sha(a: np.ndarray) -> str:
    a = np.ascontiguousarray(a)
    h = hashlib.sha256(f"{a.dtype.str}{a.shape}".encode())
    h.update(a.tobytes())
    return h.hexdigest()


def _hash_arrays(items) -> str:
    h = hashlib.sha256()
    for name, a in items:
        h.update(str(name).encode())
        h.update(_sha(np.asarray(a)).encode())
    return h.hexdigest()


def _leaves(tree) -> tuple[list[str], list[np.ndarray], str]:
    flat, treedef = jax.tree_util.tree_flatten_with_path(tree)
    names = [jax.tree_util.keystr(p) for p, _ in flat]
    return names, [np.asarray(x) for _, x in flat], str(treedef)


def fingerprint(sim: Simulator) -> dict:
    """The structural fingerprint of a Simulator whose engine is built (see module docstring)."""
    names, leaves, treedef = _leaves(sim.state)
    conn = []
    for i, c in enumerate(sim.connections):
        syn = "static" if c.synapse is None else f"{c.synapse.NAME}:{sorted(c.synapse.values.items())}"
        dev = "" if c.device is None else f"{c.device.kind}#{c.device.index}"
        conn.append((f"{i}:{c.src_block}>{c.tgt_block}:{c.receptor}:{c.call}:{dev}:{syn}",
                     np.concatenate([np.asarray(c.src, np.int64), np.asarray(c.tgt, np.int64),
                                     np.asarray(c.delay, np.int64)])))
        conn.append((f"w{i}", np.asarray(c.weight, np.float64)))
    neuron_p = [(f"{g.index}:{g.model}:{k}", v) for g in sim.groups if g.kind == "neuron"
                for k, v in sorted(g.params.items())]
    device_p = [(f"{g.index}:{g.kind}:{k}", v) for g in sim.groups if g.kind != "neuron"
                for k, v in sorted(g.params.items())]
    counts: dict[str, int] = {}
    for c in sim.connections:
        counts[str(c.call)] = counts.get(str(c.call), 0) + len(c.src)
    out = {
        "dt": sim.dt,
        "seed": sim.seed,
        "dtype": str(jnp.dtype(sim.dtype)),
        "models": {b: p.n for b, p in sim.engine.blocks.items()},
        "nodes": [f"{g.model}x{g.n}" for g in sim.groups],
        "connection counts": counts,
        "state structure": treedef,
        "state leaves": [[n, list(a.shape), a.dtype.str] for n, a in zip(names, leaves)],
        "connectivity hash": _hash_arrays(conn),
        "neuron parameters hash": _hash_arrays(neuron_p),
        "device parameters hash": _hash_arrays(device_p),
    }
    if sim.procedural:  # only then, so checkpoints of stored networks keep their fingerprint
        out["procedural connections"] = [f"{pc.call}:{pc.src_block}>{pc.tgt_block}:{pc.describe()}:"
                                         f"{_hash_arrays([('s', pc.src_pos), ('t', pc.tgt_pos)])}"
                                         for pc in sim.procedural]
    return out


def save_checkpoint(sim: Simulator, path: str | os.PathLike) -> None:
    """Write the full simulation state of ``sim`` to ``path`` (``.npz``; see module docstring)."""
    from .. import __version__

    sim._ensure_engine()
    names, leaves, _ = _leaves(sim.state)
    arrays = {f"state_{i:04d}": a for i, a in enumerate(leaves)}
    manifest = {
        "format": FORMAT,
        "sncore": __version__,
        "t": sim.t,
        "steps": sim.steps,
        "capacities": [list(c) for c in sim.capacities],
        "plasticity": {str(k): bool(v) for k, v in sim._plasticity.items()},
        "fingerprint": fingerprint(sim),
        "arrays": {k: {"leaf": n, "sha256": _sha(a)} for (k, a), n in zip(arrays.items(), names)},
    }
    arrays[_MANIFEST] = np.frombuffer(json.dumps(manifest).encode(), np.uint8)
    path = os.fspath(path)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:  # np.savez on a file object keeps the name as given
        np.savez(f, **arrays)
    os.replace(tmp, path)


def _read(path) -> tuple[dict, dict]:
    try:
        with np.load(os.fspath(path), allow_pickle=False) as z:
            files = list(z.files)
            if _MANIFEST not in files:
                raise SncoreError(f"load_checkpoint: {os.fspath(path)!r} is not an sncore checkpoint "
                                  f"(no {_MANIFEST!r} entry); it holds {files[:5]}.")
            manifest = json.loads(bytes(z[_MANIFEST]).decode())
            arrays = {k: z[k] for k in files if k != _MANIFEST}
    except SncoreError:
        raise
    except FileNotFoundError:
        raise SncoreError(f"load_checkpoint: no file {os.fspath(path)!r}.") from None
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, KeyError, UnicodeDecodeError,
            json.JSONDecodeError) as e:
        raise SncoreError(f"load_checkpoint: {os.fspath(path)!r} is damaged or not a checkpoint "
                          f"({type(e).__name__}: {e}).") from None
    return manifest, arrays


def _first_difference(a: Any, b: Any, where: str) -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{where}[{k!r}] present only in the {'file' if k in a else 'Simulator'}"
            d = _first_difference(a[k], b[k], f"{where}[{k!r}]")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            d = _first_difference(x, y, f"{where}[{i}]")
            if d:
                return d
        return None
    if a != b:
        sa, sb = repr(a), repr(b)
        sa = sa if len(sa) < 120 else sa[:117] + "..."
        sb = sb if len(sb) < 120 else sb[:117] + "..."
        return f"{where}: file has {sa}, this Simulator has {sb}"
    return None


def load_checkpoint(sim: Simulator, path: str | os.PathLike) -> None:
    """Replace the state, time and step counter of ``sim`` by those saved in ``path``."""
    manifest, arrays = _read(path)
    fmt = manifest.get("format")
    if fmt != FORMAT:
        raise SncoreError(f"load_checkpoint: checkpoint format {fmt!r} is not supported; allowed: {FORMAT}.")
    sim._ensure_engine()
    mine = fingerprint(sim)
    theirs = manifest.get("fingerprint", {})
    keys = ["procedural connections", *mine, *theirs]  # the connectivity mode first, then named entries
    for key in dict.fromkeys(keys):  # so the message says what differs
        d = _first_difference(theirs.get(key), mine.get(key), key)
        if d:
            raise SncoreError(f"load_checkpoint: the checkpoint was written by a different network: {d}.")
    names, mine_leaves, _ = _leaves(sim.state)
    table = manifest["arrays"]
    leaves = []
    for i, (name, ref) in enumerate(zip(names, mine_leaves)):
        k = f"state_{i:04d}"
        if k not in arrays or k not in table:
            raise SncoreError(f"load_checkpoint: the file is damaged: array {k!r} (state leaf {name}) is missing.")
        a = arrays[k]
        if a.dtype != ref.dtype or a.shape != ref.shape:
            raise SncoreError(f"load_checkpoint: the file is damaged: state leaf {name} has {a.dtype}{list(a.shape)}, "
                              f"expected {ref.dtype}{list(ref.shape)}.")
        if _sha(a) != table[k]["sha256"]:
            raise SncoreError(f"load_checkpoint: the file is damaged: state leaf {name} fails its sha256 checksum.")
        leaves.append(jnp.asarray(a))
    extra = sorted(set(arrays) - {f"state_{i:04d}" for i in range(len(names))})
    if extra:
        raise SncoreError(f"load_checkpoint: the file holds unexpected arrays {extra[:5]}.")
    treedef = jax.tree_util.tree_structure(sim.state)
    sim.state = jax.tree_util.tree_unflatten(treedef, leaves)
    sim.steps = int(manifest["steps"])
    sim.t = float(manifest["t"])
    caps = tuple(tuple(int(x) for x in c) for c in manifest["capacities"])
    if len(caps) == len(sim.capacities):
        sim.capacities = caps
    for call, on in manifest.get("plasticity", {}).items():
        sim._plasticity[int(call)] = bool(on)
        for i, pp in enumerate(sim.engine.plastic):
            if pp.call == int(call):
                sim.params["plastic"][i]["on"] = jnp.asarray(float(on), sim.dtype)

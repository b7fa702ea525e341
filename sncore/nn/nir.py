"""NIR (Neuromorphic Intermediate Representation) export and import of sequential networks.

Needs the optional ``nir`` package (``pip install nir``, or the ``nir`` extra).

:func:`to_nir` turns a :class:`~sncore.nn.SpikingNetwork` into a ``nir.NIRGraph``
``input -> [Affine|Linear -> LIF|CubaLIF|LI]... -> output``;
:func:`from_nir` builds a :class:`~sncore.nn.SpikingNetwork` from such a graph (a chain).

Time and spikes. NIR nodes are continuous-time ODEs without units; sncore reads NIR time in
ms and needs ``dt`` at import. A spike is a Dirac delta of unit area at the **end** of the
step it is emitted in, and it reaches the next layer at once (no delay, as in every layer
library). Between spikes the linear ODEs are solved exactly, so sncore's update is the exact
solution of NIR's equations for this input (no Euler error; the spike test is at step ends):

* ``LIF`` (``tau dv/dt = v_leak - v + R I``, input ``I = W S``): a spike of weight ``W`` makes
  ``v`` jump by ``R W / tau``; sncore's ``lif`` (``V <- exp(-dt/tau) V + w``, threshold 1)
  with ``w = R W / (tau v_threshold)`` and ``reset="zero"`` is that neuron in units of the
  threshold. Needs ``v_leak = 0`` and ``v_reset = 0`` (else use CubaLIF).
* ``CubaLIF`` (``tau_syn dI/dt = -I + w_in S``, ``tau_mem dv/dt = v_leak - v + R I``): ``I``
  jumps by ``w_in W / tau_syn``; sncore's ``cuba_lif`` (exact propagators) with
  ``w = w_in W / tau_syn`` and ``reset="value"``.
* ``LI`` (``tau dv/dt = v_leak - v + R I``): :class:`~sncore.nn.LeakyReadout` with
  ``w = R W / tau``; needs ``v_leak = 0``.
* ``Affine`` bias ``b`` is a constant current: over one step it moves a LIF/LI by
  ``R b (1 - exp(-dt/tau))``, which is the per-step bias of the sncore layer. For CubaLIF a
  constant input does not reduce to a per-step jump of ``I``; a bias there is refused.

Thresholds: NIR fires for ``v > v_threshold``, sncore for ``v >= v_th`` (differs only when a
membrane lands exactly on the threshold). Export writes ``R = tau`` (LIF, LI) so that NIR's
weights are sncore's, ``v_threshold = 1``, ``v_reset = 0``, and ``dt`` in the metadata.
Not supported, hence refused with an error: the ``subtract`` reset, ``alif``,
:class:`~sncore.nn.SpikingRecurrent`, per-synapse delays, convolutions and Flatten (NIR's
``Conv2d``, not yet mapped), a lif with a learned threshold (fold it into the weights first).

Example:
    >>> graph = to_nir(net, dt=1.0)          # net: SpikingNetwork of lif(reset="zero") / readout layers
    >>> net2 = from_nir(graph, dt=1.0)
    >>> jnp.allclose(net(x), net2(x))
"""

from __future__ import annotations

import itertools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from ..neurons import LIF, CubaLIF
from ..units import SncoreError
from .layers import LeakyReadout, SpikingDense
from .network import SpikingNetwork

__all__ = ["from_nir", "to_nir"]


def _nir():
    try:
        import nir
    except ImportError:
        raise ImportError("sncore.nn.nir needs the 'nir' package: pip install nir   "
                          "(or: pip install 'sncore[nir]')") from None
    return nir


def _np(x, shape=None):
    a = np.asarray(jax.device_get(x), np.float64)
    return a if shape is None else np.broadcast_to(a, shape).copy()


def _synapse(nir, layer, scale, bias_current):
    """NIR Linear / Affine node of a layer's weights (rows x ``scale``), bias x ``bias_current``."""
    w = _np(layer.weight) * np.reshape(scale, (-1, 1))
    if layer.bias is None:
        return nir.Linear(weight=w)
    return nir.Affine(weight=w, bias=_np(layer.bias) * bias_current)


def _export_spiking(nir, layer, dt):
    model, scale = layer.neurons.resolve()
    if layer.neurons.log_threshold is not None and scale is not None:
        raise SncoreError("to_nir: a lif layer with learn_threshold is not exported; fold the threshold first.")
    shape = (layer.out_features,)
    if isinstance(model, LIF):
        if model.reset != "zero":
            raise SncoreError(f"to_nir: lif reset={model.reset!r} has no NIR equivalent; NIR's LIF resets to "
                              f"v_reset: build the layer with neuron_params={{'reset': 'zero'}}.")
        tau = _np(model.tau_mem, shape)
        beta = np.exp(-dt / tau)
        syn = _synapse(nir, layer, 1.0, 1.0 / (tau * (1 - beta)))   # R = tau: b = R I_c (1 - beta)
        if not np.allclose(_np(model.I_e), 0):
            raise SncoreError("to_nir: lif I_e != 0 is not exported (give the layer a bias instead).")
        node = nir.LIF(tau=tau, r=tau.copy(), v_leak=np.zeros(shape), v_threshold=np.ones(shape),
                       v_reset=np.zeros(shape))
        return syn, node
    if isinstance(model, CubaLIF):
        if model.reset != "value":
            raise SncoreError("to_nir: cuba_lif reset='subtract' has no NIR equivalent; use reset='value'.")
        if layer.bias is not None or not np.allclose(_np(model.I_e), 0):
            raise SncoreError("to_nir: a bias or I_e on a cuba_lif layer is not representable in NIR's CubaLIF.")
        tau_syn = _np(model.tau_syn, shape)
        node = nir.CubaLIF(tau_syn=tau_syn, tau_mem=_np(model.tau_mem, shape), r=_np(model.R, shape),
                           v_leak=_np(model.v_leak, shape), v_threshold=_np(model.v_th, shape),
                           v_reset=_np(model.v_reset, shape), w_in=np.ones(shape))
        return _synapse(nir, layer, tau_syn, 0.0), node
    raise SncoreError(f"to_nir: neuron {type(model).__name__} has no NIR node; allowed: lif (reset='zero'), cuba_lif.")


def to_nir(net: SpikingNetwork, dt: float = 1.0):
    """Export ``net`` (layers :class:`SpikingDense`, :class:`LeakyReadout`)
    as a ``nir.NIRGraph``; ``dt`` (ms) is stored in ``metadata["dt"]``."""
    nir = _nir()
    if not isinstance(net, SpikingNetwork):
        raise SncoreError(f"to_nir: expected a SpikingNetwork, got {type(net).__name__}.")
    nodes, order = {}, []
    first = net.layers[0]
    nodes["input"] = nir.Input(input_type=np.array(first._feature_shape()))
    for i, lay in enumerate(net.layers):
        if isinstance(lay, SpikingDense):
            if lay.delays is not None:
                raise SncoreError("to_nir: SpikingDense with per-synapse delays is not exported.")
            syn, neu = _export_spiking(nir, lay, dt)
            nodes[f"{i}_syn"], nodes[f"{i}_neuron"] = syn, neu
            order += [f"{i}_syn", f"{i}_neuron"]
        elif isinstance(lay, LeakyReadout):
            tau = _np(jnp.exp(lay.log_tau))
            beta = np.exp(-lay.dt / tau)
            nodes[f"{i}_syn"] = _synapse(nir, lay, 1.0, 1.0 / (tau * (1 - beta)))
            nodes[f"{i}_neuron"] = nir.LI(tau=tau, r=tau.copy(), v_leak=np.zeros_like(tau))
            order += [f"{i}_syn", f"{i}_neuron"]
        else:
            raise SncoreError(f"to_nir: layer {i} ({type(lay).__name__}) has no NIR export; allowed: "
                              f"SpikingDense (lif reset='zero', cuba_lif), LeakyReadout.")
    last = nodes[order[-1]]
    out_shape = last.output_type["output"] if hasattr(last, "output_type") else None
    nodes["output"] = nir.Output(output_type=np.array(out_shape))
    names = ["input", *order, "output"]
    return nir.NIRGraph(nodes=nodes, edges=list(itertools.pairwise(names)), metadata={"dt": float(dt)},
                        type_check=False)


def _chain(graph):
    nexts = {}
    for a, b in graph.edges:
        if a in nexts:
            raise SncoreError(f"from_nir: node {a!r} has several successors; only chains are imported.")
        nexts[a] = b
    starts = [n for n, v in graph.nodes.items() if type(v).__name__ == "Input"]
    if len(starts) != 1:
        raise SncoreError(f"from_nir: the graph needs exactly one Input node, found {starts}.")
    out, n = [], starts[0]
    while n in nexts:
        n = nexts[n]
        if type(graph.nodes[n]).__name__ == "Output":
            return out
        out.append(graph.nodes[n])
        if len(out) > len(graph.nodes):
            break
    raise SncoreError("from_nir: no path from the Input node to an Output node (or a cycle).")


def _dense(n_in, n_out, w, b, neuron, params, dt, dtype, key):
    """A SpikingDense (``neuron`` given) or LeakyReadout (``params`` = tau) with weights ``w``, bias ``b``."""
    if neuron is None:
        lay = LeakyReadout(n_in, n_out, tau_mem=params, use_bias=b is not None, dt=dt, dtype=dtype, key=key)
    else:
        lay = SpikingDense(n_in, n_out, neuron, params, use_bias=b is not None, dt=dt, dtype=dtype, key=key)
    lay = eqx.tree_at(lambda m: m.weight, lay, jnp.asarray(w, lay.weight.dtype))
    if b is not None:
        lay = eqx.tree_at(lambda m: m.bias, lay, jnp.asarray(b, lay.weight.dtype))
    return lay


def from_nir(graph, dt: float = 1.0, *, dtype=None, key=None) -> SpikingNetwork:
    """Build a :class:`SpikingNetwork` from a chain ``Input -> (Linear|Affine -> LIF|CubaLIF|LI)...
    -> Output`` (see the module docstring for the mapping); ``dt`` in ms."""
    _nir()
    key = jax.random.key(0) if key is None else key
    chain = _chain(graph)
    layers, i = [], 0
    while i < len(chain):
        node = chain[i]
        kind = type(node).__name__
        if kind not in ("Linear", "Affine") or i + 1 >= len(chain):
            raise SncoreError(f"from_nir: expected Linear/Affine followed by a neuron node, got {kind} at "
                              f"position {i}; importable: Linear, Affine, LIF, CubaLIF, LI.")
        neu = chain[i + 1]
        nk = type(neu).__name__
        W = np.asarray(node.weight, np.float64)
        b = np.asarray(node.bias, np.float64) if kind == "Affine" else None
        n_out, n_in = W.shape
        key, k = jax.random.split(key)
        if nk in ("LIF", "LI"):
            tau = np.broadcast_to(np.asarray(neu.tau, np.float64), (n_out,))
            r = np.broadcast_to(np.asarray(neu.r, np.float64), (n_out,))
            if not np.allclose(neu.v_leak, 0) or (nk == "LIF" and not np.allclose(neu.v_reset, 0)):
                raise SncoreError(f"from_nir: {nk} with v_leak != 0 or v_reset != 0 is not importable into "
                                  f"sncore's lif / LeakyReadout; allowed: v_leak = v_reset = 0 (or use CubaLIF).")
            theta = np.broadcast_to(np.asarray(neu.v_threshold, np.float64), (n_out,)) if nk == "LIF" else 1.0
            if nk == "LIF" and np.any(theta <= 0):
                raise SncoreError("from_nir: LIF v_threshold must be > 0 (= v_reset) for sncore's lif.")
            scale = r / (tau * theta)
            w = W * scale[:, None]
            bb = None if b is None else b * r * (1 - np.exp(-dt / tau)) / theta
            if nk == "LIF":
                lay = _dense(n_in, n_out, w, bb, "lif", {"tau_mem": jnp.asarray(tau), "reset": "zero"}, dt, dtype, k)
            else:
                lay = _dense(n_in, n_out, w, bb, None, tau, dt, dtype, k)
        elif nk == "CubaLIF":
            if b is not None and not np.allclose(b, 0):
                raise SncoreError("from_nir: an Affine bias into CubaLIF is not importable (no per-step equivalent).")
            tau_syn = np.broadcast_to(np.asarray(neu.tau_syn, np.float64), (n_out,))
            w_in = np.broadcast_to(np.asarray(neu.w_in, np.float64), (n_out,))
            w = W * (w_in / tau_syn)[:, None]
            p = {"tau_mem": neu.tau_mem, "tau_syn": tau_syn, "R": neu.r, "v_leak": neu.v_leak,
                 "v_th": neu.v_threshold, "v_reset": neu.v_reset}
            p = {n: jnp.asarray(np.broadcast_to(np.asarray(v, np.float64), (n_out,))) for n, v in p.items()}
            lay = _dense(n_in, n_out, w, None, "cuba_lif", dict(p, reset="value"), dt, dtype, k)
        else:
            raise SncoreError(f"from_nir: node {nk} after {kind} is not importable; allowed: LIF, CubaLIF, LI.")
        layers.append(lay)
        i += 2
    return SpikingNetwork(layers)

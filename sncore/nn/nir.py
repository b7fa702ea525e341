"""NIR (Neuromorphic Intermediate Representation) export and import of sequential networks.

Needs the optional ``nir`` package (``pip install nir``, or the ``nir`` extra).

:func:`to_nir` turns a :class:`~sncore.nn.SpikingNetwork` into a ``nir.NIRGraph``
``input -> [Affine|Linear|Conv2d -> LIF|CubaLIF|LI | Flatten]... -> output``;
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
:class:`~sncore.nn.SpikingRecurrent`, per-synapse delays, a lif with a learned threshold (fold
it into the weights first); on import, Conv2d with groups, dilation or string padding, and
neuron parameters that vary over space after a Conv2d (sncore has one value per channel).
``Conv2d`` maps to :class:`~sncore.nn.SpikingConv2d` (same weight layout ``[C_out, C_in, kh,
kw]``, cross-correlation), its bias like an Affine bias, per channel; a network starting with
a convolution is exported with ``to_nir(net, dt, input_shape=(C, H, W))``.

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
from .conv import Flatten, SpikingConv2d
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


def _per_channel(a):
    a = np.asarray(a, np.float64)
    return a[:, 0, 0] if a.ndim == 3 else a


def _synapse(nir, layer, scale, bias_current, in_shape=None):
    """NIR Linear / Affine / Conv2d node of a layer's weights (rows or output channels x ``scale``),
    bias x ``bias_current``."""
    if isinstance(layer, SpikingConv2d):
        c = layer.conv
        sc = np.reshape(_per_channel(scale), (-1, 1, 1, 1)) if np.ndim(scale) else scale
        b = np.zeros(c.out_channels) if c.bias is None else _np(c.bias).reshape(-1) * _per_channel(bias_current)
        return nir.Conv2d(input_shape=tuple(int(v) for v in in_shape[1:]), weight=_np(c.weight) * sc,
                          stride=tuple(c.stride), padding=tuple(p[0] for p in c.padding),
                          dilation=tuple(c.dilation), groups=int(c.groups), bias=b)
    w = _np(layer.weight) * np.reshape(scale, (-1, 1))
    if layer.bias is None:
        return nir.Linear(weight=w)
    return nir.Affine(weight=w, bias=_np(layer.bias) * bias_current)


def _export_spiking(nir, layer, dt, shape, in_shape=None):
    model, scale = layer.neurons.resolve()
    if layer.neurons.log_threshold is not None and scale is not None:
        raise SncoreError("to_nir: a lif layer with learn_threshold is not exported; fold the threshold first.")
    if isinstance(model, LIF):
        if model.reset != "zero":
            raise SncoreError(f"to_nir: lif reset={model.reset!r} has no NIR equivalent; NIR's LIF resets to "
                              f"v_reset: build the layer with neuron_params={{'reset': 'zero'}}.")
        tau = _np(model.tau_mem, shape)
        beta = np.exp(-dt / tau)
        syn = _synapse(nir, layer, 1.0, 1.0 / (tau * (1 - beta)), in_shape)   # R = tau: b = R I_c (1 - beta)
        if not np.allclose(_np(model.I_e), 0):
            raise SncoreError("to_nir: lif I_e != 0 is not exported (give the layer a bias instead).")
        node = nir.LIF(tau=tau, r=tau.copy(), v_leak=np.zeros(shape), v_threshold=np.ones(shape),
                       v_reset=np.zeros(shape))
        return syn, node
    if isinstance(model, CubaLIF):
        if model.reset != "value":
            raise SncoreError("to_nir: cuba_lif reset='subtract' has no NIR equivalent; use reset='value'.")
        bias = layer.conv.bias if isinstance(layer, SpikingConv2d) else layer.bias
        if bias is not None or not np.allclose(_np(model.I_e), 0):
            raise SncoreError("to_nir: a bias or I_e on a cuba_lif layer is not representable in NIR's CubaLIF.")
        tau_syn = _np(model.tau_syn, shape)
        node = nir.CubaLIF(tau_syn=tau_syn, tau_mem=_np(model.tau_mem, shape), r=_np(model.R, shape),
                           v_leak=_np(model.v_leak, shape), v_threshold=_np(model.v_th, shape),
                           v_reset=_np(model.v_reset, shape), w_in=np.ones(shape))
        return _synapse(nir, layer, tau_syn, 0.0, in_shape), node
    raise SncoreError(f"to_nir: neuron {type(model).__name__} has no NIR node; allowed: lif (reset='zero'), cuba_lif.")


def to_nir(net: SpikingNetwork, dt: float = 1.0, input_shape: tuple | None = None):
    """Export ``net`` (layers :class:`SpikingDense`, :class:`SpikingConv2d`, :class:`Flatten`,
    :class:`LeakyReadout`) as a ``nir.NIRGraph``; ``dt`` (ms) is stored in ``metadata["dt"]``.
    A network that starts with a convolution needs ``input_shape = (C, H, W)``."""
    nir = _nir()
    if not isinstance(net, SpikingNetwork):
        raise SncoreError(f"to_nir: expected a SpikingNetwork, got {type(net).__name__}.")
    first = net.layers[0]
    shape = tuple(input_shape) if input_shape is not None else first._feature_shape()
    if None in shape:
        raise SncoreError(f"to_nir: the network starts with {type(first).__name__}; pass input_shape=(C, H, W).")
    nodes, order = {"input": nir.Input(input_type=np.array(shape))}, []
    for i, lay in enumerate(net.layers):
        if isinstance(lay, (SpikingDense, SpikingConv2d)):
            if isinstance(lay, SpikingDense) and lay.delays is not None:
                raise SncoreError("to_nir: SpikingDense with per-synapse delays is not exported.")
            in_shape = shape
            if isinstance(lay, SpikingConv2d):
                shape = jax.eval_shape(lay.conv, jax.ShapeDtypeStruct(shape, lay.conv.weight.dtype)).shape
            else:
                shape = (lay.out_features,)
            syn, neu = _export_spiking(nir, lay, dt, tuple(shape), in_shape)
            nodes[f"{i}_syn"], nodes[f"{i}_neuron"] = syn, neu
            order += [f"{i}_syn", f"{i}_neuron"]
        elif isinstance(lay, Flatten):
            nodes[f"{i}_flatten"] = nir.Flatten(input_type={"input": np.array(shape)}, start_dim=0)
            shape = (int(np.prod(shape)),)
            order.append(f"{i}_flatten")
        elif isinstance(lay, LeakyReadout):
            tau = _np(jnp.exp(lay.log_tau))
            beta = np.exp(-lay.dt / tau)
            nodes[f"{i}_syn"] = _synapse(nir, lay, 1.0, 1.0 / (tau * (1 - beta)))
            nodes[f"{i}_neuron"] = nir.LI(tau=tau, r=tau.copy(), v_leak=np.zeros_like(tau))
            shape = (lay.out_features,)
            order += [f"{i}_syn", f"{i}_neuron"]
        else:
            raise SncoreError(f"to_nir: layer {i} ({type(lay).__name__}) has no NIR export; allowed: "
                              f"SpikingDense / SpikingConv2d (lif reset='zero', cuba_lif), Flatten, LeakyReadout.")
    nodes["output"] = nir.Output(output_type=np.array(shape))
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


def _vec(neu, name, n_out, conv):
    """A neuron parameter per output unit (dense) or per channel (conv: constant over space)."""
    a = np.asarray(getattr(neu, name), np.float64)
    if conv is None:
        return np.broadcast_to(a, (n_out,)).copy()
    a = np.broadcast_to(a, conv)
    if not np.all(a == a[:, :1, :1]):
        raise SncoreError(f"from_nir: {type(neu).__name__}.{name} varies over space after a Conv2d; sncore's "
                          f"convolutions have one value per channel.")
    return a[:, 0, 0].copy()


def _conv_layer(node, w, b, neuron, params, dt, dtype, key):
    co, ci, kh, kw = w.shape
    if int(getattr(node, "groups", 1)) != 1 or tuple(np.atleast_1d(node.dilation)) not in ((1,), (1, 1)):
        raise SncoreError("from_nir: Conv2d with groups or dilation != 1 is not importable.")
    if isinstance(node.padding, str):
        raise SncoreError(f"from_nir: Conv2d padding={node.padding!r} is not importable; allowed: integers.")
    stride = tuple(int(v) for v in np.broadcast_to(node.stride, (2,)))
    pad = tuple(int(v) for v in np.broadcast_to(node.padding, (2,)))
    params = {k: (jnp.asarray(v).reshape(-1, 1, 1) if k != "reset" else v) for k, v in params.items()}
    lay = SpikingConv2d(ci, co, (kh, kw), neuron, params, stride=stride, padding=pad, use_bias=b is not None,
                        dt=dt, dtype=dtype, key=key)
    lay = eqx.tree_at(lambda m: m.conv.weight, lay, jnp.asarray(w, lay.conv.weight.dtype))
    if b is not None:
        lay = eqx.tree_at(lambda m: m.conv.bias, lay, jnp.asarray(b, lay.conv.weight.dtype).reshape(co, 1, 1))
    return lay


def from_nir(graph, dt: float = 1.0, *, dtype=None, key=None) -> SpikingNetwork:
    """Build a :class:`SpikingNetwork` from a chain ``Input -> (Linear|Affine|Conv2d -> LIF|CubaLIF|LI
    | Flatten)... -> Output`` (see the module docstring for the mapping); ``dt`` in ms."""
    _nir()
    key = jax.random.key(0) if key is None else key
    chain = _chain(graph)
    layers, i = [], 0
    while i < len(chain):
        node = chain[i]
        kind = type(node).__name__
        if kind == "Flatten":
            layers.append(Flatten(tuple(int(v) for v in np.asarray(node.input_type["input"]))))
            i += 1
            continue
        if kind not in ("Linear", "Affine", "Conv2d") or i + 1 >= len(chain):
            raise SncoreError(f"from_nir: expected Linear/Affine/Conv2d followed by a neuron node, got {kind} at "
                              f"position {i}; importable: Linear, Affine, Conv2d, LIF, CubaLIF, LI, Flatten.")
        neu = chain[i + 1]
        nk = type(neu).__name__
        W = np.asarray(node.weight, np.float64)
        b = np.asarray(node.bias, np.float64) if kind in ("Affine", "Conv2d") else None
        conv = tuple(int(v) for v in np.asarray(neu.output_type["output"])) if kind == "Conv2d" else None
        if conv is not None and nk == "LI":
            raise SncoreError("from_nir: Conv2d -> LI is not importable (LeakyReadout is dense).")
        n_out, n_in = W.shape[:2]
        rows = (slice(None),) + (None,) * (W.ndim - 1)
        key, k = jax.random.split(key)
        if nk in ("LIF", "LI"):
            tau, r = _vec(neu, "tau", n_out, conv), _vec(neu, "r", n_out, conv)
            if not np.allclose(neu.v_leak, 0) or (nk == "LIF" and not np.allclose(neu.v_reset, 0)):
                raise SncoreError(f"from_nir: {nk} with v_leak != 0 or v_reset != 0 is not importable into "
                                  f"sncore's lif / LeakyReadout; allowed: v_leak = v_reset = 0 (or use CubaLIF).")
            theta = _vec(neu, "v_threshold", n_out, conv) if nk == "LIF" else 1.0
            if nk == "LIF" and np.any(theta <= 0):
                raise SncoreError("from_nir: LIF v_threshold must be > 0 (= v_reset) for sncore's lif.")
            w = W * (r / (tau * theta))[rows]
            bb = None if b is None else b * r * (1 - np.exp(-dt / tau)) / theta
            if nk == "LI":
                lay = _dense(n_in, n_out, w, bb, None, tau, dt, dtype, k)
            elif conv is not None:
                lay = _conv_layer(node, w, bb, "lif", {"tau_mem": tau, "reset": "zero"}, dt, dtype, k)
            else:
                lay = _dense(n_in, n_out, w, bb, "lif", {"tau_mem": jnp.asarray(tau), "reset": "zero"}, dt, dtype, k)
        elif nk == "CubaLIF":
            if b is not None and not np.allclose(b, 0):
                raise SncoreError(f"from_nir: a {kind} bias into CubaLIF is not importable (no per-step equivalent).")
            tau_syn, w_in = _vec(neu, "tau_syn", n_out, conv), _vec(neu, "w_in", n_out, conv)
            w = W * (w_in / tau_syn)[rows]
            names = {"tau_mem": "tau_mem", "tau_syn": "tau_syn", "R": "r", "v_leak": "v_leak",
                     "v_th": "v_threshold", "v_reset": "v_reset"}
            p = {n: jnp.asarray(_vec(neu, a, n_out, conv)) for n, a in names.items()}
            if conv is not None:
                lay = _conv_layer(node, w, None, "cuba_lif", dict(p, reset="value"), dt, dtype, k)
            else:
                lay = _dense(n_in, n_out, w, None, "cuba_lif", dict(p, reset="value"), dt, dtype, k)
        else:
            raise SncoreError(f"from_nir: node {nk} after {kind} is not importable; allowed: LIF, CubaLIF, LI.")
        layers.append(lay)
        i += 2
    return SpikingNetwork(layers)

"""NIR graphs -> :class:`~sncore.hdl.ir.NetworkIR`: :func:`from_nir`.

Only nodes that map exactly onto the IR's LIF populations with delta synapses are accepted:

=============  ===================================================================================
NIR node       IR
=============  ===================================================================================
``Input``      an :class:`~sncore.hdl.ir.InputStream` (spikes given with ``spikes=``)
``LIF``        a :class:`~sncore.hdl.ir.Population`: ``tau dv/dt = (v_leak - v) + R I``,
               spike when ``v > v_threshold``, then ``v = v_reset``.  IR potentials are relative
               to rest: ``V = v - v_leak``, ``V_th = v_threshold - v_leak``, ``V_reset = v_reset -
               v_leak``, ``tau_m = tau``, no refractory time.
``IF``         the same with ``tau_m = inf`` (``dv/dt = R I``; no leak, shift 0)
``Affine``     a projection: a unit-area input spike through weight ``W`` makes ``v`` jump by
``Linear``     ``R W / tau`` (LIF) or ``R W`` (IF) -- the IR weight in mV of target row ``i``;
               an Affine bias ``b`` is a constant current, ``R b (1 - e^{-dt/tau})`` per step
               (LIF; exact for the step-wise solution) or ``R b dt`` (IF) of drive ``bias``.
``Output``     ignored (every population is observed)
=============  ===================================================================================

Everything else (``CubaLIF`` -- its current has a finite ``tau_syn``, no delta synapse --
``CubaLI``, ``LI``, ``I``, ``Conv1d/2d``, pooling, ``Flatten``, ``Scale``, ``Delay``,
``Threshold``, nested graphs) raises :class:`SncoreError` naming the node and its type.  Neuron
parameters (``tau``, ``v_threshold``, ``v_reset``, ``v_leak``) must be uniform within a node
(``r`` may vary: it is folded into the weights).  Weights are real numbers here; quantisation
(:func:`~sncore.hdl.quant.quantize`) rounds them.

**Time.**  NIR is continuous-time and has no delays; the IR's synapses have a delay of one
step, so a population ``L`` edges after the Input (its *lag*, returned in ``ir.nir_lag``) runs
``L`` steps behind sncore's own discrete-time import (:func:`sncore.nn.nir.from_nir`, spikes
delivered in the same step).  The initial state is set so that the IR, shifted by its lag,
reproduces that trajectory exactly: ``V(L-1) = u0 = -v_leak`` (NIR ``v(0) = 0``), i.e.
``V_init = (u0 - b (1 + P + ... + P^{L-1})) / P^L`` with ``P = exp(-dt/tau)``.  An edge that
closes a cycle (a recurrent ``Linear``) delivers in the next step, as in a discrete-time RNN.
NIR's threshold is strict (``v > v_threshold``): lower with ``QuantConfig(compare=">")``.

Example:
    >>> ir = from_nir(graph, dt=1.0, spikes=x)     # graph: Input -> Affine -> LIF -> Output
    >>> q = quantize(ir, QuantConfig(compare=">"))
"""

from __future__ import annotations

import math

import numpy as np

from ..units import SncoreError
from .ir import InputStream, NetworkIR, Population, Projection

__all__ = ["from_nir"]

_NEURONS = ("LIF", "IF")
_SYNAPSES = ("Affine", "Linear")


def _uniform(node, name: str, attr: str, default: float | None = None) -> float:
    val = getattr(node, attr, None)
    if val is None:
        if default is None:
            raise SncoreError(f"hdl from_nir: node {name!r} ({type(node).__name__}) has no {attr!r}.")
        return float(default)
    a = np.asarray(val, float)
    if a.size and np.ptp(a) != 0:
        raise SncoreError(f"hdl from_nir: node {name!r} ({type(node).__name__}) parameter {attr!r} varies within "
                          "the node; allowed: one value per node (split the node).")
    return float(a.ravel()[0]) if a.size else float(default)


def _lags(graph, inputs: list[str]) -> dict[str, int]:
    """Shortest number of neuron-to-neuron hops from an Input (Input -> syn -> neuron is 1)."""
    nxt: dict[str, list[str]] = {}
    for a, b in graph.edges:
        nxt.setdefault(a, []).append(b)
    lag, frontier = {}, [(s, 0) for s in inputs]
    while frontier:
        new = []
        for node, d in frontier:
            for b in nxt.get(node, []):
                kind = type(graph.nodes[b]).__name__
                dd = d + 1 if kind in _NEURONS else d
                if kind in _NEURONS and b in lag:
                    continue
                if kind in _NEURONS:
                    lag[b] = dd
                if kind in _NEURONS or kind in _SYNAPSES:
                    new.append((b, dd))
        frontier = new
    return lag


def from_nir(graph, dt: float = 1.0, spikes=None, steps: int | None = None) -> NetworkIR:
    """Convert a NIR graph of ``Input``, ``Affine``/``Linear``, ``LIF``/``IF`` and ``Output`` nodes
    into a :class:`NetworkIR` (see the module docstring); ``dt`` in ms.

    Args:
        graph: a ``nir.NIRGraph`` (edges may form cycles through ``Linear`` nodes).
        spikes: input spikes ``[T, n]`` (one Input node) or a dict Input name -> ``[T, n]``;
            default zeros of ``steps`` (default 1) steps.

    Returns:
        the IR, with ``ir.nir_lag`` (population name -> steps behind sncore's discrete-time import)
        and ``ir.nir_populations`` (population name -> NIR node name; populations are named after nodes).
    """
    nodes = dict(graph.nodes)
    kinds = {k: type(v).__name__ for k, v in nodes.items()}
    allowed = {"Input", "Output", *_NEURONS, *_SYNAPSES}
    for k, kind in kinds.items():
        if kind not in allowed:
            hint = (" (CubaLIF has a current synapse with finite tau_syn; the IR has delta synapses only)"
                    if kind == "CubaLIF" else "")
            raise SncoreError(f"hdl from_nir: node {k!r} of type {kind} is not supported{hint}; allowed: "
                              f"{sorted(allowed)}.")
    preds: dict[str, list[str]] = {}
    succs: dict[str, list[str]] = {}
    for a, b in graph.edges:
        preds.setdefault(b, []).append(a)
        succs.setdefault(a, []).append(b)
    inputs = [k for k in nodes if kinds[k] == "Input"]
    if not inputs:
        raise SncoreError("hdl from_nir: the graph has no Input node.")
    if spikes is not None and not isinstance(spikes, dict):
        if len(inputs) != 1:
            raise SncoreError(f"hdl from_nir: {len(inputs)} Input nodes; pass spikes as a dict name -> [T, n].")
        spikes = {inputs[0]: spikes}
    spikes = spikes or {}
    lag = _lags(graph, inputs)
    pops, streams, size = [], [], {}
    T = steps or 1
    for k in inputs:
        n = int(np.prod(np.asarray(nodes[k].input_type["input"])))
        x = np.asarray(spikes.get(k, np.zeros((T, n), bool)), bool)
        if x.ndim != 2 or x.shape[1] != n:
            raise SncoreError(f"hdl from_nir: spikes for Input {k!r} must be [T, {n}], got shape {x.shape}.")
        streams.append(InputStream(k, x))
        size[k] = n
    # synapse nodes: (source node, weight [n_out, n_in], bias or None) by target neuron node
    incoming: dict[str, list] = {}
    for k, node in nodes.items():
        if kinds[k] not in _SYNAPSES:
            continue
        src, tgt = preds.get(k, []), succs.get(k, [])
        if len(src) != 1 or len(tgt) != 1 or kinds[src[0]] not in ("Input", *_NEURONS) or kinds[tgt[0]] not in _NEURONS:
            raise SncoreError(f"hdl from_nir: node {k!r} ({kinds[k]}) must connect one Input/LIF/IF node to one "
                              f"LIF/IF node; got predecessors {src} and successors {tgt}.")
        W = np.asarray(node.weight, float)
        if W.ndim != 2:
            raise SncoreError(f"hdl from_nir: node {k!r} ({kinds[k]}) weight must be a matrix, got shape {W.shape}.")
        b = np.asarray(node.bias, float) if kinds[k] == "Affine" else None
        incoming.setdefault(tgt[0], []).append((k, src[0], W, b))
    for k in nodes:
        if kinds[k] in _NEURONS:
            for p in preds.get(k, []):
                if kinds[p] not in _SYNAPSES:
                    raise SncoreError(f"hdl from_nir: edge {p!r} ({kinds[p]}) -> {k!r} ({kinds[k]}): a neuron node "
                                      "needs an Affine/Linear node in front (no identity connections).")
    neurons = [k for k in nodes if kinds[k] in _NEURONS]
    scale = {}
    for k in neurons:
        nd = nodes[k]
        if k not in lag:
            raise SncoreError(f"hdl from_nir: node {k!r} ({kinds[k]}) is not reachable from an Input node.")
        n = int(np.broadcast_shapes(*(np.shape(getattr(nd, a)) for a in ("r", "v_threshold")), (1,))[0])
        for _, _, W, _ in incoming.get(k, []):
            n = max(n, W.shape[0])
        r = np.broadcast_to(np.asarray(nd.r, float), (n,))
        leak = _uniform(nd, k, "v_leak", 0.0) if kinds[k] == "LIF" else 0.0
        v_reset = _uniform(nd, k, "v_reset", 0.0)
        theta = _uniform(nd, k, "v_threshold")
        if kinds[k] == "LIF":
            tau = _uniform(nd, k, "tau")
            if not (tau > 0 and math.isfinite(tau)):
                raise SncoreError(f"hdl from_nir: node {k!r} (LIF) tau must be finite and > 0, got {tau}.")
            scale[k] = r / tau
            P = math.exp(-dt / tau)
            per_b = r * -math.expm1(-dt / tau)
        else:
            tau, P, per_b = math.inf, 1.0, r * dt
            scale[k] = r
        b = np.zeros(n)
        for _, _, W, bb in incoming.get(k, []):
            if W.shape[0] != n:
                raise SncoreError(f"hdl from_nir: node {k!r} has {n} neurons but a weight with {W.shape[0]} rows.")
            if bb is not None:
                b = b + np.broadcast_to(bb, (n,)) * per_b
        bias = float(b[0]) if n and np.ptp(b) == 0 else b      # per neuron when R b varies (quantize broadcasts)
        L, u0 = lag[k], -leak
        v_init = (u0 - bias * sum(P**j for j in range(L))) / P**L
        pops.append(Population(k, n, tau_m=tau, v_th=theta - leak, v_reset=v_reset - leak, t_ref=0.0, bias=bias,
                               v_init=v_init))
        size[k] = n
    projs = []
    for k in neurons:
        for name, src, W, _ in incoming.get(k, []):
            if W.shape[1] != size[src]:
                raise SncoreError(f"hdl from_nir: node {name!r} weight has {W.shape[1]} columns; source {src!r} has "
                                  f"{size[src]} nodes.")
            w = W * scale[k][:, None]
            tgt, s = np.nonzero(w)
            projs.append(Projection(src, k, s, tgt, w[tgt, s], np.ones(len(s), int)))
    net = NetworkIR(dt=float(dt), populations=pops, projections=projs, inputs=streams)
    net.validate()
    net.nir_lag = {k: lag[k] for k in neurons}
    net.nir_populations = {k: k for k in neurons}
    return net

"""The network's fixed-point simulation mode: ``sim.simulate(T, fixed_point=QuantConfig(...))``.

A fixed-point run is the hardware's arithmetic applied to a scripted network: the
:class:`~sncore.Simulator` is converted with :func:`~sncore.hdl.ir.from_simulator`, quantised
with :func:`~sncore.hdl.quant.quantize` and run by the int32 golden model
(:func:`~sncore.hdl.golden.run_golden`) -- the very integer semantics the generated Verilog is
co-simulated against, so a fixed-point ``Result`` is what the chip would compute. The run

* starts from the network's initial state at ``t = 0`` and covers ``[0, duration)``; it does
  not read or change the Simulator's float state (``sim.t`` stays where it is);
* returns a :class:`~sncore.network.result.Result`: ``counts`` (``rate``/``rates`` work),
  spike-recorder events (times at the end of the emitting step, global ids, each recorder's
  sources and ``start``/``stop`` window applied), and ``result.fixed_point``: the
  quantisation (``config``, ``wshift``), membranes ``V_m`` ``[T, N]`` in mV (``E_L`` added
  back, neurons in creation order with their ``gids``), saturation/refractory ``coverage``
  counters and the ``accuracy`` report against the float64 reference of the same network
  (:func:`~sncore.hdl.golden.accuracy_report`: rates, spike agreement, membrane RMSE);
* supports what lowering supports (``iaf_psc_delta``, static delta synapses,
  ``spike_generator`` inputs, ``poisson_generator`` drive as on-chip LFSR Bernoulli channels,
  spike recorders); anything else -- including multimeters -- raises :class:`SncoreError`.

Example:
    >>> res = sim.simulate(200 * u.ms, fixed_point=sn.hdl.QuantConfig())
    >>> res.rate(pop), res.fixed_point["accuracy"]["spike_agreement"]
"""

from __future__ import annotations

import numpy as np

from ..network.result import Result
from ..network.run import fill_recorders
from ..units import SncoreError
from .golden import accuracy_report, run_golden
from .ir import from_simulator
from .quant import QuantConfig, quantize

__all__ = ["simulate_fixed"]


def simulate_fixed(sim, steps: int, config: QuantConfig | None = None, **lowering) -> Result:
    """Run ``sim`` for ``steps`` steps in fixed point (see the module docstring).

    Args:
        sim: a :class:`~sncore.Simulator` that :func:`~sncore.hdl.ir.from_simulator` accepts.
        steps: number of time steps (``simulate`` converts the duration).
        config: number formats and modes (:class:`QuantConfig`; default ``QuantConfig()``).
        **lowering: passed to ``from_simulator`` (``lfsr_width``, ``p_max``, ``lfsr_seed``, ...).
    """
    if config is None:
        config = QuantConfig()
    if not isinstance(config, QuantConfig):
        raise SncoreError(f"simulate parameter 'fixed_point' must be a sncore.hdl.QuantConfig or True, "
                          f"got {config!r}.")
    meters = [g for g in sim.groups if g.kind == "multimeter"]
    if meters:
        raise SncoreError("a fixed-point run does not fill multimeters; membranes of every neuron are in "
                          "result.fixed_point['V_m'] (remove the multimeter or run in float).")
    net = from_simulator(sim, steps, **lowering)
    q = quantize(net, config)
    x = net.stimulus(steps)
    out = run_golden(q, x)
    spikes = out["spikes"].astype(bool)                      # [T, N], populations in creation order
    st = config.state
    v_mV = out["v"] * 2.0 ** -st.frac

    neurons = [g for g in sim.groups if g.kind == "neuron"]
    counts = {g.block: np.zeros(sum(h.n for h in neurons if h.block == g.block), np.int64) for g in neurons}
    gids, e_l, col = [], [], 0
    for g in neurons:
        counts[g.block][g.offset:g.offset + g.n] = spikes[:, col:col + g.n].sum(0)
        gids.append(g.first_id + np.arange(g.n))
        e_l.append(np.full(g.n, float(g.params["E_L"][0])))
        col += g.n
    gids_all = np.concatenate(gids) if gids else np.zeros(0, np.int64)
    dt = float(sim.dt)
    res = Result(t_start=0.0, t_stop=steps * dt, counts=counts)
    ks, cols = np.nonzero(spikes)                             # sorted by step, then neuron
    stamp, senders = (ks + 1) * dt, gids_all[cols]
    order = np.lexsort((senders, stamp))
    stamp, senders = stamp[order], senders[order]
    fill_recorders(sim, res, stamp, senders)
    res.fixed_point = {"config": config, "wshift": q.wshift, "gids": gids_all,
                       "V_m": v_mV + (np.concatenate(e_l) if e_l else 0.0),
                       "coverage": out["coverage"], "accuracy": accuracy_report(q, x, out)}
    return res

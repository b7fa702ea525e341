"""Bernoulli input channels generated on chip by LFSRs: :class:`LfsrInput` (an IR input kind).

Channel ``k`` of an :class:`LfsrInput` owns one LFSR (``lfsr.v``; all channels share width,
taps, form and direction, :class:`~sncore.sc.LfsrSpec`) with its own seed ``seed_k``.  With
``s_k(j)`` = ``lfsr_sequence(spec_k, .)[j]`` (the comparator's state after ``j`` clocks) the
channel spikes in time step ``t`` when

.. math::

    x_k(t) = \\big[\\, s_k(t \\cdot \\mathrm{LEAP}) \\le T_k \\,\\big], \\qquad
    T_k = \\operatorname{round\\_half\\_up}(p_k (2^w - 1))  \\;(\\text{:func:`sncore.sc.lfsr_threshold`}).

In hardware the LFSR is clocked once per time step (enable = the core's ``done``) by the
``LEAP``-fold step (one XOR network, ``LEAP = w`` by default), so the states compared in
successive steps share no register bits (a plain one-step shift would make successive bits
strongly correlated: after ``s <= T`` the next state is ``s >> 1`` plus one new bit).  Over a
full period the channel spikes with probability ``T_k / (2^w - 1)`` exactly, which is ``p_k`` to
``<= 2^-(w+1)``.  Different seeds pick different phases of one m-sequence; with ``w = 24``
(period 16.7 M) the windows of different channels do not overlap in practice.

**Bernoulli approximation of Poisson drive** (:func:`poisson_split`).  A ``poisson_generator``
of rate ``nu`` gives ``K ~ Poisson(lam)`` spikes per step, ``lam = nu dt``; a Bernoulli channel
gives at most one.  Each generator -> neuron connection is therefore split into
``S = ceil(lam / p_max)`` independent channels of ``p = lam / S`` (a Poisson process is the sum of
``S`` Poisson processes of rate ``nu / S``), so the count per step is ``Binomial(S, lam/S)``:

* mean ``lam`` exactly (up to the threshold rounding);
* variance ``lam (1 - p)`` instead of ``lam`` (relative deficit ``p <= p_max``);
* total-variation distance to ``Poisson(lam)`` at most ``S p^2 = lam p <= lam p_max`` (Le Cam);
  at most ``S`` spikes per step (multiplicities above ``S`` are lost).

``split=False`` (one channel per connection) raises :class:`SncoreError` when ``lam > p_max``;
``S > max_split`` raises too (the input count ``M`` and the SCAN phase grow with ``S``).

Example:
    >>> inp = LfsrInput("noise", np.full(4, 0.05), seeds=np.array([1, 2, 3, 4]))
    >>> inp.spikes(100).shape
    (100, 4)
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np

from .. import sc
from ..sc.lfsr import LfsrSpec
from ..units import SncoreError

__all__ = ["LfsrInput", "distinct_seeds", "lfsr_rtl", "poisson_split"]


@dataclasses.dataclass
class LfsrInput:
    """``n`` Bernoulli channels with probabilities ``p[k]`` per step from on-chip LFSRs (see module).

    ==========  ==============================================  ==========================
    field       meaning                                          default
    ==========  ==============================================  ==========================
    name        input name (unique in the network)              -
    p           spike probability per step per channel, [n]      -
    seeds       LFSR seed per channel, distinct, 1..2^w-1, [n]   -
    width       LFSR width ``w`` (maximal XAPP052 taps)          24
    form        ``"fibonacci"`` / ``"galois"``                   ``"fibonacci"``
    direction   ``"right"`` / ``"left"``                         ``"right"``
    leap        LFSR steps per time step                         ``width``
    ==========  ==============================================  ==========================
    """

    name: str
    p: np.ndarray
    seeds: np.ndarray
    width: int = 24
    form: str = "fibonacci"
    direction: str = "right"
    leap: int | None = None

    def __post_init__(self):
        self.p = np.atleast_1d(np.asarray(self.p, float))
        self.seeds = np.atleast_1d(np.asarray(self.seeds, np.int64))
        if self.leap is None:
            self.leap = self.width

    @property
    def n(self) -> int:
        return len(self.p)

    @property
    def spec(self) -> LfsrSpec:
        """The shared spec (seed of channel 0; channel ``k`` uses ``seeds[k]``)."""
        return LfsrSpec.maximal(self.width, seed=int(self.seeds[0]) if self.n else 1, form=self.form,
                                direction=self.direction)

    def validate(self) -> None:
        """Raise :class:`SncoreError` for bad probabilities, seeds or leap."""
        w = self.width
        if not (2 <= w <= 32):
            raise SncoreError(f"LFSR input {self.name!r}: width must be 2..32, got {w}.")
        if len(self.seeds) != self.n:
            raise SncoreError(f"LFSR input {self.name!r}: {len(self.seeds)} seeds for {self.n} channels.")
        if self.n and (np.any(self.seeds < 1) or np.any(self.seeds >= 1 << w)):
            raise SncoreError(f"LFSR input {self.name!r}: seeds must be in 1..2^{w}-1.")
        if len(np.unique(self.seeds)) != self.n:
            raise SncoreError(f"LFSR input {self.name!r}: seeds must be distinct (equal seeds give equal trains).")
        if not np.all((self.p >= 0) & (self.p <= 1)):
            raise SncoreError(f"LFSR input {self.name!r}: p must be probabilities in [0, 1].")
        if not (isinstance(self.leap, (int, np.integer)) and 1 <= self.leap <= 256):
            raise SncoreError(f"LFSR input {self.name!r}: leap must be an integer in 1..256, got {self.leap!r}.")

    def thresholds(self) -> np.ndarray:
        """``T_k = lfsr_threshold(p_k, w)`` (int64 ``[n]``)."""
        return np.asarray(sc.lfsr_threshold(jnp.asarray(self.p, jnp.float32), self.width)).astype(np.int64)

    def spikes(self, steps: int) -> np.ndarray:
        """The channel bits ``[steps, n]`` (bool) computed with :func:`sncore.sc.lfsr_sequence`."""
        if self.n == 0 or steps == 0:
            return np.zeros((steps, self.n), bool)
        states = sc.lfsr_sequence(self.spec, steps * self.leap, seed=self.seeds)   # [n, steps * leap]
        s = np.asarray(states[:, ::self.leap]).astype(np.int64)
        return (s <= self.thresholds()[:, None]).T


def distinct_seeds(n: int, width: int, rng: np.random.Generator, taken: set | None = None) -> np.ndarray:
    """``n`` distinct non-zero ``width``-bit seeds drawn from ``rng``, avoiding ``taken`` (updated)."""
    taken = set() if taken is None else taken
    if n + len(taken) > (1 << width) - 1:
        raise SncoreError(f"LFSR inputs: {n + len(taken)} channels need distinct seeds; a {width}-bit LFSR has "
                          f"only {(1 << width) - 1}; allowed: a wider LFSR.")
    out = []
    while len(out) < n:
        s = int(rng.integers(1, 1 << width))
        if s not in taken:
            taken.add(s)
            out.append(s)
    return np.array(out, np.int64)


def poisson_split(rate_hz, dt: float, p_max: float = 0.1, split: bool = True, max_split: int = 64,
                  what: str = "poisson_generator") -> tuple[np.ndarray, np.ndarray]:
    """Channels per connection ``S`` and probability per channel ``p = lam / S`` for Poisson rates
    ``rate_hz`` (Hz) at step ``dt`` (ms), ``lam = rate dt``: ``S = ceil(lam / p_max)`` (>= 1), or 1
    with ``split=False``.  Raises :class:`SncoreError` when ``lam > p_max`` without splitting, or
    ``S > max_split``."""
    lam = np.atleast_1d(np.asarray(rate_hz, float)) * dt * 1e-3
    if np.any(lam < 0) or not np.all(np.isfinite(lam)):
        raise SncoreError(f"hdl lowering: {what} rate must be finite and >= 0 Hz.")
    S = np.maximum(1, np.ceil(lam / p_max - 1e-12)).astype(np.int64)
    big = float(lam.max(initial=0.0))
    if not split and big > p_max:
        raise SncoreError(
            f"hdl lowering: {what} rate {big / dt * 1e3:g} Hz at dt = {dt:g} ms is rate*dt = {big:g} spikes per "
            f"step; a Bernoulli channel (one spike per step) approximates Poisson only for rate*dt <= p_max = "
            f"{p_max:g} (multiplicities would be lost); allowed: split=True (ceil(rate*dt/p_max) channels), "
            "a lower rate or a smaller dt.")
    if int(S.max(initial=1)) > max_split:
        raise SncoreError(
            f"hdl lowering: {what} rate*dt = {big:g} spikes per step needs {int(S.max())} Bernoulli channels per "
            f"connection at p_max = {p_max:g}; allowed: <= max_split = {max_split} (raise max_split or p_max, or "
            "lower the rate).")
    S = S if split else np.ones_like(S)
    return S, lam / S


def lfsr_rtl(channels: list, m: int) -> tuple[str, str]:
    """Verilog for the generated top: ``(declarations, core input expression)``.

    ``channels``: ``(global input index, LfsrSpec with the channel's seed, threshold, leap)``.
    Input bits without a generator come from the ``in_spk`` port; LFSR channels ignore it.
    """
    lines = [f"    wire [{m - 1}:0] x_in;", "    /* verilator lint_off UNUSEDSIGNAL */",
             "    wire unused_in_spk = ^in_spk;   // port bits of LFSR channels are not used"]
    gen = {c[0]: c for c in channels}
    for k in range(m):
        if k not in gen:
            lines.append(f"    assign x_in[{k}] = in_spk[{k}];")
            continue
        _, spec, thr, leap = gen[k]
        rp = spec.rtl_params()
        w = rp["WIDTH"]
        ps = ", ".join(f".{a}({rp[a]})" for a in ("WIDTH", "TAP_MASK", "SEED", "GALOIS", "SHIFT_RIGHT",
                                                   "ADVANCE_BEFORE"))
        lines.append(f"    wire [{w - 1}:0] lfsr_s{k};")
        lines.append(f"    lfsr #({ps}, .LEAP({leap})) lfsr_g{k} (.clk(clk), .rst(rst), .en(done), "
                     f".threshold({w}'d{thr}), .state(lfsr_s{k}), .bit_out(x_in[{k}]));")
    lines.append("    /* verilator lint_on UNUSEDSIGNAL */")
    return "\n".join(lines) + "\n", "x_in"


def lfsr_channels(inputs, offsets: dict, n_neurons: int) -> list:
    """``(input index, LfsrSpec, threshold, leap)`` for every LFSR channel of ``inputs`` (input index =
    global source index - number of neurons)."""
    out = []
    for s in inputs:
        if not isinstance(s, LfsrInput):
            continue
        base, thr = offsets[s.name] - n_neurons, s.thresholds()
        for k in range(s.n):
            spec = dataclasses.replace(s.spec, seed=int(s.seeds[k]))
            out.append((base + k, spec, int(thr[k]), int(s.leap)))
    return out


def _check_window(params: dict, what: str) -> None:
    for key, ok in (("start", 0.0), ("origin", 0.0)):
        if key in params and np.any(np.asarray(params[key]) != ok):
            raise SncoreError(f"hdl lowering: {what} parameter {key!r} must be {ok}; allowed: always-on generators.")
    if "stop" in params and np.any(np.isfinite(np.asarray(params["stop"]))):
        raise SncoreError(f"hdl lowering: {what} parameter 'stop' must be inf; allowed: always-on generators.")


def poisson_inputs(c, tg, dt: float, name: str, rng, taken: set, *, width: int, p_max: float, split: bool,
                   max_split: int) -> tuple[LfsrInput, tuple] | None:
    """The LFSR channels and projection arrays ``(src, tgt, weight, delay)`` for the part of
    poisson_generator connection ``c`` that targets neuron group ``tg`` (every connection element gets
    its own ``S`` independent channels, as NEST gives every target an independent train)."""
    _check_window(c.device.params, "poisson_generator")
    mt = (c.tgt >= tg.offset) & (c.tgt < tg.offset + tg.n)
    if not mt.any():
        return None
    rate = np.asarray(c.device.params["rate"], float)[np.asarray(c.src)[mt]]
    S, p = poisson_split(rate, dt, p_max, split, max_split)
    src = np.repeat(np.arange(len(S)), S)                     # connection element of each channel
    inp = LfsrInput(name, np.repeat(p, S), distinct_seeds(int(S.sum()), width, rng, taken), width=width)
    proj = (np.arange(len(src)), (np.asarray(c.tgt)[mt] - tg.offset)[src],
            np.asarray(c.weight, float)[mt][src], np.asarray(c.delay, int)[mt][src])
    return inp, proj



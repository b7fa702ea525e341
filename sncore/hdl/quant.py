"""Quantise a :class:`~sncore.hdl.ir.NetworkIR` into integer hardware parameters: :func:`quantize`.

**Formats.**  :class:`FixedFormat` ``(width, frac, signed)``: an integer ``q`` of ``width`` bits
stands for ``q * 2^-frac`` mV.  The membrane (state), threshold, reset value and drive use the
state format; weights use the weight format and enter the accumulator shifted left by
``WSHIFT = state.frac - weight.frac`` (must be >= 0).

**Parameter rounding** (``rounding``, one rule, :func:`round_fixed`): ``"floor"``:
``q = floor(x 2^f)``; ``"nearest"``: ``q = floor(x 2^f + 1/2)`` (half up).
**Parameter overflow** (``overflow``): ``"saturate"`` clips to the format's range, ``"error"``
raises :class:`SncoreError` naming the value.  At run time the membrane always saturates.

**Leak by shift.**  ``v <- v - (v >>> k)`` multiplies by ``1 - 2^-k``, so ``k`` is chosen with
``2^-k ~ 1 - exp(-dt/tau_m)``; the relative error of the decay per step must be <= ``leak_tol``
or :func:`quantize` raises an error naming ``tau_m``, ``dt`` and the nearest ``tau_m`` values a
shift can realise (``tau_k = -dt / ln(1 - 2^-k)``).  ``k = 0`` means no leak (``tau_m = inf``).

**Widths.**  The delay ring accumulator needs ``ACC_W`` bits so that the sum of all incoming
``|w << WSHIFT|`` of any neuron fits (it can then never overflow, so the order in which spikes
are accumulated does not matter); the update sum ``v - (v>>>k) + a + b`` needs
``SUM_W = max(state.width, ACC_W) + 2`` bits.  ``SUM_W > 32`` raises :class:`SncoreError`
(the golden model computes in int32).

Example:
    >>> from sncore.hdl.ir import demo_network
    >>> q = quantize(demo_network(), QuantConfig())
    >>> q.n, q.m, q.depth
    (24, 8, 4)
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..units import SncoreError
from .ir import NetworkIR
from .lfsr_inputs import lfsr_channels

__all__ = ["FixedFormat", "QuantConfig", "QuantNet", "leak_shift", "quantize", "round_fixed"]

ROUNDING = ("floor", "nearest")
OVERFLOW = ("saturate", "error")
COMPARE = (">=", ">")
RESET = ("value", "subtract")


@dataclasses.dataclass(frozen=True)
class FixedFormat:
    """``width`` bits, ``frac`` fractional bits, two's complement if ``signed``."""

    width: int
    frac: int
    signed: bool = True

    def __post_init__(self):
        if not (2 <= self.width <= 31) or not (0 <= self.frac < 64):
            raise SncoreError(f"FixedFormat: width must be 2..31 and frac 0..63, got width={self.width}, "
                              f"frac={self.frac}.")

    @property
    def lo(self) -> int:
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def hi(self) -> int:
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1


@dataclasses.dataclass(frozen=True)
class QuantConfig:
    """How to quantise: formats, rounding, overflow, threshold comparison, reset, leak tolerance."""

    state: FixedFormat = FixedFormat(16, 6)
    weight: FixedFormat = FixedFormat(8, 3)
    rounding: str = "nearest"
    overflow: str = "saturate"
    compare: str = ">="
    reset: str = "value"
    leak_tol: float = 0.2
    ref_width: int = 8

    def __post_init__(self):
        for name, allowed in (("rounding", ROUNDING), ("overflow", OVERFLOW), ("compare", COMPARE),
                              ("reset", RESET)):
            if getattr(self, name) not in allowed:
                raise SncoreError(f"QuantConfig parameter {name!r}: got {getattr(self, name)!r}; allowed: {allowed}.")
        if not self.state.signed or not self.weight.signed:
            raise SncoreError("QuantConfig: state and weight formats must be signed.")
        if self.weight.frac > self.state.frac:
            raise SncoreError(f"QuantConfig: weight frac ({self.weight.frac}) must be <= state frac "
                              f"({self.state.frac}); weights are shifted left into the state format.")


@dataclasses.dataclass
class QuantNet:
    """Integer network: neurons ``0..n-1``, sources ``0..n+m-1`` (neurons, then inputs).

    Per neuron (int arrays ``[n]``): ``thr``, ``vreset``, ``bias``, ``shift`` (leak), ``tref``
    (steps), ``v0`` (initial membrane).  Synapses (``[n_syn]``, sorted by source): ``syn_src``,
    ``syn_tgt``, ``syn_delay`` (1..depth), ``syn_w`` (weight-format ints).
    """

    config: QuantConfig
    n: int
    m: int
    depth: int
    acc_width: int
    sum_width: int
    thr: np.ndarray
    vreset: np.ndarray
    bias: np.ndarray
    shift: np.ndarray
    tref: np.ndarray
    v0: np.ndarray
    syn_src: np.ndarray
    syn_tgt: np.ndarray
    syn_delay: np.ndarray
    syn_w: np.ndarray
    scale: float  # mV per state LSB
    dt: float
    float_params: dict
    #: on-chip LFSR input channels: (input index, LfsrSpec, threshold, leap) (see lfsr_inputs)
    lfsr: list = dataclasses.field(default_factory=list)

    @property
    def wshift(self) -> int:
        return self.config.state.frac - self.config.weight.frac

    @property
    def row_ptr(self) -> np.ndarray:
        """CSR row pointers ``[n+m+1]`` into the synapse list (sorted by source)."""
        return np.searchsorted(self.syn_src, np.arange(self.n + self.m + 1)).astype(np.int64)


def round_fixed(x, frac: int, rounding: str) -> np.ndarray:
    """``x 2^frac`` rounded by ``rounding`` (``floor`` or ``nearest`` = half up), as int64."""
    y = np.asarray(x, float) * 2.0 ** frac
    return np.floor(y + (0.5 if rounding == "nearest" else 0.0)).astype(np.int64)


def _fit(q: np.ndarray, fmt: FixedFormat, overflow: str, what: str, scale: float) -> np.ndarray:
    bad = (q < fmt.lo) | (q > fmt.hi)
    if bad.any() and overflow == "error":
        v = float(np.asarray(q)[bad].ravel()[0]) * scale
        raise SncoreError(f"{what} = {v:g} mV does not fit the format {fmt} (range {fmt.lo * scale:g} .. "
                          f"{fmt.hi * scale:g} mV); allowed: overflow='saturate' or a wider format.")
    return np.clip(q, fmt.lo, fmt.hi)


def leak_shift(tau_m: float, dt: float, tol: float, max_shift: int = 30) -> int:
    """The shift ``k`` with ``|2^-k - (1 - e^{-dt/tau})| <= tol (1 - e^{-dt/tau})``, else raise."""
    if math.isinf(tau_m):
        return 0
    want = -math.expm1(-dt / tau_m)
    k = max(1, min(max_shift, round(-math.log2(want))))
    best = min(range(max(1, k - 1), min(max_shift, k + 1) + 1), key=lambda j: abs(2.0 ** -j - want))
    if abs(2.0 ** -best - want) <= tol * want:
        return best

    def tau(j):
        return -dt / math.log1p(-(2.0 ** -j))

    lo = max(j for j in range(1, max_shift + 1) if tau(j) <= tau_m) if tau(1) <= tau_m else None
    hi = lo + 1 if lo is not None else 1
    near = [f"{tau(j):.4g} ms (k={j})" for j in (lo, hi) if j is not None]
    raise SncoreError(f"tau_m = {tau_m:g} ms with dt = {dt:g} ms needs a decay of {want:.4g} per step, which a "
                      f"leak by shift v -= v >>> k cannot realise within leak_tol = {tol:g}; nearest allowed "
                      f"tau_m: {', '.join(near)}.")


def quantize(net: NetworkIR, config: QuantConfig | None = None) -> QuantNet:
    """Integer parameters for ``net`` under ``config`` (see the module docstring for the rules).

    Raises:
        SncoreError: leak not realisable by a shift, parameter overflow with ``overflow="error"``,
            intermediate widths above 32 bits, refractory steps beyond ``ref_width`` bits.
    """
    cfg = config or QuantConfig()
    net.validate()
    st, wf, rnd = cfg.state, cfg.weight, cfg.rounding
    scale = 2.0 ** -st.frac
    offs = net.offsets()
    per = {k: [] for k in ("thr", "vreset", "bias", "shift", "tref", "v0")}
    fl = {k: [] for k in ("p33", "thr", "vreset", "bias", "tref", "v0")}
    for p in net.populations:
        k = leak_shift(p.tau_m, net.dt, cfg.leak_tol)
        tref = math.ceil(p.t_ref / net.dt - 1e-9)
        if tref >= (1 << cfg.ref_width):
            raise SncoreError(f"population {p.name!r}: t_ref = {p.t_ref:g} ms is {tref} steps, more than "
                              f"ref_width = {cfg.ref_width} bits hold; allowed: < {1 << cfg.ref_width} steps.")
        v0 = np.broadcast_to(np.asarray(p.v_init, float), (p.n,))
        for key, val in (("thr", p.v_th), ("vreset", p.v_reset), ("bias", p.bias), ("v0", v0)):
            q = _fit(round_fixed(np.broadcast_to(val, (p.n,)), st.frac, rnd), st, cfg.overflow,
                     f"population {p.name!r} {key}", scale)
            per[key].append(q)
            fl[key].append(np.broadcast_to(np.asarray(val, float), (p.n,)))
        per["shift"].append(np.full(p.n, k))
        per["tref"].append(np.full(p.n, tref))
        fl["tref"].append(np.full(p.n, tref))
        fl["p33"].append(np.full(p.n, math.exp(-net.dt / p.tau_m)))
    src, tgt, dly, w, wf_ = [], [], [], [], []
    for j in net.projections:
        src.append(offs[j.src_name] + np.asarray(j.src, np.int64))
        tgt.append(offs[j.tgt_name] + np.asarray(j.tgt, np.int64))
        dly.append(np.asarray(j.delay, np.int64))
        w.append(_fit(round_fixed(j.weight, wf.frac, rnd), wf, cfg.overflow,
                      f"projection {j.src_name}->{j.tgt_name} weight", 2.0 ** -wf.frac))
        wf_.append(np.asarray(j.weight, float))
    cat = (lambda a: np.concatenate(a) if a else np.zeros(0, np.int64))
    src, tgt, dly, w, wfl = cat(src), cat(tgt), cat(dly), cat(w), cat(wf_)
    order = np.argsort(src, kind="stable")
    src, tgt, dly, w, wfl = src[order], tgt[order], dly[order], w[order], wfl[order]
    n, m = net.n_neurons, net.n_inputs
    depth = int(dly.max()) if len(dly) else 1
    if depth > 1024:
        raise SncoreError(f"hdl: the largest delay is {depth} steps; allowed: <= 1024.")
    wsh = st.frac - wf.frac
    bound = np.zeros(n, np.int64)
    np.add.at(bound, tgt, np.abs(w) << wsh)
    # at least one shifted weight wide (the RTL sign-extends WW-bit weights into ACC_W bits)
    acc_w = max(wf.width + wsh, int(bound.max()).bit_length() + 1)
    sum_w = max(st.width, acc_w) + 2
    if sum_w > 32:
        raise SncoreError(f"hdl: intermediates overflow 32 bits: the membrane update v - (v>>>k) + a + b needs "
                          f"{sum_w} bits (state width {st.width}, accumulator {acc_w} bits for a worst-case "
                          f"input sum of {int(bound.max())} LSB); allowed: <= 32 bits (narrower formats, "
                          "smaller weights or fewer synapses per neuron).")
    arr = {k: np.concatenate(v).astype(np.int64) for k, v in per.items()}
    fparams = {k: np.concatenate(v) for k, v in fl.items()} | {"syn_w": wfl}
    return QuantNet(config=cfg, n=n, m=m, depth=depth, acc_width=acc_w, sum_width=sum_w, **arr,
                    syn_src=src, syn_tgt=tgt, syn_delay=dly, syn_w=w, scale=scale, dt=net.dt,
                    float_params=fparams, lfsr=lfsr_channels(net.inputs, offs, n))

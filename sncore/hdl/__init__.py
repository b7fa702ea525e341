"""Lowering sncore networks to hardware: quantisation, an integer golden model, Verilog, co-simulation.

See docs/hdl.md.  Flow: :class:`~sncore.hdl.ir.NetworkIR` (or a Simulator via
:func:`~sncore.hdl.ir.from_simulator`) -> :func:`~sncore.hdl.quant.quantize` ->
:func:`~sncore.hdl.golden.run_golden` / :func:`~sncore.hdl.emit.emit` ->
:func:`~sncore.hdl.cosim.cosim`; NIR graphs via :func:`~sncore.hdl.nir.from_nir`, stochastic-computing
RTL in :mod:`sncore.hdl.sc`. The same integer semantics are the network's fixed-point simulation mode:
``sim.simulate(T, fixed_point=QuantConfig(...))`` (:mod:`sncore.hdl.fixed`).
"""

from .fixed import simulate_fixed
from .golden import accuracy_report, run_float, run_golden
from .ir import (
           InputStream,
           NetworkIR,
           Population,
           Projection,
           demo_network,
           from_simulator,
)
from .lfsr_inputs import LfsrInput
from .nir import from_nir
from .quant import FixedFormat, QuantConfig, QuantNet, leak_shift, quantize

__all__ = ["FixedFormat", "InputStream", "LfsrInput", "NetworkIR", "Population", "Projection", "QuantConfig", "QuantNet",
           "accuracy_report", "demo_network", "from_nir", "from_simulator", "leak_shift", "quantize", "run_float",
           "run_golden", "simulate_fixed"]

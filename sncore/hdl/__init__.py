"""Lowering sncore networks to hardware: quantisation, an integer golden model, Verilog, co-simulation.

See docs/hdl.md.  Flow: :class:`~sncore.hdl.ir.NetworkIR` (or a Simulator via
:func:`~sncore.hdl.ir.from_simulator`) -> :func:`~sncore.hdl.quant.quantize` ->
:func:`~sncore.hdl.golden.run_golden` / :func:`~sncore.hdl.emit.emit` ->
:func:`~sncore.hdl.cosim.cosim`.
"""

from .golden import accuracy_report, run_float, run_golden
from .ir import (
           InputStream,
           NetworkIR,
           Population,
           Projection,
           demo_network,
           from_simulator,
)
from .quant import FixedFormat, QuantConfig, QuantNet, leak_shift, quantize

__all__ = ["FixedFormat", "InputStream", "NetworkIR", "Population", "Projection", "QuantConfig", "QuantNet",
           "accuracy_report", "demo_network", "from_simulator", "leak_shift", "quantize", "run_float",
           "run_golden"]

"""Populations, projections, devices, the compiled step and its one scan; the Simulator."""

from .nodes import NodeCollection as NodeCollection
from .result import Result as Result
from .simulator import Simulator as Simulator

__all__ = ["NodeCollection", "Result", "Simulator"]

"""Populations, projections, devices, the compiled step and its one scan; the Simulator."""

from .batch import batch_params as batch_params
from .batch import get_param as get_param
from .batch import set_param as set_param
from .nodes import NodeCollection as NodeCollection
from .result import Result as Result
from .simulator import Simulator as Simulator

__all__ = ["NodeCollection", "Result", "Simulator", "batch_params", "get_param", "set_param"]

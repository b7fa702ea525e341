"""Ready-made networks; each builder returns a configured Simulator and its handles."""

from .brunel import BrunelNetwork as BrunelNetwork
from .brunel import brunel as brunel

__all__ = ["brunel", "BrunelNetwork"]

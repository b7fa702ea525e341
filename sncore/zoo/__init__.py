"""Ready-made networks; each builder returns a configured Simulator and its handles."""

from .brunel import BrunelNetwork as BrunelNetwork
from .brunel import brunel as brunel
from .coba import CobaNetwork as CobaNetwork
from .coba import coba as coba

__all__ = ["brunel", "BrunelNetwork", "coba", "CobaNetwork"]

"""Scale-out: the partition of a network over devices (``jax.shard_map``; see docs/distributed.md).

Use it through the Simulator: ``sn.Simulator(..., devices=jax.devices()[:4])``.
"""

from .engine import ShardedEngine as ShardedEngine
from .engine import shard_engine as shard_engine
from .engine import to_host as to_host
from .partition import Partition as Partition
from .partition import partition as partition

__all__ = ["Partition", "ShardedEngine", "partition", "shard_engine", "to_host"]

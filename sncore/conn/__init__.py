"""Connectivity: NEST connection rules, weight/delay specs, spike propagation paths."""

from .plasticity import SYNAPSES as SYNAPSES
from .rules import AllToAll as AllToAll
from .rules import OneToOne as OneToOne
from .rules import Rule as Rule
from .rules import fixed_indegree as fixed_indegree
from .rules import fixed_outdegree as fixed_outdegree
from .rules import fixed_probability as fixed_probability
from .rules import fixed_total_number as fixed_total_number
from .rules import pairwise_bernoulli as pairwise_bernoulli
from .topology import grid as grid
from .topology import ring as ring
from .topology import scale_free as scale_free
from .topology import small_world as small_world
from .values import exponential as exponential
from .values import lognormal as lognormal
from .values import normal as normal
from .values import uniform as uniform

__all__ = ["SYNAPSES", "AllToAll", "OneToOne", "Rule", "exponential", "fixed_indegree", "fixed_outdegree",
           "fixed_probability", "fixed_total_number", "grid", "lognormal", "normal", "pairwise_bernoulli",
           "ring", "scale_free", "small_world", "uniform"]

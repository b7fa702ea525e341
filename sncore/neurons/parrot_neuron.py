"""``parrot_neuron``: repeats every spike that arrives on receptor 0.

NEST semantics (nest-simulator ``models/parrot_neuron.cpp``): the spikes that arrive in a
step on receptor 0 are counted, and if there are ``n > 0`` of them the parrot emits *one*
spike of multiplicity ``n`` in that step (time stamp: end of the step), i.e. an input spike
sent at ``t`` over a delay ``d`` comes out of the parrot at ``t + d``. Weights of
connections *into* the parrot are ignored (each arriving spike counts its multiplicity);
weights of connections *out of* it act as usual, so a target receives ``n x weight``.
Spikes arriving on receptor 1 are accepted and ignored (NEST's port 1, used to give a
postsynaptic parrot exact spike times in STDP protocols). The parrot has no membrane and
no parameters; it has no refractoriness and never drops a spike.

How sncore carries this:

* ``WEIGHTLESS = True``: the network builder gives every static connection and Poisson drive
  into a parrot the weight 1, so the ring buffer of receptor 0 holds the number of arriving
  spikes (a spike generator's spike value ``spike_weights x spike_multiplicities`` counts as
  its multiplicity: leave ``spike_weights`` at 1 for a parrot, as NEST ignores them). A
  synapse model (plasticity) onto receptor 0 is rejected; onto receptor 1 it is accepted.
* ``step`` returns the count ``n`` as the spike value (rounded to an integer; its gradient
  is the identity, so gradients flow through a parrot). The engine propagates a spike of
  value ``n`` as ``n x weight`` on every outgoing connection, and for models with
  ``MULTIPLICITY = True`` the spike counts and the spike recorder count it ``n`` times
  (the recorder returns ``n`` identical (time, sender) events, as NEST's does).
* There is nothing to record with a multimeter (no state variables; ``recordables()`` is
  empty and a multimeter connection names that), and a ``dc_generator`` cannot be connected
  (NEST's parrot accepts no currents).

No parameters. Connection weight unit: dimensionless (ignored).

Example:
    >>> import brainunit as u, sncore as sn
    >>> sim = sn.Simulator(dt=0.1 * u.ms, seed=1)
    >>> pg = sim.create("poisson_generator", params={"rate": 20 * u.Hz})
    >>> parrot = sim.create("parrot_neuron")
    >>> targets = sim.create("iaf_psc_delta", 10)
    >>> sim.connect(pg, parrot)                       # one Poisson train ...
    >>> sim.connect(parrot, targets, weight=0.5 * u.mV)  # ... identical for every target
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from ._base import Input, NeuronModel

__all__ = ["ParrotNeuron", "ParrotNeuronState"]


class ParrotNeuronState(NamedTuple):
    """The parrot keeps no state between steps."""


class ParrotNeuron(NeuronModel):
    """Spike repeater, NEST ``parrot_neuron`` (see module doc)."""

    NEST_NAME = "parrot_neuron"
    WEIGHT_UNIT = "1"
    RECEPTORS = ("repeat", "ignore")
    WEIGHTLESS = True
    MULTIPLICITY = True
    CURRENT_INPUT = False

    def init(self, dt: float) -> ParrotNeuronState:
        return ParrotNeuronState()

    def step(self, state: ParrotNeuronState, inp: Input, dt: float):
        x = inp.syn[0]
        # the count of arriving spikes (a float sum of small integers, exact); the rounding
        # only guards against sums of non-integer values, with a straight-through gradient
        n = x + jax.lax.stop_gradient(jnp.round(x) - x)
        return state, n

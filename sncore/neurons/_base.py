"""The neuron-model interface shared by every model.

A model is an immutable ``eqx.Module`` whose fields are its parameters (array leaves, so
they are trainable, vmappable and lowerable) plus class-level tables that describe them:

* ``PARAMS``: name -> :class:`Param` (NEST default, canonical unit, constraint);
* ``STATES``: name -> :class:`Param` for user-visible state (initial value, unit);
* ``WEIGHT_UNIT``: the unit of a synaptic weight onto this model (``"mV"`` for delta
  synapses, ``"pA"`` for current-based, ``"nS"`` for conductance-based);
* ``RECEPTORS``: names of the synaptic input channels (ring buffers).

and two pure methods on a *single* neuron: ``init(dt) -> state`` and
``step(state, inp, dt) -> (state, spike)``. Populations are ``jax.vmap`` of these over
parameter and state leaves of shape ``[N]`` (:func:`vmap_step`).

``inp`` is an :class:`Input`: ``syn`` has one entry per receptor (the ring-buffer sum for
this step, in the model's weight unit) and ``current`` is the external current in pA
arriving this step (devices such as ``dc_generator``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp

__all__ = ["Input", "NeuronModel", "Param", "param_axes", "vmap_init", "vmap_step"]


@dataclass(frozen=True)
class Param:
    """Description of one parameter or state variable.

    Attributes:
        default: NEST's default value in the canonical unit.
        unit: canonical unit name (see :mod:`sncore.units`).
        positive: require ``> 0`` (``"strict"``), ``>= 0`` (``"nonneg"``) or nothing (``None``).
        doc: one-line meaning.
    """

    default: float
    unit: str
    positive: str | None = None
    doc: str = ""


class Input(NamedTuple):
    """Input of one neuron for one step: ``syn[R]`` per receptor, ``current`` in pA, and for
    models with ``RANDOM = True`` a uniform random number ``u`` in ``[0, 1)`` (fresh every
    step and neuron, from the run's counter-based stream; ``None`` otherwise)."""

    syn: jax.Array
    current: jax.Array
    u: jax.Array | None = None


class NeuronModel(eqx.Module):
    """Abstract base of all neuron models (see the module docstring for the contract)."""

    PARAMS: ClassVar[dict[str, Param]] = {}
    STATES: ClassVar[dict[str, Param]] = {}
    WEIGHT_UNIT: ClassVar[str] = "pA"
    RECEPTORS: ClassVar[tuple[str, ...]] = ("spikes",)
    #: NEST's convention for models with separate excitatory / inhibitory synapses:
    #: a weight >= 0 goes to receptor 0, a negative weight to receptor 1
    SIGN_ROUTED: ClassVar[bool] = False
    NEST_NAME: ClassVar[str] = ""
    #: the model draws randomness (escape noise): the engine passes ``Input.u``
    RANDOM: ClassVar[bool] = False
    #: weights of incoming connections are ignored: each arriving spike counts its
    #: multiplicity (parrot_neuron); the network builder sets those weights to 1
    WEIGHTLESS: ClassVar[bool] = False
    #: the spike value is a multiplicity n >= 0 (not only 0/1): spike counts and the spike
    #: recorder count it n times
    MULTIPLICITY: ClassVar[bool] = False
    #: the model accepts currents (dc_generator)
    CURRENT_INPUT: ClassVar[bool] = True
    #: recordable state that is derived, not set by the user (e.g. mat2's V_th): name -> Param
    DERIVED: ClassVar[dict[str, Param]] = {}

    def init(self, dt: float) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def prepare(self, dt: float) -> NeuronModel:
        """Return the model with its per-``dt`` constants (propagators, refractory steps)
        precomputed, so that ``step`` does not recompute them every step. The Simulator calls
        this once per chunk, outside the scan; ``step`` also works on an unprepared model.

        Models with a ``consts`` field and a ``_constants(dt)`` method get this for free."""
        if not hasattr(self, "_constants"):
            return self
        return eqx.tree_at(lambda m: m.consts, self, self._constants(dt),
                           is_leaf=lambda x: x is None)

    def step(self, state: Any, inp: Input, dt: float) -> tuple[Any, jax.Array]:  # pragma: no cover
        raise NotImplementedError

    @classmethod
    def check(cls, values: dict[str, Any]) -> None:
        """Model-specific consistency checks on canonical numpy parameter values
        (e.g. ``V_reset < V_th``); raise :class:`sncore.units.SncoreError`."""

    @classmethod
    def recordables(cls) -> tuple[str, ...]:
        """Names a multimeter may record."""
        return tuple(cls.STATES) + tuple(cls.DERIVED)


def param_axes(model: NeuronModel) -> Any:
    """``vmap`` axes of a population's parameters: 0 for per-neuron arrays ``[N]``, None for
    scalars shared by the whole population (cheaper: read once, not once per neuron)."""
    return jax.tree.map(lambda x: 0 if jnp.ndim(x) else None, model)


def vmap_step(model: NeuronModel, state: Any, inp: Input, dt: float):
    """Advance a population one step: ``vmap`` of ``model.step`` over leading axes ``[N]``
    (parameters may be per-neuron ``[N]`` arrays or shared scalars)."""
    return jax.vmap(lambda m, s, i: m.step(s, i, dt), in_axes=(param_axes(model), 0, 0))(
        model, state, inp)


def vmap_init(model: NeuronModel, n: int, dt: float):
    """Initial state ``[N]`` of a population (parameters per-neuron or shared)."""
    return jax.vmap(lambda m: m.init(dt), in_axes=(param_axes(model),), axis_size=n)(model)

"""Conformance of every registered neuron model at the facade: units checked, positivity
constraints enforced with a clear message, NEST defaults applied, state structure stable
under a step, and the documentation contract (parameter table, example).

These tests iterate over ``sn.neurons.MODELS``, so a newly registered model is covered
without editing this file."""

import inspect
import re
import sys

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import sncore as sn
from sncore.neurons import MODELS, Input, vmap_init, vmap_step
from sncore.units import UNITS

NAMES = sorted(MODELS)


def _cases(kind):
    out = []
    for name in NAMES:
        for pname, p in MODELS[name].PARAMS.items():
            if kind == "unit" and p.unit != "1":
                out.append((name, pname))
            if kind == "positive" and p.positive:
                out.append((name, pname))
            if kind == "default" and np.isfinite(p.default):
                out.append((name, pname))
    return out


def _other_dimension(unit):
    return u.mV if unit == "ms" else u.ms


@pytest.mark.parametrize("name,pname", _cases("unit"))
def test_bare_number_and_wrong_dimension_rejected(name, pname):
    p = MODELS[name].PARAMS[pname]
    sim = sn.Simulator(dt=0.1 * u.ms)
    with pytest.raises(sn.SncoreError, match=rf"{name} parameter '{pname}' needs a quantity in {p.unit}"):
        sim.create(name, 2, params={pname: p.default if np.isfinite(p.default) else 1.0})
    with pytest.raises(sn.SncoreError, match=rf"'{pname}' needs a quantity with the dimension of {p.unit}"):
        sim.create(name, 2, params={pname: 1.0 * _other_dimension(p.unit)})
    assert sim.groups == []  # nothing half-created


@pytest.mark.parametrize("name,pname", _cases("positive"))
def test_positivity_constraints(name, pname):
    p = MODELS[name].PARAMS[pname]
    unit = UNITS[p.unit]
    bad = [0.0, -1.0] if p.positive == "strict" else [-1.0]
    rel = "> 0" if p.positive == "strict" else ">= 0"
    for b in bad:
        sim = sn.Simulator(dt=0.1 * u.ms)
        value = b if unit is None else b * unit
        with pytest.raises(sn.SncoreError, match=rf"{name} parameter '{pname}' must be finite and {rel}"):
            sim.create(name, 2, params={pname: value})


@pytest.mark.parametrize("name,pname", _cases("default"))
def test_defaults_applied(name, pname):
    sim = sn.Simulator(dt=0.1 * u.ms)
    n = sim.create(name, 3)
    p = MODELS[name].PARAMS[pname]
    got = n.get(pname)
    got = np.asarray(got if UNITS[p.unit] is None else got.to_decimal(UNITS[p.unit]))
    np.testing.assert_array_equal(got, np.full(3, p.default))


@pytest.mark.parametrize("name", NAMES)
def test_state_structure_stable_under_step(name):
    """A step returns a state with the same tree structure, shapes and dtypes as init (the
    scan carry must not change type), for float32 and float64."""
    cls = MODELS[name]
    old = jax.config.jax_enable_x64
    for dtype in (jnp.float32, jnp.float64):
        jax.config.update("jax_enable_x64", dtype == jnp.float64)
        try:
            model = cls(**{k: jnp.full((4,), p.default, dtype) for k, p in cls.PARAMS.items()})
            state = vmap_init(model, 4, 0.1)
            inp = Input(syn=jnp.ones((4, len(cls.RECEPTORS)), dtype), current=jnp.full((4,), 50.0, dtype),
                        u=jnp.full((4,), 0.5, dtype) if cls.RANDOM else None)
            new, spike = vmap_step(model, state, inp, 0.1)
            assert jax.tree.structure(new) == jax.tree.structure(state)
            for a, b in zip(jax.tree.leaves(new), jax.tree.leaves(state)):
                assert a.shape == b.shape and a.dtype == b.dtype, (name, a.dtype, b.dtype)
            assert spike.shape == (4,) and spike.dtype == dtype
        finally:
            jax.config.update("jax_enable_x64", old)


@pytest.mark.parametrize("name", [n for n in NAMES if MODELS[n].__module__.startswith("sncore.")])
def test_documentation_contract(name):
    """The model's module docstring names every parameter (the table) and has an example
    (models shipped with sncore; user models registered by other tests are exempt)."""
    cls = MODELS[name]
    doc = (sys.modules[cls.__module__].__doc__ or "") + (inspect.getdoc(cls) or "")
    # slot families (gif's tau_stc_1..3, NEST's list parameters) are documented by their stem
    missing = [p for p in cls.PARAMS if p not in doc and re.sub(r"_\d+$", "", p) not in doc]
    assert not missing, f"{name}: parameters not documented: {missing}"
    assert "Example" in doc or ">>>" in doc, f"{name}: no example in the docstring"
    for s in cls.STATES:
        assert s in doc, f"{name}: state {s!r} not documented"

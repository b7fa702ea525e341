"""Shared test fixtures: a 64-bit JAX context for float64 reference comparisons and a
deterministic hypothesis profile."""

import jax
import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=50)
settings.load_profile("ci")


@pytest.fixture
def x64():
    """Enable 64-bit JAX for one test, then restore the previous setting."""
    old = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", old)

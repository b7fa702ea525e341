"""Shared test fixtures: a 64-bit JAX context for float64 reference comparisons, the CPU
context of the native-kernel tests and a deterministic hypothesis profile."""

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


@pytest.fixture
def native_cpu():
    """The native kernels built (a compiler whose build fails is a failure) and the CPU as
    default device: they are CPU kernels, so their tests run on the CPU on any host."""
    from sncore import native

    assert native.available(), native.unavailable_reason()
    with jax.default_device(jax.devices("cpu")[0]):
        yield

"""The counter-based generator is Threefry-2x32-20 exactly; Poisson inversion is Poisson."""

import jax
import jax.extend.random as jr
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from sncore.random import (
    poisson_from_bits,
    poisson_table,
    stream_key,
    threefry2x32,
    uniform_bits,
)


def test_threefry_equals_jax_implementation():
    key = jax.random.key_data(jax.random.key(1234))
    x0 = jnp.arange(64, dtype=jnp.uint32) * jnp.uint32(2654435761)
    x1 = jnp.arange(64, 128, dtype=jnp.uint32)
    ref = jr.threefry_2x32(key, jnp.concatenate([x0, x1]))
    y0, y1 = threefry2x32(key, x0, x1)
    np.testing.assert_array_equal(np.concatenate([y0, y1]), np.asarray(ref))


def test_streams_and_steps_are_distinct_and_uniform():
    a = np.asarray(uniform_bits(stream_key(1, 0), 0, 20001))
    b = np.asarray(uniform_bits(stream_key(1, 0), 1, 20001))
    c = np.asarray(uniform_bits(stream_key(1, 1), 0, 20001))
    d = np.asarray(uniform_bits(stream_key(2, 0), 0, 20001))
    for x, y in [(a, b), (a, c), (a, d)]:
        assert np.mean(x == y) < 1e-3
    u = a / 2.0**32
    assert stats.kstest(u, "uniform").pvalue > 1e-3


@pytest.mark.parametrize("lam", [0.02, 0.5, 2.0, 7.5, 40.0])
def test_poisson_inversion_is_poisson(lam):
    table = poisson_table(lam)
    bits = uniform_bits(stream_key(7, 3), 11, 200_000)
    k = np.asarray(poisson_from_bits(bits, table))
    # chi-squared over bins with expected count >= 5, tail pooled
    kmax = int(stats.poisson.ppf(1 - 1e-4, lam))
    obs = np.bincount(np.minimum(k, kmax), minlength=kmax + 1)
    exp = stats.poisson.pmf(np.arange(kmax + 1), lam) * len(k)
    exp[-1] = stats.poisson.sf(kmax - 1, lam) * len(k)
    ok = exp >= 5
    chi = ((obs[ok] - exp[ok]) ** 2 / exp[ok]).sum()
    assert stats.chi2.sf(chi, ok.sum() - 1) > 1e-3
    # the table covers every count with probability >= 2^-32
    assert stats.poisson.sf(len(table), lam) < 2**-32 * 1.01 + 1e-300


def test_poisson_table_rejects_bad_means():
    with pytest.raises(ValueError, match="finite"):
        poisson_table(float("nan"))
    with pytest.raises(ValueError, match="1000"):
        poisson_table(5000.0)
    assert len(poisson_table(0.0)) == 0
